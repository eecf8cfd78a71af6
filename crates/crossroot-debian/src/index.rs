//! Archive indexes: `Release`/`InRelease` (the signed table of contents of a suite) and
//! `Packages` (one stanza per binary package).
//!
//! Parse only text that has been verified: [`parse_release`] refuses a clearsigned document
//! (pass it through [`crate::verify::Keyring::verify_clearsigned`] first and parse the returned
//! text), so text outside a signature can never reach the resolver.

use std::fmt;
use std::str::FromStr;

use crate::deb822::{self, Deb822Error, Paragraph};
use crate::relation::{self, Alternatives, Relation, RelationError};
use crate::version::{Version, VersionError};

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// The 32 raw bytes (compare with a hasher's output).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, as written in indexes.
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        s
    }
}

/// A string that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a SHA-256 digest (64 hex digits)")]
pub struct BadDigest(pub String);

impl FromStr for Sha256Digest {
    type Err = BadDigest;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        if b.len() != 64 {
            return Err(BadDigest(s.to_owned()));
        }
        let nibble = |c: u8| -> Option<u8> {
            match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                b'A'..=b'F' => Some(c - b'A' + 10),
                _ => None,
            }
        };
        let mut out = [0u8; 32];
        for (i, pair) in b.chunks_exact(2).enumerate() {
            match (nibble(pair[0]), nibble(pair[1])) {
                (Some(h), Some(l)) => out[i] = (h << 4) | l,
                _ => return Err(BadDigest(s.to_owned())),
            }
        }
        Ok(Sha256Digest(out))
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({})", self.to_hex())
    }
}

/// One line of a Release file's `SHA256` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Path relative to `dists/<suite>/`, e.g. `main/binary-arm64/Packages.xz`.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Expected SHA-256.
    pub sha256: Sha256Digest,
}

/// A parsed `Release` (or the signed text of an `InRelease`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseFile {
    /// `Suite:` (e.g. `oldstable`), empty if absent.
    pub suite: String,
    /// `Codename:` (e.g. `bookworm`), empty if absent.
    pub codename: String,
    /// `Architectures:`.
    pub architectures: Vec<String>,
    /// `Components:`.
    pub components: Vec<String>,
    /// `Date:` as written (RFC 2822).
    pub date: Option<String>,
    /// `Valid-Until:` as written, if the release has one.
    pub valid_until: Option<String>,
    /// `Acquire-By-Hash: yes`.
    pub acquire_by_hash: bool,
    /// Every file listed under `SHA256:`.
    pub sha256: Vec<FileEntry>,
}

impl ReleaseFile {
    /// The entry for `path` (relative to the suite directory).
    pub fn entry(&self, path: &str) -> Option<&FileEntry> {
        self.sha256.iter().find(|e| e.path == path)
    }

    /// The `Packages` index of `component`/`arch`: `Packages.xz` if listed, else the
    /// uncompressed `Packages`. The caller decompresses according to the path's extension.
    pub fn packages_entry(&self, component: &str, arch: &str) -> Result<&FileEntry, IndexError> {
        let base = format!("{component}/binary-{arch}/Packages");
        self.entry(&format!("{base}.xz"))
            .or_else(|| self.entry(&base))
            .ok_or_else(|| IndexError::MissingIndex {
                path: format!("{base}.xz"),
                suite: self.codename_or_suite().to_owned(),
                architectures: self.architectures.clone(),
                components: self.components.clone(),
            })
    }

    /// The codename, or the suite when the codename is absent.
    pub fn codename_or_suite(&self) -> &str {
        if self.codename.is_empty() {
            &self.suite
        } else {
            &self.codename
        }
    }
}

/// `Multi-Arch:` of a binary package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MultiArch {
    /// Absent or `no`: satisfies dependencies only from its own architecture.
    #[default]
    No,
    /// `same`: co-installable across architectures (libraries).
    Same,
    /// `foreign`: satisfies dependencies of any architecture (tools, data).
    Foreign,
    /// `allowed`: satisfies `pkg:any` dependencies of any architecture.
    Allowed,
}

/// One stanza of a `Packages` index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageEntry {
    /// `Package:`.
    pub name: String,
    /// `Version:`.
    pub version: Version,
    /// `Architecture:` (a Debian arch or `all`).
    pub architecture: String,
    /// `Multi-Arch:`.
    pub multi_arch: MultiArch,
    /// `Depends:`.
    pub depends: Vec<Alternatives>,
    /// `Pre-Depends:`.
    pub pre_depends: Vec<Alternatives>,
    /// `Provides:`.
    pub provides: Vec<Relation>,
    /// `Filename:` relative to the mirror root (`pool/main/…`).
    pub filename: String,
    /// `Size:` of the `.deb` in bytes.
    pub size: u64,
    /// `SHA256:` of the `.deb`.
    pub sha256: Sha256Digest,
    /// `Essential: yes`.
    pub essential: bool,
    /// `Priority:` (`required`, `important`, `standard`, `optional`, `extra`).
    pub priority: Option<String>,
    /// `Section:`.
    pub section: Option<String>,
    /// Source package name (`Source:` without its version; the package name when absent).
    pub source: String,
    /// Source version (from `Source: name (version)`; the package version when absent).
    pub source_version: Version,
    /// `Installed-Size:` in KiB.
    pub installed_size: Option<u64>,
}

/// Errors in index files. Messages name the package or the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// The file is not valid deb822.
    #[error(transparent)]
    Syntax(#[from] Deb822Error),
    /// A clearsigned document was given where verified text was expected.
    #[error("refusing to parse a clearsigned document without verifying it")]
    SignedInput,
    /// A Release file without a `SHA256` field.
    #[error("the Release file has no SHA256 checksums")]
    NoChecksums,
    /// A malformed line in the Release `SHA256` field.
    #[error("malformed SHA256 line in the Release file: `{line}`")]
    BadChecksumLine {
        /// The line.
        line: String,
    },
    /// The Release file does not list the requested `Packages` index.
    #[error("suite `{suite}` does not list `{path}`")]
    MissingIndex {
        /// The path looked for.
        path: String,
        /// Codename (or suite) of the release.
        suite: String,
        /// What the release carries.
        architectures: Vec<String>,
        /// Components the release carries.
        components: Vec<String>,
    },
    /// A stanza without a field crossroot needs.
    #[error("package `{package}` (line {line}) has no `{field}` field")]
    MissingField {
        /// Package name (`?` when the `Package` field itself is missing).
        package: String,
        /// The field.
        field: &'static str,
        /// 1-based line of the stanza.
        line: usize,
    },
    /// A field with an unusable value.
    #[error("package `{package}`: invalid `{field}` value `{value}`: {reason}")]
    BadField {
        /// Package name.
        package: String,
        /// The field.
        field: &'static str,
        /// The value (shortened).
        value: String,
        /// Why.
        reason: String,
    },
}

impl crossroot_hint::Hint for IndexError {
    /// What the user can do about it, when there is something.
    fn hint(&self) -> Option<String> {
        match self {
            IndexError::MissingIndex {
                architectures,
                components,
                suite,
                ..
            } => Some(format!(
                "`{suite}` carries architectures {} and components {}; pick a release that \
                 has the target's architecture",
                architectures.join(", "),
                components.join(", ")
            )),
            IndexError::SignedInput => {
                Some("verify it with Keyring::verify_clearsigned and parse the signed text".into())
            }
            IndexError::MissingField { .. }
            | IndexError::BadField { .. }
            | IndexError::BadChecksumLine { .. } => Some(
                "the mirror served a damaged or non-Debian index; try another mirror with \
                 --mirror"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// Parse a `Release` file or the verified text of an `InRelease`.
pub fn parse_release(text: &str) -> Result<ReleaseFile, IndexError> {
    if text.trim_start().starts_with("-----BEGIN PGP") {
        return Err(IndexError::SignedInput);
    }
    let paragraphs = deb822::parse(text)?;
    let Some(p) = paragraphs.first() else {
        return Err(IndexError::NoChecksums);
    };
    let words = |field: &str| -> Vec<String> {
        p.get(field)
            .map(|v| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let Some(sums) = p.get("SHA256") else {
        return Err(IndexError::NoChecksums);
    };
    let mut sha256 = Vec::new();
    for line in sums.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || IndexError::BadChecksumLine {
            line: line.to_owned(),
        };
        let mut parts = line.split_whitespace();
        let (Some(hash), Some(size), Some(path), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        sha256.push(FileEntry {
            path: path.to_owned(),
            size: size.parse().map_err(|_| bad())?,
            sha256: hash.parse().map_err(|_| bad())?,
        });
    }
    Ok(ReleaseFile {
        suite: p.get("Suite").unwrap_or_default().to_owned(),
        codename: p.get("Codename").unwrap_or_default().to_owned(),
        architectures: words("Architectures"),
        components: words("Components"),
        date: p.get("Date").map(str::to_owned),
        valid_until: p.get("Valid-Until").map(str::to_owned),
        acquire_by_hash: p
            .get("Acquire-By-Hash")
            .is_some_and(|v| v.eq_ignore_ascii_case("yes")),
        sha256,
    })
}

/// Parse a whole (decompressed) `Packages` index.
pub fn parse_packages(text: &str) -> Result<Vec<PackageEntry>, IndexError> {
    deb822::paragraphs(text)
        .map(|p| package_from_paragraph(&p?))
        .collect()
}

fn shorten(value: &str) -> String {
    if value.chars().count() > 80 {
        let mut s: String = value.chars().take(80).collect();
        s.push('…');
        s
    } else {
        value.to_owned()
    }
}

/// Build a [`PackageEntry`] from one `Packages` stanza.
pub fn package_from_paragraph(p: &Paragraph<'_>) -> Result<PackageEntry, IndexError> {
    let line = p.line();
    let Some(name) = p.get("Package") else {
        return Err(IndexError::MissingField {
            package: "?".into(),
            field: "Package",
            line,
        });
    };
    let required = |field: &'static str| {
        p.get(field).ok_or_else(|| IndexError::MissingField {
            package: name.to_owned(),
            field,
            line,
        })
    };
    let bad = |field: &'static str, value: &str, reason: String| IndexError::BadField {
        package: name.to_owned(),
        field,
        value: shorten(value),
        reason,
    };
    let version_str = required("Version")?;
    let version: Version = version_str
        .parse()
        .map_err(|e: VersionError| bad("Version", version_str, e.to_string()))?;
    let architecture = required("Architecture")?.to_owned();
    let filename = required("Filename")?.to_owned();
    let size_str = required("Size")?;
    let size = size_str
        .parse()
        .map_err(|e: std::num::ParseIntError| bad("Size", size_str, e.to_string()))?;
    let sha_str = required("SHA256")?;
    let sha256 = sha_str
        .parse()
        .map_err(|e: BadDigest| bad("SHA256", sha_str, e.to_string()))?;
    let relations = |field: &'static str| -> Result<Vec<Alternatives>, IndexError> {
        match p.get(field) {
            None => Ok(Vec::new()),
            Some(v) => relation::parse_relations(v)
                .map_err(|e: RelationError| bad(field, v, e.to_string())),
        }
    };
    let depends = relations("Depends")?;
    let pre_depends = relations("Pre-Depends")?;
    let provides = match p.get("Provides") {
        None => Vec::new(),
        Some(v) => relation::parse_provides(v).map_err(|e| bad("Provides", v, e.to_string()))?,
    };
    let multi_arch = match p.get("Multi-Arch") {
        None => MultiArch::No,
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "no" => MultiArch::No,
            "same" => MultiArch::Same,
            "foreign" => MultiArch::Foreign,
            "allowed" => MultiArch::Allowed,
            _ => {
                return Err(bad(
                    "Multi-Arch",
                    v,
                    "expected no, same, foreign or allowed".into(),
                ));
            }
        },
    };
    let (source, source_version) = match p.get("Source") {
        None => (name.to_owned(), version.clone()),
        Some(s) => match s.split_once('(') {
            Some((src, rest)) => {
                let v = rest.trim_end().trim_end_matches(')');
                let sv = v
                    .parse()
                    .map_err(|e: VersionError| bad("Source", s, e.to_string()))?;
                (src.trim().to_owned(), sv)
            }
            None => (s.trim().to_owned(), version.clone()),
        },
    };
    Ok(PackageEntry {
        name: name.to_owned(),
        version,
        architecture,
        multi_arch,
        depends,
        pre_depends,
        provides,
        filename,
        size,
        sha256,
        essential: p
            .get("Essential")
            .is_some_and(|v| v.eq_ignore_ascii_case("yes")),
        priority: p.get("Priority").map(str::to_owned),
        section: p.get("Section").map(str::to_owned),
        source,
        source_version,
        installed_size: p.get("Installed-Size").and_then(|v| v.parse().ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_hint::Hint as _;
    use proptest::strategy::Strategy;

    const RELEASE: &str = "Origin: Debian
Suite: oldstable
Codename: bookworm
Date: Sat, 11 Jul 2026 10:16:37 UTC
Acquire-By-Hash: yes
Architectures: all amd64 arm64
Components: main contrib
MD5Sum:
 0ed6d4c8891eb86358b94bb35d9e4da4  1484322 contrib/Contents-all
SHA256:
 c7c883a61f348283050d3a754e7c8119117c4019bf65da804c78fdae315866f1 49434864 main/binary-arm64/Packages
 2ddb1737692e8c45c53e8d57c0ce4cd21c78c5703b830c3226b1423566a06c00  8689464 main/binary-arm64/Packages.xz
";

    #[test]
    fn release_fields_and_lookup() {
        let r = parse_release(RELEASE).expect("valid");
        assert_eq!(r.codename, "bookworm");
        assert_eq!(r.suite, "oldstable");
        assert_eq!(r.architectures, ["all", "amd64", "arm64"]);
        assert_eq!(r.components, ["main", "contrib"]);
        assert!(r.acquire_by_hash);
        assert_eq!(r.sha256.len(), 2);
        let e = r.packages_entry("main", "arm64").expect("listed");
        assert_eq!(e.path, "main/binary-arm64/Packages.xz");
        assert_eq!(e.size, 8_689_464);
        assert_eq!(
            e.sha256.to_hex(),
            "2ddb1737692e8c45c53e8d57c0ce4cd21c78c5703b830c3226b1423566a06c00"
        );
        let err = r.packages_entry("main", "riscv64").expect_err("not listed");
        assert!(err.to_string().contains("main/binary-riscv64/Packages.xz"));
        assert!(err.hint().is_some_and(|h| h.contains("arm64")));
    }

    #[test]
    fn release_refusals() {
        assert_eq!(
            parse_release("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nSuite: x\n"),
            Err(IndexError::SignedInput)
        );
        assert_eq!(parse_release("Suite: x\n"), Err(IndexError::NoChecksums));
        assert!(matches!(
            parse_release("SHA256:\n zz 12 main/x\n"),
            Err(IndexError::BadChecksumLine { .. })
        ));
        assert!(matches!(
            parse_release(
                "SHA256:\n c7c883a61f348283050d3a754e7c8119117c4019bf65da804c78fdae315866f1 big main/x\n"
            ),
            Err(IndexError::BadChecksumLine { .. })
        ));
    }

    const PACKAGES: &str = "Package: libssl-dev
Source: openssl
Version: 3.0.11-1~deb12u2
Architecture: arm64
Multi-Arch: same
Depends: libssl3 (= 3.0.11-1~deb12u2)
Suggests: libssl-doc
Filename: pool/main/o/openssl/libssl-dev_3.0.11-1~deb12u2_arm64.deb
Size: 2278084
SHA256: 01f4330719fd4f65580e16ea5a0527f372fca750e8f588d26deaf09f2d3b1cf4
Section: libdevel
Priority: optional

Package: libgcc-s1
Source: gcc-12 (12.2.0-14)
Version: 12.2.0-14
Architecture: arm64
Multi-Arch: same
Pre-Depends: libc6 (>= 2.34)
Depends: gcc-12-base (= 12.2.0-14)
Provides: libgcc1 (= 1:12.2.0-14)
Filename: pool/main/g/gcc-12/libgcc-s1_12.2.0-14_arm64.deb
Size: 40000
SHA256: 2ddb1737692e8c45c53e8d57c0ce4cd21c78c5703b830c3226b1423566a06c00
Priority: required
Essential: yes
";

    #[test]
    fn packages_stanzas() {
        let ps = parse_packages(PACKAGES).expect("valid");
        assert_eq!(ps.len(), 2);
        let ssl = &ps[0];
        assert_eq!(ssl.name, "libssl-dev");
        assert_eq!(ssl.source, "openssl");
        assert_eq!(ssl.source_version.to_string(), "3.0.11-1~deb12u2");
        assert_eq!(ssl.multi_arch, MultiArch::Same);
        assert_eq!(ssl.depends[0][0].name, "libssl3");
        assert_eq!(ssl.size, 2_278_084);
        assert!(!ssl.essential);
        let gcc = &ps[1];
        assert_eq!(gcc.source, "gcc-12");
        assert_eq!(gcc.source_version.to_string(), "12.2.0-14");
        assert_eq!(gcc.pre_depends[0][0].name, "libc6");
        assert_eq!(gcc.provides[0].name, "libgcc1");
        assert!(gcc.essential);
        assert_eq!(gcc.priority.as_deref(), Some("required"));
    }

    #[test]
    fn missing_fields_name_the_package() {
        for field in ["SHA256", "Size", "Filename", "Version"] {
            let text: String = PACKAGES
                .split("\n\n")
                .next()
                .expect("first stanza")
                .lines()
                .filter(|l| !l.starts_with(&format!("{field}:")))
                .map(|l| format!("{l}\n"))
                .collect();
            let err = parse_packages(&text).expect_err(field);
            assert_eq!(
                err,
                IndexError::MissingField {
                    package: "libssl-dev".into(),
                    field: match field {
                        "SHA256" => "SHA256",
                        "Size" => "Size",
                        "Filename" => "Filename",
                        _ => "Version",
                    },
                    line: 1
                }
            );
            assert!(err.to_string().contains("libssl-dev"));
        }
        let err =
            parse_packages(&PACKAGES.replace("Size: 2278084", "Size: lots")).expect_err("bad size");
        assert!(matches!(err, IndexError::BadField { field: "Size", .. }));
        let err = parse_packages(&PACKAGES.replace("(= 3.0.11-1~deb12u2)\nSugg", "(=)\nSugg"))
            .expect_err("bad depends");
        assert!(
            matches!(
                err,
                IndexError::BadField {
                    field: "Depends",
                    ..
                }
            ),
            "{err}"
        );
    }

    proptest::proptest! {
        /// The `packages` fuzz target's property, run without nightly.
        #[test]
        fn arbitrary_indexes_never_panic(
            lines in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec![
                        "Package: a", "Version: 1.0-1", "Architecture: arm64", "Filename: pool/a.deb",
                        "Size: 12", "SHA256:", "Depends: b (>= 1) | c", "Provides: d (= 2)",
                        "Source: s (1.0)", "Multi-Arch: same", "", " continuation", "Essential: yes",
                    ]).prop_map(str::to_owned),
                    "\\PC{0,30}",
                ],
                0..30,
            )
        ) {
            let text = lines.join("\n");
            let _ = parse_packages(&text);
            let _ = parse_release(&text);
        }
    }

    #[test]
    fn digest_parse_and_print() {
        let hex = "2ddb1737692e8c45c53e8d57c0ce4cd21c78c5703b830c3226b1423566a06c00";
        let d: Sha256Digest = hex.parse().expect("valid");
        assert_eq!(d.to_string(), hex);
        assert_eq!(d.as_bytes()[0], 0x2d);
        assert!("2DDB".parse::<Sha256Digest>().is_err());
        assert!(hex.replace('2', "g").parse::<Sha256Digest>().is_err());
    }
}
