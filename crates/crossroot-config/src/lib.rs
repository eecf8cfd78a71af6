//! crossroot-config (placeholder; see crates/README.md)
