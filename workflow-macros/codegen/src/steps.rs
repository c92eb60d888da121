//! One step of the spec as statements of the orchestrator body.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use workflow_spec::{Branch, Callback, CatchAction, Invoke, Read, Step, StepKind, Task, Workflow};

use crate::CodegenError;
use crate::names::{duration, ident, optional_type, type_path};
use crate::retry::RetryConsts;

/// What every step needs to know about the whole workflow.
pub struct StepWriter<'a> {
    /// The workflow.
    pub workflow: &'a Workflow,
    /// The retry `const`s.
    pub retry: &'a RetryConsts,
    /// `used[i]`: a later step reads step `i`'s value (or its early finish tests it).
    pub used: Vec<bool>,
    /// The output type path, whose unit variants are the outcomes.
    pub output: TokenStream,
}

/// The label of the block a catch of `from` breaks out of to continue at `to`.
pub fn goto_label(from: &Step, to: &Step) -> syn::Lifetime {
    syn::Lifetime::new(
        &format!("'from_{}_to_{}", from.ident, to.ident),
        Span::call_site(),
    )
}

impl StepWriter<'_> {
    fn outcome(&self, name: &str) -> TokenStream {
        let output = &self.output;
        let variant = ident(name);
        quote!(#output::#variant)
    }

    /// The statements of step `index`.
    pub fn step(&self, index: usize) -> Result<TokenStream, CodegenError> {
        let Some(step) = self.workflow.steps.get(index) else {
            return Ok(TokenStream::new());
        };
        let value = match &step.kind {
            StepKind::Task(task) => self.task(step, task)?,
            StepKind::Parallel(branches) => self.parallel(step, branches)?,
            StepKind::Invoke(invoke) => self.invoke(step, invoke)?,
            StepKind::Callback(callback) => self.callback(step, callback)?,
            StepKind::Wait(wait) => {
                let wait = duration(*wait);
                let id = &step.id;
                let on_error = self.on_error(step);
                return Ok(quote! {
                    if let ::core::result::Result::Err(error) = ctx.wait(#wait).name(#id).await {
                        #on_error
                    }
                });
            }
            StepKind::Succeed(outcome) => {
                let outcome = self.outcome(&outcome.name);
                return Ok(quote!(return ::core::result::Result::Ok(#outcome);));
            }
            StepKind::Fail(message) => {
                let id = &step.id;
                return Ok(quote! {
                    return ::core::result::Result::Err(
                        ::workflow_runtime::__private::workflow_failed(#id, #message),
                    );
                });
            }
        };
        let var = ident(&step.ident);
        let binding = if self.used.get(index).copied().unwrap_or(false) {
            quote!(let #var = #value;)
        } else {
            quote!(#value;)
        };
        let early_finish = step.early_finish.as_ref().map(|early| {
            let field = ident(&early.field);
            let outcome = self.outcome(&early.outcome.name);
            let condition = if early.finish_when {
                quote!(#var.#field)
            } else {
                quote!(!#var.#field)
            };
            quote! {
                if #condition {
                    return ::core::result::Result::Ok(#outcome);
                }
            }
        });
        Ok(quote!(#binding #early_finish))
    }

    /// `let read = Arc::clone(&read);` for each read, to move into a `'static` step body.
    fn clones(reads: &[Read]) -> TokenStream {
        let clones = reads.iter().map(|read| {
            let name = ident(&read.ident);
            quote!(let #name = ::workflow_runtime::__private::Arc::clone(&#name);)
        });
        quote!(#(#clones)*)
    }

    fn args(reads: &[Read]) -> TokenStream {
        let args = reads.iter().map(|read| {
            let name = ident(&read.ident);
            quote!(&#name)
        });
        quote!(#(#args),*)
    }

    /// The clones an activity call moves into its step body, and the step builder.
    fn activity_step(
        &self,
        id: &str,
        task: &Task,
        reads: &[Read],
        retry: TokenStream,
    ) -> (TokenStream, TokenStream) {
        let method = ident(&task.method);
        let clones = Self::clones(reads);
        let args = Self::args(reads);
        let prelude = quote! {
            let activities = ::workflow_runtime::__private::Arc::clone(&activities);
            #clones
        };
        let builder = quote! {
            ctx.step(move |_| async move {
                activities
                    .#method(#args)
                    .await
                    .map_err(::workflow_runtime::__private::into_step_error)
            })
            .name(#id)
            .retry_strategy(#retry)
        };
        (prelude, builder)
    }

    /// `{ prelude; match operation.await { Ok => Arc, Err => catches } }`.
    fn settle(&self, step: &Step, prelude: TokenStream, operation: TokenStream) -> TokenStream {
        let on_error = self.on_error(step);
        quote! {{
            #prelude
            match #operation.await {
                ::core::result::Result::Ok(value) => ::workflow_runtime::__private::Arc::new(value),
                ::core::result::Result::Err(error) => {
                    #on_error
                }
            }
        }}
    }

    fn task(&self, step: &Step, task: &Task) -> Result<TokenStream, CodegenError> {
        let retry = self.retry.strategy(step.retry.as_ref());
        let (prelude, builder) = self.activity_step(&step.id, task, &step.reads, retry);
        Ok(self.settle(step, prelude, builder))
    }

    fn parallel(&self, step: &Step, branches: &[Branch]) -> Result<TokenStream, CodegenError> {
        let names: Vec<_> = branches.iter().map(|branch| ident(&branch.ident)).collect();
        let starts = branches.iter().zip(&names).map(|(branch, name)| {
            let retry = self.retry.strategy(branch.retry.as_ref());
            let (prelude, builder) =
                self.activity_step(&branch.id, &branch.task, &branch.reads, retry);
            quote!(let #name = { #prelude #builder.spawn() };)
        });
        let count = branches.len();
        let failures = (0..count).map(|failed| {
            let slots = (0..count).map(|slot| {
                if slot == failed {
                    quote!(::core::result::Result::Err(error))
                } else {
                    quote!(_)
                }
            });
            quote!((#(#slots),*))
        });
        let on_error = self.on_error(step);
        Ok(quote! {{
            #(#starts)*
            match (#(#names.await),*) {
                (#(::core::result::Result::Ok(#names)),*) => {
                    ::workflow_runtime::__private::Arc::new((#(#names),*))
                }
                #(#failures)|* => {
                    #on_error
                }
            }
        }})
    }

    fn invoke(&self, step: &Step, invoke: &Invoke) -> Result<TokenStream, CodegenError> {
        let payload_type = type_path(&invoke.input)?;
        let output = optional_type(invoke.output.as_ref())?;
        let payload = match step.reads.as_slice() {
            [] => quote!(::core::default::Default::default()),
            [read] => {
                let name = ident(&read.ident);
                quote!(::core::convert::From::from(&*#name))
            }
            reads => {
                let names = reads.iter().map(|read| ident(&read.ident));
                quote!(::core::convert::From::from((#(&*#names),*)))
            }
        };
        let field = ident(&step.ident);
        let id = &step.id;
        let prelude = quote!(let payload: #payload_type = #payload;);
        let call = quote! {
            functions
                .#field
                .invoke::<#payload_type, #output>(&ctx, #id, payload)
        };
        Ok(self.settle(step, prelude, call))
    }

    fn callback(&self, step: &Step, callback: &Callback) -> Result<TokenStream, CodegenError> {
        let result = type_path(&callback.result)?;
        let method = ident(&callback.submitter);
        let clones = Self::clones(&step.reads);
        let args = step.reads.iter().map(|read| {
            let name = ident(&read.ident);
            quote!(&#name)
        });
        let id = &step.id;
        let timeout = duration(callback.timeout);
        let heartbeat = callback.heartbeat.map(|heartbeat| {
            let heartbeat = duration(heartbeat);
            quote!(.heartbeat(#heartbeat))
        });
        let retry = self.retry.strategy(step.retry.as_ref());
        let prelude = quote! {
            let activities = ::workflow_runtime::__private::Arc::clone(&activities);
            #clones
        };
        let call = quote! {
            ctx.wait_for_callback::<#result, _, _>(move |_, callback_id| async move {
                activities
                    .#method(&callback_id, #(#args),*)
                    .await
                    .map_err(::workflow_runtime::__private::into_step_error)
            })
            .name(#id)
            .timeout(#timeout)
            #heartbeat
            .submitter_retry(#retry)
        };
        Ok(self.settle(step, prelude, call))
    }

    /// What a failed step does: its catches, else the failure ends the execution.
    fn on_error(&self, step: &Step) -> TokenStream {
        let uncaught = quote! {
            return ::core::result::Result::Err(::workflow_runtime::__private::uncaught(error));
        };
        if step.catches.is_empty() {
            return uncaught;
        }
        let arms = step.catches.iter().map(|catch| {
            let kind = &catch.error;
            let action = match &catch.action {
                CatchAction::Finish(outcome) => {
                    let outcome = self.outcome(&outcome.name);
                    quote!(return ::core::result::Result::Ok(#outcome);)
                }
                CatchAction::Goto { index, .. } => match self.workflow.steps.get(*index) {
                    Some(target) => {
                        let label = goto_label(step, target);
                        quote!(break #label;)
                    }
                    None => uncaught.clone(),
                },
                CatchAction::Fail(message) => {
                    let id = &step.id;
                    quote! {
                        return ::core::result::Result::Err(
                            ::workflow_runtime::__private::workflow_failed(#id, #message),
                        );
                    }
                }
            };
            quote!(::core::option::Option::Some(#kind) => { #action })
        });
        quote! {
            match ::workflow_runtime::__private::kind_of(&error).as_deref() {
                #(#arms)*
                _ => { #uncaught }
            }
        }
    }
}
