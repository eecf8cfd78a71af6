//! Reading a shared library's exported interface: SONAME, version definitions and the defined
//! dynamic symbols with their versions (`.dynsym` + `.gnu.version` + `.gnu.version_d`).

use object::elf;
use object::read::elf::{Dyn, FileHeader, Sym};
use object::{Endianness, SymbolIndex};

use crate::GlibcError;

/// What a shared library exports, as far as linking against it is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedLibrary {
    /// `DT_SONAME` (`libc.so.6`), if the file has one.
    pub soname: Option<String>,
    /// ELF class: 32 or 64 bits.
    pub bits: u8,
    /// `e_machine`.
    pub machine: u16,
    pub big_endian: bool,
    /// Version definitions in file order, the base one (named after the file) excluded.
    pub versions: Vec<VersionDef>,
    /// Defined, versioned dynamic symbols (version-name marker symbols excluded).
    pub symbols: Vec<DynamicSymbol>,
}

/// One `.gnu.version_d` entry: `GLIBC_2.3 { } GLIBC_2.2.6;` has parent `GLIBC_2.2.6`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionDef {
    pub name: String,
    pub parents: Vec<String>,
}

/// A symbol a library defines: `memcpy@@GLIBC_2.14`, or the older `memcpy@GLIBC_2.2.5`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DynamicSymbol {
    pub name: String,
    pub version: String,
    /// `@@`: the version a new link binds to. `false` for `@` (hidden, kept for old binaries).
    pub default: bool,
    pub kind: SymbolKind,
    /// `st_size`: matters for objects (copy relocations copy that many bytes).
    pub size: u64,
    pub weak: bool,
}

/// The symbol types a stub has to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SymbolKind {
    /// `STT_FUNC` and `STT_GNU_IFUNC` (`memcpy` is an IFUNC on x86_64).
    Function,
    /// `STT_OBJECT` (`stdout`, `environ`).
    Object,
    /// `STT_TLS`.
    Tls,
    /// `STT_NOTYPE` and anything else.
    Other,
}

/// Read a shared library's exported interface from its bytes. Never panics, whatever the bytes.
pub fn read_library(data: &[u8]) -> Result<SharedLibrary, GlibcError> {
    match (data.get(..4), data.get(4)) {
        (Some(b"\x7fELF"), Some(1)) => read_as::<elf::FileHeader32<Endianness>>(data, 32),
        (Some(b"\x7fELF"), Some(2)) => read_as::<elf::FileHeader64<Endianness>>(data, 64),
        _ => Err(GlibcError::NotElf),
    }
}

fn bad(what: &'static str) -> impl Fn(object::read::Error) -> GlibcError {
    move |e| GlibcError::Malformed {
        what: format!("{what}: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read_as<Elf: FileHeader<Endian = Endianness>>(
    data: &[u8],
    bits: u8,
) -> Result<SharedLibrary, GlibcError> {
    let header = Elf::parse(data).map_err(bad("ELF header"))?;
    let e = header.endian().map_err(bad("ELF header"))?;
    let sections = header.sections(e, data).map_err(bad("section headers"))?;

    let mut soname = None;
    if let Some((dyns, link)) = sections.dynamic(e, data).map_err(bad(".dynamic"))? {
        let strings = sections
            .strings(e, data, link)
            .map_err(bad(".dynamic strings"))?;
        for d in dyns {
            if d.d_tag(e) == elf::DT_SONAME {
                let name = d.string(e, strings).map_err(bad("DT_SONAME"))?;
                soname = Some(text(name));
            }
        }
    }

    // Version index -> name, and the definitions with their parents.
    let mut names: Vec<(u16, String)> = Vec::new();
    let mut versions = Vec::new();
    if let Some((mut defs, link)) = sections
        .gnu_verdef(e, data)
        .map_err(bad(".gnu.version_d"))?
    {
        let strings = sections
            .strings(e, data, link)
            .map_err(bad(".gnu.version_d strings"))?;
        while let Some((def, mut aux)) = defs.next().map_err(bad(".gnu.version_d"))? {
            let mut chain = Vec::new();
            while let Some(a) = aux.next().map_err(bad(".gnu.version_d entry"))? {
                chain.push(text(a.name(e, strings).map_err(bad("version name"))?));
            }
            let Some((name, parents)) = chain.split_first() else {
                continue;
            };
            names.push((def.vd_ndx.get(e).0, name.clone()));
            if (def.vd_flags.get(e) & elf::VER_FLG_BASE).0 == 0 {
                versions.push(VersionDef {
                    name: name.clone(),
                    parents: parents.to_vec(),
                });
            }
        }
    }
    let version_name = |index: u16| {
        names
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, n)| n.as_str())
    };

    let mut symbols = Vec::new();
    let versym = sections.versions(e, data).map_err(bad(".gnu.version"))?;
    let dynsym = sections
        .symbols(e, data, elf::SHT_DYNSYM)
        .map_err(bad(".dynsym"))?;
    if let Some(table) = versym {
        for (index, sym) in dynsym.enumerate() {
            if index.0 == 0 || sym.is_undefined(e) || sym.st_shndx(e) == elf::SHN_ABS {
                // SHN_ABS entries are the linker's version-name markers (`GLIBC_2.2.5`).
                continue;
            }
            if !matches!(sym.st_bind(), elf::STB_GLOBAL | elf::STB_WEAK) {
                continue;
            }
            let vi = table.version_index(e, SymbolIndex(index.0));
            let ndx = vi.index().0;
            if ndx < 2 {
                // 0 local, 1 global/base: not a versioned interface.
                continue;
            }
            let Some(version) = version_name(ndx) else {
                continue;
            };
            let name = dynsym.symbol_name(e, sym).map_err(bad(".dynsym name"))?;
            let kind = match sym.st_type() {
                elf::STT_FUNC | elf::STT_GNU_IFUNC => SymbolKind::Function,
                elf::STT_OBJECT | elf::STT_COMMON => SymbolKind::Object,
                elf::STT_TLS => SymbolKind::Tls,
                _ => SymbolKind::Other,
            };
            symbols.push(DynamicSymbol {
                name: text(name),
                version: version.to_string(),
                default: !vi.is_hidden(),
                kind,
                size: sym.st_size(e).into(),
                weak: sym.st_bind() == elf::STB_WEAK,
            });
        }
    }
    symbols.sort();
    symbols.dedup();

    Ok(SharedLibrary {
        soname,
        bits,
        machine: header.e_machine(e).0,
        big_endian: data.get(5) == Some(&2),
        versions,
        symbols,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_elf_and_truncated_bytes_without_panicking() {
        assert!(matches!(read_library(b""), Err(GlibcError::NotElf)));
        assert!(matches!(
            read_library(b"!<arch>\n"),
            Err(GlibcError::NotElf)
        ));
        for len in 0..64 {
            let mut head = b"\x7fELF\x02\x01\x01".to_vec();
            head.resize(len.max(7), 0);
            assert!(read_library(&head).is_err());
        }
    }
}
