//! The scaling figure: simulation time, firing rate and excitatory weight
//! against network size N, one series per model (and per tree with
//! `--compare`), in three panels sharing the x axis. 900 x 1200 px, i.e.
//! 3 x 4 inch at 300 dpi like the original's `figsize=(3, 4), dpi=300`.

use super::plot::{
    draw_error_bar, draw_frame, draw_legend, draw_line, draw_marker, left_margin, legend_size, pick_corner,
    sample_polyline, Axis, AxisStyle, Corner, Dash, DrawResult, Figure, LegendEntry, LegendStyle, Marker, Rect,
    SeriesStyle,
};
use super::table::{Quantity, Row, Stat, Table};
use crate::models::ModelKind;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Width of the figure (px).
pub const WIDTH: u32 = 900;
/// Height of the figure (px).
pub const HEIGHT: u32 = 1200;

/// One line of the figure: a model in one tree.
#[derive(Debug, Clone)]
struct Series {
    model: ModelKind,
    /// Legend text of the series.
    label: String,
    /// Drawn in the compare tree's style.
    compare: bool,
    /// (N, sim time (s), rate (1/s), weight mean (pA), mean + SD (pA)).
    points: Vec<(f64, Stat, Stat, Stat, Stat)>,
}

/// The scaling figure of one tree, optionally with a second (`--compare`)
/// tree drawn in a second line style.
#[derive(Debug, Clone)]
pub struct ScalingFigure {
    series: Vec<Series>,
    compare_label: Option<String>,
}

/// Colour of a model, from the model table ([`crate::models::ModelInfo::colour`]):
/// iaf_psc_alpha black, ignore_and_fire light grey (as in the original,
/// slightly darker than its 0.8 so thin lines stay visible).
pub fn model_color(m: ModelKind) -> RGBColor {
    let (r, g, b) = m.info().colour;
    RGBColor(r, g, b)
}

/// The line style of a series of colour `color`: solid with circles (a mean)
/// or dashed (`upper`: mean + SD), thinner and dotted with squares for the
/// compare tree.
fn style(color: RGBColor, compare: bool, upper: bool) -> SeriesStyle {
    match (compare, upper) {
        (false, false) => SeriesStyle {
            color,
            width: 6,
            dash: Dash::Solid,
            marker: Marker::Circle,
            marker_r: 8,
        },
        (false, true) => SeriesStyle {
            color,
            width: 6,
            dash: Dash::Dashed,
            marker: Marker::None,
            marker_r: 8,
        },
        (true, false) => SeriesStyle {
            color,
            width: 4,
            dash: Dash::Dotted,
            marker: Marker::Square,
            marker_r: 9,
        },
        (true, true) => SeriesStyle {
            color,
            width: 3,
            dash: Dash::Dashed,
            marker: Marker::None,
            marker_r: 9,
        },
    }
}

fn series_of(t: &Table, compare: bool, label: Option<&str>) -> Vec<Series> {
    ModelKind::ALL
        .iter()
        .filter_map(|&m| {
            let rows: Vec<&Row> = t.rows.iter().filter(|r| r.model == m).collect();
            if rows.is_empty() {
                return None;
            }
            let mut points: Vec<_> = rows
                .iter()
                .map(|r| {
                    (
                        r.n as f64,
                        r.stat(Quantity::SimTime),
                        r.stat(Quantity::Rate),
                        r.stat(Quantity::WeightMean),
                        r.weight_upper,
                    )
                })
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Some(Series {
                model: m,
                label: match label {
                    Some(l) => format!("{} ({l})", m.name()),
                    None => m.name().to_string(),
                },
                compare,
                points,
            })
        })
        .collect()
}

impl ScalingFigure {
    /// The figure of `main`, with `compare` (table and label) if given.
    pub fn new(main: &Table, compare: Option<(&Table, &str)>) -> ScalingFigure {
        let mut series = series_of(main, false, None);
        if let Some((t, label)) = compare {
            series.extend(series_of(t, true, Some(label)));
        }
        ScalingFigure {
            series,
            compare_label: compare.map(|(_, l)| l.to_string()),
        }
    }

    /// Every (value, sd) of panel `k` (0 sim time, 1 rate, 2 weights).
    fn values(&self, k: usize) -> Vec<f64> {
        let mut v = Vec::new();
        for s in &self.series {
            for p in &s.points {
                let stats: &[Stat] = match k {
                    0 => std::slice::from_ref(&p.1),
                    1 => std::slice::from_ref(&p.2),
                    _ => &[p.3, p.4],
                };
                for st in stats {
                    v.push(st.mean);
                    if let Some(sd) = st.sd {
                        v.push(st.mean + sd);
                        // a log axis cannot show mean - sd <= 0: clipped there
                        if k < 2 || st.mean - sd > 0.0 {
                            v.push(st.mean - sd);
                        }
                    }
                }
            }
        }
        v
    }

    fn x_axis(&self) -> Axis {
        let ns: Vec<f64> = self.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
        Axis::fit_linear(ns, 0.05, 6)
    }
}

/// Font sizes and widths of the figures' axes (px at 300 dpi).
pub(crate) const AXIS: AxisStyle = AxisStyle {
    tick_font: 31.0,
    label_font: 35.0,
    line: 3,
    tick_len: 12,
};

const LEGEND: LegendStyle = LegendStyle {
    font: 29.0,
    sample: 64,
    row: 38,
};

impl ScalingFigure {
    /// Draw the lines, error bars and markers of panel `k`; returns the
    /// pixels covered (for legend placement).
    fn draw_data<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        r: Rect,
        xa: &Axis,
        ya: &Axis,
        k: usize,
    ) -> std::result::Result<Vec<(i32, i32)>, DrawingAreaErrorKind<DB::ErrorType>> {
        let mut covered = Vec::new();
        for s in &self.series {
            let lines: Vec<(SeriesStyle, Vec<(f64, Stat)>)> = match k {
                0 => vec![(
                    style(model_color(s.model), s.compare, false),
                    s.points.iter().map(|p| (p.0, p.1)).collect(),
                )],
                1 => vec![(
                    style(model_color(s.model), s.compare, false),
                    s.points.iter().map(|p| (p.0, p.2)).collect(),
                )],
                _ => vec![
                    (
                        style(model_color(s.model), s.compare, false),
                        s.points.iter().map(|p| (p.0, p.3)).collect(),
                    ),
                    (
                        style(model_color(s.model), s.compare, true),
                        s.points.iter().map(|p| (p.0, p.4)).collect(),
                    ),
                ],
            };
            for (st, pts) in lines {
                let px: Vec<(i32, i32)> = pts
                    .iter()
                    .filter(|(_, v)| v.mean.is_finite())
                    .map(|&(x, v)| r.map(xa, ya, x, v.mean))
                    .collect();
                draw_line(root, &px, &st)?;
                sample_polyline(&px, 12.0, &mut covered);
                for &(x, v) in &pts {
                    if let (Some(sd), true) = (v.sd, v.mean.is_finite()) {
                        if sd > 0.0 && sd.is_finite() {
                            let (px_x, _) = r.map(xa, ya, x, v.mean);
                            let y0 = r.clamp_y(r.map(xa, ya, x, v.mean - sd).1);
                            let y1 = r.clamp_y(r.map(xa, ya, x, v.mean + sd).1);
                            draw_error_bar(root, px_x, y0, y1, &st)?;
                            covered.push((px_x, y0));
                            covered.push((px_x, y1));
                        }
                    }
                }
                for p in &px {
                    draw_marker(root, *p, &st)?;
                }
            }
        }
        Ok(covered)
    }
}

impl Figure for ScalingFigure {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let xa = self.x_axis();
        let axes = [
            Axis::fit_linear(self.values(0), 0.08, 6),
            Axis::fit_linear(self.values(1), 0.08, 6),
            Axis::fit_log(self.values(2), 0.08, 6),
        ];
        let (left, ylabel_x) = left_margin(root, &[&axes[0], &axes[1], &axes[2]], &AXIS);
        let (right, top, bottom, gap) = (36, 26, 122, 22);
        let h = (HEIGHT as i32 - top - bottom - 2 * gap) / 3;
        let w = WIDTH as i32 - left - right;
        let ylabels = ["simulation time (s)", "firing rate (1/s)", "synaptic weight (pA)"];
        for (k, ya) in axes.iter().enumerate() {
            let r = Rect {
                x: left,
                y: top + k as i32 * (h + gap),
                w,
                h,
            };
            let covered = self.draw_data(root, r, &xa, ya, k)?;
            let last = k == 2;
            draw_frame(
                root,
                r,
                &xa,
                ya,
                last,
                last.then_some("network size N"),
                ylabels[k],
                ylabel_x,
                &AXIS,
            )?;
            self.draw_panel_legend(root, r, k, &covered)?;
        }
        Ok(())
    }
}

impl ScalingFigure {
    /// Draw the legend of panel `k` (models in the first, line styles in
    /// the third, none in the second) in the corner of `r` that covers the
    /// fewest of the data pixels `covered`.
    fn draw_panel_legend<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        r: Rect,
        k: usize,
        covered: &[(i32, i32)],
    ) -> DrawResult<DB> {
        let entries = match k {
            0 => self.model_legend(),
            2 => self.weight_legend(),
            _ => return Ok(()),
        };
        let size = legend_size(root, &entries, &LEGEND);
        let prefs = if k == 0 {
            [
                Corner::UpperLeft,
                Corner::LowerRight,
                Corner::UpperRight,
                Corner::LowerLeft,
            ]
        } else {
            [
                Corner::UpperRight,
                Corner::UpperLeft,
                Corner::LowerRight,
                Corner::LowerLeft,
            ]
        };
        let (_, at) = pick_corner(r, size, covered, &prefs, 12);
        draw_legend(root, &entries, at, &LEGEND)
    }

    fn model_legend(&self) -> Vec<LegendEntry> {
        self.series
            .iter()
            .map(|s| LegendEntry {
                style: style(model_color(s.model), s.compare, false),
                label: s.label.clone(),
            })
            .collect()
    }

    fn weight_legend(&self) -> Vec<LegendEntry> {
        // the weight panel's legend explains line styles, not models: black
        let black = RGBColor(0, 0, 0);
        let mut e = vec![
            LegendEntry {
                style: style(black, false, false),
                label: "mean".into(),
            },
            LegendEntry {
                style: style(black, false, true),
                label: "mean + SD".into(),
            },
        ];
        if let Some(l) = &self.compare_label {
            e.push(LegendEntry {
                style: style(black, true, false),
                label: format!("mean ({l})"),
            });
            e.push(LegendEntry {
                style: style(black, true, true),
                label: format!("mean + SD ({l})"),
            });
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::load::{Resources, StoredPoint, Tree};
    use crate::analysis::plot::{render, Format};
    use crate::analysis::table::aggregate;
    use crate::output::data_json::RunRecord;

    fn tree(points: &[(ModelKind, usize, Option<u64>, f64)]) -> Tree {
        Tree {
            root: "t".into(),
            points: points
                .iter()
                .map(|&(model, n, seed, v)| StoredPoint {
                    model,
                    n,
                    seed,
                    dir: "x".into(),
                    record: RunRecord {
                        sim_time: v,
                        rate: v,
                        weight_mean: v,
                        weight_sd: v,
                        ..Default::default()
                    },
                    resources: Resources {
                        processes: 1,
                        threads: None,
                    },
                    resources_dir: false,
                    n_per_process: None,
                })
                .collect(),
            notes: vec![],
        }
    }

    /// One point, all-equal values, zeros: the figure must still render.
    #[test]
    fn degenerate_data_renders() {
        let d = tempfile::tempdir().unwrap();
        let ia = ModelKind::IafPscAlpha;
        for (i, pts) in [
            vec![(ia, 100, None, 1.0)],
            vec![(ia, 100, None, 0.0), (ia, 200, None, 0.0)],
            vec![(ia, 100, Some(1), 2.0), (ia, 100, Some(2), 2.0)],
            vec![(ia, 100, Some(1), 0.0), (ia, 100, Some(2), 5.0)],
        ]
        .into_iter()
        .enumerate()
        {
            let t = aggregate(&tree(&pts), "main");
            let fig = ScalingFigure::new(&t, Some((&t, "other")));
            let out = render(&fig, &d.path().join(format!("f{i}")), &[Format::Png, Format::Svg]).unwrap();
            assert_eq!(out.len(), 2);
            for p in out {
                assert!(std::fs::metadata(&p).unwrap().len() > 1000);
            }
        }
    }

    #[test]
    fn weight_axis_is_log_for_positive_data() {
        let ia = ModelKind::IafPscAlpha;
        let t = aggregate(&tree(&[(ia, 100, None, 20.0), (ia, 200, None, 40.0)]), "main");
        let f = ScalingFigure::new(&t, None);
        assert!(Axis::fit_log(f.values(2), 0.08, 6).log);
        assert_eq!(f.values(2), vec![20.0, 40.0, 40.0, 80.0]);
    }
}
