//! Syncing state to an external database: creates a `userActor` (key `user`, per-run id) with
//! input `{email}` — the server inserts its row into the users database — then changes the
//! email (the row follows after every state change) and reads the user back.
//!
//! Start a seed server (`cargo run --release -p actorium-examples --bin seed-server`), then:
//! `cargo run -p actorium-examples --example user_actor [-- --endpoint http://127.0.0.1:6420]`.

mod common;

use actorium_examples::user_actor::{NewUser, UserActorRef};
use anyhow::ensure;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = common::client()?;
    let id = common::run_id();
    let input = NewUser {
        email: "alice@example.com".into(),
    };
    let user = client
        .create::<UserActorRef>(["user", id.as_str()], &input)
        .await?;
    println!("created userActor [user, {id}] with email {}", input.email);

    user.update_email("alice2@example.com").await?;
    let data = user.get_user().await?;
    ensure!(
        data.email == "alice2@example.com",
        "email is {}",
        data.email
    );
    ensure!(data.last_active > 0, "lastActive not set");
    println!(
        "after updateEmail: email {}, lastActive {}",
        data.email, data.last_active
    );
    Ok(())
}
