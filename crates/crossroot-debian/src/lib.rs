//! crossroot-debian: Debian formats and logic — deb822 parsing, version ordering, package
//! relations, `Release`/`Packages` indexes, InRelease signature verification and the dependency
//! resolver.
//!
//! Everything here is pure: inputs are `&str`/`&[u8]` (or, for [`prefilter::keep_needed_fields`],
//! a reader the caller opened, so a large index is filtered while it is decompressed), outputs
//! are values. This crate must not do any I/O of its own (no files, no network, no
//! environment); fetching and caching live in `crossroot-archive`, unpacking `.deb`s in
//! `crossroot-extract`, apt sources discovery in `crossroot-config`.
//!
//! The chain of trust, in the order a caller uses it:
//! 1. [`verify::Keyring::verify_clearsigned`] on the downloaded `InRelease` bytes → the signed
//!    text only;
//! 2. [`index::parse_release`] on that text → [`index::ReleaseFile::packages_entry`] gives the
//!    size and SHA-256 the `Packages.xz` must have;
//! 3. [`index::parse_packages`] on the checked, decompressed index (narrowed first by
//!    [`prefilter`]: only the fields and stanzas the resolver reads) → [`index::PackageEntry`]s
//!    with each `.deb`'s size and SHA-256;
//! 4. [`resolve::Universe::resolve`] → the `.deb`s a link sysroot needs, each with a why-chain.

pub mod deb822;
pub mod index;
pub mod prefilter;
pub mod relation;
pub mod resolve;
pub mod verify;
pub mod version;
