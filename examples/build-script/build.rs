//! Runs on the build host (not under QEMU) and generates code for the target.
use std::fmt::Write as _;

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let target_arch = std::env::var("CARGO_CFG_TARGET_ARCH").expect("cargo sets it");
    let mut code = String::new();
    // A table computed at build time: the first 20 primes.
    let mut primes = Vec::new();
    let mut n = 2u32;
    while primes.len() < 20 {
        if (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0) {
            primes.push(n);
        }
        n += 1;
    }
    writeln!(code, "pub const PRIMES: [u32; 20] = {primes:?};").unwrap();
    writeln!(code, "pub const BUILD_HOST_ARCH: &str = {:?};", std::env::consts::ARCH).unwrap();
    writeln!(code, "pub const TARGET_ARCH: &str = {target_arch:?};").unwrap();
    std::fs::write(format!("{out}/generated.rs"), code).expect("write generated code");
    println!("cargo:rerun-if-changed=build.rs");
}
