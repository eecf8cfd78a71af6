//! crossroot-archive (placeholder; see crates/README.md)
pub mod extract;
