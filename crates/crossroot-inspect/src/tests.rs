//! Facts read from the committed fixtures (see `tests/fixtures/make.sh`), the target matching,
//! the glibc floor check, and crafted/corrupted ELF bytes.

use super::*;
use proptest::prelude::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../tests/fixtures/", $name)).as_slice()
    };
}

const AARCH64: &[u8] = fixture!("aarch64-gnu");
const ARMV7: &[u8] = fixture!("armv7-gnueabihf");
const ARM_SOFT: &[u8] = fixture!("arm-softfloat-static");
const RISCV64: &[u8] = fixture!("riscv64-gnu");
const S390X: &[u8] = fixture!("s390x-gnu");
const MUSL: &[u8] = fixture!("x86_64-musl-static");
const STATIC_PIE: &[u8] = fixture!("aarch64-static-pie");
const GLIBC236: &[u8] = fixture!("glibc236");
const CXX: &[u8] = fixture!("cxx");
const SO: &[u8] = fixture!("libfixture.so.1");
const HOST_TRUE: &[u8] = fixture!("host-true");
const OBJECT: &[u8] = fixture!("aarch64-object.o");

const ALL: &[(&str, &[u8])] = &[
    ("aarch64-gnu", AARCH64),
    ("armv7-gnueabihf", ARMV7),
    ("arm-softfloat-static", ARM_SOFT),
    ("riscv64-gnu", RISCV64),
    ("s390x-gnu", S390X),
    ("x86_64-musl-static", MUSL),
    ("aarch64-static-pie", STATIC_PIE),
    ("glibc236", GLIBC236),
    ("cxx", CXX),
    ("libfixture.so.1", SO),
    ("host-true", HOST_TRUE),
    ("aarch64-object.o", OBJECT),
];

/// Drop the section header table reference the way `sstrip` does (e_shoff, e_shnum, e_shstrndx).
fn sstrip(data: &[u8]) -> Vec<u8> {
    let mut bytes = data.to_vec();
    let (shoff, shnum) = match bytes.get(4) {
        Some(1) => (32..36, 48..52),
        _ => (40..48, 60..64),
    };
    if bytes.len() >= shnum.end {
        bytes[shoff].fill(0);
        bytes[shnum].fill(0);
    }
    bytes
}

fn spec(triple: &str) -> &'static TargetSpec {
    crossroot_target::by_triple(triple).unwrap()
}

/// One row per fixture: the facts a user would check with `readelf`.
struct Expect {
    name: &'static str,
    data: &'static [u8],
    class: ElfClass,
    endian: Endian,
    machine: &'static str,
    kind: ElfKind,
    float_abi: FloatAbiFact,
    libc: Option<Libc>,
    interpreter: Option<&'static str>,
    glibc: Option<(u32, u32)>,
    stripped: bool,
    targets: &'static [&'static str],
}

#[test]
fn fixtures_report_what_readelf_shows() {
    use ElfClass::*;
    use Endian::*;
    let gnu = Some(Libc::Gnu);
    let rows = [
        Expect {
            name: "aarch64-gnu",
            data: AARCH64,
            class: Elf64,
            endian: Little,
            machine: "AArch64",
            kind: ElfKind::Pie,
            float_abi: FloatAbiFact::Native,
            libc: gnu,
            interpreter: Some("/lib/ld-linux-aarch64.so.1"),
            glibc: Some((2, 34)),
            stripped: false,
            targets: &["aarch64-unknown-linux-gnu"],
        },
        Expect {
            name: "armv7-gnueabihf",
            data: ARMV7,
            class: Elf32,
            endian: Little,
            machine: "ARM",
            kind: ElfKind::Pie,
            float_abi: FloatAbiFact::Hard,
            libc: gnu,
            interpreter: Some("/lib/ld-linux-armhf.so.3"),
            glibc: Some((2, 34)),
            stripped: false,
            targets: &["armv7-unknown-linux-gnueabihf"],
        },
        Expect {
            name: "arm-softfloat-static",
            data: ARM_SOFT,
            class: Elf32,
            endian: Little,
            machine: "ARM",
            kind: ElfKind::Static,
            float_abi: FloatAbiFact::Soft,
            libc: None,
            interpreter: None,
            glibc: None,
            stripped: true,
            targets: &["arm-unknown-linux-gnueabi"],
        },
        Expect {
            name: "riscv64-gnu",
            data: RISCV64,
            class: Elf64,
            endian: Little,
            machine: "RISC-V",
            kind: ElfKind::Pie,
            float_abi: FloatAbiFact::Hard,
            libc: gnu,
            interpreter: Some("/lib/ld-linux-riscv64-lp64d.so.1"),
            glibc: Some((2, 34)),
            stripped: false,
            targets: &["riscv64gc-unknown-linux-gnu"],
        },
        Expect {
            name: "s390x-gnu",
            data: S390X,
            class: Elf64,
            endian: Big,
            machine: "S/390",
            kind: ElfKind::Pie,
            float_abi: FloatAbiFact::Native,
            libc: gnu,
            interpreter: Some("/lib/ld64.so.1"),
            glibc: Some((2, 34)),
            stripped: false,
            targets: &["s390x-unknown-linux-gnu"],
        },
        Expect {
            name: "x86_64-musl-static",
            data: MUSL,
            class: Elf64,
            endian: Little,
            machine: "x86-64",
            kind: ElfKind::Static,
            float_abi: FloatAbiFact::Native,
            libc: Some(Libc::Musl),
            interpreter: None,
            glibc: None,
            stripped: false,
            targets: &["x86_64-unknown-linux-musl"],
        },
        Expect {
            name: "aarch64-static-pie",
            data: STATIC_PIE,
            class: Elf64,
            endian: Little,
            machine: "AArch64",
            kind: ElfKind::StaticPie,
            float_abi: FloatAbiFact::Native,
            libc: None,
            interpreter: None,
            glibc: None,
            stripped: false,
            // No libc inside: it fits both aarch64 targets.
            targets: &["aarch64-unknown-linux-gnu", "aarch64-unknown-linux-musl"],
        },
        Expect {
            name: "glibc236",
            data: GLIBC236,
            class: Elf64,
            endian: Little,
            machine: "x86-64",
            kind: ElfKind::Pie,
            float_abi: FloatAbiFact::Native,
            libc: gnu,
            interpreter: Some("/lib64/ld-linux-x86-64.so.2"),
            glibc: Some((2, 36)),
            stripped: false,
            targets: &["x86_64-unknown-linux-gnu"],
        },
        Expect {
            name: "libfixture.so.1",
            data: SO,
            class: Elf64,
            endian: Little,
            machine: "x86-64",
            kind: ElfKind::SharedObject,
            float_abi: FloatAbiFact::Native,
            libc: None,
            interpreter: None,
            glibc: None,
            stripped: false,
            targets: &["x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl"],
        },
        Expect {
            name: "host-true",
            data: HOST_TRUE,
            class: Elf64,
            endian: Little,
            machine: "x86-64",
            kind: ElfKind::Pie,
            float_abi: FloatAbiFact::Native,
            libc: gnu,
            interpreter: Some("/lib64/ld-linux-x86-64.so.2"),
            glibc: Some((2, 34)),
            stripped: true,
            targets: &["x86_64-unknown-linux-gnu"],
        },
    ];
    for row in rows {
        let r = inspect_bytes(row.data).unwrap_or_else(|e| panic!("{}: {e}", row.name));
        let ctx = row.name;
        assert_eq!(r.class, row.class, "{ctx}");
        assert_eq!(r.endian, row.endian, "{ctx}");
        assert_eq!(r.machine.name, row.machine, "{ctx}");
        assert_eq!(r.kind, row.kind, "{ctx}");
        assert_eq!(r.float_abi, row.float_abi, "{ctx}");
        assert_eq!(r.libc, row.libc, "{ctx}");
        assert_eq!(r.interpreter.as_deref(), row.interpreter, "{ctx}");
        assert_eq!(
            r.versions.glibc,
            row.glibc.map(|(a, b)| GlibcVersion::new(a, b)),
            "{ctx}"
        );
        assert_eq!(r.stripped, row.stripped, "{ctx}");
        assert_eq!(r.targets, row.targets, "{ctx}");
        assert_eq!(
            r.build_id.as_ref().map(String::len),
            Some(40),
            "{ctx}: sha1 build-id"
        );
    }
}

#[test]
fn arm_details_come_from_flags_and_attributes() {
    let hard = inspect_bytes(ARMV7).unwrap();
    let arm = hard.arm.unwrap();
    assert_eq!(arm.eabi, Some(5));
    assert_eq!(arm.arch.as_deref(), Some("v7"));
    assert_eq!(arm.profile.as_deref(), Some("A"));
    assert_eq!(arm.float_abi_source, Some("e_flags"));

    let soft = inspect_bytes(ARM_SOFT).unwrap().arm.unwrap();
    assert_eq!(soft.arch.as_deref(), Some("v6"));

    // Without the EABI5 float flags the attributes decide (Tag_ABI_VFP_args = VFP registers).
    let mut bytes = ARMV7.to_vec();
    let flags_at = 36; // e_flags in a 32-bit header
    let flags = u32::from_le_bytes(bytes[flags_at..flags_at + 4].try_into().unwrap());
    bytes[flags_at..flags_at + 4]
        .copy_from_slice(&(flags & !(object::elf::EF_ARM_ABI_FLOAT_HARD)).to_le_bytes());
    let r = inspect_bytes(&bytes).unwrap();
    assert_eq!(r.float_abi, FloatAbiFact::Hard);
    assert_eq!(r.arm.unwrap().float_abi_source, Some("attributes"));
}

#[test]
fn riscv_details_come_from_flags() {
    let r = inspect_bytes(RISCV64).unwrap();
    let rv = r.riscv.unwrap();
    assert_eq!(rv.float_abi, "double");
    assert!(rv.rvc);
    assert!(rv.isa.unwrap().starts_with("rv64i"));

    // The same file marked single-float (lp64f) fits no supported target.
    let mut bytes = RISCV64.to_vec();
    let flags_at = 48; // e_flags in a 64-bit header
    bytes[flags_at] = (bytes[flags_at] & !0x6) | 0x2;
    let r = inspect_bytes(&bytes).unwrap();
    assert_eq!(r.float_abi, FloatAbiFact::Single);
    assert!(r.targets.is_empty());
    let m = mismatches(&r, spec("riscv64gc-unknown-linux-gnu"));
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].property, "float ABI");
    assert_eq!(m[0].found, "single-float");
}

#[test]
fn dynamic_section_facts() {
    let so = inspect_bytes(SO).unwrap();
    assert_eq!(so.soname.as_deref(), Some("libfixture.so.1"));
    assert_eq!(so.runpath, ["$ORIGIN/../lib"]);
    assert!(so.rpath.is_empty());

    let cxx = inspect_bytes(CXX).unwrap();
    assert_eq!(cxx.needed, ["libstdc++.so.6", "libgcc_s.so.1", "libc.so.6"]);
    let glibcxx = cxx.versions.glibcxx.as_deref().unwrap();
    assert!(glibcxx.starts_with("3.4."), "{glibcxx}");
    assert!(cxx.versions.cxxabi.as_deref().unwrap().starts_with("1.3"));
    let libs: Vec<_> = cxx
        .versions
        .needs
        .iter()
        .map(|n| n.library.as_str())
        .collect();
    assert!(libs.contains(&"libstdc++.so.6") && libs.contains(&"libc.so.6"));
}

#[test]
fn versions_are_read_without_section_headers() {
    // What `sstrip` leaves: no section headers at all, only segments.
    let r = inspect_bytes(&sstrip(AARCH64)).unwrap();
    assert_eq!(r.needed, ["libc.so.6"]);
    assert_eq!(r.interpreter.as_deref(), Some("/lib/ld-linux-aarch64.so.1"));
    assert_eq!(r.versions.glibc, Some(GlibcVersion::new(2, 34)));
    assert_eq!(
        r.versions.needs,
        [LibraryVersions {
            library: "libc.so.6".into(),
            versions: vec!["GLIBC_2.17".into(), "GLIBC_2.34".into()],
        }]
    );
    // Without .dynsym there are no symbol names, but the floor check still fails.
    assert!(r.versions.glibc_symbols.is_empty());
    assert!(check_glibc_floor(&r, GlibcVersion::new(2, 31)).is_err());
    assert!(r.stripped);
}

#[test]
fn object_files_are_relocatable_and_have_no_dynamic_facts() {
    let r = inspect_bytes(OBJECT).unwrap();
    assert_eq!(r.kind, ElfKind::Relocatable);
    assert_eq!(r.machine.name, "AArch64");
    assert_eq!(r.interpreter, None);
    assert!(r.needed.is_empty());
    assert_eq!(r.versions.glibc, None);
    assert!(!r.stripped);
}

#[test]
fn glibc_symbols_name_the_newest_requirement() {
    let r = inspect_bytes(GLIBC236).unwrap();
    assert_eq!(
        r.versions.glibc_symbols,
        [VersionedSymbol {
            symbol: "arc4random".into(),
            version: "GLIBC_2.36".into(),
            library: "libc.so.6".into(),
        }]
    );
    // printf/puts bind to an older version and are listed among all symbols, not the newest.
    assert!(
        r.versions
            .symbols
            .iter()
            .any(|s| s.version == "GLIBC_2.2.5" && s.library == "libc.so.6")
    );
}

#[test]
fn glibc_floor() {
    let r = inspect_bytes(GLIBC236).unwrap();
    assert_eq!(check_glibc_floor(&r, GlibcVersion::new(2, 36)), Ok(()));
    assert_eq!(check_glibc_floor(&r, GlibcVersion::new(2, 41)), Ok(()));
    let v = check_glibc_floor(&r, GlibcVersion::new(2, 31)).unwrap_err();
    assert_eq!(v.needed, GlibcVersion::new(2, 36));
    // Newest first: arc4random (2.36), then __libc_start_main (2.34).
    assert_eq!(
        v.symbols,
        [
            ("arc4random".to_string(), "libc.so.6".to_string()),
            ("__libc_start_main".to_string(), "libc.so.6".to_string()),
        ]
    );
    let v = check_glibc_floor(&r, GlibcVersion::new(2, 35)).unwrap_err();
    assert_eq!(v.symbols, [("arc4random".into(), "libc.so.6".into())]);
    // musl and static files have no glibc requirement at all.
    let musl = inspect_bytes(MUSL).unwrap();
    assert_eq!(check_glibc_floor(&musl, GlibcVersion::new(2, 17)), Ok(()));
}

#[test]
fn mismatches_name_each_property() {
    let arm = inspect_bytes(ARMV7).unwrap();
    assert!(mismatches(&arm, spec("armv7-unknown-linux-gnueabihf")).is_empty());
    let m = mismatches(&arm, spec("arm-unknown-linux-gnueabi"));
    assert_eq!(
        m,
        [Mismatch {
            property: "float ABI",
            expected: "soft-float".into(),
            found: "hard-float".into()
        }]
    );
    let m = mismatches(&arm, spec("armv7-unknown-linux-musleabihf"));
    assert_eq!(m.iter().map(|m| m.property).collect::<Vec<_>>(), ["libc"]);

    let s390x = inspect_bytes(S390X).unwrap();
    let m = mismatches(&s390x, spec("aarch64-unknown-linux-gnu"));
    assert_eq!(
        m.iter().map(|m| m.property).collect::<Vec<_>>(),
        ["machine", "endianness"]
    );
    assert_eq!(m[1].found, "big-endian");

    let musl = inspect_bytes(MUSL).unwrap();
    let m = mismatches(&musl, spec("x86_64-unknown-linux-gnu"));
    assert_eq!(
        m[0].to_string(),
        "libc: the target has glibc, the file has musl"
    );
    let m = mismatches(&musl, spec("i686-unknown-linux-gnu"));
    assert!(m.iter().any(|m| m.property == "class"));

    // Same machine and libc, but a loader the target does not have.
    let mut odd = inspect_bytes(AARCH64).unwrap();
    odd.interpreter = Some("/nix/store/x/ld-linux-aarch64.so.1".into());
    let m = mismatches(&odd, spec("aarch64-unknown-linux-gnu"));
    assert_eq!(
        m.iter().map(|m| m.property).collect::<Vec<_>>(),
        ["interpreter"]
    );
}

#[test]
fn truncation_is_reported_precisely() {
    let cut = |n: usize| inspect_bytes(&AARCH64[..n]).unwrap_err().to_string();
    assert_eq!(
        cut(10),
        "truncated ELF: the ELF identification runs past end of file (10 bytes)"
    );
    assert_eq!(
        cut(40),
        "truncated ELF: the ELF header runs past end of file (40 bytes)"
    );
    assert_eq!(
        cut(AARCH64.len() - 1),
        format!(
            "truncated ELF: section headers extend past end of file ({} bytes)",
            AARCH64.len() - 1
        )
    );
    assert_eq!(
        cut(100),
        "truncated ELF: program headers extend past end of file (100 bytes)"
    );
}

#[test]
fn bad_identification_bytes_are_malformed() {
    let mut bytes = AARCH64.to_vec();
    bytes[4] = 7;
    assert_eq!(
        inspect_bytes(&bytes).unwrap_err().to_string(),
        "malformed ELF: unknown ELF class byte 0x07 (expected 1 for ELF32 or 2 for ELF64)"
    );
    let mut bytes = AARCH64.to_vec();
    bytes[5] = 0;
    assert!(
        inspect_bytes(&bytes)
            .unwrap_err()
            .to_string()
            .starts_with("malformed ELF: unknown ELF data encoding byte 0x00")
    );
}

#[test]
fn identity_of_a_header() {
    assert_eq!(
        elf_identity(S390X),
        Some((
            ElfClass::Elf64,
            Endian::Big,
            crossroot_target::elf_machine::EM_S390
        ))
    );
    assert_eq!(elf_identity(b"MZ"), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any prefix of any fixture: an error or a report, never a panic.
    #[test]
    fn truncated_fixtures_never_panic(which in 0..ALL.len(), cut in any::<prop::sample::Index>()) {
        let data = ALL[which].1;
        let n = cut.index(data.len() + 1);
        let _ = inspect_bytes(&data[..n]);
    }

    /// Fixtures with bytes overwritten at random places, biased toward the headers.
    #[test]
    fn corrupted_fixtures_never_panic(
        which in 0..ALL.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), any::<bool>()), 1..12),
        without_sections in any::<bool>(),
    ) {
        let mut data = if without_sections { sstrip(ALL[which].1) } else { ALL[which].1.to_vec() };
        for (at, byte, in_header) in edits {
            let span = if in_header { data.len().min(256) } else { data.len() };
            let i = at.index(span);
            data[i] = byte;
        }
        if let Ok(r) = inspect_bytes(&data) {
            let _ = serde_json::to_string(&r).unwrap();
            for spec in crossroot_target::TARGETS {
                let _ = mismatches(&r, spec);
            }
            let _ = check_glibc_floor(&r, GlibcVersion::new(2, 17));
        }
    }
}
