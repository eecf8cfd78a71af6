//! Property tests over arbitrary input: the same checks as the `fuzz/` targets, on stable Rust,
//! plus a check of our in-sysroot symlink resolution against the kernel's.
#![allow(clippy::unwrap_used)]

mod extract_support;

use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

use crossroot_extract::{
    ExtractError, ExtractOptions, extract_deb, finalize_tree, relative_symlink_target,
    resolve_lexically, sanitize_member_path,
};
use extract_support::*;
use proptest::prelude::*;

proptest! {
    #[test]
    fn sanitized_names_are_plain_relative_paths(name in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(path) = sanitize_member_path(&name) {
            let bytes = path.as_os_str().as_bytes();
            prop_assert!(!bytes.contains(&0));
            prop_assert!(path.components().all(|c| matches!(c, Component::Normal(_))));
            if !bytes.is_empty() {
                prop_assert_eq!(sanitize_member_path(bytes).unwrap(), path.clone());
            }
        }
    }

    #[test]
    fn rewritten_targets_reach_the_same_place(
        dir in "[a-c]{1,2}(/[a-c]{1,2}){0,3}",
        target in "(/(\\.|\\.\\.|[a-c]{1,2})){0,6}/?",
    ) {
        let dir = Path::new(&dir);
        let absolute = format!("/{target}");
        let relative = relative_symlink_target(dir, absolute.as_bytes());
        prop_assert!(relative.is_relative());
        let from_link = resolve_lexically(dir, relative.as_os_str().as_bytes());
        let from_top = resolve_lexically(
            Path::new(""),
            relative_symlink_target(Path::new(""), absolute.as_bytes()).as_os_str().as_bytes(),
        );
        prop_assert!(from_link.is_some());
        prop_assert_eq!(from_link, from_top);
    }

    #[test]
    fn corrupted_packages_never_panic_or_escape(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut deb = deb_from_tar(
            &tar(&[
                Ent::dir("./usr/lib/"),
                Ent::file("./usr/lib/libx.so.1", b"ELF"),
                Ent::symlink("./usr/lib/libx.so", "/usr/lib/libx.so.1"),
                Ent::hardlink("./usr/lib/liby.so.1", "./usr/lib/libx.so.1"),
                Ent::symlink("./lib", "usr/lib"),
                Ent::file("./lib/z", b"z"),
            ]),
            Comp::None,
        );
        for (at, byte) in flips {
            let i = at.index(deb.len());
            deb[i] = byte;
        }
        let sandbox = Sandbox::new();
        let _ = extract_deb(&deb[..], &sandbox.root, &ExtractOptions::default());
        sandbox.assert_nothing_outside();
    }

    /// Random trees of files, directories, symlinks and hard links with `..`, `.` and absolute
    /// names: nothing escapes, and once `finalize_tree` accepts the tree, the kernel agrees that
    /// every symlink either dangles or resolves inside the sysroot.
    #[test]
    fn random_trees_stay_inside_and_finalize_agrees_with_the_kernel(
        entries in proptest::collection::vec(entry(), 1..12),
    ) {
        let sandbox = Sandbox::new();
        let result = extract_deb(&deb(&entries)[..], &sandbox.root, &ExtractOptions::default());
        sandbox.assert_nothing_outside();
        if result.is_err() {
            return Ok(());
        }
        match finalize_tree(&sandbox.root, true) {
            Ok(report) => {
                let root = sandbox.root.canonicalize().unwrap();
                for entry in walkdir::WalkDir::new(&sandbox.root).min_depth(1) {
                    let entry = entry.unwrap();
                    if !entry.path_is_symlink() {
                        continue;
                    }
                    let rel = entry.path().strip_prefix(&sandbox.root).unwrap().to_path_buf();
                    match entry.path().canonicalize() {
                        Ok(real) => prop_assert!(real.starts_with(&root), "{rel:?} -> {real:?}"),
                        Err(_) => prop_assert!(report.dangling.contains(&rel), "{rel:?} dangles unreported"),
                    }
                }
            }
            Err(ExtractError::SymlinkEscape { .. }) => {}
            Err(e) => prop_assert!(false, "finalize failed: {e}"),
        }
        sandbox.assert_nothing_outside();
    }
}

/// Member names: mostly plain, sometimes `.`/`..`/absolute (refused).
fn name() -> impl Strategy<Value = String> {
    let part = prop_oneof![8 => prop_oneof![Just("a"), Just("b"), Just("c")], 1 => Just("."), 1 => Just("..")];
    (
        prop_oneof![4 => Just("./"), 4 => Just(""), 1 => Just("/")],
        proptest::collection::vec(part, 1..4),
    )
        .prop_map(|(prefix, parts)| format!("{prefix}{}", parts.join("/")))
}

/// Link targets: `..` and absolute targets are legitimate here, so they come often.
fn target() -> impl Strategy<Value = String> {
    let part = prop_oneof![Just("a"), Just("b"), Just("c"), Just("."), Just("..")];
    (
        prop_oneof![3 => Just(""), 1 => Just("/")],
        proptest::collection::vec(part, 1..5),
    )
        .prop_map(|(prefix, parts)| format!("{prefix}{}", parts.join("/")))
}

fn entry() -> impl Strategy<Value = Ent> {
    prop_oneof![
        1 => name().prop_map(|n| Ent::dir(&n)),
        2 => name().prop_map(|n| Ent::file(&n, b"data")),
        2 => (name(), target()).prop_map(|(n, t)| Ent::symlink(&n, &t)),
        1 => (name(), name()).prop_map(|(n, t)| Ent::hardlink(&n, &t)),
    ]
}
