//! Fuzz the ELF reader: any bytes give a report or an error, never a panic, and a report
//! survives everything the CLI does with it.
//!
//! cargo +nightly fuzz run elf fuzz/corpus/elf crates/crossroot-inspect/tests/fixtures
#![no_main]

use crossroot_target::GlibcVersion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = crossroot_inspect::inspect_bytes(data) {
        let _ = serde_json::to_string(&report);
        for spec in crossroot_target::TARGETS {
            let _ = crossroot_inspect::mismatches(&report, spec);
        }
        let _ = crossroot_inspect::check_glibc_floor(&report, GlibcVersion::new(2, 17));
    } else {
        let _ = crossroot_inspect::elf_identity(data);
    }
});
