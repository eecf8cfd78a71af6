//! Look a file's interpreter and NEEDED libraries up in a target sysroot, the way the target's
//! dynamic loader would. The one module here that touches the filesystem (metadata, links and
//! the first bytes of each library found).

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use crossroot_target::TargetSpec;
use serde::Serialize;

use crate::{ElfReport, class_name, elf_identity, machine_name};

/// Where each dependency of a file was found in a sysroot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SysrootResolution {
    pub sysroot: PathBuf,
    pub interpreter: Option<Lookup>,
    pub needed: Vec<Lookup>,
}

impl SysrootResolution {
    /// The lookups that failed: missing, or found but unusable.
    pub fn problems(&self) -> impl Iterator<Item = &Lookup> {
        self.interpreter
            .iter()
            .chain(self.needed.iter())
            .filter(|l| l.found.is_none() || l.problem.is_some())
    }
}

/// One library (or the interpreter) and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lookup {
    pub name: String,
    /// The file found (a host path: inside the sysroot, or next to the file for `$ORIGIN`).
    pub found: Option<PathBuf>,
    /// Why the file found cannot be used (wrong architecture), if so.
    pub problem: Option<String>,
}

/// Resolve `report`'s interpreter and NEEDED against `sysroot`, a directory laid out like the
/// target's root filesystem. Search order as glibc's loader: DT_RPATH (only without DT_RUNPATH),
/// DT_RUNPATH, then `lib/<multiarch>`, `usr/lib/<multiarch>`, `lib`, `usr/lib`. `$ORIGIN` is
/// `file_dir`, the directory the inspected file is in; other absolute paths are taken inside the
/// sysroot, and absolute symlinks in the sysroot are followed inside it.
pub fn resolve_in_sysroot(
    report: &ElfReport,
    spec: &TargetSpec,
    sysroot: &Path,
    file_dir: Option<&Path>,
) -> SysrootResolution {
    let interpreter = report.interpreter.as_ref().map(|interp| {
        let found = within(sysroot, Path::new(interp));
        check(report, interp.clone(), found)
    });

    let mut dirs: Vec<PathBuf> = Vec::new();
    let rpaths = if report.runpath.is_empty() {
        &report.rpath
    } else {
        &report.runpath
    };
    for entry in rpaths {
        if let Some(dir) = expand_origin(entry, file_dir) {
            dirs.push(dir);
        } else if entry.starts_with('/') {
            if let Some(dir) = within(sysroot, Path::new(entry)) {
                dirs.push(dir);
            }
        }
    }
    for dir in [
        format!("/lib/{}", spec.multiarch),
        format!("/usr/lib/{}", spec.multiarch),
        "/lib".to_string(),
        "/usr/lib".to_string(),
    ] {
        if let Some(dir) = within(sysroot, Path::new(&dir)) {
            dirs.push(dir);
        }
    }

    let needed = report
        .needed
        .iter()
        .map(|name| {
            let found = if name.contains('/') {
                within(sysroot, Path::new(name))
            } else {
                dirs.iter().find_map(|d| {
                    let candidate = d.join(name);
                    if candidate.starts_with(sysroot) {
                        resolve_links(&candidate, sysroot).filter(|p| p.is_file())
                    } else {
                        // `$ORIGIN`: a directory on the host, next to the inspected file.
                        candidate.is_file().then_some(candidate)
                    }
                })
            };
            check(report, name.clone(), found)
        })
        .collect();

    SysrootResolution {
        sysroot: sysroot.to_path_buf(),
        interpreter,
        needed,
    }
}

/// Replace `$ORIGIN` / `${ORIGIN}` at the start of an entry; `None` if it has none.
fn expand_origin(entry: &str, file_dir: Option<&Path>) -> Option<PathBuf> {
    let rest = entry
        .strip_prefix("$ORIGIN")
        .or_else(|| entry.strip_prefix("${ORIGIN}"))?;
    let dir = file_dir?;
    Some(dir.join(rest.trim_start_matches('/')))
}

/// Check that a found library is for the same machine and class.
fn check(report: &ElfReport, name: String, found: Option<PathBuf>) -> Lookup {
    let problem = found.as_deref().and_then(|path| {
        let mut head = [0u8; 20];
        let n = read_head(path, &mut head)?;
        match elf_identity(&head[..n]) {
            None => Some("found, but it is not an ELF file".to_string()),
            Some((class, endian, machine))
                if machine != report.machine.code
                    || class != report.class
                    || endian != report.endian =>
            {
                Some(format!(
                    "found, but it is {} {} {}",
                    class_name(class),
                    crate::endian_name(endian),
                    machine_name(machine)
                ))
            }
            Some(_) => None,
        }
    });
    Lookup {
        name,
        found,
        problem,
    }
}

fn read_head(path: &Path, buf: &mut [u8]) -> Option<usize> {
    use std::io::Read;
    let mut file = fs_err::File::open(path).ok()?;
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return None,
        }
    }
    Some(n)
}

/// `path` (absolute on the target) inside `sysroot`, following symlinks inside the sysroot;
/// `None` if it does not exist.
fn within(sysroot: &Path, path: &Path) -> Option<PathBuf> {
    let rel: PathBuf = path
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    resolve_links(&sysroot.join(rel), sysroot)
}

/// Follow every symlink in `path` (which lies under `root`), re-rooting absolute link targets at
/// `root` and never leaving it. `None` if something does not exist or links loop.
fn resolve_links(path: &Path, root: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let mut pending: Vec<OsString> = rel
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect();
    let mut current: Vec<OsString> = Vec::new();
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            current.pop();
            continue;
        }
        let candidate: PathBuf = root.join(current.iter().collect::<PathBuf>()).join(&part);
        let meta = std::fs::symlink_metadata(&candidate).ok()?;
        if meta.file_type().is_symlink() {
            hops += 1;
            if hops > 40 {
                return None;
            }
            let target = std::fs::read_link(&candidate).ok()?;
            if target.is_absolute() {
                current.clear();
            }
            for c in target.components().rev() {
                match c {
                    Component::Normal(s) => pending.push(s.to_os_string()),
                    Component::ParentDir => pending.push(OsString::from("..")),
                    _ => {}
                }
            }
        } else {
            current.push(part);
        }
    }
    Some(root.join(current.iter().collect::<PathBuf>()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect_bytes;

    const AARCH64: &[u8] = include_bytes!("../tests/fixtures/aarch64-gnu");

    fn aarch64() -> &'static TargetSpec {
        crossroot_target::by_triple("aarch64-unknown-linux-gnu").unwrap()
    }

    #[test]
    fn finds_loader_and_libc_in_a_bookworm_style_tree() {
        let report = inspect_bytes(AARCH64).unwrap();
        let root = tempfile::tempdir().unwrap();
        let libdir = root.path().join("lib/aarch64-linux-gnu");
        fs_err::create_dir_all(&libdir).unwrap();
        // The loader is a symlink with an absolute target, as Debian ships it.
        fs_err::write(libdir.join("ld-linux-aarch64.so.1"), AARCH64).unwrap();
        std::os::unix::fs::symlink(
            "/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1",
            root.path().join("lib/ld-linux-aarch64.so.1"),
        )
        .unwrap();
        fs_err::write(libdir.join("libc.so.6"), AARCH64).unwrap();

        let r = resolve_in_sysroot(&report, aarch64(), root.path(), None);
        let interp = r.interpreter.as_ref().unwrap();
        assert_eq!(
            interp.found.as_deref(),
            Some(libdir.join("ld-linux-aarch64.so.1").as_path())
        );
        assert_eq!(r.needed[0].name, "libc.so.6");
        assert_eq!(
            r.needed[0].found.as_deref(),
            Some(libdir.join("libc.so.6").as_path())
        );
        assert_eq!(r.problems().count(), 0);
    }

    #[test]
    fn flags_missing_and_wrong_architecture_libraries() {
        let report = inspect_bytes(AARCH64).unwrap();
        let root = tempfile::tempdir().unwrap();
        let libdir = root.path().join("usr/lib/aarch64-linux-gnu");
        fs_err::create_dir_all(&libdir).unwrap();
        fs_err::write(
            libdir.join("libc.so.6"),
            include_bytes!("../tests/fixtures/armv7-gnueabihf"),
        )
        .unwrap();
        let r = resolve_in_sysroot(&report, aarch64(), root.path(), None);
        assert_eq!(r.interpreter.as_ref().unwrap().found, None);
        assert_eq!(
            r.needed[0].problem.as_deref(),
            Some("found, but it is ELF32 little-endian ARM")
        );
        let names: Vec<_> = r.problems().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["/lib/ld-linux-aarch64.so.1", "libc.so.6"]);
    }

    #[test]
    fn runpath_origin_is_the_files_directory() {
        let mut report = inspect_bytes(AARCH64).unwrap();
        report.runpath = vec!["$ORIGIN/../lib".into()];
        let root = tempfile::tempdir().unwrap();
        let app = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(app.path().join("bin")).unwrap();
        fs_err::create_dir_all(app.path().join("lib")).unwrap();
        fs_err::write(app.path().join("lib/libc.so.6"), AARCH64).unwrap();
        let r = resolve_in_sysroot(
            &report,
            aarch64(),
            root.path(),
            Some(&app.path().join("bin")),
        );
        let found = r.needed[0].found.clone().unwrap();
        assert_eq!(
            found.canonicalize().unwrap(),
            app.path().join("lib/libc.so.6").canonicalize().unwrap()
        );
    }

    #[test]
    fn symlinks_never_leave_the_sysroot() {
        let root = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(root.path().join("lib")).unwrap();
        std::os::unix::fs::symlink("../../../../../../etc/passwd", root.path().join("lib/x"))
            .unwrap();
        let r = within(root.path(), Path::new("/lib/x"));
        assert_eq!(r, None);
        std::os::unix::fs::symlink("loop", root.path().join("lib/loop")).unwrap();
        assert_eq!(within(root.path(), Path::new("/lib/loop")), None);
    }
}
