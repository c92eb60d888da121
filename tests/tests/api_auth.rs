//! The token policy of `GET`/`POST /loyalty` (behaviour keep-jwt, F2): every unacceptable token is a 401 envelope
//! on both routes and spends nothing; HS256/384/512 and user-management claims are accepted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use loyalty_tests::contract::{
    UNAUTHORIZED, assert_get_cors_headers, service_with_a_100_point_account, success_body,
};
use loyalty_tests::jwt::{Algorithm, now_epoch_seconds, sign, unsigned, with_claims, with_header};
use reqwest::Method;
use serde_json::{Value, json};

/// Every way a token can be unacceptable under behaviour F2, each with the header value it is sent with, and the valid token
/// the tampered ones are derived from.
///
/// The tokens with well-formed claims are signed with the service's secret, so only the claim under test is wrong.
fn rejected_authorizations(
    secret: &str,
    user: &str,
) -> (String, Vec<(&'static str, Option<String>)>) {
    let now = now_epoch_seconds();
    let bearer = |token: String| Some(format!("Bearer {token}"));
    let signed = |claims: Value| sign(Algorithm::HS256, secret, &claims).unwrap();
    let valid_claims = json!({"sub": user, "iat": now, "exp": now + 3600});
    let valid = signed(valid_claims.clone());
    let rejected = vec![
        ("no Authorization header", None),
        ("an empty bearer token", Some("Bearer ".to_owned())),
        ("a token that is not a JWT", bearer("not-a-jwt".to_owned())),
        ("a Basic credential", Some("Basic dXNlcjpwYXNz".to_owned())),
        (
            "a token without exp",
            bearer(signed(json!({"sub": user, "iat": now}))),
        ),
        (
            "an expired token",
            bearer(signed(
                json!({"sub": user, "iat": now - 7200, "exp": now - 60}),
            )),
        ),
        (
            "a token without sub",
            bearer(signed(json!({"iat": now, "exp": now + 3600}))),
        ),
        (
            "a token with an empty sub",
            bearer(signed(json!({"sub": "", "iat": now, "exp": now + 3600}))),
        ),
        (
            "a token with a numeric sub",
            bearer(signed(json!({"sub": 42, "iat": now, "exp": now + 3600}))),
        ),
        (
            "a token signed with another secret",
            bearer(sign(Algorithm::HS256, "another secret", &valid_claims).unwrap()),
        ),
        (
            "a token that is not valid yet (nbf in an hour)",
            bearer(signed(
                json!({"sub": user, "iat": now, "nbf": now + 3600, "exp": now + 7200}),
            )),
        ),
        (
            "an unsigned token (alg none)",
            bearer(unsigned(&valid).unwrap()),
        ),
        (
            "a token whose header names another algorithm (RS256)",
            bearer(with_header(&valid, &json!({"alg": "RS256", "typ": "JWT"})).unwrap()),
        ),
        (
            "a token whose claims were changed after signing",
            bearer(
                with_claims(
                    &valid,
                    &json!({"sub": "someone-else", "iat": now, "exp": now + 3600}),
                )
                .unwrap(),
            ),
        ),
        (
            "a bare token without the Bearer scheme",
            Some(valid.clone()),
        ),
        (
            "a token expiring in 31 days (beyond the 30-day maximum lifetime)",
            bearer(signed(
                json!({"sub": user, "iat": now, "exp": now + 31 * 86_400}),
            )),
        ),
        (
            "a token whose signature carries base64 padding",
            bearer(format!("{valid}=")),
        ),
    ];
    (valid, rejected)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_unacceptable_token_is_401_unauthorized_on_both_routes_and_spends_nothing() {
    let (service, api, user) = service_with_a_100_point_account("guarded").await.unwrap();

    let (valid, rejected) = rejected_authorizations(service.jwt_secret(), &user);
    for (case, authorization) in rejected {
        let read = api.get_loyalty(authorization.as_deref()).await.unwrap();
        assert_eq!(
            (read.status, read.text()),
            (401, UNAUTHORIZED.to_owned()),
            "GET with {case}"
        );
        assert_get_cors_headers(&read);

        let mut spend = api
            .request(Method::POST, "/loyalty")
            .header("Content-Type", "application/json")
            .body(r#"{"points":10}"#);
        if let Some(value) = &authorization {
            spend = spend.header("Authorization", value);
        }
        let spent = api.send(spend).await.unwrap();
        assert_eq!(
            (spent.status, spent.text()),
            (401, UNAUTHORIZED.to_owned()),
            "POST with {case}"
        );
        assert_get_cors_headers(&spent);
    }

    // The token the tampered ones come from is accepted: each rejection is the tampering's doing.
    let original = api
        .get_loyalty(Some(&format!("Bearer {valid}")))
        .await
        .unwrap();
    assert_eq!(
        (original.status, original.text()),
        (200, success_body(&user, 100))
    );

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
                sign(Algorithm::HS256, secret, &user_management_claims).unwrap()
            ),
        ),
        (
            "HS384",
            format!(
                "Bearer {}",
                sign(Algorithm::HS384, secret, &user_management_claims).unwrap()
            ),
        ),
        (
            "HS512",
            format!(
                "Bearer {}",
                sign(Algorithm::HS512, secret, &user_management_claims).unwrap()
            ),
        ),
        (
            "a lower-case bearer prefix",
            format!("bearer {}", service.token_for(&user)),
        ),
        (
            "a tab after the scheme",
            format!("Bearer\t{}", service.token_for(&user)),
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
