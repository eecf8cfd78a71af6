//! Debian package versions and their ordering (Debian policy §5.6.12, dpkg's `verrevcmp`).
//!
//! `[epoch:]upstream[-revision]`: the epoch is a number (default 0), the revision is everything
//! after the last `-` (default empty). Upstream and revision are compared with the same
//! algorithm: alternate runs of non-digits and digits; non-digit runs compare character by
//! character where `~` sorts before everything (even the end of the string), the end of the
//! string before letters, letters before everything else; digit runs compare numerically.
//!
//! Equality is the ordering's equality: `1.0` == `1.00` and `0:1.0` == `1.0`. [`Version`]'s
//! `Display` prints the version exactly as it was written.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A parsed Debian version.
#[derive(Debug, Clone)]
pub struct Version {
    epoch: u32,
    explicit_epoch: bool,
    upstream: Box<str>,
    revision: Option<Box<str>>,
}

/// Why a version string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The string is empty (or only whitespace).
    #[error("empty version string")]
    Empty,
    /// The part before `:` is not a number that fits the epoch range.
    #[error("invalid epoch in version `{version}`")]
    BadEpoch {
        /// The version as written.
        version: String,
    },
    /// Nothing between the epoch and the revision.
    #[error("empty upstream version in `{version}`")]
    EmptyUpstream {
        /// The version as written.
        version: String,
    },
    /// A `-` with nothing after it.
    #[error("empty Debian revision in `{version}`")]
    EmptyRevision {
        /// The version as written.
        version: String,
    },
    /// A character not allowed in Debian versions.
    #[error("invalid character `{ch}` in version `{version}`")]
    BadChar {
        /// The version as written.
        version: String,
        /// The character refused.
        ch: char,
    },
}

impl Version {
    /// The epoch (0 when absent).
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The upstream part.
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// The Debian revision (empty when absent).
    pub fn revision(&self) -> &str {
        self.revision.as_deref().unwrap_or("")
    }
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(VersionError::Empty);
        }
        let owned = || s.to_owned();
        let (epoch, explicit_epoch, rest) = match s.split_once(':') {
            Some((e, rest)) => {
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(VersionError::BadEpoch { version: owned() });
                }
                let epoch = e
                    .parse::<u32>()
                    .ok()
                    .filter(|&n| n <= i32::MAX as u32)
                    .ok_or_else(|| VersionError::BadEpoch { version: owned() })?;
                (epoch, true, rest)
            }
            None => (0, false, s),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => {
                if r.is_empty() {
                    return Err(VersionError::EmptyRevision { version: owned() });
                }
                (u, Some(r))
            }
            None => (rest, None),
        };
        if upstream.is_empty() {
            return Err(VersionError::EmptyUpstream { version: owned() });
        }
        // dpkg accepts alphanumerics and `.+~` everywhere, `-` inside upstream when there is a
        // revision, and `:` inside upstream when there is an epoch.
        let upstream_ok = |c: char| {
            c.is_ascii_alphanumeric()
                || matches!(c, '.' | '+' | '~')
                || (c == '-' && revision.is_some())
                || (c == ':' && explicit_epoch)
        };
        if let Some(ch) = upstream.chars().find(|&c| !upstream_ok(c)) {
            return Err(VersionError::BadChar {
                version: owned(),
                ch,
            });
        }
        if let Some(ch) = revision.and_then(|r| {
            r.chars()
                .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~')))
        }) {
            return Err(VersionError::BadChar {
                version: owned(),
                ch,
            });
        }
        Ok(Version {
            epoch,
            explicit_epoch,
            upstream: upstream.into(),
            revision: revision.map(Into::into),
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.explicit_epoch {
            write!(f, "{}:", self.epoch)?;
        }
        f.write_str(&self.upstream)?;
        if let Some(r) = &self.revision {
            write!(f, "-{r}")?;
        }
        Ok(())
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| compare_part(&self.upstream, &other.upstream))
            .then_with(|| compare_part(self.revision(), other.revision()))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

/// Weight of one character in a non-digit run (dpkg's `order()`); `None` is the end of the run.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// Compare two upstream (or revision) strings with dpkg's `verrevcmp`.
pub fn compare_part(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // Non-digit run.
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        // Digit run: skip leading zeros, then the longer run is larger, else lexicographic.
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let si = i;
        let sj = j;
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (da, db) = (&a[si..i], &b[sj..j]);
        let by_len = da.len().cmp(&db.len());
        if by_len != Ordering::Equal {
            return by_len;
        }
        let by_digits = da.cmp(db);
        if by_digits != Ordering::Equal {
            return by_digits;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Known orderings, in the style of dpkg's `t/dpkg_version.t` and policy examples.
    /// Each row: a, expected ordering of a relative to b, b.
    const TABLE: &[(&str, Ordering, &str)] = {
        use Ordering::*;
        &[
            ("1.0", Equal, "1.0"),
            ("1.0", Equal, "1.00"),
            ("0:1.0", Equal, "1.0"),
            ("1.0-0", Equal, "1.0"),
            ("1.0", Less, "1.0-1"),
            ("1.0-1", Less, "1.0-2"),
            ("1.0", Less, "1.1"),
            ("1.2", Less, "1.10"),
            ("1.9", Less, "1.10"),
            ("1:0.1", Greater, "9.9"),
            ("2:1.0", Greater, "1:9.9"),
            ("1.0~rc1", Less, "1.0"),
            ("1.0~rc1", Greater, "1.0~beta1"),
            ("1.0~~", Less, "1.0~"),
            ("1.0~~a", Less, "1.0~"),
            ("1.0~", Less, "1.0"),
            ("1.0", Less, "1.0a"),
            ("1.0a", Less, "1.0+"),
            ("1.0+", Less, "1.0.1"),
            ("1.0.", Greater, "1.0"),
            ("1.0a", Less, "1.0b"),
            ("1.0Z", Less, "1.0a"),
            ("1.0-1", Less, "1.0+dfsg-1"),
            ("2.36-9+deb12u3", Greater, "2.36-9"),
            ("2.36-9+deb12u10", Greater, "2.36-9+deb12u9"),
            ("3.0.11-1~deb12u2", Less, "3.0.11-1"),
            ("3.0.11-1~deb12u2", Greater, "3.0.9-1"),
            ("12.2.0-14", Greater, "12.2.0-13"),
            ("1:1.2.13.dfsg-1", Greater, "1.3"),
            ("0.0009", Equal, "0.9"),
            ("1-2-3", Greater, "1-2-2"),
            ("1-2-3", Less, "1-3-1"),
            ("7.88.1-10+deb12u5", Less, "7.88.1-10+deb12u12"),
            ("a", Greater, "1"),
            ("1.0~beta", Less, "1.0~beta1"),
        ]
    };

    #[test]
    fn known_orderings() {
        for &(a, want, b) in TABLE {
            assert_eq!(v(a).cmp(&v(b)), want, "{a} vs {b}");
            assert_eq!(v(b).cmp(&v(a)), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn parts_and_display_roundtrip() {
        let x = v("1:2.36-9+deb12u3");
        assert_eq!(x.epoch(), 1);
        assert_eq!(x.upstream(), "2.36");
        assert_eq!(x.revision(), "9+deb12u3");
        assert_eq!(x.to_string(), "1:2.36-9+deb12u3");
        let y = v("1.2-3-4");
        assert_eq!(y.upstream(), "1.2-3");
        assert_eq!(y.revision(), "4");
        assert_eq!(v("0:1.0").to_string(), "0:1.0");
    }

    #[test]
    fn refuses_bad_versions() {
        for bad in [
            "", "  ", "a:1", ":1", "1.0-", "-1", "1:", "1.0 2", "1_0", "1:1-2_3",
        ] {
            assert!(bad.parse::<Version>().is_err(), "accepted {bad:?}");
        }
        assert!("99999999999:1".parse::<Version>().is_err());
    }

    fn version_strategy() -> impl Strategy<Value = String> {
        (
            prop::option::of(0u32..5),
            "[0-9][0-9a-z.+~]{0,8}",
            prop::option::of("[0-9a-z.+~]{1,6}"),
        )
            .prop_map(|(e, u, r)| {
                let mut s = String::new();
                if let Some(e) = e {
                    s.push_str(&format!("{e}:"));
                }
                s.push_str(&u);
                if let Some(r) = r {
                    s.push('-');
                    s.push_str(&r);
                }
                s
            })
    }

    proptest! {
        #[test]
        fn display_roundtrips(s in version_strategy()) {
            let x: Version = s.parse().expect("strategy yields valid versions");
            prop_assert_eq!(x.to_string(), s);
        }

        #[test]
        fn order_is_total_and_consistent(a in version_strategy(), b in version_strategy(), c in version_strategy()) {
            let (a, b, c): (Version, Version, Version) =
                (a.parse().expect("valid"), b.parse().expect("valid"), c.parse().expect("valid"));
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            prop_assert_eq!(a.cmp(&a), Ordering::Equal);
            if a <= b && b <= c {
                prop_assert!(a <= c);
            }
        }

        #[test]
        fn tilde_sorts_before_and_suffixes_after(s in version_strategy(), t in "[a-z0-9]{0,4}") {
            let base: Version = s.parse().expect("valid");
            // Appending `~x` to the upstream (or revision) part makes it older; `+x` newer.
            let tilde: Version = format!("{s}~{t}").parse().expect("valid");
            let plus: Version = format!("{s}+{t}").parse().expect("valid");
            prop_assert!(tilde < base, "{} !< {}", tilde, base);
            prop_assert!(plus > base, "{} !> {}", plus, base);
        }

        #[test]
        fn higher_epoch_always_wins(a in version_strategy(), b in version_strategy()) {
            let a: Version = a.parse().expect("valid");
            let b: Version = b.parse().expect("valid");
            if a.epoch() > b.epoch() {
                prop_assert!(a > b);
            }
        }

        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC{0,20}") {
            if let Ok(x) = s.parse::<Version>() {
                let again: Version = x.to_string().parse().expect("display reparses");
                prop_assert_eq!(again.cmp(&x), Ordering::Equal);
            }
        }
    }
}
