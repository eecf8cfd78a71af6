//! The files one cargo invocation produced, found without touching cargo's output.
//!
//! Owns: which directories hold a build's artefacts (`<target-dir>/<triple>/<profile>/`, its
//! `examples/`, and for test/bench `<build-dir>/<triple>/<profile>/deps/`), which file names
//! there are artefacts ([`Pick`]), which files are new since the command started ([`select`]),
//! and the memo of files that failed a check (`.crossroot-floor-failures` in the profile
//! directory), read back next time so a no-op rebuild cannot hide a failure.
//!
//! Must not: read cargo's command line or run cargo (the caller passes an [`ArtefactQuery`] of
//! plain values), or print. Choosing names and times is pure; [`list_dir`], [`find`] and the
//! memo functions are the I/O edge.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Where previously failing artefacts are remembered, inside the profile directory.
pub const FAILURES_FILE: &str = ".crossroot-floor-failures";

/// The filesystem's clock can lag the system clock by a tick: files written this long before
/// the start count as new too (checking one again is harmless).
pub const CLOCK_SLACK: Duration = Duration::from_millis(100);

/// What a cargo subcommand links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outputs {
    /// `build`, `run`: executables, examples and cdylibs.
    Binaries,
    /// `test`, `bench`: those and the test executables in `deps/`.
    BinariesAndTests,
}

impl Outputs {
    /// What `cargo SUBCOMMAND` links; `None` for commands that link nothing (`check`, `doc`,
    /// `clippy`, …).
    pub fn of_subcommand(subcommand: &str) -> Option<Outputs> {
        match subcommand {
            "build" | "run" => Some(Outputs::Binaries),
            "test" | "bench" => Some(Outputs::BinariesAndTests),
            _ => None,
        }
    }
}

/// The directory under `<target-dir>/<triple>/` cargo writes a profile's outputs to: `dev` and
/// `test` write to `debug`, `release` and `bench` to `release`, any other profile to its name.
pub fn profile_dir_name(profile: &str) -> &str {
    match profile {
        "dev" | "test" => "debug",
        "release" | "bench" => "release",
        other => other,
    }
}

/// Where one cargo invocation wrote its artefacts, and when it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtefactQuery {
    /// cargo's target directory (`--target-dir`, `CARGO_TARGET_DIR`, or `cargo metadata`).
    pub target_dir: PathBuf,
    /// cargo's build directory (where `deps/` lives; the target directory unless configured).
    pub build_dir: PathBuf,
    /// The Rust triple cargo built for.
    pub triple: String,
    /// The profile's directory name ([`profile_dir_name`]).
    pub profile_dir_name: String,
    pub outputs: Outputs,
    /// When the command started: only files modified since then are this invocation's.
    pub started: SystemTime,
}

impl ArtefactQuery {
    /// `<target-dir>/<triple>/<profile>`.
    pub fn profile_dir(&self) -> PathBuf {
        self.target_dir
            .join(&self.triple)
            .join(&self.profile_dir_name)
    }

    /// The memo of failing artefacts.
    pub fn failures_file(&self) -> PathBuf {
        self.profile_dir().join(FAILURES_FILE)
    }

    /// The directories to look in, and which files of each are artefacts.
    pub fn dirs(&self) -> Vec<(PathBuf, Pick)> {
        let profile_dir = self.profile_dir();
        let mut dirs = vec![
            (profile_dir.clone(), Pick::Final),
            (profile_dir.join("examples"), Pick::Final),
        ];
        if self.outputs == Outputs::BinariesAndTests {
            dirs.push((
                self.build_dir
                    .join(&self.triple)
                    .join(&self.profile_dir_name)
                    .join("deps"),
                Pick::TestBinary,
            ));
        }
        dirs
    }

    /// Files modified at or after this time are new ([`CLOCK_SLACK`] before the start).
    pub fn since(&self) -> SystemTime {
        self.started
            .checked_sub(CLOCK_SLACK)
            .unwrap_or(self.started)
    }
}

/// Which files of a directory are artefacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The uplifted outputs: executables (no extension) and cdylibs (`*.so`).
    Final,
    /// Test and bench executables in `deps/`: `name-<hash>`, no extension.
    TestBinary,
}

impl Pick {
    /// Whether a file called `name` is an artefact (hidden files never are).
    pub fn accepts(self, name: &str) -> bool {
        if name.starts_with('.') {
            return false;
        }
        match self {
            Pick::Final => !name.contains('.') || name.ends_with(".so"),
            Pick::TestBinary => !name.contains('.') && name.contains('-'),
        }
    }
}

/// One directory entry as [`list_dir`] read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: PathBuf,
    /// A regular file (not a symlink to one: cargo's artefacts are files or hard links).
    pub is_file: bool,
    /// Last modification, when the filesystem says.
    pub modified: Option<SystemTime>,
}

/// The regular files among `entries` that `pick` accepts, modified at or after `since`, sorted.
pub fn select(
    entries: impl IntoIterator<Item = Entry>,
    pick: Pick,
    since: SystemTime,
) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = entries
        .into_iter()
        .filter(|e| {
            e.path
                .file_name()
                .is_some_and(|n| pick.accepts(&n.to_string_lossy()))
        })
        .filter(|e| e.is_file && e.modified.is_some_and(|t| t >= since))
        .map(|e| e.path)
        .collect();
    out.sort();
    out
}

/// The entries of `dir`; none when it cannot be read (a profile that was never built).
pub fn list_dir(dir: &Path) -> Vec<Entry> {
    let Ok(entries) = fs_err::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| {
            let path = e.path();
            let meta = e.metadata().ok();
            Entry {
                is_file: meta.as_ref().is_some_and(|m| m.is_file()),
                modified: meta.and_then(|m| m.modified().ok()),
                path,
            }
        })
        .collect()
}

/// The artefacts of the invocation `query` describes: the new files of each of its
/// [`ArtefactQuery::dirs`], plus with `remembered` the files the memo lists that still exist,
/// each file once (hard links of one file, which cargo makes from `deps/x-hash` to `x`, count once).
pub fn find(query: &ArtefactQuery, remembered: bool) -> Vec<PathBuf> {
    let since = query.since();
    let mut files = Vec::new();
    for (dir, pick) in query.dirs() {
        files.extend(select(list_dir(&dir), pick, since));
    }
    if remembered {
        files.extend(read_failures(&query.failures_file()));
    }
    dedup(files)
}

/// Drop repeats, including hard links of one file, and files that no longer exist.
fn dedup(files: Vec<PathBuf>) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let mut seen = std::collections::HashSet::new();
    files
        .into_iter()
        .filter(|p| match fs_err::metadata(p) {
            Ok(m) => seen.insert((m.dev(), m.ino())),
            Err(_) => false,
        })
        .collect()
}

/// The files the memo lists that are still files; none when there is no memo.
pub fn read_failures(file: &Path) -> Vec<PathBuf> {
    match fs_err::read_to_string(file) {
        Ok(text) => failures_from_text(&text)
            .into_iter()
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The paths of a memo's text, one per line.
fn failures_from_text(text: &str) -> Vec<PathBuf> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// Remember the failing artefacts (absolute paths), or forget them all when none failed.
pub fn write_failures(file: &Path, failed: &[&Path]) -> Result<(), MemoError> {
    let err = |source| MemoError {
        path: file.to_path_buf(),
        source,
    };
    if failed.is_empty() {
        return match fs_err::remove_file(file) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other.map_err(err),
        };
    }
    let text: String = failed
        .iter()
        .map(|p| format!("{}\n", p.display()))
        .collect();
    if let Some(dir) = file.parent() {
        fs_err::create_dir_all(dir).map_err(err)?;
    }
    fs_err::write(file, text).map_err(err)
}

/// The memo of failing artefacts could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot remember the failing artefacts in `{}`", path.display())]
pub struct MemoError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl crossroot_hint::Hint for MemoError {
    fn hint(&self) -> Option<String> {
        Some(
            "the next build checks only the files it rewrites: fix the target directory's \
             permissions so a failure is remembered"
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(outputs: Outputs) -> ArtefactQuery {
        ArtefactQuery {
            target_dir: "/t".into(),
            build_dir: "/b".into(),
            triple: "aarch64-unknown-linux-gnu".into(),
            profile_dir_name: "release".into(),
            outputs,
            started: SystemTime::UNIX_EPOCH + Duration::from_secs(1000),
        }
    }

    #[test]
    fn only_linking_commands_have_outputs() {
        for cmd in ["build", "run"] {
            assert_eq!(
                Outputs::of_subcommand(cmd),
                Some(Outputs::Binaries),
                "{cmd}"
            );
        }
        for cmd in ["test", "bench"] {
            assert_eq!(
                Outputs::of_subcommand(cmd),
                Some(Outputs::BinariesAndTests),
                "{cmd}"
            );
        }
        for cmd in ["check", "doc", "clippy", "rustc"] {
            assert_eq!(Outputs::of_subcommand(cmd), None, "{cmd}");
        }
    }

    #[test]
    fn profile_directories_follow_cargo() {
        for (profile, dir) in [
            ("dev", "debug"),
            ("test", "debug"),
            ("release", "release"),
            ("bench", "release"),
            ("dist", "dist"),
        ] {
            assert_eq!(profile_dir_name(profile), dir, "{profile}");
        }
    }

    #[test]
    fn tests_are_looked_for_in_the_build_dir() {
        let dirs = query(Outputs::Binaries).dirs();
        assert_eq!(
            dirs,
            [
                (
                    PathBuf::from("/t/aarch64-unknown-linux-gnu/release"),
                    Pick::Final
                ),
                (
                    PathBuf::from("/t/aarch64-unknown-linux-gnu/release/examples"),
                    Pick::Final
                ),
            ]
        );
        let dirs = query(Outputs::BinariesAndTests).dirs();
        assert_eq!(
            dirs.last(),
            Some(&(
                PathBuf::from("/b/aarch64-unknown-linux-gnu/release/deps"),
                Pick::TestBinary
            ))
        );
        assert_eq!(
            query(Outputs::Binaries).failures_file(),
            Path::new("/t/aarch64-unknown-linux-gnu/release/.crossroot-floor-failures")
        );
    }

    #[test]
    fn artefact_names() {
        for (name, pick, want) in [
            ("hello", Pick::Final, true),
            ("libfoo.so", Pick::Final, true),
            ("hello.d", Pick::Final, false),
            ("libfoo.rlib", Pick::Final, false),
            ("libfoo.a", Pick::Final, false),
            (".fingerprint", Pick::Final, false),
            (".crossroot-floor-failures", Pick::Final, false),
            ("hello_threads-0123456789abcdef", Pick::TestBinary, true),
            (
                "libhello_threads-0123456789abcdef.rlib",
                Pick::TestBinary,
                false,
            ),
            ("hello_threads-0123456789abcdef.d", Pick::TestBinary, false),
        ] {
            assert_eq!(pick.accepts(name), want, "{name}");
        }
    }

    #[test]
    fn selection_keeps_new_regular_artefacts_sorted() {
        let q = query(Outputs::Binaries);
        let since = q.since();
        assert!(since < q.started);
        let entry = |name: &str, is_file, modified| Entry {
            path: PathBuf::from("/d").join(name),
            is_file,
            modified,
        };
        let new = Some(q.started);
        let slack = Some(q.started - CLOCK_SLACK);
        let old = Some(q.started - Duration::from_secs(3600));
        let picked = select(
            [
                entry("zz", true, new),
                entry("old", true, old),
                entry("libx.so", true, slack),
                entry("libx.rlib", true, new),
                entry("build", false, new),
                entry("nomtime", true, None),
            ],
            Pick::Final,
            since,
        );
        assert_eq!(
            picked,
            [PathBuf::from("/d/libx.so"), PathBuf::from("/d/zz")]
        );
    }

    #[test]
    fn only_files_modified_since_the_start_are_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let profile = dir.path().join("aarch64-unknown-linux-gnu/release");
        fs_err::create_dir_all(&profile).expect("mkdir");
        let old = profile.join("old");
        let new = profile.join("new");
        let lib = profile.join("libx.so");
        let rlib = profile.join("libx.rlib");
        for p in [&old, &new, &lib, &rlib] {
            fs_err::write(p, b"x").expect("write");
        }
        let start = SystemTime::now();
        fs_err::File::options()
            .write(true)
            .open(&old)
            .and_then(|f| f.file().set_modified(start - Duration::from_secs(3600)))
            .expect("set mtime");
        let mut q = query(Outputs::BinariesAndTests);
        q.target_dir = dir.path().to_path_buf();
        q.build_dir = dir.path().join("missing");
        q.started = start - Duration::from_secs(60);
        assert_eq!(find(&q, false), vec![lib, new.clone()]);

        // The memo brings back an old file, once, and forgets files that are gone.
        write_failures(&q.failures_file(), &[&old, &new, &profile.join("deleted")])
            .expect("write memo");
        assert_eq!(find(&q, true).last(), Some(&old));
        assert_eq!(find(&q, true).len(), 3);
        assert_eq!(find(&q, false).len(), 2);
    }

    #[test]
    fn hard_links_are_checked_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        fs_err::write(&a, b"x").expect("write");
        fs_err::hard_link(&a, &b).expect("link");
        assert_eq!(dedup(vec![a.clone(), b, a.clone()]), vec![a]);
    }

    #[test]
    fn failures_are_remembered_until_a_clean_check() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The profile directory may not exist yet (test binaries live in the build dir).
        let file = dir.path().join("release").join(FAILURES_FILE);
        let bin = dir.path().join("bin");
        fs_err::write(&bin, b"x").expect("write");
        write_failures(&file, &[&bin]).expect("write");
        assert_eq!(
            fs_err::read_to_string(&file).expect("read").trim(),
            bin.display().to_string()
        );
        assert_eq!(read_failures(&file), [bin]);
        write_failures(&file, &[]).expect("clear");
        assert!(!file.exists());
        assert!(read_failures(&file).is_empty());
        write_failures(&file, &[]).expect("clearing twice is fine");
        assert_eq!(
            failures_from_text("/a\n\n/b\n"),
            [PathBuf::from("/a"), PathBuf::from("/b")]
        );
    }
}
