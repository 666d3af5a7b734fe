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

/// The step `h` (ms) in whole microseconds, if it is one to the last bit
/// (`h` is the double nearest to that many thousandths of a ms) and at most
/// 100 ms. Then the time of every stamp below 2^32 has three decimals, and
/// [`write_line_us`] writes the same text as [`write_line`] of
/// `stamp as f64 * h`: two roundings (of `h` and of the product) put it
/// off the exact multiple of 1 us by about `stamp * h * 2^-52` at most,
/// below 2^-13 ms, a quarter of the half thousandth at which `{:.3}` would
/// round to another value.
fn whole_microseconds(h: f64) -> Option<u64> {
    let us = (h * 1000.0).round();
    ((1.0..=100_000.0).contains(&us) && us / 1000.0 == h).then_some(us as u64)
}

/// [`write_line`] of a time given in whole microseconds, with integer
/// arithmetic instead of the exact formatting of a double. The spikes are
/// written by the one thread that gathers them, while the others wait:
/// at N = 1250 this took the gather phase from 0.030 s to 0.007 s per
/// simulated 10 s (docs/performance.md, 2026-12-03, evening). Hand-made
/// because it is that much faster: 31-34 ns a line, against 98-108 ns
/// for `writeln!` of the same integers and 427-443 ns for the double
/// (5e6 lines into memory, second machine, 2026-12-03, 20:49 UTC).
fn write_line_us(w: &mut dyn Write, i: u32, us: u64) -> std::io::Result<()> {
    // id (10 digits at most), tab, ms (12), point, 3 decimals, newline
    let mut buf = [0u8; 32];
    let mut pos = buf.len();
    let mut put = |byte: u8| {
        pos -= 1;
        buf[pos] = byte;
    };
    let digits = |mut v: u64, put: &mut dyn FnMut(u8)| loop {
        put(b'0' + (v % 10) as u8);
        v /= 10;
        if v == 0 {
            break;
        }
    };
    put(b'\n');
    let frac = us % 1000;
    for d in [frac % 10, frac / 10 % 10, frac / 100] {
        put(b'0' + d as u8);
    }
    put(b'.');
    digits(us / 1000, &mut put);
    put(b'\t');
    digits(i as u64 + 1, &mut put);
    w.write_all(&buf[pos..])
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
    /// `h` in whole microseconds, if it is one ([`whole_microseconds`]).
    h_us: Option<u64>,
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
            h_us: whole_microseconds(h),
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
            let line = match self.h_us {
                Some(us) => write_line_us(w, i, stamp as u64 * us),
                None => write_line(w, i, stamp as f64 * self.h),
            };
            if let Err(e) = line {
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
    fn a_stream_with_a_step_of_no_whole_microseconds_formats_the_doubles() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.dat"), dir.path().join("b.dat"));
        let h = 1.0 / 3.0;
        let spikes = [(3u32, 0u32), (7, 7), (1_000_001, 2)];
        write(&a, "v", spikes.iter().map(|&(t, i)| (i, t as f64 * h))).unwrap();
        let mut s = SpikeStream::create(&b, "v", h).unwrap();
        assert_eq!(s.h_us, None);
        s.push(&spikes);
        s.finish().unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    }

    #[test]
    fn only_steps_of_whole_microseconds_are_written_as_integers() {
        assert_eq!(whole_microseconds(0.125), Some(125));
        assert_eq!(whole_microseconds(0.1), Some(100));
        assert_eq!(whole_microseconds(100.0), Some(100_000));
        for h in [
            0.1f64.next_up(),
            1.0 / 3.0,
            0.0001,
            0.0,
            100.001,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(whole_microseconds(h), None, "{h}");
        }
    }

    proptest::proptest! {
        #[test]
        fn integer_lines_are_the_formatted_doubles(us in 1u64..=100_000, stamp: u32, i in 0..u32::MAX) {
            let h = us as f64 / 1000.0;
            proptest::prop_assert_eq!(whole_microseconds(h), Some(us));
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            write_line_us(&mut fast, i, stamp as u64 * us).unwrap();
            write_line(&mut slow, i, stamp as f64 * h).unwrap();
            proptest::prop_assert_eq!(String::from_utf8(fast).unwrap(), String::from_utf8(slow).unwrap());
        }
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
