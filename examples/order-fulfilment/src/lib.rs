//! An order fulfilment workflow that uses every construct of the workflow DSL
//! (`order-fulfilment.workflow.yaml`, which uses `payment.workflow.yaml`), with activities scripted by the
//! order itself: what an order asks for (a tier, lines out of stock, a declined payment, a warehouse that is
//! down, a pickup after some checks, a label printer that fails once) is what happens, on every runner. Tests
//! run it under the SDK's `LocalRunner`, on durable-local and on the official emulator (`dex-local-runner`).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use workflow_runtime::FunctionTarget;

/// The order: what to fulfil, and how each activity will behave.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Order {
    /// The order id.
    pub id: String,
    /// The customer's tier, which the `by-tier` choice tests.
    pub tier: Tier,
    /// The lines to reserve, one map element each.
    pub lines: Vec<Line>,
    /// `validate_order` rejects the order.
    pub reject: bool,
    /// `authorize` declines the payment.
    pub decline: bool,
    /// `authorize` asks for a review hold.
    pub review: bool,
    /// The warehouse function fails (`InvokeFailed`).
    pub warehouse_down: bool,
    /// `check_pickup` reports the parcel picked up at this check (1-based); never when 0.
    pub pickup_at_check: u32,
    /// `print_label` fails its first attempt with `Transient`.
    pub flaky_label: bool,
    /// `record_fulfilment` always fails with `Transient`.
    pub record_fails: bool,
}

/// A customer tier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tier {
    /// No arm: the choice is skipped.
    #[default]
    Standard,
    /// Gift-wrapped.
    Gold,
    /// Held until stock arrives: the workflow finishes `Held`.
    Preorder,
    /// The workflow fails.
    Blocked,
}

/// One line of the order.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Line {
    /// The product.
    pub sku: String,
    /// Whether the warehouse has it; reserving a line without stock fails with `NoStock`.
    pub in_stock: bool,
}

/// The outcomes of the workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fulfilment {
    /// Delivered and confirmed intact.
    Shipped,
    /// `validate_order` rejected the order.
    Rejected,
    /// A preorder, held.
    Held,
    /// More than one line had no stock.
    OutOfStock,
    /// The payment was declined.
    Unpaid,
    /// Nobody picked the parcel up.
    Abandoned,
    /// Delivered damaged.
    Damaged,
    /// Nobody confirmed the delivery in time.
    ShippedUnconfirmed,
}

/// What `validate_order` found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Validation {
    /// The order is rejected: the workflow finishes `Rejected`.
    pub rejected: bool,
    /// The customer's tier.
    pub tier: Tier,
}

/// A reserved line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// The product.
    pub sku: String,
}

/// The items picked.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PickList {
    /// How many items.
    pub items: u32,
}

/// The shipping label.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Label {
    /// The tracking number.
    pub tracking: String,
}

/// What the warehouse function receives, built from the order and the `prepare` step's pick list and label.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WarehouseRequest {
    /// The order id.
    pub order: String,
    /// The tracking number.
    pub tracking: String,
    /// The warehouse is down: the function fails.
    pub down: bool,
}

impl From<(&Order, &(PickList, Label))> for WarehouseRequest {
    fn from((order, (_, label)): (&Order, &(PickList, Label))) -> Self {
        Self {
            order: order.id.clone(),
            tracking: label.tracking.clone(),
            down: order.warehouse_down,
        }
    }
}

/// The warehouse function's answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WarehouseAck {
    /// The warehouse accepted the parcel.
    pub accepted: bool,
}

/// One check of the pickup.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pickup {
    /// The parcel was picked up: the poll is done.
    pub picked_up: bool,
    /// The check's number, 1-based.
    pub check: u32,
}

/// The delivery confirmation, the callback's result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Confirmation {
    /// The parcel arrived intact; otherwise the workflow finishes `Damaged`.
    pub intact: bool,
}

/// The types of the payment workflow.
pub mod payment {
    use serde::{Deserialize, Serialize};

    /// What to charge.
    #[derive(Clone, Debug, Serialize, Deserialize)]
    pub struct Charge {
        /// The order id.
        pub order: String,
        /// The amount, in cents.
        pub amount: u32,
        /// The card will be declined.
        pub decline: bool,
        /// The authorization asks for a review hold.
        pub review: bool,
    }

    /// An authorization.
    #[derive(Clone, Debug, Serialize, Deserialize)]
    pub struct Authorization {
        /// The authorization code.
        pub code: String,
        /// Hold the payment for a review before capturing it.
        pub needs_review: bool,
    }

    /// A captured payment.
    #[derive(Clone, Debug, Serialize, Deserialize)]
    pub struct Receipt {
        /// The captured amount, in cents.
        pub amount: u32,
    }

    /// The payment workflow's outcome.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum Paid {
        /// The payment was captured.
        Captured,
    }
}

workflow_runtime::workflow!("order-fulfilment.workflow.yaml");

use order_fulfilment::payment as payment_workflow;
use order_fulfilment::{Error, ErrorKind};

/// Activities scripted by the order. Each instance serves one execution: the counters it keeps (label attempts,
/// pickup checks) are that execution's, and replays do not run a recorded activity again.
#[derive(Clone, Default)]
pub struct Scripted {
    label_attempts: Arc<AtomicU32>,
    pickup_checks: Arc<AtomicU32>,
    calls: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    /// The activities called so far, in call order (the map's elements as `reserve_line <sku>`).
    pub fn calls(&self) -> Vec<String> {
        self.calls
            .lock()
            .map(|calls| calls.clone())
            .unwrap_or_default()
    }

    fn record(&self, call: impl Into<String>) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(call.into());
        }
    }
}

impl order_fulfilment::Activities for Scripted {
    async fn validate_order(&self, input: &Order) -> Result<Validation, Error> {
        self.record("validate_order");
        Ok(Validation {
            rejected: input.reject,
            tier: input.tier,
        })
    }

    async fn gift_wrap(&self, _input: &Order) -> Result<(), Error> {
        self.record("gift_wrap");
        Ok(())
    }

    async fn note_preorder(&self, _input: &Order) -> Result<(), Error> {
        self.record("note_preorder");
        Ok(())
    }

    async fn reserve_line(&self, item: &Line) -> Result<Reservation, Error> {
        self.record(format!("reserve_line {}", item.sku));
        if !item.in_stock {
            return Err(Error::new(
                ErrorKind::NoStock,
                format!("no stock of {}", item.sku),
            ));
        }
        Ok(Reservation {
            sku: item.sku.clone(),
        })
    }

    async fn build_charge(
        &self,
        input: &Order,
        reserve_lines: &[Reservation],
    ) -> Result<payment::Charge, Error> {
        self.record("build_charge");
        Ok(payment::Charge {
            order: input.id.clone(),
            amount: 1_000 * u32::try_from(reserve_lines.len()).unwrap_or(u32::MAX),
            decline: input.decline,
            review: input.review,
        })
    }

    async fn pick_items(&self, input: &Order) -> Result<PickList, Error> {
        self.record("pick_items");
        Ok(PickList {
            items: u32::try_from(input.lines.len()).unwrap_or(u32::MAX),
        })
    }

    async fn print_label(&self, input: &Order, _validate: &Validation) -> Result<Label, Error> {
        self.record("print_label");
        let attempt = self.label_attempts.fetch_add(1, Ordering::SeqCst) + 1;
        if input.flaky_label && attempt == 1 {
            return Err(Error::new(ErrorKind::Transient, "the label printer jammed"));
        }
        Ok(Label {
            tracking: format!("T-{}", input.id),
        })
    }

    async fn check_pickup(&self, input: &Order) -> Result<Pickup, Error> {
        let check = self.pickup_checks.fetch_add(1, Ordering::SeqCst) + 1;
        self.record(format!("check_pickup {check}"));
        Ok(Pickup {
            picked_up: input.pickup_at_check != 0 && check >= input.pickup_at_check,
            check,
        })
    }

    async fn request_confirmation(
        &self,
        callback_id: &str,
        _input: &Order,
        _prepare: &(PickList, Label),
    ) -> Result<(), Error> {
        self.record(format!("request_confirmation {}", !callback_id.is_empty()));
        Ok(())
    }

    async fn record_fulfilment(&self, input: &Order, _pay: &payment::Paid) -> Result<(), Error> {
        self.record("record_fulfilment");
        if input.record_fails {
            return Err(Error::new(
                ErrorKind::Transient,
                "the ledger is unavailable",
            ));
        }
        Ok(())
    }
}

impl payment_workflow::Activities for Scripted {
    async fn authorize(
        &self,
        input: &payment::Charge,
    ) -> Result<payment::Authorization, payment_workflow::Error> {
        self.record("authorize");
        if input.decline {
            return Err(payment_workflow::Error::new(
                payment_workflow::ErrorKind::Declined,
                "the card was declined",
            ));
        }
        Ok(payment::Authorization {
            code: format!("A-{}", input.order),
            needs_review: input.review,
        })
    }

    async fn capture(
        &self,
        authorize: &payment::Authorization,
    ) -> Result<payment::Receipt, payment_workflow::Error> {
        self.record(format!("capture {}", authorize.code));
        Ok(payment::Receipt { amount: 1_000 })
    }
}

/// The warehouse function run in the orchestrator's process (for runners without chained invokes): it accepts
/// the parcel, or fails when the order says the warehouse is down.
pub fn in_process_warehouse() -> FunctionTarget {
    FunctionTarget::in_process(|request: WarehouseRequest| async move {
        warehouse(request).map_err(Into::into)
    })
}

/// What the warehouse function does with a request.
pub fn warehouse(request: WarehouseRequest) -> Result<WarehouseAck, String> {
    if request.down {
        return Err(format!("the warehouse is down for {}", request.order));
    }
    Ok(WarehouseAck { accepted: true })
}

/// Lines named `sku-0`, `sku-1`, ..., in stock or not.
pub fn lines(in_stock: &[bool]) -> Vec<Line> {
    in_stock
        .iter()
        .enumerate()
        .map(|(index, in_stock)| Line {
            sku: format!("sku-{index}"),
            in_stock: *in_stock,
        })
        .collect()
}

/// An order that ships when its delivery is confirmed: a Gold customer, three lines in stock, a payment held for
/// review, a label printer that jams once, the parcel picked up at the second check. Tests change a field or two
/// to take other routes.
pub fn shipping_order() -> Order {
    Order {
        id: "o-1".into(),
        tier: Tier::Gold,
        lines: lines(&[true, true, true]),
        review: true,
        pickup_at_check: 2,
        flaky_label: true,
        ..Order::default()
    }
}

/// The workflow's functions with the in-process warehouse.
pub fn in_process_functions() -> order_fulfilment::Functions {
    order_fulfilment::Functions {
        notify_warehouse: in_process_warehouse(),
        pay: payment_workflow::Functions {},
    }
}
