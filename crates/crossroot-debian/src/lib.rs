//! crossroot-debian: Debian formats and logic — deb822 parsing, version ordering, package
//! relations, `Release`/`Packages` indexes, InRelease signature verification and the dependency
//! resolver.
//!
//! Everything here is pure: inputs are `&str`/`&[u8]`, outputs are values. This crate must not do
//! any I/O (no files, no network, no environment); fetching, caching and extraction live in
//! `crossroot-archive`, apt sources discovery in `crossroot-config`.
//!
//! The chain of trust, in the order a caller uses it:
//! 1. [`verify::Keyring::verify_clearsigned`] on the downloaded `InRelease` bytes → the signed
//!    text only;
//! 2. [`index::parse_release`] on that text → [`index::ReleaseFile::packages_entry`] gives the
//!    size and SHA-256 the `Packages.xz` must have;
//! 3. [`index::parse_packages`] on the checked, decompressed index → [`index::PackageEntry`]s
//!    with each `.deb`'s size and SHA-256;
//! 4. [`resolve::Universe::resolve`] → the `.deb`s a link sysroot needs, each with a why-chain.

pub mod deb822;
pub mod index;
pub mod relation;
pub mod resolve;
pub mod verify;
pub mod version;
