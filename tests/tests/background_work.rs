//! Work left with `Ctx::wait_until` (the `lobby` test actor's `noteLater`) on the real server
//! with SQLite: it runs after its turn, and a sleep or a shutdown asked for meanwhile waits
//! for it, so what it changed is committed and found again after a restart. (Work left by
//! `on_sleep` itself, and the prevent-sleep flag, are RivetKit's sleep tests in the
//! conformance suite: `sleepWithPreventSleep`.)

mod common;

use std::time::Duration;

use common::*;

#[tokio::test]
async fn sleep_and_shutdown_wait_for_work_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(actorium_tests::registry(), dir.path())
        .await
        .unwrap();
    let lobby = s.client().actor("lobby").get_or_create(["work"], None);
    // Runs after the call's turn, alongside the next calls.
    lobby.call::<_, ()>("noteLater", (0,)).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while lobby.call::<_, i64>("notes", ()).await.unwrap() != 1 {
        assert!(tokio::time::Instant::now() < deadline, "the work never ran");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // A sleep waits for it.
    lobby.call::<_, ()>("noteLater", (200,)).await.unwrap();
    s.sleep_all().await;
    assert_eq!(lobby.call::<_, i64>("notes", ()).await.unwrap(), 2);
    // So does a shutdown: the change is committed before the server stops.
    lobby.call::<_, ()>("noteLater", (200,)).await.unwrap();
    s.stop().await.unwrap();
    let s = TestServer::start_in(actorium_tests::registry(), dir.path())
        .await
        .unwrap();
    let lobby = s.client().actor("lobby").get_or_create(["work"], None);
    assert_eq!(lobby.call::<_, i64>("notes", ()).await.unwrap(), 3);
    s.stop().await.unwrap();
}
