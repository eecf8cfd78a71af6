//! `crossroot ci github`: print (or write) a GitHub Actions workflow for the project's targets.
//!
//! The targets come from `--target` or the project's `targets = [...]` (the reader the
//! several-targets commands use); the text is `crossroot_provision::ci`'s.

use std::process::ExitCode;

use anyhow::Context as _;
use crossroot_provision::ci::{self, GithubOptions};

use crate::cli::{CiCommand, CiGithubArgs, GlobalArgs};
use crate::printer::{self, Printer};

pub fn run(global: &GlobalArgs, cmd: CiCommand, printer: &Printer) -> anyhow::Result<ExitCode> {
    match cmd {
        CiCommand::Github(args) => github(global, args, printer),
    }
}

fn github(global: &GlobalArgs, args: CiGithubArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let settings = super::settings(global, None, printer)?;
    let given: Vec<String> = args
        .target
        .iter()
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    let targets = super::cargo::targets_or_config("ci github", &given, &settings.config)?;
    let options = GithubOptions {
        targets: targets.iter().map(ToString::to_string).collect(),
        nextest: args.nextest,
        partitions: args.partitions,
        install: args.install,
        flags: job_flags(global),
        mirror: global.mirror.clone(),
    };
    let text = ci::github_workflow(&options);
    match &args.output {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs_err::create_dir_all(dir)?;
            }
            fs_err::write(path, &text)
                .with_context(|| format!("failed to write the workflow to `{}`", path.display()))?;
            printer.status(
                "Wrote",
                format!(
                    "`{}` ({} target{}{})",
                    path.display(),
                    options.targets.len(),
                    if options.targets.len() == 1 { "" } else { "s" },
                    options
                        .partitions
                        .map(|n| format!(" × {n} partitions"))
                        .unwrap_or_default()
                ),
            );
        }
        None => printer::out(text.trim_end()),
    }
    Ok(ExitCode::SUCCESS)
}

/// crossroot's flags given here that the jobs' commands keep: the Debian release, static C
/// libraries and a locked `crossroot.lock` (not `--offline`: a job's first run downloads; not
/// `--insecure-skip-verify`).
fn job_flags(global: &GlobalArgs) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(release) = &global.release {
        flags.extend(["--debian-release".to_string(), release.clone()]);
    }
    if global.static_deps {
        flags.push("--static-deps".into());
    }
    if global.locked || global.frozen {
        flags.push("--locked".into());
    }
    flags
}
