//! Cheap passes over `Packages` text before the real parse, so that parsing and resolving a
//! ~60k-package suite costs what a sysroot of a few dozen packages needs.
//!
//! - [`keep_needed_fields`] drops, while the index is decompressed, every field
//!   [`crate::index::package_from_paragraph`] does not read (descriptions, maintainers, tags,
//!   other hashes): half the text is never kept.
//! - [`reachable_stanzas`] keeps only the stanzas a resolution can look at.
//!
//! Neither pass validates anything: the kept text goes through
//! [`crate::index::parse_packages`] as usual, and parses to the same entries as the whole text.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead};

use crate::relation::bare_name;
use crate::resolve::is_base_candidate;

/// The fields [`crate::index::package_from_paragraph`] reads; [`keep_needed_fields`] keeps
/// only these.
pub const NEEDED_FIELDS: &[&str] = &[
    "Package",
    "Version",
    "Architecture",
    "Multi-Arch",
    "Depends",
    "Pre-Depends",
    "Provides",
    "Filename",
    "Size",
    "SHA256",
    "Essential",
    "Priority",
    "Section",
    "Source",
    "Installed-Size",
];

/// Copy a deb822 stream, keeping only [`NEEDED_FIELDS`] (with their continuation lines) and
/// the blank lines between stanzas. Reads `reader` to its end; its errors are the only ones.
pub fn keep_needed_fields(mut reader: impl BufRead) -> io::Result<String> {
    let mut out = String::new();
    let mut line = String::new();
    let mut keeping = false;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(out);
        }
        let continuation = line.starts_with(' ') || line.starts_with('\t');
        if line.trim().is_empty() && !continuation {
            out.push('\n');
            keeping = false;
            continue;
        }
        if !continuation {
            keeping = line.split_once(':').is_some_and(|(name, _)| {
                NEEDED_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name))
            });
        }
        if keeping {
            out.push_str(&line);
        }
    }
}

/// The stanzas of `text` reachable from `requested` (and from the base set's candidates, see
/// [`is_base_candidate`], when `base`) through every name in `Depends`/`Pre-Depends` (all
/// alternatives) and every `Provides`, in index order.
///
/// This is a superset of what [`crate::resolve::Universe::resolve`] can look at for the same
/// request, so resolving the kept text gives the same packages; an error may differ (a "did
/// you mean" only sees the kept names), so redo a failed resolution on the whole text.
pub fn reachable_stanzas(text: &str, requested: &[String], base: bool) -> String {
    reachable_stanzas_in(&[text], requested, base)
        .pop()
        .unwrap_or_default()
}

/// [`reachable_stanzas`] over several indexes at once (a release and its `-updates` and
/// `-security` suites): a stanza is kept when it is reachable through the stanzas of any of
/// them. Returns the kept text of each index, in the order given.
pub fn reachable_stanzas_in(texts: &[&str], requested: &[String], base: bool) -> Vec<String> {
    struct Stanza<'a> {
        source: usize,
        body: &'a str,
        deps: Vec<&'a str>,
    }
    let mut stanzas: Vec<Stanza<'_>> = Vec::new();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut seeds: Vec<&str> = requested.iter().map(|r| bare_name(r)).collect();
    for (source, body) in texts
        .iter()
        .enumerate()
        .flat_map(|(i, t)| t.split("\n\n").map(move |b| (i, b)))
    {
        if body.trim().is_empty() {
            continue;
        }
        let i = stanzas.len();
        let mut deps = Vec::new();
        let mut field = "";
        let mut names: Vec<&str> = Vec::new();
        for line in body.lines() {
            let value = if line.starts_with(' ') || line.starts_with('\t') {
                line
            } else {
                let Some((f, v)) = line.split_once(':') else {
                    continue;
                };
                field = f;
                v
            };
            match field {
                "Package" => names.push(value.trim()),
                "Provides" => names.extend(value.split(',').map(bare_name)),
                "Depends" | "Pre-Depends" => {
                    deps.extend(value.split([',', '|']).map(bare_name));
                }
                _ => {}
            }
        }
        for n in names.into_iter().filter(|n| !n.is_empty()) {
            if base && is_base_candidate(n) {
                seeds.push(n);
            }
            by_name.entry(n).or_default().push(i);
        }
        stanzas.push(Stanza { source, body, deps });
    }
    let mut keep = vec![false; stanzas.len()];
    let mut seen: HashSet<&str> = HashSet::new();
    while let Some(name) = seeds.pop() {
        if name.is_empty() || !seen.insert(name) {
            continue;
        }
        for &i in by_name.get(name).map(Vec::as_slice).unwrap_or(&[]) {
            if !keep[i] {
                keep[i] = true;
                seeds.extend(stanzas[i].deps.iter().copied());
            }
        }
    }
    let mut out = vec![String::new(); texts.len()];
    for (s, _) in stanzas.iter().zip(&keep).filter(|(_, k)| **k) {
        out[s.source].push_str(s.body.trim_matches('\n'));
        out[s.source].push_str("\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::parse_packages;

    #[test]
    fn reachability_crosses_indexes() {
        // libssl-dev only in the main index; its dependency's newer version only in the other.
        let main = "Package: libssl-dev\nDepends: libssl3\n\nPackage: libssl3\nVersion: 1\n\nPackage: unrelated\n\n";
        let security = "Package: libssl3\nVersion: 2\n\nPackage: other\n\n";
        let kept = reachable_stanzas_in(&[main, security], &["libssl-dev".into()], false);
        assert_eq!(
            kept,
            [
                "Package: libssl-dev\nDepends: libssl3\n\nPackage: libssl3\nVersion: 1\n\n",
                "Package: libssl3\nVersion: 2\n\n"
            ]
        );
    }

    #[test]
    fn keeps_only_the_fields_the_resolver_reads() {
        let text = "Package: a\nDescription: x\n long text\n .\nDepends: b,\n c\nMD5sum: 00\n\nPackage: b\nVersion: 1\n";
        let kept = keep_needed_fields(text.as_bytes()).unwrap();
        assert_eq!(
            kept,
            "Package: a\nDepends: b,\n c\n\nPackage: b\nVersion: 1\n"
        );
    }

    #[test]
    fn kept_fields_parse_to_the_same_entries() {
        let text = "Package: libfoo1\nSource: foo (1.2-1)\nVersion: 1.2-1+b1\n\
                    Installed-Size: 120\nMaintainer: Someone <x@example.invalid>\n\
                    Architecture: arm64\nMulti-Arch: same\n\
                    Depends: libc6 (>= 2.34),\n libbar2 | libbaz2\nPre-Depends: dpkg\n\
                    Provides: foo-api (= 1)\nDescription: foo\n long\n .\n text\n\
                    Section: libs\nPriority: optional\nEssential: no\n\
                    Filename: pool/main/f/foo/libfoo1_1.2-1+b1_arm64.deb\nSize: 1234\n\
                    MD5sum: 0123456789abcdef0123456789abcdef\n\
                    SHA256: 00000000000000000000000000000000000000000000000000000000000000ab\n\
                    Tag: role::shared-lib\n\n";
        let kept = keep_needed_fields(text.as_bytes()).unwrap();
        assert!(!kept.contains("Maintainer") && !kept.contains("Description"));
        assert_eq!(
            parse_packages(&kept).expect("kept text parses"),
            parse_packages(text).expect("whole text parses")
        );
    }

    #[test]
    fn keeps_what_the_request_can_reach() {
        let text = "Package: a\nDepends: b | c,\n d (>= 1)\n\nPackage: b\n\nPackage: c\n\n\
                    Package: e\nProvides: d\nDepends: f\n\nPackage: f\n\nPackage: unrelated\n\n\
                    Package: gcc\nDepends: gcc-12\n\nPackage: gcc-12\n";
        let kept = reachable_stanzas(text, &["a".to_string()], false);
        let names: Vec<&str> = kept
            .lines()
            .filter_map(|l| l.strip_prefix("Package: "))
            .collect();
        assert_eq!(names, ["a", "b", "c", "e", "f"]);
        let with_base = reachable_stanzas(text, &["a".to_string()], true);
        assert!(with_base.contains("Package: gcc-12"));
        assert!(!with_base.contains("unrelated"));
    }
}
