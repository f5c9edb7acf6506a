//! Turns whose replies are not yet delivered.
//!
//! Every committed turn gets the next number. It stays "in flight" until its
//! replies are sent (the [`TurnGuard`] is dropped). The lowest number still in
//! flight (or the next number, when none is) is written to the store now and
//! then: after a crash, every resident whose last turn is at or above it may
//! have missed their replies, and is shown where they stand.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub(super) struct InFlight {
    /// The last number given out.
    last: AtomicI64,
    open: Mutex<BTreeSet<i64>>,
    /// The low-water mark last recorded.
    recorded: AtomicI64,
}

impl InFlight {
    /// Numbers continue after `last`, the highest one committed before.
    pub fn start_after(&self, last: i64) {
        self.last.fetch_max(last, Ordering::SeqCst);
    }

    /// A new turn, in flight until the guard is dropped.
    pub fn begin(self: &Arc<Self>) -> TurnGuard {
        // Registered before the number is visible, so the low-water mark can
        // never pass a turn that is being committed.
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let turn = self.last.fetch_add(1, Ordering::SeqCst) + 1;
        open.insert(turn);
        TurnGuard {
            turn,
            inflight: self.clone(),
        }
    }

    /// The lowest turn still in flight, or the next number; `None` if that
    /// is what was recorded last.
    pub fn changed_low(&self) -> Option<i64> {
        let low = {
            let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            open.first()
                .copied()
                .unwrap_or_else(|| self.last.load(Ordering::SeqCst) + 1)
        };
        let before = self.recorded.swap(low, Ordering::SeqCst);
        (before != low).then_some(low)
    }
}

/// A turn in flight; dropping it says its replies are out.
#[derive(Debug)]
pub struct TurnGuard {
    turn: i64,
    inflight: Arc<InFlight>,
}

impl TurnGuard {
    pub fn turn(&self) -> i64 {
        self.turn
    }
}

impl Drop for TurnGuard {
    fn drop(&mut self) {
        let mut open = self.inflight.open.lock().unwrap_or_else(|p| p.into_inner());
        open.remove(&self.turn);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_low_water_mark_waits_for_the_oldest_turn() {
        let inflight = Arc::new(InFlight::default());
        inflight.start_after(41);
        let a = inflight.begin();
        let b = inflight.begin();
        assert_eq!((a.turn(), b.turn()), (42, 43));
        assert_eq!(inflight.changed_low(), Some(42));
        drop(b);
        // Still 42: the older turn is not delivered yet.
        assert_eq!(inflight.changed_low(), None);
        drop(a);
        assert_eq!(inflight.changed_low(), Some(44));
        assert_eq!(inflight.changed_low(), None);
    }
}
