//! Finding a library hub, through the engine: a shared location, a place's
//! name typed with a typo, a settlement from the list, a service asked for.
//! The local time is fixed, as the adapter would pass it in.

use crate::support::{script_with_test_hubs, Resident};
use jiff::civil::date;
use pomichnyk::engine::{Context, Input, Keyboard, Reply};

/// Near the centre of Khmelnytskyi.
const HERE: Input = Input::Location {
    latitude: 49.4225,
    longitude: 26.9880,
};

fn venues(r: &Resident) -> Vec<String> {
    r.replies
        .iter()
        .filter_map(|reply| match reply {
            Reply::Venue { title, .. } => Some(title.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_shared_location_answers_with_the_three_nearest_hubs_a_pin_and_a_phone() {
    let script = script_with_test_hubs();
    let mut r = Resident::new(&script);
    // Friday 27 November 2026, 10:00 in Kyiv.
    r.now = date(2026, 11, 27).at(10, 0, 0, 0);
    r.send(HERE.clone())
        .sees("Найближчі до вас бібліотеки-хаби")
        .sees("Центральна бібліотека")
        .sees("📍 вул. Проскурівська, 1, Хмельницький")
        .sees("🟢 Зараз відчинено, до 13:00")
        .sees("🕘 Сьогодні: 09:00–13:00, 14:00–18:00")
        .sees("✅ Є: допомога з е-послугами, друк")
        .sees("Бібліотека на Сході")
        .sees("🚶 приблизно")
        .sees("Бібліотека села Лозове")
        .sees("🔴 Зараз зачинено. Відчиниться у вівторок о 09:00")
        .sees("ℹ️ Деякі дані ще уточнюються")
        // A hub without coordinates cannot be near anyone.
        .does_not_see("Шаровечці");
    let said = r.said();
    let order: Vec<usize> = ["Центральна", "на Сході", "Лозове"]
        .iter()
        .map(|n| said.find(n).expect("listed"))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "nearest first: {said}"
    );
    assert!(said.contains("🚶 0.1 км від вас"), "{said}");
    assert_eq!(venues(&r), vec!["Центральна бібліотека".to_string()]);
    assert!(r.replies.iter().any(
        |reply| matches!(reply, Reply::Contact { phone, .. } if phone == "+380 00 000 00 01")
    ));
    // The place is used for the answer, never kept.
    assert!(r.events.is_empty(), "{:?}", r.events);
    assert!(!format!("{:?}", r.state).contains("49.42"));
    // The big menu buttons come back.
    assert!(r.labels().iter().any(|l| l.contains("Уроки")));
}

#[test]
fn opening_hours_read_at_the_local_time() {
    let script = script_with_test_hubs();
    let mut r = Resident::new(&script);
    // A lunch break.
    r.now = date(2026, 11, 27).at(13, 30, 0, 0);
    r.send(HERE.clone())
        .sees("🔴 Зараз зачинено. Відчиниться сьогодні о 14:00");
    // Just before closing.
    r.now = date(2026, 11, 27).at(17, 59, 0, 0);
    r.send(HERE.clone()).sees("🟢 Зараз відчинено, до 18:00");
    // Closing time itself is closed; Saturday comes next.
    r.now = date(2026, 11, 27).at(18, 0, 0, 0);
    r.send(HERE.clone())
        .sees("🔴 Зараз зачинено. Відчиниться завтра о 10:00");
    // A day off: Sunday.
    r.now = date(2026, 11, 29).at(11, 0, 0, 0);
    r.send(HERE.clone())
        .sees("🕘 Сьогодні вихідний")
        .sees("🔴 Зараз зачинено. Відчиниться завтра о 09:00");
    // Hours that are not known are said to be unknown, never guessed.
    r.says("/hubs");
    r.taps("Шаровечка")
        .sees("Бібліотека в Шаровечці")
        .sees("Години роботи я поки не знаю");
}

#[test]
fn the_night_of_a_daylight_saving_change_reads_the_clock_right() {
    let kyiv = jiff::tz::TimeZone::get("Europe/Kyiv").expect("tz");
    // 29 March 2026: at 03:00 local time clocks go forward to 04:00 (UTC+2 → UTC+3).
    let before = jiff::Timestamp::from_second(1_774_744_200).expect("ts"); // 00:30 UTC
    let after = jiff::Timestamp::from_second(1_774_747_800).expect("ts"); // 01:30 UTC
    assert_eq!(
        Context::local(before.as_second(), &kyiv),
        date(2026, 3, 29).at(2, 30, 0, 0)
    );
    assert_eq!(
        Context::local(after.as_second(), &kyiv),
        date(2026, 3, 29).at(4, 30, 0, 0)
    );
    // Monday 30 March, 06:30 UTC is 09:30 in Kyiv (summer time): the centre is open.
    let script = script_with_test_hubs();
    let mut r = Resident::new(&script);
    r.now = Context::local(1_774_852_200, &kyiv);
    assert_eq!(r.now, date(2026, 3, 30).at(9, 30, 0, 0));
    r.send(HERE.clone()).sees("🟢 Зараз відчинено, до 13:00");
}

#[test]
fn hubs_asks_for_a_location_or_a_place_and_forgives_typos() {
    let script = script_with_test_hubs();
    let mut r = Resident::new(&script);
    r.says("/hubs")
        .sees("Знайдімо бібліотеку-хаб поруч із вами");
    assert!(r.replies.iter().any(|reply| matches!(
        reply,
        Reply::Message { keyboard: Keyboard::AskLocation { share, .. }, .. } if share.contains("Надіслати")
    )));
    // The settlements to choose from, each once.
    let labels = r.labels();
    assert_eq!(
        labels
            .iter()
            .filter(|l| l.as_str() == "Хмельницький")
            .count(),
        1,
        "{labels:?}"
    );
    assert!(labels.iter().any(|l| l == "Лозове"), "{labels:?}");
    // A misspelt village with an ending.
    r.says("в Лазовому")
        .sees("Ось що я знайшов")
        .sees("Бібліотека села Лозове");
    r.says("/hubs");
    r.says("lozove").sees("Бібліотека села Лозове");
}

#[test]
fn an_unknown_place_offers_the_list_and_keeps_listening() {
    let script = script_with_test_hubs();
    let mut r = Resident::new(&script);
    r.says("/hubs");
    r.says("Нью-Йорк").sees("Такого місця я не знайшов");
    assert!(r.labels().iter().any(|l| l == "Шаровечка"));
    r.says("шаровечка").sees("Бібліотека в Шаровечці");
}

#[test]
fn a_service_narrows_the_list() {
    let script = script_with_test_hubs();
    let mut r = Resident::new(&script);
    r.says("/hubs");
    r.says("де допоможуть з Дією?")
        .sees("Де є допомога з е-послугами:")
        .sees("Центральна бібліотека")
        .sees("Бібліотека села Лозове")
        .does_not_see("на Сході")
        .does_not_see("Шаровечці");
    r.says("/hubs");
    r.says("друк у Лозовому")
        // Lozove has no printing: the place wins, the list is not emptied.
        .sees("Бібліотека села Лозове");
    r.says("/hubs");
    r.says("друк в хмельницькому")
        .sees("Центральна бібліотека")
        .does_not_see("на Сході");
}

#[test]
fn a_location_in_the_middle_of_a_lesson_offers_to_go_back() {
    let script = script_with_test_hubs();
    let mut r = Resident::new(&script);
    r.says("/start lesson_passwords").taps("Далі");
    r.sees("трьох випадкових слів");
    r.send(HERE.clone())
        .sees("Центральна бібліотека")
        .sees("Продовжимо урок?");
    r.taps("Назад до уроку").sees("трьох випадкових слів");
}

#[test]
fn the_menu_button_under_the_location_request_goes_home() {
    let script = script_with_test_hubs();
    let mut r = Resident::new(&script);
    r.says("/hubs");
    r.taps("Меню").sees("Головне меню");
    assert_eq!(r.state.awaiting, None);
}

#[test]
fn without_a_librarians_chat_the_hub_open_soonest_is_given() {
    let script = script_with_test_hubs();
    let mut r = Resident::new(&script);
    r.handoff = false;
    // Sunday evening: the centre opens on Monday at 09:00, Lozove on Tuesday.
    r.now = date(2026, 11, 29).at(19, 0, 0, 0);
    r.says("/librarian")
        .sees("Запитайте в бібліотеці особисто")
        .sees("Найближче відчинена бібліотека-хаб")
        .sees("Центральна бібліотека")
        .sees("Відчиниться завтра о 09:00")
        .does_not_see("Лозове");
}

#[test]
fn shipped_hubs_without_coordinates_are_offered_by_place() {
    let script = crate::support::shipped_script();
    let mut r = Resident::new(&script);
    r.send(HERE.clone())
        .sees("Я ще не знаю точних місць бібліотек на мапі");
    assert!(r.labels().iter().any(|l| l.contains("Хмельницький")));
    r.taps("Хмельницький")
        .sees("Бібліотека-філія № 7")
        .sees("Години роботи я поки не знаю");
}

#[test]
fn a_resident_of_pyrohivtsi_finds_branch_18_however_the_village_is_typed() {
    let script = crate::support::shipped_script();
    for typed in ["пирогівці", "pyrohivtsi", "пироговці", "Пирогівцях"]
    {
        let mut r = Resident::new(&script);
        // Wednesday 2 December 2026, 11:00 in Kyiv: winter hours.
        r.now = date(2026, 12, 2).at(11, 0, 0, 0);
        r.says("/hubs");
        r.says(typed)
            .sees("Бібліотека-філія № 18 у Пирогівцях")
            .sees("📍 вул. Центральна, 55, Пирогівці")
            .sees("🟢 Зараз відчинено, до 13:00")
            .sees("🕘 Сьогодні: 09:30–13:00, 14:00–17:45")
            .sees("📞 +380683348030");
    }
}
