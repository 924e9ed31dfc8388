//! Macros for stormpath-actix: the attributes `#[login_required]` and `#[groups_required]`, and
//! `#[derive(CustomData)]`.
//!
//! Use them through the `stormpath` crate (package `stormpath-actix`), which re-exports them
//! as `stormpath::login_required`, `stormpath::groups_required` and `stormpath::CustomData`;
//! the code they generate names only `::stormpath::...` paths (the runtime in
//! `::stormpath::__private`, and the public `CustomData`, `CustomField` and `InputType`).
//!
//! The crate is a small compiler pipeline, one module per stage: `parse` (tokens into a typed
//! model), `validate` (the rules, each error spanned at its token), `expand` (the generated
//! handler) and `fallback` (on error, the untouched item plus `compile_error!`). The derive has
//! the same stages in `custom_data/`; on error it emits the messages plus an empty impl.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use proc_macro::TokenStream;

mod custom_data;
mod expand;
mod fallback;
mod parse;
mod validate;

/// Runs an actix-web handler only for a logged-in caller.
///
/// ```no_run
/// use actix_web::{App, HttpServer, get};
/// use stormpath::{CurrentUser, login_required};
///
/// #[get("/dashboard")]
/// #[login_required]
/// async fn dashboard(user: CurrentUser) -> String {
///     format!("Hello {}", user.given_name())
/// }
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     HttpServer::new(|| App::new().configure(stormpath::init).service(dashboard))
///         .bind(("127.0.0.1", 8080))?
///         .run()
///         .await
/// }
/// ```
///
/// # Behaviour
///
/// When nobody is logged in the handler does not run: HTML clients are redirected to the login
/// page with `?next=<this path>`, JSON clients get `401`. When authentication renewed the
/// caller's access token, the new cookie is added to the handler's response.
///
/// The handler does not have to take a `CurrentUser`; take one (or any other extractors) when
/// the body needs the account.
///
/// # Placement
///
/// Put it on an `async fn` handler, either below a routing attribute such as `#[get("/x")]`
/// (as above) or above it; both orders work. The handler may return any `Responder`,
/// including `Result<_, E>` with `?` in the body and `impl Responder`.
///
/// # What it generates
///
/// The handler keeps its name, visibility and attributes, gains a hidden first extractor
/// argument, and returns `Guarded<R>` (a `Responder`) instead of `R`. The body moves unchanged
/// into an inner `async fn`, so its patterns, `?` and `return` behave as written. As a
/// consequence the handler can no longer be called directly with its original arguments:
/// test it through actix-web (`actix_web::test::init_service`, or a real server).
///
/// # Compile errors
///
/// * any argument: `#[login_required]` takes none (use
///   [`#[groups_required(...)]`](macro@groups_required) for groups);
/// * the item is not an `async fn`;
/// * a generic fn, a `where` clause, or a method taking `self`;
/// * no return type, or `-> ()`: actix-web 4 has no `Responder` for `()` (its own `#[get]`
///   rejects such a fn too);
/// * more than 15 arguments (actix-web handlers take at most 16 extractors, and the guard is
///   one of them).
///
/// On an error the handler is emitted unchanged next to the message, so no other error follows
/// from it.
#[proc_macro_attribute]
pub fn login_required(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::login_required(args.into(), item.into()).into()
}

/// Runs an actix-web handler only for a logged-in caller in the given groups.
///
/// ```no_run
/// use actix_web::{App, HttpResponse, Responder, get, post};
/// use stormpath::groups_required;
///
/// /// At least one of the groups.
/// #[get("/reports")]
/// #[groups_required("admins", "auditors")]
/// async fn reports() -> impl Responder {
///     HttpResponse::Ok().body("reports")
/// }
///
/// /// Every one of the groups.
/// #[post("/payroll")]
/// #[groups_required("admins", "finance", all = true)]
/// async fn payroll() -> &'static str {
///     "paid"
/// }
///
/// let app = App::new().configure(stormpath::init).service(reports).service(payroll);
/// ```
///
/// # Arguments
///
/// * one or more group names, as string literals: the caller must be in at least one of them;
/// * `all = true` (optional, anywhere in the list): the caller must be in every one of them.
///   `all = false` is the default.
///
/// Group names are matched ignoring ASCII case.
///
/// # Behaviour
///
/// Everything [`#[login_required]`](macro@login_required) does (an anonymous caller is
/// redirected to the login page or gets `401`), then the group check: a caller outside the
/// groups gets `403` (an HTML page or `{"status": 403, "message": …}` JSON) and the handler does
/// not run. Placement, return types and the generated signature are as for
/// `#[login_required]`.
///
/// # Compile errors
///
/// Each is reported at the token at fault:
///
/// * no group name (`#[groups_required]`, `#[groups_required(all = true)]`);
/// * an empty group name (`""`), or one with leading or trailing whitespace;
/// * a group name that is not a string literal (a constant, a bare identifier, a number);
/// * the same group twice (ignoring case);
/// * an option other than `all`, `all` given twice, or `all` set to anything but `true` or
///   `false`;
/// * the handler mistakes listed for `#[login_required]`.
#[proc_macro_attribute]
pub fn groups_required(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::groups_required(args.into(), item.into()).into()
}

/// Derives `stormpath::CustomData`: a struct stored in account custom data whose fields also
/// appear on the registration form.
///
/// ```no_run
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, stormpath::CustomData)]
/// struct Profile {
///     #[stormpath(label = "Favorite color", placeholder = "e.g. blue", required)]
///     favorite_color: String,
///     #[stormpath(label = "Newsletter", input = "checkbox")]
///     newsletter: bool,
///     #[stormpath(skip)] // stored, but never on the form
///     plan: Option<String>,
/// }
///
/// # async fn demo() -> Result<(), stormpath::Error> {
/// let sp = stormpath::Stormpath::builder().custom_data::<Profile>().build().await?;
/// # Ok(()) }
/// ```
///
/// # Options
///
/// On a field, `#[stormpath(...)]` takes `label = "..."`, `placeholder = "..."`, `required`,
/// `input = "..."` (an HTML input type that fits the field: `text`, `email`, `tel`, `url`,
/// `search`, `color`, `date`, `time`, `datetime-local`, `month`, `week` for a `String`;
/// `number` or `range` for a number; `checkbox` for a `bool`), `max_length = N` (text only),
/// `hidden` (accepted on registration, not shown) and `skip` (stored, never on the form).
/// Without a label, the field name in words is used (`favorite_color` → `Favorite color`).
///
/// # Names
///
/// The form and custom-data name of a field is its serde name when `#[serde(rename = "...")]`
/// or the struct's `#[serde(rename_all = "...")]` applies, else its Rust name in camelCase
/// (`favorite_color` → `favoriteColor`).
///
/// # Compile errors
///
/// Each at the token at fault:
///
/// * not a struct with named fields, or a generic struct;
/// * `#[stormpath]` on the struct, without options, or as `#[stormpath = ...]`;
/// * an unknown option, an option given twice, a value of the wrong kind, an empty label;
/// * a form field whose type is not `String`, `bool`, an integer or float type, or an `Option`
///   of one (the message names the field; mark it `skip` to store it off the form);
/// * an input type that does not fit the field, or that does not exist;
/// * a number field that is neither `required` nor an `Option`;
/// * `hidden` with `required`, `skip` with any other option, a `skip` field that is neither an
///   `Option` nor `#[serde(default)]`;
/// * two fields with one name, or a name registration keeps for the account (`email`,
///   `password`, `givenName`, `customData`, …);
/// * `#[serde(flatten)]`, one-way serde skips, or renames that differ by direction.
#[proc_macro_derive(CustomData, attributes(stormpath))]
pub fn derive_custom_data(input: TokenStream) -> TokenStream {
    custom_data::derive(input.into()).into()
}
