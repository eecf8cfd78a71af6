//! glibc floors older than the sysroot's glibc: the link-only stubs (built once per sysroot
//! and floor into the cache with the target's own C compiler), the refusal of floors a sysroot
//! cannot reach, and the explanation of a link that failed against the stubs.
//!
//! The stubs themselves and the reasons are `crossroot-glibc`'s; this module decides when they
//! are needed, where they live and how they are shared between concurrent runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use crossroot_glibc::{Compiler, StubInputs, SysrootTrap, TooNew};

use crossroot_store::{Cache, Reporter, Staged};
use crossroot_target::{GlibcVersion, Release, Target, TargetSpec};
use crossroot_toolchain::files::LINK_ERRORS_VAR;

use crate::Error;

/// The link-only glibc stubs a target links against: `-L <dir>` comes before the sysroot's
/// library directories in every link the generated compiler wrappers run.
#[derive(Debug, Clone)]
pub struct GlibcStubs {
    pub dir: PathBuf,
    pub floor: GlibcVersion,
    inputs: StubInputs,
    cache: Cache,
}

impl GlibcStubs {
    /// A fresh directory for the compiler wrappers to keep failed runs' stderr in, for one
    /// cargo invocation (removed when dropped). Set it on cargo with [`LinkLog::apply`].
    pub fn link_log(&self) -> Result<LinkLog, Error> {
        let staged = self
            .cache
            .stage_dir(&self.cache.bucket(crossroot_store::GLIBC_STUBS))?;
        Ok(LinkLog { staged })
    }

    /// After a failed build: the error naming each symbol newer than the floor that the failed
    /// links kept in `log` mention, with the glibc that introduced it ([`Error::TooNew`]).
    /// `None` when the failures had another cause (or the log cannot be read: then cargo's
    /// own output is all there is to say).
    pub fn link_failure(&self, log: &LinkLog, target: &Target) -> Option<Error> {
        let mut output = String::new();
        for entry in fs_err::read_dir(log.dir()).ok()?.flatten() {
            if let Ok(text) = fs_err::read(entry.path()) {
                output.push_str(&String::from_utf8_lossy(&text));
                output.push('\n');
            }
        }
        if output.trim().is_empty() {
            return None;
        }
        let catalog = crossroot_glibc::catalog(&self.inputs).ok()?;
        let symbols = catalog.explain_linker_output(&output, self.floor);
        (!symbols.is_empty()).then(|| Error::TooNew {
            triple: target.triple(),
            floor: self.floor,
            symbols,
        })
    }
}

/// The message of [`Error::TooNew`].
pub(crate) fn too_new_text(floor: GlibcVersion, symbols: &[TooNew]) -> String {
    match symbols {
        [one] => one.to_string(),
        many => {
            let mut s = format!(
                "{} symbols the link needs are newer than the floor {floor}:",
                many.len()
            );
            for t in many {
                s.push_str(&format!("\n    {t}"));
            }
            s
        }
    }
}

/// The hint of [`Error::TooNew`].
pub(crate) fn too_new_hint(triple: &str, symbols: &[TooNew]) -> Option<String> {
    let newest = symbols.iter().map(|t| t.introduced.glibc).max()?;
    let raise = format!("raise the floor to {newest} (`--target {triple}.{newest}`)");
    let (redirected, called): (Vec<&TooNew>, Vec<&TooNew>) =
        symbols.iter().partition(|t| t.redirect.is_some());
    if called.is_empty() {
        return Some(format!(
            "{raise}, or compile the C code that references {} without the setting that redirects it",
            names(&redirected)
        ));
    }
    let (it, is) = if called.len() == 1 {
        ("it", "is")
    } else {
        ("them", "are")
    };
    Some(format!(
        "{raise}, or stop calling {} (or look {it} up at run time with `dlsym` and fall back where {it} {is} missing)",
        names(&called)
    ))
}

fn names(symbols: &[&TooNew]) -> String {
    symbols
        .iter()
        .map(|t| format!("`{}`", t.symbol))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where the compiler wrappers keep the stderr of failed runs during one cargo invocation.
#[derive(Debug)]
pub struct LinkLog {
    staged: Staged,
}

impl LinkLog {
    pub fn dir(&self) -> &Path {
        self.staged.path()
    }

    /// Point the wrappers that `cmd` runs (through cargo, rustc, build scripts) at this log.
    pub fn apply(&self, cmd: &mut Command) {
        cmd.env(LINK_ERRORS_VAR, self.dir());
    }
}

/// The lowest glibc floor crossroot builds `spec` for, and the Debian release it then builds
/// against: Rust's minimum for the target, raised where the oldest release carrying the
/// architecture is too new to reach it even with stubs (riscv64: trixie, 2.34). `None` for
/// musl targets.
pub fn lowest_floor(spec: &'static TargetSpec) -> Option<(GlibcVersion, Release)> {
    let minimum = spec.min_glibc?;
    let target = Target {
        spec,
        glibc_floor: Some(minimum),
    };
    let release = target.release(None).ok()?;
    let floor = match release.glibc() {
        Some(glibc) if target.needs_glibc_stubs(release) => {
            crossroot_glibc::lowest_floor_without_traps(glibc, minimum)
        }
        _ => minimum,
    };
    Some((floor, release))
}

/// Refuse, before anything is downloaded, a floor that `release`'s glibc cannot build for
/// even with stubs (its crt files and `libc_nonshared.a` are too new).
pub(crate) fn check_release(target: &Target, release: Release) -> Result<(), Error> {
    let (Some(floor), Some(glibc)) = (target.glibc_floor, release.glibc()) else {
        return Ok(());
    };
    if !target.needs_glibc_stubs(release) {
        return Ok(());
    }
    check_traps(target, release, glibc, floor)
}

fn check_traps(
    target: &Target,
    release: Release,
    glibc: GlibcVersion,
    floor: GlibcVersion,
) -> Result<(), Error> {
    let traps = crossroot_glibc::sysroot_traps(glibc, floor);
    if traps.is_empty() {
        return Ok(());
    }
    Err(Error::FloorTraps {
        target: target.to_string(),
        release,
        glibc,
        traps,
        lowest: crossroot_glibc::lowest_floor_without_traps(glibc, floor),
    })
}

/// The stubs for `target`'s floor against `sysroot`, built with `cc` (the target's generated
/// compiler wrapper) unless the cache has them; `None` when the floor needs none.
pub(crate) fn ensure(
    cache: &Cache,
    reporter: &dyn Reporter,
    target: &Target,
    release: Release,
    sysroot: &Path,
    cc: &Path,
) -> Result<Option<GlibcStubs>, Error> {
    let Some(dir) = stub_dir(cache, target, release, sysroot) else {
        return Ok(None);
    };
    let Some(floor) = target.glibc_floor else {
        return Ok(None);
    };
    let stubs = GlibcStubs {
        inputs: StubInputs::debian(sysroot, target.spec.multiarch),
        floor,
        cache: cache.clone(),
        dir: dir.clone(),
    };
    if dir.join("libc.so").is_file() {
        return Ok(Some(stubs));
    }
    let bucket = cache.bucket(crossroot_store::GLIBC_STUBS);
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _lock = cache.lock(&bucket.join(format!("{name}.lock")), || {
        reporter.status(
            "Waiting",
            &format!("for another crossroot building the glibc {floor} stubs of `{target}`"),
        );
    })?;
    if dir.join("libc.so").is_file() {
        return Ok(Some(stubs));
    }
    let staged = cache.stage_dir(&bucket)?;
    let compiler = Compiler {
        program: cc.to_path_buf(),
        args: Vec::new(),
    };
    let set = crossroot_glibc::build_stubs(&stubs.inputs, floor, &compiler, staged.path())?;
    if let Some(glibc) = set.sysroot_glibc {
        // A moving suite's glibc is only known now.
        check_traps(target, release, glibc, floor)?;
    }
    staged.persist(&dir)?;
    reporter.status(
        "Built",
        &format!(
            "glibc {floor} link stubs for `{}` from the glibc of Debian {release} ({} libraries)",
            target.triple(),
            set.stubs.len()
        ),
    );
    Ok(Some(stubs))
}

/// `glibc-stubs-v3/<triple>-<hash of the sysroot>-<floor>`, when the floor needs stubs.
pub(crate) fn stub_dir(
    cache: &Cache,
    target: &Target,
    release: Release,
    sysroot: &Path,
) -> Option<PathBuf> {
    let floor = target.glibc_floor?;
    target.needs_glibc_stubs(release).then(|| {
        cache.bucket(crossroot_store::GLIBC_STUBS).join(format!(
            "{}-{}-{floor}",
            target.triple(),
            crate::pipeline::short_hash(&[sysroot])
        ))
    })
}

/// The traps as one clause: what the sysroot's glibc does that an older glibc cannot take.
pub(crate) fn traps_text(traps: &[SysrootTrap]) -> String {
    traps
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_hint::Hint as _;

    fn target(s: &str) -> Target {
        crossroot_target::parse(s).expect("a target")
    }

    #[test]
    fn stubs_are_kept_per_target_sysroot_and_floor() {
        let cache = Cache::new("/c");
        let sr = Path::new("/c/sysroots-v1/aarch64-unknown-linux-gnu/bullseye/abc");
        let dir = stub_dir(
            &cache,
            &target("aarch64-unknown-linux-gnu.2.17"),
            Release::Bullseye,
            sr,
        )
        .expect("a floor below bullseye needs stubs");
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(dir.starts_with("/c/glibc-stubs-v3"), "{}", dir.display());
        assert!(name.starts_with("aarch64-unknown-linux-gnu-"), "{name}");
        assert!(name.ends_with("-2.17"), "{name}");
        let other = stub_dir(
            &cache,
            &target("aarch64-unknown-linux-gnu.2.17"),
            Release::Bullseye,
            Path::new("/c/sysroots-v1/aarch64-unknown-linux-gnu/bullseye/def"),
        );
        assert_ne!(other.as_deref(), Some(dir.as_path()));
        for (t, release) in [
            ("aarch64-unknown-linux-gnu.2.31", Release::Bullseye),
            ("aarch64-unknown-linux-gnu", Release::Bookworm),
        ] {
            assert_eq!(stub_dir(&cache, &target(t), release, sr), None, "{t}");
        }
    }

    fn too_new(symbol: &str, glibc: &str, redirect: bool) -> TooNew {
        let glibc: GlibcVersion = glibc.parse().expect("a version");
        TooNew {
            symbol: symbol.into(),
            introduced: crossroot_glibc::Introduced {
                version: format!("GLIBC_{glibc}"),
                glibc,
                library: "libc.so.6".into(),
            },
            floor: GlibcVersion::new(2, 17),
            redirect: redirect
                .then(|| crossroot_glibc::header_redirect(symbol))
                .flatten(),
        }
    }

    #[test]
    fn a_symbol_newer_than_the_floor_is_named_with_its_glibc_and_a_way_out() {
        let one = [too_new("getrandom", "2.25", false)];
        let err = Error::TooNew {
            triple: "aarch64-unknown-linux-gnu",
            floor: GlibcVersion::new(2, 17),
            symbols: one.to_vec(),
        };
        assert_eq!(
            err.to_string(),
            "`getrandom` needs glibc 2.25 (`getrandom@GLIBC_2.25` in `libc.so.6`), newer than the floor 2.17"
        );
        assert_eq!(
            err.hint().as_deref(),
            Some(
                "raise the floor to 2.25 (`--target aarch64-unknown-linux-gnu.2.25`), or stop calling `getrandom` (or look it up at run time with `dlsym` and fall back where it is missing)"
            )
        );
        let two = [
            too_new("getrandom", "2.25", false),
            too_new("fcntl64", "2.28", true),
        ];
        let text = too_new_text(GlibcVersion::new(2, 17), &two);
        assert!(
            text.starts_with("2 symbols the link needs are newer than the floor 2.17:\n    `getrandom` needs glibc 2.25"),
            "{text}"
        );
        assert!(text.contains("`fcntl64` needs glibc 2.28"), "{text}");
        let hint = too_new_hint("armv7-unknown-linux-gnueabihf", &two).unwrap();
        assert!(hint.starts_with("raise the floor to 2.28 "), "{hint}");
        assert!(hint.contains("stop calling `getrandom`"), "{hint}");
        let hint = too_new_hint("armv7-unknown-linux-gnueabihf", &two[1..]).unwrap();
        assert!(
            hint.contains("compile the C code that references `fcntl64`"),
            "{hint}"
        );
    }

    #[test]
    fn the_lowest_floor_of_each_target() {
        let lowest = |t: &str| {
            lowest_floor(crossroot_target::by_triple(t).expect("known"))
                .map(|(f, r)| (f.to_string(), r))
        };
        assert_eq!(
            lowest("aarch64-unknown-linux-gnu"),
            Some(("2.17".into(), Release::Bullseye))
        );
        assert_eq!(
            lowest("riscv64gc-unknown-linux-gnu"),
            Some(("2.34".into(), Release::Trixie))
        );
        assert_eq!(lowest("x86_64-unknown-linux-musl"), None);
        // Every lowest floor passes the early check.
        for spec in crossroot_target::TARGETS {
            if let Some((floor, release)) = lowest_floor(spec) {
                let t = Target {
                    spec,
                    glibc_floor: Some(floor),
                };
                assert_eq!(t.release(None), Ok(release), "{}", spec.triple);
                assert!(check_release(&t, release).is_ok(), "{}", spec.triple);
            }
        }
    }

    #[test]
    fn a_floor_the_oldest_release_cannot_reach_is_refused_early() {
        assert!(
            check_release(&target("aarch64-linux.2.17"), Release::Bullseye).is_ok(),
            "bullseye builds 2.17"
        );
        assert!(check_release(&target("riscv64.2.34"), Release::Trixie).is_ok());
        let err = check_release(&target("riscv64.2.29"), Release::Trixie).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`riscv64gc-unknown-linux-gnu.2.29`") && text.contains("trixie"),
            "{text}"
        );
        assert_eq!(
            err.hint().as_deref(),
            Some(
                "the oldest floor Debian trixie (glibc 2.41) can build for is 2.34: use `riscv64gc-unknown-linux-gnu.2.34`"
            )
        );
    }
}
