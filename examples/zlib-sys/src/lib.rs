//! Compresses and decompresses through the system zlib (`libz-sys` without its bundled copy).

use std::os::raw::c_ulong;

/// `compress` then `uncompress` through zlib; returns the round-tripped bytes.
pub fn round_trip(data: &[u8]) -> Vec<u8> {
    // SAFETY: buffers are sized by zlib's own bound and lengths passed exactly.
    unsafe {
        let mut packed = vec![0u8; libz_sys::compressBound(data.len() as c_ulong) as usize];
        let mut packed_len = packed.len() as c_ulong;
        let rc = libz_sys::compress(
            packed.as_mut_ptr(),
            &mut packed_len,
            data.as_ptr(),
            data.len() as c_ulong,
        );
        assert_eq!(rc, libz_sys::Z_OK);
        let mut out = vec![0u8; data.len()];
        let mut out_len = out.len() as c_ulong;
        let rc = libz_sys::uncompress(out.as_mut_ptr(), &mut out_len, packed.as_ptr(), packed_len);
        assert_eq!(rc, libz_sys::Z_OK);
        out.truncate(out_len as usize);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_zlib_round_trips() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(round_trip(&data), data);
    }

    #[test]
    fn the_linked_zlib_is_the_sysroot_s() {
        // bookworm's zlib1g is 1.2.13; a bundled copy would say 1.3 or later.
        let version = unsafe { std::ffi::CStr::from_ptr(libz_sys::zlibVersion()) };
        assert!(version.to_str().unwrap().starts_with("1.2."), "{version:?}");
    }
}
