//! The `ErrorKind` enum, the `Error` alias and the `Activities` trait of a workflow.

use proc_macro2::TokenStream;
use quote::quote;
use workflow_spec::{Read, ReadSource, Step, StepKind, Workflow};

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

        impl ::workflow_runtime::__private::DeclaredErrorKind for ErrorKind {
            fn name(self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }
        }

        /// The error an activity returns: a declared kind and a message.
        pub type Error = ::workflow_runtime::__private::ActivityError<ErrorKind>;
    }
}

/// The type of the value a read resolves to.
pub fn read_type(workflow: &Workflow, read: &Read) -> Result<TokenStream, CodegenError> {
    match read.source {
        ReadSource::Input => type_path(&workflow.input_type),
        ReadSource::Step(index) => match workflow.steps.get(index) {
            Some(step) => step_value_type(step),
            None => Err(CodegenError {
                message: format!("`{}` reads a step that does not exist", read.id),
                position: read.position,
            }),
        },
    }
}

/// The type of the value a step produces for readers.
pub fn step_value_type(step: &Step) -> Result<TokenStream, CodegenError> {
    match &step.kind {
        StepKind::Parallel(branches) => {
            let outputs = branches
                .iter()
                .map(|branch| optional_type(branch.task.output.as_ref()))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(quote!((#(#outputs,)*)))
        }
        _ => optional_type(step.output_type()),
    }
}

/// One method of the trait.
struct Method {
    name: String,
    doc: String,
    callback_id: bool,
    params: Vec<TokenStream>,
    output: TokenStream,
}

fn params(workflow: &Workflow, reads: &[Read]) -> Result<Vec<TokenStream>, CodegenError> {
    reads
        .iter()
        .map(|read| {
            let name = ident(&read.ident);
            let ty = read_type(workflow, read)?;
            Ok(quote!(#name: &#ty))
        })
        .collect()
}

fn methods(workflow: &Workflow, file: &str) -> Result<Vec<Method>, CodegenError> {
    let mut methods: Vec<Method> = Vec::new();
    for step in &workflow.steps {
        let at = location(file, step.position);
        let found = match &step.kind {
            StepKind::Task(task) => vec![Method {
                name: task.method.clone(),
                doc: format!("Step `{}` ({at}).", step.id),
                callback_id: false,
                params: params(workflow, &step.reads)?,
                output: optional_type(task.output.as_ref())?,
            }],
            StepKind::Parallel(branches) => branches
                .iter()
                .map(|branch| {
                    Ok(Method {
                        name: branch.task.method.clone(),
                        doc: format!(
                            "Branch `{}` of step `{}` ({}).",
                            branch.id,
                            step.id,
                            location(file, branch.position)
                        ),
                        callback_id: false,
                        params: params(workflow, &branch.reads)?,
                        output: optional_type(branch.task.output.as_ref())?,
                    })
                })
                .collect::<Result<Vec<_>, CodegenError>>()?,
            StepKind::Callback(callback) => vec![Method {
                name: callback.submitter.clone(),
                doc: format!(
                    "Submitter of callback step `{}` ({at}): hands `callback_id` to whoever completes the callback.",
                    step.id
                ),
                callback_id: true,
                params: params(workflow, &step.reads)?,
                output: quote!(()),
            }],
            StepKind::Invoke(_) | StepKind::Wait(_) | StepKind::Succeed(_) | StepKind::Fail(_) => {
                Vec::new()
            }
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

/// The `Activities` trait: one method per task, branch and callback submitter.
pub fn activities_trait(workflow: &Workflow, file: &str) -> Result<TokenStream, CodegenError> {
    let methods = methods(workflow, file)?.into_iter().map(|method| {
        let name = ident(&method.name);
        let doc = method.doc;
        let callback_id = method.callback_id.then(|| quote!(callback_id: &str,));
        let params = method.params;
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
    Ok(quote! {
        /// The work of each step, implemented by the application (and by test doubles).
        ///
        /// Each method runs inside a durable step: its result is checkpointed, and replays do
        /// not call it again.
        pub trait Activities: ::core::marker::Send + ::core::marker::Sync + 'static {
            #(#methods)*
        }
    })
}
