//! Stage 2: the rules. Every check reports at the offending token, and all mistakes are
//! reported together rather than one per build.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use syn::{Expr, ExprLit, FnArg, Lit, LitStr, PatType, ReturnType, Type, spanned::Spanned};

use crate::parse::{GroupArg, Handler, Macro};

/// actix-web implements `Handler` for fns of up to 16 extractor arguments, and the expansion
/// adds one of its own.
const MAX_HANDLER_ARGS: usize = 16 - 1;

/// Collects every error instead of stopping at the first.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, err: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(err),
            None => self.0 = Some(err),
        }
    }

    pub(crate) fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// How many errors so far.
    pub(crate) fn count(&self) -> usize {
        self.0.as_ref().map_or(0, |e| e.clone().into_iter().count())
    }

    pub(crate) fn finish<T>(self, ok: T) -> syn::Result<T> {
        self.0.map_or(Ok(ok), Err)
    }
}

/// A handler the expansion can wrap: an `async fn` whose arguments are all extractors.
pub(crate) struct Checked<'a> {
    pub(crate) handler: &'a Handler,
    /// The arguments, in order (receivers are rejected).
    pub(crate) args: Vec<&'a PatType>,
}

/// What `#[groups_required]` asks for.
pub(crate) struct Requirement {
    /// The group names, as written, in order.
    pub(crate) groups: Vec<LitStr>,
    /// Every group (`all = true`) rather than at least one.
    pub(crate) all: bool,
}

/// Checks that the handler is something the expansion can wrap.
pub(crate) fn handler(mac: Macro, handler: &Handler) -> syn::Result<Checked<'_>> {
    let mut errors = Errors::default();
    let attr = mac.attr();
    let sig = &handler.sig;

    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token.span,
            format!("{attr} can only be used on an async fn (an actix-web handler)"),
        );
    }
    if !sig.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            format!(
                "{attr} cannot be used on a generic fn: an actix-web handler needs concrete \
                 argument and return types"
            ),
        ));
    } else if let Some(clause) = &sig.generics.where_clause {
        errors.push(syn::Error::new_spanned(
            clause,
            format!("{attr} cannot be used on a fn with a `where` clause"),
        ));
    }

    let mut typed = Vec::with_capacity(sig.inputs.len());
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.push(syn::Error::new_spanned(
                receiver,
                format!(
                    "{attr} cannot be used on a method: `self` is not an extractor; make the \
                     handler a free async fn"
                ),
            )),
            FnArg::Typed(arg) => typed.push(arg),
        }
    }
    if let Some(extra) = sig.inputs.iter().nth(MAX_HANDLER_ARGS) {
        errors.push(syn::Error::new_spanned(
            extra,
            format!(
                "{attr} adds an extractor argument of its own, and an actix-web handler takes at \
                 most 16: this handler can take at most {MAX_HANDLER_ARGS} (it takes {})",
                sig.inputs.len()
            ),
        ));
    }
    // actix-web 4 has no `Responder` for `()`, so such a fn could never be registered; its
    // own `#[get]` refuses it too. Say so here rather than at the `.service(...)` call.
    let unit = match &sig.output {
        ReturnType::Default => Some(sig.ident.span()),
        ReturnType::Type(_, ty) => match &**ty {
            Type::Tuple(tuple) if tuple.elems.is_empty() => Some(tuple.span()),
            _ => None,
        },
    };
    if let Some(span) = unit {
        errors.at(
            span,
            format!(
                "{attr} needs a handler that returns a response, and actix-web has no \
                 `Responder` for `()`: return e.g. `HttpResponse` or `&'static str`"
            ),
        );
    }
    errors.finish(Checked {
        handler,
        args: typed,
    })
}

/// Both results, or every error of the two.
pub(crate) fn both<A, B>(a: syn::Result<A>, b: syn::Result<B>) -> syn::Result<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(mut a), Err(b)) => {
            a.combine(b);
            Err(a)
        }
        (Err(err), Ok(_)) | (Ok(_), Err(err)) => Err(err),
    }
}

/// `#[login_required]` takes no arguments.
pub(crate) fn no_args(args: &TokenStream) -> syn::Result<()> {
    if args.is_empty() {
        return Ok(());
    }
    Err(syn::Error::new_spanned(
        args,
        "#[login_required] takes no arguments; to require groups, use \
         #[groups_required(\"admins\")] instead",
    ))
}

/// The rules for `#[groups_required(...)]`'s arguments.
pub(crate) fn groups(args: Vec<GroupArg>) -> syn::Result<Requirement> {
    let mut errors = Errors::default();
    let mut groups: Vec<LitStr> = Vec::new();
    // Lower-cased name → the literal that first named it (the runtime ignores ASCII case).
    let mut seen: HashMap<String, LitStr> = HashMap::new();
    let mut all = false;
    let mut all_seen = false;
    let mut group_like = false;

    for arg in args {
        match arg {
            GroupArg::Group(lit) => {
                group_like = true;
                let name = lit.value();
                if name.trim().is_empty() {
                    errors.at(
                        lit.span(),
                        "group name is empty: name the group, e.g. #[groups_required(\"admins\")]",
                    );
                } else if name.trim() != name {
                    errors.at(
                        lit.span(),
                        "group name has leading or trailing whitespace: write it exactly as the \
                         group is named",
                    );
                } else if let Some(first) = seen.get(&name.to_ascii_lowercase()) {
                    let first = first.value();
                    let message = if first == name {
                        format!("group {name:?} is listed more than once")
                    } else {
                        format!(
                            "group {name:?} is listed more than once (same as {first:?}: group \
                             names are matched ignoring case)"
                        )
                    };
                    errors.at(lit.span(), message);
                } else {
                    seen.insert(name.to_ascii_lowercase(), lit.clone());
                    groups.push(lit);
                }
            }
            GroupArg::Option { name, value } if name == "all" => {
                if all_seen {
                    errors.at(name.span(), "`all` is given more than once");
                    continue;
                }
                all_seen = true;
                match value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Bool(b),
                        attrs,
                    }) if attrs.is_empty() => {
                        all = b.value;
                    }
                    other => errors.push(syn::Error::new_spanned(
                        other,
                        "`all` takes `true` or `false`: `all = true` requires every listed \
                         group, `all = false` (the default) any one of them",
                    )),
                }
            }
            GroupArg::Option { name, .. } => errors.at(
                name.span(),
                format!(
                    "unknown option `{name}`; the only option is `all = true` (require every \
                     listed group instead of any one)"
                ),
            ),
            GroupArg::Other(Expr::Path(path)) if path.path.is_ident("all") => {
                errors.push(syn::Error::new_spanned(
                    path,
                    "`all` needs a value: write `all = true` to require every listed group",
                ));
            }
            GroupArg::Other(other) => {
                group_like = true;
                errors.push(syn::Error::new_spanned(
                    other,
                    "group names must be string literals, e.g. #[groups_required(\"admins\")]",
                ));
            }
        }
    }

    if !group_like {
        errors.at(
            Span::call_site(),
            "#[groups_required] needs at least one group name, e.g. #[groups_required(\"admins\")]",
        );
    }
    errors.finish(Requirement { groups, all })
}
