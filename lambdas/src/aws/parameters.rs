//! SSM parameters: the JWT secret (read with decryption, behaviour F2) and the service endpoints.

use aws_sdk_ssm::Client;

use crate::aws::error::{AwsError, Failure, classify};

/// Reads SSM parameters. Cloning shares the client.
#[derive(Debug, Clone)]
pub struct ParameterStore {
    client: Client,
}

impl ParameterStore {
    /// A reader through `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The value of `name`, decrypted when `decrypt` (SecureString); an empty or missing value is an error
    /// naming the parameter, never a silent empty string (behaviour F13).
    pub async fn get(&self, name: &str, decrypt: bool) -> Result<String, AwsError> {
        let failed = |reason: String| AwsError::Parameter {
            name: name.to_owned(),
            reason,
        };
        let output = self
            .client
            .get_parameter()
            .name(name)
            .with_decryption(decrypt)
            .send()
            .await
            .map_err(|e| match classify(&e) {
                Failure::Transient(reason) => failed(reason),
                Failure::Service { code, message } => failed(format!("{code}: {message}")),
            })?;
        output
            .parameter
            .and_then(|p| p.value)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| failed("the parameter has no value".into()))
    }
}
