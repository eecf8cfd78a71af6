//! glibc 2.34 merged libpthread, libdl, librt and libutil into libc.so.6; the old libraries are
//! empty placeholders since. A floor below 2.34 still needs them split, so that a binary records
//! `NEEDED libpthread.so.0` and finds `pthread_create` on an old system: their stubs are carved
//! out of the merged libc.so.6 by symbol name.

use crossroot_inspect::SymbolVersion;
use crossroot_target::GlibcVersion;

use crate::elf::SharedLibrary;

/// The release that merged the split libraries into libc.so.6.
pub const MERGE: GlibcVersion = GlibcVersion::new(2, 34);

/// The libraries glibc 2.34 merged into libc.so.6, by SONAME.
pub const SPLIT_LIBRARIES: [&str; 4] = [
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
];

/// Which split library a libc function lived in before 2.34, by name. Names of libpthread's
/// families (`pthread_*`, `sem_*`, C11 threads) also cover functions libc had as well
/// (`pthread_mutex_lock`): offering those in both stubs is what glibc 2.33 did.
pub fn split_library_of(symbol: &str) -> Option<&'static str> {
    const PTHREAD_PREFIXES: [&str; 8] = [
        "pthread_",
        "__pthread_",
        "_pthread_",
        "sem_",
        "cnd_",
        "mtx_",
        "thrd_",
        "tss_",
    ];
    const DL: [&str; 9] = [
        "dladdr", "dladdr1", "dlclose", "dlerror", "dlinfo", "dlmopen", "dlopen", "dlsym", "dlvsym",
    ];
    const RT_PREFIXES: [&str; 5] = ["aio_", "mq_", "__mq_open_2", "timer_", "lio_listio"];
    const RT: [&str; 2] = ["shm_open", "shm_unlink"];
    const UTIL: [&str; 6] = [
        "forkpty",
        "login",
        "login_tty",
        "logout",
        "logwtmp",
        "openpty",
    ];
    if PTHREAD_PREFIXES.iter().any(|p| symbol.starts_with(p)) || symbol == "call_once" {
        Some("libpthread.so.0")
    } else if DL.contains(&symbol) {
        Some("libdl.so.2")
    } else if RT_PREFIXES.iter().any(|p| symbol.starts_with(p)) || RT.contains(&symbol) {
        Some("librt.so.1")
    } else if UTIL.contains(&symbol) {
        Some("libutil.so.1")
    } else {
        None
    }
}

/// Whether this libc.so.6 is one of glibc ≥ 2.34, with the split libraries merged in.
pub fn is_merged(libc: &SharedLibrary) -> bool {
    libc.versions
        .iter()
        .any(|v| glibc_of(&v.name) == Some(MERGE))
}

fn glibc_of(version: &str) -> Option<GlibcVersion> {
    SymbolVersion::parse(version).and_then(|v| v.glibc())
}

/// Moved in 2.34: a split-library function that a merged libc.so.6 defines both under a
/// pre-2.34 version (for old binaries) and under `GLIBC_2.34`. Functions libc had before the
/// merge (`pthread_mutex_lock`) carry no 2.34 version.
fn moved(libc: &SharedLibrary, symbol: &str) -> bool {
    split_library_of(symbol).is_some()
        && libc
            .symbols
            .iter()
            .any(|s| s.name == symbol && glibc_of(&s.version) == Some(MERGE))
}

/// The pre-2.34 interface of split library `soname`, carved out of a merged libc.so.6: its
/// functions under their versions older than 2.34, with libc's version nodes.
pub fn carve_split_library(libc: &SharedLibrary, soname: &str) -> SharedLibrary {
    let symbols = libc
        .symbols
        .iter()
        .filter(|s| split_library_of(&s.name) == Some(soname))
        .filter(|s| glibc_of(&s.version).is_some_and(|g| g < MERGE))
        .cloned()
        .collect();
    SharedLibrary {
        soname: Some(soname.to_string()),
        symbols,
        ..libc.clone()
    }
}

/// A merged libc.so.6 as glibc 2.33 had it: the pre-2.34 versions of the functions that moved
/// into it are left to the split libraries, so a link that lacks `-lpthread` fails as it would
/// against the old glibc instead of producing a binary that cannot start there.
pub fn without_moved_symbols(libc: &SharedLibrary) -> SharedLibrary {
    let symbols = libc
        .symbols
        .iter()
        .filter(|s| !(glibc_of(&s.version).is_some_and(|g| g < MERGE) && moved(libc, &s.name)))
        .cloned()
        .collect();
    SharedLibrary {
        symbols,
        ..libc.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::{DynamicSymbol, SymbolKind, VersionDef};
    use crate::stubs::stub_for;

    fn merged_libc() -> SharedLibrary {
        let sym = |name: &str, version: &str, default: bool| DynamicSymbol {
            name: name.into(),
            version: version.into(),
            default,
            kind: SymbolKind::Function,
            size: 0,
            weak: false,
        };
        let def = |name: &str| VersionDef {
            name: name.into(),
            parents: Vec::new(),
        };
        SharedLibrary {
            soname: Some("libc.so.6".into()),
            bits: 64,
            machine: 62,
            big_endian: false,
            versions: vec![def("GLIBC_2.2.5"), def("GLIBC_2.17"), def("GLIBC_2.34")],
            symbols: vec![
                sym("pthread_create", "GLIBC_2.2.5", false),
                sym("pthread_create", "GLIBC_2.34", true),
                sym("pthread_mutex_lock", "GLIBC_2.2.5", true),
                sym("dlopen", "GLIBC_2.2.5", false),
                sym("dlopen", "GLIBC_2.34", true),
                sym("__libc_start_main", "GLIBC_2.2.5", false),
                sym("__libc_start_main", "GLIBC_2.34", true),
                sym("openpty", "GLIBC_2.2.5", false),
                sym("openpty", "GLIBC_2.34", true),
                sym("puts", "GLIBC_2.2.5", true),
            ],
        }
    }

    fn names(lib: &SharedLibrary) -> Vec<String> {
        lib.symbols
            .iter()
            .map(|s| format!("{}@{}", s.name, s.version))
            .collect()
    }

    #[test]
    fn classifies_the_merged_libraries_by_name() {
        assert_eq!(split_library_of("pthread_create"), Some("libpthread.so.0"));
        assert_eq!(split_library_of("sem_open"), Some("libpthread.so.0"));
        assert_eq!(split_library_of("dlsym"), Some("libdl.so.2"));
        assert_eq!(split_library_of("timer_create"), Some("librt.so.1"));
        assert_eq!(split_library_of("shm_open"), Some("librt.so.1"));
        assert_eq!(split_library_of("forkpty"), Some("libutil.so.1"));
        assert_eq!(split_library_of("__libc_start_main"), None);
        assert_eq!(split_library_of("dlopenx"), None);
    }

    #[test]
    fn carves_split_libraries_out_of_a_merged_libc() {
        let libc = merged_libc();
        assert!(is_merged(&libc));
        let pthread = carve_split_library(&libc, "libpthread.so.0");
        assert_eq!(
            names(&pthread),
            [
                "pthread_create@GLIBC_2.2.5",
                "pthread_mutex_lock@GLIBC_2.2.5"
            ]
        );
        let stub = stub_for(&pthread, GlibcVersion::new(2, 17)).unwrap();
        assert_eq!(stub.soname, "libpthread.so.0");
        assert_eq!(stub.default_version("pthread_create"), Some("GLIBC_2.2.5"));
        assert_eq!(
            names(&carve_split_library(&libc, "libutil.so.1")),
            ["openpty@GLIBC_2.2.5"]
        );
    }

    #[test]
    fn the_libc_stub_leaves_moved_functions_to_the_split_libraries() {
        let libc = without_moved_symbols(&merged_libc());
        assert_eq!(
            names(&libc),
            [
                "pthread_create@GLIBC_2.34",
                "pthread_mutex_lock@GLIBC_2.2.5",
                "dlopen@GLIBC_2.34",
                "__libc_start_main@GLIBC_2.2.5",
                "__libc_start_main@GLIBC_2.34",
                "openpty@GLIBC_2.34",
                "puts@GLIBC_2.2.5",
            ]
        );
        let stub = stub_for(&libc, GlibcVersion::new(2, 17)).unwrap();
        assert_eq!(stub.default_version("pthread_create"), None);
        assert_eq!(
            stub.default_version("__libc_start_main"),
            Some("GLIBC_2.2.5")
        );
    }
}
