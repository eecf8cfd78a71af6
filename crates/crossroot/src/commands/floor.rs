//! Glibc floors in builds: after a successful `crossroot build|test|run|bench`, check the
//! executables and cdylibs this invocation produced against the target's glibc floor
//! (`aarch64-unknown-linux-gnu.2.31`) and fail the command when one needs a newer glibc; with
//! `-v`, say which glibc each one needs. Without a floor and without `-v` nothing runs at all.
//!
//! "This invocation's artefacts" are found without touching cargo's output: ELF executables and
//! `*.so` directly in `<target-dir>/<triple>/<profile>/` (and its `examples/`), plus for
//! test/bench the test executables in `<build-dir>/<triple>/<profile>/deps/`, modified since the
//! command started. Files that failed a check are listed in `.crossroot-floor-failures` in the
//! profile directory and checked again next time, so a no-op rebuild cannot hide a failure.
//! When the target directory is not given by `--target-dir` or `CARGO_TARGET_DIR`, `cargo
//! metadata` finds it, running alongside the build so it costs no wall time.
//!
//! Reading ELF and comparing versions is `crossroot_inspect`'s job; this module only picks the
//! files and words the result.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use crossroot_inspect::{ElfKind, ElfReport, VersionedSymbol};
use crossroot_target::{GlibcVersion, Target};

use crate::printer::Printer;
use crate::report::Hint;
use crossroot_config::CargoArgs;
use crossroot_provision::TargetEnv;

/// Where previously failing artefacts are remembered, inside the profile directory.
const FAILURES_FILE: &str = ".crossroot-floor-failures";

/// The filesystem's clock can lag the system clock by a tick: count files written this long
/// before the start as new too (re-checking one is harmless).
const CLOCK_SLACK: Duration = Duration::from_millis(100);

/// A check started before cargo runs; [`FloorCheck::finish`] runs it once cargo succeeded.
#[derive(Debug)]
pub struct FloorCheck {
    target: Target,
    release: crossroot_target::Release,
    subcommand: String,
    profile: String,
    started: SystemTime,
    cwd: PathBuf,
    dirs: Dirs,
}

#[derive(Debug)]
enum Dirs {
    Known {
        target: PathBuf,
        build: PathBuf,
    },
    /// `cargo metadata`, running alongside the build.
    Metadata {
        child: Child,
        target: Option<PathBuf>,
    },
}

impl FloorCheck {
    /// Set up the check for `crossroot SUBCOMMAND ARGS`, or `None` when there is nothing to do:
    /// a command that links nothing (check, doc, clippy), or no floor and no `-v`.
    pub fn start(
        subcommand: &str,
        tenv: &TargetEnv,
        cargo: &CargoArgs,
        manifest_path: Option<&Path>,
        printer: &Printer,
    ) -> Option<FloorCheck> {
        if !wanted(subcommand, tenv.target.glibc_floor, printer.verbose) {
            return None;
        }
        let started = SystemTime::now();
        let cwd = std::env::current_dir().ok()?;
        let target_dir = cargo
            .target_dir
            .clone()
            .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
            .filter(|p| !p.as_os_str().is_empty())
            .map(|p| cwd.join(p));
        let build_dir = std::env::var_os("CARGO_BUILD_BUILD_DIR")
            .filter(|p| !p.is_empty() && !p.to_string_lossy().contains('{'))
            .map(|p| cwd.join(p));
        let needs_build_dir = matches!(subcommand, "test" | "bench");
        let dirs = match (target_dir, build_dir) {
            (Some(t), _) if !needs_build_dir => Dirs::Known {
                build: t.clone(),
                target: t,
            },
            (Some(t), Some(b)) => Dirs::Known {
                target: t,
                build: b,
            },
            (target, _) => {
                let manifest = cargo.manifest_path.as_deref().or(manifest_path);
                let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
                let mut cmd = Command::new(&cargo);
                cmd.args(["metadata", "--no-deps", "--format-version", "1"]);
                if let Some(m) = manifest {
                    cmd.arg("--manifest-path").arg(m);
                }
                // A `--target-dir` given to cargo moves the default build dir along with it.
                if let Some(t) = &target {
                    cmd.env("CARGO_TARGET_DIR", t);
                }
                cmd.stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                match cmd.spawn() {
                    Ok(child) => Dirs::Metadata { child, target },
                    Err(e) => {
                        printer.warn(format!(
                            "cannot run `{} metadata` to find the target directory ({e}); \
                             the glibc floor is not checked",
                            cargo.to_string_lossy()
                        ));
                        return None;
                    }
                }
            }
        };
        Some(FloorCheck {
            target: tenv.target,
            release: tenv.release,
            subcommand: subcommand.to_string(),
            profile: profile_dir(cargo.profile_for(subcommand)),
            started,
            cwd,
            dirs,
        })
    }

    /// Check the artefacts cargo produced: an error when one needs a newer glibc than the floor.
    pub fn finish(self, printer: &Printer) -> anyhow::Result<()> {
        let (target_dir, build_dir) = match self.dirs {
            Dirs::Known { target, build } => (target, build),
            Dirs::Metadata { child, target } => {
                let out = child
                    .wait_with_output()
                    .context("waiting for `cargo metadata`")?;
                if !out.status.success() {
                    return Err(anyhow::anyhow!(
                        "`cargo metadata` failed, so the glibc floor could not be checked: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ));
                }
                let (t, b) = metadata_dirs(&out.stdout)?;
                (target.unwrap_or(t), b)
            }
        };
        let triple = self.target.triple();
        let profile_dir = target_dir.join(triple).join(&self.profile);
        let mut dirs = vec![
            (profile_dir.clone(), Pick::Final),
            (profile_dir.join("examples"), Pick::Final),
        ];
        if matches!(self.subcommand.as_str(), "test" | "bench") {
            dirs.push((
                build_dir.join(triple).join(&self.profile).join("deps"),
                Pick::TestBinary,
            ));
        }
        let since = self
            .started
            .checked_sub(CLOCK_SLACK)
            .unwrap_or(self.started);
        let mut files = Vec::new();
        for (dir, pick) in &dirs {
            files.extend(candidates(dir, *pick, since));
        }
        let failures_file = profile_dir.join(FAILURES_FILE);
        let floor = self.target.glibc_floor;
        if floor.is_some() {
            if let Ok(text) = fs_err::read_to_string(&failures_file) {
                files.extend(text.lines().map(PathBuf::from).filter(|p| p.is_file()));
            }
        }
        let files = dedup(files);

        let checked = check_files(&files, floor);
        for w in &checked.warnings {
            printer.warn(w);
        }
        for a in &checked.artefacts {
            printer.verbose(needs_line(&display_path(&a.path, &self.cwd), &a.report));
        }
        if let Some(floor) = floor {
            let failed: Vec<&Artefact> = checked.artefacts.iter().filter(|a| !a.ok).collect();
            let _ = write_failures(&failures_file, &failed);
            if failed.is_empty() {
                if !checked.artefacts.is_empty() {
                    printer.status(
                        "Checked",
                        format!(
                            "{} against the glibc {floor} floor: ok",
                            count(checked.artefacts.len(), "artefact")
                        ),
                    );
                }
            } else {
                return Err(floor_error(
                    &self.target,
                    floor,
                    self.release,
                    &self.subcommand,
                    &failed,
                    &self.cwd,
                ));
            }
        }
        Ok(())
    }
}

/// Whether `crossroot SUBCOMMAND` checks anything: only commands that link (not check, doc,
/// clippy), and only with a floor or `-v` — so a plain build runs nothing extra.
fn wanted(subcommand: &str, floor: Option<GlibcVersion>, verbose: u8) -> bool {
    matches!(subcommand, "build" | "test" | "run" | "bench") && (floor.is_some() || verbose > 0)
}

/// Which files of a directory are artefacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    /// The uplifted outputs: executables (no extension) and cdylibs (`*.so`).
    Final,
    /// Test and bench executables in `deps/`: `name-<hash>`, no extension.
    TestBinary,
}

fn picks(name: &str, pick: Pick) -> bool {
    if name.starts_with('.') {
        return false;
    }
    match pick {
        Pick::Final => !name.contains('.') || name.ends_with(".so"),
        Pick::TestBinary => !name.contains('.') && name.contains('-'),
    }
}

/// Regular files of `dir` that `pick` accepts, modified at or after `since`, sorted.
fn candidates(dir: &Path, pick: Pick, since: SystemTime) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| picks(&e.file_name().to_string_lossy(), pick))
        .filter(|e| {
            e.metadata()
                .is_ok_and(|m| m.is_file() && m.modified().is_ok_and(|t| t >= since))
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Drop repeats, including hard links of one file (cargo links `deps/x-hash` to `x`).
fn dedup(files: Vec<PathBuf>) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let mut seen = std::collections::HashSet::new();
    files
        .into_iter()
        .filter(|p| match std::fs::metadata(p) {
            Ok(m) => seen.insert((m.dev(), m.ino())),
            Err(_) => false,
        })
        .collect()
}

/// One artefact and what it needs.
#[derive(Debug)]
struct Artefact {
    path: PathBuf,
    report: ElfReport,
    /// Within the floor (always true without a floor).
    ok: bool,
    /// The symbols above the floor, newest first.
    over: Vec<VersionedSymbol>,
}

#[derive(Debug, Default)]
struct Checked {
    artefacts: Vec<Artefact>,
    warnings: Vec<String>,
}

/// Read each file; keep the executables and shared objects and check them against `floor`.
/// Files that are not ELF are skipped; unreadable or malformed ones become warnings.
fn check_files(files: &[PathBuf], floor: Option<GlibcVersion>) -> Checked {
    let mut checked = Checked::default();
    for path in files {
        let report = match crossroot_inspect::inspect_path(path) {
            Ok(r) => r,
            Err(crossroot_inspect::InspectPathError::Inspect {
                source:
                    crossroot_inspect::InspectError::NotElf { .. }
                    | crossroot_inspect::InspectError::Empty,
                ..
            }) => continue,
            Err(e) => {
                checked.warnings.push(format!("glibc floor: skipping {e}"));
                continue;
            }
        };
        if !matches!(
            report.kind,
            ElfKind::Executable
                | ElfKind::Pie
                | ElfKind::Static
                | ElfKind::StaticPie
                | ElfKind::SharedObject
        ) {
            continue;
        }
        let (ok, over) = match floor.map(|f| crossroot_inspect::check_glibc_floor(&report, f)) {
            None | Some(Ok(())) => (true, Vec::new()),
            Some(Err(v)) => (false, with_versions(&report, &v.symbols)),
        };
        checked.artefacts.push(Artefact {
            path: path.clone(),
            report,
            ok,
            over,
        });
    }
    checked
}

/// The (symbol, library) pairs of a floor violation with their versions, in the same order.
fn with_versions(report: &ElfReport, pairs: &[(String, String)]) -> Vec<VersionedSymbol> {
    pairs
        .iter()
        .filter_map(|(sym, lib)| {
            report
                .versions
                .symbols
                .iter()
                .find(|s| &s.symbol == sym && &s.library == lib && s.version.starts_with("GLIBC_"))
                .cloned()
        })
        .collect()
}

/// `-v`: `target/…/foo needs glibc >= 2.34 (__libc_start_main@GLIBC_2.34)`.
fn needs_line(name: &str, report: &ElfReport) -> String {
    match report.versions.glibc {
        Some(g) => {
            let syms: Vec<String> = report
                .versions
                .glibc_symbols
                .iter()
                .take(3)
                .map(|s| format!("{}@{}", s.symbol, s.version))
                .collect();
            let more = report.versions.glibc_symbols.len().saturating_sub(3);
            format!(
                "{name} needs glibc >= {g} ({}{})",
                syms.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )
        }
        None => format!(
            "{name} needs no versioned glibc symbols ({})",
            match report.libc {
                Some(l) => crossroot_inspect::libc_name(l),
                None => report.kind.describe(),
            }
        ),
    }
}

fn floor_error(
    target: &Target,
    floor: GlibcVersion,
    release: crossroot_target::Release,
    subcommand: &str,
    failed: &[&Artefact],
    cwd: &Path,
) -> anyhow::Error {
    let mut msg = format!(
        "{} {} a newer glibc than {floor}, the floor of `{target}`:",
        count(failed.len(), "artefact"),
        if failed.len() == 1 { "needs" } else { "need" }
    );
    for a in failed {
        let needed = a
            .report
            .versions
            .glibc
            .map_or_else(|| "?".to_string(), |g| g.to_string());
        msg.push_str(&format!(
            "\n    {} needs glibc {needed}: {}",
            display_path(&a.path, cwd),
            crossroot_inspect::symbol_list(&a.over, 8)
        ));
    }
    anyhow::Error::msg(msg).context(Hint(format!(
        "the build used Debian {release}'s sysroot (glibc {}); newer symbols come from code not \
         built against it: a prebuilt library or object, or a linker/compiler you set yourself \
         (`crossroot -v {subcommand}` lists what crossroot set and what it kept)",
        release
            .glibc()
            .map_or_else(|| "?".into(), |g| g.to_string()),
    )))
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn display_path(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}

/// Remember the failing artefacts (absolute paths), or forget them all when none failed.
fn write_failures(file: &Path, failed: &[&Artefact]) -> std::io::Result<()> {
    if failed.is_empty() {
        return match fs_err::remove_file(file) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        };
    }
    let text: String = failed
        .iter()
        .map(|a| format!("{}\n", a.path.display()))
        .collect();
    if let Some(dir) = file.parent() {
        fs_err::create_dir_all(dir)?;
    }
    fs_err::write(file, text)
}

/// `target_directory` and `build_directory` (cargo ≥ 1.91; else the target directory) from
/// `cargo metadata --format-version 1`.
fn metadata_dirs(json: &[u8]) -> anyhow::Result<(PathBuf, PathBuf)> {
    let doc: serde_json::Value =
        serde_json::from_slice(json).context("reading `cargo metadata` output")?;
    let target = doc["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("`cargo metadata` gave no `target_directory`")?;
    let build = doc["build_directory"]
        .as_str()
        .map_or_else(|| target.clone(), PathBuf::from);
    Ok((target, build))
}

/// The directory under `<target-dir>/<triple>/` cargo writes this profile's outputs to.
fn profile_dir(profile: &str) -> String {
    match profile {
        "dev" | "test" => "debug".into(),
        "release" | "bench" => "release".into(),
        _ => profile.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crossroot-inspect/tests/fixtures")
            .join(name)
    }

    #[test]
    fn only_linking_commands_with_a_floor_or_verbose_check() {
        let floor = Some(GlibcVersion::new(2, 31));
        for cmd in ["build", "test", "run", "bench"] {
            assert!(wanted(cmd, floor, 0), "{cmd}");
            assert!(wanted(cmd, None, 1), "{cmd}");
            assert!(!wanted(cmd, None, 0), "{cmd}");
        }
        for cmd in ["check", "doc", "clippy"] {
            assert!(!wanted(cmd, floor, 1), "{cmd}");
        }
    }

    #[test]
    fn profile_directories_follow_cargo() {
        let dir = |sub: &str, args: &[&str]| profile_dir(CargoArgs::parse(args).profile_for(sub));
        assert_eq!(dir("build", &[]), "debug");
        assert_eq!(dir("build", &["--release"]), "release");
        assert_eq!(dir("run", &["-r"]), "release");
        assert_eq!(dir("bench", &[]), "release");
        assert_eq!(dir("test", &["--profile", "dev"]), "debug");
        assert_eq!(dir("bench", &["--profile=dev"]), "debug");
        assert_eq!(dir("build", &["--profile", "dist"]), "dist");
        assert_eq!(dir("test", &["--profile=test"]), "debug");
        assert_eq!(dir("build", &["--", "--release"]), "debug");
    }

    #[test]
    fn artefact_names() {
        for (name, pick, want) in [
            ("hello", Pick::Final, true),
            ("libfoo.so", Pick::Final, true),
            ("hello.d", Pick::Final, false),
            ("libfoo.rlib", Pick::Final, false),
            ("libfoo.a", Pick::Final, false),
            (".fingerprint", Pick::Final, false),
            (".crossroot-floor-failures", Pick::Final, false),
            ("hello_threads-0123456789abcdef", Pick::TestBinary, true),
            (
                "libhello_threads-0123456789abcdef.rlib",
                Pick::TestBinary,
                false,
            ),
            ("hello_threads-0123456789abcdef.d", Pick::TestBinary, false),
        ] {
            assert_eq!(picks(name, pick), want, "{name}");
        }
    }

    #[test]
    fn only_files_modified_since_the_start_are_candidates() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = dir.path().join("old");
        let new = dir.path().join("new");
        let lib = dir.path().join("libx.so");
        let rlib = dir.path().join("libx.rlib");
        for p in [&old, &new, &lib, &rlib] {
            fs_err::write(p, b"x").expect("write");
        }
        let start = SystemTime::now();
        let long_ago = start - Duration::from_secs(3600);
        fs_err::File::options()
            .write(true)
            .open(&old)
            .and_then(|f| f.file().set_modified(long_ago))
            .expect("set mtime");
        let since = start - Duration::from_secs(60);
        assert_eq!(candidates(dir.path(), Pick::Final, since), vec![lib, new]);
        assert!(candidates(&dir.path().join("missing"), Pick::Final, since).is_empty());
    }

    #[test]
    fn hard_links_are_checked_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        fs_err::write(&a, b"x").expect("write");
        fs_err::hard_link(&a, &b).expect("link");
        assert_eq!(dedup(vec![a.clone(), b, a.clone()]), vec![a]);
    }

    #[test]
    fn a_binary_above_the_floor_fails_naming_symbols_and_libraries() {
        let files: Vec<PathBuf> = [
            "glibc236",
            "aarch64-gnu",
            "libfixture.so.1",
            "aarch64-object.o",
            "not-elf.txt",
            "truncated-elf",
        ]
        .iter()
        .map(|f| fixture(f))
        .collect();
        let floor = GlibcVersion::new(2, 34);
        let checked = check_files(&files, Some(floor));
        // Text and object files are not artefacts; a broken ELF file is worth a warning.
        let names: Vec<String> = checked
            .artefacts
            .iter()
            .map(|a| display_path(&a.path, &fixture("")))
            .collect();
        assert_eq!(names, ["glibc236", "aarch64-gnu", "libfixture.so.1"]);
        assert_eq!(checked.warnings.len(), 1, "{:?}", checked.warnings);
        assert!(checked.warnings[0].contains("truncated-elf"));
        let ok: Vec<bool> = checked.artefacts.iter().map(|a| a.ok).collect();
        assert_eq!(ok, [false, true, true]);
        let bad = &checked.artefacts[0];
        // Only the symbols above the floor, all from libc.
        assert!(!bad.over.is_empty());
        assert!(bad.over.iter().all(|s| s.library == "libc.so.6"));
        assert!(
            bad.over
                .iter()
                .all(|s| s.version == "GLIBC_2.35" || s.version == "GLIBC_2.36")
        );
        assert!(
            bad.over.iter().any(|s| s.symbol == "arc4random"),
            "{:?}",
            bad.over
        );

        let target = crossroot_target::parse("x86_64-unknown-linux-gnu.2.34").expect("target");
        let failed: Vec<&Artefact> = checked.artefacts.iter().filter(|a| !a.ok).collect();
        let err = floor_error(
            &target,
            floor,
            crossroot_target::Release::Bullseye,
            "build",
            &failed,
            &fixture(""),
        );
        let text = err.root_cause().to_string();
        assert!(text.starts_with("1 artefact needs a newer glibc than 2.34, the floor of `x86_64-unknown-linux-gnu.2.34`:"), "{text}");
        assert!(
            text.contains("\n    glibc236 needs glibc 2.36: arc4random@GLIBC_2.36 (libc.so.6)"),
            "{text}"
        );
        assert!(!text.contains("aarch64-gnu"), "{text}");
        let hint = err.downcast_ref::<Hint>().expect("a hint");
        assert!(hint.0.contains("bullseye"), "{}", hint.0);
    }

    #[test]
    fn within_the_floor_passes_and_verbose_names_what_is_needed() {
        let checked = check_files(&[fixture("glibc236")], Some(GlibcVersion::new(2, 36)));
        assert!(checked.artefacts.iter().all(|a| a.ok));
        let checked = check_files(&[fixture("glibc236"), fixture("x86_64-musl-static")], None);
        assert_eq!(checked.artefacts.len(), 2);
        let line = needs_line("glibc236", &checked.artefacts[0].report);
        assert!(line.starts_with("glibc236 needs glibc >= 2.36 ("), "{line}");
        assert!(line.contains("@GLIBC_2.36"), "{line}");
        let line = needs_line("musl", &checked.artefacts[1].report);
        assert!(line.contains("needs no versioned glibc symbols"), "{line}");
    }

    #[test]
    fn failures_are_remembered_until_a_clean_check() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The profile directory may not exist yet (test binaries live in the build dir).
        let file = dir.path().join("release").join(FAILURES_FILE);
        let checked = check_files(&[fixture("glibc236")], Some(GlibcVersion::new(2, 31)));
        let failed: Vec<&Artefact> = checked.artefacts.iter().collect();
        write_failures(&file, &failed).expect("write");
        assert_eq!(
            fs_err::read_to_string(&file).expect("read").trim(),
            fixture("glibc236").display().to_string()
        );
        write_failures(&file, &[]).expect("clear");
        assert!(!file.exists());
        write_failures(&file, &[]).expect("clearing twice is fine");
    }

    #[test]
    fn metadata_gives_both_directories() {
        let (t, b) =
            metadata_dirs(br#"{"target_directory":"/t","build_directory":"/b"}"#).expect("parse");
        assert_eq!((t, b), (PathBuf::from("/t"), PathBuf::from("/b")));
        let (t, b) = metadata_dirs(br#"{"target_directory":"/t"}"#).expect("parse");
        assert_eq!(t, b);
        assert!(metadata_dirs(b"{}").is_err());
        assert!(metadata_dirs(b"not json").is_err());
    }
}
