//! A PutEvents endpoint that requires signatures, called by the AWS SDK's own EventBridge client: its SigV4
//! signature is accepted, a signature with the wrong secret is refused, and nothing refused reaches the bus.

use aws_sdk_eventbridge::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_eventbridge::error::ProvideErrorMetadata;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use loyalty_local::bus::sigv4::{self, require_signatures};
use loyalty_local::embedded::archive::list_archive;
use loyalty_local::{EmbeddedService, ServiceConfig};
use loyalty_service::http::JwtSecret;
use tokio_util::sync::CancellationToken;

fn sdk_client(endpoint: &str, secret: &str) -> aws_sdk_eventbridge::Client {
    let config = aws_sdk_eventbridge::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("AKIDLOCAL", secret, None, None, "test"))
        .build();
    aws_sdk_eventbridge::Client::from_conf(config)
}

fn welcome_entry() -> PutEventsRequestEntry {
    let event = loyalty_service::producers::user_created("dev", "u-signed", 0);
    PutEventsRequestEntry::builder()
        .source(event.source)
        .detail_type(event.detail_type)
        .detail(event.detail)
        .event_bus_name("LoyaltyService-bus-dev")
        .build()
}

#[tokio::test]
async fn the_sdk_signature_is_accepted_and_a_wrong_secret_refused() {
    let dir = tempfile::tempdir().unwrap();
    let service =
        EmbeddedService::open(ServiceConfig::new(dir.path(), "dev", JwtSecret::new("s"))).unwrap();
    let key = sigv4::Credentials::new("AKIDLOCAL", "local-secret").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    let served = tokio::spawn(local_guard::http::serve(
        listener,
        require_signatures(service.router(), key),
        local_guard::http::Limits::default(),
        stop.clone(),
    ));

    let refused = sdk_client(&endpoint, "not-the-secret")
        .put_events()
        .entries(welcome_entry())
        .send()
        .await
        .unwrap_err();
    let archived_after_refusal = list_archive(&service.db).unwrap().len();
    let accepted = sdk_client(&endpoint, "local-secret")
        .put_events()
        .entries(welcome_entry())
        .send()
        .await
        .unwrap();

    assert_eq!(
        refused.code(),
        Some("InvalidSignatureException"),
        "{refused:?}"
    );
    assert_eq!(archived_after_refusal, 0);
    assert_eq!(accepted.failed_entry_count(), 0);
    let event_id = accepted.entries()[0].event_id().unwrap();
    let archive = list_archive(&service.db).unwrap();
    assert_eq!(archive.len(), 1);
    assert_eq!(archive[0].event_id, event_id);
    stop.cancel();
    served.await.unwrap().unwrap();
}
