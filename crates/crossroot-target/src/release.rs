//! Debian releases and the glibc each one ships.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A Debian release crossroot can build sysroots from, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Release {
    Bullseye,
    Bookworm,
    Trixie,
    Forky,
    Sid,
}

impl Release {
    pub const ALL: &'static [Release] = &[
        Release::Bullseye,
        Release::Bookworm,
        Release::Trixie,
        Release::Forky,
        Release::Sid,
    ];

    /// The suite name used in the archive (`dists/<name>/`).
    pub fn name(self) -> &'static str {
        match self {
            Release::Bullseye => "bullseye",
            Release::Bookworm => "bookworm",
            Release::Trixie => "trixie",
            Release::Forky => "forky",
            Release::Sid => "sid",
        }
    }

    /// Debian's version number, for stable releases.
    pub fn number(self) -> Option<u32> {
        match self {
            Release::Bullseye => Some(11),
            Release::Bookworm => Some(12),
            Release::Trixie => Some(13),
            Release::Forky | Release::Sid => None,
        }
    }

    /// The glibc a released Debian version ships; `None` for moving suites (testing, sid).
    pub fn glibc(self) -> Option<GlibcVersion> {
        match self {
            Release::Bullseye => Some(GlibcVersion::new(2, 31)),
            Release::Bookworm => Some(GlibcVersion::new(2, 36)),
            Release::Trixie => Some(GlibcVersion::new(2, 41)),
            Release::Forky | Release::Sid => None,
        }
    }

    /// Whether the release's packages put everything under `/usr` (merged-/usr) so the sysroot
    /// needs `lib -> usr/lib` style links.
    pub fn merged_usr(self) -> bool {
        self >= Release::Trixie
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown release name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Debian release `{0}` (known: bullseye, bookworm, trixie, forky, sid)")]
pub struct UnknownRelease(pub String);

impl FromStr for Release {
    type Err = UnknownRelease;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Release::ALL
            .iter()
            .copied()
            .find(|r| {
                r.name() == s
                    || r.number().is_some_and(|n| n.to_string() == s)
                    || (s == "unstable" && *r == Release::Sid)
                    || (s == "testing" && *r == Release::Forky)
            })
            .ok_or(UnknownRelease(s))
    }
}

/// A glibc version such as `2.31`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GlibcVersion {
    pub major: u32,
    pub minor: u32,
}

impl GlibcVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        GlibcVersion { major, minor }
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for GlibcVersion {
    type Err = ();
    /// Parses `2.31` (also `2.31.0`, ignoring a patch level). Only glibc 2.x exists.
    fn from_str(s: &str) -> Result<Self, ()> {
        let mut parts = s.split('.');
        let major: u32 = parts.next().ok_or(())?.parse().map_err(|_| ())?;
        let minor: u32 = parts.next().ok_or(())?.parse().map_err(|_| ())?;
        if let Some(patch) = parts.next() {
            patch.parse::<u32>().map_err(|_| ())?;
        }
        if parts.next().is_some() || major != 2 || minor > 99 {
            return Err(());
        }
        Ok(GlibcVersion { major, minor })
    }
}
