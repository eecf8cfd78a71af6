fn main() {
    println!("cargo:rerun-if-changed=csrc/entropy.c");
    cc::Build::new()
        .file("csrc/entropy.c")
        .warnings(true)
        .compile("entropy");
}
