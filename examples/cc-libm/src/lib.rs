//! C code compiled by cc-rs for the target, using libm and pthreads.

extern "C" {
    fn mathx_hypot(a: f64, b: f64) -> f64;
    fn mathx_cbrt_pow(x: f64, e: f64) -> f64;
    fn mathx_parallel_squares(n: u64, threads: i32) -> u64;
}

pub fn hypot(a: f64, b: f64) -> f64 {
    // SAFETY: pure C function on plain values.
    unsafe { mathx_hypot(a, b) }
}

pub fn cbrt_pow(x: f64, e: f64) -> f64 {
    // SAFETY: pure C function on plain values.
    unsafe { mathx_cbrt_pow(x, e) }
}

pub fn parallel_squares(n: u64, threads: i32) -> u64 {
    // SAFETY: the C side owns its threads and joins them before returning.
    unsafe { mathx_parallel_squares(n, threads) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypot_from_c_libm() {
        assert!((hypot(3.0, 4.0) - 5.0).abs() < 1e-12);
    }

    #[test]
    fn cbrt_of_pow_from_c_libm() {
        assert!((cbrt_pow(2.0, 6.0) - 4.0).abs() < 1e-9);
    }

    #[test]
    fn pthreads_from_c() {
        let n = 100_000u64;
        let expected: u64 = (0..n).map(|i| i * i).sum();
        assert_eq!(parallel_squares(n, 8), expected);
    }
}
