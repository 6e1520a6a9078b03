//! [`Scoped`]: a future polled with a thread-local slot set to a value, restored after every
//! poll (also when the poll panics). The current connection of an action ([`super::with_conn`])
//! and the request of an admission ([`super::with_request`]) are made current this way, so that
//! `Ctx::conn` and `Ctx::request` need no parameter.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread::LocalKey;

/// A thread-local slot holding the current value, if any.
pub(crate) type Slot<T> = LocalKey<RefCell<Option<T>>>;

/// Polls `inner` with `slot` set to `value`.
pub(crate) struct Scoped<T: Clone + 'static, F> {
    slot: &'static Slot<T>,
    value: Option<T>,
    inner: F,
}

impl<T: Clone + 'static, F> Scoped<T, F> {
    pub(crate) fn new(slot: &'static Slot<T>, value: Option<T>, inner: F) -> Self {
        Scoped { slot, value, inner }
    }
}

impl<T: Clone + Unpin + 'static, F: Future + Unpin> Future for Scoped<T, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // Puts the previous value back on drop: after the poll, or while a panic unwinds (the
        // panic is caught further up).
        struct Restore<T: 'static> {
            slot: &'static Slot<T>,
            previous: Option<T>,
        }
        impl<T: 'static> Drop for Restore<T> {
            fn drop(&mut self) {
                let previous = self.previous.take();
                self.slot.with(|c| *c.borrow_mut() = previous);
            }
        }
        let this = &mut *self;
        let previous = this.slot.with(|c| c.replace(this.value.clone()));
        let _restore = Restore {
            slot: this.slot,
            previous,
        };
        Pin::new(&mut this.inner).poll(cx)
    }
}

/// The value in `slot` while a [`Scoped`] future on this thread is polled.
pub(crate) fn current<T: Clone + 'static>(slot: &'static Slot<T>) -> Option<T> {
    slot.with(|c| c.borrow().clone())
}
