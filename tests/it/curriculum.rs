//! The shipped curriculum: enough lessons of each kind, each complete in both
//! languages, and every one can be walked through to its end.

use crate::support::{shipped_script, Resident};
use pomichnyk::engine::{Event, Input, Press};
use pomichnyk::script::{Kind, Msg, Script, Target, LESSONS_MENU};

/// The lessons a step of the lessons menu links to.
fn linked_from(script: &Script, step: &str) -> Vec<String> {
    let menu = script.dialogue(LESSONS_MENU).expect("the lessons menu");
    let (_, step) = menu
        .step(step)
        .unwrap_or_else(|| panic!("the lessons menu has a step {step:?}"));
    step.buttons
        .iter()
        .filter_map(|b| match &b.target {
            Target::Dialogue(d) if script.dialogue(d).is_some_and(|d| d.kind == Kind::Lesson) => {
                Some(d.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn six_safety_and_six_e_service_lessons_are_offered() {
    let script = shipped_script();
    let safety = linked_from(&script, "safety");
    // The phone-and-family group is e-services' first steps.
    let mut services = linked_from(&script, "services");
    services.extend(linked_from(&script, "phone"));
    assert!(safety.len() >= 6, "safety lessons: {safety:?}");
    assert!(services.len() >= 6, "e-service lessons: {services:?}");
    for id in &safety {
        let digcomp = script
            .dialogue(id)
            .and_then(|d| d.digcomp.clone())
            .unwrap_or_default();
        assert!(
            digcomp.starts_with("4."),
            "{id}: a safety lesson serves DigComp area 4, not {digcomp:?}"
        );
    }
    // Every lesson is offered somewhere.
    for lesson in script.lessons() {
        assert!(
            safety.contains(&lesson.id) || services.contains(&lesson.id),
            "{} is in neither list",
            lesson.id
        );
    }
}

#[test]
fn every_lesson_is_complete_in_both_languages() {
    let script = shipped_script();
    for lesson in script.lessons() {
        let id = &lesson.id;
        assert!(
            (4..=8).contains(&lesson.steps.len()),
            "{id}: {} steps",
            lesson.steps.len()
        );
        let questions = lesson.steps.iter().filter(|s| s.quiz.is_some()).count();
        assert!((2..=4).contains(&questions), "{id}: {questions} questions");
        assert!(lesson.digcomp.is_some(), "{id}: no DigComp competence");
        assert!(!lesson.sources.is_empty(), "{id}: no sources");
        assert!(lesson.steps.iter().any(|s| s.end), "{id}: no closing step");
        for lang in 0..script.languages.len() {
            assert!(
                !lesson.title.get(lang).is_empty(),
                "{id}: no title in {}",
                script.languages[lang]
            );
            for step in &lesson.steps {
                assert!(
                    !step.text.get(lang).trim().is_empty(),
                    "{id}/{}: empty text",
                    step.id
                );
                for option in step.quiz.iter().flat_map(|q| &q.options) {
                    assert!(
                        !option.explain.get(lang).trim().is_empty(),
                        "{id}/{}: an option without explanation",
                        step.id
                    );
                }
            }
        }
    }
}

/// Walks a lesson to its end: the right answer to every question, the first
/// button everywhere else; on the way it presses "🔁 Once more" once (the same
/// step comes again) and "⬅️ Back" once (the step before comes again).
/// Returns the completion event.
fn walk(script: &Script, lesson: &str, lang: &str) -> Event {
    let mut resident = Resident::new(script);
    resident.lang_hint = Some(lang);
    let l = script.lang_index(lang).expect("a configured language");
    let again_label = script.strings.get(Msg::ButtonAgain, l).to_string();
    let back_label = script.strings.get(Msg::ButtonBack, l).to_string();
    let (mut again, mut back) = (false, false);
    resident.says(&format!("/start lesson_{lesson}"));
    for _ in 0..40 {
        if let Some(done) = resident
            .events
            .iter()
            .find(|e| matches!(e, Event::LessonCompleted { .. }))
        {
            assert!(again, "{lesson} ({lang}): 🔁 was pressed");
            assert!(back, "{lesson} ({lang}): ⬅️ was pressed");
            return done.clone();
        }
        let at = resident.state.at.clone().expect("a position in the lesson");
        assert!(
            resident.said().contains(&script.strings.fill(
                Msg::StepProgress,
                l,
                &[
                    (
                        "n",
                        &step_number(script, &at.dialogue, &at.step).to_string()
                    ),
                    ("total", &step_number(script, &at.dialogue, "").to_string()),
                ],
            )),
            "{lesson}/{}: the step's number:\n{}",
            at.step,
            resident.said()
        );
        if !again {
            let text = resident.said();
            resident.taps(&again_label);
            assert_eq!(resident.state.at, Some(at.clone()), "{lesson}: 🔁 stays");
            assert!(
                text.contains(&resident.said()),
                "{lesson}: 🔁 sends the same step:\n{}\n---\n{text}",
                resident.said()
            );
            again = true;
            continue;
        }
        if !back && !resident.state.history.is_empty() {
            let before = resident.state.history.last().cloned();
            resident.taps(&back_label);
            assert_eq!(resident.state.at, before, "{lesson}: ⬅️ goes one step back");
            back = true;
            continue;
        }
        let dialogue = script.dialogue(&at.dialogue).expect("dialogue");
        let (_, step) = dialogue.step(&at.step).expect("step");
        let input = match &step.quiz {
            Some(quiz) => {
                let right = quiz
                    .options
                    .iter()
                    .position(|o| o.correct)
                    .expect("a right answer");
                Input::Press(
                    Press::Answer {
                        dialogue: at.dialogue.clone(),
                        step: at.step.clone(),
                        option: right,
                    }
                    .encode(),
                )
            }
            None => {
                let first = resident
                    .labels()
                    .into_iter()
                    .find(|l| *l != again_label && *l != back_label)
                    .expect("a button");
                resident.button(&first)
            }
        };
        resident.send(input);
        assert!(
            !resident.said().contains("давнішого"),
            "{lesson}: a stale press:\n{}",
            resident.said()
        );
    }
    panic!("{lesson} ({lang}) did not end within 40 inputs");
}

/// A step's number among its lesson's steps that are not an end (the count
/// of them for a step that is not there).
fn step_number(script: &Script, lesson: &str, step: &str) -> usize {
    let steps: Vec<_> = script
        .dialogue(lesson)
        .map(|d| d.steps.iter().filter(|s| !s.end).collect())
        .unwrap_or_default();
    steps
        .iter()
        .position(|s| s.id == step)
        .map_or(steps.len(), |i| i + 1)
}

#[test]
fn every_lesson_can_be_walked_to_its_end_in_both_languages() {
    let script = shipped_script();
    for lesson in script.lessons() {
        let questions = lesson.steps.iter().filter(|s| s.quiz.is_some()).count() as u32;
        for lang in ["uk", "en"] {
            match walk(&script, &lesson.id, lang) {
                Event::LessonCompleted { correct, total, .. } => {
                    assert_eq!(correct, total, "{}: every answer was right", lesson.id);
                    assert!(
                        total >= 2 && total <= questions,
                        "{}: {total} of {questions} questions asked",
                        lesson.id
                    );
                }
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn the_self_check_recommends_where_to_start() {
    let script = shipped_script();
    let check = script.dialogue("selfcheck").expect("the self-check flow");
    let questions = check
        .steps
        .iter()
        .filter(|s| s.id.starts_with("q_"))
        .count();
    assert!((6..=8).contains(&questions), "{questions} questions");

    // All safe answers: through every question to the end.
    let mut r = Resident::new(&script);
    r.says("/lessons")
        .taps("Що я вже вмію?")
        .sees("Вісім коротких запитань");
    r.taps("Далі").sees("перерахунок пенсії");
    for safe in [
        "Подам заяву в застосунку Фонду",
        "ID-картка і телефон з NFC",
        "Покладу слухавку, наберу номер з картки",
        "Не відкрию, перевірю в застосунку пошти",
        "Різні й не схожі один на одного",
        "Двоетапна перевірка (другий пароль)",
        "Лишуся в чаті OLX, посилання не відкрию",
        "Перевірю на сайті Пенсійного фонду",
    ] {
        r.taps(safe);
    }
    r.sees("Перевірку завершено");

    // A risky answer: the lesson to start with, then the check goes on.
    let mut r = Resident::new(&script);
    r.says("/lessons")
        .taps("Що я вже вмію?")
        .taps("Далі")
        .taps("Подам заяву в застосунку Фонду")
        .taps("ID-картка і телефон з NFC")
        .taps("Назву код");
    r.sees("Почніть з уроку «Дзвінки та SMS від шахраїв»");
    let open = r.button("Відкрити урок");
    r.taps("Наступне запитання").sees("Посилка чекає");
    r.send(open).sees("Шахраї часто телефонують");
    assert!(r.events.contains(&Event::LessonStarted {
        lesson: "phone_scams".into()
    }));
}
