//! The engine REST API bodies (`/metadata`, `/health`, `/actors…`), always JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /metadata` response. Clients only use the `client*` redirect fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Metadata {
    /// `engine` for the Rivet Engine; actorium answers `actorium`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Server version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// If present, replaces the client's endpoint for all later requests.
    #[serde(
        rename = "clientEndpoint",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_endpoint: Option<String>,
    /// If present, replaces the client's namespace.
    #[serde(
        rename = "clientNamespace",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_namespace: Option<String>,
    /// If present, replaces the client's token.
    #[serde(
        rename = "clientToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_token: Option<String>,
    /// Every other field, kept as is.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// An actor as the REST API describes it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActorInfo {
    /// Actor id (opaque).
    pub actor_id: String,
    /// Actor name.
    pub name: String,
    /// Key in REST form (`a/b`, `/` for the empty key).
    pub key: String,
    /// Namespace id.
    #[serde(default)]
    pub namespace_id: String,
    /// Datacenter.
    #[serde(default)]
    pub datacenter: String,
    /// Pool name.
    #[serde(default)]
    pub runner_name_selector: String,
    /// `sleep`, `restart` or `destroy`.
    #[serde(default)]
    pub crash_policy: String,
    /// Creation time, ms since the epoch.
    pub create_ts: i64,
    /// Last start, ms since the epoch.
    #[serde(default)]
    pub start_ts: Option<i64>,
    /// When the actor started waiting for a runner.
    #[serde(default)]
    pub pending_allocation_ts: Option<i64>,
    /// When the actor became reachable.
    #[serde(default)]
    pub connectable_ts: Option<i64>,
    /// When the actor went to sleep.
    #[serde(default)]
    pub sleep_ts: Option<i64>,
    /// When the actor was rescheduled.
    #[serde(default)]
    pub reschedule_ts: Option<i64>,
    /// When the actor was destroyed.
    #[serde(default)]
    pub destroy_ts: Option<i64>,
    /// Scheduling error, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<serde_json::Value>,
}

/// `PUT /actors` body (get or create).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GetOrCreateRequest {
    /// Actor name.
    pub name: String,
    /// Key in REST form.
    pub key: String,
    /// Pool name.
    #[serde(default = "default_pool")]
    pub runner_name_selector: String,
    /// Standard base64 (padded) of CBOR(compat(input)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Crash policy.
    #[serde(default = "default_crash_policy")]
    pub crash_policy: String,
    /// Region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<String>,
}

/// `POST /actors` body (create; fails on a duplicate key).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreateRequest {
    /// Actor name.
    pub name: String,
    /// Pool name.
    #[serde(default = "default_pool")]
    pub runner_name_selector: String,
    /// Key in REST form.
    #[serde(default)]
    pub key: Option<String>,
    /// Standard base64 (padded) of CBOR(compat(input)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Crash policy.
    #[serde(default = "default_crash_policy")]
    pub crash_policy: String,
    /// Region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<String>,
}

fn default_pool() -> String {
    "default".into()
}
fn default_crash_policy() -> String {
    "sleep".into()
}

/// `PUT /actors` response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GetOrCreateResponse {
    /// The actor.
    pub actor: ActorInfo,
    /// Whether this call created it.
    pub created: bool,
}

/// `POST /actors` response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreateResponse {
    /// The new actor.
    pub actor: ActorInfo,
}

/// List pagination.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Pagination {
    /// Cursor of the next page, if any.
    pub cursor: Option<String>,
}

/// `GET /actors` response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActorsListResponse {
    /// Matching actors.
    pub actors: Vec<ActorInfo>,
    /// Pagination.
    #[serde(default)]
    pub pagination: Pagination,
}

/// One entry of `GET /actors/names`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ActorNameInfo {
    /// Free-form metadata.
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// `GET /actors/names` response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActorNamesResponse {
    /// Names of the actors the server hosts.
    pub names: BTreeMap<String, ActorNameInfo>,
    /// Pagination.
    #[serde(default)]
    pub pagination: Pagination,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_body_in_the_reference_order() {
        let body = GetOrCreateRequest {
            name: "counter".into(),
            key: "cap/bare".into(),
            runner_name_selector: "default".into(),
            input: Some("uQABZWhlbGxvZXdvcmxk".into()),
            crash_policy: "sleep".into(),
            datacenter: None,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"name":"counter","key":"cap/bare","runner_name_selector":"default","input":"uQABZWhlbGxvZXdvcmxk","crash_policy":"sleep"}"#
        );
    }

    #[test]
    fn actor_object_from_the_engine() {
        let s = r#"{"actor_id":"xo84rvm5sv4paxjakuhmg0s1jbdl00","name":"counter","key":"cap/bare","namespace_id":"lnjmtek3neslebxx4bp1k5ptj8dl00","datacenter":"default","runner_name_selector":"default","crash_policy":"sleep","create_ts":1795631370867,"start_ts":1795631371035,"pending_allocation_ts":null,"connectable_ts":1795631371035,"sleep_ts":null,"reschedule_ts":null,"destroy_ts":null}"#;
        let a: ActorInfo = serde_json::from_str(s).unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), s);
    }
}
