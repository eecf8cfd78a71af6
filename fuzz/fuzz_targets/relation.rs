//! Relation parsing never panics, and printing a parsed relation parses back to the same value.
#![no_main]

use crossroot_debian::relation::{parse_one, parse_provides, parse_relations};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_provides(text);
    if let Ok(groups) = parse_relations(text) {
        for rel in groups.iter().flatten() {
            let printed = rel.to_string();
            let again = parse_one(&printed).expect("a printed relation parses");
            assert_eq!(&again, rel, "{printed}");
            let _ = rel.applies_to("arm64");
        }
    }
});
