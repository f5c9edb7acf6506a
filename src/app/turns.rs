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

use crate::store::REPLICA_SLOTS;

#[derive(Debug, Default)]
pub(super) struct InFlight {
    /// The replica's slot when several processes share the database: turn
    /// `n` is numbered `n * REPLICA_SLOTS + slot` (else just `n`).
    slot: Option<i64>,
    /// The last `n` given out.
    last: AtomicI64,
    open: Mutex<BTreeSet<i64>>,
    /// The low-water mark last recorded.
    recorded: AtomicI64,
}

impl InFlight {
    /// Turns numbered in replica `slot`'s space (see `store::REPLICA_SLOTS`),
    /// or `None` for the only process.
    pub fn for_replica(slot: Option<i64>) -> InFlight {
        InFlight {
            slot,
            ..InFlight::default()
        }
    }

    /// The turn number of the `n`th turn.
    fn number(&self, n: i64) -> i64 {
        match self.slot {
            None => n,
            Some(slot) => n * REPLICA_SLOTS + slot,
        }
    }

    /// Numbers continue after `last`, the highest one committed before (in
    /// this replica's space).
    pub fn start_after(&self, last: i64) {
        let n = match self.slot {
            None => last,
            Some(slot) => (last - slot).max(0) / REPLICA_SLOTS,
        };
        self.last.fetch_max(n, Ordering::SeqCst);
    }

    /// A new turn, in flight until the guard is dropped.
    pub fn begin(self: &Arc<Self>) -> TurnGuard {
        // Registered before the number is visible, so the low-water mark can
        // never pass a turn that is being committed.
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let turn = self.number(self.last.fetch_add(1, Ordering::SeqCst) + 1);
        open.insert(turn);
        TurnGuard {
            turn,
            inflight: self.clone(),
        }
    }

    /// The replica's slot, if several processes share the database.
    pub fn slot(&self) -> Option<i64> {
        self.slot
    }

    /// The lowest turn still in flight, or the next number; `None` if that
    /// is what was recorded last.
    pub fn changed_low(&self) -> Option<i64> {
        let low = {
            let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            open.first()
                .copied()
                .unwrap_or_else(|| self.number(self.last.load(Ordering::SeqCst) + 1))
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

    #[test]
    fn a_replica_numbers_its_turns_in_its_own_space() {
        let slot = 8443;
        let inflight = Arc::new(InFlight::for_replica(Some(slot)));
        // Its highest turn before the restart was its 41st.
        inflight.start_after(41 * REPLICA_SLOTS + slot);
        let a = inflight.begin();
        let b = inflight.begin();
        assert_eq!(a.turn(), 42 * REPLICA_SLOTS + slot);
        assert_eq!(b.turn(), 43 * REPLICA_SLOTS + slot);
        assert_eq!(inflight.changed_low(), Some(a.turn()));
        drop((a, b));
        assert_eq!(inflight.changed_low(), Some(44 * REPLICA_SLOTS + slot));
        // A first start: no turn of its own yet.
        let fresh = Arc::new(InFlight::for_replica(Some(slot)));
        fresh.start_after(0);
        assert_eq!(fresh.begin().turn(), REPLICA_SLOTS + slot);
    }
}
