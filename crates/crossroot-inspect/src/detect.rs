//! Name what a non-ELF input is, from its first bytes.

use crate::InspectError;

/// `Ok` when `data` starts with the ELF magic; otherwise an error naming what it is instead.
pub(crate) fn check_magic(data: &[u8]) -> Result<(), InspectError> {
    if data.is_empty() {
        return Err(InspectError::Empty);
    }
    if data.starts_with(b"\x7fELF") {
        return Ok(());
    }
    if b"\x7fELF".starts_with(data) {
        return Err(InspectError::Truncated {
            what: "the ELF magic number runs".into(),
            len: data.len(),
        });
    }
    Err(InspectError::NotElf {
        what: what_is(data),
    })
}

fn what_is(data: &[u8]) -> &'static str {
    let be32 = |d: &[u8]| {
        d.get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    if data.starts_with(b"MZ") {
        return "a PE (Windows) executable";
    }
    match be32(data) {
        Some(0xfeed_face | 0xcefa_edfe) => return "a 32-bit Mach-O (macOS) binary",
        Some(0xfeed_facf | 0xcffa_edfe) => return "a 64-bit Mach-O (macOS) binary",
        // Also the Java class file magic; Java's version word follows, a Mach-O count is small.
        Some(0xcafe_babe) => {
            return match data.get(4..8) {
                Some(n) if u32::from_be_bytes([n[0], n[1], n[2], n[3]]) < 64 => {
                    "a universal (fat) Mach-O (macOS) binary"
                }
                _ => "a Java class file",
            };
        }
        _ => {}
    }
    if data.starts_with(b"\0asm") {
        return "a WebAssembly module";
    }
    if data.starts_with(b"!<arch>\n") || data.starts_with(b"!<thin>\n") {
        return "an ar archive (static library)";
    }
    if data.starts_with(b"#!") {
        return "a script";
    }
    if data.starts_with(&[0x1f, 0x8b]) {
        return "gzip-compressed data";
    }
    if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return "xz-compressed data";
    }
    if data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return "zstd-compressed data";
    }
    if data.starts_with(b"PK\x03\x04") {
        return "a zip archive";
    }
    if data.len() > 262 && &data[257..262] == b"ustar" {
        return "a tar archive";
    }
    let head = &data[..data.len().min(4096)];
    let texty = match std::str::from_utf8(head) {
        Ok(s) => s.chars().all(|c| !c.is_control() || c.is_whitespace()),
        // A multi-byte character cut at the 4 KiB boundary is still text.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    };
    if texty {
        "a text file"
    } else {
        "unrecognised data"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn what(data: &[u8]) -> String {
        check_magic(data).unwrap_err().to_string()
    }

    #[test]
    fn names_common_formats() {
        assert_eq!(what(b"MZ\x90\0"), "is a PE (Windows) executable, not ELF");
        assert_eq!(
            what(&[0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]),
            "is a 64-bit Mach-O (macOS) binary, not ELF"
        );
        assert_eq!(
            what(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]),
            "is a universal (fat) Mach-O (macOS) binary, not ELF"
        );
        assert_eq!(
            what(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 65]),
            "is a Java class file, not ELF"
        );
        assert_eq!(what(b"\0asm\x01\0\0\0"), "is a WebAssembly module, not ELF");
        assert_eq!(
            what(b"!<arch>\nfoo"),
            "is an ar archive (static library), not ELF"
        );
        assert_eq!(what(b"#!/bin/sh\necho hi\n"), "is a script, not ELF");
        assert_eq!(what("héllo wörld\n".as_bytes()), "is a text file, not ELF");
        assert_eq!(
            what(&[0x00, 0xff, 0x13, 0x37]),
            "is unrecognised data, not ELF"
        );
        assert_eq!(what(b""), "is empty, not ELF");
        assert_eq!(
            what(b"\x7fEL"),
            "truncated ELF: the ELF magic number runs past end of file (3 bytes)"
        );
        assert!(check_magic(b"\x7fELF").is_ok());
    }
}
