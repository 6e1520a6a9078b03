//! The Rust client (`actorium-client`, untyped API) against actorium's own server hosting the
//! test actors of `tests/ACTORS.md`, in all three encodings.

mod common;

use std::time::Duration;

use actorium_client::{Client, ClientOptions, Encoding, Value};
use common::{TestServer, int};
use futures_util::StreamExt;

fn client(s: &TestServer, encoding: Encoding) -> Client {
    Client::with_options(
        ClientOptions::new(s.endpoint())
            .encoding(encoding)
            .ignore_env(true),
    )
    .unwrap()
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (Value::Text(k.to_string()), v.clone()))
            .collect(),
    )
}

async fn next_event(events: &mut actorium_client::EventStream) -> Vec<Value> {
    tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("no event within 5 s")
        .expect("event stream ended")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_in_every_encoding() {
    let s = common::start().await;
    for enc in Encoding::ALL {
        let c = client(&s, enc);
        let counter = c.actor("counter");
        let k = |name: &str| vec![name.to_string(), enc.to_string()];

        // get on a missing key, then getOrCreate with input, input ignored the second time.
        let missing = counter
            .get(k("missing"))
            .action("getCount", vec![])
            .await
            .unwrap_err();
        assert!(missing.is("actor", "not_found"), "{enc}: {missing}");
        let h = counter.get_or_create(k("input"), Some(map(&[("start", int(10))])));
        assert_eq!(
            h.action("getCount", vec![]).await.unwrap(),
            int(10),
            "{enc}"
        );
        let again = counter.get_or_create(k("input"), Some(map(&[("start", int(99))])));
        assert_eq!(
            again.action("increment", vec![int(1)]).await.unwrap(),
            int(11),
            "{enc}"
        );

        // create, duplicate key, resolve and getForId agree.
        let made = counter.create(k("created"), None).await.unwrap();
        let dup = counter.create(k("created"), None).await.unwrap_err();
        assert!(dup.is("actor", "duplicate_key"), "{enc}: {dup}");
        let id = made.resolve().await.unwrap();
        assert_eq!(counter.get(k("created")).resolve().await.unwrap(), id);
        assert_eq!(
            counter
                .get_or_create(k("created"), None)
                .resolve()
                .await
                .unwrap(),
            id
        );
        let by_id = counter.get_for_id(&id);
        assert_eq!(
            by_id.action("increment", vec![int(3)]).await.unwrap(),
            int(3)
        );

        // echo round-trips the value model.
        let values = vec![
            int(1),
            Value::Text("two".into()),
            map(&[("b", Value::Bool(true))]),
            Value::Null,
            Value::Float(-7.5),
            Value::Array(vec![Value::Text("$weird".into()), int(1)]),
            int(1 << 60),
            Value::Bytes(vec![1, 2, 3]),
        ];
        let wanted: &[Value] = if enc == Encoding::Cbor {
            &values[..5]
        } else {
            &values
        };
        let out = h.action("echo", wanted.to_vec()).await.unwrap();
        assert_eq!(out, Value::Array(wanted.to_vec()), "{enc}");

        // Errors.
        let e = h
            .action("fail", vec![Value::Text("nope".into())])
            .await
            .unwrap_err();
        let w = e.actor_error().unwrap();
        assert_eq!(
            (w.group.as_str(), w.code.as_str(), w.message.as_str()),
            ("user", "bad_thing", "nope")
        );
        assert_eq!(
            w.metadata,
            Some(map(&[("why", Value::Text("test".into()))]))
        );
        let e = h.action("internalFail", vec![]).await.unwrap_err();
        assert!(e.is("rivetkit", "internal_error"), "{enc}: {e}");
        let e = h.action("noSuchAction", vec![]).await.unwrap_err();
        assert!(e.is("actor", "action_not_found"), "{enc}: {e}");

        // A connection: events only after subscribing, before the response.
        let conn = h.connect().await.unwrap();
        let mut events = conn.events("newCount");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            conn.action("increment", vec![int(2)]).await.unwrap(),
            int(13)
        );
        assert_eq!(next_event(&mut events).await, vec![int(13)], "{enc}");
        let e = conn
            .action("fail", vec![Value::Text("x".into())])
            .await
            .unwrap_err();
        assert!(e.is("user", "bad_thing"), "{enc}: {e}");
        assert_eq!(
            conn.action("getCount", vec![]).await.unwrap(),
            int(13),
            "the connection survives action errors"
        );
        conn.dispose().await;

        // Rejected connection.
        let rejected = h
            .clone()
            .with_params(map(&[("reject", Value::Bool(true))]))
            .connect()
            .await
            .map(|_| ())
            .unwrap_err();
        assert!(rejected.is("user", "conn_rejected"), "{enc}: {rejected}");
        // ... and over HTTP, through the ephemeral connection of the action.
        let e = h
            .clone()
            .with_params(map(&[("reject", Value::Bool(true))]))
            .action("getCount", vec![])
            .await
            .unwrap_err();
        assert!(e.is("user", "conn_rejected"), "{enc}: {e}");

        // A -> B -> A.
        let alpha = c.actor("alpha").get_or_create(k("pp"), None);
        assert_eq!(
            alpha.action("ping", vec![]).await.unwrap(),
            Value::Text("beta:pong".into())
        );
        assert_eq!(alpha.action("getPongs", vec![]).await.unwrap(), int(1));

        // Timer: scheduleTick -> tick -> ticked event.
        let timer = c.actor("timer").get_or_create(k("t"), None);
        let tconn = timer.connect().await.unwrap();
        let mut ticked = tconn.events("ticked");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            timer.action("scheduleTick", vec![int(100)]).await.unwrap(),
            Value::Null
        );
        assert_eq!(next_event(&mut ticked).await, vec![int(1)], "{enc}");
        assert_eq!(timer.action("getTicks", vec![]).await.unwrap(), int(1));
        tconn.dispose().await;
    }
    s.stop().await.expect("the test server stops cleanly");
}
