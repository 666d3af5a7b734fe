//! Fixed in-degree connectivity. Every target neuron j draws its K_E
//! excitatory and K_I inhibitory sources uniformly with replacement
//! (multapses allowed), never itself (redraw), from its own random stream
//! (seed, Connect, j). Each partition is built independently, in two passes
//! over its targets (count, then place), so no list of all synapses is
//! ever held beside the network (see [`build_share`] for how the placing
//! pass keeps its writes in cache).

use super::storage::{Network, Partition};
use crate::rng::{stream, Purpose};
use rand::Rng;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Sizes and weights that determine the connectivity.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Neurons in total.
    pub n: usize,
    /// Excitatory neurons (0..n_e).
    pub n_e: usize,
    /// Excitatory in-degree.
    pub k_e: usize,
    /// Inhibitory in-degree.
    pub k_i: usize,
    /// Initial E->E and static E->I weight (pA).
    pub w_exc: f64,
    /// Static weight of synapses from I neurons (pA, negative).
    pub w_inh: f64,
    /// Seed of the connection streams.
    pub seed: u64,
}

/// Draw the sources of target `j`: `f(source)` is called for the K_E
/// excitatory sources, then the K_I inhibitory ones, in draw order.
#[inline]
pub fn draw_sources(l: &Layout, j: usize, mut f: impl FnMut(usize)) {
    let mut rng = stream(l.seed, Purpose::Connect, j as u64);
    let n_i = l.n - l.n_e;
    for _ in 0..l.k_e {
        loop {
            let s = rng.random_range(0..l.n_e);
            if s != j {
                f(s);
                break;
            }
        }
    }
    for _ in 0..l.k_i {
        loop {
            let s = l.n_e + rng.random_range(0..n_i);
            if s != j {
                f(s);
                break;
            }
        }
    }
}

/// How a build reports its progress and is stopped: shared by the threads
/// that build partitions and the thread that shows the progress.
#[derive(Debug, Default)]
pub struct BuildProgress {
    /// Work done so far, in units of [`WORK_PER_SYNAPSE`] per synapse
    /// (counting one, staging two, placing one: roughly their shares of
    /// the time), so a build of S synapses ends at 4 S.
    pub work: AtomicU64,
    /// Set to stop the build; it then returns `None` soon after.
    pub cancel: AtomicBool,
}

impl BuildProgress {
    /// Whether the build was asked to stop.
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Work units of one synapse in [`BuildProgress::work`].
pub const WORK_PER_SYNAPSE: u64 = 4;

/// Targets drawn between two progress reports (and cancel checks).
const REPORT_EVERY: usize = 1024;

/// Entries (4 bytes each) of a bucket's share of the synapse arrays that
/// the second pass aims for: 4 MiB, which stays in a core's share of L3
/// while the bucket's synapses are placed, with few enough buckets that
/// staging writes to each of them stay in cache and TLB. (Measured at
/// N = 200000, one thread, build time: 16 MiB was about 10 % slower,
/// 1 MiB about 40 %, 256 KiB 30-100 %.)
const BUCKET_ENTRIES: usize = 1 << 20;

/// The smallest staging buffer (synapses) of a build with few plastic synapses.
const MIN_STAGING: usize = 1 << 20;

/// How one partition's synapses are placed: sources are grouped into
/// buckets of `1 << shift` consecutive sources, targets into chunks of
/// `chunk_targets` consecutive local targets.
#[derive(Debug, Clone, Copy)]
struct Plan {
    shift: u32,
    buckets: usize,
    chunk_targets: usize,
    chunks: usize,
}

impl Plan {
    /// The plan for `n_local` targets of in-degree `k` among `n` sources,
    /// with a staging buffer of `staging` synapses and buckets of about
    /// `bucket_entries` synapses.
    fn new(n: usize, n_local: usize, k: usize, staging: usize, bucket_entries: usize) -> Self {
        let per_source = (n_local * k).div_ceil(n.max(1)).max(1);
        let width = (bucket_entries / per_source).max(1);
        let shift = usize::BITS - 1 - width.leading_zeros();
        let chunk_targets = (staging / k.max(1)).max(1);
        Plan {
            shift,
            buckets: (n >> shift) + 1,
            chunk_targets,
            chunks: n_local.div_ceil(chunk_targets).max(1),
        }
    }
}

/// A staged synapse: source (high 32 bits), plastic flag (bit 31), local target.
#[inline(always)]
fn stage(s: usize, local: u32, plastic: bool) -> u64 {
    ((s as u64) << 32) | ((plastic as u64) << 31) | local as u64
}

/// CSR row offsets (one more than rows) from 32-bit row lengths that must
/// add up to `total`. A row of 2^32 synapses or more in one partition
/// would wrap its count; the sum then falls short, which is caught here.
fn offsets(counts: &[u32], total: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(counts.len() + 1);
    let mut acc = 0usize;
    for &c in counts {
        out.push(acc);
        acc += c as usize;
    }
    out.push(acc);
    assert_eq!(acc, total, "a source has 2^32 or more synapses in one partition");
    out
}

/// Exclusive prefix sums of `c` in place; returns the total.
fn prefix(c: &mut [usize]) -> usize {
    let mut acc = 0;
    for x in c.iter_mut() {
        let v = *x;
        *x = acc;
        acc += v;
    }
    acc
}

/// Build the synapses onto one partition's targets in two passes over its
/// targets, each drawing every target's sources from the target's stream:
///
/// 1. count the synapses per source (the row lengths), and per chunk of
///    targets and bucket of sources;
/// 2. chunk by chunk, stage the chunk's synapses grouped by bucket (a
///    stable counting sort, writing to one place per bucket), then walk
///    them bucket by bucket into their rows: each bucket's rows are a
///    small stretch of the synapse arrays, so the scattered writes stay in
///    cache instead of missing it on every synapse.
///
/// The staging buffer is the plastic weights' own memory (8 bytes per
/// plastic synapse, filled with the initial weight at the end), so the
/// build needs no memory beyond the network's. Within a row, targets
/// ascend and multapses keep their draw order, as a direct placement in
/// target order would give.
///
/// A partition of at most [`DIRECT_MAX`] synapses (its arrays fit in
/// cache) skips the staging: the second pass writes each synapse straight
/// into its row.
fn build_partition(l: &Layout, ranges: (Range<usize>, Range<usize>), prog: &BuildProgress) -> Option<Partition> {
    let n_local = ranges.0.len() + ranges.1.len();
    if n_local * (l.k_e + l.k_i) <= DIRECT_MAX {
        return build_partition_with(l, ranges, prog, Some(0), 0);
    }
    build_partition_with(l, ranges, prog, None, BUCKET_ENTRIES)
}

/// Partitions of at most this many synapses are placed directly (their
/// synapse arrays, 16 MiB of targets, stay in cache while being written):
/// at N = 1250 staging made the build about twice as slow.
const DIRECT_MAX: usize = 1 << 22;

/// [`build_partition`] with a staging buffer of `staging` synapses (by
/// default the plastic weights' memory, at least [`MIN_STAGING`] or all)
/// and buckets of about `bucket_entries` synapses; `Some(0)`: no staging,
/// every synapse goes straight into its row.
fn build_partition_with(
    l: &Layout,
    (exc, inh): (Range<usize>, Range<usize>),
    prog: &BuildProgress,
    staging: Option<usize>,
    bucket_entries: usize,
) -> Option<Partition> {
    let n_e = l.n_e;
    let k = l.k_e + l.k_i;
    let targets = || exc.clone().chain(inh.clone());
    let n_local = exc.len() + inh.len();
    let n_pl = exc.len() * l.k_e;
    let n_st = n_local * k - n_pl;
    // at least one target's synapses per chunk
    let direct = staging == Some(0);
    let staging_len = match staging {
        // direct placement: no staging; one chunk, one bucket
        Some(0) => n_pl + n_st,
        // at least one target's synapses per chunk
        _ => staging.unwrap_or(n_pl.max(MIN_STAGING.min(n_pl + n_st))).max(k.max(1)),
    };
    let bucket_entries = if direct { usize::MAX } else { bucket_entries };
    let plan = Plan::new(l.n, n_local, k, staging_len.max(1), bucket_entries);
    let bucket = |s: usize| s >> plan.shift;
    // pass 1: row lengths, and the synapses of each (chunk, bucket)
    // 32-bit counts: half the cache footprint of the random increments (at
    // N = 1,000,000 the two partitions' counts then fit in L3)
    let mut pl_count = vec![0u32; n_e];
    let mut st_count = vec![0u32; l.n];
    let mut per_bucket = vec![0usize; plan.chunks * plan.buckets];
    for (local, j) in targets().enumerate() {
        let c = local / plan.chunk_targets;
        let counts = &mut per_bucket[c * plan.buckets..(c + 1) * plan.buckets];
        let target_is_e = j < n_e;
        draw_sources(l, j, |s| {
            if target_is_e && s < n_e {
                pl_count[s] = pl_count[s].wrapping_add(1);
            } else {
                st_count[s] = st_count[s].wrapping_add(1);
            }
            counts[bucket(s)] += 1;
        });
        if (local + 1).is_multiple_of(REPORT_EVERY) || local + 1 == n_local {
            prog.work
                .fetch_add(((local % REPORT_EVERY) + 1) as u64 * k as u64, Ordering::Relaxed);
            if prog.cancelled() {
                return None;
            }
        }
    }
    let pl_offsets = offsets(&pl_count, n_pl);
    let st_offsets = offsets(&st_count, n_st);
    drop((pl_count, st_count));
    if direct {
        return place_directly(l, (exc, inh), prog, pl_offsets, st_offsets);
    }
    // pass 2: stage chunk by chunk, then place bucket by bucket
    let mut staging = vec![0u64; staging_len];
    let mut pl_targets = vec![0u32; n_pl];
    let mut st_targets = vec![0u32; n_st];
    let mut pl_fill = pl_offsets.clone();
    let mut st_fill = st_offsets.clone();
    let mut pos = vec![0usize; plan.buckets];
    for c in 0..plan.chunks {
        pos.copy_from_slice(&per_bucket[c * plan.buckets..(c + 1) * plan.buckets]);
        let staged = prefix(&mut pos);
        let first = c * plan.chunk_targets;
        let chunk = first..(first + plan.chunk_targets).min(n_local);
        for (local, j) in targets().enumerate().skip(chunk.start).take(chunk.len()) {
            let local = local as u32;
            let target_is_e = j < n_e;
            draw_sources(l, j, |s| {
                let p = &mut pos[bucket(s)];
                staging[*p] = stage(s, local, target_is_e && s < n_e);
                *p += 1;
            });
            if (local as usize + 1).is_multiple_of(REPORT_EVERY) {
                prog.work.fetch_add((2 * REPORT_EVERY * k) as u64, Ordering::Relaxed);
            }
        }
        let reported = (chunk.end / REPORT_EVERY - chunk.start / REPORT_EVERY) * REPORT_EVERY;
        for &x in &staging[..staged] {
            let (s, local) = ((x >> 32) as usize, x as u32 & !(1 << 31));
            if x & (1 << 31) != 0 {
                pl_targets[pl_fill[s]] = local;
                pl_fill[s] += 1;
            } else {
                st_targets[st_fill[s]] = local;
                st_fill[s] += 1;
            }
        }
        prog.work
            .fetch_add(((3 * chunk.len() - 2 * reported) * k) as u64, Ordering::Relaxed);
        if prog.cancelled() {
            return None;
        }
    }
    let pl_weights: Vec<f64> = if staging.len() == n_pl {
        // the staging buffer becomes the weights, in place
        staging.into_iter().map(|_| l.w_exc).collect()
    } else {
        drop(staging);
        vec![l.w_exc; n_pl]
    };
    Some(Partition {
        exc: exc.start as u32..exc.end as u32,
        inh: inh.start as u32..inh.end as u32,
        pl_offsets,
        pl_targets,
        pl_weights,
        st_offsets,
        st_targets,
    })
}

/// The second pass without staging: every synapse, drawn again in target
/// order, straight into its row (given the row offsets of the first pass).
fn place_directly(
    l: &Layout,
    (exc, inh): (Range<usize>, Range<usize>),
    prog: &BuildProgress,
    pl_offsets: Vec<usize>,
    st_offsets: Vec<usize>,
) -> Option<Partition> {
    let n_e = l.n_e;
    let (n_pl, n_st) = (pl_offsets[n_e], st_offsets[l.n]);
    let mut pl_fill = pl_offsets.clone();
    let mut st_fill = st_offsets.clone();
    let mut pl_targets = vec![0u32; n_pl];
    let mut st_targets = vec![0u32; n_st];
    for (local, j) in exc.clone().chain(inh.clone()).enumerate() {
        let target_is_e = j < n_e;
        draw_sources(l, j, |s| {
            if target_is_e && s < n_e {
                pl_targets[pl_fill[s]] = local as u32;
                pl_fill[s] += 1;
            } else {
                st_targets[st_fill[s]] = local as u32;
                st_fill[s] += 1;
            }
        });
    }
    prog.work.fetch_add(3 * (n_pl + n_st) as u64, Ordering::Relaxed);
    (!prog.cancelled()).then(|| Partition {
        exc: exc.start as u32..exc.end as u32,
        inh: inh.start as u32..inh.end as u32,
        pl_offsets,
        pl_targets,
        pl_weights: vec![l.w_exc; n_pl],
        st_offsets,
        st_targets,
    })
}

/// Split the neurons into `parts` partitions, each an equal share of the
/// excitatory neurons 0..n_e and of the inhibitory neurons n_e..n (contiguous
/// ranges), so that each carries the same share of plastic synapses.
pub fn split(n: usize, n_e: usize, parts: usize) -> Vec<(Range<usize>, Range<usize>)> {
    let parts = parts.clamp(1, n.max(1));
    let n_i = n - n_e;
    (0..parts)
        .map(|i| {
            let e = (i * n_e / parts)..((i + 1) * n_e / parts);
            let q = (n_e + i * n_i / parts)..(n_e + (i + 1) * n_i / parts);
            (e, q)
        })
        .collect()
}

/// Build the network with `parts` target partitions (in parallel on the
/// current rayon pool). The synapses do not depend on `parts`.
pub fn build(l: &Layout, parts: usize) -> Network {
    build_share(l, parts, 0..parts, &BuildProgress::default()).expect("never cancelled")
}

/// Build only the partitions `share` of the `parts` target partitions of
/// the network: one process's share of a network distributed over several
/// (its synapses are those onto its own neurons). Partition k is the same
/// whichever process builds it. `prog` counts the synapse draws as they
/// happen; the build returns `None` if `prog.cancel` is set meanwhile.
pub fn build_share(l: &Layout, parts: usize, share: Range<usize>, prog: &BuildProgress) -> Option<Network> {
    let all = split(l.n, l.n_e, parts);
    let share = share.start.min(all.len())..share.end.min(all.len());
    let parts = all[share]
        .to_vec()
        .into_par_iter()
        .map(|r| build_partition(l, r, prog))
        .collect::<Option<Vec<_>>>()?;
    Some(Network {
        n: l.n,
        n_e: l.n_e,
        w_exc: l.w_exc,
        w_inh: l.w_inh,
        parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            n: 50,
            n_e: 40,
            k_e: 8,
            k_i: 2,
            w_exc: 1.0,
            w_inh: -5.0,
            seed: 3,
        }
    }

    #[test]
    fn fixed_indegree_no_autapses() {
        let l = layout();
        let net = build(&l, 3);
        let mut indeg_e = vec![0; l.n];
        let mut indeg_i = vec![0; l.n];
        for p in &net.parts {
            for s in 0..l.n {
                let mut row: Vec<u32> = p.static_row(s).to_vec();
                if s < l.n_e {
                    row.extend_from_slice(&p.pl_targets[p.pl_offsets[s]..p.pl_offsets[s + 1]]);
                }
                for t in row {
                    let t = p.global(t) as usize;
                    assert_ne!(t, s, "autapse");
                    if s < l.n_e {
                        indeg_e[t] += 1;
                    } else {
                        indeg_i[t] += 1;
                    }
                }
            }
        }
        assert!(indeg_e.iter().all(|&k| k == 8));
        assert!(indeg_i.iter().all(|&k| k == 2));
        assert_eq!(net.n_synapses(), 50 * 10);
    }

    #[test]
    fn partitions_share_both_populations() {
        // every neuron in exactly one partition; E and I shares differ by at most one
        for (n, n_e, parts) in [(50, 40, 3), (1250, 1000, 2), (7, 5, 7), (10, 8, 1)] {
            let s = split(n, n_e, parts);
            let mut seen = vec![0; n];
            for (e, i) in &s {
                assert!(e.end <= n_e && i.start >= n_e);
                e.clone().chain(i.clone()).for_each(|j| seen[j] += 1);
            }
            assert!(seen.iter().all(|&c| c == 1));
            let (es, is): (Vec<_>, Vec<_>) = s.iter().map(|(e, i)| (e.len(), i.len())).unzip();
            assert!(es.iter().max().unwrap() - es.iter().min().unwrap() <= 1, "{es:?}");
            assert!(is.iter().max().unwrap() - is.iter().min().unwrap() <= 1, "{is:?}");
        }
        let net = build(&layout(), 3);
        let globals: Vec<u32> = net
            .parts
            .iter()
            .flat_map(|p| (0..p.len() as u32).map(|l| p.global(l)))
            .collect();
        let mut sorted = globals.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<u32>>());
    }

    #[test]
    fn staged_placement_is_direct_placement() {
        // the rows as a direct placement in target order gives them, for
        // every staging size (one chunk or many) and bucket width
        let l = Layout {
            n: 300,
            n_e: 240,
            k_e: 20,
            k_i: 5,
            ..layout()
        };
        for (exc, inh) in split(l.n, l.n_e, 3) {
            let mut pl_rows = vec![Vec::new(); l.n_e];
            let mut st_rows = vec![Vec::new(); l.n];
            for (local, j) in exc.clone().chain(inh.clone()).enumerate() {
                draw_sources(&l, j, |s| {
                    let rows = if j < l.n_e && s < l.n_e {
                        &mut pl_rows
                    } else {
                        &mut st_rows
                    };
                    rows[s].push(local as u32);
                });
            }
            let flat = |rows: &[Vec<u32>]| rows.concat();
            for (staging, bucket) in [
                (Some(1), 1),
                (Some(30), 30),
                (Some(77), 100),
                (Some(1000), 5),
                (None, 1 << 20),
            ] {
                let p = build_partition_with(
                    &l,
                    (exc.clone(), inh.clone()),
                    &BuildProgress::default(),
                    staging,
                    bucket,
                )
                .expect("not cancelled");
                assert_eq!(p.pl_targets, flat(&pl_rows), "staging {staging:?}, bucket {bucket}");
                assert_eq!(p.st_targets, flat(&st_rows), "staging {staging:?}, bucket {bucket}");
                for (s, row) in st_rows.iter().enumerate() {
                    assert_eq!(p.static_row(s), row.as_slice());
                }
                assert!(p.pl_weights.iter().all(|&w| w == l.w_exc));
            }
        }
    }

    #[test]
    fn progress_counts_all_work_and_cancel_stops() {
        let l = layout();
        let prog = BuildProgress::default();
        let net = build_share(&l, 2, 0..2, &prog).expect("not cancelled");
        assert_eq!(prog.work.load(Ordering::Relaxed), WORK_PER_SYNAPSE * net.n_synapses());
        let prog = BuildProgress::default();
        prog.cancel.store(true, Ordering::Relaxed);
        assert!(build_share(&l, 2, 0..2, &prog).is_none());
    }

    #[test]
    fn partitioning_does_not_change_synapses() {
        let l = layout();
        let a = build(&l, 1).plastic_subset(40);
        let b = build(&l, 4).plastic_subset(40);
        assert_eq!(a, b);
    }
}
