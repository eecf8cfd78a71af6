//! The one error type of provisioning: every library error it can meet, each keeping its hint.

use crossroot_hint::Hint;

/// Why a target could not be provisioned (or planned). Every variant wraps a library error whose
/// [`Hint`] is passed on, so a hint can never be lost on the way to the user: a new library
/// error type cannot reach this enum without a variant, and a variant cannot be added without
/// the match in [`Hint::hint`] below.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Target(#[from] crossroot_target::TargetError),
    #[error(transparent)]
    Config(#[from] crossroot_config::ConfigError),
    #[error(transparent)]
    Archive(#[from] crossroot_archive::ArchiveError),
    #[error(transparent)]
    Store(#[from] crossroot_store::StoreError),
    #[error(transparent)]
    Toolchain(#[from] crossroot_toolchain::Error),
    #[error(transparent)]
    Runner(#[from] crossroot_runner::Error),
    #[error("could not build the glibc link stubs")]
    Glibc(#[from] crossroot_glibc::GlibcError),
    /// A link against the glibc stubs failed on symbols newer than the floor.
    #[error("{}", crate::glibc::too_new_text(*floor, symbols))]
    TooNew {
        triple: &'static str,
        floor: crossroot_target::GlibcVersion,
        symbols: Vec<crossroot_glibc::TooNew>,
    },
    /// The floor is below what the oldest possible sysroot can build even with stubs.
    #[error(
        "`{target}` cannot be built against Debian {release} (glibc {glibc}): {}",
        crate::glibc::traps_text(traps)
    )]
    FloorTraps {
        target: String,
        release: crossroot_target::Release,
        glibc: crossroot_target::GlibcVersion,
        traps: Vec<crossroot_glibc::SysrootTrap>,
        /// The oldest floor this release can build for.
        lowest: crossroot_target::GlibcVersion,
    },
    #[error(transparent)]
    Filter(#[from] crossroot_archive::FilterError),
    /// A step failed; `source` says why.
    #[error("could not provision {what} for `{target}`")]
    Step {
        what: &'static str,
        target: String,
        #[source]
        source: Box<Error>,
    },
    /// `--offline` (or `--frozen`, `CROSSROOT_OFFLINE`) and something must be downloaded.
    #[error("{what} for `{target}` is not installed, {why}")]
    Offline {
        what: String,
        target: String,
        why: &'static str,
        fix: String,
    },
    /// crossroot provisions host tools only for hosts in its target table.
    #[error("crossroot cannot provision host tools on a `{arch}` host")]
    UnsupportedHost { arch: &'static str },
    /// A musl target asks for Debian packages, which are built against glibc.
    #[error(
        "`{target}` cannot use the Debian package{} {}: Debian builds its libraries against glibc, and glibc objects must never be linked into a musl binary",
        if packages.len() == 1 { "" } else { "s" },
        packages.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
    )]
    MuslWithDebianLibraries {
        target: String,
        packages: Vec<String>,
        /// The glibc target of the same architecture, if crossroot supports it.
        gnu: Option<&'static str>,
    },
    #[error("cannot read or write `{}`: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Wrap `self` as the failure of one step (`the sysroot`, `clang`, `QEMU`).
    pub(crate) fn in_step(self, what: &'static str, target: &crossroot_target::Target) -> Error {
        Error::Step {
            what,
            target: target.to_string(),
            source: Box::new(self),
        }
    }
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Error::Target(e) => e.hint(),
            Error::Config(e) => e.hint(),
            Error::Archive(e) => e.hint(),
            Error::Store(e) => e.hint(),
            Error::Toolchain(e) => e.hint(),
            Error::Runner(e) => e.hint(),
            Error::Glibc(e) => e.hint(),
            Error::TooNew {
                triple, symbols, ..
            } => crate::glibc::too_new_hint(triple, symbols),
            Error::FloorTraps {
                target,
                release,
                glibc,
                lowest,
                ..
            } => Some(format!(
                "the oldest floor Debian {release} (glibc {glibc}) can build for is {lowest}: use `{}.{lowest}`",
                target.split('.').next().unwrap_or(target)
            )),
            Error::Filter(e) => e.hint(),
            Error::Step { source, .. } => source.hint(),
            Error::Offline { fix, .. } => Some(fix.clone()),
            Error::UnsupportedHost { .. } => Some(
                "install clang (14 or newer) and qemu-user yourself: crossroot uses them from PATH"
                    .into(),
            ),
            Error::MuslWithDebianLibraries { gnu, .. } => {
                let mut hint = "list them only in the glibc targets' tables \
                     (`[package.metadata.crossroot.target.<triple>]`) and build the C library from \
                     source through the crate's own feature (e.g. `openssl` with `vendored`, `libz-sys` \
                     with `static`, `rusqlite` with `bundled`)"
                    .to_string();
                if let Some(gnu) = gnu {
                    hint.push_str(&format!(
                        ", or build for `{gnu}` with `--static-deps`, which links Debian's static \
                         libraries into a binary that needs only glibc"
                    ));
                }
                Some(hint)
            }
            Error::Io { .. } => None,
        }
    }
}
