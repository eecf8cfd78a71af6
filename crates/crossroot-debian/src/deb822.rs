//! deb822 control-file syntax: paragraphs of `Field: value` lines separated by blank lines.
//!
//! Used for `Packages`, `Release`/`InRelease` and apt `.sources` files. Parsing borrows from the
//! input wherever a value fits on one line (nearly every field of a `Packages` file), so a 50 MB
//! index costs one `Vec` of slices per stanza, not one `String` per field.
//!
//! Value rules (Debian policy §5.1):
//! - the first line's value has surrounding whitespace trimmed;
//! - each continuation line (starting with a space or tab) is appended after a `\n`, with its
//!   first whitespace character removed and trailing whitespace trimmed;
//! - a continuation line consisting of ` .` stands for an empty line;
//! - lines starting with `#` are comments and are skipped, wherever they appear;
//! - a line with only whitespace ends a paragraph; `\r\n` line ends are accepted.
//!
//! Field names are matched case-insensitively. A field repeated within one paragraph is an error
//! (dpkg refuses it too).

use std::borrow::Cow;

/// One `Field: value` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field name as written (case preserved).
    pub name: Cow<'a, str>,
    /// The value, with continuation lines joined by `\n` (see the module doc).
    pub value: Cow<'a, str>,
}

/// One paragraph (stanza) of a deb822 file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paragraph<'a> {
    fields: Vec<Field<'a>>,
    line: usize,
}

impl<'a> Paragraph<'a> {
    /// Value of `field` (case-insensitive), if present.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(field))
            .map(|f| f.value.as_ref())
    }

    /// True when the paragraph has `field` (case-insensitive).
    pub fn contains(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// All fields, in file order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .map(|f| (f.name.as_ref(), f.value.as_ref()))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the paragraph has no fields (never true for a parsed paragraph).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// 1-based line number of the paragraph's first field, for error messages.
    pub fn line(&self) -> usize {
        self.line
    }

    /// A copy that no longer borrows from the input text.
    pub fn into_owned(self) -> Paragraph<'static> {
        Paragraph {
            fields: self
                .fields
                .into_iter()
                .map(|f| Field {
                    name: Cow::Owned(f.name.into_owned()),
                    value: Cow::Owned(f.value.into_owned()),
                })
                .collect(),
            line: self.line,
        }
    }
}

/// A deb822 syntax error; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Deb822Error {
    /// A line that is neither a field, a continuation, a comment nor blank.
    #[error("line {line}: expected `Field: value`, found `{text}`")]
    MissingColon {
        /// 1-based line number.
        line: usize,
        /// The offending line (shortened).
        text: String,
    },
    /// A continuation line with no field before it in the paragraph.
    #[error("line {line}: continuation line without a field before it")]
    UnexpectedContinuation {
        /// 1-based line number.
        line: usize,
    },
    /// A field name that is empty or contains characters deb822 does not allow.
    #[error("line {line}: invalid field name `{name}`")]
    InvalidFieldName {
        /// 1-based line number.
        line: usize,
        /// The name as written.
        name: String,
    },
    /// The same field twice in one paragraph.
    #[error("line {line}: field `{name}` repeated in the paragraph starting at line {first_line}")]
    DuplicateField {
        /// 1-based line number of the repetition.
        line: usize,
        /// The field name.
        name: String,
        /// 1-based line number where the paragraph starts.
        first_line: usize,
    },
}

impl Deb822Error {
    /// The 1-based line number the error points at.
    pub fn line(&self) -> usize {
        match self {
            Self::MissingColon { line, .. }
            | Self::UnexpectedContinuation { line }
            | Self::InvalidFieldName { line, .. }
            | Self::DuplicateField { line, .. } => *line,
        }
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

fn valid_field_name(name: &str) -> bool {
    // Policy: US-ASCII printable except control chars, space and colon; must not start with
    // `#` or `-`.
    !name.is_empty()
        && !name.starts_with(['#', '-'])
        && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

/// Parse a whole deb822 document into its paragraphs.
pub fn parse(text: &str) -> Result<Vec<Paragraph<'_>>, Deb822Error> {
    paragraphs(text).collect()
}

/// Iterate over the paragraphs of a document one at a time (what [`parse`] collects). Large
/// indexes can be converted stanza by stanza without holding every paragraph at once. After an
/// error the iterator ends.
pub fn paragraphs(text: &str) -> Paragraphs<'_> {
    Paragraphs {
        lines: text.split('\n').enumerate(),
        failed: false,
    }
}

/// Iterator returned by [`paragraphs`].
#[derive(Debug, Clone)]
pub struct Paragraphs<'a> {
    lines: std::iter::Enumerate<std::str::Split<'a, char>>,
    failed: bool,
}

fn flush_pending(current: &mut Paragraph<'_>, pending: &mut Option<String>) {
    if let Some(value) = pending.take()
        && let Some(last) = current.fields.last_mut()
    {
        last.value = Cow::Owned(value);
    }
}

impl<'a> Paragraphs<'a> {
    fn fail(&mut self, e: Deb822Error) -> Option<Result<Paragraph<'a>, Deb822Error>> {
        self.failed = true;
        Some(Err(e))
    }
}

impl<'a> Iterator for Paragraphs<'a> {
    type Item = Result<Paragraph<'a>, Deb822Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let mut current = Paragraph {
            fields: Vec::with_capacity(24),
            line: 0,
        };
        // Continuation lines of the last field, collected lazily: only multi-line values
        // allocate.
        let mut pending: Option<String> = None;
        while let Some((index, raw)) = self.lines.next() {
            let lineno = index + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.starts_with('#') {
                continue;
            }
            if line.trim().is_empty() {
                if current.fields.is_empty() {
                    continue;
                }
                flush_pending(&mut current, &mut pending);
                return Some(Ok(current));
            }
            if line.starts_with([' ', '\t']) {
                let Some(last) = current.fields.last() else {
                    return self.fail(Deb822Error::UnexpectedContinuation { line: lineno });
                };
                let rest = line[1..].trim_end();
                let rest = if rest.trim() == "." { "" } else { rest };
                let buf = pending.get_or_insert_with(|| last.value.as_ref().to_owned());
                buf.push('\n');
                buf.push_str(rest);
                continue;
            }
            flush_pending(&mut current, &mut pending);
            let Some((name, value)) = line.split_once(':') else {
                return self.fail(Deb822Error::MissingColon {
                    line: lineno,
                    text: shorten(line),
                });
            };
            if !valid_field_name(name) {
                return self.fail(Deb822Error::InvalidFieldName {
                    line: lineno,
                    name: shorten(name),
                });
            }
            if current.fields.is_empty() {
                current.line = lineno;
            } else if current.contains(name) {
                let first_line = current.line;
                return self.fail(Deb822Error::DuplicateField {
                    line: lineno,
                    name: name.to_owned(),
                    first_line,
                });
            }
            current.fields.push(Field {
                name: Cow::Borrowed(name),
                value: Cow::Borrowed(value.trim()),
            });
        }
        flush_pending(&mut current, &mut pending);
        (!current.fields.is_empty()).then_some(Ok(current))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_paragraphs_case_insensitive_lookup() {
        let text = "Package: libc6\nVersion: 2.36-9\n\nPackage: zlib1g\nversion: 1:1.2.13\n";
        let ps = parse(text).expect("valid deb822");
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].get("package"), Some("libc6"));
        assert_eq!(ps[0].get("VERSION"), Some("2.36-9"));
        assert_eq!(ps[1].get("Version"), Some("1:1.2.13"));
        assert_eq!(ps[1].line(), 4);
        assert_eq!(ps[0].get("Depends"), None);
    }

    #[test]
    fn multiline_values_fold_with_dot_lines() {
        let text = "Description: short\n long line one\n .\n  indented verbatim\nFoo: bar\n";
        let ps = parse(text).expect("valid deb822");
        assert_eq!(
            ps[0].get("Description"),
            Some("short\nlong line one\n\n indented verbatim")
        );
        assert_eq!(ps[0].get("foo"), Some("bar"));
    }

    #[test]
    fn empty_first_line_value_then_continuations() {
        let text = "SHA256:\n abc 12 main/x\n def 34 main/y\n";
        let ps = parse(text).expect("valid deb822");
        assert_eq!(ps[0].get("SHA256"), Some("\nabc 12 main/x\ndef 34 main/y"));
    }

    #[test]
    fn comments_crlf_and_many_blank_lines() {
        let text = "# leading\r\n\r\n\r\nTypes: deb\r\n# inside\r\nURIs: x\r\n  \r\n\r\n";
        let ps = parse(text).expect("valid deb822");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].get("types"), Some("deb"));
        assert_eq!(ps[0].get("uris"), Some("x"));
        let names: Vec<_> = ps[0].fields().map(|(n, _)| n).collect();
        assert_eq!(names, ["Types", "URIs"]);
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("Package: a\nnot a field\n").expect_err("no colon");
        assert_eq!(err.line(), 2);
        assert!(err.to_string().contains("line 2"), "{err}");

        let err = parse("\n continuation\n").expect_err("orphan continuation");
        assert!(matches!(
            err,
            Deb822Error::UnexpectedContinuation { line: 2 }
        ));

        let err = parse("A: 1\na: 2\n").expect_err("dup");
        assert!(matches!(err, Deb822Error::DuplicateField { line: 2, .. }));

        let err = parse(": value\n").expect_err("empty name");
        assert!(matches!(err, Deb822Error::InvalidFieldName { line: 1, .. }));
    }

    #[test]
    fn iterator_yields_paragraphs_then_stops_after_an_error() {
        let mut it = paragraphs("A: 1\n\nB: 2\nbroken\n\nC: 3\n");
        assert_eq!(
            it.next()
                .and_then(Result::ok)
                .and_then(|p| p.get("a").map(str::to_owned)),
            Some("1".into())
        );
        assert!(matches!(
            it.next(),
            Some(Err(Deb822Error::MissingColon { line: 4, .. }))
        ));
        assert!(it.next().is_none());
    }

    #[test]
    fn empty_input_has_no_paragraphs() {
        assert!(parse("").expect("empty is fine").is_empty());
        assert!(parse("\n\n# c\n").expect("blank is fine").is_empty());
    }

    proptest::proptest! {
        /// The fuzz target's property, run without nightly: never a panic, lookups consistent.
        #[test]
        fn arbitrary_text_never_panics(text in "(\\PC{0,12}[\n: #.\t]{0,3}){0,20}") {
            if let Ok(ps) = parse(&text) {
                for p in &ps {
                    proptest::prop_assert!(!p.is_empty());
                    for (name, value) in p.fields() {
                        proptest::prop_assert_eq!(p.get(name), Some(value));
                    }
                }
            }
        }

        /// Generated documents parse back to the fields they were built from.
        #[test]
        fn generated_documents_roundtrip(
            paras in proptest::collection::vec(
                proptest::collection::btree_map("[A-Za-z][A-Za-z0-9-]{0,8}", "[a-z0-9 ()<>=.,|]{0,20}", 1..5),
                1..4,
            )
        ) {
            let mut text = String::new();
            for p in &paras {
                // Field names are case-insensitive: drop names equal but for case.
                let mut seen = std::collections::HashSet::new();
                for (k, v) in p {
                    if seen.insert(k.to_ascii_lowercase()) {
                        text.push_str(&format!("{k}: {v}\n"));
                    }
                }
                text.push('\n');
            }
            let parsed = parse(&text).expect("generated documents are valid");
            proptest::prop_assert_eq!(parsed.len(), paras.len());
            for (p, want) in parsed.iter().zip(&paras) {
                for (k, v) in want {
                    let got = p.get(k).expect("field present");
                    if p.fields().any(|(n, _)| n == k) {
                        proptest::prop_assert_eq!(got, v.trim());
                    }
                }
            }
        }
    }

    #[test]
    fn into_owned_keeps_everything() {
        let owned = {
            let text = String::from("Package: a\nDescription: x\n y\n");
            let ps = parse(&text).expect("valid");
            ps.into_iter()
                .map(Paragraph::into_owned)
                .collect::<Vec<_>>()
        };
        assert_eq!(owned[0].get("package"), Some("a"));
        assert_eq!(owned[0].get("description"), Some("x\ny"));
    }
}
