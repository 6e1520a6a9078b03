//! Fan-out / fan-in (map-reduce): the `coordinator` fans a job out to one `worker` per task, in
//! parallel, and waits for all of them; each worker reports its result back to the coordinator
//! `"main"`, which collects them. The coordinator keeps serving `reportResult` while `startJob`
//! waits (actions interleave at `.await`), so the round trip cannot deadlock.
//!
//! Run: `cargo run -p actorium-examples --example map_reduce` against a running seed server.

use actorium::prelude::*;
use futures_util::future::try_join_all;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A unit of work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Task {
    /// Task id (also the worker's key).
    pub id: String,
    /// Input data.
    pub data: String,
}

/// What a worker made of a task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskResult {
    /// The task's id.
    pub task_id: String,
    /// `Processed <data>`.
    pub output: String,
}

/// The key of the coordinator workers report to.
pub const COORDINATOR_KEY: &str = "main";

/// Fans tasks out to workers and collects their results.
#[actorium::actor]
pub trait Coordinator {
    /// Sends every task to its worker in parallel; returns when all have reported.
    async fn start_job(tasks: Vec<Task>);
    /// A worker's result (fan-in).
    async fn report_result(result: TaskResult);
    /// Every result collected so far.
    async fn get_results() -> Vec<TaskResult>;
}

/// Processes one task and reports to the coordinator.
#[actorium::actor]
pub trait Worker {
    /// Processes `task` and reports `{taskId, output}` to the coordinator `"main"`.
    async fn process(task: Task);
}

/// State of the coordinator.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct Results {
    results: Vec<TaskResult>,
}

#[actorium::actor]
impl CoordinatorActor for Results {
    async fn start_job(c: &Ctx<Self>, tasks: Vec<Task>) -> actorium::Result<()> {
        let client = c.client();
        try_join_all(tasks.into_iter().map(|task| {
            let worker = client.get_or_create::<WorkerRef>([task.id.clone()]);
            async move { worker.process(task).await }
        }))
        .await?;
        Ok(())
    }

    async fn report_result(c: &Ctx<Self>, result: TaskResult) -> actorium::Result<()> {
        c.state_mut().results.push(result);
        Ok(())
    }

    async fn get_results(c: &Ctx<Self>) -> actorium::Result<Vec<TaskResult>> {
        Ok(c.state().results.clone())
    }
}

/// A worker keeps no state.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct Idle {}

#[actorium::actor]
impl WorkerActor for Idle {
    async fn process(c: &Ctx<Self>, task: Task) -> actorium::Result<()> {
        let result = TaskResult {
            task_id: task.id,
            output: format!("Processed {}", task.data),
        };
        let coordinator = c
            .client()
            .get_or_create::<CoordinatorRef>([COORDINATOR_KEY]);
        coordinator.report_result(result).await?;
        Ok(())
    }
}
