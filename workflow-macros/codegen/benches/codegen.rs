//! Benchmark (prints its figures): parse + validate + codegen of the tier spec and of a
//! generated 500-step spec. Run: `cargo bench -p workflow-codegen --bench codegen`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

const TIER_SPEC: &str = include_str!("../../../tier-upgrade.workflow.yaml");

/// A valid spec of `steps` task steps, each reading the input and the previous step, every tenth
/// with a catch, with the default retry policy.
fn generated_spec(steps: usize) -> String {
    let mut spec = String::from(
        "workflow: long-chain\ninput: crate::Input\noutput: crate::Outcome\nerrors:\n  Transient: retry me\n  \
         Conflict: give up\ndefaults:\n  retry: { attempts: 3, delay: 1s, backoff: 2.0, max-delay: 10s, jitter: full, \
         on: [Transient] }\nsteps:\n",
    );
    for index in 0..steps {
        spec.push_str(&format!("  - step-{index}:\n      task: step_{index}\n"));
        if index == 0 {
            spec.push_str("      reads: [input]\n");
        } else {
            spec.push_str(&format!("      reads: [input, step-{}]\n", index - 1));
        }
        spec.push_str("      output: crate::Value\n");
        if index % 10 == 5 {
            spec.push_str("      catch:\n        - { error: Conflict, finish: Conflicted }\n");
        }
    }
    spec.push_str("finish: Done\n");
    spec
}

struct Figures {
    load: Duration,
    generate: Duration,
    pretty: Duration,
}

/// The median of `runs` timings of each phase.
fn measure(source: &str, runs: usize) -> Figures {
    let mut load = Vec::with_capacity(runs);
    let mut generate = Vec::with_capacity(runs);
    let mut pretty = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let workflow = workflow_spec::load(source, "bench.workflow.yaml").unwrap();
        let loaded = Instant::now();
        let hash = workflow_spec::spec_hash(source.as_bytes());
        let tokens = workflow_codegen::generate(&workflow, &hash, "bench.workflow.yaml").unwrap();
        let generated = Instant::now();
        let text = workflow_codegen::pretty(&tokens).unwrap();
        let formatted = Instant::now();
        assert!(text.contains("pub trait Activities"));
        load.push(loaded - start);
        generate.push(generated - loaded);
        pretty.push(formatted - generated);
    }
    let median = |mut values: Vec<Duration>| {
        values.sort();
        values[values.len() / 2]
    };
    Figures {
        load: median(load),
        generate: median(generate),
        pretty: median(pretty),
    }
}

fn report(name: &str, source: &str, runs: usize) {
    let figures = measure(source, runs);
    println!(
        "{name:<22} {:>6} lines  parse+validate {:>9.3} ms  codegen {:>9.3} ms  total {:>9.3} ms  \
         (+ prettyplease {:>8.3} ms)  median of {runs}",
        source.lines().count(),
        figures.load.as_secs_f64() * 1e3,
        figures.generate.as_secs_f64() * 1e3,
        (figures.load + figures.generate).as_secs_f64() * 1e3,
        figures.pretty.as_secs_f64() * 1e3,
    );
}

fn main() {
    report("tier-upgrade", TIER_SPEC, 200);
    report("generated 500 steps", &generated_spec(500), 30);
}
