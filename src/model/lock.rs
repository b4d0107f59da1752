//! Locks that stay usable after a panic on another thread. A panic while a lock is held
//! already fails the build (rayon passes it on), so the poison flag adds nothing; what the
//! lock guards (collected files, problems, memos) is still whole, and the report of the first
//! failure should not be replaced by a second one about poisoning. One helper instead of the
//! same `unwrap_or_else(|e| e.into_inner())` at every lock (docs/dependencies.md says why not
//! `parking_lot`).

use std::sync::{Mutex, MutexGuard, PoisonError};

pub trait LockExt<T> {
    /// Locks, ignoring poisoning.
    fn lock_unpoisoned(&self) -> MutexGuard<'_, T>;
    /// The value, ignoring poisoning.
    fn into_inner_unpoisoned(self) -> T;
    /// The value through a unique borrow, ignoring poisoning.
    fn get_mut_unpoisoned(&mut self) -> &mut T;
}

impl<T> LockExt<T> for Mutex<T> {
    fn lock_unpoisoned(&self) -> MutexGuard<'_, T> {
        self.lock().unwrap_or_else(PoisonError::into_inner)
    }
    fn into_inner_unpoisoned(self) -> T {
        self.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
    fn get_mut_unpoisoned(&mut self) -> &mut T {
        self.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}
