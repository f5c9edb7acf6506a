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
//! process writing the same database would not be seen, so on PostgreSQL,
//! where several may, nothing is kept ([`HubFacts::off`]).

use std::sync::{Arc, Mutex, PoisonError};

use crate::hubs::layer::Fact;

#[derive(Default)]
pub(super) struct HubFacts {
    inner: Mutex<Cached>,
    /// Keeps nothing: other processes change the facts too.
    off: bool,
}

#[derive(Default)]
struct Cached {
    /// Moves on at every change.
    generation: u64,
    facts: Option<Arc<Vec<Fact>>>,
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

    /// A copy that keeps nothing, for a database other processes write too.
    pub(super) fn off() -> HubFacts {
        HubFacts {
            off: true,
            ..HubFacts::default()
        }
    }

    /// Keeps what a read that began at `generation` found, unless a change
    /// came since.
    pub(super) fn fill(&self, generation: u64, facts: Arc<Vec<Fact>>) {
        if self.off {
            return;
        }
        let mut cached = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if cached.generation == generation {
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
