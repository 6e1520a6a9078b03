//! The attribute arguments the macro accepts: `#[actor(name = "...", input = T, conn_params = T,
//! crate = "path")]` on the contract, `#[action(name = "...")]` and `#[event(name = "...")]` on
//! its items.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta, MetaNameValue, Path, Token, Type};

use crate::errors::Errors;

/// `name = value` pairs separated by commas.
pub struct Pairs(pub Punctuated<MetaNameValue, Token![,]>);

impl Parse for Pairs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Ok(Pairs(Punctuated::parse_terminated(input)?))
    }
}

/// Arguments of `#[actor(...)]` on a contract trait.
#[derive(Default)]
pub struct ContractArgs {
    pub name: Option<LitStr>,
    pub input: Option<Type>,
    pub conn_params: Option<Type>,
    pub krate: Option<Path>,
}

/// A string literal that is a valid wire name (an identifier-like, non-empty name).
fn wire_name(value: &Expr, errors: &mut Errors) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => {
            let v = s.value();
            let valid = !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && !v.starts_with(|c: char| c.is_ascii_digit());
            if valid {
                Some(s.clone())
            } else {
                errors.push(
                    s.span(),
                    "a wire name must be a non-empty identifier-like string, e.g. \"chatRoom\"",
                );
                None
            }
        }
        other => {
            errors.push(
                other.span(),
                "expected a string literal, e.g. name = \"chatRoom\"",
            );
            None
        }
    }
}

fn type_value(value: &Expr, errors: &mut Errors) -> Option<Type> {
    match value {
        Expr::Path(p) => Some(Type::Path(syn::TypePath {
            qself: p.qself.clone(),
            path: p.path.clone(),
        })),
        Expr::Tuple(t) if t.elems.is_empty() => Some(syn::parse_quote!(())),
        other => {
            errors.push(other.span(), "expected a type path, e.g. input = MyInput");
            None
        }
    }
}

impl ContractArgs {
    /// Parses the attribute's tokens, reporting every bad pair.
    pub fn parse(tokens: proc_macro2::TokenStream, errors: &mut Errors) -> Self {
        let mut args = ContractArgs::default();
        let pairs = match syn::parse2::<Pairs>(tokens) {
            Ok(p) => p,
            Err(e) => {
                errors.push_err(e);
                return args;
            }
        };
        for pair in pairs.0 {
            let key = pair
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            match key.as_str() {
                "name" => args.name = wire_name(&pair.value, errors),
                "input" => args.input = type_value(&pair.value, errors),
                "conn_params" => args.conn_params = type_value(&pair.value, errors),
                "crate" => match &pair.value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) => match s.parse::<Path>() {
                        Ok(p) => args.krate = Some(p),
                        Err(_) => {
                            errors.push(s.span(), "expected a path, e.g. crate = \"::actorium\"")
                        }
                    },
                    other => errors.push(
                        other.span(),
                        "expected a string literal, e.g. crate = \"::actorium\"",
                    ),
                },
                _ => errors.push(
                    pair.path.span(),
                    "unknown `actor` argument; expected `name`, `input`, `conn_params` or `crate`",
                ),
            }
        }
        args
    }
}

/// What an item attribute (`#[action]` / `#[event]`) says.
pub struct ItemAttr {
    /// The attribute was present.
    pub present: bool,
    /// The span of the attribute, for errors.
    pub span: Span,
    /// `name = "..."`.
    pub name: Option<LitStr>,
}

/// Takes `#[<which>]` / `#[<which>(name = "...")]` out of `attrs`, reporting bad arguments.
pub fn take_item_attr(attrs: &mut Vec<Attribute>, which: &str, errors: &mut Errors) -> ItemAttr {
    let mut out = ItemAttr {
        present: false,
        span: Span::call_site(),
        name: None,
    };
    attrs.retain(|attr| {
        if !attr.path().is_ident(which) {
            return true;
        }
        out.present = true;
        out.span = attr.span();
        match &attr.meta {
            Meta::Path(_) => {}
            Meta::List(list) => match syn::parse2::<Pairs>(list.tokens.clone()) {
                Ok(pairs) => {
                    for pair in pairs.0 {
                        if pair.path.is_ident("name") {
                            out.name = wire_name(&pair.value, errors);
                        } else {
                            errors.push(
                                pair.path.span(),
                                format!("unknown `{which}` argument; expected `name`"),
                            );
                        }
                    }
                }
                Err(e) => errors.push_err(e),
            },
            Meta::NameValue(nv) => errors.push(
                nv.span(),
                format!("expected `#[{which}]` or `#[{which}(name = \"...\")]`"),
            ),
        }
        false
    });
    out
}

/// The doc comments among `attrs`.
pub fn docs(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect()
}

/// The text of the doc comments, joined by newlines and trimmed.
pub fn doc_text(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if let Meta::NameValue(MetaNameValue {
            path,
            value: Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }),
            ..
        }) = &attr.meta
            && path.is_ident("doc")
        {
            lines.push(s.value().trim().to_string());
        }
    }
    lines.join("\n").trim().to_string()
}
