//! JSON Schemas of the content files, generated from the serde types in [`super::file`].
//!
//! An editor that knows a file's schema completes field names, shows the `///`
//! comments of [`super::file`] on hover and underlines a misspelt field or a
//! wrong type while an admin types: VS Code's "Even Better TOML" extension
//! (Taplo) does, see the README. The schemas are shipped in `dialogues/schema/`
//! (a folder the loader skips); `tests/schema.rs` fails when they are out of
//! date and rewrites them with `POMICHNYK_WRITE_SCHEMA=1`.
//!
//! They are JSON Schema draft-07: Taplo validates with draft 4 to 7 (its docs
//! promise draft 4; 2020-12 `$defs` only works in recent versions).
//!
//! A schema accepts what the loader's parsing accepts (`deny_unknown_fields`
//! becomes `additionalProperties: false`) plus the simplest of `check`'s rules,
//! taken from the Rust code: how an id is spelt, the known kinds, actions,
//! services and weekdays, `columns` from 1 to 8. Everything that needs more than
//! one value — links between steps and files, languages, lengths — is left to
//! `pomichnyk check`.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::transform::transform_subschemas;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;

use super::fields::Localized;
use super::file::{DialogueFile, FaqFile, HubsFile};
use super::strings::Msg;

/// The schema of lessons, menus and flows: every file that is not one of the others.
pub const DIALOGUE: &str = "dialogue.schema.json";
/// The schema of the files under `faq/`.
pub const FAQ: &str = "faq.schema.json";
/// The schema of `hubs.toml`.
pub const HUBS: &str = "hubs.schema.json";
/// The schema of `strings.toml`.
pub const STRINGS: &str = "strings.schema.json";
/// The schema of the files under `courses/`.
pub const COURSE: &str = "course.schema.json";
/// The schema of `offers.toml`.
pub const OFFERS: &str = "offers.schema.json";
/// The schema of `synonyms.toml`.
pub const SYNONYMS: &str = "synonyms.schema.json";
/// The schema of `glossary.toml`.
pub const GLOSSARY: &str = "glossary.schema.json";

/// Every schema, as (file name in `dialogues/schema/`, pretty JSON ending in a newline).
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        (
            DIALOGUE,
            render(
                root::<DialogueFile>(),
                "Pomichnyk dialogue: a lesson, a menu or a flow",
            ),
        ),
        (FAQ, render(root::<FaqFile>(), "Pomichnyk FAQ file")),
        (HUBS, render(root::<HubsFile>(), "Pomichnyk library hubs")),
        (
            COURSE,
            render(
                root::<super::courses::CourseFile>(),
                "Pomichnyk course: lessons and a final test that lead to a certificate",
            ),
        ),
        (
            OFFERS,
            render(
                root::<super::courses::OffersFile>(),
                "Pomichnyk: partners' offers to certified residents",
            ),
        ),
        (
            SYNONYMS,
            render(
                root::<super::synonyms::SynonymsFile>(),
                "Pomichnyk: words residents use for the same thing",
            ),
        ),
        (
            GLOSSARY,
            render(
                root::<super::glossary::GlossaryFile>(),
                "Pomichnyk: words of the lessons, explained",
            ),
        ),
        (
            STRINGS,
            render(
                root::<StringsSchema>(),
                "Pomichnyk: the bot's own sentences",
            ),
        ),
    ]
}

/// The schema a content file is checked against, by its path relative to the
/// content folder, as the loader decides: `None` for a file the loader does not read.
pub fn for_path(relative: &std::path::Path) -> Option<&'static str> {
    if relative.extension().is_none_or(|e| e != "toml") {
        return None;
    }
    let parts: Vec<&str> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<_>>()?;
    let (_, folders) = parts.split_last()?;
    // The folders the loader skips (`schema/`, dot folders), at any depth.
    if folders.iter().any(|f| *f == "schema" || f.starts_with('.')) {
        return None;
    }
    Some(match (parts[0], !folders.is_empty()) {
        (super::limits::STRINGS_FILE, false) => STRINGS,
        (super::limits::HUBS_FILE, false) => HUBS,
        (super::synonyms::SYNONYMS_FILE, false) => SYNONYMS,
        (super::glossary::GLOSSARY_FILE, false) => GLOSSARY,
        (super::limits::FAQ_DIR, true) => FAQ,
        (super::courses::COURSES_DIR, true) => COURSE,
        (super::courses::OFFERS_FILE, false) => OFFERS,
        _ => DIALOGUE,
    })
}

fn root<T: JsonSchema>() -> Schema {
    SchemaSettings::draft07()
        .with_transform(for_editors)
        .into_generator()
        .into_root_schema_for::<T>()
}

/// Drops what only confuses an editor: `"default": null` (an absent optional field;
/// TOML has no null, and an editor would offer to write one) and the machine sizes
/// of numbers (`"format": "int64"`).
fn for_editors(schema: &mut Schema) {
    transform_subschemas(&mut for_editors, schema);
    if schema.get("default").is_some_and(Value::is_null) {
        schema.remove("default");
    }
    if schema
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| ["int64", "double"].contains(&f))
    {
        schema.remove("format");
    }
}

fn render(mut schema: Schema, title: &str) -> String {
    schema.insert("title".into(), title.into());
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema is plain JSON");
    text.push('\n');
    text
}

/// `strings.toml`: a `[key]` table per sentence, with its text per language.
struct StringsSchema;

impl JsonSchema for StringsSchema {
    fn schema_name() -> Cow<'static, str> {
        "StringsFile".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let text = generator.subschema_for::<Localized>().to_value();
        let properties: serde_json::Map<String, Value> = Msg::ALL
            .iter()
            .map(|msg| {
                let mut description = capitalized(msg.purpose());
                if !msg.params().is_empty() {
                    let names: Vec<String> =
                        msg.params().iter().map(|p| format!("{{{p}}}")).collect();
                    description.push_str(&format!(". May use: {}", names.join(", ")));
                }
                let mut property = text.clone();
                if let Some(object) = property.as_object_mut() {
                    object.insert("description".into(), description.into());
                }
                (msg.key().to_string(), property)
            })
            .collect();
        let required: Vec<&str> = Msg::ALL.iter().map(|m| m.key()).collect();
        json_schema!({
            "description": "Every sentence the bot says outside the dialogues: a `[key]` table \
                each, with the text per language. Words in {braces} are filled in by the bot; \
                keep them. Keys the bot does not use are allowed (check warns about them).",
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": text,
        })
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
