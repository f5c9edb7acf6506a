//! Questions in the resident's own words, through the engine: what the
//! resident types, what the bot answers, and what it asks the adapter to do.

use crate::support::{shipped_script, Resident};
use pomichnyk::engine::{Awaiting, Effect, Event, Input, Verdict};
use pomichnyk::script::{Msg, Script};

fn msg(script: &Script, m: Msg, lang: usize) -> String {
    script.strings.get(m, lang).to_string()
}

fn asked(r: &Resident) -> (Verdict, Option<String>, String) {
    r.events
        .iter()
        .find_map(|e| match e {
            Event::Asked {
                verdict,
                entry,
                text,
                ..
            } => Some((*verdict, entry.clone(), text.clone())),
            _ => None,
        })
        .expect("an Asked event")
}

#[test]
fn a_question_with_a_typo_is_answered_at_once_and_can_be_rated() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/start");
    r.says("забула пароль від дії")
        .sees("увійдіть у Дію знову")
        .sees("Чи допомогла відповідь?");
    assert_eq!(
        asked(&r),
        (
            Verdict::Answered,
            Some("diia_forgot_code".into()),
            "забула пароль від дії".into()
        )
    );
    // The entry's lesson is offered under the answer.
    assert!(
        r.labels().iter().any(|l| l.contains("Дія")),
        "{:?}",
        r.labels()
    );
    r.taps("👍").sees(&msg(&script, Msg::FaqThanks, 0));
    assert!(matches!(
        r.events.as_slice(),
        [Event::FaqVoted { entry, helpful: true, .. }] if entry == "diia_forgot_code"
    ));
}

#[test]
fn an_unhelpful_answer_offers_the_librarian() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("як оплатити світло через телефон")
        .sees("Чи допомогла відповідь?");
    r.taps("👎").sees("Шкода, що не допомогло");
    assert!(matches!(
        r.events.as_slice(),
        [Event::FaqVoted { entry, helpful: false, .. }] if entry == "bills_pay"
    ));
    r.taps("Запитати бібліотекаря")
        .sees(&msg(&script, Msg::LibrarianPrompt, 0));
}

#[test]
fn a_vague_question_offers_close_questions_to_choose_from() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("пароль").sees(&msg(&script, Msg::FaqChoices, 0));
    assert_eq!(asked(&r).0, Verdict::Choices);
    let labels = r.labels();
    let offered = labels
        .iter()
        .filter(|l| l.ends_with('?') || l.ends_with('…'))
        .count();
    assert!((1..=3).contains(&offered), "{labels:?}");
    assert!(
        labels.iter().any(|l| l.contains("бібліотекаря")),
        "{labels:?}"
    );
    // Choosing one answers it and records the choice.
    let first = labels[0].clone();
    r.taps(&first).sees("Чи допомогла відповідь?");
    assert!(
        matches!(r.events.as_slice(), [Event::FaqChosen { .. }]),
        "{:?}",
        r.events
    );
}

#[test]
fn nonsense_says_so_kindly_and_offers_lessons_and_the_librarian() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("купити слона")
        .sees(&msg(&script, Msg::FaqNothing, 0));
    assert_eq!(asked(&r).0, Verdict::Nothing);
    let labels = r.labels();
    assert!(labels.iter().any(|l| l.contains("Уроки")), "{labels:?}");
    r.taps("Запитати бібліотекаря")
        .sees(&msg(&script, Msg::LibrarianPrompt, 0));
    assert_eq!(r.state.awaiting, Some(Awaiting::Librarian));
    r.says("  Як мені підключити інтернет у селі?  ");
    assert_eq!(
        r.effects,
        vec![Effect::OpenTicket {
            text: "Як мені підключити інтернет у селі?".into()
        }]
    );
    assert_eq!(r.state.awaiting, None);
}

#[test]
fn free_text_in_a_lesson_is_answered_with_a_way_back() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/start lesson_passwords").taps("Далі").taps("Далі");
    r.sees("Який пароль найнадійніший?");
    // Text that is no button's label goes to the FAQ, with a button back to the lesson.
    r.says("що таке фішинг")
        .sees("Чи допомогла відповідь?")
        .does_not_see("Який пароль найнадійніший?");
    assert!(r.labels().iter().any(|l| l.contains("Назад до уроку")));
    r.taps("Назад до уроку")
        .sees("Продовжуємо урок")
        .sees("Який пароль найнадійніший?");
}

#[test]
fn ask_waits_for_a_question_and_big_buttons_still_work() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/ask").sees(&msg(&script, Msg::AskPrompt, 0));
    assert_eq!(r.state.awaiting, Some(Awaiting::Question));
    r.says("що таке фішинг").sees("Чи допомогла відповідь?");
    assert_eq!(r.state.awaiting, None);
    // The menu's big buttons still work while a question is awaited.
    r.says("/ask");
    r.says("📚 Уроки").sees("Оберіть тему");
}

#[test]
fn without_a_librarians_chat_the_bot_says_where_to_ask_in_person() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.handoff = false;
    // Friday 10:00: of the shipped hubs with known hours, branch No. 18 is open.
    r.says("/librarian")
        .sees(&msg(&script, Msg::LibrarianNone, 0))
        .sees("Найближче відчинена бібліотека-хаб")
        .sees("Бібліотека-філія № 18 у Пирогівцях")
        .sees("🟢 Зараз відчинено, до 13:00");
    // On Monday every shipped hub with hours is closed: the one opening soonest.
    let mut r = Resident::new(&script);
    r.handoff = false;
    r.now = jiff::civil::date(2026, 11, 30).at(10, 0, 0, 0);
    r.says("/librarian")
        .sees("Мобільний пункт бібліотеки № 7 у Ружичній")
        .sees("Відчиниться завтра о 09:00");
    assert_eq!(r.events.first(), Some(&Event::HandoffUnavailable));
    assert_eq!(r.state.awaiting, None);
}

#[test]
fn a_message_for_a_librarian_must_be_words_of_a_sensible_length() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/librarian");
    r.send(Input::Other).sees(&msg(&script, Msg::TextOnly, 0));
    assert_eq!(r.state.awaiting, Some(Awaiting::Librarian));
    r.says(&"слово ".repeat(1000)).sees("до 3000 знаків");
    assert!(r.effects.is_empty());
    assert_eq!(r.state.awaiting, Some(Awaiting::Librarian));
    r.says("Коротке запитання");
    assert_eq!(
        r.effects,
        vec![Effect::OpenTicket {
            text: "Коротке запитання".into()
        }]
    );
}

#[test]
fn a_command_ends_the_wait_for_a_librarian() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/librarian");
    r.says("/menu").sees("Головне меню");
    assert_eq!(r.state.awaiting, None);
    r.says("як оплатити світло через телефон");
    assert!(
        r.effects.is_empty(),
        "the text went to the FAQ, not a ticket"
    );
}

#[test]
fn the_answer_button_under_a_librarians_message_passes_the_next_text_on() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.send(Input::Press("t:17".into()))
        .sees(&msg(&script, Msg::TicketReplyPrompt, 0));
    r.says("Дякую, а що далі?");
    assert_eq!(
        r.effects,
        vec![Effect::TicketMessage {
            ticket: 17,
            text: "Дякую, а що далі?".into()
        }]
    );
}

#[test]
fn a_resident_cannot_close_tickets() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.says("/start");
    r.send(Input::Press("c:17".into()))
        .sees(&msg(&script, Msg::StaleButton, 0));
    assert!(r.effects.is_empty());
}

#[test]
fn forged_faq_buttons_are_stale() {
    let script = shipped_script();
    let mut r = Resident::new(&script);
    r.send(Input::Press("v:no_such_entry:000000000000:1".into()))
        .sees(&msg(&script, Msg::StaleButton, 0));
    r.send(Input::Press("f:no_such_entry:000000000000".into()))
        .sees(&msg(&script, Msg::StaleButton, 0));
}

#[test]
fn an_answer_can_carry_a_link_and_a_way_to_the_hubs() {
    use pomichnyk::engine::{Keyboard, Reply};
    let script = shipped_script();
    let mut r = Resident::new(&script);
    // The entries are opened as if chosen from offered questions.
    r.send(Input::Press("f:diia_what:000000000000".into()))
        .sees("Чи допомогла відповідь?");
    let links: Vec<String> = r
        .replies
        .iter()
        .flat_map(|reply| match reply {
            Reply::Message {
                keyboard: Keyboard::Inline(rows),
                ..
            } => rows
                .iter()
                .flatten()
                .filter_map(|b| b.url.clone())
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(links, vec!["https://diia.gov.ua/".to_string()]);
    r.send(Input::Press("f:hub_where:000000000000".into()))
        .sees("Чи допомогла відповідь?");
    r.taps("Знайти бібліотеку поруч")
        .sees(&msg(&script, Msg::HubsAsk, 0));
}

/// Questions about things the FAQ knows nothing of, in Ukrainian, Russian, Latin letters and
/// English: the bot says honestly that it does not know, offers the librarian and the lessons,
/// and no unrelated entries to choose from.
#[test]
fn out_of_scope_questions_get_an_honest_i_do_not_know() {
    let script = shipped_script();
    let questions = [
        // time
        "котра година",
        "сколько сейчас времени",
        "what time is it now",
        // weather
        "яка завтра погода",
        "какая погода будет в субботу",
        "is it going to rain today",
        // jokes
        "розкажи анекдот",
        "расскажи шутку",
        "tell me a funny joke",
        // prices
        "скільки коштує хліб",
        "почем сахар на рынке",
        "how much is a kilo of potatoes",
        // taxis
        "хочу замовити таксі",
        "вызови такси на вокзал",
        "book me a taxi",
        // exchange rates
        "який курс долара",
        "kurs yevro na sohodni",
    ];
    for question in questions {
        let mut r = Resident::new(&script);
        r.says(question);
        assert_eq!(
            asked(&r).0,
            Verdict::Nothing,
            "{question}: {:?}",
            r.labels()
        );
        r.sees(&msg(&script, Msg::FaqNothing, 0));
        let labels = r.labels();
        assert!(
            labels.iter().any(|l| l.contains("бібліотекаря")),
            "{question}: {labels:?}"
        );
        assert!(
            labels.iter().any(|l| l.contains("Уроки")),
            "{question}: {labels:?}"
        );
        // Nothing else: no FAQ entry offered.
        assert_eq!(labels.len(), 3, "{question}: {labels:?}");
    }
}
