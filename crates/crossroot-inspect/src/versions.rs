//! Symbol version names (`GLIBC_2.34`, `GLIBCXX_3.4.30`) and the requirements they add up to.

use std::cmp::Ordering;

use crossroot_target::GlibcVersion;

use crate::{LibraryVersions, VersionRequirements, VersionedSymbol};

/// A parsed version name: `GLIBC_2.2.5` is family `GLIBC`, numbers `[2, 2, 5]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolVersion {
    pub family: String,
    pub numbers: Vec<u32>,
}

impl SymbolVersion {
    /// `None` for names without a numeric part (`GLIBC_PRIVATE`, `GLIBC_ABI_DT_RELR`).
    pub fn parse(name: &str) -> Option<SymbolVersion> {
        let (family, numbers) = name.rsplit_once('_')?;
        let numbers: Vec<u32> = numbers
            .split('.')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        if family.is_empty() || numbers.is_empty() {
            return None;
        }
        Some(SymbolVersion {
            family: family.to_string(),
            numbers,
        })
    }

    /// The glibc release a `GLIBC_` version belongs to (`GLIBC_2.2.5` → 2.2).
    pub fn glibc(&self) -> Option<GlibcVersion> {
        if self.family != "GLIBC" {
            return None;
        }
        match self.numbers.as_slice() {
            [major, minor, ..] => Some(GlibcVersion::new(*major, *minor)),
            [major] => Some(GlibcVersion::new(*major, 0)),
            [] => None,
        }
    }

    /// The numeric part as written: `2.2.5`.
    pub fn number_string(&self) -> String {
        self.numbers
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl PartialOrd for SymbolVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SymbolVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.family
            .cmp(&other.family)
            .then_with(|| self.numbers.cmp(&other.numbers))
    }
}

/// Add up what a file requires: `needs` from `.gnu.version_r`, `symbols` from `.dynsym`.
pub(crate) fn summarize(
    needs: Vec<LibraryVersions>,
    mut symbols: Vec<VersionedSymbol>,
) -> VersionRequirements {
    let highest = |family: &str| -> Option<SymbolVersion> {
        needs
            .iter()
            .flat_map(|n| n.versions.iter())
            .filter_map(|v| SymbolVersion::parse(v))
            .filter(|v| v.family == family)
            .max()
    };
    let glibc_full = highest("GLIBC");
    let glibc = glibc_full.as_ref().and_then(SymbolVersion::glibc);
    symbols.sort();
    symbols.dedup();
    let glibc_symbols = match &glibc_full {
        Some(top) => symbols
            .iter()
            .filter(|s| SymbolVersion::parse(&s.version).as_ref() == Some(top))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    VersionRequirements {
        glibc,
        glibc_symbols,
        glibcxx: highest("GLIBCXX").map(|v| v.number_string()),
        cxxabi: highest("CXXABI").map(|v| v.number_string()),
        needs,
        symbols,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_version_names() {
        let v = |s| SymbolVersion::parse(s).unwrap();
        assert!(v("GLIBC_2.34") > v("GLIBC_2.2.5"));
        assert!(v("GLIBC_2.3") > v("GLIBC_2.2.5"));
        assert!(v("GLIBCXX_3.4.30") > v("GLIBCXX_3.4.9"));
        assert_eq!(v("GLIBC_2.2.5").glibc(), Some(GlibcVersion::new(2, 2)));
        assert_eq!(v("GLIBCXX_3.4").glibc(), None);
        assert_eq!(SymbolVersion::parse("GLIBC_PRIVATE"), None);
        assert_eq!(SymbolVersion::parse("GLIBC_ABI_DT_RELR"), None);
        assert_eq!(SymbolVersion::parse("2.34"), None);
    }

    #[test]
    fn highest_glibc_ignores_private_and_names_its_symbols() {
        let needs = vec![LibraryVersions {
            library: "libc.so.6".into(),
            versions: vec![
                "GLIBC_2.2.5".into(),
                "GLIBC_PRIVATE".into(),
                "GLIBC_2.34".into(),
            ],
        }];
        let sym = |s: &str, v: &str| VersionedSymbol {
            symbol: s.into(),
            version: v.into(),
            library: "libc.so.6".into(),
        };
        let r = summarize(
            needs,
            vec![
                sym("puts", "GLIBC_2.2.5"),
                sym("__libc_start_main", "GLIBC_2.34"),
            ],
        );
        assert_eq!(r.glibc, Some(GlibcVersion::new(2, 34)));
        assert_eq!(
            r.glibc_symbols,
            vec![sym("__libc_start_main", "GLIBC_2.34")]
        );
        assert_eq!(r.glibcxx, None);
    }
}
