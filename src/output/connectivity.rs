//! `connectivity_postsim.dat`: E->E synapses among the first 200 E neurons
//! after the simulation, in the layout NEST's example writes with
//! `numpy.savetxt(fmt="%d\t%d\t%.3e\t%.3e")`.

use crate::error::{Error, Result};
use std::io::{BufRead, Write};
use std::path::Path;

/// The header line exactly as NEST's example writes it.
pub const HEADER: &str = "#  source \t target \t weight \tdelay (ms)";

/// One synapse: 1-based source and target ids, weight (pA), delay (ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Synapse {
    /// Source node id (1-based).
    pub source: u32,
    /// Target node id (1-based).
    pub target: u32,
    /// Weight (pA).
    pub weight: f64,
    /// Delay (ms).
    pub delay: f64,
}

/// Format `x` like C's `%.3e` (`3.184e+01`).
pub fn fmt_e3(x: f64) -> String {
    let s = format!("{x:.3e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e),
            };
            format!("{m}e{sign}{digits:0>2}")
        }
        None => s, // inf / NaN
    }
}

/// Write the file; `synapses` are (0-based source, 0-based target, weight, delay).
pub fn write(path: &Path, synapses: &[(u32, u32, f64, f64)]) -> Result<()> {
    super::atomic::write_with(path, |w| write_to(w, synapses))
}

/// Write the file's content to `w`.
pub fn write_to(w: &mut dyn Write, synapses: &[(u32, u32, f64, f64)]) -> std::io::Result<()> {
    writeln!(w, "{HEADER}")?;
    for &(s, t, wt, d) in synapses {
        writeln!(w, "{}\t{}\t{}\t{}", s + 1, t + 1, fmt_e3(wt), fmt_e3(d))?;
    }
    Ok(())
}

/// Read a connectivity file written by `scaling` or NEST's example.
pub fn read(path: &Path) -> Result<Vec<Synapse>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io("cannot read", path, e))?;
    read_from(std::io::BufReader::new(f), path)
}

/// Parse connectivity content; `path` names the source in errors.
pub fn read_from(r: impl BufRead, path: &Path) -> Result<Vec<Synapse>> {
    let mut out = Vec::new();
    for (no, line) in r.lines().enumerate() {
        let line = line.map_err(|e| Error::io("cannot read", path, e))?;
        let s = line.trim();
        if s.is_empty() || s.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = s.split_whitespace().collect();
        let bad = |what: &str| {
            Error::parse(
                path,
                Some(no + 1),
                format!("{what} in `{s}`; expected `source target weight delay`"),
            )
        };
        if cols.len() != 4 {
            return Err(bad(&format!("{} columns", cols.len())));
        }
        let id = |c: &str| {
            c.parse::<f64>()
                .ok()
                .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v <= u32::MAX as f64)
        };
        let num = |c: &str| c.parse::<f64>().ok().filter(|v| v.is_finite());
        out.push(Synapse {
            source: id(cols[0]).ok_or_else(|| bad("bad source id"))? as u32,
            target: id(cols[1]).ok_or_else(|| bad("bad target id"))? as u32,
            weight: num(cols[2]).ok_or_else(|| bad("bad weight"))?,
            delay: num(cols[3]).ok_or_else(|| bad("bad delay"))?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_like_exponent() {
        assert_eq!(fmt_e3(31.84), "3.184e+01");
        assert_eq!(fmt_e3(0.0), "0.000e+00");
        assert_eq!(fmt_e3(0.05741), "5.741e-02");
        assert_eq!(fmt_e3(1.5), "1.500e+00");
        assert_eq!(fmt_e3(12345.0), "1.234e+04"); // exact tie 1.2345 is not exact in binary; C agrees
    }

    #[test]
    fn roundtrip() {
        let mut buf = Vec::new();
        write_to(&mut buf, &[(0, 11, 0.0, 1.5), (2, 8, 31.84, 1.5)]).unwrap();
        let t = String::from_utf8(buf.clone()).unwrap();
        assert!(t.starts_with("#  source \t target \t weight \tdelay (ms)\n1\t12\t0.000e+00\t1.500e+00\n"));
        let s = read_from(&buf[..], Path::new("c")).unwrap();
        assert_eq!(
            s[1],
            Synapse {
                source: 3,
                target: 9,
                weight: 31.84,
                delay: 1.5
            }
        );
    }
}
