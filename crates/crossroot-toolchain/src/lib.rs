//! The C toolchain for a target: which clang and linker to use, the wrapper executables that pin
//! them to the target and its sysroot, and the environment that makes cargo, cc-rs, pkg-config,
//! bindgen, CMake and meson cross-compile with them. Also: whether rustup has the target's std.
//!
//! Owns: choosing a host clang (>= 14) or a provisioned one ([`clang`]); the mingw-w64 GCC of
//! the Windows targets ([`mingw`]); the exact compile and
//! link flags per target ([`flags`]); the cross environment as a pure list of
//! `(key, value, provenance)` with the rule that values the user set win ([`env`](mod@env)); generated
//! files — compiler wrappers, CMake toolchain file, meson cross file — rewritten only when their
//! content changes ([`files`]); locating the active Rust toolchain cheaply and adding a target's
//! std through rustup ([`rust`]).
//! Must not: download anything (the archive provisions host trees and sysroots and hands us their
//! roots), know how QEMU is invoked (that is `crossroot-runner`; we take its command line as an
//! input), or print (callers decide what to say).

pub mod clang;
pub mod env;
pub mod files;
pub mod flags;
pub mod mingw;
pub mod pkgconfig;
pub mod rust;

use std::path::PathBuf;

pub use clang::{CToolchain, ToolSource};
pub use env::{Decision, EnvVar, Provenance};

/// Everything that can go wrong while wiring a toolchain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to run `{program}`")]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` failed ({status})\n{stderr}")]
    Failed {
        command: String,
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error("the provisioned clang tree at `{root}` has no `{missing}`")]
    IncompleteTree { root: PathBuf, missing: PathBuf },
    #[error(
        "no archiver found for `{triple}` (looked for `llvm-ar`, `ar` on PATH and in `{tree}`)"
    )]
    NoArchiver { triple: String, tree: PathBuf },
    #[error(
        "the Rust standard library for `{triple}` is not installed and rustup is not available"
    )]
    NoRustup { triple: String, sysroot: PathBuf },
    #[error("could not find the active Rust toolchain")]
    NoRustc,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl crossroot_hint::Hint for Error {
    /// What the user can do about it.
    fn hint(&self) -> Option<String> {
        match self {
            Error::NoRustup { triple, sysroot } => Some(format!(
                "install rustup (https://rustup.rs) and run `rustup target add {triple}`, or install the std for `{triple}` into `{}` by other means (e.g. your distribution's `rust-std` package for that target)",
                sysroot.display()
            )),
            Error::NoRustc => {
                Some("install Rust with rustup (https://rustup.rs) or put `rustc` on PATH".into())
            }
            Error::NoArchiver { .. } => {
                Some("install binutils (for `ar`) or LLVM (for `llvm-ar`)".into())
            }
            Error::IncompleteTree { root, .. } => Some(format!(
                "the cached tree may be damaged: remove `{}` and run again",
                root.display()
            )),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
