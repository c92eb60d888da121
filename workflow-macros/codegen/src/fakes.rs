//! `pub mod fake`: a programmable fake of the workflow's `Activities`, generated with the `fakes` option.
//!
//! `FakeActivities` has one shared `workflow_runtime::fake::Replies` per method, named like the method, and one field
//! per used workflow holding that workflow's own fake (`<name>_workflow`); it implements this workflow's trait
//! from its replies and the traits of the workflows it uses, at any depth, by handing each call to the fake of
//! the workflow that declares the method.

use proc_macro2::TokenStream;
use quote::quote;
use workflow_spec::Workflow;

use crate::CodegenError;
use crate::activities::{Method, Param, methods};
use crate::names::ident;

/// The `fake` module of `workflow`'s generated module.
pub fn fake_module(workflow: &Workflow, file: &str) -> Result<TokenStream, CodegenError> {
    let own = methods(workflow, file)?;
    let reply_fields = own.iter().map(|method| {
        let name = ident(&method.name);
        let output = &method.output;
        let doc = format!(
            "What `{}` (step `{}`) answers, one queued reply per call.",
            method.name, method.step
        );
        quote! {
            #[doc = #doc]
            pub #name: ::std::sync::Arc<::workflow_runtime::fake::Replies<#output, super::ErrorKind>>,
        }
    });
    let reply_defaults = own.iter().map(|method| {
        let name = ident(&method.name);
        let (text, step) = (&method.name, &method.step);
        quote!(#name: ::std::sync::Arc::new(::workflow_runtime::fake::Replies::new(#text, #step)),)
    });
    let used = workflow.used_workflows();
    let used_fields = used.iter().map(|used| {
        let field = used_field(&used.workflow);
        let module = ident(&used.workflow.ident);
        let doc = format!(
            "The fake of the workflow `{}` (`{}`), which answers its activities.",
            used.workflow.name, used.path
        );
        quote! {
            #[doc = #doc]
            pub #field: super::#module::fake::FakeActivities,
        }
    });
    let used_defaults = used.iter().map(|used| {
        let field = used_field(&used.workflow);
        quote!(#field: ::core::default::Default::default(),)
    });
    let own_impls = own.iter().map(|method| {
        let name = ident(&method.name);
        let signature = signature(method, false);
        let output = &method.output;
        quote! {
            async fn #name(#signature) -> ::core::result::Result<#output, super::Error> {
                self.#name.next()
            }
        }
    });
    // The traits of the used workflows, at any depth: each call goes down the fields to the fake that answers it.
    let mut delegations = Vec::new();
    delegate(workflow, &quote!(super), &quote!(), &mut delegations)?;
    let doc = format!(
        "A fake of `Activities` for tests: each method answers the next reply queued in its field \
         (`fake.{}.ok(value)`, `.fail(ErrorKind::..., \"message\")`), and counts its calls.",
        own.first()
            .map_or_else(|| "method".to_string(), |method| method.name.clone())
    );
    Ok(quote! {
        /// Test doubles of this workflow's activities (generated with the `fakes` feature of
        /// `workflow-runtime`).
        pub mod fake {
            #[doc = #doc]
            ///
            /// Clones share their replies and counters: hand a clone to the handler and read the
            /// counters on the original after the run.
            #[derive(Debug, Clone)]
            pub struct FakeActivities {
                #(#reply_fields)*
                #(#used_fields)*
            }

            impl ::core::default::Default for FakeActivities {
                fn default() -> Self {
                    Self {
                        #(#reply_defaults)*
                        #(#used_defaults)*
                    }
                }
            }

            impl super::Activities for FakeActivities {
                #(#own_impls)*
            }

            #(#delegations)*
        }
    })
}

/// The field of a fake that holds the fake of the used workflow `workflow`.
fn used_field(workflow: &Workflow) -> proc_macro2::Ident {
    ident(&format!("{}_workflow", workflow.ident))
}

/// `&self, <callback id>, <params>`; with `forwarded` false the parameters are named `_<name>` (a fake that
/// answers from its replies does not read them).
fn signature(method: &Method, forwarded: bool) -> TokenStream {
    let prefix = if forwarded { "" } else { "_" };
    let callback_id = method.callback_id.then(|| {
        let name = ident(&format!("{prefix}callback_id"));
        quote!(#name: &str,)
    });
    let params = method.params.iter().map(|Param { name, ty }| {
        let name = ident(&format!("{prefix}{name}"));
        quote!(#name: &#ty)
    });
    quote!(&self, #callback_id #(#params),*)
}

/// Implementations, for the root fake, of the traits of the workflows `workflow` uses (`module` is the path of
/// `workflow`'s module from the fake module, `fields` the path of its fake from the root fake), recursively.
fn delegate(
    workflow: &Workflow,
    module: &TokenStream,
    fields: &TokenStream,
    out: &mut Vec<TokenStream>,
) -> Result<(), CodegenError> {
    for used in workflow.used_workflows() {
        let used_module_name = ident(&used.workflow.ident);
        let used_module = quote!(#module::#used_module_name);
        let field = used_field(&used.workflow);
        let used_fields = quote!(#fields.#field);
        let calls = methods(&used.workflow, &used.path)?
            .into_iter()
            .map(|method| {
                let name = ident(&method.name);
                let output = &method.output;
                let signature = signature(&method, true);
                let callback = method.callback_id.then(|| quote!(callback_id,));
                let args = method.params.iter().map(|param| &param.name);
                quote! {
                    fn #name(#signature) -> impl ::core::future::Future<
                        Output = ::core::result::Result<#output, #used_module::Error>,
                    > + ::core::marker::Send {
                        #used_module::Activities::#name(&self #used_fields, #callback #(#args),*)
                    }
                }
            })
            .collect::<Vec<_>>();
        out.push(quote! {
            impl #used_module::Activities for FakeActivities {
                #(#calls)*
            }
        });
        delegate(&used.workflow, &used_module, &used_fields, out)?;
    }
    Ok(())
}
