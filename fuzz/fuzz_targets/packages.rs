//! Packages/Release index parsing never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crossroot_debian::index::parse_packages(text);
    let _ = crossroot_debian::index::parse_release(text);
});
