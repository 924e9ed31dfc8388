//! Page rendering: the built-in tera templates, overridable per view from the app's own
//! template directory (`web.templatesDir`).
//!
//! Template names end in `.html`, so tera escapes every value (user input included).

use std::path::Path;

use actix_web::{HttpResponse, http::StatusCode};
use tera::{Context, Tera};

use crate::Error;

/// The built-in templates, compiled into the crate.
macro_rules! built_in {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

const BUILT_IN: &[(&str, &str)] = built_in![
    "base.html",
    "field.html",
    "form.html",
    "links.html",
    "social.html",
    "login.html",
    "register.html",
    "forbidden.html",
    "forgot-password.html",
    "change-password.html",
    "verify.html",
    "settings.html",
    "email/layout.html",
    "email/password-reset.html",
    "email/password-reset.txt",
    "email/verification.html",
    "email/verification.txt",
    "email/password-changed.html",
    "email/password-changed.txt",
    "email/api-key-created.html",
    "email/api-key-created.txt",
];

/// The page renderer.
pub(crate) struct Templates {
    tera: Tera,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

impl Templates {
    /// Loads the built-in templates, then every `*.html` file of `override_dir` under its
    /// file name (so `login.html` there replaces the built-in login page).
    pub(crate) fn load(override_dir: Option<&str>) -> Result<Self, Error> {
        let mut templates: Vec<(String, String)> = BUILT_IN
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect();
        if let Some(dir) = override_dir {
            let entries = std::fs::read_dir(dir).map_err(|e| Error::Config {
                key: "web.templatesDir".into(),
                message: format!("cannot read {dir}: {e}"),
            })?;
            let nested = std::fs::read_dir(Path::new(dir).join("email"))
                .into_iter()
                .flatten();
            for entry in entries.flatten().chain(nested.flatten()) {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "html" || e == "txt") {
                    let name = relative_name(Path::new(dir), &path);
                    let text = std::fs::read_to_string(&path).map_err(|e| Error::Config {
                        key: "web.templatesDir".into(),
                        message: format!("cannot read {}: {e}", path.display()),
                    })?;
                    templates.retain(|(n, _)| *n != name);
                    templates.push((name, text));
                }
            }
        }
        let mut tera = Tera::default();
        tera.set_escape_fn(escape_html);
        tera.add_raw_templates(templates)
            .map_err(|e| Error::Config {
                key: "web.templatesDir".into(),
                message: format!("a template does not compile: {}", describe(&e)),
            })?;
        Ok(Self { tera })
    }

    /// Renders a template by its full name (`email/verification.txt`).
    #[cfg_attr(not(feature = "embedded"), allow(dead_code))]
    pub(crate) fn render(&self, name: &str, ctx: &Context) -> Result<String, Error> {
        self.tera
            .render(name, ctx)
            .map_err(|e| Error::Template(describe(&e)))
    }

    /// Renders `view` (a view name such as `login`) into an HTML response.
    pub(crate) fn page(
        &self,
        view: &str,
        ctx: &Context,
        status: StatusCode,
    ) -> Result<HttpResponse, Error> {
        let body = self
            .tera
            .render(&format!("{view}.html"), ctx)
            .map_err(|e| Error::Template(describe(&e)))?;
        Ok(html(status, body))
    }
}

/// An HTML response with the security headers every page carries.
pub(crate) fn html(status: StatusCode, body: String) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type("text/html; charset=utf-8");
    security_headers(&mut res);
    res.body(body)
}

/// Headers for pages of the auth flow: CSP, no sniffing, no framing, no caching (HSTS comes
/// from the routes' middleware, which sees the request).
fn security_headers(res: &mut actix_web::HttpResponseBuilder) {
    for header in crate::headers::PAGE {
        res.insert_header(header);
    }
}

/// Escapes text for HTML content and quoted attributes. Unlike tera's default it leaves `/`
/// alone, so paths in `href` and `action` stay readable.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A template's name: its path below the override directory, with `/` separators.
fn relative_name(dir: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(dir).unwrap_or(path);
    relative
        .iter()
        .map(|p| p.to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A tera error with its causes (tera's own `Display` shows only the outermost).
fn describe(err: &tera::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_ins_compile_and_escape() {
        let t = Templates::load(None).unwrap();
        let mut ctx = Context::new();
        ctx.insert("app_name", "<b>App</b>");
        ctx.insert("title", "x");
        ctx.insert("message", "\"><script>alert(1)</script>");
        let res = t.tera.render("forbidden.html", &ctx).unwrap();
        assert!(!res.contains("<script>alert"));
        assert!(res.contains("&lt;b&gt;App"));
    }
}
