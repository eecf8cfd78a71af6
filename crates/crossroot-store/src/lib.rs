//! crossroot-store (placeholder; see crates/README.md)
