//! `pomichnyk check`: each class of problem in a broken file is reported with
//! its path, line and column, and the shipped content passes.

use std::path::Path;
use std::process::Command;

use crate::support::{content_copy, languages};

/// Writes `files` over a copy of the shipped content and returns every
/// diagnostic as `relative/path:line:col: severity: message`.
fn diagnose(files: &[(&str, &str)]) -> Vec<String> {
    let dir = content_copy();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let report = pomichnyk::content::load_dir(dir.path(), &languages());
    let prefix = format!("{}/", dir.path().display());
    let all: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| d.to_string().replace(&prefix, ""))
        .collect();
    let has_errors = all.iter().any(|l| l.contains(": error: "));
    assert_eq!(
        report.script.is_some(),
        !has_errors,
        "a script is given exactly when there are no errors"
    );
    // The shipped content's own warnings (facts about hubs no source gives yet) are not
    // what these tests are about; errors anywhere are kept.
    all.into_iter()
        .filter(|l| {
            l.contains(": error: ")
                || files
                    .iter()
                    .any(|(path, _)| l.starts_with(&format!("{path}:")))
        })
        .collect()
}

fn assert_reported(lines: &[String], expected: &str) {
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(expected) || l == expected),
        "expected a line starting with\n  {expected}\ngot:\n  {}",
        lines.join("\n  ")
    );
}

/// A small valid lesson; tests replace parts of it.
const LESSON: &str = r#"id = "demo"
kind = "lesson"
title = { uk = "Демо", en = "Demo" }
checked = "2026-12"

[[steps]]
id = "intro"
text.uk = "Привіт"
text.en = "Hello"
next = "q"

[[steps]]
id = "q"
text.uk = "Питання?"
text.en = "Question?"
next = "done"

[[steps.options]]
text.uk = "Так"
text.en = "Yes"
correct = true
explain.uk = "Добре"
explain.en = "Good"

[[steps.options]]
text.uk = "Ні"
text.en = "No"
explain.uk = "Погано"
explain.en = "Bad"

[[steps.options]]
text.uk = "Не знаю"
text.en = "Not sure"
explain.uk = "Подумайте ще"
explain.en = "Think again"

[[steps]]
id = "done"
end = true
text.uk = "Кінець"
text.en = "The end"
"#;

#[test]
fn the_small_lesson_is_valid_but_not_linked() {
    let lines = diagnose(&[("lessons/demo.toml", LESSON)]);
    assert_eq!(
        lines,
        vec!["lessons/demo.toml:1:1: warning: lesson \"demo\" is not linked from any menu; residents can open it only by a link"]
    );
}

#[test]
fn syntax_error() {
    let broken = LESSON.replace("text.en = \"Hello\"", "text.en = \"Hello");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(&lines, "lessons/demo.toml:9:");
    assert!(lines[0].contains(": error: "), "{lines:?}");
}

#[test]
fn misspelt_key() {
    let broken = LESSON.replace("next = \"q\"", "nxt = \"q\"");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(&lines, "lessons/demo.toml:10:1: error: unknown field `nxt`");
}

#[test]
fn wrong_kind() {
    let broken = LESSON.replace("kind = \"lesson\"", "kind = \"lecture\"");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:2:8: error: kind \"lecture\" is not one of",
    );
}

#[test]
fn bad_and_duplicate_ids() {
    let broken = LESSON.replace("id = \"demo\"", "id = \"Demo Lesson\"");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:1:6: error: dialogue id \"Demo Lesson\" must be 1 to 24 characters",
    );

    let lines = diagnose(&[
        ("lessons/demo.toml", LESSON),
        ("lessons/demo2.toml", LESSON),
    ]);
    assert_reported(
        &lines,
        "lessons/demo2.toml:1:6: error: dialogue id \"demo\" is already used by",
    );

    let broken = LESSON.replace("id = \"q\"", "id = \"intro\"");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:13:6: error: step id \"intro\" is used twice in this dialogue",
    );
}

#[test]
fn links_to_missing_steps_dialogues_and_actions() {
    let broken = LESSON.replace("next = \"q\"", "next = \"qq\"");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:10:8: error: step \"intro\": next \"qq\": there is no such step in this dialogue",
    );

    let broken = LESSON.replace(
        "next = \"q\"",
        "next = \"q\"\n[[steps.buttons]]\nlabel.uk = \"Інше\"\nlabel.en = \"Other\"\ndialogue = \"nowhere\"",
    );
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(&lines, "lessons/demo.toml:14:12: error: step \"intro\", button 1: there is no dialogue \"nowhere\"");

    let broken = LESSON.replace(
        "next = \"q\"",
        "next = \"q\"\n[[steps.buttons]]\nlabel.uk = \"Інше\"\nlabel.en = \"Other\"\naction = \"fly\"",
    );
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(&lines, "lessons/demo.toml:14:10: error: unknown action \"fly\"; the bot knows: progress, language, help");
}

#[test]
fn unreachable_and_dead_end_steps() {
    let broken = LESSON.replace(
        "[[steps]]\nid = \"done\"",
        "[[steps]]\nid = \"lost\"\ntext.uk = \"Загублений\"\ntext.en = \"Lost\"\n\n[[steps]]\nid = \"done\"",
    );
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:38:6: error: step \"lost\" has no way forward",
    );
    assert_reported(
        &lines,
        "lessons/demo.toml:38:6: warning: step \"lost\" cannot be reached from the start",
    );
}

#[test]
fn quiz_with_no_or_two_correct_options() {
    let broken = LESSON.replace("correct = true\n", "");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:13:6: error: step \"q\": no option is marked `correct = true`",
    );

    let broken = LESSON.replace("text.en = \"No\"\n", "text.en = \"No\"\ncorrect = true\n");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:13:6: error: step \"q\": 2 options are marked correct; mark one, or set `several_correct = true`",
    );
    let allowed = broken.replace("next = \"done\"", "next = \"done\"\nseveral_correct = true");
    assert_eq!(
        diagnose(&[("lessons/demo.toml", &allowed)])
            .iter()
            .filter(|l| l.contains("error"))
            .count(),
        0
    );
}

#[test]
fn text_missing_in_a_language() {
    let broken = LESSON.replace("text.en = \"Hello\"\n", "");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:8:1: error: step \"intro\": text has no text in \"en\"",
    );

    let broken = LESSON.replace("explain.en = \"Bad\"\n", "explain.en = \"\"\n");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:29:14: error: step \"q\", option 2: explain (en) is empty",
    );
}

#[test]
fn telegram_limits() {
    let long = "а".repeat(4100);
    let broken = LESSON.replace("text.uk = \"Привіт\"", &format!("text.uk = \"{long}\""));
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:8:11: error: step \"intro\": text (uk) has 4100 characters; Telegram allows 4096",
    );

    let broken = LESSON.replace(
        "text.uk = \"Так\"",
        "text.uk = \"Так, безумовно, я з цим цілком і повністю погоджуюся\"",
    );
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:19:1: warning: step \"q\", option 1: text (uk) has 52 characters",
    );

    let broken = LESSON.replace(
        "text.uk = \"Так\"",
        &format!("text.uk = \"{}\"", "т".repeat(70)),
    );
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(&lines, "lessons/demo.toml:19:1: error: step \"q\", option 1: text (uk) has 70 characters; a button holds at most 64");

    let broken = LESSON.replace("next = \"q\"", "next = \"q\"\ncolumns = 9");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:11:11: error: columns = 9: a row holds 1 to 8 buttons",
    );

    let broken = LESSON.replace("text.uk = \"Привіт\"", "text.uk = \"**Увага: привіт\"");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(&lines, "lessons/demo.toml:8:11: error: step \"intro\": text (uk): a `**` that starts bold text has no closing `**`");
}

#[test]
fn a_lesson_that_never_ends() {
    let broken = LESSON.replace("end = true\n", "next = \"intro\"\n");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:1:6: error: this lesson never ends",
    );
}

#[test]
fn missing_strings_and_menus() {
    let dir = content_copy();
    let strings = std::fs::read_to_string(dir.path().join("strings.toml")).expect("read");
    let without = strings.replace("[quiz_right]", "[quiz_rihgt]");
    let without = without.replace("{title} — розпочато", "{name} — розпочато");
    std::fs::write(dir.path().join("strings.toml"), without).expect("write");
    std::fs::remove_file(dir.path().join("menus/main.toml")).expect("remove");
    let report = pomichnyk::content::load_dir(dir.path(), &languages());
    let prefix = format!("{}/", dir.path().display());
    let lines: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| d.to_string().replace(&prefix, ""))
        .collect();
    assert!(report.script.is_none());
    assert_reported(&lines, "strings.toml:1:1: error: missing [quiz_right]: put before the explanation of a right answer");
    assert_reported(&lines, "strings.toml:");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("warning: [quiz_rihgt] is not used by the bot")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("error: [progress_started] (uk) uses {name}, which is never filled in; allowed: {title}")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.ends_with("error: no dialogue with id \"main\": the bot opens it for /menu")),
        "{lines:#?}"
    );
}

#[test]
fn a_language_not_configured_is_a_warning() {
    let broken = LESSON.replace(
        "text.en = \"Hello\"",
        "text.en = \"Hello\"\ntext.de = \"Hallo\"",
    );
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(&lines, "lessons/demo.toml:10:11: warning: step \"intro\": text: language \"de\" is not in locale.languages");
}

#[test]
fn every_problem_is_reported_not_only_the_first() {
    let broken = LESSON
        .replace("next = \"q\"", "next = \"qq\"")
        .replace("correct = true\n", "")
        .replace("text.en = \"The end\"\n", "");
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    let errors = lines.iter().filter(|l| l.contains(": error: ")).count();
    assert!(errors >= 3, "{lines:#?}");
}

fn pomichnyk(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run pomichnyk")
}

#[test]
fn the_command_passes_on_the_shipped_content() {
    let out = pomichnyk(&["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("errors: 0,"), "{stdout}");
    // The only warnings are the facts about hubs that no source gives yet (for admins to
    // fill in); lessons, menus, strings and the FAQ have none.
    for line in stdout.lines().filter(|l| l.contains(": warning: ")) {
        assert!(line.starts_with("dialogues/hubs.toml:"), "{line}");
    }
}

#[test]
fn the_command_fails_and_prints_path_line_col() {
    let dir = content_copy();
    let broken = LESSON.replace("next = \"q\"", "next = \"qq\"");
    std::fs::write(dir.path().join("lessons/demo.toml"), broken).expect("write");
    let path = dir.path().to_string_lossy().to_string();
    let out = pomichnyk(&["check", &path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let expected = format!(
        "{}:10:8: error: step \"intro\": next \"qq\": there is no such step in this dialogue",
        Path::new(&path).join("lessons/demo.toml").display()
    );
    assert!(stdout.lines().any(|l| l == expected), "{stdout}");
    assert!(stdout.contains("errors: 1,"), "{stdout}");
}

#[test]
fn the_readme_example_lesson_is_valid() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let example = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.starts_with("id = "))
        .expect("a complete lesson in the README");
    let lines = diagnose(&[("lessons/example.toml", example)]);
    assert!(lines.iter().all(|l| !l.contains(": error: ")), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("is not linked from any menu")),
        "{lines:#?}"
    );
}

#[test]
fn readability_limits_are_warnings() {
    let long_message = format!("{}.", "Слово ".repeat(5).trim()).repeat(30);
    let broken = LESSON.replace(
        "text.uk = \"Привіт\"",
        &format!("text.uk = \"{long_message}\""),
    );
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:8:11: warning: step \"intro\": text (uk) has 900 characters; keep a message under 600, one idea each",
    );

    let long_sentence = "Це дуже довге речення, у якому слів значно більше, ніж потрібно, щоб людина легко зрозуміла його з першого разу на маленькому екрані телефона.";
    let broken = LESSON.replace(
        "explain.uk = \"Погано\"",
        &format!("explain.uk = \"{long_sentence}\""),
    );
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    assert_reported(&lines, "lessons/demo.toml:28:14: warning: step \"q\", option 2: explain (uk): a sentence of more than 20 words");
    assert!(lines.iter().all(|l| !l.contains(": error: ")), "{lines:#?}");
}

const FAQ: &str = r#"[[entries]]
id = "test_cvv"
topic = "cards"
questions.uk = ["Що таке CVV-код?", "які три цифри на звороті картки", "кому можна казати cvv"]
questions.en = ["What is a CVV code?", "the three digits on the back of my card", "who can I tell my CVV to"]
answer.uk = "Три цифри на звороті картки. Не кажіть їх нікому."
answer.en = "The three digits on the back of your card. Tell them to nobody."
lesson = "online_banking"
"#;

#[test]
fn a_valid_faq_entry_passes() {
    let lines = diagnose(&[("faq/test_cards.toml", FAQ)]);
    assert!(
        lines.iter().all(|l| !l.contains("faq/test_cards.toml")),
        "{lines:#?}"
    );
}

#[test]
fn faq_problems_are_reported() {
    let duplicate = FAQ.replace("Що таке CVV-код?", "Що таке CVV?");
    let lines = diagnose(&[("faq/test_a.toml", FAQ), ("faq/test_b.toml", &duplicate)]);
    assert_reported(
        &lines,
        "faq/test_b.toml:2:6: error: FAQ id \"test_cvv\" is already used in",
    );

    let no_english = FAQ.replace(
        "answer.en = \"The three digits on the back of your card. Tell them to nobody.\"\n",
        "",
    );
    let lines = diagnose(&[("faq/test_cards.toml", &no_english)]);
    assert_reported(
        &lines,
        "faq/test_cards.toml:6:1: error: FAQ \"test_cvv\": answer has no text in \"en\"",
    );

    let no_lesson = FAQ.replace("lesson = \"online_banking\"", "lesson = \"online_bank\"");
    let lines = diagnose(&[("faq/test_cards.toml", &no_lesson)]);
    assert_reported(
        &lines,
        "faq/test_cards.toml:8:10: error: FAQ \"test_cvv\": there is no lesson \"online_bank\"",
    );

    let few = FAQ.replace(", \"кому можна казати cvv\"", "");
    let lines = diagnose(&[("faq/test_cards.toml", &few)]);
    assert_reported(
        &lines,
        "faq/test_cards.toml:4:1: warning: FAQ \"test_cvv\": only 2 way(s) to ask in \"uk\"",
    );

    let goto = format!(
        "{FAQ}\n[[entries.buttons]]\nlabel.uk = \"Далі\"\nlabel.en = \"Next\"\ngoto = \"x\"\n"
    );
    let lines = diagnose(&[("faq/test_cards.toml", &goto)]);
    assert_reported(&lines, "faq/test_cards.toml:13:8: error: FAQ \"test_cvv\", button 1: an answer has no steps to `goto`");
}

const HUB: &str = r#"[[hubs]]
id = "test_hub"
name.uk = "Бібліотека"
name.en = "Library"
address.uk = "вул. Тестова, 1"
address.en = "1 Test Street"
settlement.uk = "Хмельницький"
settlement.en = "Khmelnytskyi"
latitude = 49.42
longitude = 26.98
phone = "+380 00 000 00 00"
services = ["wifi"]
verified = true
source = "a test"

[hubs.hours]
mon = ["09:00-13:00", "14:00-18:00"]
tue = ["09:00-18:00"]
wed = ["09:00-18:00"]
thu = ["09:00-18:00"]
fri = ["09:00-18:00"]
sat = []
sun = []

[services.wifi]
name.uk = "Wi-Fi"
name.en = "Wi-Fi"
words.uk = ["вайфай"]
"#;

fn hub_lines(hub: &str) -> Vec<String> {
    diagnose(&[("hubs.toml", hub)])
        .into_iter()
        .filter(|l| l.starts_with("hubs.toml"))
        .collect()
}

#[test]
fn a_complete_hub_has_no_warnings() {
    assert_eq!(hub_lines(HUB), Vec::<String>::new());
}

#[test]
fn hub_problems_are_reported() {
    let zero = HUB
        .replace("latitude = 49.42", "latitude = 0.0")
        .replace("longitude = 26.98", "longitude = 0.0");
    assert_reported(
        &hub_lines(&zero),
        "hubs.toml:9:12: error: hub \"test_hub\": 0, 0 is not in Ukraine",
    );
    let abroad = HUB
        .replace("latitude = 49.42", "latitude = 52.52")
        .replace("longitude = 26.98", "longitude = 13.40");
    assert_reported(
        &hub_lines(&abroad),
        "hubs.toml:9:12: error: hub \"test_hub\": 52.52, 13.4 is not in Ukraine",
    );
    let approximate = HUB.replace("verified = true", "verified = true\napproximate = true");
    assert_reported(
        &hub_lines(&approximate),
        "hubs.toml:9:12: warning: hub \"test_hub\": the coordinates are approximate",
    );
    let bad_hours = HUB.replace("\"14:00-18:00\"]", "\"18:00-14:00\"]");
    assert_reported(
        &hub_lines(&bad_hours),
        "hubs.toml:17:23: error: hub \"test_hub\": \"18:00-14:00\" is not an interval",
    );
    let bad_service = HUB.replace("[\"wifi\"]", "[\"coffee\"]");
    assert_reported(
        &hub_lines(&bad_service),
        "hubs.toml:12:13: error: hub \"test_hub\": unknown service \"coffee\"",
    );
    let unnamed = HUB.replace(
        "[services.wifi]\nname.uk = \"Wi-Fi\"\nname.en = \"Wi-Fi\"\nwords.uk = [\"вайфай\"]\n",
        "",
    );
    assert_reported(
        &hub_lines(&unnamed),
        "hubs.toml:1:1: warning: service \"wifi\" has no [services.wifi] name",
    );
    let coffee = format!("{HUB}\n[services.coffee]\nname.uk = \"кава\"\nname.en = \"coffee\"\n");
    assert_reported(
        &hub_lines(&coffee),
        "hubs.toml:30:1: error: unknown service \"coffee\"; known: computers",
    );
    let nameless = HUB.replace("name.en = \"Wi-Fi\"\n", "");
    assert_reported(
        &hub_lines(&nameless),
        "hubs.toml:26:1: error: service \"wifi\": name has no text in \"en\"",
    );
    let unknown = HUB
        .replace("phone = \"+380 00 000 00 00\"\n", "")
        .replace("verified = true", "verified = false");
    let lines = hub_lines(&unknown);
    assert_reported(
        &lines,
        "hubs.toml:2:6: warning: hub \"test_hub\": no phone number",
    );
    assert_reported(
        &lines,
        "hubs.toml:2:6: warning: hub \"test_hub\": not verified yet",
    );
}

#[test]
fn an_faq_entry_may_point_to_a_lesson_instead_of_answering() {
    let pointer = FAQ
        .replace(
            "answer.uk = \"Три цифри на звороті картки. Не кажіть їх нікому.\"\n",
            "",
        )
        .replace(
            "answer.en = \"The three digits on the back of your card. Tell them to nobody.\"\n",
            "",
        );
    let lines = diagnose(&[("faq/test_cards.toml", &pointer)]);
    assert!(
        lines.iter().all(|l| !l.contains("faq/test_cards.toml")),
        "{lines:#?}"
    );
    let nothing = pointer.replace("lesson = \"online_banking\"\n", "");
    let lines = diagnose(&[("faq/test_cards.toml", &nothing)]);
    assert_reported(
        &lines,
        "faq/test_cards.toml:2:6: error: FAQ \"test_cvv\": give an `answer`, or a `lesson` that answers it",
    );
}

#[test]
fn a_link_button_needs_an_https_address() {
    let link = |url: &str| {
        format!("{FAQ}\n[[entries.buttons]]\nlabel.uk = \"Сайт\"\nlabel.en = \"Site\"\nurl = \"{url}\"\n")
    };
    let lines = diagnose(&[("faq/test_cards.toml", &link("https://bank.gov.ua"))]);
    assert!(
        lines.iter().all(|l| !l.contains("faq/test_cards.toml")),
        "{lines:#?}"
    );
    for bad in ["http://bank.gov.ua", "bank.gov.ua", "javascript:alert(1)"] {
        let lines = diagnose(&[("faq/test_cards.toml", &link(bad))]);
        assert_reported(
            &lines,
            &format!("faq/test_cards.toml:13:7: error: FAQ \"test_cvv\", button 1: \"{bad}\" is not a web address starting with https://"),
        );
    }
}

#[tokio::test]
async fn residents_on_a_step_the_files_remove_are_counted_from_the_database() {
    use pomichnyk::engine::{Position, State};
    use pomichnyk::store::{Commit, Store};
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bot.db");
    let url = format!("sqlite://{}", db.display());
    let store = Store::open(&url).await.expect("store");
    // Two residents stand on a step an older version of the lesson had, one on a step it still has.
    let at = |step: &str| State {
        at: Some(Position {
            dialogue: "phishing".into(),
            step: step.into(),
            wrong: 0,
        }),
        ..State::default()
    };
    for (user, step) in [(1, "old_step"), (2, "old_step"), (3, "intro")] {
        let state = at(step);
        store
            .commit(Commit {
                user,
                now: 1_780_000_000,
                state: &state,
                events: &[],
            })
            .await
            .expect("commit");
    }
    store.close().await;

    let out = Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("check")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .env("POMICHNYK__DATABASE__URL", &url)
        .output()
        .expect("run pomichnyk");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "dialogues:1:1: warning: 2 resident(s) in the database stand on steps these files \
             remove: phishing/old_step (2)"
        ),
        "{stdout}"
    );

    // Without a database, nothing is created and there is no such warning.
    let missing = dir.path().join("none.db");
    let out = Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("check")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .env(
            "POMICHNYK__DATABASE__URL",
            format!("sqlite://{}", missing.display()),
        )
        .output()
        .expect("run pomichnyk");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(!stdout.contains("resident(s)"), "{stdout}");
    assert!(!missing.exists(), "check must not create a database");

    // A file that is not a database: the files are still checked, and a note says why
    // residents' places are missing.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, "not a database").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("check")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .env(
            "POMICHNYK__DATABASE__URL",
            format!("sqlite://{}", garbage.display()),
        )
        .output()
        .expect("run pomichnyk");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("errors: 0,"), "{stdout}");
    assert!(
        stderr.contains("note: cannot read residents' places from the database"),
        "{stderr}"
    );
}

/// `synonyms.toml`: groups of words residents use for the same thing.
const SYNONYMS: &str = r#"[[group]]
words = ["комуналка", "квартплата"]

[[group]]
words = []

[[group]]
words = ["світло", "Світло"]

[[group]]
words = ["квартплата", "олх"]

[[group]]
words = ["дія"]

[[group]]
words = ["як", "сімка"]
"#;

#[test]
fn synonym_problems_are_reported() {
    let lines = diagnose(&[("synonyms.toml", SYNONYMS)]);
    assert_reported(
        &lines,
        "synonyms.toml:5:9: error: this group has no words: list at least two, or delete the group",
    );
    assert_reported(
        &lines,
        "synonyms.toml:8:20: error: \"Світло\" is already in this group (as \"світло\"; the FAQ reads them as one word)",
    );
    assert_reported(
        &lines,
        "synonyms.toml:11:10: error: \"квартплата\" is already in group 1 (as \"квартплата\"); a word may be in one group only",
    );
    assert_reported(
        &lines,
        "synonyms.toml:14:9: warning: a group of one word does nothing",
    );
    assert_reported(
        &lines,
        "synonyms.toml:17:10: error: \"як\" has no word the FAQ can search for",
    );
    let misspelt = diagnose(&[(
        "synonyms.toml",
        "[[group]]\nword = [\"світло\", \"свет\"]\n",
    )]);
    assert_reported(&misspelt, "synonyms.toml:2:1: error: unknown field `word`");
}

#[test]
fn a_valid_synonyms_file_passes() {
    let lines = diagnose(&[(
        "synonyms.toml",
        "[[group]]\nwords = [\"світло\", \"електроенергія\", \"свет\"]\n",
    )]);
    assert!(lines.is_empty(), "{lines:#?}");
}

#[test]
fn a_text_naming_a_command_the_bot_does_not_know_is_an_error() {
    let broken = LESSON.replace(
        "text.en = \"Hello\"",
        "text.en = \"Hello! Type /mneu or /menu\"",
    );
    let lines = diagnose(&[("lessons/demo.toml", &broken)]);
    let wrong: Vec<&String> = lines.iter().filter(|l| l.contains("/mneu")).collect();
    assert_eq!(wrong.len(), 1, "{lines:#?}");
    assert_eq!(
        wrong[0],
        "lessons/demo.toml:9:11: error: step \"intro\": text (en) names /mneu, which is not a command of the bot"
    );
    assert!(!lines.iter().any(|l| l.contains("/menu,")), "{lines:#?}");
}

/// `load_dir` of a copy of the content with one odd file added by `make`.
fn diagnose_file(make: impl FnOnce(&Path)) -> Vec<String> {
    let dir = content_copy();
    make(dir.path());
    let started = std::time::Instant::now();
    let report = pomichnyk::content::load_dir(dir.path(), &languages());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the loader must not hang"
    );
    assert!(report.script.is_none(), "an unreadable file is an error");
    let prefix = format!("{}/", dir.path().display());
    report
        .diagnostics
        .iter()
        .map(|d| d.to_string().replace(&prefix, ""))
        .filter(|l| l.contains(": error: "))
        .collect()
}

#[test]
fn a_pipe_or_a_device_named_toml_is_refused_not_read() {
    let lines = diagnose_file(|dir| {
        let status = Command::new("mkfifo")
            .arg(dir.join("lessons/pipe.toml"))
            .status()
            .expect("mkfifo");
        assert!(status.success());
        std::os::unix::fs::symlink("/dev/zero", dir.join("lessons/zero.toml")).expect("symlink");
    });
    assert_reported(
        &lines,
        "lessons/pipe.toml:1:1: error: not a regular file (a pipe, a device or a socket); only ordinary files are read",
    );
    assert_reported(
        &lines,
        "lessons/zero.toml:1:1: error: not a regular file (a pipe, a device or a socket); only ordinary files are read",
    );
}

#[test]
fn invalid_utf8_is_reported_where_it_is_and_a_huge_file_is_not_read() {
    let lines = diagnose_file(|dir| {
        let mut bytes = b"id = \"x\"\nkind = \"flow\"\ntitle.uk = \"\xD0\x9F\xFF\"\n".to_vec();
        bytes.extend_from_slice(b"title.en = \"X\"\n");
        std::fs::write(dir.join("lessons/bad.toml"), bytes).expect("write");
        let big = "# ".repeat(600_000);
        std::fs::write(dir.join("lessons/big.toml"), big).expect("write");
    });
    // The third line's 13th character is the bad byte (after `title.uk = "П`).
    assert_reported(
        &lines,
        "lessons/bad.toml:3:14: error: not valid UTF-8 here; save the file as UTF-8",
    );
    assert_reported(
        &lines,
        "lessons/big.toml:1:1: error: the file is over 1024 KiB; split it into smaller files",
    );
}

#[test]
fn a_question_needs_three_options_and_a_reflection_no_right_answer() {
    // LESSON's question with only two options.
    let two = LESSON.replace(
        "\n[[steps.options]]\ntext.uk = \"Не знаю\"\ntext.en = \"Not sure\"\nexplain.uk = \"Подумайте ще\"\nexplain.en = \"Think again\"\n",
        "",
    );
    assert_ne!(two, LESSON);
    let lines = diagnose(&[("lessons/demo.toml", &two)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:13:6: error: step \"q\": a question needs at least 3 options",
    );
    // A reflection question may have two, and no right one.
    let reflection = two
        .replace("next = \"done\"", "next = \"done\"\nreflection = true")
        .replace("correct = true\n", "");
    let lines = diagnose(&[("lessons/demo.toml", &reflection)]);
    assert!(lines.iter().all(|l| !l.contains(": error: ")), "{lines:#?}");
    let marked = two.replace("next = \"done\"", "next = \"done\"\nreflection = true");
    let lines = diagnose(&[("lessons/demo.toml", &marked)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:13:6: error: step \"q\": a reflection question has no right answer",
    );
}

#[test]
fn right_answers_that_give_themselves_away_are_warnings() {
    // A second question; its right answer first, like the first question's.
    let second = r#"
[[steps]]
id = "q2"
text.uk = "Ще питання?"
text.en = "Another question?"
next = "done"

[[steps.options]]
text.uk = "Авжеж"
text.en = "Sure"
correct = true
explain.uk = "Добре"
explain.en = "Good"

[[steps.options]]
text.uk = "Ні"
text.en = "No"
explain.uk = "Погано"
explain.en = "Bad"

[[steps.options]]
text.uk = "Ніколи в житті"
text.en = "Never ever"
explain.uk = "Погано"
explain.en = "Bad"
"#;
    let two = LESSON
        .replace(
            "text.en = \"Question?\"\nnext = \"done\"",
            "text.en = \"Question?\"\nnext = \"q2\"",
        )
        .replace(
            "\n[[steps]]\nid = \"done\"",
            &format!("{second}\n[[steps]]\nid = \"done\""),
        );
    let lines = diagnose(&[("lessons/demo.toml", &two)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:13:6: warning: lesson \"demo\": the right answer of every question is option 1 in the file",
    );
    assert!(
        !lines.iter().any(|l| l.contains("always the longest")),
        "{lines:#?}"
    );

    // The right answers at different places, but always the longest.
    let longest = two
        .replace(
            "text.uk = \"Так\"\ntext.en = \"Yes\"\n",
            "text.uk = \"Так, звісно, саме так\"\ntext.en = \"Yes, of course it is\"\n",
        )
        .replace(
            "text.uk = \"Авжеж\"\ntext.en = \"Sure\"\ncorrect = true\n",
            "text.uk = \"Авжеж\"\ntext.en = \"Sure\"\n",
        )
        .replace(
            "text.uk = \"Ніколи в житті\"\ntext.en = \"Never ever\"\n",
            "text.uk = \"Ніколи в житті\"\ntext.en = \"Never ever\"\ncorrect = true\n",
        );
    let lines = diagnose(&[("lessons/demo.toml", &longest)]);
    assert!(lines.iter().all(|l| !l.contains(": error: ")), "{lines:#?}");
    for lang in ["uk", "en"] {
        assert_reported(
            &lines,
            &format!("lessons/demo.toml:13:6: warning: lesson \"demo\" ({lang}): the right answer is always the longest option"),
        );
    }
    assert!(!lines.iter().any(|l| l.contains("is option")), "{lines:#?}");
}

#[test]
fn simpler_words_are_checked_in_every_language() {
    let with = LESSON.replacen(
        "next = \"q\"",
        "next = \"q\"\nsimpler.uk = \"Просто привіт\"\nsimpler.en = \"Just hello\"",
        1,
    );
    let lines = diagnose(&[("lessons/demo.toml", &with)]);
    assert!(lines.iter().all(|l| !l.contains("simpler")), "{lines:#?}");

    let missing = with.replace("simpler.en = \"Just hello\"", "");
    let lines = diagnose(&[("lessons/demo.toml", &missing)]);
    assert_reported(
        &lines,
        "lessons/demo.toml:11:1: error: step \"intro\": simpler has no text in \"en\"",
    );
    let empty = with.replace("simpler.en = \"Just hello\"", "simpler.en = \" \"");
    let lines = diagnose(&[("lessons/demo.toml", &empty)]);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(": error: step \"intro\": simpler (en) is empty")),
        "{lines:#?}"
    );
    // On an end step it would never be shown.
    let on_end = LESSON.replace(
        "end = true\n",
        "end = true\nsimpler.uk = \"Усе\"\nsimpler.en = \"All\"\n",
    );
    let lines = diagnose(&[("lessons/demo.toml", &on_end)]);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(": warning: step \"done\": simpler: only a lesson's steps")),
        "{lines:#?}"
    );
}
