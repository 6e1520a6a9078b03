//! [`ActorQuery`]: which actor a handle addresses, where its gateway requests go and how its
//! calls are retried.
//!
//! - `get`/`getOrCreate` address the actor by name and key through the *query gateway*
//!   (`/gateway/{name}/…?rvt-method=get|getOrCreate&…`), which resolves it on every request.
//! - By id (`create` and `get_for_id` handles): the direct form `/gateway/{actorId}[@token]/…`.

use actorium_protocol::gateway::encode_input;
use actorium_protocol::{ActorKey, GatewayTarget, QueryTarget, Value};

use crate::config::Config;
use crate::error::CallError;
use crate::http::Resolved;
use crate::retry::{self, RetryPolicy};

/// Which actor a handle addresses.
#[derive(Debug, Clone, PartialEq)]
pub enum ActorQuery {
    /// The actor `name` with `key`; it must exist.
    Get {
        /// Actor name.
        name: String,
        /// Actor key.
        key: ActorKey,
    },
    /// The actor `name` with `key`, created with `input` if it does not exist.
    GetOrCreate {
        /// Actor name.
        name: String,
        /// Actor key.
        key: ActorKey,
        /// Input used only on creation.
        input: Option<Value>,
        /// Region (datacenter) to create the actor in.
        region: Option<String>,
    },
    /// The actor with id `actor_id`.
    ForId {
        /// Actor name.
        name: String,
        /// Actor id.
        actor_id: String,
    },
}

impl ActorQuery {
    /// The actor name.
    pub fn name(&self) -> &str {
        match self {
            ActorQuery::Get { name, .. }
            | ActorQuery::GetOrCreate { name, .. }
            | ActorQuery::ForId { name, .. } => name,
        }
    }

    /// Whether the gateway re-resolves the actor on every request (get/getOrCreate).
    pub fn is_dynamic(&self) -> bool {
        !matches!(self, ActorQuery::ForId { .. })
    }

    /// The official client's retry policy for an action named `action`.
    pub(crate) fn retry_policy(&self, action: &str) -> RetryPolicy {
        RetryPolicy {
            dynamic_attempts: match self {
                ActorQuery::Get { .. } => retry::GET_ATTEMPTS,
                ActorQuery::GetOrCreate { .. } => retry::GET_OR_CREATE_ATTEMPTS,
                ActorQuery::ForId { .. } => 1,
            },
            // A `destroy` action is never replayed across a lifecycle boundary.
            lifecycle: action != "destroy",
        }
    }

    /// Where gateway requests for this handle go.
    pub(crate) fn gateway_target(
        &self,
        config: &Config,
        resolved: &Resolved,
    ) -> Result<GatewayTarget, CallError> {
        let check_key = |key: &ActorKey| {
            key.validate()
                .and_then(|_| key.to_query().map(|_| ()))
                .map_err(|e| CallError::InvalidRequest(e.to_string()))
        };
        let mut target = match self {
            ActorQuery::ForId { actor_id, .. } => {
                return Ok(GatewayTarget::Direct {
                    actor_id: actor_id.clone(),
                    token: resolved.token.clone(),
                });
            }
            ActorQuery::Get { name, key } => {
                check_key(key)?;
                QueryTarget::get(name.clone(), key.clone(), resolved.namespace.clone())
            }
            ActorQuery::GetOrCreate {
                name,
                key,
                input,
                region,
            } => {
                check_key(key)?;
                let mut q = QueryTarget::get_or_create(
                    name.clone(),
                    key.clone(),
                    resolved.namespace.clone(),
                );
                q.runner = Some(config.pool.clone());
                q.region = region.clone();
                if let Some(input) = input {
                    let bytes = encode_input(input);
                    if bytes.len() > config.max_input_size {
                        return Err(CallError::InvalidRequest(format!(
                            "the input is {} bytes of CBOR, above the query gateway limit of {} \
                             bytes; create the actor with `create` instead",
                            bytes.len(),
                            config.max_input_size
                        )));
                    }
                    q.input = Some(bytes);
                }
                q
            }
        };
        target.token = resolved.token.clone();
        Ok(GatewayTarget::Query(target))
    }
}

#[cfg(test)]
mod tests {
    use actorium_protocol::IntoKey;

    use super::*;
    use crate::config::ClientOptions;

    fn config() -> Config {
        ClientOptions::new("http://h:1")
            .ignore_env(true)
            .resolve()
            .unwrap()
    }

    fn resolved(token: Option<&str>) -> Resolved {
        Resolved {
            endpoint: "http://h:1".into(),
            namespace: "default".into(),
            token: token.map(str::to_string),
        }
    }

    fn url(q: &ActorQuery, token: Option<&str>, path: &str) -> String {
        q.gateway_target(&config(), &resolved(token))
            .unwrap()
            .path_and_query(path)
            .unwrap()
    }

    #[test]
    fn gateway_urls() {
        let get = ActorQuery::Get {
            name: "counter".into(),
            key: ["a", "b"].into_key(),
        };
        assert_eq!(
            url(&get, None, "/action/getCount"),
            "/gateway/counter/action/getCount?rvt-namespace=default&rvt-method=get&rvt-key=a%2Cb"
        );
        let goc = ActorQuery::GetOrCreate {
            name: "counter".into(),
            key: "tok".into_key(),
            input: None,
            region: None,
        };
        assert_eq!(
            url(&goc, Some("secret-tok"), "/connect"),
            "/gateway/counter/connect?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key=tok&rvt-crash-policy=sleep&rvt-token=secret-tok"
        );
        let with_input = ActorQuery::GetOrCreate {
            name: "counter".into(),
            key: ().into_key(),
            input: Some(Value::Map(vec![(
                Value::Text("hello".into()),
                Value::Text("world".into()),
            )])),
            region: None,
        };
        // ciborium writes the one-entry map as a1 (cbor-x writes b9 0001).
        assert_eq!(
            url(&with_input, None, "/action/x"),
            "/gateway/counter/action/x?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-input=oWVoZWxsb2V3b3JsZA&rvt-crash-policy=sleep"
        );
        let by_id = ActorQuery::ForId {
            name: "counter".into(),
            actor_id: "abc00".into(),
        };
        assert_eq!(
            url(&by_id, Some("secret-tok"), "/connect"),
            "/gateway/abc00@secret-tok/connect"
        );
        assert_eq!(
            url(&by_id, None, "/action/a%20b"),
            "/gateway/abc00/action/a%20b"
        );
    }

    #[test]
    fn client_side_limits() {
        let long = ActorQuery::Get {
            name: "counter".into(),
            key: "x".repeat(129).into_key(),
        };
        assert!(matches!(
            long.gateway_target(&config(), &resolved(None)),
            Err(CallError::InvalidRequest(_))
        ));
        let comma = ActorQuery::Get {
            name: "counter".into(),
            key: "a,b".into_key(),
        };
        assert!(matches!(
            comma.gateway_target(&config(), &resolved(None)),
            Err(CallError::InvalidRequest(_))
        ));
        let big = ActorQuery::GetOrCreate {
            name: "counter".into(),
            key: "k".into_key(),
            input: Some(Value::Bytes(vec![0; 5000])),
            region: None,
        };
        assert!(matches!(
            big.gateway_target(&config(), &resolved(None)),
            Err(CallError::InvalidRequest(_))
        ));
    }

    #[test]
    fn retry_policies() {
        let q = |query: ActorQuery| query.retry_policy("x").dynamic_attempts;
        assert_eq!(
            q(ActorQuery::Get {
                name: "c".into(),
                key: ActorKey::default()
            }),
            24
        );
        assert_eq!(
            q(ActorQuery::GetOrCreate {
                name: "c".into(),
                key: ActorKey::default(),
                input: None,
                region: None
            }),
            60
        );
        let by_id = ActorQuery::ForId {
            name: "c".into(),
            actor_id: "i".into(),
        };
        assert_eq!(q(by_id.clone()), 1);
        assert!(by_id.retry_policy("x").lifecycle);
        assert!(!by_id.retry_policy("destroy").lifecycle);
    }
}
