//! One step of the spec as statements of the orchestrator body.

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;
use workflow_spec::{
    ArmValue, Branch, Callback, CatchAction, Choice, FieldRef, Invoke, Map, MapTask, Poll, Read,
    ReadSource, Semantics, Step, StepKind, Task, Tolerance, UseWorkflow, Workflow,
};

use crate::CodegenError;
use crate::control_flow;
use crate::names::{duration, ident, optional_type, type_path};
use crate::retry::RetryConsts;

/// What every step needs to know about the whole workflow.
#[derive(Clone)]
pub struct StepWriter<'a> {
    /// The workflow.
    pub workflow: &'a Workflow,
    /// Every step, nested ones included ([`Workflow::all_steps`]): what reads and gotos index.
    pub all: Vec<&'a Step>,
    /// The retry `const`s.
    pub retry: &'a RetryConsts,
    /// `used[i]`: a later step reads the value of step `all[i]` (or its early finish tests it).
    pub used: Vec<bool>,
    /// The output type path, whose unit variants are the outcomes.
    pub output: TokenStream,
    /// Whether the steps are written inside a group's child context, whose body hands an outcome back to the
    /// orchestrator instead of returning it.
    pub in_group: bool,
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

    /// The statement that finishes the workflow with the outcome `name`.
    fn finish(&self, name: &str) -> TokenStream {
        self.finish_with(&self.outcome(name))
    }

    /// The statement that finishes the workflow with the outcome value `outcome`: returned by the orchestrator,
    /// or, inside a group, handed back by the group's body.
    fn finish_with(&self, outcome: &TokenStream) -> TokenStream {
        if self.in_group {
            quote!(return ::core::result::Result::Ok(rt::GroupExit::Finish(#outcome));)
        } else {
            quote!(return ::core::result::Result::Ok(#outcome);)
        }
    }

    /// The index of `step` in [`StepWriter::all`].
    pub fn index_of(&self, step: &Step) -> Option<usize> {
        self.all.iter().position(|known| std::ptr::eq(*known, step))
    }

    /// The statements of one step.
    pub fn step(&self, step: &Step) -> Result<TokenStream, CodegenError> {
        let value = match &step.kind {
            StepKind::Task(task) => self.task(step, task)?,
            StepKind::Map(map) => self.map(step, map)?,
            StepKind::Poll(poll) => self.poll(step, poll)?,
            StepKind::Choice(choice) => return self.choice(step, choice),
            StepKind::Parallel(branches) => self.parallel(step, branches)?,
            StepKind::Invoke(invoke) => self.invoke(step, invoke)?,
            StepKind::Callback(callback) => self.callback(step, callback)?,
            StepKind::Wait(wait) => {
                let wait = duration(*wait);
                let id = &step.id;
                let wait = quote!(ctx.wait(#wait).name(operations.name(#id)));
                if step.catches.is_empty() {
                    return Ok(quote!(#wait.await?;));
                }
                let on_error = self.on_error(step);
                return Ok(quote! {
                    if let ::core::result::Result::Err(error) = #wait.await {
                        #on_error
                    }
                });
            }
            StepKind::Succeed(outcome) => return Ok(self.finish(&outcome.name)),
            StepKind::Group(steps) => return self.group(step, steps),
            StepKind::Use(used) => self.use_workflow(step, used)?,
            StepKind::Fail(message) => {
                let id = &step.id;
                return Ok(quote! {
                    return ::core::result::Result::Err(
                        rt::workflow_failed(#id, #message),
                    );
                });
            }
        };
        let var = ident(&step.ident);
        let binding = if self.is_read(step) {
            quote!(let #var = #value;)
        } else {
            quote!(#value;)
        };
        let early_finish = step.early_finish.as_ref().map(|early| {
            let field = ident(&early.field);
            let finish = self.finish(&early.outcome.name);
            let condition = if early.finish_when {
                quote!(#var.#field)
            } else {
                quote!(!#var.#field)
            };
            quote! {
                if #condition {
                    #finish
                }
            }
        });
        Ok(quote!(#binding #early_finish))
    }

    /// `let read = Arc::clone(&read);` for each read, to move into a `'static` step body.
    fn clones(reads: &[Read]) -> TokenStream {
        let clones = reads.iter().map(|read| {
            let name = ident(&read.ident);
            quote!(let #name = rt::Arc::clone(&#name);)
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
        semantics: Option<Semantics>,
    ) -> (TokenStream, TokenStream) {
        Self::activity_call(
            quote!(operations.name(#id)),
            task,
            Self::args(reads),
            Self::clones(reads),
            retry,
            semantics,
        )
    }

    /// `activities` and `clones` moved into the step body, and the step builder calling `task` with `args`:
    /// shared by a task step, a parallel branch and each step of a map's body.
    fn activity_call(
        name: TokenStream,
        task: &Task,
        args: TokenStream,
        clones: TokenStream,
        retry: TokenStream,
        semantics: Option<Semantics>,
    ) -> (TokenStream, TokenStream) {
        let method = ident(&task.method);
        // Only a written `semantics:` reaches the builder; without it the SDK's default applies.
        let semantics = semantics.map(|semantics| {
            let variant = match semantics {
                Semantics::AtLeastOnce => quote!(AtLeastOncePerRetry),
                Semantics::AtMostOnce => quote!(AtMostOncePerRetry),
            };
            quote!(.semantics(rt::StepSemantics::#variant))
        });
        let prelude = quote! {
            let activities = rt::Arc::clone(&activities);
            #clones
        };
        let builder = quote! {
            ctx.step(move |_| async move {
                activities
                    .#method(#args)
                    .await
                    .map_err(rt::into_step_error)
            })
            .name(#name)
            .retry_strategy(#retry)
            #semantics
        };
        (prelude, builder)
    }

    /// Whether a later step reads the value of `step` (or its early finish tests it).
    fn is_read(&self, step: &Step) -> bool {
        self.index_of(step)
            .and_then(|index| self.used.get(index).copied())
            .unwrap_or(false)
    }

    /// `{ prelude; operation }` awaited: its value in an `Arc` when a later step reads it; a failure goes to
    /// the step's catches, or with `?` out of the orchestrator when it has none.
    fn settle(&self, step: &Step, prelude: TokenStream, operation: TokenStream) -> TokenStream {
        let read = self.is_read(step);
        if step.catches.is_empty() {
            // A used workflow's failure ends the execution as the failure inside it.
            let unwrap =
                matches!(step.kind, StepKind::Use(_)).then(|| quote!(.map_err(rt::child_failed)));
            return if read {
                quote!({ #prelude rt::Arc::new(#operation.await #unwrap ?) })
            } else {
                quote!({ #prelude #operation.await #unwrap ?; })
            };
        }
        let on_error = self.on_error(step);
        let ok = if read {
            quote!(::core::result::Result::Ok(value) => rt::Arc::new(value),)
        } else {
            quote!(::core::result::Result::Ok(_) => {})
        };
        quote! {{
            #prelude
            match #operation.await {
                #ok
                ::core::result::Result::Err(error) => {
                    #on_error
                }
            }
        }}
    }

    fn task(&self, step: &Step, task: &Task) -> Result<TokenStream, CodegenError> {
        let retry = self.retry.strategy(step.retry.as_ref());
        let (prelude, builder) =
            self.activity_step(&step.id, task, &step.reads, retry, step.semantics);
        Ok(self.settle(step, prelude, builder))
    }

    fn parallel(&self, step: &Step, branches: &[Branch]) -> Result<TokenStream, CodegenError> {
        let names: Vec<_> = branches.iter().map(|branch| ident(&branch.ident)).collect();
        let starts = branches.iter().zip(&names).map(|(branch, name)| {
            let retry = self.retry.strategy(branch.retry.as_ref());
            let (prelude, builder) = self.activity_step(
                &branch.id,
                &branch.task,
                &branch.reads,
                retry,
                branch.semantics,
            );
            quote!(let #name = { #prelude #builder.spawn() };)
        });
        let read = self.is_read(step);
        if step.catches.is_empty() {
            // Every branch is awaited; the first failure in branch order ends the orchestrator.
            let value = if read {
                quote!(rt::Arc::new((#(#names?),*)))
            } else {
                quote!(#(#names?;)*)
            };
            return Ok(quote! {{
                #(#starts)*
                let (#(#names),*) = (#(#names.await),*);
                #value
            }});
        }
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
        let ok = if read {
            quote!(rt::Arc::new((#(#names),*)))
        } else {
            quote!(#(let _ = #names;)*)
        };
        let on_error = self.on_error(step);
        Ok(quote! {{
            #(#starts)*
            match (#(#names.await),*) {
                (#(::core::result::Result::Ok(#names)),*) => {
                    #ok
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
                .invoke::<#payload_type, #output>(&ctx, operations.name(#id), payload)
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
            let activities = rt::Arc::clone(&activities);
            #clones
        };
        let call = quote! {
            ctx.wait_for_callback::<#result, _, _>(move |_, callback_id| async move {
                activities
                    .#method(&callback_id, #(#args),*)
                    .await
                    .map_err(rt::into_step_error)
            })
            .name(operations.name(#id))
            .timeout(#timeout)
            #heartbeat
            .submitter_retry(#retry)
        };
        Ok(self.settle(step, prelude, call))
    }

    /// A poll: the check activity run by the SDK's wait-for-condition until the output's `done` field is
    /// true, with the step's retry policy for failed checks; the value is the last check's output.
    fn poll(&self, step: &Step, poll: &Poll) -> Result<TokenStream, CodegenError> {
        let output = optional_type(poll.task.output.as_ref())?;
        let method = ident(&poll.task.method);
        let done = ident(&poll.done);
        let clones = Self::clones(&step.reads);
        let args = Self::args(&step.reads);
        let id = &step.id;
        let interval = duration(poll.interval);
        let backoff = Literal::f64_unsuffixed(poll.backoff_rate);
        let max_interval = duration(poll.max_interval);
        let max_attempts = match poll.max_attempts {
            Some(max) => {
                let max = Literal::u32_unsuffixed(max);
                quote!(::core::option::Option::Some(#max))
            }
            None => quote!(::core::option::Option::None),
        };
        let deadline = match poll.deadline {
            Some(deadline) => {
                let deadline = duration(deadline);
                quote!(::core::option::Option::Some(#deadline))
            }
            None => quote!(::core::option::Option::None),
        };
        let retry = self.retry.policy(step.retry.as_ref());
        // `rt::poll` hands back the last check's output in an `Arc`.
        let call = quote! {
            rt::poll(
                &ctx,
                #id,
                operations.name(#id),
                rt::PollPolicy {
                    interval: #interval,
                    backoff_rate: #backoff,
                    max_interval: #max_interval,
                    max_attempts: #max_attempts,
                    deadline: #deadline,
                },
                #retry,
                move || {
                    let activities = rt::Arc::clone(&activities);
                    #clones
                    async move {
                        activities
                            .#method(#args)
                            .await
                            .map_err(rt::into_step_error)
                    }
                },
                |output: &#output| rt::poll_done(&output.#done),
            )
            .await
        };
        let read = self.is_read(step);
        let settled = match (step.catches.is_empty(), read) {
            (true, true) => quote!(#call?),
            (true, false) => quote!(#call?;),
            (false, _) => {
                let on_error = self.on_error(step);
                let ok = if read {
                    quote!(::core::result::Result::Ok(value) => value,)
                } else {
                    quote!(::core::result::Result::Ok(_) => {})
                };
                quote! {
                    match #call {
                        #ok
                        ::core::result::Result::Err(error) => {
                            #on_error
                        }
                    }
                }
            }
        };
        Ok(quote! {{
            let activities = rt::Arc::clone(&activities);
            #clones
            #settled
        }})
    }

    /// What a failed step does: its catches, else the failure ends the execution.
    fn on_error(&self, step: &Step) -> TokenStream {
        let uncaught = if matches!(step.kind, StepKind::Use(_)) {
            quote!(return ::core::result::Result::Err(rt::child_failed(error));)
        } else {
            quote!(return ::core::result::Result::Err(rt::uncaught(error));)
        };
        if step.catches.is_empty() {
            return uncaught;
        }
        let arms = step.catches.iter().map(|catch| {
            let kind = &catch.error;
            let action = match &catch.action {
                CatchAction::Finish(outcome) => self.finish(&outcome.name),
                CatchAction::Goto { index, .. } => match self.all.get(*index) {
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
                            rt::workflow_failed(#id, #message),
                        );
                    }
                }
            };
            quote!(::core::option::Option::Some(#kind) => { #action })
        });
        let kind_of = match step.kind {
            StepKind::Map(_) => quote!(rt::map_failure_kind),
            StepKind::Poll(_) => quote!(rt::poll_failure_kind),
            _ => quote!(rt::kind_of),
        };
        quote! {
            match #kind_of(&error).as_deref() {
                #(#arms)*
                _ => { #uncaught }
            }
        }
    }

    /// A choice: `if` on a `bool` field, `match` on an enum field. Values of the arms that steps
    /// after the choice read (they ran on every path that gets there) are the value of the `if`
    /// or `match`.
    fn choice(&self, step: &Step, choice: &Choice) -> Result<TokenStream, CodegenError> {
        let exports: Vec<_> = self
            .exports(step)
            .into_iter()
            .map(|index| ident(&self.all[index].ident))
            .collect();
        let tail = match exports.as_slice() {
            [] => TokenStream::new(),
            [one] => quote!(#one),
            many => quote!((#(#many),*)),
        };
        let arm = |steps: &[Step]| -> Result<TokenStream, CodegenError> {
            let statements = control_flow::list(self, steps)?;
            let tail = completes(steps).then(|| tail.clone());
            Ok(quote!({ #statements #tail }))
        };
        let decision = match &choice.enum_type {
            Some(enum_type) => {
                let enum_type = type_path(enum_type)?;
                let subject = field(&choice.on, true);
                let arms = choice
                    .arms
                    .iter()
                    .map(|choice_arm| {
                        let variant = ident(&choice_arm.value.label());
                        let body = arm(&choice_arm.steps)?;
                        Ok(quote!(#enum_type::#variant { .. } => #body))
                    })
                    .collect::<Result<Vec<_>, CodegenError>>()?;
                let otherwise = match &choice.otherwise {
                    Some(steps) => {
                        let body = arm(steps)?;
                        quote!(_ => #body)
                    }
                    None => quote!(#[allow(unreachable_patterns)] _ => {}),
                };
                quote!(match #subject { #(#arms)* #otherwise })
            }
            None => {
                let subject = field(&choice.on, false);
                let when = |value: bool| {
                    choice
                        .arms
                        .iter()
                        .find(|arm| arm.value == ArmValue::Bool(value))
                };
                let first = choice.arms.first().map(|first| &first.value);
                let (condition, then, otherwise) = match first {
                    Some(ArmValue::Bool(false)) => (
                        quote!(!#subject),
                        when(false),
                        when(true).map(|arm| arm.steps.as_slice()),
                    ),
                    _ => (
                        quote!(#subject),
                        when(true),
                        when(false).map(|arm| arm.steps.as_slice()),
                    ),
                };
                let then = arm(then.map_or(&[][..], |arm| arm.steps.as_slice()))?;
                let otherwise = match otherwise.or(choice.otherwise.as_deref()) {
                    Some(steps) => {
                        let body = arm(steps)?;
                        quote!(else #body)
                    }
                    None => TokenStream::new(),
                };
                quote!(if #condition #then #otherwise)
            }
        };
        Ok(match exports.as_slice() {
            [] => quote!(#decision),
            [one] => quote!(let #one = #decision;),
            many => quote!(let (#(#many),*) = #decision;),
        })
    }

    /// A `use` step: the used workflow's generated `run` in a child context, on the one value the step reads.
    fn use_workflow(&self, step: &Step, used: &UseWorkflow) -> Result<TokenStream, CodegenError> {
        let module = ident(&used.workflow.ident);
        let field = ident(&step.ident);
        let id = &step.id;
        let read = match step.reads.as_slice() {
            [read] => ident(&read.ident),
            _ => {
                return Err(CodegenError {
                    message: format!("the `use` step `{id}` must read exactly one value"),
                    position: step.position,
                });
            }
        };
        let prelude = quote! {
            let activities = rt::Arc::clone(&activities);
            let functions = rt::Arc::new(functions.#field.clone());
            let #read = rt::Arc::clone(&#read);
        };
        let operation = quote! {
            ctx.run_in_child_context(move |ctx| #module::run(activities, functions, #read, ctx))
                .name(operations.name(#id))
        };
        Ok(self.settle(step, prelude, operation))
    }

    /// A group: its steps in a child context of their own, whose body hands back the last step's value, or the
    /// outcome a step inside it finished the workflow with.
    fn group(&self, step: &Step, steps: &[Step]) -> Result<TokenStream, CodegenError> {
        let inner = StepWriter {
            in_group: true,
            ..self.clone()
        };
        let statements = control_flow::list(&inner, steps)?;
        let read = self.is_read(step);
        let completes = completes(steps);
        let value_type = match (completes, read) {
            (false, _) => quote!(rt::Never),
            (true, true) => optional_type(step.output_type())?,
            (true, false) => quote!(()),
        };
        let tail = match (completes, read) {
            (false, _) => TokenStream::new(),
            (true, true) => {
                let last = steps.last().map(|last| ident(&last.ident));
                quote!(::core::result::Result::Ok(rt::GroupExit::Continue(#last)))
            }
            (true, false) => {
                quote!(::core::result::Result::Ok(rt::GroupExit::Continue(
                    rt::Arc::new(())
                )))
            }
        };
        // What the body moves in: the activities, the functions, the operation names, and every value from
        // outside the group that a step inside it reads.
        let start = self.index_of(step).unwrap_or_default();
        let inside = start + 1..start + 1 + nested_count(step);
        let nested = &self.all[inside.clone()];
        let mut moved = Vec::new();
        if nested.iter().any(|inner| uses_activities(inner)) {
            moved.push(quote!(let activities = rt::Arc::clone(&activities);));
        }
        if nested.iter().any(|inner| uses_functions(inner)) {
            moved.push(quote!(let functions = rt::Arc::clone(&functions);));
        }
        if nested.iter().any(|inner| records_operation(inner)) {
            moved.push(quote!(let operations = operations.clone();));
        }
        let mut captured: Vec<String> = Vec::new();
        for source in nested.iter().flat_map(|inner| reads_of(inner)) {
            let name = match source {
                ReadSource::Input => "input".to_string(),
                ReadSource::Step(index) if !inside.contains(&index) => {
                    self.all[index].ident.clone()
                }
                _ => continue,
            };
            if !captured.contains(&name) {
                captured.push(name);
            }
        }
        moved.extend(captured.iter().map(|name| {
            let name = ident(name);
            quote!(let #name = rt::Arc::clone(&#name);)
        }));
        let output = &self.output;
        let id = &step.id;
        let finish = self.finish_with(&quote!(outcome));
        let settle = match (completes, read) {
            (false, _) => quote! {
                match exit {
                    rt::GroupExit::Continue(never) => match *never {},
                    rt::GroupExit::Finish(outcome) => { #finish }
                }
            },
            (true, true) => quote! {
                match exit {
                    rt::GroupExit::Continue(value) => value,
                    rt::GroupExit::Finish(outcome) => { #finish }
                }
            },
            (true, false) => quote! {
                if let rt::GroupExit::Finish(outcome) = exit {
                    #finish
                }
            },
        };
        let block = quote! {{
            let name = operations.name(#id);
            #(#moved)*
            let exit = ctx
                .run_in_child_context(rt::group_body::<#value_type, #output, _, _>(
                    move |ctx| async move {
                        #statements
                        #tail
                    },
                ))
                .name(name)
                .await
                .map_err(rt::child_failed)?;
            #settle
        }};
        let var = ident(&step.ident);
        Ok(if completes && read {
            quote!(let #var = #block;)
        } else {
            block
        })
    }

    /// The steps nested in `step` whose values steps outside it read, as indexes of `all`.
    fn exports(&self, step: &Step) -> Vec<usize> {
        let Some(start) = self.index_of(step) else {
            return Vec::new();
        };
        let inside = start + 1..start + 1 + nested_count(step);
        let mut exports: Vec<usize> = Vec::new();
        for (index, reader) in self.all.iter().enumerate() {
            if index == start || inside.contains(&index) {
                continue;
            }
            for source in reads_of(reader) {
                if let ReadSource::Step(read) = source
                    && inside.contains(&read)
                    && !exports.contains(&read)
                {
                    exports.push(read);
                }
            }
        }
        exports.sort_unstable();
        exports
    }

    /// A map: one child context per element (or batch) running the map's task, or its steps,
    /// under the SDK's `map`; the value is the results in input order.
    fn map(&self, step: &Step, map: &Map) -> Result<TokenStream, CodegenError> {
        let source = ident(&map.items.read.ident);
        let item = type_path(&map.item)?;
        let list = field(&map.items, true);
        let list = quote!(rt::map_items::<#item, _>(#list));
        let (items, element_param, element) = match map.batch {
            Some(size) => {
                let size = Literal::u32_unsuffixed(size);
                (
                    quote!(rt::batches(#list.len(), #size)),
                    quote!((start, end)),
                    quote!(&#list[start..end]),
                )
            }
            None => (quote!(0..#list.len()), quote!(index), quote!(&#list[index])),
        };
        let body = step.map_tasks();
        let inner_ids: Vec<&str> = body.iter().map(|task| task.id).collect();
        // What the element closures capture: the list, and every value from outside the map.
        let mut captures = vec![source.clone()];
        for MapTask { reads, .. } in &body {
            for read in *reads {
                let name = ident(&read.ident);
                let outside =
                    read.source != ReadSource::Item && !inner_ids.contains(&read.id.as_str());
                if outside && !captures.contains(&name) {
                    captures.push(name);
                }
            }
        }
        let clone_captures = captures
            .iter()
            .map(|name| quote!(let #name = rt::Arc::clone(&#name);));
        let clone_captures = quote!(#(#clone_captures)*);
        let last = body.len().saturating_sub(1);
        let statements = body.iter().enumerate().map(
            |(
                position,
                MapTask {
                    id,
                    task,
                    reads,
                    retry,
                    semantics,
                    ..
                },
            )| {
                let mut clones = Vec::new();
                let args = reads.iter().map(|read| {
                    if read.source == ReadSource::Item {
                        element.clone()
                    } else {
                        let name = ident(&read.ident);
                        quote!(&#name)
                    }
                });
                let args = quote!(#(#args),*);
                for read in *reads {
                    let name = if read.source == ReadSource::Item {
                        source.clone()
                    } else {
                        ident(&read.ident)
                    };
                    if !clones.contains(&name) {
                        clones.push(name);
                    }
                }
                let clones = clones
                    .iter()
                    .map(|name| quote!(let #name = rt::Arc::clone(&#name);));
                let retry = self.retry.strategy(*retry);
                let (prelude, builder) = Self::activity_call(
                    quote!(#id),
                    task,
                    args,
                    quote!(#(#clones)*),
                    retry,
                    *semantics,
                );
                let call = quote!(#prelude #builder.await?);
                let var = ident(&names_ident(id));
                let read_later = body[position + 1..]
                    .iter()
                    .any(|later| later.reads.iter().any(|read| read.id == *id));
                if position == last {
                    quote! {
                        let #var = { #call };
                        ::core::result::Result::<_, rt::BoxError>::Ok(#var)
                    }
                } else if read_later {
                    quote!(let #var = rt::Arc::new({ #call });)
                } else {
                    quote!({ #call };)
                }
            },
        );
        let max_concurrency = map.max_concurrency.map(|max| {
            let max = Literal::u32_unsuffixed(max);
            quote!(.max_concurrency(#max))
        });
        let completion = map.tolerated_failures.map(|tolerance| {
            let config = match tolerance {
                Tolerance::Count(count) => {
                    let count = Literal::u32_unsuffixed(count);
                    quote!(with_tolerated_failure_count(#count))
                }
                Tolerance::Percent(percent) => {
                    let percent = Literal::u32_unsuffixed(percent);
                    quote!(with_tolerated_failure_percentage(#percent))
                }
            };
            quote!(.completion(rt::CompletionConfig::#config))
        });
        let id = &step.id;
        let prelude = quote! {
            let activities = rt::Arc::clone(&activities);
            #clone_captures
        };
        let operation = quote! {
            ctx.map(#items, move |ctx, #element_param, _| {
                let activities = rt::Arc::clone(&activities);
                #clone_captures
                async move {
                    #(#statements)*
                }
            })
            .name(operations.name(#id))
            #max_concurrency
            #completion
        };
        Ok(self.settle(step, prelude, operation))
    }
}

/// `value.field` (or the whole value), borrowed when `by_ref`.
fn field(field: &FieldRef, by_ref: bool) -> TokenStream {
    let value = ident(&field.read.ident);
    let place = match &field.field {
        Some(name) => {
            let name = ident(name);
            quote!(#value.#name)
        }
        None => quote!((*#value)),
    };
    if by_ref { quote!(&#place) } else { place }
}

/// The snake_case identifier of a kebab-case step id.
fn names_ident(id: &str) -> String {
    id.replace('-', "_")
}

/// How many steps are nested in `step`, at any depth.
fn nested_count(step: &Step) -> usize {
    step.nested_lists()
        .iter()
        .flat_map(|list| list.iter())
        .map(|nested| 1 + nested_count(nested))
        .sum()
}

/// Whether `step` calls a method of `Activities`.
pub fn uses_activities(step: &Step) -> bool {
    matches!(
        step.kind,
        StepKind::Task(_)
            | StepKind::Parallel(_)
            | StepKind::Callback(_)
            | StepKind::Map(_)
            | StepKind::Poll(_)
            | StepKind::Use(_)
    )
}

/// Whether `step` reads `functions`.
pub fn uses_functions(step: &Step) -> bool {
    matches!(step.kind, StepKind::Invoke(_) | StepKind::Use(_))
}

/// Whether `step` records a durable operation named by `operations`.
fn records_operation(step: &Step) -> bool {
    !matches!(
        step.kind,
        StepKind::Choice(_) | StepKind::Succeed(_) | StepKind::Fail(_)
    )
}

/// Every value `step` reads: its reads, its branches' reads, a choice's `on`, a map's `items`.
pub fn reads_of(step: &Step) -> Vec<ReadSource> {
    let mut sources: Vec<ReadSource> = step.reads.iter().map(|read| read.source).collect();
    match &step.kind {
        StepKind::Parallel(branches) => {
            for branch in branches {
                sources.extend(branch.reads.iter().map(|read| read.source));
            }
        }
        StepKind::Choice(choice) => sources.push(choice.on.read.source),
        StepKind::Map(map) => sources.push(map.items.read.source),
        _ => {}
    }
    sources
}

/// Whether the flow can reach the end of a list of steps (and go on after it).
fn completes(steps: &[Step]) -> bool {
    let Some(last) = steps.last() else {
        return true;
    };
    match &last.kind {
        StepKind::Succeed(_) | StepKind::Fail(_) => false,
        StepKind::Group(steps) => completes(steps),
        StepKind::Choice(choice) => {
            let covers_all = choice.otherwise.is_some()
                || (choice.enum_type.is_none() && choice.arms.len() == 2);
            !covers_all
                || choice.arms.iter().any(|arm| completes(&arm.steps))
                || choice.otherwise.as_deref().is_some_and(completes)
        }
        _ => true,
    }
}
