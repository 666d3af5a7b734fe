//! The analysis pass: load a results tree, compute tables, draw figures.
//!
//! `scaling analyse DIR --out FIGDIR` reads `DIR/N{N}/{model}[/seed{S}]/data.json`
//! ([`load`]), aggregates per (model, N) across seeds ([`table`]), prints the
//! table (or JSON) on stdout, writes `FIGDIR/scaling.csv` and
//! `FIGDIR/scaling.md`, draws `FIGDIR/scaling.{png,svg}` ([`figure`]) and,
//! per point, `FIGDIR/N{N}/{model}[/seed{S}]/{raster,weights}.png`
//! ([`per_run`]). Only files are read; every file is written atomically.

pub mod figure;
pub mod load;
pub mod per_run;
pub mod plot;
pub mod table;

pub use load::{load_tree, StoredPoint, Tree};

use crate::cli::AnalyseArgs;
use crate::error::{Error, Result};
use crate::models::ModelKind;
use crate::output::{atomic, point_dir};
use rayon::prelude::*;
use std::path::PathBuf;

/// Parse the `--models` list (`iaf,ignore`, full names accepted).
pub fn parse_models(s: &str) -> Result<Vec<ModelKind>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let m = ModelKind::parse(part).ok_or_else(|| {
            Error::config(
                "--models",
                format!(
                    "unknown model `{}` in `{s}`; expected iaf (iaf_psc_alpha) and/or ignore (ignore_and_fire), comma separated",
                    part.trim()
                ),
            )
        })?;
        if !out.contains(&m) {
            out.push(m);
        }
    }
    Ok(out)
}

/// Load a tree and keep the points of `models` (if given); an empty result
/// is [`Error::NoData`].
fn load_filtered(dir: &std::path::Path, models: Option<&[ModelKind]>, warn: &dyn Fn(&str)) -> Result<Tree> {
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

/// Write `s` to stdout; a closed pipe (`scaling analyse | head`) is not an
/// error.
fn emit(s: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io("cannot write", std::path::Path::new("stdout"), e))
        }
        _ => Ok(()),
    }
}

/// Run `scaling analyse` with the given arguments.
pub fn run(args: &AnalyseArgs) -> Result<()> {
    let formats = plot::parse_formats(&args.format)?;
    let models = args.models.as_deref().map(parse_models).transpose()?;
    let quiet = args.quiet;
    let warn = |s: &str| {
        if !quiet {
            eprintln!("warning: {s}");
        }
    };

    let tree = load_filtered(&args.dir, models.as_deref(), &warn)?;
    let expected = models.clone().unwrap_or_else(|| ModelKind::ALL.to_vec());
    for m in load::missing_points(&tree, &expected) {
        warn(&m);
    }
    let mut main = table::aggregate(&tree, "main");

    let compare = match &args.compare {
        Some(dir) => {
            let ct = load_filtered(dir, models.as_deref(), &warn)?;
            let other = table::aggregate(&ct, &args.label);
            let lacking = table::add_ratios(&mut main, &other);
            if !lacking.is_empty() {
                let list: Vec<String> = lacking.iter().map(|(m, n)| format!("{} N = {n}", m.name())).collect();
                warn(&format!(
                    "`{}` ({}) has no point for {}; their ratios are left empty",
                    dir.display(),
                    args.label,
                    list.join(", ")
                ));
            }
            Some(other)
        }
        None => None,
    };

    // stdout
    let main_title = format!("results in `{}`", args.dir.display());
    let cmp_title = |t: &table::Table| format!("{} results in `{}`", t.label, t.dir);
    if args.json {
        let v = serde_json::json!({
            "main": table::to_json_value(&main),
            "compare": compare.as_ref().map(table::to_json_value),
        });
        let s = serde_json::to_string_pretty(&v)
            .map_err(|e| Error::io("cannot format JSON for", std::path::Path::new("stdout"), e.into()))?;
        emit(&(s + "\n"))?;
    } else if !quiet {
        let mut s = table::to_text(&main, &main_title);
        if let Some(c) = &compare {
            s.push('\n');
            s.push_str(&table::to_text(c, &cmp_title(c)));
        }
        emit(&s)?;
    }

    // tables
    let out = &args.out;
    let mut tables: Vec<&table::Table> = vec![&main];
    tables.extend(compare.as_ref());
    let csv_path = out.join("scaling.csv");
    atomic::write_bytes(&csv_path, table::to_csv(&tables).as_bytes())?;
    let mut md = String::from("# Scaling experiment\n\n");
    md.push_str(&table::to_markdown(&main, &main_title));
    if let Some(c) = &compare {
        md.push('\n');
        md.push_str(&table::to_markdown(c, &cmp_title(c)));
    }
    md.push_str(
        "\nTimes are wall-clock seconds; rate is the time- and population-averaged \
         firing rate; weights are E->E weights among the first 200 E neurons. \
         `a ± b`: mean ± SD across seeds. Ratios are other / ours.\n",
    );
    let md_path = out.join("scaling.md");
    atomic::write_bytes(&md_path, md.as_bytes())?;

    // scaling figure
    let fig = figure::ScalingFigure::new(&main, compare.as_ref().map(|c| (c, args.label.as_str())));
    let mut written: Vec<PathBuf> = plot::render(&fig, &out.join("scaling"), &formats)?;
    written.push(csv_path);
    written.push(md_path);

    // per-run figures
    let mut n_per_run = 0;
    if !args.no_per_run {
        let results: Vec<Result<(Vec<PathBuf>, Vec<String>)>> = tree
            .points
            .par_iter()
            .map(|p| per_run::draw(p, &point_dir(out, p.n, p.model.name(), p.seed), &formats))
            .collect();
        for r in results {
            let (files, notes) = r?;
            n_per_run += files.len();
            for n in &notes {
                warn(n);
            }
        }
    }

    if !quiet {
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
        eprintln!("{note}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_parse() {
        assert_eq!(
            parse_models("iaf, ignore_and_fire,iaf").unwrap(),
            vec![ModelKind::IafPscAlpha, ModelKind::IgnoreAndFire]
        );
        let e = parse_models("iaf,lif").unwrap_err().to_string();
        assert!(e.contains("--models") && e.contains("lif"), "{e}");
        assert!(parse_models("").is_err());
    }
}
