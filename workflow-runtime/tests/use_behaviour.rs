//! The code generated for a `use` step, run under the SDK's `LocalRunner`: `checkout.workflow.yaml` bills a cart
//! with `billing.workflow.yaml`, generated as the module `checkout::billing` inside the checkout's. The used
//! workflow runs in a child context named after the step, with its own first operation (its spec hash and
//! fingerprints), on the value the step reads; its outcome is the step's value, which a choice tests and a
//! later step reads; its failure is caught by the step's catch; one type implements both `Activities` traits.
//! `group-uses.workflow.yaml` puts a `use` step and an `invoke` inside a group, whose value is the outcome.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use aws_durable_execution_sdk::test_util::{LocalRunner, TestResult};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cart {
    pub amount: u32,
    pub declined: bool,
    pub unreachable: bool,
    pub broken: bool,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Checkout {
    Completed,
    PaymentDeclined,
    PaymentFailed,
}

pub mod payment {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Charge {
        pub amount: u32,
        pub declined: bool,
        pub unreachable: bool,
        pub broken: bool,
    }

    #[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum Billed {
        Paid,
        Declined,
    }

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Authorization {
        pub code: String,
    }
}

workflow_runtime::workflow!("tests/ui/fixtures/checkout.workflow.yaml");

use checkout::billing;

#[derive(Clone, Default)]
struct Shop {
    calls: Arc<Mutex<Vec<String>>>,
}

impl Shop {
    fn record(&self, call: impl Into<String>) {
        self.calls.lock().unwrap().push(call.into());
    }
}

impl checkout::Activities for Shop {
    async fn price(&self, input: &Cart) -> Result<crate::payment::Charge, checkout::Error> {
        self.record("price");
        Ok(crate::payment::Charge {
            amount: input.amount * 2,
            declined: input.declined,
            unreachable: input.unreachable,
            broken: input.broken,
        })
    }

    async fn ship_cart(
        &self,
        _input: &Cart,
        bill: &crate::payment::Billed,
    ) -> Result<(), checkout::Error> {
        self.record(format!("ship {bill:?}"));
        Ok(())
    }
}

impl billing::Activities for Shop {
    async fn authorize(
        &self,
        input: &crate::payment::Charge,
    ) -> Result<crate::payment::Authorization, billing::Error> {
        self.record(format!("authorize {}", input.amount));
        if input.declined {
            return Err(billing::Error::new(
                billing::ErrorKind::CardDeclined,
                "insufficient funds",
            ));
        }
        if input.broken {
            return Err(billing::Error::new(
                billing::ErrorKind::Broken,
                "the provider answered 500",
            ));
        }
        if input.unreachable {
            return Err(billing::Error::new(
                billing::ErrorKind::Unreachable,
                "the provider timed out",
            ));
        }
        Ok(crate::payment::Authorization {
            code: "A1".to_string(),
        })
    }

    async fn capture(
        &self,
        authorize: &crate::payment::Authorization,
    ) -> Result<(), billing::Error> {
        self.record(format!("capture {}", authorize.code));
        Ok(())
    }
}

async fn run(cart: Cart) -> (TestResult<Checkout>, Vec<String>) {
    let shop = Shop::default();
    let functions = checkout::Functions {
        bill: billing::Functions {},
    };
    let result = LocalRunner::new()
        .run(checkout::handler(shop.clone(), functions), cart)
        .await;
    let calls = shop.calls.lock().unwrap().clone();
    (result, calls)
}

fn names(result: &TestResult<Checkout>) -> Vec<String> {
    result
        .operations()
        .iter()
        .map(|op| format!("{} {}", op.name().unwrap_or("-"), op.status()))
        .collect()
}

#[tokio::test]
async fn the_used_workflow_runs_in_the_steps_child_context_and_its_outcome_is_read_after_it() {
    let (result, calls) = run(Cart {
        amount: 21,
        ..Cart::default()
    })
    .await;

    assert_eq!(result.output(), Some(&Checkout::Completed));
    // The wait inside billing suspended the execution once; nothing ran twice.
    assert_eq!(calls, ["price", "authorize 42", "capture A1", "ship Paid"]);
    assert_eq!(
        names(&result),
        [
            "workflow:spec-hash Succeeded",
            "price Succeeded",
            "bill Succeeded",
            "workflow:spec-hash Succeeded",
            "authorize Succeeded",
            "settle-payment Succeeded",
            "capture Succeeded",
            "ship Succeeded",
        ]
    );
}

#[tokio::test]
async fn the_used_workflows_outcome_selects_the_choice_arm() {
    let (result, calls) = run(Cart {
        amount: 5,
        declined: true,
        ..Cart::default()
    })
    .await;

    assert_eq!(result.output(), Some(&Checkout::PaymentDeclined));
    assert_eq!(calls, ["price", "authorize 10"]);
}

#[tokio::test]
async fn the_used_workflows_failure_is_caught_by_the_step() {
    let (result, calls) = run(Cart {
        amount: 5,
        unreachable: true,
        ..Cart::default()
    })
    .await;

    assert_eq!(result.output(), Some(&Checkout::PaymentFailed));
    assert_eq!(calls, ["price", "authorize 10"]);
    let names = names(&result);
    assert!(names.contains(&"bill Failed".to_string()), "{names:?}");
}

#[tokio::test]
async fn a_failure_the_used_workflow_does_not_catch_fails_the_execution_as_itself() {
    let (result, calls) = run(Cart {
        amount: 5,
        broken: true,
        ..Cart::default()
    })
    .await;

    assert!(result.is_failure());
    assert_eq!(result.error_type(), Some("Broken"), "{result:?}");
    // The step's failure inside the used workflow, without the child context's frame.
    let message = result.error_message().unwrap();
    assert!(
        message.starts_with("Broken: ")
            && message.ends_with("the provider answered 500")
            && !message.contains("child"),
        "{message}"
    );
    assert_eq!(calls, ["price", "authorize 10"]);
}

#[test]
fn the_used_workflow_records_its_own_spec_hash_and_fingerprints() {
    let source = std::fs::read_to_string("tests/ui/fixtures/billing.workflow.yaml").unwrap();
    assert_eq!(
        billing::SPEC_HASH,
        workflow_spec::spec_hash(source.as_bytes())
    );
    let ids: Vec<&str> = billing::OPERATIONS.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, ["authorize", "settle-payment", "capture"]);
    assert_eq!(billing::WORKFLOW, "billing");
}

/// What the `notify` invoke of the `group-uses` fixture sends.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Notice {
    pub amount: u32,
}

impl From<&payment::Charge> for Notice {
    fn from(charge: &payment::Charge) -> Self {
        Self {
            amount: charge.amount,
        }
    }
}

workflow_runtime::workflow!("tests/ui/fixtures/group-uses.workflow.yaml");

impl group_uses::Activities for Shop {
    async fn price(&self, input: &Cart) -> Result<payment::Charge, group_uses::Error> {
        checkout::Activities::price(self, input)
            .await
            .map_err(|error| {
                group_uses::Error::new(group_uses::ErrorKind::Unreachable, error.message())
            })
    }

    async fn ship_cart(
        &self,
        input: &Cart,
        settle: &payment::Billed,
    ) -> Result<(), group_uses::Error> {
        checkout::Activities::ship_cart(self, input, settle)
            .await
            .map_err(|error| {
                group_uses::Error::new(group_uses::ErrorKind::Unreachable, error.message())
            })
    }
}

impl group_uses::billing::Activities for Shop {
    async fn authorize(
        &self,
        input: &payment::Charge,
    ) -> Result<payment::Authorization, group_uses::billing::Error> {
        billing::Activities::authorize(self, input)
            .await
            .map_err(|error| {
                group_uses::billing::Error::new(
                    group_uses::billing::ErrorKind::Unreachable,
                    error.message(),
                )
            })
    }

    async fn capture(
        &self,
        authorize: &payment::Authorization,
    ) -> Result<(), group_uses::billing::Error> {
        billing::Activities::capture(self, authorize)
            .await
            .map_err(|error| {
                group_uses::billing::Error::new(
                    group_uses::billing::ErrorKind::Unreachable,
                    error.message(),
                )
            })
    }
}

#[tokio::test]
async fn a_use_step_and_an_invoke_inside_a_group_run_in_its_context_and_its_value_is_the_outcome() {
    let shop = Shop::default();
    let notices = Arc::new(Mutex::new(Vec::new()));
    let sent = Arc::clone(&notices);
    let functions = group_uses::Functions {
        notify: workflow_runtime::FunctionTarget::in_process(move |notice: Notice| {
            let sent = Arc::clone(&sent);
            async move {
                sent.lock().unwrap().push(notice.amount);
                Ok(())
            }
        }),
        bill: group_uses::billing::Functions {},
    };
    let result = LocalRunner::new()
        .run(
            group_uses::handler(shop.clone(), functions),
            Cart {
                amount: 4,
                ..Cart::default()
            },
        )
        .await;

    assert_eq!(result.output(), Some(&Checkout::Completed), "{result:?}");
    assert_eq!(*notices.lock().unwrap(), [8]);
    let calls = shop.calls.lock().unwrap().clone();
    assert_eq!(calls, ["price", "authorize 8", "capture A1", "ship Paid"]);
    assert_eq!(
        names(&result)[..5],
        [
            "workflow:spec-hash Succeeded",
            "settle Succeeded",
            "price Succeeded",
            "notify Succeeded",
            "bill Succeeded",
        ]
    );
}
