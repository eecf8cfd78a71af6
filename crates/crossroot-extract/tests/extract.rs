//! Extraction of hand-built `.deb` files: what lands in the sysroot, and what never leaves it.
#![allow(clippy::unwrap_used)] // helpers below are test code too

mod extract_support;

use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crossroot_extract::{
    ExtractError, ExtractOptions, PathError, PathFilter, extract_deb, finalize_tree, read_control,
};
use crossroot_hint::Hint as _;
use extract_support::*;

fn extract(sandbox: &Sandbox, deb: &[u8]) -> Result<crossroot_extract::ExtractedDeb, ExtractError> {
    extract_deb(deb, &sandbox.root, &ExtractOptions::default())
}

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    fs_err::read(path.as_ref()).unwrap()
}

fn link_target(path: impl AsRef<Path>) -> PathBuf {
    fs_err::read_link(path.as_ref()).unwrap()
}

fn library_package() -> Vec<Ent> {
    vec![
        Ent::dir("./"),
        Ent::dir("./usr/"),
        Ent::dir("./usr/lib/"),
        Ent::dir("./usr/lib/aarch64-linux-gnu/"),
        Ent::file(
            "./usr/lib/aarch64-linux-gnu/libdemo.so.1.2",
            b"\x7fELF demo library",
        )
        .mode(0o644),
        Ent::symlink("./usr/lib/aarch64-linux-gnu/libdemo.so.1", "libdemo.so.1.2"),
        Ent::dir("./usr/bin/"),
        Ent::file("./usr/bin/demo", b"#!/bin/sh\necho demo\n").mode(0o4755),
        Ent::hardlink("./usr/bin/demo-again", "./usr/bin/demo"),
        Ent::dir("./usr/share/doc/libdemo1/"),
        Ent::file("./usr/share/doc/libdemo1/copyright", b"MIT"),
    ]
}

#[test]
fn extracts_every_compression_with_modes_times_and_links() {
    for comp in [Comp::Xz, Comp::Zstd, Comp::Gzip, Comp::None] {
        let sandbox = Sandbox::new();
        let deb = deb_from_tar(&tar(&library_package()), comp);
        let out = extract(&sandbox, &deb).unwrap_or_else(|e| panic!("{comp:?}: {e}"));
        let root = &sandbox.root;

        assert_eq!(
            read(root.join("usr/lib/aarch64-linux-gnu/libdemo.so.1.2")),
            b"\x7fELF demo library"
        );
        assert_eq!(
            link_target(root.join("usr/lib/aarch64-linux-gnu/libdemo.so.1")),
            Path::new("libdemo.so.1.2")
        );
        assert_eq!(
            read(root.join("usr/lib/aarch64-linux-gnu/libdemo.so.1")),
            b"\x7fELF demo library"
        );
        // setuid is dropped, the rest of the mode kept.
        let demo = fs_err::metadata(root.join("usr/bin/demo")).unwrap();
        assert_eq!(demo.permissions().mode() & 0o7777, 0o755);
        assert_eq!(demo.mtime(), MTIME as i64);
        // A real hard link: same inode.
        let again = fs_err::metadata(root.join("usr/bin/demo-again")).unwrap();
        assert_eq!(again.ino(), demo.ino());

        assert_eq!(out.files, 3);
        assert_eq!(out.symlinks, 1);
        assert_eq!(out.hardlinks, 1);
        assert_eq!(
            out.bytes,
            (b"\x7fELF demo library".len() + b"#!/bin/sh\necho demo\n".len() + 3) as u64
        );
        let paths: Vec<String> = out.paths.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                "usr/lib/aarch64-linux-gnu/libdemo.so.1.2",
                "usr/lib/aarch64-linux-gnu/libdemo.so.1",
                "usr/bin/demo",
                "usr/bin/demo-again",
                "usr/share/doc/libdemo1/copyright",
            ]
        );
        sandbox.assert_nothing_outside();
    }
}

#[test]
fn a_filter_leaves_members_out_while_unpacking() {
    let sandbox = Sandbox::new();
    let opts = ExtractOptions {
        // Keep the library's real file, not its link, and nothing of the docs or the tool.
        filter: PathFilter::parse(&["-**", "+usr/lib/*/libdemo.so.1.2"]).unwrap(),
        ..ExtractOptions::default()
    };
    let out = extract_deb(&deb(&library_package())[..], &sandbox.root, &opts).unwrap();
    let mut found: Vec<String> = walk(&sandbox.root);
    found.sort();
    assert_eq!(
        found,
        [
            "usr/",
            "usr/lib/",
            "usr/lib/aarch64-linux-gnu/",
            "usr/lib/aarch64-linux-gnu/libdemo.so.1.2",
        ]
    );
    assert_eq!(
        read(
            sandbox
                .root
                .join("usr/lib/aarch64-linux-gnu/libdemo.so.1.2")
        ),
        b"\x7fELF demo library"
    );
    assert_eq!((out.files, out.symlinks, out.hardlinks), (1, 0, 0));
    // 6 directory entries (`./` included) and 4 other entries were read past.
    assert_eq!(out.filtered_out, 10);
    sandbox.assert_nothing_outside();

    // A kept link whose target was left out dangles, and finalize says so.
    let sandbox = Sandbox::new();
    let opts = ExtractOptions {
        filter: PathFilter::parse(&["-usr/lib/*/libdemo.so.1.2"]).unwrap(),
        ..ExtractOptions::default()
    };
    extract_deb(&deb(&library_package())[..], &sandbox.root, &opts).unwrap();
    let report = finalize_tree(&sandbox.root, false).unwrap();
    assert_eq!(
        report.dangling,
        [Path::new("usr/lib/aarch64-linux-gnu/libdemo.so.1")]
    );
}

fn walk(root: &Path) -> Vec<String> {
    walkdir::WalkDir::new(root)
        .min_depth(1)
        .into_iter()
        .map(|e| e.unwrap())
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            if e.file_type().is_dir() {
                format!("{rel}/")
            } else {
                rel
            }
        })
        .collect()
}

#[test]
fn reads_the_control_file() {
    let deb = deb(&library_package());
    assert_eq!(read_control(&deb[..]).unwrap(), CONTROL);
}

#[test]
fn reads_the_whole_input_so_a_hashing_reader_sees_every_byte() {
    struct Counting<'a>(&'a [u8], usize);
    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1 += n;
            Ok(n)
        }
    }
    let mut deb = deb(&library_package());
    // A trailing member after data.tar, as dpkg allows (`_`-prefixed).
    deb.extend_from_slice(&ar(&[("_extra", vec![1, 2, 3])])[8..]);
    let sandbox = Sandbox::new();
    let mut counting = Counting(&deb, 0);
    extract_deb(&mut counting, &sandbox.root, &ExtractOptions::default()).unwrap();
    assert_eq!(counting.1, deb.len());
}

#[test]
fn absolute_symlinks_become_relative_and_resolve_inside_the_sysroot() {
    let sandbox = Sandbox::new();
    // libc6 (bookworm): the real library in lib/.
    extract(
        &sandbox,
        &deb(&[
            Ent::dir("./lib/aarch64-linux-gnu/"),
            Ent::file("./lib/aarch64-linux-gnu/libm.so.6", b"libm shared object"),
        ]),
    )
    .unwrap();
    // libc6-dev: the development link, absolute.
    let out = extract(
        &sandbox,
        &deb(&[
            Ent::dir("./usr/lib/aarch64-linux-gnu/"),
            Ent::symlink(
                "./usr/lib/aarch64-linux-gnu/libm.so",
                "/lib/aarch64-linux-gnu/libm.so.6",
            ),
        ]),
    )
    .unwrap();
    let link = sandbox.root.join("usr/lib/aarch64-linux-gnu/libm.so");
    assert_eq!(
        link_target(&link),
        Path::new("../../../lib/aarch64-linux-gnu/libm.so.6")
    );
    assert_eq!(read(&link), b"libm shared object");
    assert_eq!(out.absolute_symlinks_rewritten, 1);
    sandbox.assert_nothing_outside();
}

#[test]
fn a_later_package_may_replace_a_file_or_a_symlink() {
    let sandbox = Sandbox::new();
    extract(
        &sandbox,
        &deb(&[
            Ent::file("./etc/conf", b"old"),
            Ent::symlink("./etc/l", "conf"),
        ]),
    )
    .unwrap();
    extract(
        &sandbox,
        &deb(&[
            Ent::file("./etc/conf", b"new"),
            Ent::file("./etc/l", b"file now"),
        ]),
    )
    .unwrap();
    assert_eq!(read(sandbox.root.join("etc/conf")), b"new");
    assert!(
        fs_err::symlink_metadata(sandbox.root.join("etc/l"))
            .unwrap()
            .is_file()
    );
    assert_eq!(read(sandbox.root.join("etc/l")), b"file now");
}

#[test]
fn a_file_never_replaces_a_directory() {
    let sandbox = Sandbox::new();
    extract(
        &sandbox,
        &deb(&[
            Ent::dir("./usr/include/"),
            Ent::file("./usr/include/a.h", b""),
        ]),
    )
    .unwrap();
    for entry in [
        Ent::file("./usr/include", b"evil"),
        Ent::symlink("./usr/include", "elsewhere"),
    ] {
        let err = extract(&sandbox, &deb(&[entry])).unwrap_err();
        assert!(
            matches!(err, ExtractError::ReplacesDirectory { .. }),
            "{err}"
        );
        assert!(sandbox.root.join("usr/include/a.h").exists());
    }
}

#[test]
fn writes_through_a_merged_usr_link_land_in_usr() {
    let sandbox = Sandbox::new();
    extract(
        &sandbox,
        &deb(&[Ent::dir("./usr/lib/"), Ent::symlink("./lib", "usr/lib")]),
    )
    .unwrap();
    // A package built for a non-merged layout ships lib/ as a directory.
    extract(
        &sandbox,
        &deb(&[
            Ent::dir("./lib/"),
            Ent::dir("./lib/aarch64-linux-gnu/"),
            Ent::file("./lib/aarch64-linux-gnu/libgcc_s.so.1", b"gcc_s"),
        ]),
    )
    .unwrap();
    assert!(
        fs_err::symlink_metadata(sandbox.root.join("lib"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        read(sandbox.root.join("usr/lib/aarch64-linux-gnu/libgcc_s.so.1")),
        b"gcc_s"
    );
    sandbox.assert_nothing_outside();
}

#[test]
fn finalize_links_merged_usr_so_the_loader_path_resolves() {
    let sandbox = Sandbox::new();
    extract(
        &sandbox,
        &deb(&[
            Ent::file("./usr/lib/ld-linux-aarch64.so.1", b"loader"),
            Ent::file("./usr/lib/aarch64-linux-gnu/libc.so.6", b"libc"),
            Ent::file("./usr/bin/ldd", b"#!/bin/sh"),
            Ent::symlink(
                "./usr/lib/aarch64-linux-gnu/libc.so",
                "/lib/aarch64-linux-gnu/libc.so.6",
            ),
            Ent::symlink("./usr/lib/aarch64-linux-gnu/libgone.so", "libgone.so.1"),
        ]),
    )
    .unwrap();
    let report = finalize_tree(&sandbox.root, true).unwrap();
    let root = &sandbox.root;
    assert_eq!(link_target(root.join("lib")), Path::new("usr/lib"));
    assert_eq!(link_target(root.join("bin")), Path::new("usr/bin"));
    assert!(!root.join("lib64").exists() && !root.join("sbin").exists());
    assert_eq!(read(root.join("lib/ld-linux-aarch64.so.1")), b"loader");
    // `/lib/...` (the libc.so linker script's view) works through the new link too.
    assert_eq!(
        read(root.join("usr/lib/aarch64-linux-gnu/libc.so")),
        b"libc"
    );
    let mut links = report.merged_usr_links.clone();
    links.sort();
    assert_eq!(links, [PathBuf::from("bin"), PathBuf::from("lib")]);
    assert_eq!(
        report.dangling,
        [PathBuf::from("usr/lib/aarch64-linux-gnu/libgone.so")]
    );
    assert!(report.not_merged.is_empty());
    sandbox.assert_nothing_outside();
}

#[test]
fn finalize_leaves_a_split_usr_tree_alone_and_repairs_leftover_absolute_links() {
    let sandbox = Sandbox::new();
    let root = &sandbox.root;
    extract(
        &sandbox,
        &deb(&[
            Ent::file("./lib/aarch64-linux-gnu/libc.so.6", b"libc"),
            Ent::file("./usr/lib/aarch64-linux-gnu/libc_nonshared.a", b"ar"),
        ]),
    )
    .unwrap();
    // Left by something other than extract_deb.
    std::os::unix::fs::symlink(
        "/lib/aarch64-linux-gnu/libc.so.6",
        root.join("usr/lib/aarch64-linux-gnu/libc.so.6"),
    )
    .unwrap();
    let report = finalize_tree(root, true).unwrap();
    assert!(fs_err::symlink_metadata(root.join("lib")).unwrap().is_dir());
    assert_eq!(report.not_merged, [PathBuf::from("lib")]);
    assert_eq!(
        report.rewritten_absolute,
        [PathBuf::from("usr/lib/aarch64-linux-gnu/libc.so.6")]
    );
    assert_eq!(
        link_target(root.join("usr/lib/aarch64-linux-gnu/libc.so.6")),
        Path::new("../../../lib/aarch64-linux-gnu/libc.so.6")
    );
    assert_eq!(
        read(root.join("usr/lib/aarch64-linux-gnu/libc.so.6")),
        b"libc"
    );
    assert!(report.dangling.is_empty());
    assert_eq!((report.files, report.symlinks), (2, 1));
}

#[test]
fn finalize_refuses_a_link_that_escapes() {
    let sandbox = Sandbox::new();
    fs_err::create_dir_all(sandbox.root.join("usr")).unwrap();
    std::os::unix::fs::symlink("../../sentinel", sandbox.root.join("usr/out")).unwrap();
    let err = finalize_tree(&sandbox.root, false).unwrap_err();
    assert!(matches!(err, ExtractError::SymlinkEscape { .. }), "{err}");
}

// ---- hostile packages: each refused, nothing written outside the sysroot ----

/// Extracts `entries`, expects an error accepted by `want`, checks nothing escaped.
fn refused(entries: &[Ent], want: impl Fn(&ExtractError) -> bool) {
    refused_deb(&deb(entries), want);
}

fn refused_deb(deb: &[u8], want: impl Fn(&ExtractError) -> bool) {
    let sandbox = Sandbox::new();
    let err = extract(&sandbox, deb).expect_err("a hostile package was accepted");
    assert!(want(&err), "unexpected error: {err}");
    sandbox.assert_nothing_outside();
}

fn unsafe_path(err: &ExtractError, kind: PathError) -> bool {
    matches!(err, ExtractError::UnsafePath { source, .. } if *source == kind)
}

#[test]
fn tar_slip_is_refused() {
    refused(&[Ent::file("../../evil", b"x")], |e| {
        unsafe_path(e, PathError::ParentDir)
    });
    refused(&[Ent::file("./usr/../../sentinel/evil", b"x")], |e| {
        unsafe_path(e, PathError::ParentDir)
    });
    refused(&[Ent::dir("../sentinel/d/")], |e| {
        unsafe_path(e, PathError::ParentDir)
    });
}

#[test]
fn absolute_member_names_are_refused() {
    let sandbox = Sandbox::new();
    let name = format!("{}/evil", sandbox.sentinel.display());
    let err = extract(&sandbox, &deb(&[Ent::file(&name, b"x")])).unwrap_err();
    assert!(unsafe_path(&err, PathError::Absolute), "{err}");
    sandbox.assert_nothing_outside();
}

#[test]
fn symlinks_that_climb_out_are_refused() {
    let escape = |e: &ExtractError| matches!(e, ExtractError::SymlinkEscape { .. });
    refused(
        &[
            Ent::symlink("./link", "../../.."),
            Ent::file("./link/evil", b"x"),
        ],
        escape,
    );
    refused(
        &[Ent::symlink("./usr/lib/link", "../../../sentinel")],
        escape,
    );
    // Lexically `a/..` stays inside, but `a` is the root itself: the kernel would climb out.
    refused(
        &[Ent::symlink("./a", "."), Ent::symlink("./b", "a/..")],
        escape,
    );
    refused(
        &[
            Ent::dir("./d/"),
            Ent::symlink("./d/up", ".."),
            Ent::symlink("./c", "d/up/../x"),
        ],
        escape,
    );
}

#[test]
fn an_absolute_symlink_to_the_host_is_kept_inside_when_written_through() {
    // `link -> <sentinel>` is rewritten to point at the same path inside the sysroot, so a
    // file written through it lands in the sysroot, not in the sentinel.
    let sandbox = Sandbox::new();
    let target = sandbox.sentinel.display().to_string();
    extract(
        &sandbox,
        &deb(&[
            Ent::symlink("./link", &target),
            Ent::file("./link/evil", b"x"),
        ]),
    )
    .unwrap();
    sandbox.assert_nothing_outside();
    let inside = sandbox
        .root
        .join(sandbox.sentinel.strip_prefix("/").unwrap())
        .join("evil");
    assert_eq!(read(inside), b"x");
}

#[test]
fn a_symlink_left_in_the_tree_is_never_followed_out() {
    let sandbox = Sandbox::new();
    // Not made by extract_deb: a relative link that leads out, and an absolute one.
    std::os::unix::fs::symlink("../sentinel", sandbox.root.join("up")).unwrap();
    std::os::unix::fs::symlink(&sandbox.sentinel, sandbox.root.join("abs")).unwrap();
    let err = extract(&sandbox, &deb(&[Ent::file("./up/evil", b"x")])).unwrap_err();
    assert!(matches!(err, ExtractError::PathEscape { .. }), "{err}");
    let err = extract(&sandbox, &deb(&[Ent::dir("./up/")])).unwrap_err();
    assert!(matches!(err, ExtractError::PathEscape { .. }), "{err}");
    // The absolute one is taken as relative to the sysroot.
    extract(&sandbox, &deb(&[Ent::file("./abs/evil", b"x")])).unwrap();
    let names = fs_err::read_dir(&sandbox.sentinel).unwrap().count();
    assert_eq!(names, 0);
}

#[test]
fn hard_links_outside_or_to_unknown_files_are_refused() {
    refused(&[Ent::hardlink("./passwd", "/etc/passwd")], |e| {
        unsafe_path(e, PathError::Absolute)
    });
    refused(&[Ent::hardlink("./x", "../sentinel/x")], |e| {
        unsafe_path(e, PathError::ParentDir)
    });
    let target = |e: &ExtractError| matches!(e, ExtractError::HardlinkTarget { .. });
    refused(&[Ent::hardlink("./x", "etc/passwd")], target);
    // The target was a file, then became a symlink (to the host, rewritten inside).
    refused(
        &[
            Ent::file("./f", b"data"),
            Ent::symlink("./f", "/etc/passwd"),
            Ent::hardlink("./h", "./f"),
        ],
        target,
    );
    // Through a symlinked directory the target is not the extracted file.
    refused(
        &[
            Ent::file("./d/f", b"data"),
            Ent::symlink("./l", "d"),
            Ent::hardlink("./h", "./l/f"),
        ],
        target,
    );
}

#[test]
fn device_nodes_fifos_and_unknown_entries_are_refused() {
    for (kind, what) in [
        (b'3', "character device"),
        (b'4', "block device"),
        (b'6', "fifo"),
        (b'7', "contiguous file"),
        (b'Z', "unknown"),
    ] {
        refused(
            &[Ent::dir("./dev/"), Ent::special("./dev/null", kind)],
            |e| matches!(e, ExtractError::UnsupportedEntry { member, kind } if member == "./dev/null" && kind.contains(what)),
        );
    }
}

#[test]
fn names_with_nul_or_empty_names_are_refused() {
    refused_deb(
        &deb_from_tar(&tar_with_pax_path(b"usr/a\0b", b"x"), Comp::Xz),
        |e| unsafe_path(e, PathError::Nul),
    );
    refused(&[Ent::raw_file(b"", b"x")], |e| {
        unsafe_path(e, PathError::Empty)
    });
    // `./` is the root: fine as a directory, not as a file.
    refused(&[Ent::file("./", b"x")], |e| {
        unsafe_path(e, PathError::Empty)
    });
}

#[test]
fn broken_and_oversized_packages_are_refused() {
    let sandbox = Sandbox::new();
    let not_deb = |e: &ExtractError| matches!(e, ExtractError::NotADeb { .. });
    refused_deb(b"this is not an ar archive at all, just text", not_deb);
    refused_deb(&ar(&[("data.tar", tar(&library_package()))]), not_deb);
    refused_deb(&ar(&[("debian-binary", b"3.0\n".to_vec())]), not_deb);
    refused_deb(&ar(&[("debian-binary", b"2.0\n".to_vec())]), |e| {
        matches!(e, ExtractError::MissingMember { wanted: "data" })
    });
    refused_deb(
        &ar(&[
            ("debian-binary", b"2.0\n".to_vec()),
            ("data.tar.bz2", vec![0; 10]),
        ]),
        |e| matches!(e, ExtractError::UnsupportedCompression { .. }),
    );
    // Cut in the middle of the compressed data.
    let whole = deb(&library_package());
    refused_deb(&whole[..whole.len() - 40], |e| {
        matches!(
            e,
            ExtractError::Read { .. }
                | ExtractError::Truncated { .. }
                | ExtractError::NotADeb { .. }
        )
    });
    // A bomb: a megabyte of zeros in a small package, with a small limit.
    let bomb = deb(&[Ent::file("./zeros", &vec![0; 1 << 20])]);
    let opts = ExtractOptions {
        max_unpacked_bytes: 64 * 1024,
        ..ExtractOptions::default()
    };
    let err = extract_deb(&bomb[..], &sandbox.root, &opts).unwrap_err();
    assert!(
        matches!(err, ExtractError::TooLarge { limit: 65536 }),
        "{err}"
    );
    sandbox.assert_nothing_outside();
}

#[test]
fn errors_name_the_member_and_hint_at_the_cause() {
    let sandbox = Sandbox::new();
    let err = extract(&sandbox, &deb(&[Ent::special("./dev/tty0", b'3')])).unwrap_err();
    assert!(err.to_string().contains("./dev/tty0"), "{err}");
    assert!(err.hint().unwrap().contains("refuses"));
}

#[test]
fn a_pax_global_header_is_metadata_not_a_file() {
    let sandbox = Sandbox::new();
    let mut global = Ent::special("/tmp/GlobalHead.0.0", b'g');
    global.data = b"18 comment=hello\n".to_vec();
    let out = extract(&sandbox, &deb(&[global, Ent::file("./a", b"a")])).unwrap();
    assert_eq!(out.paths, [PathBuf::from("a")]);
    assert_eq!(sandbox.listing(), ["a"]);
}
