//! Fixed in-degree connectivity. Every target neuron j draws its K_E
//! excitatory and K_I inhibitory sources uniformly with replacement
//! (multapses allowed), never itself (redraw), from its own random stream
//! (seed, Connect, j). Each partition is built independently, in two passes
//! over its targets (count, then place; the sorted placement of large
//! partitions bounds its counts instead and draws once), so no list of all
//! synapses is ever held beside the network (see `build_partition` and
//! `Sorted` for how the placing pass keeps its writes in cache).

use super::storage::{Network, Partition};
use crate::host::advise_huge_pages;
use crate::params::{Derived, Params};
use crate::rng::{stream, Purpose};
use crate::simd::{stream_fence, stream_line, LINE_U32};
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

impl Layout {
    /// The connectivity of the parameters `p` (derived quantities `d`).
    pub fn of(p: &Params, d: &Derived) -> Self {
        Layout {
            n: p.N,
            n_e: d.N_E,
            k_e: d.K_E,
            k_i: d.K_I,
            w_exc: d.I_E,
            w_inh: d.I_I,
            seed: p.seed,
        }
    }
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
    /// the time; a sorted placement, which does not count, stages for
    /// three), so a build of S synapses ends at 4 S.
    pub work: AtomicU64,
    /// Set to stop the build; it then returns `None` soon after.
    pub cancel: AtomicBool,
}

/// Work units of one synapse in [`BuildProgress::work`].
pub const WORK_PER_SYNAPSE: u64 = 4;

/// Work units a partition's build collects before adding them to the
/// shared count (and looking at the cancel flag).
const REPORT_UNITS: u64 = 1 << 20;

/// Entries (4 bytes each) of a bucket's share of the synapse arrays that
/// the second pass aims for: 4 MiB, which stays in a core's share of L3
/// while the bucket's synapses are placed, with few enough buckets that
/// staging writes to each of them stay in cache and TLB. (Measured at
/// N = 200000, one thread, build time: 16 MiB was about 10 % slower,
/// 1 MiB about 40 %, 256 KiB 30-100 %.)
const BUCKET_ENTRIES: usize = 1 << 20;

/// The smallest staging buffer (synapses) of a build with few plastic synapses.
const MIN_STAGING: usize = 1 << 20;

/// Counts per source (4 bytes each, for every source) above which a
/// partition too large to be placed directly is sorted (`Sorted`)
/// rather than staged after counting every row: above N = 436907 in the
/// model's network (N_E = 0.8 N).
/// Measured against staging (2026-12-03, second machine), when sorting
/// still counted first: 0.90x the build time at N = 700000 on one thread;
/// at N = 1,000,000 on two, 0.82x (median of three alternating pairs) and
/// 0.88x (median of seven more, 0.66-1.10x pair by pair, a noisy
/// stretch); 1.14x at N = 200000 and 1.22x at N = 12500 on one thread,
/// where the counts fit in L2. Once sorting drew only once (same day,
/// 14:17-14:21, two threads, three alternating pairs each, medians):
/// 0.87x at N = 450000 and 0.88x at 500000, 1.23x at 400000 and 0.98x at
/// 200000; the threshold moved from 4 MiB (N = 582542) to 3 MiB.
pub const SORTED_MIN_COUNT_BYTES: usize = 3 << 20;

/// Whether a partition of a network of `n` neurons (`n_e` excitatory) is
/// sorted (`Sorted`) when it is too large to be placed directly: when
/// its counts per source would exceed [`SORTED_MIN_COUNT_BYTES`].
pub fn sorts(n: usize, n_e: usize) -> bool {
    std::mem::size_of::<u32>() * (n_e + n) > SORTED_MIN_COUNT_BYTES
}

/// Partitions of at most this many synapses are placed directly (their
/// synapse arrays, 16 MiB of targets, stay in cache while being written):
/// at N = 1250 staging made the build about twice as slow.
pub const DIRECT_MAX: usize = 1 << 22;

/// How the second pass places a partition's synapses in their rows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Placement {
    /// Each synapse straight into its row (the arrays stay in cache).
    Direct,
    /// Through a staging buffer of `staging` synapses, grouped by buckets
    /// of sources holding about `bucket_entries` synapses.
    Staged { staging: usize, bucket_entries: usize },
    /// Staged in the synapse arrays and sorted there, bucket by bucket
    /// ([`Sorted`]).
    Sorted { bucket_entries: usize },
}

impl Placement {
    /// The placement of a partition of `n_pl` plastic and `n_st` static
    /// synapses of layout `l`: direct up to [`DIRECT_MAX`], else sorted if
    /// the counts per source would exceed [`SORTED_MIN_COUNT_BYTES`], else
    /// staged in the plastic weights' memory (at least [`MIN_STAGING`]
    /// synapses, or all).
    fn of(l: &Layout, n_pl: usize, n_st: usize) -> Self {
        if n_pl + n_st <= DIRECT_MAX {
            Placement::Direct
        } else if sorts(l.n, l.n_e) {
            Placement::Sorted {
                bucket_entries: BUCKET_ENTRIES,
            }
        } else {
            Placement::Staged {
                staging: n_pl.max(MIN_STAGING.min(n_pl + n_st)),
                bucket_entries: BUCKET_ENTRIES,
            }
        }
    }
}

/// Sources grouped into buckets of `1 << shift` consecutive sources, as
/// both the staged and the sorted placement group them. A sorted
/// placement packs a synapse into one 32-bit entry: the source's place in
/// its bucket above the local target's `target_bits` bits.
#[derive(Debug, Clone, Copy)]
struct Buckets {
    shift: u32,
    /// How many buckets cover all sources.
    count: usize,
    target_bits: u32,
}

impl Buckets {
    /// Buckets for `n_local` targets of in-degree `k` among `n` sources,
    /// each holding about `bucket_entries` synapses (fewer sources where a
    /// source's place and a local target would not fit in 32 bits).
    fn new(n: usize, n_local: usize, k: usize, bucket_entries: usize) -> Self {
        let per_source = (n_local * k).div_ceil(n.max(1)).max(1);
        let width = (bucket_entries / per_source).max(1);
        let target_bits = usize::BITS - n_local.saturating_sub(1).leading_zeros();
        let shift = (usize::BITS - 1 - width.leading_zeros()).min(32 - target_bits);
        Buckets {
            shift,
            count: (n >> shift) + 1,
            target_bits,
        }
    }

    /// The bucket of source `s`.
    #[inline(always)]
    fn bucket(&self, s: usize) -> usize {
        s >> self.shift
    }

    /// The sources of bucket `b` among `n` (empty past the last).
    fn sources(&self, b: usize, n: usize) -> Range<usize> {
        let first = (b << self.shift).min(n);
        first..(first + (1 << self.shift)).min(n)
    }

    /// The sorted placement's entry of a synapse from source `s` onto local target `local`.
    #[inline(always)]
    fn entry(&self, s: usize, local: u32) -> u32 {
        let place = (s & ((1 << self.shift) - 1)) as u64;
        ((place << self.target_bits) | local as u64) as u32
    }

    /// The source's place in its bucket and the local target of an entry.
    #[inline(always)]
    fn unpack(&self, e: u32) -> (usize, u32) {
        let e = e as u64;
        (
            (e >> self.target_bits) as usize,
            (e & ((1 << self.target_bits) - 1)) as u32,
        )
    }
}

/// How a staged placement groups its synapses: sources into [`Buckets`],
/// targets into chunks of `chunk_targets` consecutive local targets.
#[derive(Debug, Clone, Copy)]
struct Plan {
    sources: Buckets,
    chunk_targets: usize,
    chunks: usize,
}

impl Plan {
    /// The plan for `n_local` targets of in-degree `k` among `n` sources,
    /// with a staging buffer of `staging` synapses (at least one target's
    /// are staged at a time) and buckets of about `bucket_entries` synapses.
    fn new(n: usize, n_local: usize, k: usize, staging: usize, bucket_entries: usize) -> Self {
        let chunk_targets = (staging / k.max(1)).max(1);
        Plan {
            sources: Buckets::new(n, n_local, k, bucket_entries),
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

/// One partition's work, handed to the shared [`BuildProgress`] in batches.
struct Work<'a> {
    prog: &'a BuildProgress,
    pending: u64,
    /// Whether the synapse arrays ask for huge pages ([`uses_huge_pages`]).
    huge: bool,
}

impl Work<'_> {
    /// `units` more done; false once the build is cancelled.
    #[inline]
    fn done(&mut self, units: u64) -> bool {
        self.pending += units;
        self.pending < REPORT_UNITS || self.flush()
    }

    /// Hand over what is pending; false once the build is cancelled.
    fn flush(&mut self) -> bool {
        self.prog
            .work
            .fetch_add(std::mem::take(&mut self.pending), Ordering::Relaxed);
        !self.prog.cancel.load(Ordering::Relaxed)
    }
}

/// Rows (CSR by source): `offsets[s]..offsets[s + 1]` of `targets` are
/// the local targets of source `s`.
struct Csr {
    offsets: Vec<usize>,
    targets: Vec<u32>,
}

/// Rows being filled directly: their offsets, the next free place of each
/// row, and the targets.
struct Rows {
    fill: Vec<usize>,
    csr: Csr,
}

impl Rows {
    /// Empty rows of the given offsets, in huge pages if `huge`.
    fn new(offsets: Vec<usize>, huge: bool) -> Self {
        let total = *offsets.last().expect("one offset past the last row");
        let targets = vec![0; total];
        advise_if(huge, &targets);
        Rows {
            fill: offsets.clone(),
            csr: Csr { targets, offsets },
        }
    }

    /// Append local target `t` to the row of source `s`.
    #[inline(always)]
    fn push(&mut self, s: usize, t: u32) {
        self.csr.targets[self.fill[s]] = t;
        self.fill[s] += 1;
    }
}

/// Build the synapses onto one partition's targets in two passes over its
/// targets, each drawing every target's sources from the target's stream
/// (a sorted placement draws once instead, see [`Sorted`]):
///
/// 1. count the synapses per source (the row lengths), and, when staged,
///    per chunk of targets and bucket of sources;
/// 2. place them ([`Placement`]). Staged: chunk by chunk, stage the chunk's
///    synapses grouped by bucket (a stable counting sort, writing to one
///    place per bucket), then walk them bucket by bucket into their rows:
///    each bucket's rows are a small stretch of the synapse arrays, so the
///    scattered writes stay in cache instead of missing it on every
///    synapse. The staging buffer is the plastic weights' own memory (8
///    bytes per plastic synapse, filled with the initial weight at the
///    end), so the build needs no memory beyond the network's.
///
/// Within a row, targets ascend and multapses keep their draw order either
/// way.
fn build_partition(
    l: &Layout,
    ranges: (Range<usize>, Range<usize>),
    prog: &BuildProgress,
    huge: bool,
) -> Option<Partition> {
    let (n_pl, n_st) = synapse_counts(l, &ranges);
    build_partition_with(l, ranges, prog, Placement::of(l, n_pl, n_st), huge)
}

/// The plastic (E->E) and static synapses onto the E targets `exc` and the
/// I targets `inh` of a partition.
fn synapse_counts(l: &Layout, (exc, inh): &(Range<usize>, Range<usize>)) -> (usize, usize) {
    let n_pl = exc.len() * l.k_e;
    (n_pl, (exc.len() + inh.len()) * (l.k_e + l.k_i) - n_pl)
}

/// [`build_partition`] with the given placement.
fn build_partition_with(
    l: &Layout,
    (exc, inh): (Range<usize>, Range<usize>),
    prog: &BuildProgress,
    placement: Placement,
    huge: bool,
) -> Option<Partition> {
    let k = l.k_e + l.k_i;
    let targets = exc.clone().chain(inh.clone());
    let n_local = exc.len() + inh.len();
    let (n_pl, n_st) = synapse_counts(l, &(exc.clone(), inh.clone()));
    let mut work = Work { prog, pending: 0, huge };
    let rows = match placement {
        Placement::Sorted { bucket_entries } => Sorted {
            l,
            buckets: Buckets::new(l.n, n_local, k, bucket_entries),
            n_exc: exc.len(),
            n_inh: inh.len(),
            sigmas: CAPACITY_SIGMAS,
        }
        .build(targets, &mut work)?,
        Placement::Staged {
            staging,
            bucket_entries,
        } => {
            let plan = Plan::new(l.n, n_local, k, staging, bucket_entries);
            let (mut pl, mut st, per_bucket) = counted_rows(l, targets.clone(), Some(&plan), (n_pl, n_st), &mut work)?;
            // a staging buffer holds at least one target's synapses
            let mut staging = vec![0u64; staging.max(k)];
            advise_if(huge, &staging);
            let staged = Staged {
                plan: &plan,
                per_bucket: &per_bucket,
                n_local,
            };
            staged.place(l, targets, &mut staging, (&mut pl, &mut st), &mut work)?;
            let pl_weights = if staging.len() == n_pl {
                // the staging buffer becomes the weights, in place
                staging.into_iter().map(|_| l.w_exc).collect()
            } else {
                drop(staging);
                initial_weights(n_pl, l.w_exc, huge)
            };
            (pl.csr, st.csr, pl_weights)
        }
        Placement::Direct => {
            let (mut pl, mut st, _) = counted_rows(l, targets.clone(), None, (n_pl, n_st), &mut work)?;
            place_direct(l, targets, (&mut pl, &mut st), &mut work)?;
            (pl.csr, st.csr, initial_weights(n_pl, l.w_exc, huge))
        }
    };
    partition((exc, inh), rows, work)
}

/// Pass 1 ([`count_rows`]) made into empty plastic and static rows of
/// `n_pl` and `n_st` synapses, and the counts per (chunk, bucket) of a
/// staged `plan`.
fn counted_rows(
    l: &Layout,
    targets: impl Iterator<Item = usize>,
    plan: Option<&Plan>,
    (n_pl, n_st): (usize, usize),
    work: &mut Work<'_>,
) -> Option<(Rows, Rows, Vec<usize>)> {
    let (pl_count, st_count, per_bucket) = count_rows(l, targets, plan, work)?;
    Some((
        Rows::new(offsets(&pl_count, n_pl), work.huge),
        Rows::new(offsets(&st_count, n_st), work.huge),
        per_bucket,
    ))
}

/// The partition of E targets `exc` and I targets `inh` with the given
/// plastic and static rows and plastic weights, once `work` is handed
/// over (`None` if the build was cancelled).
fn partition(
    (exc, inh): (Range<usize>, Range<usize>),
    (pl, st, pl_weights): (Csr, Csr, Vec<f64>),
    mut work: Work<'_>,
) -> Option<Partition> {
    if !work.flush() {
        return None;
    }
    Some(Partition {
        exc: exc.start as u32..exc.end as u32,
        inh: inh.start as u32..inh.end as u32,
        pl_offsets: pl.offsets,
        pl_targets: pl.targets,
        pl_weights,
        st_offsets: st.offsets,
        st_targets: st.targets,
        pl_live: Vec::new(),
    })
}

/// Ask for huge pages for the untouched `mem` ([`advise_huge_pages`]) if
/// `huge`: the process's choice for all its synapse arrays
/// ([`uses_huge_pages`]).
fn advise_if<T>(huge: bool, mem: &[T]) {
    if huge {
        advise_huge_pages(mem);
    }
}

/// `n` plastic weights of `w` (pA), in huge pages where the kernel allows
/// if `huge`.
fn initial_weights(n: usize, w: f64, huge: bool) -> Vec<f64> {
    let mut weights = Vec::with_capacity(n);
    advise_if(huge, weights.spare_capacity_mut());
    weights.resize(n, w);
    weights
}

/// Pass 1 over `targets`: the plastic and the static row lengths, and, for
/// a staged placement, the synapses per (chunk, bucket) of `plan`.
fn count_rows(
    l: &Layout,
    targets: impl Iterator<Item = usize>,
    plan: Option<&Plan>,
    work: &mut Work<'_>,
) -> Option<(Vec<u32>, Vec<u32>, Vec<usize>)> {
    // 32-bit: half the cache footprint of the random increments (at
    // N = 1,000,000 the two partitions' counts fit in L3)
    let mut pl_count = vec![0u32; l.n_e];
    let mut st_count = vec![0u32; l.n];
    let mut per_bucket = vec![0usize; plan.map_or(0, |p| p.chunks * p.sources.count)];
    for (local, j) in targets.enumerate() {
        let target_is_e = j < l.n_e;
        let mut counts = plan.map(|p| {
            let c = local / p.chunk_targets;
            (p, &mut per_bucket[c * p.sources.count..(c + 1) * p.sources.count])
        });
        draw_sources(l, j, |s| {
            let count = if target_is_e && s < l.n_e {
                &mut pl_count[s]
            } else {
                &mut st_count[s]
            };
            *count = count.wrapping_add(1);
            if let Some((p, counts)) = counts.as_mut() {
                counts[p.sources.bucket(s)] += 1;
            }
        });
        if !work.done((l.k_e + l.k_i) as u64) {
            return None;
        }
    }
    Some((pl_count, st_count, per_bucket))
}

/// Pass 2, direct: every synapse of `targets`, drawn again, straight into
/// its plastic or static row.
fn place_direct(
    l: &Layout,
    targets: impl Iterator<Item = usize>,
    (pl, st): (&mut Rows, &mut Rows),
    work: &mut Work<'_>,
) -> Option<()> {
    for (local, j) in targets.enumerate() {
        let target_is_e = j < l.n_e;
        draw_sources(l, j, |s| {
            let rows = if target_is_e && s < l.n_e { &mut *pl } else { &mut *st };
            rows.push(s, local as u32);
        });
        if !work.done(3 * (l.k_e + l.k_i) as u64) {
            return None;
        }
    }
    Some(())
}

/// Pass 2, staged: the plan and the first pass's counts per (chunk, bucket).
struct Staged<'a> {
    plan: &'a Plan,
    per_bucket: &'a [usize],
    n_local: usize,
}

impl Staged<'_> {
    /// Chunk by chunk: stage the chunk's synapses in `staging`, then place
    /// them into their rows bucket by bucket.
    fn place(
        &self,
        l: &Layout,
        targets: impl Iterator<Item = usize> + Clone,
        staging: &mut [u64],
        (pl, st): (&mut Rows, &mut Rows),
        work: &mut Work<'_>,
    ) -> Option<()> {
        let plan = self.plan;
        for c in 0..plan.chunks {
            let counts = &self.per_bucket[c * plan.sources.count..(c + 1) * plan.sources.count];
            let chunk = c * plan.chunk_targets..((c + 1) * plan.chunk_targets).min(self.n_local);
            let chunk_targets = targets.clone().enumerate().skip(chunk.start).take(chunk.len());
            let staged = stage_chunk(l, plan, counts, chunk_targets, staging, work)?;
            for &x in &staging[..staged] {
                let (s, local) = ((x >> 32) as usize, x as u32 & !(1 << 31));
                let rows = if x & (1 << 31) != 0 { &mut *pl } else { &mut *st };
                rows.push(s, local);
            }
            if !work.done(staged as u64) {
                return None;
            }
        }
        Some(())
    }
}

/// Stage the synapses of the `targets` of one chunk (local index, global
/// index) into `staging`, grouped by source bucket in draw order within
/// each; `counts` are the chunk's synapses per bucket. Returns how many
/// were staged, or `None` if the build was cancelled.
fn stage_chunk(
    l: &Layout,
    plan: &Plan,
    counts: &[usize],
    targets: impl Iterator<Item = (usize, usize)>,
    staging: &mut [u64],
    work: &mut Work<'_>,
) -> Option<usize> {
    let mut pos = counts.to_vec();
    let staged = prefix(&mut pos);
    let k = (l.k_e + l.k_i) as u64;
    for (local, j) in targets {
        let target_is_e = j < l.n_e;
        draw_sources(l, j, |s| {
            let p = &mut pos[plan.sources.bucket(s)];
            staging[*p] = stage(s, local as u32, target_is_e && s < l.n_e);
            *p += 1;
        });
        if !work.done(2 * k) {
            return None;
        }
    }
    Some(staged)
}

/// Standard deviations above its expected count that a bucket's stretch
/// of a sorted placement holds room for. A bucket's count is a sum of
/// binomials; exceeding this bound has a probability below 1e-20 per
/// bucket, and a partition where it happens is counted exactly and staged
/// again (same result).
const CAPACITY_SIGMAS: f64 = 10.0;

/// A sorted placement of one partition's synapses, for partitions whose
/// rows and counts per source do not fit in cache. The sources are
/// grouped in [`Buckets`], and the synapses are staged in the
/// synapse arrays themselves, so the build needs no memory beyond the
/// network's and, while it runs, room for 1-2 % more synapses (at
/// N = 1M):
///
/// 1. give each bucket a stretch of the plastic and of the static targets
///    with room for its expected count of synapses and
///    [`CAPACITY_SIGMAS`] standard deviations more (from the sizes alone:
///    the sources are drawn uniformly);
/// 2. draw every synapse and write it, as a 32-bit entry, into its
///    bucket's stretch (a counting sort by bucket, stable: target order,
///    then draw order within a bucket). Each bucket gathers its entries
///    in a cache line of its own, which goes to the stretch in one
///    piece, around the caches, once full: the stretches begin on cache
///    lines and are read back only after all are staged. Should a
///    stretch overflow, count the synapses per bucket exactly (a few
///    thousand counters, in L1) and stage again into stretches of exactly
///    that size (rounded up to whole lines);
/// 3. bucket by bucket, sort the stretch by source into the bucket's rows
///    ([`SortedRows::sort_bucket`]: local targets, still in target order
///    within each row), which begin where the rows of the buckets before
///    it end, at or before the stretch (so the empty room closes up as it
///    goes).
///
/// The plastic weights are allocated afterwards. The synapse arrays ask
/// for huge pages where the process's synapses call for them
/// ([`uses_huge_pages`]: a sorted partition of a network spread over
/// several processes may not).
/// See [`SORTED_MIN_COUNT_BYTES`] for where this is faster than staging.
///
/// Measured against the same steps with plain stores into the stretches
/// and a one-pass sort of each bucket (2026-12-03, second machine, build
/// time, two one-thread builds at once, one per core, swapped, four
/// pairs each, N = 600000): the lines 0.89x (0.87-0.94x), the sort in
/// groups a further 0.93x (0.91-0.94x). Buckets of 2^18 or 2^19
/// synapses instead of 2^20 were 1.04x and 1.00x, 2^21 0.97x, 2^22 1.11x.
struct Sorted<'a> {
    l: &'a Layout,
    buckets: Buckets,
    /// Excitatory targets of the partition (local targets 0..n_exc).
    n_exc: usize,
    /// Inhibitory targets of the partition (local targets n_exc..).
    n_inh: usize,
    /// Standard deviations of room above each bucket's expected count
    /// ([`CAPACITY_SIGMAS`]).
    sigmas: f64,
}

/// One kind of rows (plastic or static) of a sorted placement, being built.
struct SortedRows {
    /// Where each bucket's stretch begins, and (last) the end of the last.
    /// Each stretch begins on a cache line and holds whole lines.
    begins: Vec<usize>,
    /// Where each bucket's next line of staged entries goes.
    next: Vec<usize>,
    /// Each bucket's entries staged but not yet written to its stretch.
    lines: Vec<Line>,
    /// How many entries each bucket's line holds.
    held: Vec<u8>,
    /// Where the next bucket's rows begin: the entries sorted so far.
    sorted: usize,
    /// The rows being built.
    csr: Csr,
}

/// Sources per group in the first pass of [`SortedRows::sort_bucket`]:
/// a group's rows (about 80 KB at N = 1M) stay in L2 while its entries
/// are written into them.
const GROUP_SOURCES: usize = 32;

/// Scratch space of [`SortedRows::sort_bucket`], reused from bucket to bucket.
struct Scratch {
    /// Per source of the bucket: its row length, then where its next entry goes.
    fill: Vec<usize>,
    /// Per group of sources: where its next entry goes in `entries`.
    groups: Vec<usize>,
    /// The bucket's entries grouped.
    entries: Vec<u32>,
}

/// One cache line of staged entries.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u32; LINE_U32]);

impl SortedRows {
    /// Stretches with room for at least `room[b]` synapses in bucket b,
    /// and for the offsets of `rows` sources; in huge pages if `huge`.
    fn new(room: &[usize], rows: usize, huge: bool) -> Self {
        let mut begins: Vec<usize> = room.iter().map(|r| r.next_multiple_of(LINE_U32)).collect();
        let total = prefix(&mut begins);
        let targets = vec![0u32; total + LINE_U32];
        advise_if(huge, &targets);
        // the first entry on a cache line
        let first =
            (targets.as_ptr() as usize).wrapping_neg() % std::mem::align_of::<Line>() / std::mem::size_of::<u32>();
        begins.iter_mut().for_each(|b| *b += first);
        begins.push(total + first);
        SortedRows {
            next: begins[..room.len()].to_vec(),
            begins,
            lines: vec![Line([0; LINE_U32]); room.len()],
            held: vec![0; room.len()],
            sorted: 0,
            csr: Csr {
                offsets: Vec::with_capacity(rows + 1),
                targets,
            },
        }
    }

    /// Stage `entry` in bucket `b`: held in the bucket's line, which goes
    /// to the stretch, around the caches, once full. False if the stretch
    /// is full (the staging is then incomplete).
    #[inline(always)]
    fn stage(&mut self, b: usize, entry: u32) -> bool {
        let held = self.held[b] as usize;
        self.lines[b].0[held] = entry;
        if held + 1 < LINE_U32 {
            self.held[b] = held as u8 + 1;
            true
        } else {
            self.write_line(b)
        }
    }

    /// Write bucket `b`'s full line to its stretch; false if the stretch is full.
    #[inline(never)]
    fn write_line(&mut self, b: usize) -> bool {
        self.held[b] = 0;
        let i = self.next[b];
        if i + LINE_U32 > self.begins[b + 1] {
            return false;
        }
        let dst = (&mut self.csr.targets[i..i + LINE_U32]).try_into().expect("one line");
        stream_line(dst, &self.lines[b].0);
        self.next[b] = i + LINE_U32;
        true
    }

    /// Write every bucket's partly filled line to its stretch once all are
    /// staged; false if a stretch is too small for it.
    fn drain(&mut self) -> bool {
        for b in 0..self.lines.len() {
            let (i, held) = (self.next[b], self.held[b] as usize);
            if i + held > self.begins[b + 1] {
                return false;
            }
            self.csr.targets[i..i + held].copy_from_slice(&self.lines[b].0[..held]);
            self.next[b] = i + held;
            self.held[b] = 0;
        }
        true
    }

    /// The entries staged in bucket `b`.
    fn staged(&self, b: usize) -> usize {
        self.next[b] - self.begins[b]
    }

    /// Sort bucket `b`'s stretch (staged) into the rows of its `sources`
    /// sources of this kind (the first is its first source), right after
    /// the rows of the buckets before it, in two stable passes that each
    /// write to few places at a time: the entries by group of
    /// [`GROUP_SOURCES`] sources into `scratch`, then each group's into
    /// its sources' rows, a stretch that stays in cache. `scratch` is
    /// reused from bucket to bucket.
    fn sort_bucket(&mut self, buckets: &Buckets, b: usize, sources: usize, scratch: &mut Scratch) {
        let stretch = self.begins[b]..self.next[b];
        let fill = &mut scratch.fill[..sources];
        fill.fill(0);
        for &e in &self.csr.targets[stretch.clone()] {
            fill[buckets.unpack(e).0] += 1;
        }
        // the rows' offsets, at or before the stretch; and where each group begins in `entries`
        let groups = &mut scratch.groups;
        groups.clear();
        let (mut at, mut grouped) = (self.sorted, 0);
        for (source, f) in fill.iter_mut().enumerate() {
            if source % GROUP_SOURCES == 0 {
                groups.push(grouped);
            }
            self.csr.offsets.push(at);
            grouped += *f;
            at += std::mem::replace(f, at);
        }
        if scratch.entries.len() < stretch.len() {
            scratch.entries.resize(stretch.len(), 0);
        }
        let entries = &mut scratch.entries[..stretch.len()];
        for &e in &self.csr.targets[stretch] {
            let g = &mut groups[buckets.unpack(e).0 / GROUP_SOURCES];
            entries[*g] = e;
            *g += 1;
        }
        // overwrites only what has been read into `entries` or sorted
        let targets = &mut self.csr.targets[..];
        for &e in entries.iter() {
            let (place, local) = buckets.unpack(e);
            targets[fill[place]] = local;
            fill[place] += 1;
        }
        self.sorted = at;
    }

    /// The finished rows (the room left over returned to the allocator).
    fn finish(mut self) -> Csr {
        self.csr.targets.truncate(self.sorted);
        self.csr.targets.shrink_to_fit();
        self.csr.offsets.push(self.sorted);
        self.csr
    }
}

impl Sorted<'_> {
    /// Whether the synapse from source `s` onto local target `local` is plastic (E->E).
    #[inline(always)]
    fn plastic(&self, s: usize, local: u32) -> bool {
        s < self.l.n_e && (local as usize) < self.n_exc
    }

    /// The partition's plastic and static rows and plastic weights.
    fn build(&self, targets: impl Iterator<Item = usize> + Clone, work: &mut Work<'_>) -> Option<(Csr, Csr, Vec<f64>)> {
        let (l, buckets) = (self.l, &self.buckets);
        let k = (l.k_e + l.k_i) as u64;
        let (pl_room, st_room) = self.room();
        let mut pl = SortedRows::new(&pl_room, l.n_e, work.huge);
        let mut st = SortedRows::new(&st_room, l.n, work.huge);
        // the pass that counts is skipped: staging does its share of the work
        let mut reported = 0;
        if !self.stage(targets.clone(), (&mut pl, &mut st), 3 * k, &mut reported, work)? {
            let (pl_lens, st_lens) = self.count(targets.clone());
            (pl, st) = (
                SortedRows::new(&pl_lens, l.n_e, work.huge),
                SortedRows::new(&st_lens, l.n, work.huge),
            );
            let staged = self.stage(targets, (&mut pl, &mut st), 3 * k, &mut reported, work)?;
            assert!(staged, "exact counts leave room for every synapse");
        }
        let width = (1usize << buckets.shift).min(l.n.max(1));
        let mut scratch = Scratch {
            fill: vec![0; width],
            groups: Vec::with_capacity(width.div_ceil(GROUP_SOURCES)),
            entries: Vec::new(),
        };
        for b in 0..buckets.count {
            let sources = buckets.sources(b, l.n);
            let excitatory = sources.start.min(l.n_e)..sources.end.min(l.n_e);
            let staged = pl.staged(b) + st.staged(b);
            pl.sort_bucket(buckets, b, excitatory.len(), &mut scratch);
            st.sort_bucket(buckets, b, sources.len(), &mut scratch);
            if !work.done(staged as u64) {
                return None;
            }
        }
        let (pl, st) = (pl.finish(), st.finish());
        let weights = initial_weights(pl.targets.len(), l.w_exc, work.huge);
        Some((pl, st, weights))
    }

    /// Room per bucket (plastic, static): the expected count of synapses
    /// from its sources onto this partition's targets, and `sigmas`
    /// standard deviations more. Each of a target's draws from a
    /// population of m neurons picks one of them uniformly, one of the
    /// m - 1 others where the target is one of them; the bound assumes the
    /// latter everywhere, and the variance of a sum of binomials is at
    /// most its mean.
    fn room(&self) -> (Vec<usize>, Vec<usize>) {
        let (l, buckets) = (self.l, &self.buckets);
        let (n_e, n_i) = (l.n_e as f64, (l.n - l.n_e) as f64);
        let (exc, inh) = (self.n_exc as f64, self.n_inh as f64);
        let (k_e, k_i) = (l.k_e as f64, l.k_i as f64);
        // the chance that one draw from a population of m picks one of w sources
        let chance = |w: usize, m: f64| if w == 0 { 0.0 } else { w as f64 / (m - 1.0).max(1.0) };
        let room = |mean: f64, most: f64| {
            let r = if mean > 0.0 {
                mean + self.sigmas * mean.sqrt() + 32.0
            } else {
                0.0
            };
            r.clamp(0.0, most).ceil() as usize
        };
        let mut pl = Vec::with_capacity(buckets.count);
        let mut st = Vec::with_capacity(buckets.count);
        for b in 0..buckets.count {
            let sources = buckets.sources(b, l.n);
            let e = sources.end.min(l.n_e) - sources.start.min(l.n_e);
            let i = sources.len() - e;
            let (pe, pi) = (chance(e, n_e), chance(i, n_i));
            pl.push(room(exc * k_e * pe, exc * k_e));
            st.push(room(
                inh * k_e * pe + (exc + inh) * k_i * pi,
                (exc + inh) * k_i + inh * k_e,
            ));
        }
        (pl, st)
    }

    /// Count the plastic and the static synapses per bucket exactly, for
    /// a staging that overflowed. It reports no work (the staging after it
    /// reports the targets the first one did not reach), and a
    /// cancellation is noticed by that staging.
    fn count(&self, targets: impl Iterator<Item = usize>) -> (Vec<usize>, Vec<usize>) {
        let (l, buckets) = (self.l, &self.buckets);
        let mut pl = vec![0usize; buckets.count];
        let mut st = vec![0usize; buckets.count];
        for (local, j) in targets.enumerate() {
            draw_sources(l, j, |s| {
                let counts = if self.plastic(s, local as u32) {
                    &mut pl
                } else {
                    &mut st
                };
                counts[buckets.bucket(s)] += 1;
            });
        }
        (pl, st)
    }

    /// Draw every synapse and write it into its bucket's stretch of the
    /// plastic or static targets, reporting `units` of work per target
    /// from the `reported`-th on (those before were reported by a staging
    /// that overflowed) and counting them in `reported`; `Some(false)` if
    /// a stretch overflowed (the staging is then incomplete), `None` if
    /// the build was cancelled.
    fn stage(
        &self,
        targets: impl Iterator<Item = usize>,
        (pl, st): (&mut SortedRows, &mut SortedRows),
        units: u64,
        reported: &mut usize,
        work: &mut Work<'_>,
    ) -> Option<bool> {
        let (l, buckets) = (self.l, &self.buckets);
        let (mut fits, mut cancelled) = (true, false);
        for (local, j) in targets.enumerate() {
            draw_sources(l, j, |s| {
                let rows = if self.plastic(s, local as u32) {
                    &mut *pl
                } else {
                    &mut *st
                };
                fits &= rows.stage(buckets.bucket(s), buckets.entry(s, local as u32));
            });
            if !fits {
                break;
            }
            if local < *reported {
                continue;
            }
            *reported += 1;
            if !work.done(units) {
                cancelled = true;
                break;
            }
        }
        // the lines written around the caches, ordered before what follows
        stream_fence();
        if cancelled {
            return None;
        }
        Some(fits && pl.drain() && st.drain())
    }
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

/// The neuron ranges of the partitions `share` of `parts` (those of them
/// that exist).
fn share_ranges(l: &Layout, parts: usize, share: Range<usize>) -> Vec<(Range<usize>, Range<usize>)> {
    let mut all = split(l.n, l.n_e, parts);
    all.truncate(share.end);
    all.drain(..share.start.min(all.len()));
    all
}

/// Synapse memory of one process (bytes) from which its synapse arrays ask
/// for transparent huge pages: from about N = 430000 in one process, just
/// below where partitions start to be sorted ([`sorts`]), whose placing pass writes
/// to about 1760 places at once and needs the TLB reach of huge pages.
///
/// On the third machine (2026-12-04, late evening, a VM whose host takes
/// back memory left free for a few seconds) a huge page's first touch is
/// fast only when the memory was freed just before (0.04 s per GB on two
/// threads) and slow otherwise (1.2 s per GB), while 4 KiB pages cost
/// 0.2-0.3 s per GB either way for about the first GB. Builds,
/// iaf_psc_alpha, two threads, fresh processes, after a 14 s pause / right
/// after a run of the same size, huge pages against 4 KiB pages:
/// N = 12500 0.20-0.24 / 0.05-0.06 s against 0.09-0.11 / 0.07 s;
/// N = 200000 3.2-3.4 / 0.8 s against 1.3-1.6 / 1.1 s (sorted from here
/// on:) N = 500000 5.8-8.4 / 1.7-1.9 s against 3.1-3.8 / 2.9-3.1 s;
/// N = 600000 7.4-9.8 / 3.2-4.1 s against 7.7-9.0 / 5.1 s; N = 1M
/// 11.7-15.9 / 5.0-6.0 s against 13.5-15.1 / 7.9-9.5 s. Simulations did
/// not differ up to N = 500000 (T = 1 s); at N = 1M they were 0.90-0.96x
/// with huge pages (performance.md). Below this size the arrays take
/// 4 KiB pages: a build never takes 2-4x its time because the memory
/// came cold.
pub const HUGE_PAGES_MIN_BYTES: f64 = 4.9e9;

/// Whether a process whose synapse arrays take `bytes` asks for huge
/// pages for them ([`HUGE_PAGES_MIN_BYTES`]).
pub fn uses_huge_pages(bytes: f64) -> bool {
    bytes >= HUGE_PAGES_MIN_BYTES
}

/// The memory (bytes) of `plastic` plastic synapses (a 4-byte target and
/// an 8-byte weight each) and `fixed` static ones (a 4-byte target).
pub fn synapse_bytes(plastic: f64, fixed: f64) -> f64 {
    12.0 * plastic + 4.0 * fixed
}

/// The memory (bytes, [`synapse_bytes`]) of the synapses onto the
/// partitions `share` of `parts`: what decides [`uses_huge_pages`] for a
/// process that builds them.
pub fn share_synapse_bytes(l: &Layout, parts: usize, share: Range<usize>) -> f64 {
    let (plastic, fixed) = share_ranges(l, parts, share).iter().fold((0, 0), |(pl, st), r| {
        let (n_pl, n_st) = synapse_counts(l, r);
        (pl + n_pl, st + n_st)
    });
    synapse_bytes(plastic as f64, fixed as f64)
}

/// The synapses onto the partitions `share` of `parts`: what
/// [`build_share`] builds.
pub fn share_synapses(l: &Layout, parts: usize, share: Range<usize>) -> u64 {
    let targets: usize = share_ranges(l, parts, share)
        .iter()
        .map(|(e, i)| e.len() + i.len())
        .sum();
    (targets * (l.k_e + l.k_i)) as u64
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
    let huge = uses_huge_pages(share_synapse_bytes(l, parts, share.clone()));
    let parts = share_ranges(l, parts, share)
        .into_par_iter()
        .map(|r| build_partition(l, r, prog, huge))
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
        // the rows as a placement in target order gives them, for every
        // staging size (one chunk or many) and bucket width, staged or
        // sorted, with most synapses plastic (the staging in the weights'
        // memory) and few (in a buffer of its own)
        for (k_e, k_i) in [(20, 5), (5, 20)] {
            let l = Layout {
                n: 300,
                n_e: 240,
                k_e,
                k_i,
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
                let offsets = |rows: &[Vec<u32>]| {
                    let lens: Vec<u32> = rows.iter().map(|r| r.len() as u32).collect();
                    offsets(&lens, lens.iter().map(|&n| n as usize).sum())
                };
                let staged = |staging, bucket_entries| Placement::Staged {
                    staging,
                    bucket_entries,
                };
                let sorted = |bucket_entries| Placement::Sorted { bucket_entries };
                let n_pl = exc.len() * l.k_e;
                let n_st = (exc.len() + inh.len()) * (k_e + k_i) - n_pl;
                for placement in [
                    Placement::Direct,
                    staged(1, 1),
                    staged(30, 30),
                    staged(77, 100),
                    staged(1000, 5),
                    staged(n_pl, BUCKET_ENTRIES),
                    sorted(1),
                    sorted(5),
                    sorted(30),
                    sorted(100),
                    sorted(BUCKET_ENTRIES),
                    Placement::of(&l, n_pl, n_st),
                ] {
                    let huge = matches!(placement, Placement::Staged { .. });
                    let p = build_partition_with(
                        &l,
                        (exc.clone(), inh.clone()),
                        &BuildProgress::default(),
                        placement,
                        huge,
                    )
                    .expect("not cancelled");
                    assert_eq!(p.pl_targets, flat(&pl_rows), "{placement:?}");
                    assert_eq!(p.st_targets, flat(&st_rows), "{placement:?}");
                    assert_eq!(p.pl_offsets, offsets(&pl_rows), "{placement:?}");
                    assert_eq!(p.st_offsets, offsets(&st_rows), "{placement:?}");
                    assert_eq!(p.pl_weights.len(), n_pl);
                    assert!(p.pl_weights.iter().all(|&w| w == l.w_exc));
                }
                // sorted with too little room (a stretch overflows and the
                // buckets are counted exactly), just enough, or plenty
                for sigmas in [-100.0, 0.0, CAPACITY_SIGMAS] {
                    for bucket_entries in [5, BUCKET_ENTRIES] {
                        let n_local = exc.len() + inh.len();
                        let sorted = Sorted {
                            l: &l,
                            buckets: Buckets::new(l.n, n_local, k_e + k_i, bucket_entries),
                            n_exc: exc.len(),
                            n_inh: inh.len(),
                            sigmas,
                        };
                        let prog = BuildProgress::default();
                        let mut work = Work {
                            prog: &prog,
                            pending: 0,
                            huge: sigmas > 0.0,
                        };
                        let (pl, st, w) = sorted
                            .build(exc.clone().chain(inh.clone()), &mut work)
                            .expect("not cancelled");
                        // the progress reaches its total, overflow or not
                        let reported = prog.work.load(Ordering::Relaxed) + work.pending;
                        assert_eq!(
                            reported,
                            WORK_PER_SYNAPSE * (n_local * (k_e + k_i)) as u64,
                            "{sigmas} {bucket_entries}"
                        );
                        assert_eq!(pl.targets, flat(&pl_rows), "{sigmas} {bucket_entries}");
                        assert_eq!(st.targets, flat(&st_rows), "{sigmas} {bucket_entries}");
                        assert_eq!(pl.offsets, offsets(&pl_rows), "{sigmas} {bucket_entries}");
                        assert_eq!(st.offsets, offsets(&st_rows), "{sigmas} {bucket_entries}");
                        assert_eq!(w.len(), n_pl);
                    }
                }
            }
        }
    }

    #[test]
    fn sorted_entries_fit_in_32_bits() {
        // a source's place in its bucket and a local target share 32 bits:
        // many targets leave fewer bits for the place (smaller buckets)
        for (n, n_local, k, bucket_entries) in [
            (300, 100, 25, 1),
            (1_000_000, 500_000, 1250, BUCKET_ENTRIES),
            (10_000_000, 5_000_000, 1250, BUCKET_ENTRIES),
            (10_000_000, 5_000_000, 1, BUCKET_ENTRIES),
            (1 << 33, (1 << 32) - 1, 1, BUCKET_ENTRIES),
            (5, 1, 3, BUCKET_ENTRIES),
        ] {
            let b = Buckets::new(n, n_local, k, bucket_entries);
            assert!(b.shift + b.target_bits <= 32, "{b:?}");
            assert!(n_local <= 1 << b.target_bits, "{b:?}");
            assert_eq!(b.count, (n >> b.shift) + 1);
            for s in [0, 1, n / 3, n - 1] {
                for local in [0, n_local / 2, n_local - 1] {
                    let (place, t) = b.unpack(b.entry(s, local as u32));
                    assert_eq!(((b.bucket(s) << b.shift) + place, t as usize), (s, local), "{b:?}");
                }
            }
        }
        let wide = Buckets::new(1_000_000, 500_000, 1250, BUCKET_ENTRIES);
        assert_eq!((wide.shift, wide.target_bits), (10, 19));
        let narrow = Buckets::new(10_000_000, 5_000_000, 1, BUCKET_ENTRIES);
        assert_eq!((narrow.shift, narrow.target_bits), (9, 23));
    }

    #[test]
    fn sorted_room_covers_the_expected_counts_and_little_more() {
        // the model's network at N = 1M, one of two partitions: every
        // bucket's room lies above its count, by at most 2 % in all
        let l = Layout {
            n: 1_000_000,
            n_e: 800_000,
            k_e: 1000,
            k_i: 250,
            ..layout()
        };
        let (exc, inh) = split(l.n, l.n_e, 2)[0].clone();
        let sorted = Sorted {
            l: &l,
            buckets: Buckets::new(l.n, exc.len() + inh.len(), 1250, BUCKET_ENTRIES),
            n_exc: exc.len(),
            n_inh: inh.len(),
            sigmas: CAPACITY_SIGMAS,
        };
        let (pl, st) = sorted.room();
        let (n_pl, n_st) = (exc.len() * 1000, inh.len() * 1000 + (exc.len() + inh.len()) * 250);
        let (room_pl, room_st) = (pl.iter().sum::<usize>(), st.iter().sum::<usize>());
        assert!(room_pl > n_pl && room_pl < n_pl + n_pl / 50, "{room_pl} vs {n_pl}");
        assert!(room_st > n_st && room_st < n_st + n_st / 50, "{room_st} vs {n_st}");
        // a bucket of 1024 E sources expects 400000 * 1000 * 1024 / 799999 plastic synapses
        let mean: f64 = 400_000.0 * 1000.0 * 1024.0 / 799_999.0;
        assert!(
            (pl[0] as f64 - (mean + 10.0 * mean.sqrt() + 32.0)).abs() < 1.0,
            "{}",
            pl[0]
        );
        // past the E sources a bucket holds no plastic synapses
        assert_eq!(pl[pl.len() - 1], 0);
    }

    #[test]
    fn large_networks_are_sorted() {
        let l = |n: usize| Layout {
            n,
            n_e: n * 4 / 5,
            k_e: 1000,
            k_i: 250,
            ..layout()
        };
        let of = |n: usize, parts: usize| {
            let n_pl = n * 4 / 5 / parts * 1000;
            Placement::of(&l(n), n_pl, n / parts * 1250 - n_pl)
        };
        assert_eq!(of(6250, 2), Placement::Direct);
        assert!(matches!(of(12500, 2), Placement::Staged { .. }));
        assert!(matches!(of(400_000, 2), Placement::Staged { .. }));
        assert!(matches!(of(450_000, 2), Placement::Sorted { .. }));
        assert!(matches!(of(1_000_000, 2), Placement::Sorted { .. }));
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
