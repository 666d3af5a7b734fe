//! The resource-scaling experiment: the same network on different compute
//! resources (processes x threads per process).
//!
//! A tree may hold several resource configurations of one (model, N)
//! point, in `N{N}/{model}/p{P}t{T}/` directories. This module
//!
//! - picks, per (model, N), the one configuration the scaling table and
//!   figure against N show ([`scaling_points`]);
//! - aggregates every configuration across its seeds into a
//!   [`ResourceTable`] with the strong-scaling speed-up and parallel
//!   efficiency (same N, more cores) and the weak-scaling efficiency (N
//!   growing with the processes, `n_per_process` in `data.json`);
//! - renders that table as text, CSV, Markdown and JSON.
//!
//! The figure is drawn by [`super::resources_figure`].

use super::load::{Resources, StoredPoint, Tree};
use super::table::Stat;
use crate::models::ModelKind;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Key of one resource configuration of a (model, N) point.
type ConfigKey = (ModelKind, usize, Resources);

/// The configurations of each (model, N) point, and the points of each.
///
/// A (model, N) point none of whose points lies in a `p{P}t{T}` directory
/// (the layout of runs that do not record resources) is one configuration:
/// the resources its points record if they agree, else those with the
/// threads unknown (so its cores are unknown and it is compared with
/// nothing).
fn configs(tree: &Tree) -> BTreeMap<ConfigKey, Vec<&StoredPoint>> {
    let mut legacy: BTreeMap<(ModelKind, usize), Option<Resources>> = BTreeMap::new();
    for p in &tree.points {
        let e = legacy.entry((p.model, p.n)).or_insert(Some(p.resources));
        if p.resources_dir {
            *e = None;
        }
    }
    let mut agreed: BTreeMap<(ModelKind, usize), Resources> = BTreeMap::new();
    for (&(m, n), r) in &legacy {
        if let Some(r0) = r {
            let pts = tree.points.iter().filter(|p| (p.model, p.n) == (m, n));
            let same = pts.clone().all(|p| p.resources == *r0);
            let processes = pts.map(|p| p.resources.processes).min().unwrap_or(1);
            let unknown = Resources {
                processes,
                threads: None,
            };
            agreed.insert((m, n), if same { *r0 } else { unknown });
        }
    }
    let mut out: BTreeMap<ConfigKey, Vec<&StoredPoint>> = BTreeMap::new();
    for p in &tree.points {
        let r = agreed.get(&(p.model, p.n)).copied().unwrap_or(p.resources);
        out.entry((p.model, p.n, r)).or_default().push(p);
    }
    out
}

/// The points the scaling table and figure against N show, and one line per
/// model naming the choices made.
///
/// A (model, N) point with a single resource configuration, or whose points
/// all lie outside `p{P}t{T}` directories (the layout of runs that do not
/// record resources), keeps every point, as before. A point with several
/// configurations keeps those of one: the configuration this model was run
/// with at the most network sizes (so the curve against N compares like
/// with like), then the one with the most cores, then the most processes.
/// The order of the points is kept.
pub fn scaling_points(tree: &Tree) -> (Tree, Vec<String>) {
    let cfgs = configs(tree);
    // sizes at which each (model, configuration) occurs
    let mut spread: BTreeMap<(ModelKind, Resources), usize> = BTreeMap::new();
    for &(m, _, r) in cfgs.keys() {
        *spread.entry((m, r)).or_default() += 1;
    }
    let mut chosen: BTreeMap<(ModelKind, usize), (Resources, Vec<Resources>)> = BTreeMap::new();
    for &(m, n, r) in cfgs.keys() {
        let rank = |r: Resources| (spread[&(m, r)], r.cores().unwrap_or(r.processes), r.processes);
        let e = chosen.entry((m, n)).or_insert((r, Vec::new()));
        e.1.push(r);
        if rank(r) > rank(e.0) {
            e.0 = r;
        }
    }
    chosen.retain(|_, (_, all)| all.len() > 1);
    let keep = |p: &StoredPoint| {
        chosen
            .get(&(p.model, p.n))
            .is_none_or(|(r, _)| cfgs[&(p.model, p.n, *r)].iter().any(|q| std::ptr::eq(*q, p)))
    };
    let out = Tree {
        root: tree.root.clone(),
        points: tree.points.iter().filter(|p| keep(p)).cloned().collect(),
        notes: tree.notes.clone(),
    };
    (out, choice_notes(&chosen))
}

/// One line per model naming the configuration [`scaling_points`] kept at
/// each N with several.
fn choice_notes(chosen: &BTreeMap<(ModelKind, usize), (Resources, Vec<Resources>)>) -> Vec<String> {
    let mut per_model: BTreeMap<ModelKind, Vec<String>> = BTreeMap::new();
    for (&(m, n), (r, all)) in chosen {
        let names: Vec<String> = all.iter().map(|a| a.name()).collect();
        per_model
            .entry(m)
            .or_default()
            .push(format!("N = {n}: {} of {}", r.name(), names.join(", ")));
    }
    per_model
        .into_iter()
        .map(|(m, v)| {
            format!(
                "{}: several resource configurations; the scaling table and figure show {} \
                 (resources.csv compares them all)",
                m.name(),
                v.join("; ")
            )
        })
        .collect()
}

/// One resource configuration of a (model, N) point, aggregated over its
/// seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRow {
    /// Neuron model.
    pub model: ModelKind,
    /// Network size N (neurons).
    pub n: usize,
    /// Processes and threads per process.
    pub resources: Resources,
    /// Neurons per process of a weak-scaling run, if every seed that records
    /// it agrees.
    pub n_per_process: Option<usize>,
    /// Number of seeds (points) aggregated.
    pub n_seeds: usize,
    /// Simulation time (s): mean and SD over seeds.
    pub sim_time: Stat,
    /// Network construction time (s): mean and SD over seeds.
    pub build_time: Stat,
    /// Strong-scaling speed-up t1 / t against the configuration of the same
    /// (model, N) with the fewest cores (dimensionless); `None` unless the
    /// point has at least two configurations with known cores.
    pub speed_up: Option<f64>,
    /// Parallel efficiency (t1 c1) / (t c), c the cores (dimensionless; 1 is
    /// ideal); `None` like `speed_up`.
    pub efficiency: Option<f64>,
    /// Weak-scaling efficiency t1 / t against the smallest process count of
    /// the same (model, neurons per process, threads) series (1 is ideal);
    /// `None` outside such a series of at least two process counts.
    pub weak_efficiency: Option<f64>,
}

impl ResourceRow {
    /// Cores used (processes x threads); `None` if the threads are unknown.
    pub fn cores(&self) -> Option<usize> {
        self.resources.cores()
    }
}

/// Every resource configuration of a tree, sorted by model, N, cores and
/// processes.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceTable {
    /// The rows.
    pub rows: Vec<ResourceRow>,
}

/// The common `n_per_process` of `points` (those that record it), if they
/// agree.
fn common_n_per_process(points: &[&StoredPoint]) -> Option<usize> {
    let mut v = points.iter().filter_map(|p| p.n_per_process);
    let first = v.next()?;
    v.all(|x| x == first).then_some(first)
}

/// Aggregate every configuration of `tree` over its seeds (speed-ups and
/// efficiencies left empty).
fn rows_of(tree: &Tree) -> Vec<ResourceRow> {
    let mut rows: Vec<ResourceRow> = configs(tree)
        .into_iter()
        .map(|((model, n, resources), pts)| {
            let of = |f: fn(&StoredPoint) -> f64| Stat::of(&pts.iter().map(|p| f(p)).collect::<Vec<f64>>());
            ResourceRow {
                model,
                n,
                resources,
                n_per_process: common_n_per_process(&pts),
                n_seeds: pts.len(),
                sim_time: of(|p| p.record.sim_time),
                build_time: of(|p| p.record.build_time),
                speed_up: None,
                efficiency: None,
                weak_efficiency: None,
            }
        })
        .collect();
    rows.sort_by_key(|r| (r.model, r.n, r.cores(), r.resources.processes, r.resources.threads));
    rows
}

/// A ratio a / b if both are finite and b is not 0.
fn ratio(a: f64, b: f64) -> Option<f64> {
    (a.is_finite() && b.is_finite() && b != 0.0).then(|| a / b)
}

/// Indices of the rows of each strong-scaling group: a (model, N) with at
/// least two configurations of known cores, ordered by cores then processes
/// (the first is the baseline).
pub fn strong_groups(rows: &[ResourceRow]) -> Vec<Vec<usize>> {
    let mut g: BTreeMap<(ModelKind, usize), Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.cores().is_some() {
            g.entry((r.model, r.n)).or_default().push(i);
        }
    }
    g.into_values().filter(|v| v.len() > 1).collect()
}

/// A weak-scaling series: model, neurons per process, threads per process.
type WeakKey = (ModelKind, usize, Option<usize>);

/// The weak-scaling series a row belongs to: that of its own
/// `n_per_process`, or, for a row without one, a series some other row
/// records whose N = n_per_process x processes (the same run, asked for by
/// its N, e.g. the one-process run of a strong-scaling experiment).
fn weak_key(r: &ResourceRow, recorded: &[WeakKey]) -> Option<WeakKey> {
    let (p, t) = (r.resources.processes, r.resources.threads);
    match r.n_per_process {
        Some(k) => Some((r.model, k, t)),
        None => {
            r.n.is_multiple_of(p)
                .then_some((r.model, r.n / p, t))
                .filter(|k| recorded.contains(k))
        }
    }
}

/// Indices of the rows of each weak-scaling series (model, neurons per
/// process, threads) with at least two process counts, ordered by
/// processes (the first is the baseline).
pub fn weak_groups(rows: &[ResourceRow]) -> Vec<Vec<usize>> {
    let recorded: Vec<WeakKey> = rows
        .iter()
        .filter_map(|r| r.n_per_process.map(|k| (r.model, k, r.resources.threads)))
        .collect();
    let mut g: BTreeMap<WeakKey, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(k) = weak_key(r, &recorded) {
            g.entry(k).or_default().push(i);
        }
    }
    g.into_values()
        .map(|mut v| {
            v.sort_by_key(|&i| rows[i].resources.processes);
            v
        })
        .filter(|v| v.len() > 1)
        .collect()
}

/// The resource table of `tree`, or `None` if it holds no strong-scaling
/// group (a (model, N) on at least two configurations of known cores) and
/// no weak-scaling series (at least two process counts): then there is
/// nothing to compare and no resources figure is drawn.
pub fn resource_table(tree: &Tree) -> Option<ResourceTable> {
    let mut rows = rows_of(tree);
    let strong = strong_groups(&rows);
    let weak = weak_groups(&rows);
    if strong.is_empty() && weak.is_empty() {
        return None;
    }
    for g in &strong {
        let b = &rows[g[0]];
        let (t1, c1) = (b.sim_time.mean, b.cores().unwrap_or(1) as f64);
        for &i in g {
            let r = &mut rows[i];
            let c = r.cores().unwrap_or(1) as f64;
            r.speed_up = ratio(t1, r.sim_time.mean);
            r.efficiency = ratio(t1 * c1, r.sim_time.mean * c);
        }
    }
    for g in &weak {
        let t1 = rows[g[0]].sim_time.mean;
        for &i in g {
            rows[i].weak_efficiency = ratio(t1, rows[i].sim_time.mean);
        }
    }
    Some(ResourceTable { rows })
}

// ---------------------------------------------------------------- rendering

/// Column headers of the text and Markdown tables.
const HEADERS: [&str; 12] = [
    "model",
    "N",
    "N/process",
    "processes",
    "threads",
    "cores",
    "seeds",
    "sim (s)",
    "build (s)",
    "speed-up",
    "efficiency",
    "weak eff.",
];

/// The cells that say which run a row is (model, N, N/process, processes,
/// threads, cores, seeds), with `empty` where a value is absent.
fn identity_cells(r: &ResourceRow, empty: &str) -> [String; 7] {
    let opt = |v: Option<usize>| v.map_or(empty.to_string(), |x| x.to_string());
    [
        r.model.name().to_string(),
        r.n.to_string(),
        opt(r.n_per_process),
        r.resources.processes.to_string(),
        opt(r.resources.threads),
        opt(r.cores()),
        r.n_seeds.to_string(),
    ]
}

/// The cells of a row for the text and Markdown tables (`-` where empty).
fn human_cells(r: &ResourceRow) -> Vec<String> {
    let stat = |s: Stat| match s.sd {
        Some(sd) => format!("{:.3} ± {sd:.3}", s.mean),
        None => format!("{:.3}", s.mean),
    };
    let num = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.3}"));
    let mut cells = identity_cells(r, "-").to_vec();
    cells.extend([
        stat(r.sim_time),
        stat(r.build_time),
        num(r.speed_up),
        num(r.efficiency),
        num(r.weak_efficiency),
    ]);
    cells
}

/// Render the table as aligned plain text (model left-aligned, numbers
/// right-aligned) under a title line.
pub fn to_text(t: &ResourceTable, title: &str) -> String {
    let cells: Vec<Vec<String>> = t.rows.iter().map(human_cells).collect();
    let widths: Vec<usize> = (0..HEADERS.len())
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([HEADERS[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |c: &[String]| {
        let parts: Vec<String> = c
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (s, &w))| if i == 0 { format!("{s:<w$}") } else { format!("{s:>w$}") })
            .collect();
        parts.join("  ").trim_end().to_string() + "\n"
    };
    let head: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    let mut out = format!("{title}\n{}", line(&head));
    for c in &cells {
        out.push_str(&line(c));
    }
    out
}

/// The explanation below the Markdown table.
const MD_NOTE: &str = "Times are wall-clock seconds, `a ± b` the mean ± SD across seeds; \
cores = processes × threads per process. Speed-up t1 / t and efficiency (t1 c1) / (t c) \
compare the configurations of one model and N with the one with the fewest cores (t1 on c1 \
cores; 1 is ideal for the efficiency). The weak efficiency t1 / t compares the runs of one \
model with the same neurons per process (N/process) and threads, N growing with the \
processes, with the one on the fewest processes (1 is ideal).\n";

/// Render the table as Markdown: a heading, the table, and what the
/// columns mean.
pub fn to_markdown(t: &ResourceTable, title: &str) -> String {
    let mut out = format!("# Resource scaling\n\n## {}\n\n", title.replace('|', "\\|"));
    out.push_str(&format!("| {} |\n", HEADERS.join(" | ")));
    let align: Vec<&str> = (0..HEADERS.len()).map(|i| if i == 0 { ":--" } else { "--:" }).collect();
    out.push_str(&format!("|{}|\n", align.join("|")));
    for r in &t.rows {
        out.push_str(&format!("| {} |\n", human_cells(r).join(" | ")));
    }
    out.push('\n');
    out.push_str(MD_NOTE);
    out
}

/// The CSV header line (without newline).
pub const CSV_HEADER: &str = "model,N,n_per_process,processes,threads,cores,n_seeds,\
sim_time_s,sim_time_s_seed_sd,build_time_s,build_time_s_seed_sd,speed_up,efficiency,weak_efficiency";

/// Render the table as CSV: numbers in full precision, absent values
/// empty.
pub fn to_csv(t: &ResourceTable) -> String {
    let f = |x: Option<f64>| x.filter(|v| v.is_finite()).map(|v| v.to_string()).unwrap_or_default();
    let mut out = format!("{CSV_HEADER}\n");
    for r in &t.rows {
        let mut c = identity_cells(r, "").to_vec();
        c.extend([
            f(Some(r.sim_time.mean)),
            f(r.sim_time.sd),
            f(Some(r.build_time.mean)),
            f(r.build_time.sd),
            f(r.speed_up),
            f(r.efficiency),
            f(r.weak_efficiency),
        ]);
        out.push_str(&c.join(","));
        out.push('\n');
    }
    out
}

/// The table as a JSON array of rows, with the CSV's keys (`sim_time`,
/// `build_time` in s, their `_seed_sd`; null where absent).
pub fn to_json_value(t: &ResourceTable) -> Value {
    let n = |x: Option<f64>| {
        x.and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number)
    };
    let rows: Vec<Value> = t
        .rows
        .iter()
        .map(|r| {
            json!({
                "model": r.model.name(),
                "N": r.n,
                "n_per_process": r.n_per_process,
                "processes": r.resources.processes,
                "threads": r.resources.threads,
                "cores": r.cores(),
                "n_seeds": r.n_seeds,
                "sim_time": n(Some(r.sim_time.mean)),
                "sim_time_seed_sd": n(r.sim_time.sd),
                "build_time": n(Some(r.build_time.mean)),
                "build_time_seed_sd": n(r.build_time.sd),
                "speed_up": n(r.speed_up),
                "efficiency": n(r.efficiency),
                "weak_efficiency": n(r.weak_efficiency),
            })
        })
        .collect();
    Value::Array(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::data_json::RunRecord;

    /// A point of iaf_psc_alpha at N on (P, T) (`dir`: in a `p{P}t{T}`
    /// directory) taking `sim` s.
    fn pt(n: usize, (p, t): (usize, Option<usize>), dir: bool, npp: Option<usize>, sim: f64) -> StoredPoint {
        StoredPoint {
            model: ModelKind::IafPscAlpha,
            n,
            seed: None,
            dir: "x".into(),
            record: RunRecord {
                sim_time: sim,
                build_time: 0.5,
                ..Default::default()
            },
            resources: Resources {
                processes: p,
                threads: t,
            },
            resources_dir: dir,
            n_per_process: npp,
        }
    }

    fn tree(points: Vec<StoredPoint>) -> Tree {
        Tree {
            root: "t".into(),
            points,
            notes: vec![],
        }
    }

    #[test]
    fn strong_speed_up_and_efficiency() {
        let t = tree(vec![
            pt(12500, (1, Some(1)), true, None, 8.0),
            pt(12500, (1, Some(2)), true, None, 4.4),
            pt(12500, (2, Some(1)), true, None, 5.0),
            pt(12500, (2, Some(2)), true, None, 2.5),
        ]);
        let rt = resource_table(&t).unwrap();
        let got: Vec<(Option<usize>, Option<f64>, Option<f64>)> =
            rt.rows.iter().map(|r| (r.cores(), r.speed_up, r.efficiency)).collect();
        assert_eq!(
            got,
            vec![
                (Some(1), Some(1.0), Some(1.0)),
                (Some(2), Some(8.0 / 4.4), Some(8.0 / 8.8)),
                (Some(2), Some(1.6), Some(0.8)),
                (Some(4), Some(3.2), Some(0.8)),
            ]
        );
        assert!(rt.rows.iter().all(|r| r.weak_efficiency.is_none()));
        // the scaling table keeps the configuration with the most cores
        let (shown, notes) = scaling_points(&t);
        assert_eq!(shown.points.len(), 1);
        assert_eq!(shown.points[0].record.sim_time, 2.5);
        assert!(
            notes.len() == 1 && notes[0].contains("p2t2 of p1t1, p1t2, p2t1, p2t2"),
            "{notes:?}"
        );
        let csv = to_csv(&rt);
        assert_eq!(csv.lines().next(), Some(CSV_HEADER));
        assert_eq!(
            csv.lines().nth(3),
            Some("iaf_psc_alpha,12500,,2,1,2,1,5,,0.5,,1.6,0.8,")
        );
        let md = to_markdown(&rt, "x");
        assert!(md.contains("| iaf_psc_alpha | 12500 | - | 2 | 2 | 4 | 1 | 2.500 | 0.500 | 3.200 | 0.800 | - |"));
        assert_eq!(to_json_value(&rt)[3]["efficiency"], json!(0.8));
        assert!(to_text(&rt, "title").lines().count() == 6);
    }

    #[test]
    fn weak_series_takes_the_same_run_asked_for_by_n() {
        let t = tree(vec![
            pt(12500, (1, Some(1)), true, None, 8.0),
            pt(25000, (2, Some(1)), true, Some(12500), 10.0),
            pt(50000, (4, Some(1)), true, Some(12500), 16.0),
            // another thread count: not part of the series
            pt(25000, (2, Some(2)), true, None, 9.0),
        ]);
        let rt = resource_table(&t).unwrap();
        let weak: Vec<(usize, Option<f64>)> = rt.rows.iter().map(|r| (r.n, r.weak_efficiency)).collect();
        assert_eq!(
            weak,
            vec![
                (12500, Some(1.0)),
                (25000, Some(0.8)),
                (25000, None),
                (50000, Some(0.5))
            ]
        );
        assert_eq!(weak_groups(&rt.rows).len(), 1);
        assert_eq!(strong_groups(&rt.rows).len(), 1); // N25000: 2 and 4 cores
    }

    #[test]
    fn single_configurations_compare_nothing() {
        // one configuration per (model, N), no weak series
        let t = tree(vec![
            pt(100, (1, Some(1)), true, None, 1.0),
            pt(200, (2, Some(1)), true, None, 1.0),
        ]);
        assert!(resource_table(&t).is_none());
        let (shown, notes) = scaling_points(&t);
        assert_eq!(shown.points.len(), 2);
        assert!(notes.is_empty());
        // seeds without resource directories recording different threads:
        // one configuration of unknown cores, every point kept
        let mut a = pt(100, (1, Some(1)), false, None, 1.0);
        a.seed = Some(1);
        let mut b = pt(100, (1, Some(2)), false, None, 2.0);
        b.seed = Some(2);
        let t = tree(vec![a, b]);
        assert!(resource_table(&t).is_none());
        assert_eq!(scaling_points(&t).0.points.len(), 2);
    }

    #[test]
    fn scaling_points_prefer_the_configuration_of_the_sweep() {
        let mut pts: Vec<StoredPoint> = [100, 200, 400]
            .iter()
            .map(|&n| pt(n, (1, Some(1)), true, None, n as f64))
            .collect();
        pts.push(pt(400, (2, Some(2)), true, None, 100.0));
        pts.sort_by_key(|p| (p.n, p.resources));
        let (shown, notes) = scaling_points(&tree(pts));
        let times: Vec<f64> = shown.points.iter().map(|p| p.record.sim_time).collect();
        assert_eq!(times, vec![100.0, 200.0, 400.0]);
        assert!(notes[0].contains("N = 400: p1t1 of p1t1, p2t2"), "{notes:?}");
    }
}
