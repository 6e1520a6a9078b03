//! # actorium-conformance
//!
//! Rust twins of the fixture actors of RivetKit 2.2.1's driver test suite
//! (`rivetkit/driver-test-suite`), under the same wire names, with the same actions, events,
//! connection params, input, errors and observable behaviour, for the features actorium has.
//! The `conformance-server` binary serves them; `conformance/driver.test.ts` runs the suite
//! against it (see `CONFORMANCE.md` for the scoreboard).
//!
//! Fixtures the runtime cannot express yet (queues, SQL, workflows,
//! `waitUntil`, KV) are not here; their tests are listed in `conformance/expected-failures.txt`.

pub mod actors;

use actorium::Registry;

/// Milliseconds since the Unix epoch (JavaScript's `Date.now()`).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Every fixture actor this crate has.
pub fn registry() -> Registry {
    use actors::*;
    Registry::new()
        // counters.rs
        .with::<counters::CounterState>()
        .with::<counters::CounterConnState>()
        .with::<counters::LifecycleState>()
        .with::<counters::ParamsState>()
        // actions.rs
        .with::<actions::InputState>()
        .with::<actions::SyncActionState>()
        .with::<actions::AsyncActionState>()
        .with::<actions::PromiseState>()
        .with::<actions::ShortTimeoutState>()
        .with::<actions::LongTimeoutState>()
        .with::<actions::DefaultTimeoutState>()
        .with::<actions::SyncTimeoutState>()
        .with::<actions::LargePayloadState>()
        .with::<actions::LargePayloadConnState>()
        // errors.rs
        .with::<errors::ErrorHandlingState>()
        .with::<errors::CustomTimeoutState>()
        .with::<errors::ConnErrorState>()
        .with::<errors::RejectState>()
        // conns.rs
        .with::<conns::ConnStateActorState>()
        .with::<conns::RequestAccessState>()
        // hibernation.rs
        .with::<hibernation::HibernationState>()
        .with::<hibernation::HibernationSleepWindowState>()
        // raw_http.rs
        .with::<raw_http::RawHttpState>()
        .with::<raw_http::RawHttpNoHandlerState>()
        .with::<raw_http::RawHttpVoidReturnState>()
        .with::<raw_http::RawHttpHonoState>()
        .with::<raw_http::RawHttpRequestPropertiesState>()
        // raw_ws.rs
        .with::<raw_ws::RawWebSocketState>()
        .with::<raw_ws::RawWebSocketBinaryState>()
        .with::<raw_ws::SleepRawWsSendOnSleepState>()
        .with::<raw_ws::SleepRawWsDelayedSendOnSleepState>()
        .with::<raw_ws::SleepRawWsAddEventListenerMessageState>()
        .with::<raw_ws::SleepRawWsOnMessageState>()
        .with::<raw_ws::SleepRawWsAddEventListenerCloseState>()
        .with::<raw_ws::SleepRawWsOnCloseState>()
        // state.rs
        .with::<state::OnStateChangeState>()
        .with::<state::MetadataState>()
        .with::<state::ZodCoercionState>()
        .with::<state::StatelessState>()
        // vars.rs
        .with::<vars::StaticVarState>()
        .with::<vars::NestedVarState>()
        .with::<vars::DynamicVarState>()
        .with::<vars::UniqueVarState>()
        .with::<vars::DriverCtxState>()
        // lifecycle.rs
        .with::<lifecycle::InlineClientState>()
        .with::<lifecycle::DestroyState>()
        .with::<lifecycle::DestroyObserverState>()
        .with::<lifecycle::ScheduledState>()
        .with::<lifecycle::StartStopRaceState>()
        .with::<lifecycle::LifecycleObserverState>()
        // sleep.rs
        .with::<sleep::SleepState>()
        .with::<sleep::LongRpcState>()
        .with::<sleep::NoSleepState>()
        .with::<sleep::SleepWithRawHttpState>()
        .with::<sleep::SleepWithRawWebSocketState>()
        // sleep_work.rs
        .with::<sleep_work::WaitUntilMessageState>()
        .with::<sleep_work::WaitUntilInOnWakeState>()
        .with::<sleep_work::PreventSleepState>()
}

/// A JavaScript number as an action argument: an integer or a float on the wire (the official
/// client sends `250` as an integer and `Date.now() + 250` as a float in CBOR). A plain `f64`
/// parameter rejects integers (actorium's value decoding is ciborium's, which is strict about
/// floats), hence this type.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, serde::Serialize)]
#[serde(transparent)]
pub struct JsNumber(pub f64);

impl JsNumber {
    /// The number as whole milliseconds (negative: 0).
    pub fn millis(self) -> u64 {
        self.0.max(0.0) as u64
    }
}

impl<'de> serde::Deserialize<'de> for JsNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = JsNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E>(self, v: f64) -> Result<JsNumber, E> {
                Ok(JsNumber(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<JsNumber, E> {
                Ok(JsNumber(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<JsNumber, E> {
                Ok(JsNumber(v as f64))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl schemars::JsonSchema for JsNumber {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "JsNumber".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        f64::json_schema(generator)
    }
    fn inline_schema() -> bool {
        true
    }
}
