//! Stage 3: the generated code, and the drivers that run parse → validate → expand.
//!
//! The handler keeps its name, attributes and visibility, gains the hidden extractor
//! `::stormpath::__private::RequireLogin` as its first argument, and returns
//! `::stormpath::__private::Guarded<R>`. The original fn moves, unchanged, into an inner
//! `async fn` so that its patterns, `?` and `return` behave exactly as written. Everything the
//! guard does at run time lives in stormpath-actix (`src/private.rs`).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{ReturnType, Token, punctuated::Punctuated};

use crate::{
    fallback,
    parse::{self, Macro},
    validate::{self, Checked, Requirement},
};

/// `#[login_required]`.
pub(crate) fn login_required(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = validate::no_args(&args);
    run(Macro::LoginRequired, args, item, |checked, ()| {
        guarded(checked, None)
    })
}

/// `#[groups_required("a", "b", all = true)]`.
pub(crate) fn groups_required(args: TokenStream, item: TokenStream) -> TokenStream {
    let requirement = parse::group_args(args).and_then(validate::groups);
    run(
        Macro::GroupsRequired,
        requirement,
        item,
        |checked, requirement| guarded(checked, Some(&requirement)),
    )
}

/// Parses and checks the handler, then expands it with the already-checked arguments; on any
/// error, reports all of them after the untouched item.
fn run<T>(
    mac: Macro,
    args: syn::Result<T>,
    item: TokenStream,
    expand: impl FnOnce(&Checked<'_>, T) -> TokenStream,
) -> TokenStream {
    let handler = parse::handler(mac, item.clone());
    let checked = handler
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|h| validate::handler(mac, h));
    match validate::both(args, checked) {
        Ok((args, checked)) => expand(&checked, args),
        Err(err) => fallback::input_and_compile_error(item, &err),
    }
}

/// The guarded handler: see the module docs.
fn guarded(checked: &Checked<'_>, requirement: Option<&Requirement>) -> TokenStream {
    let Checked { handler, args } = checked;
    let private = quote!(::stormpath::__private);
    // Mixed-site hygiene: these locals can never clash with, or be seen by, the user's code.
    let guard = format_ident!("__sp_guard", span = Span::mixed_site());
    let denied = format_ident!("__sp_denied", span = Span::mixed_site());
    let inner = format_ident!("__sp_inner", span = Span::mixed_site());
    let arg_names: Vec<_> = (0..args.len())
        .map(|i| format_ident!("__sp_arg{i}", span = Span::mixed_site()))
        .collect();

    let output = match &handler.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };

    let mut outer_sig = handler.sig.clone();
    let mut inputs: Punctuated<syn::FnArg, Token![,]> = Punctuated::new();
    inputs.push(syn::parse_quote!(#guard: #private::RequireLogin));
    for (name, arg) in arg_names.iter().zip(args) {
        let ty = &arg.ty;
        inputs.push(syn::parse_quote!(#name: #ty));
    }
    outer_sig.inputs = inputs;
    outer_sig.output = syn::parse_quote!(-> #private::Guarded<#output>);

    let mut inner_sig = handler.sig.clone();
    inner_sig.ident = inner.clone();

    let check = requirement.map(|Requirement { groups, all }| {
        quote! {
            if let ::core::result::Result::Err(#denied) =
                #guard.require_groups(&[#(#groups),*], #all).await
            {
                return #private::Guarded::denied(#denied);
            }
        }
    });

    let attrs = &handler.attrs;
    let vis = &handler.vis;
    let body = &handler.body;
    quote! {
        #(#attrs)*
        #vis #outer_sig {
            #inner_sig {
                #body
            }
            #check
            #private::Guarded::new(#guard, #inner(#(#arg_names),*).await)
        }
    }
}
