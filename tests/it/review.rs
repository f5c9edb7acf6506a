//! Review: the lesson questions a resident answered wrong come back in
//! `/review` a day later, then three days and seven days after that; a
//! right answer moves a question on, a wrong one brings it back tomorrow, a
//! question answered right the first time never comes. The reminder is off
//! until `/settings` turns it on; then it comes once a day when something is
//! due, never in quiet hours, and a restart neither repeats nor loses it.
//! In the terminal and on Telegram (the fake Bot API), with the clock in the
//! test's hands.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::support::fake_api::{strip_tags, Call, FakeApi};
use crate::support::tg::{self, spawn_bot_with, temp_db};
use crate::support::{db, reply_text, shipped_script, Terminal};
use pomichnyk::app::Incoming;
use pomichnyk::engine::{Keyboard, Reply};
use pomichnyk::script::{markup, Script, Target};
use pomichnyk::store::Store;
use pomichnyk::telegram;

/// Friday 27 November 2026, 10:00 in Kyiv.
const FRIDAY_TEN: i64 = 1_795_766_400;
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// The scored questions on a lesson's way through when each step's first
/// way on is taken, in order.
fn scored_questions(script: &Script, lesson: &str) -> Vec<String> {
    let Some(d) = script.dialogue(lesson) else {
        return Vec::new();
    };
    let mut at = d.steps[d.start].id.clone();
    let mut seen = Vec::new();
    let mut questions = Vec::new();
    while let Some((_, step)) = d.step(&at) {
        if step.end || seen.contains(&at) {
            break;
        }
        seen.push(at.clone());
        at = match (&step.quiz, &step.input) {
            (Some(q), _) => {
                if !q.reflection {
                    questions.push(step.id.clone());
                }
                q.next.clone()
            }
            (None, Some(input)) => input.next.clone(),
            (None, None) => match step.buttons.iter().find_map(|b| match &b.target {
                Target::Step(s) => Some(s.clone()),
                _ => None,
            }) {
                Some(next) => next,
                None => break,
            },
        };
    }
    questions
}

/// The first lesson with at least three scored questions on its way through.
fn lesson_with_three_questions(script: &Script) -> (String, Vec<String>) {
    script
        .lessons()
        .map(|d| (d.id.clone(), scored_questions(script, &d.id)))
        .find(|(_, q)| q.len() >= 3)
        .expect("a lesson with three questions")
}

/// A question's words as the terminal shows them (its first line).
fn words(script: &Script, lesson: &str, step: &str) -> String {
    let (_, s) = script
        .dialogue(lesson)
        .and_then(|d| d.step(step))
        .expect("the question");
    markup::to_plain(s.text.get(0))
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The label of a question's right option (`right`) or of a wrong one.
fn option_label(script: &Script, lesson: &str, step: &str, right: bool) -> String {
    let quiz = script
        .dialogue(lesson)
        .and_then(|d| d.step(step))
        .and_then(|(_, s)| s.quiz.as_ref())
        .expect("a quiz");
    let option = quiz
        .options
        .iter()
        .find(|o| o.correct == right)
        .expect("such an option");
    option.text.get(0).to_string()
}

/// Walks a lesson to its end in the terminal at `now`: the questions in
/// `wrong` answered wrong once (then right, where the lesson asks again),
/// every other one right the first time. Answers what the end said.
async fn walk(
    t: &mut Terminal,
    script: &Script,
    lesson: &str,
    wrong: &[String],
    now: i64,
) -> String {
    t.send(&format!("/start lesson_{lesson}"), now)
        .await
        .expect("send");
    let mut missed: Vec<String> = Vec::new();
    let mut said = String::new();
    let d = script.dialogue(lesson).expect("the lesson");
    for _ in 0..200 {
        let store = t.session.app().store().clone();
        let state = store
            .load_state(t.user)
            .await
            .expect("load")
            .expect("saved");
        let at = state.at.expect("a place");
        assert_eq!(at.dialogue, lesson, "the walk stays in the lesson");
        let (_, step) = d.step(&at.step).expect("a step");
        if step.end {
            return said;
        }
        let data = match (&step.quiz, &step.input) {
            (Some(q), _) => {
                let wrong_now =
                    !q.reflection && wrong.contains(&step.id) && !missed.contains(&step.id);
                let option = if wrong_now {
                    missed.push(step.id.clone());
                    q.options.iter().position(|o| !o.correct)
                } else {
                    q.options.iter().position(|o| o.correct || q.reflection)
                }
                .expect("an option");
                format!("q:{lesson}:{}:{option}", step.id)
            }
            (None, Some(_)) => {
                t.send("Так", now).await.expect("send");
                continue;
            }
            (None, None) => {
                let next = step
                    .buttons
                    .iter()
                    .find_map(|b| match &b.target {
                        Target::Step(s) => Some(s.clone()),
                        _ => None,
                    })
                    .expect("a way on");
                format!("g:{lesson}:{next}")
            }
        };
        said = reply_text(&t.input(Incoming::Press { data }, now).await.expect("press"));
    }
    panic!("the lesson {lesson} did not end");
}

/// What the terminal shows after a line at `now`, as text, with the inline
/// buttons shown (label, data).
async fn line(t: &mut Terminal, text: &str, now: i64) -> (String, Vec<(String, String)>) {
    let replies = t.send(text, now).await.expect("send");
    shown(&replies)
}

async fn press(t: &mut Terminal, data: &str, now: i64) -> (String, Vec<(String, String)>) {
    let replies = t
        .input(
            Incoming::Press {
                data: data.to_string(),
            },
            now,
        )
        .await
        .expect("press");
    shown(&replies)
}

fn shown(replies: &[Reply]) -> (String, Vec<(String, String)>) {
    let buttons = replies
        .iter()
        .filter_map(|r| match r {
            Reply::Message {
                keyboard: Keyboard::Inline(rows),
                ..
            }
            | Reply::Photo {
                keyboard: Keyboard::Inline(rows),
                ..
            } => Some(rows),
            _ => None,
        })
        .flatten()
        .flatten()
        .map(|b| (b.label.clone(), b.data.clone()))
        .collect();
    (reply_text(replies), buttons)
}

/// The data of the shown button labelled `label`.
fn button(buttons: &[(String, String)], label: &str) -> String {
    buttons
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, d)| d.clone())
        .unwrap_or_else(|| panic!("no button {label:?} among {buttons:?}"))
}

/// Which of `steps` the review shows now (its words are in `said`).
fn asked<'a>(script: &Script, lesson: &str, steps: &'a [String], said: &str) -> &'a str {
    let found: Vec<&String> = steps
        .iter()
        .filter(|s| said.contains(&words(script, lesson, s)))
        .collect();
    assert_eq!(found.len(), 1, "one of {steps:?} is asked:\n{said}");
    found[0]
}

/// Answers the question the review shows, right or wrong.
async fn answer(
    t: &mut Terminal,
    script: &Script,
    lesson: &str,
    step: &str,
    buttons: &[(String, String)],
    right: bool,
    now: i64,
) -> (String, Vec<(String, String)>) {
    let data = button(buttons, &option_label(script, lesson, step, right));
    assert!(data.starts_with("rv:"), "a review button: {data}");
    press(t, &data, now).await
}

#[tokio::test]
async fn two_wrong_answers_come_back_tomorrow_then_in_three_days_and_never_a_right_one() {
    let script = shipped_script();
    let (lesson, questions) = lesson_with_three_questions(&script);
    let (a, b, c) = (&questions[0], &questions[1], &questions[2]);
    let store = Store::open(&db::memory()).await.expect("open");
    let mut t = Terminal::new(store.clone(), 5101, None);
    let never = words(&script, &lesson, c);

    // Today: two questions go wrong, the third is right the first time.
    let today = FRIDAY_TEN;
    let end = walk(&mut t, &script, &lesson, &[a.clone(), b.clone()], today).await;
    assert!(end.contains("повернуться завтра в /review"), "{end}");
    let (said, _) = line(&mut t, "/review", today + 60).await;
    assert!(said.contains("Сьогодні повторювати нічого"), "{said}");
    assert!(said.contains("28 листопада 2026"), "tomorrow: {said}");
    let (said, _) = line(&mut t, "/progress", today + 70).await;
    assert!(
        said.contains("Питань на повторенні: 2, вже вивчено: 0"),
        "{said}"
    );

    // Tomorrow: both, one at a time, in the lesson's own order of options.
    let tomorrow = today + DAY;
    let (said, buttons) = line(&mut t, "/review", tomorrow).await;
    assert!(said.contains("Питань: 2"), "{said}");
    assert!(said.contains("Питання 1 з 2"), "{said}");
    assert!(
        !said.contains(&never),
        "a right answer never comes back:\n{said}"
    );
    let first = asked(&script, &lesson, &questions[..2], &said).to_string();
    let old = buttons.clone();
    let (said, buttons) = answer(
        &mut t,
        &script,
        &lesson,
        &first,
        &buttons,
        true,
        tomorrow + 10,
    )
    .await;
    assert!(said.contains("Правильно"), "{said}");
    assert!(
        said.contains("повернеться ще раз 1 грудня 2026"),
        "in three days: {said}"
    );
    assert!(said.contains("Питання 2 з 2"), "{said}");
    let second = asked(&script, &lesson, &questions[..2], &said).to_string();
    assert_ne!(first, second);
    let (said, _) = answer(
        &mut t,
        &script,
        &lesson,
        &second,
        &buttons,
        true,
        tomorrow + 20,
    )
    .await;
    assert!(said.contains("повернеться ще раз 1 грудня 2026"), "{said}");
    assert!(
        said.contains("Наступне повторення — 1 грудня 2026"),
        "{said}"
    );

    // The first question's button pressed again: answered already, nothing moves.
    let (said, _) = answer(&mut t, &script, &lesson, &first, &old, false, tomorrow + 30).await;
    assert!(said.contains("На це питання ви вже відповіли"), "{said}");
    let (said, _) = press(&mut t, "rv:nonsense", tomorrow + 40).await;
    assert!(
        said.contains("Ця кнопка з давнішого повідомлення"),
        "a forged button is stale: {said}"
    );

    // The day after: after right answers nothing comes back yet.
    let (said, _) = line(&mut t, "/review", tomorrow + DAY).await;
    assert!(said.contains("Сьогодні повторювати нічого"), "{said}");
    assert!(said.contains("1 грудня 2026"), "{said}");

    // In three days: both again; one right (next in seven days), one wrong (tomorrow).
    let third = tomorrow + 3 * DAY;
    let (said, buttons) = line(&mut t, "/review", third).await;
    assert!(said.contains("Питань: 2"), "{said}");
    assert!(!said.contains(&never), "{said}");
    let first = asked(&script, &lesson, &questions[..2], &said).to_string();
    let (said, buttons) =
        answer(&mut t, &script, &lesson, &first, &buttons, true, third + 10).await;
    assert!(
        said.contains("повернеться ще раз 8 грудня 2026"),
        "in seven days: {said}"
    );
    let second = asked(&script, &lesson, &questions[..2], &said).to_string();
    let (said, _) = answer(
        &mut t,
        &script,
        &lesson,
        &second,
        &buttons,
        false,
        third + 20,
    )
    .await;
    assert!(said.contains("Не зовсім"), "{said}");
    assert!(
        said.contains("Повторимо його ще раз 2 грудня 2026"),
        "{said}"
    );
    assert!(
        said.contains("Наступне повторення — 2 грудня 2026"),
        "{said}"
    );

    // Tomorrow only the one that went wrong, from the first review again.
    let (said, buttons) = line(&mut t, "/review", third + DAY).await;
    assert!(said.contains("Питань: 1"), "{said}");
    assert_eq!(asked(&script, &lesson, &questions[..2], &said), second);
    let (said, _) = answer(
        &mut t,
        &script,
        &lesson,
        &second,
        &buttons,
        true,
        third + DAY + 10,
    )
    .await;
    assert!(said.contains("повернеться ще раз 5 грудня 2026"), "{said}");

    // Three days on, that one again, at its second review: seven days more.
    let (said, buttons) = line(&mut t, "/review", third + 4 * DAY).await;
    assert!(said.contains("Питань: 1"), "{said}");
    assert_eq!(asked(&script, &lesson, &questions[..2], &said), second);
    let (said, _) = answer(
        &mut t,
        &script,
        &lesson,
        &second,
        &buttons,
        true,
        third + 4 * DAY + 10,
    )
    .await;
    assert!(said.contains("повернеться ще раз 12 грудня 2026"), "{said}");

    // A week after its second review the first one is learned.
    let week = third + 7 * DAY;
    let (said, buttons) = line(&mut t, "/review", week).await;
    assert!(!said.contains(&never), "{said}");
    let q = asked(&script, &lesson, &questions[..2], &said).to_string();
    assert_eq!(q, first);
    let (said, _) = answer(&mut t, &script, &lesson, &first, &buttons, true, week + 10).await;
    assert!(said.contains("Більше його не повторюватимемо"), "{said}");
    assert!(
        said.contains("Наступне повторення — 12 грудня 2026"),
        "{said}"
    );
    let (said, _) = line(&mut t, "/progress", week + 20).await;
    assert!(
        said.contains("Питань на повторенні: 1, вже вивчено: 1"),
        "{said}"
    );
}

#[tokio::test]
async fn a_right_answer_at_the_first_try_in_the_lesson_again_learns_the_question() {
    let script = shipped_script();
    let (lesson, questions) = lesson_with_three_questions(&script);
    let store = Store::open(&db::memory()).await.expect("open");
    let mut t = Terminal::new(store.clone(), 5102, None);
    let (said, _) = line(&mut t, "/review", FRIDAY_TEN).await;
    assert!(said.contains("Поки що повторювати нічого"), "{said}");

    walk(&mut t, &script, &lesson, &questions[..1], FRIDAY_TEN).await;
    let end = walk(&mut t, &script, &lesson, &[], FRIDAY_TEN + HOUR).await;
    assert!(!end.contains("/review"), "all right the first time: {end}");
    let (said, _) = line(&mut t, "/review", FRIDAY_TEN + DAY).await;
    assert!(said.contains("вже повторили й запам’ятали"), "{said}");
    let (said, _) = line(&mut t, "/progress", FRIDAY_TEN + DAY).await;
    assert!(
        said.contains("Питань на повторенні: 0, вже вивчено: 1"),
        "{said}"
    );

    // In English the same words are there.
    let mut en = Terminal::new(store.clone(), 5105, Some("en".into()));
    let (said, _) = line(&mut en, "/review", FRIDAY_TEN).await;
    assert!(said.contains("There is nothing to review yet"), "{said}");
    let (said, _) = line(&mut en, "/settings", FRIDAY_TEN).await;
    assert!(said.contains("Review reminder: off"), "{said}");
}

#[tokio::test]
async fn the_reminder_is_off_until_settings_then_once_a_day_outside_quiet_hours_across_a_restart() {
    let script = shipped_script();
    let (lesson, questions) = lesson_with_three_questions(&script);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = db::url(&dir.path().join("review.db"));
    let store = Store::open(&url).await.expect("open");
    let mut t = Terminal::new(store.clone(), 5103, None);
    walk(&mut t, &script, &lesson, &questions[..2], FRIDAY_TEN).await;
    const REMINDER: &str = "Час повторити";

    // Tomorrow something is due, but the reminder is off: nothing comes.
    let tomorrow = FRIDAY_TEN + DAY;
    let (said, buttons) = line(&mut t, "/settings", tomorrow).await;
    assert!(
        said.contains("Нагадування про повторення: вимкнено"),
        "{said}"
    );
    assert!(!said.contains(REMINDER), "{said}");
    let (said, _) = line(&mut t, "/menu", tomorrow + 60).await;
    assert!(!said.contains(REMINDER), "off by default: {said}");
    let (said, _) = press(&mut t, &button(&buttons, "🌐 Змінити мову"), tomorrow + 70).await;
    assert!(said.contains("Оберіть мову:"), "{said}");

    // Turned on in /settings in the evening: quiet hours, it waits.
    let evening = FRIDAY_TEN + 12 * HOUR; // 22:00
    let (said, _) = press(
        &mut t,
        &button(&buttons, "🔔 Нагадувати про повторення"),
        evening,
    )
    .await;
    assert!(
        said.contains("Нагадування про повторення: увімкнено"),
        "{said}"
    );
    let (said, _) = line(&mut t, "/menu", tomorrow - 3 * HOUR).await; // 07:00
    assert!(!said.contains(REMINDER), "not in quiet hours: {said}");

    // At 09:30 it comes, with the number of questions, once.
    let (said, reminder) = line(&mut t, "/menu", tomorrow - 30 * 60).await;
    assert!(said.contains(REMINDER), "{said}");
    assert!(said.contains("Питань: 2"), "{said}");
    let (said, _) = line(&mut t, "/menu", tomorrow + 2 * HOUR).await;
    assert!(!said.contains(REMINDER), "once a day: {said}");

    // The store reopened (a restart): still not twice today.
    store.close().await;
    drop(t);
    let store = Store::open(&url).await.expect("reopen");
    let mut t = Terminal::new(store.clone(), 5103, None);
    let (said, _) = line(&mut t, "/menu", tomorrow + 4 * HOUR).await;
    assert!(!said.contains(REMINDER), "{said}");
    // The next day it comes again (nothing was reviewed), and its button starts the review.
    let (said, _) = line(&mut t, "/menu", tomorrow + DAY).await;
    assert!(said.contains(REMINDER), "{said}");
    let (said, _) = press(
        &mut t,
        &button(&reminder, "🔁 Повторити"),
        tomorrow + DAY + 10,
    )
    .await;
    assert!(said.contains("Питання 1 з 2"), "{said}");

    // Turned off from the reminder itself: no more.
    let (said, _) = press(
        &mut t,
        &button(&reminder, "🔕 Не нагадувати"),
        tomorrow + DAY + 20,
    )
    .await;
    assert!(said.contains("нагадувань не буде"), "{said}");
    let (said, _) = line(&mut t, "/menu", tomorrow + 2 * DAY).await;
    assert!(!said.contains(REMINDER), "{said}");
    store.close().await;
}

/// How many messages containing `text` a resident got.
fn count(calls: &[Call], user: i64, text: &str) -> usize {
    calls
        .iter()
        .filter(|c| {
            matches!(c.method.as_str(), "sendMessage" | "sendPhoto")
                && c.chat() == Some(user)
                && c.delivered
                && strip_tags(c.text()).contains(text)
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_telegram_the_reminder_comes_once_across_a_restart_and_opens_the_review() {
    const USER: i64 = 5104;
    const REMINDER: &str = "Час повторити";
    let script = shipped_script();
    let (lesson, questions) = lesson_with_three_questions(&script);
    let (_dir, db_file) = temp_db();
    // Today's lesson, in the terminal over the same database.
    {
        let store = Store::open(&db::url(&db_file)).await.expect("open");
        let mut t = Terminal::new(store.clone(), USER, None);
        walk(&mut t, &script, &lesson, &questions[..2], FRIDAY_TEN).await;
        store.close().await;
    }
    let api = FakeApi::start().await;
    let now = Arc::new(AtomicI64::new(FRIDAY_TEN + 10 * HOUR)); // 20:00
    let clock: telegram::Clock = {
        let now = now.clone();
        Arc::new(move || now.load(Ordering::SeqCst))
    };
    let extra = [("POMICHNYK__TELEGRAM__PACE_BURST", "100")];
    let bot = spawn_bot_with(
        &api,
        &db_file,
        &extra,
        shipped_script(),
        Some(clock.clone()),
    )
    .await;
    let mut resident = tg::Resident::new(&api, USER, "uk");
    resident
        .says("/settings")
        .sees("Нагадування про повторення: вимкнено")
        .await;
    resident
        .taps("Нагадувати про повторення")
        .await
        .sees("Нагадування про повторення: увімкнено")
        .await;

    // Nothing is due tonight; tomorrow at 07:00 it is, but that is quiet hours.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    now.store(FRIDAY_TEN + DAY - 3 * HOUR, Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(count(&api.calls(), USER, REMINDER), 0);

    // 09:30: one reminder, and only one, even across a restart.
    now.store(FRIDAY_TEN + DAY - 30 * 60, Ordering::SeqCst);
    api.wait_for(15, "the review reminder", |calls| {
        (count(calls, USER, REMINDER) >= 1).then_some(())
    })
    .await;
    let store = bot.stop().await;
    store.close().await;
    now.store(FRIDAY_TEN + DAY + 2 * HOUR, Ordering::SeqCst);
    let bot = spawn_bot_with(
        &api,
        &db_file,
        &extra,
        shipped_script(),
        Some(clock.clone()),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(count(&api.calls(), USER, REMINDER), 1, "sent once");

    // Its button opens the review: the same options as in the lesson.
    resident.mark = 0;
    resident
        .taps("🔁 Повторити")
        .await
        .sees("Питання 1 з 2")
        .await;
    let said = resident.said().join("\n");
    let first = asked(&script, &lesson, &questions[..2], &said).to_string();
    resident
        .taps(&option_label(&script, &lesson, &first, true))
        .await
        .sees("повернеться ще раз 1 грудня 2026")
        .await
        .sees("Питання 2 з 2")
        .await;
    resident
        .says("/progress")
        .sees("Питань на повторенні: 2")
        .await;
    bot.stop().await.close().await;
}
