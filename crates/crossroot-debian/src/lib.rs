//! crossroot-debian: Debian formats and logic — deb822 parsing, version ordering, package
//! relations, `Release`/`Packages` indexes, InRelease signature verification and the dependency
//! resolver.
//!
//! Everything here is pure: inputs are `&str`/`&[u8]`, outputs are values. This crate must not do
//! any I/O (no files, no network, no environment); fetching and caching live in
//! `crossroot-archive`.

pub mod deb822;
pub mod index;
pub mod relation;
pub mod resolve;
pub mod verify;
pub mod version;
