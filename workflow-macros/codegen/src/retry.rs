//! The spec's retry policies as `const`s, one per distinct `retry:` mapping.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use workflow_spec::{Jitter, RetryPolicy, StepKind, Workflow};

use crate::names::duration;

/// The distinct policies of a workflow, in order of first use.
pub struct RetryConsts {
    policies: Vec<RetryPolicy>,
}

impl RetryConsts {
    /// Collects every policy used by a step, branch or callback submitter.
    pub fn collect(workflow: &Workflow) -> Self {
        let mut policies: Vec<RetryPolicy> = Vec::new();
        let mut add = |policy: &Option<RetryPolicy>| {
            if let Some(policy) = policy
                && !policies.contains(policy)
            {
                policies.push(policy.clone());
            }
        };
        for step in workflow.all_steps() {
            add(&step.retry);
            if let StepKind::Parallel(branches) = &step.kind {
                for branch in branches {
                    add(&branch.retry);
                }
            }
        }
        Self { policies }
    }

    /// The strategy expression for a step with `policy` (none: a single attempt).
    pub fn strategy(&self, policy: Option<&RetryPolicy>) -> TokenStream {
        match policy.and_then(|policy| self.policies.iter().position(|known| known == policy)) {
            Some(index) => {
                let name = const_name(index);
                quote!(#name.strategy())
            }
            None => quote!(rt::never_retry()),
        }
    }

    /// The policy itself, as the `Option<RetryPolicy>` a poll step passes on (none: a failed check is not
    /// retried).
    pub fn policy(&self, policy: Option<&RetryPolicy>) -> TokenStream {
        match policy.and_then(|policy| self.policies.iter().position(|known| known == policy)) {
            Some(index) => {
                let name = const_name(index);
                quote!(::core::option::Option::Some(#name))
            }
            None => quote!(::core::option::Option::None),
        }
    }

    /// The `const` items.
    pub fn items(&self, file: &str) -> TokenStream {
        let items = self.policies.iter().enumerate().map(|(index, policy)| {
            let name = const_name(index);
            let doc = format!(
                "The `retry:` policy at {}.",
                crate::names::location(file, policy.position)
            );
            let attempts = Literal::u32_unsuffixed(policy.max_attempts);
            let initial = duration(policy.initial_delay);
            let backoff = Literal::f64_unsuffixed(policy.backoff_rate);
            let max_delay = duration(policy.max_delay);
            let jitter = match policy.jitter {
                Jitter::None => quote!(None),
                Jitter::Half => quote!(Half),
                Jitter::Full => quote!(Full),
            };
            let on = &policy.on;
            quote! {
                #[doc = #doc]
                const #name: rt::RetryPolicy =
                    rt::RetryPolicy {
                        max_attempts: #attempts,
                        initial_delay: #initial,
                        backoff_rate: #backoff,
                        max_delay: #max_delay,
                        jitter: rt::Jitter::#jitter,
                        retry_on: &[#(#on),*],
                    };
            }
        });
        quote!(#(#items)*)
    }
}

fn const_name(index: usize) -> proc_macro2::Ident {
    format_ident!("RETRY_POLICY_{}", index + 1)
}
