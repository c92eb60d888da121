//! The restJson1 API at the real AWS paths as one axum [`Router`]: the durable-execution
//! operations and the Invoke API. The HTTP server serves it on a loopback socket and the
//! in-process `HttpClient` calls it with `oneshot`, so both transports share one request path.
//!
//! Every request must carry the service as an `Extension<Arc<Core>>`: the HTTP server adds it
//! with a layer (and so keeps the service alive while it serves), the in-process client adds it
//! to each request (it holds the service weakly).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, Path, RawQuery};
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::api_error::ApiError;
use crate::error::ServiceError;
use crate::runner::Core;
use crate::service::ListFilter;
use crate::wire::{CheckpointRequest, ErrorObject, ExecutionStatus, to_wire_seconds};

/// The path prefix of the operations on one execution; the rest of the path is the execution
/// ARN (its `/` percent-encoded or not), optionally followed by an action.
const EXECUTIONS: &str = "/2025-12-01/durable-executions/";

/// The API's routes. Requests need an `Extension<Arc<Core>>` (see the module documentation).
pub(crate) fn router() -> Router {
    Router::new()
        .route(
            "/2015-03-31/functions/{function}/invocations",
            post(crate::invoke_api::invoke),
        )
        .route(
            "/2025-12-01/functions/{function}/durable-executions",
            get(list_by_function),
        )
        .route(
            "/2025-12-01/durable-execution-callbacks/{id}/{action}",
            post(callback),
        )
        .route(
            &format!("{EXECUTIONS}{{*execution}}"),
            get(read_execution).post(change_execution),
        )
        // A wrong method is answered like an unknown path, as the service does.
        .method_not_allowed_fallback(no_route)
        .fallback(no_route)
        // Payload limits are the service's (6 MiB per payload), answered with its modeled error.
        .layer(DefaultBodyLimit::disable())
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    not_found(&method, &uri)
}

fn not_found(method: &Method, uri: &Uri) -> ApiError {
    ApiError(ServiceError::ResourceNotFound(format!(
        "No route for {method} {}",
        uri.path()
    )))
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Path parameters, percent-decoded; a path that cannot be decoded is a modeled error.
pub(crate) struct Params<T>(pub(crate) T);

impl<S, T> axum::extract::FromRequestParts<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(params)) => Ok(Self(params)),
            Err(rejection) => Err(ApiError(ServiceError::InvalidParameterValue(
                rejection.body_text(),
            ))),
        }
    }
}

/// The query string's parameters, percent-decoded, in order (a name may repeat).
struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    fn parse(query: Option<&str>) -> Self {
        Self(
            query
                .unwrap_or("")
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn param(&self, name: &str) -> Option<String> {
        self.all(name).next().map(str::to_owned)
    }

    fn flag(&self, name: &str) -> bool {
        self.all(name)
            .next()
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    fn max_items(&self) -> Result<Option<usize>, ServiceError> {
        self.param("MaxItems")
            .map(|m| {
                m.parse::<usize>().map_err(|_| {
                    ServiceError::InvalidParameterValue(format!("Invalid MaxItems '{m}'"))
                })
            })
            .transpose()
    }

    fn timestamp_ms(&self, name: &str) -> Result<Option<i64>, ServiceError> {
        self.param(name)
            .map(|t| {
                t.parse::<f64>().map(|s| (s * 1000.0) as i64).map_err(|_| {
                    ServiceError::InvalidParameterValue(format!("Invalid {name} '{t}'"))
                })
            })
            .transpose()
    }
}

fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ServiceError> {
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| ServiceError::InvalidParameterValue(format!("Malformed request body: {e}")))
}

fn parse_error_body(body: &[u8]) -> Result<Option<ErrorObject>, ServiceError> {
    if body.is_empty() {
        return Ok(None);
    }
    parse_body(body).map(Some)
}

/// `ListDurableExecutionsByFunction`.
async fn list_by_function(
    Extension(core): Extension<Arc<Core>>,
    Params(function): Params<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let statuses = query
        .all("Statuses")
        .map(|v| {
            ExecutionStatus::parse(v)
                .ok_or_else(|| ServiceError::InvalidParameterValue(format!("Invalid status '{v}'")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let filter = ListFilter {
        name: query.param("DurableExecutionName"),
        statuses,
        started_after_ms: query.timestamp_ms("StartedAfter")?,
        started_before_ms: query.timestamp_ms("StartedBefore")?,
        reverse: query.flag("ReverseOrder"),
        marker: query.param("Marker"),
        max_items: query.max_items()?,
    };
    let name = crate::service::bare_function_name(&function);
    Ok(axum::Json(core.service.list_by_function(name, &filter)?).into_response())
}

/// `SendDurableExecutionCallbackSuccess`, `...Failure` and `...Heartbeat`.
async fn callback(
    Extension(core): Extension<Arc<Core>>,
    Params((id, action)): Params<(String, String)>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let service = &core.service;
    match action.as_str() {
        "succeed" => service.callback_success(&id, &body)?,
        "fail" => service.callback_failure(&id, parse_error_body(&body)?.unwrap_or_default())?,
        "heartbeat" => service.callback_heartbeat(&id)?,
        _ => return Err(not_found(&method, &uri)),
    }
    Ok(axum::Json(json!({})).into_response())
}

/// The execution ARN and the action of a path under [`EXECUTIONS`]. The ARN's own `/` may
/// arrive percent-encoded or not, so the path is split before it is decoded.
fn execution_and_action(uri: &Uri) -> (String, Option<String>) {
    let rest = uri.path().strip_prefix(EXECUTIONS).unwrap_or_default();
    let segments: Vec<String> = rest.split('/').map(decode).collect();
    match segments.split_last() {
        Some((last, head))
            if !head.is_empty()
                && matches!(last.as_str(), "checkpoint" | "state" | "history" | "stop") =>
        {
            (head.join("/"), Some(last.clone()))
        }
        _ => (segments.join("/"), None),
    }
}

/// `GetDurableExecution`, `GetDurableExecutionState` and `GetDurableExecutionHistory`.
async fn read_execution(
    Extension(core): Extension<Arc<Core>>,
    method: Method,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let service = &core.service;
    let query = QueryParams::parse(query.as_deref());
    let (arn, action) = execution_and_action(&uri);
    let body = match action.as_deref() {
        None => service.get_execution(
            &arn,
            query
                .param("IncludeExecutionData")
                .is_none_or(|v| v != "false"),
        )?,
        Some("state") => {
            let token = query.param("CheckpointToken").unwrap_or_default();
            let marker = query.param("Marker");
            service.get_state(&arn, &token, marker.as_deref(), query.max_items()?)?
        }
        Some("history") => service.history(
            &arn,
            query.flag("IncludeExecutionData"),
            query.flag("ReverseOrder"),
            query.param("Marker").as_deref(),
            query.max_items()?,
        )?,
        Some(_) => return Err(not_found(&method, &uri)),
    };
    Ok(axum::Json(body).into_response())
}

/// `CheckpointDurableExecution` and `StopDurableExecution`.
async fn change_execution(
    Extension(core): Extension<Arc<Core>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let service = &core.service;
    let (arn, action) = execution_and_action(&uri);
    match action.as_deref() {
        Some("checkpoint") => {
            let request: CheckpointRequest = parse_body(&body)?;
            let token = request.checkpoint_token.unwrap_or_default();
            let result = service
                .checkpoint_async(
                    &arn,
                    &token,
                    request.client_token.as_deref(),
                    &request.updates,
                )
                .await?;
            for invoke in result.invokes {
                core.dispatch_invoke(invoke);
            }
            Ok(axum::Json(result.response).into_response())
        }
        Some("stop") => {
            let at = service.stop(&arn, parse_error_body(&body)?)?;
            Ok(axum::Json(json!({"StopTimestamp": to_wire_seconds(at)})).into_response())
        }
        _ => Err(not_found(&method, &uri)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;
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

        let by_encoded = call(&core, "GET", &format!("{EXECUTIONS}{encoded}"), vec![]).await;
        let by_raw = call(
            &core,
            "GET",
            &format!("{EXECUTIONS}{}", arn.replace('$', "%24")),
            vec![],
        )
        .await;
        let history = call(
            &core,
            "GET",
            &format!("{EXECUTIONS}{encoded}/history"),
            vec![],
        )
        .await;

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
            &format!("{EXECUTIONS}{encoded}/checkpoint"),
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
}
