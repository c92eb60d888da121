//! Assembles the embedded service: one database, the bus and its queues, the account store, the HTTP router and
//! the background workers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use axum::Router;
use tokio::sync::Notify;

use crate::bus::{Bus, BusPublisher, put_events_routes};
use crate::embedded::outbox::Outbox;
use crate::embedded::poller::run_poller;
use crate::embedded::queues::DEFAULT_VISIBILITY_TIMEOUT_MS;
use crate::embedded::stream_processor::StreamProcessor;
use crate::embedded::topology::{ORDER_COMPLETED, USER_CREATED};
use crate::embedded::{Database, EmbeddedError, Queues, SqliteAccountStore, Topology};
use local_guard::sqlite::OnDamage;
use loyalty_service::handlers::{CreditEventHandler, CreditEventKind};
use loyalty_service::http::{ApiState, JwtSecret, api_routes, with_gateway_fallback};
use loyalty_service::ports::{Clock, SystemClock};

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "loyalty.sqlite3";
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

/// How to run the embedded service.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Where the data lives (`.loyalty` by default).
    pub data_dir: PathBuf,
    /// The environment (`ENV`, default `dev`): names the bus, sources and queues.
    pub env: String,
    /// The JWT secret.
    pub jwt_secret: JwtSecret,
    /// The queues' visibility timeout.
    pub visibility_timeout_ms: i64,
    /// Whether the tier workflow runs: without it the TierUpgradeTrigger and NotificationAcknowledger rules are
    /// not installed (nothing would consume their queues).
    pub tier_workflow: bool,
    /// What to do when the database file is damaged (see `local_guard::sqlite`): `false` (the default) refuses to
    /// open it; `true` (`serve --accept-data-loss`) moves it aside, never deleted, and starts with an empty store.
    pub accept_data_loss: bool,
}

impl ServiceConfig {
    /// The defaults for `data_dir`, `env` and `jwt_secret`.
    pub fn new(data_dir: &Path, env: &str, jwt_secret: JwtSecret) -> Self {
        Self {
            data_dir: data_dir.to_owned(),
            env: env.to_owned(),
            jwt_secret,
            visibility_timeout_ms: DEFAULT_VISIBILITY_TIMEOUT_MS,
            tier_workflow: true,
            accept_data_loss: false,
        }
    }
}

/// The opened service.
#[derive(Debug)]
pub struct EmbeddedService {
    config: ServiceConfig,
    /// The database.
    pub db: Arc<Database>,
    /// The queues.
    pub queues: Arc<Queues>,
    /// The bus.
    pub bus: Arc<Bus>,
    /// The account store.
    pub store: SqliteAccountStore,
    outbox_signal: Arc<Notify>,
}

/// Opens the database of a data directory after checking it; a damaged one is refused or, with
/// [`OnDamage::MoveAside`], moved aside.
pub fn open_database(data_dir: &Path, on_damage: OnDamage) -> Result<Arc<Database>, EmbeddedError> {
    Ok(Arc::new(Database::open_checked(
        &data_dir.join(DATABASE_FILE),
        on_damage,
    )?))
}

impl EmbeddedService {
    /// Opens (or creates) the service's data; messages left in flight by a previous process become visible again.
    /// A damaged database is refused ([`EmbeddedError::Database`]) unless `config.accept_data_loss` moves it aside
    /// (see [`Database::moved_aside`]).
    pub fn open(config: ServiceConfig) -> Result<Self, EmbeddedError> {
        let db = open_database(
            &config.data_dir,
            OnDamage::accepting_data_loss(config.accept_data_loss),
        )?;
        let topology = if config.tier_workflow {
            Topology::for_env(&config.env)
        } else {
            Topology::for_env(&config.env).without_tier_workflow()
        };
        let dead_letter_queues: HashMap<String, String> = topology
            .rules
            .iter()
            .map(|r| (r.queue.clone(), r.dead_letter_queue.clone()))
            .collect();
        let queues = Arc::new(Queues::new(
            db.clone(),
            dead_letter_queues,
            config.visibility_timeout_ms,
        ));
        let released = queues.release_in_flight(SystemClock.now_ms())?;
        if released > 0 {
            tracing::info!(
                released,
                "messages in flight when the previous process stopped are visible again"
            );
        }
        let bus = Arc::new(Bus::new(db.clone(), queues.clone(), topology));
        let outbox_signal = Arc::new(Notify::new());
        let store = SqliteAccountStore::new(db.clone(), outbox_signal.clone());
        Ok(Self {
            config,
            db,
            queues,
            bus,
            store,
            outbox_signal,
        })
    }

    /// A clean stop, once the workers have drained: the write-ahead log goes into the database file and is emptied.
    pub fn checkpoint(&self) -> Result<(), EmbeddedError> {
        self.db.checkpoint()
    }

    /// The configuration.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// The topology (bus, rules, queues).
    pub fn topology(&self) -> &Topology {
        self.bus.topology()
    }

    /// The outbox.
    pub fn outbox(&self) -> Outbox {
        Outbox::new(self.db.clone())
    }

    /// One router for everything served on the address: `/loyalty` and EventBridge `PutEvents` at `POST /`.
    pub fn router(&self) -> Router {
        let api = api_routes(ApiState {
            store: self.store.clone(),
            clock: SystemClock,
            jwt_secret: self.config.jwt_secret.clone(),
        });
        with_gateway_fallback(api.merge(put_events_routes(self.bus.clone())))
    }

    /// The change stream processor publishing onto the in-process bus.
    pub fn stream_processor(&self) -> StreamProcessor<BusPublisher> {
        StreamProcessor::new(
            self.outbox(),
            BusPublisher::new(self.bus.clone()),
            &self.config.env,
            &self.topology().stream_failure_queue,
            self.outbox_signal.clone(),
        )
    }

    /// Starts the pollers of the UserCreated and OrderCompleted queues, the change stream processor and the purge
    /// of expired idempotency records; each stops when `shutdown` is cancelled, after its work in progress, and is tracked by `tasks`.
    pub fn start_workers(&self, tasks: &TaskTracker, shutdown: &CancellationToken) {
        for (logical, kind) in [
            (USER_CREATED, CreditEventKind::UserCreated),
            (ORDER_COMPLETED, CreditEventKind::OrderCompleted),
        ] {
            let handler = CreditEventHandler::new(self.store.clone(), SystemClock, kind);
            let queue = self.topology().queue(logical);
            tasks.spawn(run_poller(
                self.queues.clone(),
                queue,
                handler,
                shutdown.clone(),
            ));
        }
        tasks.spawn(self.stream_processor().run(shutdown.clone()));
        let store = self.store.clone();
        let stop = shutdown.clone();
        tasks.spawn(async move {
            while !stop.is_cancelled() {
                match store.purge_expired(SystemClock.now_ms()) {
                    Ok(0) => {}
                    Ok(purged) => tracing::info!(purged, "expired idempotency records purged"),
                    Err(error) => {
                        tracing::warn!(%error, "purging expired idempotency records failed")
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(PURGE_INTERVAL) => {}
                    _ = stop.cancelled() => {}
                }
            }
        });
    }
}
