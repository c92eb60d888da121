//! Parse + validate time of the tier spec and of a generated 500-step spec.
//! Run: `cargo bench -p workflow-spec --bench parse_validate`. Prints one line per spec: wall-clock median, p99 and
//! mean per `load`, and the CPU time per `load` of the benchmark thread (from `/proc/thread-self/schedstat` on Linux),
//! which other processes competing for the cores do not inflate.

use std::hint::black_box;
use std::time::{Duration, Instant};

const TIER: &str = include_str!("../../tier-upgrade.workflow.yaml");

/// Nanoseconds this thread has run on a CPU, when the kernel says (Linux).
fn thread_cpu_nanos() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Times `load` on `source` `runs` times after a warm-up and prints the figures.
fn measure(label: &str, source: &str, runs: usize) -> Result<(), String> {
    for _ in 0..runs.div_ceil(10) {
        workflow_spec::load(black_box(source), "bench.yaml").map_err(|d| d.to_string())?;
    }
    let mut samples: Vec<Duration> = Vec::with_capacity(runs);
    let cpu_before = thread_cpu_nanos();
    for _ in 0..runs {
        let started = Instant::now();
        let workflow =
            workflow_spec::load(black_box(source), "bench.yaml").map_err(|d| d.to_string())?;
        samples.push(started.elapsed());
        black_box(workflow);
    }
    let cpu = match (cpu_before, thread_cpu_nanos()) {
        (Some(before), Some(after)) => {
            format!("{:>8.3} ms", (after - before) as f64 / runs as f64 / 1e6)
        }
        _ => "     n/a".to_string(),
    };
    samples.sort();
    let total: Duration = samples.iter().sum();
    let mean = total / u32::try_from(runs).map_err(|e| e.to_string())?;
    let median = samples[runs / 2];
    let p99 = samples[(runs * 99 / 100).min(runs - 1)];
    println!(
        "{label:<24} {:>6} bytes  runs {runs:>5}  median {:>8.3} ms  p99 {:>8.3} ms  mean {:>8.3} ms  cpu/load {cpu}",
        source.len(),
        median.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e3,
    );
    Ok(())
}

fn main() -> Result<(), String> {
    measure("tier-upgrade (7 steps)", TIER, 2_000)?;
    let large = workflow_spec::synthetic_spec(500);
    measure("synthetic (500 steps)", &large, 100)?;
    Ok(())
}
