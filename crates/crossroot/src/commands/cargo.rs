//! `crossroot build|check|test|run|bench|doc|clippy`: cargo with the target's environment, for
//! one target or several (`--target a,b`, `--target a --target b`, or `targets = [...]` in
//! the project's metadata). With several, every target is provisioned first, then cargo runs
//! once per target with only that target's `--target`, then one summary is printed
//! (`crossroot_provision::summary`). `nextest` and `cargo` run any cargo subcommand for one
//! target with the same environment.

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::time::Instant;

use anyhow::Context as _;
use crossroot_config::CargoArgs;
use crossroot_provision::summary::{Outcome, Summary, TargetRun, TestTally};
use crossroot_provision::{Needs, Provisioner, TargetEnv};
use crossroot_target::Target;

use crate::cli::GlobalArgs;
use crate::printer::Printer;
use crate::report::Hint;

/// `crossroot <subcommand> [--target T[,T…]]… ARGS`.
pub fn run(
    global: &GlobalArgs,
    subcommand: &str,
    args: crate::cli::CargoArgs,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let cargo_args = CargoArgs::parse(&args.args);
    let summary_json = args
        .summary_json
        .or_else(|| cargo_args.summary_json.clone());
    let settings = super::settings(global, Some(&cargo_args), printer)?;
    let targets = chosen_targets(subcommand, &cargo_args, &settings.config)?;
    if subcommand == "run" && targets.len() > 1 {
        return Err(anyhow::anyhow!(
            "`crossroot run` runs one program for one target, got {} targets: {}",
            targets.len(),
            list(&targets)
        )
        .context(Hint(
            "pass one `--target`; to build or test for several, use `crossroot build` or `crossroot test`"
                .into(),
        )));
    }
    let mut provisioner = super::provisioner(settings, printer);
    let needs = Needs {
        runner: matches!(subcommand, "test" | "run" | "bench"),
    };

    if let [target] = targets.as_slice() {
        // One target: cargo's output and exit code, as before; a summary file if asked for
        // (only then is cargo's stdout read, since a pipe turns libtest's colours off).
        let tenv = provision(&mut provisioner, *target, needs, printer)?;
        let started = Instant::now();
        let count = summary_json.is_some();
        let ran = run_one(global, subcommand, &cargo_args, &tenv, count, printer)?;
        let code = ran.exit_code();
        if let Some(path) = summary_json {
            let row = ran.into_row(target.to_string(), started);
            write_summary(&path, &Summary::new(subcommand, vec![row]))?;
        }
        return Ok(code);
    }

    // Several targets: provision every one first, so a missing package or mirror shows up
    // before anything is built. What comes from the archive (sysroots, QEMU, clang) is fetched
    // for all targets at once; then each is provisioned in order, from the cache, and the first
    // error in target order is the one reported.
    let keep_going = cargo_args.keep_going;
    let requests: Vec<_> = targets
        .iter()
        .map(|t| provisioner.request(*t, needs))
        .collect();
    let resolved: Vec<_> = requests.iter().filter_map(|r| r.as_ref().ok()).collect();
    let mut prefetched = provisioner.prefetch(&resolved).into_iter();
    let mut envs = Vec::with_capacity(targets.len());
    for (target, req) in targets.iter().zip(requests) {
        let tenv = req
            .map_err(anyhow::Error::from)
            .and_then(|req| match prefetched.next() {
                Some(Err(e)) => Err(e.into()),
                _ => provision_request(&mut provisioner, &req, printer),
            });
        match tenv {
            Ok(tenv) => envs.push(Ok(tenv)),
            Err(e) if keep_going => {
                crate::report::render(&e, printer);
                envs.push(Err(format!("{:#}", e)));
            }
            Err(e) => return Err(e.context(format!("provisioning `{target}`"))),
        }
    }

    let mut rows = Vec::with_capacity(targets.len());
    let mut first_failure: Option<ExitCode> = None;
    for (target, tenv) in targets.iter().zip(envs) {
        if first_failure.is_some() && !keep_going {
            rows.push(TargetRun::skipped(target.to_string()));
            continue;
        }
        let row = match tenv {
            Err(message) => TargetRun {
                target: target.to_string(),
                result: Outcome::Failed,
                exit_code: None,
                tests: None,
                seconds: 0.0,
                message: Some(format!("provisioning failed: {message}")),
            },
            Ok(tenv) => {
                printer.status("Target", format!("`{target}`: cargo {subcommand}"));
                let started = Instant::now();
                let ran = run_one(global, subcommand, &cargo_args, &tenv, true, printer)?;
                if !ran.ok() {
                    first_failure.get_or_insert(ran.exit_code());
                }
                ran.into_row(target.to_string(), started)
            }
        };
        if row.result == Outcome::Failed {
            first_failure.get_or_insert(ExitCode::FAILURE);
        }
        rows.push(row);
    }

    let summary = Summary::new(subcommand, rows);
    if !printer.quiet {
        printer.line("");
        for line in summary.table().lines() {
            printer.line(line);
        }
        printer.status(
            if summary.ok { "Finished" } else { "Failed" },
            summary.verdict(),
        );
    }
    if let Some(path) = summary_json {
        write_summary(&path, &summary)?;
    }
    Ok(first_failure.unwrap_or(ExitCode::SUCCESS))
}

/// `crossroot nextest <sub> --target T ARGS`: `cargo nextest <sub> ARGS` with T's environment.
pub fn nextest(
    global: &GlobalArgs,
    args: crate::cli::PassArgs,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let cargo = cargo_program();
    let probe = Command::new(&cargo)
        .args(["nextest", "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        return Err(anyhow::anyhow!(
            "`{} nextest` is not available: cargo-nextest is not installed",
            cargo.to_string_lossy()
        )
        .context(Hint(
            "install it with `cargo install cargo-nextest --locked`".into(),
        )));
    }
    let cargo_args = CargoArgs::parse(&args.args);
    // `archive` only builds; `run` and `list` run the test binaries (listing runs them too).
    let needs = Needs {
        runner: args.subcommand != "archive",
    };
    // Running from an archive nextest builds nothing and takes the platform from the archive:
    // it refuses cargo's `--target` there, but runs the binaries with the target's runner.
    // (`archive --archive-file` names the archive it writes: that one builds.)
    let from_archive = args.subcommand != "archive"
        && cargo_args.args.iter().take_while(|a| *a != "--").any(|a| {
            let a = a.to_string_lossy();
            a == "--archive-file" || a.starts_with("--archive-file=")
        });
    pass_through(
        global,
        &["nextest".into(), args.subcommand],
        &cargo_args,
        needs,
        !from_archive,
        printer,
    )
}

/// `crossroot cargo <sub> --target T ARGS`: any cargo subcommand (`llvm-cov`, `hack`, …) with
/// T's environment, runner included.
pub fn any(
    global: &GlobalArgs,
    args: crate::cli::PassArgs,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let cargo_args = CargoArgs::parse(&args.args);
    pass_through(
        global,
        &[args.subcommand],
        &cargo_args,
        Needs { runner: true },
        true,
        printer,
    )
}

/// Provision the one target of `cargo_args` and run `cargo SUBCOMMAND… ARGS` with its
/// environment.
fn pass_through(
    global: &GlobalArgs,
    subcommand: &[OsString],
    cargo_args: &CargoArgs,
    needs: Needs,
    pass_target: bool,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let name = subcommand
        .iter()
        .map(|s| s.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let command = if subcommand.len() > 1 {
        name.clone()
    } else {
        format!("cargo {name}")
    };
    let settings = super::settings(global, Some(cargo_args), printer)?;
    let targets = chosen_targets(&command, cargo_args, &settings.config)?;
    let [target] = targets.as_slice() else {
        return Err(anyhow::anyhow!(
            "`crossroot {command}` takes one target, got {}",
            list(&targets)
        )
        .context(Hint(format!(
            "pass one `--target`, and run `crossroot {command}` once per target"
        ))));
    };
    let mut provisioner = super::provisioner(settings, printer);
    let tenv = provision(&mut provisioner, *target, needs, printer)?;
    let cargo = cargo_program();
    let mut cmd = Command::new(&cargo);
    cmd.args(subcommand);
    if let Some(manifest) = global
        .manifest_path
        .as_ref()
        .filter(|_| cargo_args.manifest_path.is_none())
    {
        cmd.arg("--manifest-path").arg(manifest);
    }
    if pass_target {
        cmd.args(cargo_args.for_target(tenv.target.triple()));
    } else {
        cmd.args(cargo_args.without_targets());
    }
    tenv.apply(&mut cmd);
    let status = cmd.status().map_err(|e| {
        anyhow::anyhow!(e).context(format!("failed to run `{}`", cargo.to_string_lossy()))
    })?;
    Ok(super::exit_code(status))
}

/// The targets of this command: `--target` (comma lists and repeats), else the project's
/// `targets = [...]`; parsed (an unknown one fails the whole command before anything runs)
/// and without duplicates.
fn chosen_targets(
    subcommand: &str,
    cargo_args: &CargoArgs,
    config: &crossroot_config::Config,
) -> anyhow::Result<Vec<Target>> {
    targets_or_config(subcommand, &cargo_args.targets, config)
}

/// `names` (from `--target`), else the project's `targets = [...]`: parsed, without duplicates.
pub(super) fn targets_or_config(
    subcommand: &str,
    given: &[String],
    config: &crossroot_config::Config,
) -> anyhow::Result<Vec<Target>> {
    let (names, from): (Vec<String>, Option<PathBuf>) = if given.is_empty() {
        match config.targets() {
            Some((list, file)) if !list.is_empty() => (list.to_vec(), Some(file.to_path_buf())),
            _ => {
                return Err(anyhow::anyhow!("`crossroot {subcommand}` needs a target").context(
                    Hint(format!(
                        "add `--target <TARGET>`, e.g. `crossroot {subcommand} --target aarch64-linux` \
                         (several: `--target aarch64-linux,s390x-linux`), or \
                         `targets = [\"aarch64-linux\"]` in [package.metadata.crossroot]"
                    )),
                ));
            }
        }
    } else {
        (given.to_vec(), None)
    };
    let mut targets: Vec<Target> = Vec::with_capacity(names.len());
    for name in &names {
        // The error names the bad target and suggests near names.
        let target = match &from {
            None => super::parse_target(name)?,
            Some(file) => super::parse_target(name).with_context(|| {
                format!(
                    "the `targets` list in `{}` has a target crossroot cannot use",
                    file.display()
                )
            })?,
        };
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    Ok(targets)
}

fn list(targets: &[Target]) -> String {
    targets
        .iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn provision(
    provisioner: &mut Provisioner,
    target: Target,
    needs: Needs,
    printer: &Printer,
) -> anyhow::Result<TargetEnv> {
    let req = provisioner.request(target, needs)?;
    provision_request(provisioner, &req, printer)
}

fn provision_request(
    provisioner: &mut Provisioner,
    req: &crossroot_provision::Request,
    printer: &Printer,
) -> anyhow::Result<TargetEnv> {
    let tenv = provisioner.provision(req)?;
    super::explain(&tenv, printer);
    Ok(tenv)
}

fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// How one cargo run (and its glibc floor check) ended.
struct Ran {
    status: ExitStatus,
    tests: Option<crossroot_provision::summary::TestCounts>,
    /// The glibc floor check failed (the error was printed).
    floor_error: Option<String>,
}

impl Ran {
    fn ok(&self) -> bool {
        self.status.success() && self.floor_error.is_none()
    }

    fn exit_code(&self) -> ExitCode {
        if self.status.success() && self.floor_error.is_some() {
            ExitCode::FAILURE
        } else {
            super::exit_code(self.status)
        }
    }

    fn into_row(self, target: String, started: Instant) -> TargetRun {
        TargetRun {
            target,
            result: if self.ok() {
                Outcome::Ok
            } else {
                Outcome::Failed
            },
            exit_code: self.status.code(),
            tests: self.tests,
            seconds: started.elapsed().as_secs_f64(),
            message: self.floor_error,
        }
    }
}

/// Run `cargo SUBCOMMAND` for `tenv`'s target; for `test` with `count_tests`, cargo's stdout is
/// copied to ours as it comes and libtest's result lines are counted.
fn run_one(
    global: &GlobalArgs,
    subcommand: &str,
    cargo_args: &CargoArgs,
    tenv: &TargetEnv,
    count_tests: bool,
    printer: &Printer,
) -> anyhow::Result<Ran> {
    let manifest_path = global.manifest_path.clone();
    let cargo = cargo_program();
    let mut cmd = Command::new(&cargo);
    cmd.arg(subcommand);
    // crossroot's own flags written before cargo's arguments are cargo's too.
    if let Some(manifest) = manifest_path
        .as_ref()
        .filter(|_| cargo_args.manifest_path.is_none())
    {
        cmd.arg("--manifest-path").arg(manifest);
    }
    if (global.offline || global.frozen) && !cargo_args.offline {
        cmd.arg("--offline");
    }
    if (global.locked || global.frozen) && !cargo_args.locked {
        cmd.arg("--locked");
    }
    cmd.args(cargo_args.for_target(tenv.target.triple()));
    tenv.apply(&mut cmd);
    // Linking against glibc stubs: the compiler wrappers keep failed runs' stderr, so a link
    // that fails on a symbol newer than the floor can be explained afterwards.
    let link_log = tenv
        .glibc_stubs
        .as_ref()
        .map(crossroot_provision::GlibcStubs::link_log)
        .transpose()?;
    if let Some(log) = &link_log {
        log.apply(&mut cmd);
    }
    let floor = super::floor::FloorCheck::start(
        subcommand,
        tenv,
        cargo_args,
        manifest_path.as_deref(),
        printer,
    );
    let failed_to_run = |e: std::io::Error| {
        anyhow::anyhow!(e).context(format!("failed to run `{}`", cargo.to_string_lossy()))
    };
    let (status, tests) = if subcommand == "test" && count_tests {
        cmd.stdout(Stdio::piped());
        let mut child = cmd.spawn().map_err(failed_to_run)?;
        let mut tally = TestTally::default();
        if let Some(mut out) = child.stdout.take() {
            let mut stdout = std::io::stdout();
            let mut buf = [0u8; 8192];
            loop {
                let n = match out.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(anyhow::anyhow!(e).context("reading cargo's output")),
                };
                tally.feed(&buf[..n]);
                // A closed stdout (`| head`) must not stop cargo: keep reading, stop writing.
                let _ = stdout.write_all(&buf[..n]).and_then(|()| stdout.flush());
            }
        }
        (child.wait().map_err(failed_to_run)?, tally.finish())
    } else {
        (cmd.status().map_err(failed_to_run)?, None)
    };
    let mut floor_error = None;
    if let Some(floor) = floor.filter(|_| status.success()) {
        if let Err(e) = floor.finish(printer) {
            crate::report::render(&e, printer);
            floor_error = Some(format!("{e:#}"));
        }
    }
    // A link against glibc stubs that failed on symbols newer than the floor: say which.
    if let (false, Some(stubs), Some(log)) = (status.success(), &tenv.glibc_stubs, &link_log) {
        if let Some(err) = stubs.link_failure(log, &tenv.target) {
            let err = anyhow::Error::from(err);
            crate::report::render(&err, printer);
            floor_error = Some(format!("{err:#}"));
        }
    }
    Ok(Ran {
        status,
        tests,
        floor_error,
    })
}

fn write_summary(path: &std::path::Path, summary: &Summary) -> anyhow::Result<()> {
    fs_err::write(path, summary.to_json() + "\n")
        .with_context(|| format!("writing the summary to `{}`", path.display()))
}
