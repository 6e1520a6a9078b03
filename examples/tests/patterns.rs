//! One test per seed pattern, each on its own fresh in-process server (the test kit), plus
//! state surviving a restart of the server.

use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

use actorium_examples::analytics::{Event, HourlyAnalyticsRef, hour_shard_key};
use actorium_examples::chat::{ChatRoomListRef, ChatRoomRef, Message};
use actorium_examples::map_reduce::{CoordinatorRef, Task};
use actorium_examples::rate_limit::RateLimiterRef;
use actorium_examples::registry;
use actorium_examples::user_actor::{NewUser, UserActorRef};
use actorium_examples::user_session::UserSessionRef;
use actorium_examples::users_db::UsersDb;
use actorium_test_support::TestServer;
use futures_util::StreamExt;

#[tokio::test]
async fn chat_room_list_creates_rooms_reachable_by_id() -> anyhow::Result<()> {
    let server = TestServer::start(registry()).await?;
    let client = server.client();
    let list = client.get_or_create::<ChatRoomListRef>(["main"]);
    let general = list.create_chat_room("general").await?;
    let random = list.create_chat_room("random").await?;
    assert_ne!(general, random);
    assert_eq!(
        list.list_chat_rooms().await?,
        vec![general.clone(), random.clone()]
    );

    let room = client.get_for_id::<ChatRoomRef>(&general);
    let conn = client.get_for_id::<ChatRoomRef>(&general).connect().await?;
    let mut new_messages = conn.new_message();
    // One round trip on the connection: the subscription has reached the server before the
    // message is sent over HTTP.
    assert!(conn.get_history().await?.is_empty());
    let sent = room.send_message("alice", "Hello!").await?;
    assert_eq!(
        sent,
        Message {
            sender: "alice".into(),
            text: "Hello!".into()
        }
    );
    let event = tokio::time::timeout(Duration::from_secs(5), new_messages.next()).await?;
    assert_eq!(event, Some(sent.clone()));
    assert_eq!(room.get_history().await?, vec![sent.clone()]);
    // The room sleeps with its member still connected; the next message wakes it for them.
    server.sleep_all().await;
    assert_eq!(server.host().hibernated_connections(), 1);
    let later = room.send_message("bob", "Still there?").await?;
    let event = tokio::time::timeout(Duration::from_secs(5), new_messages.next()).await?;
    assert_eq!(event, Some(later.clone()));
    assert_eq!(conn.get_history().await?, vec![sent, later]);
    assert!(
        client
            .get_for_id::<ChatRoomRef>(&random)
            .get_history()
            .await?
            .is_empty()
    );
    // The room was created by key, so a second create of the same name is refused.
    let again = list.create_chat_room("general").await.unwrap_err();
    assert_eq!(again.code(), Some("duplicate_key"), "{again}");
    conn.dispose().await;
    server.stop().await.expect("the test server stops cleanly");
    Ok(())
}

#[tokio::test]
async fn analytics_events_land_in_the_shard_of_their_hour() -> anyhow::Result<()> {
    let server = TestServer::start(registry()).await?;
    let client = server.client();
    let t0 = UNIX_EPOCH + Duration::from_secs(1_705_278_600); // 2024-01-15T00:30Z
    let t1 = t0 + Duration::from_secs(3_600);
    let (k0, k1) = (hour_shard_key(t0), hour_shard_key(t1));
    assert_eq!(
        (k0.as_str(), k1.as_str()),
        ("2024-01-15T00", "2024-01-15T01")
    );
    let ev = |t: &str, url: &str| Event {
        r#type: t.into(),
        url: url.into(),
    };
    client
        .get_or_create::<HourlyAnalyticsRef>([&k0])
        .track_event(ev("page_view", "/home"))
        .await?;
    client
        .get_or_create::<HourlyAnalyticsRef>([&k0])
        .track_event(ev("click", "/buy"))
        .await?;
    client
        .get_or_create::<HourlyAnalyticsRef>([&k1])
        .track_event(ev("page_view", "/about"))
        .await?;
    let h0 = client
        .get_or_create::<HourlyAnalyticsRef>([&k0])
        .get_events()
        .await?;
    let h1 = client
        .get_or_create::<HourlyAnalyticsRef>([&k1])
        .get_events()
        .await?;
    assert_eq!(h0, vec![ev("page_view", "/home"), ev("click", "/buy")]);
    assert_eq!(h1, vec![ev("page_view", "/about")]);
    server.stop().await.expect("the test server stops cleanly");
    Ok(())
}

#[tokio::test]
async fn rate_limits_hold_per_user_within_a_shard() -> anyhow::Result<()> {
    let server = TestServer::start(registry()).await?;
    let client = server.client();
    let shard0 = client.get_or_create::<RateLimiterRef>(["shard-0"]);
    let shard1 = client.get_or_create::<RateLimiterRef>(["shard-1"]);
    let mut alice = Vec::new();
    for _ in 0..4 {
        alice.push(shard0.check_limit("alice", 3).await?);
    }
    assert_eq!(alice, [true, true, true, false]);
    assert!(shard0.check_limit("bob", 3).await?, "bob has his own count");
    assert!(
        shard1.check_limit("alice", 3).await?,
        "another shard counts on its own"
    );
    let key = actorium_examples::rate_limit::random_shard_key(3);
    assert!(["shard-0", "shard-1", "shard-2"].contains(&key.as_str()));
    server.stop().await.expect("the test server stops cleanly");
    Ok(())
}

async fn map_reduce(tasks: usize) -> anyhow::Result<()> {
    let server = TestServer::start(registry()).await?;
    let client = server.client();
    let job: Vec<Task> = (0..tasks)
        .map(|i| Task {
            id: format!("task-{i}"),
            data: format!("d{i}"),
        })
        .collect();
    let coordinator = client.get_or_create::<CoordinatorRef>(["main"]);
    coordinator.start_job(job).await?;
    let results = coordinator.get_results().await?;
    assert_eq!(results.len(), tasks, "every result exactly once");
    let ids: BTreeSet<_> = results.iter().map(|r| r.task_id.clone()).collect();
    assert_eq!(ids.len(), tasks, "no duplicates");
    for r in &results {
        let i = r.task_id.strip_prefix("task-").unwrap();
        assert_eq!(r.output, format!("Processed d{i}"));
    }
    server.stop().await.expect("the test server stops cleanly");
    Ok(())
}

#[tokio::test]
async fn map_reduce_with_100_tasks() -> anyhow::Result<()> {
    map_reduce(100).await
}

#[tokio::test]
async fn map_reduce_with_1000_tasks() -> anyhow::Result<()> {
    map_reduce(1000).await
}

#[tokio::test]
async fn user_session_sees_database_changes_after_sleep_and_wake() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start_in(registry(), dir.path()).await?;
    let client = server.client();
    let session = client.get_or_create::<UserSessionRef>(["user-123"]);
    let profile = session.get_profile().await?.expect("user-123 is seeded");
    assert_eq!(profile.email, "user@example.com");

    // Someone else changes the database: the cached vars do not see it until the next wake.
    UsersDb::open(dir.path())?.update_email("user-123", "changed@example.com")?;
    assert_eq!(
        session.get_profile().await?.unwrap().email,
        "user@example.com"
    );
    server.sleep_all().await;
    assert_eq!(
        session.get_profile().await?.unwrap().email,
        "changed@example.com"
    );

    // updateEmail writes the database and refreshes the vars.
    session.update_email("alice@example.com").await?;
    assert_eq!(
        session.get_profile().await?.unwrap().email,
        "alice@example.com"
    );
    assert_eq!(
        UsersDb::open(dir.path())?.find("user-123")?.unwrap().email,
        "alice@example.com"
    );
    // A session for an unknown user has no profile.
    assert!(
        client
            .get_or_create::<UserSessionRef>(["nobody"])
            .get_profile()
            .await?
            .is_none()
    );
    server.stop().await.expect("the test server stops cleanly");
    Ok(())
}

#[tokio::test]
async fn user_actor_row_matches_its_state() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start_in(registry(), dir.path()).await?;
    let client = server.client();
    let user = client
        .create::<UserActorRef>(
            ["user", "42"],
            &NewUser {
                email: "alice@example.com".into(),
            },
        )
        .await?;
    let db = UsersDb::open(dir.path())?;
    let state = user.get_user().await?;
    assert_eq!(state.email, "alice@example.com");
    let row = db.find("user-42")?.expect("on_create inserted the row");
    assert_eq!(
        (row.email.as_str(), row.last_active),
        (state.email.as_str(), state.last_active)
    );
    assert!(row.created_at > 0);
    for email in ["a2@example.com", "a3@example.com"] {
        user.update_email(email).await?;
        let state = user.get_user().await?;
        let row = db.find("user-42")?.unwrap();
        assert_eq!(state.email, email);
        assert!(state.last_active > 0);
        assert_eq!(
            (row.email, row.last_active),
            (state.email, state.last_active),
            "mirrored before the reply"
        );
    }
    server.stop().await.expect("the test server stops cleanly");
    Ok(())
}

#[tokio::test]
async fn state_survives_a_restart() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let shard = "2024-01-15T00";
    let room_id;
    {
        let server = TestServer::start_in(registry(), dir.path()).await?;
        let client = server.client();
        room_id = client
            .get_or_create::<ChatRoomListRef>(["main"])
            .create_chat_room("lobby")
            .await?;
        client
            .get_for_id::<ChatRoomRef>(&room_id)
            .send_message("alice", "before restart")
            .await?;
        client
            .get_or_create::<HourlyAnalyticsRef>([shard])
            .track_event(Event {
                r#type: "page_view".into(),
                url: "/".into(),
            })
            .await?;
        let tasks = (0..10)
            .map(|i| Task {
                id: format!("t{i}"),
                data: i.to_string(),
            })
            .collect();
        client
            .get_or_create::<CoordinatorRef>(["main"])
            .start_job(tasks)
            .await?;
        server.stop().await.expect("the test server stops cleanly");
    }
    let server = TestServer::start_in(registry(), dir.path()).await?;
    let client = server.client();
    assert_eq!(
        client
            .get_or_create::<ChatRoomListRef>(["main"])
            .list_chat_rooms()
            .await?,
        vec![room_id.clone()]
    );
    let history = client
        .get_for_id::<ChatRoomRef>(&room_id)
        .get_history()
        .await?;
    assert_eq!(
        history,
        vec![Message {
            sender: "alice".into(),
            text: "before restart".into()
        }]
    );
    assert_eq!(
        client
            .get_or_create::<HourlyAnalyticsRef>([shard])
            .get_events()
            .await?
            .len(),
        1
    );
    assert_eq!(
        client
            .get_or_create::<CoordinatorRef>(["main"])
            .get_results()
            .await?
            .len(),
        10
    );
    server.stop().await.expect("the test server stops cleanly");
    Ok(())
}

/// The chat room and its coordinator (contract, state, implementation and the shared `Message`
/// type) fit in 60 lines of Rust, not counting blank lines and comments.
#[test]
fn chat_example_is_at_most_60_lines() {
    let source = include_str!("../src/chat.rs");
    let code = source
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .count();
    assert!(code <= 60, "examples/src/chat.rs has {code} lines of code");
}
