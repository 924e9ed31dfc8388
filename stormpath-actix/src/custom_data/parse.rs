//! Typed parsing of one posted registration value (spec §2.3: form values are strings, JSON
//! values carry their own type and must have the right one).

use serde_json::{Number, Value};

use super::{CustomField, ValueType};

/// What a posted value turned out to be.
#[derive(Debug, PartialEq)]
pub(crate) enum Parsed {
    /// Absent, `null` or empty: the required check decides.
    Missing,
    /// A value of the field's type, as it is stored.
    Value(Value),
    /// The wrong type or out of range; the message names the field by its label.
    Invalid(String),
}

/// Parses `raw`, a value posted for `field`. `form`: it came from an urlencoded form, so it is
/// a string to convert (a checkbox that is absent is `false`); otherwise it is JSON and must
/// already have the field's type.
pub(crate) fn parse_value(field: &CustomField, raw: Option<&Value>, form: bool) -> Parsed {
    let label = field.label();
    let value = field.value_type();
    let raw = match raw {
        None | Some(Value::Null) if form && value == ValueType::Bool => {
            return Parsed::Value(Value::Bool(false));
        }
        None | Some(Value::Null) => return Parsed::Missing,
        // Blank text counts as not given (a required field cannot be satisfied by spaces).
        Some(Value::String(s)) if s.trim().is_empty() && value != ValueType::Bool => {
            return Parsed::Missing;
        }
        Some(raw) => raw,
    };
    match (value, raw) {
        (ValueType::Text, Value::String(s)) => {
            let max = field.max_length();
            if s.chars().count() > max {
                Parsed::Invalid(format!("{label} must be at most {max} characters long."))
            } else {
                Parsed::Value(raw.clone())
            }
        }
        (ValueType::Text, _) => Parsed::Invalid(format!("{label} must be a string.")),
        (ValueType::Bool, Value::Bool(_)) => Parsed::Value(raw.clone()),
        (ValueType::Bool, Value::String(s)) if form => match s.as_str() {
            "on" | "true" | "1" => Parsed::Value(Value::Bool(true)),
            "" | "off" | "false" | "0" => Parsed::Value(Value::Bool(false)),
            _ => Parsed::Invalid(format!("{label} must be true or false.")),
        },
        (ValueType::Bool, _) => Parsed::Invalid(format!("{label} must be true or false.")),
        (ValueType::Integer { min, max }, raw) => {
            let n = match raw {
                Value::String(s) if form => s.trim().parse::<i128>().ok(),
                Value::Number(n) => n
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from)),
                _ => None,
            };
            match n {
                Some(n) if (min..=max).contains(&n) => Parsed::Value(integer(n)),
                Some(_) => Parsed::Invalid(format!("{label} must be between {min} and {max}.")),
                None => Parsed::Invalid(format!("{label} must be a whole number.")),
            }
        }
        (ValueType::Float { max }, raw) => {
            let x = match raw {
                Value::String(s) if form => s.trim().parse::<f64>().ok(),
                Value::Number(n) => n.as_f64(),
                _ => None,
            };
            match x.filter(|x| x.is_finite()) {
                Some(x) if x.abs() <= max => {
                    Number::from_f64(x).map_or(Parsed::Missing, |n| Parsed::Value(Value::Number(n)))
                }
                Some(_) => Parsed::Invalid(format!("{label} is too large.")),
                None => Parsed::Invalid(format!("{label} must be a number.")),
            }
        }
    }
}

/// An in-range integer as JSON (every accepted range fits `i64` or `u64`).
fn integer(n: i128) -> Value {
    match (i64::try_from(n), u64::try_from(n)) {
        (Ok(n), _) => Value::from(n),
        (_, Ok(n)) => Value::from(n),
        // Out of both ranges: only a hand-written `ValueType::Integer` wider than `u64` gets
        // here; the text keeps the digits.
        _ => Value::String(n.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(value: ValueType, raw: Option<Value>, form: bool) -> Parsed {
        let field = CustomField::new("f", value)
            .with_label("F")
            .with_max_length(5);
        parse_value(&field, raw.as_ref(), form)
    }

    fn ok(v: Value) -> Parsed {
        Parsed::Value(v)
    }

    fn invalid(message: &str) -> Parsed {
        Parsed::Invalid(message.into())
    }

    #[test]
    fn checkboxes_on_forms() {
        for on in ["on", "true", "1"] {
            assert_eq!(
                parse(ValueType::Bool, Some(json!(on)), true),
                ok(json!(true))
            );
        }
        for off in ["", "off", "false", "0"] {
            assert_eq!(
                parse(ValueType::Bool, Some(json!(off)), true),
                ok(json!(false))
            );
        }
        assert_eq!(parse(ValueType::Bool, None, true), ok(json!(false)));
        assert_eq!(
            parse(ValueType::Bool, Some(json!("yes please")), true),
            invalid("F must be true or false.")
        );
    }

    #[test]
    fn json_types_must_match() {
        assert_eq!(parse(ValueType::Bool, None, false), Parsed::Missing);
        assert_eq!(
            parse(ValueType::Bool, Some(json!("true")), false),
            invalid("F must be true or false.")
        );
        assert_eq!(
            parse(ValueType::Text, Some(json!(["a"])), false),
            invalid("F must be a string.")
        );
        assert_eq!(
            parse(ValueType::Text, Some(json!(1)), false),
            invalid("F must be a string.")
        );
        let byte = ValueType::integer(0, 255);
        assert_eq!(
            parse(byte, Some(json!("7")), false),
            invalid("F must be a whole number.")
        );
        assert_eq!(
            parse(byte, Some(json!(7.5)), false),
            invalid("F must be a whole number.")
        );
        assert_eq!(parse(byte, Some(json!(7)), false), ok(json!(7)));
        let float = ValueType::Float { max: f64::MAX };
        assert_eq!(parse(float, Some(json!(2)), false), ok(json!(2.0)));
        assert_eq!(
            parse(float, Some(json!({})), false),
            invalid("F must be a number.")
        );
    }

    #[test]
    fn numbers_on_forms() {
        let byte = ValueType::integer(0, 255);
        assert_eq!(parse(byte, Some(json!(" 42 ")), true), ok(json!(42)));
        assert_eq!(parse(byte, Some(json!("")), true), Parsed::Missing);
        assert_eq!(
            parse(byte, Some(json!("256")), true),
            invalid("F must be between 0 and 255.")
        );
        assert_eq!(
            parse(byte, Some(json!("-1")), true),
            invalid("F must be between 0 and 255.")
        );
        assert_eq!(
            parse(byte, Some(json!("4.2")), true),
            invalid("F must be a whole number.")
        );
        let big = ValueType::integer(0, i128::from(u64::MAX));
        assert_eq!(
            parse(big, Some(json!(u64::MAX.to_string())), true),
            ok(json!(u64::MAX))
        );
        let small = ValueType::Float {
            max: f64::from(f32::MAX),
        };
        assert_eq!(parse(small, Some(json!("1.5")), true), ok(json!(1.5)));
        assert_eq!(
            parse(small, Some(json!("1e300")), true),
            invalid("F is too large.")
        );
        for bad in ["NaN", "inf", "abc"] {
            assert_eq!(
                parse(small, Some(json!(bad)), true),
                invalid("F must be a number.")
            );
        }
    }

    #[test]
    fn text_is_limited_in_characters() {
        assert_eq!(
            parse(ValueType::Text, Some(json!("ééééé")), true),
            ok(json!("ééééé"))
        );
        assert_eq!(
            parse(ValueType::Text, Some(json!("abcdef")), false),
            invalid("F must be at most 5 characters long.")
        );
        assert_eq!(
            parse(ValueType::Text, Some(json!("")), false),
            Parsed::Missing
        );
        assert_eq!(
            parse(ValueType::Text, Some(json!(" \t")), true),
            Parsed::Missing
        );
    }
}
