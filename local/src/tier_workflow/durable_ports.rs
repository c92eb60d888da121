//! The workflow ports on durable-local, in-process: the embedded stand-in for the Lambda durable-execution API.

use durable_local::{DurableLocal, ServiceError};

use loyalty_service::tier_workflow::ports::workflow::{
    CallbackOutcome, CallbackSender, StartOutcome, WorkflowError, WorkflowStarter,
};

/// [`WorkflowStarter`] and [`CallbackSender`] on an embedded [`DurableLocal`].
#[derive(Debug, Clone)]
pub struct DurableLocalWorkflows {
    local: DurableLocal,
}

impl DurableLocalWorkflows {
    /// Uses `local`.
    pub fn new(local: DurableLocal) -> Self {
        Self { local }
    }
}

impl WorkflowStarter for DurableLocalWorkflows {
    async fn start(
        &self,
        function: &str,
        execution_name: &str,
        input: &serde_json::Value,
    ) -> Result<StartOutcome, WorkflowError> {
        match self
            .local
            .start_execution(function, Some(execution_name), input)
        {
            Ok(arn) => Ok(StartOutcome::Started { arn }),
            Err(durable_local::Error::Service(ServiceError::AlreadyStarted(_))) => {
                Ok(StartOutcome::AlreadyStarted)
            }
            Err(error) => Err(WorkflowError::Unavailable(error.to_string())),
        }
    }
}

impl CallbackSender for DurableLocalWorkflows {
    async fn send_success(
        &self,
        callback_id: &str,
        result: &serde_json::Value,
    ) -> Result<CallbackOutcome, WorkflowError> {
        match self.local.send_callback_success(callback_id, result) {
            Ok(()) => Ok(CallbackOutcome::Completed),
            Err(durable_local::Error::Service(
                error @ (ServiceError::ResourceNotFound(_)
                | ServiceError::CallbackTimeout(_)
                | ServiceError::InvalidParameterValue(_)),
            )) => Ok(CallbackOutcome::AlreadySettled {
                reason: format!("{}: {error}", error.error_type()),
            }),
            Err(error) => Err(WorkflowError::Unavailable(error.to_string())),
        }
    }
}
