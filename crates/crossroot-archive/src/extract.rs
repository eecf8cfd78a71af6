//! Placeholder until the `extract` branch lands (owned by the extract helper).
#![allow(missing_docs)]

use std::io::Read;
use std::path::Path;

#[derive(Debug, Default, Clone)]
pub struct ExtractOptions {}

#[derive(Debug, Default)]
pub struct ExtractedDeb {}

#[derive(Debug, thiserror::Error)]
#[error("extraction is not available in this build yet")]
pub struct ExtractError;

pub fn extract_deb(
    _reader: impl Read,
    _root: &Path,
    _opts: &ExtractOptions,
) -> Result<ExtractedDeb, ExtractError> {
    Err(ExtractError)
}

pub fn finalize_tree(_root: &Path, _merged_usr: bool) -> Result<(), ExtractError> {
    Err(ExtractError)
}
