//! Safe, streaming extraction of Debian `.deb` files into a tree, and finishing that tree.
//!
//! Owns: unpacking a `.deb` (the `ar` container, then its `control.tar*` / `data.tar*`
//! members, compressed with xz, zstd, gzip, lzma or not at all), with no escapes (no `..`, no
//! absolute paths, no writing through a symlink that leads out, no device nodes) and bounded
//! sizes (a limit on unpacked bytes, a capped `control` file, no whole `.deb` or tarball in
//! memory); and finalizing the finished tree: absolute symlinks rewritten as relative ones,
//! merged-/usr links (`lib -> usr/lib`), a report of dangling links.
//!
//! Must not: touch the network, know Debian metadata (mirrors, indexes, hashes, package names,
//! dependencies: that is `crossroot-debian` and `crossroot-archive`), know the cache layout,
//! fsync, lock or stage (the caller stages into a private directory and renames it), or write
//! anything outside the root it is given, whatever the archive says.
//!
//! Several `extract_deb` calls may run at once into the same root (directories are never
//! removed or replaced, so a path checked once stays safe); two packages writing the *same*
//! file at the same time can fail with `AlreadyExists`, so extract those one after the other.
//! Directory mtimes are not set (the children written afterwards would change them anyway).

mod deb;
mod filter;
mod finalize;
mod path;
mod tree;

use std::io::{self, Read};
use std::path::{Path, PathBuf};

pub use filter::{FilterError, PathFilter};
pub use finalize::{FinalizeReport, finalize_tree};
pub use path::{PathError, relative_symlink_target, resolve_lexically, sanitize_member_path};

/// Largest `control` file read by [`read_control`].
const MAX_CONTROL_FILE: u64 = 4 * 1024 * 1024;

/// How to extract.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// Rewrite absolute symlink targets (`/lib/x`) as relative ones that stay in the sysroot.
    /// Always wanted for a sysroot: left absolute, they point into the host (see FIELD-NOTES).
    /// When false they are kept verbatim (still never followed out of the root while writing).
    pub rewrite_absolute_symlinks: bool,
    /// Refuse a package whose uncompressed data tarball is larger than this (bombs).
    pub max_unpacked_bytes: u64,
    /// Members to unpack; the others are read past, never written (host tool trees keep only
    /// what crossroot runs). Default: everything.
    pub filter: PathFilter,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            rewrite_absolute_symlinks: true,
            max_unpacked_bytes: 8 * 1024 * 1024 * 1024,
            filter: PathFilter::all(),
        }
    }
}

/// What one [`extract_deb`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractedDeb {
    /// Every regular file, symlink and hard link written, in archive order, relative to the
    /// root, as the archive names them (`lib/x` even when `lib` is a symlink to `usr/lib`).
    /// Directories are not listed.
    pub paths: Vec<PathBuf>,
    /// Regular files written (hard links not included).
    pub files: u64,
    /// Bytes of regular file data written.
    pub bytes: u64,
    /// Directory entries in the archive (including ones that already existed).
    pub dirs: u64,
    pub symlinks: u64,
    pub hardlinks: u64,
    /// Symlinks whose absolute target was rewritten as a relative one.
    pub absolute_symlinks_rewritten: u64,
    /// Entries (directories included) the filter left out.
    pub filtered_out: u64,
}

/// Why a `.deb` could not be extracted, or a tree could not be finalized.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("not a Debian package: {reason}")]
    NotADeb { reason: String },
    #[error("the package has no `{wanted}.tar*` member")]
    MissingMember { wanted: &'static str },
    #[error("package member `{member}` uses a compression crossroot cannot read")]
    UnsupportedCompression { member: String },
    #[error("failed to read `{member}` from the package")]
    Read {
        member: String,
        #[source]
        source: io::Error,
    },
    #[error("the package unpacks to more than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("unsafe member name `{member}`")]
    UnsafePath {
        member: String,
        #[source]
        source: PathError,
    },
    #[error(
        "`{member}` is a {kind}: only regular files, directories, symlinks and hard links are extracted"
    )]
    UnsupportedEntry { member: String, kind: &'static str },
    #[error("symlink `{member}` points outside the sysroot (`{target}`)")]
    SymlinkEscape { member: String, target: String },
    #[error("symlink `{member}` has an invalid target `{target}`")]
    InvalidSymlinkTarget { member: String, target: String },
    #[error("`{member}` goes through a symlink that leads outside the sysroot")]
    PathEscape { member: String },
    #[error("`{member}` goes through `{}`, which is not a directory", path.display())]
    NotADirectory { member: String, path: PathBuf },
    #[error("`{member}` goes through a symlink loop at `{}`", path.display())]
    SymlinkLoop { member: String, path: PathBuf },
    #[error("`{member}` would replace the directory `{}`", path.display())]
    ReplacesDirectory { member: String, path: PathBuf },
    #[error("hard link `{member}` -> `{target}` refused: {reason}")]
    HardlinkTarget {
        member: String,
        target: String,
        reason: &'static str,
    },
    #[error("`{member}` is truncated: {actual} of {expected} bytes")]
    Truncated {
        member: String,
        expected: u64,
        actual: u64,
    },
    #[error("the package has no `control` file")]
    NoControlFile,
    #[error("unexpected file type at `{}`", path.display())]
    UnexpectedFile { path: PathBuf },
    #[error("failed to write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl crossroot_hint::Hint for ExtractError {
    /// What the user can do about it, where there is something.
    fn hint(&self) -> Option<String> {
        use ExtractError::*;
        match self {
            NotADeb { .. } | MissingMember { .. } | Read { .. } | Truncated { .. } | NoControlFile => {
                Some("the downloaded file looks damaged: clear it from the cache (`crossroot cache clean`) and try again".into())
            }
            UnsafePath { .. }
            | UnsupportedEntry { .. }
            | SymlinkEscape { .. }
            | InvalidSymlinkTarget { .. }
            | PathEscape { .. }
            | SymlinkLoop { .. }
            | HardlinkTarget { .. } => Some(
                "crossroot refuses to unpack this package because it could write outside the sysroot; check which mirror it came from".into(),
            ),
            Write { .. } => Some("check free disk space and permissions of the cache directory".into()),
            TooLarge { .. } | UnsupportedCompression { .. } | NotADirectory { .. }
            | ReplacesDirectory { .. } | UnexpectedFile { .. } => None,
        }
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Extracts the data member of one `.deb` into `root` (which must exist).
///
/// Streaming: the input is read once, front to back, and to its end. Entries are written as
/// they are decompressed. Nothing is written outside `root`; see the module docs for the rules.
/// On error, `root` may hold part of the package: the caller throws the staged tree away.
pub fn extract_deb(
    reader: impl Read,
    root: &Path,
    opts: &ExtractOptions,
) -> Result<ExtractedDeb, ExtractError> {
    let mut tree = tree::Tree::new(root, opts.rewrite_absolute_symlinks);
    let mut seen_data = false;
    deb::for_each_tar_member(reader, |member, compression, input| {
        if !member.starts_with("data.") {
            return Ok(false);
        }
        seen_data = true;
        let decoded = deb::decoder(input, compression, member)?;
        let mut limited = deb::Limit::new(decoded, opts.max_unpacked_bytes);
        let hit = limited.hit.clone();
        let result = unpack(&mut limited, &mut tree, member, &opts.filter);
        if hit.get() {
            return Err(ExtractError::TooLarge {
                limit: opts.max_unpacked_bytes,
            });
        }
        result?;
        // Read the compressed stream to its end so its checksum is verified.
        io::copy(&mut limited, &mut io::sink()).map_err(|source| {
            if hit.get() {
                ExtractError::TooLarge {
                    limit: opts.max_unpacked_bytes,
                }
            } else {
                ExtractError::Read {
                    member: member.to_owned(),
                    source,
                }
            }
        })?;
        Ok(true)
    })?;
    if !seen_data {
        return Err(ExtractError::MissingMember { wanted: "data" });
    }
    Ok(tree.out)
}

/// Writes every entry of the data tarball `input` through `tree`.
fn unpack(
    input: &mut dyn Read,
    tree: &mut tree::Tree<'_>,
    member: &str,
    filter: &PathFilter,
) -> Result<(), ExtractError> {
    use tar::EntryType as T;
    let read_err = |source| ExtractError::Read {
        member: member.to_owned(),
        source,
    };
    let mut archive = tar::Archive::new(input);
    for entry in archive.entries().map_err(read_err)? {
        let mut entry = entry.map_err(read_err)?;
        let kind = entry.header().entry_type();
        if kind == T::XGlobalHeader {
            // Metadata for the whole archive (pax `g`, named freely, often absolute): skip.
            continue;
        }
        let name_bytes = entry.path_bytes().into_owned();
        let name = lossy(&name_bytes);
        let rel = sanitize_member_path(&name_bytes).map_err(|source| ExtractError::UnsafePath {
            member: name.clone(),
            source,
        })?;
        if rel.as_os_str().is_empty() && kind != T::Directory {
            return Err(ExtractError::UnsafePath {
                member: name,
                source: PathError::Empty,
            });
        }
        if !filter.keeps(&rel) {
            // Skipping reads past the entry's data; its directories come with kept children.
            tree.out.filtered_out += 1;
            continue;
        }
        let header = entry.header();
        let bad_header = |e: io::Error| ExtractError::Read {
            member: name.clone(),
            source: e,
        };
        match kind {
            T::Regular => {
                let mode = header.mode().map_err(bad_header)?;
                let mtime = header.mtime().map_err(bad_header)?;
                let size = entry.size();
                tree.file(&name, &rel, mode, mtime, size, &mut entry)?;
            }
            T::Directory => {
                let mode = header.mode().map_err(bad_header)?;
                tree.directory(&name, &rel, mode)?;
            }
            T::Symlink => {
                let mtime = header.mtime().map_err(bad_header)?;
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                tree.symlink(&name, &rel, &target, mtime)?;
            }
            T::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                let target_name = lossy(&target);
                let target_rel =
                    sanitize_member_path(&target).map_err(|source| ExtractError::UnsafePath {
                        member: target_name.clone(),
                        source,
                    })?;
                tree.hardlink(&name, &rel, &target_rel, &target_name)?;
            }
            other => {
                return Err(ExtractError::UnsupportedEntry {
                    member: name,
                    kind: match other {
                        T::Char => "character device",
                        T::Block => "block device",
                        T::Fifo => "fifo",
                        T::Continuous => "contiguous file",
                        T::GNUSparse => "sparse file",
                        _ => "entry of an unknown type",
                    },
                });
            }
        }
    }
    Ok(())
}

/// Reads the `control` file of a `.deb` (from `control.tar*`) into a string.
pub fn read_control(reader: impl Read) -> Result<String, ExtractError> {
    let mut control = None;
    deb::for_each_tar_member(reader, |member, compression, input| {
        if !member.starts_with("control.") {
            return Ok(false);
        }
        let read_err = |source| ExtractError::Read {
            member: member.to_owned(),
            source,
        };
        let decoded = deb::decoder(input, compression, member)?;
        let mut archive = tar::Archive::new(decoded);
        for entry in archive.entries().map_err(read_err)? {
            let entry = entry.map_err(read_err)?;
            let is_control = entry.header().entry_type() == tar::EntryType::Regular
                && sanitize_member_path(&entry.path_bytes())
                    .is_ok_and(|p| p == Path::new("control"));
            if is_control {
                let mut text = String::new();
                entry
                    .take(MAX_CONTROL_FILE)
                    .read_to_string(&mut text)
                    .map_err(read_err)?;
                control = Some(text);
                break;
            }
        }
        Ok(true)
    })?;
    control.ok_or(ExtractError::NoControlFile)
}
