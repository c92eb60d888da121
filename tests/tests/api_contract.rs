//! The HTTP contract of `GET`/`POST /loyalty`: envelope, statuses, CORS headers (spec 1.2-1.7) and the rules F1
//! (spend validation), F2 (token policy) and F3 (not found is 404 on both routes).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_tests::api::EVENT_DEADLINE;
use loyalty_tests::cli::{bus_archive, dead_letters};
use loyalty_tests::events::put_events_body;
use loyalty_tests::http::HttpRequest;
use loyalty_tests::jwt::{HmacAlgorithm, now_epoch_seconds, sign, unsigned};
use loyalty_tests::{ApiResponse, LoyaltyApi, PutEntry, RunningService, fresh_user_id};
use serde_json::{Value, json};

const UNAUTHORIZED: &str = r#"{"success":false,"message":["Unauthorized"]}"#;
const NOT_FOUND: &str = r#"{"success":false,"message":["Not found"]}"#;

/// GET answers and the 401 of POST carry `*` for headers and methods (spec 1.2).
fn assert_get_cors_headers(response: &ApiResponse) {
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{response:?}"
    );
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("*"),
        "{response:?}"
    );
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some("*"),
        "{response:?}"
    );
    assert_eq!(
        response.header("access-control-allow-methods"),
        Some("*"),
        "{response:?}"
    );
}

/// POST results carry `Content-Type` and the explicit method list (spec 1.2).
fn assert_post_cors_headers(response: &ApiResponse) {
    assert_eq!(
        response.header("content-type"),
        Some("application/json"),
        "{response:?}"
    );
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("*"),
        "{response:?}"
    );
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some("Content-Type"),
        "{response:?}"
    );
    assert_eq!(
        response.header("access-control-allow-methods"),
        Some("POST,GET,PUT,DELETE"),
        "{response:?}"
    );
}

fn success_body(user: &str, points: i64) -> String {
    format!(
        r#"{{"data":{{"userId":"{user}","currentPoints":{points}}},"success":true,"message":[]}}"#
    )
}

fn insufficient_body(user: &str, points: i64) -> String {
    format!(
        r#"{{"data":{{"userId":"{user}","currentPoints":{points}}},"success":false,"message":["You don't have enough points"]}}"#
    )
}

/// A service with one account holding 100 points.
async fn service_with_a_100_point_account(prefix: &str) -> (RunningService, LoyaltyApi, String) {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr());
    let user = fresh_user_id(prefix);
    api.publish(&[PutEntry::user_created(&user)]).await.unwrap();
    service
        .with_logs(
            api.wait_for_balance(&service.token_for(&user), 100, EVENT_DEADLINE)
                .await,
        )
        .unwrap();
    (service, api, user)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_balance_answers_200_with_the_envelope_and_cors_headers() {
    let (service, api, user) = service_with_a_100_point_account("reader").await;

    let response = api
        .get_loyalty(Some(&format!("Bearer {}", service.token_for(&user))))
        .await
        .unwrap();

    assert_eq!(response.status, 200);
    assert_eq!(response.text(), success_body(&user, 100));
    assert_get_cors_headers(&response);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_account_is_404_not_found_on_both_routes() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr());
    let token = service.token_for(&fresh_user_id("nobody"));

    let read = api
        .get_loyalty(Some(&format!("Bearer {token}")))
        .await
        .unwrap();
    assert_eq!(read.status, 404);
    assert_eq!(read.text(), NOT_FOUND);
    assert_get_cors_headers(&read);

    let spend = api.spend(&token, 10).await.unwrap();
    assert_eq!(spend.status, 404);
    assert_eq!(spend.text(), NOT_FOUND);
    assert_post_cors_headers(&spend);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spending_within_the_balance_answers_201_with_the_new_balance() {
    let (service, api, user) = service_with_a_100_point_account("spender").await;
    let token = service.token_for(&user);

    let first = api.spend(&token, 30).await.unwrap();
    assert_eq!(first.status, 201);
    assert_eq!(first.text(), success_body(&user, 70));
    assert_post_cors_headers(&first);

    let everything = api.spend(&token, 70).await.unwrap();
    assert_eq!(everything.status, 201);
    assert_eq!(everything.text(), success_body(&user, 0));
    assert_eq!(api.balance(&token).await.unwrap(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spending_more_than_the_balance_is_400_with_the_current_balance_and_no_write() {
    let (service, api, user) = service_with_a_100_point_account("overspender").await;
    let token = service.token_for(&user);

    let over = api.spend(&token, 101).await.unwrap();
    assert_eq!(over.status, 400);
    assert_eq!(over.text(), insufficient_body(&user, 100));
    assert_post_cors_headers(&over);

    // The largest valid amount is a balance problem, not a validation problem.
    let largest = api.spend(&token, 1_000_000_000).await.unwrap();
    assert_eq!(largest.status, 400);
    assert_eq!(largest.text(), insufficient_body(&user, 100));
    assert_eq!(api.balance(&token).await.unwrap(), Some(100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_spend_requests_are_400_naming_the_problem_and_write_nothing() {
    let (service, api, user) = service_with_a_100_point_account("validator").await;
    let token = service.token_for(&user);
    // (body, whether the problem is the `points` value and the message must say so)
    let cases: &[(Option<&str>, bool)] = &[
        (Some(r#"{"points":0}"#), true),
        (Some(r#"{"points":-50}"#), true),
        (Some(r#"{"points":10.5}"#), true),
        (Some(r#"{"points":"10"}"#), true),
        (Some(r#"{"points":true}"#), true),
        (Some(r#"{"points":[5]}"#), true),
        (Some(r#"{"points":null}"#), true),
        (Some(r#"{"points":"abc"}"#), true),
        (Some(r#"{"points":{}}"#), true),
        (Some(r#"{}"#), true),
        (Some(r#"{"points":1000000001}"#), true),
        (Some(r#"{"points":99999999999999999999999}"#), false),
        (Some(r#"{"points":1e309}"#), false),
        (None, false),
        (Some(""), false),
        (Some("{\"points\":"), false),
        (Some("not json"), false),
        (Some("null"), false),
        (Some("5"), false),
        (Some("[]"), false),
    ];
    for (body, names_points) in cases {
        let response = api.spend_raw(&token, *body, None).await.unwrap();
        let context = format!("body {body:?} -> {} {}", response.status, response.text());
        assert_eq!(response.status, 400, "{context}");
        assert_post_cors_headers(&response);
        let envelope = response.json().expect(&context);
        let keys: Vec<&str> = envelope
            .as_object()
            .expect(&context)
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 2, "only success and message: {context}");
        assert_eq!(envelope["success"], json!(false), "{context}");
        let messages = envelope["message"].as_array().expect(&context);
        assert_eq!(messages.len(), 1, "{context}");
        let message = messages[0].as_str().expect(&context);
        assert!(!message.trim().is_empty(), "{context}");
        for compat_message in [
            "Unknown error",
            "Not found",
            "You don't have enough points",
            "Unauthorized",
        ] {
            assert_ne!(
                message, compat_message,
                "a validation message names the problem: {context}"
            );
        }
        if *names_points {
            assert!(
                message.to_lowercase().contains("points"),
                "the message names `points`: {context}"
            );
        }
    }

    assert_eq!(api.balance(&token).await.unwrap(), Some(100));
    let spent: Vec<_> = bus_archive(service.binary(), service.data_dir())
        .await
        .unwrap()
        .into_iter()
        .filter(|event| event.is_for_user(&user) && event.detail_type == "loyalty.pointsSpent.v1")
        .collect();
    assert!(spent.is_empty(), "nothing was spent: {spent:?}");
}

/// Every way a token can be unacceptable under F2, each with the header value it is sent with.
fn rejected_authorizations(secret: &str, user: &str) -> Vec<(&'static str, Option<String>)> {
    let now = now_epoch_seconds();
    let bearer = |token: String| Some(format!("Bearer {token}"));
    let valid = sign(
        HmacAlgorithm::Hs256,
        secret,
        &json!({"sub": user, "iat": now, "exp": now + 3600}),
    );
    let mut tampered_parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
    tampered_parts[1] = loyalty_tests::jwt::base64url(
        json!({"sub": "someone-else", "iat": now, "exp": now + 3600})
            .to_string()
            .as_bytes(),
    );
    vec![
        ("no Authorization header", None),
        ("an empty bearer token", Some("Bearer ".to_owned())),
        ("a token that is not a JWT", bearer("not-a-jwt".to_owned())),
        ("a Basic credential", Some("Basic dXNlcjpwYXNz".to_owned())),
        (
            "a token without exp",
            bearer(sign(
                HmacAlgorithm::Hs256,
                secret,
                &json!({"sub": user, "iat": now}),
            )),
        ),
        (
            "an expired token",
            bearer(sign(
                HmacAlgorithm::Hs256,
                secret,
                &json!({"sub": user, "iat": now - 7200, "exp": now - 60}),
            )),
        ),
        (
            "a token without sub",
            bearer(sign(
                HmacAlgorithm::Hs256,
                secret,
                &json!({"iat": now, "exp": now + 3600}),
            )),
        ),
        (
            "a token with an empty sub",
            bearer(sign(
                HmacAlgorithm::Hs256,
                secret,
                &json!({"sub": "", "iat": now, "exp": now + 3600}),
            )),
        ),
        (
            "a token with a numeric sub",
            bearer(sign(
                HmacAlgorithm::Hs256,
                secret,
                &json!({"sub": 42, "iat": now, "exp": now + 3600}),
            )),
        ),
        (
            "a token signed with another secret",
            bearer(sign(
                HmacAlgorithm::Hs256,
                "another secret",
                &json!({"sub": user, "iat": now, "exp": now + 3600}),
            )),
        ),
        (
            "a token that is not valid yet (nbf in an hour)",
            bearer(sign(
                HmacAlgorithm::Hs256,
                secret,
                &json!({"sub": user, "iat": now, "nbf": now + 3600, "exp": now + 7200}),
            )),
        ),
        (
            "an unsigned token (alg none)",
            bearer(unsigned(
                &json!({"sub": user, "iat": now, "exp": now + 3600}),
            )),
        ),
        (
            "a token whose claims were changed after signing",
            bearer(tampered_parts.join(".")),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_unacceptable_token_is_401_unauthorized_on_both_routes_and_spends_nothing() {
    let (service, api, user) = service_with_a_100_point_account("guarded").await;

    for (case, authorization) in rejected_authorizations(service.jwt_secret(), &user) {
        let read = api.get_loyalty(authorization.as_deref()).await.unwrap();
        assert_eq!(
            (read.status, read.text()),
            (401, UNAUTHORIZED.to_owned()),
            "GET with {case}"
        );
        assert_get_cors_headers(&read);

        let mut spend = HttpRequest::new("POST", "/loyalty")
            .header("Content-Type", "application/json")
            .body(r#"{"points":10}"#);
        if let Some(value) = &authorization {
            spend = spend.header("Authorization", value);
        }
        let spent = api.send(&spend).await.unwrap();
        assert_eq!(
            (spent.status, spent.text()),
            (401, UNAUTHORIZED.to_owned()),
            "POST with {case}"
        );
        assert_get_cors_headers(&spent);
    }

    assert_eq!(
        api.balance(&service.token_for(&user)).await.unwrap(),
        Some(100)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_from_user_management_and_hs384_and_hs512_are_accepted() {
    let (service, api, user) = service_with_a_100_point_account("issuers").await;
    let secret = service.jwt_secret();
    let now = now_epoch_seconds();
    let user_management_claims =
        json!({"sub": user, "user_type": "STANDARD", "exp": now + 86_400, "iat": now});
    let accepted: Vec<(&str, String)> = vec![
        (
            "user management HS256",
            format!(
                "Bearer {}",
                sign(HmacAlgorithm::Hs256, secret, &user_management_claims)
            ),
        ),
        (
            "HS384",
            format!(
                "Bearer {}",
                sign(HmacAlgorithm::Hs384, secret, &user_management_claims)
            ),
        ),
        (
            "HS512",
            format!(
                "Bearer {}",
                sign(HmacAlgorithm::Hs512, secret, &user_management_claims)
            ),
        ),
        (
            "a lower-case bearer prefix",
            format!("bearer {}", service.token_for(&user)),
        ),
    ];

    for (case, authorization) in accepted {
        let response = api.get_loyalty(Some(&authorization)).await.unwrap();
        assert_eq!(
            (response.status, response.text()),
            (200, success_body(&user, 100)),
            "{case}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cors_preflight_is_answered_like_the_cdk_api() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr());
    let preflight = HttpRequest::new("OPTIONS", "/loyalty")
        .header("Origin", "http://localhost:3000")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        );

    let response = api.send(&preflight).await.unwrap();

    assert_eq!(response.status, 204, "{response:?}");
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("*"),
        "{response:?}"
    );
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some("*"),
        "{response:?}"
    );
    assert_eq!(
        response.header("access-control-allow-methods"),
        Some("GET,PUT,POST,DELETE"),
        "{response:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_events_calls_eventbridge_would_refuse_are_client_errors() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr());

    let without_entries = api.put_events_raw("{}").await.unwrap();
    let eleven = vec![PutEntry::user_created(&fresh_user_id("too-many")); 11];
    let too_many = api.put_events_raw(&put_events_body(&eleven)).await.unwrap();
    let unknown_operation = api
        .send(
            &HttpRequest::new("POST", "/")
                .header("X-Amz-Target", "AWSEvents.ListRules")
                .header("Content-Type", "application/x-amz-json-1.1")
                .body("{}"),
        )
        .await
        .unwrap();

    for (case, response, error_type) in [
        ("no Entries", &without_entries, "ValidationException"),
        ("11 entries", &too_many, "ValidationException"),
        (
            "another operation",
            &unknown_operation,
            "UnknownOperationException",
        ),
    ] {
        assert_eq!(response.status, 400, "{case}: {response:?}");
        let body: Value = response.json().unwrap();
        assert_eq!(body["__type"], json!(error_type), "{case}: {body}");
    }
    assert!(
        dead_letters(service.binary(), service.data_dir())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_id_in_the_spend_body_cannot_spend_from_another_account() {
    let (service, api, user) = service_with_a_100_point_account("thief").await;
    let victim = fresh_user_id("victim");
    api.publish(&[PutEntry::user_created(&victim)])
        .await
        .unwrap();
    service
        .with_logs(
            api.wait_for_balance(&service.token_for(&victim), 100, EVENT_DEADLINE)
                .await,
        )
        .unwrap();

    let body = format!(r#"{{"points":40,"userId":"{victim}"}}"#);
    let response = api
        .spend_raw(&service.token_for(&user), Some(&body), None)
        .await
        .unwrap();

    assert_eq!(
        (response.status, response.text()),
        (201, success_body(&user, 60))
    );
    assert_eq!(
        api.balance(&service.token_for(&victim)).await.unwrap(),
        Some(100)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_paths_and_methods_get_the_rest_api_default_answer() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr());
    let token = service.token_for(&fresh_user_id("wanderer"));

    for (method, path) in [
        ("GET", "/loyalty/extra"),
        ("GET", "/orders"),
        ("DELETE", "/loyalty"),
        ("PUT", "/loyalty"),
    ] {
        let request =
            HttpRequest::new(method, path).header("Authorization", &format!("Bearer {token}"));
        let response = api.send(&request).await.unwrap();
        assert_eq!(
            (response.status, response.text()),
            (
                403,
                r#"{"message":"Missing Authentication Token"}"#.to_owned()
            ),
            "{method} {path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spend_body_is_read_whatever_its_content_type_and_other_fields_are_ignored() {
    let (service, api, user) = service_with_a_100_point_account("lenient").await;
    let authorization = format!("Bearer {}", service.token_for(&user));
    let post = |content_type: Option<&str>, body: &str| {
        let mut request = HttpRequest::new("POST", "/loyalty")
            .header("Authorization", &authorization)
            .body(body);
        if let Some(value) = content_type {
            request = request.header("Content-Type", value);
        }
        request
    };

    // API Gateway hands the Lambda the body whatever the Content-Type; the frontend's clients vary.
    let cases = [
        (None, r#"{"points":10}"#, 90),
        (Some("text/plain"), r#"{"points":10}"#, 80),
        (
            Some("application/json; charset=utf-8"),
            r#"{"points":10}"#,
            70,
        ),
        (
            Some("application/json"),
            r#"{"points":10,"reason":"coffee","currency":"EUR"}"#,
            60,
        ),
    ];
    for (content_type, body, expected) in cases {
        let response = api.send(&post(content_type, body)).await.unwrap();
        assert_eq!(
            (response.status, response.text()),
            (201, success_body(&user, expected)),
            "Content-Type {content_type:?}, body {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_events_entries_as_the_aws_sdks_send_them_are_accepted() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr());
    let user = fresh_user_id("sdk-shaped");
    let detail = loyalty_tests::CloudEventBuilder::user_created(&user)
        .build()
        .to_string();
    // The SDKs serialize `Time` as epoch seconds and may send `Resources` and `TraceHeader`.
    let body = json!({"Entries": [{
        "Time": now_epoch_seconds(),
        "Source": "dev.users",
        "Resources": [],
        "DetailType": "users.userCreated.v1",
        "Detail": detail,
        "EventBusName": "LoyaltyService-bus-dev",
        "TraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    }]});

    let response = api.put_events_raw(&body.to_string()).await.unwrap();

    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.json().unwrap()["FailedEntryCount"], json!(0));
    service
        .with_logs(
            api.wait_for_balance(&service.token_for(&user), 100, EVENT_DEADLINE)
                .await,
        )
        .unwrap();
}
