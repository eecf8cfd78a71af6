//! `crossroot inspect`: report what ELF files are, what they need, and whether they fit a target.
//!
//! Reading is `crossroot_inspect`'s job; this module runs the checks the flags ask for, prints a
//! short report per file (or the JSON of docs/inspect-json.md) and sets the exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use crossroot_inspect::{
    ElfKind, ElfReport, InspectPathError, Lookup, Mismatch, SysrootResolution, VersionedSymbol,
};
use crossroot_target::{GlibcVersion, Target, TargetSpec};
use serde::Serialize;

use crate::cli::{GlobalArgs, InspectArgs};
use crate::printer::{Printer, out};
use crate::report::WithHint;

/// Where the sysroot of `target` lives, for `--target` without `--sysroot`: the sysroot the
/// build commands use (same release, packages and `crossroot.lock`), provisioned from the
/// archive when missing (which `--offline` refuses, with its own error).
fn sysroot_for(target: &Target, global: &GlobalArgs, printer: &Printer) -> anyhow::Result<PathBuf> {
    let mut p = super::provisioner(super::settings(global, None, printer)?, printer);
    let req = p.request(*target, crossroot_provision::Needs::default())?;
    let sysroot = p.sysroot(&req).with_context(|| {
        format!(
            "could not provision the sysroot of `{target}` (to use a tree you have, pass \
             `--sysroot <DIR>`)"
        )
    })?;
    Ok(sysroot.root)
}

/// One file's results, as printed with `--json` (docs/inspect-json.md).
#[derive(Debug, Serialize)]
struct FileResult {
    /// Kept as a display string so a non-UTF-8 name never breaks the JSON.
    path: String,
    ok: bool,
    error: Option<String>,
    elf: Option<ElfReport>,
    sysroot: Option<SysrootCheck>,
    expect_target: Option<ExpectCheck>,
    glibc_floor: Option<FloorCheck>,
}

#[derive(Debug, Serialize)]
struct SysrootCheck {
    target: &'static str,
    ok: bool,
    #[serde(flatten)]
    resolution: SysrootResolution,
}

#[derive(Debug, Serialize)]
struct ExpectCheck {
    target: &'static str,
    ok: bool,
    mismatches: Vec<Mismatch>,
}

#[derive(Debug, Serialize)]
struct FloorCheck {
    floor: String,
    ok: bool,
    needed: Option<String>,
    /// Symbols whose GLIBC version is above the floor, newest first.
    symbols: Vec<VersionedSymbol>,
}

#[derive(Debug, Serialize)]
struct JsonOutput {
    schema: u32,
    ok: bool,
    files: Vec<FileResult>,
}

pub fn run(global: &GlobalArgs, args: InspectArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let expect = args
        .expect_target
        .as_deref()
        .map(super::parse_target)
        .transpose()?;
    let target = args
        .target
        .as_deref()
        .map(super::parse_target)
        .transpose()?;
    let floor = match args.glibc.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<GlibcVersion>()
                .map_err(|()| anyhow::anyhow!("invalid glibc version `{text}`"))
                .with_hint("write it as `2.31`")?,
        ),
    };
    // A floor written on the target (`aarch64-unknown-linux-gnu.2.31`) counts too.
    let floor = floor.or(expect.and_then(|t| t.glibc_floor));
    let sysroot = match (&args.sysroot, &target) {
        (Some(dir), _) => {
            if !dir.is_dir() {
                return Err(anyhow::anyhow!(
                    "sysroot `{}` is not a directory",
                    dir.display()
                ))
                .with_hint(
                    "pass the root of the target's filesystem tree (the one holding lib/ and usr/)",
                );
            }
            Some(dir.clone())
        }
        (None, Some(t)) => Some(sysroot_for(t, global, printer)?),
        (None, None) => None,
    };
    let sysroot_target = target.or(expect).map(|t| t.spec);

    let mut results = Vec::new();
    for path in &args.files {
        let result = inspect_one(
            path,
            sysroot.as_deref().map(|s| (s, sysroot_target)),
            expect,
            floor,
        )?;
        results.push(result);
    }
    let all_ok = results.iter().all(|r| r.ok);

    if args.json {
        let doc = JsonOutput {
            schema: crossroot_inspect::JSON_SCHEMA,
            ok: all_ok,
            files: results,
        };
        out(serde_json::to_string_pretty(&doc).context("serialising the report")?);
    } else {
        for (i, result) in results.iter().enumerate() {
            if let Some(text) = human(result) {
                if i > 0 {
                    out("");
                }
                out(text.trim_end());
            }
        }
        for result in &results {
            for line in problems(result) {
                printer.line(&format!("error: {line}"));
            }
        }
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn inspect_one(
    path: &Path,
    sysroot: Option<(&Path, Option<&'static TargetSpec>)>,
    expect: Option<Target>,
    floor: Option<GlibcVersion>,
) -> anyhow::Result<FileResult> {
    let report = match crossroot_inspect::inspect_path(path) {
        Ok(report) => report,
        Err(err) => {
            return Ok(FileResult {
                path: path.display().to_string(),
                ok: false,
                error: Some(render_path_error(&err)),
                elf: None,
                sysroot: None,
                expect_target: None,
                glibc_floor: None,
            });
        }
    };

    let sysroot = match sysroot {
        None => None,
        Some((dir, spec)) => {
            let spec = match spec {
                Some(spec) => spec,
                None => match report.targets.as_slice() {
                    [only] => crossroot_target::by_triple(only)
                        .context("a matched target is missing from the table")?,
                    _ => {
                        return Err(anyhow::anyhow!(
                            "`{}`: cannot tell which target's library directories to search in `{}`",
                            path.display(),
                            dir.display()
                        ))
                        .with_hint("add `--target <TARGET>`");
                    }
                },
            };
            let file_dir = std::path::absolute(path)
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf));
            let resolution =
                crossroot_inspect::resolve_in_sysroot(&report, spec, dir, file_dir.as_deref());
            let ok = resolution.problems().next().is_none();
            Some(SysrootCheck {
                target: spec.triple,
                ok,
                resolution,
            })
        }
    };

    let expect_target = expect.map(|t| {
        let mismatches = crossroot_inspect::mismatches(&report, t.spec);
        ExpectCheck {
            target: t.spec.triple,
            ok: mismatches.is_empty(),
            mismatches,
        }
    });

    let glibc_floor = floor.map(|floor| {
        let violation = crossroot_inspect::check_glibc_floor(&report, floor).err();
        let symbols = match &violation {
            None => Vec::new(),
            Some(v) => v
                .symbols
                .iter()
                .filter_map(|(sym, lib)| {
                    report
                        .versions
                        .symbols
                        .iter()
                        .find(|s| &s.symbol == sym && &s.library == lib)
                        .cloned()
                })
                .collect(),
        };
        FloorCheck {
            floor: floor.to_string(),
            ok: violation.is_none(),
            needed: report.versions.glibc.map(|g| g.to_string()),
            symbols,
        }
    });

    let ok = sysroot.as_ref().is_none_or(|c| c.ok)
        && expect_target.as_ref().is_none_or(|c| c.ok)
        && glibc_floor.as_ref().is_none_or(|c| c.ok);
    Ok(FileResult {
        path: path.display().to_string(),
        ok,
        error: None,
        elf: Some(report),
        sysroot,
        expect_target,
        glibc_floor,
    })
}

fn render_path_error(err: &InspectPathError) -> String {
    match err {
        // The io::Error text already says what went wrong; keep it on one line.
        InspectPathError::Io { path, source } => {
            format!("cannot read `{}`: {source}", path.display())
        }
        other => other.to_string(),
    }
}

/// The failures of one file, one line each (printed on stderr as `error: …`).
fn problems(r: &FileResult) -> Vec<String> {
    let name = &r.path;
    let mut lines = Vec::new();
    if let Some(err) = &r.error {
        lines.push(err.clone());
    }
    if let Some(c) = &r.expect_target {
        if !c.ok {
            let what: Vec<String> = c.mismatches.iter().map(Mismatch::to_string).collect();
            lines.push(format!(
                "`{name}` does not fit `{}`: {}",
                c.target,
                what.join("; ")
            ));
        }
    }
    if let Some(c) = &r.glibc_floor {
        if !c.ok {
            lines.push(format!(
                "`{name}` needs glibc {}, newer than {}: {}",
                c.needed.as_deref().unwrap_or("?"),
                c.floor,
                if c.symbols.is_empty() {
                    "symbol names unavailable (the file has no section headers)".to_string()
                } else {
                    crossroot_inspect::symbol_list(&c.symbols, 8)
                }
            ));
        }
    }
    if let Some(c) = &r.sysroot {
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

/// The short readable report of one file; `None` for files that could not be read.
fn human(r: &FileResult) -> Option<String> {
    let e = r.elf.as_ref()?;
    let mut s = format!(
        "{}: {} {} {}, {}\n",
        r.path,
        crossroot_inspect::class_name(e.class),
        crossroot_inspect::endian_name(e.endian),
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
            Some(l) => crossroot_inspect::libc_name(l).to_string(),
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
                crossroot_inspect::symbol_list(&e.versions.glibc_symbols, 4)
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
    if let Some(c) = &r.sysroot {
        field(
            "sysroot",
            format!("{} ({})", c.resolution.sysroot.display(), c.target),
        );
        for l in c.resolution.interpreter.iter().chain(&c.resolution.needed) {
            field("", lookup_line(l));
        }
    }
    if let Some(c) = &r.expect_target {
        field(
            "expected",
            if c.ok {
                format!("fits {}", c.target)
            } else {
                format!("does NOT fit {}", c.target)
            },
        );
    }
    if let Some(c) = &r.glibc_floor {
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

fn lookup_line(l: &Lookup) -> String {
    match (&l.found, &l.problem) {
        (_, Some(problem)) => format!("  {}: {problem}", l.name),
        (Some(found), None) => format!("  {} => {}", l.name, found.display()),
        (None, None) => format!("  {}: MISSING", l.name),
    }
}
