//! ELF and PE facts: what a binary is, what it needs, and which targets it fits.
//!
//! PE (Windows) files are read by [`inspect_binary_bytes`] into a [`PeReport`]: machine,
//! PE32/PE32+, subsystem, executable or DLL, imported DLLs and which of them are not part of
//! Windows ([`is_system_dll`]), the Windows targets it fits ([`pe_mismatches`]).
//!
//! Owns: reading an ELF file from bytes ([`inspect_bytes`]) into an [`ElfReport`]: class,
//! endianness, machine, OS/ABI, file type (executable, PIE, shared object, static-pie, static),
//! ARM/RISC-V float ABI and architecture level, interpreter, NEEDED, RPATH/RUNPATH, SONAME, the
//! symbol versions required from glibc/libstdc++ (and which symbols need the newest glibc),
//! stripped-ness and build-id; naming non-ELF input ([`InspectError`]); matching a report
//! against the target table ([`mismatches`], [`ElfReport::targets`]); glibc floor checks
//! ([`check_glibc_floor`]); and looking a file's libraries up in a sysroot tree
//! ([`resolve_in_sysroot`], the only part that touches the filesystem, plus the thin
//! [`inspect_path`]).
//!
//! On top of the ELF reader, three modules hold what the `crossroot` binary only prints:
//! [`artefacts`] finds the files one cargo invocation produced (from plain values: target and
//! build directory, triple, profile directory, start time) and keeps the memo of failures;
//! [`floor`] checks them against a glibc floor and words the result ([`floor::FloorError`]);
//! [`deps`] names the libraries outside glibc a file needs (for `--static-deps` and `inspect`);
//! [`report`] builds `crossroot inspect`'s per-file report, its wording and the JSON shape of
//! `docs/inspect-json.md`. Their I/O is reading directories and files; the choices are pure.
//!
//! Must not: shell out (`readelf`, `file`, `ldd`, `cargo`), read cargo's command line, print,
//! run the binary, panic on any input bytes, or restate target facts: machines, loaders, float
//! ABIs and libcs come from [`crossroot_target::TARGETS`].

use std::fmt;
use std::path::{Path, PathBuf};

use crossroot_target::{ElfClass, Endian, GlibcVersion, Libc, TargetSpec};
use serde::{Serialize, Serializer};

pub mod artefacts;
mod attributes;
pub mod deps;
mod detect;
pub mod floor;
mod pe;
mod read;
pub mod report;
mod sysroot;
mod versions;

pub use pe::{PeKind, PeReport, Subsystem, is_system_dll, pe_machine_name, pe_mismatches};
pub use sysroot::{Lookup, SysrootResolution, resolve_in_sysroot};
pub use versions::SymbolVersion;

/// Version of the JSON shape documented in `docs/inspect-json.md`.
pub const JSON_SCHEMA: u32 = 1;

/// Everything crossroot reads from one ELF file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElfReport {
    pub class: ElfClass,
    pub endian: Endian,
    pub machine: Machine,
    pub os_abi: OsAbi,
    /// What kind of file this is (`type` in JSON).
    #[serde(rename = "type")]
    pub kind: ElfKind,
    /// Raw `e_flags`.
    pub flags: u32,
    /// The floating-point calling convention, normalised across architectures.
    pub float_abi: FloatAbiFact,
    /// ARM details (EABI version, float ABI source, architecture level).
    pub arm: Option<ArmInfo>,
    /// RISC-V details (float ABI, compressed instructions, ISA string).
    pub riscv: Option<RiscvInfo>,
    /// The C library the file was linked against, when the file says so.
    pub libc: Option<Libc>,
    pub interpreter: Option<String>,
    pub needed: Vec<String>,
    pub rpath: Vec<String>,
    pub runpath: Vec<String>,
    pub soname: Option<String>,
    /// Symbol versions the file requires from its libraries.
    pub versions: VersionRequirements,
    /// No `.symtab`: local symbols were removed.
    pub stripped: bool,
    /// Has DWARF (`.debug_info`).
    pub debug_info: bool,
    /// `NT_GNU_BUILD_ID`, lowercase hex.
    pub build_id: Option<String>,
    /// Triples of the supported targets this file fits (see [`mismatches`]).
    pub targets: Vec<&'static str>,
}

/// ELF `e_machine` with a readable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Machine {
    pub code: u16,
    pub name: &'static str,
}

/// ELF `EI_OSABI` with a readable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OsAbi {
    pub code: u8,
    pub name: &'static str,
}

/// What kind of ELF file this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElfKind {
    /// `ET_REL`: an object file (`.o`).
    Relocatable,
    /// `ET_EXEC` with an interpreter: a dynamically linked, position-dependent executable.
    Executable,
    /// `ET_DYN` with an interpreter: a position-independent executable.
    Pie,
    /// `ET_DYN` without a PIE flag: a shared library.
    SharedObject,
    /// `ET_DYN` flagged PIE (`DF_1_PIE`) without an interpreter: a self-relocating static PIE.
    StaticPie,
    /// `ET_EXEC` without an interpreter: a statically linked executable.
    Static,
    /// `ET_CORE`: a core dump.
    Core,
    /// Any other `e_type`.
    Other,
}

impl ElfKind {
    /// A readable phrase: "PIE executable".
    pub fn describe(self) -> &'static str {
        match self {
            ElfKind::Relocatable => "relocatable object",
            ElfKind::Executable => "dynamically linked executable",
            ElfKind::Pie => "PIE executable",
            ElfKind::SharedObject => "shared object",
            ElfKind::StaticPie => "static-pie executable",
            ElfKind::Static => "static executable",
            ElfKind::Core => "core dump",
            ElfKind::Other => "ELF file of unknown type",
        }
    }
}

/// The floating-point calling convention a file was built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FloatAbiFact {
    /// The architecture has one float ABI (x86, AArch64, s390x, ppc64le).
    Native,
    /// Floats in integer registers (ARM soft/softfp, RISC-V lp64/ilp32).
    Soft,
    /// Floats in FP registers (ARM hard-float, RISC-V double: lp64d/ilp32d).
    Hard,
    /// RISC-V single-precision float ABI (lp64f/ilp32f).
    Single,
    /// RISC-V quad-precision float ABI (lp64q).
    Quad,
    /// The file does not say (old ARM EABI without attributes).
    Unknown,
}

impl fmt::Display for FloatAbiFact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FloatAbiFact::Native => "native",
            FloatAbiFact::Soft => "soft",
            FloatAbiFact::Hard => "hard",
            FloatAbiFact::Single => "single",
            FloatAbiFact::Quad => "quad",
            FloatAbiFact::Unknown => "unknown",
        })
    }
}

impl FloatAbiFact {
    /// Whether a file with this float ABI can run on a target with `abi`.
    pub fn fits(self, abi: crossroot_target::FloatAbi) -> bool {
        use crossroot_target::FloatAbi as T;
        matches!(
            (self, abi),
            (FloatAbiFact::Unknown, _)
                | (FloatAbiFact::Native, T::Native)
                | (FloatAbiFact::Soft, T::Soft)
                | (FloatAbiFact::Hard, T::Hard)
        )
    }
}

/// ARM specifics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArmInfo {
    /// EABI version from `e_flags` (5 for every modern toolchain), if any.
    pub eabi: Option<u8>,
    /// Where the float ABI came from: `"e_flags"`, `"attributes"` or `null` when unknown.
    pub float_abi_source: Option<&'static str>,
    /// `Tag_CPU_arch` from `.ARM.attributes`: `"v7"`, `"v6"`, `"v8"`…
    pub arch: Option<String>,
    /// `Tag_CPU_arch_profile`: `"A"`, `"R"`, `"M"`.
    pub profile: Option<String>,
}

/// RISC-V specifics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiscvInfo {
    /// `"soft"`, `"single"`, `"double"` or `"quad"` from `e_flags`.
    pub float_abi: &'static str,
    /// `EF_RISCV_RVC`: uses compressed instructions.
    pub rvc: bool,
    /// `Tag_RISCV_arch` from `.riscv.attributes`, e.g. `rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0`.
    pub isa: Option<String>,
}

/// Symbol versions required from other libraries (`.gnu.version_r`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VersionRequirements {
    /// Highest `GLIBC_x.y` required.
    #[serde(serialize_with = "ser_display_opt")]
    pub glibc: Option<GlibcVersion>,
    /// The undefined symbols that require [`Self::glibc`], sorted.
    pub glibc_symbols: Vec<VersionedSymbol>,
    /// Highest `GLIBCXX_` version required (`"3.4.30"`).
    pub glibcxx: Option<String>,
    /// Highest `CXXABI_` version required (`"1.3.13"`).
    pub cxxabi: Option<String>,
    /// Every version required, per library, as the file lists them.
    pub needs: Vec<LibraryVersions>,
    /// Every undefined dynamic symbol bound to a required version (not in JSON: can be long).
    #[serde(skip)]
    pub symbols: Vec<VersionedSymbol>,
}

/// One library and the version names required from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LibraryVersions {
    pub library: String,
    pub versions: Vec<String>,
}

/// An undefined dynamic symbol and the version it binds to: `memcpy@GLIBC_2.14` from `libc.so.6`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct VersionedSymbol {
    pub symbol: String,
    pub version: String,
    pub library: String,
}

/// `memcpy@GLIBC_2.14 (libc.so.6), …` for the first `max` symbols, then `and N more`. Files
/// without section headers still carry version needs but no symbol names: that is said instead.
pub fn symbol_list(symbols: &[VersionedSymbol], max: usize) -> String {
    if symbols.is_empty() {
        return "symbol names unavailable (no section headers)".into();
    }
    let mut parts: Vec<String> = symbols
        .iter()
        .take(max)
        .map(|s| format!("{}@{} ({})", s.symbol, s.version, s.library))
        .collect();
    if symbols.len() > max {
        parts.push(format!("and {} more", symbols.len() - max));
    }
    parts.join(", ")
}

fn ser_display_opt<S: Serializer, T: fmt::Display>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

/// Why bytes could not be read as an ELF file. Each message says what the input is instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    #[error("is empty, not ELF")]
    Empty,
    /// Not ELF at all; `what` names the format recognised ("a PE (Windows) executable").
    #[error("is {what}, not ELF")]
    NotElf { what: &'static str },
    /// ELF magic, but the file stops before something the headers point to.
    #[error("truncated ELF: {what} past end of file ({len} bytes)")]
    Truncated { what: String, len: usize },
    /// ELF magic, but the headers contradict themselves.
    #[error("malformed ELF: {what}")]
    Malformed { what: String },
    /// `MZ`, but no PE image behind it (an MS-DOS program, or cut off).
    #[error("is an MZ file but not a PE image: {what}")]
    NotPe { what: String },
    /// PE headers that contradict themselves or tables that point outside the file.
    #[error("malformed PE: {what}")]
    MalformedPe { what: String },
}

impl InspectError {
    /// Whether the message reads after a file name ("`x` is a PE …") rather than after a colon.
    fn is_predicate(&self) -> bool {
        matches!(
            self,
            InspectError::Empty | InspectError::NotElf { .. } | InspectError::NotPe { .. }
        )
    }
}

impl crossroot_hint::Hint for InspectError {
    /// What the user can do next.
    fn hint(&self) -> Option<String> {
        match self {
            InspectError::NotElf { what } if what.contains("archive") => Some(
                "a static library holds object files: inspect the program or shared library linked from it".into(),
            ),
            InspectError::NotElf { what } if what.contains("script") || what.contains("text") => {
                Some("point inspect at the compiled binary (e.g. under target/<triple>/release/)".into())
            }
            InspectError::NotElf { .. } => Some(
                "crossroot inspects Linux ELF binaries (executables, shared objects, object files)"
                    .into(),
            ),
            InspectError::Truncated { .. } => {
                Some("the file is incomplete: rebuild or copy it again".into())
            }
            InspectError::NotPe { .. } => {
                Some("the file is incomplete or not a Windows program: rebuild or copy it again".into())
            }
            InspectError::Empty
            | InspectError::Malformed { .. }
            | InspectError::MalformedPe { .. } => None,
        }
    }
}

/// [`InspectError`] or an I/O failure, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum InspectPathError {
    #[error("`{}`{}{source}", path.display(), if source.is_predicate() { " " } else { ": " })]
    Inspect {
        path: PathBuf,
        #[source]
        source: InspectError,
    },
    #[error("`{}` is a directory, not an ELF file", path.display())]
    Directory { path: PathBuf },
    #[error("`{}` does not exist", path.display())]
    NotFound { path: PathBuf },
    /// A device, FIFO or socket: reading it may never end.
    #[error("`{}` is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl InspectPathError {
    pub fn path(&self) -> &Path {
        match self {
            InspectPathError::Inspect { path, .. }
            | InspectPathError::Directory { path }
            | InspectPathError::NotFound { path }
            | InspectPathError::NotAFile { path }
            | InspectPathError::Io { path, .. } => path,
        }
    }
}

impl crossroot_hint::Hint for InspectPathError {
    /// What the user can do next.
    fn hint(&self) -> Option<String> {
        match self {
            InspectPathError::Inspect { source, .. } => source.hint(),
            InspectPathError::Directory { .. } => {
                Some("pass the binaries inside it, e.g. `target/<triple>/release/<name>`".into())
            }
            InspectPathError::NotFound { .. }
            | InspectPathError::NotAFile { .. }
            | InspectPathError::Io { .. } => None,
        }
    }
}

/// Read an ELF file from memory. Never panics, whatever the bytes.
pub fn inspect_bytes(data: &[u8]) -> Result<ElfReport, InspectError> {
    detect::check_magic(data)?;
    let mut report = read::read(data)?;
    report.targets = matching_targets(&report);
    Ok(report)
}

/// What a binary is: a Linux ELF file or a Windows PE file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binary {
    Elf(Box<ElfReport>),
    Pe(PeReport),
}

/// Read an ELF or PE file from memory. Never panics, whatever the bytes.
pub fn inspect_binary_bytes(data: &[u8]) -> Result<Binary, InspectError> {
    if data.starts_with(b"MZ") {
        return pe::read(data).map(Binary::Pe);
    }
    inspect_bytes(data).map(|r| Binary::Elf(Box::new(r)))
}

/// Read a file and inspect it as ELF or PE.
pub fn inspect_binary_path(path: &Path) -> Result<Binary, InspectPathError> {
    let data = read_regular_file(path)?;
    inspect_binary_bytes(&data).map_err(|source| InspectPathError::Inspect {
        path: path.to_path_buf(),
        source,
    })
}

/// Read a file and inspect it (the thin I/O convenience around [`inspect_bytes`]).
pub fn inspect_path(path: &Path) -> Result<ElfReport, InspectPathError> {
    let data = read_regular_file(path)?;
    inspect_bytes(&data).map_err(|source| InspectPathError::Inspect {
        path: path.to_path_buf(),
        source,
    })
}

/// The bytes of `path`, which must be a regular file.
fn read_regular_file(path: &Path) -> Result<Vec<u8>, InspectPathError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(InspectPathError::Directory {
                path: path.to_path_buf(),
            });
        }
        Ok(m) if !m.is_file() => {
            return Err(InspectPathError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(InspectPathError::NotFound {
                path: path.to_path_buf(),
            });
        }
        _ => {}
    }
    fs_err::read(path).map_err(|source| InspectPathError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// One property in which a file differs from a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// `"format"` (ELF against a Windows target, PE against a Linux one), `"machine"`,
    /// `"class"`, `"endianness"`, `"float ABI"`, `"libc"` or `"interpreter"`.
    pub property: &'static str,
    /// What the target has.
    pub expected: String,
    /// What the file has.
    pub found: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the target has {}, the file has {}",
            self.property, self.expected, self.found
        )
    }
}

/// How `report` differs from `spec`; empty when the file fits the target. Unknown facts (a
/// static binary that does not reveal its libc, an ARM file without float ABI marks) fit.
/// A file whose interpreter is not the target's loader does not start on the target, so that
/// counts too (but not for [`ElfReport::targets`], which says what the file was built for).
pub fn mismatches(report: &ElfReport, spec: &TargetSpec) -> Vec<Mismatch> {
    mismatches_inner(report, spec, true)
}

fn mismatches_inner(report: &ElfReport, spec: &TargetSpec, check_loader: bool) -> Vec<Mismatch> {
    if spec.os == crossroot_target::Os::Windows {
        return vec![Mismatch {
            property: "format",
            expected: "PE (Windows)".into(),
            found: "ELF (Linux)".into(),
        }];
    }
    let mut out = Vec::new();
    if report.machine.code != spec.elf_machine {
        out.push(Mismatch {
            property: "machine",
            expected: machine_name(spec.elf_machine).to_string(),
            found: report.machine.name.to_string(),
        });
    }
    if report.class != spec.elf_class {
        out.push(Mismatch {
            property: "class",
            expected: class_name(spec.elf_class).into(),
            found: class_name(report.class).into(),
        });
    }
    if report.endian != spec.endian {
        out.push(Mismatch {
            property: "endianness",
            expected: endian_name(spec.endian).into(),
            found: endian_name(report.endian).into(),
        });
    }
    // Float ABI only means something between files of the same machine.
    if report.machine.code == spec.elf_machine && !report.float_abi.fits(spec.float_abi) {
        out.push(Mismatch {
            property: "float ABI",
            expected: format!("{}-float", target_float_name(spec.float_abi)),
            found: format!("{}-float", report.float_abi),
        });
    }
    if let Some(libc) = report.libc {
        if libc != spec.libc {
            out.push(Mismatch {
                property: "libc",
                expected: libc_name(spec.libc).into(),
                found: libc_name(libc).into(),
            });
        }
    }
    if let Some(interp) = &report.interpreter {
        if check_loader && out.is_empty() && interp != spec.loader {
            out.push(Mismatch {
                property: "interpreter",
                expected: spec.loader.into(),
                found: interp.clone(),
            });
        }
    }
    out
}

fn matching_targets(report: &ElfReport) -> Vec<&'static str> {
    crossroot_target::TARGETS
        .iter()
        .filter(|spec| mismatches_inner(report, spec, false).is_empty())
        .map(|spec| spec.triple)
        .collect()
}

/// A file needs a newer glibc than the floor allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("needs glibc {needed}, newer than the floor")]
pub struct FloorViolation {
    /// The highest GLIBC version the file requires.
    pub needed: GlibcVersion,
    /// Every (symbol, library) whose required GLIBC version is above the floor, newest first.
    pub symbols: Vec<(String, String)>,
}

/// Check that `report` runs on a glibc as old as `floor`.
pub fn check_glibc_floor(report: &ElfReport, floor: GlibcVersion) -> Result<(), FloorViolation> {
    let Some(needed) = report.versions.glibc else {
        return Ok(());
    };
    if needed <= floor {
        return Ok(());
    }
    let mut over: Vec<(&VersionedSymbol, SymbolVersion)> = report
        .versions
        .symbols
        .iter()
        .filter_map(|s| {
            let v = SymbolVersion::parse(&s.version)?;
            (v.family == "GLIBC" && v.glibc().is_some_and(|g| g > floor)).then_some((s, v))
        })
        .collect();
    over.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    Err(FloorViolation {
        needed,
        symbols: over
            .into_iter()
            .map(|(s, _)| (s.symbol.clone(), s.library.clone()))
            .collect(),
    })
}

/// Class, endianness and machine of ELF bytes, from the 20-byte identification alone; `None`
/// when the bytes are not ELF. Used to check a library found in a sysroot.
pub fn elf_identity(data: &[u8]) -> Option<(ElfClass, Endian, u16)> {
    if data.len() < 20 || data[..4] != *b"\x7fELF" {
        return None;
    }
    let class = match data[4] {
        1 => ElfClass::Elf32,
        2 => ElfClass::Elf64,
        _ => return None,
    };
    let (endian, machine) = match data[5] {
        1 => (Endian::Little, u16::from_le_bytes([data[18], data[19]])),
        2 => (Endian::Big, u16::from_be_bytes([data[18], data[19]])),
        _ => return None,
    };
    Some((class, endian, machine))
}

/// A readable name for an ELF `e_machine`.
pub fn machine_name(code: u16) -> &'static str {
    match code {
        2 => "SPARC",
        3 => "x86",
        8 => "MIPS",
        20 => "PowerPC",
        21 => "PowerPC64",
        22 => "S/390",
        40 => "ARM",
        43 => "SPARC V9",
        50 => "IA-64",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        258 => "LoongArch",
        _ => "unknown machine",
    }
}

pub(crate) fn os_abi_name(code: u8) -> &'static str {
    match code {
        0 => "SYSV",
        1 => "HP-UX",
        2 => "NetBSD",
        3 => "GNU/Linux",
        6 => "Solaris",
        9 => "FreeBSD",
        12 => "OpenBSD",
        64 => "ARM EABI",
        97 => "ARM",
        255 => "standalone",
        _ => "unknown OS/ABI",
    }
}

pub fn class_name(c: ElfClass) -> &'static str {
    match c {
        ElfClass::Elf32 => "ELF32",
        ElfClass::Elf64 => "ELF64",
    }
}

pub fn endian_name(e: Endian) -> &'static str {
    match e {
        Endian::Little => "little-endian",
        Endian::Big => "big-endian",
    }
}

pub fn libc_name(l: Libc) -> &'static str {
    match l {
        Libc::Gnu => "glibc",
        Libc::Musl => "musl",
        Libc::Msvcrt => "msvcrt",
    }
}

fn target_float_name(f: crossroot_target::FloatAbi) -> &'static str {
    match f {
        crossroot_target::FloatAbi::Native => "native",
        crossroot_target::FloatAbi::Soft => "soft",
        crossroot_target::FloatAbi::Hard => "hard",
    }
}

#[cfg(test)]
mod tests;

/// A file of `tests/fixtures/` (unit tests of several modules read them).
#[cfg(test)]
pub(crate) fn test_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}
