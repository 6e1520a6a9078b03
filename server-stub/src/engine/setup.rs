//! Before an envoy joins: the preflight checks against the engine's HTTP API (reachable,
//! protocol, namespace, token), the runner configuration of the pool, and whether the engine
//! lists this envoy.

use std::time::{Duration, Instant};

use rivet_envoy_client::protocol;
use serde_json::{Value as Json, json};

use super::{ENGINE_VERSION, EngineError, EngineOptions};

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .unwrap_or_default()
}

pub(super) fn base(endpoint: &str) -> &str {
    endpoint.trim_end_matches('/')
}

fn authed(req: reqwest::RequestBuilder, token: &Option<String>) -> reqwest::RequestBuilder {
    match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}

async fn get_json(
    client: &reqwest::Client,
    url: String,
    token: &Option<String>,
) -> Result<(u16, String), reqwest::Error> {
    let r = authed(client.get(url), token).send().await?;
    let status = r.status().as_u16();
    Ok((status, r.text().await.unwrap_or_default()))
}

/// Checks that `opts.endpoint` is a reachable Rivet Engine speaking our protocol, that the
/// namespace exists and the token is accepted; returns the engine's datacenter names.
pub async fn preflight(opts: &EngineOptions) -> Result<Vec<String>, EngineError> {
    let client = http_client();
    let endpoint = base(&opts.endpoint).to_string();
    let deadline = Instant::now() + opts.startup_timeout;
    // 1. Reachable (retried briefly: the engine may be starting).
    let (status, body) = loop {
        match get_json(&client, format!("{endpoint}/metadata"), &None).await {
            Ok(x) => break x,
            Err(e) => {
                if Instant::now() >= deadline {
                    let mut reason = e.to_string();
                    let mut src = std::error::Error::source(&e);
                    while let Some(s) = src {
                        reason = format!("{reason}: {s}");
                        src = s.source();
                    }
                    return Err(EngineError::Unreachable {
                        endpoint: endpoint.clone(),
                        reason,
                    });
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    // 2. A Rivet Engine with our envoy protocol.
    let meta: Json = serde_json::from_str(&body).map_err(|_| EngineError::NotAnEngine {
        endpoint: endpoint.clone(),
        detail: format!(
            "GET /metadata answered {status} {}",
            body.chars().take(200).collect::<String>()
        ),
    })?;
    if meta.get("runtime").and_then(Json::as_str) != Some("engine") {
        return Err(EngineError::NotAnEngine {
            endpoint: endpoint.clone(),
            detail: format!(
                "GET /metadata says runtime {} (an actorium or RivetKit server? --engine needs the engine itself)",
                meta.get("runtime").unwrap_or(&Json::Null)
            ),
        });
    }
    let version = meta
        .get("version")
        .and_then(Json::as_str)
        .unwrap_or("?")
        .to_string();
    let proto = meta.get("envoy_protocol_version").and_then(Json::as_u64);
    if proto != Some(u64::from(protocol::PROTOCOL_VERSION)) {
        return Err(EngineError::Incompatible {
            endpoint: endpoint.clone(),
            version,
            got: proto.map_or("(none)".to_string(), |p| p.to_string()),
            want: protocol::PROTOCOL_VERSION,
        });
    }
    if version != ENGINE_VERSION {
        tracing::warn!(engine = %version, built_for = ENGINE_VERSION, "engine version differs; the envoy protocol matches");
    }
    // 3. Namespace and token.
    let ns = urlencode(&opts.namespace);
    let (status, body) = loop {
        let r = get_json(
            &client,
            format!("{endpoint}/datacenters?namespace={ns}"),
            &opts.token,
        )
        .await;
        match r {
            Ok((s, b)) if s < 500 || Instant::now() >= deadline => break (s, b),
            Ok(_) => {}
            Err(e) if Instant::now() >= deadline => {
                return Err(EngineError::Unreachable {
                    endpoint,
                    reason: e.to_string(),
                });
            }
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    if status == 401 || status == 403 {
        return Err(EngineError::Unauthorized {
            endpoint,
            status,
            body,
        });
    }
    let parsed: Json = serde_json::from_str(&body).unwrap_or(Json::Null);
    if parsed.get("code").and_then(Json::as_str) == Some("not_found")
        && parsed.get("group").and_then(Json::as_str) == Some("namespace")
    {
        return Err(EngineError::NamespaceNotFound {
            endpoint,
            namespace: opts.namespace.clone(),
        });
    }
    if status != 200 {
        return Err(EngineError::NotAnEngine {
            endpoint,
            detail: format!("GET /datacenters answered {status} {body}"),
        });
    }
    let dcs: Vec<String> = parsed
        .get("datacenters")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|d| d.get("name").and_then(Json::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if dcs.is_empty() {
        return Err(EngineError::NotAnEngine {
            endpoint,
            detail: "GET /datacenters lists no datacenter".into(),
        });
    }
    Ok(dcs)
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Registers the pool's runner configuration (kind `normal`) in every datacenter.
pub async fn register_runner_config(
    opts: &EngineOptions,
    datacenters: &[String],
) -> Result<(), EngineError> {
    let client = http_client();
    let endpoint = base(&opts.endpoint);
    let mut dcs = serde_json::Map::new();
    for dc in datacenters {
        dcs.insert(
            dc.clone(),
            json!({"normal": {}, "drain_on_version_upgrade": true}),
        );
    }
    let body = json!({ "datacenters": dcs }).to_string();
    let url = format!(
        "{endpoint}/runner-configs/{}?namespace={}",
        urlencode(&opts.pool),
        urlencode(&opts.namespace)
    );
    // Right after /health the engine may still answer 500 (`epoxy … not configured yet`).
    let deadline = Instant::now() + opts.startup_timeout.max(Duration::from_secs(10));
    loop {
        let r = authed(client.put(&url), &opts.token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        let detail = match r {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => {
                let status = r.status().as_u16();
                let text = r.text().await.unwrap_or_default();
                if status == 401 || status == 403 {
                    return Err(EngineError::Unauthorized {
                        endpoint: endpoint.to_string(),
                        status,
                        body: text,
                    });
                }
                if text.contains("\"namespace\"") && text.contains("\"not_found\"") {
                    return Err(EngineError::NamespaceNotFound {
                        endpoint: endpoint.to_string(),
                        namespace: opts.namespace.clone(),
                    });
                }
                if status < 500 {
                    return Err(EngineError::PoolConfig {
                        endpoint: endpoint.to_string(),
                        pool: opts.pool.clone(),
                        detail: format!("PUT /runner-configs answered {status} {text}"),
                    });
                }
                format!("PUT /runner-configs answered {status} {text}")
            }
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(EngineError::PoolConfig {
                endpoint: endpoint.to_string(),
                pool: opts.pool.clone(),
                detail,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether the engine lists envoy `key` as live in the pool.
pub(super) async fn envoy_listed(opts: &EngineOptions, key: &str) -> Result<bool, String> {
    let client = http_client();
    let url = format!(
        "{}/envoys?namespace={}&name={}",
        base(&opts.endpoint),
        urlencode(&opts.namespace),
        urlencode(&opts.pool)
    );
    let (status, body) = get_json(&client, url, &opts.token)
        .await
        .map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("GET /envoys answered {status} {body}"));
    }
    let v: Json = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    Ok(v.get("envoys").and_then(Json::as_array).is_some_and(|a| {
        a.iter().any(|e| {
            e.get("envoy_key").and_then(Json::as_str) == Some(key)
                && e.get("stop_ts").is_none_or(Json::is_null)
        })
    }))
}
