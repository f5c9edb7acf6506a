//! The residents' states this process last committed, kept in memory so a
//! resident's next update does not have to read the database first.
//!
//! Correct because every write of `dialogue_state` goes through this
//! process's [`Store`](super::Store): a state is dropped from the cache before
//! its commit is sent and put back only once the commit succeeded, so a read
//! meanwhile goes to the database and sees what is committed — exactly as
//! without the cache. Several bot processes on one PostgreSQL database would
//! each miss the others' writes, so on PostgreSQL the cache is off
//! ([`StateCache::off`]) and every turn reads its state from the database.
//!
//! Kept as the JSON that was committed (a few hundred bytes a resident; the
//! parsed `State` takes several times more), so a hit still parses, but
//! skips the database round trip. Bounded: when full it is emptied and fills
//! again as residents write, which keeps memory flat.

use std::sync::Mutex;

use rustc_hash::FxHashMap;

/// How many residents' states are kept.
pub const CAPACITY: usize = 20_000;

#[derive(Debug, Default)]
pub struct StateCache {
    states: Mutex<FxHashMap<i64, Cached>>,
    /// Keeps nothing: another process may write the same rows.
    off: bool,
}

/// One resident's row as last committed: the state's JSON and, for a
/// librarian in the middle of one, the drafts' JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    pub state: Box<str>,
    pub drafts: Option<Box<str>>,
}

impl StateCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<i64, Cached>> {
        // A panic while holding the lock cannot leave a half-written entry
        // (each operation is one map call), so the map is still good.
        self.states.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A cache that keeps nothing, for a database other processes write too.
    pub fn off() -> StateCache {
        StateCache {
            states: Mutex::default(),
            off: true,
        }
    }

    /// The committed state of `user` as JSON, if this process knows it.
    pub fn get(&self, user: i64) -> Option<Cached> {
        self.lock().get(&user).cloned()
    }

    /// Forgets `user`'s state (before a commit, or when they are deleted).
    pub fn remove(&self, user: i64) {
        self.lock().remove(&user);
    }

    /// Remembers `user`'s committed state (its JSON).
    pub fn put(&self, user: i64, state: Cached) {
        if self.off {
            return;
        }
        let mut states = self.lock();
        if states.len() >= CAPACITY && !states.contains_key(&user) {
            states.clear();
        }
        states.insert(user, state);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(lang: &str) -> Cached {
        Cached {
            state: format!("{{\"lang\":\"{lang}\"}}").into(),
            drafts: None,
        }
    }

    #[test]
    fn keeps_removes_and_stays_bounded() {
        let cache = StateCache::default();
        cache.put(1, state("uk"));
        assert_eq!(cache.get(1), Some(state("uk")));
        cache.put(1, state("en"));
        assert_eq!(cache.get(1), Some(state("en")));
        cache.remove(1);
        assert_eq!(cache.get(1), None);
        for user in 0..CAPACITY as i64 {
            cache.put(user, state("uk"));
        }
        assert_eq!(cache.len(), CAPACITY);
        // Updating someone known does not empty it; a newcomer beyond the bound does.
        cache.put(5, state("en"));
        assert_eq!(cache.len(), CAPACITY);
        cache.put(-1, state("en"));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(-1), Some(state("en")));
    }
}
