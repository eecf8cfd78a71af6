//! Builds `.deb` files in memory for the extraction tests, hostile ones included: tar headers
//! are written raw so that names the `tar` builder would refuse (`../x`, `/etc/x`) get through.
#![allow(dead_code, clippy::unwrap_used)] // test support: a failed build step is a test bug

use std::io::Write;
use std::path::{Path, PathBuf};

/// One tar entry, written as is.
#[derive(Clone)]
pub struct Ent {
    pub name: Vec<u8>,
    pub kind: u8,
    pub link: Vec<u8>,
    pub data: Vec<u8>,
    pub mode: u32,
    pub mtime: u64,
}

impl std::fmt::Debug for Ent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = String::from_utf8_lossy(&self.name);
        match self.kind {
            b'1' | b'2' => {
                let arrow = if self.kind == b'1' { "=>" } else { "->" };
                write!(f, "{name} {arrow} {}", String::from_utf8_lossy(&self.link))
            }
            b'5' => write!(f, "{name} (dir)"),
            b'0' => write!(f, "{name} (file)"),
            k => write!(f, "{name} (type {})", k as char),
        }
    }
}

pub const MTIME: u64 = 1_700_000_000;

impl Ent {
    fn new(name: &[u8], kind: u8) -> Self {
        Ent {
            name: name.to_vec(),
            kind,
            link: Vec::new(),
            data: Vec::new(),
            mode: 0o644,
            mtime: MTIME,
        }
    }
    pub fn dir(name: &str) -> Self {
        Ent {
            mode: 0o755,
            ..Ent::new(name.as_bytes(), b'5')
        }
    }
    pub fn file(name: &str, data: &[u8]) -> Self {
        Ent {
            data: data.to_vec(),
            ..Ent::new(name.as_bytes(), b'0')
        }
    }
    pub fn raw_file(name: &[u8], data: &[u8]) -> Self {
        Ent {
            data: data.to_vec(),
            ..Ent::new(name, b'0')
        }
    }
    pub fn symlink(name: &str, target: &str) -> Self {
        Ent {
            link: target.as_bytes().to_vec(),
            mode: 0o777,
            ..Ent::new(name.as_bytes(), b'2')
        }
    }
    pub fn hardlink(name: &str, target: &str) -> Self {
        Ent {
            link: target.as_bytes().to_vec(),
            ..Ent::new(name.as_bytes(), b'1')
        }
    }
    pub fn special(name: &str, kind: u8) -> Self {
        Ent::new(name.as_bytes(), kind)
    }
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = mode;
        self
    }
}

/// A plain (ustar/GNU) tarball of `entries`, headers filled in by hand.
pub fn tar(entries: &[Ent]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for e in entries {
        let mut header = tar::Header::new_gnu();
        {
            let old = header.as_old_mut();
            assert!(
                e.name.len() <= 100 && e.link.len() <= 100,
                "test names must be short"
            );
            old.name[..e.name.len()].copy_from_slice(&e.name);
            old.linkname[..e.link.len()].copy_from_slice(&e.link);
        }
        header.set_entry_type(tar::EntryType::new(e.kind));
        header.set_mode(e.mode);
        header.set_mtime(e.mtime);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(e.data.len() as u64);
        header.set_cksum();
        builder.append(&header, &e.data[..]).unwrap();
    }
    builder.into_inner().unwrap()
}

/// A tarball whose single entry gets its name from a pax `path` record (may hold any byte).
pub fn tar_with_pax_path(path: &[u8], data: &[u8]) -> Vec<u8> {
    let mut record = Vec::new();
    let body_len = b" path=".len() + path.len() + 1;
    let mut total = body_len + 1;
    while total != body_len + total.to_string().len() {
        total = body_len + total.to_string().len();
    }
    record.extend_from_slice(total.to_string().as_bytes());
    record.extend_from_slice(b" path=");
    record.extend_from_slice(path);
    record.push(b'\n');
    let mut pax = Ent::new(b"././@PaxHeader", b'x');
    pax.data = record;
    tar(&[pax, Ent::file("placeholder", data)])
}

#[derive(Clone, Copy, Debug)]
pub enum Comp {
    None,
    Xz,
    Zstd,
    Gzip,
}

impl Comp {
    pub fn suffix(self) -> &'static str {
        match self {
            Comp::None => "",
            Comp::Xz => ".xz",
            Comp::Zstd => ".zst",
            Comp::Gzip => ".gz",
        }
    }
    pub fn compress(self, data: &[u8]) -> Vec<u8> {
        match self {
            Comp::None => data.to_vec(),
            Comp::Xz => {
                let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
                enc.write_all(data).unwrap();
                enc.finish().unwrap()
            }
            Comp::Zstd => zstd::encode_all(data, 3).unwrap(),
            Comp::Gzip => {
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(data).unwrap();
                enc.finish().unwrap()
            }
        }
    }
}

/// An `ar` archive of named members.
pub fn ar(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut builder = ar::Builder::new(Vec::new());
    for (name, data) in members {
        let header = ar::Header::new(name.as_bytes().to_vec(), data.len() as u64);
        builder.append(&header, &data[..]).unwrap();
    }
    builder.into_inner().unwrap()
}

pub const CONTROL: &str =
    "Package: libdemo1\nVersion: 1.0-1\nArchitecture: arm64\nDescription: demo\n";

/// A `.deb` with the given data tarball (already built) and a small control archive.
pub fn deb_from_tar(data_tar: &[u8], comp: Comp) -> Vec<u8> {
    let control = tar(&[Ent::dir("./"), Ent::file("./control", CONTROL.as_bytes())]);
    ar(&[
        ("debian-binary", b"2.0\n".to_vec()),
        ("control.tar.xz", Comp::Xz.compress(&control)),
        (
            &format!("data.tar{}", comp.suffix()),
            comp.compress(data_tar),
        ),
    ])
}

pub fn deb(entries: &[Ent]) -> Vec<u8> {
    deb_from_tar(&tar(entries), Comp::Xz)
}

/// `base/box/root` to extract into and `base/box/sentinel`, which must stay empty.
pub struct Sandbox {
    pub base: tempfile::TempDir,
    pub root: PathBuf,
    pub sentinel: PathBuf,
}

impl Sandbox {
    pub fn new() -> Self {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("box/root");
        let sentinel = base.path().join("box/sentinel");
        fs_err::create_dir_all(&root).unwrap();
        fs_err::create_dir_all(&sentinel).unwrap();
        Sandbox {
            base,
            root,
            sentinel,
        }
    }

    /// Nothing was written next to the root, above it, or in the sentinel.
    pub fn assert_nothing_outside(&self) {
        let names = |p: &Path| {
            let mut v: Vec<String> = fs_err::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(self.base.path()), ["box"]);
        assert_eq!(names(&self.base.path().join("box")), ["root", "sentinel"]);
        assert!(names(&self.sentinel).is_empty(), "sentinel was written to");
    }

    /// Every path under the root, relative, sorted (symlinks not followed).
    pub fn listing(&self) -> Vec<String> {
        let mut v: Vec<String> = walkdir::WalkDir::new(&self.root)
            .min_depth(1)
            .into_iter()
            .map(|e| {
                e.unwrap()
                    .path()
                    .strip_prefix(&self.root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        v.sort();
        v
    }
}
