//! The example workflow with every construct (`examples/order-fulfilment`): on durable-local and on the
//! official emulator `dex-local-runner`, one execution per route family, each side's status, result and
//! operations (type, subtype, name, status) must be equal (the `invoke` runs in process on both sides, as the
//! emulator's host has no function to chain to); and on durable-local alone with the `invoke` as a real chained
//! invoke of a registered function.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use durable_local::{DurableLocal, DurableLocalOptions, TimeControl};
use order_fulfilment_example::{
    Confirmation, Order, Scripted, Tier, WarehouseRequest, in_process_functions, lines,
    order_fulfilment, shipping_order, warehouse,
};
use serde_json::{Value, json};
use support::dex::observe;
use support::differential::{Case, REFERENCE_RUNS, agree_on_cases, answer_within};
use workflow_runtime::FunctionTarget;

/// One order per route family, with the callback answer when the route reaches the callback.
fn orders() -> Vec<(&'static str, Order, Option<bool>)> {
    vec![
        ("shipped", shipping_order(), Some(true)),
        (
            "rejected",
            Order {
                reject: true,
                ..shipping_order()
            },
            None,
        ),
        (
            "held",
            Order {
                tier: Tier::Preorder,
                ..shipping_order()
            },
            None,
        ),
        (
            "blocked",
            Order {
                tier: Tier::Blocked,
                ..shipping_order()
            },
            None,
        ),
        (
            "out-of-stock",
            Order {
                lines: lines(&[false, true, false]),
                ..shipping_order()
            },
            None,
        ),
        (
            "unpaid",
            Order {
                decline: true,
                ..shipping_order()
            },
            None,
        ),
        (
            "warehouse-down",
            Order {
                warehouse_down: true,
                tier: Tier::Standard,
                review: false,
                ..shipping_order()
            },
            Some(true),
        ),
        (
            "abandoned",
            Order {
                pickup_at_check: 0,
                ..shipping_order()
            },
            None,
        ),
        ("damaged", shipping_order(), Some(false)),
    ]
}

fn confirmation(intact: bool) -> Value {
    serde_json::to_value(Confirmation { intact }).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_agrees_with_the_official_emulator_on_every_route_family() {
    let cases: Vec<Case> = orders()
        .into_iter()
        .map(|(function, order, answer)| Case {
            function: function.to_string(),
            input: serde_json::to_value(order).unwrap(),
            callback: answer.map(confirmation),
        })
        .collect();
    agree_on_cases(
        |local| {
            for (function, _, _) in orders() {
                let handler =
                    order_fulfilment::handler(Scripted::default(), in_process_functions());
                local.register_durable(function, handler).unwrap();
            }
        },
        |host| {
            for again in REFERENCE_RUNS {
                for (function, _, _) in orders() {
                    let handler =
                        order_fulfilment::handler(Scripted::default(), in_process_functions());
                    host.register_durable(&format!("{function}{again}"), handler)
                        .unwrap();
                }
            }
        },
        &cases,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_durable_local_the_invoke_is_a_chained_invoke_of_a_registered_function() {
    let dir = tempfile::tempdir().unwrap();
    let local = DurableLocal::open(
        dir.path().join("d.db"),
        DurableLocalOptions {
            time: TimeControl::Skip,
            ..DurableLocalOptions::default()
        },
    )
    .unwrap();
    local.register_function("warehouse", |request: WarehouseRequest| async move {
        warehouse(request).map_err(Into::into)
    });
    for (function, _, _) in orders() {
        let mut functions = in_process_functions();
        functions.notify_warehouse = FunctionTarget::Lambda("warehouse".to_string());
        let handler = order_fulfilment::handler(Scripted::default(), functions);
        local.register_durable(function, handler).unwrap();
    }
    let server = local
        .serve_http("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = support::lambda_client(&server.endpoint_url());
    for (function, expected) in [("shipped", "Shipped"), ("warehouse-down", "Shipped")] {
        let (_, order, answer) = orders()
            .into_iter()
            .find(|(name, _, _)| *name == function)
            .unwrap();
        let arn = local
            .start_execution(
                function,
                Some(function),
                &serde_json::to_value(order).unwrap(),
            )
            .unwrap();
        if let Some(intact) = answer {
            let within = std::time::Duration::from_secs(30);
            assert!(answer_within(&client, &arn, &confirmation(intact), within).await);
        }
        let observed = observe(&client, &arn).await;
        assert_eq!(
            observed.result,
            Some(json!(expected)),
            "{function}: {observed:?}"
        );
        let invoke = observed
            .operations
            .iter()
            .find(|(_, _, name, _)| name == "notify-warehouse")
            .unwrap_or_else(|| panic!("{function}: no notify-warehouse in {observed:?}"));
        assert_eq!(invoke.0, "CHAINED_INVOKE", "{function}: {invoke:?}");
        let status = if function == "warehouse-down" {
            "FAILED"
        } else {
            "SUCCEEDED"
        };
        assert_eq!(invoke.3, status, "{function}: {invoke:?}");
    }
}
