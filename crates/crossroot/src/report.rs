//! One error report at the top: `error:`, each `Caused by:`, and a `hint:` found anywhere in the
//! chain. Readable without colour.

use crate::printer::Printer;
use crossroot_hint::Hint as _;

/// A hint attached at the top level, for errors raised by the binary itself.
#[derive(Debug)]
pub struct Hint(pub String);

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The hint carried by a known library error, if any.
fn hint_of(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    macro_rules! hints {
        ($($ty:ty),* $(,)?) => {
            $(if let Some(e) = err.downcast_ref::<$ty>() {
                return e.hint();
            })*
        };
    }
    hints!(
        crossroot_provision::Error,
        crossroot_target::TargetError,
        crossroot_config::ConfigError,
        crossroot_inspect::InspectPathError,
        crossroot_archive::ArchiveError,
        crossroot_store::StoreError,
        crossroot_toolchain::Error,
        crossroot_runner::Error,
        crossroot_inspect::InspectError,
        crossroot_inspect::floor::FloorError,
        crossroot_inspect::deps::StaticDepsError,
        crossroot_inspect::report::ReportError,
        crossroot_inspect::artefacts::MemoError,
        crossroot_debian::resolve::ResolveError,
        crossroot_debian::index::IndexError,
        crossroot_debian::verify::VerifyError,
    );
    None
}

pub fn render(err: &anyhow::Error, printer: &Printer) {
    for line in lines(err) {
        printer.line(&line);
    }
}

/// The report's lines: `error:`, each `Caused by:`, and the first hint found in the chain.
fn lines(err: &anyhow::Error) -> Vec<String> {
    let mut hint = err.downcast_ref::<Hint>().map(|h| h.0.clone());
    let mut lines = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if hint.as_deref() == Some(text.as_str()) {
            continue;
        }
        if hint.is_none() {
            hint = hint_of(cause);
        }
        if lines.is_empty() {
            lines.push(format!("error: {text}"));
        } else {
            lines.push(format!("  Caused by: {text}"));
        }
    }
    if let Some(hint) = hint {
        lines.push(format!("  hint: {hint}"));
    }
    lines
}

/// Attach a hint to an error: `Err(e).with_hint("…")`.
pub trait WithHint<T> {
    fn with_hint(self, hint: impl Into<String>) -> anyhow::Result<T>;
}

impl<T, E: Into<anyhow::Error>> WithHint<T> for Result<T, E> {
    fn with_hint(self, hint: impl Into<String>) -> anyhow::Result<T> {
        self.map_err(|e| e.into().context(Hint(hint.into())))
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// Every library error type that has a hint gets it to the user, wherever it sits in the
    /// chain (directly, under context, or wrapped by another library's error).
    #[test]
    fn each_error_type_with_a_hint_renders_it() {
        let path = PathBuf::from("/x");
        let errors: Vec<(anyhow::Error, &str)> = vec![
            (
                crossroot_target::parse("x86_64-pc-windows-msvc")
                    .unwrap_err()
                    .into(),
                "x86_64-pc-windows-gnu",
            ),
            (
                crossroot_config::ConfigError::NoCacheDir.into(),
                "CROSSROOT_CACHE_DIR",
            ),
            (
                crossroot_archive::ArchiveError::OfflineMissing { missing: vec![] }.into(),
                "without --offline",
            ),
            (
                crossroot_store::StoreError::LockTimeout {
                    path: path.clone(),
                    waited_secs: 1,
                }
                .into(),
                "CROSSROOT_",
            ),
            (crossroot_toolchain::Error::NoRustc.into(), "rustup"),
            (
                crossroot_runner::Error::NotInTree {
                    qemu: "qemu-aarch64",
                    tree: path.clone(),
                }
                .into(),
                "remove",
            ),
            (
                crossroot_inspect::InspectError::Truncated {
                    what: "x".into(),
                    len: 1,
                }
                .into(),
                "incomplete",
            ),
            (
                crossroot_provision::Error::from(crossroot_toolchain::Error::NoRustc).into(),
                "rustup",
            ),
            (
                crossroot_inspect::deps::StaticDepsError {
                    target: crossroot_target::parse("arm64").unwrap(),
                    artefacts: vec![],
                }
                .into(),
                "vendored",
            ),
            (
                crossroot_provision::Error::MuslWithDebianLibraries {
                    target: "x86_64-unknown-linux-musl".into(),
                    packages: vec!["zlib1g-dev".into()],
                    gnu: Some("x86_64-unknown-linux-gnu"),
                }
                .into(),
                "--static-deps",
            ),
            (
                anyhow::Error::from(crossroot_provision::Error::UnsupportedHost { arch: "m68k" })
                    .context("while doing something"),
                "install clang",
            ),
        ];
        for (err, want) in errors {
            let lines = lines(&err);
            let hint = lines.iter().find(|l| l.starts_with("  hint: "));
            assert!(
                hint.is_some_and(|h| h.contains(want)),
                "no hint containing {want:?} in {lines:#?}"
            );
            assert!(lines[0].starts_with("error: "), "{lines:#?}");
        }
    }
}
