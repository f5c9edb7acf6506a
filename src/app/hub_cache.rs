//! The librarians' hub facts, kept in memory between updates: every private
//! update shows the engine the hubs as residents see them, and reading the
//! facts from the database each time cost more than the rest of the hubs'
//! work (see `benches/hub_facts.rs`).
//!
//! The raw facts are kept, not the merged hubs: a status still ends at its
//! time, since the merge is done at each update's moment. A turn that changes
//! a fact (or forgets a person, whose id the facts then lose) invalidates the
//! copy once it has committed; a read that began before a change never
//! stores what it read (the generation moved on). A change made by another
//! process writing the same database is not seen that way: on PostgreSQL,
//! where several may, nothing is kept ([`HubFacts::off`]) until
//! [`App::spawn_hub_listener`](super::App::spawn_hub_listener) hears the
//! database's notifications of every change ([`HubFacts::keep`]), and again
//! nothing from when it loses them until it hears them again.

use std::sync::{Arc, Mutex, PoisonError};

use crate::hubs::layer::Fact;

pub(super) struct HubFacts {
    inner: Mutex<Cached>,
}

struct Cached {
    /// Moves on at every change.
    generation: u64,
    facts: Option<Arc<Vec<Fact>>>,
    /// Whether every change is heard of, so that what is read may be kept.
    keeping: bool,
}

impl Default for HubFacts {
    /// Keeps what it reads: this process is the only writer.
    fn default() -> Self {
        HubFacts {
            inner: Mutex::new(Cached {
                generation: 0,
                facts: None,
                keeping: true,
            }),
        }
    }
}

impl HubFacts {
    /// The facts kept, or the generation a read from the database must name
    /// to store what it read.
    pub(super) fn get(&self) -> Result<Arc<Vec<Fact>>, u64> {
        let cached = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match &cached.facts {
            Some(facts) => Ok(facts.clone()),
            None => Err(cached.generation),
        }
    }

    /// A copy that keeps nothing until told every change is heard of
    /// ([`HubFacts::keep`]), for a database other processes write too.
    pub(super) fn off() -> HubFacts {
        let facts = HubFacts::default();
        facts.keep(false);
        facts
    }

    /// From now on every change is heard of (`true`), or no longer is: what
    /// was kept is dropped either way, since changes may have been missed.
    pub(super) fn keep(&self, keeping: bool) {
        let mut cached = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        cached.keeping = keeping;
        cached.generation = cached.generation.wrapping_add(1);
        cached.facts = None;
    }

    /// Whether what is read is kept.
    pub(super) fn keeping(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keeping
    }

    /// Keeps what a read that began at `generation` found, unless a change
    /// came since.
    pub(super) fn fill(&self, generation: u64, facts: Arc<Vec<Fact>>) {
        let mut cached = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if cached.keeping && cached.generation == generation {
            cached.facts = Some(facts);
        }
    }

    /// The facts changed: the next read goes to the database.
    pub(super) fn invalidate(&self) {
        let mut cached = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        cached.generation = cached.generation.wrapping_add(1);
        cached.facts = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(n: usize) -> Arc<Vec<Fact>> {
        let fact = Fact {
            hub: "a".into(),
            value: crate::hubs::layer::Value::Confirmed,
            by: Some(7),
            at: 1,
            until: None,
        };
        Arc::new(vec![fact; n])
    }

    #[test]
    fn an_off_copy_keeps_nothing() {
        let cache = HubFacts::off();
        let generation = cache.get().expect_err("empty");
        cache.fill(generation, facts(1));
        assert!(cache.get().is_err(), "every read goes to the database");
    }

    #[test]
    fn an_off_copy_keeps_once_changes_are_heard_and_stops_when_they_are_not() {
        let cache = HubFacts::off();
        assert!(!cache.keeping());
        // A read that began before the listener listened: not kept.
        let before = cache.get().expect_err("empty");
        cache.keep(true);
        cache.fill(before, facts(1));
        assert!(cache.get().is_err());
        let generation = cache.get().expect_err("empty");
        cache.fill(generation, facts(2));
        assert_eq!(cache.get().map(|f| f.len()), Ok(2));
        // The listener lost its session: what was kept goes, and nothing more is kept.
        cache.keep(false);
        assert!(cache.get().is_err());
        let generation = cache.get().expect_err("empty");
        cache.fill(generation, facts(3));
        assert!(cache.get().is_err());
    }

    #[test]
    fn kept_until_a_change_and_a_read_from_before_a_change_is_not_kept() {
        let cache = HubFacts::default();
        let generation = cache.get().expect_err("empty at first");
        cache.fill(generation, facts(1));
        assert_eq!(cache.get().map(|f| f.len()), Ok(1));
        cache.invalidate();
        let before = cache.get().expect_err("gone after a change");
        // A read that began before another change finds the old facts: not kept.
        cache.invalidate();
        cache.fill(before, facts(2));
        let now = cache.get().expect_err("still empty");
        cache.fill(now, facts(3));
        assert_eq!(cache.get().map(|f| f.len()), Ok(3));
    }
}
