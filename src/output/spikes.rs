//! `spikes.dat`: every spike in the layout of NEST's ASCII spike recorder
//! (`RecordingBackendASCII` version 2): two comment lines, a header line
//! `sender<TAB>time_ms`, then one `sender<TAB>time` line per spike, senders
//! numbered from 1 like NEST node ids, times in ms with 3 decimals.

use crate::error::{Error, Result};
use std::io::{BufRead, Write};
use std::path::Path;

/// One spike as stored in a file: 1-based sender id and time stamp (ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    /// Sender node id, 1-based (neuron index + 1).
    pub sender: u32,
    /// Spike time stamp (ms).
    pub time_ms: f64,
}

/// Write the spike file. `spikes` yields (0-based neuron index, time in ms)
/// in time order; `version` is written into the first comment line.
pub fn write(path: &Path, version: &str, spikes: impl Iterator<Item = (u32, f64)>) -> Result<()> {
    super::atomic::write_with(path, |w| write_to(w, version, spikes))
}

/// Write the spike file's content to `w`.
pub fn write_to(w: &mut dyn Write, version: &str, spikes: impl Iterator<Item = (u32, f64)>) -> std::io::Result<()> {
    write_header(w, version)?;
    for (i, t) in spikes {
        write_line(w, i, t)?;
    }
    Ok(())
}

fn write_header(w: &mut dyn Write, version: &str) -> std::io::Result<()> {
    writeln!(w, "# scaling {version}")?;
    writeln!(w, "# RecordingBackendASCII version: 2")?;
    writeln!(w, "sender\ttime_ms")
}

fn write_line(w: &mut dyn Write, i: u32, t_ms: f64) -> std::io::Result<()> {
    writeln!(w, "{}\t{:.3}", i + 1, t_ms)
}

/// A spike file written while the simulation runs, so that the spike record
/// needs no memory: spikes go to a temporary file beside the target, which
/// [`SpikeStream::finish`] moves into place (atomically, like every output);
/// dropped unfinished, the temporary file is removed.
pub struct SpikeStream {
    path: std::path::PathBuf,
    tmp: std::path::PathBuf,
    w: Option<std::io::BufWriter<std::fs::File>>,
    h: f64,
    error: Option<std::io::Error>,
}

impl SpikeStream {
    /// Start `path` with the header naming `version`; spike stamps are in
    /// steps of `h` ms.
    pub fn create(path: &Path, version: &str, h: f64) -> Result<Self> {
        let tmp = super::atomic::temp_path(path)?;
        let w = std::fs::File::create(&tmp)
            .map(|f| std::io::BufWriter::with_capacity(1 << 20, f))
            .map_err(|e| Error::io("cannot write", path, e))?;
        // from here on, dropping the stream removes the temporary file
        let mut s = SpikeStream {
            path: path.to_path_buf(),
            tmp,
            w: Some(w),
            h,
            error: None,
        };
        let w = s.w.as_mut().expect("just set");
        write_header(w, version).map_err(|e| Error::io("cannot write", path, e))?;
        Ok(s)
    }

    /// Append spikes given as (step stamp, 0-based neuron), in time order.
    /// The first error is kept for [`SpikeStream::finish`]; later spikes are
    /// dropped.
    pub fn push(&mut self, spikes: &[(u32, u32)]) {
        let (Some(w), None) = (self.w.as_mut(), self.error.as_ref()) else {
            return;
        };
        for &(stamp, i) in spikes {
            if let Err(e) = write_line(w, i, stamp as f64 * self.h) {
                self.error = Some(e);
                return;
            }
        }
    }

    /// Flush, sync and move the file into place; errors name the file.
    pub fn finish(mut self) -> Result<()> {
        let w = self.w.take().expect("a stream is finished once");
        let result = match self.error.take() {
            Some(e) => Err(e),
            None => w.into_inner().map_err(|e| e.into_error()).and_then(|f| f.sync_all()),
        };
        if let Err(e) = result {
            let _ = std::fs::remove_file(&self.tmp);
            return Err(Error::io("cannot write", &self.path, e));
        }
        std::fs::rename(&self.tmp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&self.tmp);
            Error::io("cannot move into place", &self.path, e)
        })
    }
}

impl Drop for SpikeStream {
    fn drop(&mut self) {
        if self.w.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Read a spike file written by `scaling` or by NEST's ASCII recorder.
pub fn read(path: &Path) -> Result<Vec<Spike>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io("cannot read", path, e))?;
    read_from(std::io::BufReader::new(f), path)
}

/// Parse spike-file content; `path` names the source in errors.
pub fn read_from(r: impl BufRead, path: &Path) -> Result<Vec<Spike>> {
    let mut out = Vec::new();
    let mut seen_header = false;
    for (no, line) in r.lines().enumerate() {
        let line = line.map_err(|e| Error::io("cannot read", path, e))?;
        let line_no = no + 1;
        let s = line.trim();
        if s.is_empty() || s.starts_with('#') {
            continue;
        }
        if !seen_header {
            let cols: Vec<&str> = s.split_whitespace().collect();
            if cols.first() == Some(&"sender") {
                seen_header = true;
                continue;
            }
            return Err(Error::parse(
                path,
                Some(line_no),
                "expected the header `sender\ttime_ms`; not a spike file",
            ));
        }
        let mut it = s.split_whitespace();
        let (a, b) = match (it.next(), it.next(), it.next()) {
            (Some(a), Some(b), None) => (a, b),
            _ => {
                return Err(Error::parse(
                    path,
                    Some(line_no),
                    format!("expected `sender<TAB>time_ms`, found `{s}`"),
                ))
            }
        };
        let sender = a
            .parse::<u32>()
            .map_err(|_| Error::parse(path, Some(line_no), format!("sender `{a}` is not a node id")))?;
        let time_ms = b
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite())
            .ok_or_else(|| Error::parse(path, Some(line_no), format!("time `{b}` is not a number")))?;
        out.push(Spike { sender, time_ms });
    }
    if !seen_header {
        return Err(Error::parse(
            path,
            None,
            "empty or truncated spike file: no `sender\ttime_ms` header",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_equals_whole_write_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.dat"), dir.path().join("b.dat"));
        let spikes = [(3u32, 0u32), (3, 7), (12, 2)];
        write(&a, "v", spikes.iter().map(|&(t, i)| (i, t as f64 * 0.125))).unwrap();
        let mut s = SpikeStream::create(&b, "v", 0.125).unwrap();
        s.push(&spikes[..1]);
        s.push(&spikes[1..]);
        assert!(!b.exists());
        s.finish().unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        let c = dir.path().join("c.dat");
        drop(SpikeStream::create(&c, "v", 0.125).unwrap());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no temporary file left"
        );
    }

    #[test]
    fn roundtrip() {
        let mut buf = Vec::new();
        write_to(&mut buf, "0.1.0", [(0u32, 1.125), (41, 2.5)].into_iter()).unwrap();
        let text = String::from_utf8(buf.clone()).unwrap();
        assert_eq!(
            text,
            "# scaling 0.1.0\n# RecordingBackendASCII version: 2\nsender\ttime_ms\n1\t1.125\n42\t2.500\n"
        );
        let s = read_from(&buf[..], Path::new("x")).unwrap();
        assert_eq!(
            s,
            vec![
                Spike {
                    sender: 1,
                    time_ms: 1.125
                },
                Spike {
                    sender: 42,
                    time_ms: 2.5
                }
            ]
        );
    }

    #[test]
    fn bad_line_names_line() {
        let t = "sender\ttime_ms\n1\t2.0\nfoo\n";
        let e = read_from(t.as_bytes(), Path::new("s.dat")).unwrap_err().to_string();
        assert!(e.contains("s.dat") && e.contains("line 3"), "{e}");
    }
}
