//! Work an actor leaves behind ([`crate::Ctx::wait_until`]) and its prevent-sleep flag
//! ([`crate::Ctx::set_prevent_sleep`]): started after the turn that left it, waited for
//! before the actor sleeps (within the actor's sleep grace period).

use std::time::Duration;

use actorium_protocol::Value;
use futures_util::StreamExt;
use tokio::time::Instant;

use super::Instance;
use super::inflight::Target;
use crate::actor::Actor;

/// RivetKit's default `sleepGracePeriod`.
const DEFAULT_SLEEP_GRACE: Duration = Duration::from_secs(15);

impl<A: Actor> Instance<A> {
    /// Starts the work [`crate::Ctx::wait_until`] left, as in-flight futures.
    pub(super) fn start_tasks(&mut self) {
        for task in self.ctx.take_tasks() {
            let fut = task(self.ctx.clone());
            self.push(Target::Hook("wait_until"), async move {
                fut.await.map(|()| Value::Null)
            });
        }
    }

    /// After `on_sleep`: runs what is still in flight (work left by `wait_until`, `on_sleep`'s
    /// included) to its end, each completion settled, and waits for the prevent-sleep flag
    /// to be cleared; at most the actor's sleep grace period.
    pub(super) async fn drain_before_sleep(&mut self) {
        let grace = A::options()
            .sleep_grace_period
            .unwrap_or(DEFAULT_SLEEP_GRACE);
        let deadline = Instant::now() + grace;
        loop {
            self.start_tasks();
            if self.in_flight.is_empty() && !self.ctx.prevent_sleep() {
                return;
            }
            let ctx = self.ctx.clone();
            let cleared = ctx.prevent_sleep_cleared.notified();
            tokio::select! {
                Some((seq, outcome)) = self.in_flight.next(), if !self.in_flight.is_empty() => {
                    self.complete(seq, outcome);
                    self.settle().await;
                }
                () = cleared => {}
                () = tokio::time::sleep_until(deadline) => {
                    tracing::warn!(
                        actor = %self.meta.id,
                        in_flight = self.in_flight.len(),
                        prevent_sleep = self.ctx.prevent_sleep(),
                        "sleep grace period over; going to sleep anyway"
                    );
                    return;
                }
            }
        }
    }
}
