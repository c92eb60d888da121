//! What a `group` step's child context records: how its steps ended.
//!
//! A group runs its steps in a child context of its own (the SDK's `run_in_child_context`), whose result the SDK
//! checkpoints and hands back on replay without running the steps again. A step inside the group may end the whole
//! workflow with an outcome (a `succeed` step, a catch that finishes, an early finish), which a closure cannot do
//! by returning from the orchestrator; so the child context's value says either "the steps completed, with this
//! value" or "finish the workflow with this outcome", and the orchestrator acts on it after the group.

use std::future::Future;
use std::sync::Arc;

use aws_durable_execution_sdk::{BoxError, DurableContext};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a group's steps ended: recorded as the group's value, `{"Continue": value}` or `{"Finish": outcome}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(bound(
    serialize = "T: Serialize, O: Serialize",
    deserialize = "T: Deserialize<'de>, O: Deserialize<'de>"
))]
pub enum GroupExit<T, O> {
    /// The last step completed; its value (`()` when the group has none, or nobody reads it).
    Continue(#[serde(serialize_with = "by_ref", deserialize_with = "shared")] Arc<T>),
    /// A step inside the group finished the workflow with this outcome.
    Finish(O),
}

fn by_ref<T: Serialize, S: Serializer>(value: &Arc<T>, serializer: S) -> Result<S::Ok, S::Error> {
    T::serialize(value, serializer)
}

fn shared<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Arc<T>, D::Error> {
    T::deserialize(deserializer).map(Arc::new)
}

/// The value of a group whose steps never complete (each route through it finishes the workflow or fails): no
/// value of it exists, so generated code needs no `Continue` case.
#[derive(Debug, Serialize, Deserialize)]
pub enum Never {}

/// The body of a group's child context, with its value type `T` and the workflow's output type `O` fixed, so
/// that generated bodies that only ever finish (or only ever continue) still have one type.
pub fn group_body<T, O, F, Fut>(body: F) -> F
where
    F: FnOnce(DurableContext) -> Fut + Send + 'static,
    Fut: Future<Output = Result<GroupExit<T, O>, BoxError>> + Send + 'static,
{
    body
}

#[cfg(test)]
mod tests {
    use super::GroupExit;
    use std::sync::Arc;

    #[test]
    fn a_group_exit_round_trips_through_json() {
        let value: GroupExit<Vec<u32>, String> = GroupExit::Continue(Arc::new(vec![1, 2]));
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(json, r#"{"Continue":[1,2]}"#);
        match serde_json::from_str::<GroupExit<Vec<u32>, String>>(&json).unwrap() {
            GroupExit::Continue(value) => assert_eq!(*value, [1, 2]),
            GroupExit::Finish(outcome) => panic!("expected the value, got outcome {outcome}"),
        }
        let finish: GroupExit<(), String> = GroupExit::Finish("Done".to_string());
        let json = serde_json::to_string(&finish).unwrap();
        assert_eq!(json, r#"{"Finish":"Done"}"#);
        assert!(matches!(
            serde_json::from_str::<GroupExit<(), String>>(&json).unwrap(),
            GroupExit::Finish(outcome) if outcome == "Done"
        ));
    }
}
