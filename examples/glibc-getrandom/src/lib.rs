//! Calls `getrandom` through the `libc` crate. glibc has it since 2.25, so built for a
//! `.2.17` floor the link must fail with a message naming `getrandom` and 2.25, and built for
//! `.2.25` the tests pass.

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
    fn two_draws_differ() {
        assert_ne!(random_bytes(32).unwrap(), random_bytes(32).unwrap());
    }
}
