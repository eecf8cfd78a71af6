//! The target model: every fact crossroot knows about a target, in one table.
//!
//! Owns: the table of supported targets ([`TARGETS`]) — Linux (ELF, Debian sysroot, QEMU) and
//! Windows (PE, mingw-w64, Wine) — with their Rust triple, Debian architecture,
//! Debian releases, GNU multiarch triplet, QEMU user binary, ELF identity (class, endianness,
//! machine, float ABI), dynamic loader and libc; the accepted spellings of each (triples, Debian
//! architecture names, Nix system names, short forms) and the glibc floor suffix
//! (`aarch64-unknown-linux-gnu.2.31`); the Debian releases and their glibc versions; and the
//! errors for names that cannot work, each with a hint.
//!
//! Must not: do any I/O (no filesystem, no environment, no process). Everything here is pure data
//! and pure functions so that every other crate can rely on it and the tests can cover it whole.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

mod release;
pub use release::{GlibcVersion, Release};

/// Which C library a target links against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Libc {
    Gnu,
    Musl,
    /// Microsoft's C runtime (`msvcrt.dll`), as the mingw-w64 (`*-pc-windows-gnu`) targets use it.
    Msvcrt,
}

/// The operating system a target's programs run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    /// ELF binaries, a Debian sysroot, the target's glibc or musl.
    Linux,
    /// PE binaries built with mingw-w64; no Debian sysroot of the target.
    Windows,
}

/// How the target's programs run on a host that cannot run them itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunnerKind {
    /// QEMU user mode with the sysroot as loader prefix.
    Qemu,
    /// Wine, with a private prefix.
    Wine,
}

/// Byte order of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Endian {
    Little,
    Big,
}

/// ELF class (word size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ElfClass {
    #[serde(rename = "ELF32")]
    Elf32,
    #[serde(rename = "ELF64")]
    Elf64,
}

/// Floating-point calling convention, where the architecture has a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FloatAbi {
    /// The architecture has a single float ABI (x86, s390x, ppc64le, aarch64).
    Native,
    /// Floats passed in integer registers (ARM EABI soft / softfp).
    Soft,
    /// Floats passed in FP registers (ARM hard-float, RISC-V lp64d).
    Hard,
}

/// ELF `e_machine` values of the supported targets.
pub mod elf_machine {
    pub const EM_386: u16 = 3;
    pub const EM_PPC64: u16 = 21;
    pub const EM_S390: u16 = 22;
    pub const EM_ARM: u16 = 40;
    pub const EM_X86_64: u16 = 62;
    pub const EM_AARCH64: u16 = 183;
    pub const EM_RISCV: u16 = 243;
}

/// PE/COFF `Machine` values of the supported Windows targets.
pub mod pe_machine {
    pub const IMAGE_FILE_MACHINE_I386: u16 = 0x014c;
    pub const IMAGE_FILE_MACHINE_AMD64: u16 = 0x8664;
    pub const IMAGE_FILE_MACHINE_ARM64: u16 = 0xaa64;
}

/// Everything crossroot knows about one supported target.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct TargetSpec {
    /// The Rust target triple, e.g. `aarch64-unknown-linux-gnu`.
    pub triple: &'static str,
    /// Debian architecture whose packages make up the sysroot, e.g. `arm64`; for Windows the
    /// architecture of the Wine packages that run the target's programs.
    pub debian_arch: &'static str,
    /// Debian releases that carry `debian_arch`, oldest first.
    pub releases: &'static [Release],
    /// GNU triplet as used by Debian's multiarch directories, e.g. `aarch64-linux-gnu`; for
    /// Windows the mingw-w64 triplet (`x86_64-w64-mingw32`), the prefix of its tools.
    pub multiarch: &'static str,
    /// Triple given to clang with `--target=` for C code.
    pub clang_target: &'static str,
    /// Name of the QEMU user-mode binary, e.g. `qemu-aarch64`; empty for Windows targets.
    pub qemu: &'static str,
    pub elf_class: ElfClass,
    pub endian: Endian,
    /// ELF `e_machine`.
    pub elf_machine: u16,
    pub float_abi: FloatAbi,
    /// Absolute path of the dynamic loader (PT_INTERP) on the target; empty for Windows targets.
    pub loader: &'static str,
    pub libc: Libc,
    /// The oldest glibc Rust's std supports on this target (rustc's platform-support page):
    /// the lowest floor crossroot accepts. `None` for musl targets.
    pub min_glibc: Option<GlibcVersion>,
    /// The operating system: Linux (ELF) or Windows (PE).
    pub os: Os,
    /// PE `Machine` for Windows targets.
    pub pe_machine: Option<u16>,
    /// How programs run when the host cannot run them itself.
    pub runner: RunnerKind,
    /// Other accepted spellings (Debian arch, Nix system, short forms, GNU triplets).
    pub aliases: &'static [&'static str],
}

use Release::{Bookworm, Bullseye, Forky, Sid, Trixie};
use elf_machine::*;
use pe_machine::*;

const ALL_RELEASES: &[Release] = &[Bullseye, Bookworm, Trixie, Forky, Sid];
const UNTIL_TRIXIE: &[Release] = &[Bullseye, Bookworm, Trixie];
const FROM_TRIXIE: &[Release] = &[Trixie, Forky, Sid];
/// The glibc Rust's std needs on most Linux targets.
const GLIBC_2_17: GlibcVersion = GlibcVersion::new(2, 17);
/// Windows targets: mingw-w64 and Wine come from bookworm (trixie's Wine 10 needs glibc 2.41 on
/// the host).
const WINDOWS_RELEASES: &[Release] = &[Bookworm];

/// The supported targets: the one source of truth for every per-target fact.
pub static TARGETS: &[TargetSpec] = &[
    TargetSpec {
        triple: "aarch64-unknown-linux-gnu",
        debian_arch: "arm64",
        releases: ALL_RELEASES,
        multiarch: "aarch64-linux-gnu",
        clang_target: "aarch64-linux-gnu",
        qemu: "qemu-aarch64",
        elf_class: ElfClass::Elf64,
        endian: Endian::Little,
        elf_machine: EM_AARCH64,
        float_abi: FloatAbi::Native,
        loader: "/lib/ld-linux-aarch64.so.1",
        libc: Libc::Gnu,
        min_glibc: Some(GLIBC_2_17),
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &["arm64", "aarch64-linux", "aarch64-linux-gnu", "aarch64"],
    },
    TargetSpec {
        triple: "armv7-unknown-linux-gnueabihf",
        debian_arch: "armhf",
        releases: ALL_RELEASES,
        multiarch: "arm-linux-gnueabihf",
        clang_target: "armv7-linux-gnueabihf",
        qemu: "qemu-arm",
        elf_class: ElfClass::Elf32,
        endian: Endian::Little,
        elf_machine: EM_ARM,
        float_abi: FloatAbi::Hard,
        loader: "/lib/ld-linux-armhf.so.3",
        libc: Libc::Gnu,
        min_glibc: Some(GLIBC_2_17),
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &[
            "armhf",
            "armv7l-linux",
            "armv7-linux",
            "arm-linux-gnueabihf",
            "armv7-linux-gnueabihf",
            "armv7",
        ],
    },
    TargetSpec {
        triple: "arm-unknown-linux-gnueabi",
        debian_arch: "armel",
        releases: UNTIL_TRIXIE,
        multiarch: "arm-linux-gnueabi",
        clang_target: "arm-linux-gnueabi",
        qemu: "qemu-arm",
        elf_class: ElfClass::Elf32,
        endian: Endian::Little,
        elf_machine: EM_ARM,
        float_abi: FloatAbi::Soft,
        loader: "/lib/ld-linux.so.3",
        libc: Libc::Gnu,
        min_glibc: Some(GLIBC_2_17),
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &["armel", "arm-linux-gnueabi"],
    },
    TargetSpec {
        triple: "i686-unknown-linux-gnu",
        debian_arch: "i386",
        releases: ALL_RELEASES,
        multiarch: "i386-linux-gnu",
        clang_target: "i686-linux-gnu",
        qemu: "qemu-i386",
        elf_class: ElfClass::Elf32,
        endian: Endian::Little,
        elf_machine: EM_386,
        float_abi: FloatAbi::Native,
        loader: "/lib/ld-linux.so.2",
        libc: Libc::Gnu,
        min_glibc: Some(GLIBC_2_17),
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &[
            "i386",
            "i686-linux",
            "i686-linux-gnu",
            "i386-linux-gnu",
            "i686",
        ],
    },
    TargetSpec {
        triple: "x86_64-unknown-linux-gnu",
        debian_arch: "amd64",
        releases: ALL_RELEASES,
        multiarch: "x86_64-linux-gnu",
        clang_target: "x86_64-linux-gnu",
        qemu: "qemu-x86_64",
        elf_class: ElfClass::Elf64,
        endian: Endian::Little,
        elf_machine: EM_X86_64,
        float_abi: FloatAbi::Native,
        loader: "/lib64/ld-linux-x86-64.so.2",
        libc: Libc::Gnu,
        min_glibc: Some(GLIBC_2_17),
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &["amd64", "x86_64-linux", "x86_64-linux-gnu", "x86_64"],
    },
    TargetSpec {
        triple: "riscv64gc-unknown-linux-gnu",
        debian_arch: "riscv64",
        releases: FROM_TRIXIE,
        multiarch: "riscv64-linux-gnu",
        clang_target: "riscv64-linux-gnu",
        qemu: "qemu-riscv64",
        elf_class: ElfClass::Elf64,
        endian: Endian::Little,
        elf_machine: EM_RISCV,
        float_abi: FloatAbi::Hard,
        loader: "/lib/ld-linux-riscv64-lp64d.so.1",
        libc: Libc::Gnu,
        min_glibc: Some(GlibcVersion::new(2, 29)),
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &[
            "riscv64",
            "riscv64-linux",
            "riscv64-linux-gnu",
            "riscv64gc-linux-gnu",
        ],
    },
    TargetSpec {
        triple: "powerpc64le-unknown-linux-gnu",
        debian_arch: "ppc64el",
        releases: ALL_RELEASES,
        multiarch: "powerpc64le-linux-gnu",
        clang_target: "powerpc64le-linux-gnu",
        qemu: "qemu-ppc64le",
        elf_class: ElfClass::Elf64,
        endian: Endian::Little,
        elf_machine: EM_PPC64,
        float_abi: FloatAbi::Native,
        loader: "/lib64/ld64.so.2",
        libc: Libc::Gnu,
        min_glibc: Some(GLIBC_2_17),
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &[
            "ppc64el",
            "powerpc64le-linux",
            "powerpc64le-linux-gnu",
            "ppc64le",
        ],
    },
    TargetSpec {
        triple: "s390x-unknown-linux-gnu",
        debian_arch: "s390x",
        releases: ALL_RELEASES,
        multiarch: "s390x-linux-gnu",
        clang_target: "s390x-linux-gnu",
        qemu: "qemu-s390x",
        elf_class: ElfClass::Elf64,
        endian: Endian::Big,
        elf_machine: EM_S390,
        float_abi: FloatAbi::Native,
        loader: "/lib/ld64.so.1",
        libc: Libc::Gnu,
        min_glibc: Some(GLIBC_2_17),
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &["s390x", "s390x-linux", "s390x-linux-gnu"],
    },
    TargetSpec {
        triple: "x86_64-unknown-linux-musl",
        debian_arch: "amd64",
        releases: ALL_RELEASES,
        multiarch: "x86_64-linux-gnu",
        clang_target: "x86_64-linux-musl",
        qemu: "qemu-x86_64",
        elf_class: ElfClass::Elf64,
        endian: Endian::Little,
        elf_machine: EM_X86_64,
        float_abi: FloatAbi::Native,
        loader: "/lib/ld-musl-x86_64.so.1",
        libc: Libc::Musl,
        min_glibc: None,
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &["x86_64-linux-musl", "amd64-musl", "x86_64-musl"],
    },
    TargetSpec {
        triple: "aarch64-unknown-linux-musl",
        debian_arch: "arm64",
        releases: ALL_RELEASES,
        multiarch: "aarch64-linux-gnu",
        clang_target: "aarch64-linux-musl",
        qemu: "qemu-aarch64",
        elf_class: ElfClass::Elf64,
        endian: Endian::Little,
        elf_machine: EM_AARCH64,
        float_abi: FloatAbi::Native,
        loader: "/lib/ld-musl-aarch64.so.1",
        libc: Libc::Musl,
        min_glibc: None,
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &["aarch64-linux-musl", "arm64-musl", "aarch64-musl"],
    },
    TargetSpec {
        triple: "armv7-unknown-linux-musleabihf",
        debian_arch: "armhf",
        releases: ALL_RELEASES,
        multiarch: "arm-linux-gnueabihf",
        clang_target: "armv7-linux-musleabihf",
        qemu: "qemu-arm",
        elf_class: ElfClass::Elf32,
        endian: Endian::Little,
        elf_machine: EM_ARM,
        float_abi: FloatAbi::Hard,
        loader: "/lib/ld-musl-armhf.so.1",
        libc: Libc::Musl,
        min_glibc: None,
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &[
            "armv7-linux-musleabihf",
            "armv7l-linux-musl",
            "armv7-linux-musl",
            "armhf-musl",
            "armv7-musl",
        ],
    },
    TargetSpec {
        triple: "riscv64gc-unknown-linux-musl",
        debian_arch: "riscv64",
        releases: FROM_TRIXIE,
        multiarch: "riscv64-linux-gnu",
        clang_target: "riscv64-linux-musl",
        qemu: "qemu-riscv64",
        elf_class: ElfClass::Elf64,
        endian: Endian::Little,
        elf_machine: EM_RISCV,
        float_abi: FloatAbi::Hard,
        loader: "/lib/ld-musl-riscv64.so.1",
        libc: Libc::Musl,
        min_glibc: None,
        os: Os::Linux,
        pe_machine: None,
        runner: RunnerKind::Qemu,
        aliases: &["riscv64-linux-musl", "riscv64-musl", "riscv64gc-linux-musl"],
    },
    TargetSpec {
        triple: "x86_64-pc-windows-gnu",
        debian_arch: "amd64",
        releases: WINDOWS_RELEASES,
        multiarch: "x86_64-w64-mingw32",
        clang_target: "x86_64-w64-mingw32",
        qemu: "",
        elf_class: ElfClass::Elf64,
        endian: Endian::Little,
        elf_machine: EM_X86_64,
        float_abi: FloatAbi::Native,
        loader: "",
        libc: Libc::Msvcrt,
        min_glibc: None,
        os: Os::Windows,
        pe_machine: Some(IMAGE_FILE_MACHINE_AMD64),
        runner: RunnerKind::Wine,
        aliases: &[
            "windows",
            "win64",
            "x86_64-windows",
            "mingw64",
            "x86_64-w64-mingw32",
            "x86_64-windows-gnu",
        ],
    },
    TargetSpec {
        triple: "i686-pc-windows-gnu",
        debian_arch: "i386",
        releases: WINDOWS_RELEASES,
        multiarch: "i686-w64-mingw32",
        clang_target: "i686-w64-mingw32",
        qemu: "",
        elf_class: ElfClass::Elf32,
        endian: Endian::Little,
        elf_machine: EM_386,
        float_abi: FloatAbi::Native,
        loader: "",
        libc: Libc::Msvcrt,
        min_glibc: None,
        os: Os::Windows,
        pe_machine: Some(IMAGE_FILE_MACHINE_I386),
        runner: RunnerKind::Wine,
        aliases: &[
            "win32",
            "i686-windows",
            "mingw32",
            "i686-w64-mingw32",
            "i686-windows-gnu",
        ],
    },
];

impl TargetSpec {
    /// Whether the target builds Windows (PE) programs.
    pub fn is_windows(&self) -> bool {
        self.os == Os::Windows
    }

    /// Whether the target's pointers are 32 bits wide.
    pub fn is_32bit(&self) -> bool {
        self.elf_class == ElfClass::Elf32
    }

    /// The Debian release used when neither the user nor a glibc floor picks one:
    /// bookworm, or the oldest newer release that carries the architecture.
    pub fn default_release(&self) -> Release {
        if self.releases.contains(&Bookworm) {
            return Bookworm;
        }
        self.releases
            .iter()
            .copied()
            .find(|r| *r > Bookworm)
            .unwrap_or(self.releases[0])
    }

    /// Whether `release` carries this target's Debian architecture.
    pub fn has_release(&self, release: Release) -> bool {
        self.releases.contains(&release)
    }

    /// `CARGO_TARGET_<T>_…` key part: `AARCH64_UNKNOWN_LINUX_GNU`.
    pub fn cargo_env_key(&self) -> String {
        self.triple.to_ascii_uppercase().replace(['-', '.'], "_")
    }

    /// cc-rs `CC_<t>` key part: `aarch64_unknown_linux_gnu`.
    pub fn cc_env_key(&self) -> String {
        self.triple.replace(['-', '.'], "_")
    }

    /// Whether this target runs natively on a Linux host whose ELF machine is `host_machine` (no
    /// runner needed). Windows targets never do.
    pub fn runs_natively_on(&self, host_machine: u16) -> bool {
        self.os == Os::Linux
            && self.elf_machine == host_machine
            && self.elf_class == ElfClass::Elf64
    }
}

/// The spec for an exact Rust triple, if supported.
pub fn by_triple(triple: &str) -> Option<&'static TargetSpec> {
    TARGETS.iter().find(|t| t.triple == triple)
}

/// The glibc target matching the architecture crossroot itself was compiled for, i.e. the host
/// it runs on; `None` on a host architecture the table does not know. Decided at compile time.
pub fn host() -> Option<&'static TargetSpec> {
    let triple = match std::env::consts::ARCH {
        "x86_64" => "x86_64-unknown-linux-gnu",
        "aarch64" => "aarch64-unknown-linux-gnu",
        "x86" => "i686-unknown-linux-gnu",
        "arm" => "armv7-unknown-linux-gnueabihf",
        "riscv64" => "riscv64gc-unknown-linux-gnu",
        "powerpc64" if cfg!(target_endian = "little") => "powerpc64le-unknown-linux-gnu",
        "s390x" => "s390x-unknown-linux-gnu",
        _ => return None,
    };
    by_triple(triple)
}

/// A target as the user asked for it: a table entry and an optional glibc floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub spec: &'static TargetSpec,
    /// Oldest glibc the produced binaries must run on (`.2.31` suffix).
    pub glibc_floor: Option<GlibcVersion>,
}

impl Target {
    pub fn triple(&self) -> &'static str {
        self.spec.triple
    }

    /// The Debian release to build against: `explicit` if given (checked against the floor and
    /// the architecture), else the newest release whose glibc is not above the floor, else —
    /// for a floor older than every release — the oldest release carrying the architecture
    /// (then [`Target::needs_glibc_stubs`] says so), else the target's default. A floor below
    /// the target's minimum glibc is an error.
    pub fn release(&self, explicit: Option<Release>) -> Result<Release, TargetError> {
        if let (Some(floor), Some(minimum)) = (self.glibc_floor, self.spec.min_glibc) {
            if floor < minimum {
                return Err(TargetError::FloorBelowMinimum {
                    floor,
                    triple: self.spec.triple,
                    minimum,
                });
            }
        }
        if let Some(release) = explicit {
            if !self.spec.has_release(release) {
                return Err(TargetError::ReleaseLacksArch {
                    release,
                    triple: self.spec.triple,
                    arch: self.spec.debian_arch,
                    carried_by: self.spec.releases.to_vec(),
                });
            }
            if let (Some(floor), Some(glibc)) = (self.glibc_floor, release.glibc()) {
                if glibc > floor {
                    return Err(TargetError::ReleaseAboveFloor { release, floor });
                }
            }
            return Ok(release);
        }
        let Some(floor) = self.glibc_floor else {
            return Ok(self.spec.default_release());
        };
        let released = || {
            self.spec
                .releases
                .iter()
                .copied()
                .filter(|r| r.glibc().is_some())
        };
        released()
            .filter(|r| r.glibc().is_some_and(|g| g <= floor))
            .max()
            .or_else(|| released().min())
            .ok_or(TargetError::NoReleaseForFloor {
                floor,
                triple: self.spec.triple,
            })
    }

    /// Whether building for this target's floor against `release` links against link-only glibc
    /// stubs: the floor is older than the release's glibc (or the release is a moving suite
    /// whose glibc is not known in advance).
    pub fn needs_glibc_stubs(&self, release: Release) -> bool {
        match (self.glibc_floor, release.glibc()) {
            (Some(floor), Some(glibc)) => floor < glibc,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spec.triple)?;
        if let Some(floor) = self.glibc_floor {
            write!(f, ".{floor}")?;
        }
        Ok(())
    }
}

impl FromStr for Target {
    type Err = TargetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// Why a target name cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("no target name given")]
    Empty,
    #[error("unknown target `{input}`")]
    Unknown {
        input: String,
        suggestions: Vec<&'static str>,
    },
    #[error("`{input}` is a target for {os}, which crossroot cannot build for from a Linux host")]
    OtherOs {
        input: String,
        os: &'static str,
        instead: &'static str,
    },
    #[error(
        "`{input}` is a Windows target for Microsoft's MSVC toolchain, whose libraries and linker crossroot does not provide"
    )]
    Msvc {
        input: String,
        /// The `-gnu` (mingw-w64) target of the same architecture, when crossroot has one.
        gnu: Option<&'static str>,
    },
    #[error(
        "`{input}` has no operating system (bare metal or WebAssembly): there is no sysroot to provide"
    )]
    NoOs { input: String },
    #[error("`{input}` is a Linux target with no Debian architecture that crossroot supports")]
    NoDebianArch { input: String },
    #[error("invalid glibc floor `{suffix}` in `{input}`: expected a version like `2.31`")]
    BadFloor { input: String, suffix: String },
    #[error(
        "glibc floor {floor} in `{input}` is newer than any Debian release crossroot knows \
         (the newest, {newest}, ships glibc {newest_glibc})"
    )]
    FloorAboveNewest {
        input: String,
        floor: GlibcVersion,
        newest: Release,
        newest_glibc: GlibcVersion,
    },
    #[error("`{triple}` uses musl, so a glibc floor (`.{floor}`) does not apply")]
    FloorOnMusl {
        triple: &'static str,
        floor: GlibcVersion,
    },
    #[error("`{triple}` is a Windows target, so a glibc floor (`.{floor}`) does not apply")]
    FloorOnWindows {
        triple: &'static str,
        floor: GlibcVersion,
    },
    #[error(
        "no released Debian version carrying `{triple}` is known to build a glibc {floor} floor"
    )]
    NoReleaseForFloor {
        floor: GlibcVersion,
        triple: &'static str,
    },
    #[error("glibc {floor} is older than `{triple}` supports: its minimum is glibc {minimum}")]
    FloorBelowMinimum {
        floor: GlibcVersion,
        triple: &'static str,
        minimum: GlibcVersion,
    },
    #[error("Debian {release} does not carry the `{arch}` architecture needed by `{triple}`")]
    ReleaseLacksArch {
        release: Release,
        triple: &'static str,
        arch: &'static str,
        carried_by: Vec<Release>,
    },
    #[error("Debian {release} ships a glibc newer than the requested floor {floor}")]
    ReleaseAboveFloor {
        release: Release,
        floor: GlibcVersion,
    },
}

impl crossroot_hint::Hint for TargetError {
    /// What the user can do next.
    fn hint(&self) -> Option<String> {
        match self {
            TargetError::Empty | TargetError::NoDebianArch { .. } => Some(format!(
                "supported targets: {} (see `crossroot targets`)",
                TARGETS
                    .iter()
                    .map(|t| t.triple)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            TargetError::Unknown { suggestions, .. } if !suggestions.is_empty() => Some(format!(
                "did you mean {}?",
                suggestions
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )),
            TargetError::Unknown { .. } => {
                Some("run `crossroot targets` to list the supported targets".into())
            }
            TargetError::OtherOs { instead, .. } => Some((*instead).into()),
            TargetError::Msvc { gnu: Some(gnu), .. } => Some(format!(
                "use `{gnu}` (mingw-w64, tested under Wine): `crossroot test --target {gnu}`; for -msvc itself, try `cargo-xwin`"
            )),
            TargetError::Msvc { gnu: None, .. } => Some(format!(
                "crossroot builds Windows programs with mingw-w64 for {}; for -msvc, try `cargo-xwin`",
                windows_triples().join(", ")
            )),
            TargetError::FloorOnWindows { triple, .. } => {
                Some(format!("Windows programs do not use glibc: use `{triple}`"))
            }
            TargetError::NoOs { input } => Some(format!(
                "no C library or sysroot is needed: `rustup target add {input}` and `cargo build --target {input}` are enough"
            )),
            TargetError::BadFloor { input, .. } => {
                let base = input.split('.').next().unwrap_or(input);
                Some(format!("write it as `{base}.2.31`"))
            }
            TargetError::FloorAboveNewest {
                input,
                newest_glibc,
                ..
            } => {
                let base = input.split('.').next().unwrap_or(input);
                Some(format!(
                    "a floor is the oldest glibc the binaries must run on: check the number \
                     (e.g. `{base}.{newest_glibc}`), or drop it (`{base}`) to build against the \
                     default release"
                ))
            }
            TargetError::FloorOnMusl { triple, .. } => Some(format!(
                "musl binaries are static and do not depend on the device's glibc: use `{triple}`"
            )),
            TargetError::NoReleaseForFloor { .. } => Some(
                "name a release with `--debian-release` (or `CROSSROOT_DEBIAN_RELEASE`)".into(),
            ),
            TargetError::FloorBelowMinimum {
                triple, minimum, ..
            } => Some(format!(
                "Rust's standard library needs glibc {minimum} or newer on this target: use `{triple}.{minimum}` or a newer floor"
            )),
            TargetError::ReleaseLacksArch { carried_by, .. } => Some(format!(
                "releases that carry it: {}",
                carried_by
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            TargetError::ReleaseAboveFloor { floor, .. } => Some(format!(
                "drop the release setting, or pick one whose glibc is at most {floor}"
            )),
        }
    }
}

/// The Windows triples of the table.
fn windows_triples() -> Vec<&'static str> {
    TARGETS
        .iter()
        .filter(|t| t.is_windows())
        .map(|t| t.triple)
        .collect()
}

/// Parse a target as the user may spell it: a Rust triple, a Debian architecture, a Nix system
/// name or a short form, optionally followed by a glibc floor (`.2.31`).
pub fn parse(input: &str) -> Result<Target, TargetError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(TargetError::Empty);
    }
    let (name, floor) = split_floor(input)?;
    let lowered = name.to_ascii_lowercase();
    if let Some(spec) = lookup(&lowered) {
        if let Some(floor) = floor {
            match spec.libc {
                Libc::Gnu => {}
                Libc::Musl => {
                    return Err(TargetError::FloorOnMusl {
                        triple: spec.triple,
                        floor,
                    });
                }
                Libc::Msvcrt => {
                    return Err(TargetError::FloorOnWindows {
                        triple: spec.triple,
                        floor,
                    });
                }
            }
        }
        return Ok(Target {
            spec,
            glibc_floor: floor,
        });
    }
    Err(classify_unknown(input, &lowered))
}

/// Every accepted spelling with the triple it resolves to.
pub fn all_names() -> impl Iterator<Item = (&'static str, &'static TargetSpec)> {
    TARGETS.iter().flat_map(|spec| {
        std::iter::once((spec.triple, spec)).chain(spec.aliases.iter().map(move |a| (*a, spec)))
    })
}

fn lookup(name: &str) -> Option<&'static TargetSpec> {
    all_names().find(|(n, _)| *n == name).map(|(_, s)| s)
}

/// Split `name.2.31` into `name` and the floor. Names themselves never contain dots.
fn split_floor(input: &str) -> Result<(&str, Option<GlibcVersion>), TargetError> {
    let Some((name, suffix)) = input.split_once('.') else {
        return Ok((input, None));
    };
    match suffix.parse::<GlibcVersion>() {
        Ok(v) => {
            // A floor above every release's glibc is a typo (`2.99`), not a wish to build
            // against a glibc no release has.
            let newest = Release::ALL
                .iter()
                .filter_map(|r| r.glibc().map(|g| (*r, g)))
                .max_by_key(|(_, g)| *g);
            match newest {
                Some((newest, newest_glibc)) if v > newest_glibc => {
                    Err(TargetError::FloorAboveNewest {
                        input: input.to_string(),
                        floor: v,
                        newest,
                        newest_glibc,
                    })
                }
                _ => Ok((name, Some(v))),
            }
        }
        Err(()) => Err(TargetError::BadFloor {
            input: input.to_string(),
            suffix: suffix.to_string(),
        }),
    }
}

fn classify_unknown(input: &str, lowered: &str) -> TargetError {
    use target_lexicon::{Architecture, OperatingSystem, Triple};
    if let Ok(triple) = Triple::from_str(lowered) {
        let os = match triple.operating_system {
            OperatingSystem::Darwin(_) | OperatingSystem::MacOSX(_) => Some((
                "macOS",
                "Apple targets need Apple's SDK and linker, which Debian does not ship: build on a Mac (or with osxcross); crossroot cross-compiles between Linux architectures",
            )),
            OperatingSystem::IOS(_)
            | OperatingSystem::TvOS(_)
            | OperatingSystem::WatchOS(_)
            | OperatingSystem::VisionOS(_) => Some((
                "an Apple mobile OS",
                "Apple targets need Xcode's SDK and linker: build on a Mac",
            )),
            OperatingSystem::Windows if lowered.contains("msvc") => {
                let arch = lowered.split('-').next().unwrap_or_default();
                return TargetError::Msvc {
                    input: input.to_string(),
                    gnu: TARGETS
                        .iter()
                        .find(|t| t.is_windows() && t.triple.split('-').next() == Some(arch))
                        .map(|t| t.triple),
                };
            }
            OperatingSystem::Windows => Some((
                "Windows",
                "crossroot builds Windows programs with mingw-w64 for `x86_64-pc-windows-gnu` and `i686-pc-windows-gnu` (run under Wine)",
            )),
            OperatingSystem::Linux if lowered.contains("android") => Some((
                "Android",
                "Android links against the NDK's Bionic libc, not Debian's glibc: use the Android NDK (e.g. `cargo-ndk`)",
            )),
            OperatingSystem::Freebsd
            | OperatingSystem::Netbsd
            | OperatingSystem::Openbsd
            | OperatingSystem::Dragonfly
            | OperatingSystem::Illumos
            | OperatingSystem::Solaris
            | OperatingSystem::Haiku
            | OperatingSystem::Fuchsia => Some((
                "another operating system",
                "that system's libc and headers do not come from Debian: build on that system, or use a sysroot made for it",
            )),
            _ => None,
        };
        if let Some((os, instead)) = os {
            return TargetError::OtherOs {
                input: input.to_string(),
                os,
                instead,
            };
        }
        let known_arch = !matches!(triple.architecture, Architecture::Unknown);
        match triple.operating_system {
            OperatingSystem::None_
            | OperatingSystem::Unknown
            | OperatingSystem::Wasi
            | OperatingSystem::WasiP1
            | OperatingSystem::WasiP2
            | OperatingSystem::Uefi
            | OperatingSystem::Cuda
                if known_arch && lowered.matches('-').count() >= 2 && !looks_misspelt(lowered) =>
            {
                return TargetError::NoOs {
                    input: input.to_string(),
                };
            }
            OperatingSystem::Linux if known_arch && lowered.matches('-').count() >= 2 => {
                // An architecture crossroot supports with a misspelt rest is a typo; any other
                // architecture is a real target without a Debian port here.
                let arch = lowered.split('-').next().unwrap_or_default();
                let supported_arch = TARGETS
                    .iter()
                    .any(|t| t.triple.split('-').next() == Some(arch));
                if !supported_arch {
                    return TargetError::NoDebianArch {
                        input: input.to_string(),
                    };
                }
            }
            _ => {}
        }
    }
    TargetError::Unknown {
        input: input.to_string(),
        suggestions: suggest(lowered),
    }
}

fn looks_misspelt(lowered: &str) -> bool {
    !suggest(lowered).is_empty()
}

/// The nearest accepted names, closest first (at most three).
fn suggest(lowered: &str) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &'static str)> = all_names()
        .map(|(name, _)| (strsim::damerau_levenshtein(lowered, name), name))
        .filter(|(d, name)| *d <= (name.len() / 4).clamp(1, 3))
        .collect();
    // Also accept a prefix match for partial names such as `aarch64-unknown`.
    if scored.is_empty() && lowered.len() >= 4 {
        scored = all_names()
            .filter(|(name, _)| name.starts_with(lowered))
            .map(|(name, _)| (name.len() - lowered.len(), name))
            .collect();
    }
    scored.sort();
    let mut out: Vec<&'static str> = Vec::new();
    for (_, name) in scored {
        if !out.contains(&name) {
            out.push(name);
        }
        if out.len() == 3 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests;
