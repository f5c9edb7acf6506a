//! Conversations with the engine alone: what the resident sends, what the bot answers.

use crate::support::{shipped_script, Resident};
use pomichnyk::engine::{Event, Input, Position, State};
use pomichnyk::script::{Msg, Script};

fn msg(script: &Script, m: Msg, lang: usize) -> String {
    script.strings.get(m, lang).to_string()
}

#[test]
fn first_start_greets_in_ukrainian_and_shows_the_menu() {
    let script = shipped_script();
    let mut resident = Resident::new(&script);
    resident.says("/start").sees("Вітаю!").sees("Головне меню");
    assert!(
        resident.labels().iter().any(|l| l.contains("Уроки")),
        "{:?}",
        resident.labels()
    );
    assert_eq!(resident.state.lang.as_deref(), Some("uk"));
}

#[test]
fn the_telegram_language_is_used_when_we_have_it() {
    let script = shipped_script();
    let mut english = Resident::new(&script);
    english.lang_hint = Some("en");
    english.says("/start").sees("Hello!").sees("Main menu");
    assert_eq!(english.state.lang.as_deref(), Some("en"));

    let mut german = Resident::new(&script);
    german.lang_hint = Some("de");
    german.says("/start").sees("Вітаю!");
}

#[test]
fn a_whole_lesson_by_buttons() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/start").taps("Уроки").sees("Оберіть тему");
    r.taps("Безпека").sees("Оберіть урок");
    r.taps("фішинг").sees("Фішинг — це обман");
    assert!(r.events.contains(&Event::LessonStarted {
        lesson: "phishing".into()
    }));
    r.taps("Далі").sees("Ознаки фішингу");
    r.taps("Далі").sees("Що зробите?");
    r.taps("Подзвоню в банк")
        .sees("Правильно!")
        .sees("зі справжнім банком")
        .sees("адресу сайту");
    r.taps("Далі").sees("Нікому не кажіть");
    r.taps("Далі").sees("Що це?");
    r.taps("Справжня виплата")
        .sees("Не зовсім")
        .sees("CVV-код не потрібен")
        .sees("Спробуйте ще раз");
    assert!(r.events.iter().any(|e| matches!(
        e,
        Event::QuizAnswered {
            correct: false,
            first_try: true,
            ..
        }
    )));
    r.taps("Шахраї")
        .sees("Правильно!")
        .sees("Уже ввели дані картки");
    assert!(r.events.iter().any(|e| matches!(
        e,
        Event::QuizAnswered {
            correct: true,
            first_try: false,
            ..
        }
    )));
    r.taps("Далі")
        .sees("Головне:")
        .sees("Урок «Як розпізнати фішинг» пройдено!")
        .sees("з першої спроби: 1 з 2");
    assert!(r.events.contains(&Event::LessonCompleted {
        lesson: "phishing".into(),
        correct: 1,
        total: 2
    }));

    let total = script.lessons().count();
    r.says("/progress")
        .sees(&format!("Пройдено уроків: 1 з {total}."))
        .sees("✅ Як розпізнати фішинг");
    r.says("/lessons").taps("Безпека");
    assert!(
        r.labels()
            .iter()
            .any(|l| l.starts_with("✅ ") && l.contains("фішинг")),
        "{:?}",
        r.labels()
    );
}

#[test]
fn a_button_from_an_old_message_is_refused_kindly() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/start lesson_phishing").sees("Фішинг — це обман");
    let old_next = r.button("Далі");
    r.taps("Далі").taps("Далі").sees("Що зробите?");
    let before = r.state.clone();
    r.send(old_next)
        .sees(&msg(&script, Msg::StaleButton, 0))
        .sees("Що зробите?");
    assert_eq!(
        r.state.at, before.at,
        "an old button does not move the resident"
    );
    assert!(r.events.contains(&Event::StalePress));

    // An answer to a question already answered is old too.
    let answer = r.button("Подзвоню");
    r.taps("Подзвоню").sees("Правильно!");
    r.send(answer)
        .sees(&msg(&script, Msg::StaleButton, 0))
        .sees("адресу сайту");
}

#[test]
fn forged_or_broken_button_data_is_refused() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/start");
    for data in [
        "",
        "q:phishing:q_sms:99",
        "o:no_such_lesson",
        "a:format_disk",
        "l:xx",
        "zzz",
        &"x".repeat(500),
    ] {
        r.send(Input::Press(data.to_string()))
            .sees(&msg(&script, Msg::StaleButton, 0));
    }
}

#[test]
fn typed_labels_press_buttons_and_the_menu_always_works() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/start").says("уроки").sees("Оберіть тему");
    r.says("безпека в інтернеті").sees("Оберіть урок");
    r.taps("паролі").sees("Пароль — це ключ");
    r.says("  ДАЛІ ").sees("трьох випадкових слів");
    // The big menu buttons are under the input field in the middle of a lesson too.
    let total = script.lessons().count();
    r.says("📊 Мій поступ")
        .sees(&format!("Пройдено уроків: 0 з {total}."))
        .sees("▶️ Надійні паролі");
    r.says("/menu").sees("Головне меню");
}

#[test]
fn odd_input_gets_a_kind_answer_and_the_lesson_goes_on() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/start lesson_passwords")
        .taps("Далі")
        .sees("трьох випадкових слів");
    r.send(Input::Other)
        .sees(&msg(&script, Msg::OtherInput, 0))
        .sees("трьох випадкових слів");
    // A location finds hubs (none of the shipped ones has coordinates yet) and offers the lesson back.
    r.send(Input::Location {
        latitude: 49.42,
        longitude: 26.98,
    })
    .sees(&msg(&script, Msg::HubsNoLocations, 0))
    .sees(&msg(&script, Msg::LessonContinue, 0));
    // Long nonsense goes to the FAQ, which finds nothing and offers a way back.
    r.says(&"ї".repeat(10_000))
        .sees(&msg(&script, Msg::FaqNothing, 0))
        .taps("Назад до уроку")
        .sees("трьох випадкових слів");
    r.says("/fly")
        .sees(&msg(&script, Msg::UnknownCommand, 0))
        .sees("Головне меню");
    r.says("").sees(&msg(&script, Msg::NotUnderstood, 0));
    r.says("👍🙂").sees(&msg(&script, Msg::NotUnderstood, 0));
}

#[test]
fn cancel_then_come_back_resumes_the_lesson() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/start lesson_passwords")
        .taps("Далі")
        .taps("Далі")
        .sees("Який пароль найнадійніший?");
    r.says("/cancel")
        .sees(&msg(&script, Msg::Cancelled, 0))
        .sees("Головне меню");
    r.says("/lessons")
        .taps("Безпека")
        .taps("паролі")
        .sees("Продовжуємо урок")
        .sees("Який пароль найнадійніший?");
}

#[test]
fn a_poster_link_is_recorded_and_a_lesson_link_opens_it() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/start hub_branch_7").sees("Вітаю!");
    assert!(r.events.contains(&Event::Referred {
        hub: "branch_7".into()
    }));
    r.says("/start hub_../../etc");
    assert!(
        !r.events.iter().any(|e| matches!(e, Event::Referred { .. })),
        "odd payloads are ignored"
    );
    r.says("/start lesson_passwords").sees("Пароль — це ключ");
    r.says("/start lesson_nope")
        .sees("Вітаю!")
        .sees("Головне меню");
}

#[test]
fn changing_the_language_changes_the_buttons() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/start")
        .says("/language")
        .taps("English")
        .sees("Done!")
        .sees("Main menu");
    assert!(
        r.labels().iter().any(|l| l.contains("Lessons")),
        "{:?}",
        r.labels()
    );
    assert!(r
        .events
        .contains(&Event::LanguageChanged { lang: "en".into() }));
    r.says("lessons").sees("Choose a topic");
}

#[test]
fn a_removed_step_or_dialogue_never_panics() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.state = State {
        lang: Some("uk".into()),
        at: Some(Position {
            dialogue: "phishing".into(),
            step: "gone".into(),
            wrong: 0,
        }),
        ..State::default()
    };
    r.says("1")
        .sees("Урок «Як розпізнати фішинг» оновили")
        .sees("Фішинг — це обман");
    assert!(r.events.contains(&Event::StepVanished {
        dialogue: "phishing".into(),
        step: "gone".into()
    }));

    r.state.at = Some(Position {
        dialogue: "old_lesson".into(),
        step: "x".into(),
        wrong: 0,
    });
    r.send(Input::Press("g:old_lesson:y".into()))
        .sees(&msg(&script, Msg::StaleDialogue, 0))
        .sees("Головне меню");
    assert_eq!(
        r.state.at.as_ref().map(|p| p.dialogue.as_str()),
        Some("main")
    );
}
