//! SSM parameters: the JWT secret (read with decryption, behaviour F2), the service endpoints, and the parameters
//! the service writes for its clients (behaviour keep-config).

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::ParameterType;

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

    /// The value of `name` as [`ParameterStore::get`], or `None` when the parameter does not exist.
    pub async fn get_if_exists(
        &self,
        name: &str,
        decrypt: bool,
    ) -> Result<Option<String>, AwsError> {
        match self
            .client
            .get_parameter()
            .name(name)
            .with_decryption(decrypt)
            .send()
            .await
        {
            Ok(output) => Ok(output.parameter.and_then(|p| p.value)),
            Err(e) => match classify(&e) {
                Failure::Service { code, .. } if code == "ParameterNotFound" => Ok(None),
                Failure::Service { code, message } => Err(AwsError::Parameter {
                    name: name.to_owned(),
                    reason: format!("{code}: {message}"),
                }),
                Failure::Transient(reason) => Err(AwsError::Parameter {
                    name: name.to_owned(),
                    reason,
                }),
            },
        }
    }

    /// Writes `value` to `name` as a plain `String` parameter (readable without decryption), replacing any value.
    pub async fn put(&self, name: &str, value: &str) -> Result<(), AwsError> {
        self.client
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(ParameterType::String)
            .overwrite(true)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::Parameter {
                name: name.to_owned(),
                reason: match classify(&e) {
                    Failure::Transient(reason) => reason,
                    Failure::Service { code, message } => format!("{code}: {message}"),
                },
            })
    }
}
