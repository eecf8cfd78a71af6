//! `crossroot exec --target T -- PROGRAM [ARGS]`: run a target program with T's sysroot.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::cli::GlobalArgs;
use crate::printer::Printer;
use crate::report::WithHint as _;
use crossroot_provision::Needs;

pub fn run(
    global: &GlobalArgs,
    target: &str,
    program: Vec<OsString>,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let Some((prog, args)) = program.split_first() else {
        anyhow::bail!("`crossroot exec` needs a program to run");
    };
    // Before provisioning anything: a runner such as QEMU given a missing file exits 1 and
    // may say nothing at all.
    let prog = locate(prog, std::env::var_os("PATH").as_deref()).ok_or_else(|| {
        let name = prog.to_string_lossy();
        let where_ = if has_slash(prog) {
            "no such file".to_string()
        } else {
            format!("not on PATH, and no file `{name}` here")
        };
        anyhow::anyhow!("program `{name}` not found: {where_}")
    });
    let prog = prog.with_hint(not_found_hint(target))?;
    let tenv = super::provision_one(global, target, Needs { runner: true }, printer)?;
    let mut cmd = match &tenv.runner {
        Some(runner) => runner.command(prog.as_os_str(), args),
        None => {
            let mut c = Command::new(&prog);
            c.args(args);
            c
        }
    };
    let status = cmd
        .status()
        .map_err(|e| anyhow::anyhow!(e).context(format!("failed to run `{}`", prog.display())))?;
    Ok(super::exit_code(status))
}

fn has_slash(prog: &OsStr) -> bool {
    prog.as_encoded_bytes().contains(&b'/')
}

/// The file `prog` names: a path (it has a `/`) as given; else the first executable of that name
/// on `path`; else a file of that name in the current directory (as `./name`, since a runner
/// such as QEMU opens what it is given relative to it). `None`: nothing to run.
fn locate(prog: &OsStr, path: Option<&OsStr>) -> Option<PathBuf> {
    if prog.is_empty() {
        return None;
    }
    if has_slash(prog) {
        return Path::new(prog).is_file().then(|| PathBuf::from(prog));
    }
    let on_path = path.into_iter().flat_map(std::env::split_paths);
    if let Some(found) = on_path.map(|d| d.join(prog)).find(|p| is_executable(p)) {
        return Some(found);
    }
    let here = Path::new(".").join(prog);
    here.is_file().then_some(here)
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn not_found_hint(target: &str) -> String {
    let triple = crossroot_target::parse(target)
        .map(|t| t.triple().to_string())
        .unwrap_or_else(|_| "<triple>".to_string());
    format!(
        "give the program's path: cargo puts what it builds for `{target}` in \
         `target/{triple}/debug/` (e.g. `crossroot exec --target {target} -- \
         ./target/{triple}/debug/<name>`)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_is_found_by_path_or_on_path_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        fs_err::create_dir(&bin).unwrap();
        let tool = bin.join("tool");
        fs_err::write(&tool, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        fs_err::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = Some(bin.as_os_str());
        assert_eq!(locate(OsStr::new("tool"), path), Some(tool.clone()));
        assert_eq!(locate(tool.as_os_str(), None), Some(tool.clone()));
        assert_eq!(locate(OsStr::new("no-such-tool-xyz"), path), None);
        assert_eq!(locate(bin.join("missing").as_os_str(), path), None);
        assert_eq!(locate(OsStr::new(""), path), None);
        // A directory is not a program.
        assert_eq!(locate(bin.as_os_str(), path), None);
    }
}
