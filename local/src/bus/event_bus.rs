//! The in-process EventBridge bus: validates `PutEvents` entries like EventBridge, archives every accepted event,
//! and delivers it to the queue of every matching rule, all in one transaction.

use std::collections::BTreeSet;
use std::sync::Arc;

use rusqlite::params;
use serde_json::Value;

use crate::bus::wire::{EntryResult, MAX_DETAIL_DEPTH, PutEventsEntry, nesting_depth};
use crate::embedded::database::Database;
use crate::embedded::error::EmbeddedError;
use crate::embedded::queues::Queues;
use crate::embedded::topology::Topology;
use loyalty_service::core::time_format::{iso_millis, iso_seconds};

/// The account id in envelopes of the embedded bus.
pub const LOCAL_ACCOUNT: &str = "000000000000";
/// The region in envelopes of the embedded bus.
pub const LOCAL_REGION: &str = "us-east-1";

/// The bus of one environment.
#[derive(Debug)]
pub struct Bus {
    db: Arc<Database>,
    queues: Arc<Queues>,
    topology: Topology,
}

fn failed(code: &str, message: String) -> EntryResult {
    EntryResult::Failed {
        error_code: code.to_owned(),
        error_message: message,
    }
}

fn required(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

struct ValidEntry<'a> {
    source: &'a str,
    detail_type: &'a str,
    detail: &'a str,
    resources: &'a [String],
    time_ms: Option<i64>,
}

impl Bus {
    /// The bus of `topology`, delivering to `queues`.
    pub fn new(db: Arc<Database>, queues: Arc<Queues>, topology: Topology) -> Self {
        Self {
            db,
            queues,
            topology,
        }
    }

    /// The topology (bus name, rules, queues).
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    fn validate<'a>(&self, entry: &'a PutEventsEntry) -> Result<ValidEntry<'a>, EntryResult> {
        if !self.topology.accepts_bus(entry.event_bus_name.as_deref()) {
            let name = entry.event_bus_name.as_deref().unwrap_or_default();
            return Err(failed(
                "ResourceNotFoundException",
                format!("Event bus {name} does not exist."),
            ));
        }
        let argument = |name: &str| {
            failed(
                "InvalidArgument",
                format!("Parameter {name} is not valid. Reason: {name} is a required argument."),
            )
        };
        let source = required(&entry.source).ok_or_else(|| argument("Source"))?;
        let detail_type = required(&entry.detail_type).ok_or_else(|| argument("DetailType"))?;
        let detail = required(&entry.detail).ok_or_else(|| argument("Detail"))?;
        if source.starts_with("aws.") {
            return Err(failed(
                "NotAuthorizedForSourceException",
                "Not authorized for the source.".into(),
            ));
        }
        // A JSON object: checked without building it (`IgnoredAny` validates the syntax, allocating nothing), and
        // no deeper than the consumers can read (behaviour F20).
        let is_object = detail.trim_start().starts_with('{')
            && serde_json::from_str::<serde::de::IgnoredAny>(detail).is_ok()
            && nesting_depth(detail) <= MAX_DETAIL_DEPTH;
        if !is_object {
            return Err(failed("MalformedDetail", "Detail is malformed.".into()));
        }
        Ok(ValidEntry {
            source,
            detail_type,
            detail: detail.trim(),
            resources: &entry.resources,
            time_ms: entry.time_ms,
        })
    }

    /// Accepts the valid entries (archive + matching queues, one transaction) and reports every entry's result.
    pub fn put_events(
        &self,
        entries: &[PutEventsEntry],
        now_ms: i64,
    ) -> Result<Vec<EntryResult>, EmbeddedError> {
        let validated: Vec<Result<ValidEntry<'_>, EntryResult>> =
            entries.iter().map(|e| self.validate(e)).collect();
        let mut touched = BTreeSet::new();
        let results = self.db.write(|tx| {
            let mut results = Vec::with_capacity(validated.len());
            for entry in &validated {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(failure) => {
                        results.push(failure.clone());
                        continue;
                    }
                };
                let event_id = uuid::Uuid::new_v4().to_string();
                tx.prepare_cached(
                    "INSERT INTO archive (event_id, bus, source, detail_type, detail, time, received_at_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    event_id,
                    self.topology.bus_name,
                    entry.source,
                    entry.detail_type,
                    entry.detail,
                    iso_millis(now_ms),
                    now_ms
                ])?;
                let body = envelope(&event_id, entry, now_ms);
                for rule in self.topology.rules.iter().filter(|r| r.matches(entry.source, entry.detail_type)) {
                    Queues::send_in(tx, &rule.queue, &body, Some(&event_id), Some(entry.detail_type), now_ms)?;
                    touched.insert(rule.queue.clone());
                }
                results.push(EntryResult::Accepted { event_id });
            }
            Ok::<_, EmbeddedError>(results)
        })?;
        self.queues.notify(touched.iter().map(String::as_str));
        Ok(results)
    }
}

fn json_string(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// The EventBridge event JSON an SQS target receives. The detail is embedded verbatim (already validated).
fn envelope(event_id: &str, entry: &ValidEntry<'_>, now_ms: i64) -> String {
    let resources = Value::from(entry.resources.to_vec()).to_string();
    format!(
        r#"{{"version":"0","id":{},"detail-type":{},"source":{},"account":"{LOCAL_ACCOUNT}","time":"{}","region":"{LOCAL_REGION}","resources":{resources},"detail":{}}}"#,
        json_string(event_id),
        json_string(entry.detail_type),
        json_string(entry.source),
        iso_seconds(entry.time_ms.unwrap_or(now_ms)),
        entry.detail
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::bus::wire::rejected_entries;
    use crate::embedded::archive::list_archive;
    use crate::embedded::queues::DEFAULT_VISIBILITY_TIMEOUT_MS;
    use loyalty_service::core::cloud_event::EventBridgeEnvelope;
    use loyalty_service::ports::PublishError;

    fn bus() -> (tempfile::TempDir, Arc<Database>, Arc<Queues>, Bus) {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Database::open(&dir.path().join("bus.sqlite3")).unwrap());
        let queues = Arc::new(Queues::new(
            db.clone(),
            HashMap::new(),
            DEFAULT_VISIBILITY_TIMEOUT_MS,
        ));
        let bus = Bus::new(db.clone(), queues.clone(), Topology::for_env("dev"));
        (dir, db, queues, bus)
    }

    fn entry(source: &str, detail_type: &str, detail: &str) -> PutEventsEntry {
        PutEventsEntry {
            source: Some(source.into()),
            detail_type: Some(detail_type.into()),
            detail: Some(detail.into()),
            event_bus_name: Some("LoyaltyService-bus-dev".into()),
            resources: vec![],
            time_ms: None,
        }
    }

    #[test]
    fn an_accepted_event_is_archived_and_delivered_in_the_eventbridge_envelope() {
        let (_dir, db, queues, bus) = bus();
        let detail = r#"{"type":"orders.orderCompleted.v2","data":{"orderId":"o1","userId":"u1"}}"#;
        let results = bus
            .put_events(
                &[entry("dev.orders", "orders.orderCompleted.v2", detail)],
                1_718_000_000_123,
            )
            .unwrap();
        let EntryResult::Accepted { event_id } = &results[0] else {
            panic!("{results:?}")
        };

        let messages = queues
            .receive("LoyaltyService-OrderCompleted-dev", 10, 1_718_000_000_123)
            .unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].event_id.as_deref(), Some(event_id.as_str()));
        let body: Value = serde_json::from_str(&messages[0].body).unwrap();
        assert_eq!(body["id"], event_id.as_str());
        assert_eq!(body["detail-type"], "orders.orderCompleted.v2");
        assert_eq!(body["source"], "dev.orders");
        assert_eq!(body["time"], "2024-06-10T06:13:20Z");
        assert_eq!(body["detail"]["data"]["orderId"], "o1");

        let archive = list_archive(&db).unwrap();
        assert_eq!(archive.len(), 1);
        assert_eq!(archive[0].time, "2024-06-10T06:13:20.123Z");
        assert_eq!(archive[0].detail["type"], "orders.orderCompleted.v2");
    }

    /// An order event whose `data` carries `extra` levels of nested arrays (detail depth: `extra` + 2).
    fn nested_order_detail(extra: usize) -> String {
        format!(
            r#"{{"type":"orders.orderCompleted.v2","data":{{"orderId":"o1","userId":"u1","x":{}1{}}}}}"#,
            "[".repeat(extra),
            "]".repeat(extra)
        )
    }

    #[test]
    fn a_detail_nested_deeper_than_the_consumers_read_is_refused_at_the_door() {
        let (_dir, db, queues, bus) = bus();
        let deepest = nested_order_detail(MAX_DETAIL_DEPTH - 2);
        let too_deep = nested_order_detail(MAX_DETAIL_DEPTH - 1);
        let absurd = nested_order_detail(10_000);

        let results = bus
            .put_events(
                &[
                    entry("dev.orders", "orders.orderCompleted.v2", &deepest),
                    entry("dev.orders", "orders.orderCompleted.v2", &too_deep),
                    entry("dev.orders", "orders.orderCompleted.v2", &absurd),
                ],
                0,
            )
            .unwrap();

        assert_eq!(nesting_depth(&deepest), MAX_DETAIL_DEPTH);
        assert!(
            matches!(results[0], EntryResult::Accepted { .. }),
            "{results:?}"
        );
        for refused in &results[1..] {
            assert_eq!(
                refused,
                &EntryResult::Failed {
                    error_code: "MalformedDetail".into(),
                    error_message: "Detail is malformed.".into()
                }
            );
        }
        // What was accepted, the consumer reads; one level more and it could not have.
        let messages = queues
            .receive("LoyaltyService-OrderCompleted-dev", 10, 0)
            .unwrap();
        assert_eq!(messages.len(), 1);
        let envelope = EventBridgeEnvelope::from_body(&messages[0].body).unwrap();
        assert_eq!(
            envelope.cloud_event().unwrap().event_type,
            "orders.orderCompleted.v2"
        );
        let one_deeper = messages[0].body.replacen("[1]", "[[1]]", 1);
        assert!(EventBridgeEnvelope::from_body(&one_deeper).is_err());
        assert_eq!(list_archive(&db).unwrap().len(), 1);
    }

    #[test]
    fn nesting_depth_skips_brackets_inside_strings() {
        assert_eq!(nesting_depth("1"), 0);
        assert_eq!(nesting_depth(r#"{"a":"[[[{{{\"]]]","b":[{}]}"#), 3);
        assert_eq!(nesting_depth(r#"{"a":"\\","b":[[]]}"#), 3);
    }

    #[test]
    fn an_event_matching_no_rule_is_archived_but_not_queued() {
        let (_dir, db, queues, bus) = bus();
        bus.put_events(&[entry("prod.orders", "orders.orderCompleted.v1", "{}")], 0)
            .unwrap();
        assert_eq!(
            queues.depth("LoyaltyService-OrderCompleted-dev").unwrap(),
            0
        );
        assert_eq!(list_archive(&db).unwrap().len(), 1);
    }

    #[test]
    fn invalid_entries_fail_one_by_one_like_eventbridge() {
        let (_dir, db, _queues, bus) = bus();
        let mut unknown_bus = entry("dev.users", "users.userCreated.v1", "{}");
        unknown_bus.event_bus_name = Some("nope".into());
        let mut no_source = entry("", "users.userCreated.v1", "{}");
        no_source.source = None;
        let results = bus
            .put_events(
                &[
                    unknown_bus,
                    no_source,
                    entry("dev.users", "users.userCreated.v1", "{not json"),
                    entry("dev.users", "users.userCreated.v1", "[1]"),
                    entry("aws.events", "x", "{}"),
                    entry("dev.users", "users.userCreated.v1", "{}"),
                ],
                0,
            )
            .unwrap();
        let codes: Vec<String> = results
            .iter()
            .map(|r| match r {
                EntryResult::Failed { error_code, .. } => error_code.clone(),
                EntryResult::Accepted { .. } => "ok".into(),
            })
            .collect();
        assert_eq!(
            codes,
            [
                "ResourceNotFoundException",
                "InvalidArgument",
                "MalformedDetail",
                "MalformedDetail",
                "NotAuthorizedForSourceException",
                "ok"
            ]
        );
        assert_eq!(
            results[1],
            EntryResult::Failed {
                error_code: "InvalidArgument".into(),
                error_message:
                    "Parameter Source is not valid. Reason: Source is a required argument.".into()
            }
        );
        assert_eq!(list_archive(&db).unwrap().len(), 1);
        assert_eq!(
            rejected_entries(&results),
            Err(PublishError::EntriesRejected {
                failed: 5,
                total: 6,
                first_error: "ResourceNotFoundException: Event bus nope does not exist.".into()
            })
        );
    }
}
