//! Build attributes (`.ARM.attributes`, `.riscv.attributes`): the `File` scope tags we report.

use object::read::elf::{AttributesSection, FileHeader};

/// The ARM tags crossroot reports.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ArmAttributes {
    /// `Tag_CPU_arch` (6).
    pub cpu_arch: Option<u64>,
    /// `Tag_CPU_arch_profile` (7), a character.
    pub profile: Option<u64>,
    /// `Tag_ABI_VFP_args` (28): 0 base (soft), 1 VFP registers (hard).
    pub vfp_args: Option<u64>,
}

const TAG_FILE: u8 = 1;

/// Read the `aeabi` File attributes. Errors end the scan: what was read so far is kept.
pub(crate) fn arm<Elf: FileHeader>(section: &AttributesSection<'_, Elf>) -> ArmAttributes {
    let mut out = ArmAttributes::default();
    let _ = scan(section, b"aeabi", arm_tag_is_string, |tag, value| {
        match (tag, value) {
            (6, Value::Int(v)) => out.cpu_arch = Some(v),
            (7, Value::Int(v)) => out.profile = Some(v),
            (28, Value::Int(v)) => out.vfp_args = Some(v),
            _ => {}
        }
    });
    out
}

/// `Tag_RISCV_arch` (5) from the `riscv` File attributes.
pub(crate) fn riscv_arch<Elf: FileHeader>(section: &AttributesSection<'_, Elf>) -> Option<String> {
    let mut arch = None;
    let _ = scan(
        section,
        b"riscv",
        |tag| tag % 2 == 1,
        |tag, value| {
            if let (5, Value::Str(s)) = (tag, value) {
                arch = Some(String::from_utf8_lossy(s).into_owned());
            }
        },
    );
    arch
}

enum Value<'a> {
    Int(u64),
    Str(&'a [u8]),
}

/// ARM EABI addenda: tags 4, 5 and 67 are strings, 32 is an integer then a string, 65 is a
/// string; other tags below 32 are integers; above, odd tags are strings, even ones integers.
fn arm_tag_is_string(tag: u64) -> bool {
    matches!(tag, 4 | 5 | 65 | 67) || (tag > 32 && tag % 2 == 1)
}

fn scan<'data, Elf: FileHeader>(
    section: &AttributesSection<'data, Elf>,
    vendor: &[u8],
    is_string: impl Fn(u64) -> bool,
    mut each: impl FnMut(u64, Value<'data>),
) -> object::read::Result<()> {
    let mut subsections = section.subsections()?;
    while let Some(sub) = subsections.next()? {
        if sub.vendor() != vendor {
            continue;
        }
        let mut subsubs = sub.subsubsections();
        while let Some(subsub) = subsubs.next()? {
            if subsub.tag().0 != TAG_FILE {
                continue;
            }
            let mut reader = subsub.attributes();
            while let Some(tag) = reader.read_tag()? {
                if tag == 32 {
                    let _ = reader.read_integer()?;
                    let _ = reader.read_string()?;
                } else if is_string(tag) {
                    each(tag, Value::Str(reader.read_string()?));
                } else {
                    each(tag, Value::Int(reader.read_integer()?));
                }
            }
        }
    }
    Ok(())
}

/// `Tag_CPU_arch` value as the architecture name readelf prints.
pub(crate) fn arm_arch_name(v: u64) -> String {
    let name = match v {
        0 => "pre-v4",
        1 => "v4",
        2 => "v4T",
        3 => "v5T",
        4 => "v5TE",
        5 => "v5TEJ",
        6 => "v6",
        7 => "v6KZ",
        8 => "v6T2",
        9 => "v6K",
        10 => "v7",
        11 => "v6-M",
        12 => "v6S-M",
        13 => "v7E-M",
        14 => "v8",
        15 => "v8-R",
        16 => "v8-M.baseline",
        17 => "v8-M.mainline",
        18 => "v8.1-A",
        19 => "v8.2-A",
        20 => "v8.3-A",
        21 => "v8.1-M.mainline",
        22 => "v9",
        other => return format!("unknown ({other})"),
    };
    name.to_string()
}
