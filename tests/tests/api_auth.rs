//! The token policy of `GET`/`POST /loyalty` (behaviour keep-jwt, F2): every unacceptable token is a 401 envelope
//! on both routes and spends nothing; HS256/384/512 and user-management claims are accepted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_tests::contract::{
    UNAUTHORIZED, assert_get_cors_headers, service_with_a_100_point_account, success_body,
};
use loyalty_tests::http::HttpRequest;
use loyalty_tests::jwt::{HmacAlgorithm, now_epoch_seconds, sign, unsigned};
use serde_json::json;

/// Every way a token can be unacceptable under behaviour F2, each with the header value it is sent with.
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
    let (service, api, user) = service_with_a_100_point_account("guarded").await.unwrap();

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
    let (service, api, user) = service_with_a_100_point_account("issuers").await.unwrap();
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
