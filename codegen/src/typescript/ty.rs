//! Rendered TypeScript types: their text and binding strength, unions, intersections and
//! literal types.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::names::property_key;

/// Binding strength of a rendered type, to know when it needs parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Prec {
    /// `a | b`.
    Union,
    /// `a & b`.
    Intersection,
    /// Anything that needs no parentheses.
    Atom,
}

/// A rendered TypeScript type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Ty {
    /// The TypeScript text.
    pub(super) text: String,
    /// How tightly the text binds.
    prec: Prec,
}

impl Ty {
    /// A type that needs no parentheses anywhere.
    pub(super) fn atom(text: impl Into<String>) -> Ty {
        Ty {
            text: text.into(),
            prec: Prec::Atom,
        }
    }

    /// The text, parenthesized if it binds more loosely than `at_least`.
    pub(super) fn at(&self, at_least: Prec) -> String {
        if self.prec < at_least {
            format!("({})", self.text)
        } else {
            self.text.clone()
        }
    }

    /// The union of `members`: duplicates and `never` dropped, `unknown` if any member is.
    pub(super) fn union(members: impl IntoIterator<Item = Ty>) -> Ty {
        let mut seen = BTreeSet::new();
        let mut parts: Vec<Ty> = Vec::new();
        for member in members {
            if member.text == "unknown" {
                return Ty::atom("unknown");
            }
            if member.text != "never" && seen.insert(member.text.clone()) {
                parts.push(member);
            }
        }
        match parts.len() {
            0 => Ty::atom("never"),
            1 => parts.pop().expect("one part"),
            _ => Ty {
                text: parts
                    .iter()
                    .map(|p| p.at(Prec::Intersection))
                    .collect::<Vec<_>>()
                    .join(" | "),
                prec: Prec::Union,
            },
        }
    }

    /// The intersection of `members`, `unknown` members dropped.
    pub(super) fn intersection(members: Vec<Ty>) -> Ty {
        let mut members: Vec<Ty> = members
            .into_iter()
            .filter(|m| m.text != "unknown")
            .collect();
        match members.len() {
            0 => Ty::atom("unknown"),
            1 => members.pop().expect("one member"),
            _ => Ty {
                text: members
                    .iter()
                    .map(|m| m.at(Prec::Atom))
                    .collect::<Vec<_>>()
                    .join(" & "),
                prec: Prec::Intersection,
            },
        }
    }
}

/// A JSON value as a TypeScript literal type.
pub(super) fn literal(value: &Value) -> Ty {
    match value {
        Value::Array(items) => Ty::atom(format!(
            "[{}]",
            items
                .iter()
                .map(|v| literal(v).text)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}: {}", property_key(k), literal(&map[k]).text))
                .collect();
            Ty::atom(format!("{{ {} }}", fields.join("; ")))
        }
        other => Ty::atom(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn literals() {
        assert_eq!(literal(&json!("it's \"x\"")).text, "\"it's \\\"x\\\"\"");
        assert_eq!(literal(&json!([1, null])).text, "[1, null]");
        assert_eq!(
            literal(&json!({"b": true, "a-b": 1})).text,
            "{ \"a-b\": 1; b: true }"
        );
    }
}
