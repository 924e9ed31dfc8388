//! The email templates of a directory's policies (rest-api.md §5.4):
//! `GET {passwordPolicy}/resetEmailTemplates`, `GET
//! {accountCreationPolicy}/verificationEmailTemplates` (one template each) and
//! `GET|POST /emailTemplates/{id}`. The wording is the server's; what a POST changes is
//! `defaultModel.linkBaseUrl`, where the emailed links point (`{linkBaseUrl}?sptoken=…`);
//! `null` goes back to the default.

use super::router::Router;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use stormpath_store::admin::{Directory, Patch, Policies};

use super::{ok, structure::load_directory};
use crate::{
    body::JsonObject,
    error::{ApiError, ApiResult},
    mail::Template,
    params::Params,
    shape::{collection, resource},
    state::State,
};

type Data = web::Data<State>;

/// The longest link base URL accepted.
const MAX_URL_LEN: usize = 2048;

pub(super) fn configure(cfg: &mut Router<'_>) {
    cfg.get(
        "/passwordPolicies/{id}/resetEmailTemplates",
        reset_templates,
    )
    .get(
        "/accountCreationPolicies/{id}/verificationEmailTemplates",
        verification_templates,
    )
    .get("/emailTemplates/{id}", get_template)
    .post("/emailTemplates/{id}", update_template);
}

/// The JSON of a directory's template.
fn template_json(state: &State, directory: &Directory, template: Template) -> Value {
    let id = format!("{}{}", directory.meta.id, template.letter());
    let mut map = resource(&state.href("emailTemplates", &id), &directory.meta);
    let (subject, text, html) = template.text();
    let (from_name, from_address) = state.store.mailer().sender();
    map.insert("name".into(), json!(template.name()));
    map.insert(
        "description".into(),
        json!(format!(
            "{} of the directory {}",
            template.name(),
            directory.name
        )),
    );
    map.insert("fromName".into(), json!(from_name));
    map.insert("fromEmailAddress".into(), json!(from_address));
    map.insert("subject".into(), json!(subject));
    map.insert("textBody".into(), json!(text));
    map.insert("htmlBody".into(), json!(html));
    map.insert("mimeType".into(), json!("multipart/alternative"));
    map.insert(
        "defaultModel".into(),
        json!({ "linkBaseUrl": template.link(directory) }),
    );
    Value::Object(map)
}

async fn templates(
    state: &State,
    id: &str,
    params: &Params,
    template: Template,
    owner: &str,
    member: &str,
) -> ApiResult<HttpResponse> {
    let list = params.list(&[])?;
    let directory = load_directory(state, id).await?;
    let items = if list.offset == 0 {
        vec![template_json(state, &directory, template)]
    } else {
        Vec::new()
    };
    let href = format!("{}/{member}", state.href(owner, &directory.meta.id));
    Ok(ok(collection(&href, &list, 1, items)))
}

async fn reset_templates(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    templates(
        &state,
        &id,
        &params,
        Template::Reset,
        "passwordPolicies",
        "resetEmailTemplates",
    )
    .await
}

async fn verification_templates(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    templates(
        &state,
        &id,
        &params,
        Template::Verification,
        "accountCreationPolicies",
        "verificationEmailTemplates",
    )
    .await
}

/// The template an id names, with its directory (404 otherwise).
async fn load(state: &State, id: &str) -> ApiResult<(Template, Directory)> {
    let (template, directory) = Template::parse_id(id).ok_or_else(ApiError::not_found)?;
    Ok((template, load_directory(state, directory).await?))
}

async fn get_template(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let (template, directory) = load(&state, &id).await?;
    Ok(ok(template_json(&state, &directory, template)))
}

/// An absolute `http(s)` URL without whitespace, or `None` for `null`.
fn link_base_url(body: &JsonObject) -> ApiResult<Option<Option<String>>> {
    let bad = || {
        ApiError::bad_request(
            2002,
            "defaultModel.linkBaseUrl must be an absolute http or https URL.",
        )
    };
    let model = match body.0.get("defaultModel") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(model)) => model,
        Some(_) => {
            return Err(ApiError::bad_request(
                2002,
                "defaultModel must be an object.",
            ));
        }
    };
    match model.get("linkBaseUrl") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(url)) => {
            let url = url.trim();
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"))
                .ok_or_else(bad)?;
            let host_ok = rest
                .split(['/', '?', '#'])
                .next()
                .is_some_and(|host| !host.is_empty());
            if !host_ok
                || url.len() > MAX_URL_LEN
                || url.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(bad());
            }
            Ok(Some(Some(url.to_owned())))
        }
        Some(_) => Err(bad()),
    }
}

/// `POST /emailTemplates/{id}`: sets `defaultModel.linkBaseUrl`; the rest of the (SDK's
/// whole-object) body is ignored.
async fn update_template(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    params.expand(&[])?;
    let (template, directory) = load(&state, &id).await?;
    // The wording and the sender are the server's: posted back unchanged they are ignored,
    // changed they are refused (2003) rather than dropped.
    super::read_only::on_update(
        &body,
        &template_json(&state, &directory, template),
        &["defaultModel"],
        &[
            "name",
            "description",
            "fromName",
            "fromEmailAddress",
            "subject",
            "textBody",
            "htmlBody",
            "mimeType",
        ],
    )?;
    let Some(url) = link_base_url(&body)? else {
        return Ok(ok(template_json(&state, &directory, template)));
    };
    let mut policies: Policies = directory.policies.clone();
    match template {
        Template::Reset => policies.reset_link_base_url = url,
        Template::Verification => policies.verification_link_base_url = url,
    }
    let directory = state
        .store
        .update_directory(&directory.meta.id, Patch::default(), None, Some(policies))
        .await?;
    Ok(ok(template_json(&state, &directory, template)))
}
