//! `workflow!("file.workflow.yaml")`: compiles a workflow spec into a typed durable orchestrator.
//!
//! A thin proc-macro around `workflow_codegen::expand`: it resolves the path against the calling
//! crate's `CARGO_MANIFEST_DIR`, makes the crate rebuild when the YAML changes, and turns every
//! spec diagnostic into a `compile_error!` on the path literal. Use it through
//! `workflow_runtime::workflow!`.

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use quote::quote;
use syn::LitStr;

/// Expands to `pub mod <workflow> { ... }` generated from the YAML file at the given path,
/// relative to the calling crate's `Cargo.toml` directory.
#[proc_macro]
pub fn workflow(input: TokenStream) -> TokenStream {
    let literal = syn::parse_macro_input!(input as LitStr);
    expand(&literal).into()
}

fn expand(literal: &LitStr) -> proc_macro2::TokenStream {
    let relative = literal.value();
    let file = match resolve(&relative) {
        Ok(file) => file,
        Err(message) => return compile_error(literal, &[message]),
    };
    let source = match std::fs::read_to_string(&file) {
        Ok(source) => source,
        Err(error) => {
            // The relative path keeps the message the same on every machine.
            let message = format!(
                "cannot read workflow spec `{relative}` (relative to CARGO_MANIFEST_DIR): {error}"
            );
            return compile_error(literal, &[message]);
        }
    };
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let options = workflow_codegen::Options {
        fakes: cfg!(feature = "fakes"),
    };
    match workflow_codegen::expand_with(&source, &relative, &dir, options) {
        Ok((module, used)) => {
            let tracked = std::iter::once(file)
                .chain(used)
                .map(|path| path.to_string_lossy().into_owned());
            quote! {
                // Editing the YAML, or a file it uses, recompiles the crate.
                #(const _: &[u8] = ::core::include_bytes!(#tracked);)*
                #module
            }
        }
        Err(diagnostics) => compile_error(literal, &diagnostics),
    }
}

/// The spec's path: relative paths only, resolved against `CARGO_MANIFEST_DIR`.
fn resolve(relative: &str) -> Result<PathBuf, String> {
    if Path::new(relative).is_absolute() {
        return Err(format!(
            "workflow spec path `{relative}` is absolute; write it relative to the crate's \
             Cargo.toml directory so the build works on every machine"
        ));
    }
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .ok_or_else(|| "CARGO_MANIFEST_DIR is not set; build with cargo".to_string())?;
    Ok(Path::new(&manifest_dir).join(relative))
}

/// One `compile_error!` per diagnostic, on the span of the path literal. The rendered text
/// starts with `error: ` already, which rustc adds itself.
fn compile_error(literal: &LitStr, diagnostics: &[String]) -> proc_macro2::TokenStream {
    let errors = diagnostics.iter().map(|text| {
        let text = text.strip_prefix("error: ").unwrap_or(text);
        quote::quote_spanned!(literal.span() => ::core::compile_error! { #text })
    });
    quote!(#(#errors)*)
}
