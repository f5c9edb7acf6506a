//! Certificates and final tests in SQL: the writes the writer applies and the
//! reads of `/certificates`, `verify`, the verification page and the statistics.

use sqlx::{AnyConnection, Row};

use super::{CertificateCounts, CourseCount, HubCertificates, Store, StoreError};
use crate::certificates::{Record, Stored};

/// A certificate as the application layer reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRow {
    pub stored: Stored,
    pub user: Option<i64>,
    pub lang: String,
    pub created_at: i64,
}

/// A final test finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub passed: bool,
    pub at: i64,
}

pub(super) async fn insert(
    tx: &mut AnyConnection,
    user: Option<i64>,
    record: &Record,
    signature: &str,
    lang: &str,
    now: i64,
) -> Result<i64, StoreError> {
    sqlx::query(
        "INSERT INTO certificates (code, user_id, course, version, issued, hub, name, name_salt,
                                   name_digest, lang, signature, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&record.code)
    .bind(user)
    .bind(&record.course)
    .bind(i64::from(record.version))
    .bind(record.issued.to_string())
    .bind(record.hub.as_deref())
    .bind(record.name.as_deref())
    .bind(record.salt.as_deref())
    .bind(&record.name_digest)
    .bind(lang)
    .bind(signature)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(1)
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn attempt(
    tx: &mut AnyConnection,
    user: i64,
    course: &str,
    version: u32,
    correct: u32,
    total: u32,
    passed: bool,
    now: i64,
) -> Result<i64, StoreError> {
    sqlx::query(
        "INSERT INTO course_attempts (user_id, course, version, correct, total, passed, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user)
    .bind(course)
    .bind(i64::from(version))
    .bind(i64::from(correct))
    .bind(i64::from(total))
    .bind(i64::from(passed))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(1)
}

/// Answers 1 if the certificate was valid and is now revoked.
pub(super) async fn revoke(
    tx: &mut AnyConnection,
    code: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let done = sqlx::query(
        "UPDATE certificates SET revoked_at = $1 WHERE code = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(code)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() as i64)
}

/// The holder is forgotten: the certificate stays, without them.
pub(super) async fn forget(tx: &mut AnyConnection, user: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE certificates SET user_id = NULL, name = NULL, name_salt = NULL WHERE user_id = $1",
    )
    .bind(user)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const COLUMNS: &str = "code, user_id, course, version, issued, hub, name, name_salt, name_digest,
                       lang, signature, created_at, revoked_at";

fn row(r: &sqlx::any::AnyRow) -> Result<CertificateRow, StoreError> {
    let issued: String = r.try_get("issued")?;
    // A date that does not parse was edited by hand: the signature will not match.
    let issued = issued.parse().unwrap_or(jiff::civil::Date::MIN);
    let version: i64 = r.try_get("version")?;
    Ok(CertificateRow {
        stored: Stored {
            record: Record {
                code: r.try_get("code")?,
                course: r.try_get("course")?,
                version: u32::try_from(version).unwrap_or(u32::MAX),
                issued,
                hub: r.try_get("hub")?,
                name: r.try_get("name")?,
                salt: r.try_get("name_salt")?,
                name_digest: r.try_get("name_digest")?,
            },
            signature: r.try_get("signature")?,
            revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
        },
        user: r.try_get("user_id")?,
        lang: r.try_get("lang")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    /// The certificate with this code, if any.
    pub async fn certificate(&self, code: &str) -> Result<Option<CertificateRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM certificates WHERE code = $1"
        ))
        .bind(code)
        .fetch_optional(&self.read)
        .await?;
        r.as_ref().map(row).transpose()
    }

    /// A resident's certificates, oldest first.
    pub async fn certificates_of(&self, user: i64) -> Result<Vec<CertificateRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM certificates WHERE user_id = $1 ORDER BY created_at, code"
        ))
        .bind(user)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(row).collect()
    }

    /// A resident's last finished test of a course.
    pub async fn last_attempt(
        &self,
        user: i64,
        course: &str,
    ) -> Result<Option<Attempt>, StoreError> {
        let sql = format!(
            "SELECT passed, at FROM course_attempts WHERE user_id = $1 AND course = $2
             ORDER BY at DESC, {} DESC LIMIT 1",
            self.dialect.insertion_order()
        );
        let r = sqlx::query(&sql)
            .bind(user)
            .bind(course)
            .fetch_optional(&self.read)
            .await?;
        r.map(|r| {
            Ok(Attempt {
                passed: r.try_get::<i64, _>("passed")? != 0,
                at: r.try_get("at")?,
            })
        })
        .transpose()
    }
}

/// Tests and certificates per course, certificates per hub (all time).
pub(super) async fn counts(conn: &mut AnyConnection) -> Result<CertificateCounts, StoreError> {
    let courses = sqlx::query(
        "SELECT course,
                (SELECT count(*) FROM course_attempts a WHERE a.course = c.course) AS tests,
                (SELECT count(*) FROM course_attempts a
                 WHERE a.course = c.course AND a.passed = 1) AS passed,
                (SELECT count(*) FROM certificates k
                 WHERE k.course = c.course AND k.revoked_at IS NULL) AS valid
         FROM (SELECT course FROM course_attempts UNION SELECT course FROM certificates) c
         ORDER BY course",
    )
    .fetch_all(&mut *conn)
    .await?;
    let hubs = sqlx::query(
        "SELECT coalesce(hub, '') AS hub, count(*) AS n FROM certificates
         WHERE revoked_at IS NULL GROUP BY coalesce(hub, '') ORDER BY n DESC, hub",
    )
    .fetch_all(&mut *conn)
    .await?;
    let revoked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM certificates WHERE revoked_at IS NOT NULL")
            .fetch_one(&mut *conn)
            .await?;
    Ok(CertificateCounts {
        courses: courses
            .iter()
            .map(|r| {
                Ok(CourseCount {
                    course: r.try_get("course")?,
                    tests: r.try_get("tests")?,
                    passed: r.try_get("passed")?,
                    certificates: r.try_get("valid")?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        hubs: hubs
            .iter()
            .map(|r| {
                Ok(HubCertificates {
                    hub: r.try_get("hub")?,
                    certificates: r.try_get("n")?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        revoked,
    })
}
