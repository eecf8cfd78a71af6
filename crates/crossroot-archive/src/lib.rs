//! crossroot-archive (placeholder; see crates/README.md)
