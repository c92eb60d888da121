//! The SSM contract of `serve --backend aws` (behaviour keep-config): the JWT secret is read from SSM as the Lambda
//! functions read it, and the parameters through which clients find the service are written, as every deployment
//! flavour writes them, so a client that knows only `ENV` and the AWS endpoint finds the API, the bus, the table and
//! the secret.
//!
//! The environments `dev` and `prod` are *integrated*: they share the secret (`/<ENV>/shared/secret-access-key`)
//! and the bus with the other services, so only the API endpoint and the table name are written. Every other
//! environment owns its secret and its bus, and also writes `/<ENV>/LoyaltyService/secret-access-key` (a plain
//! `String`) and `/<ENV>/LoyaltyService/event-bus-name`.

use loyalty_lambdas::aws::{AwsError, ParameterStore};
use rand::RngCore;

/// The environments that share the secret and the bus with the other services.
pub const INTEGRATED_ENVIRONMENTS: [&str; 2] = ["dev", "prod"];

/// Whether `env` is an integrated environment.
pub fn is_integrated(env: &str) -> bool {
    INTEGRATED_ENVIRONMENTS.contains(&env)
}

/// The parameter holding the JWT secret of `env`.
pub fn secret_parameter(env: &str) -> String {
    if is_integrated(env) {
        format!("/{env}/shared/secret-access-key")
    } else {
        format!("/{env}/LoyaltyService/secret-access-key")
    }
}

/// Where the secret in use came from, for the start-up line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// Given on the command line (`--jwt-secret` / `JWT_SECRET`) and written to the parameter.
    Given(String),
    /// Read from the parameter.
    Read(String),
    /// The parameter did not exist: a random secret was generated and written to it.
    Generated(String),
}

impl SecretSource {
    /// One line saying where the secret is.
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Given(name) => format!("given, written to SSM {name}"),
            SecretSource::Read(name) => format!("read from SSM {name}"),
            SecretSource::Generated(name) => {
                format!("generated (none existed), written to SSM {name}")
            }
        }
    }
}

/// The JWT secret of `env`: `given` when set (then written to the parameter, so clients read the same), otherwise
/// the parameter's value read with decryption as the Lambda functions read it, or a random secret written to it
/// when it does not exist yet.
pub async fn resolve_secret(
    parameters: &ParameterStore,
    env: &str,
    given: Option<&str>,
) -> Result<(String, SecretSource), AwsError> {
    let name = secret_parameter(env);
    if let Some(secret) = given {
        parameters.put(&name, secret).await?;
        return Ok((secret.to_owned(), SecretSource::Given(name)));
    }
    if let Some(secret) = parameters
        .get_if_exists(&name, true)
        .await?
        .filter(|s| !s.is_empty())
    {
        return Ok((secret, SecretSource::Read(name)));
    }
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    parameters.put(&name, &secret).await?;
    Ok((secret, SecretSource::Generated(name)))
}

/// What the service tells its clients through SSM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The API's base URL, without a trailing slash.
    pub api_endpoint: String,
    /// The table.
    pub table_name: String,
    /// The service's bus.
    pub bus_name: String,
}

/// Writes the parameters of [`Published`] for `env`; returns the names written.
pub async fn publish(
    parameters: &ParameterStore,
    env: &str,
    published: &Published,
) -> Result<Vec<String>, AwsError> {
    let mut written = vec![
        (
            format!("/{env}/LoyaltyService/api-endpoint"),
            published.api_endpoint.trim_end_matches('/').to_owned(),
        ),
        (
            format!("/{env}/LoyaltyService/table-name"),
            published.table_name.clone(),
        ),
    ];
    if !is_integrated(env) {
        written.push((
            format!("/{env}/LoyaltyService/event-bus-name"),
            published.bus_name.clone(),
        ));
    }
    for (name, value) in &written {
        parameters.put(name, value).await?;
    }
    Ok(written.into_iter().map(|(name, _)| name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_and_prod_share_the_secret_and_every_other_environment_owns_one() {
        assert_eq!(secret_parameter("dev"), "/dev/shared/secret-access-key");
        assert_eq!(secret_parameter("prod"), "/prod/shared/secret-access-key");
        assert_eq!(
            secret_parameter("ci"),
            "/ci/LoyaltyService/secret-access-key"
        );
        assert!(!is_integrated("production"));
    }
}
