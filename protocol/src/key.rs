//! Actor keys (`string[]` on the wire) and their two serializations.
//!
//! REST form (`/actors` bodies and queries, `x-rivet-actor-key`, error `actor.key`): parts joined
//! by `/`, with `\` → `\\`, `/` → `\/`, an empty part → `\0`, and the empty key → `/`.
//! Query-gateway form (`rvt-key`): parts joined by `,` without escaping (so a part containing `,`
//! cannot be addressed through the query gateway; [`ActorKey::to_query`] refuses it).

use crate::ProtocolError;

/// The longest key part the official client accepts, in characters.
pub const MAX_KEY_PART_CHARS: usize = 128;

/// An actor key: an ordered list of string parts. `[]` is the empty key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ActorKey(pub Vec<String>);

impl ActorKey {
    /// The key's parts.
    pub fn parts(&self) -> &[String] {
        &self.0
    }

    /// Checks the reference's limits: each part at most [`MAX_KEY_PART_CHARS`] characters.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        for part in &self.0 {
            let n = part.chars().count();
            if n > MAX_KEY_PART_CHARS {
                return Err(ProtocolError::Key(format!(
                    "key part of {n} characters exceeds the limit of {MAX_KEY_PART_CHARS}"
                )));
            }
        }
        Ok(())
    }

    /// The REST serialization (`["a","b"]` → `a/b`, `[]` → `/`).
    pub fn to_rest(&self) -> String {
        if self.0.is_empty() {
            return "/".to_string();
        }
        let mut out = String::new();
        for (i, part) in self.0.iter().enumerate() {
            if i > 0 {
                out.push('/');
            }
            if part.is_empty() {
                out.push_str("\\0");
                continue;
            }
            for c in part.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '/' => out.push_str("\\/"),
                    c => out.push(c),
                }
            }
        }
        out
    }

    /// Parses the REST serialization. `/` and the empty string are the empty key; `\0` alone is
    /// an empty part; any other `\c` is a literal `c`; a trailing lone `\` is kept.
    pub fn from_rest(s: &str) -> Self {
        if s == "/" || s.is_empty() {
            return ActorKey(Vec::new());
        }
        let mut parts = Vec::new();
        let mut current = String::new();
        let mut raw = String::new(); // the part as written, to detect a lone `\0`
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(n) => {
                        raw.push('\\');
                        raw.push(n);
                        current.push(n);
                    }
                    None => {
                        raw.push('\\');
                        current.push('\\');
                    }
                },
                '/' => {
                    parts.push(finish_part(&raw, std::mem::take(&mut current)));
                    raw.clear();
                }
                c => {
                    raw.push(c);
                    current.push(c);
                }
            }
        }
        parts.push(finish_part(&raw, current));
        ActorKey(parts)
    }

    /// The query-gateway serialization (`rvt-key`): parts joined by `,`; `None` for the empty
    /// key (the parameter is then omitted). Parts containing `,` cannot be addressed this way.
    pub fn to_query(&self) -> Result<Option<String>, ProtocolError> {
        if self.0.is_empty() {
            return Ok(None);
        }
        if self.0.iter().any(|p| p.contains(',')) {
            return Err(ProtocolError::Key(
                "a key part containing `,` cannot be addressed through the query gateway".into(),
            ));
        }
        Ok(Some(self.0.join(",")))
    }

    /// Parses `rvt-key`: missing or empty is the empty key, otherwise split on `,`.
    pub fn from_query(value: Option<&str>) -> Self {
        match value {
            None | Some("") => ActorKey(Vec::new()),
            Some(v) => ActorKey(v.split(',').map(str::to_string).collect()),
        }
    }
}

fn finish_part(raw: &str, decoded: String) -> String {
    if raw == "\\0" { String::new() } else { decoded }
}

impl std::fmt::Display for ActorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rest())
    }
}

/// Anything that names an actor key: a string (one part), arrays, slices and vectors of
/// strings, an [`ActorKey`], or `()` for the empty key.
pub trait IntoKey {
    /// Converts into an [`ActorKey`].
    fn into_key(self) -> ActorKey;
}

impl IntoKey for ActorKey {
    fn into_key(self) -> ActorKey {
        self
    }
}
impl IntoKey for &ActorKey {
    fn into_key(self) -> ActorKey {
        self.clone()
    }
}
impl IntoKey for () {
    fn into_key(self) -> ActorKey {
        ActorKey(Vec::new())
    }
}
impl IntoKey for &str {
    fn into_key(self) -> ActorKey {
        ActorKey(vec![self.to_string()])
    }
}
impl IntoKey for String {
    fn into_key(self) -> ActorKey {
        ActorKey(vec![self])
    }
}
impl IntoKey for &String {
    fn into_key(self) -> ActorKey {
        ActorKey(vec![self.clone()])
    }
}
impl<S: AsRef<str>, const N: usize> IntoKey for [S; N] {
    fn into_key(self) -> ActorKey {
        ActorKey(self.iter().map(|s| s.as_ref().to_string()).collect())
    }
}
impl<S: AsRef<str>> IntoKey for &[S] {
    fn into_key(self) -> ActorKey {
        ActorKey(self.iter().map(|s| s.as_ref().to_string()).collect())
    }
}
impl<S: AsRef<str>> IntoKey for Vec<S> {
    fn into_key(self) -> ActorKey {
        ActorKey(self.iter().map(|s| s.as_ref().to_string()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn k(parts: &[&str]) -> ActorKey {
        parts.into_key()
    }

    #[test]
    fn rest_examples_from_the_reference() {
        assert_eq!(k(&["a", "b"]).to_rest(), "a/b");
        assert_eq!(k(&["x/y"]).to_rest(), "x\\/y");
        assert_eq!(k(&["back\\slash"]).to_rest(), "back\\\\slash");
        assert_eq!(k(&["", "z"]).to_rest(), "\\0/z");
        assert_eq!(k(&[]).to_rest(), "/");
        assert_eq!(ActorKey::from_rest("\\0/z"), k(&["", "z"]));
        assert_eq!(ActorKey::from_rest("/"), k(&[]));
        assert_eq!(ActorKey::from_rest("trail\\"), k(&["trail\\"]));
    }

    #[test]
    fn query_form() {
        assert_eq!(
            k(&["smoke", "bare"]).to_query().unwrap().as_deref(),
            Some("smoke,bare")
        );
        assert_eq!(k(&[]).to_query().unwrap(), None);
        assert!(k(&["a,b"]).to_query().is_err());
        assert_eq!(ActorKey::from_query(Some("a,b")), k(&["a", "b"]));
        assert_eq!(ActorKey::from_query(Some("")), k(&[]));
    }

    #[test]
    fn limits() {
        assert!(k(&[&"x".repeat(128)]).validate().is_ok());
        assert!(k(&[&"x".repeat(129)]).validate().is_err());
    }

    proptest! {
        #[test]
        fn rest_round_trips(parts in proptest::collection::vec(".*", 1..5)) {
            let key = ActorKey(parts);
            prop_assert_eq!(ActorKey::from_rest(&key.to_rest()), key);
        }
    }
}
