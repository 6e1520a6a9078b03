//! Fan-out / fan-in: gives the `coordinator` `main` a job of three tasks; it fans them out to
//! one `worker` per task, each worker reports its result back, and the example reads the
//! collected results (task ids carry a per-run suffix, so this run's results stand out).
//!
//! Start a seed server (`cargo run --release -p actorium-examples --bin seed-server`), then:
//! `cargo run -p actorium-examples --example map_reduce [-- --endpoint http://127.0.0.1:6420]`.

mod common;

use actorium_examples::map_reduce::{COORDINATOR_KEY, CoordinatorRef, Task};
use anyhow::ensure;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = common::client()?;
    // Workers always report to the coordinator `main`, so the job goes there.
    let coordinator = client.get_or_create::<CoordinatorRef>([COORDINATOR_KEY]);

    let run = common::run_id();
    let tasks: Vec<Task> = ["apples", "pears", "plums"]
        .iter()
        .enumerate()
        .map(|(i, data)| Task {
            id: format!("task-{}-{run}", i + 1),
            data: data.to_string(),
        })
        .collect();
    coordinator.start_job(tasks.clone()).await?;
    println!(
        "job of {} tasks done (fanned out to {} workers)",
        tasks.len(),
        tasks.len()
    );

    let results = coordinator.get_results().await?;
    for task in &tasks {
        let mine: Vec<_> = results.iter().filter(|r| r.task_id == task.id).collect();
        ensure!(mine.len() == 1, "{} results for {}", mine.len(), task.id);
        ensure!(
            mine[0].output == format!("Processed {}", task.data),
            "bad output {:?}",
            mine[0]
        );
        println!("result {}: {}", mine[0].task_id, mine[0].output);
    }
    println!("coordinator holds {} result(s) in all", results.len());
    Ok(())
}
