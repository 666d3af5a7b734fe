//! Plotting toolkit shared by the figures: the embedded font, output
//! formats, axes with hand-picked ticks, line styles, legends, and the
//! rendering of a figure to PNG and SVG through the atomic writers.
//!
//! Everything is drawn in pixel coordinates on the root drawing area; an
//! [`Axis`] maps data to a fraction of a panel's extent, a [`Rect`] maps
//! that to pixels. This keeps the layout fully under our control.

use crate::error::{Error, Result};
use crate::output::atomic;
use plotters::coord::Shift;
use plotters::element::{DashedPathElement, DottedPathElement};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The font every figure is drawn with, embedded so that no system font
/// library is needed (DejaVu Sans; license in `assets/DejaVu-LICENSE.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The family name the embedded font is registered under.
pub const FAMILY: &str = "sans-serif";

/// Register the embedded font with plotters (once per process).
pub fn init_font() -> Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok {
        Ok(())
    } else {
        Err(Error::parse(
            Path::new("assets/DejaVuSans.ttf"),
            None,
            "the embedded font could not be loaded",
        ))
    }
}

/// An output image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG bitmap (300 dpi).
    Png,
    /// SVG vector graphics.
    Svg,
}

impl Format {
    /// The file extension.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// Parse the `--format` list (`png,svg`, case-insensitive).
pub fn parse_formats(s: &str) -> Result<Vec<Format>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let f = match part.trim().to_ascii_lowercase().as_str() {
            "png" => Format::Png,
            "svg" => Format::Svg,
            other => {
                return Err(Error::config(
                    "--format",
                    format!("unknown format `{other}` in `{s}`; expected png, svg or png,svg"),
                ))
            }
        };
        if !out.contains(&f) {
            out.push(f);
        }
    }
    Ok(out)
}

/// A figure that can draw itself on any plotters backend.
pub trait Figure {
    /// Size in pixels (width, height).
    fn size(&self) -> (u32, u32);
    /// Draw on `root` (already filled white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Result of drawing on a backend.
pub type DrawResult<DB> = std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io("cannot draw", path, std::io::Error::other(e.to_string()))
}

/// Pixels per metre of 300 dpi (the PNG's pHYs chunk).
const PX_PER_M_300DPI: u32 = 11811;

/// Encode an RGB buffer as PNG tagged 300 dpi.
fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Best);
    enc.set_pixel_dims(Some(png::PixelDimensions {
        xppu: PX_PER_M_300DPI,
        yppu: PX_PER_M_300DPI,
        unit: png::Unit::Meter,
    }));
    let mut w = enc.write_header().map_err(std::io::Error::other)?;
    w.write_image_data(rgb).map_err(std::io::Error::other)?;
    w.finish().map_err(std::io::Error::other)?;
    Ok(out)
}

/// Render `fig` to `base.{png,svg}` for each of `formats`, atomically.
/// Returns the files written.
pub fn render<F: Figure>(fig: &F, base: &Path, formats: &[Format]) -> Result<Vec<PathBuf>> {
    init_font()?;
    let (w, h) = fig.size();
    let mut written = Vec::new();
    for &f in formats {
        let path = base.with_extension(f.ext());
        match f {
            Format::Png => {
                let mut buf = vec![255u8; w as usize * h as usize * 3];
                {
                    let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
                    root.fill(&WHITE).map_err(|e| draw_error(&path, e))?;
                    fig.draw(&root).map_err(|e| draw_error(&path, e))?;
                    root.present().map_err(|e| draw_error(&path, e))?;
                }
                let bytes = encode_png(&buf, (w, h)).map_err(|e| Error::io("cannot encode", &path, e))?;
                atomic::write_bytes(&path, &bytes)?;
            }
            Format::Svg => {
                let mut s = String::new();
                {
                    let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
                    root.fill(&WHITE).map_err(|e| draw_error(&path, e))?;
                    fig.draw(&root).map_err(|e| draw_error(&path, e))?;
                    root.present().map_err(|e| draw_error(&path, e))?;
                }
                atomic::write_bytes(&path, s.as_bytes())?;
            }
        }
        written.push(path);
    }
    Ok(written)
}

// ---------------------------------------------------------------- axes

/// One axis: a data range, linear or logarithmic, with its tick positions
/// and labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Lower end of the range (data units).
    pub lo: f64,
    /// Upper end of the range (data units).
    pub hi: f64,
    /// Logarithmic (base 10) mapping; requires `lo > 0`.
    pub log: bool,
    /// Tick positions and their labels.
    pub ticks: Vec<(f64, String)>,
}

/// Widen a degenerate or non-finite range (lo >= hi) to a usable one.
pub fn pad_degenerate(lo: f64, hi: f64) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi > lo {
        return (lo, hi);
    }
    let c = 0.5 * (lo + hi);
    let d = if c == 0.0 { 1.0 } else { 0.1 * c.abs() };
    (c - d, c + d)
}

/// Finite minimum and maximum of `values`, if any.
pub fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((a, b)) => Some((a.min(v), b.max(v))),
        })
}

/// Decimals needed to print multiples of `step`.
fn decimals_for(step: f64) -> usize {
    let mut d = 0usize;
    let mut s = step;
    while d < 12 && (s - s.round()).abs() > 1e-6 * s.abs().max(1e-300) {
        s *= 10.0;
        d += 1;
    }
    d
}

/// A short label for a tick value (at most 3 significant digits where
/// that suffices, no trailing zeros).
pub fn short_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".into();
    }
    let mag = v.abs().log10().floor() as i32;
    let d = (2 - mag).clamp(0, 12) as usize;
    let s = format!("{v:.d$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// "Nice" linear ticks in [lo, hi]: multiples of 1, 2, 2.5 or 5 times a
/// power of ten, at most `max` of them (at least two unless the range is
/// not finite).
pub fn linear_ticks(lo: f64, hi: f64, max: usize) -> Vec<(f64, String)> {
    let max = max.max(2);
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return vec![(lo, short_number(lo))];
    }
    let raw = span / max as f64;
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0, 20.0] {
        let step = m * mag;
        let k0 = (lo / step - 1e-9).ceil() as i64;
        let k1 = (hi / step + 1e-9).floor() as i64;
        if k1 < k0 {
            continue;
        }
        let count = (k1 - k0 + 1) as usize;
        if count <= max {
            let d = decimals_for(step);
            return (k0..=k1)
                .map(|k| {
                    let v = k as f64 * step;
                    let v = if v == 0.0 { 0.0 } else { v }; // no -0
                    (v, format!("{v:.d$}"))
                })
                .collect();
        }
    }
    vec![(lo, short_number(lo)), (hi, short_number(hi))]
}

/// Logarithmic ticks in [lo, hi] (lo > 0): the densest of the mantissa sets
/// {1}, {1,2,5}, {1,2,3,5}, {1,1.5,2,3,5,7} times powers of ten with at most
/// `max` ticks; plain linear ticks if that gives fewer than three.
pub fn log_ticks(lo: f64, hi: f64, max: usize) -> Vec<(f64, String)> {
    const SETS: [&[f64]; 4] = [
        &[1.0],
        &[1.0, 2.0, 5.0],
        &[1.0, 2.0, 3.0, 5.0],
        &[1.0, 1.5, 2.0, 3.0, 5.0, 7.0],
    ];
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return linear_ticks(lo, hi, max);
    }
    let e0 = lo.log10().floor() as i32;
    let e1 = hi.log10().ceil() as i32;
    let mut best: Vec<f64> = Vec::new();
    for set in SETS {
        let mut t = Vec::new();
        for e in e0..=e1 {
            for &m in set {
                let v = m * 10f64.powi(e);
                if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                    t.push(v);
                }
            }
        }
        if t.len() <= max && t.len() > best.len() {
            best = t;
        }
    }
    if best.len() < 3 {
        return linear_ticks(lo, hi, max);
    }
    best.into_iter().map(|v| (v, short_number(v))).collect()
}

impl Axis {
    /// A linear axis over [lo, hi] (degenerate ranges are widened) with at
    /// most `max_ticks` ticks.
    pub fn linear(lo: f64, hi: f64, max_ticks: usize) -> Axis {
        let (lo, hi) = pad_degenerate(lo, hi);
        Axis {
            lo,
            hi,
            log: false,
            ticks: linear_ticks(lo, hi, max_ticks),
        }
    }

    /// A logarithmic axis over [lo, hi]; falls back to linear unless
    /// 0 < lo < hi.
    pub fn logarithmic(lo: f64, hi: f64, max_ticks: usize) -> Axis {
        if !(lo > 0.0 && hi > lo && hi.is_finite()) {
            return Axis::linear(lo, hi, max_ticks);
        }
        Axis {
            lo,
            hi,
            log: true,
            ticks: log_ticks(lo, hi, max_ticks),
        }
    }

    /// A linear axis fitting `values` with a margin of `pad` (fraction of the
    /// span) on both sides; the lower end stays >= 0 if every value is >= 0.
    pub fn fit_linear(values: impl IntoIterator<Item = f64>, pad: f64, max_ticks: usize) -> Axis {
        let (lo, hi) = finite_range(values).unwrap_or((0.0, 1.0));
        let (a, b) = pad_degenerate(lo, hi);
        let m = pad * (b - a);
        let mut a2 = a - m;
        if lo >= 0.0 && a2 < 0.0 {
            a2 = 0.0;
        }
        Axis::linear(a2, b + m, max_ticks)
    }

    /// A logarithmic axis fitting `values` (margin `pad` as a fraction of the
    /// span in decades), or a linear fit if some value is <= 0.
    pub fn fit_log(values: impl IntoIterator<Item = f64>, pad: f64, max_ticks: usize) -> Axis {
        let v: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        match finite_range(v.iter().copied()) {
            Some((lo, hi)) if lo > 0.0 => {
                let (a, b) = pad_degenerate(lo.log10(), hi.log10());
                let m = pad * (b - a);
                Axis::logarithmic(10f64.powf(a - m), 10f64.powf(b + m), max_ticks)
            }
            _ => Axis::fit_linear(v, pad, max_ticks),
        }
    }

    /// Where `v` lies in the range: 0 at `lo`, 1 at `hi` (may be outside
    /// [0, 1]; values <= 0 on a log axis map far below).
    pub fn frac(&self, v: f64) -> f64 {
        let f = if self.log {
            let v = v.max(self.lo * 1e-6);
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        if f.is_nan() {
            0.0
        } else {
            f.clamp(-10.0, 10.0)
        }
    }
}

/// A pixel rectangle (a panel's plotting area).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge (px).
    pub x: i32,
    /// Top edge (px).
    pub y: i32,
    /// Width (px).
    pub w: i32,
    /// Height (px).
    pub h: i32,
}

impl Rect {
    /// Pixel x of the fraction `f` of the width.
    pub fn px_x(&self, f: f64) -> i32 {
        self.x + (f * self.w as f64).round() as i32
    }

    /// Pixel y of the fraction `f` of the height (0 at the bottom).
    pub fn px_y(&self, f: f64) -> i32 {
        self.y + self.h - (f * self.h as f64).round() as i32
    }

    /// The pixel of data point (x, y) on the axes `xa`, `ya`.
    pub fn map(&self, xa: &Axis, ya: &Axis, x: f64, y: f64) -> (i32, i32) {
        (self.px_x(xa.frac(x)), self.px_y(ya.frac(y)))
    }

    /// Clamp a pixel y into the rectangle.
    pub fn clamp_y(&self, y: i32) -> i32 {
        y.clamp(self.y, self.y + self.h)
    }
}

// ---------------------------------------------------------------- text

/// A text style of the embedded font at `size` px, anchored at `pos`.
pub fn font(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        font: (FAMILY, size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

/// Draw `s` at `at`.
pub fn text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &str,
    at: (i32, i32),
    style: &TextStyle,
) -> DrawResult<DB> {
    root.draw_text(s, style, at)
}

/// Width and height (px) of `s` in `style`.
pub fn text_size<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &str, style: &TextStyle) -> (i32, i32) {
    root.estimate_text_size(s, style)
        .map(|(w, h)| (w as i32, h as i32))
        .unwrap_or((
            s.chars().count() as i32 * style.font.get_size() as i32 / 2,
            style.font.get_size() as i32,
        ))
}

// ---------------------------------------------------------------- frames

/// Sizes (px) of the axis furniture.
#[derive(Debug, Clone, Copy)]
pub struct AxisStyle {
    /// Tick label font size.
    pub tick_font: f64,
    /// Axis label font size.
    pub label_font: f64,
    /// Frame and tick line width.
    pub line: u32,
    /// Tick length (outward).
    pub tick_len: i32,
}

/// Draw the frame of `r`, ticks on the left and bottom, the y tick labels,
/// and (if `x_labels`) the x tick labels. `ylabel` is drawn rotated left
/// of the tick labels at x = `ylabel_x`, shrunk if it is taller than the
/// panel; `xlabel` below the x tick labels.
#[allow(clippy::too_many_arguments)]
pub fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: Rect,
    xa: &Axis,
    ya: &Axis,
    x_labels: bool,
    xlabel: Option<&str>,
    ylabel: &str,
    ylabel_x: i32,
    st: &AxisStyle,
) -> DrawResult<DB> {
    let line = ShapeStyle::from(&BLACK).stroke_width(st.line);
    let hw = st.line as i32 / 2;
    // frame
    root.draw(&PathElement::new(
        vec![
            (r.x, r.y),
            (r.x + r.w, r.y),
            (r.x + r.w, r.y + r.h),
            (r.x, r.y + r.h),
            (r.x, r.y - hw),
        ],
        line,
    ))?;
    let tick_style = font(st.tick_font, BLACK, HPos::Center, VPos::Top);
    for (v, label) in &xa.ticks {
        let f = xa.frac(*v);
        if !(-1e-9..=1.0 + 1e-9).contains(&f) {
            continue;
        }
        let x = r.px_x(f);
        root.draw(&PathElement::new(
            vec![(x, r.y + r.h), (x, r.y + r.h + st.tick_len)],
            line,
        ))?;
        if x_labels {
            text(root, label, (x, r.y + r.h + st.tick_len + 6), &tick_style)?;
        }
    }
    let ytick_style = font(st.tick_font, BLACK, HPos::Right, VPos::Center);
    for (v, label) in &ya.ticks {
        let f = ya.frac(*v);
        if !(-1e-9..=1.0 + 1e-9).contains(&f) {
            continue;
        }
        let y = r.px_y(f);
        root.draw(&PathElement::new(vec![(r.x, y), (r.x - st.tick_len, y)], line))?;
        text(root, label, (r.x - st.tick_len - 6, y), &ytick_style)?;
    }
    if let Some(xl) = xlabel {
        let s = font(st.label_font, BLACK, HPos::Center, VPos::Top);
        let y = r.y + r.h + st.tick_len + 12 + st.tick_font as i32;
        text(root, xl, (r.x + r.w / 2, y), &s)?;
    }
    // y label, rotated, shrunk to fit the panel height
    let mut size = st.label_font;
    let probe = font(size, BLACK, HPos::Left, VPos::Top);
    let (w, _) = text_size(root, ylabel, &probe);
    if w > r.h - 8 && w > 0 {
        size *= (r.h - 8) as f64 / w as f64;
    }
    let s = TextStyle::from((FAMILY, size).into_font().transform(FontTransform::Rotate270))
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    text(root, ylabel, (ylabel_x, r.y + r.h / 2), &s)?;
    Ok(())
}

/// The left margin (px) that fits the y label and the widest tick label of
/// `axes`, and the x of the y label's centre.
pub fn left_margin<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, axes: &[&Axis], st: &AxisStyle) -> (i32, i32) {
    let f = font(st.tick_font, BLACK, HPos::Right, VPos::Center);
    let widest = axes
        .iter()
        .flat_map(|a| a.ticks.iter())
        .map(|(_, l)| text_size(root, l, &f).0)
        .max()
        .unwrap_or(0);
    let ylabel_x = 14 + st.label_font as i32 / 2;
    (14 + st.label_font as i32 + 16 + widest + 6 + st.tick_len, ylabel_x)
}

// ---------------------------------------------------------------- lines

/// How a line is stroked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dash {
    /// Continuous.
    Solid,
    /// Long dashes.
    Dashed,
    /// Round dots.
    Dotted,
    /// No line (markers only).
    None,
}

/// The marker drawn at each data point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// No marker.
    None,
    /// Filled circle.
    Circle,
    /// Open square.
    Square,
    /// Filled triangle, point up.
    Triangle,
    /// Filled diamond.
    Diamond,
}

/// The style of one data series.
#[derive(Debug, Clone, Copy)]
pub struct SeriesStyle {
    /// Line and marker colour.
    pub color: RGBColor,
    /// Line width (px).
    pub width: u32,
    /// Line stroke.
    pub dash: Dash,
    /// Marker shape.
    pub marker: Marker,
    /// Marker radius (px; half the square side).
    pub marker_r: i32,
}

/// Draw a polyline through `pts` (pixels) in `st` (without markers).
pub fn draw_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pts: &[(i32, i32)],
    st: &SeriesStyle,
) -> DrawResult<DB> {
    if pts.len() < 2 {
        return Ok(());
    }
    let shape = ShapeStyle::from(&st.color).stroke_width(st.width);
    let w = st.width as i32;
    match st.dash {
        Dash::None => {}
        Dash::Solid => {
            root.draw(&PathElement::new(pts.to_vec(), shape))?;
            // round joins
            if w > 2 {
                for &p in &pts[1..pts.len() - 1] {
                    root.draw(&Circle::new(p, w / 2, shape.filled()))?;
                }
            }
        }
        Dash::Dashed => {
            root.draw(&DashedPathElement::new(
                pts.iter().copied(),
                3 * w + 3,
                2 * w + 2,
                shape,
            ))?;
        }
        Dash::Dotted => {
            let r = (w / 2).max(1);
            root.draw(&DottedPathElement::new(pts.iter().copied(), 0, 3 * w + 1, move |c| {
                Circle::new(c, r, shape.filled())
            }))?;
        }
    }
    Ok(())
}

/// Draw one marker at `p`.
pub fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: (i32, i32),
    st: &SeriesStyle,
) -> DrawResult<DB> {
    let r = st.marker_r;
    match st.marker {
        Marker::None => Ok(()),
        Marker::Circle => root.draw(&Circle::new(p, r, ShapeStyle::from(&st.color).filled())),
        Marker::Square => {
            // hollow, so a marker of the main tree underneath stays visible
            let lw = (st.width.max(2)) as i32;
            root.draw(&Rectangle::new(
                [(p.0 - r, p.1 - r), (p.0 + r, p.1 + r)],
                ShapeStyle::from(&st.color).stroke_width(lw as u32),
            ))
        }
        Marker::Triangle => {
            // the same area as the circle: side ~ 2.7 r
            let (h, w) = ((1.2 * r as f64).round() as i32, (1.35 * r as f64).round() as i32);
            let pts = vec![(p.0, p.1 - h - 2), (p.0 + w, p.1 + h - 2), (p.0 - w, p.1 + h - 2)];
            root.draw(&Polygon::new(pts, ShapeStyle::from(&st.color).filled()))
        }
        Marker::Diamond => {
            let d = (1.3 * r as f64).round() as i32;
            let pts = vec![(p.0, p.1 - d), (p.0 + d, p.1), (p.0, p.1 + d), (p.0 - d, p.1)];
            root.draw(&Polygon::new(pts, ShapeStyle::from(&st.color).filled()))
        }
    }
}

/// Draw a vertical error bar from `y0` to `y1` at `x` with caps.
pub fn draw_error_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: i32,
    y0: i32,
    y1: i32,
    st: &SeriesStyle,
) -> DrawResult<DB> {
    let shape = ShapeStyle::from(&st.color).stroke_width(3);
    let cap = st.marker_r.max(6);
    root.draw(&PathElement::new(vec![(x, y0), (x, y1)], shape))?;
    root.draw(&PathElement::new(vec![(x - cap, y0), (x + cap, y0)], shape))?;
    root.draw(&PathElement::new(vec![(x - cap, y1), (x + cap, y1)], shape))
}

// ---------------------------------------------------------------- legend

/// A legend entry: a line sample and a label.
#[derive(Debug, Clone)]
pub struct LegendEntry {
    /// Style of the sample.
    pub style: SeriesStyle,
    /// The text.
    pub label: String,
}

/// A corner of a panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    /// Upper left.
    UpperLeft,
    /// Upper right.
    UpperRight,
    /// Lower right.
    LowerRight,
    /// Lower left.
    LowerLeft,
}

/// Pick the corner of `r` where a box of `size` covers the fewest of the
/// `obstacles` (pixels of the data); ties go to the earlier corner of
/// `prefs`.
pub fn pick_corner(
    r: Rect,
    size: (i32, i32),
    obstacles: &[(i32, i32)],
    prefs: &[Corner],
    pad: i32,
) -> (Corner, (i32, i32)) {
    let mut best: Option<(usize, Corner, (i32, i32))> = None;
    for &c in prefs {
        let at = corner_origin(r, size, c, pad);
        let margin = 10;
        let hits = obstacles
            .iter()
            .filter(|&&(x, y)| {
                x >= at.0 - margin && x <= at.0 + size.0 + margin && y >= at.1 - margin && y <= at.1 + size.1 + margin
            })
            .count();
        let better = match best {
            None => true,
            Some((h, _, _)) => hits < h,
        };
        if better {
            best = Some((hits, c, at));
        }
    }
    best.map(|(_, c, at)| (c, at))
        .unwrap_or((Corner::UpperLeft, corner_origin(r, size, Corner::UpperLeft, pad)))
}

fn corner_origin(r: Rect, size: (i32, i32), c: Corner, pad: i32) -> (i32, i32) {
    match c {
        Corner::UpperLeft => (r.x + pad, r.y + pad),
        Corner::UpperRight => (r.x + r.w - pad - size.0, r.y + pad),
        Corner::LowerRight => (r.x + r.w - pad - size.0, r.y + r.h - pad - size.1),
        Corner::LowerLeft => (r.x + pad, r.y + r.h - pad - size.1),
    }
}

/// Layout constants of a legend.
#[derive(Debug, Clone, Copy)]
pub struct LegendStyle {
    /// Font size (px).
    pub font: f64,
    /// Length of the line sample (px).
    pub sample: i32,
    /// Row height (px).
    pub row: i32,
}

/// The size (px) of the legend of `entries`.
pub fn legend_size<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    ls: &LegendStyle,
) -> (i32, i32) {
    let f = font(ls.font, BLACK, HPos::Left, VPos::Center);
    let tw = entries
        .iter()
        .map(|e| text_size(root, &e.label, &f).0)
        .max()
        .unwrap_or(0);
    (14 + ls.sample + 12 + tw + 14, 10 + ls.row * entries.len() as i32 + 6)
}

/// Draw a framed legend of `entries` with its top-left corner at `at`.
pub fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    at: (i32, i32),
    ls: &LegendStyle,
) -> DrawResult<DB> {
    draw_legend_frame(root, at, legend_size(root, entries, ls))?;
    draw_legend_rows(root, entries, at, ls)
}

/// The size (px) of a framed legend of several columns side by side.
pub fn legend_columns_size<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    columns: &[Vec<LegendEntry>],
    ls: &LegendStyle,
) -> (i32, i32) {
    let sizes: Vec<(i32, i32)> = columns.iter().map(|c| legend_size(root, c, ls)).collect();
    let w: i32 = sizes.iter().map(|s| s.0).sum::<i32>() - 14 * (sizes.len() as i32 - 1).max(0);
    (w, sizes.iter().map(|s| s.1).max().unwrap_or(0))
}

/// Draw one framed legend of several columns of entries side by side, its
/// top-left corner at `at`.
pub fn draw_legend_columns<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    columns: &[Vec<LegendEntry>],
    at: (i32, i32),
    ls: &LegendStyle,
) -> DrawResult<DB> {
    draw_legend_frame(root, at, legend_columns_size(root, columns, ls))?;
    let mut x = at.0;
    for c in columns {
        draw_legend_rows(root, c, (x, at.1), ls)?;
        x += legend_size(root, c, ls).0 - 14;
    }
    Ok(())
}

/// The white, grey-framed box of a legend of `size` at `at`.
fn draw_legend_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    (w, h): (i32, i32),
) -> DrawResult<DB> {
    root.draw(&Rectangle::new(
        [at, (at.0 + w, at.1 + h)],
        ShapeStyle::from(&WHITE.mix(0.85)).filled(),
    ))?;
    root.draw(&Rectangle::new(
        [at, (at.0 + w, at.1 + h)],
        ShapeStyle::from(&RGBColor(204, 204, 204)).stroke_width(2),
    ))
}

/// The centre (px) of the sample of entry `i` of a legend at `at`.
pub fn legend_sample_centre(at: (i32, i32), i: usize, ls: &LegendStyle) -> (i32, i32) {
    let y = at.1 + 8 + ls.row * i as i32 + ls.row / 2;
    (at.0 + 14 + ls.sample / 2, y)
}

/// Draw the entries (sample and label) of a legend at `at`, without frame.
fn draw_legend_rows<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    at: (i32, i32),
    ls: &LegendStyle,
) -> DrawResult<DB> {
    let f = font(ls.font, BLACK, HPos::Left, VPos::Center);
    for (i, e) in entries.iter().enumerate() {
        let y = at.1 + 8 + ls.row * i as i32 + ls.row / 2;
        let x0 = at.0 + 14;
        let x1 = x0 + ls.sample;
        let st = e.style;
        if st.dash == Dash::Dashed {
            // three dashes and two gaps fill the sample exactly
            let shape = ShapeStyle::from(&st.color).stroke_width(st.width);
            let l = (x1 - x0) as f64;
            for k in 0..3 {
                let a = x0 + (l * 0.375 * k as f64).round() as i32;
                let b = a + (l * 0.25).round() as i32;
                root.draw(&PathElement::new(vec![(a, y), (b, y)], shape))?;
            }
        } else {
            let line = SeriesStyle {
                marker: Marker::None,
                ..st
            };
            draw_line(root, &[(x0, y), ((x0 + x1) / 2, y), (x1, y)], &line)?;
        }
        draw_marker(root, ((x0 + x1) / 2, y), &e.style)?;
        text(root, &e.label, (x1 + 12, y), &f)?;
    }
    Ok(())
}

/// Sample points along a polyline (pixels) every `step` px, for legend
/// placement.
pub fn sample_polyline(pts: &[(i32, i32)], step: f64, out: &mut Vec<(i32, i32)>) {
    out.extend_from_slice(pts);
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = (((b.0 - a.0) as f64).powi(2) + ((b.1 - a.1) as f64).powi(2)).sqrt();
        let n = (len / step).floor() as i32;
        for k in 1..n.max(1) {
            let t = k as f64 / n as f64;
            out.push((
                a.0 + ((b.0 - a.0) as f64 * t).round() as i32,
                a.1 + ((b.1 - a.1) as f64 * t).round() as i32,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degenerate_ranges_are_padded() {
        assert_eq!(pad_degenerate(5.0, 5.0), (4.5, 5.5));
        assert_eq!(pad_degenerate(0.0, 0.0), (-1.0, 1.0));
        assert_eq!(pad_degenerate(f64::NAN, 1.0), (0.0, 1.0));
        let a = Axis::fit_linear([3.0], 0.05, 6);
        assert!(a.lo < 3.0 && a.hi > 3.0 && a.ticks.len() >= 2, "{a:?}");
        let a = Axis::fit_linear([], 0.05, 6);
        assert!(a.hi > a.lo);
        let a = Axis::fit_log([7.0, 7.0], 0.05, 6);
        assert!(a.log && a.lo < 7.0 && a.hi > 7.0, "{a:?}");
        // zero or negative values: linear fallback, never below 0 for >= 0 data
        let a = Axis::fit_log([0.0, 10.0], 0.05, 6);
        assert!(!a.log && a.lo == 0.0, "{a:?}");
        let a = Axis::fit_linear([f64::NAN, 1.0, f64::INFINITY, 2.0], 0.0, 6);
        assert_eq!((a.lo, a.hi), (1.0, 2.0));
    }

    #[test]
    fn nice_linear_ticks() {
        let t = linear_ticks(0.0, 68.0, 6);
        let v: Vec<f64> = t.iter().map(|x| x.0).collect();
        assert_eq!(v, vec![0.0, 20.0, 40.0, 60.0]);
        let t = linear_ticks(750.0, 14250.0, 6);
        let l: Vec<&str> = t.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(l, vec!["2500", "5000", "7500", "10000", "12500"]);
        let t = linear_ticks(0.7, 4.9, 6);
        let l: Vec<&str> = t.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(l, vec!["1", "2", "3", "4"]);
        let t = linear_ticks(0.9, 1.1, 6);
        assert!(t.len() >= 2 && t.len() <= 6, "{t:?}");
        assert!(
            t.iter().all(|x| x.1.starts_with("0.") || x.1.starts_with("1.")),
            "{t:?}"
        );
        assert_eq!(linear_ticks(-1.0, 1.0, 6)[2].1, "0.0");
    }

    #[test]
    fn log_ticks_pick_readable_set() {
        let t = log_ticks(21.4, 407.0, 6);
        let l: Vec<&str> = t.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(l, vec!["30", "50", "100", "200", "300"]);
        // narrow range: linear fallback
        let t = log_ticks(40.0, 70.0, 6);
        assert!(t.len() >= 3, "{t:?}");
        let t = log_ticks(1e-4, 2.0, 6);
        let l: Vec<&str> = t.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(l, vec!["0.0001", "0.001", "0.01", "0.1", "1"]);
    }

    #[test]
    fn formats_parse() {
        assert_eq!(parse_formats("png,svg").unwrap(), vec![Format::Png, Format::Svg]);
        assert_eq!(parse_formats(" SVG ").unwrap(), vec![Format::Svg]);
        let e = parse_formats("png,pdf").unwrap_err().to_string();
        assert!(e.contains("--format") && e.contains("pdf"), "{e}");
        assert!(parse_formats("").is_err());
    }

    #[test]
    fn frac_is_nan_safe() {
        let a = Axis::linear(0.0, 1.0, 5);
        assert_eq!(a.frac(f64::NAN), 0.0);
        assert_eq!(a.frac(1e300), 10.0);
        let l = Axis::logarithmic(1.0, 100.0, 5);
        assert!((l.frac(10.0) - 0.5).abs() < 1e-12);
        assert!(l.frac(0.0) < 0.0);
    }
}
