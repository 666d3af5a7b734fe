//! `model_instance_parameters.json`: every parameter of a point, base and
//! derived, as a flat JSON object.

use crate::error::Result;
use std::path::Path;

/// Write any serialisable parameter set to `path` atomically as pretty JSON.
pub fn write<T: serde::Serialize>(path: &Path, params: &T) -> Result<()> {
    super::write_json(path, params)
}
