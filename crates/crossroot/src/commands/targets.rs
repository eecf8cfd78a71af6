//! `crossroot targets`: the target table, and what is ready on this host for each target.

use std::process::ExitCode;

use crossroot_target::{Libc, TARGETS, TargetSpec};
use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::printer::{self, Printer};
use crossroot_provision::host::{self, QemuFound};
use crossroot_toolchain::clang::ProbeCache;
use crossroot_toolchain::rust::RustToolchain;

/// One row of `crossroot targets --json`. The keys are stable: scripts and the README test read
/// them.
#[derive(Debug, Serialize)]
struct Row {
    triple: &'static str,
    debian_arch: &'static str,
    releases: Vec<&'static str>,
    default_release: &'static str,
    multiarch: &'static str,
    libc: Libc,
    /// `"linux"` or `"windows"`.
    os: crossroot_target::Os,
    /// How programs run when the host cannot run them: `"qemu"` or `"wine"`.
    runner_kind: crossroot_target::RunnerKind,
    /// PE machine of Windows targets.
    pe_machine: Option<u16>,
    /// Empty for Windows targets.
    qemu: &'static str,
    /// Empty for Windows targets.
    loader: &'static str,
    elf_class: crossroot_target::ElfClass,
    endian: crossroot_target::Endian,
    float_abi: crossroot_target::FloatAbi,
    aliases: &'static [&'static str],
    /// The oldest glibc Rust's std supports on the target (`null` for musl).
    min_glibc: Option<String>,
    /// The lowest glibc floor crossroot builds for (`T.<floor>`), and the Debian release it
    /// builds that floor against (with link-only glibc stubs when the floor is older).
    lowest_floor: Option<String>,
    lowest_floor_release: Option<&'static str>,
    /// `null` when no Rust toolchain was found.
    rust_std_installed: Option<bool>,
    /// The target runs on this host without QEMU.
    runs_natively: bool,
    /// A QEMU user binary for the target was found (on PATH or in the cache).
    qemu_available: bool,
    qemu_path: Option<String>,
    /// `"host"` (on PATH) or `"cache"` (provisioned by crossroot), when available.
    qemu_source: Option<&'static str>,
    /// A completed sysroot for the target is in the cache.
    sysroot_cached: bool,
}

pub fn run(global: &GlobalArgs, json: bool, printer: &Printer) -> anyhow::Result<ExitCode> {
    let settings = super::settings(global, None, printer)?;
    let config = &settings.config;
    let rust = host::rust_toolchain(&settings.cwd, &settings.env);
    let mut probes = host::probes(&config.cache_dir);
    let path = settings.env.get("PATH");
    let rows: Vec<Row> = TARGETS
        .iter()
        .map(|spec| {
            row(
                spec,
                rust.as_ref(),
                &mut probes,
                &config.cache_dir,
                path.as_deref(),
            )
        })
        .collect();
    if json {
        printer::out(serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    printer::out(render_table(&rows));
    if let Some(rust) = &rust {
        printer.verbose(format!("Rust toolchain: {}", rust.sysroot.display()));
    }
    printer.verbose(format!("cache: {}", config.cache_dir.display()));
    Ok(ExitCode::SUCCESS)
}

fn row(
    spec: &'static TargetSpec,
    rust: Option<&RustToolchain>,
    probes: &mut ProbeCache,
    cache_dir: &std::path::Path,
    path: Option<&std::ffi::OsStr>,
) -> Row {
    let runs_natively = host::runs_natively(spec);
    let qemu = if spec.is_windows() {
        None
    } else {
        host::find_qemu(spec, cache_dir, probes, path)
    };
    let lowest = crossroot_provision::glibc::lowest_floor(spec);
    Row {
        triple: spec.triple,
        debian_arch: spec.debian_arch,
        releases: spec.releases.iter().map(|r| r.name()).collect(),
        default_release: spec.default_release().name(),
        multiarch: spec.multiarch,
        libc: spec.libc,
        os: spec.os,
        runner_kind: spec.runner,
        pe_machine: spec.pe_machine,
        qemu: spec.qemu,
        loader: spec.loader,
        elf_class: spec.elf_class,
        endian: spec.endian,
        float_abi: spec.float_abi,
        aliases: spec.aliases,
        min_glibc: spec.min_glibc.map(|v| v.to_string()),
        lowest_floor: lowest.map(|(f, _)| f.to_string()),
        lowest_floor_release: lowest.map(|(_, r)| r.name()),
        rust_std_installed: rust.map(|r| r.has_std(spec.triple)),
        runs_natively,
        qemu_available: qemu.is_some(),
        qemu_path: qemu.as_ref().map(|q| q.path().display().to_string()),
        qemu_source: qemu.as_ref().map(|q| match q {
            QemuFound::Path(_) => "host",
            QemuFound::Cache(_) => "cache",
        }),
        sysroot_cached: host::sysroot_present(cache_dir, spec.triple),
    }
}

fn releases_range(releases: &[&str]) -> String {
    match releases {
        [] => String::new(),
        [one] => (*one).to_string(),
        [first, .., last] => format!("{first}..{last}"),
    }
}

fn render_table(rows: &[Row]) -> String {
    let header = [
        "TARGET", "ARCH", "RELEASES", "LIBC", "QEMU", "LOADER", "STD", "RUNNER", "SYSROOT",
    ];
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            [
                r.triple.to_string(),
                r.debian_arch.to_string(),
                releases_range(&r.releases),
                match r.libc {
                    Libc::Gnu => "glibc".into(),
                    Libc::Musl => "musl".into(),
                    Libc::Msvcrt => "msvcrt".into(),
                },
                if r.qemu.is_empty() {
                    "-".into()
                } else {
                    r.qemu.to_string()
                },
                if r.loader.is_empty() {
                    "-".into()
                } else {
                    r.loader.to_string()
                },
                match r.rust_std_installed {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => "?".into(),
                },
                match (r.runs_natively, r.qemu_source) {
                    _ if r.runner_kind == crossroot_target::RunnerKind::Wine => "wine".into(),
                    (true, _) => "native".into(),
                    (false, Some(source)) => format!("qemu ({source})"),
                    (false, None) => "none".into(),
                },
                if r.sysroot_cached { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |items: &[String]| -> String {
        items
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(&header.map(String::from))];
    out.extend(cells.iter().map(|r| line(r)));
    out.push(String::new());
    out.push(
        "STD: Rust std installed (`rustup target add`); RUNNER: how target programs run here (QEMU and Wine are provisioned into the cache on first use); SYSROOT: a sysroot is cached".into(),
    );
    out.join("\n")
}
