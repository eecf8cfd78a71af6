//! Saying why a link against the stubs failed: which glibc introduced a symbol, the header
//! redirects that produce such symbols from innocent-looking calls, and the undefined symbols a
//! linker's error output names.

use std::collections::BTreeMap;
use std::fmt;

use crossroot_inspect::SymbolVersion;
use crossroot_target::GlibcVersion;

use crate::elf::SharedLibrary;

/// A call that a newer glibc's headers turn into a reference to a newer symbol, so a program
/// that never names the symbol still needs that glibc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderRedirect {
    /// The symbol the object file references (what the linker reports as undefined).
    pub symbol: &'static str,
    /// The glibc release whose headers started the redirect (and whose libc defines it).
    pub since: GlibcVersion,
    /// What the source calls and when the headers redirect it.
    pub cause: &'static str,
}

const STAT_CAUSE: &str = "headers of glibc 2.33 and later call the `stat` family directly; older \
     ones went through `__xstat` wrappers in libc_nonshared.a";
const FCNTL_CAUSE: &str = "headers of glibc 2.28 and later turn `fcntl` into `fcntl64` when \
     `_FILE_OFFSET_BITS=64` is set";
const ISOC23_CAUSE: &str = "headers of glibc 2.38 and later turn `strtol`, `sscanf` and their \
     kin into `__isoc23_*` under `_GNU_SOURCE` or C2x";
const TIME64_CAUSE: &str = "headers of glibc 2.34 and later redirect time functions to `*_time64` \
     variants when `_TIME_BITS=64` is set (32-bit targets)";

/// Known header redirects. A symbol here, undefined at a floor below `since`, is fixed by
/// compiling against headers older than `since` (the oldest Debian release of the target),
/// not by changing the program.
pub const HEADER_REDIRECTS: &[HeaderRedirect] = &[
    redirect("fcntl64", 2, 28, FCNTL_CAUSE),
    redirect("stat", 2, 33, STAT_CAUSE),
    redirect("fstat", 2, 33, STAT_CAUSE),
    redirect("lstat", 2, 33, STAT_CAUSE),
    redirect("fstatat", 2, 33, STAT_CAUSE),
    redirect("stat64", 2, 33, STAT_CAUSE),
    redirect("fstat64", 2, 33, STAT_CAUSE),
    redirect("lstat64", 2, 33, STAT_CAUSE),
    redirect("fstatat64", 2, 33, STAT_CAUSE),
    redirect("mknod", 2, 33, STAT_CAUSE),
    redirect("mknodat", 2, 33, STAT_CAUSE),
    redirect("__isoc23_strtol", 2, 38, ISOC23_CAUSE),
    redirect("__isoc23_strtoul", 2, 38, ISOC23_CAUSE),
    redirect("__isoc23_strtoll", 2, 38, ISOC23_CAUSE),
    redirect("__isoc23_strtoull", 2, 38, ISOC23_CAUSE),
    redirect("__isoc23_strtoimax", 2, 38, ISOC23_CAUSE),
    redirect("__isoc23_strtoumax", 2, 38, ISOC23_CAUSE),
    redirect("__isoc23_sscanf", 2, 38, ISOC23_CAUSE),
    redirect("__isoc23_scanf", 2, 38, ISOC23_CAUSE),
    redirect("__isoc23_fscanf", 2, 38, ISOC23_CAUSE),
    redirect("__isoc23_vsscanf", 2, 38, ISOC23_CAUSE),
    redirect("__isoc23_vscanf", 2, 38, ISOC23_CAUSE),
    redirect("__isoc23_vfscanf", 2, 38, ISOC23_CAUSE),
];

const fn redirect(
    symbol: &'static str,
    major: u32,
    minor: u32,
    cause: &'static str,
) -> HeaderRedirect {
    HeaderRedirect {
        symbol,
        since: GlibcVersion::new(major, minor),
        cause,
    }
}

/// The header redirect that produces `symbol`, if any (`__fstat64_time64` and other
/// `*_time64` names included).
pub fn header_redirect(symbol: &str) -> Option<HeaderRedirect> {
    if let Some(r) = HEADER_REDIRECTS.iter().find(|r| r.symbol == symbol) {
        return Some(*r);
    }
    symbol
        .ends_with("_time64")
        .then(|| redirect("*_time64", 2, 34, TIME64_CAUSE))
}

/// What stubs cannot fix when the sysroot's glibc (headers, crt files, `libc_nonshared.a`) is
/// newer than the floor: build against an older release instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SysrootTrap {
    /// glibc ≥ 2.33 dropped the `stat`/`fstat64`… wrappers from libc_nonshared.a: a floor below
    /// 2.33 leaves them undefined (Rust's std references `stat64` and `fstat64`).
    StatWrappers,
    /// glibc ≥ 2.34's crt1.o passes no init function to `__libc_start_main`: an older glibc
    /// then skips the program's ELF constructors (Rust's std reads its arguments in one).
    StartMain,
}

impl fmt::Display for SysrootTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SysrootTrap::StatWrappers => {
                "the sysroot's glibc (2.33 or later) has no `stat` wrappers in libc_nonshared.a, \
                 which an older glibc needs"
            }
            SysrootTrap::StartMain => {
                "the sysroot's crt1.o (glibc 2.34 or later) starts programs in a way an older \
                 glibc does not run their constructors for"
            }
        })
    }
}

/// The traps of building against a sysroot with glibc `sysroot` for `floor`; empty when the
/// sysroot is old enough.
pub fn sysroot_traps(sysroot: GlibcVersion, floor: GlibcVersion) -> Vec<SysrootTrap> {
    let mut out = Vec::new();
    let stat = GlibcVersion::new(2, 33);
    if sysroot >= stat && floor < stat {
        out.push(SysrootTrap::StatWrappers);
    }
    let start = GlibcVersion::new(2, 34);
    if sysroot >= start && floor < start {
        out.push(SysrootTrap::StartMain);
    }
    out
}

/// The glibc release of a real libc.so.6: its newest `GLIBC_x.y` version definition.
pub fn glibc_release(libc: &SharedLibrary) -> Option<GlibcVersion> {
    libc.versions
        .iter()
        .filter_map(|v| SymbolVersion::parse(&v.name)?.glibc())
        .max()
}

/// Where each public symbol of a glibc first appeared: the lowest `GLIBC_` version defining it
/// in any of the real libraries, and which library that is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    first: BTreeMap<String, Introduced>,
}

/// The first version of a symbol: `getrandom` in `GLIBC_2.25` of `libc.so.6`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introduced {
    /// `GLIBC_2.25`.
    pub version: String,
    pub glibc: GlibcVersion,
    pub library: String,
}

impl Catalog {
    /// Index the real libraries of a sysroot (libc.so.6, libm.so.6, the loader, …).
    pub fn new<'a>(libraries: impl IntoIterator<Item = &'a SharedLibrary>) -> Catalog {
        let mut first: BTreeMap<String, (SymbolVersion, Introduced)> = BTreeMap::new();
        for lib in libraries {
            let library = lib.soname.clone().unwrap_or_default();
            for s in &lib.symbols {
                let Some(v) = SymbolVersion::parse(&s.version) else {
                    continue;
                };
                let Some(glibc) = v.glibc() else {
                    continue;
                };
                let candidate = Introduced {
                    version: s.version.clone(),
                    glibc,
                    library: library.clone(),
                };
                match first.get(&s.name) {
                    Some((old, _)) if *old <= v => {}
                    _ => {
                        first.insert(s.name.clone(), (v, candidate));
                    }
                }
            }
        }
        Catalog {
            first: first.into_iter().map(|(k, (_, i))| (k, i)).collect(),
        }
    }

    /// The first version of `symbol`, if the libraries define it.
    pub fn introduced(&self, symbol: &str) -> Option<&Introduced> {
        self.first.get(symbol)
    }

    /// Why `symbol` is undefined under `floor`: it is newer than the floor. `None` when the
    /// symbol is unknown to glibc or old enough (then the cause lies elsewhere).
    pub fn explain(&self, symbol: &str, floor: GlibcVersion) -> Option<TooNew> {
        let introduced = self.introduced(symbol)?;
        (introduced.glibc > floor).then(|| TooNew {
            symbol: symbol.to_string(),
            introduced: introduced.clone(),
            floor,
            redirect: header_redirect(symbol),
        })
    }
}

/// A symbol the program needs that glibc `floor` does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooNew {
    pub symbol: String,
    pub introduced: Introduced,
    pub floor: GlibcVersion,
    /// Set when the reference comes from a header redirect rather than the program itself.
    pub redirect: Option<HeaderRedirect>,
}

impl fmt::Display for TooNew {
    /// `` `getrandom` needs glibc 2.25 (`getrandom@GLIBC_2.25` in `libc.so.6`), newer than the floor 2.17 ``
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` needs glibc {} (`{}@{}` in `{}`), newer than the floor {}",
            self.symbol,
            self.introduced.glibc,
            self.symbol,
            self.introduced.version,
            self.introduced.library,
            self.floor
        )?;
        if let Some(r) = &self.redirect {
            write!(f, "; {}", r.cause)?;
        }
        Ok(())
    }
}

/// The undefined symbols a linker's error output names, in order, without repeats: GNU ld's
/// ``undefined reference to `getrandom'`` and lld's `undefined symbol: getrandom`
/// (versioned `getrandom@GLIBC_2.25` references are reported without the version).
pub fn undefined_symbols(linker_output: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in linker_output.lines() {
        let found = if let Some((_, rest)) = line.split_once("undefined reference to `") {
            rest.split_once('\'').map(|(s, _)| s)
        } else if let Some((_, rest)) = line.split_once("undefined symbol: ") {
            Some(rest.trim())
        } else {
            None
        };
        let Some(symbol) = found else { continue };
        let symbol = symbol.split('@').next().unwrap_or(symbol).trim();
        if !symbol.is_empty() && !out.iter().any(|s| s == symbol) {
            out.push(symbol.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::{DynamicSymbol, SymbolKind, VersionDef};

    fn lib(soname: &str, symbols: &[(&str, &str)]) -> SharedLibrary {
        SharedLibrary {
            soname: Some(soname.into()),
            bits: 64,
            machine: 62,
            big_endian: false,
            versions: Vec::<VersionDef>::new(),
            symbols: symbols
                .iter()
                .map(|(n, v)| DynamicSymbol {
                    name: (*n).into(),
                    version: (*v).into(),
                    default: true,
                    kind: SymbolKind::Function,
                    size: 0,
                    weak: false,
                })
                .collect(),
        }
    }

    fn floor(s: &str) -> GlibcVersion {
        s.parse().unwrap()
    }

    #[test]
    fn names_the_symbol_the_glibc_that_introduced_it_and_the_floor() {
        let libc = lib(
            "libc.so.6",
            &[
                ("getrandom", "GLIBC_2.25"),
                ("memcpy", "GLIBC_2.14"),
                ("memcpy", "GLIBC_2.2.5"),
                ("stat", "GLIBC_2.33"),
                ("__libc_secret", "GLIBC_PRIVATE"),
            ],
        );
        let libm = lib(
            "libm.so.6",
            &[("exp2f", "GLIBC_2.27"), ("exp2f", "GLIBC_2.2.5")],
        );
        let catalog = Catalog::new([&libc, &libm]);
        assert_eq!(catalog.introduced("memcpy").unwrap().version, "GLIBC_2.2.5");
        assert_eq!(catalog.introduced("exp2f").unwrap().library, "libm.so.6");
        assert_eq!(catalog.introduced("__libc_secret"), None);
        assert_eq!(
            catalog
                .explain("getrandom", floor("2.17"))
                .unwrap()
                .to_string(),
            "`getrandom` needs glibc 2.25 (`getrandom@GLIBC_2.25` in `libc.so.6`), newer than the floor 2.17"
        );
        assert_eq!(catalog.explain("getrandom", floor("2.25")), None);
        assert_eq!(catalog.explain("memcpy", floor("2.17")), None);
        let stat = catalog.explain("stat", floor("2.17")).unwrap();
        assert!(
            stat.to_string().ends_with("call the `stat` family directly; older ones went through `__xstat` wrappers in libc_nonshared.a"),
            "{stat}"
        );
    }

    #[test]
    fn a_sysroot_newer_than_2_33_or_2_34_has_traps_below_them() {
        use SysrootTrap::*;
        assert_eq!(sysroot_traps(floor("2.31"), floor("2.17")), []);
        assert_eq!(sysroot_traps(floor("2.33"), floor("2.17")), [StatWrappers]);
        assert_eq!(
            sysroot_traps(floor("2.36"), floor("2.17")),
            [StatWrappers, StartMain]
        );
        assert_eq!(sysroot_traps(floor("2.36"), floor("2.33")), [StartMain]);
        assert_eq!(sysroot_traps(floor("2.36"), floor("2.34")), []);
    }

    #[test]
    fn knows_the_header_redirects() {
        assert_eq!(header_redirect("fcntl64").unwrap().since, floor("2.28"));
        assert_eq!(header_redirect("fstat").unwrap().since, floor("2.33"));
        assert_eq!(
            header_redirect("__isoc23_strtol").unwrap().since,
            floor("2.38")
        );
        assert_eq!(
            header_redirect("__fstat64_time64").unwrap().since,
            floor("2.34")
        );
        assert_eq!(header_redirect("getrandom"), None);
    }

    #[test]
    fn reads_undefined_symbols_from_gnu_ld_and_lld_output() {
        let ld = "/usr/bin/ld: /tmp/cc.o: in function `main':\n\
                  main.c:(.text+0x1d): undefined reference to `getrandom'\n\
                  main.c:(.text+0x2d): undefined reference to `getrandom'\n\
                  /usr/bin/ld: x.o: undefined reference to `fcntl64@GLIBC_2.28'\n\
                  collect2: error: ld returned 1 exit status\n";
        assert_eq!(undefined_symbols(ld), ["getrandom", "fcntl64"]);
        let lld = "ld.lld: error: undefined symbol: getrandom\n>>> referenced by main.c\n";
        assert_eq!(undefined_symbols(lld), ["getrandom"]);
        assert!(undefined_symbols("ld.lld: error: unable to find library -lfoo").is_empty());
    }
}
