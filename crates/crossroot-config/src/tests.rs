//! Every layer, in order: defaults, workspace metadata, package metadata, environment, flags.

use std::path::{Path, PathBuf};

use crossroot_target::Release;

use crate::*;
use crossroot_hint::Hint as _;

const AARCH64: &str = "aarch64-unknown-linux-gnu";
const ARMHF: &str = "armv7-unknown-linux-gnueabihf";

/// A temp tree: `files` are (relative path, contents).
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        fs_err::create_dir_all(p.parent().unwrap()).unwrap();
        fs_err::write(&p, text).unwrap();
    }
    dir
}

fn home_env(dir: &Path) -> Env {
    Env::from_pairs([("HOME", dir.join("home").to_string_lossy().into_owned())])
}

fn mirror(url: &str) -> Mirror {
    Mirror::parse(url, MirrorSource::Flag).unwrap()
}

fn load(cwd: &Path, env: &Env, flags: &Flags) -> Config {
    // An apt root that does not exist: no host sources leak into tests.
    Config::load(cwd, env, flags, &cwd.join("no-apt-root")).unwrap()
}

const WORKSPACE: &str = r#"
[workspace]
members = ["app"]

[workspace.metadata.crossroot]
debian-packages = ["libssl-dev"]
debian-release = "bullseye"
mirror = "http://ws.invalid/debian/"

[workspace.metadata.crossroot.target.aarch64-unknown-linux-gnu]
debian-packages = ["libz-dev"]
debian-release = "bookworm"
"#;

const APP: &str = r#"
[package]
name = "app"
version = "0.1.0"

[package.metadata.crossroot]
debian-packages = ["libsqlite3-dev", "libssl-dev"]
mirror = "http://pkg.invalid/debian"

[package.metadata.crossroot.target.aarch64-unknown-linux-gnu]
debian-packages = ["libudev-dev"]
debian-release = "trixie"
mirror = "http://pkg-arm64.invalid/debian"
"#;

#[test]
fn defaults_outside_a_project() {
    let dir = tree(&[]);
    let cfg = load(dir.path(), &home_env(dir.path()), &Flags::default());
    assert_eq!(cfg.manifest_dir, None);
    assert_eq!(cfg.workspace_root, None);
    assert_eq!(
        cfg.for_target(AARCH64),
        TargetConfig {
            updates: true,
            ..TargetConfig::default()
        }
    );
    assert!(cfg.warnings.is_empty());
    assert!(!cfg.offline);
    let err = cfg.mirror(Some(AARCH64)).unwrap_err();
    assert!(matches!(err, ConfigError::NoMirror { .. }));
    let hint = err.hint().unwrap();
    assert!(hint.contains("--mirror URL"), "{hint}");
    assert!(hint.contains("CROSSROOT_MIRROR"), "{hint}");
    assert!(hint.contains("[package.metadata.crossroot]"), "{hint}");
}

#[test]
fn workspace_layer_alone() {
    let dir = tree(&[
        ("Cargo.toml", WORKSPACE),
        (
            "app/Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
        ),
        ("app/src/lib.rs", ""),
    ]);
    let cwd = dir.path().join("app/src");
    let cfg = load(&cwd, &home_env(dir.path()), &Flags::default());
    assert_eq!(
        cfg.manifest_dir.as_deref(),
        Some(dir.path().join("app").as_path())
    );
    assert_eq!(cfg.workspace_root.as_deref(), Some(dir.path()));
    let t = cfg.for_target(AARCH64);
    assert_eq!(t.debian_packages, ["libssl-dev", "libz-dev"]);
    assert_eq!(t.release, Some(Release::Bookworm));
    assert_eq!(
        t.mirror.as_ref().map(Mirror::request_url),
        Some("http://ws.invalid/debian")
    );
    let other = cfg.for_target(ARMHF);
    assert_eq!(other.debian_packages, ["libssl-dev"]);
    assert_eq!(other.release, Some(Release::Bullseye));
    assert_eq!(
        cfg.mirror(Some(ARMHF)).unwrap(),
        MirrorChoice {
            url: mirror("http://ws.invalid/debian"),
            source: MirrorSource::Config(dir.path().join("Cargo.toml")),
            security: Some(SecurityRoot {
                url: mirror("http://ws.invalid/debian-security"),
                source: SecuritySource::Derived,
            }),
        }
    );
}

#[test]
fn package_layer_overrides_workspace_and_target_tables_override_general() {
    let dir = tree(&[("Cargo.toml", WORKSPACE), ("app/Cargo.toml", APP)]);
    let cfg = load(
        &dir.path().join("app"),
        &home_env(dir.path()),
        &Flags::default(),
    );
    let t = cfg.for_target(AARCH64);
    assert_eq!(
        t.debian_packages,
        ["libssl-dev", "libz-dev", "libsqlite3-dev", "libudev-dev"]
    );
    assert_eq!(t.release, Some(Release::Trixie));
    assert_eq!(
        t.mirror.as_ref().map(Mirror::request_url),
        Some("http://pkg-arm64.invalid/debian")
    );
    let m = cfg.mirror(Some(AARCH64)).unwrap();
    assert_eq!(
        m.source,
        MirrorSource::Config(dir.path().join("app/Cargo.toml"))
    );

    let other = cfg.for_target(ARMHF);
    assert_eq!(other.debian_packages, ["libssl-dev", "libsqlite3-dev"]);
    // The package sets no general release, so the workspace's applies.
    assert_eq!(other.release, Some(Release::Bullseye));
    assert_eq!(
        other.mirror.as_ref().map(Mirror::request_url),
        Some("http://pkg.invalid/debian")
    );
    assert_eq!(
        cfg.mirror(None).unwrap().url,
        mirror("http://pkg.invalid/debian")
    );
}

#[test]
fn environment_overrides_files() {
    let dir = tree(&[("Cargo.toml", WORKSPACE), ("app/Cargo.toml", APP)]);
    let env = home_env(dir.path())
        .with(vars::MIRROR, "http://env.invalid/debian/")
        .with(vars::DEBIAN_RELEASE, "sid")
        .with(vars::DEBIAN_PACKAGES, "libfoo-dev, libbar-dev libssl-dev")
        .with(vars::OFFLINE, "1");
    let cfg = load(&dir.path().join("app"), &env, &Flags::default());
    let t = cfg.for_target(AARCH64);
    assert_eq!(t.release, Some(Release::Sid));
    assert_eq!(
        t.mirror.as_ref().map(Mirror::request_url),
        Some("http://env.invalid/debian")
    );
    assert_eq!(
        t.debian_packages,
        [
            "libssl-dev",
            "libz-dev",
            "libsqlite3-dev",
            "libudev-dev",
            "libfoo-dev",
            "libbar-dev"
        ]
    );
    assert!(cfg.offline);
    assert_eq!(
        cfg.mirror(Some(AARCH64)).unwrap(),
        MirrorChoice {
            url: mirror("http://env.invalid/debian"),
            source: MirrorSource::Env,
            security: Some(SecurityRoot {
                url: mirror("http://env.invalid/debian-security"),
                source: SecuritySource::Derived,
            }),
        }
    );
}

#[test]
fn flags_override_environment() {
    let dir = tree(&[("Cargo.toml", WORKSPACE), ("app/Cargo.toml", APP)]);
    let env = home_env(dir.path())
        .with(vars::MIRROR, "http://env.invalid/debian")
        .with(vars::DEBIAN_RELEASE, "sid");
    let flags = Flags {
        mirror: Some("http://127.0.0.1:1/debian".into()),
        release: Some("12".into()),
        locked: true,
        ..Flags::default()
    };
    let cfg = load(&dir.path().join("app"), &env, &flags);
    let t = cfg.for_target(AARCH64);
    assert_eq!(t.release, Some(Release::Bookworm));
    assert_eq!(
        t.mirror.as_ref().map(Mirror::request_url),
        Some("http://127.0.0.1:1/debian")
    );
    assert!(cfg.locked);
    assert_eq!(cfg.mirror(None).unwrap().source, MirrorSource::Flag);
}

#[test]
fn manifest_path_flag_is_relative_to_cwd() {
    let dir = tree(&[("proj/Cargo.toml", APP)]);
    let flags = Flags {
        manifest_path: Some(PathBuf::from("proj/Cargo.toml")),
        ..Flags::default()
    };
    let cfg = load(dir.path(), &home_env(dir.path()), &flags);
    assert_eq!(
        cfg.manifest_dir.as_deref(),
        Some(dir.path().join("proj").as_path())
    );
    // A package that is not in a workspace is its own root.
    assert_eq!(
        cfg.workspace_root.as_deref(),
        Some(dir.path().join("proj").as_path())
    );
    assert_eq!(cfg.lock_dir(dir.path()), dir.path().join("proj"));
}

#[test]
fn missing_manifest_path_is_an_error_with_hint() {
    let dir = tree(&[]);
    for (path, want) in [
        ("nope/Cargo.toml", "does not exist"),
        ("src/main.rs", "must point to"),
    ] {
        let flags = Flags {
            manifest_path: Some(PathBuf::from(path)),
            ..Flags::default()
        };
        let err = Config::load(dir.path(), &home_env(dir.path()), &flags, dir.path()).unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
        assert!(err.hint().is_some());
    }
}

#[test]
fn explicit_package_workspace_key() {
    let dir = tree(&[
        ("root/Cargo.toml", WORKSPACE),
        (
            "elsewhere/app/Cargo.toml",
            "[package]\nname = \"app\"\nworkspace = \"../../root\"\n",
        ),
    ]);
    let cfg = load(
        &dir.path().join("elsewhere/app"),
        &home_env(dir.path()),
        &Flags::default(),
    );
    assert_eq!(
        cfg.workspace_root.as_deref(),
        Some(dir.path().join("elsewhere/app/../../root").as_path())
    );
    assert_eq!(cfg.for_target(ARMHF).debian_packages, ["libssl-dev"]);
}

#[test]
fn a_manifest_with_package_and_workspace_reads_both_sections() {
    let text = format!("{APP}\n{WORKSPACE}");
    let dir = tree(&[("Cargo.toml", &text)]);
    let cfg = load(dir.path(), &home_env(dir.path()), &Flags::default());
    assert_eq!(cfg.workspace_root.as_deref(), Some(dir.path()));
    assert_eq!(cfg.for_target(AARCH64).release, Some(Release::Trixie));
    assert_eq!(cfg.for_target(ARMHF).release, Some(Release::Bullseye));
}

#[test]
fn unknown_keys_and_non_triple_target_tables_warn() {
    let dir = tree(&[(
        "Cargo.toml",
        r#"
[package]
name = "x"
[package.metadata.crossroot]
debian_packages = ["a"]
colour = "blue"
[package.metadata.crossroot.target.arm64]
debian-packages = ["ignored-dev"]
[package.metadata.crossroot.target.aarch64-unknwn-linux-gnu]
debian-packages = ["ignored-dev"]
[package.metadata.crossroot.target.armv7-unknown-linux-gnueabihf]
debian-package = ["b"]
"#,
    )]);
    let cfg = load(dir.path(), &home_env(dir.path()), &Flags::default());
    let w = cfg.warnings.join("\n");
    let file = dir.path().join("Cargo.toml");
    assert_eq!(cfg.warnings.len(), 5, "{w}");
    assert!(
        cfg.warnings
            .iter()
            .all(|w| w.starts_with(&file.display().to_string())),
        "{w}"
    );
    assert!(w.contains("unknown key `debian_packages` in [package.metadata.crossroot] (ignored); did you mean `debian-packages`?"), "{w}");
    assert!(w.contains("unknown key `colour`"), "{w}");
    assert!(w.contains("known keys: `debian-packages`"), "{w}");
    assert!(
        w.contains("[package.metadata.crossroot.target.arm64] is not a supported target triple (ignored); target tables use the full triple: did you mean `aarch64-unknown-linux-gnu`?"),
        "{w}"
    );
    assert!(w.contains("target.aarch64-unknwn-linux-gnu] is not a supported target triple (ignored); did you mean `aarch64-unknown-linux-gnu`?"), "{w}");
    assert!(
        w.contains("unknown key `debian-package` in [package.metadata.crossroot.target.armv7-unknown-linux-gnueabihf]"),
        "{w}"
    );
    // Ignored tables contribute nothing.
    assert!(cfg.for_target(AARCH64).debian_packages.is_empty());
}

#[test]
fn the_targets_list_comes_from_the_highest_layer_that_has_one() {
    let ws = tree(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"app\", \"lib\"]\n[workspace.metadata.crossroot]\ntargets = [\"aarch64-linux\", \" s390x-linux \"]\n",
        ),
        (
            "app/Cargo.toml",
            "[package]\nname = \"app\"\n[package.metadata.crossroot]\ntargets = [\"armv7-linux\"]\n",
        ),
        ("lib/Cargo.toml", "[package]\nname = \"lib\"\n"),
    ]);
    let env = home_env(ws.path());
    let (list, file) = load(&ws.path().join("lib"), &env, &Flags::default())
        .targets()
        .map(|(l, f)| (l.to_vec(), f.to_path_buf()))
        .unwrap();
    assert_eq!(list, ["aarch64-linux", "s390x-linux"]);
    assert_eq!(file, ws.path().join("Cargo.toml"));
    let app = load(&ws.path().join("app"), &env, &Flags::default());
    let (list, file) = app.targets().unwrap();
    assert_eq!(list, ["armv7-linux"]);
    assert_eq!(file, ws.path().join("app/Cargo.toml"));
    assert!(app.warnings.is_empty(), "{:?}", app.warnings);

    let none = tree(&[("Cargo.toml", "[package]\nname = \"x\"\n")]);
    assert!(
        load(none.path(), &home_env(none.path()), &Flags::default())
            .targets()
            .is_none()
    );
}

#[test]
fn targets_in_a_target_table_and_misspelt_targets_warn() {
    let dir = tree(&[(
        "Cargo.toml",
        "[package]\nname = \"x\"\n[package.metadata.crossroot]\ntagrets = [\"arm64\"]\n[package.metadata.crossroot.target.aarch64-unknown-linux-gnu]\ntargets = [\"arm64\"]\n",
    )]);
    let cfg = load(dir.path(), &home_env(dir.path()), &Flags::default());
    let w = cfg.warnings.join("\n");
    assert_eq!(cfg.warnings.len(), 2, "{w}");
    assert!(
        w.contains("unknown key `tagrets` in [package.metadata.crossroot] (ignored); did you mean `targets`?"),
        "{w}"
    );
    assert!(
        w.contains(
            "unknown key `targets` in [package.metadata.crossroot.target.aarch64-unknown-linux-gnu]"
        ),
        "{w}"
    );
    assert!(cfg.targets().is_none());
}

#[test]
fn wrongly_typed_values_are_errors_naming_file_and_key() {
    for (body, key) in [
        (
            "debian-packages = \"libssl-dev\"",
            "package.metadata.crossroot.debian-packages",
        ),
        (
            "debian-packages = [1]",
            "package.metadata.crossroot.debian-packages",
        ),
        ("mirror = 3", "package.metadata.crossroot.mirror"),
        ("target = 1", "package.metadata.crossroot.target"),
        ("targets = \"arm64\"", "package.metadata.crossroot.targets"),
        (
            "targets = [\"arm64\", 2]",
            "package.metadata.crossroot.targets",
        ),
        ("targets = [\" \"]", "package.metadata.crossroot.targets"),
    ] {
        let dir = tree(&[(
            "Cargo.toml",
            &format!("[package.metadata.crossroot]\n{body}\n"),
        )]);
        let err = Config::load(
            dir.path(),
            &home_env(dir.path()),
            &Flags::default(),
            dir.path(),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(key), "{msg}");
        assert!(msg.contains("Cargo.toml"), "{msg}");
    }
}

#[test]
fn bad_release_and_mirror_values_name_their_origin() {
    let dir = tree(&[(
        "Cargo.toml",
        "[package.metadata.crossroot]\ndebian-release = \"buster\"\n",
    )]);
    let err = Config::load(
        dir.path(),
        &home_env(dir.path()),
        &Flags::default(),
        dir.path(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("`buster`"), "{err}");
    assert!(err.to_string().contains("debian-release"), "{err}");
    assert!(err.hint().unwrap().contains("bookworm"));

    let empty = tree(&[]);
    let flags = Flags {
        mirror: Some("mirror.invalid/debian".into()),
        ..Flags::default()
    };
    let err =
        Config::load(empty.path(), &home_env(empty.path()), &flags, empty.path()).unwrap_err();
    assert!(err.to_string().contains("--mirror"), "{err}");
    assert!(err.hint().unwrap().contains("http://"), "{err}");

    let dir = tree(&[(
        "Cargo.toml",
        "[package.metadata.crossroot.target.aarch64-unknown-linux-gnu]\nmirror = \"file:debian\"\n",
    )]);
    let err = Config::load(
        dir.path(),
        &home_env(dir.path()),
        &Flags::default(),
        dir.path(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "mirror `file:debian` (from `mirror` in {}) has a relative path; a `file:` URL needs an absolute one",
            dir.path().join("Cargo.toml").display()
        )
    );
    assert!(err.hint().unwrap().contains("file:///"), "{err}");
    let env = home_env(empty.path()).with(vars::DEBIAN_RELEASE, "hamm");
    let err = Config::load(empty.path(), &env, &Flags::default(), empty.path()).unwrap_err();
    assert!(err.to_string().contains(vars::DEBIAN_RELEASE), "{err}");
}

#[test]
fn toml_syntax_errors_name_the_file() {
    let dir = tree(&[("Cargo.toml", "[package\n")]);
    let err = Config::load(
        dir.path(),
        &home_env(dir.path()),
        &Flags::default(),
        dir.path(),
    )
    .unwrap_err();
    assert!(matches!(err, ConfigError::Parse { .. }));
    assert!(err.to_string().contains("Cargo.toml"), "{err}");
}

#[test]
fn cache_dir_order() {
    let cwd = Path::new("/work");
    let env = Env::from_pairs([
        ("HOME", "/home/u"),
        ("XDG_CACHE_HOME", "/xdg"),
        ("CROSSROOT_CACHE_DIR", "/explicit"),
    ]);
    assert_eq!(cache_dir(cwd, &env).unwrap(), Path::new("/explicit"));
    let env = Env::from_pairs([
        ("HOME", "/home/u"),
        ("XDG_CACHE_HOME", "/xdg"),
        ("CROSSROOT_CACHE_DIR", ""),
    ]);
    assert_eq!(cache_dir(cwd, &env).unwrap(), Path::new("/xdg/crossroot"));
    let env = Env::from_pairs([("HOME", "/home/u"), ("XDG_CACHE_HOME", "relative")]);
    assert_eq!(
        cache_dir(cwd, &env).unwrap(),
        Path::new("/home/u/.cache/crossroot")
    );
    let env = Env::from_pairs([("CROSSROOT_CACHE_DIR", "rel/cache")]);
    assert_eq!(cache_dir(cwd, &env).unwrap(), Path::new("/work/rel/cache"));
    let err = cache_dir(cwd, &Env::default()).unwrap_err();
    assert!(err.hint().unwrap().contains("CROSSROOT_CACHE_DIR"));
}

#[test]
fn mirror_from_apt_sources_is_discovered_lazily() {
    let dir = tree(&[(
        "apt/etc/apt/sources.list.d/debian.sources",
        "Types: deb\nURIs: http://127.0.0.1:9/debian/\nSuites: trixie\nComponents: main\n",
    )]);
    let env = home_env(dir.path());
    let cfg = Config::load(dir.path(), &env, &Flags::default(), &dir.path().join("apt")).unwrap();
    // load() reads no apt file: removing it before asking shows discovery is lazy.
    let m = cfg.mirror(Some(AARCH64)).unwrap();
    assert_eq!(m.url.request_url(), "http://127.0.0.1:9/debian");
    assert_eq!(
        m.source,
        MirrorSource::Apt(dir.path().join("apt/etc/apt/sources.list.d/debian.sources"))
    );
    assert!(m.source.to_string().starts_with("apt sources ("));
    fs_err::remove_file(dir.path().join("apt/etc/apt/sources.list.d/debian.sources")).unwrap();
    let err = cfg.mirror(Some(AARCH64)).unwrap_err();
    assert!(matches!(err, ConfigError::NoMirror { .. }));
}

#[test]
fn mirror_spellings_from_every_layer_are_normalized_alike() {
    let dir = tree(&[(
        "Cargo.toml",
        "[package]\nname = \"p\"\n[package.metadata.crossroot]\nmirror = \"HTTP://Pkg.Invalid/debian/\"\n",
    )]);
    let cfg = load(dir.path(), &home_env(dir.path()), &Flags::default());
    assert_eq!(
        cfg.mirror(None).unwrap().url.request_url(),
        "http://pkg.invalid/debian"
    );
    let env = home_env(dir.path()).with(vars::MIRROR, " File:/srv/debian/ ");
    let cfg = load(dir.path(), &env, &Flags::default());
    let m = cfg.mirror(None).unwrap().url;
    assert_eq!(m.request_url(), "file:///srv/debian");
    assert_eq!(m.local_path(), Some(Path::new("/srv/debian")));
    let flags = Flags {
        mirror: Some("https://user:secret@mirror.invalid/debian".into()),
        ..Flags::default()
    };
    let cfg = load(dir.path(), &env, &flags);
    let choice = cfg.mirror(None).unwrap();
    assert_eq!(choice.url.to_string(), "https://***@mirror.invalid/debian");
    assert!(!format!("{choice:?} {cfg:?}").contains("secret"));
}

#[cfg(unix)]
#[test]
fn variables_that_are_not_utf8_are_errors_naming_them() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let bad = || OsString::from_vec(b"/srv/\xffdebian".to_vec());
    let dir = tree(&[]);
    let home = dir.path().join("home").into_os_string();
    for var in [
        vars::MIRROR,
        vars::CACHE_DIR,
        vars::DEBIAN_RELEASE,
        vars::DEBIAN_PACKAGES,
        vars::OFFLINE,
    ] {
        let env = Env::from_os_pairs([(OsString::from("HOME"), home.clone()), (var.into(), bad())]);
        assert_eq!(env.get(var), None);
        let err = Config::load(dir.path(), &env, &Flags::default(), dir.path()).unwrap_err();
        assert!(
            matches!(&err, ConfigError::NotUnicode { var: v } if v == var),
            "{var}: {err}"
        );
        assert!(err.to_string().contains(var), "{err}");
        assert!(err.hint().unwrap().contains(var), "{err}");
    }
    // Another variable that is not UTF-8 is no concern of crossroot's.
    let env = Env::from_os_pairs([
        (OsString::from("HOME"), home.clone()),
        (OsString::from("SOMETHING_ELSE"), bad()),
        (OsString::from_vec(b"\xff".to_vec()), OsString::from("x")),
    ]);
    assert!(Config::load(dir.path(), &env, &Flags::default(), dir.path()).is_ok());
    // HOME itself, when it decides the cache.
    let env = Env::from_os_pairs([(OsString::from("HOME"), bad())]);
    let err = cache_dir(dir.path(), &env).unwrap_err();
    assert!(
        matches!(&err, ConfigError::NotUnicode { var } if var == "HOME"),
        "{err}"
    );
    // Set again to UTF-8: fine.
    let env =
        Env::from_os_pairs([(OsString::from(vars::CACHE_DIR), bad())]).with(vars::CACHE_DIR, "/c");
    assert_eq!(cache_dir(dir.path(), &env).unwrap(), Path::new("/c"));
}

#[test]
fn env_helpers() {
    let env = Env::from_pairs([("A", "1"), ("B", ""), ("C", "no")]);
    assert_eq!(env.get("A"), Some("1"));
    assert_eq!(env.get("B"), None);
    assert_eq!(env.get("Z"), None);
    assert!(env.is_true("A"));
    assert!(!env.is_true("C"));
    assert_eq!(env.iter().count(), 3);
}

#[test]
fn stable_means_the_newest_stable_release() {
    let dir = tree(&[]);
    let flags = Flags {
        release: Some("stable".into()),
        ..Flags::default()
    };
    let cfg = load(dir.path(), &home_env(dir.path()), &flags);
    assert_eq!(cfg.for_target(AARCH64).release, Some(Release::Trixie));
}

#[test]
fn flags_from_cargo_args() {
    let args = [
        "--target",
        "aarch64-linux",
        "--manifest-path",
        "examples/x/Cargo.toml",
        "--locked",
        "--",
        "--offline",
    ];
    let f = Flags::default().merge_cargo(&CargoArgs::parse(&args));
    assert_eq!(
        f.manifest_path.as_deref(),
        Some(Path::new("examples/x/Cargo.toml"))
    );
    assert!(f.locked);
    assert!(!f.offline, "arguments after `--` belong to the test binary");

    let f = Flags::default().merge_cargo(&CargoArgs::parse(&[
        "--manifest-path=a/Cargo.toml",
        "--frozen",
    ]));
    assert_eq!(f.manifest_path.as_deref(), Some(Path::new("a/Cargo.toml")));
    assert!(f.offline && f.locked);
    assert!(!f.static_deps);
    let f = Flags::default().merge_cargo(&CargoArgs::parse(&["--static-deps"]));
    assert!(f.static_deps);

    // A flag crossroot parsed itself wins.
    let f = Flags {
        manifest_path: Some(PathBuf::from("mine/Cargo.toml")),
        ..Flags::default()
    }
    .merge_cargo(&CargoArgs::parse(&["--manifest-path", "theirs/Cargo.toml"]));
    assert_eq!(
        f.manifest_path.as_deref(),
        Some(Path::new("mine/Cargo.toml"))
    );
    assert_eq!(
        Flags::default().merge_cargo(&CargoArgs::parse::<&str>(&[])),
        Flags::default()
    );
}

#[test]
fn static_deps_from_tables_environment_and_flag() {
    const WS: &str = r#"
[workspace]
members = ["app"]

[workspace.metadata.crossroot]
static-deps = true
"#;
    const PKG: &str = r#"
[package]
name = "app"
version = "0.1.0"

[package.metadata.crossroot.target.armv7-unknown-linux-gnueabihf]
static-deps = false
"#;
    let dir = tree(&[("Cargo.toml", WS), ("app/Cargo.toml", PKG)]);
    let app = dir.path().join("app");
    let env = home_env(dir.path());
    let cfg = load(&app, &env, &Flags::default());
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
    assert!(cfg.for_target(AARCH64).static_deps, "the workspace's key");
    assert!(
        !cfg.for_target(ARMHF).static_deps,
        "the package's target table wins over the workspace"
    );
    // The environment wins over the files, both ways.
    let off = load(
        &app,
        &env.clone().with(vars::STATIC_DEPS, "0"),
        &Flags::default(),
    );
    assert!(!off.for_target(AARCH64).static_deps);
    let on = load(
        &app,
        &env.clone().with(vars::STATIC_DEPS, "yes"),
        &Flags::default(),
    );
    assert!(on.for_target(ARMHF).static_deps);
    // The flag turns it on whatever the rest says.
    let flag = Flags {
        static_deps: true,
        ..Flags::default()
    };
    let cfg = load(&app, &env.clone().with(vars::STATIC_DEPS, "0"), &flag);
    assert!(cfg.for_target(ARMHF).static_deps);
    // A value that is not a switch is an error naming the variable.
    let err = Config::load(
        &app,
        &env.with(vars::STATIC_DEPS, "maybe"),
        &Flags::default(),
        &app.join("no-apt-root"),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the environment variable `CROSSROOT_STATIC_DEPS` is set to `maybe`, which is not a switch"
    );
    assert!(err.hint().unwrap().contains("`1` (on) or `0` (off)"));
}

#[test]
fn static_deps_must_be_a_boolean() {
    const PKG: &str = r#"
[package]
name = "app"
version = "0.1.0"

[package.metadata.crossroot]
static-deps = "yes"
"#;
    let dir = tree(&[("Cargo.toml", PKG)]);
    let err = Config::load(
        dir.path(),
        &home_env(dir.path()),
        &Flags::default(),
        &dir.path().join("no-apt-root"),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("`package.metadata.crossroot.static-deps`"),
        "{err}"
    );
    assert!(
        err.to_string().ends_with("must be `true` or `false`"),
        "{err}"
    );
}

#[test]
fn the_security_root_is_given_found_in_apt_or_derived() {
    let dir = tree(&[
        (
            "apt/etc/apt/sources.list.d/debian.sources",
            "Types: deb\nURIs: http://127.0.0.1:9/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n\n\
             Types: deb\nURIs: http://127.0.0.1:9/sec\nSuites: bookworm-security\nComponents: main\n",
        ),
        (
            "Cargo.toml",
            "[package]\nname = \"p\"\n[package.metadata.crossroot.target.aarch64-unknown-linux-gnu]\nsecurity-mirror = \"http://cfg.invalid/security\"\nupdates = false\n",
        ),
    ]);
    let apt = dir.path().join("apt");
    let env = home_env(dir.path());
    let load_with = |env: &Env, flags: &Flags| Config::load(dir.path(), env, flags, &apt).unwrap();

    // From apt: the host's security entry, named with its file.
    let cfg = load_with(&env, &Flags::default());
    let m = cfg.mirror(Some(ARMHF)).unwrap();
    let sec = m.security.unwrap();
    assert_eq!(sec.url.request_url(), "http://127.0.0.1:9/sec");
    assert!(sec.source.to_string().starts_with("apt sources ("));
    // A target table's key wins over apt; `updates = false` there turns the suites off.
    let m = cfg.mirror(Some(AARCH64)).unwrap();
    assert_eq!(
        m.security.unwrap().url.request_url(),
        "http://cfg.invalid/security"
    );
    assert!(!cfg.for_target(AARCH64).updates);
    assert!(cfg.for_target(ARMHF).updates);

    // `--mirror` ending in /debian: derived, not the host's (another archive).
    let flags = Flags {
        mirror: Some("http://user:pw@other.invalid/debian/".into()),
        ..Flags::default()
    };
    let sec = load_with(&env, &flags)
        .mirror(Some(ARMHF))
        .unwrap()
        .security
        .unwrap();
    assert_eq!(sec.source, SecuritySource::Derived);
    assert_eq!(
        sec.url.to_string(),
        "http://***@other.invalid/debian-security"
    );
    assert_eq!(
        sec.url.request_url(),
        "http://user:pw@other.invalid/debian-security"
    );
    // A mirror not ending in /debian: nothing derived.
    let flags = Flags {
        mirror: Some("http://other.invalid/archive".into()),
        ..Flags::default()
    };
    assert_eq!(
        load_with(&env, &flags)
            .mirror(Some(ARMHF))
            .unwrap()
            .security,
        None
    );
    // The environment, then the flag, win.
    let env2 = env
        .clone()
        .with(vars::SECURITY_MIRROR, "http://env.invalid/s");
    let m = load_with(&env2, &flags).mirror(Some(AARCH64)).unwrap();
    assert_eq!(m.security.unwrap().source, SecuritySource::Env);
    let flags = Flags {
        security_mirror: Some("http://flag.invalid/s".into()),
        no_updates: true,
        ..flags
    };
    let cfg = load_with(&env2, &flags);
    assert_eq!(
        cfg.mirror(Some(AARCH64)).unwrap().security.unwrap().source,
        SecuritySource::Flag
    );
    assert!(!cfg.for_target(ARMHF).updates);
    // CROSSROOT_UPDATES=0 turns them off; a bad value is an error naming it.
    let cfg = load_with(&env.clone().with(vars::UPDATES, "0"), &Flags::default());
    assert!(!cfg.updates(Some(ARMHF)));
    let err = Config::load(
        dir.path(),
        &env.clone().with(vars::UPDATES, "maybe"),
        &Flags::default(),
        &apt,
    )
    .unwrap_err();
    assert!(err.to_string().contains("CROSSROOT_UPDATES"), "{err}");
}
