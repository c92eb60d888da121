// The workflow versions of the redeploy tests and the activities they call, included at the crate root of
// `workflow-runtime/tests/replay_compatibility.rs` (under the SDK's LocalRunner) and
// `durable-local/tests/redeploy.rs` (on durable-local, across a restart): the fixtures' types are `crate::...`.
// Paths are relative to either crate's manifest directory.

#[derive(Debug, ::serde::Serialize, ::serde::Deserialize)]
pub struct Order {
    pub id: String,
}

#[derive(Debug, ::serde::Serialize, ::serde::Deserialize)]
pub struct Reservation {
    pub slot: u32,
}

#[derive(Debug, ::serde::Serialize, ::serde::Deserialize)]
pub struct ReservationV2 {
    pub slot: u32,
    pub warehouse: String,
}

#[derive(Debug, ::serde::Serialize, ::serde::Deserialize)]
pub struct Receipt {
    pub tracking: String,
}

#[derive(Debug, PartialEq, Eq, ::serde::Serialize, ::serde::Deserialize)]
pub enum Outcome {
    Shipped,
}

workflow_runtime::workflow!("../workflow-runtime/tests/fixtures/redeploy-v1.workflow.yaml");
workflow_runtime::workflow!("../workflow-runtime/tests/fixtures/redeploy-settings.workflow.yaml");
workflow_runtime::workflow!("../workflow-runtime/tests/fixtures/redeploy-ship-receipt.workflow.yaml");
workflow_runtime::workflow!("../workflow-runtime/tests/fixtures/redeploy-reservation-v2.workflow.yaml");
workflow_runtime::workflow!("../workflow-runtime/tests/fixtures/redeploy-inserted.workflow.yaml");
workflow_runtime::workflow!("../workflow-runtime/tests/fixtures/redeploy-appended.workflow.yaml");

/// The activities every version calls, each call recorded as "<version> <method>".
#[derive(Clone, Default)]
pub struct Shop {
    calls: ::std::sync::Arc<::std::sync::Mutex<Vec<String>>>,
}

impl Shop {
    fn called(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

/// `reserve` and `ship` of one version; `$reservation` and `$shipped` are its types.
macro_rules! shop {
    ($module:ident, $reservation:ty = $made:expr, $shipped:ty = $receipt:expr) => {
        impl $module::Activities for Shop {
            async fn reserve(&self, _order: &Order) -> Result<$reservation, $module::Error> {
                self.called(format!("{} reserve", stringify!($module)));
                Ok($made)
            }
            async fn ship(&self, _reservation: &$reservation) -> Result<$shipped, $module::Error> {
                self.called(format!("{} ship", stringify!($module)));
                Ok($receipt)
            }
        }
    };
}

shop!(redeploy_v1, Reservation = Reservation { slot: 1 }, () = ());
shop!(redeploy_settings, Reservation = Reservation { slot: 2 }, () = ());
shop!(redeploy_ship_receipt, Reservation = Reservation { slot: 3 }, Receipt = Receipt { tracking: "t-3".into() });
shop!(
    redeploy_reservation_v2,
    ReservationV2 = ReservationV2 { slot: 4, warehouse: "w".into() },
    () = ()
);

impl redeploy_inserted::Activities for Shop {
    async fn reserve(&self, _order: &Order) -> Result<Reservation, redeploy_inserted::Error> {
        self.called("redeploy_inserted reserve".into());
        Ok(Reservation { slot: 5 })
    }
    async fn check_stock(&self, _reservation: &Reservation) -> Result<(), redeploy_inserted::Error> {
        self.called("redeploy_inserted check_stock".into());
        Ok(())
    }
    async fn ship(&self, _reservation: &Reservation) -> Result<(), redeploy_inserted::Error> {
        self.called("redeploy_inserted ship".into());
        Ok(())
    }
}

impl redeploy_appended::Activities for Shop {
    async fn reserve(&self, _order: &Order) -> Result<Reservation, redeploy_appended::Error> {
        self.called("redeploy_appended reserve".into());
        Ok(Reservation { slot: 6 })
    }
    async fn ship(&self, _reservation: &Reservation) -> Result<(), redeploy_appended::Error> {
        self.called("redeploy_appended ship".into());
        Ok(())
    }
    async fn thank(&self, _order: &Order) -> Result<(), redeploy_appended::Error> {
        self.called("redeploy_appended thank".into());
        Ok(())
    }
}


/// A durable handler of one version, boxed so that versions can be chosen at run time.
pub type Handler = Box<
    dyn Fn(
            Order,
            ::aws_durable_execution_sdk::DurableContext,
        ) -> ::std::pin::Pin<
            Box<
                dyn ::std::future::Future<
                        Output = Result<Outcome, ::aws_durable_execution_sdk::BoxError>,
                    > + Send,
            >,
        > + Send
        + Sync,
>;

/// The handler of the version whose fixture is `redeploy-<name>.workflow.yaml`, calling `shop`.
pub fn version(name: &str, shop: &Shop) -> Handler {
    let shop = shop.clone();
    match name {
        "v1" => Box::new(redeploy_v1::handler(shop, redeploy_v1::Functions {})),
        "settings" => Box::new(redeploy_settings::handler(shop, redeploy_settings::Functions {})),
        "ship-receipt" => Box::new(redeploy_ship_receipt::handler(shop, redeploy_ship_receipt::Functions {})),
        "reservation-v2" => Box::new(redeploy_reservation_v2::handler(shop, redeploy_reservation_v2::Functions {})),
        "inserted" => Box::new(redeploy_inserted::handler(shop, redeploy_inserted::Functions {})),
        "appended" => Box::new(redeploy_appended::handler(shop, redeploy_appended::Functions {})),
        other => panic!("no version `{other}`"),
    }
}

/// The name an execution started under version 1 gives operation `id` of a version whose fingerprint for it
/// differs: `id@fingerprint`, the fingerprint from that version's `OPERATIONS`.
pub fn renamed(operations: &[(&str, &str)], id: &str) -> String {
    operations
        .iter()
        .find(|(name, _)| *name == id)
        .map(|(_, fingerprint)| format!("{id}@{fingerprint}"))
        .unwrap_or_else(|| panic!("no operation `{id}`"))
}

/// The failure of a replay that met a recorded operation (`recorded`) where the running version claims another
/// (`claimed`): the SDK's `NonDeterministicExecutionError`, naming both.
pub fn assert_mismatch(error_type: Option<&str>, message: &str, recorded: &str, claimed: &str) {
    assert_eq!(error_type, Some("NonDeterministicExecutionError"), "{message}");
    assert!(
        message.contains(&format!("named \"{recorded}\""))
            && message.contains(&format!("named \"{claimed}\"")),
        "{message}"
    );
}
