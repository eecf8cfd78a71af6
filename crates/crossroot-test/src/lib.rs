//! crossroot-test (placeholder; see crates/README.md)
pub mod pgp;
