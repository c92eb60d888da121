//! The restJson1 API at the real AWS paths as one axum [`Router`]: the durable-execution
//! operations and the Invoke API. The HTTP server serves it on a loopback socket and the
//! in-process `HttpClient` calls it with `oneshot`, so both transports share one request path.
//!
//! Every request must carry the service as an `Extension<Arc<Core>>`: the HTTP server adds it
//! with a layer (and so keeps the service alive while it serves), the in-process client adds it
//! to each request (it holds the service weakly).

mod error;
mod executions;
mod extract;
mod invoke;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::routing::{get, post};

pub(crate) use error::{ApiError, function_error};
pub(crate) use extract::Params;

/// The API's routes. Requests need an `Extension<Arc<Core>>` (see the module documentation).
/// The largest request body the HTTP API reads (32 MiB): well above the largest valid request
/// (a 6 MiB payload, JSON-escaped inside a checkpoint), so an oversized payload still gets the
/// service's modeled error, while a client cannot make the server buffer without bound.
pub(crate) const MAX_REQUEST_BYTES: usize = 32 * 1024 * 1024;

pub(crate) fn router() -> Router {
    Router::new()
        .route(
            "/2015-03-31/functions/{function}/invocations",
            post(invoke::invoke),
        )
        .route(
            "/2025-12-01/functions/{function}/durable-executions",
            get(executions::list_by_function),
        )
        .route(
            "/2025-12-01/durable-execution-callbacks/{id}/{action}",
            post(executions::callback),
        )
        .route(
            &format!("{}{{*execution}}", executions::PREFIX),
            get(executions::read).post(executions::change),
        )
        // A wrong method is answered like an unknown path, as the service does.
        .method_not_allowed_fallback(no_route)
        .fallback(no_route)
        // Payload limits are the service's (6 MiB per payload), answered with its modeled error;
        // the transport only refuses what no valid request reaches.
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::no_route(&method, &uri)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use serde_json::{Value, json};
    use tower::ServiceExt;

    use super::executions::PREFIX;
    use super::*;
    use crate::runner::Core;
    use crate::service::Service;
    use crate::store::Durability;
    use crate::time::TimeControl;

    struct Answer {
        status: StatusCode,
        error_type: Option<String>,
        body: Value,
    }

    async fn call(core: &Arc<Core>, method: &str, path: &str, body: Vec<u8>) -> Answer {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .extension(Arc::clone(core))
            .body(Body::from(body))
            .unwrap();
        let response = router().oneshot(request).await.unwrap();
        let status = response.status();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        Answer {
            status,
            error_type,
            body,
        }
    }

    fn core(dir: &tempfile::TempDir) -> Arc<Core> {
        let service = Service::open(
            &dir.path().join("api.db"),
            Durability::ProcessCrash,
            TimeControl::Real,
        )
        .unwrap();
        Arc::new(Core::new(service))
    }

    #[tokio::test]
    async fn an_unknown_path_and_a_wrong_method_are_both_a_modeled_resource_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let core = core(&dir);

        let unknown = call(&core, "GET", "/2025-12-01/nothing-here?x=1", vec![]).await;
        let wrong_method = call(
            &core,
            "PUT",
            "/2025-12-01/durable-execution-callbacks/abc/succeed",
            vec![],
        )
        .await;

        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert_eq!(
            unknown.error_type.as_deref(),
            Some("ResourceNotFoundException")
        );
        assert_eq!(
            unknown.body,
            json!({
                "Type": "User",
                "__type": "ResourceNotFoundException",
                "message": "No route for GET /2025-12-01/nothing-here",
            })
        );
        assert_eq!(wrong_method.status, StatusCode::NOT_FOUND);
        assert_eq!(
            wrong_method.body["message"],
            "No route for PUT /2025-12-01/durable-execution-callbacks/abc/succeed"
        );
    }

    #[tokio::test]
    async fn an_execution_arn_is_found_with_its_slashes_percent_encoded_or_not() {
        let dir = tempfile::tempdir().unwrap();
        let core = core(&dir);
        let (arn, _) = core
            .service
            .start_execution("f", Some("run-1"), "{}", 60, None)
            .unwrap();
        let encoded: String =
            percent_encoding::utf8_percent_encode(&arn, percent_encoding::NON_ALPHANUMERIC)
                .to_string();

        let by_encoded = call(&core, "GET", &format!("{PREFIX}{encoded}"), vec![]).await;
        let by_raw = call(
            &core,
            "GET",
            &format!("{PREFIX}{}", arn.replace('$', "%24")),
            vec![],
        )
        .await;
        let history = call(&core, "GET", &format!("{PREFIX}{encoded}/history"), vec![]).await;

        assert_eq!(by_encoded.status, StatusCode::OK);
        assert_eq!(by_encoded.body["DurableExecutionArn"], arn.as_str());
        assert_eq!(by_raw.body, by_encoded.body);
        assert_eq!(history.status, StatusCode::OK);
        assert_eq!(history.body["Events"][0]["EventType"], "ExecutionStarted");
    }

    #[tokio::test]
    async fn a_seven_mib_checkpoint_reaches_the_service_and_gets_its_payload_limit_error() {
        let dir = tempfile::tempdir().unwrap();
        let core = core(&dir);
        let (arn, _) = core
            .service
            .start_execution("f", None, "{}", 60, None)
            .unwrap();
        let encoded: String =
            percent_encoding::utf8_percent_encode(&arn, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let token = core
            .service
            .begin_invocation(&arn)
            .unwrap()
            .unwrap()
            .envelope["CheckpointToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let payload = "x".repeat(7 * 1024 * 1024);
        let body = json!({
            "CheckpointToken": token,
            "Updates": [{"Id": "a", "Type": "STEP", "Action": "SUCCEED", "Payload": payload}],
        });

        let answer = call(
            &core,
            "POST",
            &format!("{PREFIX}{encoded}/checkpoint"),
            body.to_string().into_bytes(),
        )
        .await;

        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            answer.error_type.as_deref(),
            Some("InvalidParameterValueException")
        );
        assert_eq!(
            answer.body["message"],
            "Payload size 7340032 exceeds the maximum of 6291456 bytes"
        );
    }

    #[tokio::test]
    async fn a_body_beyond_the_transport_limit_is_refused_unread_with_413() {
        let dir = tempfile::tempdir().unwrap();
        let core = core(&dir);
        let request = Request::builder()
            .method("POST")
            .uri("/2015-03-31/functions/f/invocations")
            .header("content-length", MAX_REQUEST_BYTES + 1)
            .extension(Arc::clone(&core))
            .body(Body::from(vec![b' '; MAX_REQUEST_BYTES + 1]))
            .unwrap();

        let response = router().oneshot(request).await.unwrap();

        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
