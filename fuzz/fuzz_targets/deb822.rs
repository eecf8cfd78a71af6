//! deb822::parse never panics; every parsed value can be looked up again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(paragraphs) = crossroot_debian::deb822::parse(text) {
        for p in &paragraphs {
            assert!(!p.is_empty());
            for (name, value) in p.fields() {
                assert_eq!(p.get(name), Some(value));
                assert_eq!(p.get(&name.to_ascii_uppercase()), Some(value));
            }
        }
    }
});
