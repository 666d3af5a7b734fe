//! placeholder
use crate::config::Plan;
use crate::error::Result;
/// Run the sweep.
pub fn run(_plan: &Plan) -> Result<()> {
    Ok(())
}
