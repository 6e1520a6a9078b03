//! `staticVarActor`, `nestedVarActor`, `dynamicVarActor`, `uniqueVarActor`, `driverCtxActor`:
//! ephemeral vars, built on every wake by `create_vars`.

use std::sync::Mutex;

use actorium::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `{value: 0}`, the state every vars fixture keeps.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct Value0 {
    value: i64,
}

/// `{counter, name}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct StaticVars {
    counter: i64,
    name: String,
}

/// Fixed vars.
#[actorium::actor(name = "staticVarActor")]
pub trait StaticVar {
    /// `{counter: 42, name: "test-actor"}`.
    async fn get_vars() -> StaticVars;
    /// The `name` var.
    async fn get_name() -> String;
}

/// State of `staticVarActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct StaticVarState(Value0);

#[actorium::actor]
impl StaticVarActor for StaticVarState {
    type Vars = StaticVars;

    async fn create_vars(_c: &Ctx<Self>) -> actorium::Result<StaticVars> {
        Ok(StaticVars {
            counter: 42,
            name: "test-actor".into(),
        })
    }

    async fn get_vars(c: &Ctx<Self>) -> actorium::Result<StaticVars> {
        Ok(c.vars().clone())
    }

    async fn get_name(c: &Ctx<Self>) -> actorium::Result<String> {
        Ok(c.vars().name.clone())
    }
}

/// The nested part of `nestedVarActor`'s vars.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Nested {
    value: String,
    array: Vec<i64>,
    obj: KeyValue,
}

/// `{key}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct KeyValue {
    key: String,
}

/// `{counter, nested}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct NestedVars {
    counter: i64,
    nested: Nested,
}

/// Vars each instance owns and may change.
#[actorium::actor(name = "nestedVarActor")]
pub trait NestedVar {
    /// The vars.
    async fn get_vars() -> NestedVars;
    /// Changes the nested vars, returns them.
    async fn modify_nested() -> NestedVars;
}

/// State of `nestedVarActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct NestedVarState(Value0);

#[actorium::actor]
impl NestedVarActor for NestedVarState {
    type Vars = Mutex<NestedVars>;

    async fn create_vars(_c: &Ctx<Self>) -> actorium::Result<Mutex<NestedVars>> {
        Ok(Mutex::new(NestedVars {
            counter: 42,
            nested: Nested {
                value: "original".into(),
                array: vec![1, 2, 3],
                obj: KeyValue {
                    key: "value".into(),
                },
            },
        }))
    }

    async fn get_vars(c: &Ctx<Self>) -> actorium::Result<NestedVars> {
        Ok(c.vars().lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    async fn modify_nested(c: &Ctx<Self>) -> actorium::Result<NestedVars> {
        let mut vars = c.vars().lock().unwrap_or_else(|p| p.into_inner());
        vars.nested.value = "modified".into();
        vars.nested.array.push(4);
        vars.nested.obj.key = "new-value".into();
        Ok(vars.clone())
    }
}

/// `{random, computed}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct DynamicVars {
    random: f64,
    computed: String,
}

/// Vars computed at wake.
#[actorium::actor(name = "dynamicVarActor")]
pub trait DynamicVar {
    /// `{random, computed: "Actor-N"}`.
    async fn get_vars() -> DynamicVars;
}

/// State of `dynamicVarActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct DynamicVarState(Value0);

#[actorium::actor]
impl DynamicVarActor for DynamicVarState {
    type Vars = DynamicVars;

    async fn create_vars(_c: &Ctx<Self>) -> actorium::Result<DynamicVars> {
        Ok(DynamicVars {
            random: rand::random::<f64>(),
            computed: format!("Actor-{}", rand::random_range(0..1000)),
        })
    }

    async fn get_vars(c: &Ctx<Self>) -> actorium::Result<DynamicVars> {
        Ok(c.vars().clone())
    }
}

/// `{id}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct UniqueVars {
    id: i64,
}

/// A random id per instance.
#[actorium::actor(name = "uniqueVarActor")]
pub trait UniqueVar {
    /// `{id}`.
    async fn get_vars() -> UniqueVars;
}

/// State of `uniqueVarActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct UniqueVarState(Value0);

#[actorium::actor]
impl UniqueVarActor for UniqueVarState {
    type Vars = UniqueVars;

    async fn create_vars(_c: &Ctx<Self>) -> actorium::Result<UniqueVars> {
        Ok(UniqueVars {
            id: rand::random_range(0..1_000_000),
        })
    }

    async fn get_vars(c: &Ctx<Self>) -> actorium::Result<UniqueVars> {
        Ok(c.vars().clone())
    }
}

/// `{hasDriverCtx}`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriverCtxVars {
    has_driver_ctx: bool,
}

/// Vars built from the driver's context. Actorium hands `create_vars` no driver context (the
/// actor's context is everything there is), so `hasDriverCtx` is false.
#[actorium::actor(name = "driverCtxActor")]
pub trait DriverCtx {
    /// `{hasDriverCtx}`.
    async fn get_vars() -> DriverCtxVars;
}

/// State of `driverCtxActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct DriverCtxState(Value0);

#[actorium::actor]
impl DriverCtxActor for DriverCtxState {
    type Vars = DriverCtxVars;

    async fn get_vars(c: &Ctx<Self>) -> actorium::Result<DriverCtxVars> {
        Ok(c.vars().clone())
    }
}
