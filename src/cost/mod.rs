//! The cost model of one sweep point (synapses, peak memory, build and
//! simulation time), behind `--dry-run` and the memory check that refuses a
//! point before anything is allocated.
//!
//! # Cost model
//!
//! Memory (bytes), following the engine's storage (`network::storage`,
//! `engine`), with P = partitions = worker threads and D = delay steps:
//!
//! | item | bytes |
//! | --- | --- |
//! | plastic E->E synapse (u32 target + f64 weight) | 12 per synapse, N_E*K_E synapses |
//! | static synapse (u32 target) | 4 per synapse, N*K - N_E*K_E synapses |
//! | CSR row offsets | 8 * ((N_E+1) + (N+1)) * P; twice that while building (fill cursors) |
//! | input ring | 2 channels * D slots * 8 per neuron (none for a model that ignores its input) |
//! | neuron state, Poisson drive | 48 + 48 per neuron (no drive for a model that ignores its input) |
//! | STDP spike history | 16 per spike of an E neuron, room for 4 at least |
//! | recorded spikes | 8 per spike, twice that while the vector grows |
//! | process base | [`calib::BASE_BYTES`] |
//!
//! The synapse-dependent part is multiplied by [`calib::MEM_MARGIN`]. Spikes
//! are estimated as N * rate * T with a conservative rate (see
//! [`assumed_rate`]).
//!
//! Time (wall seconds): build = [`calib::BUILD_S_PER_SYNAPSE`] * synapses /
//! thread speed-up (times [`calib::DIRECT_BUILD_SHARE`] where partitions are
//! small enough to be placed directly, [`calib::SORTED_BUILD_SHARE`] where
//! they are sorted) + the page faults of the synapse memory. In 4 KiB
//! pages (below [`crate::network::build::HUGE_PAGES_MIN_BYTES`]) they are
//! [`calib::SMALL_PAGES_S_PER_BYTE`] * synapse bytes / thread speed-up,
//! plus [`calib::SMALL_PAGES_COLD_SHARE`] of the cold rate below for the
//! bytes beyond [`calib::SMALL_PAGES_WARM_BYTES`] (the guest's warm
//! fragments) and beyond the warm bytes. In huge pages (larger networks) they are
//! [`calib::TOUCH_S_PER_BYTE`] * (synapse bytes - warm bytes, if
//! positive) / thread speed-up: the first touch of memory the OS hands out
//! cold. A build in a fresh process finds
//! [`calib::FRESH_WARM_BYTES`] warm ([`estimate_on`]); a later build of
//! the same run finds warm what the point before it freed
//! ([`estimate_after`], which the sweep's plan uses);
//! sim = (a * N * T + b * f * N * rate * K * T) / thread speed-up * slowdown per
//! model (a: neuron update incl. Poisson drive, per neuron and simulated
//! second; b: per synaptic event incl. STDP; f: the share of b paid in a
//! run where each neuron fires rate * T times, less than 1 in short runs,
//! whose many first spikes skip STDP's facilitation; slowdown: 1 + the model's
//! `slowdown_per_doubling` per doubling of a partition's synapse
//! bytes past [`calib::CACHE_BYTES`]); statistics (after the simulation) =
//! [`calib::STATS_S_PER_WEIGHT`] * E->E weights / thread speed-up (times
//! [`calib::STATS_COMMON_SHARE`] in runs of at most
//! [`calib::STATS_COMMON_MAX_SPIKES`] spikes per neuron). The per-model
//! coefficients a and b, the slowdown and the assumed rate are the model's
//! [`Calibration`] in the model table (`crate::models`); see [`calib`] for
//! how they were measured and how far off the estimate was on a real sweep.
//!
//! Those coefficients are the dev machine's. Another machine scales them
//! by the factors of a [`Machine`] (`scaling calibrate` measures them;
//! `scaling run --calibration FILE` uses them): the build per synapse (and
//! with it the statistics per weight), the first touch per byte, and each
//! model's a and b. Memory does not depend on the machine.
//!
//! # Several processes
//!
//! [`estimate_on`] plans one network spread over R processes of T threads
//! (an MPI run): process r owns partitions r*T..(r+1)*T of R*T, so an equal
//! share of the E and of the I neurons, and holds:
//!
//! | item | bytes |
//! | --- | --- |
//! | synapses onto its own neurons | 12 per plastic, 4 per static one |
//! | CSR row offsets | 8 * ((N_E+1) + (N+1)) * T; twice that while building |
//! | own neurons: ring, state, drive | 2 * D * 8 + 48 + 48 per neuron (48 without input) |
//! | all neurons: spike counts, presynaptic STDP traces | 4 * N + 16 * N_E |
//! | own E neurons' spike history | 16 per spike, room for 4 at least |
//! | exchange buffers | one slice's spikes received and sent, [`SPIKE_BYTES`] each |
//! | process base | [`calib::BASE_BYTES`] |
//!
//! with the same margin; no spike record (process 0 streams spikes.dat).
//! Its time is the one-thread model above applied to its own neurons and
//! the synaptic events onto them, divided by the speed-up of T threads
//! (each process assumed to have T cores), so the R*T workers share the
//! work evenly. Once per slice (the delay) every process receives all of
//! the slice's spikes (N * rate * slice * 8 B) and sends its own; the time
//! of this exchange is not calibrated and not included.

pub mod machine;

pub use machine::Machine;

use crate::error::{Error, Result};
use crate::models::{Calibration, ModelKind};
use crate::network::build::{synapse_bytes, uses_huge_pages};
use crate::params::{Derived, Params};
use crate::plasticity::HISTORY_ROOM;
use crate::point::Point;
use crate::units::{bytes, sim_time};

/// Calibration of the model-independent part of the cost model; the
/// per-model coefficients live in each model's [`Calibration`] (the model
/// table in `crate::models`). Recalibrate both when the engine changes.
///
/// How (2026-12-02, recalibrated that evening after the AVX-512 update and
/// the shared block input rows): on the project's dev machine (2 cores of an AMD EPYC,
/// otherwise idle), release build, each point in a fresh process, both
/// models at N = 1250, 5000, 12500 (T = 10 s), 50000 (T = 2 s), 200000 and
/// 1,000,000 (T = 1 s), 2 threads; from each point's `data.json`: update
/// coefficient = `threads * phases.update / (N * T)`, event coefficient =
/// `threads * (phases.deliver + phases.gather) / synaptic_events` (both at
/// N <= 12500, where nothing depends on N), build per synapse = `threads *
/// build_time / n_synapses` up to N = 200000; the first-touch and slowdown
/// terms from the points above 12500. On 2026-12-02 (night, second
/// machine) the event coefficients got a first-spike share (see
/// [`Calibration::first_spike_saving`]; each was divided by what a 10 s run
/// pays of it, so 10 s plans stay as they were), and the slowdowns were
/// refit to T = 1 s runs at N = 12500, 200000 and 1,000,000 (0.10 for
/// iaf_psc_alpha, 0.12 for ignore_and_fire). Before, the slowdown per doubling was refit
/// on 2026-12-02 (late evening) on a second machine (2 cores of an Intel
/// Xeon, a VM, about 3x slower) at N = 12500 and 1,000,000: iaf_psc_alpha
/// 1.51x the N = 12500 cost per neuron-second (1.38-1.45x on the dev
/// machine; 0.10 per doubling gives 1.43x), ignore_and_fire 0.93x there
/// and 1.10-1.40x on the dev machine (0.03 gives 1.13x). The rates are typical measured ones: iaf_psc_alpha 4.5 ±
/// 0.6/s at N = 1250 over seeds 1-40 (5.5/s with seed 1) and 1.0-1.4/s from
/// N = 2500 on with seed 1 (NEST's seeds 1-36 give 4.4 ± 0.5 at N = 1250,
/// seeds 1-3 2.5 ± 1.4 at N = 2500).
///
/// Threads: coefficients are single-thread costs; the estimate divides by
/// `1 + PARALLEL_EFFICIENCY * (t - 1)` with t = min(threads, cores).
///
/// Accuracy: see docs/performance.md ("Plan before spending"), from
/// N = 1250 to 1,000,000.
pub mod calib {
    /// Fixed resident memory of the process (bytes); a tiny point measures
    /// ~6 MB. 15 MB until 2026-12-03, when the N = 1250 points of the
    /// default sweep peaked at 24.6 MB (iaf_psc_alpha, estimated 34 MB)
    /// and 27 MB (ignore_and_fire, 32 MB) on the second machine.
    pub const BASE_BYTES: f64 = 10e6;
    /// Factor on the size-dependent memory (allocator slack, thread arenas).
    pub const MEM_MARGIN: f64 = 1.15;
    /// Build (create and connect) time per synapse, one thread (s), of a
    /// partition placed through the staging buffer (more than
    /// [`crate::network::build::DIRECT_MAX`] synapses, N up to 436907).
    /// 11.5e-9 on the first dev machine; since 2026-12-04 (late evening)
    /// the third machine's, where `scaling calibrate` measured 0.65 of it
    /// (with the 4 KiB pages' faults as their own term,
    /// [`SMALL_PAGES_S_PER_BYTE`]): 0.65 * 11.5e-9.
    pub const BUILD_S_PER_SYNAPSE: f64 = 7.5e-9;
    /// The share of [`BUILD_S_PER_SYNAPSE`] a synapse costs in a partition
    /// small enough to be placed directly (its rows stay in cache). Measured
    /// with 2 threads (medians of three default sweeps, second machine,
    /// 2026-12-03): 10.2 ns per synapse at N = 1250-6250 (placed
    /// directly) against 13.5 ns at N = 7500-13750 (staged); on the first
    /// machine N = 5000 against 12500 gave 0.75.
    pub const DIRECT_BUILD_SHARE: f64 = 0.76;
    /// The share of [`BUILD_S_PER_SYNAPSE`] a synapse costs in a partition
    /// that is sorted (`network::build::sorts`: N above 436907), which
    /// draws its synapses once. Refitted on the third dev machine
    /// (2026-12-04, 2 threads, `scaling calibrate`'s factors of 18:00)
    /// when the first touch became all cold bytes over the threads, to the
    /// builds on warm memory (right after a point of the same size in one
    /// process): N = 600000 2.28 and 2.62 s, 1,000,000 4.41-5.30 s (five
    /// builds), 0.81-0.93 and 0.94-1.13 of the factor-scaled staged cost;
    /// 0.9 puts them within 11 % and 20 % (N = 200000, staged: 0.76-0.81 s
    /// against 0.94 s). Before (second machine, the old first-touch term)
    /// it was 0.65.
    pub const SORTED_BUILD_SHARE: f64 = 0.9;
    /// Memory (bytes) a build in a fresh process gets from the OS warm
    /// (without first-touch cost beyond [`BUILD_S_PER_SYNAPSE`]) on an
    /// idle machine. On the third dev machine (2026-12-04), a VM that hands
    /// free memory back to its host in blocks of 2 MiB and up, a 1 GiB
    /// probe of huge pages after a 15 s pause found 0-12 MB of it warm
    /// (three probes; 52 MB in a fourth), but small arrays, in 4 KiB pages
    /// from the guest's fragments, come warm: the default sweep's first
    /// point (14 MB of synapses) built in 4.8-12 ms in fresh processes and
    /// sweeps, its warm cost, not the 20 ms a cold touch would add up to.
    pub const FRESH_WARM_BYTES: f64 = 50e6;
    /// First-touch time per byte of cold memory (s, one thread; page
    /// faults, zeroing and, on a VM, the host's faults), divided by the
    /// thread speed-up: each partition touches its own arrays. The third
    /// dev machine's (2026-12-04, a C probe after pauses of 13 s: 2.0 s
    /// per GB on one thread, 1.07-1.10 s on two), which also keeps the
    /// built-in plan of a 1M build on two threads where the dev machine's
    /// rate put it (1.3 s per GB beyond 2.5 GB).
    pub const TOUCH_S_PER_BYTE: f64 = 2.0e-9;
    /// Page-fault time per byte of synapse memory in 4 KiB pages (s, one
    /// thread, like [`BUILD_S_PER_SYNAPSE`] scaled by a machine's build
    /// factor), warm or cold alike: networks below
    /// [`crate::network::build::HUGE_PAGES_MIN_BYTES`] take such pages.
    /// On the third machine (2026-12-04, late evening, two threads, builds
    /// right after a run of the same size) 4 KiB pages cost 0.019 s more
    /// than huge pages at N = 12500 (153 MB), 0.07 s at 50000 (588 MB)
    /// and 0.27 s at 200000 (2.3 GB): 2.3-2.5e-10 s per byte and thread.
    pub const SMALL_PAGES_S_PER_BYTE: f64 = 2.4e-10;
    /// Synapse memory in 4 KiB pages (bytes) a build finds warm even in a
    /// fresh process: the guest's fragments, which its host still backs.
    /// On the third machine (2026-12-04, a C probe after 14 s pauses, two
    /// threads) 1 GiB of 4 KiB pages took 0.18-0.21 s per GB, as fast as
    /// right after a free, but 3 GiB took 0.78 s per GB.
    pub const SMALL_PAGES_WARM_BYTES: f64 = 1e9;
    /// The share of [`TOUCH_S_PER_BYTE`] (a cold huge page's first touch)
    /// that 4 KiB pages pay per byte beyond [`SMALL_PAGES_WARM_BYTES`] (and
    /// beyond what the point before freed). Fitted on the third machine
    /// (two threads) to twelve builds of N = 200000 in 4 KiB pages: six in
    /// fresh processes (2026-12-04, late evening: 1.27 and 1.59 s after
    /// 14 s pauses, 1.50 and 2.05 s in one series after smaller runs, 1.08
    /// and 1.15 s in another) and six in sweeps of N = 50000-1,000,000,
    /// as a user runs them (2026-12-05, 00:56-01:06: 1.04-1.20 s, after
    /// the N = 50000 points). With 0.06 the plan says 1.29 s (1.31 s with
    /// that machine's calibration), within 30 % of eleven of them (not
    /// the 2.05 s); 0.15 said 1.40-1.44 s, 31-38 % above four of the
    /// builds in a sweep. The probe's
    /// 3 GiB above cost 0.55 s per GB more than warm pages, about 0.45 of
    /// a huge page's cold rate: the builds overlap much of it, or find
    /// more warm.
    pub const SMALL_PAGES_COLD_SHARE: f64 = 0.06;
    /// Synapse memory (bytes) up to which a measured build enters the
    /// build factor's fit ([`super::Machine::fit`]): the builds of larger
    /// points are mostly first touch.
    pub const BUILD_FIT_MAX_BYTES: f64 = 2.5e9;
    /// Time per E->E weight (s, one thread) of the weight statistics after
    /// a run whose weights have spread (exact sums, then the median's radix
    /// passes). Measured on the second machine (2026-12-03, 2 threads,
    /// both models, N = 1250-200000 at T = 2-10 s: 15-29 ns per weight,
    /// median about 17 ns) and divided by that machine's build factor
    /// (2.60, `scaling calibrate` the same hour): the dev machine was not
    /// at hand, and both are passes over the synapse memory. 6.5e-9 until
    /// [`BUILD_S_PER_SYNAPSE`] became the third machine's (2026-12-04,
    /// late evening), then scaled with it (0.65).
    pub const STATS_S_PER_WEIGHT: f64 = 4.2e-9;
    /// The share of [`STATS_S_PER_WEIGHT`] a run pays in which a neuron
    /// fires at most [`STATS_COMMON_MAX_SPIKES`] times on average: most
    /// weights still hold their initial value, and the median comes from
    /// one counting pass (`stats::common_median`). Measured as above at
    /// T = 1 ms-1 s, N = 12500-1,000,000: 7.5-11.3 ns per weight.
    pub const STATS_COMMON_SHARE: f64 = 0.6;
    /// Spikes per neuron (rate * T) up to which a run's weight statistics
    /// pay [`STATS_COMMON_SHARE`]: at T = 1 s (about one spike per
    /// neuron) the median was the initial weight at every N measured, at
    /// T = 2 s it was not.
    pub const STATS_COMMON_MAX_SPIKES: f64 = 1.5;
    /// Synapse memory of a partition (bytes) up to which the simulation
    /// cost per neuron and per event stays flat.
    pub const CACHE_BYTES: f64 = 300e6;
    /// Speed-up per additional thread (1 = perfect scaling).
    pub const PARALLEL_EFFICIENCY: f64 = 1.0;
}

/// Bytes of one spike on the wire of a distributed run: a u32 step stamp and
/// a u32 neuron index.
pub const SPIKE_BYTES: f64 = 8.0;

/// What one point costs, estimated before it runs. With several processes
/// (`processes` > 1) `memory`, `spike_bytes`, `build_s` and `sim_s` are
/// those of the largest process (the one with the most neurons); the
/// network-wide counts stay whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// Neurons (N).
    pub neurons: usize,
    /// Plastic E->E synapses, N_E * K_E.
    pub plastic: u64,
    /// Static synapses (E->I, I->E, I->I), N*K - N_E*K_E.
    pub static_: u64,
    /// All synapses between network neurons, N*K.
    pub synapses: u64,
    /// Assumed rate (spikes/s per neuron).
    pub rate: f64,
    /// Expected spikes in [0, T].
    pub spikes: f64,
    /// Estimated peak resident memory of one process (bytes).
    pub memory: f64,
    /// Of `memory`, the part that grows with the spikes (recorded spikes
    /// and STDP spike history) (bytes).
    pub spike_bytes: f64,
    /// Estimated build wall time (s).
    pub build_s: f64,
    /// Of `build_s`, the first touch of the synapse memory the OS hands
    /// out cold (s): the part that depends most on the machine's recent
    /// past (on a VM that hands free memory back to its host, 2 s per GB
    /// and thread on the third dev machine, but 0.04 s for memory freed a
    /// second before).
    pub touch_s: f64,
    /// Synapse memory the build touches (bytes, of the largest process):
    /// what the next build of the same process finds warm.
    pub touch_bytes: f64,
    /// Of `touch_bytes`, the part assumed cold, whose first touch is
    /// `touch_s` (bytes).
    pub cold_bytes: f64,
    /// Estimated simulation wall time (s), without the spike exchange
    /// between processes (not calibrated).
    pub sim_s: f64,
    /// Estimated wall time of the weight statistics after the simulation (s).
    pub stats_s: f64,
    /// Processes the network is spread over (1: one process).
    pub processes: usize,
    /// Synapses held by the largest process (onto its own neurons);
    /// `synapses` with one process.
    pub synapses_per_process: u64,
    /// Of `memory`, the CSR row offsets: 8 B per source row and partition
    /// (bytes, while simulating).
    pub offset_bytes: f64,
    /// Estimated peak memory of all processes together (bytes); `memory`
    /// with one process.
    pub total_memory: f64,
    /// The spike exchange per min-delay slice.
    pub exchange: Exchange,
}

/// The spike exchange of a distributed run: once per min-delay slice every
/// process all-gathers that slice's spikes, [`SPIKE_BYTES`] each, so every
/// process receives every spike of the network. With one process nothing
/// crosses a process boundary; the numbers are what an all-gather would move.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// Length of a slice: the delay (ms).
    pub slice_ms: f64,
    /// Slices in [0, T].
    pub slices: u64,
    /// Expected bytes every process receives per slice: N * rate * slice * 8 B.
    pub recv_bytes: f64,
    /// Expected bytes the largest process sends per slice: its own neurons'
    /// spikes, 8 B each.
    pub sent_bytes: f64,
}

/// The conservative rate (spikes/s) assumed for `model` at `p`: the
/// model's [`Calibration::rate`] (an assumption: other parameters than the
/// defaults can give very different rates).
pub fn assumed_rate(model: ModelKind, p: &Params) -> f64 {
    (model.info().cost.rate)(p)
}

/// Estimate the cost of one point run by one process with `threads`
/// partitions; errors if the parameters are invalid. The same as
/// [`estimate_on`] with one process.
pub fn estimate(model: ModelKind, p: &Params, threads: usize) -> Result<Cost> {
    estimate_on(model, p, threads, 1, &Machine::default())
}

/// Estimate the cost of one point spread over `processes` processes of
/// `threads` partitions each (the model of one process: "Several
/// processes" in the module documentation); errors if the parameters are
/// invalid. Times are for `machine` (the built-in coefficients scaled by
/// its factors); memory does not depend on it. Allocates nothing
/// proportional to N or to `processes`.
pub fn estimate_on(model: ModelKind, p: &Params, threads: usize, processes: usize, machine: &Machine) -> Result<Cost> {
    estimate_after(model, p, threads, processes, machine, calib::FRESH_WARM_BYTES)
}

/// [`estimate_on`] for a build that finds `warm` bytes of memory warm
/// (freed moments before by the point before it in the same process, or
/// [`calib::FRESH_WARM_BYTES`] in a fresh one): the first touch of the
/// rest of its synapse memory is paid at the machine's cold rate.
pub fn estimate_after(
    model: ModelKind,
    p: &Params,
    threads: usize,
    processes: usize,
    machine: &Machine,
    warm: f64,
) -> Result<Cost> {
    let d = p.derive()?;
    let mut c = one_process(model, p, &d, threads, machine, warm);
    if processes > 1 {
        distribute(&mut c, model, p, &d, (threads, processes), machine, warm);
    }
    Ok(c)
}

/// The partitions of a process running `threads` worker threads (one per
/// thread, at most one per neuron).
fn partitions(p: &Params, threads: usize) -> f64 {
    threads.clamp(1, p.N.max(1)) as f64
}

/// The CSR row offsets of `parts` partitions (bytes): 8 B per source row
/// of each partition, plastic (N_E + 1) and static (N + 1).
fn offset_bytes(p: &Params, d: &Derived, parts: f64) -> f64 {
    8.0 * ((d.N_E + 1) as f64 + (p.N + 1) as f64) * parts
}

/// The cost of the whole network in one process with `threads` partitions
/// on this machine (threads beyond its cores do not speed up).
fn one_process(model: ModelKind, p: &Params, d: &Derived, threads: usize, machine: &Machine, warm: f64) -> Cost {
    let n = p.N as f64;
    let plastic = d.N_E as u64 * d.K_E as u64;
    let synapses = p.N as u64 * p.K as u64;
    let static_ = synapses - plastic;
    let rate = assumed_rate(model, p);
    let t_s = p.T / 1000.0;
    let spikes = n * rate * t_s;
    let parts = partitions(p, threads);
    let offsets = offset_bytes(p, d, parts);
    let syn_bytes = synapse_bytes(plastic as f64, static_ as f64);
    let per_neuron = n * (own_neuron_bytes(model, d) + 4.0);
    let build_peak = syn_bytes + 2.0 * offsets;
    let spike_bytes = history_bytes(p, d.N_E as f64, rate) + 16.0 * spikes;
    let sim_peak = syn_bytes + offsets + per_neuron + spike_bytes;
    let memory = calib::BASE_BYTES + calib::MEM_MARGIN * build_peak.max(sim_peak);
    let (a, b) = coefficients(model, p, machine);
    let cores = crate::host::cores();
    let speedup = speedup(threads.min(cores));
    let exchange = exchange(p, d, rate, p.N as f64);
    let mut c = Cost {
        neurons: p.N,
        plastic,
        static_,
        synapses,
        rate,
        spikes,
        memory,
        spike_bytes: if sim_peak > build_peak {
            calib::MEM_MARGIN * spike_bytes
        } else {
            0.0
        },
        build_s: 0.0,
        touch_s: 0.0,
        touch_bytes: 0.0,
        cold_bytes: 0.0,
        sim_s: sim_s(model, p, (a, b), n, rate, speedup, syn_bytes / parts),
        stats_s: stats_s(plastic as f64, rate * t_s, speedup, machine),
        processes: 1,
        synapses_per_process: synapses,
        offset_bytes: offsets,
        total_memory: memory,
        exchange,
    };
    set_build(
        &mut c,
        (p, d),
        (synapses as f64, parts, syn_bytes),
        warm,
        speedup,
        machine,
    );
    c
}

/// Bytes per neuron a partition owns: its input ring (2 channels, D slots)
/// and drive (48) if the model reads its input, and its state (48). The
/// ring term is exact for partitions of one target block (up to 16384
/// neurons) and an upper bound beyond, where the blocks share one block's
/// rows (at N = 1M it overstates the memory by about 2 %).
fn own_neuron_bytes(model: ModelKind, d: &Derived) -> f64 {
    let input = if model.info().reads_input {
        2.0 * d.delay_steps as f64 * 8.0 + 48.0
    } else {
        0.0
    };
    input + 48.0
}

/// Bytes of the spike histories of `n_e` E neurons firing at `rate` (1/s)
/// through the run of `p`: 16 per spike, and room for at least
/// [`HISTORY_ROOM`] spikes each from the start.
fn history_bytes(p: &Params, n_e: f64, rate: f64) -> f64 {
    16.0 * n_e * (rate * p.T / 1000.0).max(HISTORY_ROOM as f64)
}

/// The speed-up of `threads` worker threads (at least one) over one, each
/// with a core of its own.
fn speedup(threads: usize) -> f64 {
    1.0 + calib::PARALLEL_EFFICIENCY * (threads.max(1) - 1) as f64
}

/// The one-thread simulation coefficients of `model` at `p` on `machine`:
/// (s per neuron and simulated second, s per synaptic event).
fn coefficients(model: ModelKind, p: &Params, machine: &Machine) -> (f64, f64) {
    let Calibration { update_s, event_s, .. } = model.info().cost;
    let speed = machine.speed(model);
    (update_s * speed.update, event_s(p) * speed.event)
}

/// The share of the steady-state event cost that a run pays in which each
/// neuron fires `spikes` times on average: the events of a sender's first
/// spike skip [`Calibration::first_spike_saving`] of it, and
/// `(1 - exp(-x)) / x` of the spikes of Poisson senders with mean count x
/// are first spikes (1 for x -> 0).
fn event_share(model: ModelKind, spikes: f64) -> f64 {
    let first = if spikes > 1e-9 {
        -(-spikes).exp_m1() / spikes
    } else {
        1.0
    };
    1.0 - model.info().cost.first_spike_saving * first
}

/// Simulation time (s) of `neurons` neurons firing at `rate` (1/s) for
/// the parameters' T, with update and event coefficients `(a, b)`, on
/// `speedup` threads' worth of cores, in partitions holding
/// `part_bytes` of synapses each.
fn sim_s(
    model: ModelKind,
    p: &Params,
    (a, b): (f64, f64),
    neurons: f64,
    rate: f64,
    speedup: f64,
    part_bytes: f64,
) -> f64 {
    let t_s = p.T / 1000.0;
    let events = neurons * rate * t_s * p.K as f64;
    (a * neurons * t_s + b * event_share(model, rate * t_s) * events) / speedup * slowdown(model, part_bytes)
}

/// The built-in build time per synapse, one thread (s), in partitions of
/// `per_partition` synapses of the network of `p`: less where they are
/// placed directly or sorted.
fn build_s_per_synapse(p: &Params, d: &Derived, per_partition: f64) -> f64 {
    let share = if per_partition <= crate::network::build::DIRECT_MAX as f64 {
        calib::DIRECT_BUILD_SHARE
    } else if crate::network::build::sorts(p.N, d.N_E) {
        calib::SORTED_BUILD_SHARE
    } else {
        1.0
    };
    share * calib::BUILD_S_PER_SYNAPSE
}

/// The work of a build on the dev machine (s, one thread, memory warm):
/// drawing and placing `synapses` synapses in `parts` partitions that
/// take `bytes` of memory, and, where that memory comes in 4 KiB pages
/// ([`uses_huge_pages`]), their page faults
/// ([`calib::SMALL_PAGES_S_PER_BYTE`]).
fn build_work_s(p: &Params, d: &Derived, (synapses, parts, bytes): (f64, f64, f64)) -> f64 {
    let paging = if uses_huge_pages(bytes) {
        0.0
    } else {
        calib::SMALL_PAGES_S_PER_BYTE * bytes
    };
    build_s_per_synapse(p, d, synapses / parts) * synapses + paging
}

/// Set the build of `c` (`build_s`, `touch_s`, `touch_bytes`,
/// `cold_bytes`): `synapses` synapses of the network of `p` in `parts`
/// partitions, taking `bytes` of memory of which the OS hands out `warm`
/// warm and the rest cold, on `speedup` threads' worth of cores of
/// `machine`: drawing and placing them ([`build_work_s`]), and touching
/// the cold memory, which only huge pages pay ([`uses_huge_pages`]).
fn set_build(
    c: &mut Cost,
    (p, d): (&Params, &Derived),
    (synapses, parts, bytes): (f64, f64, f64),
    warm: f64,
    speedup: f64,
    machine: &Machine,
) {
    // 4 KiB pages come warm from the guest's fragments up to a point, and
    // the rest costs a share of a cold huge page's first touch
    let (cold, share) = if uses_huge_pages(bytes) {
        ((bytes - warm).max(0.0), 1.0)
    } else {
        (
            (bytes - warm.max(calib::SMALL_PAGES_WARM_BYTES)).max(0.0),
            calib::SMALL_PAGES_COLD_SHARE,
        )
    };
    c.touch_bytes = bytes;
    c.cold_bytes = cold;
    // each partition touches its own arrays
    c.touch_s = machine.touch_s_per_byte * share * cold / speedup;
    c.build_s = machine.build * build_work_s(p, d, (synapses, parts, bytes)) / speedup + c.touch_s;
}

/// Time (s) of the weight statistics over `weights` E->E weights after a
/// run in which each neuron fired `spikes` times on average, on
/// `speedup` threads' worth of cores of `machine` (whose build factor
/// scales it: both are passes over the synapse memory).
fn stats_s(weights: f64, spikes: f64, speedup: f64, machine: &Machine) -> f64 {
    let share = if spikes <= calib::STATS_COMMON_MAX_SPIKES {
        calib::STATS_COMMON_SHARE
    } else {
        1.0
    };
    machine.build * share * calib::STATS_S_PER_WEIGHT * weights / speedup
}

/// The factor on the simulation cost of partitions holding `bytes` of
/// synapses each for `model`: 1 up to [`calib::CACHE_BYTES`], then the
/// model's `slowdown_per_doubling` more per doubling.
fn slowdown(model: ModelKind, bytes: f64) -> f64 {
    1.0 + model.info().cost.slowdown_per_doubling * (bytes / calib::CACHE_BYTES).log2().max(0.0)
}

/// The spike exchange per slice at `rate` when the largest process owns
/// `own` neurons.
fn exchange(p: &Params, d: &Derived, rate: f64, own: f64) -> Exchange {
    let slice_ms = d.delay_steps as f64 * p.dt;
    let per_neuron = rate * slice_ms / 1000.0 * SPIKE_BYTES;
    Exchange {
        slice_ms,
        slices: d.steps.div_ceil(d.delay_steps) as u64,
        recv_bytes: p.N as f64 * per_neuron,
        sent_bytes: own * per_neuron,
    }
}

/// Memory of one process of a distributed run (bytes).
struct ProcessBytes {
    /// Peak resident memory, margin and base included.
    peak: f64,
    /// Of `peak`, the part that grows with the spikes.
    spike: f64,
    /// CSR row offsets of its partitions.
    offsets: f64,
}

/// The memory of a process owning `n_e` E and `n_i` I neurons (a share,
/// possibly fractional) with `threads` partitions: the synapses onto its
/// neurons (12 B per plastic, 4 B per static one), the CSR offsets of its
/// partitions over all sources (8 B per source row and partition, twice
/// that while building), per own neuron its ring, state and drive, per
/// neuron of the network a spike count (4 B) and per E neuron of the
/// network a presynaptic trace (16 B), its E neurons' spike history (16 B
/// per spike, room for at least [`HISTORY_ROOM`] each) and one slice's
/// exchange buffers. No spike record: process 0 streams spikes.dat.
fn process_bytes(
    model: ModelKind,
    p: &Params,
    d: &Derived,
    threads: usize,
    (n_e, n_i): (f64, f64),
    rate: f64,
) -> ProcessBytes {
    let offsets = offset_bytes(p, d, partitions(p, threads));
    let syn = synapse_bytes(n_e * d.K_E as f64, n_e * d.K_I as f64 + n_i * p.K as f64);
    let own = (n_e + n_i) * own_neuron_bytes(model, d);
    let all = 4.0 * p.N as f64 + 16.0 * d.N_E as f64;
    let history = history_bytes(p, n_e, rate);
    let x = exchange(p, d, rate, n_e + n_i);
    let build_peak = syn + 2.0 * offsets;
    let sim_peak = syn + offsets + own + all + history + x.recv_bytes + x.sent_bytes;
    ProcessBytes {
        peak: calib::BASE_BYTES + calib::MEM_MARGIN * build_peak.max(sim_peak),
        spike: if sim_peak > build_peak {
            calib::MEM_MARGIN * history
        } else {
            0.0
        },
        offsets,
    }
}

/// Turn the one-process cost `c` into that of `processes` processes with
/// `threads` partitions each (process r owns partitions r*T..(r+1)*T of
/// `network::build::split`, so an equal share of the E and of the I
/// neurons, the largest ceil(N_E/R) and ceil(N_I/R)): memory, spike bytes
/// and synapses of the largest process, the total over all processes (R
/// processes of the mean share), and its time as the one-thread cost model
/// of its own neurons and of the synaptic events onto them, divided by the
/// speed-up of `threads` threads (every process assumed to have `threads`
/// cores of its own, so unlike one process this is not capped at this
/// machine's cores). The spike exchange's time is not included. A network
/// of fewer neurons than R*T workers is split into N partitions, which the
/// first processes own; the equal shares assumed here then underestimate
/// the largest process (such a network is a few kB a process). Each
/// process's build finds `warm` bytes warm and touches the rest of its
/// synapse memory cold.
fn distribute(
    c: &mut Cost,
    model: ModelKind,
    p: &Params,
    d: &Derived,
    (threads, processes): (usize, usize),
    machine: &Machine,
    warm: f64,
) {
    let (n_e, n_i) = (d.N_E.div_ceil(processes), d.N_I.div_ceil(processes));
    let own = (n_e + n_i) as f64;
    let largest = process_bytes(model, p, d, threads, (n_e as f64, n_i as f64), c.rate);
    let r = processes as f64;
    let mean = process_bytes(model, p, d, threads, (d.N_E as f64 / r, d.N_I as f64 / r), c.rate);
    let synapses = n_e as u64 * p.K as u64 + n_i as u64 * p.K as u64;
    let (a, b) = coefficients(model, p, machine);
    let speedup = speedup(threads);
    let syn_bytes = synapse_bytes(
        n_e as f64 * d.K_E as f64,
        n_e as f64 * d.K_I as f64 + n_i as f64 * p.K as f64,
    );
    c.processes = processes;
    c.memory = largest.peak;
    c.spike_bytes = largest.spike;
    c.offset_bytes = largest.offsets;
    c.total_memory = r * mean.peak;
    c.synapses_per_process = synapses;
    // the largest process's partitions (the first: one per thread, at most
    // one per neuron)
    let parts = partitions(p, threads);
    set_build(c, (p, d), (synapses as f64, parts, syn_bytes), warm, speedup, machine);
    c.sim_s = sim_s(model, p, (a, b), own, c.rate, speedup, syn_bytes / parts);
    c.stats_s = stats_s(n_e as f64 * d.K_E as f64, c.rate * p.T / 1000.0, speedup, machine);
    c.exchange = exchange(p, d, c.rate, own);
}

/// Refuse a point whose estimated memory exceeds `available` bytes; the
/// same as [`check_memory_on`] with one process.
pub fn check_memory(pt: &Point, p: &Params, threads: usize, available: Option<u64>) -> Result<()> {
    check_memory_on(pt, p, threads, 1, available)
}

/// Refuse a point whose estimated memory per process exceeds the memory
/// available to each of `processes` processes of `threads` threads, all on
/// this machine: `available` bytes (this machine's MemAvailable) divided by
/// `processes`. The error says "per process", names the parameter that
/// makes the point too big (`T` when the spike history and record dominate,
/// else `N`), both sizes, and what would fit. Nothing is checked where
/// `available` is unknown.
pub fn check_memory_on(pt: &Point, p: &Params, threads: usize, processes: usize, available: Option<u64>) -> Result<()> {
    let Some(avail) = available else {
        return Ok(());
    };
    let processes = processes.max(1);
    let avail = avail / processes as u64;
    let c = estimate_on(pt.model, p, threads, processes, &Machine::default())?;
    if c.memory <= avail as f64 {
        return Ok(());
    }
    let fits = |q: &Params| {
        estimate_on(pt.model, q, threads, processes, &Machine::default()).is_ok_and(|c| c.memory <= avail as f64)
    };
    let (key, hint) = if c.spike_bytes > c.memory - c.spike_bytes {
        let on_grid = |t: f64| (t / p.dt).floor() * p.dt;
        let with_t = |t: f64| Params {
            T: on_grid(t),
            ..p.clone()
        };
        let hint = match largest_fitting(p.T, |t| fits(&with_t(t))).map(on_grid) {
            Some(t) => format!("at most T = {t} ms ({}) fits; use a shorter --T", sim_time(t)),
            None => "no T fits at this N; use a smaller --N".into(),
        };
        (
            "T",
            format!("the spike record of T = {} needs most of it; {hint}", sim_time(p.T)),
        )
    } else {
        let with_n = |n: f64| Params {
            N: n as usize,
            ..p.clone()
        };
        let hint = match largest_fitting(p.N as f64, |n| fits(&with_n(n))).map(|n| n as usize) {
            Some(n) => format!("at most N = {n} fits"),
            None => "nothing fits".into(),
        };
        ("N", format!("{} synapses need most of it; {hint}", c.synapses))
    };
    let divided = if processes > 1 {
        format!(" divided over {processes} processes")
    } else {
        String::new()
    };
    Err(Error::config(
        key,
        format!(
            "{} needs an estimated {} of memory per process but only {} is available per process \
             (MemAvailable in /proc/meminfo{divided}): {hint}, or --force to run it anyway; nothing was run",
            pt.label(),
            bytes(c.memory),
            bytes(avail as f64),
        ),
    ))
}

/// The largest value in (0, `at`] for which `fits` holds, to 3
/// significant digits; None if even the smallest tried does not fit.
fn largest_fitting(at: f64, fits: impl Fn(f64) -> bool) -> Option<f64> {
    let (mut lo, mut hi) = (0.0, at);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-3 * hi {
            break;
        }
    }
    // round down to 3 significant digits, so the suggestion is readable and still fits
    let scale = 10f64.powi(lo.log10().floor() as i32 - 2);
    let v = (lo / scale).floor() * scale;
    (v > 0.0 && fits(v)).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sweep point of `model` at the size of `p`, seed 1, one thread.
    fn point(model: ModelKind, p: &Params) -> Point {
        Point {
            model,
            n: p.N,
            seed: 1,
            threads: 1,
        }
    }

    #[test]
    fn synapse_counts_follow_derive() {
        let p = Params::default();
        let c = estimate(ModelKind::IafPscAlpha, &p, 2).unwrap();
        assert_eq!((c.plastic, c.static_, c.synapses), (10_000_000, 5_625_000, 15_625_000));
        // 12 B per plastic, 4 B per static synapse dominate
        assert!(c.memory > 1.6e8 && c.memory < 2.2e8, "{}", c.memory);
    }

    #[test]
    fn huge_point_refused() {
        let p = Params {
            N: 200_000_000,
            ..Default::default()
        };
        let c = estimate(ModelKind::IgnoreAndFire, &p, 1).unwrap();
        assert!(c.memory > 1e12);
        let pt = point(ModelKind::IgnoreAndFire, &p);
        let e = check_memory(&pt, &p, 1, Some(1 << 30)).unwrap_err().to_string();
        assert!(e.contains("N=200000000") && e.contains("--force"), "{e}");
        assert!(e.contains("`N`") && e.contains("at most N = "), "{e}");
        assert!(check_memory(&pt, &p, 1, None).is_ok());
    }

    #[test]
    fn long_spike_record_names_t_and_what_fits() {
        let p = Params {
            N: 400,
            T: 5e8,
            ..Default::default()
        };
        let pt = point(ModelKind::IafPscAlpha, &p);
        let avail = 8 << 30;
        let e = check_memory(&pt, &p, 1, Some(avail)).unwrap_err().to_string();
        assert!(
            e.contains("`T`") && e.contains("shorter --T") && !e.contains("EB"),
            "{e}"
        );
        // the suggested T fits
        let t: f64 = e
            .split("at most T = ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let fit = Params { T: t, ..p.clone() };
        assert!(check_memory(&pt, &fit, 1, Some(avail)).is_ok(), "{e}");
    }

    /// Counts the bytes this thread allocates, so a test can show that a
    /// plan allocates nothing proportional to N or to the processes.
    struct Counting;

    thread_local! {
        static ALLOCATED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    fn count(bytes: usize) {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + bytes as u64));
    }

    // SAFETY: every call is forwarded to the system allocator unchanged.
    unsafe impl std::alloc::GlobalAlloc for Counting {
        unsafe fn alloc(&self, l: std::alloc::Layout) -> *mut u8 {
            count(l.size());
            // SAFETY: the caller's contract is the system allocator's.
            unsafe { std::alloc::System.alloc(l) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, l: std::alloc::Layout) {
            // SAFETY: `ptr` came from the system allocator with layout `l`.
            unsafe { std::alloc::System.dealloc(ptr, l) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, l: std::alloc::Layout, new_size: usize) -> *mut u8 {
            count(new_size);
            // SAFETY: as for `alloc` and `dealloc`.
            unsafe { std::alloc::System.realloc(ptr, l, new_size) }
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    /// Bytes this thread allocated while running `f`, and its result.
    fn allocated_by<T>(f: impl FnOnce() -> T) -> (u64, T) {
        let before = ALLOCATED.with(|a| a.get());
        let out = f();
        (ALLOCATED.with(|a| a.get()) - before, out)
    }

    #[test]
    fn one_process_is_estimate() {
        let p = Params::default();
        for &model in ModelKind::ALL {
            for threads in [1, 2, 48] {
                let c = estimate(model, &p, threads).unwrap();
                assert_eq!(c, estimate_on(model, &p, threads, 1, &Machine::default()).unwrap());
                assert_eq!((c.processes, c.synapses_per_process), (1, c.synapses));
                assert_eq!(c.total_memory.to_bits(), c.memory.to_bits());
            }
        }
        // the one-process numbers, pinned bit for bit (one thread: no core count involved)
        let c = estimate(ModelKind::IafPscAlpha, &p, 1).unwrap();
        let (n, rate, t_s) = (12_500.0f64, assumed_rate(ModelKind::IafPscAlpha, &p), 10.0);
        let (syn, offsets) = (12.0 * 1e7 + 4.0 * 5_625_000.0, 8.0 * (10_001.0 + 12_501.0) * 1.0);
        let spike_bytes = 16.0 * (10_000.0 * rate * t_s) + 16.0 * (n * rate * t_s);
        let sim_peak = syn + offsets + n * (2.0 * 12.0 * 8.0 + 48.0 + 48.0 + 4.0) + spike_bytes;
        let expect = 10e6 + 1.15 * (syn + 2.0 * offsets).max(sim_peak);
        assert_eq!(c.memory.to_bits(), expect.to_bits(), "{} vs {expect}", c.memory);
        // time: one thread, one partition of 142.5 MB of synapses (less
        // than CACHE_BYTES: no slowdown), in 4 KiB pages: their faults cost
        // per byte, and nothing comes cold
        assert!(syn < calib::CACHE_BYTES && !uses_huge_pages(syn));
        let build = calib::BUILD_S_PER_SYNAPSE * 15_625_000.0 + calib::SMALL_PAGES_S_PER_BYTE * syn;
        assert_eq!(c.build_s.to_bits(), build.to_bits());
        assert_eq!((c.touch_s, c.touch_bytes, c.cold_bytes), (0.0, syn, 0.0));
        // the same after a point that freed as much
        let warm = estimate_after(ModelKind::IafPscAlpha, &p, 1, 1, &Machine::default(), syn).unwrap();
        assert_eq!(warm.build_s.to_bits(), build.to_bits());
        assert_eq!((warm.touch_s, warm.cold_bytes), (0.0, 0.0));
        // 11 spikes per neuron: (1 - e^-11) / 11 of them are first spikes, 0.7 cheaper
        let x = rate * t_s;
        let paid = 1.0 - 0.7 * (1.0 - (-x).exp()) / x;
        let sim = 8.5e-6 * n * t_s + 1.07e-8 * paid * n * rate * t_s * 1250.0;
        assert!((c.sim_s / sim - 1.0).abs() < 1e-12, "{} vs {sim}", c.sim_s);
        // statistics: 1e7 E->E weights after 11 spikes per neuron, spread
        let stats = calib::STATS_S_PER_WEIGHT * 1e7;
        assert_eq!(c.stats_s.to_bits(), stats.to_bits());
    }

    #[test]
    fn statistics_of_short_runs_cost_less_per_weight() {
        // at T = 1 s a neuron fires about once (the median is the common
        // initial weight), at T = 2 s twice (radix passes); per weight and
        // per thread the same at every N
        let stats = |n: usize, t_ms: f64, threads: usize| {
            let p = Params {
                N: n,
                T: t_ms,
                ..Params::default()
            };
            let c = estimate(ModelKind::IgnoreAndFire, &p, threads).unwrap();
            c.stats_s / c.plastic as f64 * speedup(threads.min(crate::host::cores()))
        };
        let (short, long) = (stats(12_500, 1000.0, 1), stats(12_500, 2000.0, 1));
        assert!(
            (short / long - calib::STATS_COMMON_SHARE).abs() < 1e-12,
            "{short} vs {long}"
        );
        assert!((stats(1_000_000, 1000.0, 2) / short - 1.0).abs() < 1e-12);
        assert!((long / calib::STATS_S_PER_WEIGHT - 1.0).abs() < 1e-12);
    }

    #[test]
    fn short_runs_pay_less_per_event() {
        // a run whose neurons fire about once pays much less per event than a
        // long one (first spikes skip facilitation); the share tends to 1 - saving
        // for very short runs and to 1 for long ones
        for &model in ModelKind::ALL {
            let saving = model.info().cost.first_spike_saving;
            assert!((0.0..1.0).contains(&saving));
            assert!((event_share(model, 0.0) - (1.0 - saving)).abs() < 1e-12);
            assert!((event_share(model, 1e-12) - (1.0 - saving)).abs() < 1e-9);
            assert!(event_share(model, 1e6) > 1.0 - 1e-5);
            let per_second = |t_ms: f64| {
                let p = Params {
                    T: t_ms,
                    ..Params::default()
                };
                estimate(model, &p, 1).unwrap().sim_s / t_ms
            };
            let (short, long) = (per_second(1000.0), per_second(10_000.0));
            assert!(short < 0.9 * long, "{model:?}: {short} vs {long}");
        }
    }

    #[test]
    fn directly_placed_partitions_build_cheaper_per_synapse() {
        // 2 partitions: N = 6250 has 3.9M synapses each (placed directly), 7500 has 4.7M
        let per_synapse = |n: usize| {
            let p = Params {
                N: n,
                ..Params::default()
            };
            // without the page faults, which cost per byte, not per synapse
            let c = estimate_after(ModelKind::IafPscAlpha, &p, 2, 1, &Machine::default(), f64::INFINITY).unwrap();
            let paging = calib::SMALL_PAGES_S_PER_BYTE * c.touch_bytes / speedup(2.min(crate::host::cores()));
            (c.build_s - paging) / c.synapses as f64
        };
        const {
            assert!(6250 * 1250 / 2 <= crate::network::build::DIRECT_MAX);
            assert!(7500 * 1250 / 2 > crate::network::build::DIRECT_MAX);
        }
        let (direct, staged) = (per_synapse(6250), per_synapse(7500));
        assert!(
            (direct / staged - calib::DIRECT_BUILD_SHARE).abs() < 1e-12,
            "{direct} vs {staged}"
        );
        assert!((per_synapse(1250) / direct - 1.0).abs() < 1e-12);
        // sorted from N = 436908 on
        let sorted = |n: usize| {
            let p = Params {
                N: n,
                ..Params::default()
            };
            assert!(crate::network::build::sorts(n, p.derive().unwrap().N_E) == (n > 436_907));
            build_s_per_synapse(&p, &p.derive().unwrap(), 1e8) / calib::BUILD_S_PER_SYNAPSE
        };
        assert_eq!(sorted(436_907), 1.0);
        assert_eq!(sorted(436_908), calib::SORTED_BUILD_SHARE);
    }

    #[test]
    fn large_networks_pay_first_touch_and_slowdown() {
        let p = Params {
            N: 1_000_000,
            T: 1000.0,
            ..Default::default()
        };
        let syn = 12.0 * 8e8 + 4.0 * 4.5e8;
        let c = estimate(ModelKind::IgnoreAndFire, &p, 1).unwrap();
        // its one partition is sorted
        let build = calib::SORTED_BUILD_SHARE * calib::BUILD_S_PER_SYNAPSE * 1.25e9
            + calib::TOUCH_S_PER_BYTE * (syn - calib::FRESH_WARM_BYTES);
        assert_eq!(c.build_s.to_bits(), build.to_bits());
        // two threads touch the cold memory in half the time (each its partition's)
        let two = estimate(ModelKind::IgnoreAndFire, &p, 2).unwrap();
        if crate::host::cores() >= 2 {
            assert!(
                (two.touch_s / c.touch_s - 0.5).abs() < 1e-12,
                "{} {}",
                two.touch_s,
                c.touch_s
            );
        }
        let cal = ModelKind::IgnoreAndFire.info().cost;
        let slow = 1.0 + cal.slowdown_per_doubling * (syn / calib::CACHE_BYTES).log2();
        let paid = 1.0 - cal.first_spike_saving * (1.0 - (-c.rate).exp()) / c.rate;
        let sim = (cal.update_s * 1e6 + (cal.event_s)(&p) * paid * 1e6 * c.rate * 1250.0) * slow;
        assert!((c.sim_s / sim - 1.0).abs() < 1e-12, "{} vs {sim}", c.sim_s);
    }

    #[test]
    fn the_plan_and_the_build_choose_the_same_pages() {
        // the plan's build counts the bytes whose size decides the pages, as
        // the build of the process does: small pages below 4.9 GB, huge above
        for (n, processes, huge) in [
            (13_750, 1, false),
            (200_000, 1, false),
            (500_000, 1, true),
            (1_000_000, 1, true),
            (1_000_000, 2, true),
            (1_000_000, 4, false),
        ] {
            let p = Params {
                N: n,
                T: 1000.0,
                ..Default::default()
            };
            let d = p.derive().unwrap();
            let c = estimate_on(ModelKind::IafPscAlpha, &p, 2, processes, &Machine::default()).unwrap();
            let l = crate::network::build::Layout::of(&p, &d);
            let built = crate::network::build::share_synapse_bytes(&l, 2 * processes, 0..2);
            assert_eq!(c.touch_bytes, built, "N = {n}, {processes} process(es)");
            assert_eq!(uses_huge_pages(built), huge, "N = {n}");
            // huge pages pay a cold first touch beyond the warm bytes, 4 KiB
            // pages only beyond the guest's warm fragments
            let cold = huge || built > calib::SMALL_PAGES_WARM_BYTES;
            assert_eq!(c.touch_s > 0.0, cold, "N = {n}");
        }
    }

    #[test]
    fn every_spike_history_has_room_for_a_few_spikes() {
        let d = Params::default().derive().unwrap();
        let (n_e, n_i) = (1000.0, 250.0);
        let bytes = |t: f64, rate: f64| {
            let p = Params {
                T: t,
                ..Default::default()
            };
            process_bytes(ModelKind::IafPscAlpha, &p, &d, 1, (n_e, n_i), rate).peak
        };
        // 0.01 and 1 spike a neuron take the room of HISTORY_ROOM spikes
        assert_eq!(bytes(10.0, 1.0), bytes(1000.0, 1.0));
        // 10 spikes a neuron take 10 - HISTORY_ROOM more than the room
        let more = calib::MEM_MARGIN * 16.0 * n_e * (10 - HISTORY_ROOM) as f64;
        let grown = bytes(10_000.0, 1.0) - bytes(1000.0, 1.0);
        assert!((grown - more).abs() < 1e-6 * more, "{grown} against {more}");
        // one process: from T = 10 ms to 1 s only the spike record grows (the
        // histories stay within their room)
        let one = |t: f64| {
            estimate(
                ModelKind::IafPscAlpha,
                &Params {
                    T: t,
                    ..Default::default()
                },
                1,
            )
            .unwrap()
        };
        let (short, long) = (one(10.0), one(1000.0));
        let record = calib::MEM_MARGIN * 16.0 * short.neurons as f64 * short.rate * 0.99;
        let grown = long.memory - short.memory;
        assert!((grown - record).abs() < 1e-6 * record, "{grown} against {record}");
    }

    #[test]
    fn memory_per_process_falls_as_one_over_r() {
        let p = Params {
            N: 10_000_000,
            ..Default::default()
        };
        let m = |r| estimate_on(ModelKind::IafPscAlpha, &p, 1, r, &Machine::default()).unwrap();
        // what every process holds whatever R: the base, CSR offsets over
        // all sources, spike counts and presynaptic traces of all neurons
        let d = p.derive().unwrap();
        let fixed = |c: &Cost| {
            calib::BASE_BYTES + calib::MEM_MARGIN * (c.offset_bytes + 4.0 * p.N as f64 + 16.0 * d.N_E as f64)
        };
        for r in [2, 4, 16, 64, 1024] {
            let (a, b) = (m(r), m(2 * r));
            // the rest (synapses: about 10 kB per neuron) halves
            let ratio = (a.memory - fixed(&a)) / (b.memory - fixed(&b));
            assert!(ratio > 1.99 && ratio < 2.01, "R = {r}: {ratio}");
            if r <= 16 {
                let ratio = a.memory / b.memory;
                assert!(ratio > 1.8 && ratio <= 2.0, "R = {r}: {ratio}");
            }
            assert!(a.synapses_per_process >= p.N as u64 * p.K as u64 / r as u64);
            assert!(a.synapses_per_process <= (p.N as u64 / r as u64 + 2) * p.K as u64);
            // the total is about R times the largest process
            let share = a.total_memory / (r as f64 * a.memory);
            assert!(share > 0.99 && share <= 1.0, "R = {r}: {share}");
            assert!(a.sim_s > b.sim_s && a.build_s > b.build_s);
        }
        // one process holds the whole network and its spike record
        assert!(m(1).memory > 1.9 * m(2).memory);
    }

    #[test]
    fn exchange_volume_is_all_spikes_of_a_slice() {
        let p = Params {
            N: 1_000_003,
            T: 1000.0,
            ..Default::default()
        };
        let d = p.derive().unwrap();
        for r in [1, 7, 1024] {
            let c = estimate_on(ModelKind::IgnoreAndFire, &p, 4, r, &Machine::default()).unwrap();
            let x = &c.exchange;
            assert_eq!(x.slice_ms, 1.5);
            assert_eq!(x.slices, d.steps.div_ceil(d.delay_steps) as u64);
            // every process receives every spike of the slice, 8 B each
            let recv = p.N as f64 * c.rate * 1.5e-3 * 8.0;
            assert!((x.recv_bytes - recv).abs() <= 1e-9 * recv, "{} vs {recv}", x.recv_bytes);
            // the largest process sends its own: ceil(N_E/R) + ceil(N_I/R) neurons
            let own = (d.N_E.div_ceil(r) + d.N_I.div_ceil(r)) as f64;
            let sent = own * c.rate * 1.5e-3 * 8.0;
            assert!((x.sent_bytes - sent).abs() <= 1e-9 * sent, "{} vs {sent}", x.sent_bytes);
            assert!(x.sent_bytes * r as f64 >= x.recv_bytes * (1.0 - 1e-12));
        }
    }

    #[test]
    fn billion_neurons_on_many_processes_plan_without_allocating() {
        // the counter sees an allocation
        assert!(allocated_by(|| vec![1u8; 1 << 21]).0 >= 1 << 21);
        for (n, r) in [(1_000_000_000, 100_000), (1_000_000_000, 1), (100_000_000, 1024)] {
            let p = Params {
                N: n,
                ..Default::default()
            };
            let machine = Machine::default();
            let (bytes, c) = allocated_by(|| estimate_on(ModelKind::IafPscAlpha, &p, 48, r, &machine).unwrap());
            assert!(bytes < 1 << 20, "N = {n}, R = {r}: {bytes} B allocated");
            assert_eq!(c.processes, r);
            assert_eq!(c.synapses, n as u64 * 1250);
            assert!(c.memory.is_finite() && c.total_memory >= c.memory);
        }
    }

    #[test]
    fn memory_check_per_process() {
        let p = Params {
            N: 100_000,
            ..Default::default()
        };
        let pt = point(ModelKind::IafPscAlpha, &p);
        let one = estimate_on(pt.model, &p, 2, 1, &Machine::default()).unwrap().memory as u64;
        let four = estimate_on(pt.model, &p, 2, 4, &Machine::default()).unwrap().memory as u64;
        assert!(four < one / 3, "{four} vs {one}");
        // fits alone, but not as 4 processes sharing the same memory
        let avail = one + one / 10;
        assert!(check_memory_on(&pt, &p, 2, 1, Some(avail)).is_ok());
        assert!(check_memory_on(&pt, &p, 2, 4, Some(4 * four + 4)).is_ok());
        let e = check_memory_on(&pt, &p, 2, 4, Some(3 * four)).unwrap_err().to_string();
        assert!(
            e.contains("per process") && e.contains("divided over 4 processes") && e.contains("at most N = "),
            "{e}"
        );
        let e = check_memory(&pt, &p, 2, Some(one / 2)).unwrap_err().to_string();
        assert!(e.contains("per process") && !e.contains("divided"), "{e}");
    }
}
