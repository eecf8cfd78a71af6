//! `crossroot inspect`'s results: one [`FileReport`] per file with the checks asked for, its
//! short readable form ([`FileReport::human`]), its failures ([`FileReport::problems`]) and the
//! JSON shape of `docs/inspect-json.md` ([`Document`], serialised by the caller).
//!
//! Owns: running the checks (sysroot lookup, expected target, glibc floor) on one file and the
//! wording of the report.
//! Must not: print, set exit codes or provision a sysroot; the only I/O is [`inspect_file`]
//! (reading the file and looking its libraries up in the sysroot). Within schema 1 the JSON
//! fields are only ever added, never renamed or removed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crossroot_target::{GlibcVersion, Target, TargetSpec};
use serde::Serialize;

use crate::{
    Binary, ElfKind, ElfReport, InspectPathError, Lookup, Mismatch, PeReport, SysrootResolution,
    VersionedSymbol,
};

/// The whole `--json` document.
#[derive(Debug, Serialize)]
pub struct Document {
    /// [`crate::JSON_SCHEMA`].
    pub schema: u32,
    /// Every file read and passed every check.
    pub ok: bool,
    pub files: Vec<FileReport>,
}

impl Document {
    pub fn new(files: Vec<FileReport>) -> Document {
        Document {
            schema: crate::JSON_SCHEMA,
            ok: files.iter().all(|f| f.ok),
            files,
        }
    }
}

/// One file's results (`files[]` in JSON).
#[derive(Debug, Serialize)]
pub struct FileReport {
    /// The path as given; a display string so a non-UTF-8 name never breaks the JSON.
    pub path: String,
    /// Read, and passed every check asked for.
    pub ok: bool,
    /// Why the file could not be read; then the other fields are `None`.
    pub error: Option<String>,
    /// Set for an ELF file.
    pub elf: Option<ElfReport>,
    /// Set for a PE (Windows) file.
    pub pe: Option<PeReport>,
    pub sysroot: Option<SysrootCheck>,
    pub expect_target: Option<ExpectCheck>,
    pub glibc_floor: Option<FloorCheck>,
    /// Where the file runs: the lowest glibc, and what else the machine must have installed.
    pub runs_on: Option<RunsOn>,
}

/// Where a file runs (`runs_on` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunsOn {
    /// The lowest glibc the file runs on (`"2.34"`); null when it asks for no glibc version.
    pub glibc: Option<String>,
    /// Each NEEDED library outside glibc's own (and libgcc_s), in order.
    pub outside_glibc: Vec<OutsideLibrary>,
}

/// A NEEDED library the target machine must have besides glibc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutsideLibrary {
    pub library: String,
    /// The Debian package of the sysroot that ships it; null without a sysroot, or when the
    /// sysroot does not have it (or was built before crossroot recorded owners).
    pub package: Option<String>,
}

/// Where `report` runs, with the packages `owners` (library file name → package) names.
pub fn runs_on(report: &ElfReport, owners: Option<&BTreeMap<String, String>>) -> RunsOn {
    RunsOn {
        glibc: report.versions.glibc.map(|g| g.to_string()),
        outside_glibc: crate::deps::foreign_needed(report)
            .into_iter()
            .map(|lib| OutsideLibrary {
                library: lib.to_string(),
                package: owners.and_then(|o| o.get(lib).cloned()),
            })
            .collect(),
    }
}

/// Where the loader would find each library in a sysroot.
#[derive(Debug, Serialize)]
pub struct SysrootCheck {
    /// The triple whose library directories were searched.
    pub target: &'static str,
    pub ok: bool,
    #[serde(flatten)]
    pub resolution: SysrootResolution,
}

/// How the file fits the target expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectCheck {
    pub target: &'static str,
    pub ok: bool,
    pub mismatches: Vec<Mismatch>,
}

/// The file against a glibc floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FloorCheck {
    /// The floor, `"2.31"`.
    pub floor: String,
    pub ok: bool,
    /// Highest GLIBC version the file needs.
    pub needed: Option<String>,
    /// Symbols whose GLIBC version is above the floor, newest first.
    pub symbols: Vec<VersionedSymbol>,
}

/// The checks `crossroot inspect` was asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Checks<'a> {
    /// Look the file's libraries up in this sysroot, in the library directories of this target
    /// (`None`: the one target the file fits).
    pub sysroot: Option<(&'a Path, Option<&'static TargetSpec>)>,
    /// The target the file must fit.
    pub expect: Option<Target>,
    /// The glibc the file must run on.
    pub floor: Option<GlibcVersion>,
    /// Which package of the sysroot ships each library (file name → package), to say what the
    /// target machine must have installed.
    pub owners: Option<&'a BTreeMap<String, String>>,
}

/// A check that cannot run on a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// A sysroot without a target, and the file fits none or several targets.
    #[error("`{}`: cannot tell which target's library directories to search in `{}`", path.display(), sysroot.display())]
    AmbiguousTarget { path: PathBuf, sysroot: PathBuf },
    /// A triple the report names is not in the target table (a bug).
    #[error("the matched target `{triple}` is missing from the target table")]
    UnknownTriple { triple: String },
}

impl crossroot_hint::Hint for ReportError {
    fn hint(&self) -> Option<String> {
        match self {
            ReportError::AmbiguousTarget { .. } => Some("add `--target <TARGET>`".into()),
            ReportError::UnknownTriple { .. } => None,
        }
    }
}

/// Read `path` and run `checks` on it. A file that cannot be read is a report with an
/// `error`, not an `Err`; `Err` is a check that cannot run at all.
pub fn inspect_file(path: &Path, checks: &Checks<'_>) -> Result<FileReport, ReportError> {
    let report = match crate::inspect_binary_path(path) {
        Ok(Binary::Elf(report)) => *report,
        Ok(Binary::Pe(report)) => return Ok(FileReport::new_pe(path, report, checks.expect)),
        Err(err) => return Ok(FileReport::unreadable(path, &err)),
    };
    let sysroot = match checks.sysroot {
        None => None,
        Some((dir, spec)) => {
            let spec = match spec {
                Some(spec) => spec,
                None => target_of(&report, path, dir)?,
            };
            let file_dir = std::path::absolute(path)
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf));
            let resolution = crate::resolve_in_sysroot(&report, spec, dir, file_dir.as_deref());
            Some(sysroot_check(spec, resolution))
        }
    };
    let mut file = FileReport::new(path, report, sysroot, checks.expect, checks.floor);
    if let (Some(r), Some(elf)) = (&mut file.runs_on, &file.elf) {
        *r = runs_on(elf, checks.owners);
    }
    Ok(file)
}

/// The one target the file fits, whose library directories a sysroot lookup searches.
fn target_of(
    report: &ElfReport,
    path: &Path,
    sysroot: &Path,
) -> Result<&'static TargetSpec, ReportError> {
    match report.targets.as_slice() {
        [only] => crossroot_target::by_triple(only).ok_or_else(|| ReportError::UnknownTriple {
            triple: (*only).to_string(),
        }),
        _ => Err(ReportError::AmbiguousTarget {
            path: path.to_path_buf(),
            sysroot: sysroot.to_path_buf(),
        }),
    }
}

/// A sysroot lookup's result as a check.
pub fn sysroot_check(spec: &'static TargetSpec, resolution: SysrootResolution) -> SysrootCheck {
    let ok = resolution.problems().next().is_none();
    SysrootCheck {
        target: spec.triple,
        ok,
        resolution,
    }
}

/// How `report` fits `target`.
pub fn expect_check(report: &ElfReport, target: Target) -> ExpectCheck {
    let mismatches = crate::mismatches(report, target.spec);
    ExpectCheck {
        target: target.spec.triple,
        ok: mismatches.is_empty(),
        mismatches,
    }
}

/// `report` against a glibc `floor`.
pub fn floor_check(report: &ElfReport, floor: GlibcVersion) -> FloorCheck {
    let over = crate::floor::over_floor(report, floor);
    FloorCheck {
        floor: floor.to_string(),
        ok: over.is_none(),
        needed: report.versions.glibc.map(|g| g.to_string()),
        symbols: over.unwrap_or_default(),
    }
}

impl FileReport {
    /// The report of a file that was read, with the expected-target and floor checks run.
    pub fn new(
        path: &Path,
        report: ElfReport,
        sysroot: Option<SysrootCheck>,
        expect: Option<Target>,
        floor: Option<GlibcVersion>,
    ) -> FileReport {
        let expect_target = expect.map(|t| expect_check(&report, t));
        let glibc_floor = floor.map(|f| floor_check(&report, f));
        let runs_on = Some(runs_on(&report, None));
        let ok = sysroot.as_ref().is_none_or(|c| c.ok)
            && expect_target.as_ref().is_none_or(|c| c.ok)
            && glibc_floor.as_ref().is_none_or(|c| c.ok);
        FileReport {
            path: path.display().to_string(),
            ok,
            error: None,
            elf: Some(report),
            pe: None,
            sysroot,
            expect_target,
            glibc_floor,
            runs_on,
        }
    }

    /// The report of a PE file, with the expected-target check run. The sysroot and glibc floor
    /// checks are about ELF files and do not apply.
    pub fn new_pe(path: &Path, report: PeReport, expect: Option<Target>) -> FileReport {
        let expect_target = expect.map(|t| {
            let mismatches = crate::pe_mismatches(&report, t.spec);
            ExpectCheck {
                target: t.spec.triple,
                ok: mismatches.is_empty(),
                mismatches,
            }
        });
        FileReport {
            path: path.display().to_string(),
            ok: expect_target.as_ref().is_none_or(|c| c.ok),
            error: None,
            elf: None,
            pe: Some(report),
            sysroot: None,
            expect_target,
            glibc_floor: None,
            runs_on: None,
        }
    }

    /// The report of a file that could not be read.
    pub fn unreadable(path: &Path, err: &InspectPathError) -> FileReport {
        let error = match err {
            // The io::Error text already says what went wrong; keep it on one line.
            InspectPathError::Io { path, source } => {
                format!("cannot read `{}`: {source}", path.display())
            }
            other => other.to_string(),
        };
        FileReport {
            path: path.display().to_string(),
            ok: false,
            error: Some(error),
            elf: None,
            pe: None,
            sysroot: None,
            expect_target: None,
            glibc_floor: None,
            runs_on: None,
        }
    }

    /// The failures of this file, one line each (for `error: …` on stderr).
    pub fn problems(&self) -> Vec<String> {
        let name = &self.path;
        let mut lines = Vec::new();
        if let Some(err) = &self.error {
            lines.push(err.clone());
        }
        if let Some(c) = &self.expect_target {
            if !c.ok {
                let what: Vec<String> = c.mismatches.iter().map(Mismatch::to_string).collect();
                lines.push(format!(
                    "`{name}` does not fit `{}`: {}",
                    c.target,
                    what.join("; ")
                ));
            }
        }
        if let Some(c) = &self.glibc_floor {
            if !c.ok {
                lines.push(format!(
                    "`{name}` needs glibc {}, newer than {}: {}",
                    c.needed.as_deref().unwrap_or("?"),
                    c.floor,
                    if c.symbols.is_empty() {
                        "symbol names unavailable (the file has no section headers)".to_string()
                    } else {
                        crate::symbol_list(&c.symbols, 8)
                    }
                ));
            }
        }
        if let Some(c) = &self.sysroot {
            if !c.ok {
                let what: Vec<String> = c
                    .resolution
                    .problems()
                    .map(|l| match &l.problem {
                        Some(p) => format!("{} ({p})", l.name),
                        None => format!("{} (missing)", l.name),
                    })
                    .collect();
                lines.push(format!(
                    "`{name}` cannot load in the `{}` sysroot `{}`: {}",
                    c.target,
                    c.resolution.sysroot.display(),
                    what.join(", ")
                ));
            }
        }
        lines
    }

    /// The short readable report of this file; `None` when it could not be read.
    pub fn human(&self) -> Option<String> {
        if let Some(p) = &self.pe {
            return Some(self.human_pe(p));
        }
        let e = self.elf.as_ref()?;
        let mut s = format!(
            "{}: {} {} {}, {}\n",
            self.path,
            crate::class_name(e.class),
            crate::endian_name(e.endian),
            e.machine.name,
            e.kind.describe()
        );
        let mut field = |key: &str, value: String| {
            let key = if key.is_empty() {
                String::new()
            } else {
                format!("{key}:")
            };
            s.push_str(&format!("  {key:<12} {value}\n"));
        };
        field(
            "targets",
            if e.targets.is_empty() {
                "none of the supported targets".into()
            } else {
                e.targets.join(", ")
            },
        );
        if let Some(arm) = &e.arm {
            let mut parts = Vec::new();
            if let Some(v) = arm.eabi {
                parts.push(format!("EABI{v}"));
            }
            parts.push(format!("{}-float", e.float_abi));
            if let Some(arch) = &arm.arch {
                parts.push(format!(
                    "ARM{arch}{}",
                    arm.profile
                        .as_deref()
                        .map(|p| format!("-{p}"))
                        .unwrap_or_default()
                ));
            }
            field("arm", parts.join(", "));
        }
        if let Some(rv) = &e.riscv {
            let mut parts = vec![format!("{}-float ABI", rv.float_abi)];
            if rv.rvc {
                parts.push("RVC".into());
            }
            if let Some(isa) = &rv.isa {
                parts.push(isa.clone());
            }
            field("riscv", parts.join(", "));
        }
        field("OS/ABI", e.os_abi.name.to_string());
        field(
            "libc",
            match e.libc {
                Some(l) => crate::libc_name(l).to_string(),
                None if matches!(e.kind, ElfKind::Static | ElfKind::StaticPie) => {
                    "none found (static, no libc markers)".into()
                }
                None => "unknown".into(),
            },
        );
        if let Some(interp) = &e.interpreter {
            field("interpreter", interp.clone());
        }
        if let Some(soname) = &e.soname {
            field("soname", soname.clone());
        }
        if !e.needed.is_empty() {
            field("needed", e.needed.join(", "));
        }
        if !e.rpath.is_empty() {
            field("rpath", e.rpath.join(":"));
        }
        if !e.runpath.is_empty() {
            field("runpath", e.runpath.join(":"));
        }
        if let Some(g) = e.versions.glibc {
            field(
                "glibc",
                format!(
                    ">= {g}: {}",
                    crate::symbol_list(&e.versions.glibc_symbols, 4)
                ),
            );
        }
        let mut cxx = Vec::new();
        if let Some(v) = &e.versions.glibcxx {
            cxx.push(format!("GLIBCXX_{v}"));
        }
        if let Some(v) = &e.versions.cxxabi {
            cxx.push(format!("CXXABI_{v}"));
        }
        if !cxx.is_empty() {
            field("libstdc++", format!(">= {}", cxx.join(", ")));
        }
        field(
            "stripped",
            match (e.stripped, e.debug_info) {
                (true, _) => "yes".into(),
                (false, true) => "no (symbols and debug info)".into(),
                (false, false) => "no (symbols)".into(),
            },
        );
        if let Some(id) = &e.build_id {
            field("build-id", id.clone());
        }
        if let Some(r) = &self.runs_on {
            if e.libc == Some(crossroot_target::Libc::Gnu) || r.glibc.is_some() {
                field(
                    "runs on",
                    match &r.glibc {
                        Some(g) => format!("glibc {g} or newer"),
                        None => "any glibc".into(),
                    },
                );
            }
            if !r.outside_glibc.is_empty() {
                let libs: Vec<String> = r
                    .outside_glibc
                    .iter()
                    .map(|l| match &l.package {
                        Some(p) => format!("{} (Debian package {p})", l.library),
                        None => l.library.clone(),
                    })
                    .collect();
                field("also needs", libs.join(", "));
            }
        }
        if let Some(c) = &self.sysroot {
            field(
                "sysroot",
                format!("{} ({})", c.resolution.sysroot.display(), c.target),
            );
            for l in c.resolution.interpreter.iter().chain(&c.resolution.needed) {
                field("", lookup_line(l));
            }
        }
        if let Some(c) = &self.expect_target {
            field(
                "expected",
                if c.ok {
                    format!("fits {}", c.target)
                } else {
                    format!("does NOT fit {}", c.target)
                },
            );
        }
        if let Some(c) = &self.glibc_floor {
            field(
                "glibc floor",
                if c.ok {
                    format!("{}: ok", c.floor)
                } else {
                    format!("{}: needs {}", c.floor, c.needed.as_deref().unwrap_or("?"))
                },
            );
        }
        Some(s)
    }
}

impl FileReport {
    fn human_pe(&self, p: &PeReport) -> String {
        let mut s = format!("{}: {}\n", self.path, p.describe());
        let mut field = |key: &str, value: String| {
            s.push_str(&format!("  {:<12} {value}\n", format!("{key}:")));
        };
        field(
            "targets",
            if p.targets.is_empty() {
                "none of the supported targets".into()
            } else {
                p.targets.join(", ")
            },
        );
        field(
            "imports",
            if p.imports.is_empty() {
                "none".into()
            } else {
                p.imports.join(", ")
            },
        );
        field(
            "must ship",
            if p.must_ship.is_empty() {
                "nothing: every DLL it imports is part of Windows".into()
            } else {
                format!(
                    "{} (not part of Windows: put them beside the program)",
                    p.must_ship.join(", ")
                )
            },
        );
        field("stripped", if p.symbols { "no" } else { "yes" }.into());
        if let Some(c) = &self.expect_target {
            field(
                "expected",
                if c.ok {
                    format!("fits {}", c.target)
                } else {
                    format!("does NOT fit {}", c.target)
                },
            );
        }
        s
    }
}

fn lookup_line(l: &Lookup) -> String {
    match (&l.found, &l.problem) {
        (_, Some(problem)) => format!("  {}: {problem}", l.name),
        (Some(found), None) => format!("  {} => {}", l.name, found.display()),
        (None, None) => format!("  {}: MISSING", l.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_hint::Hint as _;

    use crate::test_fixture as fixture;

    fn target(name: &str) -> Target {
        crossroot_target::parse(name).expect("target")
    }

    #[test]
    fn a_file_within_every_check_is_ok() {
        let checks = Checks {
            expect: Some(target("aarch64-unknown-linux-gnu")),
            floor: Some(GlibcVersion::new(2, 36)),
            ..Checks::default()
        };
        let r = inspect_file(&fixture("aarch64-gnu"), &checks).expect("report");
        assert!(r.ok);
        assert!(r.problems().is_empty());
        let human = r.human().expect("readable");
        assert!(
            human.contains("  expected:    fits aarch64-unknown-linux-gnu\n"),
            "{human}"
        );
        assert!(human.contains("  glibc floor: 2.36: ok\n"), "{human}");
        let doc = Document::new(vec![r]);
        assert!(doc.ok);
        assert_eq!(doc.schema, crate::JSON_SCHEMA);
    }

    #[test]
    fn failures_name_the_file_the_target_and_the_symbols() {
        let checks = Checks {
            expect: Some(target("armv7-unknown-linux-gnueabihf")),
            floor: Some(GlibcVersion::new(2, 31)),
            ..Checks::default()
        };
        let r = inspect_file(&fixture("glibc236"), &checks).expect("report");
        assert!(!r.ok);
        let floor = r.glibc_floor.as_ref().expect("floor check");
        assert_eq!(floor.needed.as_deref(), Some("2.36"));
        assert!(floor.symbols.iter().any(|s| s.symbol == "arc4random"));
        let problems = r.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("does not fit `armv7-unknown-linux-gnueabihf`: machine: "),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("needs glibc 2.36, newer than 2.31: "),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("arc4random@GLIBC_2.36 (libc.so.6)"),
            "{problems:?}"
        );
        let human = r.human().expect("readable");
        assert!(
            human.contains("does NOT fit armv7-unknown-linux-gnueabihf"),
            "{human}"
        );
        assert!(
            human.contains("  glibc floor: 2.31: needs 2.36\n"),
            "{human}"
        );
        assert!(!Document::new(vec![r]).ok);
    }

    #[test]
    fn where_a_file_runs_names_the_lowest_glibc_and_the_packages_it_needs() {
        let owners: BTreeMap<String, String> =
            [("libstdc++.so.6".to_string(), "libstdc++6".to_string())].into();
        let checks = Checks {
            owners: Some(&owners),
            ..Checks::default()
        };
        let r = inspect_file(&fixture("cxx"), &checks).expect("report");
        let runs = r.runs_on.as_ref().expect("runs_on");
        assert_eq!(
            runs.outside_glibc,
            [OutsideLibrary {
                library: "libstdc++.so.6".into(),
                package: Some("libstdc++6".into())
            }],
            "libgcc_s and libc are on every glibc system"
        );
        let glibc = runs.glibc.clone().expect("a glibc version");
        let human = r.human().expect("readable");
        assert!(
            human.contains(&format!("  runs on:     glibc {glibc} or newer\n")),
            "{human}"
        );
        assert!(
            human.contains("  also needs:  libstdc++.so.6 (Debian package libstdc++6)\n"),
            "{human}"
        );
        // Without a sysroot the library is named, its package is not known.
        let r = inspect_file(&fixture("cxx"), &Checks::default()).expect("report");
        let runs = r.runs_on.expect("runs_on");
        assert_eq!(runs.outside_glibc[0].package, None);
        // Only glibc: nothing else to install.
        let r = inspect_file(&fixture("aarch64-gnu"), &Checks::default()).expect("report");
        assert!(r.runs_on.expect("runs_on").outside_glibc.is_empty());
    }

    #[test]
    fn an_unreadable_file_is_a_report_with_an_error() {
        let r = inspect_file(&fixture("not-elf.txt"), &Checks::default()).expect("report");
        assert!(!r.ok);
        assert!(r.human().is_none());
        assert!(r.elf.is_none());
        assert_eq!(r.problems(), [r.error.clone().expect("error")]);
        let missing = fixture("missing");
        let r = inspect_file(&missing, &Checks::default()).expect("report");
        assert_eq!(
            r.error.as_deref(),
            Some(format!("`{}` does not exist", missing.display()).as_str())
        );
    }

    #[test]
    fn a_sysroot_needs_a_target_the_file_does_not_tell() {
        let dir = tempfile::tempdir().expect("tempdir");
        let checks = Checks {
            sysroot: Some((dir.path(), None)),
            ..Checks::default()
        };
        // A static PIE that does not reveal its libc fits glibc and musl targets alike.
        let multi = fixture("aarch64-static-pie");
        let err = inspect_file(&multi, &checks).expect_err("ambiguous");
        assert_eq!(
            err,
            ReportError::AmbiguousTarget {
                path: multi.clone(),
                sysroot: dir.path().to_path_buf()
            }
        );
        assert_eq!(err.hint().as_deref(), Some("add `--target <TARGET>`"));
        assert!(
            err.to_string().ends_with(&format!(
                "aarch64-static-pie`: cannot tell which target's library directories to search in `{}`",
                dir.path().display()
            )),
            "{err}"
        );
        // Naming the target settles it.
        let spec = crossroot_target::by_triple("aarch64-unknown-linux-musl");
        let with_target = Checks {
            sysroot: Some((dir.path(), spec)),
            ..Checks::default()
        };
        let r = inspect_file(&multi, &with_target).expect("report");
        assert_eq!(
            r.sysroot.as_ref().map(|c| c.target),
            Some("aarch64-unknown-linux-musl")
        );
        // Unreadable files are reported, never an error.
        assert!(inspect_file(&fixture("not-elf-macho"), &checks).is_ok());
        // The file's one target is searched, and a missing loader fails the check.
        let r = inspect_file(&fixture("aarch64-gnu"), &checks).expect("report");
        let c = r.sysroot.as_ref().expect("sysroot check");
        assert_eq!(c.target, "aarch64-unknown-linux-gnu");
        assert!(!c.ok && !r.ok);
        let problems = r.problems();
        assert!(
            problems[0].contains("cannot load in the `aarch64-unknown-linux-gnu` sysroot"),
            "{problems:?}"
        );
        assert!(problems[0].contains("(missing)"), "{problems:?}");
        let human = r.human().expect("readable");
        assert!(human.contains(": MISSING\n"), "{human}");
    }

    #[test]
    fn a_pe_file_reports_its_imports_and_fits_only_windows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let exe = dir.path().join("app.exe");
        let bytes = crate::pe::tests::minimal_pe(
            true,
            crossroot_target::pe_machine::IMAGE_FILE_MACHINE_AMD64,
            3,
            false,
            &["KERNEL32.dll", "libgcc_s_seh-1.dll", "zlib1.dll"],
        );
        fs_err::write(&exe, bytes).expect("write");
        let checks = Checks {
            expect: Some(target("win64")),
            ..Checks::default()
        };
        let r = inspect_file(&exe, &checks).expect("report");
        assert!(r.ok && r.elf.is_none());
        let human = r.human().expect("readable");
        assert!(
            human.contains(": PE32+ x86-64 console executable\n"),
            "{human}"
        );
        assert!(
            human.contains("  must ship:   libgcc_s_seh-1.dll, zlib1.dll (not part of Windows"),
            "{human}"
        );
        assert!(
            human.contains("  expected:    fits x86_64-pc-windows-gnu\n"),
            "{human}"
        );
        // A PE for a Linux target, and an ELF for a Windows one, do not fit.
        let linux = Checks {
            expect: Some(target("x86_64-unknown-linux-gnu")),
            ..Checks::default()
        };
        let r = inspect_file(&exe, &linux).expect("report");
        assert!(!r.ok);
        assert!(
            r.problems()[0].ends_with(
                "does not fit `x86_64-unknown-linux-gnu`: format: the target has ELF (Linux), the file has PE32+ (Windows)"
            ),
            "{:?}",
            r.problems()
        );
        let r = inspect_file(&fixture("aarch64-gnu"), &checks).expect("report");
        assert!(!r.ok);
        assert!(
            r.problems()[0]
                .contains("format: the target has PE (Windows), the file has ELF (Linux)"),
            "{:?}",
            r.problems()
        );
        let json = serde_json::to_value(Document::new(vec![
            inspect_file(&exe, &checks).expect("report"),
        ]))
        .expect("json");
        assert_eq!(json["files"][0]["pe"]["must_ship"][1], "zlib1.dll");
        assert_eq!(json["files"][0]["pe"]["subsystem"]["name"], "console");
        assert_eq!(json["files"][0]["elf"], serde_json::Value::Null);
    }
}
