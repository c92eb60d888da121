//! The `ErrorKind` enum, the `Error` alias and the `Activities` trait of a workflow.

use proc_macro2::TokenStream;
use quote::quote;
use workflow_spec::{Map, MapTask, Read, ReadSource, Step, StepKind, Workflow};

use crate::CodegenError;
use crate::names::{ident, location, optional_type, type_path};

/// The declared error kinds and the error type activities return.
pub fn error_kinds(workflow: &Workflow) -> TokenStream {
    let variants = workflow.error_kinds.iter().map(|kind| {
        let name = ident(&kind.name);
        let doc = &kind.description;
        quote!(#[doc = #doc] #name,)
    });
    let arms = workflow.error_kinds.iter().map(|kind| {
        let name = ident(&kind.name);
        let text = &kind.name;
        quote!(Self::#name => #text,)
    });
    quote! {
        /// The error kinds declared under `errors:`; retry and catch clauses name them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            #(#variants)*
        }

        impl rt::DeclaredErrorKind for ErrorKind {
            fn name(self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }
        }

        /// The error an activity returns: a declared kind and a message.
        pub type Error = rt::ActivityError<ErrorKind>;
    }
}

/// The type of the value a read resolves to; `item` is the element type inside a map.
pub fn read_type(
    workflow: &Workflow,
    read: &Read,
    item: Option<&TokenStream>,
) -> Result<TokenStream, CodegenError> {
    let missing = || CodegenError {
        message: format!("`{}` reads a value that does not exist", read.id),
        position: read.position,
    };
    match read.source {
        ReadSource::Input => type_path(&workflow.input_type),
        ReadSource::Item => item.cloned().ok_or_else(missing),
        ReadSource::Step(index) => match workflow.all_steps().get(index) {
            Some(step) => step_value_type(step),
            None => Err(missing()),
        },
    }
}

/// The type of the value a step produces for readers (who receive `&` of it). A map's results
/// are a `Vec` in input order, handed to readers as a slice.
pub fn step_value_type(step: &Step) -> Result<TokenStream, CodegenError> {
    match &step.kind {
        StepKind::Parallel(branches) => {
            let outputs = branches
                .iter()
                .map(|branch| optional_type(branch.task.output.as_ref()))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(quote!((#(#outputs,)*)))
        }
        StepKind::Map(_) => {
            let element = optional_type(step.map_output())?;
            Ok(quote!([#element]))
        }
        _ => optional_type(step.output_type()),
    }
}

/// What a map's steps receive as `item`: an element, or a slice of them with `batch`.
pub fn item_type(map: &Map) -> Result<TokenStream, CodegenError> {
    let item = type_path(&map.item)?;
    Ok(match map.batch {
        Some(_) => quote!([#item]),
        None => item,
    })
}

/// One method of the trait.
pub struct Method {
    /// The method name.
    pub name: String,
    /// The id of the step (or branch) that calls it.
    pub step: String,
    doc: String,
    /// Whether it receives the callback id first.
    pub callback_id: bool,
    /// Its parameters after `&self` (and the callback id).
    pub params: Vec<Param>,
    /// The type of its successful result.
    pub output: TokenStream,
}

/// One parameter of a method: `name: &ty`.
pub struct Param {
    /// The parameter name.
    pub name: TokenStream,
    /// The type it borrows.
    pub ty: TokenStream,
}

fn params(
    workflow: &Workflow,
    reads: &[Read],
    item: Option<&TokenStream>,
) -> Result<Vec<Param>, CodegenError> {
    reads
        .iter()
        .map(|read| {
            let name = ident(&read.ident);
            let ty = read_type(workflow, read, item)?;
            Ok(Param {
                name: quote!(#name),
                ty,
            })
        })
        .collect()
}

/// The methods of the `Activities` trait of `workflow`, in declaration order.
pub fn methods(workflow: &Workflow, file: &str) -> Result<Vec<Method>, CodegenError> {
    let mut methods: Vec<Method> = Vec::new();
    for step in outside_maps(&workflow.steps) {
        let at = location(file, step.position);
        let found = match &step.kind {
            StepKind::Task(task) => vec![Method {
                name: task.method.clone(),
                step: step.id.clone(),
                doc: format!("Step `{}` ({at}).", step.id),
                callback_id: false,
                params: params(workflow, &step.reads, None)?,
                output: optional_type(task.output.as_ref())?,
            }],
            StepKind::Parallel(branches) => branches
                .iter()
                .map(|branch| {
                    Ok(Method {
                        name: branch.task.method.clone(),
                        step: branch.id.clone(),
                        doc: format!(
                            "Branch `{}` of step `{}` ({}).",
                            branch.id,
                            step.id,
                            location(file, branch.position)
                        ),
                        callback_id: false,
                        params: params(workflow, &branch.reads, None)?,
                        output: optional_type(branch.task.output.as_ref())?,
                    })
                })
                .collect::<Result<Vec<_>, CodegenError>>()?,
            StepKind::Callback(callback) => vec![Method {
                name: callback.submitter.clone(),
                step: step.id.clone(),
                doc: format!(
                    "Submitter of callback step `{}` ({at}): hands `callback_id` to whoever completes the callback.",
                    step.id
                ),
                callback_id: true,
                params: params(workflow, &step.reads, None)?,
                output: quote!(()),
            }],
            StepKind::Poll(poll) => vec![Method {
                name: poll.task.method.clone(),
                step: step.id.clone(),
                doc: format!(
                    "Check of poll step `{}` ({at}): called once per check until `{}` is true.",
                    step.id, poll.done
                ),
                callback_id: false,
                params: params(workflow, &step.reads, None)?,
                output: optional_type(poll.task.output.as_ref())?,
            }],
            StepKind::Map(map) => {
                let item = item_type(map)?;
                step.map_tasks()
                    .into_iter()
                    .map(
                        |MapTask {
                             id,
                             task,
                             reads,
                             position,
                             ..
                         }| {
                            let what = if map.batch.is_some() {
                                "each batch of elements"
                            } else {
                                "each element"
                            };
                            let doc = if id == step.id {
                                format!(
                                    "Map `{}` ({}), for {what}.",
                                    step.id,
                                    location(file, position)
                                )
                            } else {
                                format!(
                                    "Step `{id}` of map `{}` ({}), for {what}.",
                                    step.id,
                                    location(file, position)
                                )
                            };
                            Ok(Method {
                                name: task.method.clone(),
                                step: id.to_string(),
                                doc,
                                callback_id: false,
                                params: params(workflow, reads, Some(&item))?,
                                output: optional_type(task.output.as_ref())?,
                            })
                        },
                    )
                    .collect::<Result<Vec<_>, CodegenError>>()?
            }
            StepKind::Invoke(_)
            | StepKind::Wait(_)
            | StepKind::Succeed(_)
            | StepKind::Fail(_)
            | StepKind::Choice(_)
            | StepKind::Group(_)
            | StepKind::Use(_) => Vec::new(),
        };
        for method in found {
            // A method used by several steps is declared once, with its first signature.
            if !methods.iter().any(|known| known.name == method.name) {
                methods.push(method);
            }
        }
    }
    Ok(methods)
}

/// The steps and those of choice arms and groups, in file order; the steps of a map are declared with their map.
fn outside_maps(steps: &[Step]) -> Vec<&Step> {
    let mut out = Vec::new();
    for step in steps {
        out.push(step);
        if let StepKind::Choice(_) | StepKind::Group(_) = step.kind {
            for list in step.nested_lists() {
                out.extend(outside_maps(list));
            }
        }
    }
    out
}

/// The `Activities` trait: one method per task, branch, callback submitter, map task and poll check.
pub fn activities_trait(workflow: &Workflow, file: &str) -> Result<TokenStream, CodegenError> {
    let methods = methods(workflow, file)?.into_iter().map(|method| {
        let name = ident(&method.name);
        let doc = method.doc;
        let callback_id = method.callback_id.then(|| quote!(callback_id: &str,));
        let params = method
            .params
            .iter()
            .map(|Param { name, ty }| quote!(#name: &#ty));
        let output = method.output;
        quote! {
            #[doc = #doc]
            fn #name(
                &self,
                #callback_id
                #(#params,)*
            ) -> impl ::core::future::Future<Output = ::core::result::Result<#output, Error>>
                   + ::core::marker::Send;
        }
    });
    // The workflows this one uses run on the same activities: their traits are supertraits.
    let used = workflow.used_workflows().into_iter().map(|used| {
        let module = ident(&used.workflow.ident);
        quote!(#module::Activities +)
    });
    Ok(quote! {
        /// The work of each step, implemented by the application (and by test doubles).
        ///
        /// Each method runs inside a durable step: its result is checkpointed, and replays do
        /// not call it again.
        pub trait Activities: #(#used)* ::core::marker::Send + ::core::marker::Sync + 'static {
            #(#methods)*
        }
    })
}
