//! Librarians and admins on Telegram: roles checked on every use and audited,
//! and an announcement sent through the durable outbox to a thousand
//! subscribers, some of whom blocked the bot, with transient errors on the way.

use crate::support::fake_api::{strip_tags, FakeApi, Fault};
use crate::support::tg::*;
use crate::support::{shipped_script, subscribers};
use pomichnyk::broadcast::Topic;
use pomichnyk::store::Role;

const ADMIN: i64 = 9001;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privileged_commands_are_refused_to_residents_allowed_to_roles_and_audited() {
    let extra = [
        ("POMICHNYK__ACCESS__ADMINS", "9001"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
    ];
    let (api, _dir, _db, bot) = start(&extra).await;
    let mut resident = Resident::new(&api, 5001, "uk");
    for command in [
        "/announce",
        "/broadcasts",
        "/webinar",
        "/grant 5001 admin",
        "/revoke 9001 admin",
    ] {
        resident.says(command).sees("Такої команди я не знаю").await;
    }
    // The admin from the settings grants the librarian's role ...
    let mut admin = Resident::new(&api, ADMIN, "uk");
    admin
        .says("/grant 5002 librarian")
        .sees("5002 тепер має роль «librarian»")
        .await;
    admin
        .says("/grant 5002 librarian")
        .sees("Нічого не змінилося")
        .await;
    admin.says("/grant").sees("Напишіть так").await;
    // ... who may list broadcasts but not grant roles.
    let mut librarian = Resident::new(&api, 5002, "uk");
    librarian
        .says("/broadcasts")
        .sees("Розсилок ще не було")
        .await;
    librarian
        .says("/grant 5003 admin")
        .sees("Такої команди я не знаю")
        .await;
    librarian
        .says("/announce")
        .sees("Напишіть текст оголошення")
        .await;
    // Revoked in the middle of a draft: the next step is refused, nothing is queued.
    admin
        .says("/revoke 5002 librarian")
        .sees("більше немає ролі")
        .await;
    librarian
        .says("купити слона")
        .sees("Вибачте, на це запитання")
        .await;

    let store = bot.stop().await;
    assert_eq!(store.roles_of(5001).await.expect("roles"), vec![]);
    assert_eq!(store.roles_of(5002).await.expect("roles"), vec![]);
    assert_eq!(
        store.roles_of(ADMIN).await.expect("roles"),
        vec![Role::Admin]
    );
    assert!(store.recent_broadcasts(5).await.expect("list").is_empty());
    let log = store.audit_log(100).await.expect("audit");
    let refused: Vec<(i64, Option<&str>)> = log
        .iter()
        .filter(|e| e.action == "refused")
        .map(|e| (e.actor, e.target.as_deref()))
        .collect();
    assert_eq!(
        refused,
        vec![
            (5002, Some("announce")),
            (5002, Some("grant")),
            (5001, Some("revoke")),
            (5001, Some("grant")),
            (5001, Some("webinar")),
            (5001, Some("broadcasts")),
            (5001, Some("announce")),
        ]
    );
    let granted: Vec<(&str, i64, Option<&str>)> = log
        .iter()
        .filter(|e| e.action == "grant" || e.action == "revoke")
        .map(|e| (e.action.as_str(), e.actor, e.target.as_deref()))
        .collect();
    assert_eq!(
        granted,
        vec![
            ("revoke", ADMIN, Some("5002")),
            ("grant", ADMIN, Some("5002")),
            ("grant", 0, Some("9001")),
        ],
        "changes are audited (the first admin from the settings too), a grant that changed nothing is not"
    );
    assert!(log
        .iter()
        .any(|e| e.action == "broadcasts" && e.actor == 5002));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_reaches_every_reachable_subscriber_once() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    subscribers(&db, 1..=1000, Topic::News).await;
    // 5 % have blocked the bot.
    for user in (20..=1000).step_by(20) {
        api.block(user);
    }
    let extra = [
        ("POMICHNYK__ACCESS__ADMINS", "9001"),
        ("POMICHNYK__BROADCAST__PER_SECOND", "400"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
    ];
    // Friday noon in Kyiv: no quiet hours.
    let bot = spawn_bot_with(
        &api,
        &db,
        &extra,
        shipped_script(),
        Some(clock_from(1_795_773_600)),
    )
    .await;
    let mut librarian = Resident::new(&api, ADMIN, "uk");
    librarian.says("/announce").sees("Напишіть текст").await;
    librarian
        .says("Вебінар «Як не потрапити на гачок» у четвер о 15:00")
        .sees("Про що це оголошення?")
        .await;
    librarian
        .taps("новини бібліотек")
        .await
        .sees("Кому надіслати?")
        .await;
    librarian
        .taps("Усім підписникам")
        .await
        .sees("Його отримають: 1000")
        .await;
    // 1 % of the sends meet a transient error, and Telegram asks twice to wait.
    for _ in 0..10 {
        api.fail_next("sendMessage", Fault::Garbage);
    }
    api.fail_next("sendMessage", Fault::TooMany(1));
    api.fail_next("sendMessage", Fault::TooMany(1));
    librarian.taps("Надіслати").await;
    librarian
        .sees("Розсилка 1 почалася: 1000 отримувачів")
        .await;
    librarian
        .sees("Розсилку 1 завершено")
        .await
        .sees("Надіслано: 950. Заблокували бота: 50. Чат недоступний: 0. Не вдалося: 0.")
        .await;

    let store = bot.stop().await;
    let calls = api.calls_to("sendMessage");
    for user in 1..=1000i64 {
        let got = calls
            .iter()
            .filter(|c| {
                c.chat() == Some(user)
                    && c.delivered
                    && strip_tags(c.text()).contains("Як не потрапити на гачок")
            })
            .count();
        let blocked = user % 20 == 0;
        assert_eq!(got, usize::from(!blocked), "resident {user}");
        let row = store.resident(user).await.expect("read").expect("row");
        assert_eq!(row.blocked, blocked, "resident {user}");
    }
    let under = calls
        .iter()
        .find(|c| c.chat() == Some(1) && c.delivered)
        .expect("a delivery");
    assert!(
        under.params["reply_markup"].to_string().contains("s:off"),
        "a 'do not send any more' button under it"
    );
    let progress = store.progress(1).await.expect("read").expect("row");
    assert_eq!(
        (
            progress.total,
            progress.sent,
            progress.blocked,
            progress.pending
        ),
        (1000, 950, 50, 0)
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_hours_hold_an_announcement_unless_it_is_urgent() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    subscribers(&db, 1..=3, Topic::News).await;
    let extra = [
        ("POMICHNYK__ACCESS__ADMINS", "9001"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
        ("POMICHNYK__TELEGRAM__FLOOD_BURST", "100"),
    ];
    // Friday 22:00 in Kyiv.
    let bot = spawn_bot_with(
        &api,
        &db,
        &extra,
        shipped_script(),
        Some(clock_from(1_795_809_600)),
    )
    .await;
    let mut librarian = Resident::new(&api, ADMIN, "uk");
    librarian.says("/announce").sees("Напишіть текст").await;
    librarian
        .says("Бібліотека завтра зачинена")
        .sees("Про що")
        .await;
    librarian.taps("новини бібліотек").await;
    librarian
        .taps("Усім підписникам")
        .await
        .sees("Зараз тихі години: надсилання почнеться о 09:00")
        .await;
    librarian.taps("✅ Надіслати").await;
    librarian
        .sees("Розсилку 1 (3 отримувачів) надішлю о 09:00")
        .await;
    // Another, urgent, goes at once.
    librarian.says("/announce").sees("Напишіть текст").await;
    librarian
        .says("Терміново: вебінар скасовано")
        .sees("Про що")
        .await;
    librarian.taps("новини бібліотек").await;
    librarian
        .taps("Усім підписникам")
        .await
        .sees("тихі години")
        .await;
    librarian.taps("Терміново").await;
    librarian.sees("Розсилку 2 завершено").await;
    librarian
        .says("/broadcasts")
        .sees("№2: надіслано 3 з 3, заблокували 0, не вдалося 0, у черзі 0")
        .await
        .sees("№1: надіслано 0 з 3, заблокували 0, не вдалося 0, у черзі 3")
        .await;
    // A draft can be dropped at its last step.
    librarian.says("/announce").sees("Напишіть текст").await;
    librarian.says("Чернетка").sees("Про що").await;
    librarian.taps("новини бібліотек").await;
    librarian
        .taps("Усім підписникам")
        .await
        .sees("тихі години")
        .await;
    librarian
        .taps("Скасувати")
        .await
        .sees("Оголошення скасовано")
        .await;
    let store = bot.stop().await;
    assert_eq!(
        store.recent_broadcasts(10).await.expect("list").len(),
        2,
        "the dropped draft queued nothing"
    );
    let one = store.progress(1).await.expect("read").expect("row");
    assert_eq!((one.pending, one.sent), (3, 0), "held until the morning");
    let two = store.progress(2).await.expect("read").expect("row");
    assert_eq!((two.pending, two.sent), (0, 3));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_subscribes_and_stops_with_one_tap() {
    let (api, _dir, _db, bot) = start(&[("POMICHNYK__TELEGRAM__PACE_BURST", "100")]).await;
    let mut r = Resident::new(&api, 6001, "uk");
    r.says("/subscribe").sees("Про що вам писати?").await;
    r.taps("⬜ вебінари").await.sees("Про що вам писати?").await;
    r.button("✅ вебінари").await;
    r.taps("Моя бібліотека")
        .await
        .sees("Оберіть свою бібліотеку")
        .await;
    r.taps("№ 8").await;
    r.button("Моя бібліотека: Бібліотека-філія № 8").await;
    r.taps("Готово")
        .await
        .sees("Я писатиму вам про: вебінари")
        .await;
    // The button under an announcement stops them all.
    let (call, _) = r.button("📚 Уроки").await;
    let message = api
        .sent_message(call.message_id.expect("id"))
        .expect("message");
    r.send(crate::support::fake_api::callback(
        6001, "uk", message, "s:off", "stop",
    ));
    r.sees("я не надсилатиму вам оголошень").await;
    let store = bot.stop().await;
    let state = store.load_state(6001).await.expect("read").expect("row");
    assert!(!state.subscription.webinars && !state.subscription.news);
    assert_eq!(state.subscription.hub.as_deref(), Some("branch_8"));
    let count = store
        .count_audience(
            pomichnyk::broadcast::Topic::Webinars,
            &pomichnyk::broadcast::Audience::Hub("branch_8".into()),
        )
        .await
        .expect("count");
    assert_eq!(count, 0, "no longer in any audience");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_announcement_goes_out_and_a_vanished_chat_is_skipped() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    subscribers(&db, 1..=5, Topic::News).await;
    api.forget_chat(3);
    let extra = [
        ("POMICHNYK__ACCESS__ADMINS", "9001"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
    ];
    let bot = spawn_bot_with(
        &api,
        &db,
        &extra,
        shipped_script(),
        Some(clock_from(1_795_773_600)),
    )
    .await;
    let mut librarian = Resident::new(&api, ADMIN, "uk");
    librarian.says("/announce").sees("Напишіть текст").await;
    let mut photo = crate::support::fake_api::photo();
    photo["caption"] = serde_json::json!("Новий графік роботи бібліотеки");
    librarian.sends(photo).sees("Про що це оголошення?").await;
    librarian.taps("новини бібліотек").await;
    librarian
        .taps("Усім підписникам")
        .await
        .sees("Його отримають: 5")
        .await;
    librarian.taps("Надіслати").await;
    librarian
        .sees("Надіслано: 4. Заблокували бота: 0. Чат недоступний: 1. Не вдалося: 0.")
        .await;
    let store = bot.stop().await;
    let photos = api.calls_to("sendPhoto");
    for user in [1, 2, 4, 5, ADMIN] {
        assert!(
            photos.iter().any(|c| c.chat() == Some(user)
                && c.delivered
                && c.params["photo"] == serde_json::json!("ph1")
                && c.params["caption"]
                    .as_str()
                    .is_some_and(|t| t.contains("Новий графік роботи"))),
            "the photo with its caption to {user} (the preview to the librarian)"
        );
    }
    assert_eq!(
        store.delivery_status(1, 3).await.expect("read").as_deref(),
        Some("skipped")
    );
    assert!(!store.resident(3).await.expect("read").expect("row").blocked);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_grants_a_role_by_replying_to_a_forwarded_message() {
    let extra = [
        ("POMICHNYK__ACCESS__ADMINS", "9001"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
    ];
    let (api, _dir, _db, bot) = start(&extra).await;
    let mut admin = Resident::new(&api, ADMIN, "uk");
    // A message of the librarian-to-be, forwarded by the admin to the bot.
    let forwarded = serde_json::json!({
        "message_id": 77,
        "date": 1_795_766_400,
        "chat": { "id": ADMIN, "type": "private", "first_name": "Admin" },
        "from": { "id": ADMIN, "is_bot": false, "first_name": "Admin" },
        "forward_origin": {
            "type": "user",
            "date": 1_795_766_000,
            "sender_user": { "id": 7007, "is_bot": false, "first_name": "Оксана" }
        },
        "text": "Добрий день, я бібліотекарка філії № 8"
    });
    admin.sends(serde_json::json!({
        "text": "/grant librarian",
        "entities": [{ "type": "bot_command", "offset": 0, "length": 6 }],
        "reply_to_message": forwarded,
    }));
    admin.sees("7007 тепер має роль «librarian»").await;
    let store = bot.stop().await;
    assert_eq!(
        store.roles_of(7007).await.expect("roles"),
        vec![Role::Librarian]
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_is_answered_at_once_while_a_broadcast_is_going_out() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    subscribers(&db, 1..=600, Topic::News).await;
    // Telegram's own pace: the broadcast takes about 20 seconds.
    let extra = [
        ("POMICHNYK__ACCESS__ADMINS", "9001"),
        ("POMICHNYK__BROADCAST__PER_SECOND", "30"),
    ];
    let bot = spawn_bot_with(
        &api,
        &db,
        &extra,
        shipped_script(),
        Some(clock_from(1_795_773_600)),
    )
    .await;
    let mut librarian = Resident::new(&api, ADMIN, "uk");
    librarian.says("/announce").sees("Напишіть текст").await;
    librarian
        .says("Завтра день відкритих дверей")
        .sees("Про що")
        .await;
    librarian.taps("новини бібліотек").await;
    librarian.taps("Усім підписникам").await.sees("600").await;
    librarian
        .taps("Надіслати")
        .await
        .sees("Розсилка 1 почалася")
        .await;
    api.wait_for(10, "the broadcast under way", |calls| {
        (calls
            .iter()
            .filter(|c| c.text().contains("день відкритих дверей") && c.delivered)
            .count()
            >= 60)
            .then_some(())
    })
    .await;
    // A resident who writes now does not queue behind 500 announcements.
    let mut resident = Resident::new(&api, 7001, "uk");
    let asked = std::time::Instant::now();
    resident.says("/help").sees("Що я вмію").await;
    let waited = asked.elapsed();
    let store = bot.stop().await;
    let progress = store.progress(1).await.expect("read").expect("row");
    assert!(
        progress.pending > 0,
        "the broadcast was still going: {progress:?}"
    );
    assert!(
        waited < std::time::Duration::from_secs(1),
        "the resident waited {waited:?}"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_audience_picks_the_right_subscribers() {
    use pomichnyk::broadcast::Audience;
    use pomichnyk::engine::{Event, State};
    use pomichnyk::store::{Commit, Store};
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&crate::support::db::url(&dir.path().join("a.db")))
        .await
        .expect("store");
    // 1: uk, news, hub branch_8, finished phishing. 2: en, news, came from branch_7's poster.
    // 3: uk, webinars only. 4: uk, news, blocked the bot.
    let residents: [(i64, &str, bool, bool, Option<&str>); 4] = [
        (1, "uk", true, false, Some("branch_8")),
        (2, "en", true, false, None),
        (3, "uk", false, true, None),
        (4, "uk", true, false, None),
    ];
    for (user, lang, news, webinars, hub) in residents {
        let state = State {
            lang: Some(lang.into()),
            ..State::default()
        };
        let mut events = vec![Event::SubscriptionChanged {
            webinars,
            news,
            hub: hub.map(str::to_string),
        }];
        if user == 1 {
            events.push(Event::LessonStarted {
                lesson: "phishing".into(),
            });
            events.push(Event::LessonCompleted {
                lesson: "phishing".into(),
                correct: 3,
                total: 3,
            });
        }
        if user == 2 {
            events.push(Event::Referred {
                hub: "branch_7".into(),
            });
        }
        let commit = Commit {
            user,
            now: 1,
            state: &state,
            events: &events,
        };
        store.commit(commit).await.expect("commit");
    }
    store.set_blocked(4, true).await.expect("block");
    let count = |topic, audience: Audience| {
        let store = store.clone();
        async move { store.count_audience(topic, &audience).await.expect("count") }
    };
    assert_eq!(
        count(Topic::News, Audience::All).await,
        2,
        "the blocked one is skipped"
    );
    assert_eq!(count(Topic::Webinars, Audience::All).await, 1);
    assert_eq!(
        count(Topic::News, Audience::Hub("branch_8".into())).await,
        1
    );
    assert_eq!(
        count(Topic::News, Audience::Hub("branch_7".into())).await,
        1,
        "the poster's hub counts"
    );
    assert_eq!(count(Topic::News, Audience::Language("en".into())).await, 1);
    assert_eq!(
        count(Topic::News, Audience::Completed("phishing".into())).await,
        1
    );
    assert_eq!(
        count(Topic::News, Audience::NotCompleted("phishing".into())).await,
        1
    );
    let (id, queued) = store
        .create_broadcast(
            9001,
            Topic::News,
            &Audience::NotCompleted("phishing".into()),
            "x",
            None,
            0,
            1,
        )
        .await
        .expect("queue");
    assert_eq!(queued, 1);
    assert_eq!(
        store.delivery_status(id, 2).await.expect("read").as_deref(),
        Some("pending")
    );
    assert_eq!(store.delivery_status(id, 1).await.expect("read"), None);
    store.close().await;
}
