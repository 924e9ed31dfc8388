//! Stage 3 of `#[derive(CustomData)]`: `impl ::stormpath::CustomData`, whose `fields()` builds
//! one `::stormpath::CustomField` per stored field with the builder calls a user would write.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Ident, spanned::Spanned};

use super::validate::{Checked, CheckedField};

/// The impl.
pub(crate) fn expand(checked: &Checked) -> TokenStream {
    let ident = &checked.ident;
    let fields = checked.fields.iter().map(field);
    quote! {
        #[automatically_derived]
        impl ::stormpath::CustomData for #ident {
            fn fields() -> ::std::vec::Vec<::stormpath::CustomField> {
                ::std::vec![#(#fields),*]
            }
        }
    }
}

fn field(field: &CheckedField) -> TokenStream {
    let private = quote!(::stormpath::__private);
    let name = &field.name;
    let ty = &field.ty;
    let key = field.key.as_ref().map(|key| quote!(.with_key(#key)));
    let Some(form) = &field.form else {
        return quote!(#private::skipped_field(#name) #key .optional());
    };
    // Spanned at the type, so that a type that only looks supported (a user's own `String`)
    // is reported there.
    let new = quote_spanned!(ty.span()=> #private::field::<#ty>(#name));
    let label = &form.label;
    let placeholder = form
        .placeholder
        .as_ref()
        .map(|p| quote!(.with_placeholder(#p)));
    let required = form.required.then(|| quote!(.required()));
    let optional = field.optional.then(|| quote!(.optional()));
    let input = form.input.as_ref().map(|variant: &Ident| {
        let variant = Ident::new(&variant.to_string(), Span::call_site());
        quote!(.with_input(::stormpath::InputType::#variant))
    });
    let max_length = form
        .max_length
        .as_ref()
        .map(|n| quote!(.with_max_length(#n)));
    let hidden = form.hidden.then(|| quote!(.hidden()));
    quote! {
        #new #key .with_label(#label) #placeholder #required #optional #input #max_length #hidden
    }
}

/// What is emitted when the derive fails: the errors, plus an empty impl (for a struct without
/// generics) so that uses of the type as `CustomData` do not fail on top of them.
pub(crate) fn fallback(ident: &Ident, generic: bool, err: &syn::Error) -> TokenStream {
    let errors = err.to_compile_error();
    if generic {
        return errors;
    }
    quote! {
        #errors
        #[automatically_derived]
        impl ::stormpath::CustomData for #ident {
            fn fields() -> ::std::vec::Vec<::stormpath::CustomField> {
                ::std::vec::Vec::new()
            }
        }
    }
}
