//! The analysis pass: load a results tree, compute tables, draw figures.
//!
//! `scaling analyse DIR --out FIGDIR` reads `DIR/N{N}/{model}[/seed{S}]/data.json`
//! ([`load`]), aggregates per (model, N) across seeds ([`table`]), prints the
//! table (or JSON) on stdout, writes `FIGDIR/scaling.csv` and
//! `FIGDIR/scaling.md`, draws `FIGDIR/scaling.{png,svg}` ([`figure`]) and,
//! per point, `FIGDIR/N{N}/{model}[/p{P}t{T}][/seed{S}]/{raster,weights}.png`
//! ([`per_run`]). A tree that runs some point on several compute resources
//! (`N{N}/{model}/p{P}t{T}/` directories) or a weak-scaling series also
//! gets `FIGDIR/resources.{png,svg,csv,md}` ([`resources`],
//! [`resources_figure`]). Only files are read; every file is written
//! atomically.

pub mod figure;
pub mod load;
pub mod per_run;
pub mod plot;
pub mod resources;
pub mod resources_figure;
pub mod table;

pub use load::{load_tree, Resources, StoredPoint, Tree};

use crate::error::{Error, Result};
use crate::models::ModelKind;
use crate::output::atomic;
use plot::Format;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// What `scaling analyse` (and the analysis pass after a sweep) reads,
/// writes and prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The results tree to read.
    pub dir: PathBuf,
    /// Directory of the figures and tables.
    pub out: PathBuf,
    /// Formats of every figure.
    pub formats: Vec<Format>,
    /// Models to include; `None`: every model found.
    pub models: Option<Vec<ModelKind>>,
    /// A second results tree (e.g. NEST's) drawn in the same figure.
    pub compare: Option<PathBuf>,
    /// Label of the `compare` tree in tables, legends and warnings.
    pub label: String,
    /// Print the tables as JSON instead of text.
    pub json: bool,
    /// Draw the per-run figures (raster, weight distribution).
    pub per_run: bool,
    /// Print only errors (and the JSON output).
    pub quiet: bool,
}

impl Default for Options {
    /// `scaling analyse`'s defaults: `data` into `figures`, PNG and SVG,
    /// every model, per-run figures, tables as text.
    fn default() -> Self {
        Options {
            dir: "data".into(),
            out: "figures".into(),
            formats: vec![Format::Png, Format::Svg],
            models: None,
            compare: None,
            label: "NEST".into(),
            json: false,
            per_run: true,
            quiet: false,
        }
    }
}

/// Load a tree and keep the points of `models` (if given); an empty result
/// is [`Error::NoData`].
fn load_filtered(dir: &Path, models: Option<&[ModelKind]>, warn: &dyn Fn(&str)) -> Result<Tree> {
    let mut tree = load_tree(dir)?;
    for n in &tree.notes {
        warn(n);
    }
    if let Some(ms) = models {
        let found = tree.models();
        tree.retain_models(ms);
        if tree.points.is_empty() {
            let names = |v: &[ModelKind]| v.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ");
            return Err(Error::NoData(format!(
                "no results for the models selected with --models ({}) in `{}`; it holds: {}",
                names(ms),
                dir.display(),
                names(&found)
            )));
        }
    }
    Ok(tree)
}

/// Run the analysis: load the tree(s), print and write the tables, draw
/// the scaling figure, the resources figure (if the tree compares compute
/// resources) and the per-run figures.
pub fn run(opts: &Options) -> Result<()> {
    let quiet = opts.quiet;
    let warn = |s: &str| {
        if !quiet {
            eprintln!("warning: {s}");
        }
    };
    let models = opts.models.as_deref();
    let tree = load_filtered(&opts.dir, models, &warn)?;
    for m in load::missing_points(&tree, models.unwrap_or(ModelKind::ALL)) {
        warn(&m);
    }
    let (shown, choices) = resources::scaling_points(&tree);
    if !quiet {
        for c in &choices {
            eprintln!("note: {c}");
        }
    }
    let mut main = table::aggregate(&shown, "main");
    let compare = match &opts.compare {
        Some(dir) => Some(compare_table(dir, opts, &mut main, &warn)?),
        None => None,
    };
    let res = resources::resource_table(&tree);
    print_tables(opts, &main, compare.as_ref(), res.as_ref())?;
    let tables = write_tables(opts, &main, compare.as_ref(), !choices.is_empty())?;
    let fig = figure::ScalingFigure::new(&main, compare.as_ref().map(|c| (c, opts.label.as_str())));
    let mut written: Vec<PathBuf> = plot::render(&fig, &opts.out.join("scaling"), &opts.formats)?;
    written.extend(tables);
    if let Some(rt) = &res {
        written.extend(write_resources(opts, rt)?);
    }
    let n_per_run = if opts.per_run {
        draw_per_run(&tree, opts, &warn)?
    } else {
        0
    };
    if !quiet {
        eprintln!("{}", summary(&tree, &opts.out, &written, n_per_run));
    }
    Ok(())
}

/// Draw `resources.{png,svg}` and write `resources.csv` and `resources.md`
/// into the output directory; returns their paths.
fn write_resources(opts: &Options, rt: &resources::ResourceTable) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    if let Some(fig) = resources_figure::ResourcesFigure::new(rt) {
        written.extend(plot::render(&fig, &opts.out.join("resources"), &opts.formats)?);
    }
    let csv_path = opts.out.join("resources.csv");
    atomic::write_bytes(&csv_path, resources::to_csv(rt).as_bytes())?;
    let md_path = opts.out.join("resources.md");
    atomic::write_bytes(&md_path, resources::to_markdown(rt, &resources_title(opts)).as_bytes())?;
    written.extend([csv_path, md_path]);
    Ok(written)
}

/// Title of the resources table.
fn resources_title(opts: &Options) -> String {
    format!("compute resources in `{}`", opts.dir.display())
}

/// Load the `compare` tree at `dir`, aggregate it, and fill the ratios of
/// `main` to it (warning about the points it lacks).
fn compare_table(dir: &Path, opts: &Options, main: &mut table::Table, warn: &dyn Fn(&str)) -> Result<table::Table> {
    let ct = load_filtered(dir, opts.models.as_deref(), warn)?;
    let (ct, _) = resources::scaling_points(&ct);
    let other = table::aggregate(&ct, &opts.label);
    let lacking = table::add_ratios(main, &other);
    if !lacking.is_empty() {
        let list: Vec<String> = lacking.iter().map(|(m, n)| format!("{} N = {n}", m.name())).collect();
        warn(&format!(
            "`{}` ({}) has no point for {}; their ratios are left empty",
            dir.display(),
            opts.label,
            list.join(", ")
        ));
    }
    Ok(other)
}

/// Title of the main table.
fn main_title(opts: &Options) -> String {
    format!("results in `{}`", opts.dir.display())
}

/// Title of the compare tree's table.
fn compare_title(t: &table::Table) -> String {
    format!("{} results in `{}`", t.label, t.dir)
}

/// Print the tables on stdout: as JSON with `json`, else as text unless
/// `quiet`. The resources table (`res`, present only for a tree that
/// compares compute resources) comes last, under the JSON key `resources`.
fn print_tables(
    opts: &Options,
    main: &table::Table,
    compare: Option<&table::Table>,
    res: Option<&resources::ResourceTable>,
) -> Result<()> {
    if opts.json {
        let mut v = serde_json::json!({
            "main": table::to_json_value(main),
            "compare": compare.map(table::to_json_value),
        });
        if let Some(rt) = res {
            v["resources"] = resources::to_json_value(rt);
        }
        let s = serde_json::to_string_pretty(&v)
            .map_err(|e| Error::io("cannot format JSON for", Path::new("stdout"), e.into()))?;
        crate::output::write_stdout((s + "\n").as_bytes())
    } else if !opts.quiet {
        let mut s = table::to_text(main, &main_title(opts));
        if let Some(c) = compare {
            s.push('\n');
            s.push_str(&table::to_text(c, &compare_title(c)));
        }
        if let Some(rt) = res {
            s.push('\n');
            s.push_str(&resources::to_text(rt, &resources_title(opts)));
        }
        crate::output::write_stdout(s.as_bytes())
    } else {
        Ok(())
    }
}

/// Write `scaling.csv` and `scaling.md` into the output directory; returns
/// their paths. `chosen`: some point was run on several compute resources
/// and the tables show one of them (said below the Markdown tables).
fn write_tables(
    opts: &Options,
    main: &table::Table,
    compare: Option<&table::Table>,
    chosen: bool,
) -> Result<Vec<PathBuf>> {
    let mut tables: Vec<&table::Table> = vec![main];
    tables.extend(compare);
    let csv_path = opts.out.join("scaling.csv");
    atomic::write_bytes(&csv_path, table::to_csv(&tables).as_bytes())?;
    let mut md = String::from("# Scaling experiment\n\n");
    md.push_str(&table::to_markdown(main, &main_title(opts)));
    if let Some(c) = compare {
        md.push('\n');
        md.push_str(&table::to_markdown(c, &compare_title(c)));
    }
    md.push_str(
        "\nTimes are wall-clock seconds; rate is the time- and population-averaged \
         firing rate; weights are E->E weights among the first 200 E neurons. \
         `a ± b`: mean ± SD across seeds. Ratios are other / ours.\n",
    );
    if chosen {
        md.push_str(
            "\nWhere a network was run on several compute resources, the row shows one \
             configuration: the one the model was run with at the most network sizes, \
             then the one with the most cores; `resources.md` compares them all.\n",
        );
    }
    let md_path = opts.out.join("scaling.md");
    atomic::write_bytes(&md_path, md.as_bytes())?;
    Ok(vec![csv_path, md_path])
}

/// Draw the per-run figures of every point of `tree` (in parallel) under
/// the output directory; returns the number of files written.
fn draw_per_run(tree: &Tree, opts: &Options, warn: &dyn Fn(&str)) -> Result<usize> {
    let results: Vec<Result<(Vec<PathBuf>, Vec<String>)>> = tree
        .points
        .par_iter()
        .map(|p| per_run::draw_point(p, &opts.out.join(p.rel_dir()), &opts.formats))
        .collect();
    let mut n = 0;
    for r in results {
        let (files, notes) = r?;
        n += files.len();
        for note in &notes {
            warn(note);
        }
    }
    Ok(n)
}

/// The closing line on stderr: the points read and the files written.
fn summary(tree: &Tree, out: &Path, written: &[PathBuf], n_per_run: usize) -> String {
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
        .collect();
    let mut note = format!(
        "analyse: {} point(s) of {} model(s) -> {}/{{{}}}",
        tree.points.len(),
        tree.models().len(),
        out.display(),
        names.join(",")
    );
    if n_per_run > 0 {
        note.push_str(&format!(" and {n_per_run} per-run figure(s) in {}/N*/", out.display()));
    }
    note
}
