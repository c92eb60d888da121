//! The API router exercised for real (tower `oneshot`) over a SQLite store in a temp dir.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use serde_json::json;
use tokio::sync::Notify;
use tower::ServiceExt;

use crate::embedded::{Database, SqliteAccountStore};
use loyalty_service::core::credit::CreditKey;
use loyalty_service::core::incoming::CreditCommand;
use loyalty_service::core::jwt::mint_hs256;
use loyalty_service::core::jwt::testing::{mint_with, sign_json};
use loyalty_service::http::*;
use loyalty_service::ports::{AccountStore, Clock, SystemClock};
use loyalty_service::use_cases::credit_points;

const SECRET: &str = "test-secret";

struct Api {
    _dir: tempfile::TempDir,
    db: Arc<Database>,
    store: SqliteAccountStore,
    router: Router,
}

async fn api_with_orders(user: &str, orders: usize) -> Api {
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(Database::open(&dir.path().join("loyalty.sqlite3")).unwrap());
    let store = SqliteAccountStore::new(db.clone(), Arc::new(Notify::new()));
    for i in 0..orders {
        let command = CreditCommand {
            user_id: user.into(),
            key: CreditKey::Order(format!("o{i}")),
        };
        credit_points(&store, &SystemClock, &command).await.unwrap();
    }
    let state = ApiState {
        store: store.clone(),
        clock: SystemClock,
        jwt_secret: JwtSecret::new(SECRET),
    };
    Api {
        _dir: dir,
        db,
        store,
        router: with_gateway_fallback(api_routes(state)),
    }
}

fn token(user: &str) -> String {
    mint_hs256(user, SECRET.as_bytes(), SystemClock.now_ms() / 1000, 3600).unwrap()
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn call(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = String::from_utf8(
        to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

fn get_with(token: Option<&str>) -> Request<Body> {
    let mut builder = Request::get("/loyalty");
    if let Some(token) = token {
        builder = builder.header("Authorization", format!("Bearer {token}"));
    }
    builder.body(Body::empty()).unwrap()
}

fn post_with(token: &str, body: &str, idempotency_key: Option<&str>) -> Request<Body> {
    let mut builder = Request::post("/loyalty")
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json");
    if let Some(key) = idempotency_key {
        builder = builder.header("Idempotency-Key", key);
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

fn outbox_rows(db: &Database) -> i64 {
    db.read(|c| c.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0)))
        .map_err(|e: rusqlite::Error| e)
        .unwrap()
}

#[tokio::test]
async fn get_returns_the_balance_in_the_compatible_envelope_with_get_cors_headers() {
    let api = api_with_orders("u1", 3).await;
    let answer = call(&api.router, get_with(Some(&token("u1")))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.body,
        r#"{"data":{"userId":"u1","currentPoints":150},"success":true,"message":[]}"#
    );
    assert_eq!(answer.headers["content-type"], "application/json");
    assert_eq!(answer.headers["access-control-allow-origin"], "*");
    assert_eq!(answer.headers["access-control-allow-headers"], "*");
    assert_eq!(answer.headers["access-control-allow-methods"], "*");
}

#[tokio::test]
async fn an_unknown_account_is_404_not_found_on_both_routes() {
    let api = api_with_orders("u1", 0).await;
    let get = call(&api.router, get_with(Some(&token("nobody")))).await;
    assert_eq!(
        (get.status, get.body.as_str()),
        (
            StatusCode::NOT_FOUND,
            r#"{"success":false,"message":["Not found"]}"#
        )
    );
    let post = call(
        &api.router,
        post_with(&token("nobody"), r#"{"points":1}"#, None),
    )
    .await;
    assert_eq!(
        (post.status, post.body.as_str()),
        (
            StatusCode::NOT_FOUND,
            r#"{"success":false,"message":["Not found"]}"#
        )
    );
}

#[tokio::test]
async fn a_spend_answers_201_with_the_new_balance_and_post_cors_headers() {
    let api = api_with_orders("u1", 2).await;
    let answer = call(
        &api.router,
        post_with(&token("u1"), r#"{"points":30,"userId":"mallory"}"#, None),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(
        answer.body,
        r#"{"data":{"userId":"u1","currentPoints":70},"success":true,"message":[]}"#
    );
    assert_eq!(
        answer.headers["access-control-allow-headers"],
        "Content-Type"
    );
    assert_eq!(
        answer.headers["access-control-allow-methods"],
        "POST,GET,PUT,DELETE"
    );
    assert_eq!(api.store.load_account("mallory").await.unwrap(), None);
}

#[tokio::test]
async fn spending_more_than_the_balance_is_400_with_the_current_balance_and_no_write() {
    let api = api_with_orders("u1", 1).await;
    let before = outbox_rows(&api.db);
    let answer = call(
        &api.router,
        post_with(&token("u1"), r#"{"points":51}"#, None),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.body,
        r#"{"data":{"userId":"u1","currentPoints":50},"success":false,"message":["You don't have enough points"]}"#
    );
    assert_eq!(outbox_rows(&api.db), before);
}

#[tokio::test]
async fn f1_every_invalid_spend_body_is_400_naming_the_problem_without_a_write() {
    let api = api_with_orders("u1", 2).await;
    let before = outbox_rows(&api.db);
    let cases = [
        (
            "",
            "Request body is missing: send {\\\"points\\\": <integer>}",
        ),
        ("{\"points\":", "Request body is not valid JSON"),
        ("null", "Request body must be a JSON object"),
        ("{}", "points is required"),
        (r#"{"points":"10"}"#, "points must be an integer"),
        (r#"{"points":10.5}"#, "points must be an integer"),
        (r#"{"points":true}"#, "points must be an integer"),
        (r#"{"points":0}"#, "points must be between 1 and 1000000000"),
        (
            r#"{"points":-50}"#,
            "points must be between 1 and 1000000000",
        ),
        (
            r#"{"points":1000000001}"#,
            "points must be between 1 and 1000000000",
        ),
    ];
    for (body, message) in cases {
        let answer = call(&api.router, post_with(&token("u1"), body, None)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "body {body:?}");
        assert_eq!(
            answer.body,
            format!(r#"{{"success":false,"message":["{message}"]}}"#),
            "body {body:?}"
        );
    }
    assert_eq!(outbox_rows(&api.db), before);
    assert_eq!(
        api.store.load_account("u1").await.unwrap().unwrap().points,
        100
    );
}

#[tokio::test]
async fn f2_every_unacceptable_token_is_401_with_the_unauthorized_envelope() {
    let api = api_with_orders("u1", 1).await;
    let now = SystemClock.now_ms() / 1000;
    let secret = SECRET.as_bytes();
    let tokens = [
        mint_with("HS256", &json!({"sub": "u1"}), secret),
        mint_with("HS256", &json!({"exp": now + 60}), secret),
        mint_with("HS256", &json!({"sub": "", "exp": now + 60}), secret),
        mint_with("HS256", &json!({"sub": 7, "exp": now + 60}), secret),
        mint_with("HS256", &json!({"sub": "u1", "exp": now - 1}), secret),
        mint_with("RS256", &json!({"sub": "u1", "exp": now + 60}), secret),
        mint_with(
            "HS256",
            &json!({"sub": "u1", "exp": now + 60}),
            b"another secret",
        ),
        "opaque-oauth-token".to_owned(),
    ];
    for token in &tokens {
        for request in [
            get_with(Some(token)),
            post_with(token, r#"{"points":1}"#, None),
        ] {
            let answer = call(&api.router, request).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "token {token}");
            assert_eq!(
                answer.body,
                r#"{"success":false,"message":["Unauthorized"]}"#
            );
            assert_eq!(answer.headers["content-type"], "application/json");
        }
    }
    let missing = call(&api.router, get_with(None)).await;
    assert_eq!(
        (missing.status, missing.body.as_str()),
        (
            StatusCode::UNAUTHORIZED,
            r#"{"success":false,"message":["Unauthorized"]}"#
        )
    );
    for alg in ["HS384", "HS512"] {
        let token = mint_with(
            alg,
            &json!({"sub": "u1", "exp": now + 60, "iat": now}),
            secret,
        );
        assert_eq!(
            call(&api.router, get_with(Some(&token))).await.status,
            StatusCode::OK,
            "{alg}"
        );
    }
}

const UNAUTHORIZED: &str = r#"{"success":false,"message":["Unauthorized"]}"#;

fn get_with_authorization(value: &str) -> Request<Body> {
    Request::get("/loyalty")
        .header("Authorization", value)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn f2_a_bare_token_without_the_bearer_scheme_is_401_and_any_case_or_a_tab_is_accepted() {
    let api = api_with_orders("u1", 1).await;
    let token = token("u1");
    let bare_get = call(&api.router, get_with_authorization(&token)).await;
    assert_eq!(
        (bare_get.status, bare_get.body.as_str()),
        (StatusCode::UNAUTHORIZED, UNAUTHORIZED)
    );
    assert_eq!(bare_get.headers["access-control-allow-headers"], "*");
    let bare_post = Request::post("/loyalty")
        .header("Authorization", token.as_str())
        .body(Body::from(r#"{"points":1}"#))
        .unwrap();
    let bare_post = call(&api.router, bare_post).await;
    assert_eq!(
        (bare_post.status, bare_post.body.as_str()),
        (StatusCode::UNAUTHORIZED, UNAUTHORIZED)
    );
    for refused in [
        format!("Bearer{token}"),
        format!("Basic {token}"),
        "Bearer".to_owned(),
    ] {
        let answer = call(&api.router, get_with_authorization(&refused)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{refused}");
    }
    for accepted in [
        format!("bearer {token}"),
        format!("BEARER\t{token}"),
        format!("Bearer \t {token}"),
    ] {
        let answer = call(&api.router, get_with_authorization(&accepted)).await;
        assert_eq!(answer.status, StatusCode::OK, "{accepted}");
    }
    assert_eq!(
        api.store.load_account("u1").await.unwrap().unwrap().points,
        50
    );
}

#[tokio::test]
async fn f2_tokens_that_are_not_strictly_encoded_or_live_too_long_are_401() {
    let api = api_with_orders("u1", 1).await;
    let now = SystemClock.now_ms() / 1000;
    let secret = SECRET.as_bytes();
    let header = r#"{"alg":"HS256","typ":"JWT"}"#;
    let claims = format!(r#"{{"sub":"u1","exp":{}}}"#, now + 60);
    let valid = sign_json(header, &claims, secret);
    assert_eq!(
        call(&api.router, get_with(Some(&valid))).await.status,
        StatusCode::OK
    );
    let thirty_one_days = now + 31 * 86_400;
    let tokens = [
        // Padding on the signature.
        format!("{valid}="),
        sign_json(r#"{"alg":"HS256","alg":"HS256"}"#, &claims, secret),
        sign_json(
            header,
            &format!(r#"{{"sub":"u1","sub":"u2","exp":{}}}"#, now + 60),
            secret,
        ),
        sign_json(
            header,
            &format!(r#"{{"sub":"u1","exp":{},"p":{{"a":1,"a":2}}}}"#, now + 60),
            secret,
        ),
        sign_json(
            r#"{"alg":"HS256","crit":["b64"],"b64":true}"#,
            &claims,
            secret,
        ),
        sign_json(
            header,
            &format!(r#"{{"sub":"u1","exp":{thirty_one_days}}}"#),
            secret,
        ),
        sign_json(header, r#"{"sub":"u1","exp":1e20}"#, secret),
        sign_json(
            header,
            &format!(r#"{{"sub":"u1","exp":{}}}"#, i64::MAX),
            secret,
        ),
        sign_json(header, r#"{"sub":"u1","exp":1e300}"#, secret),
    ];
    for token in &tokens {
        for request in [
            get_with(Some(token)),
            post_with(token, r#"{"points":1}"#, None),
        ] {
            let answer = call(&api.router, request).await;
            assert_eq!(
                (answer.status, answer.body.as_str()),
                (StatusCode::UNAUTHORIZED, UNAUTHORIZED),
                "token {token}"
            );
        }
    }
    // The limit is the one the state carries.
    let forty_days = ApiState {
        store: api.store.clone(),
        clock: SystemClock,
        jwt_secret: JwtSecret::new(SECRET).with_max_lifetime(Duration::from_secs(40 * 86_400)),
    };
    let router = with_gateway_fallback(api_routes(forty_days));
    let long_lived = sign_json(
        header,
        &format!(r#"{{"sub":"u1","exp":{thirty_one_days}}}"#),
        secret,
    );
    assert_eq!(
        call(&router, get_with(Some(&long_lived))).await.status,
        StatusCode::OK
    );
    assert_eq!(
        api.store.load_account("u1").await.unwrap().unwrap().points,
        50
    );
}

#[tokio::test]
async fn f1_a_spend_body_with_a_duplicate_key_is_400_naming_it_without_a_write() {
    let api = api_with_orders("u1", 2).await;
    let before = outbox_rows(&api.db);
    let cases = [
        (r#"{"points":1,"points":2}"#, "points"),
        (r#"{"points":30,"points":30}"#, "points"),
        (r#"{"points":30,"meta":{"note":"a","note":"b"}}"#, "note"),
        (r#"{"points":30,"items":[{"id":1},{"id":2,"id":3}]}"#, "id"),
    ];
    for (body, key) in cases {
        let answer = call(&api.router, post_with(&token("u1"), body, None)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "body {body}");
        assert_eq!(
            answer.body,
            format!(r#"{{"success":false,"message":["Request body has a duplicate key: {key}"]}}"#),
            "body {body}"
        );
        assert_eq!(
            answer.headers["access-control-allow-headers"],
            "Content-Type"
        );
    }
    assert_eq!(outbox_rows(&api.db), before);
    assert_eq!(
        api.store.load_account("u1").await.unwrap().unwrap().points,
        100
    );
    // The same key in different objects is fine.
    let answer = call(
        &api.router,
        post_with(&token("u1"), r#"{"points":30,"meta":{"points":1}}"#, None),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(
        api.store.load_account("u1").await.unwrap().unwrap().points,
        70
    );
}

#[tokio::test]
async fn f3_a_backend_failure_is_500_unknown_error_on_both_routes() {
    let api = api_with_orders("u1", 1).await;
    api.db
        .write(|tx| tx.execute_batch("DROP TABLE accounts"))
        .unwrap();
    let get = call(&api.router, get_with(Some(&token("u1")))).await;
    assert_eq!(
        (get.status, get.body.as_str()),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"success":false,"message":["Unknown error"]}"#
        )
    );
    let post = call(
        &api.router,
        post_with(&token("u1"), r#"{"points":1}"#, None),
    )
    .await;
    assert_eq!(
        (post.status, post.body.as_str()),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"success":false,"message":["Unknown error"]}"#
        )
    );
}

#[tokio::test]
async fn f4_a_repeated_idempotency_key_returns_the_first_response_and_spends_once() {
    let api = api_with_orders("u1", 2).await;
    let first = call(
        &api.router,
        post_with(&token("u1"), r#"{"points":30}"#, Some("spend-1")),
    )
    .await;
    let again = call(
        &api.router,
        post_with(&token("u1"), r#"{"points":30}"#, Some("spend-1")),
    )
    .await;
    assert_eq!(
        (first.status, again.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_eq!(first.body, again.body);
    assert_eq!(again.headers["idempotency-replayed"], "true");
    assert!(first.headers.get("idempotency-replayed").is_none());
    assert_eq!(
        api.store.load_account("u1").await.unwrap().unwrap().points,
        70
    );

    let other_amount = call(
        &api.router,
        post_with(&token("u1"), r#"{"points":10}"#, Some("spend-1")),
    )
    .await;
    assert_eq!(other_amount.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        other_amount.body,
        r#"{"success":false,"message":["Idempotency-Key was already used for a different request"]}"#
    );
    let too_long = "k".repeat(256);
    let invalid = call(
        &api.router,
        post_with(&token("u1"), r#"{"points":1}"#, Some(&too_long)),
    )
    .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        api.store.load_account("u1").await.unwrap().unwrap().points,
        70
    );
}

#[tokio::test]
async fn other_routes_answer_like_api_gateway_and_preflight_is_204() {
    let api = api_with_orders("u1", 0).await;
    let unknown = call(
        &api.router,
        Request::get("/other").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.body.as_str()),
        (
            StatusCode::FORBIDDEN,
            r#"{"message":"Missing Authentication Token"}"#
        )
    );
    let put = call(
        &api.router,
        Request::put("/loyalty").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(put.status, StatusCode::FORBIDDEN);
    let preflight = call(
        &api.router,
        Request::options("/loyalty").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert_eq!(
        preflight.headers["access-control-allow-methods"],
        "GET,PUT,POST,DELETE"
    );
}
