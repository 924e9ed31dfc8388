//! Typed custom data: declare a struct once, and get the registration form's extra fields,
//! their validation, and typed access to what is stored.
//!
//! Stormpath let every account carry schemaless custom data, and let the registration form grow
//! fields that land in it (spec §5.3). Here a type describes both: [`CustomData`] (usually
//! derived with `#[derive(stormpath::CustomData)]`) lists its fields as [`CustomField`]s, the
//! builder's [`custom_data`](crate::StormpathBuilder::custom_data) puts them on `/register`, and
//! [`CurrentUser`](crate::CurrentUser) reads and updates the stored value as that type.

mod parse;
mod schema;

use std::borrow::Cow;

use serde::{Serialize, de::DeserializeOwned};

pub(crate) use parse::{Parsed, parse_value};
pub(crate) use schema::{Mismatch, Schema, merge_into, read, write};

/// A type stored in an account's custom data, whose fields can also appear on the registration
/// form.
///
/// Derive it (the `macros` feature, on by default) next to serde's traits:
///
/// ```
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
/// use stormpath::CustomData;
/// let fields = Profile::fields();
/// assert_eq!(fields[0].name(), "favoriteColor");
/// assert_eq!(fields[1].input().as_str(), "checkbox");
/// assert!(!fields[2].on_form());
/// ```
///
/// # The derive's options
///
/// On each field, `#[stormpath(...)]` takes:
///
/// * `label = "..."`: the label, also used in messages (`<Label> is required.`); by default the
///   field's name in words (`favorite_color` → `Favorite color`);
/// * `placeholder = "..."`: the placeholder; by default the label (none for a checkbox);
/// * `required`: the value must be given (for a `bool`: the box must be ticked);
/// * `input = "..."`: the HTML input type. Text fields take `text` (the default), `email`,
///   `tel`, `url`, `search`, `color`, `date`, `time`, `datetime-local`, `month` or `week`;
///   numbers `number` (the default) or `range`; a `bool` is always a `checkbox`;
/// * `max_length = N`: the longest text accepted, in characters (default
///   [`CustomField::DEFAULT_MAX_LENGTH`]);
/// * `hidden`: accepted on registration but not shown on the form (spec §5.1: enabled, not
///   visible);
/// * `skip`: stored in custom data but never on the form; posting it is rejected like any
///   field that is not configured. Any type that serde handles may be skipped, as long as a new
///   account can do without a value: an `Option<_>`, or a field with `#[serde(default)]`.
///
/// Form fields hold a `String`, a `bool`, an integer (`i8` … `i64`, `u8` … `u64`, `isize`,
/// `usize`), `f32` or `f64`, or an `Option` of one of those (optional in stored data; a
/// missing value is `None`). Anything else is a compile error naming the field, as are
/// unknown options, a field named like a core account field (`email`, `givenName`, …), two
/// fields with one name, and a number field that is neither `required` nor an `Option` (there
/// is no sensible value to store when it is left empty).
///
/// # Names
///
/// A field's name (its input `name`, its JSON member, its custom-data key) is its serde name
/// when the struct or field has `#[serde(rename_all = ...)]` / `#[serde(rename = ...)]`, and
/// its Rust name in camelCase otherwise, as the spec's JSON spells names (`favorite_color` →
/// `favoriteColor`). Reads and writes translate between that name and the key serde uses, so
/// the struct needs no serde attributes at all.
///
/// # Implementing it by hand
///
/// [`fields`](CustomData::fields) must list every field the type stores, form fields (in form
/// order) and the others ([`CustomField::skip`]): the type is read from those keys of the
/// custom data only, and only those are written back. The rules the derive checks at compile
/// time are checked again by [`build`](crate::StormpathBuilder::build), which fails with
/// [`Error::Config`](crate::Error::Config) naming the field.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use stormpath::{CustomData, CustomField, ValueType};
///
/// #[derive(Serialize, Deserialize)]
/// struct Team {
///     team: Option<String>,
/// }
///
/// impl CustomData for Team {
///     fn fields() -> Vec<CustomField> {
///         vec![CustomField::new("team", ValueType::Text).with_label("Team").optional()]
///     }
/// }
/// ```
pub trait CustomData: Serialize + DeserializeOwned + Send + 'static {
    /// The type's fields, in form order.
    fn fields() -> Vec<CustomField>;
}

/// What a field's value is, for parsing form strings and checking JSON types.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ValueType {
    /// A string.
    Text,
    /// `true` or `false`; on a form, a checkbox (absent is `false`).
    Bool,
    /// A whole number within `min..=max`.
    Integer {
        /// The smallest value accepted.
        min: i128,
        /// The largest value accepted.
        max: i128,
    },
    /// A finite number whose magnitude is at most `max`.
    Float {
        /// The largest magnitude accepted (`f32::MAX` for an `f32`).
        max: f64,
    },
}

impl ValueType {
    /// The range of an integer type.
    #[must_use]
    pub const fn integer(min: i128, max: i128) -> Self {
        Self::Integer { min, max }
    }
}

/// The `type` of a field's HTML input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputType {
    /// `text`.
    Text,
    /// `email`.
    Email,
    /// `tel`.
    Tel,
    /// `url`.
    Url,
    /// `search`.
    Search,
    /// `color`.
    Color,
    /// `date`.
    Date,
    /// `time`.
    Time,
    /// `datetime-local`.
    DateTimeLocal,
    /// `month`.
    Month,
    /// `week`.
    Week,
    /// `number`.
    Number,
    /// `range`.
    Range,
    /// `checkbox`.
    Checkbox,
}

impl InputType {
    const ALL: [Self; 14] = [
        Self::Text,
        Self::Email,
        Self::Tel,
        Self::Url,
        Self::Search,
        Self::Color,
        Self::Date,
        Self::Time,
        Self::DateTimeLocal,
        Self::Month,
        Self::Week,
        Self::Number,
        Self::Range,
        Self::Checkbox,
    ];

    /// The HTML spelling (`datetime-local`, `checkbox`, …).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Email => "email",
            Self::Tel => "tel",
            Self::Url => "url",
            Self::Search => "search",
            Self::Color => "color",
            Self::Date => "date",
            Self::Time => "time",
            Self::DateTimeLocal => "datetime-local",
            Self::Month => "month",
            Self::Week => "week",
            Self::Number => "number",
            Self::Range => "range",
            Self::Checkbox => "checkbox",
        }
    }

    /// Parses the HTML spelling.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The input a value type gets by default: `text`, `checkbox` or `number`.
    #[must_use]
    pub const fn default_for(value: ValueType) -> Self {
        match value {
            ValueType::Text => Self::Text,
            ValueType::Bool => Self::Checkbox,
            ValueType::Integer { .. } | ValueType::Float { .. } => Self::Number,
        }
    }

    /// Whether this input can carry a value of that type.
    #[must_use]
    pub const fn fits(self, value: ValueType) -> bool {
        match self {
            Self::Checkbox => matches!(value, ValueType::Bool),
            Self::Number | Self::Range => {
                matches!(value, ValueType::Integer { .. } | ValueType::Float { .. })
            }
            _ => matches!(value, ValueType::Text),
        }
    }
}

/// One field of a [`CustomData`] type: how it appears on the registration form (spec §5.1's
/// label, placeholder, required, type and visibility) and how it is stored.
///
/// Built with [`CustomField::new`] and the setters; the derive writes these calls for you.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomField {
    name: Cow<'static, str>,
    key: Option<Cow<'static, str>>,
    label: Option<Cow<'static, str>>,
    placeholder: Option<Cow<'static, str>>,
    required: bool,
    optional: bool,
    value: ValueType,
    input: Option<InputType>,
    visible: bool,
    on_form: bool,
    max_length: usize,
}

impl CustomField {
    /// The longest text value accepted by default, in characters.
    pub const DEFAULT_MAX_LENGTH: usize = 1000;

    /// A visible, not required form field named `name` (its input name and custom-data key)
    /// holding a `value`, labelled with its name.
    #[must_use]
    pub fn new(name: impl Into<Cow<'static, str>>, value: ValueType) -> Self {
        Self {
            name: name.into(),
            key: None,
            label: None,
            placeholder: None,
            required: false,
            optional: false,
            value,
            input: None,
            visible: true,
            on_form: true,
            max_length: Self::DEFAULT_MAX_LENGTH,
        }
    }

    /// The key serde uses for the field, when it differs from the name (the derive sets it
    /// when the struct has no `rename_all`: `favorite_color` for `favoriteColor`).
    #[must_use]
    pub fn with_key(mut self, key: impl Into<Cow<'static, str>>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the label.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<Cow<'static, str>>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the placeholder.
    #[must_use]
    pub fn with_placeholder(mut self, placeholder: impl Into<Cow<'static, str>>) -> Self {
        self.placeholder = Some(placeholder.into());
        self
    }

    /// Sets the HTML input type (default: [`InputType::default_for`] the value type).
    #[must_use]
    pub fn with_input(mut self, input: InputType) -> Self {
        self.input = Some(input);
        self
    }

    /// Sets the longest text accepted, in characters.
    #[must_use]
    pub fn with_max_length(mut self, max: usize) -> Self {
        self.max_length = max;
        self
    }

    /// A value must be given (for a `bool`: it must be `true`, the box ticked).
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// The stored value may be missing or `null` (an `Option<_>` field).
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Accepted on registration but not shown on the form.
    #[must_use]
    pub fn hidden(mut self) -> Self {
        self.visible = false;
        self
    }

    /// Stored, but never on the form (registration rejects it like any field that is not
    /// configured).
    #[must_use]
    pub fn skip(mut self) -> Self {
        self.on_form = false;
        self
    }

    /// The input name, JSON member and custom-data key.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key serde uses for the field (the name unless [`with_key`](Self::with_key) set
    /// another).
    #[must_use]
    pub fn serde_key(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.name)
    }

    /// The label (by default the name).
    #[must_use]
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }

    /// The placeholder (by default the label; empty for a checkbox).
    #[must_use]
    pub fn placeholder(&self) -> &str {
        match &self.placeholder {
            Some(placeholder) => placeholder,
            None if self.input() == InputType::Checkbox => "",
            None => self.label(),
        }
    }

    /// Whether a value must be given.
    #[must_use]
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// Whether the stored value may be missing or `null`.
    #[must_use]
    pub fn is_optional(&self) -> bool {
        self.optional
    }

    /// What the value is.
    #[must_use]
    pub fn value_type(&self) -> ValueType {
        self.value
    }

    /// The HTML input type.
    #[must_use]
    pub fn input(&self) -> InputType {
        self.input.unwrap_or(InputType::default_for(self.value))
    }

    /// Whether the form shows it (false for [`hidden`](Self::hidden) and
    /// [`skip`](Self::skip)ped fields).
    #[must_use]
    pub fn is_visible(&self) -> bool {
        self.visible && self.on_form
    }

    /// Whether registration accepts it (false for [`skip`](Self::skip)ped fields).
    #[must_use]
    pub fn on_form(&self) -> bool {
        self.on_form
    }

    /// The longest text accepted, in characters.
    #[must_use]
    pub fn max_length(&self) -> usize {
        self.max_length
    }
}
