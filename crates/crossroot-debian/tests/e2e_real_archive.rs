//! End-to-end checks against the real Debian archive of the host's apt mirror.
//!
//! Run only with `CROSSROOT_E2E=1` (network). The mirror is `CROSSROOT_MIRROR` or the first
//! `deb` source of the host's apt configuration, read at run time. Downloads are cached under
//! cargo's per-target temp dir so reruns are cheap.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;

use crossroot_debian::deb822;
use crossroot_debian::index::{self, ReleaseFile};
use crossroot_debian::resolve::{ResolveOptions, SkipRules, Universe};
use crossroot_debian::verify::{Keyring, VerifyError};
use crossroot_hint::Hint as _;
use sha2::{Digest, Sha256};

fn enabled(test: &str) -> bool {
    if std::env::var("CROSSROOT_E2E").as_deref() == Ok("1") {
        true
    } else {
        eprintln!("note: skipping {test}: set CROSSROOT_E2E=1 to run tests that use the network");
        false
    }
}

/// The host's apt mirror for the main archive (not the security one).
fn mirror() -> String {
    if let Ok(m) = std::env::var("CROSSROOT_MIRROR") {
        return m.trim_end_matches('/').to_owned();
    }
    let mut candidates = Vec::new();
    if let Ok(dir) = fs_err::read_dir("/etc/apt/sources.list.d") {
        let mut paths: Vec<PathBuf> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "sources"))
        {
            let text = fs_err::read_to_string(path).unwrap_or_default();
            for p in deb822::parse(&text).unwrap_or_default() {
                let deb = p
                    .get("Types")
                    .is_some_and(|t| t.split_whitespace().any(|t| t == "deb"));
                let security = p.get("Suites").is_some_and(|s| s.contains("security"));
                let enabled = p.get("Enabled").is_none_or(|e| e != "no");
                if deb && !security && enabled {
                    candidates.extend(
                        p.get("URIs")
                            .into_iter()
                            .flat_map(str::split_whitespace)
                            .map(str::to_owned),
                    );
                }
            }
        }
    }
    let list = fs_err::read_to_string("/etc/apt/sources.list").unwrap_or_default();
    for line in list.lines() {
        let mut words = line.split_whitespace().filter(|w| !w.starts_with('['));
        if words.next() == Some("deb")
            && let Some(uri) = words.next()
            && !line.contains("security")
        {
            candidates.push(uri.to_owned());
        }
    }
    candidates
        .into_iter()
        .find(|u| u.starts_with("http"))
        .map(|u| u.trim_end_matches('/').to_owned())
        .expect("no Debian mirror in CROSSROOT_MIRROR or the host's apt sources")
}

/// GET a file of the archive, once per test process: the tests of this binary run in parallel
/// and share what they fetched (in memory, so nothing goes stale between runs).
fn fetch(rel_path: &str) -> Vec<u8> {
    static FETCHED: Mutex<BTreeMap<String, Vec<u8>>> = Mutex::new(BTreeMap::new());
    let mut fetched = FETCHED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(bytes) = fetched.get(rel_path) {
        return bytes.clone();
    }
    let url = format!("{}/{rel_path}", mirror());
    let mut response = ureq::get(&url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let mut bytes = Vec::new();
    response
        .body_mut()
        .as_reader()
        .read_to_end(&mut bytes)
        .unwrap_or_else(|e| panic!("reading {url}: {e}"));
    fetched.insert(rel_path.to_owned(), bytes.clone());
    bytes
}

fn verified_release(suite: &str) -> ReleaseFile {
    let bytes = fetch(&format!("dists/{suite}/InRelease"));
    let verified = Keyring::bundled()
        .verify_clearsigned(&bytes)
        .expect("the real InRelease verifies with the bundled keyring");
    index::parse_release(&verified.text).expect("verified text parses")
}

fn universe(suite: &str, arch: &str) -> Universe {
    let release = verified_release(suite);
    let entry = release
        .packages_entry("main", arch)
        .expect("listed")
        .clone();
    let xz = fetch(&format!("dists/{suite}/{}", entry.path));
    assert_eq!(xz.len() as u64, entry.size, "size of {}", entry.path);
    assert_eq!(
        Sha256::digest(&xz).as_slice(),
        entry.sha256.as_bytes(),
        "sha256 of {}",
        entry.path
    );
    let mut text = String::new();
    liblzma::read::XzDecoder::new(&xz[..])
        .read_to_string(&mut text)
        .expect("Packages.xz decompresses");
    Universe::new(index::parse_packages(&text).expect("the real Packages index parses"))
}

#[test]
fn real_inrelease_verifies_and_tampering_is_refused() {
    if !enabled("real_inrelease_verifies_and_tampering_is_refused") {
        return;
    }
    let bytes = fetch("dists/bookworm/InRelease");
    let keyring = Keyring::bundled();
    let verified = keyring.verify_clearsigned(&bytes).expect("verifies");
    assert!(
        keyring
            .fingerprints()
            .contains(&verified.signer_fingerprint)
    );
    let release = index::parse_release(&verified.text).expect("parses");
    assert_eq!(release.codename, "bookworm");
    assert!(release.packages_entry("main", "arm64").is_ok());
    assert!(
        !verified.text.contains("BEGIN PGP"),
        "only the signed text is returned"
    );

    // Debian's archive keys expire (bookworm's in 2031): judged in 2040, the file is refused.
    let in_2040 = std::time::UNIX_EPOCH + std::time::Duration::from_secs(2_208_988_800);
    assert!(matches!(
        keyring.verify_clearsigned_at(&bytes, in_2040),
        Err(VerifyError::ExpiredKey { .. })
    ));

    // One byte of the signed text flipped: refused as a bad signature.
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    let at = text.find("main/binary-arm64/Packages.xz").expect("listed");
    let mut tampered = bytes.clone();
    tampered[at - 2] ^= 0x01;
    assert!(matches!(
        keyring.verify_clearsigned(&tampered),
        Err(VerifyError::BadSignature { .. })
    ));

    // A byte flipped inside the signature block: refused (bad signature or unreadable).
    let sig_at = text
        .find("-----BEGIN PGP SIGNATURE-----")
        .expect("signature")
        + 80;
    let mut tampered = bytes.clone();
    tampered[sig_at] = if tampered[sig_at] == b'A' { b'B' } else { b'A' };
    assert!(keyring.verify_clearsigned(&tampered).is_err());

    // Text outside the signature is refused, never returned.
    let mut prefixed = b"Suite: evil\n\n".to_vec();
    prefixed.extend_from_slice(&bytes);
    assert!(keyring.verify_clearsigned(&prefixed).is_err());
    let mut suffixed = bytes.clone();
    suffixed.extend_from_slice(b"\nSHA256:\n 00 1 main/binary-arm64/Packages.xz\n");
    assert!(keyring.verify_clearsigned(&suffixed).is_err());
}

const GCC_RUNTIMES: &[&str] = &[
    "libasan8",
    "libtsan2",
    "liblsan0",
    "libhwasan0",
    "libubsan1",
    "libgomp1",
    "libitm1",
    "libatomic1",
    "libstdc++6",
];

#[test]
fn real_bookworm_arm64_libssl_closure() {
    if !enabled("real_bookworm_arm64_libssl_closure") {
        return;
    }
    let u = universe("bookworm", "arm64");
    let base = u.base_packages("arm64", false).expect("base");
    assert_eq!(base.gcc_major, 12, "bookworm's default gcc");
    let request = ["libssl-dev", "libc6-dev", "libgcc-12-dev"];
    let r = u
        .resolve(&request, &ResolveOptions::new("arm64"))
        .expect("resolves");
    eprintln!(
        "bookworm arm64 {request:?}: {} packages, {} bytes ({} skipped)",
        r.packages.len(),
        r.total_size(),
        r.skipped.len()
    );
    for name in [
        "libssl-dev",
        "libssl3",
        "libc6",
        "libc6-dev",
        "libgcc-s1",
        "libgcc-12-dev",
        "linux-libc-dev",
        "libcrypt1",
    ] {
        assert!(r.get(name).is_some(), "{name} missing");
    }
    for name in GCC_RUNTIMES {
        assert!(r.get(name).is_none(), "{name} should be skipped");
    }
    // The plain closure holds every runtime the skip rule removed.
    let mut all = ResolveOptions::new("arm64");
    all.skip = SkipRules::none();
    let full = u.resolve(&request, &all).expect("resolves");
    eprintln!(
        "without skip rules: {} packages, {} bytes",
        full.packages.len(),
        full.total_size()
    );
    for name in GCC_RUNTIMES {
        assert!(
            full.get(name).is_some(),
            "{name} expected in the plain closure"
        );
    }
    assert_eq!(full.packages.len(), r.packages.len() + GCC_RUNTIMES.len());

    // C++: libstdc++6 comes back, the sanitizers do not.
    let base = u.base_packages("arm64", true).expect("base");
    let mut cxx = ResolveOptions::new("arm64");
    cxx.cxx = true;
    let r = u.resolve(&base.packages, &cxx).expect("resolves");
    assert!(r.get("libstdc++6").is_some() && r.get("libstdc++-12-dev").is_some());
    assert!(r.get("libasan8").is_none());
}

#[test]
fn real_trixie_riscv64_base_uses_gcc_14() {
    if !enabled("real_trixie_riscv64_base_uses_gcc_14") {
        return;
    }
    let u = universe("trixie", "riscv64");
    let base = u.base_packages("riscv64", false).expect("base");
    assert_eq!(base.gcc_major, 14, "trixie's default gcc");
    let mut request = base.packages.clone();
    request.push("libssl-dev".into());
    let r = u
        .resolve(&request, &ResolveOptions::new("riscv64"))
        .expect("resolves");
    eprintln!(
        "trixie riscv64 {request:?}: {} packages, {} bytes",
        r.packages.len(),
        r.total_size()
    );
    assert!(r.get("libgcc-s1").is_some() && r.get("libc6").is_some());
    for name in GCC_RUNTIMES {
        assert!(r.get(name).is_none(), "{name} should be skipped");
    }
    let err = u
        .resolve(&["libsssl-dev"], &ResolveOptions::new("riscv64"))
        .expect_err("typo");
    assert!(
        err.hint().is_some_and(|h| h.contains("libssl-dev")),
        "{:?}",
        err.hint()
    );
}
