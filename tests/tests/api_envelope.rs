//! The HTTP contract of `GET`/`POST /loyalty`: envelope, statuses, CORS headers (behaviour keep-api, keep-envelope,
//! keep-cors), spend validation (behaviour F1), not found is 404 on both routes (behaviour F3), the preflight and the
//! REST API's default answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_tests::cli::bus_archive;
use loyalty_tests::contract::{
    NOT_FOUND, assert_cors_allows, assert_get_cors_headers, assert_post_cors_headers,
    insufficient_body, service_with_a_100_point_account, success_body,
};
use loyalty_tests::{LoyaltyApi, RunningService, fresh_user_id, welcome_and_wait};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_balance_answers_200_with_the_envelope_and_cors_headers() {
    let (service, api, user) = service_with_a_100_point_account("reader").await.unwrap();

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
    let api = LoyaltyApi::new(service.addr()).unwrap();
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
    let (service, api, user) = service_with_a_100_point_account("spender").await.unwrap();
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
    let (service, api, user) = service_with_a_100_point_account("overspender")
        .await
        .unwrap();
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
    let (service, api, user) = service_with_a_100_point_account("validator").await.unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cors_preflight_is_answered_like_the_cdk_api() {
    let service = RunningService::start().await.unwrap();
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let preflight = api
        .request(Method::OPTIONS, "/loyalty")
        .header("Origin", "http://localhost:3000")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        );

    let response = api.send(preflight).await.unwrap();

    assert_eq!(response.status, 204, "{response:?}");
    assert_cors_allows(&response, "*", "GET,PUT,POST,DELETE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_id_in_the_spend_body_cannot_spend_from_another_account() {
    let (service, api, user) = service_with_a_100_point_account("thief").await.unwrap();
    let victim = fresh_user_id("victim");
    welcome_and_wait(&service, &api, &victim).await.unwrap();

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
    let api = LoyaltyApi::new(service.addr()).unwrap();
    let token = service.token_for(&fresh_user_id("wanderer"));

    for (method, path) in [
        (Method::GET, "/loyalty/extra"),
        (Method::GET, "/orders"),
        (Method::DELETE, "/loyalty"),
        (Method::PUT, "/loyalty"),
    ] {
        let request = api
            .request(method.clone(), path)
            .header("Authorization", format!("Bearer {token}"));
        let response = api.send(request).await.unwrap();
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
    let (service, api, user) = service_with_a_100_point_account("lenient").await.unwrap();
    let authorization = format!("Bearer {}", service.token_for(&user));
    let post = |content_type: Option<&str>, body: &str| {
        let mut request = api
            .request(Method::POST, "/loyalty")
            .header("Authorization", &authorization)
            .body(body.to_owned());
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
        let response = api.send(post(content_type, body)).await.unwrap();
        assert_eq!(
            (response.status, response.text()),
            (201, success_body(&user, expected)),
            "Content-Type {content_type:?}, body {body}"
        );
    }
}
