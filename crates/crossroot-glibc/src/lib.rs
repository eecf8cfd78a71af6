//! glibc floors older than the sysroot: link-only stub libraries.
//!
//! A binary needs a glibc at least as new as the newest symbol version it references. Linking
//! against stubs of `libc.so.6`, `libm.so.6`, `libpthread.so.0`, `libdl.so.2`, `librt.so.1`,
//! `libutil.so.1` and the loader that define only the versions ≤ a floor makes every reference
//! bind to a version that glibc already had, and a symbol newer than the floor fails to link.
//! The stubs are derived from the sysroot's real libraries (their `.dynsym`, `.gnu.version` and
//! `.gnu.version_d`): no extra download, the same chain of trust. They are never loaded: the
//! binary runs against any real glibc ≥ the floor (the sysroot's own, under QEMU).
//!
//! Owns, pure (bytes in, values out): reading a shared library's exported interface
//! ([`read_library`]); the stub of one library for a floor ([`stub_for`]) with its assembly
//! source and version script; carving libpthread & co. out of a merged glibc ≥ 2.34
//! ([`split`]); the floor's forced-include header binding redirected calls to older
//! symbols ([`floor_header`]); naming the glibc a symbol needs and the header redirects that produce new
//! symbols from old calls ([`Catalog`], [`HEADER_REDIRECTS`], [`undefined_symbols`]).
//! Owns, at the edge: [`build_stubs`], which reads a sysroot's libraries, runs the C compiler
//! driver it is given on the generated sources and writes the stub directory.
//!
//! Must not: download anything, choose or provision a compiler (the caller passes one), know
//! target facts beyond what the libraries say, or print.

use std::path::PathBuf;

use crossroot_target::GlibcVersion;

mod build;
mod elf;
mod explain;
mod header;
pub mod split;
mod stubs;

pub use build::{BuiltStub, Compiler, StubInputs, StubSet, build_stubs, catalog};
pub use elf::{DynamicSymbol, SharedLibrary, SymbolKind, VersionDef, read_library};
pub use explain::{
    Catalog, HEADER_REDIRECTS, HeaderRedirect, Introduced, SysrootTrap, TooNew, glibc_release,
    header_redirect, lowest_floor_without_traps, sysroot_traps, undefined_symbols,
};
pub use header::{
    COMPAT_BINDINGS, COMPAT_OBJECT, CompatBinding, FLOOR_HEADER, compat_source, floor_header,
};
pub use stubs::{Stub, stub_for, version_at_or_below};

/// Why stubs could not be derived or built.
#[derive(Debug, thiserror::Error)]
pub enum GlibcError {
    #[error("not an ELF shared library")]
    NotElf,
    #[error("malformed ELF: {what}")]
    Malformed { what: String },
    #[error("the library has no SONAME, so a stub of it cannot stand in for it")]
    NoSoname,
    #[error(
        "`{soname}` has no symbol version at or below glibc {floor}{}",
        oldest.as_ref().map(|o| format!(" (its oldest is {o})")).unwrap_or_default()
    )]
    FloorBelowLibrary {
        soname: String,
        floor: GlibcVersion,
        oldest: Option<String>,
    },
    #[error("cannot read `{}`: {source}", path.display())]
    Library {
        path: PathBuf,
        #[source]
        source: Box<GlibcError>,
    },
    #[error("`{}` is not a linker script naming libc.so.6 and libc_nonshared.a", path.display())]
    LibcScript { path: PathBuf },
    #[error("`{}` not found in the sysroot", path.display())]
    Missing { path: PathBuf },
    #[error("cannot run `{}`: {source}", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` failed to build the stub `{soname}` ({status}):\n{stderr}", program.display())]
    Compile {
        program: PathBuf,
        soname: String,
        status: String,
        stderr: String,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl crossroot_hint::Hint for GlibcError {
    fn hint(&self) -> Option<String> {
        match self {
            GlibcError::FloorBelowLibrary { oldest: Some(o), .. } => Some(format!(
                "the oldest glibc this architecture has is {}: choose that floor or a newer one",
                o.trim_start_matches("GLIBC_")
            )),
            GlibcError::Library { source, .. } => source.hint(),
            GlibcError::Missing { .. } | GlibcError::LibcScript { .. } => Some(
                "the sysroot lacks glibc's development files (libc6-dev): rebuild it".into(),
            ),
            GlibcError::Spawn { .. } | GlibcError::Compile { .. } => Some(
                "the stubs are built with the target's C compiler (clang + lld): check that it runs"
                    .into(),
            ),
            GlibcError::NotElf
            | GlibcError::Malformed { .. }
            | GlibcError::NoSoname
            | GlibcError::FloorBelowLibrary { oldest: None, .. }
            | GlibcError::Io(_) => None,
        }
    }
}
