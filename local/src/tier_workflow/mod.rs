//! The tier workflow inside the embedded service: durable-local runs the orchestrator, two pollers feed it.

mod durable_ports;
mod register;

pub use durable_ports::DurableLocalWorkflows;
pub use register::{TierWorkflowError, register_tier_workflow};

use durable_local::DurableLocal;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::EmbeddedService;
use crate::bus::BusPublisher;
use crate::embedded::SqliteTierStore;
use crate::embedded::poller::run_poller;
use crate::embedded::topology::{NOTIFICATION_ACKNOWLEDGER, TIER_UPGRADE_TRIGGER};
use loyalty_service::ports::SystemClock;
use loyalty_service::tier_workflow::config::{ORCHESTRATOR_FUNCTION, ServiceEndpoints};
use loyalty_service::tier_workflow::queue_handlers::{NotificationAcknowledger, TierTrigger};

/// The durable-local database file inside the data directory.
pub const DURABLE_DATABASE_FILE: &str = "durable.sqlite3";

impl EmbeddedService {
    /// Registers the tier workflow on `local` (executions left running resume) and starts the TierUpgradeTrigger
    /// and NotificationAcknowledger pollers; they stop when `shutdown` is cancelled and are tracked by `tasks`.
    pub fn start_tier_workflow(
        &self,
        local: &DurableLocal,
        endpoints: &ServiceEndpoints,
        tasks: &TaskTracker,
        shutdown: &CancellationToken,
    ) -> Result<(), TierWorkflowError> {
        register_tier_workflow(
            local,
            endpoints,
            &self.config().env,
            self.config().jwt_secret.as_bytes(),
            SqliteTierStore::new(self.db.clone()),
            BusPublisher::new(self.bus.clone()),
            SystemClock,
        )?;
        let workflows = DurableLocalWorkflows::new(local.clone());
        let trigger = TierTrigger::new(workflows.clone(), ORCHESTRATOR_FUNCTION);
        let acknowledger = NotificationAcknowledger::new(workflows, SystemClock);
        tasks.spawn(run_poller(
            self.queues.clone(),
            self.topology().queue(TIER_UPGRADE_TRIGGER),
            trigger,
            shutdown.clone(),
        ));
        tasks.spawn(run_poller(
            self.queues.clone(),
            self.topology().queue(NOTIFICATION_ACKNOWLEDGER),
            acknowledger,
            shutdown.clone(),
        ));
        Ok(())
    }
}
