//! The single writer: one task that owns the write connection and commits
//! residents' steps in batches.
//!
//! Each [`Store::commit`](super::Store::commit) sends its job here and waits for
//! the answer. The task takes every job that is waiting (up to [`MAX_BATCH`]),
//! writes them all in one transaction and then answers each caller. A caller
//! therefore still learns of its commit only after it is durable, but under
//! load a whole batch shares one `BEGIN`/`COMMIT` and a handful of multi-row
//! statements, instead of five round trips to SQLite per resident.
//!
//! If a batch fails, its jobs are retried one by one, so one bad job cannot
//! fail the others.

use sqlx::pool::PoolConnection;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use super::outbox::{insert_broadcast, write_audit, Delivery};
use super::{event_columns, StoreError};
use crate::broadcast::{Audience, Topic};
use crate::engine::Event;

/// The most jobs written in one transaction.
pub const MAX_BATCH: usize = 256;
/// Rows per multi-row `INSERT` of events (7 values each, well under SQLite's variable limit).
const EVENT_ROWS: usize = 500;

/// One resident's step, ready to write.
pub(super) struct Job {
    pub user: i64,
    pub now: i64,
    pub lang: Option<String>,
    pub state: String,
    pub events: Vec<Event>,
    pub done: oneshot::Sender<Result<(), StoreError>>,
}

pub(super) enum Request {
    Write(Job),
    /// A change outside residents' steps; answers a row id where one is made.
    Change(Change, oneshot::Sender<Result<i64, StoreError>>),
    /// Finish what is queued before this, then stop.
    Close(oneshot::Sender<()>),
}

/// Changes that are not a resident's step.
pub(super) enum Change {
    /// Delete every personal row of a resident.
    Forget {
        user: i64,
    },
    /// Telegram said the resident blocked the bot (or unblocked it).
    Blocked {
        user: i64,
        blocked: bool,
    },
    /// A new ticket with the resident's first message; answers its number.
    OpenTicket {
        user: i64,
        chat: i64,
        lang: String,
        text: String,
        now: i64,
    },
    /// A further message in a ticket.
    TicketMessage {
        ticket: i64,
        librarian: Option<i64>,
        text: String,
        now: i64,
    },
    /// A Telegram message that belongs to a ticket.
    Post {
        chat: i64,
        message: i64,
        ticket: i64,
    },
    /// Closes a ticket; answers 1 if it was open, else 0.
    CloseTicket {
        ticket: i64,
        by: i64,
        now: i64,
    },
    /// Grants or revokes a role, audited; answers 1 if anything changed.
    Role {
        user: i64,
        role: &'static str,
        grant: bool,
        by: i64,
        now: i64,
    },
    Audit {
        actor: i64,
        action: String,
        target: Option<String>,
        detail: Option<String>,
        now: i64,
    },
    /// A broadcast and its deliveries; answers its id.
    Broadcast {
        author: i64,
        topic: Topic,
        audience: Audience,
        audience_json: String,
        html: String,
        photo: Option<String>,
        not_before: i64,
        now: i64,
        webinar: Option<i64>,
    },
    Delivery {
        broadcast: i64,
        user: i64,
        outcome: Delivery,
        now: i64,
    },
    /// Answers 1 the first time only.
    Reported {
        broadcast: i64,
        now: i64,
    },
    Webinar(super::webinars::Change),
}

/// Runs until every sender is gone or a `Close` arrives.
pub(super) async fn run(mut conn: PoolConnection<Sqlite>, mut requests: mpsc::Receiver<Request>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    loop {
        let Some(first) = requests.recv().await else {
            return;
        };
        let mut closing = None;
        let mut change = None;
        match first {
            Request::Write(job) => batch.push(job),
            Request::Change(c, done) => change = Some((c, done)),
            Request::Close(ack) => closing = Some(ack),
        }
        while closing.is_none() && change.is_none() && batch.len() < MAX_BATCH {
            match requests.try_recv() {
                Ok(Request::Write(job)) => batch.push(job),
                Ok(Request::Change(c, done)) => change = Some((c, done)),
                Ok(Request::Close(ack)) => closing = Some(ack),
                Err(_) => break,
            }
        }
        // Steps queued before a change are written before it, keeping their order.
        if !batch.is_empty() {
            write_batch(&mut conn, &mut batch).await;
        }
        if let Some((c, done)) = change {
            let _ = done.send(apply(&mut conn, c).await);
        }
        if let Some(ack) = closing {
            // Jobs sent after the close are refused: their senders see a closed channel.
            requests.close();
            while let Ok(request) = requests.try_recv() {
                match request {
                    Request::Write(job) => {
                        let _ = job.done.send(Err(StoreError::Closed));
                    }
                    Request::Change(_, done) => {
                        let _ = done.send(Err(StoreError::Closed));
                    }
                    Request::Close(ack) => {
                        let _ = ack.send(());
                    }
                }
            }
            let _ = ack.send(());
            return;
        }
    }
}

async fn apply(conn: &mut SqliteConnection, change: Change) -> Result<i64, StoreError> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    let mut answer = 0;
    match change {
        Change::Forget { user } => {
            // Every place the id is written, in this one transaction (`Store::rows_about`
            // counts the same places). What someone did stays only as an anonymous
            // count: a staff id becomes -1 ("someone forgotten"; 0 is the command
            // line) or NULL where the column allows it.
            let statements = [
                // Events lose their id and stay for statistics; their JSON carries
                // neither the id nor free text (see `engine::Event`).
                "UPDATE events SET user_id = NULL WHERE user_id = ?1",
                // State, lesson progress, subscriptions, RSVPs, reminders and tickets
                // (with their messages and posts, those in the resident's private chat
                // too) go with the resident: ON DELETE CASCADE.
                "DELETE FROM residents WHERE user_id = ?1",
                // Only a resident's private chat has the user's id as chat id.
                "DELETE FROM tickets WHERE chat_id = ?1",
                "DELETE FROM ticket_posts WHERE chat_id = ?1",
                // No foreign key here: a pending delivery would still be sent.
                "DELETE FROM deliveries WHERE user_id = ?1",
                "DELETE FROM roles WHERE user_id = ?1",
                "UPDATE roles SET granted_by = -1 WHERE granted_by = ?1",
                // The audit keeps the row (that something happened), not who.
                "UPDATE audit SET actor = -1 WHERE actor = ?1",
                // A librarian's work outlives them, without their id; the outbox
                // reports a broadcast only to an author above 0.
                "UPDATE broadcasts SET author = -1 WHERE author = ?1",
                "UPDATE webinars SET author = -1 WHERE author = ?1",
                "UPDATE tickets SET closed_by = NULL WHERE closed_by = ?1",
                "UPDATE ticket_messages SET librarian = NULL WHERE librarian = ?1",
            ];
            for sql in statements {
                sqlx::query(sql).bind(user).execute(&mut *tx).await?;
            }
            // Only grants and revokes name a user as their target, as text (others
            // name a command, a broadcast or a webinar, whose number may equal an id).
            sqlx::query(
                "UPDATE audit SET target = NULL WHERE target = ? AND action IN ('grant', 'revoke')",
            )
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        }
        Change::Blocked { user, blocked } => {
            sqlx::query("UPDATE residents SET blocked = ? WHERE user_id = ?")
                .bind(blocked)
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
        Change::OpenTicket {
            user,
            chat,
            lang,
            text,
            now,
        } => {
            answer = sqlx::query(
                "INSERT INTO tickets (user_id, chat_id, lang, opened_at) VALUES (?, ?, ?, ?)",
            )
            .bind(user)
            .bind(chat)
            .bind(lang)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .last_insert_rowid();
            sqlx::query(
                "INSERT INTO ticket_messages (ticket, at, author, text) VALUES (?, ?, 'resident', ?)",
            )
            .bind(answer)
            .bind(now)
            .bind(text)
            .execute(&mut *tx)
            .await?;
        }
        Change::TicketMessage {
            ticket,
            librarian,
            text,
            now,
        } => {
            let author = if librarian.is_some() {
                "librarian"
            } else {
                "resident"
            };
            answer = sqlx::query(
                "INSERT INTO ticket_messages (ticket, at, author, librarian, text) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(ticket)
            .bind(now)
            .bind(author)
            .bind(librarian)
            .bind(text)
            .execute(&mut *tx)
            .await?
            .last_insert_rowid();
        }
        Change::Post {
            chat,
            message,
            ticket,
        } => {
            sqlx::query(
                "INSERT INTO ticket_posts (chat_id, message_id, ticket) VALUES (?, ?, ?)
                 ON CONFLICT (chat_id, message_id) DO UPDATE SET ticket = excluded.ticket",
            )
            .bind(chat)
            .bind(message)
            .bind(ticket)
            .execute(&mut *tx)
            .await?;
        }
        Change::CloseTicket { ticket, by, now } => {
            answer = sqlx::query(
                "UPDATE tickets SET closed_at = ?, closed_by = ? WHERE id = ? AND closed_at IS NULL",
            )
            .bind(now)
            .bind(by)
            .bind(ticket)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
        }
        Change::Role {
            user,
            role,
            grant,
            by,
            now,
        } => {
            answer = if grant {
                sqlx::query(
                    "INSERT INTO roles (user_id, role, granted_by, granted_at) VALUES (?, ?, ?, ?)
                     ON CONFLICT (user_id, role) DO NOTHING",
                )
                .bind(user)
                .bind(role)
                .bind((by != 0).then_some(by))
                .bind(now)
                .execute(&mut *tx)
                .await?
            } else {
                sqlx::query("DELETE FROM roles WHERE user_id = ? AND role = ?")
                    .bind(user)
                    .bind(role)
                    .execute(&mut *tx)
                    .await?
            }
            .rows_affected() as i64;
            // Only a real change is an action worth the log.
            if answer > 0 {
                let action = if grant { "grant" } else { "revoke" };
                let target = user.to_string();
                write_audit(&mut tx, now, by, action, Some(&target), Some(role)).await?;
            }
        }
        Change::Audit {
            actor,
            action,
            target,
            detail,
            now,
        } => {
            write_audit(
                &mut tx,
                now,
                actor,
                &action,
                target.as_deref(),
                detail.as_deref(),
            )
            .await?;
        }
        Change::Broadcast {
            author,
            topic,
            audience,
            audience_json,
            html,
            photo,
            not_before,
            now,
            webinar,
        } => {
            answer = insert_broadcast(
                &mut tx,
                author,
                topic,
                &audience,
                &audience_json,
                &html,
                photo.as_deref(),
                not_before,
                now,
                webinar,
            )
            .await?;
        }
        Change::Delivery {
            broadcast,
            user,
            outcome,
            now,
        } => {
            let (status, message_id, next_try) = match outcome {
                Delivery::Sent { message_id } => ("sent", Some(message_id), None),
                Delivery::Blocked => ("blocked", None, None),
                Delivery::Skipped => ("skipped", None, None),
                Delivery::Failed => ("failed", None, None),
                Delivery::Retry { at } => ("pending", None, Some(at)),
            };
            sqlx::query(
                "UPDATE deliveries SET status = ?, message_id = coalesce(?, message_id),
                   attempts = attempts + 1, next_try = coalesce(?, next_try),
                   done_at = CASE WHEN ? = 'pending' THEN NULL ELSE ? END
                 WHERE broadcast = ? AND user_id = ? AND status = 'pending'",
            )
            .bind(status)
            .bind(message_id)
            .bind(next_try)
            .bind(status)
            .bind(now)
            .bind(broadcast)
            .bind(user)
            .execute(&mut *tx)
            .await?;
            if outcome == Delivery::Blocked {
                sqlx::query("UPDATE residents SET blocked = 1 WHERE user_id = ?")
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
            }
            // The last row of a broadcast finishes it.
            sqlx::query(
                "UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM deliveries WHERE broadcast = ? AND status = 'pending')",
            )
            .bind(now)
            .bind(broadcast)
            .bind(broadcast)
            .execute(&mut *tx)
            .await?;
        }
        Change::Webinar(change) => {
            answer = super::webinars::apply(&mut tx, change).await?;
        }
        Change::Reported { broadcast, now } => {
            answer = sqlx::query(
                "UPDATE broadcasts SET reported = 1, finished_at = coalesce(finished_at, ?)
                 WHERE id = ? AND reported = 0",
            )
            .bind(now)
            .bind(broadcast)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
        }
    }
    tx.commit().await?;
    Ok(answer)
}

async fn write_batch(conn: &mut SqliteConnection, batch: &mut Vec<Job>) {
    match write(conn, batch).await {
        Ok(()) => {
            for job in batch.drain(..) {
                let _ = job.done.send(Ok(()));
            }
        }
        Err(e) if batch.len() == 1 => {
            if let Some(job) = batch.pop() {
                let _ = job.done.send(Err(e));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, jobs = batch.len(), "batch commit failed; retrying one by one");
            for job in batch.drain(..) {
                let result = write(conn, std::slice::from_ref(&job)).await;
                let _ = job.done.send(result);
            }
        }
    }
}

/// Writes the jobs in one transaction.
async fn write(conn: &mut SqliteConnection, jobs: &[Job]) -> Result<(), StoreError> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;

    // The first statement writes, so the write lock is taken at once
    // (no read-then-upgrade that could fail with SQLITE_BUSY).
    let mut residents = QueryBuilder::<Sqlite>::new(
        "INSERT INTO residents (user_id, lang, first_seen, last_seen) ",
    );
    residents.push_values(jobs, |mut row, job| {
        row.push_bind(job.user)
            .push_bind(job.lang.as_deref())
            .push_bind(job.now)
            .push_bind(job.now);
    });
    residents.push(
        // A resident who writes has not blocked the bot.
        " ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, last_seen = excluded.last_seen, blocked = 0",
    );
    residents.build().execute(&mut *tx).await?;

    let mut states =
        QueryBuilder::<Sqlite>::new("INSERT INTO dialogue_state (user_id, state, updated_at) ");
    states.push_values(jobs, |mut row, job| {
        row.push_bind(job.user)
            .push_bind(job.state.as_str())
            .push_bind(job.now);
    });
    states.push(
        " ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
    );
    states.build().execute(&mut *tx).await?;

    let mut rows = Vec::new();
    for job in jobs {
        for event in &job.events {
            let data = serde_json::to_string(event).map_err(|source| StoreError::State {
                user: job.user,
                source,
            })?;
            let (kind, dialogue, step) = event_columns(event);
            rows.push((job.user, job.now, kind, dialogue, step, data));
        }
    }
    for chunk in rows.chunks(EVENT_ROWS) {
        let mut events = QueryBuilder::<Sqlite>::new(
            "INSERT INTO events (user_id, at, kind, dialogue, step, data) ",
        );
        events.push_values(chunk, |mut row, (user, at, kind, dialogue, step, data)| {
            row.push_bind(*user)
                .push_bind(*at)
                .push_bind(*kind)
                .push_bind(*dialogue)
                .push_bind(*step)
                .push_bind(data.as_str());
        });
        events.build().execute(&mut *tx).await?;
    }

    // Tables derived from events; these events are rare, so one statement each.
    for job in jobs {
        for event in &job.events {
            match event {
                Event::LessonStarted { lesson } => {
                    sqlx::query(
                        "INSERT INTO lesson_progress (user_id, lesson, started_at) VALUES (?, ?, ?)
                         ON CONFLICT (user_id, lesson) DO NOTHING",
                    )
                    .bind(job.user)
                    .bind(lesson)
                    .bind(job.now)
                    .execute(&mut *tx)
                    .await?;
                }
                Event::LessonCompleted {
                    lesson,
                    correct,
                    total,
                } => {
                    sqlx::query(
                        "INSERT INTO lesson_progress (user_id, lesson, started_at, completed_at, correct, answered)
                         VALUES (?1, ?2, ?3, ?3, ?4, ?5)
                         ON CONFLICT (user_id, lesson) DO UPDATE SET
                           completed_at = coalesce(completed_at, excluded.completed_at),
                           correct = excluded.correct, answered = excluded.answered",
                    )
                    .bind(job.user)
                    .bind(lesson)
                    .bind(job.now)
                    .bind(correct)
                    .bind(total)
                    .execute(&mut *tx)
                    .await?;
                }
                Event::Asked {
                    key,
                    lang,
                    verdict,
                    entry,
                    text,
                } => {
                    // No user id: the question is kept apart from who asked it.
                    sqlx::query(
                        "INSERT INTO questions (key, asked_at, lang, text, verdict, entry)
                         VALUES (?, ?, ?, ?, ?, ?)",
                    )
                    .bind(key)
                    .bind(job.now)
                    .bind(lang)
                    .bind(text)
                    .bind(verdict.as_str())
                    .bind(entry)
                    .execute(&mut *tx)
                    .await?;
                }
                Event::FaqChosen { key, entry } => {
                    sqlx::query(
                        "UPDATE questions SET entry = ?
                         WHERE id = (SELECT max(id) FROM questions WHERE key = ?)",
                    )
                    .bind(entry)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                }
                Event::FaqVoted {
                    key,
                    entry,
                    helpful,
                } => {
                    sqlx::query(
                        "UPDATE questions SET helpful = ?, entry = coalesce(entry, ?)
                         WHERE id = (SELECT max(id) FROM questions WHERE key = ?)",
                    )
                    .bind(helpful)
                    .bind(entry)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                }
                Event::SubscriptionChanged {
                    webinars,
                    news,
                    hub,
                } => {
                    sqlx::query(
                        "INSERT INTO subscriptions (user_id, webinars, news, hub, since) VALUES (?, ?, ?, ?, ?)
                         ON CONFLICT (user_id) DO UPDATE SET webinars = excluded.webinars,
                           news = excluded.news, hub = excluded.hub",
                    )
                    .bind(job.user)
                    .bind(webinars)
                    .bind(news)
                    .bind(hub)
                    .bind(job.now)
                    .execute(&mut *tx)
                    .await?;
                }
                Event::Referred { hub } => {
                    sqlx::query(
                        "UPDATE residents SET referring_hub = coalesce(referring_hub, ?) WHERE user_id = ?",
                    )
                    .bind(hub)
                    .bind(job.user)
                    .execute(&mut *tx)
                    .await?;
                }
                _ => {}
            }
        }
    }
    tx.commit().await?;
    Ok(())
}
