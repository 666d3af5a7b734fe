//! Scan a results tree (`DIR/N{N}/{model}/data.json`, optionally
//! `DIR/N{N}/{model}/seed{S}/data.json`, and the same below a resource
//! directory `DIR/N{N}/{model}/p{P}t{T}/`) into a list of points.

use crate::error::{Error, Result};
use crate::models::ModelKind;
use crate::output::data_json::RunRecord;
use crate::output::DATA_JSON;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The compute resources a point ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Resources {
    /// MPI processes (1 for a run without MPI, and where not recorded).
    pub processes: usize,
    /// Worker threads per process; `None` where not recorded (NEST's trees).
    pub threads: Option<usize>,
}

impl Resources {
    /// Cores used: processes x threads; `None` if the threads are unknown.
    pub fn cores(self) -> Option<usize> {
        self.threads.map(|t| t * self.processes)
    }

    /// The directory name `p{P}t{T}` (`p{P}` if the threads are unknown).
    pub fn name(self) -> String {
        match self.threads {
            Some(t) => format!("p{}t{t}", self.processes),
            None => format!("p{}", self.processes),
        }
    }
}

/// The keys of `data.json` read besides [`RunRecord`]'s.
#[derive(Debug, Default, Deserialize)]
struct ExtraKeys {
    /// `--N-per-process` of a weak-scaling run (neurons per process).
    #[serde(default)]
    n_per_process: Option<usize>,
}

/// The stored results of one sweep point, as found on disk: the point
/// (model, network size, optional seed directory), its directory and the
/// content of its `data.json`. (The sweep's `Point` is a point
/// still to run.)
#[derive(Debug, Clone)]
pub struct StoredPoint {
    /// Neuron model (from the directory name).
    pub model: ModelKind,
    /// Network size N (number of neurons, from the `N{N}` directory name).
    pub n: usize,
    /// Seed of a `seed{S}/` subdirectory; `None` for a point stored directly
    /// in `N{N}/{model}/`.
    pub seed: Option<u64>,
    /// The point's directory (holding `data.json` and the optional
    /// `spikes.dat`, `connectivity_postsim.dat`, `model_instance_parameters.json`).
    pub dir: PathBuf,
    /// The statistics of `data.json` (times in s, rates in 1/s, weights in pA).
    pub record: RunRecord,
    /// Processes and threads per process: from the `p{P}t{T}` directory
    /// name, else from `data.json` (processes 1 where absent).
    pub resources: Resources,
    /// The point lies in a `p{P}t{T}/` directory (else directly in
    /// `N{N}/{model}/`, the layout of runs that do not record resources).
    pub resources_dir: bool,
    /// Neurons per process of a weak-scaling run (`n_per_process` of
    /// `data.json`; N = n_per_process x processes); `None` otherwise.
    pub n_per_process: Option<usize>,
}

impl StoredPoint {
    /// The point's directory relative to the tree's root:
    /// `N{N}/{model}[/p{P}t{T}][/seed{S}]`.
    pub fn rel_dir(&self) -> PathBuf {
        let mut d = Path::new(&format!("N{}", self.n)).join(self.model.name());
        if self.resources_dir {
            d.push(self.resources.name());
        }
        if let Some(s) = self.seed {
            d.push(format!("seed{s}"));
        }
        d
    }

    /// The configuration the point belongs to in sorting: `None` for the
    /// layout without a resource directory, so that such trees keep their
    /// order (model, N, seed).
    fn dir_key(&self) -> Option<Resources> {
        self.resources_dir.then_some(self.resources)
    }
}

/// A results tree as read from disk.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The tree's root directory.
    pub root: PathBuf,
    /// Every point, sorted by model, N and seed.
    pub points: Vec<StoredPoint>,
    /// Things that were skipped while scanning (one human-readable line each).
    pub notes: Vec<String>,
}

impl Tree {
    /// The models that have at least one point, in [`ModelKind::ALL`] order.
    pub fn models(&self) -> Vec<ModelKind> {
        let mut m: Vec<ModelKind> = self.points.iter().map(|p| p.model).collect();
        m.sort();
        m.dedup();
        m
    }

    /// Every network size with at least one point, ascending.
    pub fn sizes(&self) -> Vec<usize> {
        let mut n: Vec<usize> = self.points.iter().map(|p| p.n).collect();
        n.sort_unstable();
        n.dedup();
        n
    }

    /// Keep only the points of `models`.
    pub fn retain_models(&mut self, models: &[ModelKind]) {
        self.points.retain(|p| models.contains(&p.model));
    }
}

/// Parse a directory name `N{N}` (N > 0).
fn parse_n_dir(name: &str) -> Option<usize> {
    let digits = name.strip_prefix('N')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<usize>().ok().filter(|&n| n > 0)
}

/// Parse a directory name `seed{S}`.
fn parse_seed_dir(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("seed")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()
}

/// Parse a directory name `p{P}t{T}` (P, T > 0) into (P, T).
fn parse_resources_dir(name: &str) -> Option<(usize, usize)> {
    let rest = name.strip_prefix('p')?;
    let (p, t) = rest.split_once('t')?;
    let num = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<usize>().ok())
            .flatten()
            .filter(|&v| v > 0)
    };
    Some((num(p)?, num(t)?))
}

/// The subdirectories of `dir` as (name, path), sorted by name.
fn subdirs(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io("cannot read directory", dir, e))?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io("cannot read directory", dir, e))?;
        let path = entry.path();
        if path.is_dir() {
            out.push((entry.file_name().to_string_lossy().into_owned(), path));
        }
    }
    out.sort();
    Ok(out)
}

/// The names of the model directories, from the model table:
/// `iaf_psc_alpha or ignore_and_fire`.
fn model_names() -> String {
    let names: Vec<&str> = ModelKind::ALL.iter().map(|m| m.name()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// Where a point lies in the tree: its model, N, optional `p{P}t{T}`
/// directory (P, T) and optional seed directory.
#[derive(Debug, Clone, Copy)]
struct Location {
    model: ModelKind,
    n: usize,
    res_dir: Option<(usize, usize)>,
    seed: Option<u64>,
}

/// The resources of a point: those of its `p{P}t{T}` directory (with a
/// note where `data.json` says otherwise), else those `data.json` records.
fn point_resources(at: Location, record: &RunRecord, path: &Path, notes: &mut Vec<String>) -> Resources {
    let Some((p, t)) = at.res_dir else {
        return Resources {
            processes: record.processes.unwrap_or(1),
            threads: record.threads,
        };
    };
    let dir = format!("p{p}t{t}");
    for (key, said, value) in [("processes", record.processes, p), ("threads", record.threads, t)] {
        if let Some(v) = said.filter(|&v| v != value) {
            notes.push(format!(
                "`{}` says {key} = {v} but lies in directory {dir}; using {key} = {value}",
                path.display()
            ));
        }
    }
    Resources {
        processes: p,
        threads: Some(t),
    }
}

/// Load one point's `data.json` and check it against the directory names.
fn load_point(at: Location, dir: PathBuf, notes: &mut Vec<String>) -> Result<StoredPoint> {
    let (model, n) = (at.model, at.n);
    let path = dir.join(DATA_JSON);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, e))?;
    let record = RunRecord::from_json(&text, &path)?;
    let extra: ExtraKeys =
        serde_json::from_str(&text).map_err(|e| Error::parse(&path, None, format!("unexpected content: {e}")))?;
    if let Some(rn) = record.n.filter(|&rn| rn != n) {
        notes.push(format!(
            "`{}` says N = {rn} but lies in directory N{n}; using N = {n}",
            path.display()
        ));
    }
    if let Some(rm) = record.model.as_deref().filter(|&rm| rm != model.name()) {
        notes.push(format!(
            "`{}` says model `{rm}` but lies in directory {}; using {}",
            path.display(),
            model.name(),
            model.name()
        ));
    }
    let resources = point_resources(at, &record, &path, notes);
    if let Some(npp) = extra
        .n_per_process
        .filter(|&v| v.checked_mul(resources.processes) != Some(n))
    {
        notes.push(format!(
            "`{}` says n_per_process = {npp}, but N = {n} on {} process(es) is not {npp} x {}",
            path.display(),
            resources.processes,
            resources.processes
        ));
    }
    Ok(StoredPoint {
        model,
        n,
        seed: at.seed,
        dir,
        record,
        resources,
        resources_dir: at.res_dir.is_some(),
        n_per_process: extra.n_per_process,
    })
}

/// Load the point of `dir` itself (`dir/data.json`) and those of its
/// `seed{S}/` subdirectories into `points`; returns whether any was found.
/// A seed directory without `data.json` is listed in `notes`.
fn load_points_in(at: Location, dir: &Path, points: &mut Vec<StoredPoint>, notes: &mut Vec<String>) -> Result<bool> {
    let mut found = false;
    if dir.join(DATA_JSON).is_file() {
        points.push(load_point(at, dir.to_path_buf(), notes)?);
        found = true;
    }
    for (sname, s_path) in subdirs(dir)? {
        let Some(seed) = parse_seed_dir(&sname) else {
            continue;
        };
        if s_path.join(DATA_JSON).is_file() {
            points.push(load_point(Location { seed: Some(seed), ..at }, s_path, notes)?);
            found = true;
        } else {
            notes.push(format!("`{}`: no {DATA_JSON}, skipped", s_path.display()));
        }
    }
    Ok(found)
}

/// Load the points of a model directory `N{N}/{model}/`: its own, those of
/// its seed directories, and those of its `p{P}t{T}/` directories (each
/// with or without seed directories).
fn load_model_dir(at: Location, m_path: &Path, points: &mut Vec<StoredPoint>, notes: &mut Vec<String>) -> Result<()> {
    let mut found = load_points_in(at, m_path, points, notes)?;
    let mut res_dirs = false;
    for (rname, r_path) in subdirs(m_path)? {
        let Some(res) = parse_resources_dir(&rname) else {
            continue;
        };
        res_dirs = true;
        let at = Location {
            res_dir: Some(res),
            ..at
        };
        if load_points_in(at, &r_path, points, notes)? {
            found = true;
        } else {
            notes.push(format!("`{}`: no {DATA_JSON}, skipped", r_path.display()));
        }
    }
    if !found && !res_dirs {
        notes.push(format!("`{}`: no {DATA_JSON}, skipped", m_path.display()));
    }
    Ok(())
}

/// Read every point of the results tree at `dir`.
///
/// Accepts `DIR/N{N}/{model}/data.json`, `DIR/N{N}/{model}/seed{S}/data.json`,
/// `DIR/N{N}/{model}/p{P}t{T}/data.json` and
/// `DIR/N{N}/{model}/p{P}t{T}/seed{S}/data.json` (all may occur in one
/// tree); other files and directories (e.g. the `sweep.json` manifest) are
/// ignored. Directories that look like points but hold no `data.json`, and
/// `data.json` files that contradict their directory names, are listed in
/// [`Tree::notes`].
///
/// Errors: [`Error::Io`] if `dir` cannot be read, [`Error::Parse`] (naming
/// file and line) for a corrupt `data.json`, [`Error::NoData`] if the tree
/// holds no point at all.
pub fn load_tree(dir: &Path) -> Result<Tree> {
    if !dir.exists() {
        return Err(Error::io(
            "cannot read results directory",
            dir,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
        ));
    }
    let mut points = Vec::new();
    let mut notes = Vec::new();
    for (name, n_path) in subdirs(dir)? {
        let Some(n) = parse_n_dir(&name) else {
            continue;
        };
        for (mname, m_path) in subdirs(&n_path)? {
            let Some(model) = ModelKind::from_name(&mname) else {
                notes.push(format!(
                    "`{}`: unknown model directory `{mname}` skipped (expected {})",
                    m_path.display(),
                    model_names()
                ));
                continue;
            };
            let at = Location {
                model,
                n,
                res_dir: None,
                seed: None,
            };
            load_model_dir(at, &m_path, &mut points, &mut notes)?;
        }
    }
    if points.is_empty() {
        return Err(no_data(dir));
    }
    // Points without a resource directory sort first (key None), so a tree
    // without resource directories keeps the order (model, N, seed).
    points.sort_by_key(|p| (p.model, p.n, p.dir_key(), p.seed));
    Ok(Tree {
        root: dir.to_path_buf(),
        points,
        notes,
    })
}

/// The error of a tree without any point.
fn no_data(dir: &Path) -> Error {
    let hint = if dir.join(DATA_JSON).is_file() {
        " (it holds a data.json itself: pass the root of the results tree, the directory holding N{N}/)"
    } else {
        ""
    };
    Error::NoData(format!(
        "no results in `{}`: expected `{}/N{{N}}/{{model}}/data.json`, e.g. `{}/N1250/{}/data.json`{hint}",
        dir.display(),
        dir.display(),
        dir.display(),
        ModelKind::ALL[0].name()
    ))
}

/// Human-readable lines naming the (model, N) points missing from `tree`:
/// a model of `models` without any point, or a model lacking some of the
/// sizes other models (or seeds) have.
pub fn missing_points(tree: &Tree, models: &[ModelKind]) -> Vec<String> {
    let sizes = tree.sizes();
    let root = tree.root.display();
    let mut out = Vec::new();
    for &m in models {
        let have: Vec<usize> = tree.points.iter().filter(|p| p.model == m).map(|p| p.n).collect();
        if have.is_empty() {
            out.push(format!(
                "`{root}`: no results for model {} (expected `{root}/N{{N}}/{}/data.json`)",
                m.name(),
                m.name()
            ));
            continue;
        }
        let lacking: Vec<String> = sizes
            .iter()
            .filter(|n| !have.contains(n))
            .map(|n| n.to_string())
            .collect();
        if !lacking.is_empty() {
            out.push(format!(
                "`{root}`: model {} has no result for N = {}",
                m.name(),
                lacking.join(", ")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_tree() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nest-3.10/example-tree")
    }

    #[test]
    fn dir_names() {
        assert_eq!(parse_n_dir("N1250"), Some(1250));
        assert_eq!(parse_n_dir("N"), None);
        assert_eq!(parse_n_dir("N0"), None);
        assert_eq!(parse_n_dir("N12a"), None);
        assert_eq!(parse_n_dir("n12"), None);
        assert_eq!(parse_seed_dir("seed3"), Some(3));
        assert_eq!(parse_seed_dir("seed"), None);
        assert_eq!(parse_seed_dir("seedx"), None);
    }

    #[test]
    fn loads_nest_example_tree() {
        let t = load_tree(&example_tree()).unwrap();
        assert_eq!(t.points.len(), 22);
        assert_eq!(t.models(), ModelKind::ALL.to_vec());
        assert_eq!(t.sizes(), (1..=11).map(|i| i * 1250).collect::<Vec<usize>>());
        let p = &t.points[0];
        assert_eq!((p.model, p.n, p.seed), (ModelKind::IafPscAlpha, 1250, None));
        assert_eq!(p.record.rate, 4.6376800000000005);
        assert!(t.notes.is_empty(), "{:?}", t.notes);
        assert!(missing_points(&t, ModelKind::ALL).is_empty());
    }

    #[test]
    fn missing_and_empty() {
        let d = tempfile::tempdir().unwrap();
        let e = load_tree(d.path()).unwrap_err();
        assert!(matches!(e, Error::NoData(_)), "{e}");
        assert!(e.to_string().contains("no results"), "{e}");
        let e = load_tree(&d.path().join("nope")).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e}");

        let rec = r#"{"build_time": 1, "sim_time": 2, "rate": 3, "weight_mean": 4,
            "weight_sd": 5, "weight_min": 0, "weight_max": 9, "weight_median": 4}"#;
        for (n, m, s) in [
            (100, "iaf_psc_alpha", None),
            (200, "iaf_psc_alpha", Some(1)),
            (200, "iaf_psc_alpha", Some(2)),
            (200, "ignore_and_fire", None),
        ] {
            let dir = crate::output::point_dir(d.path(), n, m, None, s);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(DATA_JSON), rec).unwrap();
        }
        std::fs::create_dir_all(d.path().join("N300/ignore_and_fire")).unwrap();
        std::fs::create_dir_all(d.path().join("N300/foo")).unwrap();
        let t = load_tree(d.path()).unwrap();
        assert_eq!(t.points.len(), 4);
        assert_eq!(t.points[1].seed, Some(1));
        assert_eq!(t.notes.len(), 2, "{:?}", t.notes);
        let miss = missing_points(&t, ModelKind::ALL);
        assert_eq!(miss.len(), 1, "{miss:?}");
        assert!(
            miss[0].contains("ignore_and_fire") && miss[0].contains("N = 100"),
            "{miss:?}"
        );
    }

    #[test]
    fn truncated_data_json_names_file_and_line() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("N100/iaf_psc_alpha");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(DATA_JSON), "{\"build_time\": 1.0,\n\"sim_").unwrap();
        let e = load_tree(d.path()).unwrap_err().to_string();
        assert!(e.contains("data.json") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn resource_dirs_load_with_their_resources() {
        assert_eq!(parse_resources_dir("p2t4"), Some((2, 4)));
        for bad in ["p0t1", "p2t0", "p2", "pt1", "p2t", "p2x4", "q2t4", "p2t4a"] {
            assert_eq!(parse_resources_dir(bad), None, "{bad}");
        }
        let d = tempfile::tempdir().unwrap();
        let rec = |extra: &str| {
            format!(
                r#"{{"build_time": 1, "sim_time": 2, "rate": 3, "weight_mean": 4, "weight_sd": 5,
                "weight_min": 0, "weight_max": 9, "weight_median": 4{extra}}}"#
            )
        };
        let put = |rel: &str, json: String| {
            let dir = d.path().join(rel);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(DATA_JSON), json).unwrap();
        };
        put("N100/iaf_psc_alpha", rec(r#", "threads": 3"#));
        put("N100/iaf_psc_alpha/p2t1", rec(r#", "processes": 2, "threads": 1"#));
        put(
            "N100/iaf_psc_alpha/p1t2/seed7",
            rec(r#", "processes": 1, "threads": 4"#),
        );
        put(
            "N200/iaf_psc_alpha/p2t1",
            rec(r#", "processes": 2, "n_per_process": 100"#),
        );
        put("N300/iaf_psc_alpha/p2t1", rec(r#", "n_per_process": 100"#));
        std::fs::create_dir_all(d.path().join("N100/iaf_psc_alpha/p4t4")).unwrap();
        let t = load_tree(d.path()).unwrap();
        let got: Vec<(usize, bool, Resources, Option<u64>)> = t
            .points
            .iter()
            .map(|p| (p.n, p.resources_dir, p.resources, p.seed))
            .collect();
        let r = |processes, threads| Resources { processes, threads };
        assert_eq!(
            got,
            vec![
                (100, false, r(1, Some(3)), None),
                (100, true, r(1, Some(2)), Some(7)),
                (100, true, r(2, Some(1)), None),
                (200, true, r(2, Some(1)), None),
                (300, true, r(2, Some(1)), None),
            ]
        );
        assert_eq!(t.points[1].rel_dir(), Path::new("N100/iaf_psc_alpha/p1t2/seed7"));
        assert_eq!(t.points[0].rel_dir(), Path::new("N100/iaf_psc_alpha"));
        assert_eq!(t.points[3].n_per_process, Some(100));
        // threads 4 in p1t2, the empty p4t4, n_per_process 100 at N300 on 2 processes
        assert_eq!(t.notes.len(), 3, "{:?}", t.notes);
        assert!(
            t.notes[0].contains("threads = 4") && t.notes[0].contains("p1t2"),
            "{:?}",
            t.notes
        );
        assert!(t.notes.iter().any(|n| n.contains("p4t4")), "{:?}", t.notes);
        assert!(
            t.notes.iter().any(|n| n.contains("n_per_process = 100")),
            "{:?}",
            t.notes
        );
    }
}
