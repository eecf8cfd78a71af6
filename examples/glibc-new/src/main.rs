//! Calls `arc4random`, which glibc only has since 2.36: built against bookworm (glibc 2.36) the
//! binary needs `arc4random@GLIBC_2.36`, so `crossroot inspect --glibc 2.31` must refuse it and
//! name the symbol. (Built for a `.2.31` floor it does not link at all: bullseye's libc lacks it.)

extern "C" {
    fn arc4random() -> u32;
}

fn main() {
    // SAFETY: arc4random takes no arguments and cannot fail.
    let r = unsafe { arc4random() };
    println!("arc4random: {r:#010x}");
}
