//! The analysis pass: load a results tree, compute tables, draw figures.

use crate::cli::AnalyseArgs;
use crate::error::Result;

/// Run `scaling analyse` with the given arguments.
pub fn run(_args: &AnalyseArgs) -> Result<()> {
    Ok(())
}
