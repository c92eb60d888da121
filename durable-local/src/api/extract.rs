//! What handlers read from a request besides the body: path parameters and the query string,
//! percent-decoded.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::error::ServiceError;

pub(super) fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}
/// Path parameters, percent-decoded; a path that cannot be decoded is a modeled error.
pub(crate) struct Params<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(params)) => Ok(Self(params)),
            Err(rejection) => Err(ApiError(ServiceError::InvalidParameterValue(
                rejection.body_text(),
            ))),
        }
    }
}

/// The query string's parameters, percent-decoded, in order (a name may repeat).
pub(super) struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub(super) fn parse(query: Option<&str>) -> Self {
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

    pub(super) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn param(&self, name: &str) -> Option<String> {
        self.all(name).next().map(str::to_owned)
    }

    pub(super) fn flag(&self, name: &str) -> bool {
        self.all(name)
            .next()
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    pub(super) fn max_items(&self) -> Result<Option<usize>, ServiceError> {
        self.param("MaxItems")
            .map(|m| {
                m.parse::<usize>().map_err(|_| {
                    ServiceError::InvalidParameterValue(format!("Invalid MaxItems '{m}'"))
                })
            })
            .transpose()
    }

    pub(super) fn timestamp_ms(&self, name: &str) -> Result<Option<i64>, ServiceError> {
        self.param(name)
            .map(|t| {
                t.parse::<f64>().map(|s| (s * 1000.0) as i64).map_err(|_| {
                    ServiceError::InvalidParameterValue(format!("Invalid {name} '{t}'"))
                })
            })
            .transpose()
    }
}
