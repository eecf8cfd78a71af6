//! The one reader of cargo's command line: the flags of cargo's that concern crossroot, read
//! once from wherever they appear, while every argument goes on to cargo unchanged.
//!
//! `crossroot test --target arm64 --offline -p foo -- --nocapture`: clap hands everything
//! after the subcommand to cargo, so `--offline`, `--locked`, `--frozen`, `--release`,
//! `--profile`, `--target-dir`, `--manifest-path`, `-p` and `--config` are read here, before
//! any `--` (what follows it belongs to the test binary or the program). Flags that take a
//! value are known, so a value is never mistaken for a flag. Pure: no I/O.
//!
//! Several targets: `--target a,b` and `--target a --target b` both give [`CargoArgs::targets`]
//! `[a, b]`; [`CargoArgs::for_target`] writes the arguments of one cargo run per target.
//! `--keep-going` (cargo's, for build/check/clippy/doc) and `--no-fail-fast` (cargo's, for
//! test/bench) also make crossroot go on to the next target after one fails. Two flags here are
//! crossroot's own and never reach cargo: `--summary-json FILE` and `--static-deps`.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

/// cargo's flags that take a value (long and short forms), so the reader skips their values.
const TAKES_VALUE: &[&str] = &[
    "--target",
    "--target-dir",
    "--manifest-path",
    "--profile",
    "--config",
    "-p",
    "--package",
    "--exclude",
    "-F",
    "--features",
    "-j",
    "--jobs",
    "--bin",
    "--example",
    "--test",
    "--bench",
    "--color",
    "--message-format",
    "--lockfile-path",
    "-Z",
    "--artifact-dir",
    "--out-dir",
    SUMMARY_JSON,
];

/// crossroot's own flag among cargo's: where to write the several-targets summary.
const SUMMARY_JSON: &str = "--summary-json";

/// What crossroot reads from cargo's arguments. `args` is kept as it was given, less
/// crossroot's own `--static-deps`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CargoArgs {
    /// Every argument for cargo, unchanged, in order.
    pub args: Vec<OsString>,
    /// crossroot's `--static-deps`, written after the subcommand.
    pub static_deps: bool,
    /// Each `--target` value, in order, comma-separated lists split (`--target a,b --target c`
    /// → `[a, b, c]`), empty items dropped.
    pub targets: Vec<String>,
    /// `--offline`, `--frozen`, or `--config net.offline=true`.
    pub offline: bool,
    /// `--locked` or `--frozen`.
    pub locked: bool,
    /// The profile: `--profile P` (last wins), else `release` for `--release`.
    pub profile: Option<String>,
    pub target_dir: Option<PathBuf>,
    pub manifest_path: Option<PathBuf>,
    /// `-p`/`--package` values.
    pub packages: Vec<String>,
    /// `--config` values (`KEY=VALUE` or a file), in order.
    pub configs: Vec<String>,
    /// `--keep-going` or `--no-fail-fast`: go on after a failure (to the next target, too).
    pub keep_going: bool,
    /// crossroot's `--summary-json FILE` (last wins); [`CargoArgs::for_target`] drops it.
    pub summary_json: Option<PathBuf>,
}

impl CargoArgs {
    /// Read `args` (everything after crossroot's subcommand).
    pub fn parse<S: AsRef<OsStr>>(args: &[S]) -> CargoArgs {
        let mut out = CargoArgs {
            args: args.iter().map(|a| a.as_ref().to_os_string()).collect(),
            ..CargoArgs::default()
        };
        let mut release = false;
        // Where crossroot's own flags sit in `args`, to take them out.
        let mut own: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let raw = args[i].as_ref();
            i += 1;
            let arg = raw.to_string_lossy();
            if arg == "--" {
                break;
            }
            // `--flag=value`, `--flag value`, `-pfoo`, `-p foo`.
            let (flag, inline): (&str, Option<String>) = if arg.starts_with("--") {
                match arg.split_once('=') {
                    Some((f, v)) => (f, Some(v.to_string())),
                    None => (arg.as_ref(), None),
                }
            } else if let Some((short, rest)) = short_with_value(&arg) {
                (short, Some(rest.to_string()))
            } else {
                (arg.as_ref(), None)
            };
            let own_flag = flag == "--static-deps" && inline.is_none();
            let value = if TAKES_VALUE.contains(&flag) {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        let v = args
                            .get(i)
                            .map(|a| a.as_ref().to_string_lossy().into_owned());
                        i += 1;
                        v
                    }
                }
            } else {
                None
            };
            match (flag, value) {
                ("--static-deps", _) if own_flag => {
                    out.static_deps = true;
                    own.push(i - 1);
                }
                ("--offline", _) => out.offline = true,
                ("--locked", _) => out.locked = true,
                ("--frozen", _) => {
                    out.offline = true;
                    out.locked = true;
                }
                ("--release" | "-r", _) => release = true,
                ("--target", Some(v)) => out.targets.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string),
                ),
                ("--keep-going" | "--no-fail-fast", _) => out.keep_going = true,
                (SUMMARY_JSON, Some(v)) => out.summary_json = Some(PathBuf::from(v)),
                ("--target-dir", Some(v)) => out.target_dir = Some(PathBuf::from(v)),
                ("--manifest-path", Some(v)) => out.manifest_path = Some(PathBuf::from(v)),
                ("--profile", Some(v)) => out.profile = Some(v),
                ("-p" | "--package", Some(v)) => out.packages.push(v),
                ("--config", Some(v)) => {
                    if config_sets_offline(&v) {
                        out.offline = true;
                    }
                    out.configs.push(v);
                }
                _ => {}
            }
        }
        if out.profile.is_none() && release {
            out.profile = Some("release".into());
        }
        for i in own.into_iter().rev() {
            out.args.remove(i);
        }
        out
    }

    /// The profile cargo builds with for `subcommand`: `--profile`/`--release`, else `test`
    /// for test and bench (`bench` for bench), else `dev`.
    pub fn profile_for(&self, subcommand: &str) -> &str {
        match (&self.profile, subcommand) {
            (Some(p), _) => p,
            (None, "bench") => "bench",
            (None, "test") => "test",
            (None, _) => "dev",
        }
    }
}

impl CargoArgs {
    /// The arguments of one cargo run for `triple`: every `--target` (and its value) removed,
    /// one `--target <triple>` where the first was (else first of all), crossroot's own
    /// `--summary-json` removed. Nothing after `--` is touched.
    pub fn for_target(&self, triple: &str) -> Vec<OsString> {
        let (mut out, at) = self.without_targets_at();
        out.splice(at..at, ["--target".into(), triple.into()]);
        out
    }

    /// The arguments with every `--target` and crossroot's own `--summary-json` removed (for a
    /// command that must not get a target, such as `cargo nextest run --archive-file`).
    pub fn without_targets(&self) -> Vec<OsString> {
        self.without_targets_at().0
    }

    /// [`CargoArgs::without_targets`], and where the first `--target` was.
    fn without_targets_at(&self) -> (Vec<OsString>, usize) {
        let mut out: Vec<OsString> = Vec::with_capacity(self.args.len() + 2);
        let mut first = None;
        let mut it = self.args.iter();
        while let Some(arg) = it.next() {
            let text = arg.to_string_lossy();
            if text == "--" {
                out.push(arg.clone());
                out.extend(it.by_ref().cloned());
                break;
            }
            let flag = text.split_once('=').map_or(text.as_ref(), |(f, _)| f);
            let inline = text.starts_with("--") && text.contains('=');
            if flag == "--target" || flag == SUMMARY_JSON {
                if flag == "--target" {
                    first.get_or_insert(out.len());
                }
                if !inline {
                    it.next();
                }
                continue;
            }
            out.push(arg.clone());
            if TAKES_VALUE.contains(&text.as_ref()) {
                if let Some(v) = it.next() {
                    out.push(v.clone());
                }
            }
        }
        let at = first.unwrap_or(0);
        (out, at)
    }
}

/// `-pfoo` → (`-p`, `foo`) for a short flag that takes a value.
fn short_with_value(arg: &str) -> Option<(&str, &str)> {
    let short = arg.get(..2)?;
    let rest = arg.get(2..).filter(|r| !r.is_empty())?;
    (short.starts_with('-') && TAKES_VALUE.contains(&short)).then_some((short, rest))
}

/// `net.offline=true` (cargo's `--config` spelling of `--offline`).
fn config_sets_offline(value: &str) -> bool {
    value
        .split_once('=')
        .is_some_and(|(k, v)| k.trim() == "net.offline" && v.trim().trim_matches('"') == "true")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> CargoArgs {
        CargoArgs::parse(args)
    }

    #[test]
    fn flags_are_read_wherever_they_appear_and_args_pass_unchanged() {
        // (arguments, targets, offline, locked, profile, manifest, target-dir, packages)
        type Case<'a> = (
            &'a [&'a str],
            &'a [&'a str],
            bool,
            bool,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            &'a [&'a str],
        );
        let cases: &[Case<'_>] = &[
            (
                &["--target", "arm64", "--offline"],
                &["arm64"],
                true,
                false,
                None,
                None,
                None,
                &[],
            ),
            (
                &["--offline", "--target=arm64"],
                &["arm64"],
                true,
                false,
                None,
                None,
                None,
                &[],
            ),
            (
                &["--target", "arm64", "--locked"],
                &["arm64"],
                false,
                true,
                None,
                None,
                None,
                &[],
            ),
            (
                &["--frozen", "--target", "x"],
                &["x"],
                true,
                true,
                None,
                None,
                None,
                &[],
            ),
            (
                &["--target", "x", "--", "--offline", "--target", "y"],
                &["x"],
                false,
                false,
                None,
                None,
                None,
                &[],
            ),
            (
                &["--release", "--target", "x"],
                &["x"],
                false,
                false,
                Some("release"),
                None,
                None,
                &[],
            ),
            (
                &["-r", "--target", "x"],
                &["x"],
                false,
                false,
                Some("release"),
                None,
                None,
                &[],
            ),
            (
                &["--profile", "dist", "--release"],
                &[],
                false,
                false,
                Some("dist"),
                None,
                None,
                &[],
            ),
            (
                &["--profile=dist"],
                &[],
                false,
                false,
                Some("dist"),
                None,
                None,
                &[],
            ),
            (
                &["--target", "x", "--manifest-path", "a/Cargo.toml"],
                &["x"],
                false,
                false,
                None,
                Some("a/Cargo.toml"),
                None,
                &[],
            ),
            (
                &["--manifest-path=a/Cargo.toml"],
                &[],
                false,
                false,
                None,
                Some("a/Cargo.toml"),
                None,
                &[],
            ),
            (
                &["--target-dir", "out", "--target", "x"],
                &["x"],
                false,
                false,
                None,
                None,
                Some("out"),
                &[],
            ),
            (
                &["--target-dir=out"],
                &[],
                false,
                false,
                None,
                None,
                Some("out"),
                &[],
            ),
            (
                &["-p", "a", "--package=b", "-pc", "--package", "d"],
                &[],
                false,
                false,
                None,
                None,
                None,
                &["a", "b", "c", "d"],
            ),
            // A value that looks like a flag is a value.
            (
                &["--features", "--offline", "--target", "x"],
                &["x"],
                false,
                false,
                None,
                None,
                None,
                &[],
            ),
            (
                &["-F", "--locked"],
                &[],
                false,
                false,
                None,
                None,
                None,
                &[],
            ),
            // Several targets, in order.
            (
                &["--target", "a", "--target=b"],
                &["a", "b"],
                false,
                false,
                None,
                None,
                None,
                &[],
            ),
            (
                &["--config", "net.offline=true"],
                &[],
                true,
                false,
                None,
                None,
                None,
                &[],
            ),
            (
                &["--config=net.offline = true"],
                &[],
                true,
                false,
                None,
                None,
                None,
                &[],
            ),
            (
                &["--config", "net.offline=false"],
                &[],
                false,
                false,
                None,
                None,
                None,
                &[],
            ),
            // After `--`, nothing is read.
            (
                &["--", "--frozen", "--release"],
                &[],
                false,
                false,
                None,
                None,
                None,
                &[],
            ),
            (&[], &[], false, false, None, None, None, &[]),
        ];
        for (args, targets, offline, locked, profile, manifest, target_dir, packages) in cases {
            let c = parse(args);
            assert_eq!(
                c.args,
                args.iter().map(OsString::from).collect::<Vec<_>>(),
                "{args:?}"
            );
            assert_eq!(c.targets, *targets, "{args:?}");
            assert_eq!(c.offline, *offline, "offline {args:?}");
            assert_eq!(c.locked, *locked, "locked {args:?}");
            assert_eq!(c.profile.as_deref(), *profile, "profile {args:?}");
            assert_eq!(
                c.manifest_path.as_deref(),
                manifest.map(std::path::Path::new),
                "{args:?}"
            );
            assert_eq!(
                c.target_dir.as_deref(),
                target_dir.map(std::path::Path::new),
                "{args:?}"
            );
            assert_eq!(c.packages, *packages, "packages {args:?}");
        }
    }

    #[test]
    fn crossroots_static_deps_is_read_and_taken_out_before_the_double_dash() {
        let os = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        let c = parse(&[
            "--target",
            "arm64",
            "--static-deps",
            "-p",
            "x",
            "--",
            "--static-deps",
        ]);
        assert!(c.static_deps);
        assert_eq!(
            c.args,
            os(&["--target", "arm64", "-p", "x", "--", "--static-deps"]),
            "cargo never sees crossroot's flag; the test binary's arguments stay"
        );
        let c = parse(&["--target", "arm64", "--", "--static-deps"]);
        assert!(!c.static_deps);
        assert_eq!(c.args.len(), 4);
        // A value of a flag is never mistaken for it.
        let c = parse(&["--features", "--static-deps"]);
        assert!(!c.static_deps);
        assert_eq!(c.args.len(), 2);
    }

    #[test]
    fn profiles_follow_cargo() {
        assert_eq!(parse(&[]).profile_for("build"), "dev");
        assert_eq!(parse(&[]).profile_for("test"), "test");
        assert_eq!(parse(&[]).profile_for("bench"), "bench");
        assert_eq!(parse(&["--release"]).profile_for("test"), "release");
        assert_eq!(parse(&["--profile", "dist"]).profile_for("build"), "dist");
    }

    #[test]
    fn several_targets_split_on_commas_and_repeats() {
        for (args, want) in [
            (&["--target", "a,b"][..], &["a", "b"][..]),
            (&["--target=a, b,", "--target", "c"], &["a", "b", "c"]),
            (&["--target", "a", "--target=b,c"], &["a", "b", "c"]),
            (&["--target", ","], &[]),
            (&["--", "--target", "a,b"], &[]),
        ] {
            assert_eq!(parse(args).targets, want, "{args:?}");
        }
    }

    #[test]
    fn keep_going_and_summary_json_are_read() {
        // (arguments, keep going, summary file)
        let cases: &[(&[&str], bool, Option<&str>)] = &[
            (&[], false, None),
            (&["--keep-going"], true, None),
            (&["--no-fail-fast", "--target", "a"], true, None),
            (&["--", "--no-fail-fast"], false, None),
            (&["--summary-json", "s.json"], false, Some("s.json")),
            (
                &["--summary-json=a.json", "--summary-json", "b.json"],
                false,
                Some("b.json"),
            ),
            (&["--features", "--keep-going"], false, None),
        ];
        for (args, keep_going, summary) in cases {
            let c = parse(args);
            assert_eq!(c.keep_going, *keep_going, "{args:?}");
            assert_eq!(
                c.summary_json.as_deref(),
                summary.map(std::path::Path::new),
                "{args:?}"
            );
        }
    }

    #[test]
    fn one_run_per_target_gets_only_its_own_target() {
        let t = "s390x-unknown-linux-gnu";
        // (arguments, for_target(t), without_targets())
        let cases: &[(&[&str], &[&str], &[&str])] = &[
            (&[], &["--target", t], &[]),
            (
                &["--release", "--target", "a,b", "-p", "x"],
                &["--release", "--target", t, "-p", "x"],
                &["--release", "-p", "x"],
            ),
            (
                &["--target", "a", "--release", "--target=b", "--target", "c"],
                &["--target", t, "--release"],
                &["--release"],
            ),
            (
                &["--no-fail-fast", "--summary-json", "s.json", "--target=a,b"],
                &["--no-fail-fast", "--target", t],
                &["--no-fail-fast"],
            ),
            (
                &[
                    "--summary-json=s.json",
                    "--",
                    "--target",
                    "x",
                    "--summary-json",
                    "y",
                ],
                &["--target", t, "--", "--target", "x", "--summary-json", "y"],
                &["--", "--target", "x", "--summary-json", "y"],
            ),
            // A `--target` that is another flag's value stays; nextest's flags pass unchanged.
            (
                &[
                    "--features",
                    "--target",
                    "--partition",
                    "count:1/2",
                    "--target",
                    "a",
                ],
                &[
                    "--features",
                    "--target",
                    "--partition",
                    "count:1/2",
                    "--target",
                    t,
                ],
                &["--features", "--target", "--partition", "count:1/2"],
            ),
            (
                &[
                    "run",
                    "--archive-file",
                    "a.tar.zst",
                    "--workspace-remap",
                    "w",
                    "--target",
                    "a",
                ],
                &[
                    "run",
                    "--archive-file",
                    "a.tar.zst",
                    "--workspace-remap",
                    "w",
                    "--target",
                    t,
                ],
                &[
                    "run",
                    "--archive-file",
                    "a.tar.zst",
                    "--workspace-remap",
                    "w",
                ],
            ),
        ];
        let os = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        for (args, one, none) in cases {
            let c = parse(args);
            assert_eq!(c.for_target(t), os(one), "{args:?}");
            assert_eq!(c.without_targets(), os(none), "{args:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_keeps_every_argument(args in proptest::collection::vec("[-a-z=.é]{0,12}", 0..8)) {
            let c = CargoArgs::parse(&args);
            proptest::prop_assert_eq!(c.args.len(), args.len());
            let one = c.for_target("x");
            proptest::prop_assert_eq!(one.iter().filter(|a| *a == "x").count() >= 1, true);
            proptest::prop_assert!(one.len() <= args.len() + 2);
        }
    }
}
