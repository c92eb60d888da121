#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Exact diagnostics of `budget:`: its values, and a route over it (named, at the key it goes over); and of the
//! execution `timeout:`.

mod common;

use common::diagnostics;

const TIER: &str = include_str!("../../tier-upgrade.workflow.yaml");
const CHOICE_AND_MAP: &str = include_str!("fixtures/choice-and-map.workflow.yaml");

#[test]
fn the_tier_workflow_is_within_a_budget_of_its_own_cost() {
    let source = format!("{TIER}budget: {{ operations: 11, wall-time: 17m }}\n");
    let workflow = workflow_spec::load(&source, "tier.workflow.yaml").unwrap();
    let budget = workflow.budget.unwrap();
    assert_eq!(budget.operations, Some(11));
    assert_eq!(
        budget.wall_time,
        Some(std::time::Duration::from_secs(17 * 60))
    );
    assert_eq!(budget.map_elements, None);
}

#[test]
fn a_route_over_the_operations_or_wall_time_budget_is_an_error_at_that_key() {
    let source = format!("{TIER}budget: {{ operations: 10, wall-time: 15m }}\n");
    assert_eq!(
        diagnostics(&source),
        "error: route 11 bills 11 durable operations, over `budget.operations` (10)
  --> demo.workflow.yaml:71:23
   |
71 | budget: { operations: 10, wall-time: 15m }
   |                       ^^
   |
   = help: route 11: read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier -> await-notification-ack -> record-completion => Upgraded (2 routes are over; `workflow cost` lists them)

error: route 11 takes up to 16m 15s plus the activities' own time, over `budget.wall-time` (15m)
  --> demo.workflow.yaml:71:38
   |
71 | budget: { operations: 10, wall-time: 15m }
   |                                      ^^^
   |
   = help: route 11: read-account -> evaluate-tier -> gather-context -> fetch-order-history -> upgrade-tier -> await-notification-ack -> record-completion => Upgraded (2 routes are over; `workflow cost` lists them)"
    );
}

#[test]
fn a_cost_growing_with_map_elements_needs_map_elements() {
    let source = format!("{CHOICE_AND_MAP}budget: {{ operations: 20 }}\n");
    assert_eq!(
        diagnostics(&source),
        "error: the durable operations of route 5 grow with the elements of its maps (6 + 2 per element of notify): `budget.operations` needs `budget.map-elements`
  --> demo.workflow.yaml:63:23
   |
63 | budget: { operations: 20 }
   |                       ^^
   |
   = help: add `map-elements: <the most elements a map runs>` to `budget`"
    );
}

#[test]
fn map_elements_turn_per_element_costs_into_numbers() {
    let within = format!("{CHOICE_AND_MAP}budget: {{ operations: 22, map-elements: 4 }}\n");
    assert!(workflow_spec::load(&within, "demo.workflow.yaml").is_ok());
    let over = format!("{CHOICE_AND_MAP}budget: {{ operations: 21, map-elements: 4 }}\n");
    assert_eq!(
        diagnostics(&over),
        "error: route 9 bills 22 durable operations with 4 elements per map, over `budget.operations` (21)
  --> demo.workflow.yaml:63:23
   |
63 | budget: { operations: 21, map-elements: 4 }
   |                       ^^
   |
   = help: route 9: load-members -> route [Gold] -> gold-gift -> gold-note -> vip-check [true] -> vip-lounge -> notify -> summarise -> record => Notified (2 routes are over; `workflow cost` lists them)"
    );
}

#[test]
fn budget_values_are_checked() {
    let source = format!(
        "{TIER}budget: {{ operations: 0, wall-time: 10, map-elements: 5, wal-time: 1m }}\n"
    );
    assert_eq!(
        diagnostics(&source),
        "error: unknown key `wal-time`
  --> demo.workflow.yaml:71:58
   |
71 | budget: { operations: 0, wall-time: 10, map-elements: 5, wal-time: 1m }
   |                                                          ^^^^^^^^
   |
   = help: did you mean `wall-time`?"
    );
    let source = format!("{TIER}budget: {{ operations: 0, wall-time: 10 }}\n");
    assert_eq!(
        diagnostics(&source),
        "error: invalid count `0` in `operations`: it must be between 1 and 1000000
  --> demo.workflow.yaml:71:23
   |
71 | budget: { operations: 0, wall-time: 10 }
   |                       ^
   |
   = help: `operations` is the number of durable operations any route may bill

error: invalid duration `10` in `wall-time`: expected a whole number and a unit (`ms`, `s`, `m` or `h`)
  --> demo.workflow.yaml:71:37
   |
71 | budget: { operations: 0, wall-time: 10 }
   |                                     ^^
   |
   = help: write e.g. `500ms`, `30s`, `5m` or `1h`"
    );
}

#[test]
fn the_execution_timeout_is_a_duration_in_whole_seconds() {
    let tier = workflow_spec::load(TIER, "tier.workflow.yaml").unwrap();
    assert_eq!(tier.timeout, Some(std::time::Duration::from_secs(900)));
    let without = common::with_steps("  - a: { task: a }\n");
    assert_eq!(
        workflow_spec::load(&without, "demo.workflow.yaml")
            .unwrap()
            .timeout,
        None
    );

    let source = common::with_steps("  - a: { task: a }\n") + "timeout: 1500ms\n";
    assert_eq!(
        diagnostics(&source),
        "error: invalid duration `1500ms` in `timeout`: the execution timeout is whole seconds
 --> demo.workflow.yaml:9:10
  |
9 | timeout: 1500ms
  |          ^^^^^^
  |
  = help: write it in `s`, `m` or `h`"
    );
    let source = common::with_steps("  - a: { task: a }\n") + "timeout: 0s\n";
    assert_eq!(
        diagnostics(&source),
        "error: invalid duration `0s` in `timeout`: it must be longer than 0s
 --> demo.workflow.yaml:9:10
  |
9 | timeout: 0s
  |          ^^"
    );
}
