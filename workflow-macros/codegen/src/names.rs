//! Identifiers and type paths from the spec, as tokens.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;
use workflow_spec::{Position, TypePath};

use crate::CodegenError;

/// An identifier the spec already validated as snake_case or UpperCamelCase.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// A type path written in the spec, e.g. `crate::tier::UpgradeRequest`.
pub fn type_path(path: &TypePath) -> Result<TokenStream, CodegenError> {
    parse_type(&path.path, path.position)
}

/// A type path or `()` when the spec gives none.
pub fn optional_type(path: Option<&TypePath>) -> Result<TokenStream, CodegenError> {
    match path {
        Some(path) => type_path(path),
        None => Ok(quote!(())),
    }
}

fn parse_type(text: &str, position: Position) -> Result<TokenStream, CodegenError> {
    syn::parse_str::<syn::Type>(text)
        .map(|ty| quote!(#ty))
        .map_err(|error| CodegenError {
            message: format!("`{text}` is not a Rust type: {error}"),
            position,
        })
}

/// A `Duration` expression, in whole seconds when exact.
pub fn duration(value: std::time::Duration) -> TokenStream {
    if value.subsec_nanos() == 0 {
        let secs = Literal::u64_unsuffixed(value.as_secs());
        quote!(rt::Duration::from_secs(#secs))
    } else {
        let millis = Literal::u64_unsuffixed(u64::try_from(value.as_millis()).unwrap_or(u64::MAX));
        quote!(rt::Duration::from_millis(#millis))
    }
}

/// `file:line:col`, for doc comments that lead back to the YAML.
pub fn location(file: &str, position: Position) -> String {
    format!("{file}:{}:{}", position.line, position.col)
}
