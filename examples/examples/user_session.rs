//! Loading state from an external database: the `userSession` of `user-123` serves the profile
//! it loaded from the server's users database on wake; `updateEmail` writes the database and
//! refreshes that cached profile.
//!
//! Start a seed server (`cargo run --release -p actorium-examples --bin seed-server`), then:
//! `cargo run -p actorium-examples --example user_session [-- --endpoint http://127.0.0.1:6420]`.

mod common;

use actorium_examples::user_session::UserSessionRef;
use anyhow::{Context, ensure};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = common::client()?;
    let session = client.get_or_create::<UserSessionRef>(["user-123"]);

    let profile = session
        .get_profile()
        .await?
        .context("user-123 is not in the users database")?;
    println!(
        "profile of {}: name {:?}, email {}",
        profile.id, profile.name, profile.email
    );

    let email = format!("alice+{}@example.com", common::run_id());
    session.update_email(&email).await?;
    println!("updated the email to {email}");

    let profile = session.get_profile().await?.context("profile gone")?;
    ensure!(
        profile.email == email,
        "profile still says {}",
        profile.email
    );
    println!("profile now: email {}", profile.email);
    Ok(())
}
