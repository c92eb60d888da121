//! The YAML as written, deserialized with positions (serde-saphyr `Spanned`).
//!
//! Every step kind is a key of the step body (`task:`, `parallel:`, ...) instead of a serde enum, so no
//! `flatten`/`untagged` is needed and every node keeps its position. Unknown keys are rejected.

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;
use std::marker::PhantomData;

/// A string with its position in the YAML source.
pub type Text = Spanned<String>;

/// A YAML mapping kept in source order (serde-saphyr itself rejects duplicate keys inside one mapping).
#[derive(Debug)]
pub struct OrderedMap<K, V>(pub Vec<(K, V)>);

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = OrderedMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// For optional keys: absent is `None` (by `#[serde(default)]`), but a key written without a value is an error
/// ("a value is missing here") instead of silently meaning "absent".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSpec {
    pub workflow: Text,
    #[serde(default, deserialize_with = "present")]
    pub about: Option<Text>,
    pub input: Text,
    pub output: Text,
    #[serde(default, deserialize_with = "present")]
    pub errors: Option<Spanned<OrderedMap<Text, Text>>>,
    #[serde(default, deserialize_with = "present")]
    pub defaults: Option<RawDefaults>,
    pub steps: RawSteps,
    #[serde(default, deserialize_with = "present")]
    pub finish: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub budget: Option<Spanned<RawBudget>>,
    #[serde(default, deserialize_with = "present")]
    pub timeout: Option<Text>,
}

/// `budget:`: the most any route may cost.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBudget {
    #[serde(default, deserialize_with = "present")]
    pub operations: Option<Spanned<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub wall_time: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub map_elements: Option<Spanned<i64>>,
}

/// A list of steps: the workflow's, an arm's, a map's. Each item maps one step id to its body.
pub type RawSteps = Spanned<Vec<Spanned<OrderedMap<Text, RawStep>>>>;

/// `defaults:`: what steps inherit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDefaults {
    #[serde(default, deserialize_with = "present")]
    pub retry: Option<Spanned<RawRetry>>,
}

/// The body of one step: exactly one kind key plus common keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawStep {
    #[serde(default, deserialize_with = "present")]
    pub task: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub parallel: Option<Spanned<OrderedMap<Text, RawBranch>>>,
    #[serde(default, deserialize_with = "present")]
    pub invoke: Option<Spanned<RawInvoke>>,
    #[serde(default, deserialize_with = "present")]
    pub callback: Option<Spanned<RawCallback>>,
    #[serde(default, deserialize_with = "present")]
    pub wait: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub succeed: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub fail: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub choice: Option<Spanned<RawChoice>>,
    #[serde(default, deserialize_with = "present")]
    pub map: Option<Spanned<RawMap>>,
    #[serde(default, deserialize_with = "present")]
    pub poll: Option<Spanned<RawPoll>>,
    #[serde(default, deserialize_with = "present")]
    pub group: Option<RawSteps>,
    #[serde(default, rename = "use", deserialize_with = "present")]
    pub uses: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub output: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub reads: Option<Spanned<Vec<Text>>>,
    #[serde(default, deserialize_with = "present")]
    pub retry: Option<Spanned<RawRetry>>,
    #[serde(default, deserialize_with = "present")]
    pub catch: Option<Spanned<Vec<Spanned<RawCatch>>>>,
    #[serde(default, deserialize_with = "present")]
    pub finish_unless: Option<Spanned<RawFinishWhen>>,
    #[serde(default, deserialize_with = "present")]
    pub finish_if: Option<Spanned<RawFinishWhen>>,
    #[serde(default, deserialize_with = "present")]
    pub semantics: Option<Text>,
}

/// `choice:`: the arms selected by a field of an earlier value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawChoice {
    pub on: Text,
    #[serde(default, rename = "enum", deserialize_with = "present")]
    pub enum_type: Option<Text>,
    pub when: Spanned<OrderedMap<Text, RawSteps>>,
    #[serde(default, deserialize_with = "present")]
    pub otherwise: Option<RawSteps>,
}

/// `map:`: a task, or steps, for each element of a list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawMap {
    pub items: Text,
    pub item: Text,
    #[serde(default, deserialize_with = "present")]
    pub task: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub steps: Option<RawSteps>,
    #[serde(default, deserialize_with = "present")]
    pub max_concurrency: Option<Spanned<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub tolerated_failures: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub batch: Option<Spanned<i64>>,
}

/// `poll:`: a check activity repeated, with a wait between checks, until its output says it is done.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPoll {
    pub task: Text,
    pub done: Text,
    pub interval: Text,
    #[serde(default, deserialize_with = "present")]
    pub backoff: Option<Spanned<f64>>,
    #[serde(default, deserialize_with = "present")]
    pub max_interval: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub max_attempts: Option<Spanned<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub deadline: Option<Text>,
}

/// One branch of a `parallel` step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBranch {
    pub task: Text,
    #[serde(default, deserialize_with = "present")]
    pub output: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub reads: Option<Spanned<Vec<Text>>>,
    #[serde(default, deserialize_with = "present")]
    pub retry: Option<Spanned<RawRetry>>,
    #[serde(default, deserialize_with = "present")]
    pub semantics: Option<Text>,
}

/// `invoke:`: a chained invoke of another function.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawInvoke {
    pub function: Spanned<RawFunction>,
    pub input: Text,
    #[serde(default, deserialize_with = "present")]
    pub output: Option<Text>,
}

/// Where the invoked function's name comes from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawFunction {
    #[serde(default, deserialize_with = "present")]
    pub env: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub name: Option<Text>,
}

/// `callback:`: a submitter activity receives the callback id, then the workflow waits for the result.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCallback {
    pub submit: Text,
    pub result: Text,
    #[serde(default, deserialize_with = "present")]
    pub timeout: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub heartbeat: Option<Text>,
}

/// `retry:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRetry {
    pub attempts: Spanned<i64>,
    #[serde(default, deserialize_with = "present")]
    pub delay: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub backoff: Option<Spanned<f64>>,
    #[serde(default, deserialize_with = "present")]
    pub max_delay: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub jitter: Option<Text>,
    pub on: Spanned<Vec<Text>>,
}

/// One `catch:` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCatch {
    pub error: Text,
    #[serde(default, deserialize_with = "present")]
    pub finish: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub goto: Option<Text>,
    #[serde(default, deserialize_with = "present")]
    pub fail: Option<Text>,
}

/// `finish-unless:` / `finish-if:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawFinishWhen {
    pub field: Text,
    pub outcome: Text,
}
