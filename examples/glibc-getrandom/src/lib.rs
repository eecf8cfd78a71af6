//! Calls `getrandom` through the `libc` crate, and `getentropy` from C compiled by cc-rs.
//! glibc has both since 2.25, so built for a `.2.17` floor the link must fail with a message
//! naming each of them and 2.25, and built for `.2.25` the tests pass.

extern "C" {
    fn entropy_fill(buf: *mut u8, len: usize) -> i32;
}

/// `n` (at most 256) random bytes through the C function, which calls `getentropy`.
pub fn entropy_bytes(n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    // SAFETY: the pointer and length describe `buf`.
    if unsafe { entropy_fill(buf.as_mut_ptr(), n) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(buf)
}

/// `n` random bytes from the kernel, through glibc's `getrandom`.
pub fn random_bytes(n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    let mut filled = 0;
    while filled < n {
        // SAFETY: the pointer and length describe the unfilled tail of `buf`.
        let got = unsafe { libc::getrandom(buf[filled..].as_mut_ptr().cast(), n - filled, 0) };
        if got < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        filled += got as usize;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_the_whole_buffer() {
        assert_eq!(random_bytes(4096).unwrap().len(), 4096);
    }

    #[test]
    fn c_code_gets_entropy() {
        assert_ne!(entropy_bytes(32).unwrap(), vec![0u8; 32]);
    }

    #[test]
    fn two_draws_differ() {
        assert_ne!(random_bytes(32).unwrap(), random_bytes(32).unwrap());
    }
}
