//! Summer and winter opening hours, kept by a hub's librarian in `/myhub`
//! with buttons only (the start day of each season by month and day, the
//! hours of each season day by day), through the real HTTP path against the
//! fake Bot API: a resident on a winter date sees the winter hours, on a
//! summer date the summer ones, on either side of the day a season starts;
//! a librarian of another hub is refused (audited).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::support::fake_api::{self, FakeApi};
use crate::support::tg::*;
use pomichnyk::telegram;

/// The admin from `access.admins`.
const ADMIN: i64 = 9001;
/// The librarian of the library in Sharovechka ("far" in the test hubs).
const OLENA: i64 = 731_954_268;
/// The librarian of the central library ("centre").
const PETRO: i64 = 731_954_377;
const RESIDENT: i64 = 582_603_119;
/// Wednesday 2 December 2026, 10:00 in Kyiv: winter.
const WINTER_WEDNESDAY_TEN: i64 = 1_796_198_400;
/// Wednesday 7 July 2027, 08:30 and 10:00 in Kyiv: summer.
const SUMMER_WEDNESDAY_EIGHT_THIRTY: i64 = 1_814_938_200;
const SUMMER_WEDNESDAY_TEN: i64 = 1_814_943_600;
/// Tuesday 31 August 2027, 17:00 in Kyiv: the last day of summer.
const LAST_SUMMER_DAY_FIVE: i64 = 1_819_720_800;
/// Wednesday 1 September 2027, 17:00 in Kyiv: the first day of winter.
const FIRST_WINTER_DAY_FIVE: i64 = 1_819_807_200;
/// The library in Sharovechka, and a place about 300 m north of it.
const LIBRARY: (f64, f64) = (49.4150, 26.8986);
const NEARBY: (f64, f64) = (49.4177, 26.8986);

fn clock(now: &Arc<AtomicI64>) -> telegram::Clock {
    let now = now.clone();
    Arc::new(move || now.load(Ordering::SeqCst))
}

/// The part of what the resident was told about the library in Sharovechka.
fn about_far(r: &Resident<'_>) -> String {
    let text = r.said().join("\n");
    let start = text.find("Бібліотека в Шаровечці").unwrap_or(0);
    let rest = &text[start..];
    // Up to the next hub of the list.
    let end = [
        "Центральна бібліотека",
        "Бібліотека на Сході",
        "Бібліотека села Лозове",
    ]
    .iter()
    .filter_map(|name| rest.find(name))
    .min()
    .unwrap_or(rest.len());
    rest[..end].to_string()
}

#[tokio::test]
async fn a_librarian_sets_summer_and_winter_hours_and_residents_see_the_hours_of_the_date() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    let now = Arc::new(AtomicI64::new(WINTER_WEDNESDAY_TEN));
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
    let mut admin = Resident::new(&api, ADMIN, "uk");
    admin
        .says(&format!("/grant {OLENA} librarian far"))
        .sees("«Бібліотека в Шаровечці»")
        .await;
    admin
        .says(&format!("/grant {PETRO} librarian centre"))
        .sees("«Центральна бібліотека»")
        .await;

    // Olena puts her library on the map, then starts a seasonal schedule.
    let mut olena = Resident::new(&api, OLENA, "uk");
    olena.says("/myhub").sees("🏛 Бібліотека в Шаровечці").await;
    olena
        .sends(fake_api::location(LIBRARY.0, LIBRARY.1))
        .sees("📍 Записав місце бібліотеки")
        .await;
    olena
        .taps("☀️ Літній розклад")
        .await
        .sees("З якого місяця він діє?")
        .await;
    olena.taps("Червень").await.sees("Місяць: Червень").await;
    // Both seasons need their first day: the bot asks for winter's next.
    olena
        .taps("1")
        .await
        .sees("📅 Записав: ☀️ Літній розклад діє з 1 червня.")
        .await
        .sees("Тепер другий сезон: ❄️ Зимовий розклад.")
        .await;
    // Winter cannot start on the same day as summer.
    olena.taps("Червень").await;
    olena
        .taps("1")
        .await
        .sees("☀️ Літній розклад вже починається 1 червня. Оберіть інший день.")
        .await;
    olena.taps("Вересень").await.sees("Місяць: Вересень").await;
    olena
        .taps("1")
        .await
        .sees("📅 Записав: ❄️ Зимовий розклад діє з 1 вересня.")
        .await
        .sees("Діє з 1 вересня до початку іншого сезону.")
        .await;

    // Winter: Monday to Friday 10:00 to 16:00, by buttons only.
    olena
        .taps("🕘 Години за днями")
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
        .taps("10:00")
        .await
        .sees("О котрій зачиняється?")
        .await;
    olena.taps("16:00").await.sees("Чи є обідня перерва?").await;
    olena
        .taps("Без перерви")
        .await
        .sees("🕘 Записав. ❄️ Зимовий розклад: Пн, Вт, Ср, Чт, Пт 10:00–16:00")
        .await;

    // Summer: Monday to Friday 09:00 to 18:00.
    olena
        .taps("⬅️ До картки")
        .await
        .sees("Зараз діє: ❄️ Зимовий розклад")
        .await;
    olena
        .taps("☀️ Літній розклад")
        .await
        .sees("Діє з 1 червня до початку іншого сезону.")
        .await
        .sees("години ще не вказано")
        .await;
    olena.taps("🕘 Години за днями").await;
    olena.taps("Пн–Пт").await;
    olena.taps("Далі").await;
    olena.taps("09:00").await;
    olena.taps("18:00").await;
    olena
        .taps("Без перерви")
        .await
        .sees("🕘 Записав. ☀️ Літній розклад: Пн, Вт, Ср, Чт, Пт 09:00–18:00")
        .await;
    // The card shows both seasons; the all-year hours are no longer offered.
    olena
        .says("/myhub")
        .sees("☀️ Літній розклад, з 1 червня:")
        .await;
    let card = olena.said().join("\n");
    assert!(card.contains("❄️ Зимовий розклад, з 1 вересня:"), "{card}");
    assert!(card.contains("Зараз діє: ❄️ Зимовий розклад"), "{card}");
    let (message, _) = olena.button("📣 Сьогодні").await;
    let labels: Vec<String> = message.params["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["text"].as_str().map(str::to_string))
        .collect();
    assert!(
        !labels.iter().any(|l| l == "🕘 Години роботи"),
        "{labels:?}"
    );

    // A resident 300 m away on a winter Wednesday: the winter hours.
    let mut resident = Resident::new(&api, RESIDENT, "uk");
    resident
        .sends(fake_api::location(NEARBY.0, NEARBY.1))
        .sees("🚶 0.3 км від вас")
        .await
        .sees("🟢 Зараз відчинено, до 16:00")
        .await;
    assert!(
        about_far(&resident).contains("10:00–16:00"),
        "{}",
        about_far(&resident)
    );

    // On a summer Wednesday: the summer hours, and before they open, when.
    now.store(SUMMER_WEDNESDAY_TEN, Ordering::SeqCst);
    resident
        .sends(fake_api::location(NEARBY.0, NEARBY.1))
        .sees("🟢 Зараз відчинено, до 18:00")
        .await;
    assert!(
        about_far(&resident).contains("09:00–18:00"),
        "{}",
        about_far(&resident)
    );
    now.store(SUMMER_WEDNESDAY_EIGHT_THIRTY, Ordering::SeqCst);
    resident
        .sends(fake_api::location(NEARBY.0, NEARBY.1))
        .sees("Бібліотека в Шаровечці")
        .await;
    let far = about_far(&resident);
    assert!(far.contains("Відчиниться сьогодні о 09:00"), "{far}");

    // The last day of summer at 17:00 it is open; the first day of winter, closed until tomorrow 10:00.
    now.store(LAST_SUMMER_DAY_FIVE, Ordering::SeqCst);
    resident
        .sends(fake_api::location(NEARBY.0, NEARBY.1))
        .sees("Бібліотека в Шаровечці")
        .await;
    let far = about_far(&resident);
    assert!(far.contains("Зараз відчинено, до 18:00"), "{far}");
    now.store(FIRST_WINTER_DAY_FIVE, Ordering::SeqCst);
    resident
        .sends(fake_api::location(NEARBY.0, NEARBY.1))
        .sees("Бібліотека в Шаровечці")
        .await;
    let far = about_far(&resident);
    assert!(far.contains("Відчиниться завтра о 10:00"), "{far}");

    // A librarian of another hub cannot change this one's seasons, even with forged buttons.
    let mut petro = Resident::new(&api, PETRO, "uk");
    petro.says("/myhub").sees("🏛 Центральна бібліотека").await;
    let (card, _) = petro.button("❄️ Зимовий розклад").await;
    let message = api
        .sent_message(card.message_id.expect("a sent message"))
        .expect("the card");
    for (data, query) in [("h:far:Wf10:1", "forged-1"), ("h:far:ns", "forged-2")] {
        petro.send(fake_api::callback(
            PETRO,
            "uk",
            message.clone(),
            data,
            query,
        ));
        petro.sees("Це не ваша бібліотека").await;
    }

    let store = bot.stop().await;
    let audit = store.audit_log(200).await.expect("audit");
    let refused = audit
        .iter()
        .filter(|a| a.action == "refused" && a.target.as_deref() == Some("myhub:far"))
        .count();
    assert_eq!(refused, 2, "{audit:#?}");
    for (action, detail) in [
        ("hub_summer", "-;summer=06-01"),
        ("hub_winter", "-;summer=06-01;winter=09-01"),
        (
            "hub_winter",
            "-;summer=06-01;winter=09-01=10:00-16:00|10:00-16:00|10:00-16:00|10:00-16:00|10:00-16:00||",
        ),
        (
            "hub_summer",
            "-;summer=06-01=09:00-18:00|09:00-18:00|09:00-18:00|09:00-18:00|09:00-18:00||;winter=09-01=10:00-16:00|10:00-16:00|10:00-16:00|10:00-16:00|10:00-16:00||",
        ),
    ] {
        assert!(
            audit.iter().any(|a| a.action == action
                && a.actor == OLENA
                && a.target.as_deref() == Some("far")
                && a.detail.as_deref() == Some(detail)),
            "{action} {detail}: {audit:#?}"
        );
    }
    // The seasons are kept as facts; the winter start stayed where Olena put it.
    let facts = store.hub_facts().await.expect("facts");
    let hubs = pomichnyk::hubs::layer::merge(
        &crate::support::script_with_test_hubs().hubs,
        &facts,
        FIRST_WINTER_DAY_FIVE,
    );
    let far = hubs.iter().find(|h| h.id == "far").expect("far");
    assert!(far.seasons.in_effect());
    let winter = far.seasons.winter.as_ref().expect("winter");
    assert_eq!(winter.from.to_string(), "09-01");
    let centre = hubs.iter().find(|h| h.id == "centre").expect("centre");
    assert!(!centre.seasons.any(), "Petro changed nothing");
}
