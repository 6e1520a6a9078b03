//! One socket of a connection: opening it up to `Init` (subprotocols, headers, TLS), and what
//! close frames and failed upgrades mean.

use actorium_protocol::gateway::encode_uri_component;
use actorium_protocol::{Encoding, ToClient, Value, WireError};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};

use super::DISPOSE_TIMEOUT;
use crate::client::Client;
use crate::endpoint::ws_base;
use crate::error::CallError;
use crate::http::user_agent;
use crate::query::ActorQuery;
use crate::tls::Ws;
use crate::values;

/// The fixed subprotocol every connection offers (the server must select it).
pub const RIVET_SUBPROTOCOL: &str = "rivet";
/// Prefix of the subprotocol carrying connection params.
pub const CONN_PARAMS_SUBPROTOCOL_PREFIX: &str = "rivet_conn_params.";

/// What a connection is opened for.
pub(super) struct Target {
    pub client: Client,
    pub query: ActorQuery,
    pub params: Option<Value>,
}

/// A socket that has received `Init`.
pub(super) struct Opened {
    pub ws: Ws,
    pub actor_id: String,
    pub connection_id: String,
}

/// The `Sec-WebSocket-Protocol` value: `rivet, rivet_encoding.<enc>[, rivet_conn_params.<p>]`.
pub(crate) fn subprotocols(
    encoding: Encoding,
    params: Option<&Value>,
) -> Result<String, CallError> {
    let mut list = vec![RIVET_SUBPROTOCOL.to_string(), encoding.subprotocol()];
    if let Some(p) = params.filter(|p| values::is_truthy(p)) {
        // encodeURIComponent, plus `(` and `)`, which are not token characters.
        let encoded = encode_uri_component(&values::params_json(p)?)
            .replace('(', "%28")
            .replace(')', "%29");
        list.push(format!("{CONN_PARAMS_SUBPROTOCOL_PREFIX}{encoded}"));
    }
    Ok(list.join(", "))
}

/// Parses a close reason of the form `group.code[#rayId]`.
fn parse_close_reason(reason: &str) -> Option<(String, String, Option<String>)> {
    let (main, ray) = match reason.split_once('#') {
        Some((m, r)) => (m, Some(r.to_string())),
        None => (reason, None),
    };
    let (group, code) = main.split_once('.')?;
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    (valid(group) && valid(code)).then(|| (group.to_string(), code.to_string(), ray))
}

/// The error a close frame stands for: an actor error for `group.code` reasons, else a lost
/// connection.
pub(super) fn close_error(frame: Option<&CloseFrame>) -> CallError {
    match frame {
        Some(f) => match parse_close_reason(&f.reason) {
            Some((group, code, ray)) => {
                if let Some(ray) = ray {
                    tracing::debug!(%ray, "close ray id");
                }
                CallError::from(WireError::new(
                    group,
                    code,
                    format!("Connection closed: {}", f.reason.as_str()),
                ))
            }
            None => CallError::ConnectionLost(format!(
                "closed by the server (code {}, reason {:?})",
                u16::from(f.code),
                f.reason.as_str()
            )),
        },
        None => CallError::ConnectionLost("closed by the server".into()),
    }
}

/// The error a failed WebSocket upgrade stands for.
pub(crate) fn handshake_error(e: tungstenite::Error) -> CallError {
    match e {
        tungstenite::Error::Http(resp) => {
            let status = resp.status().as_u16();
            let body = resp.body().clone().unwrap_or_default();
            match WireError::decode_http(Encoding::Json, &body) {
                Ok(w) => CallError::from(values::decode_error(w)),
                Err(_) => CallError::Http {
                    status,
                    body: String::from_utf8_lossy(&body).chars().take(512).collect(),
                },
            }
        }
        other => CallError::transport("WebSocket connection failed", other),
    }
}

/// Opens a socket and waits for `Init`.
pub(super) async fn open_socket(target: &Target) -> Result<Opened, CallError> {
    let inner = &target.client.inner;
    let config = inner.config()?;
    let resolved = inner.resolved().await?;
    let path = target
        .query
        .gateway_target(config, &resolved)?
        .path_and_query("/connect")
        .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
    let url = format!("{}{path}", ws_base(&resolved.endpoint));
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| CallError::InvalidRequest(format!("bad WebSocket URL {url}: {e}")))?;
    let headers = request.headers_mut();
    let protocols = subprotocols(config.encoding, target.params.as_ref())?;
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(&protocols).map_err(|e| {
            CallError::InvalidRequest(format!("connection params do not fit a header: {e}"))
        })?,
    );
    if let Ok(ua) = HeaderValue::from_str(&user_agent()) {
        headers.insert("user-agent", ua);
    }
    for (name, value) in &config.headers {
        if let (Ok(n), Ok(v)) = (
            tungstenite::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    let encoding = config.encoding;
    tracing::debug!(%url, "opening connection");
    let open = async {
        let mut ws = inner
            .tls
            .connect_ws(request)
            .await
            .map_err(handshake_error)?;
        loop {
            let msg = match ws.next().await {
                None => return Err(CallError::ConnectionLost("closed before Init".into())),
                Some(Err(e)) => {
                    return Err(CallError::transport("WebSocket failed before Init", e));
                }
                Some(Ok(m)) => m,
            };
            let bytes = match &msg {
                Message::Text(t) => t.as_bytes(),
                Message::Binary(b) => b.as_ref(),
                Message::Close(f) => return Err(close_error(f.as_ref())),
                _ => continue,
            };
            match ToClient::decode(encoding, bytes)? {
                ToClient::Init {
                    actor_id,
                    connection_id,
                } => {
                    return Ok(Opened {
                        ws,
                        actor_id,
                        connection_id,
                    });
                }
                ToClient::Error { error, .. } => {
                    return Err(CallError::from(values::decode_error(error)));
                }
                other => tracing::warn!(?other, "message before Init ignored"),
            }
        }
    };
    tokio::time::timeout(config.connect_timeout, open)
        .await
        .map_err(|_| {
            CallError::transport_msg(format!(
                "no Init within {:?} from {url}",
                config.connect_timeout
            ))
        })?
}

/// Sends `1000 "Disposed"` and waits (briefly) for the server's echo.
pub(super) async fn close_politely(ws: &mut Ws) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: "Disposed".into(),
    };
    let close = async {
        if ws.close(Some(frame)).await.is_err() {
            return;
        }
        while let Some(Ok(msg)) = ws.next().await {
            if msg.is_close() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DISPOSE_TIMEOUT, close).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subprotocol_strings() {
        assert_eq!(
            subprotocols(Encoding::Bare, None).unwrap(),
            "rivet, rivet_encoding.bare"
        );
        let params = Value::Map(vec![(
            Value::Text("user".into()),
            Value::Text("alice (admin)".into()),
        )]);
        assert_eq!(
            subprotocols(Encoding::Json, Some(&params)).unwrap(),
            "rivet, rivet_encoding.json, rivet_conn_params.%7B%22user%22%3A%22alice%20%28admin%29%22%7D"
        );
        // Falsy params are dropped, as by the official client.
        assert_eq!(
            subprotocols(Encoding::Cbor, Some(&Value::Bool(false))).unwrap(),
            "rivet, rivet_encoding.cbor"
        );
    }

    #[test]
    fn close_reasons() {
        assert_eq!(
            parse_close_reason("actor.not_found#pa0ebvfuf6ch2m0wgpzzp1wm3dbl00"),
            Some((
                "actor".into(),
                "not_found".into(),
                Some("pa0ebvfuf6ch2m0wgpzzp1wm3dbl00".into())
            ))
        );
        assert_eq!(
            parse_close_reason("user.conn_rejected"),
            Some(("user".into(), "conn_rejected".into(), None))
        );
        assert_eq!(parse_close_reason("Disposed"), None);
        assert_eq!(parse_close_reason("a b.c"), None);
        assert_eq!(parse_close_reason(""), None);
        let e = close_error(Some(&CloseFrame {
            code: CloseCode::Error,
            reason: "guard.actor_runner_failed#x".into(),
        }));
        assert!(e.is("guard", "actor_runner_failed"));
        let e = close_error(Some(&CloseFrame {
            code: CloseCode::Away,
            reason: "".into(),
        }));
        assert!(matches!(e, CallError::ConnectionLost(_)));
    }
}
