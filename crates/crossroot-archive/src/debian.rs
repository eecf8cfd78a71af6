//! The seam to `crossroot-debian`: keyring loading, clearsign verification, the signed release
//! entry of an index, and resolution of a package set into exact `.deb`s.

use std::path::Path;

use crossroot_debian::{index, resolve, verify};

use crate::Release;
use crate::error::{ArchiveError, boxed};
use crate::http::Expect;
use crate::lockfile::LockedPackage;

/// The keyring `InRelease` is verified with, and where it came from (for messages).
pub(crate) struct Keyring {
    keys: Option<verify::Keyring>,
    pub(crate) label: String,
}

impl Keyring {
    /// No verification at all (`--insecure-skip-verify`).
    pub(crate) fn none() -> Self {
        Keyring {
            keys: None,
            label: "(verification disabled)".into(),
        }
    }

    /// `path` if given (only its keys are trusted); else the host's Debian archive keyring
    /// when present, together with the keyring crossroot carries (so a host keyring older than
    /// a release still works); else the carried one alone.
    pub(crate) fn load(path: Option<&Path>) -> Result<Self, ArchiveError> {
        if let Some(path) = path {
            let bytes = fs_err::read(path)?;
            let keys = verify::Keyring::from_bytes(&bytes).map_err(|e| ArchiveError::Keyring {
                path: path.to_path_buf(),
                source: boxed(e),
            })?;
            return Ok(Keyring {
                keys: Some(keys),
                label: path.display().to_string(),
            });
        }
        let mut keys = verify::Keyring::bundled();
        let mut label = "crossroot's bundled Debian archive keyring".to_string();
        let host = Path::new(crate::HOST_KEYRING);
        if let Ok(bytes) = fs_err::read(host) {
            if let Ok(host_keys) = verify::Keyring::from_bytes(&bytes) {
                keys.extend(host_keys);
                label = format!("{} + {label}", host.display());
            }
        }
        Ok(Keyring {
            keys: Some(keys),
            label,
        })
    }
}

/// The cleartext of a clearsigned document, WITHOUT checking the signature (only for
/// `--insecure-skip-verify`). Text that is not clearsigned is returned as it is.
pub(crate) fn strip_clearsign(text: &str) -> String {
    let Some(rest) = text.split_once("-----BEGIN PGP SIGNED MESSAGE-----") else {
        return text.to_string();
    };
    // Armor headers (`Hash: …`) end at the first empty line.
    let body = match rest.1.split_once("\n\n") {
        Some((_, b)) => b,
        None => rest.1,
    };
    let body = body
        .split_once("\n-----BEGIN PGP SIGNATURE-----")
        .map(|(b, _)| b)
        .unwrap_or(body);
    let mut out = String::with_capacity(body.len() + 1);
    for line in body.lines() {
        out.push_str(line.strip_prefix("- ").unwrap_or(line));
        out.push('\n');
    }
    out
}

/// Verify a clearsigned `InRelease` and return only the signed text.
pub(crate) fn verify_clearsigned(
    keyring: &Keyring,
    text: &str,
    url: &str,
) -> Result<String, ArchiveError> {
    let Some(keys) = &keyring.keys else {
        return Ok(strip_clearsign(text));
    };
    keys.verify_clearsigned(text.as_bytes())
        .map(|v| v.text)
        .map_err(|e| ArchiveError::BadSignature {
            url: url.to_string(),
            keyring: keyring.label.clone(),
            source: boxed(e),
        })
}

/// The signed entry of the `Packages` index for `arch`: its path relative to the suite,
/// expected hash and size, and whether the mirror serves files by hash.
pub(crate) struct IndexEntry {
    pub path: String,
    pub expect: Expect,
    pub by_hash: bool,
}

pub(crate) fn release_entry(
    signed: &str,
    arch: &str,
    release_url: &str,
) -> Result<IndexEntry, ArchiveError> {
    let release = index::parse_release(signed).map_err(|e| ArchiveError::Parse {
        what: release_url.to_string(),
        source: boxed(e),
    })?;
    let entry = release
        .packages_entry("main", arch)
        .map_err(|e| ArchiveError::Parse {
            what: release_url.to_string(),
            source: boxed(e),
        })?;
    Ok(IndexEntry {
        path: entry.path.clone(),
        expect: Expect {
            sha256: entry.sha256.to_hex(),
            size: entry.size,
        },
        by_hash: release.acquire_by_hash,
    })
}

/// Bytes of index text parsed at a time.
const PARSE_SLICE: usize = 1 << 20;

/// Resolve `requested` (plus the base set when `base`) against a verified index.
///
/// A suite has ~60k packages, a sysroot needs a few dozen. Before the real parse, a cheap pass
/// over the text keeps only the stanzas reachable from the request through any `Depends`,
/// `Pre-Depends` alternative or `Provides` (a superset of what the resolver can look at), so the
/// resolver's universe is small. Should that resolution fail, it is redone on the whole index so
/// the error (and its "did you mean") is exactly what the full index says.
pub(crate) fn resolve(
    index: crate::index::VerifiedIndex,
    arch: &str,
    release: Release,
    requested: &[String],
    base: bool,
) -> Result<Vec<LockedPackage>, ArchiveError> {
    let reachable = reachable_stanzas(&index.text, requested, base);
    match resolve_text(&reachable, arch, release, requested, base) {
        Ok(packages) => Ok(packages),
        Err(_) => {
            drop(reachable);
            resolve_text(&index.text, arch, release, requested, base)
        }
    }
}

fn resolve_text(
    text: &str,
    arch: &str,
    release: Release,
    requested: &[String],
    base: bool,
) -> Result<Vec<LockedPackage>, ArchiveError> {
    let resolve_err = |e: resolve::ResolveError| ArchiveError::Resolve {
        arch: arch.to_string(),
        release: release.name().to_string(),
        source: boxed(e),
    };
    // Parse in slices of whole stanzas so the parser's intermediate form never holds the whole
    // index at once.
    let mut entries = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let cut = if rest.len() <= PARSE_SLICE {
            rest.len()
        } else {
            rest[PARSE_SLICE..]
                .find("\n\n")
                .map(|i| PARSE_SLICE + i + 2)
                .unwrap_or(rest.len())
        };
        let (slice, tail) = rest.split_at(cut);
        rest = tail;
        entries.extend(
            index::parse_packages(slice).map_err(|e| ArchiveError::Parse {
                what: format!("the {release} Packages index for {arch}"),
                source: boxed(e),
            })?,
        );
    }
    let universe = resolve::Universe::new(entries);
    let mut wanted: Vec<String> = Vec::new();
    let cxx = requested.iter().any(|r| r.starts_with("libstdc++"));
    if base {
        wanted.extend(
            universe
                .base_packages(arch, cxx)
                .map_err(resolve_err)?
                .packages,
        );
    }
    for r in requested {
        if !wanted.contains(r) {
            wanted.push(r.clone());
        }
    }
    let mut options = resolve::ResolveOptions::new(arch);
    options.cxx = cxx;
    let resolution = universe.resolve(&wanted, &options).map_err(resolve_err)?;
    Ok(resolution
        .packages
        .into_iter()
        .map(|p| LockedPackage {
            name: p.name,
            version: p.version.to_string(),
            arch: p.arch,
            sha256: p.sha256.to_hex(),
            size: p.size,
            filename: p.filename,
        })
        .collect())
}

/// The bare package name of a relation: `libc6:any (>= 2.34) [arm64]` → `libc6`.
fn relation_name(rel: &str) -> &str {
    let rel = rel.trim();
    let end = rel
        .find(|c: char| c.is_whitespace() || c == '(' || c == ':' || c == '[' || c == '<')
        .unwrap_or(rel.len());
    &rel[..end]
}

/// Whether `name` could be part of the base set [`resolve::Universe::base_packages`] picks.
fn is_base_seed(name: &str) -> bool {
    name == "gcc"
        || name == "linux-libc-dev"
        || matches!(
            name,
            "libc6-dev" | "libc6.1-dev" | "libc0.1-dev" | "libc0.3-dev"
        )
        || (name.starts_with("libgcc-") && name.ends_with("-dev"))
        || (name.starts_with("libstdc++-") && name.ends_with("-dev"))
}

/// The stanzas of `text` reachable from `requested` (and the base set's candidates when
/// `base`) through every name in `Depends`/`Pre-Depends` and every `Provides`, in index order.
fn reachable_stanzas(text: &str, requested: &[String], base: bool) -> String {
    use std::collections::{HashMap, HashSet};

    struct Stanza<'a> {
        body: &'a str,
        deps: Vec<&'a str>,
    }
    let mut stanzas: Vec<Stanza<'_>> = Vec::new();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut seeds: Vec<&str> = requested.iter().map(|r| relation_name(r)).collect();
    for body in text.split("\n\n") {
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
                "Provides" => names.extend(value.split(',').map(relation_name)),
                "Depends" | "Pre-Depends" => {
                    deps.extend(value.split([',', '|']).map(relation_name));
                }
                _ => {}
            }
        }
        for n in names.into_iter().filter(|n| !n.is_empty()) {
            if base && is_base_seed(n) {
                seeds.push(n);
            }
            by_name.entry(n).or_default().push(i);
        }
        stanzas.push(Stanza { body, deps });
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
    let mut out = String::new();
    for (s, _) in stanzas.iter().zip(&keep).filter(|(_, k)| **k) {
        out.push_str(s.body.trim_matches('\n'));
        out.push_str("\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_names() {
        assert_eq!(relation_name(" libc6:any (>= 2.34) [arm64]"), "libc6");
        assert_eq!(relation_name("libssl3 (= 3.0)"), "libssl3");
        assert_eq!(relation_name("debconf-2.0"), "debconf-2.0");
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
