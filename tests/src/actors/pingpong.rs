//! `alpha` and `beta`: an A -> B -> A call chain (`alpha.ping()` returns `"beta:pong"`),
//! through `Ctx::client` (the Rust client, routed in-process by the host).

use actorium_server::{Actor, ActorError, Args, Ctx, InitCtx, Result, Value, to_value};
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

/// State `{pongs}`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Alpha {
    /// How many times `pong` was called.
    pub pongs: i64,
}

/// No state.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Beta {}

impl Actor for Alpha {
    const NAME: &'static str = "alpha";
    type Input = serde::de::IgnoredAny;
    type ConnParams = serde::de::IgnoredAny;
    type ConnState = ();
    type Vars = ();
    type Events<'a> = actorium_server::Events<'a, Self>;

    async fn create_state(_: &InitCtx<'_>, _: Option<Self::Input>) -> Result<Self> {
        Ok(Alpha::default())
    }

    fn dispatch<'a>(
        c: &'a Ctx<Self>,
        action: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value>> {
        Box::pin(async move {
            let _args = Args::new(action, args);
            match action {
                "ping" => {
                    let key = c.key().parts().join(",");
                    Ok(c.client()
                        .actor("beta")
                        .get_or_create(c.key().clone(), None)
                        .action("relay", vec![Value::Text(key)])
                        .await?)
                }
                "pong" => {
                    c.state_mut().pongs += 1;
                    to_value("pong")
                }
                "getPongs" => to_value(&c.state().pongs),
                _ => Err(ActorError::action_not_found(action)),
            }
        })
    }
}

impl Actor for Beta {
    const NAME: &'static str = "beta";
    type Input = serde::de::IgnoredAny;
    type ConnParams = serde::de::IgnoredAny;
    type ConnState = ();
    type Vars = ();
    type Events<'a> = actorium_server::Events<'a, Self>;

    async fn create_state(_: &InitCtx<'_>, _: Option<Self::Input>) -> Result<Self> {
        Ok(Beta {})
    }

    fn dispatch<'a>(
        c: &'a Ctx<Self>,
        action: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value>> {
        Box::pin(async move {
            let mut args = Args::new(action, args);
            match action {
                "relay" => {
                    let alpha_key: String = args.next()?;
                    let key: Vec<&str> = alpha_key.split(',').collect();
                    let out = c
                        .client()
                        .actor("alpha")
                        .get_or_create(key, None)
                        .action("pong", vec![])
                        .await?;
                    let Value::Text(out) = out else {
                        return Err(ActorError::internal("alpha.pong() did not return a string"));
                    };
                    to_value(&format!("beta:{out}"))
                }
                _ => Err(ActorError::action_not_found(action)),
            }
        })
    }
}
