//! The tier workflow on the AWS backend: durable-local runs the orchestrator with its activities on DynamoDB
//! (tier items) and EventBridge (`tierUpgraded.v1`), and the TierUpgradeTrigger and NotificationAcknowledger
//! queue pollers start executions and complete callbacks through durable-local's Lambda API (the same
//! `LambdaWorkflows` adapter the Lambda functions use).

use durable_local::DurableLocal;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::aws_backend::AwsBackend;
use crate::aws_backend::sqs_poller::run_sqs_poller;
use crate::embedded::topology::{NOTIFICATION_ACKNOWLEDGER, TIER_UPGRADE_TRIGGER};
use crate::tier_workflow::{TierWorkflowError, register_tier_workflow};
use loyalty_lambdas::aws::sqs_messages::messages_of;
use loyalty_lambdas::aws::{DynamoTierStore, EventBridgePublisher, LambdaWorkflows};
use loyalty_service::handlers::batch::SqsBatchHandler;
use loyalty_service::ports::SystemClock;
use loyalty_service::tier_workflow::config::{ORCHESTRATOR_FUNCTION, ServiceEndpoints};
use loyalty_service::tier_workflow::queue_handlers::{NotificationAcknowledger, TierTrigger};

impl AwsBackend {
    /// Registers the tier workflow on `local` (executions left running resume) and starts the two pollers; they
    /// stop when `stop` is cancelled and are tracked by `tasks`.
    pub fn start_tier_workflow(
        &self,
        local: &DurableLocal,
        endpoints: &ServiceEndpoints,
        tasks: &TaskTracker,
        stop: &CancellationToken,
    ) -> Result<(), TierWorkflowError> {
        register_tier_workflow(
            local,
            endpoints,
            &self.config.env,
            self.config.jwt_secret.as_bytes(),
            DynamoTierStore::new(
                aws_sdk_dynamodb::Client::new(&self.sdk),
                &self.config.table_name,
            ),
            EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::new(&self.sdk),
                &self.topology.bus_name,
            ),
            SystemClock,
        )?;
        // The in-process Lambda client holds durable-local weakly: each poller keeps a handle so the service lives
        // as long as they do, whatever the caller does with `local`.
        let workflows = LambdaWorkflows::new(local.lambda_client());
        let (trigger_keeps, acknowledger_keeps) = (local.clone(), local.clone());
        let trigger = TierTrigger::new(workflows.clone(), ORCHESTRATOR_FUNCTION);
        let acknowledger = NotificationAcknowledger::new(workflows, SystemClock);
        let sqs = aws_sdk_sqs::Client::new(&self.sdk);
        let trigger_poller = run_sqs_poller(
            sqs.clone(),
            self.queue_url(&self.topology.queue(TIER_UPGRADE_TRIGGER)),
            move |event| {
                let _alive = &trigger_keeps;
                let trigger = trigger.clone();
                async move {
                    trigger
                        .handle_batch(&messages_of(&event))
                        .await
                        .lambda_response()
                }
            },
            stop.clone(),
        );
        let acknowledger_poller = run_sqs_poller(
            sqs,
            self.queue_url(&self.topology.queue(NOTIFICATION_ACKNOWLEDGER)),
            move |event| {
                let _alive = &acknowledger_keeps;
                let acknowledger = acknowledger.clone();
                async move {
                    acknowledger
                        .handle_batch(&messages_of(&event))
                        .await
                        .lambda_response()
                }
            },
            stop.clone(),
        );
        tasks.spawn(trigger_poller);
        tasks.spawn(acknowledger_poller);
        Ok(())
    }
}
