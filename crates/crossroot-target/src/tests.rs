use super::*;
use crossroot_hint::Hint as _;
use proptest::prelude::*;

/// Every accepted spelling and the triple it must resolve to: the one table-driven case list.
const SPELLINGS: &[(&str, &str)] = &[
    // Full triples.
    ("aarch64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"),
    (
        "armv7-unknown-linux-gnueabihf",
        "armv7-unknown-linux-gnueabihf",
    ),
    ("arm-unknown-linux-gnueabi", "arm-unknown-linux-gnueabi"),
    ("i686-unknown-linux-gnu", "i686-unknown-linux-gnu"),
    ("x86_64-unknown-linux-gnu", "x86_64-unknown-linux-gnu"),
    ("riscv64gc-unknown-linux-gnu", "riscv64gc-unknown-linux-gnu"),
    (
        "powerpc64le-unknown-linux-gnu",
        "powerpc64le-unknown-linux-gnu",
    ),
    ("s390x-unknown-linux-gnu", "s390x-unknown-linux-gnu"),
    ("x86_64-unknown-linux-musl", "x86_64-unknown-linux-musl"),
    ("aarch64-unknown-linux-musl", "aarch64-unknown-linux-musl"),
    (
        "armv7-unknown-linux-musleabihf",
        "armv7-unknown-linux-musleabihf",
    ),
    (
        "riscv64gc-unknown-linux-musl",
        "riscv64gc-unknown-linux-musl",
    ),
    // Debian architecture names.
    ("arm64", "aarch64-unknown-linux-gnu"),
    ("armhf", "armv7-unknown-linux-gnueabihf"),
    ("armel", "arm-unknown-linux-gnueabi"),
    ("i386", "i686-unknown-linux-gnu"),
    ("amd64", "x86_64-unknown-linux-gnu"),
    ("riscv64", "riscv64gc-unknown-linux-gnu"),
    ("ppc64el", "powerpc64le-unknown-linux-gnu"),
    ("s390x", "s390x-unknown-linux-gnu"),
    // Nix system names.
    ("aarch64-linux", "aarch64-unknown-linux-gnu"),
    ("armv7l-linux", "armv7-unknown-linux-gnueabihf"),
    ("i686-linux", "i686-unknown-linux-gnu"),
    ("x86_64-linux", "x86_64-unknown-linux-gnu"),
    ("riscv64-linux", "riscv64gc-unknown-linux-gnu"),
    ("powerpc64le-linux", "powerpc64le-unknown-linux-gnu"),
    ("s390x-linux", "s390x-unknown-linux-gnu"),
    // Short forms and GNU triplets.
    ("aarch64-linux-musl", "aarch64-unknown-linux-musl"),
    ("x86_64-linux-musl", "x86_64-unknown-linux-musl"),
    ("riscv64-linux-musl", "riscv64gc-unknown-linux-musl"),
    ("armv7-linux-musleabihf", "armv7-unknown-linux-musleabihf"),
    ("armv7-musl", "armv7-unknown-linux-musleabihf"),
    ("aarch64-linux-gnu", "aarch64-unknown-linux-gnu"),
    ("arm-linux-gnueabihf", "armv7-unknown-linux-gnueabihf"),
    ("arm-linux-gnueabi", "arm-unknown-linux-gnueabi"),
    ("riscv64-linux-gnu", "riscv64gc-unknown-linux-gnu"),
    ("powerpc64le-linux-gnu", "powerpc64le-unknown-linux-gnu"),
    ("s390x-linux-gnu", "s390x-unknown-linux-gnu"),
    ("i386-linux-gnu", "i686-unknown-linux-gnu"),
    ("ppc64le", "powerpc64le-unknown-linux-gnu"),
    // Windows (mingw-w64): triples, short forms, Nix-style names, mingw triplets.
    ("x86_64-pc-windows-gnu", "x86_64-pc-windows-gnu"),
    ("i686-pc-windows-gnu", "i686-pc-windows-gnu"),
    ("windows", "x86_64-pc-windows-gnu"),
    ("win64", "x86_64-pc-windows-gnu"),
    ("x86_64-windows", "x86_64-pc-windows-gnu"),
    ("mingw64", "x86_64-pc-windows-gnu"),
    ("x86_64-w64-mingw32", "x86_64-pc-windows-gnu"),
    ("win32", "i686-pc-windows-gnu"),
    ("i686-windows", "i686-pc-windows-gnu"),
    ("mingw32", "i686-pc-windows-gnu"),
    ("i686-w64-mingw32", "i686-pc-windows-gnu"),
    ("  Win64 ", "x86_64-pc-windows-gnu"),
    // Case and whitespace do not matter.
    ("  ARM64 ", "aarch64-unknown-linux-gnu"),
];

#[test]
fn every_spelling_resolves_to_its_triple() {
    for (input, triple) in SPELLINGS {
        let target = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(target.triple(), *triple, "input {input}");
        assert_eq!(target.glibc_floor, None, "input {input}");
    }
}

#[test]
fn every_table_entry_is_reachable_and_consistent() {
    for spec in TARGETS {
        assert_eq!(parse(spec.triple).unwrap().spec, spec);
        assert!(
            SPELLINGS.iter().any(|(_, t)| *t == spec.triple),
            "{} has no case in SPELLINGS",
            spec.triple
        );
        // Linux targets run under QEMU from a loader; Windows ones under Wine, as PE files.
        let windows = spec.os == Os::Windows;
        assert_eq!(
            windows,
            spec.triple.contains("-windows-"),
            "{}",
            spec.triple
        );
        assert_eq!(windows, spec.pe_machine.is_some(), "{}", spec.triple);
        assert_eq!(windows, spec.libc == Libc::Msvcrt, "{}", spec.triple);
        assert_eq!(windows, spec.runner == RunnerKind::Wine, "{}", spec.triple);
        assert_eq!(windows, spec.multiarch.ends_with("-w64-mingw32"));
        assert_eq!(!windows, spec.qemu.starts_with("qemu-"), "{}", spec.triple);
        assert_eq!(!windows, spec.loader.starts_with('/'), "{}", spec.triple);
        assert!(!spec.releases.is_empty());
        assert!(spec.releases.windows(2).all(|w| w[0] < w[1]));
        assert!(spec.has_release(spec.default_release()));
        let musl_loader = spec.loader.contains("ld-musl-");
        assert_eq!(musl_loader, spec.libc == Libc::Musl, "{}", spec.triple);
        assert_eq!(spec.triple.contains("musl"), spec.libc == Libc::Musl);
        // 32-bit and float ABI facts line up with the triple.
        let is_arm32 = spec.elf_machine == elf_machine::EM_ARM;
        assert_eq!(is_arm32, spec.triple.starts_with("arm"), "{}", spec.triple);
        if is_arm32 {
            assert!(spec.is_32bit());
            let hf = spec.triple.ends_with("hf");
            assert_eq!(spec.float_abi == FloatAbi::Hard, hf, "{}", spec.triple);
        }
    }
}

#[test]
fn no_spelling_is_ambiguous() {
    let mut seen = std::collections::HashMap::new();
    for (name, spec) in all_names() {
        if let Some(prev) = seen.insert(name, spec.triple) {
            panic!("{name} maps to both {prev} and {}", spec.triple);
        }
        assert_eq!(
            name,
            name.to_ascii_lowercase(),
            "aliases are stored lowercase"
        );
        assert!(!name.contains('.'), "names never contain dots: {name}");
    }
}

#[test]
fn spec_facts_for_well_known_targets() {
    let a = parse("arm64").unwrap().spec;
    assert_eq!(
        (a.debian_arch, a.multiarch, a.qemu, a.loader),
        (
            "arm64",
            "aarch64-linux-gnu",
            "qemu-aarch64",
            "/lib/ld-linux-aarch64.so.1"
        )
    );
    let s = parse("s390x").unwrap().spec;
    assert_eq!(s.endian, Endian::Big);
    let r = parse("riscv64").unwrap().spec;
    assert!(!r.has_release(Release::Bookworm));
    assert_eq!(r.default_release(), Release::Trixie);
    assert_eq!(a.default_release(), Release::Bookworm);
    assert_eq!(a.cargo_env_key(), "AARCH64_UNKNOWN_LINUX_GNU");
    assert_eq!(a.cc_env_key(), "aarch64_unknown_linux_gnu");
}

#[test]
fn glibc_floor_suffix() {
    let t = parse("aarch64-unknown-linux-gnu.2.31").unwrap();
    assert_eq!(t.triple(), "aarch64-unknown-linux-gnu");
    assert_eq!(t.glibc_floor, Some(GlibcVersion::new(2, 31)));
    assert_eq!(t.to_string(), "aarch64-unknown-linux-gnu.2.31");
    assert_eq!(
        parse("arm64.2.36").unwrap().glibc_floor,
        Some(GlibcVersion::new(2, 36))
    );
    assert!(matches!(
        parse("arm64.two"),
        Err(TargetError::BadFloor { .. })
    ));
    assert!(matches!(
        parse("arm64.3.1"),
        Err(TargetError::BadFloor { .. })
    ));
    assert!(matches!(
        parse("aarch64-linux-musl.2.31"),
        Err(TargetError::FloorOnMusl { .. })
    ));
}

#[test]
fn release_selection_follows_the_floor() {
    let at = |s: &str| parse(s).unwrap().release(None);
    assert_eq!(at("arm64.2.31"), Ok(Release::Bullseye));
    assert_eq!(at("arm64.2.35"), Ok(Release::Bullseye));
    assert_eq!(at("arm64.2.36"), Ok(Release::Bookworm));
    assert_eq!(at("arm64.2.40"), Ok(Release::Bookworm));
    assert_eq!(at("arm64.2.41"), Ok(Release::Trixie));
    // No release has a newer glibc than trixie's: a floor above it is a typo.
    let err = parse("arm64.2.99").unwrap_err();
    assert!(
        matches!(
            err,
            TargetError::FloorAboveNewest {
                newest: Release::Trixie,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("2.99") && err.to_string().contains("2.41"));
    assert!(
        err.hint().unwrap().contains("`arm64.2.41`"),
        "{:?}",
        err.hint()
    );
    assert_eq!(at("arm64"), Ok(Release::Bookworm));
    // A floor older than every release: the oldest release carrying the architecture, and the
    // link goes through glibc stubs.
    assert_eq!(at("arm64.2.17"), Ok(Release::Bullseye));
    assert_eq!(at("x86_64-unknown-linux-gnu.2.17"), Ok(Release::Bullseye));
    assert_eq!(at("s390x.2.28"), Ok(Release::Bullseye));
    // riscv64 only exists from trixie: older floors build against trixie.
    assert_eq!(at("riscv64.2.36"), Ok(Release::Trixie));
    assert_eq!(at("riscv64.2.29"), Ok(Release::Trixie));
    // An explicit release is checked against the arch and the floor.
    let t = parse("riscv64").unwrap();
    assert!(matches!(
        t.release(Some(Release::Bookworm)),
        Err(TargetError::ReleaseLacksArch { .. })
    ));
    let t = parse("arm64.2.31").unwrap();
    assert!(matches!(
        t.release(Some(Release::Trixie)),
        Err(TargetError::ReleaseAboveFloor { .. })
    ));
    assert_eq!(t.release(Some(Release::Bullseye)), Ok(Release::Bullseye));
}

#[test]
fn floors_go_down_to_the_minimum_of_rusts_std() {
    for spec in TARGETS {
        let want = match (spec.libc, spec.triple) {
            (Libc::Musl | Libc::Msvcrt, _) => None,
            (Libc::Gnu, "riscv64gc-unknown-linux-gnu") => Some(GlibcVersion::new(2, 29)),
            (Libc::Gnu, _) => Some(GlibcVersion::new(2, 17)),
        };
        assert_eq!(spec.min_glibc, want, "{}", spec.triple);
    }
    let err = parse("aarch64-unknown-linux-gnu.2.16")
        .unwrap()
        .release(None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "glibc 2.16 is older than `aarch64-unknown-linux-gnu` supports: its minimum is glibc 2.17"
    );
    assert!(
        err.hint()
            .unwrap()
            .contains("`aarch64-unknown-linux-gnu.2.17`"),
        "{:?}",
        err.hint()
    );
    let err = parse("riscv64.2.28").unwrap().release(None).unwrap_err();
    assert!(
        matches!(err, TargetError::FloorBelowMinimum { minimum, .. } if minimum == GlibcVersion::new(2, 29)),
        "{err:?}"
    );
    // The minimum is checked with an explicit release too.
    assert!(matches!(
        parse("arm64.2.5").unwrap().release(Some(Release::Bullseye)),
        Err(TargetError::FloorBelowMinimum { .. })
    ));
}

#[test]
fn stubs_are_needed_only_below_the_release_glibc() {
    let t = |s: &str| parse(s).unwrap();
    assert!(t("arm64.2.17").needs_glibc_stubs(Release::Bullseye));
    assert!(t("arm64.2.30").needs_glibc_stubs(Release::Bullseye));
    assert!(!t("arm64.2.31").needs_glibc_stubs(Release::Bullseye));
    assert!(!t("arm64.2.35").needs_glibc_stubs(Release::Bullseye));
    assert!(!t("arm64").needs_glibc_stubs(Release::Bookworm));
    assert!(t("riscv64.2.36").needs_glibc_stubs(Release::Trixie));
    // A moving suite's glibc is not known in advance.
    assert!(t("arm64.2.41").needs_glibc_stubs(Release::Sid));
    // The table says what the choice is for every floor, down to the minimum.
    for spec in TARGETS.iter().filter(|s| s.libc == Libc::Gnu) {
        let minimum = spec.min_glibc.unwrap();
        let target = Target {
            spec,
            glibc_floor: Some(minimum),
        };
        let release = target.release(None).unwrap();
        assert_eq!(release, spec.releases[0], "{}", spec.triple);
        assert!(target.needs_glibc_stubs(release), "{}", spec.triple);
    }
}

#[test]
fn typo_suggests_the_nearest_name() {
    let err = parse("aarch64-linx").unwrap_err();
    match &err {
        TargetError::Unknown { suggestions, .. } => {
            assert_eq!(
                suggestions.first(),
                Some(&"aarch64-linux"),
                "{suggestions:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(err.hint().unwrap().contains("`aarch64-linux`"));
    let err = parse("aarch64-unknown-linux-gnuu").unwrap_err();
    assert!(
        err.hint().unwrap().contains("aarch64-unknown-linux-gnu"),
        "{err:?}"
    );
    let err = parse("armhv").unwrap_err();
    assert!(err.hint().unwrap().contains("`armhf`"), "{err:?}");
    // Nothing close: a pointer to the list instead of a random guess.
    let err = parse("zzzzzzzz").unwrap_err();
    assert!(err.hint().unwrap().contains("crossroot targets"));
}

#[test]
fn other_operating_systems_explain_why() {
    for (input, needle) in [
        ("aarch64-apple-darwin", "macOS"),
        ("x86_64-apple-darwin", "macOS"),
        ("aarch64-apple-ios", "Apple"),
        ("x86_64-pc-windows-gnullvm", "Windows"),
        ("aarch64-linux-android", "Android"),
        ("x86_64-unknown-freebsd", "another operating system"),
    ] {
        let err = parse(input).unwrap_err();
        assert!(
            matches!(err, TargetError::OtherOs { .. }),
            "{input}: {err:?}"
        );
        assert!(err.to_string().contains(needle), "{input}: {err}");
        assert!(err.hint().is_some());
    }
}

#[test]
fn windows_targets_are_mingw_and_msvc_points_to_them() {
    let w = parse("windows").unwrap().spec;
    assert_eq!(
        (w.multiarch, w.pe_machine, w.runner, w.os),
        (
            "x86_64-w64-mingw32",
            Some(pe_machine::IMAGE_FILE_MACHINE_AMD64),
            RunnerKind::Wine,
            Os::Windows
        )
    );
    assert_eq!(
        parse("win32").unwrap().spec.pe_machine,
        Some(pe_machine::IMAGE_FILE_MACHINE_I386)
    );
    // A Windows program never runs natively on a Linux host of the same machine.
    assert!(!w.runs_natively_on(elf_machine::EM_X86_64));
    for (input, gnu) in [
        ("x86_64-pc-windows-msvc", "x86_64-pc-windows-gnu"),
        ("i686-pc-windows-msvc", "i686-pc-windows-gnu"),
    ] {
        let err = parse(input).unwrap_err();
        assert!(matches!(err, TargetError::Msvc { .. }), "{input}: {err:?}");
        assert!(err.to_string().contains("MSVC"), "{err}");
        assert!(err.hint().unwrap().contains(&format!("`{gnu}`")), "{err:?}");
    }
    // No gnu target for that architecture: the hint lists the ones there are.
    let err = parse("aarch64-pc-windows-msvc").unwrap_err();
    let hint = err.hint().unwrap();
    assert!(
        hint.contains("x86_64-pc-windows-gnu, i686-pc-windows-gnu"),
        "{hint}"
    );
    // A glibc floor means nothing for Windows.
    let err = parse("x86_64-pc-windows-gnu.2.31").unwrap_err();
    assert!(matches!(err, TargetError::FloorOnWindows { .. }), "{err:?}");
    assert_eq!(
        err.hint().unwrap(),
        "Windows programs do not use glibc: use `x86_64-pc-windows-gnu`"
    );
}

#[test]
fn targets_without_os_or_debian_arch() {
    for input in ["thumbv7em-none-eabihf", "wasm32-unknown-unknown"] {
        let err = parse(input).unwrap_err();
        assert!(matches!(err, TargetError::NoOs { .. }), "{input}: {err:?}");
        assert!(err.hint().unwrap().contains("rustup target add"));
    }
    for input in ["sparc64-unknown-linux-gnu", "loongarch64-unknown-linux-gnu"] {
        let err = parse(input).unwrap_err();
        assert!(
            matches!(err, TargetError::NoDebianArch { .. }),
            "{input}: {err:?}"
        );
        assert!(err.to_string().contains("no Debian architecture"));
    }
}

proptest! {
    /// The parser never panics, whatever it is given, and every error has a message.
    #[test]
    fn parse_never_panics(s in "\\PC{0,64}") {
        if let Err(e) = parse(&s) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    /// Any accepted name with any valid floor parses back to the same target and floor.
    #[test]
    fn floors_round_trip(idx in 0usize..64, minor in 17u32..=41) {
        let names: Vec<_> = all_names().filter(|(_, s)| s.libc == Libc::Gnu).collect();
        let (name, spec) = names[idx % names.len()];
        let t = parse(&format!("{name}.2.{minor}")).unwrap();
        prop_assert_eq!(t.spec, spec);
        prop_assert_eq!(t.glibc_floor, Some(GlibcVersion::new(2, minor)));
        prop_assert_eq!(parse(&t.to_string()).unwrap(), t);
    }

    /// One edit away from a triple suggests that triple (or something at least as close).
    #[test]
    fn one_typo_is_caught(idx in 0usize..12, pos in 0usize..20) {
        let spec = &TARGETS[idx % TARGETS.len()];
        let mut s: Vec<char> = spec.triple.chars().collect();
        let p = pos % s.len();
        s.remove(p);
        let typo: String = s.into_iter().collect();
        if let Err(TargetError::Unknown { suggestions, .. }) = parse(&typo) {
            prop_assert!(!suggestions.is_empty(), "no suggestion for {}", typo);
        }
    }
}

#[test]
fn the_host_is_a_glibc_entry_of_the_table() {
    let host = host().expect("tests run on a supported host architecture");
    assert_eq!(host.libc, Libc::Gnu);
    assert!(host.triple.starts_with(std::env::consts::ARCH) || std::env::consts::ARCH == "x86");
}
