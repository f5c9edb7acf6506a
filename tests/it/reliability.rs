//! Reliability on Telegram: quick use never loses a tap, a double tap acts
//! once, a flooder is slowed without slowing others, each update is handled once.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::support::fake_api::{self, strip_tags, Call, FakeApi};
use crate::support::shipped_script;
use crate::support::tg::*;
use serde_json::Value;

/// The time between two taps of a quick resident.
const TAP: Duration = Duration::from_millis(700);

/// The correct answers of a lesson's questions, as the Ukrainian labels.
fn correct_answers(lesson: &str) -> HashSet<String> {
    let script = shipped_script();
    let dialogue = &script.dialogues[lesson];
    dialogue
        .steps
        .iter()
        .filter_map(|s| s.quiz.as_ref())
        .flat_map(|q| q.options.iter().filter(|o| o.correct))
        .map(|o| o.text.get(0).to_string())
        .collect()
}

/// The button to press under the bot's latest message with inline buttons
/// since `mark`: a correct answer, else "Далі".
fn next_button(r: &Resident<'_>, mark: usize, correct: &HashSet<String>) -> Option<(Call, Value)> {
    let calls = r.api.calls();
    let call = calls[mark.min(calls.len())..]
        .iter()
        .rev()
        .find(|c| r.is_mine(c) && c.params["reply_markup"]["inline_keyboard"].is_array())?;
    let buttons: Vec<Value> = call.params["reply_markup"]["inline_keyboard"]
        .as_array()?
        .iter()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .collect();
    let label = |b: &Value| b["text"].as_str().unwrap_or_default().to_string();
    buttons
        .iter()
        .find(|b| correct.contains(&label(b)))
        .or_else(|| buttons.iter().find(|b| label(b).contains("Далі")))
        .map(|b| (call.clone(), b.clone()))
}

/// One tap: when it was sent, and how many calls the fake Bot API had seen.
struct Tap {
    at: Instant,
    mark: usize,
}

/// Taps through a whole lesson at one tap per [`TAP`] at most; with
/// `double`, every button is tapped twice at once. Returns the taps made.
async fn tap_through(r: &mut Resident<'_>, lesson: &str, double: bool) -> u32 {
    timed_taps_through(r, lesson, double).await.len() as u32
}

/// The same, returning each tap.
async fn timed_taps_through(r: &mut Resident<'_>, lesson: &str, double: bool) -> Vec<Tap> {
    let correct = correct_answers(lesson);
    r.says(&format!("/start lesson_{lesson}"));
    let mut taps = Vec::new();
    let mut last = Instant::now();
    loop {
        let mark = r.mark;
        let deadline = Instant::now() + Duration::from_secs(20);
        let (call, button) = loop {
            let done = r.api.calls()[mark..]
                .iter()
                .any(|c| r.is_mine(c) && strip_tags(c.text()).contains("пройдено!"));
            if done {
                return taps;
            }
            if last.elapsed() >= TAP {
                if let Some(found) = next_button(r, mark, &correct) {
                    break found;
                }
            }
            assert!(
                Instant::now() < deadline,
                "lesson {lesson}: no next button after {} taps; said {:#?}",
                taps.len(),
                r.said()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let data = button["callback_data"].as_str().expect("callback data");
        let message = r
            .api
            .sent_message(call.message_id.expect("a sent message"))
            .expect("the message");
        r.mark = r.api.call_count();
        let at = Instant::now();
        for _ in 0..if double { 2 } else { 1 } {
            r.queries += 1;
            let query = format!("q{}-{}", r.id, r.queries);
            r.api.push(fake_api::callback(
                r.id,
                r.lang,
                message.clone(),
                data,
                &query,
            ));
        }
        taps.push(Tap { at, mark: r.mark });
        last = Instant::now();
    }
}

/// Every callback query the resident sent was answered, each once.
async fn all_answered(api: &FakeApi, r: &Resident<'_>) {
    let prefix = format!("q{}-", r.id);
    let want = r.queries as usize;
    api.wait_for(15, "every callback query answered", |calls| {
        let answered: Vec<&str> = calls
            .iter()
            .filter(|c| c.method == "answerCallbackQuery")
            .filter_map(|c| c.params["callback_query_id"].as_str())
            .filter(|id| id.starts_with(&prefix))
            .collect();
        let distinct: HashSet<&&str> = answered.iter().collect();
        (answered.len() >= want && distinct.len() == want).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_taps_through_two_lessons_are_never_lost() {
    // Default settings: flood control and pacing as shipped.
    let (api, _dir, _db, bot) = start(&[]).await;
    let mut r = Resident::new(&api, 3101, "uk");
    r.says("/start").sees("Головне меню").await;
    let first = tap_through(&mut r, "phishing", false).await;
    let second = tap_through(&mut r, "passwords", false).await;
    assert!(first >= 5 && second >= 5, "taps: {first} and {second}");
    eprintln!("taps: {first} through phishing, {second} through passwords");
    all_answered(&api, &r).await;
    let answers = api.calls_to("answerCallbackQuery");
    assert_eq!(answers.len() as u32, r.queries, "each tap answered once");
    assert!(
        answers.iter().all(|c| c.params.get("text").is_none()),
        "no tap was refused with a toast"
    );
    assert!(
        !api.calls_to("sendMessage")
            .iter()
            .any(|c| c.chat() == Some(3101) && c.text().contains("дуже швидко")),
        "quick use is not told to slow down"
    );
    let store = bot.stop().await;
    let progress = store.lesson_progress(3101).await.expect("progress");
    assert_eq!(
        progress.iter().filter(|p| p.completed_at.is_some()).count(),
        2,
        "both lessons completed"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_taps_at_one_every_0_7_s_all_reach_the_bot() {
    // Default flood control; replies unpaced, so only the gate is measured.
    let (api, _dir, _db, bot) = start(&[("POMICHNYK__TELEGRAM__PACE_BURST", "100")]).await;
    let mut r = Resident::new(&api, 3151, "uk");
    let mut buttons = Vec::new();
    for (lesson, first) in [("phishing", "це обман"), ("passwords", "Пароль — це ключ")]
    {
        r.says(&format!("/start lesson_{lesson}")).sees(first).await;
        let (call, button) = r.button("Далі").await;
        let message = api
            .sent_message(call.message_id.expect("a sent message"))
            .expect("the message");
        let data = button["callback_data"].as_str().expect("data").to_string();
        buttons.push((message, data));
    }
    // Two buttons in turn: a press every 0.7 s, never the same one within a second.
    for i in 0..40 {
        let (message, data) = &buttons[i % 2];
        r.queries += 1;
        let query = format!("q{}-{}", r.id, r.queries);
        api.push(fake_api::callback(
            r.id,
            r.lang,
            message.clone(),
            data,
            &query,
        ));
        tokio::time::sleep(TAP).await;
    }
    all_answered(&api, &r).await;
    let toasts = api
        .calls_to("answerCallbackQuery")
        .iter()
        .filter(|c| c.params.get("text").is_some())
        .count();
    assert_eq!(
        toasts, 0,
        "{toasts} of 40 taps were dropped by flood control"
    );
    bot.stop().await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_tap_is_answered_twice_and_acts_once() {
    let (api, _dir, _db, bot) = start(&[]).await;
    let mut r = Resident::new(&api, 3201, "uk");
    r.says("/start").sees("Головне меню").await;
    let mark = api.call_count();
    let taps = tap_through(&mut r, "phishing", true).await;
    assert_eq!(r.queries, 2 * taps);
    all_answered(&api, &r).await;
    // Each step was shown once: no message to the resident repeats, none is a stale-press note.
    let texts: Vec<String> = api.calls()[mark..]
        .iter()
        .filter(|c| c.chat() == Some(3201) && c.method == "sendMessage")
        .map(|c| strip_tags(c.text()))
        .collect();
    let distinct: HashSet<&String> = texts.iter().collect();
    assert_eq!(
        distinct.len(),
        texts.len(),
        "a step shown twice: {texts:#?}"
    );
    let edits = api
        .calls_to("editMessageText")
        .iter()
        .filter(|c| c.chat() == Some(3201))
        .count();
    assert_eq!(edits, 2, "each of the two questions marked once");
    let store = bot.stop().await;
    let progress = store.lesson_progress(3201).await.expect("progress");
    assert!(progress[0].completed_at.is_some());
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooder_is_slowed_and_others_are_answered_within_a_second() {
    let (api, _dir, _db, bot) = start(&[]).await;
    let mut others: Vec<Resident> = (0..5)
        .map(|i| Resident::new(&api, 3301 + i, "uk"))
        .collect();
    // Warm-up: each has started the bot once.
    for r in &mut others {
        r.says("/start").sees("Головне меню").await;
    }
    let mut flooder = Resident::new(&api, 3300, "uk");
    for i in 0..300 {
        flooder.says(&format!("привіт {i}"));
    }
    let mut asked = Vec::new();
    for r in &mut others {
        r.says("/help");
        asked.push((r.id, Instant::now()));
    }
    for r in &mut others {
        r.sees("Що я вмію").await;
    }
    let calls = api.calls();
    for (id, at) in asked {
        let answered = calls
            .iter()
            .find(|c| {
                c.chat() == Some(id) && c.at > at && strip_tags(c.text()).contains("Що я вмію")
            })
            .expect("the answer")
            .at;
        let waited = answered - at;
        eprintln!("resident {id} answered after {waited:?} during the flood");
        assert!(
            waited < Duration::from_secs(1),
            "resident {id} waited {waited:?}"
        );
    }
    api.wait_for(15, "the slow-down note", |calls| {
        calls
            .iter()
            .any(|c| c.chat() == Some(3300) && c.text().contains("дуже швидко"))
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let to_flooder: Vec<Call> = api
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat() == Some(3300))
        .collect();
    let notes = to_flooder
        .iter()
        .filter(|c| c.text().contains("дуже швидко"))
        .count();
    assert_eq!(notes, 1, "one slow-down note");
    eprintln!("the flooder's 300 texts got {} messages", to_flooder.len());
    assert!(
        to_flooder.len() < 60,
        "{} answers to 300 texts: the flooder is slowed",
        to_flooder.len()
    );
    bot.stop().await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_handed_out_twice_is_answered_once() {
    let (api, _dir, _db, bot) = start(&[]).await;
    let mut r = Resident::new(&api, 3401, "uk");
    r.says("/start").sees("Головне меню").await;
    let mark = api.call_count();
    r.says("/help");
    let id = api.last_update_id();
    r.sees("Що я вмію").await;
    api.repeat(id);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !api.repeats_handed_out() {
        assert!(Instant::now() < deadline, "the repeat was not handed out");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Something after it shows the repeat has been through the gate.
    r.says("/progress").sees("Пройдено уроків").await;
    let helps = api.calls()[mark..]
        .iter()
        .filter(|c| c.chat() == Some(3401) && strip_tags(c.text()).contains("Що я вмію"))
        .count();
    assert_eq!(helps, 1, "the repeated update was answered once");
    bot.stop().await.close().await;
}

// ----- Bot API faults -------------------------------------------------------------

/// How long each tap waited for the bot's answer to it (its first message or
/// edit that Telegram accepted).
fn answer_times(api: &FakeApi, r: &Resident<'_>, taps: &[Tap]) -> Vec<Duration> {
    let calls = api.calls();
    taps.iter()
        .map(|tap| {
            calls[tap.mark..]
                .iter()
                .find(|c| r.is_mine(c))
                .map(|c| c.at.duration_since(tap.at))
                .expect("every tap answered")
        })
        .collect()
}

fn percentile(times: &mut [Duration], p: f64) -> Duration {
    times.sort();
    let rank = ((times.len() as f64) * p).ceil() as usize;
    times[rank.clamp(1, times.len()) - 1]
}

/// Three residents tap through a lesson each while the Bot API answers a
/// share of all requests with `fault`; returns every tap's answer time.
async fn taps_under_faults(fault: fake_api::Fault, per_cent: u32, seed: u64) -> Vec<Duration> {
    let (api, _dir, _db, bot) = start(&[]).await;
    let mut residents: Vec<Resident<'_>> = (0..3)
        .map(|i| Resident::new(&api, 3601 + i, "uk"))
        .collect();
    for r in &mut residents {
        r.says("/start").sees("Головне меню").await;
    }
    api.random_faults(per_cent, fault, seed);
    let lessons = ["phishing", "passwords", "phishing"];
    let walks = residents
        .iter_mut()
        .zip(lessons)
        .map(|(r, lesson)| async move {
            let taps = timed_taps_through(r, lesson, false).await;
            (r, taps)
        });
    let walked = futures_util::future::join_all(walks).await;
    let mut times = Vec::new();
    for (r, taps) in &walked {
        assert!(taps.len() >= 5, "{} taps by {}", taps.len(), r.id);
        all_answered(&api, r).await;
        times.extend(answer_times(&api, r, taps));
    }
    let faulted = api.faulted();
    assert!(faulted > 0, "the faults hit no request");
    eprintln!(
        "{per_cent} % of requests answered {fault:?}: {faulted} faults, {} taps",
        times.len()
    );
    let store = bot.stop().await;
    for r in &walked {
        let progress = store.lesson_progress(r.0.id).await.expect("progress");
        assert!(
            progress.iter().any(|p| p.completed_at.is_some()),
            "resident {} completed the lesson",
            r.0.id
        );
    }
    store.close().await;
    times
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenth_of_bot_api_calls_answering_502_costs_no_ten_second_stalls() {
    let mut times = taps_under_faults(fake_api::Fault::BadGateway, 10, 0x5eed_0502).await;
    let p50 = percentile(&mut times, 0.50);
    let p95 = percentile(&mut times, 0.95);
    let max = percentile(&mut times, 1.0);
    eprintln!("tap to answer at 10 % 502: p50 {p50:?}, p95 {p95:?}, max {max:?}");
    assert!(p95 <= Duration::from_secs(2), "p95 {p95:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_429s_slows_taps_but_loses_none() {
    // A quarter of all requests told to wait a second.
    let mut times = taps_under_faults(fake_api::Fault::TooMany(1), 25, 0x5eed_0429).await;
    let p50 = percentile(&mut times, 0.50);
    let p95 = percentile(&mut times, 0.95);
    let max = percentile(&mut times, 1.0);
    eprintln!("tap to answer at 25 % 429 (retry after 1 s): p50 {p50:?}, p95 {p95:?}, max {max:?}");
    // Each 429 costs the second Telegram asks for, and a tap's answer takes
    // three requests (the update, the answer to the press, the reply); ten
    // seconds would mean the waits pile up.
    assert!(p95 <= Duration::from_secs(10), "p95 {p95:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_and_an_announcement_told_to_wait_go_out_when_the_wait_ends() {
    use pomichnyk::broadcast::Topic;
    use pomichnyk::store::Store;
    const ANNOUNCEMENT: &str = "Хаб на Проскурівській працює до 19:00";
    const WEBINAR: &str = "Як не потрапити на гачок";
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    let url = crate::support::db::url(&db);
    let residents = 7101..7106;
    let unix = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64
    };
    let now = unix();
    // Five residents signed up for a webinar whose hour-before reminder
    // falls due a second later.
    let store = Store::open(&url).await.expect("store");
    crate::support::subscribe(&store, residents.clone(), Topic::Webinars).await;
    let webinar = store
        .create_webinar(
            9001,
            WEBINAR,
            "Опис",
            now + 3_600 + 1,
            "branch_8",
            None,
            now,
        )
        .await
        .expect("webinar");
    for user in residents.clone() {
        store.rsvp(webinar, user, now).await.expect("rsvp");
    }
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    // Telegram tells the first sends to wait a second.
    for _ in 0..3 {
        api.fail_next("sendMessage", fake_api::Fault::TooMany(1));
    }
    let bot = spawn_bot(
        &api,
        &db,
        &[
            ("POMICHNYK__BROADCAST__QUIET_HOURS", ""),
            ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
        ],
    )
    .await;
    let got = |calls: &[Call], needle: &str| -> Vec<i64> {
        calls
            .iter()
            .filter(|c| c.delivered && strip_tags(c.text()).contains(needle))
            .filter_map(Call::chat)
            .collect()
    };
    // A reminder told to wait is due again when the wait ends, not when its
    // claim ends (15 s on PostgreSQL).
    api.wait_for(8, "the reminder to all five", |calls| {
        let r = got(calls, WEBINAR);
        residents.clone().all(|id| r.contains(&id)).then_some(())
    })
    .await;
    // Then an announcement, whose first sends are told to wait too.
    for _ in 0..3 {
        api.fail_next("sendMessage", fake_api::Fault::TooMany(1));
    }
    crate::support::announce_to_all(&store, ANNOUNCEMENT, unix()).await;
    api.wait_for(10, "the announcement to all five", |calls| {
        let a = got(calls, ANNOUNCEMENT);
        residents.clone().all(|id| a.contains(&id)).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let calls = api.calls();
    for needle in [WEBINAR, ANNOUNCEMENT] {
        let mut chats = got(&calls, needle);
        chats.sort_unstable();
        assert_eq!(
            chats,
            residents.clone().collect::<Vec<_>>(),
            "{needle}: once to each"
        );
    }
    store.close().await;
    bot.stop().await.close().await;
}

// ----- requests Telegram would refuse -------------------------------------------

/// Every test through the fake Bot API fails if the bot made a request
/// Telegram would refuse (the check runs when the test lets go of the API);
/// this is that check seen failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_telegram_would_refuse_fails_the_test_that_made_it() {
    let api = FakeApi::start().await;
    let client = reqwest::Client::new();
    let send = |body: Value| {
        client
            .post(format!(
                "{}/bot{}/answerCallbackQuery",
                api.url,
                fake_api::TOKEN
            ))
            .json(&body)
            .send()
    };
    let first = send(serde_json::json!({ "callback_query_id": "q1" }))
        .await
        .expect("answer");
    assert_eq!(first.status(), 200);
    let again = send(serde_json::json!({ "callback_query_id": "q1" }))
        .await
        .expect("answer again");
    assert_eq!(again.status(), 400, "a callback query is answered once");
    assert_eq!(api.refusals().len(), 1, "{:?}", api.refusals());
    let released = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(api)));
    assert!(released.is_err(), "letting go of the API failed the test");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_answer_of_emoji_arrives_in_pieces_telegram_accepts() {
    let extra = [
        ("POMICHNYK__HANDOFF__LIBRARIANS_CHAT_ID", "-100500"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
    ];
    let (api, _dir, _db, bot) = start(&extra).await;
    let mut group = Librarians::new(&api);
    let mut r = Resident::new(&api, 3501, "uk");
    r.says("/librarian")
        .sees("запитання для бібліотекаря")
        .await;
    r.says("Як оплатити комуналку?")
        .sees("Номер звернення: 1")
        .await;
    let (_, ticket) = group.post("Звернення 1").await;
    let emoji = "😀".repeat(2040);
    group.says(77, &emoji, Some(&ticket));
    r.mark = group.mark;
    group.post("Надіслано мешканцю").await;
    let pieces: Vec<String> = api.calls()[r.mark..]
        .iter()
        .filter(|c| c.chat() == Some(3501) && c.method == "sendMessage")
        .map(|c| strip_tags(c.text()))
        .collect();
    assert!(pieces.len() >= 2, "{} pieces", pieces.len());
    for piece in &pieces {
        let units = piece.encode_utf16().count();
        assert!(units <= 4096, "a piece of {units} UTF-16 units");
    }
    assert!(
        pieces[0].contains("Відповідь бібліотекаря"),
        "{}",
        pieces[0]
    );
    let sizes: Vec<usize> = pieces.iter().map(|p| p.encode_utf16().count()).collect();
    eprintln!("the answer arrived in pieces of {sizes:?} UTF-16 units");
    let arrived: usize = pieces.iter().map(|p| p.matches('😀').count()).sum();
    assert_eq!(arrived, 2040, "every emoji arrived");
    api.assert_no_refusals();
    bot.stop().await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_makes_no_request_telegram_refuses() {
    let (api, _dir, _db, bot) = start(&[("POMICHNYK__TELEGRAM__PACE_BURST", "100")]).await;
    let mut r = Resident::new(&api, 3601, "uk");
    r.says("/start").sees("Головне меню").await;
    r.says("/help").sees("Що я вмію").await;
    r.says("/start lesson_phishing").sees("це обман").await;
    r.taps("Далі").await.sees("Ознаки фішингу").await;
    r.taps("Далі").await.sees("Що зробите?").await;
    r.taps("Подзвоню").await.sees("Правильно!").await;
    r.taps("Далі").await.taps("Далі").await.sees("Що це?").await;
    // A wrong answer: the question is asked again, and the first one is marked.
    let (question, button) = r.button("Справжня виплата").await;
    let data = button["callback_data"].as_str().expect("data").to_string();
    let id = question.message_id.expect("a sent message");
    r.taps("Справжня виплата")
        .await
        .sees("Не зовсім")
        .await
        .sees("Спробуйте ще раз")
        .await;
    api.wait_for(10, "the question marked", |calls| {
        calls
            .iter()
            .any(|c| {
                c.method == "editMessageText"
                    && c.params["message_id"].as_i64() == Some(id)
                    && c.text().contains("Справжня виплата")
            })
            .then_some(())
    })
    .await;
    // The same answer pressed again later on the marked message, as Telegram
    // shows it now: the answer counts, the question is not edited to the same text.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let marked = api.sent_message(id).expect("the question");
    r.mark = api.call_count();
    r.queries += 1;
    api.push(fake_api::callback(r.id, r.lang, marked, &data, "again-1"));
    r.sees("Не зовсім").await;
    let edits = api
        .calls_to("editMessageText")
        .iter()
        .filter(|c| c.params["message_id"].as_i64() == Some(id))
        .count();
    assert_eq!(edits, 1, "the marked question is not edited again");
    r.says("/progress").sees("Пройдено уроків").await;
    r.says(&"ї".repeat(10_000)).sees("не знаю відповіді").await;
    api.assert_no_refusals();
    bot.stop().await.close().await;
}

// ----- the webhook --------------------------------------------------------------

const SECRET: &str = "s3cret-Token_1";

/// The bot in webhook mode; returns the address to post updates to.
async fn webhook_bot(api: &FakeApi, db: &std::path::Path) -> (RunningBot, String, reqwest::Client) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let listen = format!("127.0.0.1:{port}");
    let bot = spawn_bot(
        api,
        db,
        &[
            ("POMICHNYK__TELEGRAM__MODE", "webhook"),
            ("POMICHNYK__WEBHOOK__LISTEN", &listen),
            (
                "POMICHNYK__WEBHOOK__PUBLIC_URL",
                "https://bot.example.org/hook",
            ),
            ("POMICHNYK__WEBHOOK__SECRET", SECRET),
            ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let url = format!("http://{listen}/hook");
    // The server is up once it answers at all.
    for _ in 0..100 {
        if client.post(&url).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (bot, url, client)
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    secret: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Option<u16> {
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    if let Some(s) = secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", s);
    }
    request.send().await.ok().map(|r| r.status().as_u16())
}

/// The status of a POST that declares a body of `length` bytes and sends none.
async fn declared_length(url: &str, length: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host:port");
    let mut tcp = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let head = format!(
        "POST /hook HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {length}\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.expect("write");
    let mut answer = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut answer))
        .await
        .expect("an answer in time")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer[..n]).into_owned();
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

fn update(id: i64, user: i64, text: &str) -> String {
    let mut update = fake_api::text(user, "uk", id, text);
    update["update_id"] = serde_json::json!(id);
    update.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_refuses_what_it_must_and_answers_each_update_once() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    let (bot, url, client) = webhook_bot(&api, &db).await;

    // A body over 1 MiB is refused on its declared length, before it is read. (A
    // client still sending when the answer comes may see its connection closed
    // instead, so this one sends only the head.)
    assert_eq!(declared_length(&url, 2 << 20).await, 413);
    assert_eq!(
        post(&client, &url, Some(SECRET), "{\"update_id\": 1, \"mess").await,
        Some(400)
    );
    assert_eq!(
        post(&client, &url, Some(SECRET), "not json").await,
        Some(400)
    );
    let help = update(7, 3701, "/help");
    assert_eq!(post(&client, &url, None, help.clone()).await, Some(401));
    assert_eq!(
        post(&client, &url, Some("wrong"), help.clone()).await,
        Some(401)
    );
    // The same update twice (Telegram did not hear the first 200): one answer.
    assert_eq!(
        post(&client, &url, Some(SECRET), help.clone()).await,
        Some(200)
    );
    assert_eq!(post(&client, &url, Some(SECRET), help).await, Some(200));
    assert_eq!(
        post(&client, &url, Some(SECRET), update(8, 3701, "/progress")).await,
        Some(200)
    );
    api.wait_for(10, "the answer to /progress", |calls| {
        calls
            .iter()
            .any(|c| c.chat() == Some(3701) && strip_tags(c.text()).contains("Пройдено уроків"))
            .then_some(())
    })
    .await;
    let helps = api
        .calls()
        .iter()
        .filter(|c| c.chat() == Some(3701) && strip_tags(c.text()).contains("Що я вмію"))
        .count();
    assert_eq!(helps, 1, "the update posted twice was answered once");
    api.assert_no_refusals();
    bot.stop().await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_a_thousand_webhook_requests_is_handled_or_shed() {
    use futures_util::StreamExt;
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    let (bot, url, client) = webhook_bot(&api, &db).await;
    let bodies: Vec<String> = (0..1000)
        .map(|i| update(100 + i, 3800 + i % 10, &format!("привіт {i}")))
        .collect();
    let statuses: Vec<Option<u16>> = futures_util::stream::iter(bodies)
        .map(|body| {
            let (client, url) = (client.clone(), url.clone());
            async move { post(&client, &url, Some(SECRET), body).await }
        })
        .buffer_unordered(200)
        .collect()
        .await;
    let ok = statuses.iter().filter(|s| **s == Some(200)).count();
    let shed = statuses.iter().filter(|s| **s == Some(503)).count();
    eprintln!("a burst of 1000: {ok} accepted, {shed} shed");
    assert_eq!(
        ok + shed,
        1000,
        "every request answered 200 or 503: {statuses:?}"
    );
    assert!(ok >= 100, "only {ok} of 1000 accepted");
    // The bot goes on: a resident who was not in the burst is answered.
    assert_eq!(
        post(&client, &url, Some(SECRET), update(5000, 3901, "/help")).await,
        Some(200)
    );
    api.wait_for(20, "the answer after the burst", |calls| {
        calls
            .iter()
            .any(|c| c.chat() == Some(3901) && strip_tags(c.text()).contains("Що я вмію"))
            .then_some(())
    })
    .await;
    bot.stop().await.close().await;
}

// ----- stopping -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_within_two_seconds_with_a_long_poll_and_presses_in_flight() {
    use std::process::{Command, Stdio};
    let api = FakeApi::start().await;
    // Like Telegram: a long poll is held for the bot's whole timeout (25 s).
    api.long_polls();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bot.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("run")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TELOXIDE_TOKEN", crate::support::fake_api::TOKEN)
        .env("TELOXIDE_API_URL", &api.url)
        .env("POMICHNYK__DATABASE__URL", crate::support::db::url(&db))
        .env("POMICHNYK__DIALOGUES__WATCH", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pomichnyk run");
    // Forty residents: their presses are still being handled when SIGTERM comes.
    let mut residents: Vec<Resident> = (0..40)
        .map(|i| Resident::new(&api, 4001 + i, "uk"))
        .collect();
    for r in &mut residents {
        r.says("/start lesson_phishing").sees("це обман").await;
    }
    // Each resident presses "Далі"; the presses are handed out together.
    let mut presses = Vec::new();
    for r in &mut residents {
        let (call, button) = r.button("Далі").await;
        let message = api
            .sent_message(call.message_id.expect("a sent message"))
            .expect("the message");
        let data = button["callback_data"].as_str().expect("data").to_string();
        presses.push(fake_api::callback(
            r.id,
            r.lang,
            message,
            &data,
            &format!("stop-{}", r.id),
        ));
    }
    for press in presses {
        api.push(press);
    }
    // Handed out and confirmed: the bot's next long poll is in flight.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !(api.drained() && api.polling() > 0) {
        assert!(Instant::now() < deadline, "the presses were not fetched");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let stopping = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        if stopping.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("still running 10 s after SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let took = stopping.elapsed();
    let handled_before = calls_before_stop(&api, stopping);
    assert!(exit.success(), "{exit:?}");
    assert!(
        took <= Duration::from_secs(2),
        "stopped {took:?} after SIGTERM"
    );
    // Every press it took was handled before it stopped: answered, the step shown.
    let calls = api.calls();
    for r in &residents {
        let query = format!("stop-{}", r.id);
        assert!(
            calls.iter().any(|c| c.method == "answerCallbackQuery"
                && c.params["callback_query_id"] == query.as_str()),
            "the press of {} was not answered",
            r.id
        );
        assert!(
            calls[r.mark..]
                .iter()
                .any(|c| r.is_mine(c) && strip_tags(c.text()).contains("Ознаки фішингу")),
            "{} did not see the next step",
            r.id
        );
    }
    eprintln!(
        "stopped {took:?} after SIGTERM; {handled_before} of {} presses answered before it",
        residents.len()
    );
}

/// Callback queries of the stop test answered before `at`.
fn calls_before_stop(api: &FakeApi, at: Instant) -> usize {
    api.calls()
        .iter()
        .filter(|c| {
            c.method == "answerCallbackQuery"
                && c.at < at
                && c.params["callback_query_id"]
                    .as_str()
                    .is_some_and(|q| q.starts_with("stop-"))
        })
        .count()
}
