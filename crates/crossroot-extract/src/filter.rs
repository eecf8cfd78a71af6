//! Which members of a package a tree keeps: a pure predicate over archive member paths, applied
//! while unpacking, so a tree never holds what it does not need (no unpack-then-delete).
//!
//! Rules are strings, one per line of intent, read in order; the **last** rule that matches a
//! path decides, and a path no rule matches is kept:
//!
//! - `+pattern` keeps, `-pattern` drops;
//! - a pattern is a `/`-separated path relative to the tree's root (`usr/share/doc`);
//! - `*` matches any run of characters inside one component (`libclang*`), `**` as a whole
//!   component matches any number of components, none included (`**/*.a`);
//! - a pattern that matches a directory matches everything below it (`-usr/share/doc`).
//!
//! Directories a kept file needs are created when the file is written, so `-**` followed by
//! `+usr/bin/qemu-aarch64-static` gives a tree with exactly that file (and its parents).

use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

/// A rule that is neither `+pattern` nor `-pattern`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid tree filter rule `{rule}`: {reason}")]
pub struct FilterError {
    pub rule: String,
    pub reason: &'static str,
}

impl crossroot_hint::Hint for FilterError {
    fn hint(&self) -> Option<String> {
        None // the rules are crossroot's own: a bug, nothing the user can change
    }
}

/// The members a tree keeps; [`PathFilter::all`] (the default) keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathFilter {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    keep: bool,
    /// Pattern components; `**` is kept as its own component.
    pattern: Vec<Vec<u8>>,
    /// The rule as written (normalized), for the fingerprint.
    text: String,
}

impl PathFilter {
    /// Keeps every member (what sysroots use).
    pub fn all() -> Self {
        PathFilter::default()
    }

    /// Reads `+pattern` / `-pattern` rules (see the module docs).
    pub fn parse<S: AsRef<str>>(rules: &[S]) -> Result<Self, FilterError> {
        let mut out = Vec::with_capacity(rules.len());
        for rule in rules {
            let rule = rule.as_ref();
            let err = |reason| FilterError {
                rule: rule.to_string(),
                reason,
            };
            let (keep, pattern) = match rule.split_at_checked(1) {
                Some(("+", p)) => (true, p),
                Some(("-", p)) => (false, p),
                _ => return Err(err("it must start with `+` (keep) or `-` (drop)")),
            };
            let parts: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
            if parts.is_empty() {
                return Err(err("the pattern is empty"));
            }
            if parts.iter().any(|c| *c == "." || *c == "..") {
                return Err(err("`.` and `..` are not allowed in a pattern"));
            }
            out.push(Rule {
                keep,
                pattern: parts.iter().map(|c| c.as_bytes().to_vec()).collect(),
                text: format!("{}{}", if keep { '+' } else { '-' }, parts.join("/")),
            });
        }
        Ok(PathFilter { rules: out })
    }

    /// Whether the member at `path` (relative to the tree's root, as the archive names it after
    /// sanitizing: no `.`/`..`, no leading `/`) is unpacked.
    pub fn keeps(&self, path: &Path) -> bool {
        if self.rules.is_empty() {
            return true;
        }
        let parts: Vec<&[u8]> = path
            .components()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n.as_bytes()),
                _ => None,
            })
            .collect();
        self.rules
            .iter()
            .rev()
            .find(|r| matches_path(&r.pattern, &parts))
            .is_none_or(|r| r.keep)
    }

    /// Whether this filter keeps everything.
    pub fn is_all(&self) -> bool {
        self.rules.is_empty()
    }

    /// A short, stable name for the rules (`None` for [`PathFilter::all`]): part of a filtered
    /// tree's cache key, so a tree unpacked with other rules is never taken for this one.
    pub fn fingerprint(&self) -> Option<String> {
        if self.rules.is_empty() {
            return None;
        }
        let mut text = String::from("crossroot-path-filter-v1\n");
        for r in &self.rules {
            text.push_str(&r.text);
            text.push('\n');
        }
        Some(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()))[..12].to_string())
    }
}

/// Whether `pattern` matches `path` or one of its ancestors.
fn matches_path(pattern: &[Vec<u8>], path: &[&[u8]]) -> bool {
    match pattern.split_first() {
        // The pattern matched an ancestor (or the path itself): everything below it matches.
        None => true,
        Some((first, rest)) if first.as_slice() == b"**" => {
            (0..=path.len()).any(|skip| matches_path(rest, &path[skip..]))
        }
        Some((first, rest)) => match path.split_first() {
            None => false,
            Some((name, below)) => matches_component(first, name) && matches_path(rest, below),
        },
    }
}

/// `*` matches any run of bytes inside one component.
fn matches_component(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|skip| matches_component(rest, &name[skip..])),
        Some((c, rest)) => name
            .split_first()
            .is_some_and(|(n, below)| n == c && matches_component(rest, below)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(rules: &[&str]) -> PathFilter {
        PathFilter::parse(rules).expect("valid rules")
    }

    fn kept<'a>(f: &PathFilter, paths: &[&'a str]) -> Vec<&'a str> {
        paths
            .iter()
            .copied()
            .filter(|p| f.keeps(Path::new(p)))
            .collect()
    }

    #[test]
    fn no_rules_keep_everything() {
        let f = PathFilter::all();
        assert!(f.is_all());
        assert_eq!(f.fingerprint(), None);
        assert!(f.keeps(Path::new("usr/share/doc/x/copyright")));
    }

    #[test]
    fn a_directory_pattern_covers_everything_below_it() {
        let f = filter(&["-usr/share/doc"]);
        assert_eq!(
            kept(
                &f,
                &[
                    "usr/share/doc",
                    "usr/share/doc/clang-14/copyright",
                    "usr/share/docs",
                    "usr/share/man/man1/clang.1.gz",
                    "usr",
                ]
            ),
            ["usr/share/docs", "usr/share/man/man1/clang.1.gz", "usr"]
        );
    }

    #[test]
    fn the_last_matching_rule_wins() {
        let f = filter(&[
            "-**",
            "+usr/bin/qemu-aarch64-static",
            "+usr/bin/qemu-aarch64",
        ]);
        assert_eq!(
            kept(
                &f,
                &[
                    "usr/bin/qemu-aarch64-static",
                    "usr/bin/qemu-aarch64",
                    "usr/bin/qemu-aarch64_be-static",
                    "usr/bin/qemu-arm-static",
                    "usr/share/man/man1/qemu-aarch64-static.1.gz",
                    "usr/libexec/qemu-binfmt/aarch64-binfmt-P",
                    "usr/bin",
                    "usr",
                ]
            ),
            ["usr/bin/qemu-aarch64-static", "usr/bin/qemu-aarch64"]
        );
        // A later drop overrides an earlier keep.
        let f = filter(&["+usr/lib", "-**/*.a"]);
        assert!(!f.keeps(Path::new("usr/lib/x86_64-linux-gnu/libc.a")));
        assert!(f.keeps(Path::new("usr/lib/x86_64-linux-gnu/libc.so.6")));
    }

    #[test]
    fn stars_stay_inside_one_component_and_double_stars_span_any_depth() {
        let f = filter(&["-usr/lib/*/lib*.a"]);
        assert!(!f.keeps(Path::new("usr/lib/x86_64-linux-gnu/libm.a")));
        assert!(f.keeps(Path::new("usr/lib/x86_64-linux-gnu/gconv/libm.a")));
        assert!(f.keeps(Path::new("usr/lib/x86_64-linux-gnu/libm.so")));
        let f = filter(&["-**/*.a"]);
        for p in [
            "libc.a",
            "usr/lib/libc.a",
            "usr/lib/llvm-14/lib/clang/14/lib/x.a",
        ] {
            assert!(!f.keeps(Path::new(p)), "{p}");
        }
        assert!(f.keeps(Path::new("usr/lib/libc.a.so")));
        let f = filter(&["-usr/**/include"]);
        assert!(!f.keeps(Path::new("usr/include/stdio.h")));
        assert!(!f.keeps(Path::new("usr/lib/gcc/x86_64-linux-gnu/12/include/x.h")));
        assert!(f.keeps(Path::new("usr/lib/gcc/x86_64-linux-gnu/12/crtbegin.o")));
    }

    #[test]
    fn malformed_rules_are_refused() {
        for bad in ["usr/share", "+", "-/", "+usr/../etc", "*usr"] {
            let err = PathFilter::parse(&[bad]).expect_err(bad);
            assert_eq!(err.rule, bad);
        }
    }

    #[test]
    fn the_fingerprint_follows_the_rules() {
        let a = filter(&["-usr/share"]);
        assert_eq!(a.fingerprint(), filter(&["-/usr/share/"]).fingerprint());
        assert_ne!(a.fingerprint(), filter(&["+usr/share"]).fingerprint());
        assert_ne!(
            a.fingerprint(),
            filter(&["-usr/share", "-usr/include"]).fingerprint()
        );
        assert_eq!(a.fingerprint().map(|f| f.len()), Some(12));
    }
}
