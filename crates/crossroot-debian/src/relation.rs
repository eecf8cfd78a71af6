//! Package relationship fields: `Depends`, `Pre-Depends`, `Provides`, … (Debian policy §7.1).
//!
//! A field is a comma-separated list of groups; a group is `|`-separated alternatives; each
//! alternative is `name[:archqual] [(op version)] [[arch list]] [<profiles>…]`.
//!
//! - operators: `<<`, `<=`, `=`, `>=`, `>>` (and the obsolete `<`/`>`, read as `<=`/`>=`, as
//!   dpkg does);
//! - arch qualifiers: `:any`, `:native`, `:<arch>`;
//! - arch restrictions `[amd64 !i386]` (source packages) decide whether the alternative applies
//!   for an architecture, see [`Relation::applies_to`];
//! - build profiles `<!nocheck> <stage1>` are parsed and evaluated with no profile active: an
//!   alternative restricted to a profile (`<stage1>`) does not apply, a negated one
//!   (`<!nocheck>`) does.
//!
//! Empty groups (a trailing comma, an empty field) are skipped.

use std::fmt;

use crate::version::Version;

/// A version comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `<<`: strictly earlier.
    Lt,
    /// `<=`: earlier or equal.
    Le,
    /// `=`: exactly equal.
    Eq,
    /// `>=`: later or equal.
    Ge,
    /// `>>`: strictly later.
    Gt,
}

impl Op {
    /// The operator as written in control files.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">>",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `(op version)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// The comparison.
    pub op: Op,
    /// The version compared against.
    pub version: Version,
}

impl Constraint {
    /// True when `candidate` satisfies the constraint.
    pub fn matches(&self, candidate: &Version) -> bool {
        use std::cmp::Ordering::*;
        let ord = candidate.cmp(&self.version);
        match self.op {
            Op::Lt => ord == Less,
            Op::Le => ord != Greater,
            Op::Eq => ord == Equal,
            Op::Ge => ord != Less,
            Op::Gt => ord == Greater,
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op, self.version)
    }
}

/// The `:qualifier` after a package name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ArchQualifier {
    /// `:any` — any architecture, allowed for `Multi-Arch: allowed` packages.
    Any,
    /// `:native` — the build architecture.
    Native,
    /// `:<arch>` — a specific Debian architecture.
    Arch(String),
}

/// One entry of an `[arch list]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchRestriction {
    /// `!arch`.
    pub negated: bool,
    /// The architecture (or wildcard such as `linux-any`, `any-arm64`).
    pub arch: String,
}

/// One build-profile term such as `!nocheck`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileTerm {
    /// `!profile`.
    pub negated: bool,
    /// The profile name.
    pub name: String,
}

/// One alternative: a package name with its optional qualifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The package (or virtual package) name.
    pub name: String,
    /// `:any`, `:native`, `:arch`.
    pub arch_qualifier: Option<ArchQualifier>,
    /// `(op version)`.
    pub constraint: Option<Constraint>,
    /// `[arch …]`.
    pub arch_restrictions: Vec<ArchRestriction>,
    /// `<profile …>` lists: the alternative applies when any list is satisfied.
    pub profiles: Vec<Vec<ProfileTerm>>,
}

impl Relation {
    /// Whether this alternative applies when building for `arch` with no build profile active.
    pub fn applies_to(&self, arch: &str) -> bool {
        let arch_ok = if self.arch_restrictions.is_empty() {
            true
        } else if self.arch_restrictions.iter().all(|r| r.negated) {
            !self
                .arch_restrictions
                .iter()
                .any(|r| arch_matches(&r.arch, arch))
        } else {
            self.arch_restrictions
                .iter()
                .any(|r| !r.negated && arch_matches(&r.arch, arch))
        };
        let profiles_ok = self.profiles.is_empty()
            || self
                .profiles
                .iter()
                .any(|list| list.iter().all(|t| t.negated));
        arch_ok && profiles_ok
    }

    /// True when `version` satisfies the constraint (always true without one).
    pub fn version_matches(&self, version: &Version) -> bool {
        self.constraint.as_ref().is_none_or(|c| c.matches(version))
    }
}

/// Match a Debian architecture against a name or a wildcard (`any`, `linux-any`, `any-<cpu>`).
/// crossroot only deals with Linux targets, so the OS part of wildcards is `linux` or `any`.
pub fn arch_matches(pattern: &str, arch: &str) -> bool {
    if pattern == arch || pattern == "any" || pattern == "linux-any" {
        return true;
    }
    match pattern.split_once('-') {
        Some((os, cpu)) => (os == "any" || os == "linux") && (cpu == "any" || cpu == arch),
        None => false,
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        match &self.arch_qualifier {
            Some(ArchQualifier::Any) => f.write_str(":any")?,
            Some(ArchQualifier::Native) => f.write_str(":native")?,
            Some(ArchQualifier::Arch(a)) => write!(f, ":{a}")?,
            None => {}
        }
        if let Some(c) = &self.constraint {
            write!(f, " ({c})")?;
        }
        if !self.arch_restrictions.is_empty() {
            let list: Vec<String> = self
                .arch_restrictions
                .iter()
                .map(|r| format!("{}{}", if r.negated { "!" } else { "" }, r.arch))
                .collect();
            write!(f, " [{}]", list.join(" "))?;
        }
        for list in &self.profiles {
            let terms: Vec<String> = list
                .iter()
                .map(|t| format!("{}{}", if t.negated { "!" } else { "" }, t.name))
                .collect();
            write!(f, " <{}>", terms.join(" "))?;
        }
        Ok(())
    }
}

/// A `|`-separated group: satisfied by any one of its alternatives.
pub type Alternatives = Vec<Relation>;

/// A relationship field that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid relation `{text}`: {reason}")]
pub struct RelationError {
    /// The alternative (or field) that failed.
    pub text: String,
    /// What was wrong.
    pub reason: String,
}

fn err(text: &str, reason: impl Into<String>) -> RelationError {
    RelationError {
        text: text.trim().to_owned(),
        reason: reason.into(),
    }
}

fn valid_package_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_'))
}

/// Parse a field such as `Depends` into its groups of alternatives.
pub fn parse_relations(field: &str) -> Result<Vec<Alternatives>, RelationError> {
    let mut groups = Vec::new();
    for group in field.split(',') {
        if group.trim().is_empty() {
            continue;
        }
        let alts = group
            .split('|')
            .map(parse_one)
            .collect::<Result<Vec<_>, _>>()?;
        groups.push(alts);
    }
    Ok(groups)
}

/// Parse a `Provides` field: no alternatives, and the only constraint allowed is `(= version)`.
pub fn parse_provides(field: &str) -> Result<Vec<Relation>, RelationError> {
    let mut out = Vec::new();
    for group in parse_relations(field)? {
        if group.len() != 1 {
            return Err(err(field, "alternatives (`|`) are not allowed in Provides"));
        }
        for rel in group {
            if let Some(c) = &rel.constraint
                && c.op != Op::Eq
            {
                return Err(err(
                    &rel.to_string(),
                    "only `(= version)` is allowed in Provides",
                ));
            }
            out.push(rel);
        }
    }
    Ok(out)
}

/// The bare package name of one alternative, without parsing the rest:
/// `libc6:any (>= 2.34) [arm64]` → `libc6`. Cheap enough for a pass over a whole index; the
/// name is not validated (use [`parse_one`] for that).
pub fn bare_name(text: &str) -> &str {
    let text = text.trim();
    let end = text
        .find(|c: char| c.is_whitespace() || matches!(c, '(' | ':' | '[' | '<'))
        .unwrap_or(text.len());
    &text[..end]
}

/// Parse one alternative.
pub fn parse_one(text: &str) -> Result<Relation, RelationError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(err(text, "empty alternative"));
    }
    let name_end = s
        .find(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '<' | ':'))
        .unwrap_or(s.len());
    let name = &s[..name_end];
    if !valid_package_name(name) {
        return Err(err(text, format!("invalid package name `{name}`")));
    }
    let mut rest = &s[name_end..];

    let mut arch_qualifier = None;
    if let Some(q) = rest.strip_prefix(':') {
        let end = q
            .find(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '<'))
            .unwrap_or(q.len());
        let qual = &q[..end];
        arch_qualifier = Some(match qual {
            "" => return Err(err(text, "empty architecture qualifier after `:`")),
            "any" => ArchQualifier::Any,
            "native" => ArchQualifier::Native,
            a if valid_package_name(a) => ArchQualifier::Arch(a.to_owned()),
            a => return Err(err(text, format!("invalid architecture qualifier `{a}`"))),
        });
        rest = &q[end..];
    }
    rest = rest.trim_start();

    let mut constraint = None;
    if let Some(inner) = rest.strip_prefix('(') {
        let Some(close) = inner.find(')') else {
            return Err(err(text, "missing `)`"));
        };
        let body = inner[..close].trim();
        let (op, version) = if let Some(v) = body.strip_prefix("<<") {
            (Op::Lt, v)
        } else if let Some(v) = body.strip_prefix("<=") {
            (Op::Le, v)
        } else if let Some(v) = body.strip_prefix(">=") {
            (Op::Ge, v)
        } else if let Some(v) = body.strip_prefix(">>") {
            (Op::Gt, v)
        } else if let Some(v) = body.strip_prefix('=') {
            (Op::Eq, v)
        } else if let Some(v) = body.strip_prefix('<') {
            (Op::Le, v)
        } else if let Some(v) = body.strip_prefix('>') {
            (Op::Ge, v)
        } else {
            return Err(err(text, format!("unknown version operator in `({body})`")));
        };
        let version: Version = version
            .trim()
            .parse()
            .map_err(|e| err(text, format!("{e}")))?;
        constraint = Some(Constraint { op, version });
        rest = inner[close + 1..].trim_start();
    }

    let mut arch_restrictions = Vec::new();
    if let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else {
            return Err(err(text, "missing `]`"));
        };
        for word in inner[..close].split_whitespace() {
            let (negated, arch) = match word.strip_prefix('!') {
                Some(a) => (true, a),
                None => (false, word),
            };
            if !valid_package_name(arch) {
                return Err(err(text, format!("invalid architecture `{word}`")));
            }
            arch_restrictions.push(ArchRestriction {
                negated,
                arch: arch.to_owned(),
            });
        }
        if arch_restrictions.is_empty() {
            return Err(err(text, "empty architecture list `[]`"));
        }
        if arch_restrictions.iter().any(|r| r.negated)
            && arch_restrictions.iter().any(|r| !r.negated)
        {
            return Err(err(text, "architecture list mixes `!arch` and `arch`"));
        }
        rest = inner[close + 1..].trim_start();
    }

    let mut profiles = Vec::new();
    while let Some(inner) = rest.strip_prefix('<') {
        let Some(close) = inner.find('>') else {
            return Err(err(text, "missing `>`"));
        };
        let mut list = Vec::new();
        for word in inner[..close].split_whitespace() {
            let (negated, name) = match word.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, word),
            };
            if !valid_package_name(name) {
                return Err(err(text, format!("invalid build profile `{word}`")));
            }
            list.push(ProfileTerm {
                negated,
                name: name.to_owned(),
            });
        }
        if list.is_empty() {
            return Err(err(text, "empty build profile list `<>`"));
        }
        profiles.push(list);
        rest = inner[close + 1..].trim_start();
    }

    if !rest.is_empty() {
        return Err(err(text, format!("unexpected `{rest}`")));
    }
    Ok(Relation {
        name: name.to_owned(),
        arch_qualifier,
        constraint,
        arch_restrictions,
        profiles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ver(s: &str) -> Version {
        s.parse().expect("valid version")
    }

    #[test]
    fn bare_names() {
        assert_eq!(bare_name(" libc6:any (>= 2.34) [arm64]"), "libc6");
        assert_eq!(bare_name("libssl3 (= 3.0)"), "libssl3");
        assert_eq!(bare_name("debconf-2.0"), "debconf-2.0");
        assert_eq!(bare_name("foo<!nocheck>"), "foo");
        assert_eq!(bare_name("  "), "");
    }

    #[test]
    fn real_depends_line() {
        let groups = parse_relations(
            "libc6 (>= 2.34), libssl3 (= 3.0.11-1~deb12u2), debconf (>= 0.5) | debconf-2.0",
        )
        .expect("valid");
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0][0].name, "libc6");
        let c = groups[0][0].constraint.as_ref().expect("constraint");
        assert_eq!((c.op, c.version.to_string()), (Op::Ge, "2.34".to_owned()));
        assert_eq!(groups[1][0].constraint.as_ref().map(|c| c.op), Some(Op::Eq));
        assert_eq!(groups[2].len(), 2);
        assert_eq!(groups[2][1].name, "debconf-2.0");
        assert!(groups[2][1].constraint.is_none());
    }

    #[test]
    fn all_operators_and_obsolete_ones() {
        for (text, op) in [
            ("a (<< 1)", Op::Lt),
            ("a (<= 1)", Op::Le),
            ("a (= 1)", Op::Eq),
            ("a (>= 1)", Op::Ge),
            ("a (>> 1)", Op::Gt),
            ("a (< 1)", Op::Le),
            ("a (> 1)", Op::Ge),
            ("a(>=1)", Op::Ge),
        ] {
            let r = parse_one(text).expect(text);
            assert_eq!(r.constraint.map(|c| c.op), Some(op), "{text}");
        }
    }

    #[test]
    fn constraint_matching() {
        let r = parse_one("libc6 (>= 2.34)").expect("valid");
        assert!(r.version_matches(&ver("2.36-9+deb12u3")));
        assert!(!r.version_matches(&ver("2.31-13")));
        let r = parse_one("x (<< 2.0)").expect("valid");
        assert!(r.version_matches(&ver("2.0~rc1")));
        assert!(!r.version_matches(&ver("2.0")));
        let r = parse_one("x (>> 2.0)").expect("valid");
        assert!(!r.version_matches(&ver("2.0")));
        assert!(r.version_matches(&ver("2.0-1")));
        let r = parse_one("x").expect("valid");
        assert!(r.version_matches(&ver("0")));
    }

    #[test]
    fn arch_qualifiers_restrictions_profiles() {
        let r = parse_one("python3:any (>= 3.9~)").expect("valid");
        assert_eq!(r.arch_qualifier, Some(ArchQualifier::Any));
        let r = parse_one("gcc:native").expect("valid");
        assert_eq!(r.arch_qualifier, Some(ArchQualifier::Native));
        let r = parse_one("libfoo:amd64").expect("valid");
        assert_eq!(r.arch_qualifier, Some(ArchQualifier::Arch("amd64".into())));

        let r = parse_one("libseccomp-dev [amd64 arm64] <!nocheck>").expect("valid");
        assert!(r.applies_to("arm64"));
        assert!(!r.applies_to("armhf"));
        let r = parse_one("foo [!i386 !armel]").expect("valid");
        assert!(r.applies_to("arm64"));
        assert!(!r.applies_to("i386"));
        let r = parse_one("foo [linux-any]").expect("valid");
        assert!(r.applies_to("riscv64"));
        let r = parse_one("foo [any-arm64]").expect("valid");
        assert!(r.applies_to("arm64") && !r.applies_to("amd64"));

        assert!(
            parse_one("foo <!nocheck>")
                .expect("valid")
                .applies_to("arm64")
        );
        assert!(
            !parse_one("foo <stage1>")
                .expect("valid")
                .applies_to("arm64")
        );
        assert!(
            parse_one("foo <stage1> <!nocheck !cross>")
                .expect("valid")
                .applies_to("arm64")
        );
    }

    #[test]
    fn display_roundtrips_normalised() {
        let text = "libfoo:any (>= 1:2.0-1) [amd64 arm64] <!nocheck>";
        let r = parse_one(text).expect("valid");
        assert_eq!(r.to_string(), text);
        assert_eq!(parse_one(&r.to_string()).expect("reparse"), r);
    }

    #[test]
    fn multiline_and_trailing_commas() {
        let groups = parse_relations("a,\n b (>= 1),\n\tc ,").expect("valid");
        let names: Vec<_> = groups.iter().map(|g| g[0].name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(parse_relations("").expect("empty ok").is_empty());
    }

    #[test]
    fn provides_versioned_and_refusals() {
        let p = parse_provides("libssl3-dev (= 3.0.11), foo").expect("valid");
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0].constraint.as_ref().map(|c| c.version.to_string()),
            Some("3.0.11".to_owned())
        );
        assert!(parse_provides("a | b").is_err());
        assert!(parse_provides("a (>= 1)").is_err());
    }

    #[test]
    fn syntax_errors_are_typed() {
        for bad in [
            "a (>= 1",
            "a (~= 1)",
            "a (>= )",
            "a [amd64",
            "a [amd64 !i386]",
            "a <stage1",
            "a:",
            "a b",
            "a | ",
            "(>= 1)",
            "a (>= 1) junk",
        ] {
            let e = parse_relations(bad).expect_err(bad);
            assert!(!e.reason.is_empty(), "{bad}");
        }
    }

    fn relation_strategy() -> impl Strategy<Value = String> {
        (
            "[a-z0-9][a-z0-9+.-]{0,10}",
            prop::option::of(prop::sample::select(vec![":any", ":native", ":amd64"])),
            prop::option::of((
                prop::sample::select(vec!["<<", "<=", "=", ">=", ">>"]),
                "[0-9][0-9a-z.+~]{0,5}(-[0-9a-z.+~]{1,3})?",
            )),
            prop::option::of(prop::sample::select(vec!["[amd64 arm64]", "[!i386]"])),
            prop::option::of(prop::sample::select(vec!["<!nocheck>", "<stage1 !cross>"])),
        )
            .prop_map(|(n, q, c, a, p)| {
                let mut s = n;
                if let Some(q) = q {
                    s.push_str(q);
                }
                if let Some((op, v)) = c {
                    s.push_str(&format!(" ({op} {v})"));
                }
                if let Some(a) = a {
                    s.push(' ');
                    s.push_str(a);
                }
                if let Some(p) = p {
                    s.push(' ');
                    s.push_str(p);
                }
                s
            })
    }

    proptest! {
        #[test]
        fn generated_fields_parse_and_roundtrip(
            groups in prop::collection::vec(prop::collection::vec(relation_strategy(), 1..3), 0..5)
        ) {
            let text = groups.iter().map(|g| g.join(" | ")).collect::<Vec<_>>().join(", ");
            let parsed = parse_relations(&text).expect("generated fields are valid");
            prop_assert_eq!(parsed.len(), groups.len());
            let printed = parsed
                .iter()
                .map(|g| g.iter().map(ToString::to_string).collect::<Vec<_>>().join(" | "))
                .collect::<Vec<_>>()
                .join(", ");
            prop_assert_eq!(printed, text);
        }

        #[test]
        fn bare_name_is_the_parsed_name(text in relation_strategy()) {
            let parsed = parse_one(&text).expect("generated relations are valid");
            prop_assert_eq!(bare_name(&text), parsed.name.as_str());
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,40}") {
            let _ = parse_relations(&s);
            let _ = parse_provides(&s);
        }
    }
}
