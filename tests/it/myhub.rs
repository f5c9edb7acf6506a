//! A librarian keeps their hub's card from Telegram (`/myhub`), through the
//! real HTTP path against the fake Bot API: the library's place from a
//! location-request button, hours by buttons, today's status until local
//! midnight; a resident nearby sees it at once; a librarian of another hub is
//! refused (audited); `/delete_me` keeps the facts but not who set them.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::support::fake_api::{self, strip_tags, FakeApi};
use crate::support::tg::*;
use pomichnyk::telegram;
use serde_json::json;

/// The admin from `access.admins`.
const ADMIN: i64 = 9001;
/// The librarian of the library in Sharovechka ("far" in the test hubs).
const OLENA: i64 = 731_954_268;
/// The librarian of the central library ("centre").
const PETRO: i64 = 731_954_377;
const RESIDENT: i64 = 582_603_119;
/// Wednesday 2 December 2026, 10:00 in Kyiv (08:00 UTC).
const WEDNESDAY_TEN: i64 = 1_796_198_400;
/// Thursday 3 December 2026, 00:00 in Kyiv: local midnight.
const MIDNIGHT: i64 = 1_796_248_800;
/// The library in Sharovechka, where Olena stands.
const LIBRARY: (f64, f64) = (49.4150, 26.8986);
/// About 300 m north of it.
const NEARBY: (f64, f64) = (49.4177, 26.8986);

fn clock(now: &Arc<AtomicI64>) -> telegram::Clock {
    let now = now.clone();
    Arc::new(move || now.load(Ordering::SeqCst))
}

/// The text of the bot's answers to this person since their last input.
fn said(api: &FakeApi, r: &Resident<'_>) -> String {
    api.calls()[r.mark..]
        .iter()
        .filter(|c| c.delivered && c.chat() == Some(r.id))
        .map(|c| strip_tags(c.text()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn a_librarian_sets_the_place_hours_and_power_and_a_resident_nearby_sees_it_until_midnight() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    let now = Arc::new(AtomicI64::new(WEDNESDAY_TEN));
    let bot = spawn_bot_with(
        &api,
        &db,
        &[
            ("POMICHNYK__ACCESS__ADMINS", "9001"),
            ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
            ("POMICHNYK__TELEGRAM__FLOOD_BURST", "100"),
        ],
        crate::support::script_with_test_hubs(),
        Some(clock(&now)),
    )
    .await;

    // The admin links each librarian to their hub.
    let mut admin = Resident::new(&api, ADMIN, "uk");
    admin
        .says(&format!("/grant {OLENA} librarian far"))
        .sees("бібліотекар бібліотеки «Бібліотека в Шаровечці»")
        .await;
    admin
        .says(&format!("/grant {PETRO} librarian centre"))
        .sees("«Центральна бібліотека»")
        .await;
    admin
        .says(&format!("/grant {PETRO} librarian nowhere"))
        .sees("Бібліотеки «nowhere» немає у списку")
        .await;

    // Olena opens her card: nothing on the map yet.
    let mut olena = Resident::new(&api, OLENA, "uk");
    olena
        .says("/myhub")
        .sees("🏛 Бібліотека в Шаровечці")
        .await
        .sees("📍 Місця на мапі ще немає")
        .await
        .sees("🕘 Години роботи ще не вказано")
        .await;
    // The place: a button that asks Telegram for her location.
    olena
        .taps("📍 Місце на мапі")
        .await
        .sees("Коли будете в бібліотеці")
        .await;
    let (ask, _) = olena.button("Надіслати, де я").await;
    assert_eq!(
        ask.params["reply_markup"]["keyboard"][0][0]["request_location"],
        json!(true)
    );
    olena
        .sends(fake_api::location(LIBRARY.0, LIBRARY.1))
        .sees("📍 Записав місце бібліотеки: 49.41500, 26.89860")
        .await
        .sees("(змінено 02.12.2026)")
        .await;

    // Monday to Friday, 09:00 to 18:00, no lunch break: by buttons only.
    olena
        .taps("🕘 Години роботи")
        .await
        .sees("Для яких днів задати години?")
        .await;
    olena
        .taps("Пн–Пт")
        .await
        .sees("Обрано: Пн, Вт, Ср, Чт, Пт")
        .await;
    olena
        .taps("Далі")
        .await
        .sees("о котрій бібліотека відчиняється?")
        .await;
    olena
        .taps("09:00")
        .await
        .sees("О котрій зачиняється?")
        .await;
    olena.taps("18:00").await.sees("Чи є обідня перерва?").await;
    olena
        .taps("Без перерви")
        .await
        .sees("🕘 Записав години: Пн, Вт, Ср, Чт, Пт 09:00–18:00")
        .await
        .sees("Пт: 09:00–18:00")
        .await
        .sees("Сб: вихідний")
        .await;

    // Power and heating today.
    olena
        .taps("📣 Сьогодні")
        .await
        .sees("Це діє до півночі")
        .await;
    olena
        .taps("⚡ Є світло й тепло")
        .await
        .sees("📣 Записав на сьогодні: ⚡ Є світло й тепло")
        .await;

    // A resident 300 m away gets that hub first, open now, with power, and its pin.
    let mut resident = Resident::new(&api, RESIDENT, "uk");
    let venues_before = api.calls_to("sendVenue").len();
    resident
        .sends(fake_api::location(NEARBY.0, NEARBY.1))
        .sees("Найближчі до вас бібліотеки-хаби")
        .await
        .sees("🚶 0.3 км від вас")
        .await
        .sees("🟢 Зараз відчинено, до 18:00")
        .await
        .sees("⚡ Сьогодні тут є світло й тепло")
        .await;
    let text = said(&api, &resident);
    let first = text.find("Бібліотека в Шаровечці").expect("listed");
    let other = text.find("Бібліотека села Лозове").expect("listed");
    assert!(first < other, "the nearest first: {text}");
    let venue = api
        .wait_for(10, "a venue", |calls| {
            calls
                .iter()
                .find(|c| c.method == "sendVenue" && c.chat() == Some(RESIDENT))
                .cloned()
        })
        .await;
    assert_eq!(api.calls_to("sendVenue").len(), venues_before + 1);
    assert_eq!(venue.params["title"], json!("Бібліотека в Шаровечці"));
    assert_eq!(venue.params["latitude"], json!(LIBRARY.0));
    // Asked where to charge a phone: the hub with power today comes first.
    resident
        .says("де зарядити телефон?")
        .sees("Де сьогодні можна зарядити телефон")
        .await
        .sees("Бібліотека в Шаровечці")
        .await;

    // A librarian of another hub cannot change this one: refused, and audited.
    let mut petro = Resident::new(&api, PETRO, "uk");
    petro.says("/myhub far").sees("Це не ваша бібліотека").await;
    petro.says("/myhub").sees("🏛 Центральна бібліотека").await;
    // Right after /myhub a shared location sets his own hub's place (here: where the file has it).
    petro
        .sends(fake_api::location(49.4230, 26.9870))
        .sees("📍 Записав місце бібліотеки: 49.42300, 26.98700")
        .await;
    let (card, _) = petro.button("📣 Сьогодні").await;
    let message = api
        .sent_message(card.message_id.expect("a sent message"))
        .expect("the card");
    petro.send(fake_api::callback(
        PETRO,
        "uk",
        message,
        "h:far:tclosed",
        "forged-1",
    ));
    petro.sees("Це не ваша бібліотека").await;

    // At local midnight the status is gone; the hours and the place stay.
    now.store(MIDNIGHT, Ordering::SeqCst);
    resident
        .sends(fake_api::location(NEARBY.0, NEARBY.1))
        .sees("Бібліотека в Шаровечці")
        .await
        .sees("Відчиниться сьогодні о 09:00")
        .await;
    let text = said(&api, &resident);
    assert!(
        !text.contains("світло й тепло"),
        "the status ended at midnight: {text}"
    );
    // No other test hub works during power cuts: the bot says so and where else to look.
    resident
        .says("де є світло?")
        .sees("Сьогодні жодна бібліотека не повідомила, що має світло")
        .await
        .sees("nezlamnist.gov.ua")
        .await;

    // Olena asks to be forgotten: the facts she set stay, her id does not.
    olena.says("/delete_me").sees("Видалити все").await;
    olena
        .taps("Так, видалити")
        .await
        .sees("Я видалив усе")
        .await;

    let store = bot.stop().await;
    let audit = store.audit_log(100).await.expect("audit");
    let refused: Vec<_> = audit
        .iter()
        .filter(|a| a.action == "refused" && a.target.as_deref() == Some("myhub:far"))
        .collect();
    assert_eq!(refused.len(), 2, "{audit:#?}");
    assert!(refused.iter().all(|a| a.actor == PETRO));
    assert!(audit.iter().any(|a| a.action == "hub_location"
        && a.actor == PETRO
        && a.target.as_deref() == Some("centre")));
    for action in ["hub_location", "hub_hours", "hub_today"] {
        let done = audit
            .iter()
            .find(|a| a.action == action && a.target.as_deref() == Some("far"))
            .expect(action);
        assert_eq!(done.target.as_deref(), Some("far"));
        // Olena is forgotten: the line stays, without her id.
        assert_eq!(done.actor, -1, "{done:?}");
    }
    assert_eq!(store.rows_about(OLENA).await.expect("rows"), 0);
    let facts = store.hub_facts().await.expect("facts");
    let kinds: Vec<&str> = facts.iter().map(|f| f.value.kind()).collect();
    assert_eq!(
        kinds,
        ["location", "hours", "location", "today"],
        "{facts:?}"
    );
    assert_eq!(facts[0].hub, "centre");
    assert_eq!(facts[0].by, Some(PETRO));
    assert!(facts[1..].iter().all(|f| f.hub == "far" && f.by.is_none()));
    assert!(store
        .hubs_of(PETRO)
        .await
        .expect("links")
        .contains(&"centre".to_string()));
}

#[tokio::test]
async fn a_phone_typed_any_way_is_saved_and_nonsense_is_refused() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    let now = Arc::new(AtomicI64::new(WEDNESDAY_TEN));
    let bot = spawn_bot_with(
        &api,
        &db,
        &[
            ("POMICHNYK__ACCESS__ADMINS", "9001"),
            ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
        ],
        crate::support::script_with_test_hubs(),
        Some(clock(&now)),
    )
    .await;
    let mut admin = Resident::new(&api, ADMIN, "uk");
    // An admin keeps every hub: /myhub lists them.
    admin.says("/myhub").sees("Оберіть бібліотеку").await;
    admin
        .taps("Бібліотека села Лозове")
        .await
        .sees("📞 Телефону ще немає")
        .await;
    admin
        .taps("📞 Телефон")
        .await
        .sees("Напишіть номер телефону")
        .await;
    admin
        .says("подзвоніть мені")
        .sees("Це не схоже на український номер")
        .await;
    admin
        .says("+38 (068) 334-80-30")
        .sees("📞 Записав телефон: +380683348030")
        .await;
    // A resident who looks for Lozove now has the phone as a contact card.
    let mut r = Resident::new(&api, RESIDENT, "uk");
    r.says("/hubs").sees("Знайдімо").await;
    r.says("лозове").sees("📞 +380683348030").await;
    let contact = api
        .wait_for(10, "a contact", |calls| {
            calls
                .iter()
                .find(|c| c.method == "sendContact" && c.chat() == Some(RESIDENT))
                .cloned()
        })
        .await;
    assert_eq!(contact.params["phone_number"], json!("+380683348030"));
    // Someone with no role: /myhub is just an unknown command, and the try is audited.
    r.says("/myhub").sees("Такої команди я не знаю").await;
    let store = bot.stop().await;
    let audit = store.audit_log(50).await.expect("audit");
    assert!(audit.iter().any(|a| a.action == "hub_phone"
        && a.actor == ADMIN
        && a.detail.as_deref() == Some("+380683348030")));
    let tries: Vec<_> = audit
        .iter()
        .filter(|a| a.action == "refused" && a.actor == RESIDENT)
        .collect();
    assert_eq!(tries.len(), 1, "once: {tries:?}");
    assert_eq!(tries[0].target.as_deref(), Some("myhub"));
}

/// A fact as `/myhub` would write it, straight through the store.
fn fact(
    hub: &str,
    value: pomichnyk::hubs::layer::Value,
    until: Option<i64>,
) -> pomichnyk::store::Write {
    pomichnyk::store::Write::Hub(pomichnyk::store::HubChange::Set {
        hub: hub.to_string(),
        value,
        by: OLENA,
        at: WEDNESDAY_TEN,
        until,
    })
}

#[tokio::test]
async fn in_the_terminal_a_village_without_a_hub_gets_the_nearest_and_impossible_places_are_said_so(
) {
    use pomichnyk::hubs::layer::Value;
    let (_dir, db) = temp_db();
    let store = pomichnyk::store::Store::open(&crate::support::db::url(&db))
        .await
        .expect("store");
    // The places of branches No. 18 and No. 21, as their librarians would share them (test coordinates).
    store
        .write(vec![
            fact("branch_18", Value::Location(49.4000, 26.9300), None),
            fact("branch_21", Value::Location(49.4050, 26.9300), None),
        ])
        .await
        .expect("write");
    let mut t = crate::support::Terminal::new(store, 77, Some("uk".into()));
    let text = |replies: Vec<pomichnyk::engine::Reply>| crate::support::reply_text(&replies);
    t.send("/hubs", WEDNESDAY_TEN).await.expect("hubs");
    // Vodychky has no hub; its centre (from the brief) is about 13 km from branch No. 18.
    let shown = text(t.send("водички", WEDNESDAY_TEN).await.expect("typed"));
    assert!(
        shown.contains("У населеному пункті «Водички» бібліотеки-хаба я не знаю"),
        "{shown}"
    );
    assert!(
        shown.contains("Бібліотека-філія № 18 у Пирогівцях"),
        "{shown}"
    );
    assert!(shown.contains("🚶 приблизно 13 км звідти"), "{shown}");
    // The same in Latin letters and with a typo.
    t.send("/hubs", WEDNESDAY_TEN).await.expect("hubs");
    let shown = text(t.send("Vodychky", WEDNESDAY_TEN).await.expect("typed"));
    assert!(shown.contains("«Водички»"), "{shown}");
    // Kopystyn has no hub and no known centre: the bot says so, never guesses.
    t.send("/hubs", WEDNESDAY_TEN).await.expect("hubs");
    let shown = text(t.send("копистин", WEDNESDAY_TEN).await.expect("typed"));
    assert!(shown.contains("відстаней звідти поки не знаю"), "{shown}");
    // Branch No. 21's phone is not known: the library system's line is offered.
    t.send("/hubs", WEDNESDAY_TEN).await.expect("hubs");
    let shown = text(t.send("богданівці", WEDNESDAY_TEN).await.expect("typed"));
    assert!(
        shown.contains(
            "📞 Телефону цієї бібліотеки я не знаю. Довідка бібліотек громади: +380382794434"
        ),
        "{shown}"
    );
    // Places that cannot be a resident's.
    for line in ["/location 91 0", "/location 0 0", "/location -95.5 200"] {
        let shown = text(t.send(line, WEDNESDAY_TEN).await.expect("location"));
        assert!(
            shown.contains("Такого місця на Землі не буває"),
            "{line}: {shown}"
        );
        assert!(!shown.contains("Найближчі"), "{line}: {shown}");
    }
    let shown = text(
        t.send("/location 48.8566 2.3522", WEDNESDAY_TEN)
            .await
            .expect("Paris"),
    );
    assert!(shown.contains("далеко за межами України"), "{shown}");
    // A real place in the community: branch No. 18 with its distance, and its pin.
    let replies = t
        .send("/location 49.4010 26.9300", WEDNESDAY_TEN)
        .await
        .expect("here");
    assert!(replies.iter().any(|r| matches!(r,
        pomichnyk::engine::Reply::Venue { title, .. } if title.contains("№ 18"))));
    let shown = text(replies);
    assert!(shown.contains("🚶 0.1 км від вас"), "{shown}");
    assert!(shown.contains("🟢 Зараз відчинено, до 13:00"), "{shown}");
    // Saturday 10:00: No. 18, the nearest, opens at 10:30; the pin is No. 21's, open since 09:30.
    let saturday_ten = WEDNESDAY_TEN + 3 * 24 * 3600;
    let replies = t
        .send("/location 49.3995 26.9300", saturday_ten)
        .await
        .expect("Saturday");
    let pins: Vec<&str> = replies
        .iter()
        .filter_map(|r| match r {
            pomichnyk::engine::Reply::Venue { title, .. } => Some(title.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(pins, ["Бібліотека-філія № 21 у Богданівцях"]);
    let shown = text(replies);
    let (no18, no21) = (
        shown.find("№ 18").expect("listed"),
        shown.find("№ 21").expect("listed"),
    );
    assert!(no18 < no21, "the nearest first: {shown}");
    assert!(
        shown.contains("🔴 Зараз зачинено. Відчиниться сьогодні о 10:30"),
        "{shown}"
    );
}

#[tokio::test]
async fn hubs_export_reloads_with_check_and_equals_the_file_plus_the_librarians_changes() {
    use pomichnyk::hubs::layer::{self, Today, Value};
    use pomichnyk::hubs::season::{MonthDay, SeasonHours, Seasons};
    use pomichnyk::script::Service;
    let (_dir, db) = temp_db();
    let url = crate::support::db::url(&db);
    let store = pomichnyk::store::Store::open(&url).await.expect("store");
    let nine_six = |d: usize| {
        let mut week: layer::Week = Default::default();
        for day in week.iter_mut().take(d) {
            *day = vec![("09:00".parse().unwrap(), "18:00".parse().unwrap())];
        }
        week
    };
    store
        .write(vec![
            fact("branch_18", Value::Location(49.4000, 26.9300), None),
            fact("branch_21", Value::Phone("+380671112233".into()), None),
            // Branch No. 21 drops its seasons for the same hours all year.
            fact("branch_21", Value::Hours(nine_six(5)), None),
            // Branch No. 18 gets its summer hours; branch No. 7, which had no hours, seasons.
            fact(
                "branch_18",
                Value::schedule(
                    None,
                    Seasons {
                        summer: Some(SeasonHours {
                            from: MonthDay::new(6, 1).unwrap(),
                            hours: Some(nine_six(6)),
                        }),
                        winter: Some(SeasonHours {
                            from: MonthDay::new(9, 1).unwrap(),
                            hours: Some(nine_six(5)),
                        }),
                    },
                ),
                None,
            ),
            fact(
                "branch_7",
                Value::schedule(
                    None,
                    Seasons {
                        summer: Some(SeasonHours {
                            from: MonthDay::new(5, 15).unwrap(),
                            hours: Some(nine_six(5)),
                        }),
                        winter: Some(SeasonHours {
                            from: MonthDay::new(10, 1).unwrap(),
                            hours: None,
                        }),
                    },
                ),
                None,
            ),
            fact("branch_14", Value::Hours(nine_six(6)), None),
            fact(
                "branch_8",
                Value::Services(vec![Service::Wifi, Service::PowerBackup]),
                None,
            ),
            // Today's status and a confirmation are not facts of the file.
            fact("branch_7", Value::Today(Today::Power), Some(MIDNIGHT)),
            fact("branch_9", Value::Confirmed, None),
        ])
        .await
        .expect("write");
    let facts = store.hub_facts().await.expect("facts");
    store.close().await;

    let run = |args: &[&str], dir: Option<&std::path::Path>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pomichnyk"));
        cmd.args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RUST_LOG", "warn")
            .env("POMICHNYK__DATABASE__URL", &url);
        if let Some(dir) = dir {
            cmd.env("POMICHNYK__DIALOGUES__DIR", dir);
        }
        cmd.output().expect("run pomichnyk")
    };
    let out = run(&["hubs", "export"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = String::from_utf8(out.stdout).expect("UTF-8");

    // It re-loads with `check`.
    let copy = crate::support::content_copy();
    std::fs::write(copy.path().join("hubs.toml"), &exported).expect("write");
    let out = run(&["check", &copy.path().display().to_string()], None);
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{printed}");
    assert!(printed.contains("errors: 0"), "{printed}");
    // `check` reads the same database: branch No. 18's coordinates were set in /myhub.
    assert!(
        printed.contains(
            "hub \"branch_18\": missing: nothing; last confirmed: coordinates 2026-12-02"
        ),
        "{printed}"
    );

    // What it holds is the shipped file plus the librarians' changes, nothing else.
    let shipped = crate::support::shipped_script();
    let expected = layer::merge(&shipped.hubs, &facts, MIDNIGHT);
    let report = pomichnyk::content::load_dir(copy.path(), &crate::support::languages());
    let reloaded = report.script.expect("the export loads");
    assert_eq!(reloaded.hubs.len(), expected.len());
    for (got, want) in reloaded.hubs.iter().zip(&expected) {
        assert_eq!(got.id, want.id);
        assert_eq!(got.name.0, want.name.0);
        assert_eq!(
            got.address.as_ref().map(|a| &a.0),
            want.address.as_ref().map(|a| &a.0)
        );
        assert_eq!(got.settlement.0, want.settlement.0);
        assert_eq!(got.location, want.location, "{}", got.id);
        assert_eq!(got.phone, want.phone, "{}", got.id);
        assert_eq!(got.hours, want.hours, "{}", got.id);
        assert_eq!(got.seasons, want.seasons, "{}", got.id);
        assert_eq!(got.services, want.services, "{}", got.id);
        assert_eq!((got.verified, &got.source), (want.verified, &want.source));
        assert_eq!(got.today, None, "a status is never exported");
    }
    assert_eq!(reloaded.settlements.len(), shipped.settlements.len());
    assert_eq!(
        reloaded.library.map(|l| l.phone),
        shipped.library.map(|l| l.phone)
    );
    // Unchanged hubs changed nowhere else either: every comment stays.
    let original =
        std::fs::read_to_string(crate::support::shipped_dir().join("hubs.toml")).expect("read");
    for line in original.lines().filter(|l| l.trim_start().starts_with('#')) {
        assert!(exported.contains(line), "comment kept: {line}");
    }
    assert!(exported.contains(
        "# Set by the hub's librarian in /myhub: hours 2026-12-02, location 2026-12-02."
    ));
    assert!(
        !exported.contains("14:00-16:30"),
        "branch No. 21's old Saturday is replaced"
    );
    assert!(
        exported.contains(
            "[hubs.summer]\nfrom = \"05-15\"\n\n[hubs.summer.hours]\nmon = [\"09:00-18:00\"]"
        ),
        "{exported}"
    );
    assert!(
        exported.contains("[hubs.winter]\nfrom = \"10-01\"\n"),
        "{exported}"
    );
    // The seasons in force: branch No. 18 in summer and winter, No. 21 none.
    let merged = |id: &str| expected.iter().find(|h| h.id == id).expect(id).clone();
    assert!(merged("branch_18").seasons.in_effect());
    assert!(!merged("branch_21").seasons.any());
    assert!(!printed.contains("warning: hub \"branch_21\": [hubs.hours] is not used"));
    // Without librarians' facts the export is the file itself.
    let (_empty_dir, empty) = temp_db();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .args(["hubs", "export"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("POMICHNYK__DATABASE__URL", crate::support::db::url(&empty))
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout), original);
}

#[tokio::test]
async fn the_command_line_links_a_librarian_to_a_hub_and_stats_lists_each_hubs_gaps() {
    let (_dir, db) = temp_db();
    let url = crate::support::db::url(&db);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RUST_LOG", "warn")
            .env("POMICHNYK__DATABASE__URL", &url)
            .output()
            .expect("run pomichnyk")
    };
    let out = run(&[
        "role",
        "grant",
        "731954268",
        "librarian",
        "--hub",
        "branch_18",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "librarian 731954268 linked to branch_18\n"
    );
    // A hub that does not exist, and an admin "of one hub", are refused.
    let out = run(&[
        "role",
        "grant",
        "731954268",
        "librarian",
        "--hub",
        "branch_99",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no hub \"branch_99\""));
    let out = run(&["role", "grant", "731954268", "admin", "--hub", "branch_18"]);
    assert!(!out.status.success());

    let store = pomichnyk::store::Store::open(&url).await.expect("store");
    assert_eq!(store.hubs_of(OLENA).await.expect("links"), ["branch_18"]);
    assert!(store
        .has_role(OLENA, pomichnyk::store::Role::Librarian)
        .await
        .expect("role"));
    let audit = store.audit_log(10).await.expect("audit");
    assert!(audit.iter().any(|a| a.action == "grant"
        && a.actor == 0
        && a.detail.as_deref() == Some("librarian branch_18")));
    store
        .write(vec![fact(
            "branch_21",
            pomichnyk::hubs::layer::Value::Phone("+380671112233".into()),
            None,
        )])
        .await
        .expect("write");
    store.close().await;

    let out = run(&["stats"]);
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{printed}");
    assert!(printed.contains("hubs: what is missing"), "{printed}");
    assert!(
        printed
            .contains("hub \"branch_21\": missing: coordinates, summer hours; last confirmed: phone 2026-12-02"),
        "{printed}"
    );
    // What only the file has was never confirmed in /myhub.
    assert!(
        printed.contains(
            "hub \"branch_18\": missing: coordinates, summer hours; last confirmed: phone never, winter hours never"
        ),
        "{printed}"
    );

    let out = run(&[
        "role",
        "revoke",
        "731954268",
        "librarian",
        "--hub",
        "branch_18",
    ]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "librarian 731954268 unlinked from branch_18\n"
    );
}

/// Two replicas on one PostgreSQL database: a resident's replica keeps the hub
/// facts in memory while it hears the database's notifications, and a change
/// the other replica writes reaches that resident. On SQLite one process
/// writes: nothing to hear, and the facts are kept from the start.
#[tokio::test]
async fn a_hub_change_on_another_replica_reaches_a_resident_whose_replica_keeps_the_facts() {
    use pomichnyk::hubs::layer::Value;
    let (_dir, db) = temp_db();
    let url = crate::support::db::url(&db);
    let here = pomichnyk::store::Store::open(&url).await.expect("store");
    let other = pomichnyk::store::Store::open(&url).await.expect("store");
    other
        .write(vec![fact(
            "branch_18",
            Value::Location(49.4000, 26.9300),
            None,
        )])
        .await
        .expect("write");
    let mut t = crate::support::Terminal::new(here.clone(), 77, Some("uk".into()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let listener = t.session.app().spawn_hub_listener(stopped);
    let postgres = crate::support::db::postgres().is_some();
    if postgres {
        // Listening takes a moment; until then nothing is kept.
        for _ in 0..200 {
            if t.session.app().keeps_hub_facts() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    } else {
        listener.await.expect("ends at once on SQLite");
    }
    assert!(t.session.app().keeps_hub_facts());
    let text = |replies: Vec<pomichnyk::engine::Reply>| crate::support::reply_text(&replies);
    let shown = text(
        t.send("/location 49.4010 26.9300", WEDNESDAY_TEN)
            .await
            .expect("here"),
    );
    assert!(shown.contains("№ 18"), "{shown}");
    assert!(!shown.contains("№ 21"), "{shown}");

    if postgres {
        // The other replica learns where branch No. 21 is: right by the resident.
        other
            .write(vec![fact(
                "branch_21",
                Value::Location(49.4011, 26.9300),
                None,
            )])
            .await
            .expect("write");
        let mut seen = String::new();
        for _ in 0..200 {
            seen = text(
                t.send("/location 49.4010 26.9300", WEDNESDAY_TEN)
                    .await
                    .expect("again"),
            );
            if seen.contains("№ 21") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(seen.contains("№ 21"), "never heard of the change: {seen}");
        assert!(t.session.app().keeps_hub_facts());
    }
    let _ = stop.send(true);
    other.close().await;
    here.close().await;
}
