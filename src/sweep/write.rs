//! Writing a finished point: its spike file, connectivity, parameters and
//! `data.json` (last, so that its presence marks a complete point).

use crate::error::Result;
use crate::models::ModelKind;
use crate::output::{self, spikes::SpikeStream};
use crate::params::{Derived, Params};
use crate::simulate::PointResult;
use serde::Serialize;
use std::path::Path;

/// Everything a point's `model_instance_parameters.json` holds.
#[derive(Serialize)]
struct ParamFile<'a> {
    model: &'a str,
    #[serde(flatten)]
    params: &'a Params,
    #[serde(flatten)]
    derived: &'a Derived,
}

/// Write a finished point's files into `dir`, each atomically, `data.json`
/// last: the spike file streamed during the simulation (if any) is moved
/// into place first.
pub fn write_point(
    dir: &Path,
    model: ModelKind,
    p: &Params,
    res: &PointResult,
    spikes: Option<SpikeStream>,
) -> Result<()> {
    let d = p.derive()?;
    if let Some(s) = spikes {
        s.finish()?;
    }
    let conn: Vec<(u32, u32, f64, f64)> = res.subset.iter().map(|&(s, t, w)| (s, t, w, p.delay)).collect();
    output::connectivity::write(&dir.join(output::CONNECTIVITY_DAT), &conn)?;
    output::parameters::write(
        &dir.join(output::PARAMETERS_JSON),
        &ParamFile {
            model: model.name(),
            params: p,
            derived: &d,
        },
    )?;
    res.record.save(&dir.join(output::DATA_JSON))
}
