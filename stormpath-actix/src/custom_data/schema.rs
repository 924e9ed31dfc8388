//! The runtime side of [`CustomData`]: translating between stored names and serde keys,
//! the typed round trip registration runs, and the startup checks of the builder.

use std::any::TypeId;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use stormpath_client::CustomData as Document;

use super::{CustomData, CustomField, ValueType};
use crate::{
    Error,
    config::{settings::CORE_FIELDS, web::FieldConfig, web::FormConfig},
    csrf,
};

/// Stored data that does not fit the type it is read into.
#[derive(Debug)]
pub(crate) struct Mismatch {
    /// The field at fault (its name), when serde could tell.
    pub(crate) field: Option<String>,
    /// What is wrong, as serde put it.
    pub(crate) message: String,
}

impl From<Mismatch> for Error {
    fn from(m: Mismatch) -> Self {
        Self::CustomDataMismatch {
            field: m.field,
            message: m.message,
        }
    }
}

/// A [`CustomData`] type given to the builder: its fields and its typed round trip, without
/// the type parameter.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    pub(crate) type_name: &'static str,
    type_id: TypeId,
    pub(crate) fields: Vec<CustomField>,
    round_trip: fn(&Document) -> Result<Document, Mismatch>,
}

impl Schema {
    pub(crate) fn of<T: CustomData>() -> Self {
        Self {
            type_name: std::any::type_name::<T>(),
            type_id: TypeId::of::<T>(),
            fields: T::fields(),
            round_trip: round_trip::<T>,
        }
    }

    /// Whether two schemas describe the same type.
    pub(crate) fn same_type(&self, other: &Self) -> bool {
        self.type_id == other.type_id
    }

    /// The fields registration accepts.
    pub(crate) fn form_fields(&self) -> impl Iterator<Item = &CustomField> {
        self.fields.iter().filter(|f| f.on_form())
    }

    /// Runs registration's values (keyed by name) through the type: what it accepts and
    /// stores, every one of its fields included (skipped ones get their default).
    pub(crate) fn normalize(&self, values: &Document) -> Result<Document, Mismatch> {
        (self.round_trip)(values)
    }
}

fn round_trip<T: CustomData>(values: &Document) -> Result<Document, Mismatch> {
    let fields = T::fields();
    let value: T = read_with(&fields, values)?;
    let mut out = Document::new();
    write_with(&fields, &value, &mut out).map_err(|message| Mismatch {
        field: None,
        message,
    })?;
    Ok(out)
}

/// Reads `T` out of an account's custom data: only the keys `T` declares, renamed to serde's.
pub(crate) fn read<T: CustomData>(doc: &Document) -> Result<T, Mismatch> {
    read_with(&T::fields(), doc)
}

fn read_with<T: DeserializeOwned>(fields: &[CustomField], doc: &Document) -> Result<T, Mismatch> {
    let mut view = Map::new();
    for field in fields {
        if let Some(value) = doc.get(field.name()) {
            view.insert(field.serde_key().to_owned(), value.clone());
        }
    }
    serde_path_to_error::deserialize(Value::Object(view)).map_err(|err| {
        let field = match err.path().iter().next() {
            Some(serde_path_to_error::Segment::Map { key }) => fields
                .iter()
                .find(|f| f.serde_key() == key)
                .map(|f| f.name().to_owned()),
            _ => None,
        };
        Mismatch {
            field,
            message: err.into_inner().to_string(),
        }
    })
}

/// Writes `value`'s fields into `doc` under their names; a field `value` does not serialize
/// (`skip_serializing_if`) is removed. Keys `T` does not declare are left alone.
///
/// # Errors
/// [`Error::CustomDataSerialize`] when `T` does not serialize to a JSON object.
pub(crate) fn write<T: CustomData>(value: &T, doc: &mut Document) -> Result<(), Error> {
    write_with(&T::fields(), value, doc).map_err(|message| Error::CustomDataSerialize {
        type_name: std::any::type_name::<T>(),
        message,
    })
}

fn write_with<T: serde::Serialize>(
    fields: &[CustomField],
    value: &T,
    doc: &mut Document,
) -> Result<(), String> {
    let mut object = match serde_json::to_value(value) {
        Ok(Value::Object(object)) => object,
        Ok(other) => return Err(format!("it serialized to {other}, not a JSON object")),
        Err(err) => return Err(err.to_string()),
    };
    for field in fields {
        match object.remove(field.serde_key()) {
            Some(value) => doc.insert(field.name().to_owned(), value),
            None => doc.remove(field.name()),
        };
    }
    Ok(())
}

/// Adds the schemas' form fields to the registration form configuration, after checking each
/// of them and that they agree with the configuration (spec §5.1: the map key is the name).
///
/// # Errors
/// [`Error::Config`] naming `web.register.form.fields.<name>` for a field that cannot work or
/// that the configuration (or another type) defines differently.
pub(crate) fn merge_into(form: &mut FormConfig, schemas: &[Schema]) -> Result<(), Error> {
    // The form fields each type added, to tell a type's duplicate from the configuration's.
    let mut added: Vec<(&str, &str)> = Vec::new();
    for schema in schemas {
        let mut stored: Vec<&str> = Vec::new();
        for field in &schema.fields {
            let key = format!("web.register.form.fields.{}", field.name());
            let fail = |message: String| Error::Config {
                key: key.clone(),
                message: format!("(declared by {}) {message}", schema.type_name),
            };
            if stored.contains(&field.name()) {
                return Err(fail("is declared twice".into()));
            }
            stored.push(field.name());
            check(field).map_err(fail)?;
            if !field.on_form() {
                continue;
            }
            let derived = field_config(field);
            match form.fields.get(field.name()) {
                None => {
                    let json = serde_json::to_value(&derived)
                        .map_err(|e| fail(format!("could not be configured: {e}")))?;
                    form.fields.insert(field.name().to_owned(), json);
                    added.push((field.name(), schema.type_name));
                }
                Some(existing) => {
                    let source = match added.iter().find(|(name, _)| *name == field.name()) {
                        Some((_, type_name)) => format!("{type_name} declares it too"),
                        None => "the configuration defines it too".to_owned(),
                    };
                    let existing: Option<FieldConfig> =
                        serde_json::from_value(existing.clone()).ok();
                    match existing {
                        Some(existing) if same_definition(&existing, &derived) => {}
                        Some(existing) => {
                            return Err(fail(format!(
                                "conflicts: {source}, differently ({}); define the field in one \
                                 place, or make both definitions identical",
                                differences(&existing, &derived)
                            )));
                        }
                        None => {
                            return Err(fail(format!(
                                "conflicts: {source}, with an invalid definition"
                            )));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// The rules a field must follow to work on the form and in storage.
fn check(field: &CustomField) -> Result<(), String> {
    let name = field.name();
    if name.is_empty() {
        return Err("has an empty name".into());
    }
    if CORE_FIELDS.contains(&name) || name == "customData" || name == csrf::FIELD {
        return Err(format!(
            "uses the name of a core account field: `{name}` is not stored in custom data; \
             rename the field"
        ));
    }
    if name.starts_with("stormpathApiKey_") {
        return Err("uses the name reserved for API keys (stormpathApiKey_<n>)".into());
    }
    if !field.on_form() {
        return Ok(());
    }
    if field.label().trim().is_empty() {
        return Err("has an empty label".into());
    }
    if !field.input().fits(field.value_type()) {
        return Err(format!(
            "has input type `{}`, which cannot carry a {} value",
            field.input().as_str(),
            kind_name(field.value_type())
        ));
    }
    let number = matches!(
        field.value_type(),
        ValueType::Integer { .. } | ValueType::Float { .. }
    );
    if number && !field.is_required() && !field.is_optional() {
        return Err(
            "is a number that is neither required nor optional: nothing could be stored when \
             it is left empty"
                .into(),
        );
    }
    Ok(())
}

fn kind_name(value: ValueType) -> &'static str {
    match value {
        ValueType::Text => "text",
        ValueType::Bool => "true/false",
        ValueType::Integer { .. } | ValueType::Float { .. } => "number",
    }
}

/// A field as the configuration would define it.
fn field_config(field: &CustomField) -> FieldConfig {
    FieldConfig {
        enabled: Some(true),
        visible: field.is_visible(),
        label: field.label().to_owned(),
        placeholder: field.placeholder().to_owned(),
        required: Some(field.is_required()),
        kind: field.input().as_str().to_owned(),
    }
}

fn same_definition(config: &FieldConfig, derived: &FieldConfig) -> bool {
    differences(config, derived).is_empty()
}

/// Which properties differ, as `property: <theirs> there, <ours> here`.
fn differences(theirs: &FieldConfig, ours: &FieldConfig) -> String {
    let (config, derived) = (theirs, ours);
    let mut out = Vec::new();
    let mut compare = |property: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{property}: {a} there, {b} here"));
        }
    };
    compare(
        "enabled",
        config.enabled.unwrap_or(false).to_string(),
        "true".into(),
    );
    compare(
        "visible",
        config.visible.to_string(),
        derived.visible.to_string(),
    );
    compare(
        "label",
        format!("{:?}", config.label),
        format!("{:?}", derived.label),
    );
    compare(
        "placeholder",
        format!("{:?}", config.placeholder),
        format!("{:?}", derived.placeholder),
    );
    compare(
        "required",
        config.required.unwrap_or(false).to_string(),
        derived.required.unwrap_or(false).to_string(),
    );
    compare("type", config.kind.clone(), derived.kind.clone());
    out.join("; ")
}
