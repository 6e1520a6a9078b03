//! `timer`: durable timers (`scheduleTick(ms)` calls `tick` later, also across restarts).

use std::time::Duration;

use actorium_server::{Actor, ActorError, Args, Ctx, InitCtx, Result, Value, to_value};
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

/// State `{ticks}`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Timer {
    /// How many times `tick` ran.
    pub ticks: i64,
}

impl Actor for Timer {
    const NAME: &'static str = "timer";
    type Input = serde::de::IgnoredAny;
    type ConnParams = serde::de::IgnoredAny;
    type ConnState = ();
    type Vars = ();
    type Events<'a> = actorium_server::Events<'a, Self>;

    async fn create_state(_: &InitCtx<'_>, _: Option<Self::Input>) -> Result<Self> {
        Ok(Timer::default())
    }

    fn dispatch<'a>(
        c: &'a Ctx<Self>,
        action: &'a str,
        args: Vec<Value>,
    ) -> BoxFuture<'a, Result<Value>> {
        Box::pin(async move {
            let mut args = Args::new(action, args);
            match action {
                "scheduleTick" => {
                    let ms: u64 = args.next()?;
                    c.schedule()
                        .after(Duration::from_millis(ms), "tick", vec![]);
                    Ok(Value::Null)
                }
                "tick" => {
                    let ticks = {
                        let mut s = c.state_mut();
                        s.ticks += 1;
                        s.ticks
                    };
                    c.events().emit("ticked", &ticks)?;
                    to_value(&ticks)
                }
                "getTicks" => to_value(&c.state().ticks),
                _ => Err(ActorError::action_not_found(action)),
            }
        })
    }
}
