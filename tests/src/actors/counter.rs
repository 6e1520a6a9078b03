//! `counter`: a count, events, user and internal errors, a panic, connection admission.

use actorium_server::{Actor, ActorError, Args, Ctx, InitCtx, Result, UserError, Value, to_value};
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
