//! Stage 2 of `#[derive(CustomData)]`: the rules, each reported at the token at fault, all at
//! once. What comes out is ready to expand: names resolved, types classified.

use std::collections::HashMap;

use syn::{
    GenericArgument, Ident, LitInt, LitStr, PathArguments, Type, ext::IdentExt, spanned::Spanned,
};

use super::parse::{Field, Input, Opt, StructSerde};
use crate::validate::Errors;

/// Names registration keeps for itself (spec §5.3: core account properties, the confirmation,
/// the `customData` object, the CSRF field).
const RESERVED: &[&str] = &[
    "username",
    "email",
    "password",
    "givenName",
    "middleName",
    "surname",
    "confirmPassword",
    "customData",
    "_csrf",
];

/// The HTML input types a field may ask for, with the variant of `stormpath::InputType`.
const INPUTS: &[(&str, &str, Kind)] = &[
    ("text", "Text", Kind::Text),
    ("email", "Email", Kind::Text),
    ("tel", "Tel", Kind::Text),
    ("url", "Url", Kind::Text),
    ("search", "Search", Kind::Text),
    ("color", "Color", Kind::Text),
    ("date", "Date", Kind::Text),
    ("time", "Time", Kind::Text),
    ("datetime-local", "DateTimeLocal", Kind::Text),
    ("month", "Month", Kind::Text),
    ("week", "Week", Kind::Text),
    ("number", "Number", Kind::Number),
    ("range", "Range", Kind::Number),
    ("checkbox", "Checkbox", Kind::Bool),
];

/// What a form field holds, as far as the form is concerned.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Bool,
    Number,
}

impl Kind {
    fn inputs(self) -> String {
        let list: Vec<_> = INPUTS
            .iter()
            .filter(|(_, _, kind)| *kind == self)
            .map(|(name, _, _)| format!("\"{name}\""))
            .collect();
        list.join(", ")
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Text => "a String field",
            Self::Bool => "a bool field",
            Self::Number => "a number field",
        }
    }
}

/// A struct the expansion can implement `CustomData` for.
pub(crate) struct Checked {
    pub(crate) ident: Ident,
    pub(crate) fields: Vec<CheckedField>,
}

/// One stored field.
pub(crate) struct CheckedField {
    /// The custom-data name (and form name).
    pub(crate) name: String,
    /// serde's key, when it differs from the name.
    pub(crate) key: Option<String>,
    pub(crate) ty: Type,
    /// May be missing in stored data (`Option<_>` or `#[serde(default)]`).
    pub(crate) optional: bool,
    /// How it appears on the form; `None` for `skip`.
    pub(crate) form: Option<FormField>,
}

/// The form side of a field.
pub(crate) struct FormField {
    pub(crate) label: String,
    pub(crate) placeholder: Option<LitStr>,
    pub(crate) required: bool,
    /// The `InputType` variant, when one was asked for.
    pub(crate) input: Option<Ident>,
    pub(crate) max_length: Option<LitInt>,
    pub(crate) hidden: bool,
}

/// Checks the parsed input against the rules.
pub(crate) fn input(input: &Input, errors: &mut Errors) -> Option<Checked> {
    for attr in &input.struct_attrs {
        errors.push(syn::Error::new_spanned(
            attr,
            "#[stormpath(...)] goes on the fields of the struct, not on the struct itself",
        ));
    }
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        // Its fields' types are parameters: checking them would only repeat this.
        errors.push(syn::Error::new_spanned(
            &input.generics,
            "#[derive(CustomData)] does not support generic structs: custom data is read and \
             written as one concrete type",
        ));
        return None;
    }
    if let Some(span) = input.serde.rename_all_split {
        errors.at(
            span,
            "#[derive(CustomData)] needs one name per field: give `rename_all` one rule for \
             both directions",
        );
    }
    let fields = match &input.fields {
        Ok(fields) => fields,
        Err(span) => {
            errors.at(
                *span,
                "#[derive(CustomData)] can only be used on a struct with named fields",
            );
            return None;
        }
    };
    let mut checked = Vec::new();
    // Name → the field that took it first.
    let mut names: HashMap<String, Ident> = HashMap::new();
    for field in fields {
        let Some(out) = self::field(field, &input.serde, errors) else {
            continue;
        };
        if let Some(first) = names.get(&out.name) {
            errors.at(
                field.ident.span(),
                format!(
                    "field `{}` has the name `{}`, which field `{first}` has already: each \
                     field needs its own name (set one with #[serde(rename = \"...\")])",
                    field.ident.unraw(),
                    out.name,
                ),
            );
            continue;
        }
        names.insert(out.name.clone(), field.ident.unraw());
        checked.push(out);
    }
    Some(Checked {
        ident: input.ident.clone(),
        fields: checked,
    })
}

/// One field: `None` when serde skips it (nothing stored) or it is in error.
fn field(field: &Field, container: &StructSerde, errors: &mut Errors) -> Option<CheckedField> {
    let ident = field.ident.unraw();
    let start = errors.count();
    // Each option at most once.
    let mut seen: Vec<String> = Vec::new();
    for opt in &field.options {
        let name = opt.name().to_string();
        if seen.contains(&name) {
            errors.at(
                opt.name().span(),
                format!("`{name}` is given more than once for field `{ident}`"),
            );
        }
        seen.push(name);
    }
    let skip = field.options.iter().find_map(|o| match o {
        Opt::Skip(name) => Some(name),
        _ => None,
    });

    if let Some(span) = field.serde.flatten {
        errors.at(
            span,
            format!(
                "field `{ident}`: #[serde(flatten)] is not supported by #[derive(CustomData)]: \
                 declare the fields in this struct"
            ),
        );
        return None;
    }
    if let Some(span) = field.serde.rename_split {
        errors.at(
            span,
            format!("field `{ident}` needs one name: give `rename` one name for both directions"),
        );
    }
    if field.serde.skip {
        if let Some(opt) = field.options.iter().find(|o| !matches!(o, Opt::Skip(_))) {
            errors.at(
                opt.name().span(),
                format!(
                    "field `{ident}` is #[serde(skip)]: it is never stored, so it cannot be on \
                     the registration form"
                ),
            );
        }
        return None;
    }
    if let (Some(span), None) = (field.serde.skip_one_way, skip) {
        errors.at(
            span,
            format!(
                "field `{ident}` is skipped by serde in one direction only, so what the form \
                 sends would be lost: use #[serde(skip)], or #[stormpath(skip)] to keep it off \
                 the form"
            ),
        );
    }

    let (name, key) = names(field, container);
    if RESERVED.contains(&name.as_str()) || name.starts_with("stormpathApiKey_") {
        errors.at(
            field.ident.span(),
            format!(
                "field `{ident}` would be named `{name}`, which registration keeps for the \
                 account itself: rename the field (or use #[serde(rename = \"...\")])"
            ),
        );
    }
    let has_default = field.serde.default || container.default;
    let kind = classify(&field.ty);

    let form = if let Some(skip) = skip {
        for opt in field.options.iter().filter(|o| !matches!(o, Opt::Skip(_))) {
            errors.at(
                opt.name().span(),
                format!(
                    "`{}` does not apply: field `{ident}` is `skip`, never on the form",
                    opt.name()
                ),
            );
        }
        let optional = matches!(kind, Classified::Option(_)) || is_option(&field.ty);
        if !optional && !has_default {
            errors.at(
                skip.span(),
                format!(
                    "field `{ident}` is never on the form, so a new account has no value for \
                     it: make it an Option<_> or add #[serde(default)]"
                ),
            );
        }
        None
    } else {
        Some(form_field(field, &ident, kind, has_default, errors))
    };
    if errors.count() > start {
        return None;
    }
    let optional = match &form {
        Some(form) => form.1,
        None => true,
    };
    Some(CheckedField {
        key: (key != name).then_some(key),
        name,
        ty: field.ty.clone(),
        optional,
        form: form.map(|(form, _)| form),
    })
}

/// The form side of a field that is not skipped, and whether it may be missing.
fn form_field(
    field: &Field,
    ident: &Ident,
    kind: Classified,
    has_default: bool,
    errors: &mut Errors,
) -> (FormField, bool) {
    let mut form = FormField {
        label: humanize(&ident.to_string()),
        placeholder: None,
        required: false,
        input: None,
        max_length: None,
        hidden: false,
    };
    let mut required = None;
    let mut hidden = None;
    let mut input = None;
    let mut max_length = None;
    for opt in &field.options {
        match opt {
            Opt::Label(_, lit) => {
                if lit.value().trim().is_empty() {
                    errors.at(
                        lit.span(),
                        format!(
                            "the label of field `{ident}` is empty: messages such as \
                             \"<Label> is required.\" need one"
                        ),
                    );
                }
                form.label = lit.value();
            }
            Opt::Placeholder(_, lit) => form.placeholder = Some(lit.clone()),
            Opt::Required(name) => required = Some(name),
            Opt::Hidden(name) => hidden = Some(name),
            Opt::Input(_, lit) => input = Some(lit),
            Opt::MaxLength(name, lit) => max_length = Some((name, lit)),
            Opt::Skip(_) => {}
        }
    }
    form.required = required.is_some();
    form.hidden = hidden.is_some();
    if let (Some(_), Some(hidden)) = (required, hidden) {
        errors.at(
            hidden.span(),
            format!(
                "field `{ident}` cannot be both `hidden` and `required`: the form does not show \
                 it, so no one could fill it in"
            ),
        );
    }
    let (kind, optional) = match kind {
        Classified::Plain(kind) => (kind, has_default),
        Classified::Option(kind) => (kind, true),
        Classified::Unsupported => {
            errors.push(syn::Error::new_spanned(
                &field.ty,
                format!(
                    "field `{ident}` has a type a registration field cannot hold: use String, \
                     bool, an integer or float type (i8 … u64, isize, usize, f32, f64), or an \
                     Option of one (written out, not through an alias); or mark the field \
                     #[stormpath(skip)] to store it without a form field"
                ),
            ));
            return (form, false);
        }
    };
    if let Some(lit) = input {
        match INPUTS.iter().find(|(name, _, _)| *name == lit.value()) {
            Some((_, variant, fits)) if *fits == kind => {
                form.input = Some(Ident::new(variant, lit.span()));
            }
            Some((name, _, _)) => errors.at(
                lit.span(),
                format!(
                    "field `{ident}` is {} and cannot use input = \"{name}\": use {}",
                    kind.describe(),
                    kind.inputs()
                ),
            ),
            None => {
                let value = lit.value();
                let hint = match value.as_str() {
                    "password" => {
                        "; custom data is stored as plain text, so it must not hold passwords"
                    }
                    "hidden" => "; to accept a field without showing it, use the `hidden` option",
                    _ => "",
                };
                errors.at(
                    lit.span(),
                    format!(
                        "unknown input type \"{value}\" for field `{ident}`: {} takes {}{hint}",
                        kind.describe(),
                        kind.inputs()
                    ),
                );
            }
        }
    }
    if let Some((name, lit)) = max_length {
        if kind != Kind::Text {
            errors.at(
                name.span(),
                format!(
                    "`max_length` only applies to text: field `{ident}` is {}",
                    kind.describe()
                ),
            );
        } else if lit.base10_parse::<usize>().map_or(true, |n| n == 0) {
            errors.at(
                lit.span(),
                "`max_length` must be a whole number of characters, at least 1",
            );
        } else {
            form.max_length = Some(lit.clone());
        }
    }
    if kind == Kind::Number && !form.required && !optional {
        errors.at(
            field.ty.span(),
            format!(
                "field `{ident}` is a number that is not `required`: make it an Option<_> so \
                 that it can be left empty, or add `required`"
            ),
        );
    }
    (form, optional)
}

/// The custom-data name and serde's key: serde's own name when a rename applies, else the
/// camelCase form of the field name (spec §5 spells names in camelCase) with serde's key
/// being the field name.
fn names(field: &Field, container: &StructSerde) -> (String, String) {
    let ident = field.ident.unraw().to_string();
    if let Some(rename) = &field.serde.rename {
        let name = rename.value();
        return (name.clone(), name);
    }
    if let Some(rule) = &container.rename_all {
        // An unknown rule is serde's error to report; fall back to the plain name.
        let name = apply_rule(&rule.value(), &ident).unwrap_or_else(|| ident.clone());
        return (name.clone(), name);
    }
    (camel_case(&ident), ident)
}

/// serde's `rename_all` rules, as serde applies them to field names.
fn apply_rule(rule: &str, field: &str) -> Option<String> {
    Some(match rule {
        "lowercase" | "snake_case" => field.to_owned(),
        "UPPERCASE" | "SCREAMING_SNAKE_CASE" => field.to_ascii_uppercase(),
        "PascalCase" => pascal_case(field),
        "camelCase" => camel_case(field),
        "kebab-case" => field.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => field.to_ascii_uppercase().replace('_', "-"),
        _ => return None,
    })
}

fn pascal_case(field: &str) -> String {
    let mut out = String::new();
    let mut capitalize = true;
    for ch in field.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            out.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            out.push(ch);
        }
    }
    out
}

fn camel_case(field: &str) -> String {
    let pascal = pascal_case(field);
    let mut chars = pascal.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => pascal,
    }
}

/// `favorite_color` → `Favorite color`.
fn humanize(field: &str) -> String {
    let words: Vec<&str> = field.split('_').filter(|w| !w.is_empty()).collect();
    let text = words.join(" ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => field.to_owned(),
    }
}

/// A field type, as far as the form is concerned.
enum Classified {
    Plain(Kind),
    Option(Kind),
    Unsupported,
}

/// Recognises the supported types by name. The generated code also bounds the type by
/// `stormpath::__private::FieldValue`, so a look-alike (a user type named `String`) is still
/// caught.
fn classify(ty: &Type) -> Classified {
    if let Some(inner) = option_inner(ty) {
        return match plain(inner) {
            Some(kind) => Classified::Option(kind),
            None => Classified::Unsupported,
        };
    }
    plain(ty).map_or(Classified::Unsupported, Classified::Plain)
}

fn plain(ty: &Type) -> Option<Kind> {
    let ident = last_segment(ty)
        .filter(|s| s.arguments.is_none())?
        .ident
        .to_string();
    match ident.as_str() {
        "String" => Some(Kind::Text),
        "bool" => Some(Kind::Bool),
        "i8" | "i16" | "i32" | "i64" | "isize" | "u8" | "u16" | "u32" | "u64" | "usize" | "f32"
        | "f64" => Some(Kind::Number),
        _ => None,
    }
}

fn is_option(ty: &Type) -> bool {
    option_inner(ty).is_some()
}

/// `T` of `Option<T>` (however the path to `Option` is spelled).
fn option_inner(ty: &Type) -> Option<&Type> {
    let segment = last_segment(ty)?;
    if segment.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_rules_for_field_names() {
        let cases = [
            ("lowercase", "favorite_color"),
            ("UPPERCASE", "FAVORITE_COLOR"),
            ("PascalCase", "FavoriteColor"),
            ("camelCase", "favoriteColor"),
            ("snake_case", "favorite_color"),
            ("SCREAMING_SNAKE_CASE", "FAVORITE_COLOR"),
            ("kebab-case", "favorite-color"),
            ("SCREAMING-KEBAB-CASE", "FAVORITE-COLOR"),
        ];
        for (rule, expected) in cases {
            assert_eq!(
                apply_rule(rule, "favorite_color").as_deref(),
                Some(expected)
            );
        }
        assert_eq!(apply_rule("Title Case", "x"), None);
        assert_eq!(camel_case("a"), "a");
        assert_eq!(camel_case("x_y_z"), "xYZ");
    }

    #[test]
    fn labels_are_the_name_in_words() {
        assert_eq!(humanize("favorite_color"), "Favorite color");
        assert_eq!(humanize("newsletter"), "Newsletter");
        assert_eq!(humanize("__odd__name_"), "Odd name");
    }
}
