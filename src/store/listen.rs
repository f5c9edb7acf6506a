//! Hearing of other processes' changes on PostgreSQL. The librarians' hub
//! facts are kept in memory by every bot process (`app::hub_cache`); a
//! trigger notifies the channel [`HUB_FACTS`] at each statement that changes
//! them (migration `20261208000000_hub_facts_notify`), and a
//! [`HubFactsListener`] hears it. PostgreSQL delivers a notification when the
//! transaction that sent it commits, to every session listening then; what
//! happens while a session is lost is not heard, so a lost listener is
//! replaced, not reused, and the facts are read anew once it listens.
//!
//! SQLite has one process writing, which knows its own changes.

use sqlx::postgres::PgListener;

use super::{Dialect, Store, StoreError};

/// The channel the hub facts' trigger notifies.
const HUB_FACTS: &str = "pomichnyk_hub_facts";

/// A session of its own listening on [`HUB_FACTS`].
pub struct HubFactsListener {
    session: PgListener,
}

impl std::fmt::Debug for HubFactsListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HubFactsListener")
    }
}

impl HubFactsListener {
    /// Waits until some process changes the hub facts: `true`; `false` when
    /// the session was lost (changes meanwhile were not heard).
    pub async fn changed(&mut self) -> bool {
        matches!(self.session.try_recv().await, Ok(Some(_)))
    }
}

/// The database URL a listener connects to: kept for that alone, and never
/// shown (it may hold a password).
#[derive(Clone)]
pub(super) struct ListenUrl(pub std::sync::Arc<str>);

impl std::fmt::Debug for ListenUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListenUrl(…)")
    }
}

impl Store {
    /// A listener for changes of the hub facts, once it listens; `None` on
    /// SQLite, where this process is the only writer.
    pub async fn listen_hub_facts(&self) -> Result<Option<HubFactsListener>, StoreError> {
        let Some(url) = self
            .listen_url
            .as_ref()
            .filter(|_| self.dialect == Dialect::Postgres)
        else {
            return Ok(None);
        };
        let mut session = PgListener::connect(&url.0).await?;
        session.listen(HUB_FACTS).await?;
        Ok(Some(HubFactsListener { session }))
    }
}
