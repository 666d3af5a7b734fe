//! One point of a sweep: (model, N, seed), its parameters, its results
//! directory and the digest that tells whether finished results on disk
//! belong to it. A leaf: it knows the parameters and the output layout,
//! nothing of how a point is run.

use crate::models::ModelKind;
use crate::output;
use crate::params::Params;
use std::path::{Path, PathBuf};

/// One point of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// Neuron model.
    pub model: ModelKind,
    /// Network size (neurons).
    pub n: usize,
    /// Random seed.
    pub seed: u64,
    /// Worker threads per process.
    pub threads: usize,
}

impl Point {
    /// The point's parameters: `base` with its N and seed.
    pub fn params(&self, base: &Params) -> Params {
        Params {
            N: self.n,
            seed: self.seed,
            ..base.clone()
        }
    }

    /// The point's directory under `root`: `root/N{N}/{model}`, with
    /// `processes` given `root/N{N}/{model}/p{P}t{T}` (its resources: P
    /// processes of T threads), then `/seed{S}` with `seed_dirs`.
    pub fn dir(&self, root: &Path, seed_dirs: bool, processes: Option<usize>) -> PathBuf {
        let resources = processes.map(|p| (p, self.threads));
        output::point_dir(
            root,
            self.n,
            self.model.name(),
            resources,
            seed_dirs.then_some(self.seed),
        )
    }

    /// The point in messages: `iaf_psc_alpha N=1250 seed=1`.
    pub fn label(&self) -> String {
        format!("{} N={} seed={}", self.model.name(), self.n, self.seed)
    }
}

/// FNV-1a 64-bit hash of `text`, hex: the digest of a text.
pub fn digest_text(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Digest of everything that determines a point's result: model, every
/// parameter, and the `scaling` version.
pub fn digest(model: ModelKind, p: &Params) -> String {
    let text = serde_json::to_string(&(model.name(), p, crate::VERSION)).expect("parameters serialise");
    digest_text(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_dir_and_digest() {
        let pt = Point {
            model: ModelKind::IgnoreAndFire,
            n: 500,
            seed: 3,
            threads: 2,
        };
        let p = pt.params(&Params::default());
        assert_eq!((p.N, p.seed), (500, 3));
        assert_eq!(pt.dir(Path::new("d"), false, None), Path::new("d/N500/ignore_and_fire"));
        assert_eq!(
            pt.dir(Path::new("d"), true, None),
            Path::new("d/N500/ignore_and_fire/seed3")
        );
        assert_eq!(
            pt.dir(Path::new("d"), true, Some(4)),
            Path::new("d/N500/ignore_and_fire/p4t2/seed3")
        );
        let q = Point { seed: 4, ..pt }.params(&Params::default());
        assert_ne!(digest(pt.model, &p), digest(pt.model, &q));
        assert_eq!(digest(pt.model, &p), digest(pt.model, &p.clone()));
    }
}
