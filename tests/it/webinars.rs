//! Webinars on Telegram, with the clock in the test's hands: a librarian
//! publishes one, residents sign up (up to its capacity), reminders come a
//! day and an hour before — across a restart, once each — and moving or
//! cancelling it tells everyone who signed up.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::support::fake_api::{strip_tags, Call, FakeApi};
use crate::support::tg::*;
use crate::support::{shipped_script, subscribers};
use pomichnyk::broadcast::Topic;
use pomichnyk::telegram;

const LIBRARIAN: i64 = 9001;
/// Friday 27 November 2026, 10:00 in Kyiv.
const FRIDAY_TEN: i64 = 1_795_766_400;
const HOUR: i64 = 3600;

/// How many messages containing `text` a resident got.
fn count(calls: &[Call], user: i64, text: &str) -> usize {
    calls
        .iter()
        .filter(|c| {
            c.method == "sendMessage"
                && c.chat() == Some(user)
                && c.delivered
                && strip_tags(c.text()).contains(text)
        })
        .count()
}

fn got(api: &FakeApi, user: i64, text: &str) -> usize {
    count(&api.calls(), user, text)
}

async fn wait_got(api: &FakeApi, user: i64, text: &str, n: usize) {
    api.wait_for(15, &format!("{n} × {text:?} to {user}"), |calls| {
        (count(calls, user, text) >= n).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webinar_from_publishing_to_reminders_moving_and_cancelling() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    subscribers(&db, [1, 2, 3], Topic::Webinars).await;
    let now = Arc::new(AtomicI64::new(FRIDAY_TEN));
    let clock: telegram::Clock = {
        let now = now.clone();
        Arc::new(move || now.load(Ordering::SeqCst))
    };
    let extra = [
        ("POMICHNYK__ACCESS__ADMINS", "9001"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
    ];
    let bot = spawn_bot_with(&api, &db, &extra, shipped_script(), Some(clock.clone())).await;

    // The librarian publishes: one question at a time.
    let mut librarian = Resident::new(&api, LIBRARIAN, "uk");
    librarian
        .says("/webinar")
        .sees("Як називається вебінар?")
        .await;
    librarian
        .says("Шахраї в месенджерах")
        .sees("Про що він?")
        .await;
    librarian
        .says("Як розпізнати фальшивого «друга» і не віддати код.")
        .sees("Коли?")
        .await;
    librarian.says("завтра").sees("Не вдалося прочитати").await;
    librarian.says("28.11 15:00").sees("Де?").await;
    librarian.taps("№ 8").await.sees("Скільки місць?").await;
    librarian
        .says("2")
        .sees("Перевірте:")
        .await
        .sees("28.11.2026 о 15:00")
        .await
        .sees("Місць: 2")
        .await;
    librarian
        .taps("Опублікувати")
        .await
        .sees("Вебінар 1 опубліковано. Оголошення отримають 3 підписників")
        .await;

    // The announcement reaches the subscribers with "I will come".
    let mut residents: Vec<Resident> = [1, 2, 3]
        .into_iter()
        .map(|id| Resident::new(&api, id, "uk"))
        .collect();
    for r in &mut residents {
        r.sees("Вебінар: Шахраї в месенджерах").await;
        r.taps("Я прийду").await;
    }
    residents[0].sees("я вас записав").await;
    residents[1].sees("я вас записав").await;
    residents[2].sees("вільних місць уже немає").await;
    residents[0]
        .says("/webinars")
        .sees("Вільних місць: 0")
        .await;

    // A day before: a reminder to those signed up, and only once, even across a restart.
    let store = bot.stop().await;
    store.close().await;
    now.store(FRIDAY_TEN + 5 * HOUR, Ordering::SeqCst); // 27.11, 15:00
    let bot = spawn_bot_with(&api, &db, &extra, shipped_script(), Some(clock.clone())).await;
    wait_got(&api, 1, "завтра вебінар «Шахраї в месенджерах»", 1).await;
    wait_got(&api, 2, "завтра вебінар", 1).await;

    // Moved to Sunday: those signed up hear of it, and the reminders follow the new time.
    librarian.says("/webinars").sees("Записалися: 2").await;
    librarian.taps("Перенести").await.sees("Коли?").await;
    librarian
        .says("29.11 15:00")
        .sees("Перенести «Шахраї в месенджерах» на 29.11.2026 о 15:00?")
        .await;
    librarian
        .taps("Опублікувати")
        .await
        .sees("перенесено на 29.11.2026 о 15:00")
        .await;
    wait_got(&api, 1, "Новий час: 29.11.2026 о 15:00", 1).await;
    wait_got(&api, 2, "Новий час", 1).await;
    now.store(FRIDAY_TEN + 29 * HOUR, Ordering::SeqCst); // 28.11, 15:00
    wait_got(&api, 1, "завтра вебінар", 2).await;
    now.store(FRIDAY_TEN + 52 * HOUR, Ordering::SeqCst); // 29.11, 14:00
    wait_got(&api, 1, "За годину починається", 1).await;
    wait_got(&api, 2, "За годину починається", 1).await;

    // A resident cannot cancel it; the librarian can, and everyone signed up is told.
    let announcement = api
        .calls_to("sendMessage")
        .into_iter()
        .find(|c| c.chat() == Some(3) && c.params["reply_markup"].to_string().contains("w:go:1"))
        .expect("the announcement");
    let message = api
        .sent_message(announcement.message_id.expect("id"))
        .expect("message");
    residents[2].send(crate::support::fake_api::callback(
        3, "uk", message, "wx:1", "forged",
    ));
    residents[2]
        .sees("Ця кнопка з давнішого повідомлення")
        .await;
    // The second resident withdraws: a seat frees up, and no more messages come to them.
    residents[1]
        .says("/webinars")
        .sees("Шахраї в месенджерах")
        .await;
    residents[1]
        .taps("Скасувати мій запис")
        .await
        .sees("ваш запис скасовано")
        .await;
    residents[2]
        .says("/webinars")
        .sees("Вільних місць: 1")
        .await;
    librarian.says("/webinars").sees("Записалися: 1").await;
    librarian
        .taps("Скасувати вебінар")
        .await
        .sees("скасовано")
        .await;
    wait_got(
        &api,
        1,
        "вебінар «Шахраї в месенджерах» (29.11.2026 о 15:00) скасовано",
        1,
    )
    .await;
    let store = bot.stop().await;
    assert_eq!(
        got(&api, 2, "(29.11.2026 о 15:00) скасовано"),
        0,
        "withdrawn before the cancellation"
    );
    // Each reminder exactly once; nothing for the one who did not get a seat.
    assert_eq!(
        got(&api, 1, "завтра вебінар"),
        2,
        "day reminders: old and new time"
    );
    assert_eq!(got(&api, 1, "За годину"), 1);
    assert_eq!(
        got(&api, 3, "завтра вебінар") + got(&api, 3, "За годину"),
        0
    );
    assert_eq!(got(&api, 3, "скасовано"), 0);
    let log = store.audit_log(50).await.expect("audit");
    for action in ["webinar", "webinar_move", "webinar_cancel"] {
        assert!(
            log.iter()
                .any(|e| e.action == action && e.actor == LIBRARIAN),
            "{action}"
        );
    }
    assert!(log.iter().any(|e| e.action == "refused" && e.actor == 3));
    store.close().await;
}
