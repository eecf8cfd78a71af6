//! Glibc floors in builds: check the artefacts a build produced against the target's glibc
//! floor (`aarch64-unknown-linux-gnu.2.31`), and word the result.
//!
//! Owns: which ELF files count as artefacts (executables, PIEs, static executables, shared
//! objects), the symbols above a floor ([`over_floor`]), the verbose "needs glibc" line, the
//! "checked: ok" message and the typed [`FloorError`] naming each file, its symbols, the glibc
//! version they need and the floor.
//!
//! Must not: print, or find the files itself beyond [`check_build`], which joins
//! [`crate::artefacts`] (the I/O edge) to the pure checks here.

use std::fmt;
use std::path::{Path, PathBuf};

use crossroot_target::{GlibcVersion, Release, Target};

use crate::artefacts::{self, ArtefactQuery, MemoError};
use crate::{ElfKind, ElfReport, InspectError, InspectPathError, VersionedSymbol};

/// One artefact and what it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artefact {
    pub path: PathBuf,
    pub report: ElfReport,
    /// Within the floor (always true without a floor).
    pub ok: bool,
    /// The symbols above the floor, newest first.
    pub over: Vec<VersionedSymbol>,
}

impl Artefact {
    /// `-v`: `target/…/foo needs glibc >= 2.34 (__libc_start_main@GLIBC_2.34)`, the path shown
    /// relative to `cwd` when inside it.
    pub fn needs_line(&self, cwd: &Path) -> String {
        needs_line(&display_path(&self.path, cwd), &self.report)
    }
}

/// The artefacts of a build, checked.
#[derive(Debug, Default)]
pub struct Checked {
    /// The floor checked against; `None` when only reporting what each file needs (`-v`).
    pub floor: Option<GlibcVersion>,
    pub artefacts: Vec<Artefact>,
    /// Files that looked like ELF but could not be read (not ELF at all is not an artefact).
    pub skipped: Vec<InspectPathError>,
    /// The memo of failing artefacts could not be updated.
    pub memo: Option<MemoError>,
}

/// Who built the artefacts, for the wording of [`Checked::verdict`].
#[derive(Debug, Clone)]
pub struct BuildContext {
    /// The target as the user wrote it, with its floor.
    pub target: Target,
    /// The Debian release whose sysroot the build used.
    pub release: Release,
    /// The cargo subcommand (`build`, `test`, …), for the hint.
    pub subcommand: String,
    /// Paths are shown relative to this directory when inside it.
    pub cwd: PathBuf,
}

impl Checked {
    /// The artefacts above the floor.
    pub fn failed(&self) -> impl Iterator<Item = &Artefact> {
        self.artefacts.iter().filter(|a| !a.ok)
    }

    /// Warnings for the user, one line each (`glibc floor: skipping …`).
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .skipped
            .iter()
            .map(|e| format!("glibc floor: skipping {e}"))
            .collect();
        if let Some(e) = &self.memo {
            out.push(format!("glibc floor: {e}: {}", e.source));
        }
        out
    }

    /// `-v`: what each artefact needs, one line each.
    pub fn needs_lines(&self, cwd: &Path) -> Vec<String> {
        self.artefacts.iter().map(|a| a.needs_line(cwd)).collect()
    }

    /// Without a floor: `Ok(None)`. Within it: `Ok(Some("2 artefacts against the glibc 2.31
    /// floor: ok"))` (to follow a `Checked` status), or `Ok(None)` when there was nothing to
    /// check. Above it: the error naming every file.
    pub fn verdict(&self, build: &BuildContext) -> Result<Option<String>, FloorError> {
        let Some(floor) = self.floor else {
            return Ok(None);
        };
        let failed: Vec<FailedArtefact> = self
            .failed()
            .map(|a| FailedArtefact {
                path: PathBuf::from(display_path(&a.path, &build.cwd)),
                needed: a.report.versions.glibc,
                symbols: a.over.clone(),
            })
            .collect();
        if !failed.is_empty() {
            return Err(FloorError {
                target: build.target,
                floor,
                release: build.release,
                subcommand: build.subcommand.clone(),
                artefacts: failed,
            });
        }
        Ok((!self.artefacts.is_empty()).then(|| {
            format!(
                "{} against the glibc {floor} floor: ok",
                count(self.artefacts.len(), "artefact")
            )
        }))
    }
}

/// Whether an ELF file of this kind is a build artefact worth checking (not an object file or
/// a core dump).
pub fn is_artefact(kind: ElfKind) -> bool {
    matches!(
        kind,
        ElfKind::Executable
            | ElfKind::Pie
            | ElfKind::Static
            | ElfKind::StaticPie
            | ElfKind::SharedObject
    )
}

/// The symbols of `report` whose GLIBC version is above `floor`, newest first; `None` when the
/// file runs on a glibc as old as `floor`. Empty when the file has no section headers (version
/// needs, but no symbol names).
pub fn over_floor(report: &ElfReport, floor: GlibcVersion) -> Option<Vec<VersionedSymbol>> {
    let violation = crate::check_glibc_floor(report, floor).err()?;
    Some(
        violation
            .symbols
            .iter()
            .filter_map(|(sym, lib)| {
                report
                    .versions
                    .symbols
                    .iter()
                    .find(|s| {
                        &s.symbol == sym && &s.library == lib && s.version.starts_with("GLIBC_")
                    })
                    .cloned()
            })
            .collect(),
    )
}

/// Check one file's report: `None` when it is not an artefact.
pub fn check_report(
    path: PathBuf,
    report: ElfReport,
    floor: Option<GlibcVersion>,
) -> Option<Artefact> {
    if !is_artefact(report.kind) {
        return None;
    }
    let over = floor.and_then(|f| over_floor(&report, f));
    Some(Artefact {
        path,
        ok: over.is_none(),
        over: over.unwrap_or_default(),
        report,
    })
}

/// Read each file; keep the executables and shared objects and check them against `floor`.
/// Files that are not ELF are skipped silently; unreadable or malformed ones are kept in
/// [`Checked::skipped`].
pub fn check_files(files: &[PathBuf], floor: Option<GlibcVersion>) -> Checked {
    let mut checked = Checked {
        floor,
        ..Checked::default()
    };
    for path in files {
        match crate::inspect_path(path) {
            Ok(report) => checked
                .artefacts
                .extend(check_report(path.clone(), report, floor)),
            Err(InspectPathError::Inspect {
                source: InspectError::NotElf { .. } | InspectError::Empty,
                ..
            }) => {}
            Err(e) => checked.skipped.push(e),
        }
    }
    checked
}

/// Find the artefacts of the build `query` describes ([`artefacts::find`], with the memo of
/// earlier failures when there is a floor), check them, and with a floor update the memo.
pub fn check_build(query: &ArtefactQuery, floor: Option<GlibcVersion>) -> Checked {
    let files = artefacts::find(query, floor.is_some());
    let mut checked = check_files(&files, floor);
    if floor.is_some() {
        let failed: Vec<&Path> = checked.failed().map(|a| a.path.as_path()).collect();
        checked.memo = artefacts::write_failures(&query.failures_file(), &failed).err();
    }
    checked
}

/// One artefact above the floor, as [`FloorError`] names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedArtefact {
    /// The file, relative to the working directory when inside it.
    pub path: PathBuf,
    /// The highest glibc version the file needs.
    pub needed: Option<GlibcVersion>,
    /// The symbols above the floor with the version each needs, newest first.
    pub symbols: Vec<VersionedSymbol>,
}

/// Artefacts of a build need a newer glibc than the target's floor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FloorError {
    /// The target as the user wrote it (`aarch64-unknown-linux-gnu.2.31`).
    pub target: Target,
    pub floor: GlibcVersion,
    /// The Debian release whose sysroot the build used.
    pub release: Release,
    /// The cargo subcommand that built them.
    pub subcommand: String,
    pub artefacts: Vec<FailedArtefact>,
}

impl fmt::Display for FloorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.artefacts.len();
        write!(
            f,
            "{} {} a newer glibc than {}, the floor of `{}`:",
            count(n, "artefact"),
            if n == 1 { "needs" } else { "need" },
            self.floor,
            self.target
        )?;
        for a in &self.artefacts {
            let needed = a.needed.map_or_else(|| "?".to_string(), |g| g.to_string());
            write!(
                f,
                "\n    {} needs glibc {needed}: {}",
                a.path.display(),
                crate::symbol_list(&a.symbols, 8)
            )?;
        }
        Ok(())
    }
}

impl crossroot_hint::Hint for FloorError {
    fn hint(&self) -> Option<String> {
        Some(format!(
            "the build used Debian {}'s sysroot (glibc {}); newer symbols come from code not \
             built against it: a prebuilt library or object, or a linker/compiler you set \
             yourself (`crossroot -v {}` lists what crossroot set and what it kept)",
            self.release,
            self.release
                .glibc()
                .map_or_else(|| "?".into(), |g| g.to_string()),
            self.subcommand
        ))
    }
}

/// `-v`: `foo needs glibc >= 2.34 (__libc_start_main@GLIBC_2.34)`.
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
                Some(l) => crate::libc_name(l),
                None => report.kind.describe(),
            }
        ),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_hint::Hint as _;

    use crate::test_fixture as fixture;

    fn build(target: &str) -> BuildContext {
        BuildContext {
            target: crossroot_target::parse(target).expect("target"),
            release: Release::Bullseye,
            subcommand: "build".into(),
            cwd: fixture(""),
        }
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
        let warnings = checked.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("glibc floor: skipping "),
            "{warnings:?}"
        );
        assert!(warnings[0].contains("truncated-elf"), "{warnings:?}");
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

        let err = checked
            .verdict(&build("x86_64-unknown-linux-gnu.2.34"))
            .expect_err("above the floor");
        assert_eq!(err.floor, floor);
        assert_eq!(err.artefacts.len(), 1);
        assert_eq!(err.artefacts[0].path, Path::new("glibc236"));
        assert_eq!(err.artefacts[0].needed, Some(GlibcVersion::new(2, 36)));
        let text = err.to_string();
        assert!(text.starts_with("1 artefact needs a newer glibc than 2.34, the floor of `x86_64-unknown-linux-gnu.2.34`:"), "{text}");
        assert!(
            text.contains("\n    glibc236 needs glibc 2.36: arc4random@GLIBC_2.36 (libc.so.6)"),
            "{text}"
        );
        assert!(!text.contains("aarch64-gnu"), "{text}");
        let hint = err.hint().expect("a hint");
        assert!(
            hint.contains("Debian bullseye's sysroot (glibc 2.31)"),
            "{hint}"
        );
        assert!(hint.contains("`crossroot -v build`"), "{hint}");
    }

    #[test]
    fn several_failures_are_counted_in_the_plural() {
        let files = [fixture("glibc236"), fixture("aarch64-gnu")];
        let checked = check_files(&files, Some(GlibcVersion::new(2, 17)));
        let err = checked
            .verdict(&build("aarch64-unknown-linux-gnu.2.17"))
            .expect_err("above the floor");
        let text = err.to_string();
        assert!(
            text.starts_with("2 artefacts need a newer glibc than 2.17, the floor of `aarch64-unknown-linux-gnu.2.17`:"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 3, "{text}");
    }

    #[test]
    fn within_the_floor_passes_and_verbose_names_what_is_needed() {
        let checked = check_files(&[fixture("glibc236")], Some(GlibcVersion::new(2, 36)));
        assert!(checked.artefacts.iter().all(|a| a.ok));
        assert_eq!(
            checked.verdict(&build("x86_64-unknown-linux-gnu.2.36")),
            Ok(Some("1 artefact against the glibc 2.36 floor: ok".into()))
        );
        // Nothing built, nothing to say; no floor, no verdict.
        assert_eq!(
            check_files(&[], Some(GlibcVersion::new(2, 36)))
                .verdict(&build("x86_64-unknown-linux-gnu.2.36")),
            Ok(None)
        );
        let checked = check_files(&[fixture("glibc236"), fixture("x86_64-musl-static")], None);
        assert_eq!(
            checked.verdict(&build("x86_64-unknown-linux-gnu")),
            Ok(None)
        );
        assert_eq!(checked.artefacts.len(), 2);
        let lines = checked.needs_lines(&fixture(""));
        assert!(
            lines[0].starts_with("glibc236 needs glibc >= 2.36 ("),
            "{lines:?}"
        );
        assert!(lines[0].contains("@GLIBC_2.36"), "{lines:?}");
        assert_eq!(
            lines[1],
            "x86_64-musl-static needs no versioned glibc symbols (musl)"
        );
    }

    #[test]
    fn a_build_remembers_its_failures_until_a_clean_check() {
        let dir = tempfile::tempdir().expect("tempdir");
        let profile = dir.path().join("x86_64-unknown-linux-gnu/debug");
        fs_err::create_dir_all(&profile).expect("mkdir");
        let bin = profile.join("glibc236");
        fs_err::copy(fixture("glibc236"), &bin).expect("copy");
        let started = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let query = ArtefactQuery {
            target_dir: dir.path().to_path_buf(),
            build_dir: dir.path().to_path_buf(),
            triple: "x86_64-unknown-linux-gnu".into(),
            profile_dir_name: "debug".into(),
            outputs: artefacts::Outputs::Binaries,
            started,
        };
        let checked = check_build(&query, Some(GlibcVersion::new(2, 31)));
        assert_eq!(checked.failed().count(), 1);
        assert!(checked.memo.is_none());
        assert_eq!(artefacts::read_failures(&query.failures_file()), [bin]);

        // A no-op rebuild: the file is old now, but the memo brings it back.
        let later = ArtefactQuery {
            started: std::time::SystemTime::now() + std::time::Duration::from_secs(60),
            ..query.clone()
        };
        assert_eq!(
            check_build(&later, Some(GlibcVersion::new(2, 31)))
                .failed()
                .count(),
            1
        );
        // Without a floor the memo is neither read nor changed.
        assert!(check_build(&later, None).artefacts.is_empty());
        assert!(query.failures_file().exists());
        // A check that passes forgets it.
        let checked = check_build(&later, Some(GlibcVersion::new(2, 36)));
        assert_eq!(checked.artefacts.len(), 1);
        assert_eq!(checked.failed().count(), 0);
        assert!(!query.failures_file().exists());
    }
}
