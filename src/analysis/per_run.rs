//! Per-run figures, as the original's companion scripts draw them: a spike
//! raster of a subset of neurons with the population rate below
//! (`raster.png`), and the distribution of the E->E weights after the
//! simulation (`weights.png`). 1200 x 900 px, i.e. 4 x 3 inch at 300 dpi.

use super::load::StoredPoint;
use super::plot::{
    draw_frame, font, left_margin, log_ticks, render, text, text_size, Axis, AxisStyle, DrawResult, Figure, Format,
    Rect,
};
use crate::error::{Error, Result};
use crate::output::spikes::Spike;
use crate::output::{connectivity, spikes, CONNECTIVITY_DAT, PARAMETERS_JSON, SPIKES_DAT};
use crate::params::Params;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Width of a per-run figure (px).
pub const WIDTH: u32 = 1200;
/// Height of a per-run figure (px).
pub const HEIGHT: u32 = 900;
/// Neurons of each population shown in the raster.
pub const RASTER_NEURONS: u32 = 100;
/// Length of the raster's time window (ms): the last second of the run.
pub const WINDOW_MS: f64 = 1000.0;
/// Bin width of the population rate (ms).
pub const RATE_BIN_MS: f64 = 5.0;

/// The initial E->E weight I_E (pA) of the default parameters
/// ([`Params::default`], derived): the fallback when
/// `model_instance_parameters.json` lacks `I_E`.
pub fn default_i_e() -> Result<f64> {
    Ok(Params::default().derive()?.I_E)
}

/// The size of the excitatory population N_E of a network of `n` neurons
/// with the default fraction beta ([`Params::default`]), int(beta N) as in
/// [`crate::params::Derived::N_E`]: the fallback when
/// `model_instance_parameters.json` lacks `N_E`.
pub fn default_n_e(n: usize) -> usize {
    (Params::default().beta * n as f64) as usize
}

/// What the per-run figures need from a point's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct RunParams {
    /// Network size N.
    pub n: usize,
    /// Size of the excitatory population N_E (the first N_E node ids).
    pub n_e: usize,
    /// Simulated time T (ms), if known.
    pub t_ms: Option<f64>,
    /// Initial E->E weight (pA).
    pub i_e: f64,
}

/// The first number under `key` in `v`: at the top level, else in nested
/// objects (breadth first).
pub fn find_number(v: &Value, key: &str) -> Option<f64> {
    let mut level: Vec<&Value> = vec![v];
    for _depth in 0..8 {
        let mut next = Vec::new();
        for v in &level {
            if let Value::Object(m) = v {
                if let Some(x) = m.get(key).and_then(Value::as_f64) {
                    if x.is_finite() {
                        return Some(x);
                    }
                }
                next.extend(m.values().filter(|c| c.is_object()));
            }
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    None
}

/// Read the parameters of `point` from `model_instance_parameters.json`
/// (leniently: `N_E`, `T`, `I_E` at the top level or in a nested object),
/// falling back to [`default_n_e`], T from `data.json` and [`default_i_e`].
pub fn run_params(point: &StoredPoint) -> Result<RunParams> {
    let n = point.n;
    let path = point.dir.join(PARAMETERS_JSON);
    let v: Option<Value> = match std::fs::read_to_string(&path) {
        Ok(text) => Some(
            serde_json::from_str(&text)
                .map_err(|e| Error::parse(&path, Some(e.line()), format!("not valid JSON: {e}")))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("cannot read", &path, e)),
    };
    let get = |k: &str| v.as_ref().and_then(|v| find_number(v, k));
    let n_e = get("N_E")
        .filter(|&x| x >= 0.0 && x <= n as f64)
        .map(|x| x as usize)
        .unwrap_or_else(|| default_n_e(n));
    let t_ms = get("T").or(point.record.t).filter(|t| *t > 0.0);
    let i_e = match get("I_E") {
        Some(i_e) => i_e,
        None => default_i_e()?,
    };
    Ok(RunParams { n, n_e, t_ms, i_e })
}

/// The data of a raster figure.
#[derive(Debug, Clone, PartialEq)]
pub struct RasterData {
    /// Start of the window (ms).
    pub t0: f64,
    /// End of the window (ms).
    pub t1: f64,
    /// E neurons shown (rows 0 .. n_e_shown).
    pub n_e_shown: u32,
    /// I neurons shown (rows n_e_shown .. n_e_shown + n_i_shown).
    pub n_i_shown: u32,
    /// Spikes of the shown neurons as (time (ms), row).
    pub dots: Vec<(f64, u32)>,
    /// Population rate of all N neurons per bin of [`RATE_BIN_MS`] (1/s).
    pub rate: Vec<f64>,
}

/// Select the raster's spikes (first 100 E and first 100 I neurons, last
/// second of the run) and bin the population rate. T is `p.t_ms` or, if
/// unknown, the last spike time rounded up to a multiple of 100 ms.
pub fn raster_data(spikes: &[Spike], p: &RunParams) -> RasterData {
    // T unknown: the last spike time rounded up to a multiple of 100 ms
    let t_end = p.t_ms.unwrap_or_else(|| {
        let last = spikes.iter().map(|s| s.time_ms).fold(0.0, f64::max);
        (last / 100.0).ceil() * 100.0
    });
    let t1 = if t_end > 0.0 { t_end } else { WINDOW_MS };
    let t0 = (t1 - WINDOW_MS).max(0.0);
    let n_e = p.n_e as u64;
    let n_i = p.n.saturating_sub(p.n_e) as u64;
    let n_e_shown = n_e.min(RASTER_NEURONS as u64) as u32;
    let n_i_shown = n_i.min(RASTER_NEURONS as u64) as u32;
    let n_bins = ((t1 - t0) / RATE_BIN_MS).ceil().max(1.0) as usize;
    let mut counts = vec![0u64; n_bins];
    let mut dots = Vec::new();
    for s in spikes {
        // spikes at exactly t0 belong to the previous window, like NEST's (t0, t1]
        if !(s.time_ms > t0 && s.time_ms <= t1) {
            continue;
        }
        let b = (((s.time_ms - t0) / RATE_BIN_MS).ceil() as usize).saturating_sub(1);
        counts[b.min(n_bins - 1)] += 1;
        let id = s.sender as u64; // 1-based
        if id >= 1 && id <= n_e_shown as u64 {
            dots.push((s.time_ms, (id - 1) as u32));
        } else if id > n_e && id <= n_e + n_i_shown as u64 {
            dots.push((s.time_ms, n_e_shown + (id - n_e - 1) as u32));
        }
    }
    let norm = (p.n.max(1) as f64) * RATE_BIN_MS / 1000.0;
    RasterData {
        t0,
        t1,
        n_e_shown,
        n_i_shown,
        dots,
        rate: counts.iter().map(|&c| c as f64 / norm).collect(),
    }
}

/// A weight histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightHist {
    /// Lower edge of the first bin (pA).
    pub lo: f64,
    /// Bin width (pA).
    pub bin: f64,
    /// Fraction of all weights in each bin.
    pub freq: Vec<f64>,
    /// Number of weights.
    pub n: usize,
    /// Weights above the last bin (not shown).
    pub beyond: usize,
    /// Weights exactly 0.
    pub zeros: usize,
}

/// Histogram of `weights` in 0.5 pA bins from 0 to 150 pA like the original,
/// widened (with at most 300 bins) to the 99.9th percentile when weights
/// grow larger.
pub fn weight_hist(weights: &[f64]) -> WeightHist {
    let mut w: Vec<f64> = weights.iter().copied().filter(|x| x.is_finite()).collect();
    w.sort_by(f64::total_cmp);
    let n = w.len();
    let lo = w.first().copied().unwrap_or(0.0).min(0.0);
    let q = if n == 0 {
        0.0
    } else {
        w[((n - 1) as f64 * 0.999).round() as usize]
    };
    let hi = if q <= 150.0 {
        150.0
    } else {
        // round up to a nice value
        let step = 10f64.powf(q.log10().floor()) / 2.0;
        (q / step).ceil() * step
    };
    let mut bin = 0.5;
    if (hi - lo) / bin > 300.0 {
        bin = (hi - lo) / 300.0;
    }
    let n_bins = ((hi - lo) / bin).round().max(1.0) as usize;
    let mut counts = vec![0usize; n_bins];
    let mut beyond = 0;
    for &x in &w {
        let b = ((x - lo) / bin).floor();
        if b >= n_bins as f64 {
            if x <= hi {
                counts[n_bins - 1] += 1;
            } else {
                beyond += 1;
            }
        } else {
            counts[b.max(0.0) as usize] += 1;
        }
    }
    let total = n.max(1) as f64;
    WeightHist {
        lo,
        bin,
        freq: counts.iter().map(|&c| c as f64 / total).collect(),
        n,
        beyond,
        zeros: w.iter().filter(|&&x| x == 0.0).count(),
    }
}

/// Title of a point's figures.
fn title_of(point: &StoredPoint) -> String {
    let mut t = format!("{}, N = {}", point.model.name(), point.n);
    if point.resources_dir {
        t.push_str(&format!(", {}", point.resources.name()));
    }
    if let Some(s) = point.seed {
        t.push_str(&format!(", seed {s}"));
    }
    t
}

const AXIS: AxisStyle = AxisStyle {
    tick_font: 31.0,
    label_font: 35.0,
    line: 3,
    tick_len: 12,
};

/// The raster figure of one point.
struct RasterFigure {
    title: String,
    data: RasterData,
}

/// Where the raster figure's panels lie and how their axes map data.
struct RasterLayout {
    /// Time (ms), shared by both panels.
    xa: Axis,
    /// Neuron rows of the raster (ticks `E`, `I` at the populations' centres).
    ya: Axis,
    /// Population rate (1/s).
    ra: Axis,
    /// The raster panel.
    raster: Rect,
    /// The rate panel below it.
    rate: Rect,
    /// x of the y-axis labels (px).
    ylabel_x: i32,
}

impl RasterFigure {
    /// Axes and panels: the raster takes 7/10 of the height, the rate the rest.
    fn layout<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> RasterLayout {
        let d = &self.data;
        let xa = Axis::linear(d.t0, d.t1, 6);
        let rows = (d.n_e_shown + d.n_i_shown).max(1) as f64;
        let mut ya = Axis::linear(0.0, rows, 2);
        ya.ticks = Vec::new();
        if d.n_e_shown > 0 {
            ya.ticks.push((d.n_e_shown as f64 / 2.0, "E".into()));
        }
        if d.n_i_shown > 0 {
            ya.ticks
                .push((d.n_e_shown as f64 + d.n_i_shown as f64 / 2.0, "I".into()));
        }
        let ra = Axis::fit_linear(d.rate.iter().copied().chain([0.0]), 0.06, 4);
        let (left, ylabel_x) = left_margin(root, &[&ya, &ra], &AXIS);
        let (right, top, bottom, gap) = (64, 76, 122, 22);
        let avail = HEIGHT as i32 - top - bottom - gap;
        let h1 = avail * 7 / 10;
        let w = WIDTH as i32 - left - right;
        let raster = Rect {
            x: left,
            y: top,
            w,
            h: h1,
        };
        let rate = Rect {
            x: left,
            y: top + h1 + gap,
            w,
            h: avail - h1,
        };
        RasterLayout {
            xa,
            ya,
            ra,
            raster,
            rate,
            ylabel_x,
        }
    }

    /// The raster panel: a dot per spike (E black, I grey), a line between
    /// the populations, the frame.
    fn draw_raster<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, l: &RasterLayout) -> DrawResult<DB> {
        let d = &self.data;
        let r1 = l.raster;
        let e_color = RGBColor(0, 0, 0);
        let i_color = RGBColor(110, 110, 110);
        for &(t, row) in &d.dots {
            let p = r1.map(&l.xa, &l.ya, t, row as f64 + 0.5);
            let c = if row < d.n_e_shown { e_color } else { i_color };
            root.draw(&Circle::new(p, 3, ShapeStyle::from(&c).filled()))?;
        }
        if d.n_e_shown > 0 && d.n_i_shown > 0 {
            let y = r1.px_y(l.ya.frac(d.n_e_shown as f64));
            root.draw(&PathElement::new(
                vec![(r1.x, y), (r1.x + r1.w, y)],
                ShapeStyle::from(&RGBColor(160, 160, 160)).stroke_width(2),
            ))?;
        }
        let ylabel = format!("neuron ({} E, {} I)", d.n_e_shown, d.n_i_shown);
        draw_frame(root, r1, &l.xa, &l.ya, false, None, &ylabel, l.ylabel_x, &AXIS)
    }

    /// The rate panel: a bar per bin, the frame with the time axis.
    fn draw_rate<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, l: &RasterLayout) -> DrawResult<DB> {
        let d = &self.data;
        let r2 = l.rate;
        let n_bins = d.rate.len().max(1) as f64;
        let bw = (d.t1 - d.t0) / n_bins;
        for (i, &v) in d.rate.iter().enumerate() {
            if v > 0.0 {
                let x0 = d.t0 + i as f64 * bw;
                let a = r2.map(&l.xa, &l.ra, x0, 0.0);
                let b = r2.map(&l.xa, &l.ra, x0 + bw, v);
                root.draw(&Rectangle::new(
                    [(a.0, r2.clamp_y(a.1)), (b.0.max(a.0 + 1), b.1)],
                    ShapeStyle::from(&RGBColor(90, 90, 90)).filled(),
                ))?;
            }
        }
        draw_frame(
            root,
            r2,
            &l.xa,
            &l.ra,
            true,
            Some("time (ms)"),
            "rate (1/s)",
            l.ylabel_x,
            &AXIS,
        )
    }
}

impl Figure for RasterFigure {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let l = self.layout(root);
        let r1 = l.raster;
        text(
            root,
            &self.title,
            (r1.x + r1.w / 2, 22),
            &font(33.0, BLACK, HPos::Center, VPos::Top),
        )?;
        self.draw_raster(root, &l)?;
        self.draw_rate(root, &l)
    }
}

/// The weight-distribution figure of one point.
struct WeightFigure {
    title: String,
    hist: WeightHist,
    i_e: f64,
}

/// Superscript digits for 10^k labels.
fn superscript(k: i32) -> String {
    const D: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::new();
    if k < 0 {
        s.push('⁻');
    }
    for c in k.unsigned_abs().to_string().chars() {
        s.push(D[c.to_digit(10).unwrap_or(0) as usize]);
    }
    s
}

/// The axes of the weight figure.
struct WeightAxes {
    /// Weight (pA), from the first bin to the last (or past the initial weight).
    xa: Axis,
    /// Relative frequency, logarithmic, ticks at decades where there are two.
    ya: Axis,
    /// Upper end of the weights shown (pA).
    hi: f64,
    /// Bottom of the frequency axis, where the bars start.
    floor: f64,
}

impl WeightFigure {
    /// The axes: weights linear, frequencies logarithmic.
    fn axes(&self) -> WeightAxes {
        let hst = &self.hist;
        let hi = hst.lo + hst.bin * hst.freq.len() as f64;
        let hi = hi.max(self.i_e * 1.05);
        // a little room left of the first bin so it is not hidden by the frame
        let mut xa = Axis::linear(hst.lo - 0.01 * (hi - hst.lo), hi, 7);
        xa.ticks.retain(|(v, _)| *v >= hst.lo);
        let nz: Vec<f64> = hst.freq.iter().copied().filter(|&f| f > 0.0).collect();
        let (fmin, fmax) = super::plot::finite_range(nz.iter().copied()).unwrap_or((1e-3, 1.0));
        let floor = fmin / 2.5;
        let top_v = (fmax * 2.5).max(floor * 10.0);
        let mut ya = Axis::logarithmic(floor, top_v, 7);
        // decades as 10^k
        let decades: Vec<(f64, String)> = log_ticks(floor, top_v, 8)
            .into_iter()
            .filter(|(v, _)| (v.log10() - v.log10().round()).abs() < 1e-9)
            .map(|(v, _)| (v, format!("10{}", superscript(v.log10().round() as i32))))
            .collect();
        if decades.len() >= 2 {
            ya.ticks = decades;
        }
        WeightAxes { xa, ya, hi, floor }
    }

    /// The histogram's bars.
    fn draw_bars<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, r: Rect, ax: &WeightAxes) -> DrawResult<DB> {
        let hst = &self.hist;
        let fill = ShapeStyle::from(&RGBColor(110, 110, 110)).filled();
        for (i, &f) in hst.freq.iter().enumerate() {
            if f > 0.0 {
                let x0 = hst.lo + i as f64 * hst.bin;
                let a = r.map(&ax.xa, &ax.ya, x0, ax.floor);
                let b = r.map(&ax.xa, &ax.ya, x0 + hst.bin, f);
                root.draw(&Rectangle::new([(a.0, a.1), (b.0.max(a.0 + 1), b.1)], fill))?;
            }
        }
        Ok(())
    }

    /// The initial weight as a dashed line, labelled, and below the label
    /// the number of synapses, the share at 0 pA and those not shown.
    fn draw_notes<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        r: Rect,
        ax: &WeightAxes,
    ) -> DrawResult<DB> {
        let hst = &self.hist;
        let x = r.px_x(ax.xa.frac(self.i_e));
        root.draw(&DashedPathElement::new(
            vec![(x, r.y), (x, r.y + r.h)],
            14,
            8,
            ShapeStyle::from(&BLACK).stroke_width(3),
        ))?;
        let note_font = font(28.0, BLACK, HPos::Left, VPos::Top);
        let label = format!("initial weight {:.1} pA", self.i_e);
        let (tw, _) = text_size(root, &label, &note_font);
        let lx = if x + 12 + tw < r.x + r.w - 8 {
            x + 12
        } else {
            x - 12 - tw
        };
        text(root, &label, (lx, r.y + 14), &note_font)?;
        let mut info = format!("{} E→E synapses", hst.n);
        if hst.zeros > 0 {
            info.push_str(&format!(
                ", {:.0}% at 0 pA",
                100.0 * hst.zeros as f64 / hst.n.max(1) as f64
            ));
        }
        if hst.beyond > 0 {
            info.push_str(&format!(
                ", {} above {} pA not shown",
                hst.beyond,
                super::plot::short_number(ax.hi)
            ));
        }
        text(root, &info, (lx, r.y + 52), &note_font)
    }
}

impl Figure for WeightFigure {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let ax = self.axes();
        let (left, ylabel_x) = left_margin(root, &[&ax.ya], &AXIS);
        let (right, top, bottom) = (64, 76, 122);
        let r = Rect {
            x: left,
            y: top,
            w: WIDTH as i32 - left - right,
            h: HEIGHT as i32 - top - bottom,
        };
        text(
            root,
            &self.title,
            (r.x + r.w / 2, 22),
            &font(33.0, BLACK, HPos::Center, VPos::Top),
        )?;
        self.draw_bars(root, r, &ax)?;
        self.draw_notes(root, r, &ax)?;
        draw_frame(
            root,
            r,
            &ax.xa,
            &ax.ya,
            true,
            Some("synaptic weight (pA)"),
            "rel. frequency",
            ylabel_x,
            &AXIS,
        )
    }
}

/// Draw the per-run figures of `point` into `out_dir` (raster from
/// `spikes.dat`, weights from `connectivity_postsim.dat`); a figure whose
/// input file is absent is skipped. Returns the files written and notes
/// for the user.
pub fn draw_point(point: &StoredPoint, out_dir: &Path, formats: &[Format]) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let spikes_path = point.dir.join(SPIKES_DAT);
    let conn_path = point.dir.join(CONNECTIVITY_DAT);
    let has_spikes = spikes_path.is_file();
    let has_conn = conn_path.is_file();
    let mut written = Vec::new();
    let mut notes = Vec::new();
    if !has_spikes && !has_conn {
        return Ok((written, notes));
    }
    let params = run_params(point)?;
    if has_spikes {
        let s = spikes::read(&spikes_path)?;
        let data = raster_data(&s, &params);
        let fig = RasterFigure {
            title: format!("{}: rate {:.2}/s", title_of(point), point.record.rate),
            data,
        };
        written.extend(render(&fig, &out_dir.join("raster"), formats)?);
    }
    if has_conn {
        let syn = connectivity::read(&conn_path)?;
        let n_e = params.n_e as u32;
        let w: Vec<f64> = syn
            .iter()
            .filter(|s| n_e == 0 || (s.source <= n_e && s.target <= n_e))
            .map(|s| s.weight)
            .collect();
        if w.is_empty() {
            notes.push(format!(
                "`{}`: no E->E synapses, weight figure skipped",
                conn_path.display()
            ));
        } else {
            let fig = WeightFigure {
                title: format!("{}: E→E weights after simulation", title_of(point)),
                hist: weight_hist(&w),
                i_e: params.i_e,
            };
            written.extend(render(&fig, &out_dir.join("weights"), formats)?);
        }
    }
    Ok((written, notes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ModelKind;
    use crate::output::data_json::RunRecord;

    fn files() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nest-3.10/files")
    }

    fn point(dir: &Path, n: usize) -> StoredPoint {
        StoredPoint {
            model: ModelKind::IgnoreAndFire,
            n,
            seed: None,
            dir: dir.to_path_buf(),
            record: RunRecord::default(),
            resources: crate::analysis::load::Resources {
                processes: 1,
                threads: None,
            },
            resources_dir: false,
            n_per_process: None,
        }
    }

    #[test]
    fn nest_spike_file_loads_and_bins() {
        let s = spikes::read(&files().join("spikes-51-0.dat")).unwrap();
        assert!(!s.is_empty());
        let p = RunParams {
            n: 50,
            n_e: 40,
            t_ms: Some(1000.0),
            i_e: default_i_e().unwrap(),
        };
        let d = raster_data(&s, &p);
        assert_eq!((d.t0, d.t1), (0.0, 1000.0));
        assert_eq!((d.n_e_shown, d.n_i_shown), (40, 10));
        assert_eq!(d.rate.len(), 200);
        let in_window = s.iter().filter(|x| x.time_ms > 0.0 && x.time_ms <= 1000.0).count();
        assert_eq!(d.dots.len(), in_window);
        let total: f64 = d.rate.iter().sum::<f64>() * 50.0 * 0.005;
        assert!((total - in_window as f64).abs() < 1e-6);
        assert!(d.dots.iter().all(|&(_, r)| r < 50));
    }

    #[test]
    fn raster_window_is_last_second() {
        let s: Vec<Spike> = [(1, 10.0), (2, 1500.0), (900, 2999.0), (1001, 2000.0), (1200, 2500.0)]
            .iter()
            .map(|&(sender, time_ms)| Spike { sender, time_ms })
            .collect();
        let p = RunParams {
            n: 1250,
            n_e: 1000,
            t_ms: None,
            i_e: default_i_e().unwrap(),
        };
        let d = raster_data(&s, &p);
        assert_eq!((d.t0, d.t1), (2000.0, 3000.0));
        // sender 900 is E but beyond the first 100; 1200 is I beyond the
        // first 100; 1001 at t0 exactly belongs to the previous window
        assert!(d.dots.is_empty(), "{:?}", d.dots);
        assert_eq!(d.rate.iter().filter(|&&r| r > 0.0).count(), 2);
        assert_eq!(raster_data(&[], &p).t1, 1000.0);
    }

    #[test]
    fn nest_connectivity_loads_and_hist() {
        let c = connectivity::read(&files().join("connectivity_postsim.dat")).unwrap();
        assert!(!c.is_empty());
        let w: Vec<f64> = c.iter().map(|s| s.weight).collect();
        let h = weight_hist(&w);
        assert_eq!(h.n, w.len());
        // its largest weight (424.6 pA) is above 150 pA: range widened to 450 pA
        assert_eq!((h.lo, h.bin, h.freq.len(), h.beyond), (0.0, 1.5, 300, 0));
        let small = weight_hist(&[0.0, 31.8, 40.0]);
        assert_eq!((small.bin, small.freq.len(), small.zeros), (0.5, 300, 1));
        assert!((h.freq.iter().sum::<f64>() + h.beyond as f64 / h.n as f64 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn long_tail_widens_hist() {
        let mut w = vec![0.0; 500];
        w.extend((0..500).map(|i| i as f64 * 20.0));
        let h = weight_hist(&w);
        assert!(h.freq.len() <= 300 && h.bin > 0.5);
        assert!(h.lo + h.bin * h.freq.len() as f64 >= 9980.0 * 0.99);
        let empty = weight_hist(&[]);
        assert_eq!(empty.n, 0);
    }

    #[test]
    fn params_are_found_leniently() {
        let d = tempfile::tempdir().unwrap();
        let p = point(d.path(), 1000);
        assert_eq!(
            run_params(&p).unwrap(),
            RunParams {
                n: 1000,
                n_e: 800,
                t_ms: None,
                i_e: default_i_e().unwrap()
            }
        );
        // the fallbacks are those of the original example: N_E = int(0.8 N), I_E = 31.7773697 pA
        assert_eq!(default_n_e(1250), 1000);
        assert!((default_i_e().unwrap() - 31.7773697).abs() < 1e-6);
        std::fs::write(
            d.path().join(PARAMETERS_JSON),
            r#"{"T": 2000.0, "base": {"I_E": 30.0}, "derived": {"N_E": 750}}"#,
        )
        .unwrap();
        let r = run_params(&p).unwrap();
        assert_eq!((r.n_e, r.t_ms, r.i_e), (750, Some(2000.0), 30.0));
        std::fs::write(d.path().join(PARAMETERS_JSON), "{\n\"T\": ").unwrap();
        let e = run_params(&p).unwrap_err().to_string();
        assert!(e.contains(PARAMETERS_JSON) && e.contains("line 2"), "{e}");
    }

    #[test]
    fn draws_both_figures_and_skips_absent_inputs() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("figs");
        let p = point(d.path(), 50);
        // nothing there: nothing drawn, no error
        assert!(draw_point(&p, &out, &[Format::Png]).unwrap().0.is_empty());
        std::fs::copy(files().join("spikes-51-0.dat"), d.path().join(SPIKES_DAT)).unwrap();
        let (w, _) = draw_point(&p, &out, &[Format::Png, Format::Svg]).unwrap();
        assert_eq!(w.len(), 2);
        std::fs::copy(
            files().join("connectivity_postsim.dat"),
            d.path().join(CONNECTIVITY_DAT),
        )
        .unwrap();
        let (w, _) = draw_point(&p, &out, &[Format::Png]).unwrap();
        assert_eq!(w, vec![out.join("raster.png"), out.join("weights.png")]);
    }

    #[test]
    fn superscripts() {
        assert_eq!(superscript(-3), "⁻³");
        assert_eq!(superscript(10), "¹⁰");
    }
}
