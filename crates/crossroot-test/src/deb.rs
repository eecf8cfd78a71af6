//! Build real `.deb` files (ar: `debian-binary`, `control.tar.xz`, `data.tar.xz`) from a
//! description, including hostile ones.

use std::io::{Read, Write};

/// One member of the data tarball.
#[derive(Debug, Clone)]
pub enum Entry {
    File {
        path: String,
        contents: Vec<u8>,
        mode: u32,
    },
    Dir {
        path: String,
    },
    Symlink {
        path: String,
        target: String,
    },
    Hardlink {
        path: String,
        target: String,
    },
    /// A character device (hostile).
    CharDevice {
        path: String,
    },
    /// A regular file of `len` zero bytes, streamed (never held in memory): a few hundred
    /// bytes of `.deb` that unpack to gigabytes (a decompression bomb).
    Zeros {
        path: String,
        len: u64,
    },
}

impl Entry {
    pub fn file(path: &str, contents: impl Into<Vec<u8>>) -> Entry {
        Entry::File {
            path: path.to_string(),
            contents: contents.into(),
            mode: 0o644,
        }
    }
    pub fn dir(path: &str) -> Entry {
        Entry::Dir {
            path: path.to_string(),
        }
    }
    pub fn symlink(path: &str, target: &str) -> Entry {
        Entry::Symlink {
            path: path.to_string(),
            target: target.to_string(),
        }
    }
    pub fn zeros(path: &str, len: u64) -> Entry {
        Entry::Zeros {
            path: path.to_string(),
            len,
        }
    }
}

/// A binary package to build.
#[derive(Debug, Clone)]
pub struct DebSpec {
    pub name: String,
    pub version: String,
    pub arch: String,
    /// Extra control fields, e.g. `("Depends", "libc6 (>= 2.36)")`.
    pub fields: Vec<(String, String)>,
    pub entries: Vec<Entry>,
    /// `Installed-Size:` in KiB (default 1, whatever the entries hold).
    pub installed_size: u64,
}

impl DebSpec {
    pub fn new(name: &str, version: &str, arch: &str) -> DebSpec {
        DebSpec {
            name: name.to_string(),
            version: version.to_string(),
            arch: arch.to_string(),
            fields: Vec::new(),
            entries: Vec::new(),
            installed_size: 1,
        }
    }

    /// The `Installed-Size:` (KiB) the control stanza claims.
    pub fn installed_size(mut self, kib: u64) -> DebSpec {
        self.installed_size = kib;
        self
    }

    /// Add a control field (`Depends`, `Pre-Depends`, `Provides`, `Multi-Arch`, …).
    pub fn field(mut self, name: &str, value: &str) -> DebSpec {
        self.fields.push((name.to_string(), value.to_string()));
        self
    }

    pub fn depends(self, value: &str) -> DebSpec {
        self.field("Depends", value)
    }

    pub fn entry(mut self, entry: Entry) -> DebSpec {
        self.entries.push(entry);
        self
    }

    pub fn file(self, path: &str, contents: impl Into<Vec<u8>>) -> DebSpec {
        self.entry(Entry::file(path, contents))
    }

    pub fn symlink(self, path: &str, target: &str) -> DebSpec {
        self.entry(Entry::symlink(path, target))
    }

    /// The control stanza (without Filename/Size/SHA256, which the archive adds).
    pub fn control(&self) -> String {
        let mut s = format!(
            "Package: {}\nVersion: {}\nArchitecture: {}\nMaintainer: Test <test@example.invalid>\nInstalled-Size: {}\nSection: libs\nPriority: optional\n",
            self.name, self.version, self.arch, self.installed_size
        );
        for (k, v) in &self.fields {
            s.push_str(&format!("{k}: {v}\n"));
        }
        s.push_str(&format!("Description: test package {}\n", self.name));
        s
    }

    /// The `.deb` bytes.
    pub fn build(&self) -> Vec<u8> {
        let control = tar_xz(|b| {
            append_file(b, "./control", self.control().as_bytes(), 0o644);
        });
        let data = tar_xz(|b| {
            for e in &self.entries {
                append_entry(b, e);
            }
        });
        let mut out = Vec::new();
        {
            let mut ar = ar::Builder::new(&mut out);
            for (name, bytes) in [
                ("debian-binary", b"2.0\n".to_vec()),
                ("control.tar.xz", control),
                ("data.tar.xz", data),
            ] {
                let mut header = ar::Header::new(name.as_bytes().to_vec(), bytes.len() as u64);
                header.set_mode(0o644);
                ar.append(&header, bytes.as_slice()).unwrap();
            }
        }
        out
    }
}

type TarXz = tar::Builder<liblzma::write::XzEncoder<Vec<u8>>>;

/// A tarball compressed as it is written (so a bomb's zeros never sit in memory).
fn tar_xz(fill: impl FnOnce(&mut TarXz)) -> Vec<u8> {
    let mut builder = tar::Builder::new(liblzma::write::XzEncoder::new(Vec::new(), 1));
    fill(&mut builder);
    let mut enc = builder.into_inner().unwrap();
    enc.flush().unwrap();
    enc.finish().unwrap()
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_700_000_000);
    h
}

/// Write a raw member name (so hostile names such as `../x` or `/etc/x` survive).
fn set_raw_name(h: &mut tar::Header, name: &str) {
    let bytes = name.as_bytes();
    let gnu = h.as_old_mut();
    gnu.name = [0; 100];
    gnu.name[..bytes.len().min(100)].copy_from_slice(&bytes[..bytes.len().min(100)]);
}

fn set_raw_link(h: &mut tar::Header, target: &str) {
    let bytes = target.as_bytes();
    let gnu = h.as_old_mut();
    gnu.linkname = [0; 100];
    gnu.linkname[..bytes.len().min(100)].copy_from_slice(&bytes[..bytes.len().min(100)]);
}

fn member(path: &str) -> String {
    if path.starts_with('/') || path.starts_with("./") || path.starts_with("..") {
        path.to_string()
    } else {
        format!("./{path}")
    }
}

fn append_file(b: &mut TarXz, path: &str, contents: &[u8], mode: u32) {
    let mut h = header(tar::EntryType::Regular, mode, contents.len() as u64);
    set_raw_name(&mut h, path);
    h.set_cksum();
    b.append(&h, contents).unwrap();
}

fn append_entry(b: &mut TarXz, e: &Entry) {
    match e {
        Entry::File {
            path,
            contents,
            mode,
        } => append_file(b, &member(path), contents, *mode),
        Entry::Dir { path } => {
            let mut h = header(tar::EntryType::Directory, 0o755, 0);
            set_raw_name(&mut h, &format!("{}/", member(path).trim_end_matches('/')));
            h.set_cksum();
            b.append(&h, std::io::empty()).unwrap();
        }
        Entry::Symlink { path, target } => {
            let mut h = header(tar::EntryType::Symlink, 0o777, 0);
            set_raw_name(&mut h, &member(path));
            set_raw_link(&mut h, target);
            h.set_cksum();
            b.append(&h, std::io::empty()).unwrap();
        }
        Entry::Hardlink { path, target } => {
            let mut h = header(tar::EntryType::Link, 0o644, 0);
            set_raw_name(&mut h, &member(path));
            set_raw_link(&mut h, &member(target));
            h.set_cksum();
            b.append(&h, std::io::empty()).unwrap();
        }
        Entry::Zeros { path, len } => {
            let mut h = header(tar::EntryType::Regular, 0o644, *len);
            set_raw_name(&mut h, &member(path));
            h.set_cksum();
            b.append(&h, std::io::repeat(0).take(*len)).unwrap();
        }
        Entry::CharDevice { path } => {
            let mut h = header(tar::EntryType::Char, 0o644, 0);
            set_raw_name(&mut h, &member(path));
            h.set_device_major(1).unwrap();
            h.set_device_minor(3).unwrap();
            h.set_cksum();
            b.append(&h, std::io::empty()).unwrap();
        }
    }
}
