//! The one trait every crossroot error type implements: [`Hint`], what the user can do next.
//!
//! Owns: the trait and nothing else, so every library crate (the pure ones included) can
//! implement it without depending on anything of ours.
//! Must not: depend on any crate, or render anything (the binary renders `error:` /
//! `Caused by:` / `hint:`).
//!
//! An error that wraps another one (`ArchiveError::Extract(ExtractError)`) returns the inner
//! error's hint when it has none of its own, so the hint of the deepest error reaches the user.

/// What the user can do about an error. Implemented by every library error type; errors
/// without advice return `None`.
pub trait Hint: std::error::Error {
    /// One sentence the user can act on (a command, a flag, a variable), or `None`.
    fn hint(&self) -> Option<String>;
}
