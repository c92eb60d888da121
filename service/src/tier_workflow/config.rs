//! Whether the tier workflow runs, from the three endpoint settings (named as in behaviour keep-config).

/// The orchestrator's function name (the original's `ORCHESTRATOR_FUNCTION_NAME` points at it).
pub const ORCHESTRATOR_FUNCTION: &str = "LoyaltyService-TierUpgradeOrchestrator";
/// The order-history activity's function name (`FETCH_ORDER_HISTORY_ACTIVITY_ARN`).
pub const FETCH_ORDER_HISTORY_FUNCTION: &str = "LoyaltyService-FetchOrderHistoryActivity";

/// The orchestrator's execution timeout (the original's CDK `executionTimeout`, 15 minutes): the tier workflow's
/// `timeout:`, which `make infra-check` compares with every deployment's. The spec always gives one (a test below
/// checks it); the fallback only keeps this a constant.
pub const EXECUTION_TIMEOUT: std::time::Duration =
    match super::orchestrator::tier_upgrade::EXECUTION_TIMEOUT {
        Some(timeout) => timeout,
        None => std::time::Duration::from_secs(15 * 60),
    };

/// Where the external services are (behaviour keep-config: the values of the `*_ENDPOINT_PARAM` parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEndpoints {
    /// The Product Service base URL.
    pub product_service: String,
    /// The Product Search service base URL.
    pub product_search: String,
    /// The Order Service base URL.
    pub order_service: String,
}

/// The settings, by their original names, that enable the workflow.
pub const ENDPOINT_SETTINGS: [&str; 3] = [
    "PRODUCT_SERVICE_ENDPOINT_PARAM",
    "PRODUCT_SEARCH_ENDPOINT_PARAM",
    "ORDER_SERVICE_ENDPOINT_PARAM",
];

/// A configuration that cannot run (behaviour F13: a missing endpoint is a start-up error, not a silent empty result).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TierConfigError {
    /// Some endpoints are set, others are not.
    #[error(
        "the tier workflow needs all three endpoints; {missing} not set (set all of {all}, or none to turn it off)"
    )]
    Incomplete {
        /// The unset settings.
        missing: String,
        /// Every setting.
        all: String,
    },
    /// An endpoint that is not an http(s) URL.
    #[error("{setting} must be an http:// or https:// URL, got `{value}`")]
    NotAUrl {
        /// The setting.
        setting: &'static str,
        /// Its value.
        value: String,
    },
}

/// `Ok(None)` when no endpoint is set (the workflow is off), the endpoints when all are valid URLs.
pub fn endpoints_from_settings(
    product_service: Option<&str>,
    product_search: Option<&str>,
    order_service: Option<&str>,
) -> Result<Option<ServiceEndpoints>, TierConfigError> {
    let values = [product_service, product_search, order_service]
        .map(|v| v.map(str::trim).filter(|v| !v.is_empty()));
    if values.iter().all(Option::is_none) {
        return Ok(None);
    }
    let missing: Vec<&str> = ENDPOINT_SETTINGS
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(TierConfigError::Incomplete {
            missing: missing.join(", "),
            all: ENDPOINT_SETTINGS.join(", "),
        });
    }
    let mut urls = Vec::with_capacity(3);
    for (setting, value) in ENDPOINT_SETTINGS.iter().zip(values.into_iter().flatten()) {
        if reqwest::Url::parse(value).map_or(true, |u| !matches!(u.scheme(), "http" | "https")) {
            return Err(TierConfigError::NotAUrl {
                setting,
                value: value.to_owned(),
            });
        }
        urls.push(value.to_owned());
    }
    let [product_service, product_search, order_service]: [String; 3] =
        urls.try_into().map_err(|_| TierConfigError::Incomplete {
            missing: String::new(),
            all: ENDPOINT_SETTINGS.join(", "),
        })?;
    Ok(Some(ServiceEndpoints {
        product_service,
        product_search,
        order_service,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_execution_timeout_is_the_spec_s_fifteen_minutes() {
        assert_eq!(
            super::super::orchestrator::tier_upgrade::EXECUTION_TIMEOUT,
            Some(std::time::Duration::from_secs(900))
        );
        assert_eq!(EXECUTION_TIMEOUT.as_secs(), 900);
    }

    #[test]
    fn no_endpoint_turns_the_workflow_off_and_all_three_turn_it_on() {
        assert_eq!(endpoints_from_settings(None, Some(" "), None), Ok(None));
        let on = endpoints_from_settings(
            Some("http://127.0.0.1:1"),
            Some("https://search"),
            Some("http://o/api"),
        );
        assert_eq!(
            on,
            Ok(Some(ServiceEndpoints {
                product_service: "http://127.0.0.1:1".into(),
                product_search: "https://search".into(),
                order_service: "http://o/api".into(),
            }))
        );
    }

    #[test]
    fn a_partial_or_invalid_configuration_is_an_error_naming_the_setting() {
        assert_eq!(
            endpoints_from_settings(Some("http://p"), None, None)
                .unwrap_err()
                .to_string(),
            "the tier workflow needs all three endpoints; PRODUCT_SEARCH_ENDPOINT_PARAM, ORDER_SERVICE_ENDPOINT_PARAM \
             not set (set all of PRODUCT_SERVICE_ENDPOINT_PARAM, PRODUCT_SEARCH_ENDPOINT_PARAM, \
             ORDER_SERVICE_ENDPOINT_PARAM, or none to turn it off)"
        );
        assert_eq!(
            endpoints_from_settings(Some("http://p"), Some("ftp://s"), Some("http://o"))
                .unwrap_err(),
            TierConfigError::NotAUrl {
                setting: "PRODUCT_SEARCH_ENDPOINT_PARAM",
                value: "ftp://s".into()
            }
        );
    }
}
