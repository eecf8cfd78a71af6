//! Writing into the sysroot without ever leaving it.
//!
//! Every path is resolved here component by component with `symlink_metadata`, never by the
//! kernel: a symlink met on the way is followed *inside the sysroot* (its target read and
//! resolved against the sysroot, `..` never climbing above it), the way the kernel would inside a
//! chroot. Files are created with `O_CREAT | O_EXCL`, so the last component is never followed
//! either. Nothing else writes into a staged sysroot while we do (the archive side stages into a
//! private directory), so checking before acting is enough.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::io::{self, BufWriter, Read, Write as _};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use filetime::FileTime;
use fs_err::os::unix::fs::OpenOptionsExt;

use crate::path::{Part, components, relative_symlink_target, split_target};
use crate::{ExtractError, ExtractedDeb};

/// At most this many symlinks are followed while resolving one path (Linux uses 40).
const MAX_SYMLINK_HOPS: usize = 40;
/// Permission bits kept from the archive: no setuid, setgid or sticky bit.
const MODE_MASK: u32 = 0o777;

/// Where a resolution ended.
#[derive(Debug)]
pub(crate) enum Walk {
    /// Every component exists; the sysroot-relative real path (no symlinks in it).
    Found(Vec<OsString>),
    /// A component is missing (or is not a directory where one is needed): the real path
    /// reached so far and the parts not yet resolved.
    Missing {
        real: Vec<OsString>,
        pending: VecDeque<Part>,
    },
}

/// Why a resolution failed.
#[derive(Debug)]
pub(crate) enum WalkError {
    /// A `..` climbed above the sysroot.
    Escape,
    /// More than [`MAX_SYMLINK_HOPS`] symlinks.
    Loop(PathBuf),
    /// A component that must be a directory is something else (only when creating).
    NotADirectory(PathBuf),
    Io(io::Error),
}

fn join(root: &Path, real: &[OsString]) -> PathBuf {
    let mut path = root.to_path_buf();
    path.extend(real);
    path
}

/// Resolves `pending` starting from the real directory `real`, following symlinks inside
/// `root`. With `create`, missing components are created as directories (mode 0755) and every
/// component must end up a directory; without it, the walk stops at the first missing one.
pub(crate) fn walk(
    root: &Path,
    mut real: Vec<OsString>,
    mut pending: VecDeque<Part>,
    create: bool,
) -> Result<Walk, WalkError> {
    let mut hops = 0;
    while let Some(part) = pending.pop_front() {
        let name = match part {
            Part::Name(name) => name,
            Part::Parent => {
                if real.pop().is_none() {
                    return Err(WalkError::Escape);
                }
                continue;
            }
            // `real` only ever holds directories.
            Part::Current => continue,
        };
        let mut here = join(root, &real);
        here.push(&name);
        match fs_err::symlink_metadata(&here) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !create {
                    pending.push_front(Part::Name(name));
                    return Ok(Walk::Missing { real, pending });
                }
                match fs_err::create_dir(&here) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(WalkError::Io(e)),
                }
                real.push(name);
            }
            Err(e) => return Err(WalkError::Io(e)),
            Ok(meta) if meta.is_dir() => real.push(name),
            Ok(meta) if meta.file_type().is_symlink() => {
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    real.push(name);
                    return Err(WalkError::Loop(real.iter().collect()));
                }
                let target = fs_err::read_link(&here).map_err(WalkError::Io)?;
                let (absolute, parts) = split_target(target.as_os_str().as_bytes());
                if absolute {
                    real.clear();
                }
                for part in parts.into_iter().rev() {
                    pending.push_front(part);
                }
            }
            Ok(_) => {
                if create {
                    real.push(name);
                    return Err(WalkError::NotADirectory(real.iter().collect()));
                }
                if pending.is_empty() {
                    real.push(name);
                    return Ok(Walk::Found(real));
                }
                // A file used as a directory: the kernel says ENOTDIR; for us it's dangling.
                pending.push_front(Part::Name(name));
                return Ok(Walk::Missing { real, pending });
            }
        }
    }
    Ok(Walk::Found(real))
}

/// How a symlink target resolves from the real directory `link_dir`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LinkCheck {
    Resolves,
    Dangling,
    Escapes,
}

/// Resolves a symlink target the way the kernel would, with the sysroot as a barrier: existing
/// symlinks are followed, and past the first missing component the rest is applied lexically.
pub(crate) fn check_link(
    root: &Path,
    link_dir: &[OsString],
    target: &[u8],
) -> io::Result<LinkCheck> {
    let (absolute, parts) = split_target(target);
    let start = if absolute {
        Vec::new()
    } else {
        link_dir.to_vec()
    };
    match walk(root, start, parts.into(), false) {
        Ok(Walk::Found(_)) => Ok(LinkCheck::Resolves),
        Ok(Walk::Missing { mut real, pending }) => {
            for part in pending {
                match part {
                    Part::Name(name) => real.push(name),
                    Part::Parent => {
                        if real.pop().is_none() {
                            return Ok(LinkCheck::Escapes);
                        }
                    }
                    Part::Current => {}
                }
            }
            Ok(LinkCheck::Dangling)
        }
        Err(WalkError::Escape) => Ok(LinkCheck::Escapes),
        Err(WalkError::Loop(_)) | Err(WalkError::NotADirectory(_)) => Ok(LinkCheck::Dangling),
        Err(WalkError::Io(e)) => Err(e),
    }
}

/// One extraction into `root`: the state that lives for one `.deb`.
pub(crate) struct Tree<'a> {
    root: &'a Path,
    rewrite_absolute: bool,
    /// Archive parent directory -> real parent directory (both sysroot-relative).
    parents: HashMap<PathBuf, Vec<OsString>>,
    /// Regular files written by this package: archive path -> real path, for hard links.
    files: HashMap<PathBuf, Vec<OsString>>,
    pub(crate) out: ExtractedDeb,
}

/// What is at the final component before we write there.
enum Slot {
    Free,
    Directory,
}

impl<'a> Tree<'a> {
    pub(crate) fn new(root: &'a Path, rewrite_absolute: bool) -> Self {
        Tree {
            root,
            rewrite_absolute,
            parents: HashMap::new(),
            files: HashMap::new(),
            out: ExtractedDeb::default(),
        }
    }

    fn walk_error(&self, member: &str, err: WalkError) -> ExtractError {
        match err {
            WalkError::Escape => ExtractError::PathEscape {
                member: member.to_owned(),
            },
            WalkError::Loop(path) => ExtractError::SymlinkLoop {
                member: member.to_owned(),
                path,
            },
            WalkError::NotADirectory(path) => ExtractError::NotADirectory {
                member: member.to_owned(),
                path,
            },
            WalkError::Io(source) => ExtractError::Write {
                path: self.root.to_path_buf(),
                source,
            },
        }
    }

    /// The real directory (sysroot-relative, symlink-free) that holds `rel`, created if missing.
    fn parent_of(&mut self, member: &str, rel: &Path) -> Result<Vec<OsString>, ExtractError> {
        let parent = rel.parent().unwrap_or(Path::new(""));
        if let Some(real) = self.parents.get(parent) {
            return Ok(real.clone());
        }
        let parts = components(parent).into_iter().map(Part::Name).collect();
        match walk(self.root, Vec::new(), parts, true) {
            Ok(Walk::Found(real)) => {
                self.parents.insert(parent.to_path_buf(), real.clone());
                Ok(real)
            }
            Ok(Walk::Missing { .. }) => Err(ExtractError::PathEscape {
                member: member.to_owned(),
            }),
            Err(e) => Err(self.walk_error(member, e)),
        }
    }

    /// Clears what stands at `path` so a file or link can be created there. Regular files and
    /// symlinks are removed (a later package may replace them); a directory is reported.
    fn clear_slot(&mut self, path: &Path) -> Result<Slot, ExtractError> {
        match fs_err::symlink_metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Slot::Free),
            Err(source) => Err(ExtractError::Write {
                path: path.to_path_buf(),
                source,
            }),
            Ok(meta) if meta.is_dir() => Ok(Slot::Directory),
            Ok(meta) => {
                if meta.file_type().is_symlink() {
                    // Paths resolved through this link are stale now.
                    self.parents.clear();
                } else if !meta.is_file() {
                    return Err(ExtractError::UnexpectedFile {
                        path: path.to_path_buf(),
                    });
                }
                fs_err::remove_file(path).map_err(|source| ExtractError::Write {
                    path: path.to_path_buf(),
                    source,
                })?;
                Ok(Slot::Free)
            }
        }
    }

    fn no_directory(
        &self,
        member: &str,
        slot: Slot,
        real: &[OsString],
    ) -> Result<(), ExtractError> {
        match slot {
            Slot::Free => Ok(()),
            Slot::Directory => Err(ExtractError::ReplacesDirectory {
                member: member.to_owned(),
                path: real.iter().collect(),
            }),
        }
    }

    pub(crate) fn directory(
        &mut self,
        member: &str,
        rel: &Path,
        mode: u32,
    ) -> Result<(), ExtractError> {
        if rel.as_os_str().is_empty() {
            return Ok(()); // `./`: the sysroot itself.
        }
        let parent = self.parent_of(member, rel)?;
        let name = rel.file_name().unwrap_or_default().to_os_string();
        // Resolve the directory itself, following an existing symlink inside the sysroot
        // (a bookworm `lib/` entry meeting a merged-/usr `lib -> usr/lib`).
        let real = match walk(self.root, parent, [Part::Name(name)].into(), true) {
            Ok(Walk::Found(real)) => real,
            Ok(Walk::Missing { .. }) => {
                return Err(ExtractError::PathEscape {
                    member: member.to_owned(),
                });
            }
            Err(e) => return Err(self.walk_error(member, e)),
        };
        let path = join(self.root, &real);
        let mode = (mode & MODE_MASK) | 0o700; // we must be able to write and clean it up
        fs_err::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .map_err(|source| ExtractError::Write { path, source })?;
        self.out.dirs += 1;
        Ok(())
    }

    pub(crate) fn file(
        &mut self,
        member: &str,
        rel: &Path,
        mode: u32,
        mtime: u64,
        size: u64,
        data: &mut dyn Read,
    ) -> Result<(), ExtractError> {
        let mut real = self.parent_of(member, rel)?;
        real.push(rel.file_name().unwrap_or_default().to_os_string());
        let path = join(self.root, &real);
        let slot = self.clear_slot(&path)?;
        self.no_directory(member, slot, &real)?;
        let mode = (mode & MODE_MASK) | 0o400;
        let write_err = |source| ExtractError::Write {
            path: path.clone(),
            source,
        };
        let file = fs_err::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)
            .map_err(write_err)?;
        let mut writer = BufWriter::with_capacity(128 * 1024, file);
        let copied = copy(data, &mut writer).map_err(|e| match e {
            CopyError::Read(source) => ExtractError::Read {
                member: member.to_owned(),
                source,
            },
            CopyError::Write(source) => write_err(source),
        })?;
        if copied != size {
            return Err(ExtractError::Truncated {
                member: member.to_owned(),
                expected: size,
                actual: copied,
            });
        }
        let file = writer.into_inner().map_err(|e| write_err(e.into_error()))?;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(write_err)?;
        let mtime = FileTime::from_unix_time(mtime as i64, 0);
        filetime::set_file_handle_times(file.file(), None, Some(mtime)).map_err(write_err)?;
        self.files.insert(rel.to_path_buf(), real);
        self.out.files += 1;
        self.out.bytes += size;
        self.out.paths.push(rel.to_path_buf());
        Ok(())
    }

    pub(crate) fn symlink(
        &mut self,
        member: &str,
        rel: &Path,
        target: &[u8],
        mtime: u64,
    ) -> Result<(), ExtractError> {
        let invalid = || ExtractError::InvalidSymlinkTarget {
            member: member.to_owned(),
            target: String::from_utf8_lossy(target).into_owned(),
        };
        if target.is_empty() || target.contains(&0) {
            return Err(invalid());
        }
        let parent = self.parent_of(member, rel)?;
        let parent_path: PathBuf = parent.iter().collect();
        let target: PathBuf = if target[0] == b'/' && self.rewrite_absolute {
            self.out.absolute_symlinks_rewritten += 1;
            relative_symlink_target(&parent_path, target)
        } else {
            PathBuf::from(std::ffi::OsStr::from_bytes(target))
        };
        let checked =
            check_link(self.root, &parent, target.as_os_str().as_bytes()).map_err(|source| {
                ExtractError::Write {
                    path: self.root.to_path_buf(),
                    source,
                }
            })?;
        if checked == LinkCheck::Escapes {
            return Err(ExtractError::SymlinkEscape {
                member: member.to_owned(),
                target: target.to_string_lossy().into_owned(),
            });
        }
        let mut real = parent;
        real.push(rel.file_name().unwrap_or_default().to_os_string());
        let path = join(self.root, &real);
        let slot = self.clear_slot(&path)?;
        self.no_directory(member, slot, &real)?;
        fs_err::os::unix::fs::symlink(&target, &path).map_err(|source| ExtractError::Write {
            path: path.clone(),
            source,
        })?;
        self.parents.clear();
        let mtime = FileTime::from_unix_time(mtime as i64, 0);
        filetime::set_symlink_file_times(&path, mtime, mtime)
            .map_err(|source| ExtractError::Write { path, source })?;
        self.out.symlinks += 1;
        self.out.paths.push(rel.to_path_buf());
        Ok(())
    }

    pub(crate) fn hardlink(
        &mut self,
        member: &str,
        rel: &Path,
        target: &Path,
        target_name: &str,
    ) -> Result<(), ExtractError> {
        let refuse = |reason| ExtractError::HardlinkTarget {
            member: member.to_owned(),
            target: target_name.to_owned(),
            reason,
        };
        let Some(source_real) = self.files.get(target).cloned() else {
            return Err(refuse(
                "the target is not a file extracted earlier from this package",
            ));
        };
        let source = join(self.root, &source_real);
        match fs_err::symlink_metadata(&source) {
            Ok(meta) if meta.is_file() => {}
            _ => return Err(refuse("the target is no longer a regular file")),
        }
        let mut real = self.parent_of(member, rel)?;
        real.push(rel.file_name().unwrap_or_default().to_os_string());
        if real == source_real {
            return Err(refuse("a file cannot be a hard link to itself"));
        }
        let path = join(self.root, &real);
        let slot = self.clear_slot(&path)?;
        self.no_directory(member, slot, &real)?;
        let write_err = |source| ExtractError::Write {
            path: path.clone(),
            source,
        };
        if fs_err::hard_link(&source, &path).is_err() {
            // A filesystem without hard links: copy the bytes and the mode.
            let mut from = fs_err::File::open(&source).map_err(write_err)?;
            let mode = from.metadata().map_err(write_err)?.permissions().mode();
            let to = fs_err::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&path)
                .map_err(write_err)?;
            let mut to = BufWriter::new(to);
            io::copy(&mut from, &mut to).map_err(write_err)?;
            to.flush().map_err(write_err)?;
        }
        self.files.insert(rel.to_path_buf(), real);
        self.out.hardlinks += 1;
        self.out.paths.push(rel.to_path_buf());
        Ok(())
    }
}

enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

/// `io::copy` that tells read errors (a bad archive) from write errors (a full disk).
fn copy(from: &mut dyn Read, to: &mut impl io::Write) -> Result<u64, CopyError> {
    let mut buf = [0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        to.write_all(&buf[..n]).map_err(CopyError::Write)?;
        total += n as u64;
    }
}
