//! The tier workflow inside the embedded service: durable-local runs the orchestrator, two pollers feed it.

use durable_local::DurableLocal;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::adapters::durable::DurableLocalWorkflows;
use crate::adapters::embedded::poller::run_poller;
use crate::adapters::embedded::topology::{NOTIFICATION_ACKNOWLEDGER, TIER_UPGRADE_TRIGGER};
use crate::adapters::embedded::{BusPublisher, SqliteTierStore};
use crate::handlers::tier_events::{NotificationAcknowledger, TierTrigger};
use crate::local::EmbeddedService;
use crate::ports::SystemClock;
use crate::tier_workflow::embedded::{
    ORCHESTRATOR_FUNCTION, ServiceEndpoints, TierWorkflowError, register_tier_workflow,
};

/// The durable-local database file inside the data directory.
pub const DURABLE_DATABASE_FILE: &str = "durable.sqlite3";

impl EmbeddedService {
    /// Registers the tier workflow on `local` (executions left running resume) and starts the TierUpgradeTrigger
    /// and NotificationAcknowledger pollers; they stop when `shutdown` turns true.
    pub fn start_tier_workflow(
        &self,
        local: &DurableLocal,
        endpoints: &ServiceEndpoints,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<Vec<JoinHandle<()>>, TierWorkflowError> {
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
        Ok(vec![
            tokio::spawn(run_poller(
                self.queues.clone(),
                self.topology().queue(TIER_UPGRADE_TRIGGER),
                trigger,
                shutdown.clone(),
            )),
            tokio::spawn(run_poller(
                self.queues.clone(),
                self.topology().queue(NOTIFICATION_ACKNOWLEDGER),
                acknowledger,
                shutdown.clone(),
            )),
        ])
    }
}
