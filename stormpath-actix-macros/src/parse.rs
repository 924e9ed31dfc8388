//! Stage 1: tokens into a small typed model. Only syntax is checked here; the rules (an
//! `async fn`, at least one group, …) are [`validate`](crate::validate)'s job, so that every
//! mistake gets its own message spanned at the token that caused it.

use proc_macro2::TokenStream;
use syn::{
    Attribute, Expr, Ident, LitStr, Signature, Token, Visibility, braced,
    ext::IdentExt,
    parse::{Parse, ParseStream},
    punctuated::Punctuated,
};

/// Which macro is running; the messages name it.
#[derive(Clone, Copy)]
pub(crate) enum Macro {
    LoginRequired,
    GroupsRequired,
}

impl Macro {
    /// The attribute as users write it, for messages.
    pub(crate) fn attr(self) -> &'static str {
        match self {
            Self::LoginRequired => "#[login_required]",
            Self::GroupsRequired => "#[groups_required]",
        }
    }
}

/// The annotated handler. The body stays raw tokens: it is moved, untouched, into the inner
/// fn, so syn never has to understand it and rustc reports its errors as written.
pub(crate) struct Handler {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    /// The statements between the braces.
    pub(crate) body: TokenStream,
}

impl Parse for Handler {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let content;
        braced!(content in input);
        let body = content.parse()?;
        Ok(Self {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

/// Parses the item under the attribute. Anything but a fn with a body (a struct, a trait
/// method without one, …) gets the same message as a non-async fn.
pub(crate) fn handler(mac: Macro, item: TokenStream) -> syn::Result<Handler> {
    syn::parse2(item).map_err(|err| {
        syn::Error::new(
            err.span(),
            format!(
                "{} can only be used on an async fn (an actix-web handler)",
                mac.attr()
            ),
        )
    })
}

/// One argument of `#[groups_required(...)]`, as written.
pub(crate) enum GroupArg {
    /// `"admins"`.
    Group(LitStr),
    /// `name = value`; only `all = <bool>` is valid.
    Option { name: Ident, value: Expr },
    /// Anything else where a group name belongs (`ADMINS`, `all`, `42`).
    Other(Expr),
}

impl Parse for GroupArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return input.parse().map(Self::Group);
        }
        if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let name = input.call(Ident::parse_any)?;
            input.parse::<Token![=]>()?;
            let value = input.parse()?;
            return Ok(Self::Option { name, value });
        }
        input.parse().map(Self::Other)
    }
}

/// The arguments of `#[groups_required(...)]`, comma-separated, in order.
pub(crate) fn group_args(args: TokenStream) -> syn::Result<Vec<GroupArg>> {
    let parser = Punctuated::<GroupArg, Token![,]>::parse_terminated;
    syn::parse::Parser::parse2(parser, args).map(|args| args.into_iter().collect())
}
