//! The I/O edge: read a sysroot's real glibc libraries, generate their stubs for a floor, run
//! the C compiler driver on them and write the stub directory that goes first on `-L`.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crossroot_target::GlibcVersion;

use crate::GlibcError;
use crate::elf::{SharedLibrary, read_library};
use crate::explain::{Catalog, SysrootTrap, glibc_release, sysroot_traps};
use crate::header::{COMPAT_OBJECT, FLOOR_HEADER, compat_args, compat_source, floor_header};
use crate::split::{self, MERGE, SPLIT_LIBRARIES};
use crate::stubs::{Stub, stub_for};

/// A C compiler driver that assembles and links a shared library for the target:
/// `clang --target=aarch64-linux-gnu -fuse-ld=lld`, or the host `gcc` for the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiler {
    pub program: PathBuf,
    /// Arguments that come first on every command line (target, linker choice).
    pub args: Vec<OsString>,
}

/// Where the real glibc of a sysroot is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StubInputs {
    /// The sysroot's root; absolute paths in its linker scripts and symlinks are taken inside
    /// it (`/` for the host).
    pub sysroot: PathBuf,
    /// The sysroot's `libc.so` linker script. It names the real `libc.so.6`,
    /// `libc_nonshared.a` and the loader; the other libraries sit beside `libc.so.6`.
    pub libc_script: PathBuf,
}

impl StubInputs {
    /// A Debian sysroot: the script is `usr/lib/<multiarch>/libc.so`.
    pub fn debian(sysroot: &Path, multiarch: &str) -> StubInputs {
        StubInputs {
            sysroot: sysroot.to_path_buf(),
            libc_script: sysroot.join("usr/lib").join(multiarch).join("libc.so"),
        }
    }
}

/// One stub library that was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltStub {
    pub soname: String,
    pub path: PathBuf,
    /// Number of symbol versions it defines.
    pub symbols: usize,
}

/// The stub directory for one floor. Put `-L <dir>` before every sysroot library directory on
/// the link line: `-lc`, `-lm`, `-lpthread`… then find the stubs (and `libc.so`, a linker script
/// naming the stub `libc.so.6`, the real `libc_nonshared.a` and the stub loader).
#[derive(Debug, Clone)]
pub struct StubSet {
    pub dir: PathBuf,
    pub floor: GlibcVersion,
    pub stubs: Vec<BuiltStub>,
    /// The first version of every symbol of the real libraries, to explain link failures.
    pub catalog: Catalog,
    /// The release of the sysroot's real glibc (the newest version its libc.so.6 defines).
    pub sysroot_glibc: Option<GlibcVersion>,
    /// What the stubs cannot fix with this sysroot (see [`sysroot_traps`]): the caller should
    /// refuse the build or pick an older sysroot.
    pub traps: Vec<SysrootTrap>,
    /// The real glibc's libc.so.6 had the split libraries merged (glibc ≥ 2.34): their stubs
    /// were carved out of it.
    pub carved_split_libraries: bool,
}

/// The stub libraries other than libc and the loader, when the sysroot has them.
const OTHER_LIBRARIES: [&str; 5] = [
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
];

/// Build the stubs of a sysroot's glibc for `floor` into `out` (created if missing; generated
/// sources are kept in `out/src` for inspection). Writing into a fresh directory and renaming
/// it into place is the caller's business: nothing written refers to `out` by absolute path.
pub fn build_stubs(
    inputs: &StubInputs,
    floor: GlibcVersion,
    compiler: &Compiler,
    out: &Path,
) -> Result<StubSet, GlibcError> {
    let RealGlibc {
        parsed,
        nonshared,
        libc,
        others: reals,
    } = read_real_glibc(inputs)?;

    let carve = split::is_merged(&libc) && floor < MERGE;
    let mut sources: Vec<SharedLibrary> = vec![if carve {
        split::without_moved_symbols(&libc)
    } else {
        libc.clone()
    }];
    for real in &reals {
        let soname = real.soname.as_deref().unwrap_or_default();
        if carve && SPLIT_LIBRARIES.contains(&soname) {
            continue;
        }
        sources.push(real.clone());
    }
    if carve {
        for soname in SPLIT_LIBRARIES {
            sources.push(split::carve_split_library(&libc, soname));
        }
    }

    let src_dir = out.join("src");
    fs_err::create_dir_all(&src_dir)?;
    let mut stubs = Vec::new();
    let mut compat = None;
    for source in &sources {
        let stub = stub_for(source, floor)?;
        if stub.soname == "libc.so.6" {
            fs_err::write(out.join(FLOOR_HEADER), floor_header(&stub))?;
            if let Some(source) = compat_source(&stub) {
                compat = Some(compile_compat(&source, compiler, out, &src_dir)?);
            }
        }
        stubs.push(compile(&stub, compiler, out, &src_dir)?);
    }

    // `-lc` finds the script, the other `-l` names a symlink to their stub.
    let loader_name = parsed
        .loader
        .as_ref()
        .and_then(|l| l.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    fs_err::write(
        out.join("libc.so"),
        libc_script(
            &parsed,
            &nonshared,
            compat.as_deref(),
            loader_name.as_deref(),
            floor,
        ),
    )?;
    for stub in &stubs {
        let Some((dev_name, _)) = stub.soname.split_once(".so") else {
            continue;
        };
        if stub.soname == "libc.so.6" || !stub.soname.starts_with("lib") {
            continue;
        }
        let link = out.join(format!("{dev_name}.so"));
        if link.symlink_metadata().is_ok() {
            fs_err::remove_file(&link)?;
        }
        fs_err::os::unix::fs::symlink(&stub.soname, &link)?;
    }

    let sysroot_glibc = glibc_release(&libc);
    let traps = sysroot_glibc
        .map(|g| sysroot_traps(g, floor))
        .unwrap_or_default();
    let mut all = reals;
    all.push(libc);
    Ok(StubSet {
        dir: out.to_path_buf(),
        floor,
        sysroot_glibc,
        traps,
        stubs,
        catalog: Catalog::new(&all),
        carved_split_libraries: carve,
    })
}

/// Where each symbol of a sysroot's real glibc first appeared (to explain a link that failed
/// against the stubs), read from the same libraries [`build_stubs`] reads.
pub fn catalog(inputs: &StubInputs) -> Result<Catalog, GlibcError> {
    let real = read_real_glibc(inputs)?;
    Ok(Catalog::new(real.others.iter().chain([&real.libc])))
}

/// A sysroot's real glibc: what its `libc.so` script names, and the libraries beside libc.so.6.
struct RealGlibc {
    parsed: LibcScript,
    /// The real `libc_nonshared.a`, on the host.
    nonshared: PathBuf,
    libc: SharedLibrary,
    /// The loader (first, when the script names one) and the other libraries present.
    others: Vec<SharedLibrary>,
}

fn read_real_glibc(inputs: &StubInputs) -> Result<RealGlibc, GlibcError> {
    let script_path = &inputs.libc_script;
    let script = fs_err::read_to_string(script_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => GlibcError::Missing {
            path: script_path.clone(),
        },
        _ => GlibcError::Io(e),
    })?;
    let parsed = parse_libc_script(&script).ok_or_else(|| GlibcError::LibcScript {
        path: script_path.clone(),
    })?;
    let libc_path = resolve_in(&inputs.sysroot, &parsed.libc)?;
    let nonshared = resolve_in(&inputs.sysroot, &parsed.nonshared)?;
    let lib_dir = libc_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();

    let libc = read(&libc_path)?;
    let mut others: Vec<SharedLibrary> = Vec::new();
    if let Some(loader) = &parsed.loader {
        others.push(read(&resolve_in(&inputs.sysroot, loader)?)?);
    }
    for name in OTHER_LIBRARIES {
        let path = lib_dir.join(name);
        if path.exists() {
            others.push(read(&path)?);
        }
    }
    Ok(RealGlibc {
        parsed,
        nonshared,
        libc,
        others,
    })
}

fn read(path: &Path) -> Result<SharedLibrary, GlibcError> {
    let data = fs_err::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => GlibcError::Missing {
            path: path.to_path_buf(),
        },
        _ => GlibcError::Io(e),
    })?;
    read_library(&data).map_err(|source| GlibcError::Library {
        path: path.to_path_buf(),
        source: Box::new(source),
    })
}

fn compile(
    stub: &Stub,
    compiler: &Compiler,
    out: &Path,
    src_dir: &Path,
) -> Result<BuiltStub, GlibcError> {
    let asm = src_dir.join(format!("{}.s", stub.soname));
    let map = src_dir.join(format!("{}.map", stub.soname));
    fs_err::write(&asm, stub.assembly())?;
    fs_err::write(&map, stub.version_script())?;
    let path = out.join(&stub.soname);
    let mut version_script = OsString::from("-Wl,--version-script=");
    version_script.push(&map);
    let mut args = vec![
        OsString::from("-shared"),
        "-nostdlib".into(),
        "-o".into(),
        path.clone().into(),
    ];
    args.push(version_script);
    args.push(format!("-Wl,-soname,{}", stub.soname).into());
    args.push(asm.into());
    run_compiler(compiler, &args, &stub.soname)?;
    Ok(BuiltStub {
        soname: stub.soname.clone(),
        path,
        symbols: stub.symbols.len(),
    })
}

/// Run `compiler` with `args`; a failure names `what` it was building and the compiler's stderr.
fn run_compiler(compiler: &Compiler, args: &[OsString], what: &str) -> Result<(), GlibcError> {
    let output = Command::new(&compiler.program)
        .args(&compiler.args)
        .args(args)
        .output()
        .map_err(|source| GlibcError::Spawn {
            program: compiler.program.clone(),
            source,
        })?;
    if output.status.success() {
        return Ok(());
    }
    Err(GlibcError::Compile {
        program: compiler.program.clone(),
        soname: what.to_string(),
        status: output.status.to_string(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Compile the floor's compat source into `out` ([`COMPAT_OBJECT`]); returns its file name.
fn compile_compat(
    source: &str,
    compiler: &Compiler,
    out: &Path,
    src_dir: &Path,
) -> Result<String, GlibcError> {
    let c = src_dir.join("crossroot-floor-compat.c");
    fs_err::write(&c, source)?;
    let mut args: Vec<OsString> = compat_args().into_iter().map(OsString::from).collect();
    args.push("-o".into());
    args.push(out.join(COMPAT_OBJECT).into());
    args.push(c.into());
    run_compiler(compiler, &args, COMPAT_OBJECT)?;
    Ok(COMPAT_OBJECT.into())
}

/// What a glibc `libc.so` linker script names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LibcScript {
    output_format: Option<String>,
    libc: PathBuf,
    nonshared: PathBuf,
    loader: Option<PathBuf>,
}

/// Read `OUTPUT_FORMAT(…)` and the `GROUP ( libc.so.6 libc_nonshared.a AS_NEEDED ( ld… ) )`.
fn parse_libc_script(text: &str) -> Option<LibcScript> {
    let mut output_format = None;
    let mut body = String::new();
    let mut rest = text;
    // Drop /* comments */.
    while let Some(start) = rest.find("/*") {
        body.push_str(&rest[..start]);
        rest = rest[start..].split_once("*/").map_or("", |(_, r)| r);
    }
    body.push_str(rest);
    for line in body.lines() {
        if line.trim_start().starts_with("OUTPUT_FORMAT") {
            output_format = Some(line.trim().to_string());
        }
    }
    let group = body.split_once("GROUP")?.1;
    let tokens = group
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|t| !t.is_empty() && *t != "AS_NEEDED");
    let (mut libc, mut nonshared, mut loader) = (None, None, None);
    for t in tokens {
        let path = PathBuf::from(t.trim_matches('"'));
        let name = path.file_name()?.to_string_lossy().into_owned();
        if name.starts_with("libc.so") {
            libc = Some(path);
        } else if name.starts_with("libc_nonshared") {
            nonshared = Some(path);
        } else if name.starts_with("ld") {
            loader = Some(path);
        }
    }
    Some(LibcScript {
        output_format,
        libc: libc?,
        nonshared: nonshared?,
        loader,
    })
}

/// The stub `libc.so`: the stub `libc.so.6` and loader by bare name (found through `-L`, so
/// the directory can move), the real `libc_nonshared.a` by absolute path.
fn libc_script(
    parsed: &LibcScript,
    nonshared: &Path,
    compat: Option<&str>,
    loader: Option<&str>,
    floor: GlibcVersion,
) -> String {
    let mut out = format!(
        "/* Link-only stubs for glibc {floor}, generated by crossroot: link against them, run against a real glibc. */\n"
    );
    if let Some(f) = &parsed.output_format {
        out.push_str(f);
        out.push('\n');
    }
    out.push_str(&format!("GROUP ( libc.so.6 \"{}\"", nonshared.display()));
    if let Some(c) = compat {
        out.push_str(&format!(" {c}"));
    }
    if let Some(l) = loader {
        out.push_str(&format!(" AS_NEEDED ( {l} )"));
    }
    out.push_str(" )\n");
    out
}

/// `path` (absolute, as the sysroot sees it) on the host: symlinks are followed inside the
/// sysroot, an absolute link target starting again at its root.
fn resolve_in(sysroot: &Path, path: &Path) -> Result<PathBuf, GlibcError> {
    let mut queue: VecDeque<OsString> = normal_components(path);
    let mut done: Vec<OsString> = Vec::new();
    let mut hops = 0;
    while let Some(c) = queue.pop_front() {
        if c == ".." {
            done.pop();
            continue;
        }
        done.push(c);
        let host: PathBuf = std::iter::once(sysroot.as_os_str())
            .chain(done.iter().map(OsString::as_os_str))
            .collect();
        let Ok(meta) = host.symlink_metadata() else {
            continue;
        };
        if !meta.file_type().is_symlink() {
            continue;
        }
        hops += 1;
        if hops > 40 {
            return Err(GlibcError::Missing { path: host });
        }
        let target = fs_err::read_link(&host)?;
        done.pop();
        if target.is_absolute() {
            done.clear();
        }
        let mut next = normal_components(&target);
        next.extend(queue);
        queue = next;
    }
    let host: PathBuf = std::iter::once(sysroot.as_os_str())
        .chain(done.iter().map(OsString::as_os_str))
        .collect();
    if host.exists() {
        Ok(host)
    } else {
        Err(GlibcError::Missing { path: host })
    }
}

fn normal_components(path: &Path) -> VecDeque<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOKWORM_AMD64: &str = "/* GNU ld script\n   Use the shared library, but some functions are only in\n   the static library, so try that secondarily.  */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/libc_nonshared.a  AS_NEEDED ( /lib64/ld-linux-x86-64.so.2 ) )\n";

    #[test]
    fn reads_and_rewrites_the_libc_script() {
        let parsed = parse_libc_script(BOOKWORM_AMD64).unwrap();
        assert_eq!(parsed.libc, Path::new("/lib/x86_64-linux-gnu/libc.so.6"));
        assert_eq!(
            parsed.loader.as_deref(),
            Some(Path::new("/lib64/ld-linux-x86-64.so.2"))
        );
        let script = libc_script(
            &parsed,
            Path::new("/sys root/usr/lib/x86_64-linux-gnu/libc_nonshared.a"),
            Some("crossroot-floor-compat.o"),
            Some("ld-linux-x86-64.so.2"),
            GlibcVersion::new(2, 17),
        );
        assert!(script.ends_with(
            "OUTPUT_FORMAT(elf64-x86-64)\nGROUP ( libc.so.6 \"/sys root/usr/lib/x86_64-linux-gnu/libc_nonshared.a\" crossroot-floor-compat.o AS_NEEDED ( ld-linux-x86-64.so.2 ) )\n"
        ), "{script}");
        assert_eq!(parse_libc_script("INPUT(-lfoo)"), None);
    }

    #[test]
    fn follows_absolute_symlinks_inside_the_sysroot() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        fs_err::create_dir_all(r.join("usr/lib/aarch64-linux-gnu")).unwrap();
        fs_err::write(
            r.join("usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"),
            b"x",
        )
        .unwrap();
        fs_err::os::unix::fs::symlink("usr/lib", r.join("lib")).unwrap();
        // An absolute target: on the host it would point outside the sysroot.
        fs_err::os::unix::fs::symlink(
            "/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1",
            r.join("usr/lib/ld-linux-aarch64.so.1"),
        )
        .unwrap();
        let found = resolve_in(r, Path::new("/lib/ld-linux-aarch64.so.1")).unwrap();
        assert_eq!(
            found,
            r.join("usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1")
        );
        assert!(matches!(
            resolve_in(r, Path::new("/lib/missing.so")),
            Err(GlibcError::Missing { .. })
        ));
    }
}
