//! The Windows targets' steps of the pipeline: the mingw-w64 tree (sysroot and compiler in
//! one) and Wine with its private prefix.
//!
//! The prefix lives in the cache (`wine-prefixes-v1/<hash of the tree and its fixes' version>`),
//! one per Wine tree, created
//! once under a lock in a staging directory and renamed into place when `wineboot --init` has
//! finished, so a killed creation never counts as ready; an incomplete one is rebuilt.

use std::path::{Path, PathBuf};

use crossroot_archive::PathFilter;
use crossroot_runner::Runner;
use crossroot_runner::wine::{self, WineTree};
use crossroot_toolchain::clang::{self, CToolchain};
use crossroot_toolchain::{files, mingw};

use crate::pipeline::short_hash;
use crate::request::Request;
use crate::{Error, Provisioner, host};

/// The cache bucket of Wine prefixes.
pub const WINE_PREFIXES: &str = "wine-prefixes-v1";

/// The host libraries of a tree linked into one directory for `LD_LIBRARY_PATH` (glibc and
/// libgcc_s excluded: they come from the host); `None` when the tree has none.
fn tree_libs(tree: &Path, tool_dir: &Path, what: &str) -> Result<Option<PathBuf>, Error> {
    let multiarch = host::host_spec()?.multiarch;
    if !tree.join("usr/lib").join(multiarch).is_dir() {
        return Ok(None);
    }
    let dest = tool_dir.join(format!("{what}-libs-{}", short_hash(&[tree])));
    Ok(Some(clang::link_tree_libraries(tree, multiarch, &dest)?))
}

/// The Debian multiarch directory of the Linux architecture `debian_arch` (`i386` →
/// `i386-linux-gnu`): where a tree of its packages keeps its libraries.
pub(crate) fn linux_multiarch(debian_arch: &str) -> Result<&'static str, Error> {
    crossroot_target::TARGETS
        .iter()
        .find(|t| !t.is_windows() && t.debian_arch == debian_arch)
        .map(|t| t.multiarch)
        .ok_or(Error::UnsupportedHost {
            arch: std::env::consts::ARCH,
        })
}

/// The prefix's directory name in [`WINE_PREFIXES`]: one per Wine tree and version of its
/// fixes (a prefix copies the tree's DLLs, so fixed DLLs need a new prefix).
pub(crate) fn prefix_key(tree_root: &Path) -> String {
    let fixes = PathBuf::from(format!("fixes-{}", wine::FIXES_VERSION));
    short_hash(&[tree_root, &fixes])
}

/// The mingw-w64 `strip` beside the toolchain's `ar` (never the host's binutils).
fn mingw_strip(toolchain: &CToolchain, spec: &crossroot_target::TargetSpec) -> PathBuf {
    toolchain
        .ar
        .with_file_name(format!("{}-strip", spec.multiarch))
}

impl Provisioner {
    /// The mingw-w64 tree of `req`'s target (with the project's Debian packages, e.g.
    /// `libz-mingw-w64-dev`) and the GCC toolchain in it.
    pub(crate) fn mingw(
        &mut self,
        req: &Request,
        tool_dir: &Path,
    ) -> Result<(PathBuf, CToolchain), Error> {
        let spec = req.target.spec;
        let mut packages = mingw::tree_packages(spec);
        for p in &req.packages {
            if !packages.contains(p) {
                packages.push(p.clone());
            }
        }
        let packages: Vec<&str> = packages.iter().map(String::as_str).collect();
        let tree = self.host_tree(
            &mingw::tree_name(spec),
            &packages,
            &PathFilter::parse(&mingw::tree_filter(spec))?,
        )?;
        let libs = tree_libs(&tree, tool_dir, "mingw")?;
        let tc = mingw::tree_toolchain(&tree, libs, spec)?;
        Ok((tree, tc))
    }

    /// Wine for `req`'s target: the tree, its fixes, the prefix, and the runner script in
    /// `gen_dir`.
    pub(crate) fn wine(
        &mut self,
        req: &Request,
        toolchain: &CToolchain,
        tool_dir: &Path,
        gen_dir: &Path,
    ) -> Result<Runner, Error> {
        let spec = req.target.spec;
        let packages = wine::tree_packages(spec);
        let root = self.host_tree_of(
            spec.debian_arch,
            &wine::tree_name(spec),
            &packages,
            &PathFilter::parse(&wine::tree_filter())?,
        )?;
        let tree = WineTree::at(&root, spec, linux_multiarch(spec.debian_arch)?);
        let libs = tree_libs(&root, tool_dir, "wine")?.unwrap_or_else(|| root.join("usr/lib"));
        let parent = self.cache().root().join(WINE_PREFIXES);
        let prefix = parent.join(prefix_key(&root));
        if !wine::fixes_done(&tree) || !wine::prefix_is_complete(&prefix) {
            let cache = self.cache().clone();
            let _guard = cache.lock(&parent.join(".lock"), || {
                self.reporter().status(
                    "Waiting",
                    "for another crossroot process to finish the Wine prefix",
                );
            })?;
            cache.clean_staging(&parent)?;
            if !wine::fixes_done(&tree) {
                self.reporter().status(
                    "Preparing",
                    &format!("the Wine tree for `{}` (once)", spec.triple),
                );
                wine::prepare_tree(
                    &tree,
                    &toolchain.clang,
                    &mingw_strip(toolchain, spec),
                    &toolchain.lib_path,
                    &tool_dir.join("wine-shim"),
                )?;
            }
            if !wine::prefix_is_complete(&prefix) {
                self.reporter().status(
                    "Creating",
                    &format!("the Wine prefix for `{}` (once)", spec.triple),
                );
                let staged = cache.stage_dir(&parent)?;
                wine::boot_prefix(
                    &tree,
                    &wine::env(&tree, staged.path(), &libs),
                    staged.path(),
                )?;
                staged.persist(&prefix)?;
            }
        }
        let script = gen_dir.join("bin/wine-runner");
        files::write_if_changed(
            &script,
            wine::runner_script(&wine::env(&tree, &prefix, &libs)).as_bytes(),
            true,
        )?;
        Ok(Runner {
            program: script,
            args: Vec::new(),
        })
    }
}
