//! The service's rules at the API level: token rotation, ClientToken retries, the operation
//! state machine's refusals, payload limits, pagination and persistence across reopen.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use durable_local::Durability;
use durable_local::TimeControl;
use durable_local::service::Service;
use durable_local::wire::OperationUpdate;
use serde_json::{Value, json};

fn update(v: Value) -> OperationUpdate {
    serde_json::from_value(v).unwrap()
}

fn step_start(id: &str) -> OperationUpdate {
    update(json!({"Id": id, "Type": "STEP", "SubType": "Step", "Action": "START", "Name": id}))
}

fn open(dir: &tempfile::TempDir) -> Service {
    Service::open(
        &dir.path().join("s.db"),
        Durability::ProcessCrash,
        TimeControl::Real,
    )
    .unwrap()
}

fn token(service: &Service, arn: &str) -> String {
    let inv = service.begin_invocation(arn).unwrap().unwrap();
    inv.envelope["CheckpointToken"].as_str().unwrap().to_owned()
}

#[test]
fn every_checkpoint_rotates_the_token_and_a_retried_client_token_gets_the_same_answer() {
    let dir = tempfile::tempdir().unwrap();
    let service = open(&dir);
    let (arn, created) = service
        .start_execution("f", Some("e1"), "{}", 60, None)
        .unwrap();
    assert!(created);
    let t1 = token(&service, &arn);
    let first = service
        .checkpoint(&arn, &t1, Some("ct-1"), &[step_start("a")])
        .unwrap();
    let t2 = first.response["CheckpointToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(t1, t2);
    assert_eq!(
        first.response["NewExecutionState"]["Operations"][0]["Status"],
        "STARTED"
    );
    let retried = service
        .checkpoint(&arn, &t1, Some("ct-1"), &[step_start("a")])
        .unwrap();
    assert_eq!(retried.response, first.response);
    let stale = service
        .checkpoint(&arn, &t1, Some("ct-2"), &[])
        .unwrap_err();
    assert_eq!(stale.error_type(), "InvalidParameterValueException");
    assert!(
        stale.to_string().starts_with("Invalid Checkpoint Token"),
        "{stale}"
    );
    // A new invocation invalidates the previous invocation's token.
    let t3 = token(&service, &arn);
    assert!(service.checkpoint(&arn, &t2, None, &[]).is_err());
    assert!(service.checkpoint(&arn, &t3, None, &[]).is_ok());
}

#[test]
fn the_state_machine_refuses_invalid_transitions() {
    let dir = tempfile::tempdir().unwrap();
    let service = open(&dir);
    let (arn, _) = service.start_execution("f", None, "{}", 60, None).unwrap();
    let mut t = token(&service, &arn);
    let mut send = |updates: Vec<OperationUpdate>| {
        let r = service.checkpoint(&arn, &t, None, &updates);
        if let Ok(ok) = &r {
            t = ok.response["CheckpointToken"].as_str().unwrap().to_owned();
        }
        r.map(|ok| ok.response)
    };
    send(vec![
        step_start("a"),
        update(json!({"Id": "a", "Type": "STEP", "Action": "SUCCEED", "Payload": "1"})),
    ])
    .unwrap();
    let restart = send(vec![step_start("a")]).unwrap_err();
    assert_eq!(
        restart.to_string(),
        "Cannot START operation a in status Succeeded"
    );
    let wait = send(vec![update(
        json!({"Id": "w", "Type": "WAIT", "Action": "START", "WaitOptions": {"WaitSeconds": 0}}),
    )])
    .unwrap_err();
    assert_eq!(
        wait.to_string(),
        "WaitSeconds 0 is out of range 1..31622400"
    );
    let not_last = send(vec![
        update(json!({"Id": "x", "Type": "EXECUTION", "Action": "SUCCEED", "Payload": "1"})),
        step_start("b"),
    ])
    .unwrap_err();
    assert_eq!(
        not_last.to_string(),
        "An EXECUTION update must be the last update of a checkpoint"
    );
    let orphan = send(vec![update(
        json!({"Id": "c", "ParentId": "nope", "Type": "STEP", "Action": "START"}),
    )])
    .unwrap_err();
    assert_eq!(
        orphan.to_string(),
        "Parent operation nope of c does not exist"
    );
    let big = "x".repeat(6 * 1024 * 1024 + 1);
    let too_large = send(vec![update(
        json!({"Id": "d", "Type": "STEP", "Action": "SUCCEED", "Payload": big}),
    )])
    .unwrap_err();
    assert_eq!(too_large.error_type(), "InvalidParameterValueException");
    let callback = send(vec![update(json!({"Id": "cb", "Type": "CALLBACK", "Action": "START", "CallbackOptions": {"TimeoutSeconds": 60}}))]).unwrap();
    let op = &callback["NewExecutionState"]["Operations"][0];
    assert_eq!(op["Status"], "STARTED");
    assert_eq!(
        op["CallbackDetails"]["CallbackId"].as_str().unwrap().len(),
        32
    );
    // A rejected batch changes nothing: "b" from the refused batch does not exist.
    let ops = service.operations(&arn).unwrap();
    let ids: Vec<&str> = ops.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, vec!["a", "cb"]);

    // A batch refused at its last update, after it created one operation and completed another,
    // leaves both as they were, in memory and in the database.
    send(vec![step_start("f")]).unwrap();
    let refused = send(vec![
        step_start("e"),
        update(json!({"Id": "f", "Type": "STEP", "Action": "SUCCEED", "Payload": "2"})),
        step_start("a"),
    ])
    .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "Cannot START operation a in status Succeeded"
    );
    let state = |service: &Service| -> Vec<(String, String)> {
        service
            .operations(&arn)
            .unwrap()
            .iter()
            .map(|o| (o.id.clone(), format!("{:?}", o.status)))
            .collect()
    };
    let expected: Vec<(String, String)> = [("a", "Succeeded"), ("cb", "Started"), ("f", "Started")]
        .iter()
        .map(|(id, status)| ((*id).to_owned(), (*status).to_owned()))
        .collect();
    assert_eq!(state(&service), expected);
    // The execution goes on: the same completion, sent alone, is accepted.
    let done = send(vec![update(
        json!({"Id": "f", "Type": "STEP", "Action": "SUCCEED", "Payload": "2"}),
    )])
    .unwrap();
    assert_eq!(
        done["NewExecutionState"]["Operations"][0]["Status"],
        "SUCCEEDED"
    );
    drop(service);
    let reopened = open(&dir);
    let after: Vec<(String, String)> = [("a", "Succeeded"), ("cb", "Started"), ("f", "Succeeded")]
        .iter()
        .map(|(id, status)| ((*id).to_owned(), (*status).to_owned()))
        .collect();
    assert_eq!(state(&reopened), after);
}

#[test]
fn state_is_paginated_and_survives_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let arn = {
        let service = open(&dir);
        let (arn, _) = service
            .start_execution("f", Some("paged"), r#"{"k":1}"#, 60, None)
            .unwrap();
        let t = token(&service, &arn);
        let updates: Vec<OperationUpdate> = (0..5).map(|i| step_start(&format!("s{i}"))).collect();
        service.checkpoint(&arn, &t, None, &updates).unwrap();
        arn
    };
    let service = open(&dir);
    let (again, created) = service
        .start_execution("f", Some("paged"), r#"{"k":1}"#, 60, None)
        .unwrap();
    assert_eq!((again.as_str(), created), (arn.as_str(), false));
    let t = token(&service, &arn);
    let page1 = service.get_state(&arn, &t, None, Some(4)).unwrap();
    assert_eq!(page1["Operations"].as_array().unwrap().len(), 4);
    assert_eq!(page1["Operations"][0]["Type"], "EXECUTION");
    assert_eq!(
        page1["Operations"][0]["ExecutionDetails"]["InputPayload"],
        r#"{"k":1}"#
    );
    let page2 = service
        .get_state(&arn, &t, page1["NextMarker"].as_str(), Some(4))
        .unwrap();
    let ids: Vec<&str> = page2["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["Id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["s3", "s4"]);
    assert!(page2.get("NextMarker").is_none());
}
