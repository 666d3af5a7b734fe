//! Aggregate the points of a tree per (model, N) across seeds, and render
//! the result as a text table, CSV, Markdown and JSON.

use super::load::{StoredPoint, Tree};
use crate::models::ModelKind;
use crate::output::data_json::RunRecord;
use serde_json::{json, Map, Value};

/// A statistic of `data.json` shown in the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Network construction time (s).
    BuildTime,
    /// Simulation time (s).
    SimTime,
    /// Time- and population-averaged firing rate (1/s).
    Rate,
    /// Mean E->E weight (pA).
    WeightMean,
    /// Standard deviation of the E->E weights (pA).
    WeightSd,
    /// Median E->E weight (pA).
    WeightMedian,
    /// Minimum E->E weight (pA).
    WeightMin,
    /// Maximum E->E weight (pA).
    WeightMax,
}

impl Quantity {
    /// Every quantity, in table order.
    pub const ALL: [Quantity; 8] = [
        Quantity::BuildTime,
        Quantity::SimTime,
        Quantity::Rate,
        Quantity::WeightMean,
        Quantity::WeightSd,
        Quantity::WeightMedian,
        Quantity::WeightMin,
        Quantity::WeightMax,
    ];

    /// The key in `data.json` (also used in the JSON output).
    pub fn key(self) -> &'static str {
        match self {
            Quantity::BuildTime => "build_time",
            Quantity::SimTime => "sim_time",
            Quantity::Rate => "rate",
            Quantity::WeightMean => "weight_mean",
            Quantity::WeightSd => "weight_sd",
            Quantity::WeightMedian => "weight_median",
            Quantity::WeightMin => "weight_min",
            Quantity::WeightMax => "weight_max",
        }
    }

    /// The CSV column name (key and unit).
    pub fn csv_column(self) -> &'static str {
        match self {
            Quantity::BuildTime => "build_time_s",
            Quantity::SimTime => "sim_time_s",
            Quantity::Rate => "rate_per_s",
            Quantity::WeightMean => "weight_mean_pA",
            Quantity::WeightSd => "weight_sd_pA",
            Quantity::WeightMedian => "weight_median_pA",
            Quantity::WeightMin => "weight_min_pA",
            Quantity::WeightMax => "weight_max_pA",
        }
    }

    /// The column header of the text and Markdown tables.
    pub fn header(self) -> &'static str {
        match self {
            Quantity::BuildTime => "build (s)",
            Quantity::SimTime => "sim (s)",
            Quantity::Rate => "rate (1/s)",
            Quantity::WeightMean => "w mean (pA)",
            Quantity::WeightSd => "w sd (pA)",
            Quantity::WeightMedian => "w median (pA)",
            Quantity::WeightMin => "w min (pA)",
            Quantity::WeightMax => "w max (pA)",
        }
    }

    /// Decimals shown in the text and Markdown tables.
    fn decimals(self) -> usize {
        match self {
            Quantity::BuildTime | Quantity::SimTime | Quantity::Rate => 3,
            _ => 2,
        }
    }

    /// The value of this quantity in a record.
    pub fn get(self, r: &RunRecord) -> f64 {
        match self {
            Quantity::BuildTime => r.build_time,
            Quantity::SimTime => r.sim_time,
            Quantity::Rate => r.rate,
            Quantity::WeightMean => r.weight_mean,
            Quantity::WeightSd => r.weight_sd,
            Quantity::WeightMedian => r.weight_median,
            Quantity::WeightMin => r.weight_min,
            Quantity::WeightMax => r.weight_max,
        }
    }
}

/// Mean and spread of one quantity across the seeds of a (model, N) point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    /// Mean across seeds (the value itself for a single seed), in the
    /// quantity's unit.
    pub mean: f64,
    /// Sample standard deviation across seeds (n - 1 in the denominator);
    /// `None` for a single seed.
    pub sd: Option<f64>,
}

impl Stat {
    /// Mean and sample SD of `values` (which must not be empty for a
    /// meaningful result; an empty slice gives NaN).
    pub fn of(values: &[f64]) -> Stat {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = (values.len() > 1).then(|| {
            let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
            (ss / (n - 1.0)).sqrt()
        });
        Stat { mean, sd }
    }
}

/// The ratios other/ours of the `--compare` tree to this tree at one point.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Ratios {
    /// Simulation time ratio (other / ours); `None` if ours is 0.
    pub sim_time: Option<f64>,
    /// Firing-rate ratio (other / ours).
    pub rate: Option<f64>,
    /// Mean-weight ratio (other / ours).
    pub weight_mean: Option<f64>,
}

/// One table row: a (model, N) point aggregated across its seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Neuron model.
    pub model: ModelKind,
    /// Network size N.
    pub n: usize,
    /// The seeds of the `seed{S}/` directories (`None` for a point stored
    /// directly in `N{N}/{model}/`).
    pub seeds: Vec<Option<u64>>,
    /// One [`Stat`] per [`Quantity::ALL`] entry.
    pub stats: [Stat; 8],
    /// Weight mean + SD (pA) across seeds: the dashed line of the figure.
    pub weight_upper: Stat,
    /// Ratios to the `--compare` tree's point of the same model and N.
    pub ratios: Option<Ratios>,
}

impl Row {
    /// The aggregated statistic of `q`.
    pub fn stat(&self, q: Quantity) -> Stat {
        // the enum's declaration order is that of Quantity::ALL
        self.stats[q as usize]
    }

    /// Number of seeds aggregated in this row.
    pub fn n_seeds(&self) -> usize {
        self.seeds.len()
    }
}

/// A table: the rows of one tree, sorted by model then N.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Name of the tree in the outputs: `main`, or the `--label` of the
    /// compare tree.
    pub label: String,
    /// The tree's root directory as given.
    pub dir: String,
    /// The rows.
    pub rows: Vec<Row>,
}

/// Aggregate the points of `tree` per (model, N).
pub fn aggregate(tree: &Tree, label: &str) -> Table {
    let mut rows: Vec<Row> = Vec::new();
    let mut group: Vec<&StoredPoint> = Vec::new();
    let flush = |group: &mut Vec<&StoredPoint>, rows: &mut Vec<Row>| {
        if let Some(first) = group.first() {
            let stats = Quantity::ALL.map(|q| {
                let v: Vec<f64> = group.iter().map(|p| q.get(&p.record)).collect();
                Stat::of(&v)
            });
            let upper: Vec<f64> = group
                .iter()
                .map(|p| p.record.weight_mean + p.record.weight_sd)
                .collect();
            rows.push(Row {
                model: first.model,
                n: first.n,
                seeds: group.iter().map(|p| p.seed).collect(),
                stats,
                weight_upper: Stat::of(&upper),
                ratios: None,
            });
        }
        group.clear();
    };
    // Points are sorted by (model, N, seed), so groups are contiguous.
    for p in &tree.points {
        if group.first().is_some_and(|g| (g.model, g.n) != (p.model, p.n)) {
            flush(&mut group, &mut rows);
        }
        group.push(p);
    }
    flush(&mut group, &mut rows);
    Table {
        label: label.to_string(),
        dir: tree.root.display().to_string(),
        rows,
    }
}

/// Fill the ratios other/ours of `main` from `other`; returns the
/// (model, N) points of `main` that `other` lacks.
pub fn add_ratios(main: &mut Table, other: &Table) -> Vec<(ModelKind, usize)> {
    let ratio = |o: f64, m: f64| (m != 0.0 && m.is_finite() && o.is_finite()).then(|| o / m);
    let mut lacking = Vec::new();
    for row in &mut main.rows {
        match other.rows.iter().find(|o| o.model == row.model && o.n == row.n) {
            Some(o) => {
                let r = |q| ratio(o.stat(q).mean, row.stat(q).mean);
                row.ratios = Some(Ratios {
                    sim_time: r(Quantity::SimTime),
                    rate: r(Quantity::Rate),
                    weight_mean: r(Quantity::WeightMean),
                });
            }
            None => lacking.push((row.model, row.n)),
        }
    }
    lacking
}

/// Format `x` with `d` decimals; `-` for a non-finite value.
fn fixed(x: f64, d: usize) -> String {
    if x.is_finite() {
        format!("{x:.d$}")
    } else {
        "-".into()
    }
}

/// Format a [`Stat`] for humans: `mean` or `mean ± sd`.
fn human(s: Stat, d: usize) -> String {
    match s.sd {
        Some(sd) => format!("{} ± {}", fixed(s.mean, d), fixed(sd, d)),
        None => fixed(s.mean, d),
    }
}

/// Format an optional ratio for humans.
fn human_ratio(r: Option<f64>) -> String {
    r.map(|x| fixed(x, 3)).unwrap_or_else(|| "-".into())
}

/// Header and cells of a table for the text and Markdown renderings.
fn cells(t: &Table) -> (Vec<String>, Vec<Vec<String>>) {
    let seeds = t.rows.iter().any(|r| r.n_seeds() > 1);
    let ratios = t.rows.iter().any(|r| r.ratios.is_some());
    let mut head: Vec<String> = vec!["model".into(), "N".into()];
    if seeds {
        head.push("seeds".into());
    }
    head.extend(Quantity::ALL.iter().map(|q| q.header().to_string()));
    if ratios {
        head.extend(["sim ratio", "rate ratio", "w mean ratio"].map(String::from));
    }
    let rows = t
        .rows
        .iter()
        .map(|r| {
            let mut c = vec![r.model.name().to_string(), r.n.to_string()];
            if seeds {
                c.push(r.n_seeds().to_string());
            }
            c.extend(Quantity::ALL.iter().map(|&q| human(r.stat(q), q.decimals())));
            if ratios {
                let x = r.ratios.unwrap_or_default();
                c.extend([x.sim_time, x.rate, x.weight_mean].map(human_ratio));
            }
            c
        })
        .collect();
    (head, rows)
}

/// Render `t` as an aligned plain-text table (model left-aligned, numbers
/// right-aligned), preceded by a title line.
pub fn to_text(t: &Table, title: &str) -> String {
    let (head, rows) = cells(t);
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([head[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..head.len()).map(width).collect();
    let line = |c: &[String]| {
        let parts: Vec<String> = c
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let pad = widths[i].saturating_sub(s.chars().count());
                if i == 0 {
                    format!("{s}{}", " ".repeat(pad))
                } else {
                    format!("{}{s}", " ".repeat(pad))
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = format!("{title}\n{}\n", line(&head));
    let mut last_model = None;
    for (r, c) in t.rows.iter().zip(&rows) {
        if last_model.is_some_and(|m| m != r.model) {
            out.push('\n');
        }
        last_model = Some(r.model);
        out.push_str(&line(c));
        out.push('\n');
    }
    out
}

/// Render `t` as a Markdown table preceded by a `##` heading.
pub fn to_markdown(t: &Table, title: &str) -> String {
    let (head, rows) = cells(t);
    let esc = |s: &str| s.replace('|', "\\|");
    let mut out = format!("## {}\n\n", esc(title));
    out.push_str(&format!(
        "| {} |\n",
        head.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | ")
    ));
    let align: Vec<&str> = (0..head.len()).map(|i| if i == 0 { ":--" } else { "--:" }).collect();
    out.push_str(&format!("|{}|\n", align.join("|")));
    for c in rows {
        out.push_str(&format!(
            "| {} |\n",
            c.iter().map(|s| esc(s)).collect::<Vec<_>>().join(" | ")
        ));
    }
    out
}

/// Quote a CSV field if it needs it (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The CSV header line (without newline).
pub fn csv_header() -> String {
    let mut h: Vec<String> = vec!["tree".into(), "model".into(), "N".into(), "n_seeds".into()];
    h.extend(Quantity::ALL.iter().map(|q| q.csv_column().to_string()));
    h.extend(Quantity::ALL.iter().map(|q| format!("{}_seed_sd", q.csv_column())));
    h.extend(["sim_time_ratio", "rate_ratio", "weight_mean_ratio"].map(String::from));
    h.join(",")
}

/// Render tables as CSV: one header, then the rows of every table. Numbers
/// are written in full precision; absent values (SD across seeds of a
/// single seed, ratios without `--compare`) are empty.
pub fn to_csv(tables: &[&Table]) -> String {
    let num = |x: f64| if x.is_finite() { x.to_string() } else { String::new() };
    let opt = |x: Option<f64>| x.map(num).unwrap_or_default();
    let mut out = csv_header() + "\n";
    for t in tables {
        for r in &t.rows {
            let mut c = vec![
                csv_field(&t.label),
                r.model.name().to_string(),
                r.n.to_string(),
                r.n_seeds().to_string(),
            ];
            c.extend(Quantity::ALL.iter().map(|&q| num(r.stat(q).mean)));
            c.extend(Quantity::ALL.iter().map(|&q| opt(r.stat(q).sd)));
            let x = r.ratios.unwrap_or_default();
            c.extend([x.sim_time, x.rate, x.weight_mean].map(opt));
            out.push_str(&c.join(","));
            out.push('\n');
        }
    }
    out
}

/// A finite number as JSON, else null.
fn jnum(x: f64) -> Value {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// One table as a JSON value: `{"label", "dir", "rows": [...]}`; each row
/// holds `model`, `N`, `n_seeds`, `seeds`, the means under their
/// `data.json` keys, `seed_sd` (SD across seeds, only for several seeds)
/// and `ratio` (only with `--compare`).
pub fn to_json_value(t: &Table) -> Value {
    let rows: Vec<Value> = t
        .rows
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("model".into(), json!(r.model.name()));
            m.insert("N".into(), json!(r.n));
            m.insert("n_seeds".into(), json!(r.n_seeds()));
            m.insert("seeds".into(), json!(r.seeds));
            for q in Quantity::ALL {
                m.insert(q.key().into(), jnum(r.stat(q).mean));
            }
            if r.n_seeds() > 1 {
                let sd: Map<String, Value> = Quantity::ALL
                    .iter()
                    .map(|&q| (q.key().to_string(), r.stat(q).sd.map_or(Value::Null, jnum)))
                    .collect();
                m.insert("seed_sd".into(), Value::Object(sd));
            }
            if let Some(x) = r.ratios {
                let o = |v: Option<f64>| v.map_or(Value::Null, jnum);
                m.insert(
                    "ratio".into(),
                    json!({"sim_time": o(x.sim_time), "rate": o(x.rate), "weight_mean": o(x.weight_mean)}),
                );
            }
            Value::Object(m)
        })
        .collect();
    json!({"label": t.label, "dir": t.dir, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::load::{load_tree, Resources};
    use std::path::Path;

    fn point(model: ModelKind, n: usize, seed: Option<u64>, sim: f64, wm: f64) -> StoredPoint {
        StoredPoint {
            model,
            n,
            seed,
            dir: Path::new("x").into(),
            record: RunRecord {
                sim_time: sim,
                rate: 1.0,
                weight_mean: wm,
                weight_sd: 2.0,
                ..Default::default()
            },
            resources: Resources {
                processes: 1,
                threads: None,
            },
            resources_dir: false,
            n_per_process: None,
        }
    }

    #[test]
    fn stat_mean_and_sample_sd() {
        let s = Stat::of(&[1.0, 2.0, 3.0]);
        assert_eq!(s.mean, 2.0);
        assert_eq!(s.sd, Some(1.0));
        assert_eq!(Stat::of(&[5.0]).sd, None);
    }

    #[test]
    fn table_numbers_match_data_json() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nest-3.10/example-tree");
        let tree = load_tree(&dir).unwrap();
        let t = aggregate(&tree, "main");
        assert_eq!(t.rows.len(), 22);
        for (row, p) in t.rows.iter().zip(&tree.points) {
            assert_eq!((row.model, row.n), (p.model, p.n));
            for q in Quantity::ALL {
                assert_eq!(row.stat(q).mean, q.get(&p.record), "{q:?}");
            }
        }
        let csv = to_csv(&[&t]);
        assert!(
            csv.contains("main,iaf_psc_alpha,1250,1,0.23422813415527344,4.422685146331787,4.6376800000000005,"),
            "{csv}"
        );
        let text = to_text(&t, "t");
        assert!(text.contains("4.638") && text.contains("11325.73"), "{text}");
        assert!(!text.contains("seeds"));
        let md = to_markdown(&t, "t");
        assert!(
            md.contains("| iaf_psc_alpha | 1250 | 0.234 | 4.423 | 4.638 | 42.16 |"),
            "{md}"
        );
    }

    #[test]
    fn seeds_aggregate_and_ratios() {
        let ia = ModelKind::IafPscAlpha;
        let tree = Tree {
            root: "t".into(),
            points: vec![
                point(ia, 100, Some(1), 1.0, 10.0),
                point(ia, 100, Some(2), 3.0, 20.0),
                point(ia, 200, None, 4.0, 0.0),
            ],
            notes: vec![],
        };
        let mut t = aggregate(&tree, "main");
        assert_eq!(t.rows.len(), 2);
        let r = &t.rows[0];
        assert_eq!(r.n_seeds(), 2);
        assert_eq!(r.stat(Quantity::SimTime).mean, 2.0);
        assert_eq!(r.stat(Quantity::SimTime).sd, Some(2f64.sqrt()));
        assert_eq!(r.weight_upper.mean, 17.0);

        let other = Tree {
            root: "o".into(),
            points: vec![point(ia, 100, None, 4.0, 30.0), point(ia, 200, None, 2.0, 5.0)],
            notes: vec![],
        };
        let o = aggregate(&other, "NEST");
        assert!(add_ratios(&mut t, &o).is_empty());
        let x = t.rows[0].ratios.unwrap();
        assert_eq!(x.sim_time, Some(2.0));
        assert_eq!(x.weight_mean, Some(2.0));
        // ours is 0: no ratio instead of inf
        assert_eq!(t.rows[1].ratios.unwrap().weight_mean, None);

        let text = to_text(&t, "t");
        assert!(text.contains("seeds") && text.contains("2.000 ± 1.414"), "{text}");
        assert!(text.contains("sim ratio") && text.contains("2.000"), "{text}");
        let csv = to_csv(&[&t, &o]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[1].starts_with("main,iaf_psc_alpha,100,2,"), "{csv}");
        assert!(lines[1].ends_with(",2,1,2"), "{csv}");
        assert!(lines[3].starts_with("NEST,"), "{csv}");
        let n_cols = lines[0].split(',').count();
        assert!(lines.iter().all(|l| l.split(',').count() == n_cols));
        let j = to_json_value(&t);
        assert_eq!(j["rows"][0]["seed_sd"]["sim_time"], json!(2f64.sqrt()));
        assert_eq!(j["rows"][0]["ratio"]["rate"], json!(1.0));
        assert_eq!(j["rows"][1]["ratio"]["weight_mean"], Value::Null);
    }

    #[test]
    fn csv_quotes_labels() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("NEST"), "NEST");
    }
}
