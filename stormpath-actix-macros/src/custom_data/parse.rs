//! Stage 1 of `#[derive(CustomData)]`: the struct, its `#[stormpath(...)]` options and the
//! serde attributes that decide names, as a small typed model. Only syntax is checked here;
//! the rules are [`validate`](super::validate)'s.

use proc_macro2::Span;
use syn::{
    Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Generics, Ident, Lit, LitInt, LitStr,
    Token, Type, meta::ParseNestedMeta, spanned::Spanned,
};

use crate::validate::Errors;

/// The options `#[stormpath(...)]` takes, for messages.
pub(crate) const OPTIONS: &str = "label, placeholder, required, input, max_length, hidden, skip";

/// The derive input.
pub(crate) struct Input {
    pub(crate) ident: Ident,
    pub(crate) generics: Generics,
    /// The struct's named fields; `None` for anything else (an enum, a tuple struct, …),
    /// with the span to report it at.
    pub(crate) fields: Result<Vec<Field>, Span>,
    /// `#[stormpath]` attributes on the struct itself (they belong on fields).
    pub(crate) struct_attrs: Vec<Attribute>,
    pub(crate) serde: StructSerde,
}

/// What serde's container attributes say about names and defaults.
#[derive(Default)]
pub(crate) struct StructSerde {
    /// `rename_all = "..."` (one rule for both directions).
    pub(crate) rename_all: Option<LitStr>,
    /// `rename_all(serialize = "a", deserialize = "b")` with two different rules.
    pub(crate) rename_all_split: Option<Span>,
    /// `default`: every field may be missing.
    pub(crate) default: bool,
}

/// One named field.
pub(crate) struct Field {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    pub(crate) options: Vec<Opt>,
    pub(crate) serde: FieldSerde,
}

/// What serde's field attributes say.
#[derive(Default)]
pub(crate) struct FieldSerde {
    /// `rename = "..."` (one name for both directions).
    pub(crate) rename: Option<LitStr>,
    /// `rename(serialize = "a", deserialize = "b")` with two different names.
    pub(crate) rename_split: Option<Span>,
    /// `default` or `default = "path"`.
    pub(crate) default: bool,
    /// `skip`: serde never reads or writes it.
    pub(crate) skip: bool,
    /// `skip_serializing` or `skip_deserializing` (without `skip`).
    pub(crate) skip_one_way: Option<Span>,
    /// `flatten`.
    pub(crate) flatten: Option<Span>,
}

/// One `#[stormpath(...)]` option, with the span of its name.
pub(crate) enum Opt {
    Label(Ident, LitStr),
    Placeholder(Ident, LitStr),
    Required(Ident),
    Input(Ident, LitStr),
    MaxLength(Ident, LitInt),
    Hidden(Ident),
    Skip(Ident),
}

impl Opt {
    pub(crate) fn name(&self) -> &Ident {
        match self {
            Self::Label(name, _)
            | Self::Placeholder(name, _)
            | Self::Input(name, _)
            | Self::MaxLength(name, _)
            | Self::Required(name)
            | Self::Hidden(name)
            | Self::Skip(name) => name,
        }
    }
}

/// Parses the derive input; every syntax error in `#[stormpath(...)]` is collected.
pub(crate) fn input(input: DeriveInput, errors: &mut Errors) -> Input {
    let struct_attrs = input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("stormpath"))
        .cloned()
        .collect();
    let serde = struct_serde(&input.attrs);
    let fields = match input.data {
        Data::Struct(data) => match data.fields {
            Fields::Named(named) => Ok(named
                .named
                .into_iter()
                .filter_map(|f| {
                    let ident = f.ident?;
                    Some(Field {
                        options: options(&f.attrs, errors),
                        serde: field_serde(&f.attrs),
                        ident,
                        ty: f.ty,
                    })
                })
                .collect()),
            Fields::Unnamed(unnamed) => Err(unnamed.span()),
            Fields::Unit => Err(input.ident.span()),
        },
        Data::Enum(data) => Err(data.enum_token.span),
        Data::Union(data) => Err(data.union_token.span),
    };
    Input {
        ident: input.ident,
        generics: input.generics,
        fields,
        struct_attrs,
        serde,
    }
}

/// Every option of every `#[stormpath(...)]` on a field, in order.
fn options(attrs: &[Attribute], errors: &mut Errors) -> Vec<Opt> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("stormpath")) {
        if attr.meta.require_list().is_err() {
            errors.push(syn::Error::new_spanned(
                attr,
                format!(
                    "expected #[stormpath(...)] with options, e.g. #[stormpath(label = \"Favorite \
                     color\", required)]; the options are {OPTIONS}"
                ),
            ));
            continue;
        }
        let parsed =
            attr.parse_nested_meta(|meta| option(&meta, errors).map(|opt| out.extend(opt)));
        if let Err(err) = parsed {
            errors.push(err);
        }
    }
    out
}

/// One option. Mistakes in an option are reported and its tokens consumed, so that the
/// options after it are still read; only broken syntax stops the attribute.
fn option(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Option<Opt>> {
    let Some(name) = meta.path.get_ident().cloned() else {
        errors.push(syn::Error::new_spanned(
            &meta.path,
            format!("unknown option; the options are {OPTIONS}"),
        ));
        skip_value(meta)?;
        return Ok(None);
    };
    let opt =
        match name.to_string().as_str() {
            "label" => string(meta, &name, "Favorite color", errors)?
                .map(|lit| Opt::Label(name.clone(), lit)),
            "placeholder" => string(meta, &name, "e.g. blue", errors)?
                .map(|lit| Opt::Placeholder(name.clone(), lit)),
            "input" => {
                string(meta, &name, "checkbox", errors)?.map(|lit| Opt::Input(name.clone(), lit))
            }
            "max_length" => match value(meta)? {
                Some(Expr::Lit(ExprLit {
                    lit: Lit::Int(lit), ..
                })) => Some(Opt::MaxLength(name.clone(), lit)),
                Some(other) => {
                    errors.push(syn::Error::new_spanned(
                        other,
                        "`max_length` takes a whole number of characters: max_length = 200",
                    ));
                    None
                }
                None => {
                    errors.at(name.span(), "`max_length` needs a value: max_length = 200");
                    None
                }
            },
            "required" => {
                flag(meta, &name, errors)?;
                Some(Opt::Required(name.clone()))
            }
            "hidden" => {
                flag(meta, &name, errors)?;
                Some(Opt::Hidden(name.clone()))
            }
            "skip" => {
                flag(meta, &name, errors)?;
                Some(Opt::Skip(name.clone()))
            }
            other => {
                let hint = match other {
                    "rename" | "name" => {
                        "; the name comes from serde: use #[serde(rename = \"...\")]".to_owned()
                    }
                    "optional" => "; make the field an Option<_> instead".to_owned(),
                    "type" => "; did you mean `input`?".to_owned(),
                    _ => String::new(),
                };
                errors.at(
                    name.span(),
                    format!("unknown option `{other}`; the options are {OPTIONS}{hint}"),
                );
                skip_value(meta)?;
                None
            }
        };
    Ok(opt)
}

/// The string literal of `name = "..."`; `what` is an example value for messages.
fn string(
    meta: &ParseNestedMeta<'_>,
    name: &Ident,
    what: &str,
    errors: &mut Errors,
) -> syn::Result<Option<LitStr>> {
    let Some(value) = value(meta)? else {
        errors.at(
            name.span(),
            format!("`{name}` needs a value: {name} = \"{what}\""),
        );
        return Ok(None);
    };
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(Some(lit)),
        other => {
            errors.push(syn::Error::new_spanned(
                other,
                format!("`{name}` takes a string literal: {name} = \"{what}\""),
            ));
            Ok(None)
        }
    }
}

/// A flag option takes no value.
fn flag(meta: &ParseNestedMeta<'_>, name: &Ident, errors: &mut Errors) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        errors.at(
            name.span(),
            format!("`{name}` takes no value: write just `{name}`"),
        );
        skip_value(meta)?;
    }
    Ok(())
}

/// `= <expr>` after an option's name, if there is one.
fn value(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Expr>> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse().map(Some)
    } else {
        Ok(None)
    }
}

/// Consumes whatever follows an option's name: `= <expr>` or `(...)`.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

/// The serde container attributes that matter here. serde reports its own syntax errors, so
/// anything unreadable is ignored.
fn struct_serde(attrs: &[Attribute]) -> StructSerde {
    let mut out = StructSerde::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                match one_or_two(&meta)? {
                    Names::One(lit) => out.rename_all = Some(lit),
                    Names::Split => out.rename_all_split = Some(meta.path.span()),
                }
            } else if meta.path.is_ident("default") {
                out.default = true;
                skip_value(&meta)?;
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        });
    }
    out
}

/// The serde field attributes that matter here.
fn field_serde(attrs: &[Attribute]) -> FieldSerde {
    let mut out = FieldSerde::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            if path.is_ident("rename") {
                match one_or_two(&meta)? {
                    Names::One(lit) => out.rename = Some(lit),
                    Names::Split => out.rename_split = Some(path.span()),
                }
                return Ok(());
            }
            if path.is_ident("default") {
                out.default = true;
            } else if path.is_ident("skip") {
                out.skip = true;
            } else if path.is_ident("skip_serializing") || path.is_ident("skip_deserializing") {
                out.skip_one_way = Some(path.span());
            } else if path.is_ident("flatten") {
                out.flatten = Some(path.span());
            }
            skip_value(&meta)
        });
    }
    out
}

enum Names {
    /// One name for both directions.
    One(LitStr),
    /// Different names for serializing and deserializing.
    Split,
}

/// `x = "a"`, or `x(serialize = "a", deserialize = "b")`: one name only when both directions
/// are given and agree (serde applies a lone `serialize = ...` to that direction only).
fn one_or_two(meta: &ParseNestedMeta<'_>) -> syn::Result<Names> {
    if meta.input.peek(Token![=]) {
        return Ok(Names::One(meta.value()?.parse()?));
    }
    let (mut ser, mut de) = (None::<LitStr>, None::<LitStr>);
    meta.parse_nested_meta(|inner| {
        let lit: LitStr = inner.value()?.parse()?;
        if inner.path.is_ident("serialize") {
            ser = Some(lit);
        } else if inner.path.is_ident("deserialize") {
            de = Some(lit);
        }
        Ok(())
    })?;
    Ok(match (ser, de) {
        (Some(a), Some(b)) if a.value() == b.value() => Names::One(a),
        _ => Names::Split,
    })
}
