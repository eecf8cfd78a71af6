//! Pure Rust with threads: every test here spawns threads, which is exactly what hangs when a
//! runner mixes one glibc's loader with another's libc.

use std::sync::mpsc;
use std::thread;

/// Sum `1..=n` by splitting the range over `threads` threads.
///
/// ```
/// assert_eq!(hello_threads::parallel_sum(100, 4), 5050);
/// ```
pub fn parallel_sum(n: u64, threads: u64) -> u64 {
    let threads = threads.max(1);
    let chunk = n.div_ceil(threads);
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let lo = i * chunk + 1;
            let hi = ((i + 1) * chunk).min(n);
            thread::spawn(move || (lo..=hi).sum::<u64>())
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
}

/// Pass a token around a ring of `threads` threads `rounds` times; returns the hop count.
pub fn ring(threads: usize, rounds: usize) -> usize {
    let (first_tx, mut rx) = mpsc::channel::<usize>();
    let mut handles = Vec::new();
    for _ in 1..threads {
        let (tx, next_rx) = mpsc::channel::<usize>();
        let my_rx = std::mem::replace(&mut rx, next_rx);
        handles.push(thread::spawn(move || {
            for v in my_rx {
                if tx.send(v + 1).is_err() {
                    break;
                }
            }
        }));
    }
    let mut hops = 0;
    for _ in 0..rounds {
        first_tx.send(hops).expect("ring is alive");
        hops = rx.recv().expect("token comes back");
    }
    drop(first_tx);
    for h in handles {
        let _ = h.join();
    }
    hops
}

/// Where this binary thinks it runs.
pub fn describe() -> String {
    format!(
        "{} {} ({}-bit, {} endian)",
        std::env::consts::OS,
        std::env::consts::ARCH,
        usize::BITS,
        if cfg!(target_endian = "big") { "big" } else { "little" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_across_threads() {
        assert_eq!(parallel_sum(10_000, 8), 10_000 * 10_001 / 2);
    }

    #[test]
    fn token_ring_hops() {
        assert_eq!(ring(6, 10), 50);
    }

    #[test]
    fn many_short_threads() {
        let n: usize = (0..64)
            .map(|i| thread::spawn(move || i * 2))
            .map(|h| h.join().expect("thread"))
            .sum();
        assert_eq!(n, 64 * 63);
        let os = if cfg!(windows) { "windows " } else { "linux " };
        assert!(describe().starts_with(os), "{}", describe());
    }
}
