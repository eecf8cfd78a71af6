//! Pure path logic for extraction: member-name sanitizing and symlink-target arithmetic.
//!
//! No I/O here: everything works on bytes and path components, so it can be fuzzed and
//! property-tested. The filesystem side (what a path resolves to on disk) is in `tree.rs`.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// Why a member name or link target was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The name is empty.
    #[error("the name is empty")]
    Empty,
    /// The name contains a NUL byte, which no filesystem path can hold.
    #[error("the name contains a NUL byte")]
    Nul,
    /// The name starts with `/`: archive members must be relative.
    #[error("the name is an absolute path")]
    Absolute,
    /// The name has a `..` component, which could climb out of the sysroot.
    #[error("the name contains a `..` component")]
    ParentDir,
}

/// Turns a tar member name into a safe path relative to the extraction root.
///
/// Leading `./`, repeated slashes, `.` components and a trailing `/` are dropped. Refused:
/// empty names, NUL bytes, absolute paths and any `..` component. The archive root itself
/// (`.` or `./`, the first member of every `.deb` data tarball) maps to an empty path, which
/// callers must accept only for directory entries. Names need not be UTF-8.
pub fn sanitize_member_path(name: &[u8]) -> Result<PathBuf, PathError> {
    if name.is_empty() {
        return Err(PathError::Empty);
    }
    if name.contains(&0) {
        return Err(PathError::Nul);
    }
    if name[0] == b'/' {
        return Err(PathError::Absolute);
    }
    let mut out = PathBuf::new();
    for part in name.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => return Err(PathError::ParentDir),
            normal => out.push(OsStr::from_bytes(normal)),
        }
    }
    Ok(out)
}

/// The components of a sanitized relative path (only `Normal` ones exist after sanitizing).
pub(crate) fn components(path: &Path) -> Vec<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            _ => None,
        })
        .collect()
}

/// One component of a symlink target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Name(OsString),
    /// `..`
    Parent,
    /// `.` or an empty component (`a//b`, a trailing `/`): nothing lexically, but what comes
    /// before it must be a directory (`file/.` does not resolve).
    Current,
}

/// Splits a symlink target into components. Returns `(is_absolute, parts)`.
pub(crate) fn split_target(target: &[u8]) -> (bool, Vec<Part>) {
    let absolute = target.first() == Some(&b'/');
    let body = if absolute { &target[1..] } else { target };
    let parts = body
        .split(|&b| b == b'/')
        .map(|p| match p {
            b"" | b"." => Part::Current,
            b".." => Part::Parent,
            name => Part::Name(OsStr::from_bytes(name).to_os_string()),
        })
        .collect();
    (absolute, parts)
}

/// Rewrites an absolute symlink target as a path relative to `link_dir`, the directory (relative
/// to the sysroot, without symlinks) that holds the link. The sysroot plays the part of `/`, so
/// `..` at the top stays at the top, as it would in a chroot.
///
/// `usr/lib/aarch64-linux-gnu` + `/lib/aarch64-linux-gnu/libm.so.6`
/// gives `../../../lib/aarch64-linux-gnu/libm.so.6`.
pub fn relative_symlink_target(link_dir: &Path, absolute_target: &[u8]) -> PathBuf {
    let (_, parts) = split_target(absolute_target);
    let mut target: Vec<OsString> = Vec::new();
    for part in parts {
        match part {
            Part::Name(name) => target.push(name),
            Part::Parent => {
                target.pop();
            }
            Part::Current => {}
        }
    }
    let dir = components(link_dir);
    let common = dir
        .iter()
        .zip(target.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..dir.len() {
        out.push("..");
    }
    for name in &target[common..] {
        out.push(name);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Resolves a relative symlink target lexically from `link_dir` (relative to the sysroot).
/// Returns the resulting sysroot-relative path, or `None` when a `..` climbs above the sysroot.
pub fn resolve_lexically(link_dir: &Path, relative_target: &[u8]) -> Option<PathBuf> {
    let (absolute, parts) = split_target(relative_target);
    let mut stack = if absolute {
        Vec::new()
    } else {
        components(link_dir)
    };
    for part in parts {
        match part {
            Part::Name(name) => stack.push(name),
            Part::Parent => {
                stack.pop()?;
            }
            Part::Current => {}
        }
    }
    Some(stack.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(name: &str) -> String {
        sanitize_member_path(name.as_bytes())
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn sanitizer_accepts_normal_member_names() {
        assert_eq!(ok("./usr/lib/libfoo.so.1"), "usr/lib/libfoo.so.1");
        assert_eq!(ok("usr/include/"), "usr/include");
        assert_eq!(ok("./usr//share/./doc/"), "usr/share/doc");
        assert_eq!(ok("./"), "");
        assert_eq!(ok("."), "");
        assert_eq!(ok("a/..b/c.."), "a/..b/c..");
    }

    #[test]
    fn sanitizer_refuses_dangerous_names() {
        use PathError::*;
        let cases: &[(&[u8], PathError)] = &[
            (b"", Empty),
            (b"../../evil", ParentDir),
            (b"./usr/../../evil", ParentDir),
            (b"usr/..", ParentDir),
            (b"/etc/evil", Absolute),
            (b"//etc/evil", Absolute),
            (b"usr/lib\0/x", Nul),
        ];
        for (name, want) in cases {
            assert_eq!(
                sanitize_member_path(name),
                Err(*want),
                "{:?}",
                String::from_utf8_lossy(name)
            );
        }
    }

    #[test]
    fn sanitizer_keeps_non_utf8_names() {
        let path = sanitize_member_path(b"./usr/share/\xff\xfe").unwrap();
        assert_eq!(path.as_os_str().as_bytes(), b"usr/share/\xff\xfe");
    }

    #[test]
    fn absolute_targets_become_relative_to_the_link_directory() {
        let rel = |dir: &str, target: &str| {
            relative_symlink_target(Path::new(dir), target.as_bytes())
                .to_string_lossy()
                .into_owned()
        };
        assert_eq!(
            rel(
                "usr/lib/aarch64-linux-gnu",
                "/lib/aarch64-linux-gnu/libm.so.6"
            ),
            "../../../lib/aarch64-linux-gnu/libm.so.6"
        );
        assert_eq!(rel("usr/bin", "/usr/bin/python3.11"), "python3.11");
        assert_eq!(rel("usr/lib/x", "/usr/lib/y/z"), "../y/z");
        assert_eq!(rel("", "/usr/lib"), "usr/lib");
        assert_eq!(rel("etc", "/"), "..");
        assert_eq!(rel("", "/"), ".");
        // `..` above `/` stays at `/`, as in a chroot.
        assert_eq!(rel("etc", "/../../etc/passwd"), "passwd");
    }

    #[test]
    fn lexical_resolution_stops_at_the_sysroot_top() {
        let res = |dir: &str, target: &str| {
            resolve_lexically(Path::new(dir), target.as_bytes())
                .map(|p| p.to_string_lossy().into_owned())
        };
        assert_eq!(
            res("usr/lib/aarch64-linux-gnu", "../../../lib/x.so"),
            Some("lib/x.so".into())
        );
        assert_eq!(res("usr/lib", "../../.."), None);
        assert_eq!(res("", ".."), None);
        assert_eq!(res("a", "./b/../c"), Some("a/c".into()));
    }
}
