//! The PE reader: what a Windows executable or DLL is and which DLLs it needs.
//!
//! Reads the headers (machine, PE32/PE32+, subsystem, DLL flag) and the import directories
//! (ordinary and delay-load) through `object`; decides which imported DLLs are part of Windows
//! itself ([`is_system_dll`], a pure list) and which must ship beside the program.

use object::LittleEndian as LE;
use object::pe;
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader, PeFile};
use serde::Serialize;

use crate::{InspectError, Machine, Mismatch};
use crossroot_target::{Os, TargetSpec};

/// Everything crossroot reads from one PE file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeReport {
    /// `"PE32"` (32-bit) or `"PE32+"` (64-bit).
    pub format: &'static str,
    /// COFF `Machine` with a readable name.
    pub machine: Machine,
    pub subsystem: Subsystem,
    /// `"executable"` or `"dll"` (`type` in JSON).
    #[serde(rename = "type")]
    pub kind: PeKind,
    /// The DLLs the file imports, as the file names them, in file order (ordinary imports, then
    /// delay-loaded ones), without duplicates.
    pub imports: Vec<String>,
    /// The imports that are not part of Windows itself: the program does not start on a clean
    /// Windows unless these ship beside it.
    pub must_ship: Vec<String>,
    /// Has a COFF symbol table (not stripped).
    pub symbols: bool,
    /// Triples of the supported targets this file fits (see [`pe_mismatches`]).
    pub targets: Vec<&'static str>,
}

/// The PE optional header's `Subsystem`, with a readable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Subsystem {
    pub code: u16,
    /// `"console"`, `"GUI"`, `"native"`, `"EFI application"`…
    pub name: &'static str,
}

/// Executable or DLL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PeKind {
    Executable,
    Dll,
}

/// A readable name for a PE `Machine`.
pub fn pe_machine_name(code: u16) -> &'static str {
    match code {
        c if c == pe::IMAGE_FILE_MACHINE_I386.0 => "x86",
        c if c == pe::IMAGE_FILE_MACHINE_AMD64.0 => "x86-64",
        c if c == pe::IMAGE_FILE_MACHINE_ARM64.0 => "AArch64",
        c if c == pe::IMAGE_FILE_MACHINE_ARMNT.0 => "ARM (Thumb-2)",
        c if c == pe::IMAGE_FILE_MACHINE_IA64.0 => "IA-64",
        _ => "unknown machine",
    }
}

/// A readable name for a PE `Subsystem`.
pub fn subsystem_name(code: u16) -> &'static str {
    match code {
        1 => "native",
        2 => "GUI",
        3 => "console",
        5 => "OS/2 console",
        7 => "POSIX console",
        9 => "Windows CE GUI",
        10 => "EFI application",
        11 => "EFI boot service driver",
        12 => "EFI runtime driver",
        13 => "EFI ROM",
        14 => "Xbox",
        16 => "boot application",
        _ => "unknown subsystem",
    }
}

/// DLLs that every Windows installation has (compared case-insensitively, `.dll` included).
/// Anything else a program imports — the MinGW runtime (`libgcc_s_seh-1.dll`,
/// `libwinpthread-1.dll`, `libstdc++-6.dll`), `zlib1.dll`, the MSVC redistributable
/// (`vcruntime140.dll`, `msvcp140.dll`) — has to ship with it.
const SYSTEM_DLLS: &[&str] = &[
    "advapi32.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "cfgmgr32.dll",
    "comctl32.dll",
    "comdlg32.dll",
    "crypt32.dll",
    "d2d1.dll",
    "d3d11.dll",
    "d3d12.dll",
    "d3d9.dll",
    "dbghelp.dll",
    "dnsapi.dll",
    "dwmapi.dll",
    "dwrite.dll",
    "dxgi.dll",
    "gdi32.dll",
    "gdiplus.dll",
    "hid.dll",
    "imm32.dll",
    "iphlpapi.dll",
    "kernel32.dll",
    "kernelbase.dll",
    "mpr.dll",
    "msimg32.dll",
    "msvcrt.dll",
    "mswsock.dll",
    "ncrypt.dll",
    "netapi32.dll",
    "normaliz.dll",
    "ntdll.dll",
    "ole32.dll",
    "oleaut32.dll",
    "opengl32.dll",
    "powrprof.dll",
    "psapi.dll",
    "rpcrt4.dll",
    "secur32.dll",
    "setupapi.dll",
    "shell32.dll",
    "shlwapi.dll",
    "ucrtbase.dll",
    "user32.dll",
    "userenv.dll",
    "uxtheme.dll",
    "version.dll",
    "winhttp.dll",
    "wininet.dll",
    "winmm.dll",
    "winspool.drv",
    "ws2_32.dll",
    "wsock32.dll",
    "wtsapi32.dll",
];

/// Whether `dll` is part of Windows itself: one of the system DLLs, or an API set
/// (`api-ms-win-*`, `ext-ms-*`), which Windows resolves itself.
pub fn is_system_dll(dll: &str) -> bool {
    let lower = dll.to_ascii_lowercase();
    lower.starts_with("api-ms-win-")
        || lower.starts_with("ext-ms-")
        || SYSTEM_DLLS.contains(&lower.as_str())
}

/// Read a PE file (the bytes start with `MZ`). Never panics, whatever the bytes.
pub(crate) fn read(data: &[u8]) -> Result<PeReport, InspectError> {
    match object::read::pe::optional_header_magic(data) {
        Ok(pe::IMAGE_NT_OPTIONAL_HDR32_MAGIC) => read_as::<pe::ImageNtHeaders32>(data, "PE32"),
        Ok(pe::IMAGE_NT_OPTIONAL_HDR64_MAGIC) => read_as::<pe::ImageNtHeaders64>(data, "PE32+"),
        Ok(other) => Err(malformed(format!(
            "unknown optional header magic {other:#06x} (expected 0x10b for PE32 or 0x20b for PE32+)"
        ))),
        // An MS-DOS program, or a cut-off file.
        Err(e) => Err(InspectError::NotPe {
            what: e.to_string(),
        }),
    }
}

fn malformed(what: String) -> InspectError {
    InspectError::MalformedPe { what }
}

fn read_as<Pe: ImageNtHeaders>(
    data: &[u8],
    format: &'static str,
) -> Result<PeReport, InspectError> {
    let file = PeFile::<Pe>::parse(data).map_err(|e| malformed(format!("headers: {e}")))?;
    let header = file.nt_headers().file_header();
    let machine = header.machine.get(LE).0;
    let characteristics = header.characteristics.get(LE).0;
    let subsystem = file.nt_headers().optional_header().subsystem().0;
    let mut imports: Vec<String> = Vec::new();
    let mut add = |name: &[u8]| {
        let name = String::from_utf8_lossy(name).into_owned();
        if !imports.iter().any(|i| i.eq_ignore_ascii_case(&name)) {
            imports.push(name);
        }
    };
    if let Some(table) = file
        .import_table()
        .map_err(|e| malformed(format!("import table: {e}")))?
    {
        let mut descriptors = table
            .descriptors()
            .map_err(|e| malformed(format!("import descriptors: {e}")))?;
        while let Some(d) = descriptors
            .next()
            .map_err(|e| malformed(format!("import descriptor: {e}")))?
        {
            let name = table
                .name(d.name.get(LE))
                .map_err(|e| malformed(format!("imported DLL name: {e}")))?;
            add(name);
        }
    }
    if let Some(table) = file
        .delay_load_import_table()
        .map_err(|e| malformed(format!("delay-load import table: {e}")))?
    {
        let mut descriptors = table
            .descriptors()
            .map_err(|e| malformed(format!("delay-load descriptors: {e}")))?;
        while let Some(d) = descriptors
            .next()
            .map_err(|e| malformed(format!("delay-load descriptor: {e}")))?
        {
            let name = table
                .name(d.dll_name_rva.get(LE))
                .map_err(|e| malformed(format!("delay-loaded DLL name: {e}")))?;
            add(name);
        }
    }
    let must_ship = imports
        .iter()
        .filter(|i| !is_system_dll(i))
        .cloned()
        .collect();
    let mut report = PeReport {
        format,
        machine: Machine {
            code: machine,
            name: pe_machine_name(machine),
        },
        subsystem: Subsystem {
            code: subsystem,
            name: subsystem_name(subsystem),
        },
        kind: if characteristics & pe::IMAGE_FILE_DLL.0 != 0 {
            PeKind::Dll
        } else {
            PeKind::Executable
        },
        imports,
        must_ship,
        symbols: header.pointer_to_symbol_table.get(LE) != 0
            && header.number_of_symbols.get(LE) != 0,
        targets: Vec::new(),
    };
    report.targets = crossroot_target::TARGETS
        .iter()
        .filter(|spec| pe_mismatches(&report, spec).is_empty())
        .map(|spec| spec.triple)
        .collect();
    Ok(report)
}

/// How a PE file differs from `spec`; empty when it fits. A Linux target never fits a PE file.
pub fn pe_mismatches(report: &PeReport, spec: &TargetSpec) -> Vec<Mismatch> {
    if spec.os != Os::Windows {
        return vec![Mismatch {
            property: "format",
            expected: "ELF (Linux)".into(),
            found: format!("{} (Windows)", report.format),
        }];
    }
    match spec.pe_machine {
        Some(m) if m == report.machine.code => Vec::new(),
        m => vec![Mismatch {
            property: "machine",
            expected: pe_machine_name(m.unwrap_or_default()).into(),
            found: report.machine.name.into(),
        }],
    }
}

impl PeReport {
    /// One line saying what the file is: `PE32+ x86-64 console executable`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} {} {}",
            self.format,
            self.machine.name,
            self.subsystem.name,
            match self.kind {
                PeKind::Executable => "executable",
                PeKind::Dll => "DLL",
            }
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Binary, InspectError, inspect_binary_bytes};
    use crossroot_target::pe_machine::{IMAGE_FILE_MACHINE_AMD64, IMAGE_FILE_MACHINE_I386};

    /// A minimal PE image as a linker lays it out: DOS header, `PE\0\0`, COFF header, optional
    /// header (PE32 or PE32+), one `.idata` section holding import descriptors for `imports`.
    pub(crate) fn minimal_pe(
        pe32_plus: bool,
        machine: u16,
        subsystem: u16,
        dll: bool,
        imports: &[&str],
    ) -> Vec<u8> {
        let mut f = vec![0u8; 0x400];
        let put16 =
            |f: &mut Vec<u8>, at: usize, v: u16| f[at..at + 2].copy_from_slice(&v.to_le_bytes());
        let put32 =
            |f: &mut Vec<u8>, at: usize, v: u32| f[at..at + 4].copy_from_slice(&v.to_le_bytes());
        f[0..2].copy_from_slice(b"MZ");
        put32(&mut f, 0x3c, 0x40);
        f[0x40..0x44].copy_from_slice(b"PE\0\0");
        let coff = 0x44;
        let opt_size: u16 = if pe32_plus { 240 } else { 224 };
        put16(&mut f, coff, machine);
        put16(&mut f, coff + 2, 1);
        put16(&mut f, coff + 16, opt_size);
        put16(&mut f, coff + 18, 0x0022 | if dll { 0x2000 } else { 0 });
        let opt = coff + 20;
        put16(&mut f, opt, if pe32_plus { 0x20b } else { 0x10b });
        put32(&mut f, opt + 32, 0x1000); // SectionAlignment
        put32(&mut f, opt + 36, 0x200); // FileAlignment
        put32(&mut f, opt + 56, 0x2000); // SizeOfImage
        put32(&mut f, opt + 60, 0x200); // SizeOfHeaders
        put16(&mut f, opt + 68, subsystem);
        let (rva_count, dirs) = if pe32_plus {
            (opt + 108, opt + 112)
        } else {
            (opt + 92, opt + 96)
        };
        put32(&mut f, rva_count, 16);
        let descriptors = u32::try_from((imports.len() + 1) * 20).expect("small");
        put32(&mut f, dirs + 8, 0x1000); // import directory RVA
        put32(&mut f, dirs + 12, descriptors);
        let section = opt + usize::from(opt_size);
        f[section..section + 6].copy_from_slice(b".idata");
        put32(&mut f, section + 8, 0x200); // VirtualSize
        put32(&mut f, section + 12, 0x1000); // VirtualAddress
        put32(&mut f, section + 16, 0x200); // SizeOfRawData
        put32(&mut f, section + 20, 0x200); // PointerToRawData
        let mut name_at = descriptors as usize;
        for (i, name) in imports.iter().enumerate() {
            let d = 0x200 + i * 20;
            put32(
                &mut f,
                d + 12,
                0x1000 + u32::try_from(name_at).expect("small"),
            );
            f[0x200 + name_at..0x200 + name_at + name.len()].copy_from_slice(name.as_bytes());
            name_at += name.len() + 1;
        }
        f
    }

    fn pe(bytes: &[u8]) -> PeReport {
        match inspect_binary_bytes(bytes) {
            Ok(Binary::Pe(r)) => r,
            other => panic!("not read as PE: {other:?}"),
        }
    }

    const RUST_TEST_EXE: &[&str] = &[
        "KERNEL32.dll",
        "msvcrt.dll",
        "ntdll.dll",
        "USERENV.dll",
        "WS2_32.dll",
        "api-ms-win-core-synch-l1-2-0.dll",
        "bcryptprimitives.dll",
    ];

    #[test]
    fn a_rust_test_exe_needs_nothing_beside_it() {
        let r = pe(&minimal_pe(
            true,
            IMAGE_FILE_MACHINE_AMD64,
            3,
            false,
            RUST_TEST_EXE,
        ));
        assert_eq!(r.describe(), "PE32+ x86-64 console executable");
        assert_eq!(r.imports, RUST_TEST_EXE);
        assert!(r.must_ship.is_empty(), "{:?}", r.must_ship);
        assert_eq!(r.targets, ["x86_64-pc-windows-gnu"]);
    }

    #[test]
    fn mingw_runtime_and_zlib_must_ship() {
        let r = pe(&minimal_pe(
            false,
            IMAGE_FILE_MACHINE_I386,
            2,
            true,
            &[
                "KERNEL32.dll",
                "libgcc_s_dw2-1.dll",
                "libwinpthread-1.dll",
                "zlib1.dll",
                "USER32.dll",
                "kernel32.DLL",
            ],
        ));
        assert_eq!(r.describe(), "PE32 x86 GUI DLL");
        assert_eq!(r.format, "PE32");
        // Duplicates (in any case) are listed once.
        assert_eq!(r.imports.len(), 5, "{:?}", r.imports);
        assert_eq!(
            r.must_ship,
            ["libgcc_s_dw2-1.dll", "libwinpthread-1.dll", "zlib1.dll"]
        );
        assert_eq!(r.targets, ["i686-pc-windows-gnu"]);
    }

    #[test]
    fn system_dlls_and_api_sets() {
        for dll in [
            "KERNEL32.dll",
            "api-ms-win-crt-runtime-l1-1-0.dll",
            "Ext-MS-Win-foo.dll",
            "ucrtbase.dll",
        ] {
            assert!(is_system_dll(dll), "{dll}");
        }
        for dll in [
            "libgcc_s_seh-1.dll",
            "libwinpthread-1.dll",
            "libstdc++-6.dll",
            "zlib1.dll",
            "vcruntime140.dll",
            "kernel32",
        ] {
            assert!(!is_system_dll(dll), "{dll}");
        }
    }

    #[test]
    fn expected_targets_refuse_the_other_format_and_machine() {
        let r = pe(&minimal_pe(
            true,
            IMAGE_FILE_MACHINE_AMD64,
            3,
            false,
            &["KERNEL32.dll"],
        ));
        let spec = |t| crossroot_target::by_triple(t).expect("known");
        assert!(pe_mismatches(&r, spec("x86_64-pc-windows-gnu")).is_empty());
        let m = pe_mismatches(&r, spec("i686-pc-windows-gnu"));
        assert_eq!(
            m[0].to_string(),
            "machine: the target has x86, the file has x86-64"
        );
        let m = pe_mismatches(&r, spec("x86_64-unknown-linux-gnu"));
        assert_eq!(
            m[0].to_string(),
            "format: the target has ELF (Linux), the file has PE32+ (Windows)"
        );
    }

    #[test]
    fn damaged_pe_files_are_errors_not_panics() {
        // An MS-DOS stub alone.
        let err = inspect_binary_bytes(b"MZ\x90\x00").expect_err("too short");
        assert!(matches!(err, InspectError::NotPe { .. }), "{err:?}");
        let full = minimal_pe(true, IMAGE_FILE_MACHINE_AMD64, 3, false, RUST_TEST_EXE);
        for cut in [0x50, 0x100, 0x180, 0x210, 0x300] {
            // Never a panic; a cut inside the import names may still read or fail.
            let _ = inspect_binary_bytes(&full[..cut]);
        }
        // An import directory pointing outside every section.
        let mut bad = full.clone();
        let dirs = 0x44 + 20 + 112;
        bad[dirs + 8..dirs + 12].copy_from_slice(&0x9000u32.to_le_bytes());
        let err = inspect_binary_bytes(&bad).expect_err("bad import RVA");
        assert!(matches!(err, InspectError::MalformedPe { .. }), "{err:?}");
        assert!(err.to_string().starts_with("malformed PE: import"), "{err}");
    }
}
