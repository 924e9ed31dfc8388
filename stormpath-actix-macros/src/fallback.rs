//! What the macros emit when they fail.

use proc_macro2::TokenStream;

/// The original item, unchanged, followed by the error as `compile_error!`.
///
/// Keeping the item (as actix-web-codegen's `input_and_compile_error` does) means the handler
/// still exists, so a mistake in the attribute does not set off follow-on errors such as
/// "cannot find value `index`" where the handler is registered, and IDEs keep working inside
/// its body.
pub(crate) fn input_and_compile_error(mut item: TokenStream, err: &syn::Error) -> TokenStream {
    item.extend(err.to_compile_error());
    item
}
