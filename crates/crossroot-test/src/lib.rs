//! Test support for crossroot: a builder that writes a small, real, signed Debian archive into a
//! temp dir, `.deb` files built from a description (hostile ones too: escapes, devices,
//! decompression bombs), and a 127.0.0.1 HTTP server that serves it
//! and can inject faults (404, 500, truncation, replaced bodies, trickled, stalled and oversized
//! bodies); `pgp` makes the signing key.
//!
//! Owns: fixtures only. Must not: be a dependency of any non-test code, or reach the network
//! beyond the loopback address.

#![allow(clippy::unwrap_used)]

pub mod archive;
pub mod deb;
pub mod pgp;
pub mod server;

pub use archive::{ArchiveBuilder, BuiltArchive, BuiltDeb};
pub use deb::{DebSpec, Entry};
pub use server::{Fault, TestServer};
