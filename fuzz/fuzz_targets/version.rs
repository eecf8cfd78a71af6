//! Version parsing never panics; the order is antisymmetric, reflexive and transitive on the
//! three versions carved out of the input, and Display round-trips.
#![no_main]

use std::cmp::Ordering;

use crossroot_debian::version::Version;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let vs: Vec<Version> = text.split('\n').take(3).filter_map(|s| s.parse().ok()).collect();
    for a in &vs {
        assert_eq!(a.cmp(a), Ordering::Equal);
        let again: Version = a.to_string().parse().expect("Display reparses");
        assert_eq!(again.cmp(a), Ordering::Equal);
        for b in &vs {
            assert_eq!(a.cmp(b), b.cmp(a).reverse());
            for c in &vs {
                if a <= b && b <= c {
                    assert!(a <= c, "{a} <= {b} <= {c}");
                }
            }
        }
    }
});
