//! The example under the SDK's `LocalRunner`: one run per route family (every outcome, the fail step, the
//! failed recording), each checked for its outcome, the activities it called, and the durable operations it
//! recorded against what `workflow cost` gives its route.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_durable_execution_sdk::test_util::{LocalRunner, TestResult};
use order_fulfilment_example::{
    Confirmation, Fulfilment, Order, Scripted, Tier, in_process_functions, lines, order_fulfilment,
    shipping_order,
};

/// An order that ships: three lines in stock, a payment held for review, a pickup at the second check.
async fn run(order: &Order, runner: LocalRunner) -> (TestResult<Fulfilment>, Vec<String>) {
    let activities = Scripted::default();
    let result = runner
        .run(
            order_fulfilment::handler(activities.clone(), in_process_functions()),
            order.clone(),
        )
        .await;
    (result, activities.calls())
}

fn answered(intact: bool) -> LocalRunner {
    LocalRunner::new().callback_success(&Confirmation { intact })
}

/// The operations `workflow cost` gives the route written as `route`, for `elements` lines.
fn costed(route: &str, elements: usize) -> u64 {
    let file = "order-fulfilment.workflow.yaml";
    let workflow = workflow_spec::load(&std::fs::read_to_string(file).unwrap(), file).unwrap();
    let routes = workflow_spec::routes(&workflow).unwrap();
    let found = routes
        .iter()
        .find(|candidate| candidate.to_string() == route)
        .unwrap_or_else(|| panic!("no route {route}"));
    let per_element: u64 = found
        .operations
        .per_map
        .iter()
        .map(|term| term.amount)
        .sum();
    found.operations.fixed + per_element * elements as u64
}

const SHIPPED: &str = "validate -> by-tier [Gold] -> gift-wrap -> reserve -> reserve-lines -> charge-request \
                       -> pay -> prepare -> notify-warehouse -> cool-off -> await-pickup -> confirm-delivery \
                       -> record => Shipped";

#[tokio::test]
async fn a_gold_order_runs_every_kind_of_step_and_ships() {
    let order = shipping_order();
    let (result, mut calls) = run(&order, answered(true)).await;

    assert_eq!(result.output(), Some(&Fulfilment::Shipped), "{result:?}");
    // The map's elements and the parallel branches run concurrently: their order is not fixed.
    calls[2..5].sort();
    calls[8..11].sort();
    assert_eq!(
        calls,
        [
            "validate_order",
            "gift_wrap",
            "reserve_line sku-0",
            "reserve_line sku-1",
            "reserve_line sku-2",
            "build_charge",
            "authorize",
            "capture A-o-1",
            // The label printer jams once; the retry prints it.
            "pick_items",
            "print_label",
            "print_label",
            "check_pickup 1",
            "check_pickup 2",
            "request_confirmation true",
            "record_fulfilment",
        ]
    );
    // The payment took its longest route (the review hold): the count is exact.
    assert_eq!(
        result.operations().len() as u64,
        costed(SHIPPED, order.lines.len())
    );
}

#[tokio::test]
async fn each_outcome_is_reached_and_costs_at_most_what_workflow_cost_says() {
    let cases: Vec<(&str, Order, LocalRunner, Fulfilment, &str)> = vec![
        (
            "rejected",
            Order {
                reject: true,
                ..shipping_order()
            },
            LocalRunner::new(),
            Fulfilment::Rejected,
            "validate [rejected] => Rejected",
        ),
        (
            "preorder",
            Order {
                tier: Tier::Preorder,
                ..shipping_order()
            },
            LocalRunner::new(),
            Fulfilment::Held,
            "validate -> by-tier [Preorder] -> note-preorder -> held => Held",
        ),
        (
            "out of stock",
            Order {
                lines: lines(&[true, false, false]),
                ..shipping_order()
            },
            LocalRunner::new(),
            Fulfilment::OutOfStock,
            "validate -> by-tier [Gold] -> gift-wrap -> reserve -> reserve-lines [TooManyFailures] => OutOfStock",
        ),
        (
            "one line out of stock is tolerated",
            Order {
                lines: lines(&[true, false, true]),
                ..shipping_order()
            },
            answered(true),
            Fulfilment::Shipped,
            SHIPPED,
        ),
        (
            "declined",
            Order {
                decline: true,
                ..shipping_order()
            },
            LocalRunner::new(),
            Fulfilment::Unpaid,
            "validate -> by-tier [Gold] -> gift-wrap -> reserve -> reserve-lines -> charge-request -> pay \
             [Declined] => Unpaid",
        ),
        (
            "warehouse down",
            Order {
                warehouse_down: true,
                tier: Tier::Standard,
                ..shipping_order()
            },
            answered(true),
            Fulfilment::Shipped,
            "validate -> by-tier [no arm] -> reserve -> reserve-lines -> charge-request -> pay -> prepare -> \
             notify-warehouse [InvokeFailed] -> await-pickup -> confirm-delivery -> record => Shipped",
        ),
        (
            "abandoned",
            Order {
                pickup_at_check: 0,
                ..shipping_order()
            },
            LocalRunner::new(),
            Fulfilment::Abandoned,
            "validate -> by-tier [Gold] -> gift-wrap -> reserve -> reserve-lines -> charge-request -> pay -> \
             prepare -> notify-warehouse -> cool-off -> await-pickup [PollTimeout] => Abandoned",
        ),
        (
            "damaged",
            shipping_order(),
            answered(false),
            Fulfilment::Damaged,
            "validate -> by-tier [Gold] -> gift-wrap -> reserve -> reserve-lines -> charge-request -> pay -> \
             prepare -> notify-warehouse -> cool-off -> await-pickup -> confirm-delivery [not intact] => Damaged",
        ),
        (
            "unconfirmed",
            shipping_order(),
            LocalRunner::new().callback_timeout(),
            Fulfilment::ShippedUnconfirmed,
            "validate -> by-tier [Gold] -> gift-wrap -> reserve -> reserve-lines -> charge-request -> pay -> \
             prepare -> notify-warehouse -> cool-off -> await-pickup -> confirm-delivery [CallbackTimeout] => \
             ShippedUnconfirmed",
        ),
    ];
    for (name, order, runner, outcome, route) in cases {
        let (result, _) = run(&order, runner).await;
        assert_eq!(result.output(), Some(&outcome), "{name}: {result:?}");
        let recorded = result.operations().len() as u64;
        let bound = costed(route, order.lines.len());
        assert!(
            recorded <= bound,
            "{name}: {recorded} operations recorded, workflow cost says at most {bound}"
        );
    }
}

#[tokio::test]
async fn a_blocked_customer_fails_the_execution_at_the_fail_step() {
    let (result, calls) = run(
        &Order {
            tier: Tier::Blocked,
            ..shipping_order()
        },
        LocalRunner::new(),
    )
    .await;

    assert!(result.is_failure());
    assert_eq!(result.error_type(), Some("WorkflowFailed"));
    assert_eq!(
        result.error_message(),
        Some("WorkflowFailed: workflow failed at step `blocked`: the customer is blocked")
    );
    assert_eq!(calls, ["validate_order"]);
}

#[tokio::test]
async fn a_recording_that_keeps_failing_is_retried_then_fails_the_execution_with_the_catchs_message()
 {
    let (result, calls) = run(
        &Order {
            record_fails: true,
            ..shipping_order()
        },
        answered(true),
    )
    .await;

    assert!(result.is_failure());
    assert_eq!(
        result.error_message(),
        Some(
            "WorkflowFailed: workflow failed at step `record`: the fulfilment could not be recorded"
        )
    );
    // `defaults.retry`: 3 attempts on Transient.
    assert_eq!(
        calls
            .iter()
            .filter(|call| *call == "record_fulfilment")
            .count(),
        3
    );
}
