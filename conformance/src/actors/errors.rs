//! `errorHandlingActor`, `customTimeoutActor`, `connErrorSerializationActor`,
//! `rejectConnectionActor`.

use std::time::Duration;

use actorium::prelude::*;
use actorium::protocol::WireError;
use actorium::{ActorError, ActorOptions, UserError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// User errors, internal errors and timeouts.
#[actorium::actor(name = "errorHandlingActor")]
pub trait ErrorHandling {
    /// A user error with only a message.
    async fn throw_simple_error();
    /// A user error with code `detailed_error` and metadata `{reason, timestamp}`.
    async fn throw_detailed_error();
    /// An internal error (its message is not sent).
    async fn throw_internal_error();
    /// `"success"`.
    async fn successful_action() -> String;
    /// Takes 10 s: times out after the actor's 500 ms.
    async fn timeout_action() -> String;
    /// Takes `delay_ms`.
    async fn delayed_action(delay_ms: u64) -> String;
    /// Appends to the error log, returns it.
    async fn log_error(error: String) -> Vec<String>;
    /// The error log.
    async fn get_error_log() -> Vec<String>;
    /// Empties the error log.
    async fn clear_error_log() -> bool;
}

/// State of `errorHandlingActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorHandlingState {
    error_log: Vec<String>,
}

/// Metadata of `throwDetailedError`.
#[derive(Serialize)]
struct Detail {
    reason: &'static str,
    timestamp: i64,
}

#[actorium::actor]
impl ErrorHandlingActor for ErrorHandlingState {
    fn options() -> ActorOptions {
        ActorOptions::default().action_timeout(Duration::from_millis(500))
    }

    async fn throw_simple_error(_c: &Ctx<Self>) -> actorium::Result<()> {
        Err(UserError::new("user_error", "Simple error message").into())
    }

    async fn throw_detailed_error(_c: &Ctx<Self>) -> actorium::Result<()> {
        let detail = Detail {
            reason: "test",
            timestamp: crate::now_ms(),
        };
        Err(UserError::new("detailed_error", "Detailed error message")
            .with_metadata(&detail)
            .into())
    }

    async fn throw_internal_error(_c: &Ctx<Self>) -> actorium::Result<()> {
        Err(ActorError::internal("This is an internal error"))
    }

    async fn successful_action(_c: &Ctx<Self>) -> actorium::Result<String> {
        Ok("success".into())
    }

    async fn timeout_action(_c: &Ctx<Self>) -> actorium::Result<String> {
        tokio::time::sleep(Duration::from_secs(10)).await;
        Ok("This should not be reached if timeout works".into())
    }

    async fn delayed_action(_c: &Ctx<Self>, delay_ms: u64) -> actorium::Result<String> {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        Ok(format!("Completed after {delay_ms}ms"))
    }

    async fn log_error(c: &Ctx<Self>, error: String) -> actorium::Result<Vec<String>> {
        let mut s = c.state_mut();
        s.error_log.push(error);
        Ok(s.error_log.clone())
    }

    async fn get_error_log(c: &Ctx<Self>) -> actorium::Result<Vec<String>> {
        Ok(c.state().error_log.clone())
    }

    async fn clear_error_log(c: &Ctx<Self>) -> actorium::Result<bool> {
        c.state_mut().error_log.clear();
        Ok(true)
    }
}

/// An action timeout of 200 ms.
#[actorium::actor(name = "customTimeoutActor")]
pub trait CustomTimeout {
    /// Takes 50 ms.
    async fn quick_action() -> String;
    /// Takes 300 ms: times out.
    async fn slow_action() -> String;
}

/// State of `customTimeoutActor` (none).
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct CustomTimeoutState {}

#[actorium::actor]
impl CustomTimeoutActor for CustomTimeoutState {
    fn options() -> ActorOptions {
        ActorOptions::default().action_timeout(Duration::from_millis(200))
    }

    async fn quick_action(_c: &Ctx<Self>) -> actorium::Result<String> {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok("Quick action completed".into())
    }

    async fn slow_action(_c: &Ctx<Self>) -> actorium::Result<String> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok("Slow action completed".into())
    }
}

/// Connection params of `connErrorSerializationActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ThrowParams {
    /// Make `createConnState` fail with `connection.custom_error`.
    pub should_throw: Option<bool>,
}

/// A connection-state hook that fails with a public error of its own group.
#[actorium::actor(name = "connErrorSerializationActor", conn_params = ThrowParams)]
pub trait ConnErrorSerialization {
    /// The value (0).
    async fn get_value() -> i64;
}

/// State of `connErrorSerializationActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct ConnErrorState {
    value: i64,
}

#[actorium::actor]
impl ConnErrorSerializationActor for ConnErrorState {
    async fn create_conn_state(
        _c: &Ctx<Self>,
        params: Option<&ThrowParams>,
    ) -> actorium::Result<()> {
        if params.and_then(|p| p.should_throw).unwrap_or(false) {
            return Err(ActorError::public(WireError::new(
                "connection",
                "custom_error",
                "Test error from createConnState",
            )));
        }
        Ok(())
    }

    async fn get_value(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().value)
    }
}

/// Connection params of `rejectConnectionActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RejectParams {
    /// Reject the connection (after 500 ms) with `user.rejected`.
    pub reject: Option<bool>,
}

/// Admission that can refuse, slowly.
#[actorium::actor(name = "rejectConnectionActor", conn_params = RejectParams)]
pub trait RejectConnection {
    /// `"pong"`.
    async fn ping() -> String;
}

/// State of `rejectConnectionActor` (none).
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct RejectState {}

#[actorium::actor]
impl RejectConnectionActor for RejectState {
    async fn on_before_connect(
        _c: &Ctx<Self>,
        params: Option<&RejectParams>,
    ) -> actorium::Result<()> {
        if params.and_then(|p| p.reject).unwrap_or(false) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            return Err(UserError::new("rejected", "Rejected connection").into());
        }
        Ok(())
    }

    async fn ping(_c: &Ctx<Self>) -> actorium::Result<String> {
        Ok("pong".into())
    }
}
