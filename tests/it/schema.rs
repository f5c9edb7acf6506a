//! The editor schemas in `dialogues/schema/` (src/script/schema.rs): they are up
//! to date with the Rust types, every shipped content file passes its schema,
//! and what the loader refuses the schema refuses too.
//!
//! `POMICHNYK_WRITE_SCHEMA=1 cargo test --test schema` rewrites the shipped
//! schemas after a change to the file types.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::{content_copy, languages, shipped_dir};
use pomichnyk::script::{self, schema};
use serde_json::Value;

const WRITE: &str = "POMICHNYK_WRITE_SCHEMA";

fn schema_dir() -> PathBuf {
    shipped_dir().join("schema")
}

/// The generated schemas, compiled, by file name.
fn validators() -> BTreeMap<&'static str, jsonschema::Validator> {
    schema::all()
        .into_iter()
        .map(|(name, text)| {
            let json: Value = serde_json::from_str(&text).expect("a schema is JSON");
            if let Err(e) = jsonschema::meta::validate(&json) {
                panic!("{name} is not a valid JSON Schema: {e}");
            }
            let validator = jsonschema::draft7::new(&json)
                .unwrap_or_else(|e| panic!("{name} does not compile: {e}"));
            (name, validator)
        })
        .collect()
}

/// Every problem `validator` finds in a TOML text, as "/json/pointer: message".
fn problems(validator: &jsonschema::Validator, toml_text: &str) -> Vec<String> {
    let json: Value = toml::from_str(toml_text).expect("the test's TOML parses");
    validator
        .iter_errors(&json)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Every `.toml` file the loader reads, as (path relative to the content folder, text):
/// the same walk as `content::load_dir` (no `schema/`, no dot folders).
fn content_files(dir: &Path) -> Vec<(PathBuf, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if name != "schema" && !name.starts_with('.') {
                    walk(root, &path, out);
                }
            } else if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).expect("read");
                let relative = path.strip_prefix(root).expect("below root").to_path_buf();
                out.push((relative, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn the_shipped_schemas_are_up_to_date() {
    let write = std::env::var_os(WRITE).is_some_and(|v| !v.is_empty() && v != "0");
    let dir = schema_dir();
    let generated = schema::all();
    let mut stale = Vec::new();
    for (name, text) in &generated {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if write {
            std::fs::create_dir_all(&dir).expect("mkdir dialogues/schema");
            std::fs::write(&path, text).expect("write the schema");
            eprintln!("wrote {}", path.display());
        } else {
            stale.push(path.display().to_string());
        }
    }
    // A schema the code no longer generates must not linger for editors to use.
    for entry in std::fs::read_dir(&dir).expect("dialogues/schema exists") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".schema.json") && !generated.iter().any(|(g, _)| *g == name) {
            if write {
                std::fs::remove_file(&path).expect("remove an old schema");
                eprintln!("removed {}", path.display());
            } else {
                stale.push(format!("{} (no longer generated)", path.display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "the editor schemas differ from the Rust types in src/script/file.rs: {stale:#?}\n\
         regenerate them with `{WRITE}=1 cargo test --test schema` and commit dialogues/schema/"
    );
}

#[test]
fn every_shipped_file_passes_its_schema() {
    let validators = validators();
    let files = content_files(&shipped_dir());
    let mut used = BTreeMap::new();
    let mut failures = Vec::new();
    for (relative, text) in &files {
        let name = schema::for_path(relative).expect("a .toml file has a schema");
        *used.entry(name).or_insert(0) += 1;
        for problem in problems(&validators[name], text) {
            failures.push(format!("{} ({name}) {problem}", relative.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "shipped files fail their schema: {failures:#?}"
    );
    // Each schema was tried on at least one real file.
    for name in validators.keys() {
        assert!(
            used.contains_key(name),
            "no shipped file uses {name}: {used:?}"
        );
    }
    // The walk above reads the files the loader reads, no more, no fewer.
    let report = pomichnyk::content::load_dir(&shipped_dir(), &languages());
    assert_eq!(
        files.len(),
        report.files,
        "files walked vs files the loader read"
    );
}

#[test]
fn files_map_to_schemas_as_the_loader_reads_them() {
    let cases = [
        ("strings.toml", Some(schema::STRINGS)),
        ("hubs.toml", Some(schema::HUBS)),
        ("faq/safety.toml", Some(schema::FAQ)),
        ("lessons/phishing.toml", Some(schema::DIALOGUE)),
        ("menus/main.toml", Some(schema::DIALOGUE)),
        ("flows/selfcheck.toml", Some(schema::DIALOGUE)),
        ("a_top_level_dialogue.toml", Some(schema::DIALOGUE)),
        ("lessons/strings.toml", Some(schema::DIALOGUE)),
        ("faq.toml", Some(schema::DIALOGUE)),
        ("schema/dialogue.schema.json", None),
        ("schema/old.toml", None),
        ("lessons/.drafts/new.toml", None),
        ("notes.txt", None),
    ];
    for (path, expected) in cases {
        assert_eq!(schema::for_path(Path::new(path)), expected, "{path}");
    }
}

/// Edits of real shipped files, each a mistake the loader refuses: `(file, from, to)`.
/// The first ones fail when parsing (serde: unknown fields, wrong types, missing
/// fields), the rest in `check` (spelling of ids, kinds, actions, services, weekdays).
const MISTAKES: &[(&str, &str, &str)] = &[
    // A misspelt field in a step.
    ("lessons/passwords.toml", "\nnext = ", "\nnxt = "),
    // A misspelt field at the top of a dialogue.
    ("lessons/passwords.toml", "\ntitle.uk = ", "\ntitel.uk = "),
    // A misspelt field in a button.
    ("menus/main.toml", "\ndialogue = ", "\ndialog = "),
    // A wrong type: a number where an id goes.
    ("lessons/passwords.toml", "\nnext = \"", "\nnext = 7 #\""),
    // A wrong type: a text given as a plain string, not per language.
    (
        "lessons/passwords.toml",
        "title.uk = \"Надійні паролі та двоетапна перевірка\"\ntitle.en = ",
        "title = ",
    ),
    // `columns` as text.
    ("menus/main.toml", "columns = 2", "columns = \"2\""),
    // A quiz option without its explanation.
    (
        "lessons/passwords.toml",
        "\nexplain.uk = ",
        "\nexplained.uk = ",
    ),
    // A misspelt field in an FAQ entry.
    ("faq/safety.toml", "\nquestions.uk = ", "\nquestion.uk = "),
    // A misspelt field in a hub.
    ("hubs.toml", "\nsettlement.uk = ", "\nsettlment.uk = "),
    // A sentence as a plain string in strings.toml.
    (
        "strings.toml",
        "[welcome]\n",
        "welcome = \"Hi\"\n[welcome_old]\n",
    ),
    // A kind the bot does not know.
    (
        "lessons/passwords.toml",
        "kind = \"lesson\"",
        "kind = \"lessen\"",
    ),
    // An id with a capital letter.
    ("lessons/passwords.toml", "\nid = \"", "\nid = \"X"),
    // An action the bot does not know.
    (
        "menus/main.toml",
        "action = \"progress\"",
        "action = \"progres\"",
    ),
    // Too many buttons in a row.
    ("menus/main.toml", "columns = 2", "columns = 9"),
    // A service the bot does not know, in a hub.
    ("hubs.toml", "services = [\"", "services = [\"coffee\", \""),
    // A service the bot does not know, in the names of services.
    ("hubs.toml", "[services.computers]", "[services.computer]"),
];

#[test]
fn what_the_loader_refuses_the_schema_refuses() {
    let validators = validators();
    for &(file, from, to) in MISTAKES {
        let original =
            std::fs::read_to_string(shipped_dir().join(file)).expect("a shipped file to edit");
        assert!(original.contains(from), "{file} has no {from:?} to edit");
        let broken = original.replacen(from, to, 1);

        // The loader refuses it...
        let dir = content_copy();
        std::fs::write(dir.path().join(file), &broken).expect("write");
        let report = pomichnyk::content::load_dir(dir.path(), &languages());
        let errors: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == script::Severity::Error && d.path.ends_with(file))
            .map(|d| d.to_string())
            .collect();
        assert!(
            !errors.is_empty(),
            "the loader accepts {file} with {from:?} → {to:?}; this case tests nothing"
        );

        // ...and so does the schema, so an editor shows the mistake while typing.
        let name = schema::for_path(Path::new(file)).expect("schema");
        let found = problems(&validators[name], &broken);
        assert!(
            !found.is_empty(),
            "{name} accepts {file} with {from:?} → {to:?}, which the loader refuses: {errors:#?}"
        );
    }
}

/// Edits the loader takes without an error: the schema must take them too, or an
/// editor would underline what is right. `(file, from, to)`.
const ALLOWED: &[(&str, &str, &str)] = &[
    // The widest row.
    ("menus/main.toml", "columns = 2", "columns = 8"),
    // Spaces around the dash of opening hours.
    ("hubs.toml", "tue = [\"09:00-12:00\"]", "tue = [\"09:00 - 12:00\"]"),
    // A language that is not configured (a warning only).
    ("lessons/passwords.toml", "\ntitle.en = ", "\ntitle.de = \"Passwörter\"\ntitle.en = "),
    // A sentence the bot does not use (a warning only).
    ("strings.toml", "[welcome]\n", "[old_greeting]\nuk = \"Привіт\"\nen = \"Hi\"\n\n[welcome]\n"),
    // A hub without hours, phone or coordinates (warnings only).
    ("hubs.toml", "[hubs.hours]\nmon = []\ntue = [\"09:00-12:00\"]\nwed = []\nthu = [\"14:00-17:00\"]\nfri = []\nsat = []\nsun = []\n", ""),
];

#[test]
fn what_the_loader_takes_the_schema_takes() {
    let validators = validators();
    for &(file, from, to) in ALLOWED {
        let original =
            std::fs::read_to_string(shipped_dir().join(file)).expect("a shipped file to edit");
        assert!(original.contains(from), "{file} has no {from:?} to edit");
        let edited = original.replacen(from, to, 1);

        let dir = content_copy();
        std::fs::write(dir.path().join(file), &edited).expect("write");
        let report = pomichnyk::content::load_dir(dir.path(), &languages());
        let errors: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == script::Severity::Error)
            .map(|d| d.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "the loader refuses {file} with {from:?} → {to:?}: {errors:#?}"
        );

        let name = schema::for_path(Path::new(file)).expect("schema");
        let found = problems(&validators[name], &edited);
        assert!(
            found.is_empty(),
            "{name} refuses {file} with {from:?} → {to:?}, which the loader takes: {found:#?}"
        );
    }
}

#[test]
fn the_readme_example_lesson_passes() {
    let readme = readme();
    let start = readme
        .find("```toml\nid = \"scam_calls\"")
        .expect("the README's example lesson");
    let body = &readme[start + "```toml\n".len()..];
    let lesson = &body[..body.find("```").expect("end of the example")];
    let validators = validators();
    let found = problems(&validators[schema::DIALOGUE], lesson);
    assert!(found.is_empty(), "{found:#?}");
}

/// The README's `#:schema` first lines: (a file they go in, the line).
const DIRECTIVES: &[(&str, &str)] = &[
    (
        "lessons/phishing.toml",
        "#:schema ../schema/dialogue.schema.json",
    ),
    ("menus/main.toml", "#:schema ../schema/dialogue.schema.json"),
    (
        "flows/selfcheck.toml",
        "#:schema ../schema/dialogue.schema.json",
    ),
    ("a_dialogue.toml", "#:schema ./schema/dialogue.schema.json"),
    ("faq/safety.toml", "#:schema ../schema/faq.schema.json"),
    ("hubs.toml", "#:schema ./schema/hubs.schema.json"),
    ("synonyms.toml", "#:schema ./schema/synonyms.schema.json"),
    ("strings.toml", "#:schema ./schema/strings.schema.json"),
];

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

#[test]
fn the_readme_schema_lines_point_at_the_right_schemas() {
    let readme = readme();
    let dir = content_copy();
    for &(file, line) in DIRECTIVES {
        assert!(readme.contains(&format!("`{line}`")), "README lacks {line}");
        let relative = line.trim_start_matches("#:schema ");
        let parent = Path::new(file).parent().expect("parent");
        let resolved = shipped_dir().join(parent).join(relative);
        let expected = schema::for_path(Path::new(file)).expect("schema");
        assert!(
            resolved.ends_with(Path::new("schema").join(expected)) && resolved.exists(),
            "{file}: {line} should reach schema/{expected}"
        );
        // To the bot the line is a comment.
        let path = dir.path().join(file);
        if let Ok(text) = std::fs::read_to_string(&path) {
            std::fs::write(&path, format!("{line}\n{text}")).expect("write");
        }
    }
    let report = pomichnyk::content::load_dir(dir.path(), &languages());
    assert!(report.script.is_some(), "{:#?}", report.diagnostics);

    // The `.taplo.toml` example: every rule names a shipped schema.
    let start = readme
        .find("```toml\n[[rule]]")
        .expect("the .taplo.toml example");
    let body = &readme[start + "```toml\n".len()..];
    let taplo: toml::Table = toml::from_str(&body[..body.find("```").expect("end")])
        .expect("the .taplo.toml example parses");
    let rules = taplo["rule"].as_array().expect("[[rule]]");
    assert_eq!(rules.len(), schema::all().len());
    for rule in rules {
        let path = rule["schema"]["path"].as_str().expect("schema.path");
        let include = rule["include"].as_array().expect("include");
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(path).exists(),
            "{path}"
        );
        for glob in include {
            let glob = glob.as_str().expect("a glob");
            let example = glob
                .trim_start_matches("dialogues/")
                .replace("**/", "")
                .replace('*', "x");
            let expected = schema::for_path(Path::new(&example)).expect("schema");
            assert!(path.ends_with(expected), "{glob} → {path}, not {expected}");
        }
    }
}

#[test]
fn descriptions_reach_the_editor() {
    let all: BTreeMap<_, _> = schema::all().into_iter().collect();
    let dialogue: Value = serde_json::from_str(&all[schema::DIALOGUE]).expect("JSON");
    let step = &dialogue["definitions"]["StepFile"];
    assert_eq!(step["additionalProperties"], Value::Bool(false));
    let next = step["properties"]["next"]["description"]
        .as_str()
        .expect("`next` has a description");
    assert!(next.contains("step"), "{next}");
    let strings: Value = serde_json::from_str(&all[schema::STRINGS]).expect("JSON");
    let done = strings["properties"]["lesson_done"]["description"]
        .as_str()
        .expect("a sentence has its purpose as description");
    assert!(done.contains("{correct}"), "{done}");
}
