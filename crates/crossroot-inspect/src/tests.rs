use super::*;

#[test]
fn dump() {
    for f in ["aarch64-gnu","armv7-gnueabihf","riscv64-gnu","s390x-gnu","arm-softfloat-static","x86_64-musl-static","glibc236","cxx","libfixture.so.1","host-true","truncated-elf"] {
        let data = std::fs::read(format!("tests/fixtures/{f}")).unwrap();
        match inspect_bytes(&data) {
            Ok(r) => { let mut v = serde_json::to_value(&r).unwrap(); v["versions"]["needs"] = serde_json::Value::Null; println!("{f}: {}", v) },
            Err(e) => println!("{f}: ERR {e}"),
        }
    }
}
