//! Actor keys (`string[]` on the wire) and their two serializations.
//!
//! REST form (`/actors` bodies and queries, `x-rivet-actor-key`, error `actor.key`): parts joined
//! by `/`, with `\` → `\\`, `/` → `\/`, an empty part → `\0`, and the empty key → `/`.
//! Query-gateway form (`rvt-key`): parts joined by `,` without escaping (so a part containing `,`
//! cannot be addressed through the query gateway; [`ActorKey::to_query`] refuses it).

use std::borrow::Cow;

use crate::ProtocolError;

/// The longest key part the official client accepts, in characters.
pub const MAX_KEY_PART_CHARS: usize = 128;

/// How large an actor key may be: characters per part, number of parts, and UTF-8 bytes of
/// all parts together. One policy, checked the same way wherever a key comes in (the REST
/// API, the query gateway and its WebSocket upgrade, actor-to-actor calls, the client).
///
/// The `parse_*` methods read a key string under the policy and reject a string that is too
/// long before parsing it, and a key with too many parts before allocating them, so that a
/// hostile key costs no more memory than a valid one. Invalid percent-encoding and invalid
/// UTF-8 are errors, never replaced characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyPolicy {
    /// Longest part, in characters (default [`MAX_KEY_PART_CHARS`], the official client's).
    pub max_part_chars: usize,
    /// Most parts (default 32).
    pub max_parts: usize,
    /// Most UTF-8 bytes of all parts together (default 2048).
    pub max_bytes: usize,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        KeyPolicy::DEFAULT
    }
}

impl KeyPolicy {
    /// The default policy: parts up to 128 characters, up to 32 parts, 2048 bytes in all.
    pub const DEFAULT: KeyPolicy = KeyPolicy {
        max_part_chars: MAX_KEY_PART_CHARS,
        max_parts: 32,
        max_bytes: 2048,
    };

    /// Sets [`KeyPolicy::max_part_chars`].
    #[must_use]
    pub fn max_part_chars(mut self, value: usize) -> Self {
        self.max_part_chars = value;
        self
    }

    /// Sets [`KeyPolicy::max_parts`].
    #[must_use]
    pub fn max_parts(mut self, value: usize) -> Self {
        self.max_parts = value;
        self
    }

    /// Sets [`KeyPolicy::max_bytes`].
    #[must_use]
    pub fn max_bytes(mut self, value: usize) -> Self {
        self.max_bytes = value;
        self
    }

    /// Checks `key` against the policy.
    pub fn check(&self, key: &ActorKey) -> Result<(), ProtocolError> {
        self.check_parts(key.0.len())?;
        let mut bytes = 0;
        for part in &key.0 {
            self.check_part(part)?;
            bytes += part.len();
        }
        self.check_bytes(bytes)
    }

    fn check_parts(&self, n: usize) -> Result<(), ProtocolError> {
        if n > self.max_parts {
            return Err(ProtocolError::Key(format!(
                "a key of {n} parts exceeds the limit of {} parts",
                self.max_parts
            )));
        }
        Ok(())
    }

    fn check_part(&self, part: &str) -> Result<(), ProtocolError> {
        // A part of at most `max_part_chars` bytes has at most that many characters.
        if part.len() > self.max_part_chars {
            let n = part.chars().count();
            if n > self.max_part_chars {
                return Err(ProtocolError::Key(format!(
                    "key part of {n} characters exceeds the limit of {}",
                    self.max_part_chars
                )));
            }
        }
        Ok(())
    }

    fn check_bytes(&self, n: usize) -> Result<(), ProtocolError> {
        if n > self.max_bytes {
            return Err(ProtocolError::Key(format!(
                "a key of {n} bytes exceeds the limit of {} bytes",
                self.max_bytes
            )));
        }
        Ok(())
    }

    /// The longest REST form a key within the policy has (every byte escaped, every part
    /// empty, separators).
    pub fn max_rest_len(&self) -> usize {
        let parts = self.max_parts.max(1);
        self.max_bytes.saturating_mul(2) + parts.saturating_mul(3)
    }

    /// The longest `rvt-key` value (percent-encoded) a key within the policy has.
    pub fn max_query_len(&self) -> usize {
        (self.max_bytes + self.max_parts).saturating_mul(3)
    }

    /// Parses a REST key string ([`ActorKey::from_rest`]) under the policy; a string longer
    /// than any valid key's REST form is rejected before it is parsed.
    pub fn parse_rest(&self, s: &str) -> Result<ActorKey, ProtocolError> {
        if s.len() > self.max_rest_len() {
            return Err(ProtocolError::Key(format!(
                "a key string of {} bytes exceeds the limit of {} bytes",
                s.len(),
                self.max_rest_len()
            )));
        }
        if s == "/" || s.is_empty() {
            return Ok(ActorKey::default());
        }
        // Parts are counted before any is allocated.
        self.check_parts(count_rest_separators(s) + 1)?;
        let key = ActorKey::from_rest(s);
        self.check(&key)?;
        Ok(key)
    }

    /// Parses the raw (still percent-encoded) value of `rvt-key` under the policy: `+` is a
    /// space, `%XX` a byte, the bytes must be UTF-8, then split on `,`
    /// ([`ActorKey::from_query`]). `None` is the empty key.
    pub fn parse_query(&self, raw: Option<&str>) -> Result<ActorKey, ProtocolError> {
        let Some(raw) = raw else {
            return Ok(ActorKey::default());
        };
        if raw.len() > self.max_query_len() {
            return Err(ProtocolError::Key(format!(
                "an rvt-key of {} bytes exceeds the limit of {} bytes",
                raw.len(),
                self.max_query_len()
            )));
        }
        let decoded = decode_form_strict(raw)?;
        // `,` cannot be escaped in this form: counting them counts the parts.
        if !decoded.is_empty() {
            self.check_parts(decoded.matches(',').count() + 1)?;
        }
        let key = ActorKey::from_query(Some(&decoded));
        self.check(&key)?;
        Ok(key)
    }
}

/// The number of unescaped `/` in a REST key string.
fn count_rest_separators(s: &str) -> usize {
    let mut n = 0;
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'\\' => {
                bytes.next();
            }
            b'/' => n += 1,
            _ => {}
        }
    }
    n
}

/// Decodes one `application/x-www-form-urlencoded` value strictly: `+` is a space, `%XX` is
/// the byte `XX`; a `%` not followed by two hex digits, or bytes that are not UTF-8, are
/// errors (where the lenient decoders keep the `%` or substitute U+FFFD).
pub fn decode_form_strict(raw: &str) -> Result<Cow<'_, str>, ProtocolError> {
    if !raw.bytes().any(|b| b == b'+' || b == b'%') {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |b: Option<u8>| b.and_then(|b| (b as char).to_digit(16));
                match (hex(bytes.next()), hex(bytes.next())) {
                    (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                    _ => {
                        return Err(ProtocolError::Key(
                            "invalid percent-encoding (`%` not followed by two hex digits)".into(),
                        ));
                    }
                }
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| ProtocolError::Key("the percent-decoded key is not valid UTF-8".into()))
}

/// An actor key: an ordered list of string parts. `[]` is the empty key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ActorKey(pub Vec<String>);

impl ActorKey {
    /// The key's parts.
    pub fn parts(&self) -> &[String] {
        &self.0
    }

    /// Checks the default [`KeyPolicy`]: each part at most [`MAX_KEY_PART_CHARS`] characters
    /// (the reference's limit), at most 32 parts and 2048 bytes.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        KeyPolicy::DEFAULT.check(self)
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

    #[test]
    fn the_policy_limits_parts_count_and_bytes() {
        let p = KeyPolicy::DEFAULT;
        assert!(p.check(&k(&[&"x".repeat(128)])).is_ok());
        assert!(p.check(&k(&[&"x".repeat(129)])).is_err());
        // 128 characters of 4 bytes each are one part within the limit.
        assert!(p.check(&k(&[&"\u{1F600}".repeat(128)])).is_ok());
        let many: Vec<String> = (0..33).map(|i| i.to_string()).collect();
        assert!(p.check(&ActorKey(many.clone())).is_err());
        assert!(p.check(&ActorKey(many[..32].to_vec())).is_ok());
        let big: Vec<String> = (0..17).map(|_| "y".repeat(128)).collect();
        assert!(p.check(&ActorKey(big)).is_err(), "17 * 128 bytes > 2048");
        let p = KeyPolicy::DEFAULT
            .max_parts(2)
            .max_part_chars(3)
            .max_bytes(5);
        assert!(p.check(&k(&["abc", "de"])).is_ok());
        assert!(p.check(&k(&["abc", "def"])).is_err());
        assert!(p.check(&k(&["a", "b", "c"])).is_err());
        assert!(p.check(&k(&["abcd"])).is_err());
    }

    #[test]
    fn rest_strings_are_checked_before_they_are_split() {
        let p = KeyPolicy::DEFAULT;
        assert_eq!(p.parse_rest("a/b\\/c").unwrap(), k(&["a", "b/c"]));
        assert_eq!(p.parse_rest("/").unwrap(), k(&[]));
        // A million parts: refused by length, nothing split.
        let huge = "a/".repeat(1_000_000);
        let e = p.parse_rest(&huge).unwrap_err().to_string();
        assert!(e.contains("exceeds the limit"), "{e}");
        // Short enough, but too many parts; escaped slashes do not count.
        assert!(p.parse_rest(&"a/".repeat(40)).is_err());
        assert!(p.parse_rest(&"a\\/".repeat(40)).is_ok());
        assert!(p.parse_rest(&"x".repeat(129)).is_err());
    }

    #[test]
    fn query_keys_decode_strictly() {
        let p = KeyPolicy::DEFAULT;
        assert_eq!(p.parse_query(None).unwrap(), k(&[]));
        assert_eq!(p.parse_query(Some("")).unwrap(), k(&[]));
        assert_eq!(
            p.parse_query(Some("a%2Cb,c+d,%E2%9C%93")).unwrap(),
            k(&["a", "b", "c d", "\u{2713}"])
        );
        // Invalid UTF-8 is an error, not U+FFFD; so is a stray `%`.
        for bad in [
            "%ff%fe", "%fe%ff", "%80%80", "ok,%C3", "%", "%4", "%zz", "a%g1",
        ] {
            assert!(p.parse_query(Some(bad)).is_err(), "{bad}");
        }
        // A literal U+FFFD is a key like any other.
        assert_eq!(
            p.parse_query(Some("%EF%BF%BD%EF%BF%BD")).unwrap(),
            k(&["\u{FFFD}\u{FFFD}"])
        );
        let parts = vec!["p"; 20_000].join(",");
        assert!(p.parse_query(Some(&parts)).is_err());
        assert!(p.parse_query(Some(&vec!["p"; 33].join(","))).is_err());
        assert!(p.parse_query(Some(&vec!["p"; 32].join(","))).is_ok());
    }

    proptest! {
        #[test]
        fn policy_parses_what_it_accepts(parts in proptest::collection::vec(".{0,20}", 1..5)) {
            let key = ActorKey(parts);
            prop_assert_eq!(KeyPolicy::DEFAULT.parse_rest(&key.to_rest()).unwrap(), key);
        }

        #[test]
        fn rest_round_trips(parts in proptest::collection::vec(".*", 1..5)) {
            let key = ActorKey(parts);
            prop_assert_eq!(ActorKey::from_rest(&key.to_rest()), key);
        }
    }
}
