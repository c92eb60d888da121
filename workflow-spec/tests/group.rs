#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `group` in everything the crate derives from a spec: its routes, its cost, its fingerprints, what `workflow diff`
//! says of edits inside it, and its Mermaid subgraph.

const GROUP: &str = include_str!("../../workflow-runtime/tests/ui/fixtures/group.workflow.yaml");

fn load(source: &str) -> workflow_spec::Workflow {
    workflow_spec::load(source, "group.workflow.yaml").unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn a_group_is_on_the_route_before_its_steps_and_costs_one_operation() {
    let workflow = load(GROUP);
    let routes = workflow_spec::routes(&workflow).unwrap();
    let listed: Vec<(String, u64)> = routes
        .iter()
        .map(|route| (route.to_string(), route.operations.fixed))
        .collect();
    let expected = [
        ("check [uncaught error] => fails", 2),
        (
            "check -> reserve -> hold-stock [Unavailable] => Cancelled",
            4,
        ),
        (
            "check -> reserve -> hold-stock [uncaught error] => fails",
            4,
        ),
        (
            "check -> reserve -> hold-stock -> settle -> on-hold [true] -> stop => Held",
            5,
        ),
        (
            "check -> reserve -> hold-stock -> settle -> on-hold [false] -> confirm -> confirm-hold \
             [uncaught error] => fails",
            7,
        ),
        (
            "check -> reserve -> hold-stock -> settle -> on-hold [false] -> confirm -> confirm-hold -> \
             ship [uncaught error] => fails",
            8,
        ),
        (
            "check -> reserve -> hold-stock -> settle -> on-hold [false] -> confirm -> confirm-hold -> \
             ship => Shipped",
            8,
        ),
    ];
    let expected: Vec<(String, u64)> = expected
        .iter()
        .map(|(route, operations)| (route.to_string(), *operations))
        .collect();
    assert_eq!(listed, expected);
    // The wait inside the group is on every route that passes it.
    assert_eq!(routes[3].wall_time.fixed, std::time::Duration::from_secs(2));
}

#[test]
fn a_group_and_its_steps_have_fingerprints_and_its_value_type_is_its_last_steps() {
    let workflow = load(GROUP);
    let operations = workflow_spec::operations(&workflow);
    let ids: Vec<&str> = operations.iter().map(|op| op.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "check",
            "reserve",
            "hold-stock",
            "settle",
            "confirm",
            "confirm-hold",
            "ship"
        ]
    );
    let descriptor = |id: &str| {
        operations
            .iter()
            .find(|op| op.id == id)
            .map(|op| op.descriptor.clone())
            .unwrap()
    };
    assert_eq!(descriptor("reserve"), "group -> crate::Reservation");
    assert_eq!(descriptor("confirm"), "group -> crate::Reservation");
    assert_eq!(
        descriptor("ship"),
        "task(crate::Order, crate::Reservation) -> crate::Shipment"
    );
}

#[test]
fn workflow_diff_sees_an_edit_inside_a_group() {
    let old = load(GROUP);
    // A step inserted inside the group, before the wait: executions that passed hold-stock break there.
    let inserted = GROUP.replace(
        "        - settle:\n",
        "        - audit: { task: audit, reads: [input] }\n        - settle:\n",
    );
    let diff = workflow_spec::diff(&old, &load(&inserted)).unwrap();
    assert!(!diff.is_compatible());
    let first = &diff.breaks[0];
    assert_eq!(first.recorded.id, "settle");
    assert_eq!(
        first.instead,
        workflow_spec::diff::Instead::Others(vec!["audit".to_string()])
    );
    // The group's value type changes with its last step's output: the group's own fingerprint changes.
    let retyped = GROUP.replace("output: crate::Reservation", "output: crate::Booking");
    let diff = workflow_spec::diff(&old, &load(&retyped)).unwrap();
    let broken: Vec<&str> = diff.breaks.iter().map(|b| b.recorded.id.as_str()).collect();
    assert_eq!(broken[0], "reserve", "{diff}");
    // Settings inside the group change nothing recorded.
    let slower = GROUP.replace("wait: 2s", "wait: 5s");
    assert!(workflow_spec::diff(&old, &load(&slower)).unwrap().unchanged);
}

#[test]
fn the_flowchart_draws_a_group_as_a_subgraph_holding_its_steps() {
    let workflow = load(GROUP);
    assert_eq!(
        workflow_spec::mermaid(&workflow),
        r#"---
title: "group: 2 to 8 durable operations, worst case 0s to 2s plus the activities' own time"
---
flowchart TD
    start(("group"))
    check["check<br/>task check"]
    subgraph reserve ["reserve (group)"]
        direction TB
        hold_stock["hold-stock<br/>task hold_stock"]
        settle[/"settle<br/>wait 2s"/]
        on_hold{"on-hold<br/>choice on check.hold"}
        stop(["stop<br/>succeed"])
        subgraph confirm ["confirm (group)"]
            direction TB
            confirm_hold["confirm-hold<br/>task confirm_hold"]
        end
    end
    ship["ship<br/>task ship"]
    outcome_Cancelled(["Cancelled"])
    outcome_Held(["Held"])
    outcome_Shipped(["Shipped"])
    start --> check
    check --> reserve
    hold_stock -. "Unavailable" .-> outcome_Cancelled
    hold_stock --> settle
    settle --> on_hold
    on_hold -- "true" --> stop
    stop --> outcome_Held
    on_hold -- "false" --> confirm
    confirm_hold --> ship
    ship --> outcome_Shipped
"#
    );
}
