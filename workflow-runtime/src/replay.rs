//! What every execution records first, and how its operations are named so that a changed definition replays
//! only what it can read back.
//!
//! The first durable operation of every execution (named [`SPEC_HASH_OPERATION`]) records the sha256 of the spec
//! file the running code was generated from and the fingerprint of each of its durable operations (see
//! `workflow-spec`'s `fingerprint` module: a step's kind, the types it reads and returns). Replays read that record
//! back. Each operation is then named after its step id, as long as the running definition's fingerprint for it is
//! the recorded one, and `id@fingerprint` otherwise. The SDK compares the name of every operation it replays with
//! the name it recorded, so:
//!
//! - an execution replays under a new definition as long as every operation it recorded is claimed again in the
//!   same place with the same fingerprint; where the new definition changed, inserted or removed a step before
//!   that point, the replay fails there, with the SDK's `NonDeterministicExecution` error naming the recorded
//!   operation and the one claimed instead (`workflow diff OLD NEW` tells which executions, before deploying);
//! - steps the execution has not reached yet run under the new definition; when their fingerprint differs from the
//!   one recorded at the start they are recorded as `id@fingerprint`, which later replays claim the same way.
//!
//! Executions started before fingerprints were recorded hold the spec hash alone: they replay only under code
//! generated from the same file, and fail with [`SpecHashMismatch`] under any other.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use aws_durable_execution_sdk::{BoxError, DurableContext, TypedError};
use serde::{Deserialize, Serialize};

/// The name of the first durable operation of every execution. It cannot clash with a step id, which the spec
/// restricts to kebab-case.
pub const SPEC_HASH_OPERATION: &str = "workflow:spec-hash";

/// A replay, by code generated from another spec file, of an execution that recorded its spec hash only.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "this execution was started by workflow spec {recorded} and is being replayed by code \
     generated from spec {current}; finish or stop executions before changing the spec, or \
     deploy the change under a new function version"
)]
pub struct SpecHashMismatch {
    /// The hash the execution recorded when it started.
    pub recorded: String,
    /// The hash of the spec the running code was generated from.
    pub current: String,
}

/// The value of the first operation.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Record {
    /// The spec file's hash and each operation's fingerprint, by operation name.
    Fingerprints {
        spec: String,
        operations: BTreeMap<String, String>,
    },
    /// The spec hash alone, as recorded by code generated before fingerprints were.
    SpecHash(String),
}

/// The names of a running execution's durable operations.
#[derive(Clone, Debug)]
pub struct Operations {
    /// The running definition's fingerprints, by operation name.
    current: &'static [(&'static str, &'static str)],
    /// The fingerprints the execution recorded at its start, when some differ from `current`.
    recorded: Option<Arc<BTreeMap<String, String>>>,
}

impl Operations {
    /// The name of the durable operation of step (or parallel branch) `id`: `id` while its fingerprint is the one
    /// this execution recorded at its start, `id@fingerprint` once the definition changed it.
    pub fn name(&self, id: &'static str) -> Cow<'static, str> {
        let Some(recorded) = &self.recorded else {
            return Cow::Borrowed(id);
        };
        let current = self
            .current
            .iter()
            .find(|(name, _)| *name == id)
            .map(|(_, fingerprint)| *fingerprint);
        match current {
            Some(fingerprint) if recorded.get(id).map(String::as_str) != Some(fingerprint) => {
                Cow::Owned(format!("{id}@{fingerprint}"))
            }
            _ => Cow::Borrowed(id),
        }
    }

    /// Whether this execution started under a definition with other fingerprints than the running one.
    pub fn definition_changed(&self) -> bool {
        self.recorded.is_some()
    }
}

/// Records the spec hash and the fingerprints (`current`, by operation name) on the first run; on replays, reads
/// what the execution recorded and returns the names its operations go by.
pub async fn start_execution(
    ctx: &DurableContext,
    spec_hash: &'static str,
    current: &'static [(&'static str, &'static str)],
) -> Result<Operations, BoxError> {
    let record: Record = ctx
        .step(move |_| async move {
            Ok(Record::Fingerprints {
                spec: spec_hash.to_owned(),
                operations: current
                    .iter()
                    .map(|(name, fingerprint)| ((*name).to_owned(), (*fingerprint).to_owned()))
                    .collect(),
            })
        })
        .name(SPEC_HASH_OPERATION)
        .retry_strategy(crate::retry::never_retry())
        .await?;
    let recorded = match record {
        Record::SpecHash(recorded) if recorded == spec_hash => None,
        Record::SpecHash(recorded) => {
            let mismatch = SpecHashMismatch {
                recorded,
                current: spec_hash.to_owned(),
            };
            tracing::error!(recorded = %mismatch.recorded, current = %mismatch.current, "{mismatch}");
            return Err(Box::new(TypedError::with_type(
                "SpecHashMismatch",
                mismatch,
            )));
        }
        Record::Fingerprints { spec, operations } => {
            let same = operations.len() == current.len()
                && current.iter().all(|(name, fingerprint)| {
                    operations.get(*name).map(String::as_str) == Some(*fingerprint)
                });
            if same {
                None
            } else {
                tracing::info!(
                    recorded_spec = %spec,
                    current_spec = spec_hash,
                    "this execution started under another definition of the workflow: operations whose \
                     fingerprint changed since are named id@fingerprint"
                );
                Some(Arc::new(operations))
            }
        }
    };
    Ok(Operations { current, recorded })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURRENT: &[(&str, &str)] = &[("a", "11111111"), ("b", "22222222")];

    fn recorded(pairs: &[(&str, &str)]) -> Operations {
        Operations {
            current: CURRENT,
            recorded: Some(Arc::new(
                pairs
                    .iter()
                    .map(|(n, f)| ((*n).to_owned(), (*f).to_owned()))
                    .collect(),
            )),
        }
    }

    #[test]
    fn names_are_step_ids_unless_the_fingerprint_changed_since_the_start() {
        let same = Operations {
            current: CURRENT,
            recorded: None,
        };
        assert_eq!(same.name("a"), "a");
        let changed = recorded(&[("a", "11111111"), ("b", "99999999")]);
        assert_eq!(changed.name("a"), "a");
        assert_eq!(changed.name("b"), "b@22222222");
        // A step added since the start.
        let added = recorded(&[("a", "11111111")]);
        assert_eq!(added.name("b"), "b@22222222");
    }

    #[test]
    fn both_record_formats_read_back() {
        let legacy: Record =
            serde_json::from_str("\"f21d\"").unwrap_or(Record::SpecHash(String::new()));
        assert!(matches!(legacy, Record::SpecHash(hash) if hash == "f21d"));
        let current: Record =
            serde_json::from_str(r#"{"spec":"f21d","operations":{"a":"11111111"}}"#)
                .unwrap_or(Record::SpecHash(String::new()));
        assert!(
            matches!(current, Record::Fingerprints { operations, .. } if operations["a"] == "11111111")
        );
    }
}
