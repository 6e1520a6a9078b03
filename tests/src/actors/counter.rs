//! `counter`: a count, events, user and internal errors, a panic, connection admission, raw
//! HTTP.

use actorium_server::actor::raw_http::{body_bytes, http, text_response};
use std::sync::Arc;

use actorium_server::{
    Actor, ActorError, Args, Ctx, HttpRequest, HttpResponse, InitCtx, RawSocket, Result, UserError,
    Value, WsMessage, to_value,
};
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

/// State `{count}`; input `{start?: number}` sets the initial count.
///
/// Hand-written against the low-level [`Actor`] interface rather than with `#[actorium::actor]`:
/// `echo(...args)` is variadic (it returns whatever arguments it got, any number of any
/// type: the TypeScript scenarios call `echo()`, `echo(...nested)`, `echo("a", 1)`), which a
/// contract cannot express (its actions have a fixed parameter list, and the generated dispatch
/// rejects extra arguments). The loose input (`start` may be any JS number, an integer or a
/// float) and connection params (only `reject` is looked at) are taken as plain values too.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Counter {
    /// The count.
    pub count: i64,
    /// Padding set by `pad(n)` (Rust only: grows the stored state for the storage tests);
    /// absent from the stored state while empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pad: String,
}

fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    match value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| matches!(k, Value::Text(t) if t == name))
            .map(|(_, v)| v),
        _ => None,
    }
}

impl Actor for Counter {
    const NAME: &'static str = "counter";
    type Input = Value;
    type ConnParams = Value;
    type ConnState = ();
    type Vars = ();
    type Events<'a> = actorium_server::Events<'a, Self>;

    async fn create_state(_: &InitCtx<'_>, input: Option<Value>) -> Result<Self> {
        let start = input
            .as_ref()
            .and_then(|i| field(i, "start"))
            .and_then(|v| match v {
                Value::Float(f) => Some(*f as i64),
                v => actorium_server::deserialize::<i64>(v.clone()).ok(),
            })
            .unwrap_or(0);
        Ok(Counter {
            count: start,
            pad: String::new(),
        })
    }

    async fn on_before_connect(_: &Ctx<Self>, params: Option<&Value>) -> Result<()> {
        if params.and_then(|p| field(p, "reject")) == Some(&Value::Bool(true)) {
            return Err(UserError::new("conn_rejected", "connection rejected")
                .with_metadata(
                    &[("reason", "params.reject")]
                        .into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>(),
                )
                .into());
        }
        Ok(())
    }

    /// Raw HTTP: `/count` (any method) answers `{"output":count}` (the body of a json HTTP
    /// action, so the bench's load generator reads both alike); `POST /add` with a decimal body adds it (and emits
    /// `newCount`); `POST /panic` changes the count, then panics; `POST /length` reads the
    /// whole body and answers its length; anything else 404.
    async fn on_request(c: &Ctx<Self>, request: HttpRequest) -> Result<HttpResponse> {
        let ok = |text: String| text_response(http::StatusCode::OK, text);
        match (request.method().as_str(), request.uri().path()) {
            (_, "/count") => Ok(ok(format!("{{\"output\":{}}}", c.state().count))),
            ("POST", "/add") => {
                let body = body_bytes(request).await?;
                let n: i64 = std::str::from_utf8(&body)
                    .ok()
                    .and_then(|t| t.trim().parse().ok())
                    .ok_or_else(|| UserError::new("bad_number", "the body is not a number"))?;
                let count = {
                    let mut s = c.state_mut();
                    s.count += n;
                    s.count
                };
                c.events().emit("newCount", &count)?;
                Ok(ok(count.to_string()))
            }
            ("POST", "/panic") => {
                c.state_mut().count += 1_000_000;
                panic!("counter's raw handler panicked")
            }
            ("POST", "/length") => Ok(ok(body_bytes(request).await?.len().to_string())),
            _ => Ok(text_response(http::StatusCode::NOT_FOUND, "no such path")),
        }
    }

    /// Raw WebSockets: refused at `/refuse` (`user.refused`); greeted with `hello {count}`;
    /// text `add N` adds N (emits `newCount`) and answers the count, `count` answers it, `panic`
    /// changes the count
    /// then panics, `flood N` sends N 1 KiB messages in one turn, `close` closes with
    /// `4000 bye`; binary messages come back as they are.
    async fn on_websocket(c: &Ctx<Self>, socket: &Arc<RawSocket>) -> Result<()> {
        if socket.request().path() == "/refuse" {
            return Err(UserError::new("refused", "this path refuses sockets").into());
        }
        socket.send(format!("hello {}", c.state().count));
        Ok(())
    }

    async fn on_websocket_message(
        c: &Ctx<Self>,
        socket: &Arc<RawSocket>,
        message: WsMessage,
    ) -> Result<()> {
        let Some(text) = message.as_text() else {
            socket.send(message);
            return Ok(());
        };
        let (command, arg) = text.split_once(' ').unwrap_or((text, ""));
        match command {
            "add" => {
                let n: i64 = arg.parse().map_err(|_| UserError::new("bad_number", arg))?;
                let count = {
                    let mut s = c.state_mut();
                    s.count += n;
                    s.count
                };
                c.events().emit("newCount", &count)?;
                socket.send(count.to_string());
            }
            "panic" => {
                c.state_mut().count += 1_000_000;
                panic!("counter's raw socket handler panicked")
            }
            "flood" => {
                let line = "x".repeat(1024);
                for _ in 0..arg.parse::<usize>().unwrap_or(0) {
                    socket.send(line.clone());
                }
            }
            "count" => socket.send(c.state().count.to_string()),
            "close" => socket.close(4000, "bye"),
            _ => socket.send(format!("unknown command {command:?}")),
        }
        Ok(())
    }

    fn dispatch<'a>(
        c: &'a Ctx<Self>,
        action: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value>> {
        Box::pin(async move {
            let mut args = Args::new(action, args);
            match action {
                "increment" => {
                    let n: i64 = args.next()?;
                    let count = {
                        let mut s = c.state_mut();
                        s.count += n;
                        s.count
                    };
                    c.events().emit("newCount", &count)?;
                    to_value(&count)
                }
                "getCount" => to_value(&c.state().count),
                "pad" => {
                    let n: usize = args.next()?;
                    let mut s = c.state_mut();
                    s.pad = "x".repeat(n);
                    to_value(&s.count)
                }
                "echo" => Ok(Value::Array(args.rest())),
                "fail" => {
                    let msg: String = args.next()?;
                    let why = [("why", "test")]
                        .into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>();
                    Err(UserError::new("bad_thing", msg).with_metadata(&why).into())
                }
                "internalFail" => Err(std::io::Error::other("secret internal detail").into()),
                "panic" => {
                    // Change the state first: the change must be rolled back.
                    c.state_mut().count += 1_000_000;
                    panic!("counter.panic() was called")
                }
                _ => Err(ActorError::action_not_found(action)),
            }
        })
    }
}
