//! The `Functions` struct: where each `invoke` step sends its input.

use proc_macro2::TokenStream;
use quote::quote;
use workflow_spec::{FunctionSource, StepKind, Workflow};

use crate::names::{ident, location};

/// The struct, with one `FunctionTarget` field per `invoke` step and the used workflow's `Functions` per `use`
/// step, and its `from_env`.
pub fn functions_struct(workflow: &Workflow, file: &str) -> TokenStream {
    let uses: Vec<_> = workflow
        .all_steps()
        .into_iter()
        .filter_map(|step| match &step.kind {
            StepKind::Use(used) => Some((step, used)),
            _ => None,
        })
        .collect();
    let use_fields = uses.iter().map(|(step, used)| {
        let field = ident(&step.ident);
        let module = ident(&used.workflow.ident);
        let doc = format!(
            "Step `{}` ({}): the functions of the workflow `{}` it uses.",
            step.id,
            location(file, step.position),
            used.workflow.name
        );
        quote!(#[doc = #doc] pub #field: #module::Functions,)
    });
    let use_initializers = uses.iter().map(|(step, used)| {
        let field = ident(&step.ident);
        let module = ident(&used.workflow.ident);
        quote!(#field: #module::Functions::from_env()?,)
    });
    let invokes: Vec<_> = workflow
        .all_steps()
        .into_iter()
        .filter_map(|step| match &step.kind {
            StepKind::Invoke(invoke) => Some((step, invoke)),
            _ => None,
        })
        .collect();
    let fields = invokes.iter().map(|(step, invoke)| {
        let field = ident(&step.ident);
        let source = match &invoke.function {
            FunctionSource::Env(variable) => format!("environment variable `{variable}`"),
            FunctionSource::Name(name) => format!("function `{name}`"),
        };
        let doc = format!(
            "Step `{}` ({}): {source}.",
            step.id,
            location(file, step.position)
        );
        quote!(#[doc = #doc] pub #field: rt::FunctionTarget,)
    });
    let initializers = invokes.iter().map(|(step, invoke)| {
        let field = ident(&step.ident);
        let id = &step.id;
        match &invoke.function {
            FunctionSource::Env(variable) => quote! {
                #field: rt::FunctionTarget::from_env(#id, #variable)?,
            },
            FunctionSource::Name(name) => quote! {
                #field: rt::FunctionTarget::Lambda(
                    ::std::string::String::from(#name),
                ),
            },
        }
    });
    quote! {
        /// The functions the `invoke` steps call.
        #[derive(Debug, Clone)]
        pub struct Functions {
            #(#fields)*
            #(#use_fields)*
        }

        impl Functions {
            /// Every invoked function as configured for deployment (environment variables are
            /// read once, here, never during a replay).
            pub fn from_env() -> ::core::result::Result<
                Self,
                rt::MissingFunctionConfig,
            > {
                ::core::result::Result::Ok(Self {
                    #(#initializers)*
                    #(#use_initializers)*
                })
            }
        }
    }
}
