//! crossroot-toolchain (placeholder; see crates/README.md)
