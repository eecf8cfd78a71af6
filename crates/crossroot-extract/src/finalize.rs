//! Repairs a sysroot once every package is in it: merged-/usr links and a check of every symlink.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::ExtractError;
use crate::path::{components, relative_symlink_target};
use crate::tree::{LinkCheck, check_link};

/// Top-level directories that merged-/usr turns into links to their `usr/` namesakes.
const MERGED_DIRS: &[&str] = &["bin", "sbin", "lib", "lib32", "lib64", "libx32"];

/// What [`finalize_tree`] did and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FinalizeReport {
    /// Top-level links created for merged-/usr, e.g. `lib` (-> `usr/lib`).
    pub merged_usr_links: Vec<PathBuf>,
    /// Top-level directories left alone although merged-/usr was asked for, because both
    /// `X/` and `usr/X/` are real directories (a tree that is not merged, like bookworm's).
    pub not_merged: Vec<PathBuf>,
    /// Symlinks whose absolute target was rewritten as a relative one.
    pub rewritten_absolute: Vec<PathBuf>,
    /// Symlinks that resolve to nothing inside the sysroot (reported, not removed).
    pub dangling: Vec<PathBuf>,
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> ExtractError + '_ {
    move |source| ExtractError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Fixes up a sysroot after all its packages were extracted into `root`.
///
/// With `merged_usr`, creates `lib -> usr/lib` (and `bin`, `sbin`, `lib64`, … for each `usr/X`
/// that exists) where the top-level name does not exist yet. Then walks the whole tree: every
/// absolute symlink is rewritten as a relative one, every symlink is resolved inside the
/// sysroot (dangling ones are counted and listed), and a symlink that resolves outside the
/// sysroot, or a file that is neither a regular file, directory nor symlink, is an error.
pub fn finalize_tree(root: &Path, merged_usr: bool) -> Result<FinalizeReport, ExtractError> {
    let mut report = FinalizeReport::default();
    if merged_usr {
        for name in MERGED_DIRS {
            let usr = root.join("usr").join(name);
            let top = root.join(name);
            let usr_is_dir = fs_err::symlink_metadata(&usr).is_ok_and(|m| m.is_dir());
            if !usr_is_dir {
                continue;
            }
            match fs_err::symlink_metadata(&top) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    fs_err::os::unix::fs::symlink(Path::new("usr").join(name), &top)
                        .map_err(write_err(&top))?;
                    report.merged_usr_links.push(PathBuf::from(name));
                }
                Err(source) => return Err(ExtractError::Write { path: top, source }),
                Ok(m) if m.is_dir() => report.not_merged.push(PathBuf::from(name)),
                Ok(_) => {} // already a link (checked below) or a file (odd, left alone)
            }
        }
    }

    let mut links = Vec::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false).min_depth(1) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            ExtractError::Write {
                path,
                source: e.into(),
            }
        })?;
        let kind = entry.file_type();
        if kind.is_symlink() {
            links.push(entry.into_path());
        } else if kind.is_dir() {
            report.dirs += 1;
        } else if kind.is_file() {
            report.files += 1;
        } else {
            return Err(ExtractError::UnexpectedFile {
                path: entry.into_path(),
            });
        }
    }

    for link in links {
        report.symlinks += 1;
        let rel = link.strip_prefix(root).unwrap_or(&link).to_path_buf();
        let dir = rel.parent().unwrap_or(Path::new("")).to_path_buf();
        let mut target = fs_err::read_link(&link).map_err(write_err(&link))?;
        if target.as_os_str().as_bytes().first() == Some(&b'/') {
            let relative = relative_symlink_target(&dir, target.as_os_str().as_bytes());
            fs_err::remove_file(&link).map_err(write_err(&link))?;
            fs_err::os::unix::fs::symlink(&relative, &link).map_err(write_err(&link))?;
            report.rewritten_absolute.push(rel.clone());
            target = relative;
        }
        match check_link(root, &components(&dir), target.as_os_str().as_bytes())
            .map_err(write_err(&link))?
        {
            LinkCheck::Resolves => {}
            LinkCheck::Dangling => report.dangling.push(rel),
            LinkCheck::Escapes => {
                return Err(ExtractError::SymlinkEscape {
                    member: rel.to_string_lossy().into_owned(),
                    target: target.to_string_lossy().into_owned(),
                });
            }
        }
    }
    Ok(report)
}
