//! `crossroot.lock`: per target, the release and every package with version and SHA-256, so a
//! sysroot can be rebuilt exactly and, with a warm cache, without touching the network.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{ArchiveError, boxed};

/// The file name, next to `Cargo.lock`.
pub const LOCKFILE_NAME: &str = "crossroot.lock";
const FORMAT: u32 = 1;
const HEADER: &str = "# This file is written by crossroot: the Debian packages of each target's sysroot.\n\
# Commit it; `--locked` fails when it would change.\n";

/// The whole lockfile. Targets are kept sorted by triple and release, packages by name and arch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockfile {
    pub version: u32,
    #[serde(default, rename = "target")]
    pub targets: Vec<LockedTarget>,
}

/// One target's sysroot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedTarget {
    pub triple: String,
    pub release: String,
    /// Debian architecture of the packages.
    pub arch: String,
    /// The packages asked for (besides the base set every sysroot gets).
    #[serde(default)]
    pub requested: Vec<String>,
    /// The suites the packages were resolved from (`bookworm`, `bookworm-updates`,
    /// `bookworm-security`). Absent in lockfiles written before crossroot read the update
    /// suites: then the release alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suites: Vec<String>,
    #[serde(default, rename = "package")]
    pub packages: Vec<LockedPackage>,
}

/// One `.deb`, exactly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LockedPackage {
    pub name: String,
    pub version: String,
    pub arch: String,
    pub sha256: String,
    pub size: u64,
    /// Path in the archive (`pool/main/…/x.deb`), relative to the mirror.
    pub filename: String,
    /// `Installed-Size:` of the signed index, in KiB: what the package may unpack is bounded
    /// by it. Absent in lockfiles written before crossroot recorded it (then the bound is
    /// the general one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_size: Option<u64>,
    /// The suite whose signed index listed it (`bookworm-security`). Absent in lockfiles
    /// written before crossroot recorded it: the release itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    /// The archive root it is fetched from: absent for the mirror, `security` for the security
    /// archive root (see [`crate::SECURITY_ARCHIVE`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<String>,
}

impl Default for Lockfile {
    fn default() -> Self {
        Lockfile {
            version: FORMAT,
            targets: Vec::new(),
        }
    }
}

impl Lockfile {
    /// Read a lockfile; a missing file is an empty lockfile.
    pub fn load(path: &Path) -> Result<Lockfile, ArchiveError> {
        let text = match fs_err::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lockfile::default()),
            Err(e) => return Err(e.into()),
        };
        Lockfile::parse(&text).map_err(|source| ArchiveError::Lockfile {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Parse lockfile text.
    pub fn parse(text: &str) -> Result<Lockfile, Box<dyn std::error::Error + Send + Sync>> {
        let mut lock: Lockfile = toml::from_str(text).map_err(boxed)?;
        if lock.version != FORMAT {
            return Err(format!(
                "lockfile format version {} is not supported (this crossroot writes {FORMAT})",
                lock.version
            )
            .into());
        }
        lock.normalize();
        Ok(lock)
    }

    /// The lockfile as text, in a stable order.
    pub fn to_text(&self) -> String {
        let mut lock = self.clone();
        lock.normalize();
        let body = toml::to_string_pretty(&lock).unwrap_or_default();
        format!("{HEADER}{body}")
    }

    /// Write the lockfile if its content changed (atomically). Returns whether it was written.
    pub fn save(&self, path: &Path) -> Result<bool, ArchiveError> {
        let text = self.to_text();
        if fs_err::read_to_string(path).ok().as_deref() == Some(text.as_str()) {
            return Ok(false);
        }
        crossroot_store::write_atomic(path, text.as_bytes())?;
        Ok(true)
    }

    /// The entry for `triple` built from Debian `release`. A target with a glibc floor builds from
    /// an older release than the same triple without one, so entries are keyed by both.
    pub fn target(&self, triple: &str, release: &str) -> Option<&LockedTarget> {
        self.targets
            .iter()
            .find(|t| t.triple == triple && t.release == release)
    }

    /// Insert or replace the entry for the same triple and release.
    pub fn set_target(&mut self, entry: LockedTarget) {
        self.targets
            .retain(|t| !(t.triple == entry.triple && t.release == entry.release));
        self.targets.push(entry);
        self.normalize();
    }

    fn normalize(&mut self) {
        self.targets
            .sort_by(|a, b| (&a.triple, &a.release).cmp(&(&b.triple, &b.release)));
        for t in &mut self.targets {
            t.requested.sort();
            t.requested.dedup();
            t.packages.sort();
            t.packages.dedup();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str) -> LockedPackage {
        LockedPackage {
            name: name.into(),
            version: "1.0-1".into(),
            arch: "arm64".into(),
            sha256: "ab".repeat(32),
            size: 10,
            filename: format!("pool/main/x/{name}_1.0-1_arm64.deb"),
            installed_size: Some(40),
            suite: None,
            archive: None,
        }
    }

    #[test]
    fn the_suite_and_archive_of_each_package_are_written_and_read_back() {
        let mut lock = Lockfile::default();
        let mut security = pkg("libssl3");
        security.suite = Some("bookworm-security".into());
        security.archive = Some(crate::SECURITY_ARCHIVE.into());
        let mut main = pkg("libc6");
        main.suite = Some("bookworm".into());
        lock.set_target(LockedTarget {
            triple: "aarch64-unknown-linux-gnu".into(),
            release: "bookworm".into(),
            arch: "arm64".into(),
            requested: vec![],
            suites: vec!["bookworm".into(), "bookworm-security".into()],
            packages: vec![security, main],
        });
        let text = lock.to_text();
        assert!(
            text.contains("suite = \"bookworm-security\"\narchive = \"security\""),
            "{text}"
        );
        assert!(
            text.contains("suites = [\n    \"bookworm\",\n    \"bookworm-security\",\n]"),
            "{text}"
        );
        assert_eq!(Lockfile::parse(&text).unwrap(), lock);
        // An entry of an older crossroot has neither: the release alone, the mirror.
        let old = text
            .lines()
            .filter(|l| {
                !l.starts_with("suite")
                    && !l.starts_with("archive")
                    && !l.starts_with("    \"")
                    && *l != "]"
            })
            .collect::<Vec<_>>()
            .join("\n");
        let old = Lockfile::parse(&old).unwrap();
        assert!(old.targets[0].suites.is_empty());
        assert!(
            old.targets[0]
                .packages
                .iter()
                .all(|p| p.suite.is_none() && p.archive.is_none())
        );
    }

    #[test]
    fn a_lockfile_without_installed_sizes_still_loads() {
        // Written before crossroot recorded `Installed-Size`.
        let text = "version = 1\n\n[[target]]\ntriple = \"aarch64-unknown-linux-gnu\"\n\
                    release = \"bookworm\"\narch = \"arm64\"\n\n[[target.package]]\n\
                    name = \"a\"\nversion = \"1.0-1\"\narch = \"arm64\"\n\
                    sha256 = \"abab\"\nsize = 10\nfilename = \"pool/main/x/a_1.0-1_arm64.deb\"\n";
        let lock = Lockfile::parse(text).unwrap();
        let package = &lock.targets[0].packages[0];
        assert_eq!(package.installed_size, None);
        // And it is written back the same way (no field appears from nowhere).
        assert!(
            !lock.to_text().contains("installed_size"),
            "{}",
            lock.to_text()
        );
        let mut with = lock.clone();
        with.targets[0].packages[0].installed_size = Some(40);
        assert!(
            with.to_text().contains("installed_size = 40"),
            "{}",
            with.to_text()
        );
    }

    #[test]
    fn round_trips_in_a_stable_order() {
        let mut lock = Lockfile::default();
        lock.set_target(LockedTarget {
            triple: "riscv64gc-unknown-linux-gnu".into(),
            release: "trixie".into(),
            arch: "riscv64".into(),
            requested: vec![],
            suites: vec![],
            packages: vec![pkg("b"), pkg("a")],
        });
        lock.set_target(LockedTarget {
            triple: "aarch64-unknown-linux-gnu".into(),
            release: "bookworm".into(),
            arch: "arm64".into(),
            requested: vec!["zlib1g-dev".into(), "libssl-dev".into()],
            suites: vec![],
            packages: vec![pkg("z"), pkg("a")],
        });
        let text = lock.to_text();
        let again = Lockfile::parse(&text).unwrap();
        assert_eq!(again, lock);
        assert_eq!(again.to_text(), text);
        let aarch = text.find("aarch64-unknown").unwrap();
        let riscv = text.find("riscv64gc-unknown").unwrap();
        assert!(aarch < riscv, "targets sorted:\n{text}");
        assert_eq!(again.targets[0].requested, ["libssl-dev", "zlib1g-dev"]);
        assert_eq!(again.targets[0].packages[0].name, "a");
    }

    #[test]
    fn a_glibc_floor_release_does_not_replace_the_default_one() {
        let entry = |release: &str, p: &str| LockedTarget {
            triple: "aarch64-unknown-linux-gnu".into(),
            release: release.into(),
            arch: "arm64".into(),
            requested: vec![],
            suites: vec![],
            packages: vec![pkg(p)],
        };
        let mut lock = Lockfile::default();
        lock.set_target(entry("bookworm", "a"));
        lock.set_target(entry("bullseye", "b"));
        let triple = "aarch64-unknown-linux-gnu";
        assert_eq!(
            lock.target(triple, "bookworm").unwrap().packages[0].name,
            "a"
        );
        assert_eq!(
            lock.target(triple, "bullseye").unwrap().packages[0].name,
            "b"
        );
        assert!(lock.target(triple, "trixie").is_none());
        // Re-locking one release replaces only that entry.
        lock.set_target(entry("bullseye", "c"));
        assert_eq!(lock.targets.len(), 2);
        assert_eq!(
            lock.target(triple, "bullseye").unwrap().packages[0].name,
            "c"
        );
        assert_eq!(
            lock.targets[0].release, "bookworm",
            "sorted by triple, then release"
        );
    }

    #[test]
    fn save_writes_only_on_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCKFILE_NAME);
        assert_eq!(Lockfile::load(&path).unwrap(), Lockfile::default());
        let mut lock = Lockfile::default();
        lock.set_target(LockedTarget {
            triple: "aarch64-unknown-linux-gnu".into(),
            release: "bookworm".into(),
            arch: "arm64".into(),
            requested: vec![],
            suites: vec![],
            packages: vec![pkg("a")],
        });
        assert!(lock.save(&path).unwrap());
        assert!(!lock.save(&path).unwrap());
        assert_eq!(Lockfile::load(&path).unwrap(), lock);
    }

    #[test]
    fn garbage_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCKFILE_NAME);
        fs_err::write(&path, "version = 99\n").unwrap();
        let err = Lockfile::load(&path).unwrap_err();
        assert!(err.to_string().contains(LOCKFILE_NAME));
    }
}
