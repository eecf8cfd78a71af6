//! crossroot-debian (placeholder)
