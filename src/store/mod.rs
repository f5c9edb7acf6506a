//! The store: residents, their dialogue state, the event log, lesson progress
//! and roles, in SQLite through sqlx.
//!
//! Architecture invariant: this is the only module that speaks SQL.
//!
//! SQLite is opened in WAL mode with `synchronous = NORMAL` (a commit survives a
//! crash of the process; the last few may be lost only on power loss) and a
//! busy timeout. All writes go through one connection, so transactions of this
//! process never fight over the write lock; reads use a separate pool.
//! Migrations in `migrations/` are embedded in the binary and run by [`Store::open`].

use std::sync::Arc;

use sqlx::{AnyPool, Row};

use tokio::sync::{mpsc, oneshot};

use crate::broadcast::Drafts;
use crate::engine::{Effect, Event, Outcome, State};
use change::Change;

mod backup;
mod cache;
mod certificates;
mod change;
mod connect;
mod faq_review;
mod fold;
mod hubs;
mod listen;
mod outbox;
mod places;
mod replicas;
mod review;
mod rows;
mod sql;
mod stats;
mod webinars;
mod weeks;
mod writer;
pub use crate::stats::figures::*;
pub use certificates::{Attempt, CertificateRow};
pub use change::{Change as Write, WebinarChange as WebinarWrite};
pub use faq_review::{Decision, Missed, NewAnswer, ReviewChange};
pub use fold::{FoldStep, FOLD_BATCH};
pub use hubs::{hub_facts_in, HubChange};
pub use listen::HubFactsListener;
pub use outbox::{AuditEntry, Delivery, Due, Progress, Role};
pub use places::{places_in, Place};
pub use replicas::{PollerLock, TurnGuard, CLAIM_BATCH, CLAIM_LEASE, REPLICA_SLOTS};
pub use review::{ReviewCounts, ReviewItem, ReviewReminderDue, ReviewWrite};
pub use sql::Dialect;
pub use webinars::{ReminderDue, Rsvp, Webinar, DAY_BEFORE, HOUR_BEFORE};

/// Why the store failed. Nothing here is the resident's fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {url:?} is not valid: {source}")]
    Url { url: String, source: sqlx::Error },
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("the store is closed")]
    Closed,
    #[error("saved state of user {user} is unreadable: {source}")]
    State {
        user: i64,
        source: serde_json::Error,
    },
}

/// A handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    /// The writer task, which owns the one write connection.
    writer: mpsc::Sender<writer::Request>,
    /// The pool the write connection came from, closed last.
    write: AnyPool,
    /// Readers; WAL (SQLite) or MVCC (PostgreSQL) lets them run while a
    /// write is in progress.
    read: AnyPool,
    /// Sessions holding advisory locks (see [`replicas`]).
    locks: AnyPool,
    /// SQLite or PostgreSQL.
    dialect: Dialect,
    /// Residents' states as last committed by this process.
    states: Arc<cache::StateCache>,
    /// Transactions the writer has committed.
    committed: Arc<std::sync::atomic::AtomicU64>,
    /// The replica slot this store's claims are recorded with (see
    /// [`Store::claiming_as`]).
    claimant: Option<i64>,
    /// Where a [`HubFactsListener`] connects (PostgreSQL only).
    listen_url: Option<listen::ListenUrl>,
}

/// One resident's step, committed as a whole.
#[derive(Debug, Clone, Copy)]
pub struct Commit<'a> {
    pub user: i64,
    /// Unix seconds.
    pub now: i64,
    pub state: &'a State,
    pub events: &'a [Event],
}

/// A resident's row, as statistics and tests read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    pub user: i64,
    pub lang: Option<String>,
    pub first_seen: i64,
    pub last_seen: i64,
    pub blocked: bool,
    pub referring_hub: Option<String>,
}

/// A ticket: a resident's question to the librarians.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: i64,
    pub user: i64,
    /// The resident's private chat.
    pub chat: i64,
    pub lang: String,
    pub closed: bool,
}

/// What a queued ticket message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// A new ticket's question, to the librarians' group.
    TicketPost,
    /// A resident's further message, to the group in the ticket's thread.
    FollowUp,
    /// A librarian's answer, to the resident.
    Answer,
    /// The notice to the resident that the ticket was closed.
    Closed,
}

/// A ticket message waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    pub id: i64,
    pub kind: MessageKind,
    pub ticket: i64,
    /// The resident's chat.
    pub chat: i64,
    /// The resident's language.
    pub lang: String,
    /// The ticket message's words (empty for a closing notice).
    pub text: String,
    /// The librarian's message in the group an answer came from.
    pub reply_to: Option<i64>,
    pub attempts: i64,
}

/// A question typed for the FAQ, as admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub asked_at: i64,
    pub lang: String,
    pub text: String,
    /// `answered`, `choices` or `nothing`.
    pub verdict: String,
    pub entry: Option<String>,
    pub helpful: Option<bool>,
}

/// A resident's progress in one lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonProgress {
    pub lesson: String,
    pub started_at: i64,
    pub completed_at: Option<i64>,
    pub correct: Option<i64>,
    pub answered: Option<i64>,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

fn migrator(dialect: Dialect) -> &'static sqlx::migrate::Migrator {
    match dialect {
        Dialect::Sqlite => &SQLITE_MIGRATOR,
        Dialect::Postgres => &POSTGRES_MIGRATOR,
    }
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies migrations:
    /// SQLite for a path or `sqlite:` URL, PostgreSQL for `postgres://`.
    #[tracing::instrument(skip_all)]
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of(url);
        let pools = match dialect {
            Dialect::Sqlite => connect::sqlite(url).await?,
            Dialect::Postgres => connect::postgres(url).await?,
        };
        match dialect {
            Dialect::Sqlite => SQLITE_MIGRATOR.run(&pools.write).await?,
            Dialect::Postgres => POSTGRES_MIGRATOR.run(&pools.write).await?,
        }
        let (writer, requests) = mpsc::channel(4 * writer::MAX_BATCH);
        let committed = Arc::new(std::sync::atomic::AtomicU64::new(0));
        tokio::spawn(writer::run(
            pools.write.acquire().await?,
            dialect,
            requests,
            committed.clone(),
        ));
        tracing::info!(database = %pools.name, migrations = migrator(dialect).iter().count(), "database ready, migrations applied");
        Ok(Store {
            writer,
            write: pools.write,
            read: pools.read,
            locks: pools.locks,
            dialect,
            states: Arc::new(match dialect {
                Dialect::Sqlite => cache::StateCache::default(),
                Dialect::Postgres => cache::StateCache::off(),
            }),
            committed,
            claimant: None,
            listen_url: (dialect == Dialect::Postgres).then(|| listen::ListenUrl(url.into())),
        })
    }

    /// Which SQL dialect this store speaks.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Finishes the commits already queued, then closes every connection.
    /// Commits after this fail with [`StoreError::Closed`].
    pub async fn close(&self) {
        let (ack, done) = oneshot::channel();
        if self.writer.send(writer::Request::Close(ack)).await.is_ok() {
            let _ = done.await;
        }
        self.locks.close().await;
        self.read.close().await;
        self.write.close().await;
    }

    /// How many write transactions this store has committed so far.
    pub fn transactions(&self) -> u64 {
        self.committed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The saved state of a resident; `None` for someone new.
    pub async fn load_state(&self, user: i64) -> Result<Option<State>, StoreError> {
        Ok(self.load_turn(user).await?.0)
    }

    /// A person's saved state and a librarian's drafts (empty for anyone
    /// else), read together: one query, or none when the row is cached.
    pub async fn load_turn(&self, user: i64) -> Result<(Option<State>, Drafts), StoreError> {
        let cached = match self.states.get(user) {
            Some(c) => c,
            None => {
                let row =
                    sqlx::query("SELECT state, drafts FROM dialogue_state WHERE user_id = $1")
                        .bind(user)
                        .fetch_optional(&self.read)
                        .await?;
                let Some(row) = row else {
                    return Ok((None, Drafts::default()));
                };
                let state: String = row.try_get("state")?;
                let drafts: Option<String> = row.try_get("drafts")?;
                cache::Cached {
                    state: state.into(),
                    drafts: drafts.map(Into::into),
                }
            }
        };
        let state = serde_json::from_str(&cached.state)
            .map_err(|source| StoreError::State { user, source })?;
        let drafts = match cached.drafts.as_deref() {
            Some(json) => {
                serde_json::from_str(json).map_err(|source| StoreError::State { user, source })?
            }
            None => Drafts::default(),
        };
        Ok((Some(state), drafts))
    }

    /// Saves a resident's new state and the events that led to it, in one
    /// transaction (shared with other residents' steps under load, see
    /// [`writer`]). Callers send replies only after this returns `Ok`.
    pub async fn commit(&self, c: Commit<'_>) -> Result<(), StoreError> {
        self.commit_turn(c, &Drafts::default(), Vec::new(), 0)
            .await
            .map(drop)
    }

    /// [`Store::commit`] with everything else the step causes (`writes`, in
    /// order, in the same transaction) and the turn's number, which
    /// [`Store::unshown`] reads after a crash. Answers each write's row id or
    /// count.
    pub async fn commit_turn(
        &self,
        c: Commit<'_>,
        drafts: &Drafts,
        writes: Vec<Write>,
        turn: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let drafts = if drafts.is_empty() {
            None
        } else {
            Some(
                serde_json::to_string(drafts).map_err(|source| StoreError::State {
                    user: c.user,
                    source,
                })?,
            )
        };
        let state = serde_json::to_string(c.state).map_err(|source| StoreError::State {
            user: c.user,
            source,
        })?;
        // Readers go to the database until the commit is known to have landed.
        self.states.remove(c.user);
        let (done, answer) = oneshot::channel();
        let json: Box<str> = state.as_str().into();
        let job = writer::Job {
            user: c.user,
            now: c.now,
            lang: c.state.lang.clone(),
            state,
            events: c.events.to_vec(),
            drafts: drafts.clone(),
            writes,
            turn,
            done,
        };
        self.writer
            .send(writer::Request::Write(job))
            .await
            .map_err(|_| StoreError::Closed)?;
        let answers = answer.await.map_err(|_| StoreError::Closed)??;
        self.states.put(
            c.user,
            cache::Cached {
                state: json,
                drafts: drafts.map(Into::into),
            },
        );
        Ok(answers)
    }

    /// Changes that are not a resident's step, in one transaction; answers
    /// each one's row id or count.
    pub async fn write(&self, writes: Vec<Write>) -> Result<Vec<i64>, StoreError> {
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        let (done, answer) = oneshot::channel();
        self.writer
            .send(writer::Request::Change(writes, done))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Saves what one engine step produced: the state and events, or, when the
    /// resident asked to be forgotten, the deletion of everything about them.
    pub async fn save(&self, user: i64, now: i64, outcome: &Outcome) -> Result<(), StoreError> {
        if outcome.effects.iter().any(|e| matches!(e, Effect::Forget)) {
            self.forget(user).await
        } else {
            self.commit(Commit {
                user,
                now,
                state: &outcome.state,
                events: &outcome.events,
            })
            .await
        }
    }

    /// Deletes every row keyed to a resident, in one transaction.
    pub async fn forget(&self, user: i64) -> Result<(), StoreError> {
        self.states.remove(user);
        self.change(Change::Forget { user }).await.map(drop)
    }

    /// Marks a resident as having blocked the bot (or not any more).
    pub async fn set_blocked(&self, user: i64, blocked: bool) -> Result<(), StoreError> {
        self.change(Change::Blocked { user, blocked })
            .await
            .map(drop)
    }

    /// Opens a ticket with the resident's question; returns its number.
    pub async fn open_ticket(
        &self,
        user: i64,
        chat: i64,
        lang: &str,
        text: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        self.change(Change::OpenTicket {
            user,
            chat,
            lang: lang.to_string(),
            text: text.to_string(),
            now,
        })
        .await
    }

    /// Adds a message to a ticket: the resident's (`librarian` is `None`) or a librarian's.
    pub async fn add_ticket_message(
        &self,
        ticket: i64,
        librarian: Option<i64>,
        text: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.change(Change::TicketMessage {
            ticket,
            librarian,
            text: text.to_string(),
            reply_to: None,
            now,
        })
        .await
        .map(drop)
    }

    /// Remembers that a Telegram message belongs to a ticket.
    pub async fn map_post(&self, chat: i64, message: i64, ticket: i64) -> Result<(), StoreError> {
        self.change(Change::Post {
            chat,
            message,
            ticket,
        })
        .await
        .map(drop)
    }

    /// Closes a ticket; `false` if it was closed already (or never existed).
    pub async fn close_ticket(&self, ticket: i64, by: i64, now: i64) -> Result<bool, StoreError> {
        self.change(Change::CloseTicket { ticket, by, now })
            .await
            .map(|n| n > 0)
    }

    pub async fn ticket(&self, id: i64) -> Result<Option<Ticket>, StoreError> {
        let row = sqlx::query(
            "SELECT id, user_id, chat_id, lang, CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END AS closed
             FROM tickets WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(Ticket {
                id: r.try_get("id")?,
                user: r.try_get("user_id")?,
                chat: r.try_get("chat_id")?,
                lang: r.try_get("lang")?,
                closed: r.try_get::<i64, _>("closed")? != 0,
            })
        })
        .transpose()
    }

    /// The ticket a Telegram message belongs to.
    pub async fn ticket_of_post(&self, chat: i64, message: i64) -> Result<Option<i64>, StoreError> {
        let row =
            sqlx::query("SELECT ticket FROM ticket_posts WHERE chat_id = $1 AND message_id = $2")
                .bind(chat)
                .bind(message)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.map(|r| r.try_get("ticket")).transpose()?)
    }

    /// Whether a ticket's post (or a follow-up) for the librarians' group is
    /// queued or being sent: one Telegram has taken is recorded with its
    /// message id in the same transaction that marks it sent.
    pub async fn posts_on_their_way(&self) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM messages
             WHERE status = 'pending' AND kind IN ('ticket_post', 'follow_up') LIMIT 1",
        )
        .fetch_optional(&self.read)
        .await?;
        Ok(row.is_some())
    }

    /// The latest message of a ticket in a chat, to reply to it and keep the thread.
    pub async fn last_post(&self, ticket: i64, chat: i64) -> Result<Option<i64>, StoreError> {
        let sql = format!(
            "SELECT message_id FROM ticket_posts WHERE ticket = $1 AND chat_id = $2
             ORDER BY {} DESC LIMIT 1",
            self.dialect.insertion_order()
        );
        let row = sqlx::query(&sql)
            .bind(ticket)
            .bind(chat)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|r| r.try_get("message_id")).transpose()?)
    }

    /// A ticket's messages in order: (author, text).
    pub async fn ticket_messages(&self, ticket: i64) -> Result<Vec<(String, String)>, StoreError> {
        let rows =
            sqlx::query("SELECT author, text FROM ticket_messages WHERE ticket = $1 ORDER BY id")
                .bind(ticket)
                .fetch_all(&self.read)
                .await?;
        rows.into_iter()
            .map(|r| Ok((r.try_get("author")?, r.try_get("text")?)))
            .collect()
    }

    /// The questions residents typed, newest first (no one's id is stored with them).
    pub async fn questions(&self, limit: i64) -> Result<Vec<Question>, StoreError> {
        let rows = sqlx::query(
            "SELECT asked_at, lang, text, verdict, entry, helpful FROM questions ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Question {
                    asked_at: r.try_get("asked_at")?,
                    lang: r.try_get("lang")?,
                    text: r.try_get("text")?,
                    verdict: r.try_get("verdict")?,
                    entry: r.try_get("entry")?,
                    helpful: r.try_get::<Option<i64>, _>("helpful")?.map(|h| h != 0),
                })
            })
            .collect()
    }

    async fn change(&self, change: Change) -> Result<i64, StoreError> {
        Ok(self.write(vec![change]).await?.pop().unwrap_or_default())
    }

    /// The highest turn number committed so far (0 for none): of replica
    /// `slot`'s turns, when given (see [`replicas::REPLICA_SLOTS`]).
    pub async fn last_turn(&self, slot: Option<i64>) -> Result<i64, StoreError> {
        let mut sql = sql::Sql::new("SELECT coalesce(max(turn), 0) AS t FROM dialogue_state");
        if let Some(slot) = slot {
            sql.push(" WHERE turn % ")
                .push_bind(replicas::REPLICA_SLOTS)
                .push(" = ")
                .push_bind(slot);
        }
        let row = sql.build()?.fetch_one(&self.read).await?;
        Ok(row.try_get("t")?)
    }

    /// The turn number below which every turn's replies were delivered (of
    /// replica `slot`'s turns, when given), as last recorded; `None` if it
    /// never was.
    pub async fn delivered_below(&self, slot: Option<i64>) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
            .bind(replicas::delivered_key(slot))
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }

    /// Whether the Telegram update `id` was handled (its turn committed).
    pub async fn handled(&self, id: i64) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM handled_updates WHERE update_id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.is_some())
    }

    /// The highest update id handled; forgets those handled before `before`.
    pub async fn handled_mark(&self, before: i64) -> Result<i64, StoreError> {
        self.write(vec![Change::HandledBefore(before)]).await?;
        let row = sqlx::query("SELECT coalesce(max(update_id), 0) AS id FROM handled_updates")
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get("id")?)
    }

    /// Records that every turn below `turn` (of replica `slot`'s, when
    /// given) has had its replies delivered.
    pub async fn set_delivered_below(
        &self,
        slot: Option<i64>,
        turn: i64,
    ) -> Result<(), StoreError> {
        self.write(vec![Change::DeliveredBelow { slot, turn }])
            .await
            .map(drop)
    }

    /// Residents whose last turn is numbered `from` or above (and was taken
    /// by replica `slot`, when given): their replies may not have reached
    /// them before the process stopped.
    pub async fn unshown(&self, from: i64, slot: Option<i64>) -> Result<Vec<i64>, StoreError> {
        let mut sql = sql::Sql::new("SELECT user_id FROM dialogue_state WHERE turn >= ");
        sql.push_bind(from).push(" AND turn > 0");
        if let Some(slot) = slot {
            sql.push(" AND turn % ")
                .push_bind(replicas::REPLICA_SLOTS)
                .push(" = ")
                .push_bind(slot);
        }
        sql.push(" ORDER BY turn");
        let rows = sql.build()?.fetch_all(&self.read).await?;
        rows.into_iter()
            .map(|r| Ok(r.try_get("user_id")?))
            .collect()
    }

    /// Ticket messages due to be sent, oldest first; `chat` keeps only those
    /// for one resident's chat and the librarians' group (`group`).
    pub async fn due_messages(
        &self,
        now: i64,
        limit: i64,
        only: Option<(i64, i64)>,
    ) -> Result<Vec<QueuedMessage>, StoreError> {
        // A claim is small (see `replicas::CLAIM_BATCH`).
        let limit = match self.dialect {
            Dialect::Sqlite => limit,
            Dialect::Postgres => limit.min(replicas::CLAIM_BATCH),
        };
        let sql = match self.dialect {
            Dialect::Sqlite => {
                "SELECT m.id, m.kind, m.ticket, m.reply_to, m.attempts, t.chat_id, t.lang,
                        coalesce(tm.text, '') AS text
                 FROM messages m JOIN tickets t ON t.id = m.ticket
                 LEFT JOIN ticket_messages tm ON tm.id = m.ticket_message
                 WHERE m.status = 'pending' AND m.next_try <= $1
                   AND ($2 IS NULL
                        OR (m.kind IN ('answer', 'closed') AND t.chat_id = $2)
                        OR (m.kind IN ('ticket_post', 'follow_up') AND $3 IS NOT NULL))
                 ORDER BY m.id LIMIT $4"
            }
            // Claimed, as the outbox's deliveries are (see `replicas`).
            Dialect::Postgres => {
                "WITH picked AS (
                   SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket
                   WHERE m.status = 'pending' AND m.next_try <= $1
                     AND ($2::BIGINT IS NULL
                          OR (m.kind IN ('answer', 'closed') AND t.chat_id = $2)
                          OR (m.kind IN ('ticket_post', 'follow_up') AND $3::BIGINT IS NOT NULL))
                   ORDER BY m.id LIMIT $4
                   FOR UPDATE OF m SKIP LOCKED),
                 claimed AS (
                   UPDATE messages x SET next_try = $5, claimed_by = $6 FROM picked
                   WHERE x.id = picked.id
                   RETURNING x.id, x.kind, x.ticket, x.reply_to, x.attempts, x.ticket_message)
                 SELECT c.id, c.kind, c.ticket, c.reply_to, c.attempts, t.chat_id, t.lang,
                        coalesce(tm.text, '') AS text
                 FROM claimed c JOIN tickets t ON t.id = c.ticket
                 LEFT JOIN ticket_messages tm ON tm.id = c.ticket_message
                 ORDER BY c.id"
            }
        };
        let query = sqlx::query(sql)
            .bind(now)
            .bind(only.map(|(chat, _)| chat))
            .bind(only.map(|(_, group)| group))
            .bind(limit);
        let query = match self.dialect {
            Dialect::Sqlite => query,
            Dialect::Postgres => query.bind(now + CLAIM_LEASE).bind(self.claimant),
        };
        let rows = query.fetch_all(&self.read).await?;
        rows.into_iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(QueuedMessage {
                    id: r.try_get("id")?,
                    kind: match kind.as_str() {
                        "ticket_post" => MessageKind::TicketPost,
                        "follow_up" => MessageKind::FollowUp,
                        "answer" => MessageKind::Answer,
                        _ => MessageKind::Closed,
                    },
                    ticket: r.try_get("ticket")?,
                    chat: r.try_get("chat_id")?,
                    lang: r.try_get("lang")?,
                    text: r.try_get("text")?,
                    reply_to: r.try_get("reply_to")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// Records how a queued ticket message went, and the messages it made
    /// that belong to the ticket's thread, in one transaction.
    pub async fn message_done(
        &self,
        message: &QueuedMessage,
        outcome: Delivery,
        posts: Vec<(i64, i64)>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.write(vec![Change::MessageDone {
            id: message.id,
            ticket: message.ticket,
            outcome,
            posts,
            now,
        }])
        .await
        .map(drop)
    }

    /// How many rows of any table hold a user's id, anywhere: as a resident,
    /// a recipient, a librarian or an actor in the audit (0 after [`Store::forget`]).
    pub async fn rows_about(&self, user: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM residents WHERE user_id = $1)
                  + (SELECT count(*) FROM dialogue_state WHERE user_id = $1)
                  + (SELECT count(*) FROM events WHERE user_id = $1)
                  + (SELECT count(*) FROM steps_reached WHERE user_id = $1)
                  + (SELECT count(*) FROM lesson_progress WHERE user_id = $1)
                  + (SELECT count(*) FROM roles WHERE user_id = $1 OR granted_by = $1)
                  + (SELECT count(*) FROM tickets
                     WHERE user_id = $1 OR chat_id = $1 OR closed_by = $1)
                  + (SELECT count(*) FROM ticket_messages WHERE librarian = $1)
                  + (SELECT count(*) FROM ticket_posts WHERE chat_id = $1)
                  + (SELECT count(*) FROM subscriptions WHERE user_id = $1)
                  + (SELECT count(*) FROM rsvps WHERE user_id = $1)
                  + (SELECT count(*) FROM certificates WHERE user_id = $1)
                  + (SELECT count(*) FROM course_attempts WHERE user_id = $1)
                  + (SELECT count(*) FROM reminders WHERE user_id = $1)
                  + (SELECT count(*) FROM deliveries WHERE user_id = $1)
                  + (SELECT count(*) FROM broadcasts WHERE author = $1)
                  + (SELECT count(*) FROM webinars WHERE author = $1)
                  + (SELECT count(*) FROM hub_librarians WHERE user_id = $1 OR granted_by = $1)
                  + (SELECT count(*) FROM hub_facts WHERE set_by = $1)
                  + (SELECT count(*) FROM review_items WHERE user_id = $1)
                  + (SELECT count(*) FROM review_reminders WHERE user_id = $1)
                  + (SELECT count(*) FROM audit
                     WHERE actor = $1 OR (target = $2 AND action IN ('grant', 'revoke'))) AS n",
        )
        .bind(user)
        .bind(user.to_string())
        .fetch_one(&self.read)
        .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn resident(&self, user: i64) -> Result<Option<Resident>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, lang, first_seen, last_seen, blocked, referring_hub FROM residents WHERE user_id = $1",
        )
        .bind(user)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(Resident {
                user: r.try_get("user_id")?,
                lang: r.try_get("lang")?,
                first_seen: r.try_get("first_seen")?,
                last_seen: r.try_get("last_seen")?,
                blocked: r.try_get::<i64, _>("blocked")? != 0,
                referring_hub: r.try_get("referring_hub")?,
            })
        })
        .transpose()
    }

    pub async fn lesson_progress(&self, user: i64) -> Result<Vec<LessonProgress>, StoreError> {
        let rows = sqlx::query(
            "SELECT lesson, started_at, completed_at, correct, answered FROM lesson_progress
             WHERE user_id = $1 ORDER BY lesson",
        )
        .bind(user)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(LessonProgress {
                    lesson: r.try_get("lesson")?,
                    started_at: r.try_get("started_at")?,
                    completed_at: r.try_get("completed_at")?,
                    correct: r.try_get("correct")?,
                    answered: r.try_get("answered")?,
                })
            })
            .collect()
    }

    /// How many events of a kind a resident has, for tests and statistics.
    pub async fn count_events(&self, user: i64, kind: &str) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT count(*) AS n FROM events WHERE user_id = $1 AND kind = $2")
            .bind(user)
            .bind(kind)
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get("n")?)
    }
}

/// The columns an event is indexed by.
fn event_columns(event: &Event) -> (&'static str, Option<&str>, Option<&str>) {
    match event {
        Event::LessonStarted { lesson } => ("lesson_started", Some(lesson), None),
        Event::StepReached { dialogue, step } => ("step_reached", Some(dialogue), Some(step)),
        Event::QuizAnswered { dialogue, step, .. } => ("quiz_answered", Some(dialogue), Some(step)),
        Event::LessonCompleted { lesson, .. } => ("lesson_completed", Some(lesson), None),
        Event::LanguageChanged { .. } => ("language_changed", None, None),
        Event::Referred { .. } => ("referred", None, None),
        Event::StepVanished { dialogue, step } => ("step_vanished", Some(dialogue), Some(step)),
        Event::StalePress => ("stale_press", None, None),
        Event::Asked { .. } => ("question_asked", None, None),
        Event::FaqChosen { .. } => ("faq_chosen", None, None),
        Event::FaqVoted { .. } => ("faq_voted", None, None),
        Event::FaqToLibrarian { .. } => ("faq_to_librarian", None, None),
        Event::HandoffUnavailable => ("handoff_unavailable", None, None),
        Event::SubscriptionChanged { .. } => ("subscription_changed", None, None),
    }
}
