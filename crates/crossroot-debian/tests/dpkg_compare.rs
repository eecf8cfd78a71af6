//! Cross-check version ordering against the host's `dpkg --compare-versions` when it exists
//! (Debian/Ubuntu hosts and CI). Skips with a note elsewhere.

use crossroot_debian::version::Version;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::process::Command;

fn dpkg_says(a: &str, op: &str, b: &str) -> bool {
    Command::new("dpkg")
        .args(["--compare-versions", a, op, b])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn ordering_matches_dpkg() {
    if Command::new("dpkg").arg("--version").output().is_err() {
        eprintln!("note: dpkg not found; skipping the cross-check against dpkg");
        return;
    }
    let part = "[0-9][0-9a-zA-Z.+~]{0,6}";
    let strategy = (
        prop::option::of(0u32..3),
        part,
        prop::option::of("[0-9a-z.+~]{1,4}"),
    )
        .prop_map(|(e, u, r)| {
            let mut s = e.map(|e| format!("{e}:")).unwrap_or_default();
            s.push_str(&u);
            if let Some(r) = r {
                s.push('-');
                s.push_str(&r);
            }
            s
        });
    let mut runner = TestRunner::new(Config {
        cases: 150,
        ..Config::default()
    });
    runner
        .run(&(strategy.clone(), strategy), |(a, b)| {
            let va: Version = a.parse().expect("valid by construction");
            let vb: Version = b.parse().expect("valid by construction");
            let op = match va.cmp(&vb) {
                std::cmp::Ordering::Less => "lt",
                std::cmp::Ordering::Equal => "eq",
                std::cmp::Ordering::Greater => "gt",
            };
            prop_assert!(dpkg_says(&a, op, &b), "we say {a} {op} {b}, dpkg disagrees");
            Ok(())
        })
        .expect("agrees with dpkg");
}
