//! Finding `Cargo.toml` and the workspace root, and reading the `crossroot` metadata sections.
//!
//! File access is limited to [`find_manifest`], [`find_workspace_root`] and [`load_layers`]; the
//! section parser ([`parse_section`]) is pure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::{ConfigError, FileLayer, Layer};

const KEYS: &[&str] = &[
    "debian-packages",
    "debian-release",
    "mirror",
    "security-mirror",
    "updates",
    "targets",
    "static-deps",
    "target",
];
const TARGET_KEYS: &[&str] = &[
    "debian-packages",
    "debian-release",
    "mirror",
    "security-mirror",
    "updates",
    "static-deps",
];

/// The nearest `Cargo.toml` in `start` or one of its ancestors.
pub fn find_manifest(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|p| p.is_file())
}

/// Check a `--manifest-path` value.
pub(crate) fn check_manifest_path(path: &Path) -> Result<PathBuf, ConfigError> {
    if path.file_name().is_none_or(|n| n != "Cargo.toml") {
        return Err(ConfigError::ManifestNotCargoToml {
            path: path.to_path_buf(),
        });
    }
    if !path.is_file() {
        return Err(ConfigError::ManifestNotFound {
            path: path.to_path_buf(),
        });
    }
    Ok(path.to_path_buf())
}

fn read_toml(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = fs_err::read_to_string(path)?;
    text.parse::<toml::Table>().map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim().to_string(),
    })
}

/// The workspace root for the package whose manifest is `manifest`: the manifest's own directory
/// if it has `[workspace]`, the directory named by `package.workspace`, else the nearest
/// ancestor whose `Cargo.toml` has `[workspace]`, else the manifest's directory.
pub fn find_workspace_root(manifest: &Path) -> Result<PathBuf, ConfigError> {
    let table = read_toml(manifest)?;
    Ok(workspace_root_of(manifest, &table)?.0)
}

/// The workspace root, and the workspace manifest's table if it is another file.
fn workspace_root_of(
    manifest: &Path,
    table: &toml::Table,
) -> Result<(PathBuf, Option<(PathBuf, toml::Table)>), ConfigError> {
    let dir = manifest.parent().unwrap_or(Path::new(".")).to_path_buf();
    if table.contains_key("workspace") {
        return Ok((dir, None));
    }
    let explicit = table
        .get("package")
        .and_then(|p| p.get("workspace"))
        .and_then(|w| w.as_str());
    if let Some(rel) = explicit {
        let root = dir.join(rel);
        let root_manifest = root.join("Cargo.toml");
        let root_table = read_toml(&root_manifest)?;
        return Ok((root, Some((root_manifest, root_table))));
    }
    for ancestor in dir.ancestors().skip(1) {
        let candidate = ancestor.join("Cargo.toml");
        if !candidate.is_file() {
            continue;
        }
        let t = read_toml(&candidate)?;
        if t.contains_key("workspace") {
            return Ok((ancestor.to_path_buf(), Some((candidate, t))));
        }
    }
    Ok((dir, None))
}

pub(crate) struct Loaded {
    pub(crate) workspace_root: PathBuf,
    /// Workspace section first, then the package section.
    pub(crate) layers: Vec<FileLayer>,
}

/// Read the manifest (and the workspace manifest, when it is another file) and return the
/// `crossroot` sections, lowest precedence first.
pub(crate) fn load_layers(
    manifest: &Path,
    warnings: &mut Vec<String>,
) -> Result<Loaded, ConfigError> {
    let table = read_toml(manifest)?;
    let (workspace_root, ws) = workspace_root_of(manifest, &table)?;
    let mut layers = Vec::new();
    let (ws_file, ws_table) = match &ws {
        Some((file, t)) => (file.as_path(), t),
        None => (manifest, &table),
    };
    if let Some(section) = metadata(ws_table, "workspace") {
        layers.push(parse_section(
            section,
            ws_file,
            "workspace.metadata.crossroot",
            warnings,
        )?);
    }
    if let Some(section) = metadata(&table, "package") {
        layers.push(parse_section(
            section,
            manifest,
            "package.metadata.crossroot",
            warnings,
        )?);
    }
    Ok(Loaded {
        workspace_root,
        layers,
    })
}

fn metadata<'a>(table: &'a toml::Table, top: &str) -> Option<&'a toml::Value> {
    table.get(top)?.get("metadata")?.get("crossroot")
}

/// Parse one `[<top>.metadata.crossroot]` section (pure). Unknown keys and target tables that are
/// not full triples become warnings; wrongly typed values are errors.
pub(crate) fn parse_section(
    section: &toml::Value,
    file: &Path,
    name: &str,
    warnings: &mut Vec<String>,
) -> Result<FileLayer, ConfigError> {
    let Some(table) = section.as_table() else {
        return Err(ConfigError::InvalidValue {
            path: file.to_path_buf(),
            key: name.to_string(),
            expected: "a table",
        });
    };
    let general = parse_layer(table, file, name, KEYS, warnings)?;
    let mut targets = BTreeMap::new();
    if let Some(value) = table.get("target") {
        let key = format!("{name}.target");
        let Some(t) = value.as_table() else {
            return Err(ConfigError::InvalidValue {
                path: file.to_path_buf(),
                key,
                expected: "a table of per-target tables",
            });
        };
        for (triple, value) in t {
            let key = format!("{name}.target.{triple}");
            let Some(inner) = value.as_table() else {
                return Err(ConfigError::InvalidValue {
                    path: file.to_path_buf(),
                    key,
                    expected: "a table",
                });
            };
            if crossroot_target::by_triple(triple).is_none() {
                warnings.push(not_a_triple(file, name, triple));
                continue;
            }
            targets.insert(
                triple.clone(),
                parse_layer(inner, file, &key, TARGET_KEYS, warnings)?,
            );
        }
    }
    Ok(FileLayer {
        file: file.to_path_buf(),
        general,
        targets,
    })
}

fn parse_layer(
    table: &toml::Table,
    file: &Path,
    name: &str,
    known: &[&str],
    warnings: &mut Vec<String>,
) -> Result<Layer, ConfigError> {
    let invalid = |key: &str, expected| ConfigError::InvalidValue {
        path: file.to_path_buf(),
        key: format!("{name}.{key}"),
        expected,
    };
    let mut layer = Layer::default();
    for (key, value) in table {
        match key.as_str() {
            "debian-packages" => {
                let list = value
                    .as_array()
                    .ok_or_else(|| invalid(key, "a list of package names"))?;
                for item in list {
                    let pkg = item
                        .as_str()
                        .filter(|s| !s.trim().is_empty())
                        .ok_or_else(|| invalid(key, "a list of package names"))?;
                    layer.packages.push(pkg.trim().to_string());
                }
            }
            "debian-release" => {
                let v = value
                    .as_str()
                    .ok_or_else(|| invalid(key, "a release name such as \"bookworm\""))?;
                layer.release = Some(crate::parse_release(
                    v,
                    &format!("`{name}.{key}` in {}", file.display()),
                )?);
            }
            "mirror" => {
                let v = value.as_str().ok_or_else(|| invalid(key, "a URL string"))?;
                layer.mirror = Some(crate::Mirror::parse(
                    v,
                    crate::MirrorSource::Config(file.to_path_buf()),
                )?);
            }
            "security-mirror" => {
                let v = value.as_str().ok_or_else(|| invalid(key, "a URL string"))?;
                layer.security_mirror = Some(crate::Mirror::parse(
                    v,
                    crate::MirrorSource::Config(file.to_path_buf()),
                )?);
            }
            "updates" => {
                layer.updates = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| invalid(key, "`true` or `false`"))?,
                );
            }
            "targets" if known.contains(&"targets") => {
                let expected = "a list of targets such as [\"aarch64-linux\", \"s390x-linux\"]";
                let list = value.as_array().ok_or_else(|| invalid(key, expected))?;
                let mut targets = Vec::new();
                for item in list {
                    let t = item
                        .as_str()
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .ok_or_else(|| invalid(key, expected))?;
                    targets.push(t.to_string());
                }
                layer.targets = Some(targets);
            }
            "static-deps" => {
                layer.static_deps = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| invalid(key, "`true` or `false`"))?,
                );
            }
            "target" if known.contains(&"target") => {} // handled by the caller
            other => warnings.push(unknown_key(file, name, other, known)),
        }
    }
    Ok(layer)
}

fn unknown_key(file: &Path, section: &str, key: &str, known: &[&str]) -> String {
    let normalized = key.replace('_', "-").to_ascii_lowercase();
    let near = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&normalized, k), *k))
        .filter(|(d, _)| *d <= 3)
        .min();
    let mut msg = format!(
        "{}: unknown key `{key}` in [{section}] (ignored)",
        file.display()
    );
    if let Some((_, k)) = near {
        msg.push_str(&format!("; did you mean `{k}`?"));
    } else {
        msg.push_str(&format!(
            "; known keys: {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    msg
}

fn not_a_triple(file: &Path, section: &str, key: &str) -> String {
    let prefix = format!(
        "{}: [{section}.target.{key}] is not a supported target triple (ignored)",
        file.display()
    );
    match crossroot_target::parse(key) {
        Ok(target) => format!(
            "{prefix}; target tables use the full triple: did you mean `{}`?",
            target.triple()
        ),
        Err(crossroot_target::TargetError::Unknown { suggestions, .. })
            if !suggestions.is_empty() =>
        {
            let mut triples: Vec<&str> = Vec::new();
            for s in suggestions {
                if let Ok(t) = crossroot_target::parse(s) {
                    if !triples.contains(&t.triple()) {
                        triples.push(t.triple());
                    }
                }
            }
            format!(
                "{prefix}; did you mean {}?",
                triples
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        }
        Err(e) => format!("{prefix}: {e}"),
    }
}
