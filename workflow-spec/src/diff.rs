//! `workflow diff OLD NEW`: whether executions started by one definition can go on under another.
//!
//! An execution in flight has recorded the operations of a prefix of one route of the old definition (see
//! [`crate::routes`]), each under its [`fingerprint`](crate::fingerprint). When the new definition's code replays
//! it, the SDK hands back the recorded operations in order and checks that each is claimed again by the same
//! operation: same position, same name. Generated code names an operation `id@fingerprint` when its fingerprint
//! differs from the one the execution recorded at its start, so a recorded operation replays only when the new
//! definition runs the same operations before it, and the same operation, with the same fingerprint, in its place.
//!
//! So, route by route: an execution that recorded the first `k` operations of an old route replays on the new
//! definition exactly when some route of the new definition starts with the same `k` operations. For each old
//! route, the diff finds the first operation where no new route goes on the same way: executions that recorded
//! it (or anything after it) fail on replay, naming it; executions that have not reached it continue under the
//! new definition. A changed workflow `input:` type breaks every execution (each replay reads its recorded input
//! as the new type).

use crate::fingerprint::{self, OperationFingerprint};
use crate::ir::Workflow;
use crate::routes::{self, TooManyRoutes};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// The comparison of two definitions of a workflow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diff {
    /// Every route records the same operations with the same fingerprints in both: the edit touched only
    /// comments, retry policies, timeouts and other settings that no recorded operation depends on.
    pub unchanged: bool,
    /// The workflow `input:` type, old and new, when it changed.
    pub input: Option<(String, String)>,
    /// The first operation of each old route that the new definition would not replay, one entry per operation
    /// (the earliest route position first); empty when every execution in flight can continue.
    pub breaks: Vec<Break>,
}

impl Diff {
    /// Whether every execution of the old definition, wherever it is, continues under the new one.
    pub fn is_compatible(&self) -> bool {
        self.input.is_none() && self.breaks.is_empty()
    }
}

/// An operation an old execution may have recorded that the new definition would replay differently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// The recorded operation.
    pub recorded: OperationFingerprint,
    /// Its 1-based position on the route, the spec-hash operation not counted.
    pub position: usize,
    /// The first old route (1-based, as `workflow paths OLD` numbers them) on which it breaks.
    pub route: usize,
    /// What the new definition does at that point instead.
    pub instead: Instead,
}

/// What the new definition records where an old execution recorded a [`Break`]'s operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Instead {
    /// The same step, with another fingerprint.
    Changed(OperationFingerprint),
    /// Other operations (their ids): a step was inserted, removed or moved.
    Others(Vec<String>),
    /// Nothing: every new route that gets this far has ended.
    Nothing,
}

/// Compares the routes of `old` and `new`.
pub fn diff(old: &Workflow, new: &Workflow) -> Result<Diff, TooManyRoutes> {
    let old_routes = route_operations(old)?;
    let new_routes = route_operations(new)?;
    let trie = Trie::of(&new_routes);

    let mut breaks: Vec<Break> = Vec::new();
    for (number, route) in old_routes.iter().enumerate() {
        let mut node = 0;
        for (at, op) in route.iter().enumerate() {
            if let Some(&next) = trie.nodes[node].get(&key(op)) {
                node = next;
                continue;
            }
            let here: Vec<&OperationFingerprint> =
                trie.next[node].iter().map(|i| &trie.ops[*i]).collect();
            let instead = match here.iter().find(|candidate| candidate.id == op.id) {
                Some(changed) => Instead::Changed((*changed).clone()),
                None if here.is_empty() => Instead::Nothing,
                None => {
                    Instead::Others(here.iter().map(|candidate| candidate.id.clone()).collect())
                }
            };
            let known = breaks
                .iter()
                .any(|b| b.recorded == *op && b.position == at + 1 && b.instead == instead);
            if !known {
                breaks.push(Break {
                    recorded: op.clone(),
                    position: at + 1,
                    route: number + 1,
                    instead,
                });
            }
            break;
        }
    }
    breaks.sort_by_key(|b| (b.position, b.route));

    let old_set: BTreeSet<Vec<(String, String)>> = old_routes
        .iter()
        .map(|r| r.iter().map(key).collect())
        .collect();
    let new_set: BTreeSet<Vec<(String, String)>> = new_routes
        .iter()
        .map(|r| r.iter().map(key).collect())
        .collect();
    let (old_input, new_input) = (
        fingerprint::normalized(&old.input_type),
        fingerprint::normalized(&new.input_type),
    );
    let input = (old_input != new_input).then_some((old_input, new_input));
    Ok(Diff {
        unchanged: old_set == new_set && input.is_none(),
        input,
        breaks,
    })
}

fn key(op: &OperationFingerprint) -> (String, String) {
    (op.id.clone(), op.fingerprint.clone())
}

/// The operations each route records, in order.
fn route_operations(workflow: &Workflow) -> Result<Vec<Vec<OperationFingerprint>>, TooManyRoutes> {
    let all = workflow.all_steps();
    Ok(routes::routes(workflow)?
        .iter()
        .map(|route| {
            route
                .steps
                .iter()
                .filter_map(|step| all.get(step.index))
                .flat_map(|step| fingerprint::step_operations(workflow, step))
                .collect()
        })
        .collect())
}

/// The new definition's routes as a prefix tree of operations.
struct Trie {
    /// Per node: the child reached by each (id, fingerprint).
    nodes: Vec<HashMap<(String, String), usize>>,
    /// Per node: the operations that may come next (indexes into `ops`), in first-seen order.
    next: Vec<Vec<usize>>,
    ops: Vec<OperationFingerprint>,
}

impl Trie {
    fn of(routes: &[Vec<OperationFingerprint>]) -> Self {
        let mut trie = Trie {
            nodes: vec![HashMap::new()],
            next: vec![Vec::new()],
            ops: Vec::new(),
        };
        for route in routes {
            let mut node = 0;
            for op in route {
                node = match trie.nodes[node].get(&key(op)) {
                    Some(&child) => child,
                    None => {
                        let child = trie.nodes.len();
                        trie.nodes.push(HashMap::new());
                        trie.next.push(Vec::new());
                        trie.nodes[node].insert(key(op), child);
                        trie.ops.push(op.clone());
                        let index = trie.ops.len() - 1;
                        trie.next[node].push(index);
                        child
                    }
                };
            }
        }
        trie
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_compatible() {
            if self.unchanged {
                return write!(
                    f,
                    "compatible: every route records the same operations with the same fingerprints \
                     (the edit is in comments or in settings no recorded operation depends on: retries, \
                     timeouts, waits' durations, semantics, catches that do not change a route)"
                );
            }
            return write!(
                f,
                "compatible: every route of the old definition is the start of a route of the new one \
                 (steps were added after any point an execution may have reached, or routes changed only \
                 where no operation is recorded); executions in flight continue under the new definition"
            );
        }
        writeln!(f, "breaking:")?;
        if let Some((old, new)) = &self.input {
            writeln!(
                f,
                "  the workflow input type changed from `{old}` to `{new}`: every execution in flight reads its \
                 recorded input as the new type"
            )?;
        }
        for (number, b) in self.breaks.iter().enumerate() {
            let what = match &b.instead {
                Instead::Changed(now) => format!(
                    "it changed: recorded as `{}`, now `{}`",
                    b.recorded.descriptor, now.descriptor
                ),
                Instead::Others(ids) => format!(
                    "the new definition records {} there instead",
                    ids.iter()
                        .map(|id| format!("`{id}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                Instead::Nothing => {
                    "the new definition records nothing there (its routes end before)".to_string()
                }
            };
            let first = if number == 0 {
                " (the first step to replay differently)"
            } else {
                ""
            };
            writeln!(
                f,
                "  `{}`{first}, operation {} of old route {}: {what}; executions that recorded it fail on replay, \
                 naming it; those that have not reached it continue under the new definition",
                b.recorded.id, b.position, b.route
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load_valid as load;

    const V1: &str = "workflow: t
input: crate::In
output: crate::Out
errors:
  Transient: worth retrying
steps:
  - a: { task: a, reads: [input], output: crate::A }
  - b: { task: b, reads: [a], output: crate::B }
  - c: { task: c, reads: [b] }
finish: Done
";

    fn of(old: &str, new: &str) -> Diff {
        diff(&load(old), &load(new)).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn settings_only() {
        let d = of(
            V1,
            &V1.replace(
                "reads: [a], output",
                "reads: [a], retry: { attempts: 2, delay: 1s, on: [Transient] }, output",
            ),
        );
        assert!(d.unchanged && d.is_compatible(), "{d}");
    }

    #[test]
    fn appended_step() {
        let new = V1.replace("finish: Done", "  - d: { wait: 1m }\nfinish: Done");
        let d = of(V1, &new);
        assert!(!d.unchanged && d.is_compatible(), "{d}");
        // The other way round, executions that recorded `d` cannot continue.
        let back = of(&new, V1);
        assert_eq!(back.breaks.len(), 1, "{back}");
        assert_eq!(back.breaks[0].recorded.id, "d");
        assert_eq!(back.breaks[0].instead, Instead::Nothing);
    }

    #[test]
    fn inserted_step_breaks_at_the_insertion() {
        let new = V1.replace("  - b:", "  - x: { wait: 1m }\n  - b:");
        let d = of(V1, &new);
        assert_eq!(d.breaks.len(), 1, "{d}");
        assert_eq!(
            (d.breaks[0].recorded.id.as_str(), d.breaks[0].position),
            ("b", 2)
        );
        assert_eq!(d.breaks[0].instead, Instead::Others(vec!["x".to_string()]));
    }

    #[test]
    fn changed_type_names_the_step_and_both_descriptors() {
        let d = of(V1, &V1.replace("output: crate::B", "output: crate::B2"));
        // `b` changed; `c` reads it and changed too, but `b` comes first on the route.
        assert_eq!(d.breaks.len(), 1, "{d}");
        let Instead::Changed(now) = &d.breaks[0].instead else {
            unreachable!("{d}")
        };
        assert_eq!(
            d.breaks[0].recorded.descriptor,
            "task(crate::A) -> crate::B"
        );
        assert_eq!(now.descriptor, "task(crate::A) -> crate::B2");
        assert!(
            d.to_string()
                .contains("`b` (the first step to replay differently), operation 2"),
            "{d}"
        );
    }

    #[test]
    fn changed_input_type_breaks_everything() {
        let d = of(V1, &V1.replace("input: crate::In", "input: crate::In2"));
        assert_eq!(
            d.input,
            Some(("crate::In".to_string(), "crate::In2".to_string()))
        );
        assert!(!d.is_compatible());
    }
}
