//! Gateway URLs: `/gateway/{name}{path}?rvt-…` (query form, by name and key) and
//! `/gateway/{actorId}[@token]{path}` (direct form, by id).

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ciborium::Value;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::{ActorKey, KeyPolicy, ProtocolError, compat};

/// What JavaScript's `encodeURIComponent` leaves alone: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Percent-encodes like JavaScript's `encodeURIComponent`.
pub fn encode_uri_component(s: &str) -> String {
    utf8_percent_encode(s, URI_COMPONENT).to_string()
}

/// `rvt-method`: how a query target finds its actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryMethod {
    /// The actor must exist.
    Get,
    /// The actor is created (with `rvt-input`) if it does not exist.
    GetOrCreate,
}

/// A query-form target: every `rvt-*` parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTarget {
    /// Actor name.
    pub name: String,
    /// `rvt-namespace`.
    pub namespace: String,
    /// `rvt-method`.
    pub method: QueryMethod,
    /// `rvt-runner` (pool name; required for getOrCreate).
    pub runner: Option<String>,
    /// `rvt-key`.
    pub key: ActorKey,
    /// `rvt-input`: CBOR bytes of the compat-encoded input.
    pub input: Option<Vec<u8>>,
    /// `rvt-region`.
    pub region: Option<String>,
    /// `rvt-crash-policy`.
    pub crash_policy: Option<String>,
    /// `rvt-token`.
    pub token: Option<String>,
    /// `rvt-skip-ready-wait`.
    pub skip_ready_wait: bool,
}

impl QueryTarget {
    /// A `get` target in `namespace`.
    pub fn get(name: impl Into<String>, key: ActorKey, namespace: impl Into<String>) -> Self {
        QueryTarget {
            name: name.into(),
            namespace: namespace.into(),
            method: QueryMethod::Get,
            runner: None,
            key,
            input: None,
            region: None,
            crash_policy: None,
            token: None,
            skip_ready_wait: false,
        }
    }

    /// A `getOrCreate` target with the official client's defaults (runner `default`, crash
    /// policy `sleep`).
    pub fn get_or_create(
        name: impl Into<String>,
        key: ActorKey,
        namespace: impl Into<String>,
    ) -> Self {
        QueryTarget {
            method: QueryMethod::GetOrCreate,
            runner: Some("default".into()),
            crash_policy: Some("sleep".into()),
            ..Self::get(name, key, namespace)
        }
    }

    /// The query string, parameters in the official client's order.
    pub fn to_query(&self) -> Result<String, ProtocolError> {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("rvt-namespace", &self.namespace);
        q.append_pair(
            "rvt-method",
            match self.method {
                QueryMethod::Get => "get",
                QueryMethod::GetOrCreate => "getOrCreate",
            },
        );
        if let Some(r) = &self.runner {
            q.append_pair("rvt-runner", r);
        }
        if let Some(k) = self.key.to_query()? {
            q.append_pair("rvt-key", &k);
        }
        if let Some(i) = &self.input {
            q.append_pair("rvt-input", &URL_SAFE_NO_PAD.encode(i));
        }
        if let Some(r) = &self.region {
            q.append_pair("rvt-region", r);
        }
        if let Some(c) = &self.crash_policy {
            q.append_pair("rvt-crash-policy", c);
        }
        if let Some(t) = &self.token {
            q.append_pair("rvt-token", t);
        }
        if self.skip_ready_wait {
            q.append_pair("rvt-skip-ready-wait", "true");
        }
        Ok(q.finish())
    }
}

/// Where a gateway request goes.
#[derive(Debug, Clone, PartialEq)]
pub enum GatewayTarget {
    /// By actor id, with an optional token (`{id}@{token}`).
    Direct {
        /// The actor id.
        actor_id: String,
        /// The token, if any.
        token: Option<String>,
    },
    /// By name and key, through `rvt-*` parameters.
    Query(QueryTarget),
}

impl GatewayTarget {
    /// The path and query after the endpoint: `/gateway/{target}{actor_path}[?rvt-…]`.
    /// `actor_path` starts with `/` (e.g. `/action/increment`, `/connect`).
    pub fn path_and_query(&self, actor_path: &str) -> Result<String, ProtocolError> {
        Ok(match self {
            GatewayTarget::Direct { actor_id, token } => {
                let mut s = format!("/gateway/{}", encode_uri_component(actor_id));
                if let Some(t) = token {
                    s.push('@');
                    s.push_str(&encode_uri_component(t));
                }
                s.push_str(actor_path);
                s
            }
            GatewayTarget::Query(q) => {
                let sep = if actor_path.contains('?') { '&' } else { '?' };
                format!(
                    "/gateway/{}{actor_path}{sep}{}",
                    encode_uri_component(&q.name),
                    q.to_query()?
                )
            }
        })
    }

    /// Parses the segment after `/gateway/` and the request's query string. For a direct
    /// target the query is ignored; for a query target the `rvt-*` parameters are read, and
    /// the remaining (non-`rvt-*`) parameters are returned for the actor. `rvt-key` is read
    /// under the default [`KeyPolicy`] ([`GatewayTarget::parse_with`]).
    pub fn parse(
        segment: &str,
        query: Option<&str>,
    ) -> Result<(Self, Vec<(String, String)>), ProtocolError> {
        Self::parse_with(segment, query, &KeyPolicy::DEFAULT)
    }

    /// [`GatewayTarget::parse`] with `rvt-key` read under `keys`
    /// ([`KeyPolicy::parse_query`]): an invalid or oversized key is a [`ProtocolError::Key`]
    /// (the other parameters' errors are [`ProtocolError::Gateway`]).
    pub fn parse_with(
        segment: &str,
        query: Option<&str>,
        keys: &KeyPolicy,
    ) -> Result<(Self, Vec<(String, String)>), ProtocolError> {
        let segment = percent_decode_str(segment)
            .decode_utf8()
            .map_err(|_| ProtocolError::Gateway("target is not UTF-8".into()))?;
        // One pass over the query, borrowing every parameter that has no escapes: this runs on
        // every gateway request, so only the fields kept are copied.
        let mut rvt = RvtParams::default();
        let mut rest = Vec::new();
        // `rvt-key` is kept as written and decoded strictly below (no replacement characters).
        let mut raw_key = None;
        for (k, raw) in raw_pairs(query.unwrap_or("")) {
            let k = form_decode(k);
            match k.strip_prefix("rvt-") {
                Some("key") => {
                    raw_key.get_or_insert(raw);
                }
                Some(name) => rvt.set(name, form_decode(raw)),
                None => rest.push((k.into_owned(), form_decode(raw).into_owned())),
            }
        }
        if rvt.method.is_none() && rvt.namespace.is_none() {
            let (actor_id, token) = match segment.split_once('@') {
                Some((id, t)) => (id.to_string(), Some(t.to_string())),
                None => (segment.into_owned(), None),
            };
            if actor_id.is_empty() {
                return Err(ProtocolError::Gateway("empty actor id".into()));
            }
            return Ok((GatewayTarget::Direct { actor_id, token }, rest));
        }
        let namespace = rvt
            .namespace
            .ok_or_else(|| ProtocolError::Gateway("missing field namespace".into()))?;
        let method = match rvt.method.as_deref() {
            Some("get") => QueryMethod::Get,
            Some("getOrCreate") => QueryMethod::GetOrCreate,
            Some(other) => {
                return Err(ProtocolError::Gateway(format!(
                    "unknown rvt-method `{other}`"
                )));
            }
            None => return Err(ProtocolError::Gateway("missing field method".into())),
        };
        if method == QueryMethod::GetOrCreate && rvt.runner.is_none() {
            return Err(ProtocolError::Gateway("missing field runner".into()));
        }
        let input = rvt
            .input
            .map(|i| URL_SAFE_NO_PAD.decode(i.as_bytes()))
            .transpose()
            .map_err(|e| ProtocolError::Gateway(format!("rvt-input is not base64url: {e}")))?;
        let owned = |v: Option<Cow<'_, str>>| v.map(Cow::into_owned);
        let target = QueryTarget {
            name: segment.into_owned(),
            namespace: namespace.into_owned(),
            method,
            runner: owned(rvt.runner),
            key: keys.parse_query(raw_key)?,
            input,
            region: owned(rvt.region),
            crash_policy: owned(rvt.crash_policy),
            token: owned(rvt.token),
            skip_ready_wait: rvt.skip_ready_wait.as_deref() == Some("true"),
        };
        Ok((GatewayTarget::Query(target), rest))
    }
}

/// The pairs of an `application/x-www-form-urlencoded` query, as `form_urlencoded::parse`
/// reads them (`+` is a space, escapes are decoded, invalid UTF-8 is replaced, empty pairs are
/// skipped), but borrowed from the query when a part has nothing to decode.
#[cfg(test)]
fn form_pairs(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    raw_pairs(query).map(|(k, v)| (form_decode(k), form_decode(v)))
}

/// The pairs of a query as written (nothing decoded), empty pairs skipped.
fn raw_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
}

fn form_decode(part: &str) -> Cow<'_, str> {
    if !part.bytes().any(|b| b == b'+' || b == b'%') {
        return Cow::Borrowed(part);
    }
    let spaced = part.replace('+', " ");
    Cow::Owned(percent_decode_str(&spaced).decode_utf8_lossy().into_owned())
}

/// The `rvt-*` parameters of a query, borrowed from it where they have no escapes; the first
/// occurrence of a parameter wins. Unknown `rvt-*` parameters are ignored.
#[derive(Default)]
struct RvtParams<'q> {
    namespace: Option<Cow<'q, str>>,
    method: Option<Cow<'q, str>>,
    runner: Option<Cow<'q, str>>,
    input: Option<Cow<'q, str>>,
    region: Option<Cow<'q, str>>,
    crash_policy: Option<Cow<'q, str>>,
    token: Option<Cow<'q, str>>,
    skip_ready_wait: Option<Cow<'q, str>>,
}

impl<'q> RvtParams<'q> {
    fn set(&mut self, name: &str, value: Cow<'q, str>) {
        let field = match name {
            "namespace" => &mut self.namespace,
            "method" => &mut self.method,
            "runner" => &mut self.runner,
            "input" => &mut self.input,
            "region" => &mut self.region,
            "crash-policy" => &mut self.crash_policy,
            "token" => &mut self.token,
            "skip-ready-wait" => &mut self.skip_ready_wait,
            _ => return,
        };
        if field.is_none() {
            *field = Some(value);
        }
    }
}

/// Encodes an actor input for `rvt-input`-style transport: CBOR of the compat-encoded value.
pub fn encode_input(input: &Value) -> Vec<u8> {
    compat::to_cbor(&compat::escape_for_json(input.clone()))
}

/// Decodes an input from its CBOR bytes, reviving compat markers.
pub fn decode_input(bytes: &[u8]) -> Result<Value, ProtocolError> {
    compat::revive(compat::from_cbor(bytes)?)
}

/// The `input` field of `PUT/POST /actors`: standard base64 with padding.
pub fn input_to_rest(input: &Value) -> String {
    STANDARD.encode(encode_input(input))
}

/// Parses the `input` field of `PUT/POST /actors`.
pub fn input_from_rest(s: &str) -> Result<Value, ProtocolError> {
    let bytes = STANDARD
        .decode(s.as_bytes())
        .map_err(|e| ProtocolError::Gateway(format!("input is not base64: {e}")))?;
    decode_input(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IntoKey;

    #[test]
    fn form_pairs_read_like_form_urlencoded() {
        for q in [
            "a=1&b=2",
            "a=x+y&b=%2Fz%20w&&c&=v&d=",
            "k=%E2%9C%93&bad=%FF%FE&pct=%&pct2=%4",
            "rvt-key=a%2Cb,c&rvt-key=second",
        ] {
            let ours: Vec<(String, String)> = form_pairs(q)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let reference: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect();
            assert_eq!(ours, reference, "{q}");
        }
    }

    #[test]
    fn query_url_matches_the_official_client() {
        let mut q = QueryTarget::get_or_create(
            "counter",
            ["smoke", "bare-mwwhavh0pe1o"].into_key(),
            "default",
        );
        q.input = Some(encode_input(&Value::Map(vec![(
            Value::Text("from".into()),
            Value::Text("smoke".into()),
        )])));
        let t = GatewayTarget::Query(q);
        // cbor-x writes the one-entry map with a two-byte length (b9 0001); ciborium writes a1,
        // so only the prefix up to rvt-input is compared byte for byte.
        let url = t.path_and_query("/action/echo").unwrap();
        assert!(url.starts_with("/gateway/counter/action/echo?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key=smoke%2Cbare-mwwhavh0pe1o&rvt-input="), "{url}");
        assert!(url.ends_with("&rvt-crash-policy=sleep"));
        let (path, query) = url.split_once('?').unwrap();
        let segment = path
            .trim_start_matches("/gateway/")
            .split('/')
            .next()
            .unwrap();
        let (parsed, rest) = GatewayTarget::parse(segment, Some(query)).unwrap();
        assert_eq!(parsed, t);
        assert!(rest.is_empty());
    }

    #[test]
    fn direct_url_with_token() {
        let t = GatewayTarget::Direct {
            actor_id: "abc00".into(),
            token: Some("secret-tok".into()),
        };
        assert_eq!(
            t.path_and_query("/connect").unwrap(),
            "/gateway/abc00@secret-tok/connect"
        );
        let (parsed, _) = GatewayTarget::parse("abc00@secret-tok", None).unwrap();
        assert_eq!(parsed, t);
    }

    #[test]
    fn bad_query_params() {
        assert!(GatewayTarget::parse("counter", Some("rvt-method=get")).is_err());
        assert!(
            GatewayTarget::parse("counter", Some("rvt-namespace=default&rvt-method=nope")).is_err()
        );
        assert!(
            GatewayTarget::parse(
                "counter",
                Some("rvt-namespace=default&rvt-method=getOrCreate")
            )
            .is_err()
        );
    }

    #[test]
    fn rvt_key_is_decoded_strictly_and_under_the_policy() {
        let q = |key: &str| format!("rvt-namespace=default&rvt-method=get&rvt-key={key}");
        for bad in ["%ff%fe", "%80%80", "a%zz"] {
            let e = GatewayTarget::parse("counter", Some(&q(bad))).unwrap_err();
            assert!(matches!(e, ProtocolError::Key(_)), "{bad}: {e}");
        }
        let many = vec!["p"; 20_000].join(",");
        assert!(matches!(
            GatewayTarget::parse("counter", Some(&q(&many))),
            Err(ProtocolError::Key(_))
        ));
        let (t, _) = GatewayTarget::parse("counter", Some(&q("a+b,%E2%9C%93"))).unwrap();
        let GatewayTarget::Query(t) = t else {
            panic!("not a query target")
        };
        assert_eq!(t.key, ["a b", "\u{2713}"].into_key());
        let strict = KeyPolicy::DEFAULT.max_parts(1);
        assert!(GatewayTarget::parse_with("counter", Some(&q("a,b")), &strict).is_err());
    }

    #[test]
    fn input_forms() {
        // {hello:"world"} as written by cbor-x, from the spec
        let v = decode_input(&URL_SAFE_NO_PAD.decode("uQABZWhlbGxvZXdvcmxk").unwrap()).unwrap();
        assert_eq!(
            v,
            Value::Map(vec![(
                Value::Text("hello".into()),
                Value::Text("world".into())
            )])
        );
        assert_eq!(input_from_rest(&input_to_rest(&v)).unwrap(), v);
    }
}
