//! Arbitrary bytes as a `.deb`: extraction, finalize and control reading must never panic,
//! and nothing may appear outside the extraction root.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use crossroot_extract::{ExtractOptions, extract_deb, finalize_tree, read_control};
use libfuzzer_sys::fuzz_target;

struct Dirs {
    base: tempfile::TempDir,
    root: PathBuf,
    sentinel: PathBuf,
}

fn dirs() -> &'static Dirs {
    static DIRS: OnceLock<Dirs> = OnceLock::new();
    DIRS.get_or_init(|| {
        let base = tempfile::tempdir().expect("tempdir");
        let sentinel = base.path().join("sentinel");
        std::fs::create_dir(&sentinel).expect("sentinel");
        let root = base.path().join("root");
        Dirs {
            base,
            root,
            sentinel,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let d = dirs();
    let _ = std::fs::remove_dir_all(&d.root);
    std::fs::create_dir(&d.root).expect("root");
    let opts = ExtractOptions {
        max_unpacked_bytes: 4 * 1024 * 1024,
        ..ExtractOptions::default()
    };
    let extracted = extract_deb(data, &d.root, &opts);
    if extracted.is_ok() {
        let _ = finalize_tree(&d.root, data.len() % 2 == 0);
    }
    let _ = read_control(data);
    let mut names: Vec<_> = std::fs::read_dir(d.base.path())
        .expect("base")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["root", "sentinel"],
        "something was written next to the root"
    );
    assert_eq!(std::fs::read_dir(&d.sentinel).expect("sentinel").count(), 0);
});
