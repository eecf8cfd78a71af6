//! crossroot-inspect (placeholder; see crates/README.md)
