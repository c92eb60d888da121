//! The command line of `loyalty-local`. Usage errors exit with 2 (clap), runtime errors with 1; messages go to
//! stderr, results to stdout.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use local_guard::http::LimitArgs;
use loyalty_local::bus::sigv4::Credentials;

/// The default address of the API and the PutEvents endpoint.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default data directory.
pub const DEFAULT_DATA_DIR: &str = ".loyalty";
/// The default endpoint of `publish`.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:8080";

/// The loyalty point service, embedded: API, EventBridge PutEvents, bus, queues and change stream in one process.
#[derive(Debug, Parser)]
#[command(
    name = "loyalty-local",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve` when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and PutEvents, run the bus, queues and change stream (the default).
    Serve(ServeArgs),
    /// Print a valid HS256 token (sub, iat, exp) for a user.
    Token(TokenArgs),
    /// Send an event, shaped as its real producer sends it, to a running server.
    Publish(PublishArgs),
    /// List dead letters with their event ids and reasons.
    Dlq(ListArgs),
    /// List every event the bus accepted (its archive).
    Events(ListArgs),
}

/// The data directory option shared by every command that reads local data.
#[derive(Debug, Clone, Args)]
pub struct DataDirArg {
    /// Where the service keeps its data.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address for the API and PutEvents (port 0 picks a free port; the chosen address is printed).
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    /// Start even if a database in the data directory is damaged: move it aside (to `<file>.damaged-<UTC time>`,
    /// with its -wal and -shm; never deleted) and start with an empty store. Without damage it changes nothing.
    #[arg(long)]
    pub accept_data_loss: bool,
    /// The JWT secret (default: a random secret generated once and kept in the data directory).
    #[arg(long, env = "JWT_SECRET", value_name = "S", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Refuse tokens whose `exp` lies more than this many seconds ahead (behaviour F2; default 30 days).
    #[arg(
        long,
        env = "JWT_MAX_TOKEN_LIFETIME_SECONDS",
        value_name = "SECONDS",
        default_value_t = loyalty_service::core::jwt::DEFAULT_MAX_TOKEN_LIFETIME_SECS,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub max_token_lifetime: u64,
    /// The environment: names the bus (`LoyaltyService-bus-<ENV>`), the sources and the queues.
    #[arg(long = "env", env = "ENV", value_name = "ENV", default_value = "dev")]
    pub env: String,
    #[command(flatten)]
    pub tier_workflow: TierWorkflowArgs,
    /// Where the state lives: `embedded` (one SQLite file in the data directory) or `aws` (DynamoDB, EventBridge,
    /// SQS and DynamoDB Streams on the endpoint of `AWS_ENDPOINT_URL`, e.g. moto server; provisioned at start).
    #[arg(long, value_enum, default_value_t = Backend::Embedded)]
    pub backend: Backend,
    /// The DynamoDB table of `--backend aws` (default `LoyaltyService-Points-<ENV>`).
    #[arg(long, env = "TABLE_NAME", value_name = "NAME")]
    pub table_name: Option<String>,
    /// Connection limits of the listener (API and PutEvents).
    #[command(flatten)]
    pub limits: LimitArgs,
    /// The key pair PutEvents calls must be signed with.
    #[command(flatten)]
    pub put_events: PutEventsKeyArgs,
}

/// A SigV4 key pair for PutEvents: `serve` requires calls signed with it, `publish` signs with it. Both parts or
/// neither.
#[derive(Debug, Clone, Default, Args)]
pub struct PutEventsKeyArgs {
    /// Access key id of the PutEvents key pair (with the secret below: unsigned or wrongly signed calls are
    /// refused).
    #[arg(
        long,
        env = "PUT_EVENTS_ACCESS_KEY_ID",
        value_name = "ID",
        requires = "put_events_secret_access_key"
    )]
    pub put_events_access_key_id: Option<String>,
    /// Secret access key of the PutEvents key pair.
    #[arg(
        long,
        env = "PUT_EVENTS_SECRET_ACCESS_KEY",
        value_name = "SECRET",
        hide_env_values = true,
        requires = "put_events_access_key_id"
    )]
    pub put_events_secret_access_key: Option<String>,
}

impl PutEventsKeyArgs {
    /// The key pair, when one is configured.
    pub fn credentials(&self) -> anyhow::Result<Option<Credentials>> {
        match (
            &self.put_events_access_key_id,
            &self.put_events_secret_access_key,
        ) {
            (Some(id), Some(secret)) => Ok(Some(
                Credentials::new(id, secret).map_err(anyhow::Error::msg)?,
            )),
            (None, None) => Ok(None),
            _ => anyhow::bail!(
                "give both --put-events-access-key-id and --put-events-secret-access-key, or neither"
            ),
        }
    }
}

/// The backends of `serve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// SQLite, the in-process bus, queues and change stream.
    Embedded,
    /// The AWS adapters on `AWS_ENDPOINT_URL`, with local pollers for the queues and the stream.
    Aws,
}

/// Options of the tier upgrade workflow in `serve`: it runs when all three endpoints are set, and is off (with a
/// start-up line saying so) when none is. Embedded, each variable holds the URL the original read from SSM.
#[derive(Debug, Clone, Default, Args)]
pub struct TierWorkflowArgs {
    /// Product Service base URL (`GET <URL>/product`).
    #[arg(long, env = "PRODUCT_SERVICE_ENDPOINT_PARAM", value_name = "URL")]
    pub product_service_endpoint: Option<String>,
    /// Product Search service base URL (`POST <URL>/search`).
    #[arg(long, env = "PRODUCT_SEARCH_ENDPOINT_PARAM", value_name = "URL")]
    pub product_search_endpoint: Option<String>,
    /// Order Service base URL (`GET <URL>/orders`).
    #[arg(long, env = "ORDER_SERVICE_ENDPOINT_PARAM", value_name = "URL")]
    pub order_service_endpoint: Option<String>,
    /// Multiplies the workflow's waits, retry delays and the 5-minute acknowledgement timeout (tests, demos).
    #[arg(
        long,
        env = "TIER_WORKFLOW_TIME_SCALE",
        value_name = "F",
        default_value_t = 1.0
    )]
    pub tier_time_scale: f64,
}

/// Options of `token`.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The user id (the token's `sub`).
    #[arg(long, value_name = "ID")]
    pub user: String,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    /// The secret to sign with (default: the data directory's).
    #[arg(long, env = "JWT_SECRET", value_name = "S", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Lifetime in seconds (the User Management service's default).
    #[arg(long, value_name = "SECONDS", default_value_t = 86_400)]
    pub ttl: i64,
}

/// Options of `publish`.
#[derive(Debug, Clone, Args)]
pub struct PublishArgs {
    /// Which event.
    #[command(subcommand)]
    pub event: PublishEvent,
}

/// The events `publish` can send.
#[derive(Debug, Clone, Subcommand)]
pub enum PublishEvent {
    /// `users.userCreated.v1` (welcome bonus +100).
    UserCreated {
        /// The user id.
        #[arg(long, value_name = "ID")]
        user: String,
        #[command(flatten)]
        target: PublishTarget,
    },
    /// `orders.orderCompleted.v1`, or `.v2` with `--v2` (+50 once per order id).
    OrderCompleted {
        /// The user id.
        #[arg(long, value_name = "ID")]
        user: String,
        /// The order id.
        #[arg(long, value_name = "ID")]
        order: String,
        /// Send `orders.orderCompleted.v2` (`orderId`) instead of v1 (`orderNumber`).
        #[arg(long)]
        v2: bool,
        #[command(flatten)]
        target: PublishTarget,
    },
}

/// Where `publish` sends.
#[derive(Debug, Clone, Args)]
pub struct PublishTarget {
    /// The server's address.
    #[arg(long, value_name = "URL", default_value = DEFAULT_ENDPOINT)]
    pub endpoint: String,
    /// The environment (names the source and the bus).
    #[arg(long = "env", env = "ENV", value_name = "ENV", default_value = "dev")]
    pub env: String,
    /// The key pair to sign with, for a server that requires signatures.
    #[command(flatten)]
    pub put_events: PutEventsKeyArgs,
}

/// Options of `dlq` and `events`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_is_the_default_with_its_defaults() {
        let cli = Cli::try_parse_from(["loyalty-local"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(cli.serve.data_dir.data_dir, PathBuf::from(".loyalty"));
        let cli = Cli::try_parse_from(["loyalty-local", "--listen", "127.0.0.1:0"]).unwrap();
        assert_eq!(cli.serve.listen.port(), 0);
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        let missing_user = Cli::try_parse_from(["loyalty-local", "token"]).unwrap_err();
        assert_eq!(missing_user.exit_code(), 2);
        let bad_address =
            Cli::try_parse_from(["loyalty-local", "serve", "--listen", "nowhere"]).unwrap_err();
        assert_eq!(bad_address.exit_code(), 2);
        let parsed = Cli::try_parse_from([
            "loyalty-local",
            "publish",
            "order-completed",
            "--user",
            "u",
            "--order",
            "o",
            "--v2",
        ])
        .unwrap();
        assert!(matches!(
            parsed.command,
            Some(Command::Publish(PublishArgs {
                event: PublishEvent::OrderCompleted { v2: true, .. }
            }))
        ));
        let half_a_key =
            Cli::try_parse_from(["loyalty-local", "--put-events-access-key-id", "AKID"])
                .unwrap_err();
        assert_eq!(half_a_key.exit_code(), 2);
    }
}
