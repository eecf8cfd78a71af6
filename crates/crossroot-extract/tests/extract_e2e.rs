//! End to end, gated by `CROSSROOT_E2E=1`: real arm64 packages from the host's Debian mirror,
//! extracted and finalized like a sysroot. The mirror is read from the host's apt sources at
//! run time. Prints the extraction throughput (no timing assertion).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crossroot_extract::{ExtractOptions, extract_deb, finalize_tree, read_control};
use sha2::{Digest, Sha256};

fn e2e_enabled() -> bool {
    if std::env::var_os("CROSSROOT_E2E").is_some_and(|v| v == "1") {
        return true;
    }
    println!("skipped: set CROSSROOT_E2E=1 to download real packages from the host's mirror");
    false
}

/// The Debian archive the host's apt sources name, found the way crossroot finds it.
fn host_mirror() -> Option<String> {
    let sources = crossroot_config::apt::read_sources(Path::new("/"));
    crossroot_config::apt::pick_debian(&sources.sources)
        .map(|(url, _file)| url.request_url().to_string())
}

fn get(url: &str) -> Vec<u8> {
    let response = ureq::get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let mut body = Vec::new();
    response
        .into_body()
        .into_reader()
        .read_to_end(&mut body)
        .unwrap();
    body
}

/// Package name -> (Filename, SHA256) from a release's arm64 `Packages.xz`.
fn index(mirror: &str, release: &str) -> HashMap<String, (String, String)> {
    let url = format!("{mirror}/dists/{release}/main/binary-arm64/Packages.xz");
    let mut text = String::new();
    liblzma::read::XzDecoder::new(&get(&url)[..])
        .read_to_string(&mut text)
        .unwrap();
    let mut out = HashMap::new();
    for stanza in text.split("\n\n") {
        let field = |name: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(": ").map(str::to_owned))
        };
        if let (Some(p), Some(f), Some(s)) = (field("Package"), field("Filename"), field("SHA256"))
        {
            out.insert(p, (f, s));
        }
    }
    out
}

/// Downloads `packages`, checks each against the index hash, extracts them into `root`.
fn build(mirror: &str, release: &str, packages: &[&str], root: &Path) {
    let index = index(mirror, release);
    let debs: Vec<(String, Vec<u8>)> = packages
        .iter()
        .map(|name| {
            let (file, sha) = index
                .get(*name)
                .unwrap_or_else(|| panic!("{name} not in {release}"));
            let deb = get(&format!("{mirror}/{file}"));
            assert_eq!(hex(&Sha256::digest(&deb)), *sha, "{name}: hash mismatch");
            (name.to_string(), deb)
        })
        .collect();
    let compressed: usize = debs.iter().map(|(_, d)| d.len()).sum();
    let start = Instant::now();
    let mut bytes = 0;
    let mut files = 0;
    for (name, deb) in &debs {
        let out = extract_deb(&deb[..], root, &ExtractOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        bytes += out.bytes;
        files += out.files;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{release}: extracted {} debs ({:.1} MB compressed) -> {files} files, {:.1} MB in {secs:.3} s ({:.0} MB/s unpacked)",
        debs.len(),
        compressed as f64 / 1e6,
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / secs
    );
    let (name, deb) = &debs[0];
    assert!(
        read_control(&deb[..])
            .unwrap()
            .contains(&format!("Package: {name}\n"))
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn bookworm_libssl_dev_unpacks_into_a_working_split_usr_sysroot() {
    if !e2e_enabled() {
        return;
    }
    let mirror = host_mirror().expect("no Debian mirror in the host's apt sources");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sysroot");
    fs_err::create_dir(&root).unwrap();
    build(
        &mirror,
        "bookworm",
        // The Depends closure of libssl-dev (23 packages), as the sysroot builder would fetch it.
        &[
            "libssl-dev",
            "libssl3",
            "libc6",
            "libgcc-s1",
            "gcc-12-base",
            "libc6-dev",
            "libc-dev-bin",
            "linux-libc-dev",
            "libcrypt-dev",
            "libcrypt1",
            "rpcsvc-proto",
            "libnsl-dev",
            "libnsl2",
            "libtirpc-dev",
            "libtirpc3",
            "libtirpc-common",
            "libgssapi-krb5-2",
            "libkrb5-3",
            "libk5crypto3",
            "libcom-err2",
            "libkrb5support0",
            "libkeyutils1",
            "debconf",
        ],
        &root,
    );
    let report = finalize_tree(&root, false).unwrap();
    println!("bookworm finalize: {report:?}");

    assert!(root.join("usr/include/openssl/ssl.h").is_file());
    // The FIELD-NOTES trap: libm.so must be relative and resolve to the shared libm.
    let libm = root.join("usr/lib/aarch64-linux-gnu/libm.so");
    if fs_err::symlink_metadata(&libm)
        .unwrap()
        .file_type()
        .is_symlink()
    {
        assert!(fs_err::read_link(&libm).unwrap().is_relative());
    }
    let libssl = root.join("usr/lib/aarch64-linux-gnu/libssl.so");
    assert!(fs_err::read_link(&libssl).unwrap().is_relative());
    assert!(
        libssl
            .canonicalize()
            .unwrap()
            .starts_with(root.canonicalize().unwrap())
    );
    assert!(root.join("lib/ld-linux-aarch64.so.1").exists());
    assert!(fs_err::symlink_metadata(root.join("lib")).unwrap().is_dir());
}

#[test]
fn trixie_libc6_needs_and_gets_the_merged_usr_links() {
    if !e2e_enabled() {
        return;
    }
    let mirror = host_mirror().expect("no Debian mirror in the host's apt sources");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sysroot");
    fs_err::create_dir(&root).unwrap();
    build(
        &mirror,
        "trixie",
        &["libc6", "libc6-dev", "libgcc-s1"],
        &root,
    );
    assert!(
        !root.join("lib").exists(),
        "trixie debs ship no top-level lib/"
    );
    let report = finalize_tree(&root, true).unwrap();
    println!("trixie finalize: {report:?}");
    assert!(report.merged_usr_links.contains(&PathBuf::from("lib")));
    let loader = root.join("lib/ld-linux-aarch64.so.1");
    assert!(loader.exists(), "the ELF interpreter path does not resolve");
    assert!(
        loader
            .canonicalize()
            .unwrap()
            .starts_with(root.canonicalize().unwrap())
    );
}
