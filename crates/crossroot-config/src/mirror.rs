//! The Debian mirror URL: the one parser every mirror goes through (`--mirror`,
//! `CROSSROOT_MIRROR`, `mirror` in `Cargo.toml`, the host's apt sources), into a [`Mirror`] the
//! archive client takes.
//!
//! Accepted: `http://`, `https://` (a host is required; `user:password@` is kept for the requests
//! but never shown) and local folders as `file:///abs/path`, `file:/abs/path` or
//! `file://localhost/abs/path`. The scheme and host are matched without regard to case and
//! written in lowercase; surrounding whitespace and trailing slashes are dropped. A `file:` path
//! is taken literally (no percent-decoding). Pure: no I/O.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::vars;

/// A validated Debian mirror: the archive root (the folder holding `dists/` and `pool/`).
///
/// [`Display`](fmt::Display) and [`Debug`] show the URL with any `user:password` replaced by
/// `***`; only [`Mirror::request_url`] carries the credentials, for the requests themselves.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Mirror {
    /// Whether the mirror is a local `file:` folder.
    local: bool,
    /// Whether the URL carries `user:password@`.
    credentials: bool,
    /// The URL requests go to, credentials included, without a trailing slash.
    request: String,
    /// The URL as shown to people: credentials as `***`.
    shown: String,
}

impl Mirror {
    /// Parse and normalize a mirror URL given by `origin` (which the error names).
    pub fn parse(input: &str, origin: MirrorSource) -> Result<Mirror, MirrorError> {
        parse(input).map_err(|problem| MirrorError {
            shown: redact_raw(input.trim()),
            origin,
            problem,
        })
    }

    /// The URL to send requests to, `user:password@` included: never print it (print the
    /// mirror itself, whose `Display` hides the credentials).
    pub fn request_url(&self) -> &str {
        &self.request
    }

    /// The URL as shown to people: `user:password@` replaced by `***@`. Same as `Display`.
    pub fn redacted(&self) -> &str {
        &self.shown
    }

    /// Whether this is a local `file:` folder.
    pub fn is_local(&self) -> bool {
        self.local
    }

    /// The folder of a `file:` mirror (absolute, no trailing slash); `None` for http(s).
    pub fn local_path(&self) -> Option<&Path> {
        self.local
            .then(|| Path::new(&self.request["file://".len()..]))
    }

    /// Whether the URL carries a user name or password.
    pub fn has_credentials(&self) -> bool {
        self.credentials
    }

    /// A file under the mirror: the request URL (credentials included), the URL to show, and
    /// for a `file:` mirror the local path. `rel` is relative to the archive root
    /// (`dists/bookworm/InRelease`, `pool/main/…`); leading slashes are ignored.
    pub fn join(&self, rel: &str) -> MirrorFile {
        let rel = rel.trim_start_matches('/');
        MirrorFile {
            request: format!("{}/{rel}", self.request),
            shown: format!("{}/{rel}", self.shown),
            local: self
                .local_path()
                .map(|p| PathBuf::from(format!("{}/{rel}", p.display()))),
        }
    }
}

impl fmt::Display for Mirror {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for Mirror {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Mirror").field(&self.shown).finish()
    }
}

/// One file on a mirror (see [`Mirror::join`]). `Display` shows the redacted URL.
#[derive(Clone, PartialEq, Eq)]
pub struct MirrorFile {
    request: String,
    shown: String,
    local: Option<PathBuf>,
}

impl MirrorFile {
    /// The URL to send the request to (credentials included: never print it).
    pub fn request_url(&self) -> &str {
        &self.request
    }

    /// The path to read for a `file:` mirror.
    pub fn local_path(&self) -> Option<&Path> {
        self.local.as_deref()
    }
}

impl fmt::Display for MirrorFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for MirrorFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MirrorFile").field(&self.shown).finish()
    }
}

/// Where a mirror was configured.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MirrorSource {
    /// `--mirror`.
    Flag,
    /// `CROSSROOT_MIRROR`.
    Env,
    /// `mirror = …` in this `Cargo.toml`.
    Config(PathBuf),
    /// The host's apt sources, from this file.
    Apt(PathBuf),
}

impl fmt::Display for MirrorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MirrorSource::Flag => f.write_str("--mirror"),
            MirrorSource::Env => f.write_str(vars::MIRROR),
            MirrorSource::Config(p) => write!(f, "`mirror` in {}", p.display()),
            MirrorSource::Apt(p) => write!(f, "apt sources ({})", p.display()),
        }
    }
}

/// A mirror URL that cannot be used: what is wrong, and where it was given. The URL is shown
/// with anything that looks like `user:password@` replaced by `***@`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mirror `{shown}` (from {origin}) {problem}")]
pub struct MirrorError {
    /// The URL as given, trimmed, credentials hidden.
    pub shown: String,
    pub origin: MirrorSource,
    pub problem: MirrorProblem,
}

/// What is wrong with a mirror URL. The messages never repeat parts of the URL (it may hold a
/// password); [`MirrorError`] shows the redacted URL once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MirrorProblem {
    #[error("is empty")]
    Empty,
    #[error("contains control characters")]
    ControlCharacter,
    #[error("has no scheme (http://, https:// or file://)")]
    NoScheme,
    #[error("has a scheme crossroot cannot fetch from (it reads http://, https:// and file://)")]
    UnsupportedScheme,
    #[error("needs `//` and a host after the scheme")]
    NoSlashes,
    #[error("has no host")]
    NoHost,
    #[error("has an invalid host")]
    BadHost,
    #[error("has an invalid port (a number from 1 to 65535)")]
    BadPort,
    #[error("has an invalid user name or password")]
    BadUserinfo,
    #[error("has characters in its path that must be percent-encoded (spaces, `@`, non-ASCII)")]
    BadPath,
    #[error("has a query or fragment (`?`, `#`)")]
    QueryOrFragment,
    #[error("names a host, but a `file:` URL is a folder on this machine")]
    FileHost,
    #[error("has a relative path; a `file:` URL needs an absolute one")]
    RelativePath,
    #[error("names no folder")]
    FileNoPath,
}

impl crossroot_hint::Hint for MirrorError {
    fn hint(&self) -> Option<String> {
        const ROOT: &str = "give the archive root, the folder holding `dists/`: `http://mirror.invalid/debian` or `file:///srv/debian`";
        Some(match self.problem {
            MirrorProblem::NoScheme | MirrorProblem::UnsupportedScheme => {
                "start the URL with http:// or https://; a local folder is written `file:///absolute/path`".to_string()
            }
            MirrorProblem::NoSlashes | MirrorProblem::NoHost => {
                "write it as `http://host/path` (two slashes, then the host)".to_string()
            }
            MirrorProblem::BadHost => "a host is a name (letters, digits, `-`, `.`; an internationalized name in its `xn--` form), an IPv4 address, or an IPv6 address in brackets (`[::1]`)".to_string(),
            MirrorProblem::BadUserinfo | MirrorProblem::BadPath => {
                "percent-encode special characters (`@` as %40, `/` as %2F, a space as %20)".to_string()
            }
            MirrorProblem::FileHost | MirrorProblem::RelativePath => {
                "write a local folder as `file:///absolute/path`".to_string()
            }
            MirrorProblem::Empty
            | MirrorProblem::ControlCharacter
            | MirrorProblem::BadPort
            | MirrorProblem::QueryOrFragment
            | MirrorProblem::FileNoPath => ROOT.to_string(),
        })
    }
}

fn parse(input: &str) -> Result<Mirror, MirrorProblem> {
    let s = input.trim();
    if s.is_empty() {
        return Err(MirrorProblem::Empty);
    }
    if s.chars().any(char::is_control) {
        return Err(MirrorProblem::ControlCharacter);
    }
    let Some((scheme, rest)) = s.split_once(':') else {
        return Err(MirrorProblem::NoScheme);
    };
    let scheme = scheme.to_ascii_lowercase();
    match scheme.as_str() {
        "http" | "https" => parse_http(&scheme, rest),
        "file" => parse_file(rest),
        _ if is_scheme(&scheme) => Err(MirrorProblem::UnsupportedScheme),
        _ => Err(MirrorProblem::NoScheme),
    }
}

/// `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (RFC 3986).
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn parse_http(scheme: &str, rest: &str) -> Result<Mirror, MirrorProblem> {
    let Some(after) = rest.strip_prefix("//") else {
        return Err(MirrorProblem::NoSlashes);
    };
    if after.contains(['?', '#']) {
        return Err(MirrorProblem::QueryOrFragment);
    }
    let (authority, path) = after.split_at(after.find('/').unwrap_or(after.len()));
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u).filter(|u| !u.is_empty()), h),
        None => (None, authority),
    };
    if let Some(u) = userinfo {
        let ok = |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:%".contains(c);
        if !u.chars().all(ok) {
            return Err(MirrorProblem::BadUserinfo);
        }
    }
    let (host, port) = host_port(hostport)?;
    // `@` is legal in a URL path, but in a mirror's path it is almost surely a password with
    // an unencoded `/` in it: refuse it rather than show it.
    let path_ok =
        |c: char| c.is_ascii_graphic() && c != '@' && c != '\\' && c != '"' && c != '<' && c != '>';
    if !path.chars().all(path_ok) {
        return Err(MirrorProblem::BadPath);
    }
    let path = path.trim_end_matches('/');
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    let shown = format!(
        "{scheme}://{}{host}{port}{path}",
        if userinfo.is_some() { "***@" } else { "" }
    );
    let request = match userinfo {
        Some(u) => format!("{scheme}://{u}@{host}{port}{path}"),
        None => shown.clone(),
    };
    Ok(Mirror {
        local: false,
        credentials: userinfo.is_some(),
        request,
        shown,
    })
}

/// The lowercase host (IPv6 literals in brackets) and the port, if any.
fn host_port(hostport: &str) -> Result<(String, Option<u16>), MirrorProblem> {
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (addr, after) = inner.split_once(']').ok_or(MirrorProblem::BadHost)?;
        let addr: std::net::Ipv6Addr = addr.parse().map_err(|_| MirrorProblem::BadHost)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(MirrorProblem::BadHost)?),
        };
        (format!("[{addr}]"), port)
    } else {
        let (host, port) = match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        };
        if host.is_empty() {
            return Err(MirrorProblem::NoHost);
        }
        let ok = host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !ok || host.starts_with(['.', '-']) {
            return Err(MirrorProblem::BadHost);
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None | Some("") => None,
        Some(p) if p.chars().all(|c| c.is_ascii_digit()) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or(MirrorProblem::BadPort)?,
        ),
        Some(_) => return Err(MirrorProblem::BadPort),
    };
    Ok((host, port))
}

fn parse_file(rest: &str) -> Result<Mirror, MirrorProblem> {
    let path = if let Some(after) = rest.strip_prefix("//") {
        let (authority, path) = after.split_at(after.find('/').unwrap_or(after.len()));
        if !(authority.is_empty() || authority.eq_ignore_ascii_case("localhost")) {
            return Err(MirrorProblem::FileHost);
        }
        path
    } else if rest.starts_with('/') {
        rest
    } else if rest.is_empty() {
        return Err(MirrorProblem::FileNoPath);
    } else {
        return Err(MirrorProblem::RelativePath);
    };
    // Trailing whitespace too: it would be trimmed from the normal form when read again.
    let path = path
        .trim_end_matches(|c: char| c == '/' || c.is_whitespace())
        .trim_start_matches('/');
    if path.is_empty() {
        return Err(MirrorProblem::FileNoPath);
    }
    let url = format!("file:///{path}");
    Ok(Mirror {
        local: true,
        credentials: false,
        request: url.clone(),
        shown: url,
    })
}

/// `input` for an error message, with anything that could be `user:password@` hidden: from
/// after `http://` (or the start, when the scheme is not one crossroot knows) to the last `@`.
fn redact_raw(s: &str) -> String {
    let start = match s.split_once(':') {
        Some((scheme, rest))
            if ["http", "https", "file"]
                .iter()
                .any(|k| scheme.eq_ignore_ascii_case(k)) =>
        {
            s.len() - rest.trim_start_matches('/').len()
        }
        _ => 0,
    };
    match s[start..].rfind('@') {
        Some(at) => format!("{}***{}", &s[..start], &s[start + at..]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossroot_hint::Hint;

    fn ok(input: &str) -> Mirror {
        Mirror::parse(input, MirrorSource::Flag)
            .unwrap_or_else(|e| panic!("`{input}` should parse: {e}"))
    }

    fn problem(input: &str) -> MirrorProblem {
        match Mirror::parse(input, MirrorSource::Flag) {
            Ok(m) => panic!("`{input}` should be refused, got {m}"),
            Err(e) => e.problem,
        }
    }

    #[test]
    fn accepted_spellings_and_their_normal_form() {
        // (input, request URL, shown URL, local path)
        let table: &[(&str, &str, &str, Option<&str>)] = &[
            (
                "http://mirror.invalid/debian",
                "http://mirror.invalid/debian",
                "http://mirror.invalid/debian",
                None,
            ),
            (
                "HTTP://Mirror.Invalid/debian/",
                "http://mirror.invalid/debian",
                "http://mirror.invalid/debian",
                None,
            ),
            (
                "  https://mirror.invalid/debian//  ",
                "https://mirror.invalid/debian",
                "https://mirror.invalid/debian",
                None,
            ),
            (
                "HtTpS://mirror.invalid",
                "https://mirror.invalid",
                "https://mirror.invalid",
                None,
            ),
            (
                "http://mirror.invalid/",
                "http://mirror.invalid",
                "http://mirror.invalid",
                None,
            ),
            (
                "http://127.0.0.1:8080/debian",
                "http://127.0.0.1:8080/debian",
                "http://127.0.0.1:8080/debian",
                None,
            ),
            (
                "http://mirror.invalid:/debian",
                "http://mirror.invalid/debian",
                "http://mirror.invalid/debian",
                None,
            ),
            (
                "http://[::1]:8080/debian",
                "http://[::1]:8080/debian",
                "http://[::1]:8080/debian",
                None,
            ),
            (
                "http://[FE80::1]/debian",
                "http://[fe80::1]/debian",
                "http://[fe80::1]/debian",
                None,
            ),
            (
                "http://[0:0::1]/debian",
                "http://[::1]/debian",
                "http://[::1]/debian",
                None,
            ),
            (
                "http://user:pass@mirror.invalid/debian",
                "http://user:pass@mirror.invalid/debian",
                "http://***@mirror.invalid/debian",
                None,
            ),
            (
                "http://token@mirror.invalid/debian/",
                "http://token@mirror.invalid/debian",
                "http://***@mirror.invalid/debian",
                None,
            ),
            (
                "http://@mirror.invalid/debian",
                "http://mirror.invalid/debian",
                "http://mirror.invalid/debian",
                None,
            ),
            (
                "http://mirror.invalid/Debian%20Archive",
                "http://mirror.invalid/Debian%20Archive",
                "http://mirror.invalid/Debian%20Archive",
                None,
            ),
            (
                "file:///srv/debian",
                "file:///srv/debian",
                "file:///srv/debian",
                Some("/srv/debian"),
            ),
            (
                "file:/srv/debian/",
                "file:///srv/debian",
                "file:///srv/debian",
                Some("/srv/debian"),
            ),
            (
                "file://localhost/srv/debian",
                "file:///srv/debian",
                "file:///srv/debian",
                Some("/srv/debian"),
            ),
            (
                "FILE://LocalHost/srv/debian",
                "file:///srv/debian",
                "file:///srv/debian",
                Some("/srv/debian"),
            ),
            ("FILE:///x", "file:///x", "file:///x", Some("/x")),
            ("file:/x", "file:///x", "file:///x", Some("/x")),
            (
                "file:////srv//debian",
                "file:///srv//debian",
                "file:///srv//debian",
                Some("/srv//debian"),
            ),
            (
                "file:///srv/my debian/é",
                "file:///srv/my debian/é",
                "file:///srv/my debian/é",
                Some("/srv/my debian/é"),
            ),
        ];
        for &(input, request, shown, local) in table {
            let m = ok(input);
            assert_eq!(m.request_url(), request, "{input}");
            assert_eq!(m.to_string(), shown, "{input}");
            assert_eq!(m.redacted(), shown, "{input}");
            assert_eq!(m.is_local(), local.is_some(), "{input}");
            assert_eq!(m.local_path(), local.map(Path::new), "{input}");
            assert_eq!(m.has_credentials(), request != shown, "{input}");
            // The normal form parses to the same mirror.
            assert_eq!(ok(m.request_url()), m, "{input}");
        }
    }

    #[test]
    fn refused_spellings_say_what_is_wrong() {
        use MirrorProblem::*;
        let table: &[(&str, MirrorProblem)] = &[
            ("", Empty),
            ("   ", Empty),
            ("http:/éx", NoSlashes),
            ("http:/mirror.invalid/debian", NoSlashes),
            ("http:mirror.invalid", NoSlashes),
            ("http://", NoHost),
            ("http:///debian", NoHost),
            ("https://user:pass@/debian", NoHost),
            ("http://:80/debian", NoHost),
            ("ftp://mirror.invalid/debian", UnsupportedScheme),
            ("mirror.invalid:80/debian", UnsupportedScheme),
            ("mirror.invalid/debian", NoScheme),
            ("/srv/debian", NoScheme),
            ("://mirror.invalid", NoScheme),
            ("é://mirror.invalid", NoScheme),
            ("http://mirror.invalid:99999/debian", BadPort),
            ("http://mirror.invalid:0/debian", BadPort),
            ("http://mirror.invalid:8o/debian", BadPort),
            ("http://mirror.invalid:80:80/debian", BadPort),
            ("http://éx.invalid/debian", BadHost),
            ("http://-x.invalid/debian", BadHost),
            ("http://[::1/debian", BadHost),
            ("http://[]/debian", BadHost),
            ("http://[:]/debian", BadHost),
            ("http://[1.2.3.4]/debian", BadHost),
            ("http://[::1]x/debian", BadHost),
            ("http://[fe80::1%25eth0]/debian", BadHost),
            ("http://us er@mirror.invalid/debian", BadUserinfo),
            ("http://a@b@mirror.invalid/debian", BadUserinfo),
            ("http://mirror.invalid/deb ian", BadPath),
            ("http://mirror.invalid/débian", BadPath),
            ("http://user/pass@mirror.invalid/debian", BadPath),
            ("http://mirror.invalid/debian?x=1", QueryOrFragment),
            ("http://mirror.invalid/debian#top", QueryOrFragment),
            ("http://mirror.invalid/\ndebian", ControlCharacter),
            ("file://srv/debian", FileHost),
            ("file://./debian", FileHost),
            ("file:debian", RelativePath),
            ("file:./debian", RelativePath),
            ("file:~/debian", RelativePath),
            ("file:", FileNoPath),
            ("file://", FileNoPath),
            ("file:///", FileNoPath),
            ("file://localhost", FileNoPath),
            ("file://localhost/", FileNoPath),
        ];
        for &(input, want) in table {
            assert_eq!(problem(input), want, "{input:?}");
        }
    }

    #[test]
    fn errors_name_the_origin_and_hide_credentials() {
        let file = PathBuf::from("/p/Cargo.toml");
        let cases = [
            (
                "ftp://mirror.invalid/debian",
                MirrorSource::Env,
                "mirror `ftp://mirror.invalid/debian` (from CROSSROOT_MIRROR) has a scheme crossroot cannot fetch from (it reads http://, https:// and file://)",
            ),
            (
                "file:debian",
                MirrorSource::Config(file.clone()),
                "mirror `file:debian` (from `mirror` in /p/Cargo.toml) has a relative path; a `file:` URL needs an absolute one",
            ),
            (
                "http://user:secret@mirror.invalid:99999/debian",
                MirrorSource::Flag,
                "mirror `http://***@mirror.invalid:99999/debian` (from --mirror) has an invalid port (a number from 1 to 65535)",
            ),
            (
                "http://user:se/cret@mirror.invalid/debian",
                MirrorSource::Flag,
                "mirror `http://***@mirror.invalid/debian` (from --mirror) has an invalid port (a number from 1 to 65535)",
            ),
            (
                "user:secret@mirror.invalid/debian",
                MirrorSource::Flag,
                "mirror `***@mirror.invalid/debian` (from --mirror) has a scheme crossroot cannot fetch from (it reads http://, https:// and file://)",
            ),
            (
                "HTTP:/user:secret@mirror.invalid",
                MirrorSource::Flag,
                "mirror `HTTP:/***@mirror.invalid` (from --mirror) needs `//` and a host after the scheme",
            ),
        ];
        for (input, origin, want) in cases {
            let err = Mirror::parse(input, origin).unwrap_err();
            assert_eq!(err.to_string(), want);
            assert!(err.hint().is_some_and(|h| !h.contains("secret")));
        }
    }

    #[test]
    fn credentials_never_show() {
        let m = ok("https://user:secret@mirror.invalid/debian");
        assert!(m.request_url().contains("user:secret@"));
        for shown in [
            m.to_string(),
            format!("{m:?}"),
            m.join("dists/x/InRelease").to_string(),
            format!("{:?}", m.join("pool/a.deb")),
        ] {
            assert!(
                !shown.contains("secret") && !shown.contains("user"),
                "{shown}"
            );
        }
        assert_eq!(
            m.join("/dists/x/InRelease").request_url(),
            "https://user:secret@mirror.invalid/debian/dists/x/InRelease"
        );
    }

    #[test]
    fn join_gives_request_url_and_local_path() {
        let m = ok("file:/srv/debian/");
        let f = m.join("pool/main/a.deb");
        assert_eq!(f.request_url(), "file:///srv/debian/pool/main/a.deb");
        assert_eq!(
            f.local_path(),
            Some(Path::new("/srv/debian/pool/main/a.deb"))
        );
        assert_eq!(f.to_string(), "file:///srv/debian/pool/main/a.deb");
        let h = ok("http://mirror.invalid/debian").join("dists/bookworm/InRelease");
        assert_eq!(h.local_path(), None);
        assert_eq!(
            h.to_string(),
            "http://mirror.invalid/debian/dists/bookworm/InRelease"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(input in proptest::prelude::any::<String>()) {
            if let Err(e) = Mirror::parse(&input, MirrorSource::Flag) {
                let _ = e.to_string();
                let _ = e.hint();
            }
        }

        #[test]
        fn never_panics_on_url_like_text(
            input in "[ \t]?(?i)(https?|file|ftp|é)?:?/{0,4}([a-zé0-9:@.\\[\\]%/?#-]|\u{301}){0,24}[ /]?"
        ) {
            match Mirror::parse(&input, MirrorSource::Flag) {
                Ok(m) => {
                    // Normal form: parses to itself; no trailing slash; lowercase scheme.
                    let again = Mirror::parse(m.request_url(), MirrorSource::Flag);
                    proptest::prop_assert_eq!(again.as_ref(), Ok(&m));
                    proptest::prop_assert!(!m.request_url().ends_with('/'));
                    proptest::prop_assert!(
                        ["http://", "https://", "file:///"].iter().any(|s| m.request_url().starts_with(s))
                    );
                    // What is shown parses too, and shows the same.
                    let shown = Mirror::parse(&m.to_string(), MirrorSource::Flag);
                    proptest::prop_assert_eq!(shown.map(|s| s.to_string()), Ok(m.to_string()));
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }

        #[test]
        fn valid_urls_round_trip(
            scheme in "[hH][tT][tT][pP][sS]?",
            user in proptest::option::of("[a-z0-9]{1,6}(:[a-z0-9%]{0,6})?"),
            host in "[a-z0-9]{1,8}(\\.[a-z0-9]{1,8}){0,2}|\\[(::1|fe80::1|2001:db8::8)\\]",
            port in proptest::option::of(1u16..),
            path in "(/[A-Za-z0-9._~%-]{1,8}){0,3}",
            slashes in "/{0,3}",
        ) {
            let auth = user.as_ref().map(|u| format!("{u}@")).unwrap_or_default();
            let port_s = port.map(|p| format!(":{p}")).unwrap_or_default();
            let input = format!("{scheme}://{auth}{host}{port_s}{path}{slashes}");
            let m = ok(&input);
            let scheme = scheme.to_ascii_lowercase();
            proptest::prop_assert_eq!(
                m.request_url(),
                format!("{scheme}://{auth}{host}{port_s}{path}")
            );
            let shown_auth = if user.is_some() { "***@" } else { "" };
            proptest::prop_assert_eq!(m.to_string(), format!("{scheme}://{shown_auth}{host}{port_s}{path}"));
            proptest::prop_assert_eq!(ok(m.request_url()), m);
        }

        #[test]
        fn file_paths_round_trip(
            form in "file:/|file:///|file://localhost/|FILE:///|FiLe://LOCALHOST/",
            path in "[a-zé._-]{1,8}(/[a-zé ._-]{0,7}[a-zé._-]){0,3}",
            slashes in "/{0,2}",
        ) {
            let m = ok(&format!("{form}{path}{slashes}"));
            let path = path.trim_end_matches('/');
            proptest::prop_assert_eq!(m.request_url(), format!("file:///{path}"));
            let want = format!("/{path}");
            proptest::prop_assert_eq!(m.local_path(), Some(Path::new(&want)));
            proptest::prop_assert_eq!(ok(m.request_url()), m);
        }
    }
}
