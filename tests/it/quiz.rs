//! Fair quizzes and controls for a beginner: options in an order of each
//! resident's own (scored by the option, not its place), reflection questions
//! with no wrong answer, "🔁 Once more", "⬅️ Back" and "Step 3 of 8".

use crate::support::{content_copy, languages, shipped_script, Resident};
use pomichnyk::engine::{Context, Event, InlineButton, Input, Keyboard, Position, Press, Reply};
use pomichnyk::script::{markup, Msg, Script};

/// The answer buttons under the last replies, in the order shown, as
/// (label, the option's place in the file).
fn options_shown(r: &Resident) -> Vec<(String, usize)> {
    inline_rows(r)
        .into_iter()
        .flatten()
        .filter_map(|b| match Press::decode(&b.data) {
            Some(Press::Answer { option, .. }) => Some((b.label.clone(), option)),
            _ => None,
        })
        .collect()
}

fn inline_rows(r: &Resident) -> Vec<Vec<InlineButton>> {
    r.replies
        .iter()
        .filter_map(|reply| match reply {
            Reply::Message {
                keyboard: Keyboard::Inline(rows),
                ..
            } => Some(rows.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A sentence of the bot's own, as a resident reads it (without markup).
fn msg(script: &Script, m: Msg, lang: usize) -> String {
    markup::to_plain(script.strings.get(m, lang))
}

/// A resident of this seed at phishing's first question ("Що зробите?").
fn at_first_question(script: &Script, seed: u64) -> Resident<'_> {
    let mut r = Resident::new(script);
    r.seed = seed;
    r.says("/start lesson_phishing")
        .taps("Далі")
        .taps("Далі")
        .sees("Що зробите?");
    r
}

#[test]
fn a_shuffled_question_is_scored_by_the_option_not_its_place_even_after_a_reload() {
    let script = shipped_script();
    // In the file the right answer ("Подзвоню в банк ...") is option 2 (index 1).
    let q = script
        .dialogue("phishing")
        .and_then(|d| d.step("q_sms"))
        .and_then(|(_, s)| s.quiz.as_ref())
        .expect("the question");
    assert!(q.options[1].correct);
    let seed = (1..200)
        .map(Context::seed_of)
        .find(|&seed| {
            let r = at_first_question(&script, seed);
            options_shown(&r).iter().position(|(_, o)| *o == 1) != Some(1)
        })
        .expect("a resident who sees the right answer elsewhere than in the file");
    let r = at_first_question(&script, seed);
    let shown = options_shown(&r);
    assert_eq!(shown.len(), 3, "{shown:?}");
    let place = shown
        .iter()
        .position(|(label, _)| label.contains("Подзвоню"))
        .expect("the right answer is shown");
    assert_ne!(place, 1, "{shown:?}");
    assert_eq!(
        shown[place].1, 1,
        "the button names the option by its place in the file"
    );
    let press = r.button("Подзвоню");

    // The content is read again (as /reload does); the old button still means the same.
    let reloaded = shipped_script();
    let again = at_first_question(&reloaded, seed);
    assert_eq!(
        options_shown(&again),
        shown,
        "the same order after a reload"
    );
    let mut after = Resident::new(&reloaded);
    after.seed = seed;
    after.state = r.state.clone();
    after
        .send(press)
        .sees(&msg(&reloaded, Msg::QuizRight, 0))
        .sees("зі справжнім банком");
    assert!(after.events.contains(&Event::QuizAnswered {
        dialogue: "phishing".into(),
        step: "q_sms".into(),
        option: 1,
        correct: true,
        first_try: true,
    }));
    let record = &after.state.lessons["phishing"];
    assert_eq!((record.correct, record.answered), (1, 1));

    // A wrong answer at the right answer's place in the file is still wrong.
    let mut wrong = at_first_question(&script, seed);
    let (label, option) = shown[1].clone();
    assert_ne!(option, 1);
    wrong
        .taps(&label)
        .sees(&msg(&script, Msg::QuizWrong, 0))
        .does_not_see(&msg(&script, Msg::QuizRight, 0));

    // Typing the label of an option still answers with that option.
    let mut typed = at_first_question(&script, seed);
    typed
        .says("подзвоню в банк за номером з картки")
        .sees(&msg(&script, Msg::QuizRight, 0));
}

/// The order of every question of every lesson as a resident of `seed` sees it.
fn all_orders(script: &Script, seed: u64) -> Vec<(String, Vec<usize>)> {
    let mut orders = Vec::new();
    for lesson in script.lessons() {
        for step in lesson.steps.iter().filter(|s| s.quiz.is_some()) {
            let mut r = Resident::new(script);
            r.seed = seed;
            r.state.at = Some(Position {
                dialogue: lesson.id.clone(),
                step: step.id.clone(),
                wrong: 0,
            });
            r.send(Input::Press(
                Press::Again {
                    dialogue: lesson.id.clone(),
                    step: step.id.clone(),
                }
                .encode(),
            ));
            let order: Vec<usize> = options_shown(&r).into_iter().map(|(_, o)| o).collect();
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                (0..step.quiz.as_ref().map_or(0, |q| q.options.len())).collect::<Vec<_>>(),
                "{}/{}: every option once",
                lesson.id,
                step.id
            );
            orders.push((format!("{}/{}", lesson.id, step.id), order));
        }
    }
    orders
}

#[test]
fn each_resident_sees_an_order_of_their_own_and_the_same_one_every_time() {
    let script = shipped_script();
    let (one, two) = (Context::seed_of(1), Context::seed_of(2));
    assert_ne!(one, two);
    let first = all_orders(&script, one);
    assert_eq!(first, all_orders(&script, one), "the same resident, twice");
    let second = all_orders(&script, two);
    let differ = first
        .iter()
        .zip(&second)
        .filter(|((_, a), (_, b))| a != b)
        .count();
    assert!(differ >= 1, "two residents see different orders");
    // Not the file's order for everyone: the right answer moves about.
    let unshuffled = first
        .iter()
        .filter(|(_, o)| o.iter().enumerate().all(|(i, &x)| i == x))
        .count();
    assert!(unshuffled < first.len(), "{unshuffled} of {}", first.len());
}

const REFLECTION: &str = r#"id = "reflect"
kind = "lesson"
title.uk = "Роздуми"
title.en = "Thinking it over"
digcomp = "1.1"
sources = ["test"]

[[steps]]
id = "intro"
text.uk = "Привіт"
text.en = "Hello"
next = "q_need"

[[steps]]
id = "q_need"
text.uk = "Чи знадобиться вам це?"
text.en = "Will you need this?"
next = "q"
reflection = true

[[steps.options]]
text.uk = "Так, щодня"
text.en = "Yes, every day"
explain.uk = "Чудово, вправляйтеся потроху."
explain.en = "Great, practise a little at a time."

[[steps.options]]
text.uk = "Поки ні"
text.en = "Not yet"
explain.uk = "Нічого страшного: урок чекатиме на вас."
explain.en = "That is fine: the lesson will wait for you."

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
text.uk = "Може"
text.en = "Maybe"
explain.uk = "Подумайте"
explain.en = "Think"

[[steps]]
id = "done"
end = true
text.uk = "Кінець"
text.en = "The end"
"#;

#[test]
fn a_reflection_question_has_no_wrong_answer_and_is_never_scored() {
    let dir = content_copy();
    std::fs::write(dir.path().join("lessons/reflect.toml"), REFLECTION).expect("write");
    let report = pomichnyk::content::load_dir(dir.path(), &languages());
    let script = report.script.expect("the lesson is valid");
    for (lang, choice, kind) in [
        (0, "Поки ні", "урок чекатиме"),
        (0, "Так, щодня", "вправляйтеся"),
        (1, "Not yet", "the lesson will wait"),
    ] {
        for seed in [Context::seed_of(1), Context::seed_of(2), 7] {
            let mut r = Resident::new(&script);
            r.seed = seed;
            r.lang_hint = Some(["uk", "en"][lang]);
            r.says("/start lesson_reflect");
            r.taps(&msg(&script, Msg::ButtonNext, lang)[..4]);
            let shown: Vec<usize> = options_shown(&r).into_iter().map(|(_, o)| o).collect();
            assert_eq!(shown, vec![0, 1], "reflection options keep their order");
            r.taps(choice)
                .sees(&msg(&script, Msg::ReflectionThanks, lang))
                .sees(kind)
                .does_not_see(&msg(&script, Msg::QuizWrong, lang))
                .does_not_see(&msg(&script, Msg::QuizRight, lang))
                .does_not_see(&msg(&script, Msg::QuizTryAgain, lang));
            assert!(
                !r.events
                    .iter()
                    .any(|e| matches!(e, Event::QuizAnswered { .. })),
                "{:?}",
                r.events
            );
            let record = &r.state.lessons["reflect"];
            assert_eq!((record.correct, record.answered), (0, 0));
            assert_eq!(r.state.at.as_ref().map(|p| p.step.as_str()), Some("q"));
            // After a crash the kind reply is shown again, never a verdict.
            let mut resumed = Resident::new(&script);
            resumed.seed = seed;
            resumed.state = r.state.clone();
            resumed.send(Input::Resume).sees(kind).does_not_see(&msg(
                &script,
                Msg::QuizWrong,
                lang,
            ));
            // The scored question counts alone.
            let right = r.button(["Так", "Yes"][lang]);
            r.send(right);
            assert!(r.events.contains(&Event::LessonCompleted {
                lesson: "reflect".into(),
                correct: 1,
                total: 1
            }));
        }
    }
}

fn non_end_steps(script: &Script, lesson: &str) -> usize {
    script
        .dialogue(lesson)
        .map_or(0, |d| d.steps.iter().filter(|s| !s.end).count())
}

#[test]
fn once_more_back_and_the_step_number_on_every_lesson_step() {
    let script = shipped_script();
    let total = non_end_steps(&script, "phishing");
    let mut r = Resident::new(&script);
    r.says("/start lesson_phishing")
        .sees(&format!("Крок 1 з {total}"))
        .sees("Фішинг — це обман");
    assert!(
        r.labels().iter().any(|l| l == "🔁 Ще раз"),
        "{:?}",
        r.labels()
    );
    assert!(
        !r.labels().iter().any(|l| l == "⬅️ Назад"),
        "nothing to go back to yet: {:?}",
        r.labels()
    );
    let first_again = r.button("Ще раз");
    r.taps("Далі")
        .sees(&format!("Крок 2 з {total}"))
        .sees("Ознаки фішингу");
    // The controls have a row of their own, under the step's buttons.
    let rows = inline_rows(&r);
    let last: Vec<&str> = rows
        .last()
        .map(|row| row.iter().map(|b| b.label.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(last, vec!["🔁 Ще раз", "⬅️ Назад"], "{rows:?}");

    r.taps("Ще раз")
        .sees("Ознаки фішингу")
        .sees(&format!("Крок 2 з {total}"));
    assert_eq!(r.state.at.as_ref().map(|p| p.step.as_str()), Some("signs"));
    r.taps("Назад")
        .sees("Фішинг — це обман")
        .sees(&format!("Крок 1 з {total}"))
        .does_not_see("Ознаки фішингу");
    assert_eq!(r.state.at.as_ref().map(|p| p.step.as_str()), Some("intro"));
    assert!(r.state.history.is_empty());
    // An old "Once more" of another step is refused kindly.
    r.taps("Далі");
    r.send(first_again)
        .sees(&msg(&script, Msg::StaleButton, 0))
        .sees("Ознаки фішингу");

    // On a question: options one per row, the controls in a row under them.
    r.taps("Далі").sees("Що зробите?").sees("Крок 3 з");
    let rows = inline_rows(&r);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows[..3]
        .iter()
        .all(|row| row.len() == 1
            && matches!(Press::decode(&row[0].data), Some(Press::Answer { .. }))));
    assert!(rows[3]
        .iter()
        .all(|b| !matches!(Press::decode(&b.data), Some(Press::Answer { .. }))));
    r.taps("Подзвоню").sees("адресу сайту");
    // Back to the question answered: answering again does not count twice.
    r.taps("Назад").sees("Що зробите?");
    r.taps("Подзвоню").sees("Правильно!");
    let record = &r.state.lessons["phishing"];
    assert_eq!((record.correct, record.answered), (1, 1));
    // Typed, the controls work too.
    r.says("ще раз").sees("адресу сайту");
    r.says("назад").sees("Що зробите?");

    // In English.
    let mut en = Resident::new(&script);
    en.lang_hint = Some("en");
    en.says("/start lesson_phishing")
        .sees(&format!("Step 1 of {total}"));
    en.taps("Next")
        .taps("Once more")
        .sees(&format!("Step 2 of {total}"));
    en.taps("Back").sees(&format!("Step 1 of {total}"));

    // Not on menus.
    r.says("/menu").does_not_see("Крок");
    assert!(!r.labels().iter().any(|l| l.contains("Ще раз")));
}

#[test]
fn simpler_words_come_with_a_button_and_the_lesson_stays_where_it_was() {
    let dir = content_copy();
    let path = dir.path().join("lessons/phishing.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    let edited = text.replacen(
        "next = \"signs\"",
        "next = \"signs\"\nsimpler.uk = \"Шахраї пишуть, ніби вони банк. Вони хочуть ваш код.\"\nsimpler.en = \"Scammers write as if they were the bank. They want your code.\"",
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(&path, edited).expect("write");
    let report = pomichnyk::content::load_dir(dir.path(), &languages());
    let script = report.script.expect("valid content");
    let total = non_end_steps(&script, "phishing");

    let mut r = Resident::new(&script);
    r.says("/start lesson_phishing").sees("Фішинг — це обман");
    let rows = inline_rows(&r);
    let last: Vec<&str> = rows
        .last()
        .map(|row| row.iter().map(|b| b.label.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(last, vec!["🐢 Простіше", "🔁 Ще раз"], "{rows:?}");
    r.taps("Простіше")
        .sees("Шахраї пишуть, ніби вони банк")
        .sees(&format!("Крок 1 з {total}"))
        .does_not_see("Фішинг — це обман");
    assert_eq!(r.state.at.as_ref().map(|p| p.step.as_str()), Some("intro"));
    // The simpler message has the step's buttons: the lesson goes on.
    r.taps("Далі").sees("Ознаки фішингу");
    assert!(
        !r.labels().iter().any(|l| l.contains("Простіше")),
        "only steps with simpler words have the button: {:?}",
        r.labels()
    );
    // Typed, in English.
    let mut en = Resident::new(&script);
    en.lang_hint = Some("en");
    en.says("/start lesson_phishing")
        .says("in simpler words")
        .sees("They want your code");

    // The shipped content: a step without simpler words has no such button.
    let shipped = shipped_script();
    let mut plain = Resident::new(&shipped);
    plain.says("/start lesson_phishing");
    assert!(!plain.labels().iter().any(|l| l.contains("Простіше")));
}
