//! The schemas of single fields of the content files (a localized text, an id,
//! a kind, an action ...), which the serde types in [`super::file`] name with
//! `#[schemars(with = ...)]`. The simplest of `check`'s rules, taken from the
//! Rust code.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use super::{Action, Kind, Service, MAX_ID_LEN};

/// A text in each language, side by side: `text.uk = "..."`, `text.en = "..."`.
pub(crate) struct Localized;

impl JsonSchema for Localized {
    fn schema_name() -> Cow<'static, str> {
        "Localized".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A text in each language of the bot, by language code: \
                `text.uk = \"...\"`, `text.en = \"...\"`.",
            "type": "object",
            "additionalProperties": { "type": "string" },
        })
    }
}

/// A short name: a-z, 0-9 and `_`, at most [`MAX_ID_LEN`] characters (see [`super::valid_id`]).
pub(crate) struct Id;

impl JsonSchema for Id {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Id".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": format!("^[a-z0-9_]{{1,{MAX_ID_LEN}}}$"),
        })
    }
}

/// A dialogue's kind, as [`Kind::parse`] reads it.
pub(crate) struct KindName;

impl JsonSchema for KindName {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Kind".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // Listed by a match, so that a new kind does not compile until it is added here.
        let all = [Kind::Lesson, Kind::Menu, Kind::Flow].map(|k| match k {
            Kind::Lesson | Kind::Menu | Kind::Flow => k.as_str(),
        });
        enumeration(&all)
    }
}

/// The name of an [`Action`] a button triggers.
pub(crate) struct ActionName;

impl JsonSchema for ActionName {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Action".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        enumeration(&Action::ALL.map(Action::name))
    }
}

/// The name of a [`Service`] a hub offers.
pub(crate) struct ServiceName;

impl JsonSchema for ServiceName {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Service".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        enumeration(&Service::ALL.map(Service::name))
    }
}

/// A day of the week in `[hubs.hours]`.
pub(crate) struct Weekday;

impl JsonSchema for Weekday {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Weekday".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        enumeration(&["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    }
}

/// Opening hours, "09:00-13:00". The loader parses both times; the schema only
/// catches what can never be one, such as a dash other than `-`.
pub(crate) struct Interval;

impl JsonSchema for Interval {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Interval".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "From and until, such as \"09:00-13:00\".",
            "type": "string",
            "pattern": "^[^-]+-[^-]+$",
        })
    }
}

/// A web address a button opens.
pub(crate) struct WebAddress;

impl JsonSchema for WebAddress {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "WebAddress".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^https://",
        })
    }
}

fn enumeration(names: &[&str]) -> Schema {
    json_schema!({
        "type": "string",
        "enum": names,
    })
}
