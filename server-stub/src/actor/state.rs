//! The state guards: [`StateRef`] and [`StateMut`] are not `Send`, so a guard kept alive across
//! an `.await` makes the action future `!Send`, which [`super::Actor::dispatch`] rejects at
//! compile time. The lock behind them is never contended (all of one actor's actions are
//! polled on one task); a second borrow while a mutable guard is alive, as in
//! `c.state_mut().n = c.state().n + 1`, panics with a clear message instead of deadlocking.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::{RwLock, TryLockError};

/// Shared read access to state; not `Send`, so it cannot be held across an `.await`.
pub struct StateRef<'a, T> {
    guard: std::sync::RwLockReadGuard<'a, T>,
    _not_send: PhantomData<*const ()>,
}

impl<T> Deref for StateRef<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

/// Exclusive write access to state; not `Send`, so it cannot be held across an `.await`.
pub struct StateMut<'a, T> {
    guard: std::sync::RwLockWriteGuard<'a, T>,
    _not_send: PhantomData<*const ()>,
}

impl<T> Deref for StateMut<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for StateMut<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

pub(crate) fn borrow<'a, T>(lock: &'a RwLock<T>, what: &str) -> StateRef<'a, T> {
    let guard = match lock.try_read() {
        Ok(g) => g,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => panic!(
            "{what} is already borrowed mutably: a `state_mut()` guard is still alive \
             (as in `c.state_mut().n = c.state().n + 1`); read into a local first, or use the \
             one mutable guard for both"
        ),
    };
    StateRef {
        guard,
        _not_send: PhantomData,
    }
}

pub(crate) fn borrow_mut<'a, T>(lock: &'a RwLock<T>, what: &str) -> StateMut<'a, T> {
    let guard = match lock.try_write() {
        Ok(g) => g,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => panic!(
            "{what} is already borrowed: another `state()` or `state_mut()` guard is still alive \
             (as in `c.state_mut().n = c.state().n + 1`); read into a local first, or use the \
             one mutable guard for both"
        ),
    };
    StateMut {
        guard,
        _not_send: PhantomData,
    }
}
