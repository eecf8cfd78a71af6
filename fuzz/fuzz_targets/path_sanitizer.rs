//! The pure path functions on arbitrary bytes: sanitized names are plain relative paths, and
//! rewritten absolute symlink targets resolve, from the link's directory, to the same place.
#![no_main]

use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

use crossroot_extract::{relative_symlink_target, resolve_lexically, sanitize_member_path};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = sanitize_member_path(data) {
        let bytes = path.as_os_str().as_bytes();
        assert!(!bytes.contains(&0));
        assert!(path.components().all(|c| matches!(c, Component::Normal(_))));
        if !bytes.is_empty() {
            // Idempotent: a sanitized path sanitizes to itself.
            assert_eq!(sanitize_member_path(bytes).as_deref(), Ok(path.as_path()));
        }
    }

    // Split the input into a link directory and an absolute target.
    let (dir, target) = match data.iter().position(|&b| b == 0xff) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(dir) = sanitize_member_path(dir) else {
        return;
    };
    let mut absolute = b"/".to_vec();
    absolute.extend_from_slice(target);
    let relative = relative_symlink_target(&dir, &absolute);
    let rel_bytes = relative.as_os_str().as_bytes();
    assert!(!rel_bytes.starts_with(b"/"), "still absolute: {relative:?}");
    let from_link = resolve_lexically(&dir, rel_bytes).expect("rewritten target climbs out");
    let from_top = resolve_lexically(
        Path::new(""),
        relative_symlink_target(Path::new(""), &absolute)
            .as_os_str()
            .as_bytes(),
    )
    .expect("target from the top climbs out");
    assert_eq!(from_link, from_top);
});
