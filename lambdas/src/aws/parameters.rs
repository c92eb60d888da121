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

    /// One `GetParameter` call: the parameter's value, if it has one, or why the call failed.
    async fn read(&self, name: &str, decrypt: bool) -> Result<Option<String>, Failure> {
        self.client
            .get_parameter()
            .name(name)
            .with_decryption(decrypt)
            .send()
            .await
            .map(|output| output.parameter.and_then(|p| p.value))
            .map_err(|e| classify(&e))
    }

    /// The value of `name`, decrypted when `decrypt` (SecureString); an empty or missing value is an error
    /// naming the parameter, never a silent empty string (behaviour F13).
    pub async fn get(&self, name: &str, decrypt: bool) -> Result<String, AwsError> {
        self.read(name, decrypt)
            .await
            .map_err(|failure| parameter_error(name, failure))?
            .filter(|v| !v.is_empty())
            .ok_or_else(|| AwsError::Parameter {
                name: name.to_owned(),
                reason: "the parameter has no value".into(),
            })
    }

    /// The value of `name` as [`ParameterStore::get`], or `None` when the parameter does not exist.
    pub async fn get_if_exists(
        &self,
        name: &str,
        decrypt: bool,
    ) -> Result<Option<String>, AwsError> {
        match self.read(name, decrypt).await {
            Err(Failure::Service { code, .. }) if code == "ParameterNotFound" => Ok(None),
            read => read.map_err(|failure| parameter_error(name, failure)),
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
            .map_err(|e| parameter_error(name, classify(&e)))
    }
}

/// A failed call on parameter `name`, with the service's error code when it gave one.
fn parameter_error(name: &str, failure: Failure) -> AwsError {
    AwsError::Parameter {
        name: name.to_owned(),
        reason: match failure {
            Failure::Transient(reason) => reason,
            Failure::Service { code, message } => format!("{code}: {message}"),
        },
    }
}
