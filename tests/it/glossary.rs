//! The glossary: «📖 Словничок» in the lessons menu lists the words, a word's
//! button explains it, a typed «що таке …?» is answered from it, a lesson step
//! that uses a word for the first time offers «❓ Що таке «…»?», and `check`
//! refuses a glossary with gaps.

use crate::support::{content_copy, languages, shipped_script, Resident};
use pomichnyk::engine::Input;

#[test]
fn the_lessons_menu_opens_the_glossary_and_a_word_is_explained_in_both_languages() {
    let script = shipped_script();
    let mut olena = Resident::new(&script);
    olena.lang_hint = Some("uk");
    olena.says("/lessons").taps("📖 Словничок");
    olena.sees("Словничок").sees("Натисніть слово");
    for word in [
        "QR-код",
        "застосунок",
        "код з SMS",
        "Дія.Підпис",
        "Wi-Fi",
        "пароль",
    ] {
        assert!(
            olena.labels().iter().any(|l| l == word),
            "no {word:?} among {:?}",
            olena.labels()
        );
    }
    olena.taps("QR-код");
    olena.sees("QR-код").sees("Квадратик із візерунком");
    // Back to the list, then to the lessons.
    olena.taps("📖 Словничок").sees("Натисніть слово");
    olena.taps("Уроки").sees("Оберіть тему");

    let mut john = Resident::new(&script);
    john.lang_hint = Some("en-GB");
    john.says("/lessons").taps("📖 Glossary");
    john.taps("Wi-Fi").sees("Internet without wires");
}

#[test]
fn a_typed_question_about_a_word_is_answered_from_the_glossary() {
    let script = shipped_script();
    let mut olena = Resident::new(&script);
    olena.lang_hint = Some("uk");
    olena.says("/menu");
    olena
        .says("що таке QR-код?")
        .sees("Квадратик із візерунком");
    olena
        .says("Що означає слово «застосунок»")
        .sees("Програма у вашому телефоні");
    olena.says("NFC").sees("читати документ із чипом");
    // A word the FAQ answers in full is the FAQ's answer.
    olena.says("дія.підпис").does_not_see("📖 Дія.Підпис —");
    // A vague word: its meaning, then the FAQ's questions to choose from.
    olena.says("пароль").sees("📖 пароль — Таємне слово");
    assert!(
        olena.labels().iter().any(|l| l.contains("бібліотекаря")),
        "{:?}",
        olena.labels()
    );
    // A question that only mentions a word is the FAQ's.
    olena
        .says("як встановити застосунок банку")
        .does_not_see("Програма у вашому телефоні, наприклад");

    let mut john = Resident::new(&script);
    john.lang_hint = Some("en");
    john.says("/menu");
    john.says("What is a QR code?")
        .sees("A small square with a pattern");
    john.says("what does phishing mean")
        .sees("scammers pretend to be a bank");
}

#[test]
fn a_lesson_step_explains_a_word_the_first_time_the_lesson_uses_it() {
    let script = shipped_script();
    let mut olena = Resident::new(&script);
    olena.lang_hint = Some("uk");
    olena.says("/start lesson_phishing");
    // Step 1 of the lesson already used some words; go on until «посилання» first appears.
    let mut steps = 0;
    while !olena.said().contains("Посилання") && !olena.said().contains("посилання")
    {
        olena.taps("Далі");
        steps += 1;
        assert!(steps < 6, "the lesson never says «посилання»");
    }
    let here = olena.said();
    let ask = olena.button("❓ Що таке «посилання»?");
    olena.send(ask);
    olena.sees("📖 посилання — Виділений текст у повідомленні");
    // Back to the lesson: the same step.
    olena.taps("↩️ Назад до уроку");
    let step_line = here.lines().next().expect("Крок N з M").to_string();
    olena.sees(&step_line);
    // The next step that uses the word again offers no second explanation of it.
    olena.taps("Далі");
    if olena.said().contains("посилання") {
        assert!(
            !olena.labels().iter().any(|l| l.contains("«посилання»")),
            "{:?}",
            olena.labels()
        );
    }
}

#[test]
fn a_forged_word_button_is_a_stale_button() {
    let script = shipped_script();
    let mut olena = Resident::new(&script);
    olena.lang_hint = Some("uk");
    olena.says("/menu");
    olena.send(Input::Press("gw:no_such_word".into()));
    let stale = script
        .strings
        .get(pomichnyk::script::Msg::StaleButton, 0)
        .to_string();
    olena.sees(&stale);
}

/// Every diagnostic about `glossary.toml` when it reads `text`.
fn check_glossary(text: &str) -> (bool, Vec<String>) {
    let dir = content_copy();
    std::fs::write(dir.path().join("glossary.toml"), text).expect("write");
    let report = pomichnyk::content::load_dir(dir.path(), &languages());
    let prefix = format!("{}/", dir.path().display());
    let lines = report
        .diagnostics
        .iter()
        .map(|d| d.to_string().replace(&prefix, ""))
        .filter(|l| l.starts_with("glossary.toml:"))
        .collect();
    (report.script.is_some(), lines)
}

#[test]
fn check_refuses_a_word_without_a_meaning_a_form_of_two_words_and_a_pattern_without_a_gap() {
    let (loaded, lines) = check_glossary(
        r#"
ask.uk = ["що таке"]
ask.en = ["what is …"]

[[words]]
id = "qr_code"
word.uk = "QR-код"
word.en = "QR code"
meaning.uk = "Квадратик із візерунком."

[[words]]
id = "qr"
word.uk = "QR"
word.en = "QR code"
meaning.uk = "Те саме."
meaning.en = "The same."
"#,
    );
    assert!(!loaded);
    for expected in [
        "glossary.toml:2:11: error: ask (uk): \"що таке\" needs one \"…\" where the word goes",
        "error: word \"qr_code\": meaning has no text in \"en\"",
        "error: word \"qr\": \"QR code\" (en) already names word \"qr_code\"",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(expected)),
            "no {expected:?} in {lines:#?}"
        );
    }
    // The shipped glossary passes.
    let shipped = std::fs::read_to_string(crate::support::shipped_dir().join("glossary.toml"))
        .expect("the glossary");
    let (loaded, lines) = check_glossary(&shipped);
    assert!(loaded && lines.is_empty(), "{lines:#?}");
}
