fn main() {
    println!("cargo:rerun-if-changed=csrc/mathx.c");
    cc::Build::new()
        .file("csrc/mathx.c")
        .warnings(true)
        .compile("mathx");
    // On Windows (mingw-w64) libm is part of the C runtime, and Rust's std already links
    // winpthreads statically: `-lpthread` would pick the import library of
    // `libwinpthread-1.dll`, a DLL the program would then need beside it.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        println!("cargo:rustc-link-lib=m");
        println!("cargo:rustc-link-lib=pthread");
    }
}
