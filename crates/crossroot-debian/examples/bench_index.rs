//! Time parsing of a real, decompressed `Packages` file (and optionally resolve a request).
//!
//! `cargo run --release -p crossroot-debian --example bench_index -- <Packages> [arch] [pkg…]`
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use crossroot_debian::{deb822, index, resolve};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: bench_index <Packages> [arch] [pkg…]")?;
    let text = fs_err::read_to_string(&path)?;
    let t = Instant::now();
    let paragraphs = deb822::parse(&text)?;
    let deb822_time = t.elapsed();
    let n = paragraphs.len();
    drop(paragraphs);
    let t = Instant::now();
    let packages = index::parse_packages(&text)?;
    let full_time = t.elapsed();
    println!(
        "{} bytes, {n} stanzas: deb822::parse {:.1} ms, index::parse_packages {:.1} ms",
        text.len(),
        deb822_time.as_secs_f64() * 1e3,
        full_time.as_secs_f64() * 1e3
    );
    let Some(arch) = args.next() else {
        return Ok(());
    };
    let requested: Vec<String> = args.collect();
    let t = Instant::now();
    let universe = resolve::Universe::new(packages);
    let index_time = t.elapsed();
    let options = resolve::ResolveOptions::new(&arch);
    let t = Instant::now();
    let resolution = universe.resolve(&requested, &options)?;
    let resolve_time = t.elapsed();
    let total: u64 = resolution.packages.iter().map(|p| p.size).sum();
    for p in &resolution.packages {
        println!(
            "{:<28} {:<24} {:>9}  {}",
            p.name,
            p.version,
            p.size,
            p.reason.join(" -> ")
        );
    }
    println!(
        "{} packages, {:.1} MB; universe {:.1} ms, resolve {:.1} ms",
        resolution.packages.len(),
        total as f64 / 1e6,
        index_time.as_secs_f64() * 1e3,
        resolve_time.as_secs_f64() * 1e3
    );
    Ok(())
}
