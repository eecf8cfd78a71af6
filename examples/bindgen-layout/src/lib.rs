//! bindgen for a cross target: the generated layout must match the target C compiler's.
#![allow(non_camel_case_types)]

include!(concat!(env!("OUT_DIR"), "/bindings.rs"));

extern "C" {
    fn sample_size() -> std::os::raw::c_ulong;
    fn sample_offset_of_p() -> std::os::raw::c_ulong;
    fn sample_offset_of_tail() -> std::os::raw::c_ulong;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_matches_the_c_compiler() {
        // SAFETY: plain C functions returning constants.
        assert_eq!(std::mem::size_of::<sample>() as u64, unsafe { sample_size() } as u64);
    }

    #[test]
    fn field_offsets_match_the_c_compiler() {
        // SAFETY: plain C functions returning constants.
        unsafe {
            assert_eq!(std::mem::offset_of!(sample, p) as u64, sample_offset_of_p() as u64);
            assert_eq!(std::mem::offset_of!(sample, tail) as u64, sample_offset_of_tail() as u64);
        }
    }
}
