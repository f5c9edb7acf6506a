//! The FAQ's learning loop in the database: the questions the FAQ missed
//! (choices, nothing, or 👎) waiting for a librarian, the librarians'
//! decisions, and the phrasings they accepted. No row here carries anyone's
//! id: who decided is written in `audit`, in the same transaction.

use sqlx::{AnyConnection, Row};

use super::{Store, StoreError};
use crate::script::learned::Phrasing;

/// Which questions wait for a review: not reviewed yet, and the FAQ did not
/// answer them at once or the answer did not help.
const MISSED: &str = "review IS NULL AND (verdict IN ('choices', 'nothing') OR helpful = 0)";

/// A question the FAQ missed, as a librarian reviews it: the same words asked
/// several times are one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    /// The first time it was asked (not reviewed yet); decisions name it.
    pub id: i64,
    pub lang: String,
    pub text: String,
    /// What the bot did the last time: `choices`, `nothing`, or `answered` (then 👎).
    pub verdict: String,
    /// The entry residents picked among the choices (and did not vote 👎), most often first.
    pub picked: Option<String>,
    /// Entries residents voted 👎 on for it.
    pub disliked: Vec<String>,
    /// Some resident went to a librarian right after.
    pub to_librarian: bool,
    /// How many times it was asked.
    pub times: i64,
}

/// A librarian's decision on a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// It asks this entry: a new way to ask it.
    Accept { entry: String },
    /// The FAQ has no answer for it yet: the admins' list.
    NewAnswer,
    /// Not something the bot is for.
    OutOfScope,
}

impl Decision {
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Accept { .. } => "accepted",
            Decision::NewAnswer => "new_answer",
            Decision::OutOfScope => "out_of_scope",
        }
    }
}

/// A decision as the writer applies it: every unreviewed asking of the same
/// words is decided; answers how many were (0: someone decided first).
#[derive(Debug, Clone)]
pub struct ReviewChange {
    pub question: i64,
    pub decision: Decision,
    pub now: i64,
}

/// A question the admins are to write an answer for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAnswer {
    pub lang: String,
    pub text: String,
    pub times: i64,
}

pub(super) async fn apply(tx: &mut AnyConnection, change: ReviewChange) -> Result<i64, StoreError> {
    let entry = match &change.decision {
        Decision::Accept { entry } => Some(entry.as_str()),
        _ => None,
    };
    let decided = sqlx::query(
        "UPDATE questions SET review = $1, review_entry = $2, reviewed_at = $3
         WHERE review IS NULL AND text = (SELECT text FROM questions WHERE id = $4)",
    )
    .bind(change.decision.as_str())
    .bind(entry)
    .bind(change.now)
    .bind(change.question)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if let (Some(entry), true) = (entry, decided > 0) {
        sqlx::query(
            "INSERT INTO faq_phrasings (entry, lang, text, accepted_at)
             SELECT $1, lang, text, $2 FROM questions WHERE id = $3
             ON CONFLICT (entry, lang, text) DO NOTHING",
        )
        .bind(entry)
        .bind(change.now)
        .bind(change.question)
        .execute(&mut *tx)
        .await?;
    }
    Ok(i64::try_from(decided).unwrap_or(i64::MAX))
}

impl Store {
    /// The next question waiting for a review after question `after` (0: the
    /// first), oldest first.
    pub async fn next_missed(&self, after: i64) -> Result<Option<Missed>, StoreError> {
        let first = sqlx::query(&format!(
            "SELECT min(id) AS id, text, count(*) AS times FROM questions WHERE {MISSED}
             GROUP BY text HAVING min(id) > $1 ORDER BY min(id) LIMIT 1"
        ))
        .bind(after)
        .fetch_optional(&self.read)
        .await?;
        let Some(first) = first else {
            return Ok(None);
        };
        let id: i64 = first.try_get("id")?;
        let text: String = first.try_get("text")?;
        self.missed_details(id, text, first.try_get("times")?)
            .await
            .map(Some)
    }

    /// The question waiting for a review that started with question `id`, if it still waits.
    pub async fn missed(&self, id: i64) -> Result<Option<Missed>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT text, count(*) AS times FROM questions WHERE {MISSED}
             AND text = (SELECT text FROM questions WHERE id = $1 AND review IS NULL)
             GROUP BY text"
        ))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        match row {
            None => Ok(None),
            Some(row) => self
                .missed_details(id, row.try_get("text")?, row.try_get("times")?)
                .await
                .map(Some),
        }
    }

    async fn missed_details(
        &self,
        id: i64,
        text: String,
        times: i64,
    ) -> Result<Missed, StoreError> {
        let last = sqlx::query(&format!(
            "SELECT lang, verdict FROM questions WHERE {MISSED} AND text = $1 ORDER BY id DESC LIMIT 1"
        ))
        .bind(&text)
        .fetch_one(&self.read)
        .await?;
        let picked = sqlx::query(&format!(
            "SELECT entry FROM questions WHERE {MISSED} AND text = $1 AND verdict = 'choices'
             AND entry IS NOT NULL AND coalesce(helpful, 1) = 1
             GROUP BY entry ORDER BY count(*) DESC, max(id) DESC LIMIT 1"
        ))
        .bind(&text)
        .fetch_optional(&self.read)
        .await?
        .map(|r| r.try_get("entry"))
        .transpose()?;
        let disliked = sqlx::query(&format!(
            "SELECT DISTINCT entry FROM questions WHERE {MISSED} AND text = $1 AND helpful = 0
             AND entry IS NOT NULL ORDER BY entry"
        ))
        .bind(&text)
        .fetch_all(&self.read)
        .await?
        .into_iter()
        .map(|r| r.try_get("entry"))
        .collect::<Result<Vec<String>, _>>()?;
        let to_librarian: i64 = sqlx::query(&format!(
            "SELECT count(*) AS n FROM questions WHERE {MISSED} AND text = $1 AND next = 'librarian'"
        ))
        .bind(&text)
        .fetch_one(&self.read)
        .await?
        .try_get("n")?;
        Ok(Missed {
            id,
            lang: last.try_get("lang")?,
            text,
            verdict: last.try_get("verdict")?,
            picked,
            disliked,
            to_librarian: to_librarian > 0,
            times,
        })
    }

    /// How many questions wait for a review.
    pub async fn missed_count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT count(DISTINCT text) AS n FROM questions WHERE {MISSED}"
        ))
        .fetch_one(&self.read)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Every phrasing librarians accepted, by entry, language and time.
    pub async fn faq_phrasings(&self) -> Result<Vec<Phrasing>, StoreError> {
        let rows =
            sqlx::query("SELECT entry, lang, text FROM faq_phrasings ORDER BY entry, lang, id")
                .fetch_all(&self.read)
                .await?;
        rows.into_iter()
            .map(|r| {
                Ok(Phrasing {
                    entry: r.try_get("entry")?,
                    lang: r.try_get("lang")?,
                    text: r.try_get("text")?,
                })
            })
            .collect()
    }

    /// The questions librarians said need a new answer, most asked first.
    pub async fn faq_new_answers(&self) -> Result<Vec<NewAnswer>, StoreError> {
        let rows = sqlx::query(
            "SELECT max(lang) AS lang, text, count(*) AS times FROM questions
             WHERE review = 'new_answer' GROUP BY text ORDER BY count(*) DESC, min(id)",
        )
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(NewAnswer {
                    lang: r.try_get("lang")?,
                    text: r.try_get("text")?,
                    times: r.try_get("times")?,
                })
            })
            .collect()
    }
}
