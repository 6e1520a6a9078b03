//! `onStateChangeActor`, `metadataActor`, `stateZodCoercionActor`, `statelessActor`.

use std::collections::BTreeMap;
use std::time::Duration;

use actorium::ActorOptions;
use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Counts the state changes `on_state_change` sees.
#[actorium::actor(name = "onStateChangeActor")]
pub trait OnStateChange {
    /// Sets the value, returns it.
    async fn set_value(new_value: i64) -> i64;
    /// Adds 1 to the value `times` times, returns it.
    async fn increment_multiple(times: i64) -> i64;
    /// The value (no change).
    async fn get_value() -> i64;
    /// Twice the value (no change).
    async fn get_doubled() -> i64;
    /// How many times `on_state_change` ran.
    async fn get_change_count() -> i64;
    /// Sets the change count to 0.
    async fn reset_change_count();
}

/// State of `onStateChangeActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnStateChangeState {
    value: i64,
    change_count: i64,
}

#[actorium::actor]
impl OnStateChangeActor for OnStateChangeState {
    fn on_state_change(c: &Ctx<Self>) {
        c.state_mut().change_count += 1;
    }

    async fn set_value(c: &Ctx<Self>, new_value: i64) -> actorium::Result<i64> {
        c.state_mut().value = new_value;
        Ok(new_value)
    }

    async fn increment_multiple(c: &Ctx<Self>, times: i64) -> actorium::Result<i64> {
        let mut s = c.state_mut();
        for _ in 0..times {
            s.value += 1;
        }
        Ok(s.value)
    }

    async fn get_value(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().value)
    }

    async fn get_doubled(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().value * 2)
    }

    async fn get_change_count(c: &Ctx<Self>) -> actorium::Result<i64> {
        Ok(c.state().change_count)
    }

    async fn reset_change_count(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().change_count = 0;
        Ok(())
    }
}

/// `{name, tags, region}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Metadata {
    name: String,
    tags: BTreeMap<String, String>,
    region: Option<String>,
}

/// The actor's name, and tags and a region the tests set.
#[actorium::actor(name = "metadataActor")]
pub trait MetadataFixture {
    /// Stores `tags`, returns them.
    async fn setup_test_tags(tags: BTreeMap<String, String>) -> BTreeMap<String, String>;
    /// Stores `region`, returns it.
    async fn setup_test_region(region: String) -> String;
    /// `{name, tags, region}`, also remembered as the last metadata.
    async fn get_metadata() -> Metadata;
    /// The actor's name.
    async fn get_actor_name() -> String;
    /// One tag, or null.
    async fn get_tag(key: String) -> Option<String>;
    /// Every tag.
    async fn get_tags() -> BTreeMap<String, String>;
    /// The region, or null.
    async fn get_region() -> Option<String>;
    /// The name `on_wake` stored.
    async fn get_stored_actor_name() -> String;
    /// What `getMetadata` last returned, or null.
    async fn get_last_metadata() -> Option<Metadata>;
}

/// State of `metadataActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetadataState {
    last_metadata: Option<Metadata>,
    actor_name: String,
    stored_tags: BTreeMap<String, String>,
    stored_region: Option<String>,
}

#[actorium::actor]
impl MetadataFixtureActor for MetadataState {
    async fn on_wake(c: &Ctx<Self>) -> actorium::Result<()> {
        c.state_mut().actor_name = c.name().to_string();
        Ok(())
    }

    async fn setup_test_tags(
        c: &Ctx<Self>,
        tags: BTreeMap<String, String>,
    ) -> actorium::Result<BTreeMap<String, String>> {
        c.state_mut().stored_tags = tags.clone();
        Ok(tags)
    }

    async fn setup_test_region(c: &Ctx<Self>, region: String) -> actorium::Result<String> {
        c.state_mut().stored_region = Some(region.clone());
        Ok(region)
    }

    async fn get_metadata(c: &Ctx<Self>) -> actorium::Result<Metadata> {
        let mut s = c.state_mut();
        let metadata = Metadata {
            name: c.name().to_string(),
            tags: s.stored_tags.clone(),
            region: s.stored_region.clone(),
        };
        s.last_metadata = Some(metadata.clone());
        Ok(metadata)
    }

    async fn get_actor_name(c: &Ctx<Self>) -> actorium::Result<String> {
        Ok(c.name().to_string())
    }

    async fn get_tag(c: &Ctx<Self>, key: String) -> actorium::Result<Option<String>> {
        Ok(c.state()
            .stored_tags
            .get(&key)
            .filter(|v| !v.is_empty())
            .cloned())
    }

    async fn get_tags(c: &Ctx<Self>) -> actorium::Result<BTreeMap<String, String>> {
        Ok(c.state().stored_tags.clone())
    }

    async fn get_region(c: &Ctx<Self>) -> actorium::Result<Option<String>> {
        Ok(c.state().stored_region.clone())
    }

    async fn get_stored_actor_name(c: &Ctx<Self>) -> actorium::Result<String> {
        Ok(c.state().actor_name.clone())
    }

    async fn get_last_metadata(c: &Ctx<Self>) -> actorium::Result<Option<Metadata>> {
        Ok(c.state().last_metadata.clone())
    }
}

/// `{count, label}`.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ZodCoercionState {
    count: i64,
    label: String,
}

/// Missing fields of a stored state take their defaults on wake (RivetKit's fixture does it with
/// a Zod schema; here serde's `default` does).
impl Default for ZodCoercionState {
    fn default() -> Self {
        ZodCoercionState {
            count: 0,
            label: "default".into(),
        }
    }
}

/// State that survives sleep with defaults for missing fields; sleeps after 100 ms.
#[actorium::actor(name = "stateZodCoercionActor")]
pub trait StateZodCoercion {
    /// `{count, label}`.
    async fn get_state() -> ZodCoercionState;
    /// Sets the count.
    async fn set_count(count: i64);
    /// Sets the label.
    async fn set_label(label: String);
    /// Asks to sleep.
    async fn trigger_sleep();
}

#[actorium::actor]
impl StateZodCoercionActor for ZodCoercionState {
    fn options() -> ActorOptions {
        ActorOptions::default().sleep_timeout(Duration::from_millis(100))
    }

    async fn get_state(c: &Ctx<Self>) -> actorium::Result<ZodCoercionState> {
        Ok(c.state().clone())
    }

    async fn set_count(c: &Ctx<Self>, count: i64) -> actorium::Result<()> {
        c.state_mut().count = count;
        Ok(())
    }

    async fn set_label(c: &Ctx<Self>, label: String) -> actorium::Result<()> {
        c.state_mut().label = label;
        Ok(())
    }

    async fn trigger_sleep(c: &Ctx<Self>) -> actorium::Result<()> {
        c.sleep();
        Ok(())
    }
}

/// What `tryGetState` and `tryGetDb` report.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Attempt {
    success: bool,
    error: String,
}

/// An actor without state: actions only.
#[actorium::actor(name = "statelessActor")]
pub trait Stateless {
    /// `"pong"`.
    async fn ping() -> String;
    /// Returns `message`.
    async fn echo(message: String) -> String;
    /// The actor's id.
    async fn get_actor_id() -> String;
    /// `{success: false, error}`: the actor has no state.
    async fn try_get_state() -> Attempt;
    /// `{success: false, error}`: the actor has no database.
    async fn try_get_db() -> Attempt;
}

/// `statelessActor` has no state: its state type is empty, so there is nothing to read (in
/// Rust that is a compile-time fact; the two `try` actions report it as RivetKit does).
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct StatelessState {}

#[actorium::actor]
impl StatelessActor for StatelessState {
    async fn ping(_c: &Ctx<Self>) -> actorium::Result<String> {
        Ok("pong".into())
    }

    async fn echo(_c: &Ctx<Self>, message: String) -> actorium::Result<String> {
        Ok(message)
    }

    async fn get_actor_id(c: &Ctx<Self>) -> actorium::Result<String> {
        Ok(c.actor_id().to_string())
    }

    async fn try_get_state(_c: &Ctx<Self>) -> actorium::Result<Attempt> {
        Ok(Attempt {
            success: false,
            error: "the actor has no state".into(),
        })
    }

    async fn try_get_db(_c: &Ctx<Self>) -> actorium::Result<Attempt> {
        Ok(Attempt {
            success: false,
            error: "the actor has no database".into(),
        })
    }
}
