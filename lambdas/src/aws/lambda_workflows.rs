//! [`WorkflowStarter`] and [`CallbackSender`] on the Lambda API: an asynchronous `Invoke` of the durable
//! orchestrator under a durable execution name (behaviour F10), and `SendDurableExecutionCallbackSuccess`
//! (behaviour F12).

use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::operation::send_durable_execution_callback_success::SendDurableExecutionCallbackSuccessError;
use aws_sdk_lambda::types::InvocationType;
use aws_smithy_types::Blob;

use loyalty_service::tier_workflow::ports::workflow::{
    CallbackOutcome, CallbackSender, StartOutcome, WorkflowError, WorkflowStarter,
};

/// The durable-execution ports over the Lambda API. Cloning shares the client.
#[derive(Debug, Clone)]
pub struct LambdaWorkflows {
    client: Client,
}

impl LambdaWorkflows {
    /// The ports through `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn unavailable<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &str,
    error: &SdkError<E, R>,
) -> WorkflowError {
    WorkflowError::Unavailable(format!(
        "{operation}: {}",
        aws_sdk_lambda::error::DisplayErrorContext(error)
    ))
}

impl WorkflowStarter for LambdaWorkflows {
    async fn start(
        &self,
        function: &str,
        execution_name: &str,
        input: &serde_json::Value,
    ) -> Result<StartOutcome, WorkflowError> {
        let result = self
            .client
            .invoke()
            .function_name(function)
            .invocation_type(InvocationType::Event)
            .durable_execution_name(execution_name)
            .payload(Blob::new(input.to_string()))
            .send()
            .await;
        match result {
            Ok(output) => Ok(StartOutcome::Started {
                arn: output
                    .durable_execution_arn()
                    .unwrap_or_default()
                    .to_owned(),
            }),
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    InvokeError::DurableExecutionAlreadyStartedException(_)
                ) =>
            {
                Ok(StartOutcome::AlreadyStarted)
            }
            Err(error) => Err(unavailable("Invoke", &error)),
        }
    }
}

impl CallbackSender for LambdaWorkflows {
    async fn send_success(
        &self,
        callback_id: &str,
        result: &serde_json::Value,
    ) -> Result<CallbackOutcome, WorkflowError> {
        let sent = self
            .client
            .send_durable_execution_callback_success()
            .callback_id(callback_id)
            .result(Blob::new(result.to_string()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(CallbackOutcome::Completed),
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    SendDurableExecutionCallbackSuccessError::ResourceNotFoundException(_)
                        | SendDurableExecutionCallbackSuccessError::CallbackTimeoutException(_)
                        | SendDurableExecutionCallbackSuccessError::InvalidParameterValueException(
                            _
                        )
                ) =>
            {
                let error = service.err();
                Ok(CallbackOutcome::AlreadySettled {
                    reason: format!(
                        "{}: {}",
                        error.code().unwrap_or("Unknown"),
                        error.message().unwrap_or_default()
                    ),
                })
            }
            Err(error) => Err(unavailable("SendDurableExecutionCallbackSuccess", &error)),
        }
    }
}
