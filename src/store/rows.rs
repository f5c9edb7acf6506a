//! SQL shared by the writer's changes and the store's reads: the audit
//! line, a broadcast with its deliveries, an audience's recipients.

use sqlx::Row;

use super::sql::Sql;

use super::StoreError;
use crate::broadcast::{Audience, Topic};

/// The recipients of an audience, as a SQL condition on `s` (subscriptions)
/// and `r` (residents), with its bound values pushed by the caller.
pub(super) fn push_audience(q: &mut Sql<'_>, topic: Topic, audience: &Audience) {
    q.push(
        " FROM subscriptions s JOIN residents r ON r.user_id = s.user_id WHERE r.blocked = 0 AND ",
    );
    q.push(match topic {
        Topic::Webinars => "s.webinars = 1",
        Topic::News => "s.news = 1",
    });
    match audience {
        Audience::All => {}
        Audience::Hub(hub) => {
            q.push(" AND coalesce(s.hub, r.referring_hub) = ");
            q.push_bind(hub.clone());
        }
        Audience::Language(lang) => {
            q.push(" AND r.lang = ");
            q.push_bind(lang.clone());
        }
        Audience::Completed(lesson) | Audience::NotCompleted(lesson) => {
            q.push(if matches!(audience, Audience::Completed(_)) {
                " AND EXISTS"
            } else {
                " AND NOT EXISTS"
            });
            q.push(
                " (SELECT 1 FROM lesson_progress p WHERE p.user_id = s.user_id \
                 AND p.completed_at IS NOT NULL AND p.lesson = ",
            );
            q.push_bind(lesson.clone());
            q.push(")");
        }
    }
}

/// Writes the broadcast and its deliveries (inside the writer's transaction).
#[allow(clippy::too_many_arguments)]
pub(super) async fn insert_broadcast(
    tx: &mut sqlx::AnyConnection,
    author: i64,
    topic: Topic,
    audience: &Audience,
    audience_json: &str,
    html: &str,
    photo: Option<&str>,
    not_before: i64,
    now: i64,
    webinar: Option<i64>,
) -> Result<i64, StoreError> {
    let id = sqlx::query(
        "INSERT INTO broadcasts (author, created_at, topic, text, photo, audience, not_before, webinar)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(author)
    .bind(now)
    .bind(topic.as_str())
    .bind(html)
    .bind(photo)
    .bind(audience_json)
    .bind(not_before)
    .bind(webinar)
    .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("id")?;
    let mut q = Sql::new("INSERT INTO deliveries (broadcast, user_id) SELECT ");
    q.push_bind(id);
    q.push(", s.user_id");
    push_audience(&mut q, topic, audience);
    q.build()?.execute(&mut *tx).await?;
    write_audit(
        tx,
        now,
        author,
        "announce",
        Some(&id.to_string()),
        Some(audience_json),
    )
    .await?;
    Ok(id)
}

/// One line of the audit log, inside the writer's transaction: every
/// privileged change writes it in the same transaction as the change.
pub(super) async fn write_audit(
    tx: &mut sqlx::AnyConnection,
    now: i64,
    actor: i64,
    action: &str,
    target: Option<&str>,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(now)
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(detail)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
