//! Scan a results tree (`DIR/N{N}/{model}/data.json`, optionally
//! `DIR/N{N}/{model}/seed{S}/data.json`) into a list of points.

use crate::error::{Error, Result};
use crate::models::ModelKind;
use crate::output::data_json::RunRecord;
use crate::output::DATA_JSON;
use std::path::{Path, PathBuf};

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

/// Load one point's `data.json` and check it against the directory names.
fn load_point(
    model: ModelKind,
    n: usize,
    seed: Option<u64>,
    dir: PathBuf,
    notes: &mut Vec<String>,
) -> Result<StoredPoint> {
    let path = dir.join(DATA_JSON);
    let record = RunRecord::load(&path)?;
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
    Ok(StoredPoint {
        model,
        n,
        seed,
        dir,
        record,
    })
}

/// Read every point of the results tree at `dir`.
///
/// Accepts `DIR/N{N}/{model}/data.json` and `DIR/N{N}/{model}/seed{S}/data.json`
/// (both may occur in one tree); other files and directories (e.g. the
/// `sweep.json` manifest) are ignored. Directories that look like points but
/// hold no `data.json` are listed in [`Tree::notes`].
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
            let Some(model) = ModelKind::parse(&mname).filter(|m| m.name() == mname) else {
                notes.push(format!(
                    "`{}`: unknown model directory `{mname}` skipped (expected {})",
                    m_path.display(),
                    model_names()
                ));
                continue;
            };
            let mut found = false;
            if m_path.join(DATA_JSON).is_file() {
                points.push(load_point(model, n, None, m_path.clone(), &mut notes)?);
                found = true;
            }
            for (sname, s_path) in subdirs(&m_path)? {
                let Some(seed) = parse_seed_dir(&sname) else {
                    continue;
                };
                if s_path.join(DATA_JSON).is_file() {
                    points.push(load_point(model, n, Some(seed), s_path, &mut notes)?);
                    found = true;
                } else {
                    notes.push(format!("`{}`: no {DATA_JSON}, skipped", s_path.display()));
                }
            }
            if !found {
                notes.push(format!("`{}`: no {DATA_JSON}, skipped", m_path.display()));
            }
        }
    }
    if points.is_empty() {
        let hint = if dir.join(DATA_JSON).is_file() {
            " (it holds a data.json itself: pass the root of the results tree, the directory holding N{N}/)"
        } else {
            ""
        };
        return Err(Error::NoData(format!(
            "no results in `{}`: expected `{}/N{{N}}/{{model}}/data.json`, e.g. `{}/N1250/{}/data.json`{hint}",
            dir.display(),
            dir.display(),
            dir.display(),
            ModelKind::ALL[0].name()
        )));
    }
    points.sort_by_key(|p| (p.model, p.n, p.seed));
    Ok(Tree {
        root: dir.to_path_buf(),
        points,
        notes,
    })
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
}
