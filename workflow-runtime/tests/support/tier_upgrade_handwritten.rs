//! The orchestrator `workflow!` should generate for the tier spec, written by hand first.

pub mod tier_upgrade {
    //! Upgrade a member's tier when their points cross a threshold.

    /// The hash of the spec this module was generated from.
    pub const SPEC_HASH: &str = "handwritten-v1";

    /// The error kinds declared in the spec.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ErrorKind {
        /// storage or network failure worth retrying
        Transient,
        /// another execution saved a newer tier first
        VersionConflict,
    }

    impl ::workflow_runtime::__private::DeclaredErrorKind for ErrorKind {
        fn name(self) -> &'static str {
            match self {
                Self::Transient => "Transient",
                Self::VersionConflict => "VersionConflict",
            }
        }
    }

    /// The error an activity returns.
    pub type Error = ::workflow_runtime::__private::ActivityError<ErrorKind>;

    /// One method per task and per callback submitter of the spec.
    pub trait Activities: ::core::marker::Send + ::core::marker::Sync + 'static {
        /// Step `read-account`.
        fn read_account(
            &self,
            input: &crate::tier::UpgradeRequest,
        ) -> impl ::core::future::Future<
            Output = ::core::result::Result<crate::tier::TierAccount, Error>,
        > + ::core::marker::Send;
        /// Step `evaluate-tier`.
        fn evaluate_tier(
            &self,
            input: &crate::tier::UpgradeRequest,
            read_account: &crate::tier::TierAccount,
        ) -> impl ::core::future::Future<
            Output = ::core::result::Result<crate::tier::TierChange, Error>,
        > + ::core::marker::Send;
        /// Branch `list-products` of step `gather-context`.
        fn list_products(
            &self,
        ) -> impl ::core::future::Future<
            Output = ::core::result::Result<crate::tier::Products, Error>,
        > + ::core::marker::Send;
        /// Branch `search-recommendations` of step `gather-context`.
        fn search_recommendations(
            &self,
            evaluate_tier: &crate::tier::TierChange,
        ) -> impl ::core::future::Future<
            Output = ::core::result::Result<crate::tier::Recommendations, Error>,
        > + ::core::marker::Send;
        /// Step `upgrade-tier`.
        fn upgrade_tier(
            &self,
            input: &crate::tier::UpgradeRequest,
            read_account: &crate::tier::TierAccount,
            evaluate_tier: &crate::tier::TierChange,
        ) -> impl ::core::future::Future<
            Output = ::core::result::Result<crate::tier::SavedTier, Error>,
        > + ::core::marker::Send;
        /// Submitter of callback step `await-notification-ack`: hands `callback_id` to whoever completes it.
        fn publish_tier_upgraded(
            &self,
            callback_id: &str,
            input: &crate::tier::UpgradeRequest,
            evaluate_tier: &crate::tier::TierChange,
            gather_context: &(crate::tier::Products, crate::tier::Recommendations),
        ) -> impl ::core::future::Future<Output = ::core::result::Result<(), Error>> + ::core::marker::Send;
        /// Step `record-completion`.
        fn record_completion(
            &self,
            input: &crate::tier::UpgradeRequest,
        ) -> impl ::core::future::Future<Output = ::core::result::Result<(), Error>> + ::core::marker::Send;
    }

    /// The functions the `invoke` steps call.
    #[derive(Debug, Clone)]
    pub struct Functions {
        /// Step `fetch-order-history` (environment variable `FETCH_ORDER_HISTORY_ACTIVITY_ARN`).
        pub fetch_order_history: ::workflow_runtime::__private::FunctionTarget,
    }

    impl Functions {
        /// Reads every function name from its configured source.
        pub fn from_env()
        -> ::core::result::Result<Self, ::workflow_runtime::__private::MissingFunctionConfig>
        {
            ::core::result::Result::Ok(Self {
                fetch_order_history: ::workflow_runtime::__private::FunctionTarget::from_env(
                    "fetch-order-history",
                    "FETCH_ORDER_HISTORY_ACTIVITY_ARN",
                )?,
            })
        }
    }

    /// The durable handler for `aws_durable_execution_sdk::run` / `wrap` / `LocalRunner::run`.
    pub fn handler<A: Activities>(
        activities: A,
        functions: Functions,
    ) -> impl Fn(
        crate::tier::UpgradeRequest,
        ::workflow_runtime::__private::DurableContext,
    ) -> ::workflow_runtime::__private::HandlerFuture<crate::tier::UpgradeOutcome>
    + ::core::marker::Send
    + ::core::marker::Sync
    + 'static {
        let activities = ::workflow_runtime::__private::Arc::new(activities);
        let functions = ::workflow_runtime::__private::Arc::new(functions);
        move |input, ctx| {
            ::std::boxed::Box::pin(orchestrate(
                ::workflow_runtime::__private::Arc::clone(&activities),
                ::workflow_runtime::__private::Arc::clone(&functions),
                input,
                ctx,
            ))
        }
    }

    /// Runs the workflow once (one invocation: replays what is recorded, runs what is next).
    pub async fn orchestrate<A: Activities>(
        activities: ::workflow_runtime::__private::Arc<A>,
        functions: ::workflow_runtime::__private::Arc<Functions>,
        input: crate::tier::UpgradeRequest,
        ctx: ::workflow_runtime::__private::DurableContext,
    ) -> ::core::result::Result<crate::tier::UpgradeOutcome, ::workflow_runtime::__private::BoxError>
    {
        ::workflow_runtime::__private::check_spec_hash(&ctx, SPEC_HASH).await?;
        let input = ::workflow_runtime::__private::Arc::new(input);
        // read-account
        let read_account = {
            let activities = ::workflow_runtime::__private::Arc::clone(&activities);
            let input = ::workflow_runtime::__private::Arc::clone(&input);
            match ctx
                .step(move |_| async move {
                    activities
                        .read_account(&input)
                        .await
                        .map_err(::workflow_runtime::__private::into_step_error)
                })
                .name("read-account")
                .retry_strategy(RETRY_DEFAULT.strategy())
                .await
            {
                ::core::result::Result::Ok(value) => ::workflow_runtime::__private::Arc::new(value),
                ::core::result::Result::Err(error) => {
                    return ::core::result::Result::Err(::workflow_runtime::__private::uncaught(
                        error,
                    ));
                }
            }
        };
        // evaluate-tier
        let evaluate_tier = {
            let activities = ::workflow_runtime::__private::Arc::clone(&activities);
            let input = ::workflow_runtime::__private::Arc::clone(&input);
            let read_account = ::workflow_runtime::__private::Arc::clone(&read_account);
            match ctx
                .step(move |_| async move {
                    activities
                        .evaluate_tier(&input, &read_account)
                        .await
                        .map_err(::workflow_runtime::__private::into_step_error)
                })
                .name("evaluate-tier")
                .retry_strategy(RETRY_DEFAULT.strategy())
                .await
            {
                ::core::result::Result::Ok(value) => ::workflow_runtime::__private::Arc::new(value),
                ::core::result::Result::Err(error) => {
                    return ::core::result::Result::Err(::workflow_runtime::__private::uncaught(
                        error,
                    ));
                }
            }
        };
        if !evaluate_tier.has_changed {
            return ::core::result::Result::Ok(crate::tier::UpgradeOutcome::NoChange);
        }
        // gather-context: each branch is a step of its own, started together and joined.
        let gather_context = {
            let list_products = {
                let activities = ::workflow_runtime::__private::Arc::clone(&activities);
                ctx.step(move |_| async move {
                    activities
                        .list_products()
                        .await
                        .map_err(::workflow_runtime::__private::into_step_error)
                })
                .name("list-products")
                .retry_strategy(RETRY_DEFAULT.strategy())
                .spawn()
            };
            let search_recommendations = {
                let activities = ::workflow_runtime::__private::Arc::clone(&activities);
                let evaluate_tier = ::workflow_runtime::__private::Arc::clone(&evaluate_tier);
                ctx.step(move |_| async move {
                    activities
                        .search_recommendations(&evaluate_tier)
                        .await
                        .map_err(::workflow_runtime::__private::into_step_error)
                })
                .name("search-recommendations")
                .retry_strategy(RETRY_DEFAULT.strategy())
                .spawn()
            };
            match (list_products.await, search_recommendations.await) {
                (
                    ::core::result::Result::Ok(list_products),
                    ::core::result::Result::Ok(search_recommendations),
                ) => {
                    ::workflow_runtime::__private::Arc::new((list_products, search_recommendations))
                }
                (::core::result::Result::Err(error), _)
                | (_, ::core::result::Result::Err(error)) => {
                    return ::core::result::Result::Err(::workflow_runtime::__private::uncaught(
                        error,
                    ));
                }
            }
        };
        // fetch-order-history
        let fetch_order_history: ::workflow_runtime::__private::Arc<crate::tier::OrderHistory> = {
            let payload = <crate::tier::HistoryRequest as ::core::convert::From<_>>::from(&*input);
            match functions
                .fetch_order_history
                .invoke(&ctx, "fetch-order-history", payload)
                .await
            {
                ::core::result::Result::Ok(value) => ::workflow_runtime::__private::Arc::new(value),
                ::core::result::Result::Err(error) => {
                    return ::core::result::Result::Err(::workflow_runtime::__private::uncaught(
                        error,
                    ));
                }
            }
        };
        let _ = fetch_order_history;
        // upgrade-tier
        {
            let activities = ::workflow_runtime::__private::Arc::clone(&activities);
            let input = ::workflow_runtime::__private::Arc::clone(&input);
            let read_account = ::workflow_runtime::__private::Arc::clone(&read_account);
            let evaluate_tier = ::workflow_runtime::__private::Arc::clone(&evaluate_tier);
            match ctx
                .step(move |_| async move {
                    activities
                        .upgrade_tier(&input, &read_account, &evaluate_tier)
                        .await
                        .map_err(::workflow_runtime::__private::into_step_error)
                })
                .name("upgrade-tier")
                .retry_strategy(RETRY_DEFAULT.strategy())
                .await
            {
                ::core::result::Result::Ok(value) => ::workflow_runtime::__private::Arc::new(value),
                ::core::result::Result::Err(error) => {
                    match ::workflow_runtime::__private::kind_of(&error).as_deref() {
                        ::core::option::Option::Some("VersionConflict") => {
                            return ::core::result::Result::Ok(
                                crate::tier::UpgradeOutcome::Superseded,
                            );
                        }
                        _ => {
                            return ::core::result::Result::Err(
                                ::workflow_runtime::__private::uncaught(error),
                            );
                        }
                    }
                }
            }
        };
        // await-notification-ack
        {
            let activities = ::workflow_runtime::__private::Arc::clone(&activities);
            let input = ::workflow_runtime::__private::Arc::clone(&input);
            let evaluate_tier = ::workflow_runtime::__private::Arc::clone(&evaluate_tier);
            let gather_context = ::workflow_runtime::__private::Arc::clone(&gather_context);
            match ctx
                .wait_for_callback::<crate::tier::Acknowledgement, _, _>(
                    move |_, callback_id| async move {
                        activities
                            .publish_tier_upgraded(
                                &callback_id,
                                &input,
                                &evaluate_tier,
                                &gather_context,
                            )
                            .await
                            .map_err(::workflow_runtime::__private::into_step_error)
                    },
                )
                .name("await-notification-ack")
                .timeout(::workflow_runtime::__private::Duration::from_secs(300))
                .submitter_retry(RETRY_DEFAULT.strategy())
                .await
            {
                ::core::result::Result::Ok(value) => ::workflow_runtime::__private::Arc::new(value),
                ::core::result::Result::Err(error) => {
                    match ::workflow_runtime::__private::kind_of(&error).as_deref() {
                        ::core::option::Option::Some("CallbackTimeout") => {
                            return ::core::result::Result::Ok(
                                crate::tier::UpgradeOutcome::UpgradedUnacknowledged,
                            );
                        }
                        _ => {
                            return ::core::result::Result::Err(
                                ::workflow_runtime::__private::uncaught(error),
                            );
                        }
                    }
                }
            }
        };
        // record-completion
        {
            let activities = ::workflow_runtime::__private::Arc::clone(&activities);
            let input = ::workflow_runtime::__private::Arc::clone(&input);
            match ctx
                .step(move |_| async move {
                    activities
                        .record_completion(&input)
                        .await
                        .map_err(::workflow_runtime::__private::into_step_error)
                })
                .name("record-completion")
                .retry_strategy(RETRY_DEFAULT.strategy())
                .await
            {
                ::core::result::Result::Ok(value) => ::workflow_runtime::__private::Arc::new(value),
                ::core::result::Result::Err(error) => {
                    return ::core::result::Result::Err(::workflow_runtime::__private::uncaught(
                        error,
                    ));
                }
            }
        };
        ::core::result::Result::Ok(crate::tier::UpgradeOutcome::Upgraded)
    }

    const RETRY_DEFAULT: ::workflow_runtime::__private::RetryPolicy =
        ::workflow_runtime::__private::RetryPolicy {
            max_attempts: 6,
            initial_delay: ::workflow_runtime::__private::Duration::from_secs(5),
            backoff_rate: 2.0,
            max_delay: ::workflow_runtime::__private::Duration::from_secs(60),
            jitter: ::workflow_runtime::__private::Jitter::Full,
            retry_on: &["Transient"],
        };
}
