//! The two SQL dialects the store speaks, and a query builder that numbers
//! its placeholders (`$1, $2, …`), which both SQLite and PostgreSQL read.
//!
//! sqlx's own `QueryBuilder` writes `?` for the `Any` driver, which
//! PostgreSQL refuses; this one is as small as the store needs.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Arguments, Encode, Type};

/// Which database a store is on, read from the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// `postgres://` and `postgresql://` are PostgreSQL; anything else is SQLite.
    pub fn of(url: &str) -> Dialect {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else {
            Dialect::Sqlite
        }
    }

    /// A number read from a JSON text column (`data` of events, `state` of
    /// dialogue states): `$.a.b` becomes `json_extract(col, '$.a.b')` in
    /// SQLite and `(col::jsonb #>> '{a,b}')` in PostgreSQL (text there, so
    /// callers compare it with text or cast it).
    pub fn json_text(self, column: &str, path: &[&str]) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{}')", path.join(".")),
            Dialect::Postgres => format!("({column}::jsonb #>> '{{{}}}')", path.join(",")),
        }
    }

    /// A JSON boolean or 0/1 field as an integer 0/1 (NULL when absent).
    pub fn json_flag(self, column: &str, path: &[&str]) -> String {
        match self {
            Dialect::Sqlite => format!(
                "CAST(json_extract({column}, '$.{}') AS BIGINT)",
                path.join(".")
            ),
            Dialect::Postgres => format!(
                "(CASE ({column}::jsonb #>> '{{{}}}') WHEN 'true' THEN 1 WHEN '1' THEN 1 \
                 WHEN 'false' THEN 0 WHEN '0' THEN 0 END)",
                path.join(",")
            ),
        }
    }

    /// The column that orders a table's rows as they were inserted, where
    /// the table has no id of its own: SQLite's `rowid`, PostgreSQL's `seq`.
    pub fn insertion_order(self) -> &'static str {
        match self {
            Dialect::Sqlite => "rowid",
            Dialect::Postgres => "seq",
        }
    }

    /// The larger of two integer expressions.
    pub fn greatest(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Sqlite => format!("max({a}, {b})"),
            Dialect::Postgres => format!("GREATEST({a}, {b})"),
        }
    }

    /// How a write transaction begins: SQLite takes the write lock at once.
    pub fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }
}

/// A query assembled from pieces, with numbered placeholders.
pub(super) struct Sql<'q> {
    text: String,
    args: AnyArguments<'q>,
    count: usize,
    /// The first error met while binding, reported when the query runs.
    error: Option<sqlx::error::BoxDynError>,
}

impl<'q> Sql<'q> {
    pub fn new(start: impl Into<String>) -> Sql<'q> {
        Sql {
            text: start.into(),
            args: AnyArguments::default(),
            count: 0,
            error: None,
        }
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Appends a placeholder and binds `value` to it.
    pub fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        self.count += 1;
        self.text.push('$');
        self.text.push_str(&self.count.to_string());
        if let Err(e) = self.args.add(value) {
            self.error.get_or_insert(e);
        }
        self
    }

    /// `VALUES (…), (…)`: one parenthesised row per item, written by `row`.
    pub fn push_values<I, F>(&mut self, items: I, mut row: F) -> &mut Self
    where
        I: IntoIterator,
        F: FnMut(&mut Values<'_, 'q>, I::Item),
    {
        self.text.push_str("VALUES ");
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.text.push('(');
            row(
                &mut Values {
                    sql: self,
                    first: true,
                },
                item,
            );
            self.text.push(')');
        }
        self
    }

    /// The query, ready to run. Fails when a value could not be bound.
    pub fn build(&mut self) -> Result<Query<'_, Any, AnyArguments<'_>>, sqlx::Error> {
        if let Some(e) = self.error.take() {
            return Err(sqlx::Error::Encode(e));
        }
        Ok(sqlx::query_with(&self.text, std::mem::take(&mut self.args)))
    }

    #[cfg(test)]
    fn text(&self) -> &str {
        &self.text
    }
}

/// One row of [`Sql::push_values`]: its values, comma-separated.
pub(super) struct Values<'s, 'q> {
    sql: &'s mut Sql<'q>,
    first: bool,
}

impl<'q> Values<'_, 'q> {
    pub fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        if !self.first {
            self.sql.text.push_str(", ");
        }
        self.first = false;
        self.sql.push_bind(value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_across_pieces_and_rows() {
        let mut q = Sql::new("INSERT INTO t (a, b) ");
        q.push_values([(1_i64, "x"), (2, "y")], |row, (a, b)| {
            row.push_bind(a).push_bind(b);
        });
        q.push(" ON CONFLICT (a) DO UPDATE SET b = ");
        q.push_bind("z");
        assert_eq!(
            q.text(),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT (a) DO UPDATE SET b = $5"
        );
    }

    #[test]
    fn json_paths_in_both_dialects() {
        assert_eq!(
            Dialect::Sqlite.json_text("state", &["at", "step"]),
            "json_extract(state, '$.at.step')"
        );
        assert_eq!(
            Dialect::Postgres.json_text("state", &["at", "step"]),
            "(state::jsonb #>> '{at,step}')"
        );
        assert_eq!(Dialect::of("postgres://u@h/db"), Dialect::Postgres);
        assert_eq!(Dialect::of("sqlite://data/p.db"), Dialect::Sqlite);
    }
}
