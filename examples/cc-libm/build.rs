fn main() {
    println!("cargo:rerun-if-changed=csrc/mathx.c");
    cc::Build::new()
        .file("csrc/mathx.c")
        .warnings(true)
        .compile("mathx");
    println!("cargo:rustc-link-lib=m");
    println!("cargo:rustc-link-lib=pthread");
}
