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

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Row};

use super::sql::{Dialect, Sql};
use tokio::sync::{mpsc, oneshot};

use super::change::{Change, Delivery};
use super::rows::{insert_broadcast, write_audit};
use super::{event_columns, StoreError};

use crate::engine::Event;

/// The most jobs written in one transaction.
pub const MAX_BATCH: usize = 256;
/// Rows per multi-row `INSERT` of events (7 values each, well under SQLite's variable limit).
const EVENT_ROWS: usize = 500;

/// One resident's step, ready to write: the state, its events and every
/// change the step causes, all in one transaction.
pub(super) struct Job {
    pub user: i64,
    pub now: i64,
    pub lang: Option<String>,
    pub state: String,
    pub events: Vec<Event>,
    /// A librarian's drafts, as JSON (`None`: none).
    pub drafts: Option<String>,
    /// Changes written with the step; each answers a row id or a count.
    pub writes: Vec<Change>,
    /// The turn's number (see `Store::commit_turn`); 0 when it has none.
    pub turn: i64,
    pub done: oneshot::Sender<Result<Vec<i64>, StoreError>>,
}

pub(super) enum Request {
    Write(Job),
    /// Changes outside residents' steps, in one transaction; each answers a
    /// row id where one is made.
    Change(Vec<Change>, oneshot::Sender<Result<Vec<i64>, StoreError>>),
    /// Finish what is queued before this, then stop.
    Close(oneshot::Sender<()>),
}

/// Runs until every sender is gone or a `Close` arrives.
/// `committed` counts the transactions that committed (tests count them).
pub(super) async fn run(
    mut conn: PoolConnection<Any>,
    dialect: Dialect,
    mut requests: mpsc::Receiver<Request>,
    committed: Arc<AtomicU64>,
) {
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
            write_batch(&mut conn, dialect, &mut batch, &committed).await;
        }
        if let Some((changes, done)) = change {
            let result = apply(&mut conn, dialect, changes).await;
            if result.is_ok() {
                committed.fetch_add(1, Ordering::Relaxed);
            }
            let _ = done.send(result);
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

/// Applies changes in one transaction of their own.
async fn apply(
    conn: &mut AnyConnection,
    dialect: Dialect,
    changes: Vec<Change>,
) -> Result<Vec<i64>, StoreError> {
    use sqlx::Connection;
    // IMMEDIATE: the write lock is taken at once, so a change that reads
    // before it writes (an RSVP counts the seats) never fails to upgrade.
    let mut tx = conn.begin_with(dialect.begin_write()).await?;
    let mut answers = Vec::with_capacity(changes.len());
    for change in changes {
        answers.push(apply_in(&mut tx, dialect, change).await?);
    }
    tx.commit().await?;
    Ok(answers)
}

/// Applies one change inside the caller's transaction.
async fn apply_in(
    tx: &mut AnyConnection,
    dialect: Dialect,
    change: Change,
) -> Result<i64, StoreError> {
    let mut answer = 0;
    match change {
        Change::Fold { from, before } => {
            answer = super::fold::fold_in(tx, dialect, from, before).await?;
        }
        Change::FoldAtOnce { before } => {
            answer = super::fold::fold_at_once_in(tx, dialect, before).await?;
        }
        Change::Tally { batch } => {
            answer = super::fold::tally_in(tx, dialect, batch).await?;
        }
        Change::KeepWeeks {
            generation,
            oldest,
            weeks,
        } => {
            answer = super::weeks::keep_in(tx, dialect, generation, oldest, &weeks).await?;
        }
        Change::Forget { user } => {
            // Every place the id is written, in this one transaction (`Store::rows_about`
            // counts the same places). What someone did stays only as an anonymous
            // count: a staff id becomes -1 ("someone forgotten"; 0 is the command
            // line) or NULL where the column allows it.
            let statements = [
                // Events lose their id and stay for statistics; their JSON carries
                // neither the id nor free text (see `engine::Event`).
                "UPDATE events SET user_id = NULL WHERE user_id = $1",
                // State, lesson progress, subscriptions, RSVPs, reminders and tickets
                // (with their messages and posts, those in the resident's private chat
                // too) go with the resident: ON DELETE CASCADE.
                "DELETE FROM residents WHERE user_id = $1",
                // The steps they reached (`store::fold`) are the resident's; the foreign key
                // would take them too, this says so.
                "DELETE FROM steps_reached WHERE user_id = $1",
                // Only a resident's private chat has the user's id as chat id.
                "DELETE FROM tickets WHERE chat_id = $1",
                "DELETE FROM ticket_posts WHERE chat_id = $1",
                // No foreign key here: a pending delivery would still be sent.
                "DELETE FROM deliveries WHERE user_id = $1",
                "DELETE FROM roles WHERE user_id = $1",
                "UPDATE roles SET granted_by = -1 WHERE granted_by = $1",
                // The audit keeps the row (that something happened), not who.
                "UPDATE audit SET actor = -1 WHERE actor = $1",
                // A librarian's work outlives them, without their id; the outbox
                // reports a broadcast only to an author above 0.
                "UPDATE broadcasts SET author = -1 WHERE author = $1",
                "UPDATE webinars SET author = -1 WHERE author = $1",
                "UPDATE tickets SET closed_by = NULL WHERE closed_by = $1",
                "UPDATE ticket_messages SET librarian = NULL WHERE librarian = $1",
                // The hub facts a librarian set stay, without who set them.
                "DELETE FROM hub_librarians WHERE user_id = $1",
                "UPDATE hub_librarians SET granted_by = -1 WHERE granted_by = $1",
                "UPDATE hub_facts SET set_by = NULL WHERE set_by = $1",
            ];
            for sql in statements {
                sqlx::query(sql).bind(user).execute(&mut *tx).await?;
            }
            // A certificate stays valid without its holder: their id and name go.
            super::certificates::forget(tx, user).await?;
            // Only grants and revokes name a user as their target, as text (others
            // name a command, a broadcast or a webinar, whose number may equal an id).
            sqlx::query(
                "UPDATE audit SET target = NULL WHERE target = $1 AND action IN ('grant', 'revoke')",
            )
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
            // The weeks kept for the weekly series counted them.
            super::weeks::forget_in(tx).await?;
        }
        Change::Blocked { user, blocked } => {
            sqlx::query("UPDATE residents SET blocked = $1 WHERE user_id = $2")
                .bind(i64::from(blocked))
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
                "INSERT INTO tickets (user_id, chat_id, lang, opened_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(user)
            .bind(chat)
            .bind(lang)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("id")?;
            let first = sqlx::query(
                "INSERT INTO ticket_messages (ticket, at, author, text) VALUES ($1, $2, 'resident', $3) RETURNING id",
            )
            .bind(answer)
            .bind(now)
            .bind(text)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("id")?;
            queue_message(tx, "ticket_post", answer, Some(first), None, now).await?;
        }
        Change::TicketMessage {
            ticket,
            librarian,
            text,
            reply_to,
            now,
        } => {
            let author = if librarian.is_some() {
                "librarian"
            } else {
                "resident"
            };
            answer = sqlx::query(
                "INSERT INTO ticket_messages (ticket, at, author, librarian, text) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(ticket)
            .bind(now)
            .bind(author)
            .bind(librarian)
            .bind(text)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("id")?;
            let kind = if librarian.is_some() {
                "answer"
            } else {
                "follow_up"
            };
            queue_message(tx, kind, ticket, Some(answer), reply_to, now).await?;
        }
        Change::Post {
            chat,
            message,
            ticket,
        } => map_post(tx, chat, message, ticket).await?,
        Change::CloseTicket { ticket, by, now } => {
            answer = sqlx::query(
                "UPDATE tickets SET closed_at = $1, closed_by = $2 WHERE id = $3 AND closed_at IS NULL",
            )
            .bind(now)
            .bind(by)
            .bind(ticket)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
            if answer > 0 {
                queue_message(tx, "closed", ticket, None, None, now).await?;
            }
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
                    "INSERT INTO roles (user_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (user_id, role) DO NOTHING",
                )
                .bind(user)
                .bind(role)
                .bind((by != 0).then_some(by))
                .bind(now)
                .execute(&mut *tx)
                .await?
            } else {
                sqlx::query("DELETE FROM roles WHERE user_id = $1 AND role = $2")
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
                write_audit(tx, now, by, action, Some(&target), Some(role)).await?;
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
                tx,
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
                tx,
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
                Delivery::Retry { at } | Delivery::Later { at } => ("pending", None, Some(at)),
            };
            let attempt = i64::from(!matches!(outcome, Delivery::Later { .. }));
            sqlx::query(
                "UPDATE deliveries SET status = $1, message_id = coalesce($2, message_id),
                   attempts = attempts + $8, next_try = coalesce($3, next_try), claimed_by = NULL,
                   done_at = CASE WHEN $4 = 'pending' THEN NULL ELSE $5 END
                 WHERE broadcast = $6 AND user_id = $7 AND status = 'pending'",
            )
            .bind(status)
            .bind(message_id)
            .bind(next_try)
            .bind(status)
            .bind(now)
            .bind(broadcast)
            .bind(user)
            .bind(attempt)
            .execute(&mut *tx)
            .await?;
            if outcome == Delivery::Blocked {
                sqlx::query("UPDATE residents SET blocked = 1 WHERE user_id = $1")
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
            }
            // The last row of a broadcast finishes it.
            sqlx::query(
                "UPDATE broadcasts SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM deliveries WHERE broadcast = $3 AND status = 'pending')",
            )
            .bind(now)
            .bind(broadcast)
            .bind(broadcast)
            .execute(&mut *tx)
            .await?;
        }
        Change::Webinar(change) => {
            answer = super::webinars::apply(tx, change).await?;
        }
        Change::Hub(change) => {
            answer = super::hubs::apply(tx, change).await?;
        }
        Change::FaqReview(change) => {
            answer = super::faq_review::apply(tx, change).await?;
        }
        Change::Review(change) => {
            answer = super::review::apply(tx, change).await?;
        }
        Change::Reported { broadcast, now } => {
            answer = sqlx::query(
                "UPDATE broadcasts SET reported = 1, finished_at = coalesce(finished_at, $1)
                 WHERE id = $2 AND reported = 0",
            )
            .bind(now)
            .bind(broadcast)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
        }
        Change::MessageDone {
            id,
            ticket,
            outcome,
            posts,
            now,
        } => {
            let (status, next_try) = match outcome {
                Delivery::Sent { .. } => ("sent", None),
                Delivery::Retry { at } | Delivery::Later { at } => ("pending", Some(at)),
                Delivery::Blocked | Delivery::Skipped | Delivery::Failed => ("failed", None),
            };
            answer = sqlx::query(
                "UPDATE messages SET status = $1, attempts = attempts + 1,
                   next_try = coalesce($2, next_try), claimed_by = NULL,
                   done_at = CASE WHEN $3 = 'pending' THEN NULL ELSE $4 END
                 WHERE id = $5 AND status = 'pending'",
            )
            .bind(status)
            .bind(next_try)
            .bind(status)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
            if outcome == Delivery::Blocked {
                sqlx::query(
                    "UPDATE residents SET blocked = 1
                     WHERE user_id = (SELECT user_id FROM tickets WHERE id = $1)",
                )
                .bind(ticket)
                .execute(&mut *tx)
                .await?;
            }
            for (chat, message) in posts {
                map_post(tx, chat, message, ticket).await?;
            }
        }
        Change::Certificate {
            user,
            record,
            signature,
            lang,
            now,
        } => {
            answer = super::certificates::insert(tx, user, &record, &signature, &lang, now).await?;
        }
        Change::CourseAttempt {
            user,
            course,
            version,
            correct,
            total,
            passed,
            now,
        } => {
            answer = super::certificates::attempt(
                tx, user, &course, version, correct, total, passed, now,
            )
            .await?;
        }
        Change::RevokeCertificate { code, now } => {
            answer = super::certificates::revoke(tx, &code, now).await?;
        }
        Change::DeliveredBelow { slot, turn } => {
            let sql = format!(
                "INSERT INTO meta (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = {}",
                dialect.greatest("meta.value", "excluded.value")
            );
            sqlx::query(&sql)
                .bind(super::replicas::delivered_key(slot))
                .bind(turn)
                .execute(&mut *tx)
                .await?;
        }
        Change::Handled { update, now } => {
            sqlx::query("INSERT INTO handled_updates (update_id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(update)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        Change::HandledBefore(before) => {
            sqlx::query("DELETE FROM handled_updates WHERE at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?;
        }
    }
    Ok(answer)
}

/// Remembers that a message belongs to a ticket's thread.
async fn map_post(
    tx: &mut AnyConnection,
    chat: i64,
    message: i64,
    ticket: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ticket_posts (chat_id, message_id, ticket) VALUES ($1, $2, $3)
         ON CONFLICT (chat_id, message_id) DO UPDATE SET ticket = excluded.ticket",
    )
    .bind(chat)
    .bind(message)
    .bind(ticket)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Queues a ticket's message for the outbox task.
async fn queue_message(
    tx: &mut AnyConnection,
    kind: &str,
    ticket: i64,
    ticket_message: Option<i64>,
    reply_to: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO messages (kind, ticket, ticket_message, reply_to, next_try, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(kind)
    .bind(ticket)
    .bind(ticket_message)
    .bind(reply_to)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn write_batch(
    conn: &mut AnyConnection,
    dialect: Dialect,
    batch: &mut Vec<Job>,
    committed: &AtomicU64,
) {
    match write(conn, dialect, batch).await {
        Ok(answers) => {
            committed.fetch_add(1, Ordering::Relaxed);
            for (job, answers) in batch.drain(..).zip(answers) {
                let _ = job.done.send(Ok(answers));
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
                let result = write(conn, dialect, std::slice::from_ref(&job)).await;
                let _ = job
                    .done
                    .send(result.map(|mut a| a.pop().unwrap_or_default()));
            }
        }
    }
}

/// Writes the jobs in one transaction; answers each job's changes.
async fn write(
    conn: &mut AnyConnection,
    dialect: Dialect,
    jobs: &[Job],
) -> Result<Vec<Vec<i64>>, StoreError> {
    use sqlx::Connection;
    let mut tx = conn.begin_with(dialect.begin_write()).await?;

    // One row per resident, the latest step's: PostgreSQL refuses a
    // statement that upserts the same row twice.
    let latest: Vec<&Job> = {
        let mut seen = std::collections::HashSet::new();
        let mut latest: Vec<&Job> = jobs.iter().rev().filter(|j| seen.insert(j.user)).collect();
        latest.reverse();
        latest
    };

    // The first statement writes, so the write lock is taken at once
    // (no read-then-upgrade that could fail with SQLITE_BUSY).
    let mut residents = Sql::new("INSERT INTO residents (user_id, lang, first_seen, last_seen) ");
    residents.push_values(latest.iter().copied(), |row, job| {
        row.push_bind(job.user)
            .push_bind(job.lang.as_deref())
            .push_bind(job.now)
            .push_bind(job.now);
    });
    residents.push(
        // A resident who writes has not blocked the bot.
        " ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, last_seen = excluded.last_seen, blocked = 0",
    );
    residents.build()?.execute(&mut *tx).await?;

    let mut states =
        Sql::new("INSERT INTO dialogue_state (user_id, state, updated_at, turn, drafts) ");
    states.push_values(latest.iter().copied(), |row, job| {
        row.push_bind(job.user)
            .push_bind(job.state.as_str())
            .push_bind(job.now)
            .push_bind(job.turn)
            .push_bind(job.drafts.as_deref());
    });
    states.push(
        " ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,
           turn = excluded.turn, drafts = excluded.drafts",
    );
    states.build()?.execute(&mut *tx).await?;

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
        let mut events = Sql::new("INSERT INTO events (user_id, at, kind, dialogue, step, data) ");
        events.push_values(chunk, |row, (user, at, kind, dialogue, step, data)| {
            row.push_bind(*user)
                .push_bind(*at)
                .push_bind(*kind)
                .push_bind(*dialogue)
                .push_bind(*step)
                .push_bind(data.as_str());
        });
        events.build()?.execute(&mut *tx).await?;
    }

    // Tables derived from events; these events are rare, so one statement each.
    for job in jobs {
        for event in &job.events {
            match event {
                Event::LessonStarted { lesson } => {
                    sqlx::query(
                        "INSERT INTO lesson_progress (user_id, lesson, started_at) VALUES ($1, $2, $3)
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
                         VALUES ($1, $2, $3, $3, $4, $5)
                         ON CONFLICT (user_id, lesson) DO UPDATE SET
                           completed_at = coalesce(lesson_progress.completed_at, excluded.completed_at),
                           correct = excluded.correct, answered = excluded.answered",
                    )
                    .bind(job.user)
                    .bind(lesson)
                    .bind(job.now)
                    .bind(i64::from(*correct))
                    .bind(i64::from(*total))
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
                         VALUES ($1, $2, $3, $4, $5, $6)",
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
                        "UPDATE questions SET entry = $1
                         WHERE id = (SELECT max(id) FROM questions WHERE key = $2)",
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
                        "UPDATE questions SET helpful = $1, entry = coalesce(entry, $2)
                         WHERE id = (SELECT max(id) FROM questions WHERE key = $3)",
                    )
                    .bind(i64::from(*helpful))
                    .bind(entry)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                }
                Event::FaqToLibrarian { key } => {
                    sqlx::query(
                        "UPDATE questions SET next = 'librarian'
                         WHERE id = (SELECT max(id) FROM questions WHERE key = $1)",
                    )
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
                        "INSERT INTO subscriptions (user_id, webinars, news, hub, since) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (user_id) DO UPDATE SET webinars = excluded.webinars,
                           news = excluded.news, hub = excluded.hub",
                    )
                    .bind(job.user)
                    .bind(i64::from(*webinars))
                    .bind(i64::from(*news))
                    .bind(hub)
                    .bind(job.now)
                    .execute(&mut *tx)
                    .await?;
                }
                Event::Referred { hub } => {
                    sqlx::query(
                        "UPDATE residents SET referring_hub = coalesce(referring_hub, $1) WHERE user_id = $2",
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
    // Every turn's update marked handled, in one statement (the writer's one
    // connection does every batch's statements in turn, so each saved round
    // trip is saved for every turn behind it).
    let handled: Vec<(i64, i64)> = jobs
        .iter()
        .flat_map(|job| &job.writes)
        .filter_map(|change| match change {
            Change::Handled { update, now } => Some((*update, *now)),
            _ => None,
        })
        .collect();
    if !handled.is_empty() {
        let mut insert = Sql::new("INSERT INTO handled_updates (update_id, at) ");
        insert.push_values(&handled, |row, (update, now)| {
            row.push_bind(*update).push_bind(*now);
        });
        insert.push(" ON CONFLICT DO NOTHING");
        insert.build()?.execute(&mut *tx).await?;
    }
    // What the steps caused (a ticket, an audit row, a broadcast ...), in the
    // same transaction as the steps themselves.
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        let mut mine = Vec::with_capacity(job.writes.len());
        for change in &job.writes {
            mine.push(match change {
                Change::Handled { .. } => 0,
                _ => apply_in(&mut tx, dialect, change.clone()).await?,
            });
        }
        answers.push(mine);
    }
    tx.commit().await?;
    Ok(answers)
}
