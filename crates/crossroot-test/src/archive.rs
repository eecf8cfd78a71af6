//! Write a small, real Debian archive: `dists/<suite>/InRelease` (clearsigned by a key the test
//! supplies), `dists/<suite>/main/binary-<arch>/Packages.xz`, and `pool/main/…/*.deb`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::deb::DebSpec;

type Signer = Box<dyn Fn(&str) -> String>;

/// The `Date:` a built release carries unless [`ArchiveBuilder::date`] says otherwise.
pub const DEFAULT_DATE: &str = "Sat, 01 Nov 2025 00:00:00 UTC";

/// Describes an archive to write.
pub struct ArchiveBuilder {
    suite: String,
    date: String,
    arches: Vec<String>,
    debs: Vec<DebSpec>,
    signer: Option<Signer>,
}

/// One `.deb` as written into the pool.
#[derive(Debug, Clone)]
pub struct BuiltDeb {
    pub name: String,
    pub version: String,
    pub arch: String,
    /// Relative to the archive root: `pool/main/l/libfoo/libfoo_1.0-1_arm64.deb`.
    pub filename: String,
    pub sha256: String,
    pub size: u64,
}

/// An archive on disk; removed when dropped.
pub struct BuiltArchive {
    pub dir: tempfile::TempDir,
    /// The directory to serve as the mirror's base (`…/debian`).
    pub root: PathBuf,
    pub suite: String,
    pub debs: Vec<BuiltDeb>,
}

impl ArchiveBuilder {
    pub fn new(suite: &str) -> ArchiveBuilder {
        ArchiveBuilder {
            suite: suite.to_string(),
            date: DEFAULT_DATE.to_string(),
            arches: Vec::new(),
            debs: Vec::new(),
            signer: None,
        }
    }

    /// Add an architecture with a `main/binary-<arch>/Packages.xz` index.
    pub fn arch(mut self, arch: &str) -> ArchiveBuilder {
        self.arches.push(arch.to_string());
        self
    }

    pub fn deb(mut self, spec: DebSpec) -> ArchiveBuilder {
        self.debs.push(spec);
        self
    }

    /// The `Date:` of the release (default [`DEFAULT_DATE`]), e.g. to build an older copy of
    /// the same archive.
    pub fn date(mut self, date: &str) -> ArchiveBuilder {
        self.date = date.to_string();
        self
    }

    /// Clearsign `Release` into `InRelease` with this function (e.g. `crossroot_test::pgp`).
    /// Without a signer, `InRelease` is the bare `Release` text (which must not verify).
    pub fn sign_with(mut self, sign: impl Fn(&str) -> String + 'static) -> ArchiveBuilder {
        self.signer = Some(Box::new(sign));
        self
    }

    pub fn build(self) -> BuiltArchive {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("debian");
        let mut built = Vec::new();
        let mut stanzas: BTreeMap<String, String> = BTreeMap::new();
        for arch in &self.arches {
            stanzas.insert(arch.clone(), String::new());
        }
        for spec in &self.debs {
            let bytes = spec.build();
            let sha256 = hex::encode(Sha256::digest(&bytes));
            let first = if spec.name.starts_with("lib") && spec.name.len() > 3 {
                spec.name[..4].to_string()
            } else {
                spec.name[..1].to_string()
            };
            let upstream = spec
                .version
                .split_once(':')
                .map(|(_, v)| v)
                .unwrap_or(&spec.version);
            let filename = format!(
                "pool/main/{first}/{}/{}_{upstream}_{}.deb",
                spec.name, spec.name, spec.arch
            );
            let path = root.join(&filename);
            fs_err::create_dir_all(path.parent().unwrap()).unwrap();
            fs_err::write(&path, &bytes).unwrap();
            let stanza = format!(
                "{}Filename: {filename}\nSize: {}\nSHA256: {sha256}\n\n",
                spec.control(),
                bytes.len()
            );
            for (arch, text) in stanzas.iter_mut() {
                if spec.arch == *arch || spec.arch == "all" {
                    text.push_str(&stanza);
                }
            }
            built.push(BuiltDeb {
                name: spec.name.clone(),
                version: spec.version.clone(),
                arch: spec.arch.clone(),
                filename,
                sha256,
                size: bytes.len() as u64,
            });
        }
        let dists = root.join("dists").join(&self.suite);
        let mut sums = String::new();
        for (arch, text) in &stanzas {
            let rel = format!("main/binary-{arch}/Packages");
            let xz = xz(text.as_bytes());
            let path = dists.join(format!("{rel}.xz"));
            fs_err::create_dir_all(path.parent().unwrap()).unwrap();
            fs_err::write(&path, &xz).unwrap();
            sums.push_str(&format!(
                " {} {:>8} {rel}\n",
                hex::encode(Sha256::digest(text.as_bytes())),
                text.len()
            ));
            sums.push_str(&format!(
                " {} {:>8} {rel}.xz\n",
                hex::encode(Sha256::digest(&xz)),
                xz.len()
            ));
        }
        let release = format!(
            "Origin: Debian\nLabel: Debian\nSuite: {suite}\nCodename: {suite}\n\
             Date: {date}\nAcquire-By-Hash: yes\n\
             Architectures: {}\nComponents: main\nDescription: crossroot test archive\nSHA256:\n{sums}",
            self.arches.join(" "),
            suite = self.suite,
            date = self.date,
        );
        fs_err::write(dists.join("Release"), &release).unwrap();
        let in_release = match &self.signer {
            Some(sign) => sign(&release),
            None => release.clone(),
        };
        fs_err::write(dists.join("InRelease"), in_release).unwrap();
        BuiltArchive {
            dir,
            root,
            suite: self.suite,
            debs: built,
        }
    }
}

impl BuiltArchive {
    /// The built `.deb` called `name`.
    pub fn deb(&self, name: &str) -> &BuiltDeb {
        self.debs.iter().find(|d| d.name == name).unwrap()
    }

    /// Absolute path of a file in the archive.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Replace the content of a file in the archive (e.g. to make its hash wrong).
    pub fn overwrite(&self, rel: &str, bytes: &[u8]) {
        fs_err::write(self.path(rel), bytes).unwrap();
    }

    /// The bytes of this archive's `dists/<suite>/InRelease` (to serve elsewhere as a replay).
    pub fn in_release(&self) -> Vec<u8> {
        fs_err::read(self.path(&format!("dists/{}/InRelease", self.suite))).unwrap()
    }

    /// Relative path of `Packages.xz` for `arch`.
    pub fn packages_xz(&self, arch: &str) -> String {
        format!("dists/{}/main/binary-{arch}/Packages.xz", self.suite)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}
