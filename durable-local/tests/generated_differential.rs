//! Differential test of generated code: the orchestrator `workflow!` generates from
//! `workflow-runtime/tests/ui/fixtures/choice-and-map.workflow.yaml` (a `choice` on an enum field with an arm that
//! finishes, a `choice` on a bool, a `map` with a concurrency bound and tolerated failures, a batched `map` of two
//! steps), run on durable-local and on the official emulator `dex-local-runner`, for each route the fixture has:
//! the final status, result and operations (type, subtype, name, status) must be equal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::differential::{REFERENCE_RUNS, agree_with_the_emulator};

include!("../../workflow-runtime/tests/support/choice_and_map.rs");

/// One function per route of the fixture, each with its own script.
fn scripts() -> Vec<(&'static str, Script)> {
    let mut unreachable = Script::new(Tier::Silver, false, 3);
    unreachable.unreachable = vec!["m0", "m2"];
    let mut flaky = Script::new(Tier::Gold, false, 3);
    flaky.flaky = vec!["m1"];
    vec![
        // The Gold arm, the VIP arm, both maps.
        ("gold-vip", Script::new(Tier::Gold, true, 3)),
        // `otherwise`, no VIP arm, an odd number of members for the batches.
        ("silver", Script::new(Tier::Silver, false, 5)),
        // The arm that finishes the workflow.
        ("closed", Script::new(Tier::Closed, true, 2)),
        // Two unreachable members, one tolerated: `TooManyFailures` caught into an outcome.
        ("unreachable", unreachable),
        // A notification retried after its durable delay.
        ("flaky", flaky),
    ]
}

fn input() -> Input {
    Input {
        account: "a-1".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_choice_and_map_agree_with_the_official_emulator() {
    let functions: Vec<&str> = scripts().iter().map(|(function, _)| *function).collect();
    agree_with_the_emulator(
        |local| {
            for (function, script) in scripts() {
                let handler = choice_and_map::handler(script, choice_and_map::Functions {});
                local.register_durable(function, handler).unwrap();
            }
        },
        |host| {
            for again in REFERENCE_RUNS {
                for (function, script) in scripts() {
                    let handler = choice_and_map::handler(script, choice_and_map::Functions {});
                    host.register_durable(&format!("{function}{again}"), handler)
                        .unwrap();
                }
            }
        },
        &functions,
        &serde_json::to_value(input()).unwrap(),
    )
    .await;
}
