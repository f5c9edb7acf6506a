//! Several bot processes on one PostgreSQL database.
//!
//! What keeps them from stepping on each other is PostgreSQL's own:
//! - a resident's turn holds a transaction-scoped advisory lock keyed by
//!   their id ([`Store::begin_turn`]), so one resident's updates are handled
//!   one at a time whichever process received them, and an update handled
//!   by another process meanwhile is seen as handled once the lock is held;
//! - the outbox, the ticket messages and the reminders are claimed with
//!   `FOR UPDATE SKIP LOCKED` and a lease ([`CLAIM_LEASE`]): a process takes
//!   rows no other process holds and moves their next try past the lease, so
//!   each is sent by one process; a process that dies holding some lets them
//!   go when the lease ends (the bounded in-flight case); a claim is small
//!   ([`CLAIM_BATCH`]) so that it is sent well within its lease;
//!   the claims of a webhook replica carry its slot ([`Store::claiming_as`]),
//!   so when it starts again after a crash it takes back its own at once
//!   ([`Store::take_back_claims`]) instead of waiting out their lease;
//! - long polling, which Telegram allows to one client only, is done by the
//!   process holding a session advisory lock ([`Store::poller_lock`]);
//! - Telegram's bulk budget (messages a second for the whole bot) is counted
//!   per second, by the database's clock, in `send_budget`
//!   ([`Store::take_send_turn`]), so all processes together keep to it;
//! - each process numbers its turns in a space of its own: turn numbers
//!   modulo [`REPLICA_SLOTS`] are the replica's slot (`webhook.replica_slot`,
//!   else its webhook port), and
//!   how far its turns' replies went out is recorded under that slot, so a
//!   restarted replica shows where they stand to the residents whose replies
//!   it had in hand, and to no one else.
//!
//! On SQLite there is one process, which orders its residents' turns itself;
//! every guard here is then a no-op.

use sqlx::{Any, Transaction};

use super::{Dialect, Store, StoreError};

/// How long a claimed outbox row is left to the process that claimed it
/// before another may take it, in seconds: also how long a restarted process
/// waits for what it held when it was killed, unless it is a webhook replica
/// (see [`Store::take_back_claims`]).
pub const CLAIM_LEASE: i64 = 15;

/// The most rows one claim takes: about a second of sending at Telegram's
/// rate, well inside the lease even when Telegram slows sending down.
pub const CLAIM_BATCH: i64 = 32;

/// Turn numbers of replicas sharing a database are `n * REPLICA_SLOTS +
/// slot`, the slot being a replica's `webhook.replica_slot` or else its
/// webhook port (0 for the poller), so
/// that each replica finds its own turns after a restart.
pub const REPLICA_SLOTS: i64 = 65_536;

/// The `meta` key of how far replica `slot`'s turns' replies went out (of
/// every turn's, with one process).
pub(super) fn delivered_key(slot: Option<i64>) -> String {
    match slot {
        None => "delivered_below".to_string(),
        Some(slot) => format!("delivered_below:{slot}"),
    }
}

/// The advisory lock key of the one poller: negative, so never a resident's id.
const POLLER_KEY: i64 = -7_001;

/// A resident's turn, held against other processes until dropped.
#[derive(Debug)]
pub struct TurnGuard {
    /// The transaction holding the advisory lock (PostgreSQL only); dropping
    /// it rolls back, which releases the lock.
    lock: Option<Transaction<'static, Any>>,
    /// The update was handled by another process before the lock was held.
    pub handled: bool,
}

impl TurnGuard {
    /// Lets the next turn of this resident go ahead.
    pub async fn release(self) {
        if let Some(tx) = self.lock {
            if let Err(e) = tx.rollback().await {
                tracing::warn!(error = %e, "cannot release a resident's turn lock");
            }
        }
    }
}

/// The poller's lock, held for as long as this value lives.
#[derive(Debug)]
pub struct PollerLock {
    /// The session holding the lock, out of any pool: when it closes (this
    /// value is dropped, or the process dies) PostgreSQL releases the lock.
    _conn: Option<sqlx::AnyConnection>,
}

impl Store {
    /// The same store, its outbox claims recorded as held by replica `slot`
    /// (`None`: by no one in particular). The slot must be this process's
    /// alone: at its start, [`Store::take_back_claims`] lets go of every
    /// claim recorded with it.
    pub fn claiming_as(mut self, slot: Option<i64>) -> Store {
        self.claimant = slot;
        self
    }

    /// After a start: the outbox rows this replica's slot still held when
    /// it stopped (killed before their sends were recorded) are due again
    /// at `now`, instead of when their lease ends. Answers how many. Only
    /// on PostgreSQL, and only for a store [`Store::claiming_as`] a slot.
    pub async fn take_back_claims(&self, now: i64) -> Result<u64, StoreError> {
        let Some(slot) = self.claimant.filter(|_| self.dialect == Dialect::Postgres) else {
            return Ok(0);
        };
        let mut taken = 0;
        for sql in [
            "UPDATE deliveries SET next_try = $1, claimed_by = NULL
             WHERE status = 'pending' AND next_try > $1 AND claimed_by = $2",
            "UPDATE messages SET next_try = $1, claimed_by = NULL
             WHERE status = 'pending' AND next_try > $1 AND claimed_by = $2",
            "UPDATE reminders SET due_at = $1, claimed_by = NULL
             WHERE sent_at IS NULL AND due_at > $1 AND claimed_by = $2",
        ] {
            taken += sqlx::query(sql)
                .bind(now)
                .bind(slot)
                .execute(&self.read)
                .await?
                .rows_affected();
        }
        Ok(taken)
    }

    /// Waits until no other process is in `user`'s turn and holds it; says
    /// whether `update` (if given) was handled meanwhile.
    pub async fn begin_turn(
        &self,
        user: i64,
        update: Option<i64>,
    ) -> Result<TurnGuard, StoreError> {
        if self.dialect != Dialect::Postgres {
            return Ok(TurnGuard {
                lock: None,
                handled: false,
            });
        }
        let mut tx = self.locks.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        let handled = match update {
            Some(id) => self.handled(id).await?,
            None => false,
        };
        Ok(TurnGuard {
            lock: Some(tx),
            handled,
        })
    }

    /// The right to long-poll Telegram: `None` while another process has it.
    /// Always granted on SQLite.
    pub async fn poller_lock(&self) -> Result<Option<PollerLock>, StoreError> {
        if self.dialect != Dialect::Postgres {
            return Ok(Some(PollerLock { _conn: None }));
        }
        let mut conn = self.locks.acquire().await?;
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(POLLER_KEY)
            .fetch_one(&mut *conn)
            .await?;
        if got {
            Ok(Some(PollerLock {
                _conn: Some(conn.detach()),
            }))
        } else {
            Ok(None)
        }
    }

    /// A place in this second's bulk budget of `per_second` messages, shared
    /// by every process on the database: `None` when granted, else how long
    /// until the next second begins. Always granted on SQLite.
    pub async fn take_send_turn(
        &self,
        per_second: u32,
    ) -> Result<Option<std::time::Duration>, StoreError> {
        if self.dialect != Dialect::Postgres {
            return Ok(None);
        }
        let granted: Option<(i64, i64)> = sqlx::query_as(
            "INSERT INTO send_budget (second, used)
             VALUES (CAST(floor(extract(epoch FROM clock_timestamp())) AS BIGINT), 1)
             ON CONFLICT (second) DO UPDATE SET used = send_budget.used + 1
             WHERE send_budget.used < $1
             RETURNING second, used",
        )
        .bind(i64::from(per_second.max(1)))
        .fetch_optional(&self.locks)
        .await?;
        match granted {
            Some((second, 1)) => {
                // A new second: the old counts are no longer needed.
                sqlx::query("DELETE FROM send_budget WHERE second < $1")
                    .bind(second - 60)
                    .execute(&self.locks)
                    .await?;
                Ok(None)
            }
            Some(_) => Ok(None),
            None => {
                let left: i64 = sqlx::query_scalar(
                    "SELECT CAST(1000 - floor(mod(CAST(extract(epoch FROM clock_timestamp()) * 1000 \
                     AS NUMERIC), 1000)) AS BIGINT)",
                )
                .fetch_one(&self.locks)
                .await?;
                Ok(Some(std::time::Duration::from_millis(
                    left.clamp(1, 1_000) as u64
                )))
            }
        }
    }
}

/// Takes the transaction-scoped advisory lock `key` if no other session holds
/// it (released at the transaction's end); always granted on SQLite, whose
/// one writer is this process's.
pub(super) async fn try_xact_lock(
    tx: &mut sqlx::AnyConnection,
    dialect: Dialect,
    key: i64,
) -> Result<bool, StoreError> {
    if dialect != Dialect::Postgres {
        return Ok(true);
    }
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
    Ok(got)
}
