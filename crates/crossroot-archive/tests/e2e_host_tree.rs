//! `ensure_host_tree` against the real mirror (`CROSSROOT_E2E=1` only): qemu-user-static for the
//! host architecture, unpacked under the cache with a filter that keeps one binary, runs.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::Path;
use std::sync::Arc;

use crossroot_archive::{ArchiveClient, Cache, ClientOptions, PathFilter, Release};

#[test]
fn qemu_user_static_host_tree_runs() {
    if std::env::var("CROSSROOT_E2E").ok().as_deref() != Some("1") {
        eprintln!("skipping qemu_user_static_host_tree_runs: set CROSSROOT_E2E=1");
        return;
    }
    let cwd = std::env::current_dir().unwrap();
    let config = crossroot_config::Config::load(
        &cwd,
        &crossroot_config::Env::from_process(),
        &crossroot_config::Flags::default(),
        Path::new("/"),
    )
    .unwrap();
    let mirror = config.mirror(None).unwrap().url;
    let cache = tempfile::tempdir().unwrap();
    let client = ArchiveClient::new(
        ClientOptions {
            mirror,
            security: None,
            updates: false,
            cache: Cache::new(cache.path()),
            offline: false,
            locked: false,
            verify: true,
            keyring: None,
        },
        Arc::new(crossroot_store::SilentReporter),
    )
    .unwrap();
    // Only the aarch64 binary, as crossroot provisions it for one target.
    let filter = PathFilter::parse(&["-**", "+usr/bin/qemu-aarch64-static"]).unwrap();
    let tree = client
        .ensure_host_tree(
            "qemu",
            "amd64",
            Release::Bookworm,
            &["qemu-user-static".to_string()],
            &filter,
        )
        .unwrap();
    assert!(tree.root.starts_with(cache.path()));
    assert!(tree.packages.iter().any(|p| p.name == "qemu-user-static"));
    let qemu = tree.root.join("usr/bin/qemu-aarch64-static");
    let out = std::process::Command::new(&qemu)
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("qemu-aarch64 version"));
    // The filter applied while unpacking: that binary is all the tree holds.
    let files: Vec<_> = walkdir::WalkDir::new(&tree.root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_type().is_dir())
        .map(|e| e.path().strip_prefix(&tree.root).unwrap().to_path_buf())
        .collect();
    assert_eq!(files, [Path::new("usr/bin/qemu-aarch64-static")]);

    // Asking again is served from the cache without a request.
    let before = client.requests_sent();
    let again = client
        .ensure_host_tree(
            "qemu",
            "amd64",
            Release::Bookworm,
            &["qemu-user-static".to_string()],
            &filter,
        )
        .unwrap();
    assert_eq!(again.root, tree.root);
    assert_eq!(client.requests_sent(), before);
}
