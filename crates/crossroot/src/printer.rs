//! Output: cargo-style status lines on stderr, quiet and verbose modes, and progress bars
//! (through `indicatif`, only on a terminal).

use std::io::{IsTerminal, Write};

use crate::cli::GlobalArgs;

#[derive(Debug, Clone)]
pub struct Printer {
    pub verbose: u8,
    pub quiet: bool,
    /// Whether stderr is a terminal (progress bars and colour only then).
    pub tty: bool,
}

impl Printer {
    pub fn new(global: &GlobalArgs) -> Self {
        Printer {
            verbose: global.verbose,
            quiet: global.quiet,
            tty: std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        }
    }

    /// A right-aligned status word and a message, like cargo's `   Compiling foo`.
    pub fn status(&self, word: &str, msg: impl std::fmt::Display) {
        if !self.quiet {
            self.line(&format!("{word:>12} {msg}"));
        }
    }

    /// Shown only with `-v`.
    pub fn verbose(&self, msg: impl std::fmt::Display) {
        if self.verbose > 0 {
            self.line(&format!("{:>12} {msg}", "Note"));
        }
    }

    pub fn warn(&self, msg: impl std::fmt::Display) {
        self.line(&format!("warning: {msg}"));
    }

    /// A raw line on stderr.
    pub fn line(&self, line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }
}

/// Write the command's own output to stdout (the only place that does).
#[allow(clippy::print_stdout)]
pub fn out(text: impl std::fmt::Display) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
}
