//! The command line: every command and flag crossroot accepts.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// When crossroot runs as `cargo crossroot …`, cargo calls `cargo-crossroot crossroot …`:
/// drop that second word so both spellings parse the same.
pub fn normalized_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    if args.get(1).is_some_and(|a| a == "crossroot") {
        args.remove(1);
    }
    if let Some(first) = args.first_mut() {
        *first = OsString::from("crossroot");
    }
    args
}

#[derive(Debug, Parser)]
#[command(
    name = "crossroot",
    version,
    about = "Cross-compile and cross-test cargo projects for other Linux architectures: no root, no Docker, no system package manager.",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Say more: which values crossroot sets and which it leaves to you (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print only errors and the command's own output.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Debian mirror to fetch sysroots from (else CROSSROOT_MIRROR, the config, the host's apt sources).
    #[arg(long, global = true, value_name = "URL")]
    pub mirror: Option<String>,
    /// Debian security archive (`<release>-security`); default: the host's apt sources, else
    /// `<mirror>-security` for a mirror ending in /debian (CROSSROOT_SECURITY_MIRROR).
    #[arg(long = "security-mirror", global = true, value_name = "URL")]
    pub security_mirror: Option<String>,
    /// Read only the release's main suite, not `<release>-updates` and `<release>-security`.
    #[arg(long = "no-updates", global = true)]
    pub no_updates: bool,
    /// Debian release for the sysroot (bullseye, bookworm, trixie, …); `--release` is cargo's.
    #[arg(long = "debian-release", global = true, value_name = "RELEASE")]
    pub release: Option<String>,
    /// Use only what is cached; say exactly what is missing.
    #[arg(long, global = true)]
    pub offline: bool,
    /// Fail if crossroot.lock would change.
    #[arg(long, global = true)]
    pub locked: bool,
    /// Both --offline and --locked (as cargo's `--frozen`).
    #[arg(long, global = true)]
    pub frozen: bool,
    /// DANGEROUS: skip OpenPGP and hash verification of the Debian archive.
    #[arg(long = "insecure-skip-verify", global = true)]
    pub insecure_skip_verify: bool,
    /// Link the sysroot's static C libraries (libssl.a, libz.a, …): the binaries need only glibc.
    #[arg(long = "static-deps", global = true)]
    pub static_deps: bool,
    /// Path to the project's Cargo.toml (default: search upwards from the current directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the supported targets and what is ready for each.
    Targets {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check that everything crossroot needs is present or can be provisioned.
    Doctor {
        /// Check for this target (default: every check that does not need one).
        #[arg(long, short)]
        target: Option<String>,
    },
    /// Manage per-target sysroots of Debian packages.
    #[command(subcommand)]
    Sysroot(SysrootCommand),
    /// Manage crossroot's cache.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// `cargo build` for a target.
    Build(CargoArgs),
    /// `cargo check` for a target.
    Check(CargoArgs),
    /// `cargo test` for a target, running the tests under QEMU.
    Test(CargoArgs),
    /// `cargo run` for a target, under QEMU.
    Run(CargoArgs),
    /// `cargo bench` for a target, under QEMU.
    Bench(CargoArgs),
    /// `cargo doc` for a target.
    Doc(CargoArgs),
    /// `cargo clippy` for a target.
    Clippy(CargoArgs),
    /// `cargo nextest run|list|archive` for a target, running the tests under QEMU.
    Nextest(PassArgs),
    /// Any cargo subcommand (`llvm-cov`, `hack`, …) with a target's environment and runner.
    Cargo(PassArgs),
    /// Run any target program with the target's sysroot.
    Exec {
        #[arg(long, short)]
        target: String,
        /// The program and its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        program: Vec<OsString>,
    },
    /// Print what a build system needs to cross-compile for a target.
    Env {
        #[arg(long, short)]
        target: String,
        #[arg(long, value_enum, default_value_t = EnvFormat::Sh)]
        format: EnvFormat,
    },
    /// Report what an ELF file is, what it needs, and where it will run.
    Inspect(InspectArgs),
    /// Print a CI workflow that cross-tests the project for each of its targets.
    #[command(subcommand)]
    Ci(CiCommand),
}

#[derive(Debug, Subcommand)]
pub enum CiCommand {
    /// A GitHub Actions workflow: a matrix over the targets, crossroot's cache kept by
    /// actions/cache (keyed on the target and crossroot.lock), `crossroot test` per target.
    Github(CiGithubArgs),
}

#[derive(Debug, Args)]
pub struct CiGithubArgs {
    /// The targets of the matrix (comma lists or repeated; default: `targets = [...]` in
    /// [package.metadata.crossroot]).
    #[arg(long, short, value_name = "TARGET")]
    pub target: Vec<String>,
    /// Run the tests with `crossroot nextest run` (the job installs cargo-nextest).
    #[arg(long)]
    pub nextest: bool,
    /// Split each target's tests into N nextest partitions, one job each (implies --nextest).
    #[arg(long, value_name = "N")]
    pub partitions: Option<std::num::NonZeroU32>,
    /// The shell command that installs crossroot in a job.
    #[arg(long, value_name = "COMMAND", default_value = crossroot_provision::ci::DEFAULT_INSTALL)]
    pub install: String,
    /// Write the workflow to FILE (e.g. .github/workflows/crossroot.yml) instead of printing it.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments passed through to cargo; crossroot reads `--target` from them.
#[derive(Debug, Args)]
pub struct CargoArgs {
    /// With several targets: write the summary as JSON to FILE (shape: docs/summary-json.md).
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Everything cargo accepts, including `--target T`, `--release`, `-p`, `--`.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CARGO ARGS"
    )]
    pub args: Vec<OsString>,
}

/// A subcommand and its arguments, passed through to cargo; crossroot reads `--target`.
#[derive(Debug, Args)]
pub struct PassArgs {
    /// The subcommand (`run`, `list`, `archive` for nextest; any for `crossroot cargo`).
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: OsString,
    /// Its arguments, including `--target T` (one target).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<OsString>,
}

#[derive(Debug, Subcommand)]
pub enum SysrootCommand {
    /// Add packages (and their dependencies) to a target's sysroot.
    Add {
        #[arg(long, short)]
        target: String,
        #[arg(required = true, value_name = "PACKAGE")]
        packages: Vec<String>,
    },
    /// Print the sysroot directory of a target.
    Path {
        #[arg(long, short)]
        target: String,
    },
    /// List the packages installed in sysroots.
    List {
        #[arg(long, short)]
        target: Option<String>,
    },
    /// Remove a target's sysroot.
    Remove {
        #[arg(long, short)]
        target: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Print the cache directory.
    Dir,
    /// Remove everything crossroot has cached.
    Clean,
    /// Remove cached files no sysroot uses any more.
    Prune,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum EnvFormat {
    Sh,
    Fish,
    Github,
    Json,
    Cmake,
    Meson,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// ELF files to inspect.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Resolve NEEDED libraries and the interpreter against this target's sysroot.
    #[arg(long, short)]
    pub target: Option<String>,
    /// Exit non-zero unless every file fits this target.
    #[arg(long, value_name = "TARGET")]
    pub expect_target: Option<String>,
    /// Exit non-zero if a file needs a glibc newer than this (e.g. 2.31).
    #[arg(long, value_name = "VERSION")]
    pub glibc: Option<String>,
    /// Print JSON (shape documented in docs/inspect-json.md).
    #[arg(long)]
    pub json: bool,
    /// Resolve NEEDED libraries and the interpreter in this sysroot directory (instead of the
    /// target's cached sysroot).
    #[arg(long, value_name = "PATH")]
    pub sysroot: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn cargo_subcommand_argv_is_normalized() {
        let a = normalized_args(["/x/cargo-crossroot", "crossroot", "targets"].map(OsString::from));
        assert_eq!(a, ["crossroot", "targets"].map(OsString::from));
        let b = normalized_args(["crossroot", "targets"].map(OsString::from));
        assert_eq!(b, ["crossroot", "targets"].map(OsString::from));
    }

    #[test]
    fn cargo_args_pass_through_untouched() {
        let cli = Cli::try_parse_from([
            "crossroot",
            "test",
            "--release",
            "--target",
            "arm64",
            "-p",
            "x",
            "--",
            "--nocapture",
        ])
        .unwrap();
        let Command::Test(args) = cli.command else {
            panic!()
        };
        assert_eq!(
            args.args,
            [
                "--release",
                "--target",
                "arm64",
                "-p",
                "x",
                "--",
                "--nocapture"
            ]
            .map(OsString::from)
        );
    }

    #[test]
    fn summary_json_is_crossroots_wherever_it_is_written() {
        for argv in [
            &[
                "crossroot",
                "test",
                "--summary-json",
                "s.json",
                "--target",
                "a,b",
            ][..],
            &[
                "crossroot",
                "test",
                "--target",
                "a,b",
                "--summary-json",
                "s.json",
            ],
            &[
                "crossroot",
                "test",
                "--no-fail-fast",
                "--summary-json=s.json",
                "--target=a,b",
            ],
        ] {
            let cli = Cli::try_parse_from(argv).unwrap();
            let Command::Test(args) = cli.command else {
                panic!()
            };
            let cargo = crossroot_config::CargoArgs::parse(&args.args);
            let file = args.summary_json.or(cargo.summary_json.clone());
            assert_eq!(file, Some(PathBuf::from("s.json")), "{argv:?}");
            assert_eq!(cargo.targets, ["a", "b"], "{argv:?}");
            assert!(
                !cargo
                    .for_target("t")
                    .iter()
                    .any(|a| a.to_string_lossy().contains("summary")),
                "{argv:?}"
            );
        }
    }

    #[test]
    fn nextest_and_cargo_take_a_subcommand_and_pass_the_rest() {
        let cli = Cli::try_parse_from([
            "crossroot",
            "nextest",
            "run",
            "--target",
            "arm64",
            "--archive-file",
            "a.tar.zst",
            "--partition",
            "count:1/2",
        ])
        .unwrap();
        let Command::Nextest(a) = cli.command else {
            panic!()
        };
        assert_eq!(a.subcommand, "run");
        assert_eq!(
            a.args,
            [
                "--target",
                "arm64",
                "--archive-file",
                "a.tar.zst",
                "--partition",
                "count:1/2"
            ]
            .map(OsString::from)
        );
        let cli =
            Cli::try_parse_from(["crossroot", "cargo", "llvm-cov", "--target", "arm64"]).unwrap();
        let Command::Cargo(a) = cli.command else {
            panic!()
        };
        assert_eq!(a.subcommand, "llvm-cov");
        assert_eq!(a.args, ["--target", "arm64"].map(OsString::from));
    }
}
