// The types, workflow and scripted activities of `fixtures/choice-and-map.workflow.yaml`, included at the crate
// root of `workflow-runtime/tests/choice_and_map_behaviour.rs` (under the SDK's LocalRunner) and
// `durable-local/tests/generated_differential.rs` (on durable-local and dex-local-runner): the fixture's types are
// `crate::...`. The path is relative to either crate's manifest directory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Input {
    pub account: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tier {
    Gold,
    Silver,
    Closed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    /// How long notifying this member takes, so elements finish out of input order.
    pub delay_ms: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Members {
    pub members: Vec<Member>,
    pub tier: Tier,
    pub vip: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Gift {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub member: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Scores {
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub text: String,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    AccountClosed,
    TooManyUnreachable,
    Notified,
}

workflow_runtime::workflow!("../workflow-runtime/tests/ui/fixtures/choice-and-map.workflow.yaml");

use choice_and_map::{Activities, Error, ErrorKind};

/// What a run recorded: the activity calls, the largest number of notifications in flight at
/// once, and what `record` received.
#[derive(Default)]
pub struct Log {
    calls: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    recorded: Mutex<Option<(Vec<Receipt>, Vec<Label>)>>,
}

pub struct Script {
    tier: Tier,
    vip: bool,
    members: Vec<Member>,
    unreachable: Vec<&'static str>,
    /// Members whose first notification fails with `Transient` (retried after a durable delay).
    flaky: Vec<&'static str>,
    log: Arc<Log>,
}

impl Script {
    pub fn new(tier: Tier, vip: bool, count: usize) -> Self {
        // Later members are notified faster, so completion order is the reverse of input order.
        let members = (0..count)
            .map(|index| Member {
                name: format!("m{index}"),
                delay_ms: 10 * (count - index) as u64,
            })
            .collect();
        Self {
            tier,
            vip,
            members,
            unreachable: Vec::new(),
            flaky: Vec::new(),
            log: Arc::default(),
        }
    }

    fn record(&self, call: impl Into<String>) {
        self.log.calls.lock().unwrap().push(call.into());
    }
}

impl Activities for Script {
    async fn load_members(&self, input: &Input) -> Result<Members, Error> {
        self.record(format!("load_members {}", input.account));
        Ok(Members {
            members: self.members.clone(),
            tier: self.tier,
            vip: self.vip,
        })
    }

    async fn gold_gift(&self, _input: &Input) -> Result<Gift, Error> {
        self.record("gold_gift");
        Ok(Gift {
            name: "lounge pass".into(),
        })
    }

    async fn gold_note(&self, gold_gift: &Gift) -> Result<(), Error> {
        self.record(format!("gold_note {}", gold_gift.name));
        Ok(())
    }

    async fn standard_note(&self, load_members: &Members) -> Result<(), Error> {
        self.record(format!("standard_note {:?}", load_members.tier));
        Ok(())
    }

    async fn vip_lounge(&self, _input: &Input) -> Result<(), Error> {
        self.record("vip_lounge");
        Ok(())
    }

    async fn notify(&self, item: &Member, _input: &Input) -> Result<Receipt, Error> {
        let now = self.log.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.log.most_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(item.delay_ms)).await;
        self.log.in_flight.fetch_sub(1, Ordering::SeqCst);
        let tried_before = calls(&self.log).contains(&format!("notify {}", item.name));
        self.record(format!("notify {}", item.name));
        if self.flaky.contains(&item.name.as_str()) && !tried_before {
            return Err(Error::new(ErrorKind::Transient, "try again"));
        }
        if self.unreachable.contains(&item.name.as_str()) {
            return Err(Error::new(
                ErrorKind::Unreachable,
                format!("{} is away", item.name),
            ));
        }
        Ok(Receipt {
            member: item.name.clone(),
        })
    }

    async fn score(&self, item: &[Member]) -> Result<Scores, Error> {
        let names: Vec<String> = item.iter().map(|member| member.name.clone()).collect();
        self.record(format!("score {}", names.join("+")));
        Ok(Scores { names })
    }

    async fn label(&self, score: &Scores, notify: &[Receipt]) -> Result<Label, Error> {
        Ok(Label {
            text: format!("{} of {} notified", score.names.join("+"), notify.len()),
        })
    }

    async fn record(&self, notify: &[Receipt], summarise: &[Label]) -> Result<(), Error> {
        *self.log.recorded.lock().unwrap() = Some((notify.to_vec(), summarise.to_vec()));
        Ok(())
    }
}

/// Every activity call so far, in order.
pub fn calls(log: &Log) -> Vec<String> {
    log.calls.lock().unwrap().clone()
}
