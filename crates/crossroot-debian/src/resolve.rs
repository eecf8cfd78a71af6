//! The dependency resolver: which `.deb`s a link sysroot needs for a set of requested packages.
//!
//! Input: a [`Universe`] (every [`PackageEntry`] of the suite's `Packages` indexes), the requested
//! names (plain names, or relation syntax such as `libssl-dev (>= 3)`), and [`ResolveOptions`].
//! Output: a [`Resolution`] listing every package to unpack, each with the chain of dependencies
//! that brought it in.
//!
//! # What is followed
//! `Depends` and `Pre-Depends`, never `Recommends`/`Suggests`. For each group of alternatives
//! `a | b`, a group already satisfied by a selected package is done; otherwise the first
//! alternative with an installable candidate wins (skip rules below count as satisfying it).
//! Candidates are real packages of that name whose version satisfies the constraint (highest
//! version first), then packages that `Provide` it (a versioned dependency is only satisfied by a
//! versioned `Provides: name (= v)`), ordered by priority then name. Architecture: a candidate
//! must be of the target arch or `all`; a `Multi-Arch: foreign` package satisfies dependencies of
//! any arch, and `:any` also accepts `Multi-Arch: allowed`. One version per package name: a second,
//! different version wanted by someone else is a [`ResolveError::Conflict`].
//!
//! # What a link sysroot does not need (skip rules)
//! A sysroot is only ever read by a compiler and linker, and by QEMU's loader; nothing in it is
//! executed as a system. So, for packages reached *transitively* (a requested package is never
//! skipped), a dependency is considered satisfied without unpacking anything when:
//!
//! - **base system** ([`SkipRule::BaseSystem`]): the candidate is `Essential: yes`, or it is
//!   `Priority: required` and not a library (its section is not `libs`/`libdevel`/`oldlibs`).
//!   These are the tools of an installed system (dpkg, perl-base, coreutils, apt…). Libraries
//!   such as the libc — `Priority: required` in older releases — are kept, because linking needs
//!   them.
//! - **debconf** ([`SkipRule::Debconf`]): the dependency names `debconf`, `cdebconf`, a
//!   `debconf-*` virtual package (`debconf-2.0`) or a `*-debconf` package: maintainer-script
//!   configuration that never runs in a sysroot.
//! - **GCC runtimes** ([`SkipRule::GccRuntime`]): the depending package is a GCC development
//!   package (`libgcc-N-dev`, `libstdc++-N-dev`) and the candidate is a runtime library (`lib*`)
//!   built from a GCC source package (`Source: gcc-M`), other than `libgcc-s*` — and other than
//!   `libstdc++6` when C++ is requested ([`ResolveOptions::cxx`]). These are the sanitizer,
//!   OpenMP, TM, atomic and quadmath runtimes (libasan8, libtsan2, liblsan0, libhwasan0,
//!   libubsan1, libgomp1, libitm1, libatomic1, libquadmath0) that `libgcc-N-dev` depends on so
//!   that `-fsanitize`/`-fopenmp` work; a Rust link does not use them. The rule is on the *edge*:
//!   if another package depends on one of them (say a library linked against libgomp1), it is
//!   unpacked. Being derived from `Source:`, it keeps working for `gcc-14` on trixie, where
//!   `libgcc-12-dev` depends on runtimes built by `gcc-14`.
//!
//! Every skip is recorded in [`Resolution::skipped`] with its rule and chain, so "why is X not in
//! my sysroot" has an answer.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;

use crate::index::{MultiArch, PackageEntry, Sha256Digest};
use crate::relation::{self, ArchQualifier, Relation};
use crate::version::Version;

/// Which skip rules apply (see the module doc). All are on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkipRules {
    /// [`SkipRule::BaseSystem`].
    pub base_system: bool,
    /// [`SkipRule::Debconf`].
    pub debconf: bool,
    /// [`SkipRule::GccRuntime`].
    pub gcc_runtimes: bool,
}

impl SkipRules {
    /// Every rule on (the default for sysroots).
    pub fn all() -> Self {
        SkipRules {
            base_system: true,
            debconf: true,
            gcc_runtimes: true,
        }
    }

    /// No rule: the plain Depends/Pre-Depends closure.
    pub fn none() -> Self {
        SkipRules {
            base_system: false,
            debconf: false,
            gcc_runtimes: false,
        }
    }
}

impl Default for SkipRules {
    fn default() -> Self {
        Self::all()
    }
}

/// One skip rule, as recorded in [`Skipped`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipRule {
    /// Essential or required tools of an installed system.
    BaseSystem,
    /// debconf configuration.
    Debconf,
    /// Sanitizer/OpenMP/… runtimes pulled only by a GCC dev package.
    GccRuntime,
}

impl fmt::Display for SkipRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipRule::BaseSystem => "base system (Essential/required tool)",
            SkipRule::Debconf => "debconf configuration",
            SkipRule::GccRuntime => "GCC runtime pulled only by a GCC dev package",
        })
    }
}

/// Options of one resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOptions {
    /// Target Debian architecture (`arm64`, `armhf`, …).
    pub arch: String,
    /// Skip rules.
    pub skip: SkipRules,
    /// C++ requested: keep `libstdc++6` when `libstdc++-N-dev` pulls it.
    pub cxx: bool,
}

impl ResolveOptions {
    /// Defaults for `arch`: every skip rule on, no C++.
    pub fn new(arch: &str) -> Self {
        ResolveOptions {
            arch: arch.to_owned(),
            skip: SkipRules::all(),
            cxx: false,
        }
    }
}

/// One package to unpack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPackage {
    /// Package name.
    pub name: String,
    /// Selected version.
    pub version: Version,
    /// Its architecture (the target arch or `all`).
    pub arch: String,
    /// `Filename:` relative to the mirror root.
    pub filename: String,
    /// `.deb` size in bytes.
    pub size: u64,
    /// `.deb` SHA-256.
    pub sha256: Sha256Digest,
    /// `Installed-Size:` in KiB, as the signed index says (bounds what the `.deb` may unpack).
    pub installed_size: Option<u64>,
    /// Why it is here: the requested package first, then each dependency as written, e.g.
    /// `["libssl-dev", "libssl3 (= 3.0.11-1~deb12u2)", "libc6 (>= 2.34)"]`. A requested
    /// package has a one-element chain.
    pub reason: Vec<String>,
}

/// A dependency satisfied by a skip rule instead of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The package (or virtual package) that was not unpacked.
    pub name: String,
    /// The rule that skipped it.
    pub rule: SkipRule,
    /// The chain that wanted it (as in [`ResolvedPackage::reason`]).
    pub chain: Vec<String>,
}

/// The result of a resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Packages to unpack, sorted by name.
    pub packages: Vec<ResolvedPackage>,
    /// Dependencies satisfied by skip rules, sorted by name (first chain only).
    pub skipped: Vec<Skipped>,
}

impl Resolution {
    /// Total `.deb` bytes.
    pub fn total_size(&self) -> u64 {
        self.packages.iter().map(|p| p.size).sum()
    }

    /// The selected package called `name`.
    pub fn get(&self, name: &str) -> Option<&ResolvedPackage> {
        self.packages.iter().find(|p| p.name == name)
    }
}

/// The base packages every sysroot contains (see [`Universe::base_packages`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasePackages {
    /// Major version of the release's default GCC (`12` on bookworm, `14` on trixie).
    pub gcc_major: u32,
    /// Package names: the libc dev package, `libgcc-N-dev`, `linux-libc-dev`, and
    /// `libstdc++-N-dev` when C++ was asked for.
    pub packages: Vec<String>,
}

/// Why a resolution failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// A requested name is neither a package nor provided by one.
    #[error("no package `{name}` in the index")]
    UnknownPackage {
        /// The requested name.
        name: String,
        /// Close names that exist.
        suggestions: Vec<String>,
    },
    /// A request that is not a valid package relation.
    #[error("invalid package request `{request}`: {reason}")]
    BadRequest {
        /// The request.
        request: String,
        /// Why.
        reason: String,
    },
    /// No candidate satisfies a dependency.
    #[error("cannot satisfy `{}`", chain.join(" -> "))]
    Unsatisfiable {
        /// From the requested package to the unsatisfied dependency (last element).
        chain: Vec<String>,
        /// Versions that exist for the names in the failing dependency (`name version (arch)`).
        available: Vec<String>,
    },
    /// Two chains want different versions of one package.
    #[error(
        "`{name}` {selected} was selected for `{}`, but `{}` needs another version",
        selected_chain.join(" -> "),
        chain.join(" -> ")
    )]
    Conflict {
        /// The package name.
        name: String,
        /// The version already selected.
        selected: String,
        /// Why it was selected.
        selected_chain: Vec<String>,
        /// The chain that needs a different version.
        chain: Vec<String>,
    },
    /// The index has no libc dev package or no GCC to derive the base set from.
    #[error("cannot determine the base packages for `{arch}`: {reason}")]
    NoBase {
        /// Target architecture.
        arch: String,
        /// What was missing.
        reason: String,
    },
}

impl crossroot_hint::Hint for ResolveError {
    /// What the user can do about it, when there is something.
    fn hint(&self) -> Option<String> {
        match self {
            ResolveError::UnknownPackage { suggestions, .. } if !suggestions.is_empty() => {
                Some(format!(
                    "did you mean {}?",
                    suggestions
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            ResolveError::UnknownPackage { .. } => {
                Some("package names are Debian binary package names, such as `libssl-dev`".into())
            }
            ResolveError::Unsatisfiable { available, .. } if available.is_empty() => Some(
                "no version of it exists for this architecture in this release; try another \
                 release"
                    .into(),
            ),
            ResolveError::Unsatisfiable { available, .. } => Some(format!(
                "available: {}; the release may be too old or too new for this requirement",
                available.join(", ")
            )),
            ResolveError::Conflict { .. } => {
                Some("request a version that both chains accept, or another release".into())
            }
            ResolveError::BadRequest { .. } => {
                Some("write a package name, optionally with `(>= version)`".into())
            }
            ResolveError::NoBase { .. } => {
                Some("the index looks incomplete; check the release and architecture".into())
            }
        }
    }
}

/// All packages of a suite, indexed by name and by what they provide.
#[derive(Debug, Clone, Default)]
pub struct Universe {
    packages: Vec<PackageEntry>,
    by_name: HashMap<String, Vec<usize>>,
    providers: HashMap<String, Vec<usize>>,
}

fn priority_rank(p: &PackageEntry) -> u8 {
    match p.priority.as_deref() {
        Some("required") => 0,
        Some("important") => 1,
        Some("standard") => 2,
        Some("optional") => 3,
        _ => 4,
    }
}

/// The libc development packages a base set can start from, in the order tried (Linux glibc,
/// alpha/ia64 glibc, kFreeBSD, Hurd).
/// Longest package request accepted. A package's file in the pool, `<name>_<version>_<arch>.deb`,
/// must fit in a 255-byte file name, so no package name comes close.
pub const MAX_REQUEST_LEN: usize = 255;

/// Names longer than this get no similarity suggestions (comparing costs their length times
/// every name in the index; no Debian package name is that long).
const MAX_SUGGESTED_LEN: usize = 64;

/// Check one requested package (a name or a relation such as `libfoo (>= 2)`) without an
/// index, so an empty or absurd request fails before anything is downloaded.
pub fn check_request(request: &str) -> Result<(), ResolveError> {
    let bad = |reason: String| ResolveError::BadRequest {
        request: request.to_owned(),
        reason,
    };
    if request.trim().is_empty() {
        return Err(bad("the package name is empty".into()));
    }
    if request.len() > MAX_REQUEST_LEN {
        // Quote only its start: the error must not repeat the whole input.
        let start: String = request.chars().take(40).collect();
        return Err(ResolveError::BadRequest {
            request: format!("{start}…"),
            reason: format!(
                "it is {} characters long; no Debian package name is longer than \
                 {MAX_REQUEST_LEN}",
                request.len()
            ),
        });
    }
    relation::parse_one(request).map_err(|e| bad(e.reason))?;
    Ok(())
}

const LIBC_DEV_PACKAGES: [&str; 4] = ["libc6-dev", "libc6.1-dev", "libc0.1-dev", "libc0.3-dev"];

/// The kernel headers every base set contains.
const KERNEL_HEADERS: &str = "linux-libc-dev";

/// The package whose `Depends` name the release's default GCC (gcc-defaults).
const GCC_DEFAULTS: &str = "gcc";

/// Whether `name` can take part in [`Universe::base_packages`]: a package it may pick (libc
/// dev, `libgcc-N-dev`, `libstdc++-N-dev`, kernel headers) or the `gcc` package it reads the
/// default GCC from. A pre-pass over an index keeps these stanzas when the base set is wanted.
pub fn is_base_candidate(name: &str) -> bool {
    name == GCC_DEFAULTS
        || name == KERNEL_HEADERS
        || LIBC_DEV_PACKAGES.contains(&name)
        || is_gcc_dev_package(name)
}

/// `libgcc-12-dev`, `libstdc++-14-dev`, …
fn is_gcc_dev_package(name: &str) -> bool {
    ["libgcc-", "libstdc++-"].iter().any(|prefix| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix("-dev"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// `gcc-12`, `gcc-14`, …
fn is_gcc_source(source: &str) -> bool {
    source
        .strip_prefix("gcc-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn is_debconf_name(name: &str) -> bool {
    name == "debconf"
        || name == "cdebconf"
        || name.starts_with("debconf-")
        || name.ends_with("-debconf")
}

fn is_library_section(section: Option<&str>) -> bool {
    // Sections may carry an area prefix such as `contrib/libs`.
    let s = section.map(|s| s.rsplit('/').next().unwrap_or(s));
    matches!(s, Some("libs" | "libdevel" | "oldlibs"))
}

struct Selected {
    index: usize,
    chain: Vec<String>,
}

#[derive(Default)]
struct State<'u> {
    selected: HashMap<&'u str, Selected>,
    selected_set: HashSet<usize>,
    queue: VecDeque<usize>,
}

impl<'u> State<'u> {
    /// Select package `i` (one version per name) and queue its dependencies.
    fn select(
        &mut self,
        universe: &'u Universe,
        i: usize,
        chain: Vec<String>,
    ) -> Result<(), ResolveError> {
        let p = &universe.packages[i];
        if let Some(existing) = self.selected.get(p.name.as_str()) {
            if existing.index == i {
                return Ok(());
            }
            return Err(ResolveError::Conflict {
                name: p.name.clone(),
                selected: universe.packages[existing.index].version.to_string(),
                selected_chain: existing.chain.clone(),
                chain,
            });
        }
        self.selected
            .insert(p.name.as_str(), Selected { index: i, chain });
        self.selected_set.insert(i);
        self.queue.push_back(i);
        Ok(())
    }
}

impl Universe {
    /// Index `packages` (several `Packages` files may be concatenated; duplicates of a
    /// name/version/arch keep the first entry).
    pub fn new(packages: Vec<PackageEntry>) -> Self {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut providers: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in packages.iter().enumerate() {
            // The same package can be listed by several suites (e.g. a release and its
            // -updates): keep the first entry of each (name, version, arch).
            let versions = by_name.entry(p.name.clone()).or_default();
            if versions.iter().any(|&j| {
                packages[j].version == p.version && packages[j].architecture == p.architecture
            }) {
                continue;
            }
            versions.push(i);
            for prov in &p.provides {
                let list = providers.entry(prov.name.clone()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        for list in by_name.values_mut() {
            list.sort_by(|&a, &b| packages[b].version.cmp(&packages[a].version));
        }
        for list in providers.values_mut() {
            list.sort_by(|&a, &b| {
                let (pa, pb) = (&packages[a], &packages[b]);
                priority_rank(pa)
                    .cmp(&priority_rank(pb))
                    .then_with(|| pa.name.cmp(&pb.name))
                    .then_with(|| pb.version.cmp(&pa.version))
            });
        }
        Universe {
            packages,
            by_name,
            providers,
        }
    }

    /// Every package, in index order.
    pub fn packages(&self) -> &[PackageEntry] {
        &self.packages
    }

    /// Every version of the real package `name`, highest first.
    pub fn versions(&self, name: &str) -> impl Iterator<Item = &PackageEntry> {
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &self.packages[i])
    }

    /// True when `name` is a real package or provided by one.
    pub fn knows(&self, name: &str) -> bool {
        self.by_name.contains_key(name) || self.providers.contains_key(name)
    }

    fn arch_ok(p: &PackageEntry, qualifier: Option<&ArchQualifier>, arch: &str) -> bool {
        if p.architecture == "all" || p.architecture == arch {
            return match qualifier {
                Some(ArchQualifier::Arch(a)) => p.architecture == "all" || a == arch,
                _ => true,
            };
        }
        match qualifier {
            None | Some(ArchQualifier::Native) => p.multi_arch == MultiArch::Foreign,
            Some(ArchQualifier::Any) => {
                matches!(p.multi_arch, MultiArch::Foreign | MultiArch::Allowed)
            }
            Some(ArchQualifier::Arch(a)) => &p.architecture == a,
        }
    }

    /// Candidates for one alternative, best first: real packages (highest version), then
    /// providers.
    fn candidates(&self, rel: &Relation, arch: &str) -> Vec<usize> {
        let qualifier = rel.arch_qualifier.as_ref();
        let mut out: Vec<usize> = self
            .by_name
            .get(&rel.name)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| {
                let p = &self.packages[i];
                Self::arch_ok(p, qualifier, arch) && rel.version_matches(&p.version)
            })
            .collect();
        if let Some(list) = self.providers.get(&rel.name) {
            for &i in list {
                let p = &self.packages[i];
                if !Self::arch_ok(p, qualifier, arch) || out.contains(&i) {
                    continue;
                }
                let provides_ok =
                    p.provides
                        .iter()
                        .filter(|pr| pr.name == rel.name)
                        .any(|pr| match (&rel.constraint, &pr.constraint) {
                            (None, _) => true,
                            (Some(want), Some(have)) => want.matches(&have.version),
                            (Some(_), None) => false,
                        });
                if provides_ok {
                    out.push(i);
                }
            }
        }
        out
    }

    fn available(&self, group: &[Relation]) -> Vec<String> {
        let mut out = Vec::new();
        for rel in group {
            for p in self.versions(&rel.name) {
                out.push(format!("{} {} ({})", p.name, p.version, p.architecture));
            }
            for &i in self.providers.get(&rel.name).into_iter().flatten() {
                let p = &self.packages[i];
                for pr in p.provides.iter().filter(|pr| pr.name == rel.name) {
                    let provided = pr
                        .constraint
                        .as_ref()
                        .map(|c| format!(" = {}", c.version))
                        .unwrap_or_default();
                    out.push(format!(
                        "{} {} ({}, provides {}{provided})",
                        p.name, p.version, p.architecture, rel.name
                    ));
                }
            }
        }
        out.dedup();
        out
    }

    fn skip_rule(
        &self,
        rel: &Relation,
        candidate: Option<usize>,
        parent: &PackageEntry,
        options: &ResolveOptions,
    ) -> Option<SkipRule> {
        if options.skip.debconf && is_debconf_name(&rel.name) {
            return Some(SkipRule::Debconf);
        }
        let p = &self.packages[candidate?];
        if options.skip.debconf && is_debconf_name(&p.name) {
            return Some(SkipRule::Debconf);
        }
        if options.skip.base_system
            && (p.essential
                || (p.priority.as_deref() == Some("required")
                    && !is_library_section(p.section.as_deref())))
        {
            return Some(SkipRule::BaseSystem);
        }
        if options.skip.gcc_runtimes
            && is_gcc_dev_package(&parent.name)
            && is_gcc_source(&p.source)
            && p.name.starts_with("lib")
            && !p.name.starts_with("libgcc-s")
            && !(options.cxx && p.name.starts_with("libstdc++"))
            && !is_gcc_dev_package(&p.name)
        {
            return Some(SkipRule::GccRuntime);
        }
        None
    }

    /// Resolve `requested` (package names or relations such as `libfoo (>= 2)`).
    pub fn resolve<S: AsRef<str>>(
        &self,
        requested: &[S],
        options: &ResolveOptions,
    ) -> Result<Resolution, ResolveError> {
        let arch = options.arch.as_str();
        let mut state = State::default();
        let mut skipped: HashMap<String, Skipped> = HashMap::new();

        for request in requested {
            let request = request.as_ref();
            check_request(request)?;
            let rel = relation::parse_one(request).map_err(|e| ResolveError::BadRequest {
                request: request.to_owned(),
                reason: e.reason,
            })?;
            if !self.knows(&rel.name) {
                return Err(ResolveError::UnknownPackage {
                    suggestions: self.suggestions(&rel.name),
                    name: rel.name,
                });
            }
            let cands = self.candidates(&rel, arch);
            let Some(&best) = cands
                .iter()
                .find(|&&c| state.selected_set.contains(&c))
                .or(cands.first())
            else {
                return Err(ResolveError::Unsatisfiable {
                    available: self.available(std::slice::from_ref(&rel)),
                    chain: vec![rel.to_string()],
                });
            };
            state.select(self, best, vec![rel.to_string()])?;
        }

        while let Some(i) = state.queue.pop_front() {
            let parent = &self.packages[i];
            let parent_chain = state
                .selected
                .get(parent.name.as_str())
                .map(|s| s.chain.clone())
                .unwrap_or_default();
            for group in parent.pre_depends.iter().chain(&parent.depends) {
                let alts: Vec<&Relation> = group.iter().filter(|r| r.applies_to(arch)).collect();
                if alts.is_empty() {
                    continue;
                }
                let cands: Vec<Vec<usize>> =
                    alts.iter().map(|r| self.candidates(r, arch)).collect();
                if cands
                    .iter()
                    .flatten()
                    .any(|c| state.selected_set.contains(c))
                {
                    continue;
                }
                let mut done = false;
                for (rel, cs) in alts.iter().zip(&cands) {
                    let mut chain = parent_chain.clone();
                    chain.push(rel.to_string());
                    if let Some(rule) = self.skip_rule(rel, cs.first().copied(), parent, options) {
                        let name = cs
                            .first()
                            .map(|&c| self.packages[c].name.clone())
                            .unwrap_or_else(|| rel.name.clone());
                        skipped
                            .entry(name.clone())
                            .or_insert(Skipped { name, rule, chain });
                        done = true;
                        break;
                    }
                    if let Some(&best) = cs.first() {
                        state.select(self, best, chain)?;
                        done = true;
                        break;
                    }
                }
                if !done {
                    let mut chain = parent_chain.clone();
                    chain.push(
                        alts.iter()
                            .map(|r| r.to_string())
                            .collect::<Vec<_>>()
                            .join(" | "),
                    );
                    let group: Vec<Relation> = alts.into_iter().cloned().collect();
                    return Err(ResolveError::Unsatisfiable {
                        chain,
                        available: self.available(&group),
                    });
                }
            }
        }

        let mut packages: Vec<ResolvedPackage> = state
            .selected
            .into_values()
            .map(|s| {
                let p = &self.packages[s.index];
                ResolvedPackage {
                    name: p.name.clone(),
                    version: p.version.clone(),
                    arch: p.architecture.clone(),
                    filename: p.filename.clone(),
                    size: p.size,
                    sha256: p.sha256,
                    installed_size: p.installed_size,
                    reason: s.chain,
                }
            })
            .collect();
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        let mut skipped: Vec<Skipped> = skipped
            .into_values()
            .filter(|s| !packages.iter().any(|p| p.name == s.name))
            .collect();
        skipped.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Resolution { packages, skipped })
    }

    /// Up to five known names close to `name`: names starting with it first (shortest first),
    /// then by Jaro-Winkler similarity (which favours a shared prefix).
    pub fn suggestions(&self, name: &str) -> Vec<String> {
        let all = self.by_name.keys().chain(self.providers.keys());
        let mut prefixed: Vec<&String> = all
            .clone()
            .filter(|n| n.starts_with(name) && n.as_str() != name)
            .collect();
        prefixed.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        prefixed.dedup();
        let compare = name.len() <= MAX_SUGGESTED_LEN;
        let mut scored: Vec<(f64, &String)> = all
            .filter(|_| compare)
            .map(|n| (strsim::jaro_winkler(name, n), n))
            .filter(|(s, _)| *s >= 0.88)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let mut out: Vec<String> = Vec::new();
        for n in prefixed
            .into_iter()
            .take(3)
            .chain(scored.into_iter().map(|(_, n)| n))
        {
            if !out.contains(n) {
                out.push(n.clone());
            }
            if out.len() == 5 {
                break;
            }
        }
        out
    }

    /// The base set every sysroot contains: the libc dev package (`libc6-dev`),
    /// `libgcc-N-dev`, `linux-libc-dev`, and `libstdc++-N-dev` when `cxx`.
    ///
    /// N is the release's default GCC: the `gcc-N` alternative in the `Depends` of the `gcc`
    /// package (gcc-defaults: `gcc -> gcc-12` on bookworm, `gcc-14` on trixie). When the index
    /// has no usable `gcc` package, N is the highest `libgcc-N-dev` with a candidate for `arch`.
    pub fn base_packages(&self, arch: &str, cxx: bool) -> Result<BasePackages, ResolveError> {
        let no_base = |reason: String| ResolveError::NoBase {
            arch: arch.to_owned(),
            reason,
        };
        let installable = |name: &str| self.versions(name).any(|p| Self::arch_ok(p, None, arch));
        let from_gcc = self
            .versions(GCC_DEFAULTS)
            .find(|p| Self::arch_ok(p, None, arch))
            .and_then(|gcc| {
                gcc.depends.iter().flatten().find_map(|r| {
                    r.name
                        .strip_prefix("gcc-")
                        .and_then(|n| n.parse::<u32>().ok())
                })
            })
            .filter(|n| installable(&format!("libgcc-{n}-dev")));
        let gcc_major = match from_gcc {
            Some(n) => n,
            None => self
                .by_name
                .keys()
                .filter_map(|name| {
                    name.strip_prefix("libgcc-")?
                        .strip_suffix("-dev")?
                        .parse::<u32>()
                        .ok()
                })
                .filter(|n| installable(&format!("libgcc-{n}-dev")))
                .max()
                .ok_or_else(|| no_base("no `libgcc-N-dev` package".into()))?,
        };
        let libc = LIBC_DEV_PACKAGES
            .into_iter()
            .find(|n| installable(n))
            .ok_or_else(|| no_base("no libc development package (`libc6-dev`)".into()))?;
        let mut packages = vec![
            libc.to_owned(),
            format!("libgcc-{gcc_major}-dev"),
            KERNEL_HEADERS.to_owned(),
        ];
        if cxx {
            packages.push(format!("libstdc++-{gcc_major}-dev"));
        }
        Ok(BasePackages {
            gcc_major,
            packages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::parse_packages;
    use crossroot_hint::Hint as _;

    /// A small, bookworm-shaped universe. Every stanza gets a fake Filename/Size/SHA256.
    fn universe(stanzas: &str) -> Universe {
        let mut text = String::new();
        let stanzas = stanzas.split("\n\n").filter(|s| !s.trim().is_empty());
        for (i, stanza) in stanzas.enumerate() {
            text.push_str(stanza.trim());
            text.push_str(&format!(
                "\nFilename: pool/f{i}.deb\nSize: {}\nSHA256: {:064x}\n\n",
                1000 + i,
                i
            ));
        }
        Universe::new(parse_packages(&text).expect("fixture parses"))
    }

    const BOOKWORMISH: &str = "
Package: libc6
Source: glibc
Version: 2.36-9
Architecture: arm64
Multi-Arch: same
Section: libs
Priority: optional
Depends: libgcc-s1

Package: libc6-dev
Source: glibc
Version: 2.36-9
Architecture: arm64
Section: libdevel
Depends: libc6 (= 2.36-9), libc-dev-bin (= 2.36-9), linux-libc-dev, libcrypt-dev

Package: libc-dev-bin
Source: glibc
Version: 2.36-9
Architecture: arm64
Section: libdevel
Depends: libc6 (>> 2.36), libc6 (<< 2.37)

Package: linux-libc-dev
Source: linux
Version: 6.1.0-1
Architecture: arm64
Section: devel

Package: libcrypt-dev
Source: libxcrypt
Version: 1:4.4.33-2
Architecture: arm64
Section: libdevel
Depends: libcrypt1 (= 1:4.4.33-2)

Package: libcrypt1
Source: libxcrypt
Version: 1:4.4.33-2
Architecture: arm64
Section: libs
Priority: required
Depends: libc6 (>= 2.36)

Package: libgcc-s1
Source: gcc-12 (12.2.0-14)
Version: 12.2.0-14
Architecture: arm64
Section: libs
Priority: optional
Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)

Package: gcc-12-base
Source: gcc-12
Version: 12.2.0-14
Architecture: arm64
Section: libs

Package: libgcc-12-dev
Source: gcc-12
Version: 12.2.0-14
Architecture: arm64
Section: libdevel
Depends: gcc-12-base (= 12.2.0-14), libgcc-s1 (>= 12.2.0-14), libgomp1 (>= 12.2.0-14), libasan8 (>= 12.2.0-14), libubsan1 (>= 12.2.0-14)

Package: libgomp1
Source: gcc-12
Version: 12.2.0-14
Architecture: arm64
Section: libs
Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.34)

Package: libasan8
Source: gcc-12
Version: 12.2.0-14
Architecture: arm64
Section: libs
Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.34), libgcc-s1

Package: libubsan1
Source: gcc-12
Version: 12.2.0-14
Architecture: arm64
Section: libs
Depends: libstdc++6 (>= 4.1.1), libc6 (>= 2.34)

Package: libstdc++6
Source: gcc-12
Version: 12.2.0-14
Architecture: arm64
Section: libs
Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.34), libgcc-s1 (>= 4.2)

Package: libstdc++-12-dev
Source: gcc-12
Version: 12.2.0-14
Architecture: arm64
Section: libdevel
Depends: gcc-12-base (= 12.2.0-14), libgcc-12-dev (= 12.2.0-14), libstdc++6 (>= 12.2.0-14), libc6-dev (>= 2.13-5)

Package: libgomp-user
Version: 1.0
Architecture: arm64
Section: libs
Depends: libgomp1

Package: gcc
Source: gcc-defaults (1.203)
Version: 4:12.2.0-3
Architecture: arm64
Depends: cpp (= 4:12.2.0-3), gcc-12 (>= 12.2.0-1~)

Package: libgcc-11-dev
Source: gcc-11
Version: 11.3.0-12
Architecture: arm64
Section: libdevel

Package: libssl3
Source: openssl
Version: 3.0.11-1
Architecture: arm64
Section: libs
Depends: libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0

Package: libssl-dev
Source: openssl
Version: 3.0.11-1
Architecture: arm64
Section: libdevel
Depends: libssl3 (= 3.0.11-1)

Package: debconf
Version: 1.5.82
Architecture: all
Multi-Arch: foreign
Priority: required
Section: admin
Depends: perl-base (>= 5.20.1-3~)

Package: perl-base
Version: 5.36.0-7
Architecture: arm64
Essential: yes
Priority: required
Section: perl

Package: tool-user
Version: 1
Architecture: arm64
Depends: perl-base, zlib1g

Package: zlib1g
Version: 1:1.2.13
Architecture: arm64
Priority: required
Section: libs
Provides: libz1 (= 1:1.2.13)

Package: libz-dev
Version: 1:1.2.13
Architecture: arm64
Section: libdevel
Provides: libz-dev-virtual
Depends: zlib1g (= 1:1.2.13)

Package: needs-virtual
Version: 1
Architecture: arm64
Depends: libz1 (>= 1:1.2), libz-dev-virtual

Package: needs-too-new
Version: 1
Architecture: arm64
Depends: libc6 (>= 2.40)

Package: needs-versioned-virtual
Version: 1
Architecture: arm64
Depends: libz-dev-virtual (>= 1)

Package: pick-second
Version: 1
Architecture: arm64
Depends: does-not-exist | zlib1g

Package: pick-selected
Version: 1
Architecture: arm64
Depends: libz-dev | zlib1g

Package: old-c
Version: 1
Architecture: arm64
Depends: libc6 (<< 2.30)

Package: python3
Version: 3.11.2-1
Architecture: amd64
Multi-Arch: allowed

Package: wants-python
Version: 1
Architecture: arm64
Depends: python3:any, make

Package: make
Version: 4.3-4
Architecture: amd64
Multi-Arch: foreign

Package: wants-amd64-only
Version: 1
Architecture: arm64
Depends: amd64-lib

Package: amd64-lib
Version: 1
Architecture: amd64
Multi-Arch: same

Package: libfoo
Version: 1.0-1
Architecture: arm64

Package: libfoo
Version: 2.0-1
Architecture: arm64

Package: wants-foo-1
Version: 1
Architecture: arm64
Depends: libfoo (= 1.0-1)

Package: wants-foo-2
Version: 1
Architecture: arm64
Depends: libfoo (>= 2)
";

    fn names(r: &Resolution) -> Vec<&str> {
        r.packages.iter().map(|p| p.name.as_str()).collect()
    }

    fn opts() -> ResolveOptions {
        ResolveOptions::new("arm64")
    }

    #[test]
    fn link_sysroot_closure_skips_gcc_runtimes() {
        let u = universe(BOOKWORMISH);
        let r = u
            .resolve(&["libssl-dev", "libc6-dev", "libgcc-12-dev"], &opts())
            .expect("resolves");
        assert_eq!(
            names(&r),
            [
                "gcc-12-base",
                "libc-dev-bin",
                "libc6",
                "libc6-dev",
                "libcrypt-dev",
                "libcrypt1",
                "libgcc-12-dev",
                "libgcc-s1",
                "libssl-dev",
                "libssl3",
                "linux-libc-dev",
            ]
        );
        let skipped: Vec<(&str, SkipRule)> = r
            .skipped
            .iter()
            .map(|s| (s.name.as_str(), s.rule))
            .collect();
        assert!(skipped.contains(&("libgomp1", SkipRule::GccRuntime)));
        assert!(skipped.contains(&("libasan8", SkipRule::GccRuntime)));
        assert!(skipped.contains(&("libubsan1", SkipRule::GccRuntime)));
        assert!(skipped.contains(&("debconf", SkipRule::Debconf)));
        // Required *library* (libcrypt1) is kept; the why-chain starts at the request.
        let crypt = r.get("libcrypt1").expect("kept");
        assert_eq!(
            crypt.reason,
            ["libc6-dev", "libcrypt-dev", "libcrypt1 (= 1:4.4.33-2)"]
        );
        assert_eq!(
            r.get("libssl-dev").expect("requested").reason,
            ["libssl-dev"]
        );
        assert_eq!(
            r.total_size(),
            r.packages.iter().map(|p| p.size).sum::<u64>()
        );
    }

    #[test]
    fn without_skip_rules_everything_is_followed() {
        let u = universe(BOOKWORMISH);
        let mut o = opts();
        o.skip = SkipRules::none();
        let r = u
            .resolve(&["libssl-dev", "libgcc-12-dev"], &o)
            .expect("resolves");
        for name in [
            "libgomp1",
            "libasan8",
            "libubsan1",
            "libstdc++6",
            "debconf",
            "perl-base",
        ] {
            assert!(r.get(name).is_some(), "{name} missing: {:?}", names(&r));
        }
        assert!(r.skipped.is_empty());
    }

    #[test]
    fn cxx_keeps_libstdcxx_but_not_sanitizers() {
        let u = universe(BOOKWORMISH);
        let mut o = opts();
        o.cxx = true;
        let r = u.resolve(&["libstdc++-12-dev"], &o).expect("resolves");
        assert!(r.get("libstdc++6").is_some());
        assert!(r.get("libasan8").is_none());
        // Without C++, a libstdc++-N-dev request still gets its own runtime skipped.
        let r = u.resolve(&["libstdc++-12-dev"], &opts()).expect("resolves");
        assert!(r.get("libstdc++6").is_none());
    }

    #[test]
    fn gcc_runtime_kept_when_something_else_needs_it() {
        let u = universe(BOOKWORMISH);
        let r = u
            .resolve(&["libgcc-12-dev", "libgomp-user"], &opts())
            .expect("resolves");
        assert_eq!(
            r.get("libgomp1").expect("needed by libgomp-user").reason,
            ["libgomp-user", "libgomp1"]
        );
        assert!(r.get("libasan8").is_none());
    }

    #[test]
    fn base_system_tools_skipped_libraries_kept() {
        let u = universe(BOOKWORMISH);
        let r = u.resolve(&["tool-user"], &opts()).expect("resolves");
        assert!(r.get("perl-base").is_none());
        assert!(r.get("zlib1g").is_some(), "required library must stay");
        // An explicit request is never skipped.
        let r = u.resolve(&["perl-base"], &opts()).expect("resolves");
        assert_eq!(names(&r), ["perl-base"]);
    }

    #[test]
    fn virtual_packages_and_versioned_provides() {
        let u = universe(BOOKWORMISH);
        let r = u.resolve(&["needs-virtual"], &opts()).expect("resolves");
        assert_eq!(names(&r), ["libz-dev", "needs-virtual", "zlib1g"]);
        // Unversioned Provides cannot satisfy a versioned dependency.
        let err = u
            .resolve(&["needs-versioned-virtual"], &opts())
            .expect_err("unversioned provides");
        assert!(matches!(err, ResolveError::Unsatisfiable { .. }), "{err}");
        // Requesting a virtual package picks its provider.
        let r = u.resolve(&["libz1"], &opts()).expect("resolves");
        assert_eq!(names(&r), ["zlib1g"]);
    }

    #[test]
    fn alternatives_first_satisfiable_or_already_selected() {
        let u = universe(BOOKWORMISH);
        let r = u.resolve(&["pick-second"], &opts()).expect("resolves");
        assert_eq!(names(&r), ["pick-second", "zlib1g"]);
        // `libz-dev | zlib1g` with zlib1g already selected: no libz-dev.
        let r = u
            .resolve(&["zlib1g", "pick-selected"], &opts())
            .expect("resolves");
        assert_eq!(names(&r), ["pick-selected", "zlib1g"]);
    }

    #[test]
    fn multi_arch_foreign_and_any() {
        let u = universe(BOOKWORMISH);
        let r = u.resolve(&["wants-python"], &opts()).expect("resolves");
        assert_eq!(names(&r), ["make", "python3", "wants-python"]);
        let err = u
            .resolve(&["wants-amd64-only"], &opts())
            .expect_err("wrong arch");
        let ResolveError::Unsatisfiable { chain, available } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(chain, &["wants-amd64-only", "amd64-lib"]);
        assert_eq!(available, &["amd64-lib 1 (amd64)"]);
    }

    #[test]
    fn unsatisfiable_shows_chain_and_versions() {
        let u = universe(BOOKWORMISH);
        let err = u.resolve(&["needs-too-new"], &opts()).expect_err("too new");
        assert_eq!(
            err.to_string(),
            "cannot satisfy `needs-too-new -> libc6 (>= 2.40)`"
        );
        assert!(
            err.hint()
                .is_some_and(|h| h.contains("libc6 2.36-9 (arm64)")),
            "{:?}",
            err.hint()
        );
    }

    #[test]
    fn conflicting_versions_are_reported() {
        let u = universe(BOOKWORMISH);
        // Only one libc6 exists, so `<< 2.30` has no candidate at all.
        let err = u
            .resolve(&["libc6", "old-c"], &opts())
            .expect_err("no candidate");
        assert!(matches!(err, ResolveError::Unsatisfiable { .. }), "{err}");
        // Two versions exist, each wanted by a different chain.
        let r = u
            .resolve(&["wants-foo-1"], &opts())
            .expect("older version picked");
        assert_eq!(
            r.get("libfoo").map(|p| p.version.to_string()).as_deref(),
            Some("1.0-1")
        );
        let r = u.resolve(&["libfoo"], &opts()).expect("highest by default");
        assert_eq!(
            r.get("libfoo").map(|p| p.version.to_string()).as_deref(),
            Some("2.0-1")
        );
        let err = u
            .resolve(&["wants-foo-2", "wants-foo-1"], &opts())
            .expect_err("conflict");
        let ResolveError::Conflict {
            name,
            selected,
            selected_chain,
            chain,
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!((name.as_str(), selected.as_str()), ("libfoo", "2.0-1"));
        assert_eq!(selected_chain, &["wants-foo-2", "libfoo (>= 2)"]);
        assert_eq!(chain, &["wants-foo-1", "libfoo (= 1.0-1)"]);
    }

    #[test]
    fn empty_malformed_and_absurdly_long_requests_are_refused_before_any_index() {
        for ok in ["libssl-dev", "libc6-dev:arm64", "libfoo (>= 2.0)", "g++-12"] {
            assert_eq!(check_request(ok), Ok(()), "{ok}");
        }
        let reason = |r: &str| match check_request(r) {
            Err(ResolveError::BadRequest { reason, .. }) => reason,
            other => panic!("{r:?}: {other:?}"),
        };
        assert!(reason("").contains("empty"));
        assert!(reason("  ").contains("empty"));
        assert!(reason("libfoo (>= 2").contains("missing `)`"));
        let long = "a".repeat(10_000);
        assert!(
            reason(&long).contains("10000 characters"),
            "{}",
            reason(&long)
        );
        // The resolver refuses the same, before looking for suggestions.
        let u = universe(BOOKWORMISH);
        assert!(matches!(
            u.resolve(&[long.as_str()], &opts()),
            Err(ResolveError::BadRequest { .. })
        ));
        assert!(u.suggestions(&"libss".repeat(100)).is_empty());
    }

    #[test]
    fn unknown_package_suggests_close_names() {
        let u = universe(BOOKWORMISH);
        let err = u.resolve(&["libssl"], &opts()).expect_err("unknown");
        let ResolveError::UnknownPackage { name, suggestions } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(name, "libssl");
        assert_eq!(suggestions.first().map(String::as_str), Some("libssl3"));
        assert!(suggestions.contains(&"libssl-dev".to_owned()));
        assert!(err.hint().is_some_and(|h| h.contains("`libssl-dev`")));
        let err = u.resolve(&["libcc6-dev"], &opts()).expect_err("typo");
        assert!(
            err.hint().is_some_and(|h| h.contains("libc6-dev")),
            "{:?}",
            err.hint()
        );
        let err = u.resolve(&["libssl-dev (>= "], &opts()).expect_err("bad");
        assert!(matches!(err, ResolveError::BadRequest { .. }));
    }

    #[test]
    fn versioned_requests() {
        let u = universe(BOOKWORMISH);
        assert!(u.resolve(&["libssl-dev (>= 3.0)"], &opts()).is_ok());
        let err = u
            .resolve(&["libssl-dev (>= 3.1)"], &opts())
            .expect_err("too new");
        assert!(matches!(err, ResolveError::Unsatisfiable { .. }));
    }

    #[test]
    fn base_packages_follow_default_gcc() {
        let u = universe(BOOKWORMISH);
        let b = u.base_packages("arm64", false).expect("base");
        assert_eq!(b.gcc_major, 12);
        assert_eq!(b.packages, ["libc6-dev", "libgcc-12-dev", "linux-libc-dev"]);
        let b = u.base_packages("arm64", true).expect("base");
        assert_eq!(
            b.packages.last().map(String::as_str),
            Some("libstdc++-12-dev")
        );
        // Without a `gcc` package: the highest libgcc-N-dev present.
        let no_gcc: Vec<_> = u
            .packages()
            .iter()
            .filter(|p| p.name != "gcc")
            .cloned()
            .collect();
        let u2 = Universe::new(no_gcc);
        assert_eq!(
            u2.base_packages("arm64", false).expect("base").gcc_major,
            12
        );
        let err = u
            .base_packages("riscv64", false)
            .expect_err("nothing for riscv64");
        assert!(matches!(err, ResolveError::NoBase { .. }));
    }

    #[test]
    fn every_base_package_is_a_base_candidate() {
        let u = universe(BOOKWORMISH);
        for cxx in [false, true] {
            let b = u.base_packages("arm64", cxx).expect("base");
            for name in &b.packages {
                assert!(is_base_candidate(name), "{name}");
            }
        }
        assert!(is_base_candidate("gcc"));
        for name in [
            "gcc-12",
            "libc6",
            "libgcc-s1",
            "libstdc++6",
            "libgcc-12-dev-x",
        ] {
            assert!(!is_base_candidate(name), "{name}");
        }
    }

    #[test]
    fn same_package_from_two_suites_is_not_a_conflict() {
        let u = universe(&format!("{BOOKWORMISH}\n\n{BOOKWORMISH}"));
        let r = u
            .resolve(&["libssl-dev", "libc6-dev", "libgcc-12-dev"], &opts())
            .expect("duplicates are merged");
        let single = universe(BOOKWORMISH)
            .resolve(&["libssl-dev", "libc6-dev", "libgcc-12-dev"], &opts())
            .expect("resolves");
        assert_eq!(names(&r), names(&single));
    }

    #[test]
    fn output_is_sorted_and_deterministic() {
        let u = universe(BOOKWORMISH);
        let a = u
            .resolve(&["libgcc-12-dev", "libssl-dev"], &opts())
            .expect("ok");
        let b = u
            .resolve(&["libssl-dev", "libgcc-12-dev"], &opts())
            .expect("ok");
        assert_eq!(names(&a), names(&b));
        let mut sorted = names(&a);
        sorted.sort_unstable();
        assert_eq!(names(&a), sorted);
    }
}
