//! The runtime of `#[login_required]`, `#[groups_required]` and `#[derive(CustomData)]`. Not
//! part of the public API: only the macros' output names it, and it may change in any release.

use std::{future::Future, pin::Pin, rc::Rc};

use actix_web::{
    FromRequest, HttpRequest, HttpResponse, Responder, body::BoxBody, dev::Payload,
    http::StatusCode,
};

use crate::{CurrentUser, CustomField, Error, Stormpath, ValueType, auth, negotiate};

/// The hidden extractor `#[login_required]` adds: the handler runs only for a logged-in caller.
pub struct RequireLogin {
    user: CurrentUser,
    resolved: Rc<auth::Resolved>,
    req: HttpRequest,
    sp: Stormpath,
}

impl FromRequest for RequireLogin {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (sp, resolved, caller) = auth::require(&req).await?;
            let user = CurrentUser::new(&caller, &sp);
            Ok(Self {
                user,
                resolved,
                req,
                sp,
            })
        })
    }
}

impl RequireLogin {
    /// Checks group membership: all of `groups` when `all`, else at least one.
    ///
    /// # Errors
    /// The `403` response to send (an HTML page or `{status, message}` JSON), or a `500` when
    /// the store fails.
    pub async fn require_groups(&self, groups: &[&str], all: bool) -> Result<(), HttpResponse> {
        let sp = &self.sp;
        let names = match sp.backend().group_names(&self.user.id).await {
            Ok(names) => names,
            Err(err) => return Err(actix_web::ResponseError::error_response(&Error::from(err))),
        };
        let has = |g: &&str| names.iter().any(|n| n.eq_ignore_ascii_case(g));
        let allowed = if all {
            groups.iter().all(has)
        } else {
            groups.iter().any(has)
        };
        if allowed {
            Ok(())
        } else {
            Err(forbidden(&self.req, sp))
        }
    }
}

/// The 403 for a caller outside the required groups, with the plugin's security headers.
fn forbidden(req: &HttpRequest, sp: &Stormpath) -> HttpResponse {
    let mut res = forbidden_page(req, sp);
    crate::headers::add_plugin_set(req, res.headers_mut());
    res
}

fn forbidden_page(req: &HttpRequest, sp: &Stormpath) -> HttpResponse {
    const MESSAGE: &str = "You do not have permission to access this page.";
    let format = negotiate::request_format(req, &sp.settings().produces);
    if format == Some(negotiate::Format::Html) {
        let mut ctx = crate::pages::page_context(sp, "Access Denied");
        ctx.insert("message", MESSAGE);
        if let Ok(res) = sp
            .templates()
            .page("forbidden", &ctx, StatusCode::FORBIDDEN)
        {
            return res;
        }
    }
    Error::json(StatusCode::FORBIDDEN, MESSAGE)
}

/// What a guarded handler returns: its own response plus the cookies authentication asked
/// for (a refreshed access token), or the rejection.
pub struct Guarded<R>(Outcome<R>);

enum Outcome<R> {
    /// The handler ran.
    Allowed(Rc<auth::Resolved>, R),
    /// The caller was turned away.
    Denied(HttpResponse),
}

impl<R> Guarded<R> {
    /// Wraps a handler's output.
    pub fn new(guard: RequireLogin, out: R) -> Self {
        Self(Outcome::Allowed(guard.resolved, out))
    }

    /// A rejection.
    pub fn denied(res: HttpResponse) -> Self {
        Self(Outcome::Denied(res))
    }
}

impl<R: Responder> Responder for Guarded<R> {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse<BoxBody> {
        match self.0 {
            Outcome::Allowed(resolved, out) => {
                let mut res = out.respond_to(req).map_into_boxed_body();
                auth::add_cookies(&mut res, &resolved);
                res
            }
            Outcome::Denied(res) => res,
        }
    }
}

/// For the macros: the user the guard resolved.
impl RequireLogin {
    /// The logged-in user.
    #[must_use]
    pub fn user(&self) -> &CurrentUser {
        &self.user
    }
}

/// For `#[derive(CustomData)]`: the types a registration field can hold, and what they are.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a registration field",
    label = "not a type a registration field can hold",
    note = "registration fields hold String, bool, an integer or float type, or an Option of \
            one; mark other fields #[stormpath(skip)]"
)]
pub trait FieldValue {
    /// What the value is.
    const TYPE: ValueType;
    /// Whether it may be missing (`Option<_>`).
    const OPTIONAL: bool = false;
}

impl FieldValue for String {
    const TYPE: ValueType = ValueType::Text;
}

impl FieldValue for bool {
    const TYPE: ValueType = ValueType::Bool;
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl FieldValue for $t {
            // Lossless: every one of these types fits in an i128.
            const TYPE: ValueType = ValueType::integer(<$t>::MIN as i128, <$t>::MAX as i128);
        }
    )*};
}

integers!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl FieldValue for f32 {
    const TYPE: ValueType = ValueType::Float {
        max: f32::MAX as f64,
    };
}

impl FieldValue for f64 {
    const TYPE: ValueType = ValueType::Float { max: f64::MAX };
}

impl<T: FieldValue> FieldValue for Option<T> {
    const TYPE: ValueType = T::TYPE;
    const OPTIONAL: bool = true;
}

/// A form field of type `T` named `name`.
#[must_use]
pub fn field<T: FieldValue>(name: &'static str) -> CustomField {
    let field = CustomField::new(name, T::TYPE);
    if T::OPTIONAL { field.optional() } else { field }
}

/// A stored field that is never on the form.
#[must_use]
pub fn skipped_field(name: &'static str) -> CustomField {
    CustomField::new(name, ValueType::Text).skip()
}

/// For the cargo-fuzz targets (`fuzz/`): reads `body` as the `Input`
/// extractor does — a JSON object (`json`) or an urlencoded form — and must never panic.
pub fn fuzz_body(json: bool, body: &[u8]) {
    let kind = if json {
        crate::input::BodyKind::Json
    } else {
        crate::input::BodyKind::Form
    };
    let _ = crate::input::parse(kind, body);
}
