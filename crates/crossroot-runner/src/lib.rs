//! crossroot-runner (placeholder; see crates/README.md)
