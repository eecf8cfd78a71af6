//! The host's apt sources, read only to find a Debian mirror when none is configured.
//!
//! Reads deb822 `etc/apt/sources.list.d/*.sources` and one-line `etc/apt/sources.list` and
//! `etc/apt/sources.list.d/*.list` (`deb [opts] uri suite component…`) under a root directory
//! (`/` on a real host, a temp tree in tests). [`parse_one_line`], [`parse_deb822`] and
//! [`pick_debian`] are pure; [`read_sources`] is the only function here that touches files.

use std::path::{Path, PathBuf};

use crate::{Mirror, MirrorSource};

/// One apt source entry (one line of a `.list` file, or one `.sources` stanza).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AptSource {
    /// `deb`, `deb-src`.
    pub types: Vec<String>,
    pub uris: Vec<String>,
    pub suites: Vec<String>,
    pub components: Vec<String>,
    /// `signed-by` / `Signed-By`: key file paths, or an inline key.
    pub signed_by: Option<String>,
    /// `Enabled: no` turns a deb822 stanza off.
    pub enabled: bool,
    /// The file the entry came from.
    pub file: PathBuf,
}

/// Entries read from a root, and the files that were read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    pub sources: Vec<AptSource>,
    pub files: Vec<PathBuf>,
    /// Files that could not be read or parsed, with why.
    pub problems: Vec<String>,
}

/// Parse a one-line-style `sources.list` (pure). Malformed lines are skipped.
pub fn parse_one_line(text: &str, file: &Path) -> Vec<AptSource> {
    text.lines()
        .filter_map(|line| one_line(line, file))
        .collect()
}

fn one_line(line: &str, file: &Path) -> Option<AptSource> {
    let line = line.split('#').next().unwrap_or_default().trim();
    let (kind, rest) = line.split_once(char::is_whitespace)?;
    if kind != "deb" && kind != "deb-src" {
        return None;
    }
    let mut rest = rest.trim_start();
    let mut signed_by = None;
    if let Some(after) = rest.strip_prefix('[') {
        let (opts, tail) = after.split_once(']')?;
        for opt in opts.split_whitespace() {
            if let Some((k, v)) = opt.split_once('=') {
                if k.eq_ignore_ascii_case("signed-by") {
                    signed_by = Some(v.to_string());
                }
            }
        }
        rest = tail.trim_start();
    }
    let mut words = rest.split_whitespace();
    let uri = words.next()?;
    let suite = words.next()?;
    Some(AptSource {
        types: vec![kind.to_string()],
        uris: vec![uri.to_string()],
        suites: vec![suite.to_string()],
        components: words.map(str::to_string).collect(),
        signed_by,
        enabled: true,
        file: file.to_path_buf(),
    })
}

/// Parse a deb822 `.sources` file (pure).
pub fn parse_deb822(
    text: &str,
    file: &Path,
) -> Result<Vec<AptSource>, crossroot_debian::deb822::Deb822Error> {
    let paragraphs = crossroot_debian::deb822::parse(text)?;
    let words = |p: &crossroot_debian::deb822::Paragraph<'_>, f: &str| -> Vec<String> {
        p.get(f)
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    };
    Ok(paragraphs
        .iter()
        .map(|p| AptSource {
            types: words(p, "Types"),
            uris: words(p, "URIs"),
            suites: words(p, "Suites"),
            components: words(p, "Components"),
            signed_by: p.get("Signed-By").map(|s| s.trim().to_string()),
            enabled: !p.get("Enabled").is_some_and(|v| {
                matches!(v.trim().to_ascii_lowercase().as_str(), "no" | "false" | "0")
            }),
            file: file.to_path_buf(),
        })
        .collect())
}

/// Read `etc/apt/sources.list`, then `etc/apt/sources.list.d/*.list` and `*.sources` in name
/// order (as apt does), under `root`. Missing files are not an error.
pub fn read_sources(root: &Path) -> Sources {
    let mut out = Sources::default();
    let etc = root.join("etc/apt");
    let mut files = vec![etc.join("sources.list")];
    if let Ok(dir) = fs_err::read_dir(etc.join("sources.list.d")) {
        let mut more: Vec<PathBuf> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "list" || e == "sources"))
            .collect();
        more.sort();
        files.extend(more);
    }
    for file in files {
        if !file.is_file() {
            continue;
        }
        let text = match fs_err::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                out.problems.push(e.to_string());
                continue;
            }
        };
        if file.extension().is_some_and(|e| e == "sources") {
            match parse_deb822(&text, &file) {
                Ok(s) => out.sources.extend(s),
                Err(e) => out.problems.push(format!("{}: {e}", file.display())),
            }
        } else {
            out.sources.extend(parse_one_line(&text, &file));
        }
        out.files.push(file);
    }
    out
}

/// Suite names of the Debian archive (codenames and aliases), without `-updates` style suffixes.
const DEBIAN_SUITES: &[&str] = &[
    "jessie",
    "stretch",
    "buster",
    "bullseye",
    "bookworm",
    "trixie",
    "forky",
    "duke",
    "sid",
    "oldoldstable",
    "oldstable",
    "stable",
    "testing",
    "unstable",
    "experimental",
    "rc-buggy",
];

/// Whether `suite` belongs to the Debian archive proper (`bookworm`, `bookworm-updates`,
/// `stable-backports`…), excluding security suites, which live in a different archive.
pub fn is_debian_suite(suite: &str) -> bool {
    let suite = suite.trim_end_matches('/').to_ascii_lowercase();
    if suite.contains("security") {
        return false;
    }
    let base = suite.split('-').next().unwrap_or_default();
    DEBIAN_SUITES.contains(&base) || suite == "rc-buggy"
}

fn signed_by_debian(signed_by: &Option<String>) -> Option<bool> {
    let s = signed_by.as_deref()?;
    if s.contains("BEGIN PGP") {
        return None; // an inline key: cannot tell whose
    }
    Some(s.contains("debian-archive"))
}

/// Pick the Debian archive among apt sources (pure): an enabled `deb` entry with a URI that is
/// a valid [`Mirror`] (http, https or file), a Debian suite, the `main` component, and a Debian
/// archive keyring if it names one; security archives and third-party repositories are skipped.
/// Entries for a plain release (`bookworm`) win over `-updates`/`-backports`. Returns the mirror
/// and the file it came from.
pub fn pick_debian(sources: &[AptSource]) -> Option<(Mirror, PathBuf)> {
    let mut fallback: Option<(Mirror, PathBuf)> = None;
    for s in sources {
        if !s.enabled || !s.types.iter().any(|t| t == "deb") {
            continue;
        }
        if !s.components.iter().any(|c| c == "main") {
            continue;
        }
        if signed_by_debian(&s.signed_by) == Some(false) {
            continue;
        }
        for uri in &s.uris {
            if uri.to_ascii_lowercase().contains("security") {
                continue;
            }
            // Other schemes (`cdrom:`, `mirror+file:`, `tor+http:`…) are skipped.
            let Ok(url) = Mirror::parse(uri, MirrorSource::Apt(s.file.clone())) else {
                continue;
            };
            for suite in &s.suites {
                if !is_debian_suite(suite) {
                    continue;
                }
                if !suite.contains('-') {
                    return Some((url, s.file.clone()));
                }
                if fallback.is_none() {
                    fallback = Some((url.clone(), s.file.clone()));
                }
            }
        }
    }
    fallback
}

/// Pick the Debian security archive among apt sources (pure): an enabled `deb` entry for a
/// `<release>-security` suite with the `main` component, a valid [`Mirror`] URI, and a Debian
/// archive keyring if it names one. Returns the archive root and the file it came from.
pub fn pick_security(sources: &[AptSource]) -> Option<(Mirror, PathBuf)> {
    sources
        .iter()
        .filter(|s| s.enabled && s.types.iter().any(|t| t == "deb"))
        .filter(|s| s.components.iter().any(|c| c == "main"))
        .filter(|s| signed_by_debian(&s.signed_by) != Some(false))
        .filter(|s| {
            s.suites.iter().any(|suite| {
                let suite = suite.trim_end_matches('/').to_ascii_lowercase();
                suite.ends_with("-security") || suite.ends_with("/updates")
            })
        })
        .find_map(|s| {
            s.uris.iter().find_map(|uri| {
                Mirror::parse(uri, MirrorSource::Apt(s.file.clone()))
                    .ok()
                    .map(|m| (m, s.file.clone()))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN_KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";

    fn pick(sources: &[AptSource]) -> Option<String> {
        pick_debian(sources).map(|(u, _)| u.request_url().to_string())
    }

    #[test]
    fn deb822_debian_entry_is_found_and_security_skipped() {
        let text = format!(
            "Types: deb\n# a comment\nURIs: http://mirror.invalid/debian/\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: {DEBIAN_KEYRING}\n\n\
             Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: {DEBIAN_KEYRING}\n"
        );
        let s = parse_deb822(&text, Path::new("/etc/apt/sources.list.d/debian.sources")).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].suites, ["bookworm", "bookworm-updates"]);
        assert_eq!(s[0].signed_by.as_deref(), Some(DEBIAN_KEYRING));
        let (url, file) = pick_debian(&s).unwrap();
        assert_eq!(url.request_url(), "http://mirror.invalid/debian");
        assert_eq!(file, Path::new("/etc/apt/sources.list.d/debian.sources"));
        let (security, _) = pick_security(&s).unwrap();
        assert_eq!(
            security.request_url(),
            "http://mirror.invalid/debian-security"
        );
    }

    #[test]
    fn a_security_archive_signed_by_another_key_or_without_main_is_not_picked() {
        let text = "Types: deb\nURIs: http://other.invalid/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/other.gpg\n\n\
                    Types: deb\nURIs: http://contrib.invalid/debian-security\nSuites: bookworm-security\nComponents: contrib\n\n\
                    Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm\nComponents: main\n";
        let s = parse_deb822(text, Path::new("x.sources")).unwrap();
        assert_eq!(pick_security(&s), None);
    }

    #[test]
    fn security_only_sources_give_nothing() {
        let text = "Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\nComponents: main\n";
        let s = parse_deb822(text, Path::new("x.sources")).unwrap();
        assert_eq!(pick(&s), None);
    }

    #[test]
    fn disabled_deb822_entries_are_skipped() {
        let text = "Types: deb\nURIs: http://one.invalid/debian\nSuites: trixie\nComponents: main\nEnabled: no\n\n\
                    Types: deb\nURIs: http://two.invalid/debian\nSuites: trixie\nComponents: main contrib\n";
        let s = parse_deb822(text, Path::new("x.sources")).unwrap();
        assert!(!s[0].enabled);
        assert!(s[1].enabled);
        assert_eq!(pick(&s).as_deref(), Some("http://two.invalid/debian"));
    }

    #[test]
    fn deb_src_only_entries_are_skipped() {
        let text = "Types: deb-src\nURIs: http://src.invalid/debian\nSuites: bookworm\nComponents: main\n\n\
                    Types: deb deb-src\nURIs: http://bin.invalid/debian\nSuites: bookworm\nComponents: main\n";
        let s = parse_deb822(text, Path::new("x.sources")).unwrap();
        assert_eq!(pick(&s).as_deref(), Some("http://bin.invalid/debian"));
    }

    #[test]
    fn deb822_with_inline_key_is_parsed() {
        let text = "Types: deb\nURIs: http://mirror.invalid/debian\nSuites: sid\nComponents: main\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mQINBF\n -----END PGP PUBLIC KEY BLOCK-----\n";
        let s = parse_deb822(text, Path::new("x.sources")).unwrap();
        assert!(s[0].signed_by.as_deref().unwrap().contains("BEGIN PGP"));
        assert_eq!(pick(&s).as_deref(), Some("http://mirror.invalid/debian"));
    }

    #[test]
    fn one_line_with_options_and_comments() {
        let text = "# deb http://commented.invalid/debian bookworm main\n\
                    \n\
                    deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.invalid/debian/ bookworm main contrib # trailing\n\
                    deb-src http://mirror.invalid/debian bookworm main\n\
                    deb [ arch=amd64,arm64 ] http://other.invalid/debian trixie main\n\
                    not a source line\n";
        let s = parse_one_line(text, Path::new("/etc/apt/sources.list"));
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].types, ["deb"]);
        assert_eq!(s[0].uris, ["http://mirror.invalid/debian/"]);
        assert_eq!(s[0].suites, ["bookworm"]);
        assert_eq!(s[0].components, ["main", "contrib"]);
        assert_eq!(s[0].signed_by.as_deref(), Some(DEBIAN_KEYRING));
        assert_eq!(s[1].types, ["deb-src"]);
        assert_eq!(s[2].uris, ["http://other.invalid/debian"]);
        assert_eq!(s[2].signed_by, None);
        assert_eq!(pick(&s).as_deref(), Some("http://mirror.invalid/debian"));
    }

    #[test]
    fn third_party_repositories_are_skipped() {
        // A vendor repository for Debian uses a Debian codename as its suite, but its own
        // component and key.
        let text = "deb [signed-by=/etc/apt/keyrings/vendor.gpg] https://vendor.invalid/linux/debian bookworm stable\n\
                    deb [signed-by=/etc/apt/keyrings/vendor2.gpg] https://vendor2.invalid/debian bookworm main\n\
                    deb http://ubuntu.invalid/ubuntu jammy main\n\
                    deb https://nodistro.invalid/node nodistro main\n";
        let s = parse_one_line(text, Path::new("x.list"));
        assert_eq!(pick(&s), None);
    }

    #[test]
    fn plain_release_wins_over_updates_and_backports() {
        let text = "deb http://updates.invalid/debian bookworm-updates main\n\
                    deb http://backports.invalid/debian bookworm-backports main\n\
                    deb http://main.invalid/debian stable main\n";
        let s = parse_one_line(text, Path::new("x.list"));
        assert_eq!(pick(&s).as_deref(), Some("http://main.invalid/debian"));
        assert_eq!(
            pick(&s[..2]).as_deref(),
            Some("http://updates.invalid/debian")
        );
    }

    #[test]
    fn non_http_uris_are_skipped() {
        let text =
            "deb cdrom:[Debian GNU/Linux 12]/ bookworm main\ndeb file:/srv/debian bookworm main\n";
        let s = parse_one_line(text, Path::new("x.list"));
        assert_eq!(pick(&s).as_deref(), Some("file:///srv/debian"));
    }

    #[test]
    fn suites() {
        for s in [
            "bookworm",
            "trixie-updates",
            "stable",
            "sid",
            "unstable",
            "testing-backports",
        ] {
            assert!(is_debian_suite(s), "{s}");
        }
        for s in [
            "bookworm-security",
            "jammy",
            "nodistro",
            "stable-security",
            "focal-updates",
        ] {
            assert!(!is_debian_suite(s), "{s}");
        }
    }

    #[test]
    fn read_sources_from_a_tree_in_apt_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("etc/apt/sources.list.d");
        fs_err::create_dir_all(&d).unwrap();
        fs_err::write(
            dir.path().join("etc/apt/sources.list"),
            "deb http://first.invalid/debian bookworm-updates main\n",
        )
        .unwrap();
        fs_err::write(
            d.join("b.sources"),
            "Types: deb\nURIs: http://second.invalid/debian\nSuites: bookworm\nComponents: main\n",
        )
        .unwrap();
        fs_err::write(
            d.join("a.list"),
            "deb http://vendor.invalid/x nodistro main\n",
        )
        .unwrap();
        fs_err::write(
            d.join("c.list.disabled"),
            "deb http://disabled.invalid/debian bookworm main\n",
        )
        .unwrap();
        fs_err::write(d.join("z.sources"), "this is not deb822\n").unwrap();

        let found = read_sources(dir.path());
        let names: Vec<_> = found
            .files
            .iter()
            .map(|f| f.strip_prefix(dir.path()).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            names,
            [
                "etc/apt/sources.list",
                "etc/apt/sources.list.d/a.list",
                "etc/apt/sources.list.d/b.sources",
                "etc/apt/sources.list.d/z.sources",
            ]
            .map(PathBuf::from)
        );
        let (url, file) = pick_debian(&found.sources).unwrap();
        assert_eq!(url.request_url(), "http://second.invalid/debian");
        assert_eq!(file, d.join("b.sources"));
    }

    #[test]
    fn empty_root_gives_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let found = read_sources(dir.path());
        assert!(found.files.is_empty());
        assert_eq!(pick_debian(&found.sources), None);
    }

    proptest::proptest! {
        #[test]
        fn one_line_parser_never_panics(text in "\\PC*") {
            let s = parse_one_line(&text, Path::new("x.list"));
            let _ = pick_debian(&s);
        }

        #[test]
        fn one_line_round_trip(
            uri in "https?://[a-z]{1,8}\\.invalid/[a-z]{1,8}/?",
            suite in "(bookworm|trixie|sid|stable)(-updates)?",
            comps in proptest::collection::vec("[a-z]{1,8}", 0..4),
        ) {
            let line = format!("deb [arch=amd64] {uri} {suite} {}", comps.join(" "));
            let s = parse_one_line(&line, Path::new("x.list"));
            proptest::prop_assert_eq!(s.len(), 1);
            proptest::prop_assert_eq!(&s[0].uris, &vec![uri.clone()]);
            proptest::prop_assert_eq!(&s[0].suites, &vec![suite.clone()]);
            proptest::prop_assert_eq!(&s[0].components, &comps);
            let picked = pick_debian(&s);
            proptest::prop_assert_eq!(picked.is_some(), comps.iter().any(|c| c == "main"));
            if let Some((url, _)) = picked {
                proptest::prop_assert!(!url.request_url().ends_with('/'));
            }
        }

        #[test]
        fn deb822_parser_never_panics(text in "([A-Za-z-]{0,6}:? ?[ -~]{0,12}\n){0,8}") {
            if let Ok(s) = parse_deb822(&text, Path::new("x.sources")) {
                let _ = pick_debian(&s);
            }
        }
    }
}
