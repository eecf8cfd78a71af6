//! The target's system OpenSSL (from the sysroot's `libssl-dev`) through `openssl-sys`.

use std::os::raw::c_uint;

/// SHA-256 of `data`, computed by the target's libcrypto.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut len: c_uint = 0;
    // SAFETY: the context is created, used and freed here; buffers are valid for their lengths;
    // EVP_sha256 returns a static digest description.
    let ok = unsafe {
        let ctx = openssl_sys::EVP_MD_CTX_new();
        assert!(!ctx.is_null(), "EVP_MD_CTX_new failed");
        let ok = openssl_sys::EVP_DigestInit_ex(ctx, openssl_sys::EVP_sha256(), std::ptr::null_mut()) == 1
            && openssl_sys::EVP_DigestUpdate(ctx, data.as_ptr().cast(), data.len()) == 1
            && openssl_sys::EVP_DigestFinal_ex(ctx, out.as_mut_ptr(), &mut len) == 1;
        openssl_sys::EVP_MD_CTX_free(ctx);
        ok
    };
    assert!(ok && len == 32, "SHA-256 through EVP failed");
    out
}

/// The OpenSSL version the binary runs with (`OPENSSL_VERSION_NUMBER` style).
pub fn version_number() -> u64 {
    // SAFETY: no arguments, returns a constant.
    unsafe { openssl_sys::OpenSSL_version_num() as u64 }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_matches_fips_180_2() {
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn runs_against_openssl_1_1_or_newer() {
        assert!(version_number() >= 0x1010_0000, "{:x}", version_number());
    }
}
