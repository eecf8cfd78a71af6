//! crossroot-test (placeholder; see crates/README.md)
