//! `#[derive(CustomData)]`, in the same stages as the attribute macros: `parse` (the struct,
//! its `#[stormpath(...)]` options and the serde attributes that decide names), `validate`
//! (the rules, every error at its token), `expand` (the impl, or on error the messages plus an
//! empty impl).

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::validate::Errors;

/// Runs the derive.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    let mut errors = Errors::default();
    let parsed = parse::input(input, &mut errors);
    let checked = validate::input(&parsed, &mut errors);
    let generic = !parsed.generics.params.is_empty() || parsed.generics.where_clause.is_some();
    match (errors.finish(()), checked) {
        (Ok(()), Some(checked)) => expand::expand(&checked),
        (Err(err), _) => expand::fallback(&parsed.ident, generic, &err),
        // Unreachable: validation returns nothing only after reporting why.
        (Ok(()), None) => expand::fallback(
            &parsed.ident,
            generic,
            &syn::Error::new(parsed.ident.span(), "#[derive(CustomData)] failed"),
        ),
    }
}
