//! The provisioning pipeline: given a resolved [`Request`] and a [`Reporter`], make a target
//! ready to build and run for — the Rust std (rustup), the sysroot (Debian archive), a C
//! compiler and linker, the runner (native or QEMU), pkg-config, and the link-only glibc stubs of
//! a floor older than the sysroot ([`glibc`]) — and return the environment
//! for cargo, cc-rs, pkg-config, bindgen, CMake and meson ([`TargetEnv`]).
//!
//! Owns: the order of the steps and every decision about where each piece comes from (host,
//! cache or archive), the lockfile round trip, the archive client's lifetime (one per command,
//! created only when something is missing; shared by the threads of [`Provisioner::prefetch`],
//! which fetches several targets' sysroots and tool trees at once), the `--offline` and `--insecure-skip-verify`
//! policies, and the dry-run [`plan`] that `doctor` and `targets` read; the [`summary`] of a
//! command run for several targets (libtest's result lines read from cargo's output, the
//! table, the JSON); the [`ci`] workflow text `crossroot ci github` prints.
//! Must not: parse command lines, read the process environment (the caller passes a
//! [`HostEnv`]), print (status goes through the [`Reporter`]), or know about cargo's
//! arguments. A new kind of target adds its steps here, in one place.
//!
//! ```text
//! flags ─▶ Settings + Request::resolve ─▶ Provisioner::provision ─▶ TargetEnv ─▶ cargo
//!                                   └──▶ plan::plan (doctor, targets)
//! ```

pub mod ci;
pub mod doctor;
mod error;
pub mod glibc;
pub mod host;
mod pipeline;
pub mod plan;
mod request;
pub mod summary;
mod windows;

pub use crossroot_store::Reporter;
pub use error::Error;
pub use glibc::{GlibcStubs, LinkLog};
pub use pipeline::{HOST_TOOLS_RELEASE, INSECURE_WARNING, Provisioner, TargetEnv};
pub use request::{HostEnv, Needs, NoMirror, Request, Settings, Verify, target_packages};

/// Why nothing may be downloaded, as the end of a sentence.
pub const OFFLINE_WHY: &str = "but --offline (or --frozen, CROSSROOT_OFFLINE) forbids downloading";
