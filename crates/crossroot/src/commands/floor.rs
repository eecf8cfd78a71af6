//! Glibc floors in builds: after a successful `crossroot build|test|run|bench`, check the
//! executables and cdylibs this invocation produced against the target's glibc floor
//! (`aarch64-unknown-linux-gnu.2.31`) and fail the command when one needs a newer glibc; with
//! `-v`, say which glibc each one needs. With `--static-deps`, fail when one still needs a
//! library outside glibc, naming it, its sysroot package and the crate that linked it. Without
//! a floor, `--static-deps` or `-v` nothing runs at all.
//!
//! Finding the artefacts, checking them and wording the result is
//! `crossroot_inspect::{artefacts, floor}`'s job. This module only turns cargo's arguments and
//! environment into an [`ArtefactQuery`] (running `cargo metadata` alongside the build when the
//! target directory is not given by `--target-dir` or `CARGO_TARGET_DIR`, so it costs no wall
//! time) and prints.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::SystemTime;

use anyhow::Context as _;
use crossroot_inspect::artefacts::{self, ArtefactQuery, Outputs, profile_dir_name};
use crossroot_inspect::deps::{StaticDepsError, dynamic_artefacts, link_requests};
use crossroot_inspect::floor::{BuildContext, check_files};

use crossroot_config::CargoArgs;
use crossroot_provision::TargetEnv;

use crate::printer::Printer;

/// A check started before cargo runs; [`FloorCheck::finish`] runs it once cargo succeeded.
#[derive(Debug)]
pub struct FloorCheck {
    build: BuildContext,
    outputs: Outputs,
    profile_dir_name: String,
    started: SystemTime,
    dirs: Dirs,
    /// `--static-deps`: the sysroot whose `libraries.json` names the packages.
    static_deps: Option<PathBuf>,
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
        let outputs = Outputs::of_subcommand(subcommand)?;
        if tenv.target.glibc_floor.is_none() && !tenv.static_deps && printer.verbose == 0 {
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
        let dirs = match (target_dir, build_dir) {
            (Some(t), _) if outputs == Outputs::Binaries => Dirs::Known {
                build: t.clone(),
                target: t,
            },
            (Some(t), Some(b)) => Dirs::Known {
                target: t,
                build: b,
            },
            (target, _) => {
                let manifest = cargo
                    .manifest_path
                    .clone()
                    .or_else(|| manifest_path.map(Path::to_path_buf));
                match spawn_metadata(manifest, target.as_ref()) {
                    Ok(child) => Dirs::Metadata { child, target },
                    Err((cargo, e)) => {
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
            build: BuildContext {
                target: tenv.target,
                release: tenv.release,
                subcommand: subcommand.to_string(),
                cwd,
            },
            outputs,
            profile_dir_name: profile_dir_name(cargo.profile_for(subcommand)).to_string(),
            started,
            dirs,
            static_deps: tenv.static_deps.then(|| tenv.sysroot.clone()),
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
        let query = ArtefactQuery {
            target_dir,
            build_dir,
            triple: self.build.target.triple().to_string(),
            profile_dir_name: self.profile_dir_name,
            outputs: self.outputs,
            started: self.started,
        };
        let floor = self.build.target.glibc_floor;
        // With a check that can fail, files that failed last time are checked again, so a
        // no-op rebuild cannot hide a failure.
        let remember = floor.is_some() || self.static_deps.is_some();
        let mut checked = check_files(&artefacts::find(&query, remember), floor);
        let dynamic = match &self.static_deps {
            None => Vec::new(),
            Some(sysroot) => {
                let owners = crossroot_archive::library_owners(sysroot);
                let requests = link_requests(
                    &query
                        .build_dir
                        .join(&query.triple)
                        .join(&query.profile_dir_name)
                        .join("build"),
                );
                dynamic_artefacts(
                    checked
                        .artefacts
                        .iter()
                        .map(|a| (a.path.clone(), &a.report)),
                    &owners,
                    &requests,
                )
            }
        };
        if remember {
            let mut failed: Vec<&Path> = checked.failed().map(|a| a.path.as_path()).collect();
            failed.extend(dynamic.iter().map(|d| d.path.as_path()));
            checked.memo = artefacts::write_failures(&query.failures_file(), &failed).err();
        }
        for w in checked.warnings() {
            printer.warn(w);
        }
        for line in checked.needs_lines(&self.build.cwd) {
            printer.verbose(line);
        }
        let verdict = checked.verdict(&self.build);
        if !dynamic.is_empty() {
            return Err(StaticDepsError {
                target: self.build.target,
                artefacts: dynamic
                    .into_iter()
                    .map(|mut d| {
                        d.path = d
                            .path
                            .strip_prefix(&self.build.cwd)
                            .map(Path::to_path_buf)
                            .unwrap_or(d.path);
                        d
                    })
                    .collect(),
            }
            .into());
        }
        if let Some(ok) = verdict? {
            printer.status("Checked", ok);
        }
        if self.static_deps.is_some() && !checked.artefacts.is_empty() {
            printer.status(
                "Checked",
                format!(
                    "{} artefact{}: no library outside glibc (--static-deps)",
                    checked.artefacts.len(),
                    if checked.artefacts.len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                ),
            );
        }
        Ok(())
    }
}

/// Start `cargo metadata` for the project (with a `--target-dir` given to cargo, which moves
/// the default build dir along with it); on failure, the cargo it tried and why.
fn spawn_metadata(
    manifest: Option<PathBuf>,
    target_dir: Option<&PathBuf>,
) -> Result<Child, (OsString, std::io::Error)> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.args(["metadata", "--no-deps", "--format-version", "1"]);
    if let Some(m) = manifest {
        cmd.arg("--manifest-path").arg(m);
    }
    if let Some(t) = target_dir {
        cmd.env("CARGO_TARGET_DIR", t);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().map_err(|e| (cargo, e))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_directories_follow_cargo() {
        let dir = |sub: &str, args: &[&str]| {
            profile_dir_name(CargoArgs::parse(args).profile_for(sub)).to_string()
        };
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
