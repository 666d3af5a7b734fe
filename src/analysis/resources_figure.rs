//! The resources figure: how the simulation time changes with the compute
//! resources, in the style of the scaling figure.
//!
//! - Strong scaling (a fixed network on more cores), if some (model, N) ran
//!   on at least two configurations: simulation time against cores =
//!   processes x threads (log-log, one series per (model, N), with its
//!   ideal line t1 c1 / c), and below it the parallel efficiency
//!   (t1 c1) / (t c) against cores (ideal: 1).
//! - Weak scaling (N growing with the processes), if some (model, neurons
//!   per process, threads) series has at least two process counts:
//!   simulation time against processes, with the ideal flat line at the
//!   time on the fewest processes.
//!
//! Sections without data are left out; the figure is 900 px wide (3 inch
//! at 300 dpi) and as tall as its sections ([`ResourcesFigure::size`]).

use super::figure::{model_color, AXIS};
use super::plot::{
    draw_error_bar, draw_frame, draw_legend_columns, draw_line, draw_marker, font, left_margin, legend_columns_size,
    legend_sample_centre, legend_size, pick_corner, short_number, text, Axis, Corner, Dash, DrawResult, Figure,
    LegendEntry, LegendStyle, Marker, Rect, SeriesStyle,
};
use super::resources::{strong_groups, weak_groups, ResourceTable};
use super::table::Stat;
use crate::models::ModelKind;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Width of the figure (px).
pub const WIDTH: u32 = 900;
/// Height (px) of the strong-scaling section: title, time and efficiency
/// panels, x axis (770).
pub const STRONG_HEIGHT: u32 = (TITLE + TIME_PANEL + GAP + EFF_PANEL + BOTTOM) as u32;
/// Height (px) of the weak-scaling section: title, time panel, x axis (500).
pub const WEAK_HEIGHT: u32 = (TITLE + WEAK_PANEL + BOTTOM) as u32;
/// Space (px) above and below the sections.
const MARGIN: i32 = 12;

/// Section title height, panel heights, gap between the strong panels and
/// the room for the x tick labels and axis label (px).
const TITLE: i32 = 58;
const TIME_PANEL: i32 = 340;
const EFF_PANEL: i32 = 228;
const WEAK_PANEL: i32 = 320;
const GAP: i32 = 22;
const BOTTOM: i32 = 122;
const RIGHT: i32 = 36;

const LEGEND: LegendStyle = LegendStyle {
    font: 27.0,
    sample: 64,
    row: 36,
};

/// Markers of the successive network sizes (or neurons per process).
const MARKERS: [Marker; 4] = [Marker::Circle, Marker::Triangle, Marker::Diamond, Marker::Square];

/// One configuration in a series.
#[derive(Debug, Clone)]
struct Pt {
    /// Cores (strong) or processes (weak).
    x: f64,
    /// Simulation time (s) across seeds.
    time: Stat,
    /// Parallel efficiency (strong) or weak efficiency.
    eff: f64,
    /// On the series' line: the fastest configuration at its x.
    on_line: bool,
}

/// A series: one (model, N) on several cores, or one (model, neurons per
/// process, threads) on several process counts.
#[derive(Debug, Clone)]
struct Series {
    model: ModelKind,
    /// What the marker stands for: `N = 12500` or `12500/process`.
    group: String,
    marker: Marker,
    /// The configurations, by x.
    pts: Vec<Pt>,
    /// The baseline: x and time (s) of the first configuration.
    base: (f64, f64),
}

impl Series {
    fn style(&self, filled: bool) -> SeriesStyle {
        SeriesStyle {
            color: model_color(self.model),
            width: 5,
            dash: Dash::Solid,
            marker: self.marker,
            marker_r: if filled { 9 } else { 8 },
        }
    }

    /// The ideal line's style: thin, dashed, in the model's colour.
    fn ideal_style(&self) -> SeriesStyle {
        SeriesStyle {
            color: model_color(self.model),
            width: 3,
            dash: Dash::Dashed,
            marker: Marker::None,
            marker_r: 0,
        }
    }

    /// The ideal time (s) at x: t1 x1 / x (strong) or t1 (weak).
    fn ideal(&self, x: f64, strong: bool) -> f64 {
        if strong {
            self.base.1 * self.base.0 / x
        } else {
            self.base.1
        }
    }

    /// The ideal line sampled between the first and the last x (data units).
    fn ideal_line(&self, strong: bool) -> Vec<(f64, f64)> {
        // a straight line on the log-log axes too, but sampled so that
        // clipping at the panel edge stays a straight line; flat if weak
        let n = if strong { 24 } else { 1 };
        let (x0, x1) = (self.pts[0].x, self.pts[self.pts.len() - 1].x);
        (0..=n)
            .map(|k| x0 * (x1 / x0).powf(k as f64 / n as f64))
            .map(|x| (x, self.ideal(x, strong)))
            .collect()
    }

    /// Mark the fastest configuration at each x as on the line.
    fn mark_line(&mut self) {
        for i in 0..self.pts.len() {
            let x = self.pts[i].x;
            let best = self
                .pts
                .iter()
                .enumerate()
                .filter(|(_, p)| p.x == x)
                .min_by(|a, b| a.1.time.mean.total_cmp(&b.1.time.mean))
                .map(|(j, _)| j);
            self.pts[i].on_line = best == Some(i);
        }
    }
}

/// The resources figure of a [`ResourceTable`].
#[derive(Debug, Clone)]
pub struct ResourcesFigure {
    strong: Vec<Series>,
    weak: Vec<Series>,
}

/// Index of `v` in the sorted distinct values of `all`.
fn rank_of<T: Ord + Clone>(all: &[T], v: T) -> usize {
    let mut d = all.to_vec();
    d.sort_unstable();
    d.dedup();
    d.iter().position(|x| *x == v).unwrap_or(0)
}

impl ResourcesFigure {
    /// The figure of `t`; `None` if it has neither a strong- nor a
    /// weak-scaling series.
    pub fn new(t: &ResourceTable) -> Option<ResourcesFigure> {
        let strong = strong_groups(&t.rows);
        let weak = weak_groups(&t.rows);
        let ns: Vec<usize> = strong.iter().map(|g| t.rows[g[0]].n).collect();
        let weak_keys: Vec<(usize, usize)> = weak.iter().map(|g| weak_key_of(t, g)).collect();
        let mixed_threads = weak_keys.iter().any(|k| k.1 != weak_keys[0].1);
        let mk = |g: &Vec<usize>, strong: bool| {
            let r0 = &t.rows[g[0]];
            let (group, rank) = if strong {
                (format!("N = {}", r0.n), rank_of(&ns, r0.n))
            } else {
                let (npp, thr) = weak_key_of(t, g);
                let mut l = format!("{npp}/process");
                if mixed_threads {
                    l.push_str(&format!(", {thr} thread{}", if thr == 1 { "" } else { "s" }));
                }
                (l, rank_of(&weak_keys, (npp, thr)))
            };
            let marker = MARKERS[rank % MARKERS.len()];
            let pts: Vec<Pt> = g
                .iter()
                .map(|&i| {
                    let r = &t.rows[i];
                    let x = if strong {
                        r.cores().unwrap_or(1)
                    } else {
                        r.resources.processes
                    };
                    let eff = if strong { r.efficiency } else { r.weak_efficiency };
                    Pt {
                        x: x as f64,
                        time: r.sim_time,
                        eff: eff.unwrap_or(f64::NAN),
                        on_line: true,
                    }
                })
                .collect();
            let base = (pts[0].x, pts[0].time.mean);
            let mut s = Series {
                model: r0.model,
                group,
                marker,
                pts,
                base,
            };
            s.mark_line();
            s
        };
        let fig = ResourcesFigure {
            strong: strong.iter().map(|g| mk(g, true)).collect(),
            weak: weak.iter().map(|g| mk(g, false)).collect(),
        };
        (!fig.strong.is_empty() || !fig.weak.is_empty()).then_some(fig)
    }

    /// Whether the strong- and weak-scaling sections are drawn.
    pub fn sections(&self) -> (bool, bool) {
        (!self.strong.is_empty(), !self.weak.is_empty())
    }
}

/// The neurons per process and threads per process (1 if unknown) of a
/// weak-scaling group, from its first row.
fn weak_key_of(t: &ResourceTable, g: &[usize]) -> (usize, usize) {
    let r = &t.rows[g[0]];
    let npp = r.n_per_process.unwrap_or(r.n / r.resources.processes.max(1));
    (npp, r.resources.threads.unwrap_or(1))
}

/// A logarithmic axis over integer counts (cores, processes): ticks at the
/// values present if there are at most 7, else at powers of two.
fn count_axis(xs: &[f64]) -> Axis {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite() && *x > 0.0).collect();
    v.sort_by(f64::total_cmp);
    v.dedup();
    let (lo, hi) = match (v.first(), v.last()) {
        (Some(&a), Some(&b)) => (a, b),
        _ => (1.0, 2.0),
    };
    let pad = ((hi / lo).log10() * 0.08).max(0.1);
    let (a, b) = (lo / 10f64.powf(pad), hi * 10f64.powf(pad));
    let ticks: Vec<f64> = if v.len() <= 7 {
        v
    } else {
        (0..31).map(|k| 2f64.powi(k)).filter(|&x| x >= lo && x <= hi).collect()
    };
    Axis {
        lo: a,
        hi: b,
        log: true,
        ticks: ticks.into_iter().map(|x| (x, short_number(x))).collect(),
    }
}

/// Every time (s) of `series` with its SD ends and, with `ideal_strong`,
/// the ideal line's (Some(true): strong, Some(false): weak) values: the
/// data range of a time panel.
fn time_values(series: &[Series], ideal_strong: Option<bool>) -> Vec<f64> {
    let mut v = Vec::new();
    for s in series {
        for p in &s.pts {
            v.push(p.time.mean);
            if let Some(sd) = p.time.sd {
                v.push(p.time.mean + sd);
                v.push(p.time.mean - sd);
            }
            if let Some(strong) = ideal_strong {
                v.push(s.ideal(p.x, strong));
            }
        }
    }
    v
}

impl Figure for ResourcesFigure {
    fn size(&self) -> (u32, u32) {
        let (s, w) = self.sections();
        let h = 2 * MARGIN as u32 + if s { STRONG_HEIGHT } else { 0 } + if w { WEAK_HEIGHT } else { 0 };
        (WIDTH, h)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let axes = self.axes();
        let all: Vec<&Axis> = [&axes.time, &axes.eff, &axes.weak].into_iter().flatten().collect();
        let (left, ylabel_x) = left_margin(root, &all, &AXIS);
        let w = WIDTH as i32 - left - RIGHT;
        let mut y = MARGIN;
        if let (Some(xa), Some(ta), Some(ea)) = (&axes.cores, &axes.time, &axes.eff) {
            section_title(root, "strong scaling: fixed N, more cores", y, left, w)?;
            let r_time = Rect {
                x: left,
                y: y + TITLE,
                w,
                h: TIME_PANEL,
            };
            let r_eff = Rect {
                y: r_time.y + TIME_PANEL + GAP,
                h: EFF_PANEL,
                ..r_time
            };
            self.draw_strong(root, (r_time, r_eff), xa, (ta, ea), ylabel_x)?;
            y += STRONG_HEIGHT as i32;
        }
        if let (Some(xa), Some(ya)) = (&axes.procs, &axes.weak) {
            section_title(root, "weak scaling: fixed N per process", y, left, w)?;
            let r = Rect {
                x: left,
                y: y + TITLE,
                w,
                h: WEAK_PANEL,
            };
            self.draw_weak(root, r, xa, ya, ylabel_x)?;
        }
        Ok(())
    }
}

/// The axes of the figure (`None` for a section left out).
struct Axes {
    cores: Option<Axis>,
    time: Option<Axis>,
    eff: Option<Axis>,
    procs: Option<Axis>,
    weak: Option<Axis>,
}

impl ResourcesFigure {
    fn axes(&self) -> Axes {
        let (s, w) = self.sections();
        let xs = |v: &[Series]| v.iter().flat_map(|s| s.pts.iter().map(|p| p.x)).collect::<Vec<f64>>();
        let eff_max = self
            .strong
            .iter()
            .flat_map(|s| s.pts.iter().map(|p| p.eff))
            .filter(|e| e.is_finite())
            .fold(1.1f64, |a, e| a.max(e * 1.06));
        let weak_max = time_values(&self.weak, Some(false))
            .into_iter()
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        Axes {
            cores: s.then(|| count_axis(&xs(&self.strong))),
            time: s.then(|| Axis::fit_log(time_values(&self.strong, Some(true)), 0.08, 6)),
            eff: s.then(|| Axis::linear(0.0, eff_max, 6)),
            procs: w.then(|| count_axis(&xs(&self.weak))),
            weak: w.then(|| Axis::fit_linear([0.0, weak_max * 1.12], 0.0, 6)),
        }
    }
}

/// The title of a section, centred over the panels, `y` its top (px).
fn section_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &str,
    y: i32,
    left: i32,
    w: i32,
) -> DrawResult<DB> {
    let f = font(33.0, BLACK, HPos::Center, VPos::Center);
    text(root, s, (left + w / 2, y + TITLE / 2 - 4), &f)
}

/// Draw `series` on panel `r`: per series the ideal line (if `ideal`: Some
/// strong/weak), the line through the fastest configuration at each x, SD
/// error bars and markers (hollow off the line). `value` picks the y of a
/// point.
fn draw_series<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    series: &[Series],
    (r, xa, ya): (Rect, &Axis, &Axis),
    ideal: Option<bool>,
    value: fn(&Pt) -> Stat,
) -> DrawResult<DB> {
    if let Some(strong) = ideal {
        for s in series {
            let px: Vec<(i32, i32)> = s
                .ideal_line(strong)
                .into_iter()
                .map(|(x, y)| r.map(xa, ya, x, y))
                .map(|(x, y)| (x, r.clamp_y(y)))
                .collect();
            draw_line(root, &px, &s.ideal_style())?;
        }
    }
    for s in series {
        let finite = |p: &&Pt| value(p).mean.is_finite();
        let line: Vec<(i32, i32)> = s
            .pts
            .iter()
            .filter(|p| p.on_line)
            .filter(finite)
            .map(|p| r.map(xa, ya, p.x, value(p).mean))
            .collect();
        draw_line(root, &line, &s.style(true))?;
        for p in s.pts.iter().filter(finite) {
            let v = value(p);
            let at = r.map(xa, ya, p.x, v.mean);
            if let Some(sd) = v.sd.filter(|sd| *sd > 0.0 && sd.is_finite()) {
                let y0 = r.clamp_y(r.map(xa, ya, p.x, v.mean - sd).1);
                let y1 = r.clamp_y(r.map(xa, ya, p.x, v.mean + sd).1);
                draw_error_bar(root, at.0, y0, y1, &s.style(true))?;
            }
            draw_hollow_or_filled(root, at, &s.style(true), p.on_line)?;
        }
    }
    Ok(())
}

/// Draw a marker, filled or (a white marker inside) hollow.
fn draw_hollow_or_filled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    st: &SeriesStyle,
    filled: bool,
) -> DrawResult<DB> {
    draw_marker(root, at, st)?;
    if !filled && st.marker != Marker::Square {
        let inner = SeriesStyle {
            color: WHITE,
            marker_r: st.marker_r - 4,
            ..*st
        };
        draw_marker(root, at, &inner)?;
    }
    Ok(())
}

/// The data points (x, y) of a time panel: every mean with its SD ends,
/// the lines between the means sampled (`log_y`: straight on a logarithmic
/// y axis; the x axis is logarithmic), and the ideal lines sampled
/// (`ideal`: Some strong/weak).
fn panel_points(series: &[Series], ideal: Option<bool>, log_y: bool) -> Vec<(f64, f64)> {
    let mut v = Vec::new();
    let (to, from) = if log_y {
        (f64::ln as fn(f64) -> f64, f64::exp as fn(f64) -> f64)
    } else {
        (
            std::convert::identity as fn(f64) -> f64,
            std::convert::identity as fn(f64) -> f64,
        )
    };
    for s in series {
        for p in &s.pts {
            v.push((p.x, p.time.mean));
            if let Some(sd) = p.time.sd {
                v.extend([(p.x, p.time.mean + sd), (p.x, p.time.mean - sd)]);
            }
        }
        let line: Vec<&Pt> = s.pts.iter().filter(|p| p.on_line).collect();
        for w in line.windows(2) {
            let (a, b) = (w[0], w[1]);
            for k in 1..16 {
                let f = k as f64 / 16.0;
                let x = a.x * (b.x / a.x).powf(f);
                let y = from(to(a.time.mean) + f * (to(b.time.mean) - to(a.time.mean)));
                v.push((x, y));
            }
        }
        if let Some(strong) = ideal {
            v.extend(s.ideal_line(strong));
        }
    }
    v
}

/// The y axis `ya` raised so that a legend of `size` (px) fits in an upper
/// corner of `r` above the data `pts` (data units) beneath it, and the
/// legend's top-left corner. Of the two upper corners the one needing the
/// least room is taken; if neither fits in 3/4 of the panel, the axis is
/// kept and the corner covering the fewest data points is used.
fn fit_legend(r: Rect, xa: &Axis, ya: &Axis, pts: &[(f64, f64)], size: (i32, i32)) -> (Axis, (i32, i32)) {
    let pad = 12;
    let hf = (size.1 + pad + 14) as f64 / r.h as f64;
    let lg = |v: f64| if ya.log { v.max(ya.lo).log10() } else { v };
    let (lo, hi) = (lg(ya.lo), lg(ya.hi));
    let mut best: Option<(f64, Corner)> = None;
    for c in [Corner::UpperRight, Corner::UpperLeft] {
        let x0 = if c == Corner::UpperRight {
            r.x + r.w - pad - size.0
        } else {
            r.x + pad
        };
        let vmax = pts
            .iter()
            .filter(|(x, y)| y.is_finite() && (x0 - 14..=x0 + size.0 + 14).contains(&r.px_x(xa.frac(*x))))
            .map(|&(_, y)| lg(y))
            .fold(lo, f64::max);
        let need = (lo + (vmax - lo) / (1.0 - hf)).max(hi);
        if best.is_none_or(|(b, _)| need < b - 1e-12) {
            best = Some((need, c));
        }
    }
    let (need, corner) = best.unwrap_or((hi, Corner::UpperRight));
    if hf >= 0.75 {
        let px: Vec<(i32, i32)> = pts.iter().map(|&(x, y)| r.map(xa, ya, x, y)).collect();
        let all = [
            Corner::UpperRight,
            Corner::UpperLeft,
            Corner::LowerRight,
            Corner::LowerLeft,
        ];
        return (ya.clone(), pick_corner(r, size, &px, &all, pad).1);
    }
    let axis = if ya.log {
        Axis::logarithmic(ya.lo, 10f64.powf(need), 6)
    } else {
        Axis::linear(ya.lo, need, 6)
    };
    (axis, pick_corner(r, size, &[], &[corner], pad).1)
}

/// Draw unlabelled minor ticks at 2..9 x 10^k on a logarithmic y axis
/// whose labelled ticks are powers of ten only (nothing otherwise).
fn draw_minor_ticks<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: Rect, ya: &Axis) -> DrawResult<DB> {
    let decades_only = ya
        .ticks
        .iter()
        .all(|(v, _)| (v.log10() - v.log10().round()).abs() < 1e-9);
    if !ya.log || !decades_only {
        return Ok(());
    }
    let line = ShapeStyle::from(&BLACK).stroke_width(2);
    for e in ya.lo.log10().floor() as i32..=ya.hi.log10().ceil() as i32 {
        for m in 2..=9 {
            let f = ya.frac(m as f64 * 10f64.powi(e));
            if (0.0..=1.0).contains(&f) {
                let y = r.px_y(f);
                root.draw(&PathElement::new(
                    vec![(r.x, y), (r.x - AXIS.tick_len / 2 - 1, y)],
                    line,
                ))?;
            }
        }
    }
    Ok(())
}

/// Draw a horizontal reference line at `v` across panel `r` (thin, dashed,
/// dark grey).
fn draw_reference<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: Rect, ya: &Axis, v: f64) -> DrawResult<DB> {
    let y = r.px_y(ya.frac(v));
    let st = SeriesStyle {
        color: RGBColor(90, 90, 90),
        width: 3,
        dash: Dash::Dashed,
        marker: Marker::None,
        marker_r: 0,
    };
    draw_line(root, &[(r.x, y), (r.x + r.w, y)], &st)
}

impl ResourcesFigure {
    /// The strong-scaling section: time and efficiency against cores.
    fn draw_strong<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        (r_time, r_eff): (Rect, Rect),
        xa: &Axis,
        (ta, ea): (&Axis, &Axis),
        ylabel_x: i32,
    ) -> DrawResult<DB> {
        let legend = legend_columns(&self.strong, "ideal: t₁c₁/c");
        let size = legend_columns_size(root, &legend, &LEGEND);
        let (ta, at) = fit_legend(r_time, xa, ta, &panel_points(&self.strong, Some(true), ta.log), size);
        draw_series(root, &self.strong, (r_time, xa, &ta), Some(true), |p| p.time)?;
        draw_frame(
            root,
            r_time,
            xa,
            &ta,
            false,
            None,
            "simulation time (s)",
            ylabel_x,
            &AXIS,
        )?;
        draw_minor_ticks(root, r_time, &ta)?;
        draw_legend_hollow(root, &legend, at)?;
        draw_reference(root, r_eff, ea, 1.0)?;
        let eff = |p: &Pt| Stat { mean: p.eff, sd: None };
        draw_series(root, &self.strong, (r_eff, xa, ea), None, eff)?;
        let xlabel = "cores (processes × threads)";
        draw_frame(
            root,
            r_eff,
            xa,
            ea,
            true,
            Some(xlabel),
            "parallel efficiency",
            ylabel_x,
            &AXIS,
        )
    }

    /// The weak-scaling section: time against processes.
    fn draw_weak<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        r: Rect,
        xa: &Axis,
        ya: &Axis,
        ylabel_x: i32,
    ) -> DrawResult<DB> {
        let legend = legend_columns(&self.weak, "ideal: t₁");
        let size = legend_columns_size(root, &legend, &LEGEND);
        let (ya, at) = fit_legend(r, xa, ya, &panel_points(&self.weak, Some(false), ya.log), size);
        draw_series(root, &self.weak, (r, xa, &ya), Some(false), |p| p.time)?;
        let xlabel = "processes (N = N/process × processes)";
        draw_frame(
            root,
            r,
            xa,
            &ya,
            true,
            Some(xlabel),
            "simulation time (s)",
            ylabel_x,
            &AXIS,
        )?;
        draw_legend_hollow(root, &legend, at)
    }
}

/// The legend in two columns: the models (colour) and the ideal line; the
/// marker groups (N, or neurons per process) and, if any, the hollow
/// markers.
fn legend_columns(series: &[Series], ideal: &str) -> Vec<Vec<LegendEntry>> {
    let line = |color, dash, marker| SeriesStyle {
        color,
        width: if dash == Dash::Dashed { 3 } else { 5 },
        dash,
        marker,
        marker_r: 9,
    };
    let mut models: Vec<ModelKind> = series.iter().map(|s| s.model).collect();
    models.sort();
    models.dedup();
    let mut left: Vec<LegendEntry> = models
        .iter()
        .map(|&m| LegendEntry {
            style: line(model_color(m), Dash::Solid, Marker::None),
            label: m.name().to_string(),
        })
        .collect();
    left.push(LegendEntry {
        style: line(BLACK, Dash::Dashed, Marker::None),
        label: ideal.to_string(),
    });
    let mut groups: Vec<(usize, Marker, &str)> = series
        .iter()
        .map(|s| {
            (
                MARKERS.iter().position(|&m| m == s.marker).unwrap_or(0),
                s.marker,
                s.group.as_str(),
            )
        })
        .collect();
    groups.sort_by_key(|g| g.0);
    groups.dedup();
    let mut right: Vec<LegendEntry> = groups
        .iter()
        .map(|&(_, marker, label)| LegendEntry {
            style: line(BLACK, Dash::None, marker),
            label: label.to_string(),
        })
        .collect();
    if series.iter().any(|s| s.pts.iter().any(|p| !p.on_line)) {
        right.push(LegendEntry {
            style: line(BLACK, Dash::None, Marker::Circle),
            label: HOLLOW_LABEL.to_string(),
        });
    }
    vec![left, right]
}

/// Legend text of the hollow markers.
const HOLLOW_LABEL: &str = "slower split, same cores";

/// Draw the two-column legend at `at`, the marker of the hollow-marker
/// entry hollow.
fn draw_legend_hollow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    columns: &[Vec<LegendEntry>],
    at: (i32, i32),
) -> DrawResult<DB> {
    draw_legend_columns(root, columns, at, &LEGEND)?;
    let mut x = at.0;
    for c in columns {
        if let Some(i) = c.iter().position(|e| e.label == HOLLOW_LABEL) {
            let centre = legend_sample_centre((x, at.1), i, &LEGEND);
            draw_hollow_or_filled(root, centre, &c[i].style, false)?;
        }
        x += legend_size(root, c, &LEGEND).0 - 14;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::plot::{render, Format};
    use crate::analysis::resources::ResourceRow;

    fn row(n: usize, p: usize, t: usize, npp: Option<usize>, sim: f64) -> ResourceRow {
        ResourceRow {
            model: ModelKind::IafPscAlpha,
            n,
            resources: Resources {
                processes: p,
                threads: Some(t),
            },
            n_per_process: npp,
            n_seeds: 1,
            sim_time: Stat::of(&[sim]),
            build_time: Stat::of(&[0.5]),
            speed_up: None,
            efficiency: Some(1.0),
            weak_efficiency: Some(1.0),
        }
    }

    use crate::analysis::load::Resources;

    #[test]
    fn sections_and_sizes() {
        let strong = vec![row(100, 1, 1, None, 4.0), row(100, 2, 1, None, 2.5)];
        let weak = vec![row(100, 1, 1, Some(100), 4.0), row(200, 2, 1, Some(100), 5.0)];
        let d = tempfile::tempdir().unwrap();
        for (rows, sections, h) in [(strong, (true, false), 794), (weak, (false, true), 524)] {
            let f = ResourcesFigure::new(&ResourceTable { rows }).unwrap();
            assert_eq!(f.sections(), sections);
            assert_eq!(f.size(), (900, h));
            let out = render(&f, &d.path().join("r"), &[Format::Png, Format::Svg]).unwrap();
            assert!(out.iter().all(|p| std::fs::metadata(p).unwrap().len() > 1000));
        }
        let single = vec![row(100, 1, 1, None, 4.0), row(200, 1, 1, None, 5.0)];
        assert!(ResourcesFigure::new(&ResourceTable { rows: single }).is_none());
    }

    #[test]
    fn count_axis_ticks_at_the_counts() {
        let a = count_axis(&[1.0, 2.0, 4.0, 2.0]);
        assert!(a.log && a.lo < 1.0 && a.hi > 4.0);
        assert_eq!(
            a.ticks.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(),
            ["1", "2", "4"]
        );
        let many: Vec<f64> = (1..=12).map(|c| c as f64).collect();
        let a = count_axis(&many);
        assert_eq!(a.ticks.iter().map(|t| t.0).collect::<Vec<_>>(), [1.0, 2.0, 4.0, 8.0]);
    }
}
