//! Criterion benchmarks of the kernels: neuron update, external drive, STDP,
//! network construction, the weight statistics and a short whole simulation
//! per model.
//!
//! `cargo bench --bench kernels` (add `-- iaf` to filter).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand::Rng;
use scaling::engine::drive::{CountTable, DriveBlock};
use scaling::models::{IafPscAlpha, IgnoreAndFire, NeuronModel};
use scaling::params::Params;
use scaling::plasticity::{PostHistory, PreTrace, StdpPl};
use scaling::rng::{stream, Purpose};
use scaling::simd::Isa;

const NEURONS: usize = 10_000;

fn neuron_update(c: &mut Criterion) {
    let p = Params::default();
    let mut g = c.benchmark_group("neuron_update");
    g.throughput(Throughput::Elements(NEURONS as u64));
    let iaf = IafPscAlpha::new(&p);
    let mut states: Vec<_> = (0..NEURONS)
        .map(|i| iaf.init(&mut stream(1, Purpose::Init, i as u64)))
        .collect();
    // every neuron gets input each step, as under the Poisson drive (currents never decay to subnormals)
    let input: Vec<f64> = (0..NEURONS).map(|i| if i % 5 == 0 { 31.78 } else { 3.1 }).collect();
    g.bench_function("iaf_psc_alpha/one step", |b| {
        b.iter(|| {
            let mut n = 0;
            for (s, &x) in states.iter_mut().zip(&input) {
                n += iaf.step(s, x, -x * 0.1) as u32;
            }
            black_box(n)
        })
    });
    let block = iaf.block(
        (0..NEURONS)
            .map(|i| iaf.init(&mut stream(1, Purpose::Init, i as u64)))
            .collect(),
    );
    let inh: Vec<f64> = input.iter().map(|x| -x * 0.1).collect();
    // every kernel this CPU runs; the widest is the one simulations use
    for isa in Isa::available() {
        let mut block = block.clone();
        block.set_isa(isa);
        g.bench_function(format!("iaf_psc_alpha/one step, block ({})", isa.name()), |b| {
            b.iter(|| {
                let mut n = 0;
                iaf.step_block(&mut block, 0, &input, &inh, |_| n += 1);
                black_box(n)
            })
        });
    }
    let ign = IgnoreAndFire::new(&p);
    let mut states: Vec<_> = (0..NEURONS)
        .map(|i| ign.init(&mut stream(1, Purpose::Init, i as u64)))
        .collect();
    let mut block = ign.block(states.clone());
    let zeros = vec![0.0; NEURONS];
    g.bench_function("ignore_and_fire/one step, block", |b| {
        b.iter(|| {
            let mut n = 0;
            ign.step_block(&mut block, 0, &zeros, &zeros, |_| n += 1);
            black_box(n)
        })
    });
    g.bench_function("ignore_and_fire/one step", |b| {
        b.iter(|| {
            let mut n = 0;
            for s in states.iter_mut() {
                n += ign.step(s, 0.0, 0.0) as u32;
            }
            black_box(n)
        })
    });
    g.finish();
}

fn poisson_drive(c: &mut Criterion) {
    let d = Params::default().derive().unwrap();
    let table = CountTable::new(d.nu_X * 0.125 / 1000.0);
    let block = DriveBlock::new(1, 0..NEURONS as u32);
    let mut rows = vec![0.0f64; NEURONS * 12];
    let mut g = c.benchmark_group("poisson_drive");
    g.throughput(Throughput::Elements(NEURONS as u64));
    // every kernel this CPU runs; the widest is the one simulations use
    for isa in Isa::available() {
        let mut block = block.clone().with_isa(isa);
        g.bench_function(format!("one slice of 12 steps ({})", isa.name()), |b| {
            b.iter(|| black_box(block.fill(&table, &mut rows, NEURONS, 12, 31.78)))
        });
    }
    g.finish();
}

fn stdp(c: &mut Criterion) {
    let p = Params::default();
    let rule = StdpPl::new(&p, 12, 80_000);
    // a post neuron firing at ~1/s for 10 s, a pre neuron at ~1/s
    let mut post = PostHistory::default();
    for k in 0..10u32 {
        rule.record_post(&mut post, 5000 + k * 8000 + (k * 977) % 3000);
    }
    let pre = PreTrace {
        kplus: 1.3,
        t_last: 60_000,
    };
    let mut g = c.benchmark_group("stdp_pl");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("transmit x1000", |b| {
        b.iter(|| {
            let mut w = 31.78;
            for i in 0..1000u32 {
                w = rule.transmit(black_box(w), pre, 68_000 + (i & 7), &post);
            }
            w
        })
    });
    // rows of 500 plastic synapses onto 6250 post neurons that fired regularly at
    // 0.5-1.5/s for 10 s (as one partition at N = 12500), weights 0-60 pA
    let mut rng = stream(9, Purpose::Init, 0);
    let posts: Vec<PostHistory> = (0..6250)
        .map(|_| {
            let period = (8000.0 / rng.random_range(0.5..1.5)) as u32;
            let mut h = PostHistory::default();
            let mut t = rng.random_range(1..period);
            while t < 80_000 {
                rule.record_post(&mut h, t);
                t += period;
            }
            h
        })
        .collect();
    let rows: Vec<(Vec<u32>, Vec<f64>, PreTrace)> = (0..200)
        .map(|_| {
            let mut targets: Vec<u32> = (0..500).map(|_| rng.random_range(0..6250)).collect();
            targets.sort_unstable();
            let weights = (0..500).map(|_| rng.random_range(0.0..60.0)).collect();
            let t_last = 80_000 - rng.random_range(5000..16000);
            (targets, weights, PreTrace { kplus: 1.05, t_last })
        })
        .collect();
    g.throughput(Throughput::Elements(200 * 500));
    g.bench_function("rows of 500 synapses", |b| {
        b.iter_batched_ref(
            || rows.clone(),
            |rows| {
                for (targets, weights, pre) in rows.iter_mut() {
                    for (&j, w) in targets.iter().zip(weights.iter_mut()) {
                        *w = rule.transmit(*w, *pre, 80_005, &posts[j as usize]);
                    }
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// The weight statistics of a finished run (mean, SD, median, ... of every
/// E->E weight; at N = 1M there are 8e8): two populations of 2^24 values,
/// one spread out as after a plastic run (a fifth at zero), one almost all
/// equal, as right after the build.
fn weight_statistics(c: &mut Criterion) {
    let n = 1 << 24;
    let mut rng = stream(9, Purpose::Init, 1);
    let spread: Vec<f64> = (0..n)
        .map(|_| {
            if rng.random_range(0..5) == 0 {
                0.0
            } else {
                rng.random_range(0.0..60.0)
            }
        })
        .collect();
    let equal: Vec<f64> = (0..n).map(|i| if i % 1000 == 0 { 31.0 } else { 31.78 }).collect();
    let mut g = c.benchmark_group("weight_statistics");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    for (name, values) in [("spread", &spread), ("equal", &equal)] {
        let runs: Vec<&[f64]> = values.chunks(n / 2).collect();
        g.bench_function(format!("{name}, 2^24 weights"), |b| {
            b.iter(|| scaling::stats::summarise(black_box(&runs)))
        });
    }
    g.finish();
}

fn whole(c: &mut Criterion) {
    let mut g = c.benchmark_group("simulation");
    g.sample_size(10);
    for (name, model) in [("iaf_psc_alpha", "iaf"), ("ignore_and_fire", "ignore")] {
        let kind = scaling::models::ModelKind::parse(model).unwrap();
        let p = Params {
            N: 1250,
            T: 100.0,
            ..Params::default()
        };
        g.bench_function(format!("{name}/N=1250 T=100ms build+sim"), |b| {
            b.iter_batched(
                || p.clone(),
                |p| scaling::simulate::run(kind, &p, 1, &scaling::comm::Solo, None, |_| true).unwrap(),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, neuron_update, poisson_drive, stdp, weight_statistics, whole);
criterion_main!(benches);
