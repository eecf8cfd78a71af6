//! The ELF reader proper: headers, segments, dynamic section, versions, notes, attributes.
//!
//! Bounds are checked up front so a cut-off file gets a precise "truncated" message; everything
//! else goes through `object`, whose errors become [`InspectError::Malformed`].

use object::elf;
use object::read::elf::{
    Dyn, FileHeader, NoteIterator, ProgramHeader, SectionHeader, SectionTable, Sym,
};
use object::{Endianness, SymbolIndex};

use crossroot_target::{ElfClass, Endian, Libc};

use crate::attributes::{self, arm_arch_name};
use crate::{
    ArmInfo, ElfKind, ElfReport, FloatAbiFact, InspectError, LibraryVersions, Machine, OsAbi,
    RiscvInfo, VersionRequirements, VersionedSymbol, machine_name, os_abi_name, versions,
};

const EM_ARM: u16 = 40;
const EM_RISCV: u16 = 243;
const EF_ARM_EABIMASK: u32 = 0xff00_0000;
const EF_RISCV_RVC: u32 = 0x1;
const EF_RISCV_FLOAT_ABI: u32 = 0x6;

pub(crate) fn read(data: &[u8]) -> Result<ElfReport, InspectError> {
    let len = data.len();
    if len < 16 {
        return Err(truncated("the ELF identification runs", len));
    }
    match data[4] {
        1 => read_as::<elf::FileHeader32<Endianness>>(data, ElfClass::Elf32, 52),
        2 => read_as::<elf::FileHeader64<Endianness>>(data, ElfClass::Elf64, 64),
        other => Err(malformed(format!(
            "unknown ELF class byte {other:#04x} (expected 1 for ELF32 or 2 for ELF64)"
        ))),
    }
}

fn truncated(what: impl Into<String>, len: usize) -> InspectError {
    InspectError::Truncated {
        what: what.into(),
        len,
    }
}

fn malformed(what: impl Into<String>) -> InspectError {
    InspectError::Malformed { what: what.into() }
}

fn obj_err(context: &str) -> impl Fn(object::read::Error) -> InspectError + '_ {
    move |e| malformed(format!("{context}: {e}"))
}

/// `start + size <= len`, without overflow.
fn fits(start: u64, size: u64, len: usize) -> bool {
    start.checked_add(size).is_some_and(|end| end <= len as u64)
}

fn read_as<Elf: FileHeader<Endian = Endianness>>(
    data: &[u8],
    class: ElfClass,
    header_size: usize,
) -> Result<ElfReport, InspectError> {
    let len = data.len();
    let endian = match data[5] {
        1 => Endian::Little,
        2 => Endian::Big,
        other => {
            return Err(malformed(format!(
                "unknown ELF data encoding byte {other:#04x} (expected 1 for little-endian or 2 for big-endian)"
            )));
        }
    };
    if len < header_size {
        return Err(truncated("the ELF header runs", len));
    }
    let header = Elf::parse(data).map_err(obj_err("ELF header"))?;
    let e = header.endian().map_err(obj_err("ELF header"))?;

    // Precise truncation messages before `object` reports a generic offset error.
    let phoff: u64 = header.e_phoff(e).into();
    let phnum = u64::from(header.e_phnum(e));
    let phentsize = u64::from(header.e_phentsize(e));
    if phnum > 0 && !fits(phoff, phnum.saturating_mul(phentsize), len) {
        return Err(truncated("program headers extend", len));
    }
    let shoff: u64 = header.e_shoff(e).into();
    let shnum = u64::from(header.e_shnum(e)).max(u64::from(shoff != 0));
    let shentsize = u64::from(header.e_shentsize(e));
    if shoff != 0 && !fits(shoff, shnum.saturating_mul(shentsize), len) {
        return Err(truncated("section headers extend", len));
    }

    let segments = header
        .program_headers(e, data)
        .map_err(obj_err("program headers"))?;
    for ph in segments {
        let (off, size) = ph.file_range(e);
        let kind = ph.p_type(e).0;
        if matches!(kind, 1..=4) && !fits(off, size, len) {
            return Err(truncated(
                format!("segment {} data extends", segment_name(kind)),
                len,
            ));
        }
    }
    let sections = header
        .sections(e, data)
        .map_err(obj_err("section headers"))?;
    for (_, sh) in sections.enumerate() {
        if let Some((off, size)) = sh.file_range(e) {
            if !fits(off, size, len) {
                let name = sections
                    .section_name(e, sh)
                    .map(|n| String::from_utf8_lossy(n).into_owned())
                    .unwrap_or_default();
                return Err(truncated(
                    format!(
                        "section {} data extends",
                        if name.is_empty() { "?" } else { &name }
                    ),
                    len,
                ));
            }
        }
    }

    let machine_code = header.e_machine(e).0;
    let flags = header.e_flags(e).0;
    let os_abi = header.e_ident().os_abi.0;

    let mut interpreter = None;
    let mut dynamic = DynamicInfo::default();
    let mut notes = NoteFacts::default();
    for ph in segments {
        if let Some(interp) = ph.interpreter(e, data).map_err(obj_err("PT_INTERP"))? {
            interpreter = Some(String::from_utf8_lossy(interp).into_owned());
        }
        if let Some(dyns) = ph.dynamic(e, data).map_err(obj_err("PT_DYNAMIC"))? {
            dynamic = read_dynamic::<Elf>(e, data, segments, dyns)?;
        }
        if let Some(it) = ph.notes(e, data).map_err(obj_err("PT_NOTE"))? {
            notes.add(e, it)?;
        }
    }
    if !notes.seen {
        // Object files and some odd links have note sections but no PT_NOTE.
        for sh in sections.iter() {
            if let Some(it) = sh.notes(e, data).map_err(obj_err("note section"))? {
                notes.add(e, it)?;
            }
        }
    }

    let mut stripped = true;
    let mut debug_info = false;
    let mut arm_attrs = None;
    let mut riscv_isa = None;
    for sh in sections.iter() {
        let kind = sh.sh_type(e);
        if kind == elf::SHT_SYMTAB {
            stripped = false;
        }
        let name = sections.section_name(e, sh).unwrap_or_default();
        if name == b".debug_info" || name == b".zdebug_info" {
            debug_info = true;
        }
        if kind.0 == elf::SHT_ARM_ATTRIBUTES.0 && machine_code == EM_ARM {
            if let Ok(sec) = sh.attributes(e, data) {
                arm_attrs = Some(attributes::arm(&sec));
            }
        }
        if kind.0 == elf::SHT_RISCV_ATTRIBUTES.0 && machine_code == EM_RISCV {
            if let Ok(sec) = sh.attributes(e, data) {
                riscv_isa = attributes::riscv_arch(&sec);
            }
        }
    }

    let mut versions = read_versions::<Elf>(e, data, &sections)?;
    if sections.is_empty() && dynamic.verneed.is_some() {
        let needs = verneed_from_dynamic::<Elf>(e, data, segments, &dynamic)?;
        versions = versions::summarize(needs, Vec::new());
    }

    let e_type = header.e_type(e).0;
    let kind = match e_type {
        1 => ElfKind::Relocatable,
        2 if interpreter.is_some() => ElfKind::Executable,
        2 => ElfKind::Static,
        3 if dynamic.pie_flag && interpreter.is_some() => ElfKind::Pie,
        3 if dynamic.pie_flag => ElfKind::StaticPie,
        // Old linkers set no DF_1_PIE: an interpreter without a SONAME means an executable
        // (libc.so.6 has both: it runs, but it is a library).
        3 if interpreter.is_some() && dynamic.soname.is_none() => ElfKind::Pie,
        3 => ElfKind::SharedObject,
        4 => ElfKind::Core,
        _ => ElfKind::Other,
    };

    let (float_abi, arm, riscv) = match machine_code {
        EM_ARM => {
            let (float, source, eabi) = arm_float_abi(flags, arm_attrs.as_ref());
            let info = ArmInfo {
                eabi,
                float_abi_source: source,
                arch: arm_attrs
                    .as_ref()
                    .and_then(|a| a.cpu_arch)
                    .map(arm_arch_name),
                profile: arm_attrs
                    .as_ref()
                    .and_then(|a| a.profile)
                    .filter(|p| *p != 0)
                    .and_then(|p| char::from_u32(p as u32))
                    .map(String::from),
            };
            (float, Some(info), None)
        }
        EM_RISCV => {
            let (fact, name) = match flags & EF_RISCV_FLOAT_ABI {
                0 => (FloatAbiFact::Soft, "soft"),
                2 => (FloatAbiFact::Single, "single"),
                4 => (FloatAbiFact::Hard, "double"),
                _ => (FloatAbiFact::Quad, "quad"),
            };
            let info = RiscvInfo {
                float_abi: name,
                rvc: flags & EF_RISCV_RVC != 0,
                isa: riscv_isa,
            };
            (fact, None, Some(info))
        }
        _ => (FloatAbiFact::Native, None, None),
    };

    let libc = detect_libc(
        interpreter.as_deref(),
        &dynamic.needed,
        &notes,
        e,
        data,
        &sections,
    );

    Ok(ElfReport {
        class,
        endian,
        machine: Machine {
            code: machine_code,
            name: machine_name(machine_code),
        },
        os_abi: OsAbi {
            code: os_abi,
            name: os_abi_name(os_abi),
        },
        kind,
        flags,
        float_abi,
        arm,
        riscv,
        libc,
        interpreter,
        needed: dynamic.needed,
        rpath: dynamic.rpath,
        runpath: dynamic.runpath,
        soname: dynamic.soname,
        versions,
        stripped,
        debug_info,
        build_id: notes.build_id,
        targets: Vec::new(),
    })
}

fn segment_name(p_type: u32) -> &'static str {
    match p_type {
        1 => "PT_LOAD",
        2 => "PT_DYNAMIC",
        3 => "PT_INTERP",
        4 => "PT_NOTE",
        _ => "?",
    }
}

/// ARM float ABI: EABI5 `e_flags` first, then `Tag_ABI_VFP_args`.
fn arm_float_abi(
    flags: u32,
    attrs: Option<&attributes::ArmAttributes>,
) -> (FloatAbiFact, Option<&'static str>, Option<u8>) {
    let eabi = ((flags & EF_ARM_EABIMASK) >> 24) as u8;
    let eabi = (eabi != 0).then_some(eabi);
    if eabi == Some(5) {
        if flags & elf::EF_ARM_ABI_FLOAT_HARD != 0 {
            return (FloatAbiFact::Hard, Some("e_flags"), eabi);
        }
        if flags & elf::EF_ARM_ABI_FLOAT_SOFT != 0 {
            return (FloatAbiFact::Soft, Some("e_flags"), eabi);
        }
    }
    match attrs {
        Some(a) if a.vfp_args == Some(1) => (FloatAbiFact::Hard, Some("attributes"), eabi),
        // The tag's default (absent) is 0, the base (soft) convention.
        Some(a) if matches!(a.vfp_args, None | Some(0)) => {
            (FloatAbiFact::Soft, Some("attributes"), eabi)
        }
        _ => (FloatAbiFact::Unknown, None, eabi),
    }
}

#[derive(Default)]
struct DynamicInfo {
    needed: Vec<String>,
    rpath: Vec<String>,
    runpath: Vec<String>,
    soname: Option<String>,
    pie_flag: bool,
    /// File range of DT_STRTAB.
    strtab: Option<(u64, u64)>,
    /// DT_VERNEED address and DT_VERNEEDNUM, for files without section headers.
    verneed: Option<u64>,
    verneednum: Option<u64>,
}

/// File offset and bytes available for a virtual address inside a PT_LOAD segment.
fn map_address<Elf: FileHeader<Endian = Endianness>>(
    e: Endianness,
    segments: &[Elf::ProgramHeader],
    addr: u64,
) -> Option<(u64, u64)> {
    segments
        .iter()
        .filter(|ph| ph.p_type(e) == elf::PT_LOAD)
        .find_map(|ph| {
            let vaddr: u64 = ph.p_vaddr(e).into();
            let filesz: u64 = ph.p_filesz(e).into();
            let off: u64 = ph.p_offset(e).into();
            let rel = addr.checked_sub(vaddr)?;
            if rel < filesz {
                Some((off.checked_add(rel)?, filesz - rel))
            } else {
                None
            }
        })
}

/// `.gnu.version_r` read through DT_VERNEED, for files whose section headers were removed
/// (`sstrip`, `objcopy --strip-sections`): the versions per library, without symbols.
fn verneed_from_dynamic<Elf: FileHeader<Endian = Endianness>>(
    e: Endianness,
    data: &[u8],
    segments: &[Elf::ProgramHeader],
    info: &DynamicInfo,
) -> Result<Vec<LibraryVersions>, InspectError> {
    let (Some(addr), Some((str_start, str_size))) = (info.verneed, info.strtab) else {
        return Ok(Vec::new());
    };
    let bad = || malformed("DT_VERNEED entries run outside the file");
    let (start, avail) = map_address::<Elf>(e, segments, addr).ok_or_else(bad)?;
    let start = usize::try_from(start).map_err(|_| bad())?;
    let avail = usize::try_from(avail).map_err(|_| bad())?;
    let area = data
        .get(start..start.saturating_add(avail))
        .ok_or_else(bad)?;
    let strtab = &data[str_start as usize..(str_start + str_size) as usize];
    let u16_at = |b: &[u8], at: usize| -> Option<u32> {
        let x = b.get(at..at + 2)?;
        Some(u32::from(object::Endian::read_u16(e, [x[0], x[1]])))
    };
    let u32_at = |b: &[u8], at: usize| -> Option<u32> {
        let x = b.get(at..at + 4)?;
        Some(object::Endian::read_u32(e, [x[0], x[1], x[2], x[3]]))
    };
    let string = |off: u32| -> Option<String> {
        let bytes = strtab.get(off as usize..)?;
        let end = bytes.iter().position(|&b| b == 0)?;
        Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
    };
    let mut out = Vec::new();
    let mut at = 0usize;
    // DT_VERNEEDNUM bounds the walk; also stop at a zero vn_next, and never loop forever.
    let count = info.verneednum.unwrap_or(u64::MAX).min(1024);
    for _ in 0..count {
        let cnt = u16_at(area, at + 2).ok_or_else(bad)?;
        let file = string(u32_at(area, at + 4).ok_or_else(bad)?).ok_or_else(bad)?;
        let mut aux = at
            .checked_add(u32_at(area, at + 8).ok_or_else(bad)? as usize)
            .ok_or_else(bad)?;
        let mut versions = Vec::new();
        for _ in 0..cnt.min(1024) {
            versions.push(string(u32_at(area, aux + 8).ok_or_else(bad)?).ok_or_else(bad)?);
            let next = u32_at(area, aux + 12).ok_or_else(bad)? as usize;
            if next == 0 {
                break;
            }
            aux = aux.checked_add(next).ok_or_else(bad)?;
        }
        out.push(LibraryVersions {
            library: file,
            versions,
        });
        let next = u32_at(area, at + 12).ok_or_else(bad)? as usize;
        if next == 0 {
            break;
        }
        at = at.checked_add(next).ok_or_else(bad)?;
    }
    Ok(out)
}

/// Read PT_DYNAMIC: string entries are offsets into DT_STRTAB, an address mapped through PT_LOAD.
fn read_dynamic<Elf: FileHeader<Endian = Endianness>>(
    e: Endianness,
    data: &[u8],
    segments: &[Elf::ProgramHeader],
    dyns: &[Elf::Dyn],
) -> Result<DynamicInfo, InspectError> {
    let mut info = DynamicInfo::default();
    let mut strtab_addr = None;
    let mut strsz = None;
    for d in dyns {
        match d.tag32(e).unwrap_or(-1) {
            0 => break,
            5 => strtab_addr = Some(d.val(e)),
            10 => strsz = Some(d.val(e)),
            0x6fff_fffe => info.verneed = Some(d.val(e)),
            0x6fff_ffff => info.verneednum = Some(d.val(e)),
            _ => {}
        }
        if d.tag(e) == elf::DT_FLAGS_1 && d.val(e) & elf::DF_1_PIE.0 != 0 {
            info.pie_flag = true;
        }
    }
    let Some(addr) = strtab_addr else {
        return Ok(info);
    };
    let (start, avail) = map_address::<Elf>(e, segments, addr)
        .ok_or_else(|| malformed("DT_STRTAB address is outside every PT_LOAD segment"))?;
    let size = strsz.unwrap_or(avail).min(avail);
    if !fits(start, size, data.len()) {
        return Err(truncated("the dynamic string table extends", data.len()));
    }
    let table = &data[start as usize..(start + size) as usize];
    info.strtab = Some((start, size));
    let string = |off: u64| -> Result<String, InspectError> {
        let bytes = usize::try_from(off)
            .ok()
            .and_then(|o| table.get(o..))
            .ok_or_else(|| malformed(format!("dynamic string offset {off} is past DT_STRSZ")))?;
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        Ok(String::from_utf8_lossy(&bytes[..end]).into_owned())
    };
    for d in dyns {
        let tag = d.tag32(e).unwrap_or(-1);
        match tag {
            0 => break,
            1 => info.needed.push(string(d.val(e))?),
            14 => info.soname = Some(string(d.val(e))?),
            15 => info.rpath.extend(split_path(&string(d.val(e))?)),
            29 => info.runpath.extend(split_path(&string(d.val(e))?)),
            _ => {}
        }
    }
    Ok(info)
}

fn split_path(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(':').filter(|p| !p.is_empty()).map(String::from)
}

#[derive(Default)]
struct NoteFacts {
    seen: bool,
    build_id: Option<String>,
    /// `NT_GNU_ABI_TAG`: glibc's crt1.o adds it; musl's does not.
    gnu_abi_tag: bool,
}

impl NoteFacts {
    fn add<Elf: FileHeader<Endian = Endianness>>(
        &mut self,
        e: Endianness,
        mut it: NoteIterator<'_, Elf>,
    ) -> Result<(), InspectError> {
        self.seen = true;
        while let Some(note) = it.next().map_err(obj_err("note"))? {
            if note.name() != elf::ELF_NOTE_GNU {
                continue;
            }
            match note.n_type(e).0 {
                3 => self.build_id = Some(note.desc().iter().map(|b| format!("{b:02x}")).collect()),
                1 => self.gnu_abi_tag = true,
                _ => {}
            }
        }
        Ok(())
    }
}

/// `.gnu.version_r` and the versions of undefined `.dynsym` symbols.
fn read_versions<Elf: FileHeader<Endian = Endianness>>(
    e: Endianness,
    data: &[u8],
    sections: &SectionTable<'_, Elf>,
) -> Result<VersionRequirements, InspectError> {
    let mut needs = Vec::new();
    if let Some((mut it, link)) = sections
        .gnu_verneed(e, data)
        .map_err(obj_err(".gnu.version_r"))?
    {
        let strings = sections
            .strings(e, data, link)
            .map_err(obj_err(".gnu.version_r strings"))?;
        while let Some((verneed, mut aux)) = it.next().map_err(obj_err(".gnu.version_r"))? {
            let library = verneed
                .file(e, strings)
                .map_err(obj_err(".gnu.version_r file name"))?;
            let mut entry = LibraryVersions {
                library: String::from_utf8_lossy(library).into_owned(),
                versions: Vec::new(),
            };
            while let Some(vernaux) = aux.next().map_err(obj_err(".gnu.version_r entry"))? {
                let name = vernaux
                    .name(e, strings)
                    .map_err(obj_err(".gnu.version_r version name"))?;
                entry
                    .versions
                    .push(String::from_utf8_lossy(name).into_owned());
            }
            needs.push(entry);
        }
    }

    let mut symbols = Vec::new();
    if let Some(table) = sections
        .versions(e, data)
        .map_err(obj_err(".gnu.version"))?
    {
        let dynsym = sections
            .symbols(e, data, elf::SHT_DYNSYM)
            .map_err(obj_err(".dynsym"))?;
        for (index, sym) in dynsym.enumerate() {
            if index.0 == 0 || !sym.is_undefined(e) {
                continue;
            }
            let vi = table.version_index(e, SymbolIndex(index.0));
            let Ok(Some(version)) = table.version(vi.index()) else {
                continue;
            };
            let Some(file) = version.file() else {
                continue;
            };
            let name = dynsym
                .symbol_name(e, sym)
                .map_err(obj_err(".dynsym name"))?;
            symbols.push(VersionedSymbol {
                symbol: String::from_utf8_lossy(name).into_owned(),
                version: String::from_utf8_lossy(version.name()).into_owned(),
                library: String::from_utf8_lossy(file).into_owned(),
            });
        }
    }
    Ok(versions::summarize(needs, symbols))
}

/// Which libc: the interpreter or NEEDED say so for dynamic files; static files show it through
/// glibc's ABI-tag note or libc-internal symbol names in `.symtab`.
fn detect_libc<Elf: FileHeader<Endian = Endianness>>(
    interpreter: Option<&str>,
    needed: &[String],
    notes: &NoteFacts,
    e: Endianness,
    data: &[u8],
    sections: &SectionTable<'_, Elf>,
) -> Option<Libc> {
    if let Some(interp) = interpreter {
        let base = interp.rsplit('/').next().unwrap_or(interp);
        if base.starts_with("ld-musl") {
            return Some(Libc::Musl);
        }
        if base.starts_with("ld-linux") || base.starts_with("ld64.so") || base.starts_with("ld.so")
        {
            return Some(Libc::Gnu);
        }
    }
    if needed
        .iter()
        .any(|n| n.starts_with("libc.musl") || n == "libc.so")
    {
        return Some(Libc::Musl);
    }
    if needed.iter().any(|n| n == "libc.so.6") {
        return Some(Libc::Gnu);
    }
    if let Ok(symtab) = sections.symbols(e, data, elf::SHT_SYMTAB) {
        for sym in symtab.iter() {
            let Ok(name) = symtab.symbol_name(e, sym) else {
                continue;
            };
            match name {
                b"__init_libc" | b"__libc_start_init" | b"__init_tls" => return Some(Libc::Musl),
                b"__libc_setup_tls" | b"_dl_relocate_static_pie" | b"__libc_start_call_main" => {
                    return Some(Libc::Gnu);
                }
                _ => {}
            }
        }
    }
    if notes.gnu_abi_tag {
        return Some(Libc::Gnu);
    }
    None
}
