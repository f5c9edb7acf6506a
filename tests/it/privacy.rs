//! `/delete_me` on Telegram, through the real HTTP path: after a resident (or a
//! librarian) has used every part of the bot, confirming leaves no row anywhere
//! in the database that holds their id, while the anonymous counts (events,
//! audit lines, questions) stay, and other people's rows are untouched.
//!
//! The database file is read directly with SQL, every column of every table.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::support::fake_api::{strip_tags, Call, FakeApi};
use crate::support::shipped_script;
use crate::support::tg::*;
use pomichnyk::telegram;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Row;

/// The admin from `access.admins`.
const ADMIN: i64 = 9001;
/// Ids as long as real Telegram ones, so no counter or time in the database
/// can equal them by chance.
const OLENA: i64 = 731_954_268;
const PETRO: i64 = 731_954_377;
const OKSANA: i64 = 582_603_119;
/// Friday 27 November 2026, 10:00 in Kyiv.
const FRIDAY_TEN: i64 = 1_795_766_400;
const HOUR: i64 = 3600;

fn settings() -> [(&'static str, &'static str); 4] {
    [
        ("POMICHNYK__ACCESS__ADMINS", "9001"),
        ("POMICHNYK__HANDOFF__LIBRARIANS_CHAT_ID", "-100500"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
        ("POMICHNYK__TELEGRAM__FLOOD_BURST", "100"),
    ]
}

/// A clock the test moves.
fn clock(now: &Arc<AtomicI64>) -> telegram::Clock {
    let now = now.clone();
    Arc::new(move || now.load(Ordering::SeqCst))
}

/// The bot's database, opened for reading beside the running bot (WAL on
/// SQLite; PostgreSQL when the tests run there).
async fn open_db(db: &std::path::Path) -> AnyPool {
    sqlx::any::install_default_drivers();
    let url = crate::support::db::url(db);
    let url = if crate::support::db::postgres().is_some() {
        url
    } else {
        format!("{url}?mode=ro")
    };
    AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("open the database")
}

/// Every `table.column` holding `id`, with how many rows: equal to it (as a
/// number or as text), or, in a text column, containing it anywhere (JSON,
/// free text). Every table of the schema is read, so a table added later is
/// checked too.
async fn holders(db: &AnyPool, id: i64) -> BTreeMap<String, i64> {
    let postgres = crate::support::db::postgres().is_some();
    let tables: Vec<String> = sqlx::query_scalar(if postgres {
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name != '_sqlx_migrations'
         ORDER BY table_name"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name != '_sqlx_migrations' ORDER BY name"
    })
    .fetch_all(db)
    .await
    .expect("tables");
    assert!(tables.len() >= 15, "the whole schema: {tables:?}");
    let mut found = BTreeMap::new();
    for table in tables {
        let columns = sqlx::query(&if postgres {
            format!(
                "SELECT column_name::text AS name, data_type::text AS type
                 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = '{table}'"
            )
        } else {
            format!("SELECT name, type FROM pragma_table_info('{table}')")
        })
        .fetch_all(db)
        .await
        .expect("columns");
        for column in columns {
            let name: String = column.get("name");
            let kind: String = column.get("type");
            let text = kind.eq_ignore_ascii_case("TEXT");
            let sql = match (text, postgres) {
                // Containing it covers being equal to it.
                (true, true) => {
                    format!(r#"SELECT count(*) FROM "{table}" WHERE strpos("{name}", $1) > 0"#)
                }
                (true, false) => format!(
                    r#"SELECT count(*) FROM "{table}" WHERE "{name}" = $2 OR instr("{name}", $1) > 0"#
                ),
                (false, _) => format!(r#"SELECT count(*) FROM "{table}" WHERE "{name}" = $1"#),
            };
            let query = if text && postgres {
                sqlx::query_scalar(&sql).bind(id.to_string())
            } else if text {
                sqlx::query_scalar(&sql).bind(id.to_string()).bind(id)
            } else {
                sqlx::query_scalar(&sql).bind(id)
            };
            let n: i64 = query.fetch_one(db).await.expect("count");
            if n > 0 {
                found.insert(format!("{table}.{name}"), n);
            }
        }
    }
    found
}

async fn count(db: &AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.expect(sql)
}

/// (kind, count) of events, for the rows `condition` picks.
async fn event_kinds(db: &AnyPool, condition: &str) -> Vec<(String, i64)> {
    sqlx::query_as(&format!(
        "SELECT kind, count(*) FROM events WHERE {condition} GROUP BY kind ORDER BY kind"
    ))
    .fetch_all(db)
    .await
    .expect("events")
}

/// (action, target, detail) of the audit lines `condition` picks, oldest first.
async fn audit_lines(
    db: &AnyPool,
    condition: &str,
) -> Vec<(String, Option<String>, Option<String>)> {
    sqlx::query_as(&format!(
        "SELECT action, target, detail FROM audit WHERE {condition} ORDER BY id"
    ))
    .fetch_all(db)
    .await
    .expect("audit")
}

/// Messages to `user` containing `text`.
fn got(calls: &[Call], user: i64, text: &str) -> usize {
    calls
        .iter()
        .filter(|c| c.chat() == Some(user) && c.delivered && strip_tags(c.text()).contains(text))
        .count()
}

async fn subscribes_to_everything(r: &mut Resident<'_>) {
    r.says("/subscribe").sees("Про що вам писати?").await;
    r.taps("⬜ вебінари").await.sees("Про що вам писати?").await;
    r.taps("⬜ новини").await.sees("Про що вам писати?").await;
    r.taps("Готово")
        .await
        .sees("Я писатиму вам про: вебінари")
        .await;
}

/// A librarian publishes a webinar on Monday 30 November (no reminder falls
/// due in these tests).
async fn publishes_a_webinar(librarian: &mut Resident<'_>, subscribers: usize) {
    librarian
        .says("/webinar")
        .sees("Як називається вебінар?")
        .await;
    librarian
        .says("Безпечний смартфон")
        .sees("Про що він?")
        .await;
    librarian
        .says("Паролі, оновлення і блокування екрана.")
        .sees("Коли?")
        .await;
    librarian.says("30.11 15:00").sees("Де?").await;
    librarian.taps("№ 8").await.sees("Скільки місць?").await;
    librarian.says("10").sees("Перевірте:").await;
    librarian
        .taps("Опублікувати")
        .await
        .sees(&format!(
            "Вебінар 1 опубліковано. Оголошення отримають {subscribers} підписників"
        ))
        .await;
}

/// A librarian announces library news (broadcast `id`) to every subscriber;
/// by day it goes at once (and the report comes back), in quiet hours it
/// waits for the morning.
async fn announces(librarian: &mut Resident<'_>, id: i64, text: &str, quiet: bool) {
    librarian.says("/announce").sees("Напишіть текст").await;
    librarian.says(text).sees("Про що").await;
    librarian.taps("новини бібліотек").await;
    if quiet {
        librarian
            .taps("Усім підписникам")
            .await
            .sees("тихі години")
            .await;
        librarian
            .taps("✅ Надіслати")
            .await
            .sees(&format!("Розсилку {id} ("))
            .await
            .sees("надішлю о 09:00")
            .await;
    } else {
        librarian
            .taps("Усім підписникам")
            .await
            .sees("Його отримають")
            .await;
        librarian
            .taps("Надіслати")
            .await
            .sees(&format!("Розсилку {id} завершено"))
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_who_asks_to_be_forgotten_leaves_only_anonymous_counts() {
    let api = FakeApi::start().await;
    let (_dir, path) = temp_db();
    let now = Arc::new(AtomicI64::new(FRIDAY_TEN));
    let bot = spawn_bot_with(
        &api,
        &path,
        &settings(),
        shipped_script(),
        Some(clock(&now)),
    )
    .await;
    let mut olena = Resident::new(&api, OLENA, "uk");
    let mut petro = Resident::new(&api, PETRO, "uk");
    let mut librarian = Resident::new(&api, ADMIN, "uk");
    let mut group = Librarians::new(&api);

    // Olena asks the FAQ, starts a lesson and subscribes; Petro too.
    olena.says("/start").sees("Головне меню").await;
    olena
        .says("забула пароль від дії")
        .sees("увійдіть у Дію знову")
        .await;
    olena.says("/start lesson_phishing").sees("це обман").await;
    olena.taps("Далі").await.sees("Ознаки фішингу").await;
    // Its question answered wrong comes back in /review; she turns its reminder on.
    olena.taps("Далі").await.sees("Що зробите?").await;
    olena
        .taps("Відповім на це SMS")
        .await
        .sees("Не зовсім")
        .await;
    olena.says("/settings").sees("Налаштування").await;
    olena
        .taps("Нагадувати про повторення")
        .await
        .sees("увімкнено")
        .await;
    petro.says("/start lesson_phishing").sees("це обман").await;
    subscribes_to_everything(&mut olena).await;
    subscribes_to_everything(&mut petro).await;

    // Both sign up for a webinar (broadcast 1 announces it).
    publishes_a_webinar(&mut librarian, 2).await;
    for r in [&mut olena, &mut petro] {
        r.sees("Вебінар: Безпечний смартфон").await;
        r.taps("Я прийду").await.sees("я вас записав").await;
    }

    // Both ask a librarian; a librarian answers Olena in her private chat.
    olena
        .says("/librarian")
        .sees("запитання для бібліотекаря")
        .await;
    olena
        .says("Як записатися до лікаря онлайн?")
        .sees("Номер звернення: 1")
        .await;
    let (_, ticket) = group.post("Звернення 1").await;
    petro
        .says("/librarian")
        .sees("запитання для бібліотекаря")
        .await;
    petro
        .says("Де роздрукувати довідку?")
        .sees("Номер звернення: 2")
        .await;
    group.post("Звернення 2").await;
    group.says(ADMIN, "Через застосунок Helsi.", Some(&ticket));
    olena.mark = group.mark;
    olena.sees("Через застосунок Helsi.").await;

    // Both try a librarian's command: refused, and audited.
    olena
        .says("/announce")
        .sees("Такої команди я не знаю")
        .await;
    petro
        .says("/broadcasts")
        .sees("Такої команди я не знаю")
        .await;

    // An announcement reaches both (broadcast 2) ...
    announces(&mut librarian, 2, "Бібліотека працює в суботу", false).await;
    olena.sees("Бібліотека працює в суботу").await;
    petro.sees("Бібліотека працює в суботу").await;
    // ... and one in quiet hours (broadcast 3) waits for the morning: pending for both.
    now.store(FRIDAY_TEN + 12 * HOUR, Ordering::SeqCst);
    announces(&mut librarian, 3, "Ранкова новина для підписників", true).await;

    olena.says("/delete_me").sees("Видалити все").await;

    // What the database holds before the confirmation.
    let db = open_db(&path).await;
    let olena_before = holders(&db, OLENA).await;
    assert_eq!(
        olena_before.keys().map(String::as_str).collect::<Vec<_>>(),
        vec![
            "audit.actor",
            "deliveries.user_id",
            "dialogue_state.user_id",
            "events.user_id",
            "lesson_progress.user_id",
            "reminders.user_id",
            "residents.user_id",
            "review_items.user_id",
            "review_reminders.user_id",
            "rsvps.user_id",
            "steps_reached.user_id",
            "subscriptions.user_id",
            "ticket_posts.chat_id",
            "tickets.chat_id",
            "tickets.user_id",
        ],
        "every place Olena is in: {olena_before:#?}"
    );
    assert_eq!(olena_before["deliveries.user_id"], 3, "sent, sent, pending");
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM deliveries WHERE user_id = {OLENA} AND status = 'pending'"
            )
        )
        .await,
        1
    );
    let petro_before = holders(&db, PETRO).await;
    assert!(
        petro_before.contains_key("deliveries.user_id") && petro_before.contains_key("audit.actor")
    );
    let events = count(&db, "SELECT count(*) FROM events").await;
    let olena_events = event_kinds(&db, &format!("user_id = {OLENA}")).await;
    for kind in ["lesson_started", "question_asked", "subscription_changed"] {
        assert!(
            olena_events.iter().any(|(k, _)| k == kind),
            "{kind} in {olena_events:?}"
        );
    }
    assert_eq!(
        count(&db, "SELECT count(*) FROM events WHERE user_id IS NULL").await,
        0
    );
    let audit = count(&db, "SELECT count(*) FROM audit").await;
    let olena_audit = audit_lines(&db, &format!("actor = {OLENA}")).await;
    assert_eq!(
        olena_audit,
        vec![("refused".to_string(), Some("announce".to_string()), None)]
    );
    let questions: Vec<String> = sqlx::query_scalar("SELECT text FROM questions ORDER BY id")
        .fetch_all(&db)
        .await
        .expect("questions");
    assert_eq!(questions, vec!["забула пароль від дії".to_string()]);
    let store = bot.store.clone();
    assert_eq!(
        store.rows_about(OLENA).await.expect("count"),
        olena_before.values().sum::<i64>() - olena_before["tickets.chat_id"],
        "rows_about counts the same rows (her ticket's row holds her id twice, as user and chat)"
    );
    let petro_rows = store.rows_about(PETRO).await.expect("count");

    olena
        .taps("Так, видалити")
        .await
        .sees("Я видалив усе")
        .await;

    // The morning: the held announcement goes to Petro, not to the forgotten Olena.
    now.store(FRIDAY_TEN + 23 * HOUR + HOUR / 2, Ordering::SeqCst);
    petro.sees("Ранкова новина для підписників").await;
    librarian.sees("Розсилку 3 завершено").await;
    let store = bot.stop().await;

    assert_eq!(store.rows_about(OLENA).await.expect("count"), 0);
    assert_eq!(
        holders(&db, OLENA).await,
        BTreeMap::new(),
        "no row anywhere holds Olena's id"
    );
    assert_eq!(got(&api.calls(), OLENA, "Ранкова новина"), 0);
    assert_eq!(got(&api.calls(), PETRO, "Ранкова новина"), 1);
    let progress = store.progress(3).await.expect("read").expect("row");
    assert_eq!(
        (progress.total, progress.sent, progress.pending),
        (1, 1, 0),
        "only Petro's delivery was left to send"
    );

    // The anonymous counts stay: every event, without an id ...
    assert_eq!(count(&db, "SELECT count(*) FROM events").await, events);
    assert_eq!(event_kinds(&db, "user_id IS NULL").await, olena_events);
    // ... every audit line, with -1 for who ...
    assert_eq!(count(&db, "SELECT count(*) FROM audit").await, audit);
    assert_eq!(audit_lines(&db, "actor = -1").await, olena_audit);
    // ... and the questions, which never had an id.
    let after: Vec<String> = sqlx::query_scalar("SELECT text FROM questions ORDER BY id")
        .fetch_all(&db)
        .await
        .expect("questions");
    assert_eq!(after, questions);

    // Petro's rows are all there (his held delivery is now sent).
    assert_eq!(holders(&db, PETRO).await, petro_before);
    assert_eq!(store.rows_about(PETRO).await.expect("count"), petro_rows);
    assert_eq!(
        store
            .delivery_status(3, PETRO)
            .await
            .expect("read")
            .as_deref(),
        Some("sent")
    );
    let ticket = store
        .ticket(2)
        .await
        .expect("read")
        .expect("Petro's ticket");
    assert_eq!((ticket.user, ticket.closed), (PETRO, false));
    assert!(store.ticket(1).await.expect("read").is_none());
    db.close().await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_librarian_who_asks_to_be_forgotten_leaves_their_work_without_their_id() {
    let api = FakeApi::start().await;
    let (_dir, path) = temp_db();
    let now = Arc::new(AtomicI64::new(FRIDAY_TEN));
    let bot = spawn_bot_with(
        &api,
        &path,
        &settings(),
        shipped_script(),
        Some(clock(&now)),
    )
    .await;
    let mut admin = Resident::new(&api, ADMIN, "uk");
    let mut oksana = Resident::new(&api, OKSANA, "uk");
    let mut olena = Resident::new(&api, OLENA, "uk");
    let mut group = Librarians::new(&api);

    admin
        .says(&format!("/grant {OKSANA} librarian"))
        .sees("тепер має роль «librarian»")
        .await;
    // A librarian is a resident too.
    oksana.says("/start lesson_phishing").sees("це обман").await;
    subscribes_to_everything(&mut olena).await;
    publishes_a_webinar(&mut oksana, 1).await;
    olena.sees("Вебінар: Безпечний смартфон").await;
    olena.taps("Я прийду").await.sees("я вас записав").await;

    // Oksana answers Olena's question in the librarians' group and closes it.
    olena
        .says("/librarian")
        .sees("запитання для бібліотекаря")
        .await;
    olena
        .says("Як записатися до лікаря онлайн?")
        .sees("Номер звернення: 1")
        .await;
    let (_, ticket) = group.post("Звернення 1").await;
    let answer = group.says(OKSANA, "Через застосунок Helsi.", Some(&ticket));
    olena.mark = group.mark;
    olena.sees("Через застосунок Helsi.").await;
    group.says(OKSANA, "/close", Some(&answer));
    group.post("Звернення 1 закрито").await;

    // One announcement by day (reported to her), one held for the morning.
    announces(&mut oksana, 2, "Бібліотека працює в суботу", false).await;
    olena.sees("Бібліотека працює в суботу").await;
    now.store(FRIDAY_TEN + 12 * HOUR, Ordering::SeqCst);
    announces(&mut oksana, 3, "Ранкова новина для підписників", true).await;
    // The admin's announcement held too, whose report shows the outbox has reported.
    announces(&mut admin, 4, "Ще одна ранкова новина", true).await;

    oksana.says("/delete_me").sees("Видалити все").await;
    let db = open_db(&path).await;
    let oksana_before = holders(&db, OKSANA).await;
    assert_eq!(
        oksana_before.keys().map(String::as_str).collect::<Vec<_>>(),
        vec![
            "audit.actor",
            "audit.target",
            "broadcasts.author",
            "dialogue_state.user_id",
            "events.user_id",
            "lesson_progress.user_id",
            "residents.user_id",
            "roles.user_id",
            "steps_reached.user_id",
            "ticket_messages.librarian",
            "tickets.closed_by",
            "webinars.author",
        ],
        "every place Oksana is in: {oksana_before:#?}"
    );
    assert_eq!(
        oksana_before["broadcasts.author"], 3,
        "the webinar's and two announcements"
    );
    let oksana_audit = audit_lines(&db, &format!("actor = {OKSANA}")).await;
    assert!(oksana_audit.len() >= 5, "{oksana_audit:?}");
    let audit = count(&db, "SELECT count(*) FROM audit").await;
    let events = count(&db, "SELECT count(*) FROM events").await;
    let oksana_events = event_kinds(&db, &format!("user_id = {OKSANA}")).await;
    let messages = count(&db, "SELECT count(*) FROM ticket_messages").await;
    let olena_before = holders(&db, OLENA).await;
    let store = bot.store.clone();
    assert_eq!(
        store.rows_about(OKSANA).await.expect("count"),
        oksana_before.values().sum::<i64>(),
        "rows_about counts the same places"
    );

    oksana
        .taps("Так, видалити")
        .await
        .sees("Я видалив усе")
        .await;

    // The morning: both held announcements go out; only the admin has a report.
    now.store(FRIDAY_TEN + 23 * HOUR + HOUR / 2, Ordering::SeqCst);
    olena.sees("Ранкова новина для підписників").await;
    olena.sees("Ще одна ранкова новина").await;
    admin.sees("Розсилку 4 завершено").await;
    let store = bot.stop().await;

    assert_eq!(store.rows_about(OKSANA).await.expect("count"), 0);
    assert_eq!(
        holders(&db, OKSANA).await,
        BTreeMap::new(),
        "no row anywhere holds Oksana's id"
    );
    let calls = api.calls();
    assert_eq!(got(&calls, OKSANA, "Розсилку 3 завершено"), 0);
    assert!(
        calls.iter().all(|c| c.chat() != Some(-1)),
        "nothing is sent to a forgotten author"
    );
    assert_eq!(store.roles_of(OKSANA).await.expect("roles"), vec![]);

    // Her work stays, by "someone forgotten" (-1) or nobody (NULL).
    assert_eq!(
        count(&db, "SELECT count(*) FROM broadcasts WHERE author = -1").await,
        3
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM broadcasts WHERE author = -1 AND reported = 0"
        )
        .await,
        1,
        "the announcement that finished after she left was reported to nobody"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM webinars WHERE author = -1").await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM tickets WHERE id = 1 AND closed_at IS NOT NULL AND closed_by IS NULL"
        )
        .await,
        1,
        "the ticket is still closed, by nobody"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM ticket_messages").await,
        messages
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM ticket_messages WHERE author = 'librarian' AND librarian IS NULL"
        )
        .await,
        1
    );
    assert_eq!(count(&db, "SELECT count(*) FROM audit").await, audit);
    assert_eq!(audit_lines(&db, "actor = -1").await, oksana_audit);
    assert_eq!(
        audit_lines(&db, &format!("actor = {ADMIN} AND action = 'grant'")).await,
        vec![("grant".to_string(), None, Some("librarian".to_string()))],
        "the grant stays, to nobody"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM events").await, events);
    assert_eq!(event_kinds(&db, "user_id IS NULL").await, oksana_events);

    // Olena's rows are all there, and her ticket with the answer.
    assert_eq!(holders(&db, OLENA).await, olena_before);
    let thread = store.ticket_messages(1).await.expect("thread");
    assert_eq!(
        thread,
        vec![
            (
                "resident".to_string(),
                "Як записатися до лікаря онлайн?".to_string()
            ),
            (
                "librarian".to_string(),
                "Через застосунок Helsi.".to_string()
            ),
        ]
    );
    db.close().await;
    store.close().await;
}
