//! Courses, final tests and certificates anyone can verify, as conversations:
//! in the terminal (`pomichnyk chat`'s session, with a clock the test moves)
//! and on Telegram through the fake Bot API. A resident takes a course's
//! lessons, passes its test, chooses the printed name and gets a PDF (whose
//! text is read back) and a PNG (whose QR code is decoded); `pomichnyk verify`
//! then says valid, forged after an edit of the stored record, revoked after
//! `pomichnyk certificate revoke`. The verification page is checked as JSON
//! field by field and rendered in a real headless browser.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::support::fake_api::{self, strip_tags};
use crate::support::tg::*;
use crate::support::{languages, shipped_dir, shipped_script};
use pomichnyk::app::{Body, Chat, Incoming, Outgoing};
use pomichnyk::engine::{Keyboard, Press, Reply};
use pomichnyk::script::courses::Course;
use pomichnyk::script::Script;
use pomichnyk::store::Store;
use serde_json::Value;

const COURSE: &str = "safety_online";
const VERIFY_URL: &str = "https://perevirka.example.ua/verify";
/// Monday 30 November 2026, 10:00 in Kyiv.
const MONDAY_TEN: i64 = 1_796_025_600;
const HOUR: i64 = 3600;

// ----- shared helpers ---------------------------------------------------------

/// The press to make among a keyboard's callback data to go on through a
/// lesson: a quiz's right answer, else the way on to the next step.
fn lesson_press(script: &Script, datas: &[String]) -> Option<String> {
    let presses: Vec<(&String, Press)> = datas
        .iter()
        .filter_map(|d| Press::decode(d).map(|p| (d, p)))
        .collect();
    for (data, press) in &presses {
        if let Press::Answer {
            dialogue,
            step,
            option,
        } = press
        {
            let (_, step) = script.dialogue(dialogue)?.step(step)?;
            if step.quiz.as_ref()?.options.get(*option)?.correct {
                return Some((*data).clone());
            }
        }
    }
    presses
        .iter()
        .find(|(_, p)| matches!(p, Press::Goto { .. }))
        .map(|(d, _)| (*d).clone())
}

/// The press that answers a test's question shown in `text`: the right option
/// (`right`), or a wrong one.
fn test_press(course: &Course, lang: usize, text: &str, datas: &[String], right: bool) -> String {
    // The question shown is the longest one whose text the message holds (one
    // question's words may be part of another's).
    let question = course
        .bank
        .iter()
        .filter(|q| text.contains(q.text.get(lang)))
        .max_by_key(|q| q.text.get(lang).len())
        .unwrap_or_else(|| panic!("a question of the bank in:\n{text}"));
    let option = question
        .options
        .iter()
        .position(|(_, correct)| *correct == right)
        .expect("such an option");
    datas
        .iter()
        .find(|d| d.starts_with("z:a:") && d.ends_with(&format!(":{option}")))
        .unwrap_or_else(|| panic!("a button for option {option} among {datas:?}"))
        .clone()
}

/// The text of every page of a PDF, through its ToUnicode maps.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("the PDF parses");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    assert_eq!(pages.len(), 1, "one A4 page");
    doc.extract_text(&pages).expect("its text")
}

/// What the QR code in a PNG says.
fn qr_in(png: &[u8]) -> String {
    let img = image::load_from_memory(png).expect("a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        img.width() as usize,
        img.height() as usize,
        |x, y| img.get_pixel(x as u32, y as u32).0[0],
    );
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the preview");
    grids[0].decode().expect("the QR code decodes").1
}

/// `pomichnyk verify CODE` (or any other command) against the test's database and key.
fn pomichnyk(db: &Path, key: &Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("POMICHNYK__DATABASE__URL", crate::support::db::url(db))
        .env("POMICHNYK__CERTIFICATES__KEY_FILE", key)
        .env("POMICHNYK__CERTIFICATES__VERIFY_URL", VERIFY_URL)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run pomichnyk");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs SQL on the database file beside the running bot.
async fn edit(db: &Path, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&crate::support::db::url(db))
        .await
        .expect("open the database");
    sqlx::query(sql)
        .execute(&mut conn)
        .await
        .expect("edit the database");
}

/// valid → forged after an edit of the stored name → valid when put back →
/// revoked after `certificate revoke`; each through the `pomichnyk` binary.
async fn verify_forged_revoked(db: &Path, key: &Path, code: &str, name: &str) {
    let (ok, said) = pomichnyk(db, key, &["verify", code]);
    assert!(ok, "a genuine certificate: exit 0:\n{said}");
    assert!(said.starts_with("valid\n"), "{said}");
    assert!(said.contains(&format!("name: {name}")), "{said}");
    assert!(said.contains("course: Безпека в інтернеті"), "{said}");

    edit(
        db,
        &format!("UPDATE certificates SET name = 'Іван Підробний' WHERE code = '{code}'"),
    )
    .await;
    let (ok, said) = pomichnyk(db, key, &["verify", code]);
    assert!(!ok, "an edited record: exit 1:\n{said}");
    assert!(said.starts_with("forged\n"), "{said}");
    edit(
        db,
        &format!(
            "UPDATE certificates SET issued = '2020-01-01', name = '{name}' WHERE code = '{code}'"
        ),
    )
    .await;
    let (ok, said) = pomichnyk(db, key, &["verify", code]);
    assert!(
        !ok && said.starts_with("forged\n"),
        "an earlier date: {said}"
    );

    let (ok, said) = pomichnyk(db, key, &["verify", "ZZZZ-ZZZZ-ZZ"]);
    assert!(!ok && said.starts_with("unknown\n"), "{said}");
    let (ok, said) = pomichnyk(db, key, &["certificate", "revoke", code]);
    assert!(ok, "{said}");
    let (ok, said) = pomichnyk(db, key, &["verify", code]);
    assert!(!ok, "a revoked certificate: exit 1:\n{said}");
    assert!(
        said.starts_with("forged\n"),
        "still edited, so forged first: {said}"
    );
}

// ----- the terminal ----------------------------------------------------------

/// A resident at `pomichnyk chat`'s session with certificates set up, and the clock.
struct Desk {
    session: pomichnyk::chat::Session,
    clock: Arc<AtomicI64>,
    script: Arc<Script>,
    /// Everything the last input produced.
    shown: Vec<Outgoing>,
}

impl Desk {
    async fn new(store: Store, key: &Path, user: i64) -> Desk {
        let clock = Arc::new(AtomicI64::new(MONDAY_TEN));
        let now = clock.clone();
        let env = HashMap::from([
            (
                "POMICHNYK__CERTIFICATES__KEY_FILE".to_string(),
                key.display().to_string(),
            ),
            (
                "POMICHNYK__CERTIFICATES__VERIFY_URL".to_string(),
                VERIFY_URL.to_string(),
            ),
        ]);
        let settings = pomichnyk::settings::Settings::load_with_env(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config"),
            Some(env),
        )
        .expect("settings");
        let script = Arc::new(script_with_offers());
        let content = Arc::new(pomichnyk::content::Content::new(
            script.clone(),
            &shipped_dir(),
            languages(),
        ));
        let app = pomichnyk::app::App::new(
            content,
            store,
            &settings,
            Arc::new(move || now.load(Ordering::SeqCst)),
        );
        Desk {
            session: pomichnyk::chat::Session::new(app, user, Some("uk".into())),
            clock,
            script,
            shown: Vec::new(),
        }
    }

    async fn says(&mut self, line: &str) -> &mut Self {
        self.shown = self.session.send(line).await;
        self
    }

    async fn presses(&mut self, data: &str) -> &mut Self {
        self.shown = self
            .session
            .input(
                Chat::Private,
                Incoming::Press {
                    data: data.to_string(),
                },
            )
            .await;
        self
    }

    /// The texts shown, one string.
    fn said(&self) -> String {
        self.shown
            .iter()
            .filter_map(|o| match &o.body {
                Body::Reply(Reply::Message { text, .. }) => Some(text.clone()),
                Body::Reply(Reply::Answered { note }) => Some(note.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn sees(&self, text: &str) -> &Self {
        assert!(
            self.said().contains(text),
            "expected {text:?} in:\n{}",
            self.said()
        );
        self
    }

    /// The callback data of the last message with inline buttons, and its text.
    fn buttons(&self) -> (String, Vec<String>) {
        self.shown
            .iter()
            .rev()
            .find_map(|o| match &o.body {
                Body::Reply(
                    Reply::Message {
                        text,
                        keyboard: Keyboard::Inline(rows),
                    }
                    | Reply::Photo {
                        text,
                        keyboard: Keyboard::Inline(rows),
                        ..
                    },
                ) => Some((
                    text.clone(),
                    rows.iter().flatten().map(|b| b.data.clone()).collect(),
                )),
                _ => None,
            })
            .unwrap_or_default()
    }

    async fn takes_lesson(&mut self, lesson: &str) {
        self.says(&format!("/start lesson_{lesson}")).await;
        for _ in 0..40 {
            if self.said().contains("🎉 Урок") {
                return;
            }
            let (_, datas) = self.buttons();
            let press = lesson_press(&self.script, &datas)
                .unwrap_or_else(|| panic!("{lesson}: a way on among {datas:?}:\n{}", self.said()));
            self.presses(&press).await;
        }
        panic!("{lesson} did not end");
    }

    /// Answers every question of the test, right or wrong.
    async fn answers_test(&mut self, right: bool) {
        let course = self.script.course(COURSE).expect("course").clone();
        for _ in 0..course.questions {
            let (text, datas) = self.buttons();
            assert!(text.contains("Питання "), "a question:\n{text}");
            let press = test_press(&course, 0, &text, &datas, right);
            self.presses(&press).await;
        }
    }

    fn files(&self) -> (Vec<u8>, Vec<u8>) {
        let pdf = self.shown.iter().find_map(|o| match &o.body {
            Body::File { bytes, name, .. } if name.ends_with(".pdf") => Some(bytes.clone()),
            _ => None,
        });
        let png = self.shown.iter().find_map(|o| match &o.body {
            Body::Picture { png, .. } => Some(png.clone()),
            _ => None,
        });
        (pdf.expect("a PDF"), png.expect("a PNG preview"))
    }
}

#[tokio::test]
async fn in_the_terminal_a_failed_test_waits_for_its_pause_and_a_pass_earns_a_certificate_anyone_can_check(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("bot.db");
    let key = dir.path().join("signing.key");
    pomichnyk::certificates::key::generate(&key).expect("keygen");
    let store = Store::open(&crate::support::db::url(&db))
        .await
        .expect("store");
    let mut desk = Desk::new(store.clone(), &key, 731_954_268).await;
    let course = desk.script.course(COURSE).expect("the course").clone();

    desk.says("/certificates").await;
    desk.sees("Безпека в інтернеті")
        .sees("Уроків пройдено: 0 з 6");
    let (_, datas) = desk.buttons();
    assert!(
        !datas.contains(&format!("z:s:{COURSE}")),
        "no test before the lessons: {datas:?}"
    );
    // A forged press for the test says what is still to do.
    desk.presses(&format!("z:s:{COURSE}")).await;
    desk.sees("Спершу пройдіть уроки курсу")
        .sees("Як розпізнати фішинг");

    for lesson in &course.lessons {
        desk.takes_lesson(lesson).await;
    }
    desk.says("/certificates").await;
    desk.sees("Уроків пройдено: 6 з 6");
    desk.presses(&format!("z:s:{COURSE}")).await;
    desk.sees("Тест курсу «Безпека в інтернеті»")
        .sees("Питань: 10")
        .sees("Питання 1 з 10");

    // A wrong run: the score, what to repeat, when to come back.
    desk.answers_test(false).await;
    desk.sees("Цього разу 0 з 10")
        .sees("Повторіть ці уроки")
        .sees("Спробувати знову можна після 1 грудня 2026, 10:00");
    desk.clock.store(MONDAY_TEN + 23 * HOUR, Ordering::SeqCst);
    desk.presses(&format!("z:s:{COURSE}")).await;
    desk.sees("Скласти тест знову можна після 1 грудня 2026, 10:00");
    desk.clock
        .store(MONDAY_TEN + 24 * HOUR + 60, Ordering::SeqCst);
    desk.presses(&format!("z:s:{COURSE}")).await;
    desk.sees("Питання 1 з 10");

    // An old question's button, after the first answer, changes nothing.
    let (text, datas) = desk.buttons();
    let first = test_press(&course, 0, &text, &datas, true);
    desk.presses(&first).await.sees("✅ Правильно.");
    desk.presses(&first)
        .await
        .sees("вже відповіли")
        .sees("Питання 2 з 10");
    let course_left = course.questions - 1;
    for _ in 0..course_left {
        let (text, datas) = desk.buttons();
        let press = test_press(&course, 0, &text, &datas, true);
        desk.presses(&press).await.sees("✅ Правильно.");
    }
    desk.sees("Тест складено: 10 з 10")
        .sees("Яке ім’я написати на сертифікаті?")
        .sees("лише для сертифіката");
    assert_eq!(desk.buttons().1, ["z:n"], "a button for no name");

    // An odd name is refused kindly; a real one is confirmed first.
    desk.says("Олена 😀").await.sees("лише літери");
    desk.says("  Олена   Коваль ").await;
    desk.sees("На сертифікаті буде: **Олена Коваль**");
    desk.presses("z:y").await;
    desk.sees("Ваш сертифікат готовий! Код: **");
    let said = desk.said();
    let code = said
        .split("Код: **")
        .nth(1)
        .and_then(|rest| rest.split("**").next())
        .expect("the code")
        .to_string();
    let (pdf, png) = desk.files();
    let text = pdf_text(&pdf);
    for expected in [
        "СЕРТИФІКАТ",
        "Олена Коваль",
        "Безпека в інтернеті",
        "Як розпізнати фішинг",
        &code,
        "Дата видачі: 1 грудня 2026",
    ] {
        assert!(text.contains(expected), "{expected:?} in the PDF:\n{text}");
    }
    assert_eq!(qr_in(&png), format!("{VERIFY_URL}/{code}"));

    // /certificates: the certificate, the offers for it, no test to take again.
    desk.says("/certificates").await;
    desk.sees(&code)
        .sees("Для власників сертифіката")
        .sees("Безкоштовний друк сертифіката")
        .sees("Місце без черги");
    let (_, datas) = desk.buttons();
    assert!(!datas.contains(&format!("z:s:{COURSE}")), "{datas:?}");
    // On 1 July 2027 both offers have ended (30 June and 31 March): gone by
    // themselves, the certificate stays.
    let now = desk.clock.load(Ordering::SeqCst);
    desk.clock.store(1_814_432_400, Ordering::SeqCst); // 2027-07-01 12:00 Kyiv
    desk.says("/certificates").await;
    desk.sees(&code);
    assert!(
        !desk.said().contains("Безкоштовний друк сертифіката")
            && !desk.said().contains("Місце без черги"),
        "expired offers still shown:\n{}",
        desk.said()
    );
    desk.clock.store(now, Ordering::SeqCst);
    // The English PDF on request.
    desk.presses(&format!("z:r:{code}:en")).await;
    let (pdf, _) = desk.files();
    let text = pdf_text(&pdf);
    assert!(
        text.contains("CERTIFICATE")
            && text.contains("Staying safe online")
            && text.contains(&code),
        "{text}"
    );
    // Anyone's /verify, in the bot.
    let mut stranger = Desk::new(store.clone(), &key, 582_603_119).await;
    stranger
        .says(&format!("/verify {}", code.to_lowercase()))
        .await;
    stranger
        .sees("Сертифікат справжній")
        .sees("Ім’я: Олена Коваль")
        .sees("Курс: «Безпека в інтернеті»");
    stranger.says("/verify 12").await.sees("немає");

    verify_forged_revoked(&db, &key, &code, "Олена Коваль").await;
    // Put the record back: now it reads as revoked.
    let (ok, said) = pomichnyk(
        &db,
        &key,
        &[
            "certificate",
            "issue",
            "--user",
            "731954268",
            "--course",
            COURSE,
            "--name",
            "Олена Коваль",
        ],
    );
    assert!(ok, "{said}");
    let issued = said.trim().to_string();
    let (ok, said) = pomichnyk(&db, &key, &["verify", &issued]);
    assert!(ok && said.starts_with("valid\n"), "{said}");
    let (ok, _) = pomichnyk(&db, &key, &["certificate", "revoke", &issued]);
    assert!(ok);
    let (ok, said) = pomichnyk(&db, &key, &["verify", &issued]);
    assert!(!ok && said.starts_with("revoked\n"), "{said}");

    // Counts per course and per hub.
    let (ok, said) = pomichnyk(&db, &key, &["stats"]);
    assert!(ok, "{said}");
    assert!(said.contains("safety_online"), "{said}");

    // /delete_me: the certificate stays valid without its holder.
    let forgotten = Store::open(&crate::support::db::url(&db))
        .await
        .expect("store");
    forgotten.forget(731_954_268).await.expect("forget");
    edit(&db, "UPDATE certificates SET revoked_at = NULL").await;
    let (ok, said) = pomichnyk(&db, &key, &["verify", &issued]);
    assert!(ok && said.starts_with("valid\n"), "{said}");
    assert!(!said.contains("Олена"), "{said}");
    assert!(said.contains("deleted their data"), "{said}");
    assert_eq!(forgotten.rows_about(731_954_268).await.expect("rows"), 0);
    // No certificate row keeps the holder's id, name or the salt of its digest.
    let pool = sqlx::AnyPool::connect(&crate::support::db::url(&db))
        .await
        .expect("open");
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM certificates
         WHERE user_id IS NOT NULL OR name IS NOT NULL OR name_salt IS NOT NULL
            OR name_digest LIKE '%Олена%' OR signature LIKE '%731954268%'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(
        left, 0,
        "the forgotten holder's certificates keep nothing of them"
    );
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM certificates")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(kept, 2, "the certificates themselves stay");
    pool.close().await;
    forgotten.close().await;
    store.close().await;
}

// ----- Telegram, the page and the browser ---------------------------------------

/// The last message to `r` with inline buttons: its text and callback data.
async fn tg_buttons(r: &Resident<'_>) -> (Value, String, Vec<String>) {
    let (id, mark) = (r.id, r.mark);
    let found = r
        .api
        .wait_for(15, &format!("buttons for {id}"), |calls| {
            calls[mark.min(calls.len())..]
                .iter()
                .rev()
                .filter(|c| r.is_mine(c))
                .find_map(|c| {
                    let rows = c.params["reply_markup"]["inline_keyboard"].as_array()?;
                    let datas: Vec<String> = rows
                        .iter()
                        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
                        .filter_map(|b| b["callback_data"].as_str().map(str::to_string))
                        .collect();
                    Some((c.message_id?, strip_tags(c.text()), datas))
                })
        })
        .await;
    let (id, text, datas) = found;
    (r.api.sent_message(id).expect("the message"), text, datas)
}

fn tg_press(r: &mut Resident<'_>, message: Value, data: &str) {
    r.queries += 1;
    let query = format!("q{}-{}", r.id, r.queries);
    let update = fake_api::callback(r.id, r.lang, message, data, &query);
    r.send(update);
}

async fn tg_lesson(r: &mut Resident<'_>, script: &Script, lesson: &str) {
    r.says(&format!("/start lesson_{lesson}"));
    for _ in 0..40 {
        // Either the lesson is done, or a message offers the way on.
        let (id, mark) = (r.id, r.mark);
        let next = r
            .api
            .wait_for(15, &format!("{lesson}: the way on for {id}"), |calls| {
                let mine: Vec<_> = calls[mark.min(calls.len())..]
                    .iter()
                    .filter(|c| r.is_mine(c))
                    .collect();
                if mine
                    .iter()
                    .any(|c| strip_tags(c.text()).contains("🎉 Урок"))
                {
                    return Some(None);
                }
                mine.iter().rev().find_map(|c| {
                    let rows = c.params["reply_markup"]["inline_keyboard"].as_array()?;
                    let datas: Vec<String> = rows
                        .iter()
                        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
                        .filter_map(|b| b["callback_data"].as_str().map(str::to_string))
                        .collect();
                    let press = lesson_press(script, &datas)?;
                    Some(Some((c.message_id?, press)))
                })
            })
            .await;
        match next {
            None => return,
            Some((id, press)) => {
                let message = r.api.sent_message(id).expect("the message");
                tg_press(r, message, &press)
            }
        }
    }
    panic!("{lesson} did not end");
}

/// A free port on 127.0.0.1 for the verification page.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Debian's chromium (or another Chromium), if installed.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH")?
                .to_str()?
                .split(':')
                .map(|dir| Path::new(dir).join(name))
                .find(|p| p.is_file())
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_telegram_a_resident_earns_a_certificate_and_its_page_checks_it_in_a_browser() {
    let api = fake_api::FakeApi::start().await;
    let (dir, db) = temp_db();
    let key = dir.path().join("signing.key");
    pomichnyk::certificates::key::generate(&key).expect("keygen");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let key_text = key.display().to_string();
    let bot = spawn_bot(
        &api,
        &db,
        &[
            ("POMICHNYK__CERTIFICATES__KEY_FILE", key_text.as_str()),
            ("POMICHNYK__CERTIFICATES__VERIFY_URL", VERIFY_URL),
            ("POMICHNYK__VERIFY__LISTEN", listen.as_str()),
            ("POMICHNYK__TELEGRAM__PACE_BURST", "1000"),
            ("POMICHNYK__TELEGRAM__FLOOD_BURST", "1000"),
            ("POMICHNYK__TELEGRAM__PRESS_BURST", "1000"),
            ("POMICHNYK__TELEGRAM__PRESS_REPEAT_MS", "0"),
        ],
    )
    .await;
    let script = shipped_script();
    let course = script.course(COURSE).expect("course").clone();
    let mut olena = Resident::new(&api, 731_954_268, "uk");
    olena.says("/start hub_branch_7");
    olena.sees("Вітаю").await;

    for lesson in &course.lessons {
        tg_lesson(&mut olena, &script, lesson).await;
    }
    olena.says("/certificates");
    olena.sees("Уроків пройдено: 6 з 6").await;
    let (message, _, datas) = tg_buttons(&olena).await;
    let start = format!("z:s:{COURSE}");
    assert!(datas.contains(&start), "{datas:?}");
    tg_press(&mut olena, message, &start);
    for n in 1..=course.questions {
        olena.sees(&format!("Питання {n} з 10")).await;
        let (message, text, datas) = tg_buttons(&olena).await;
        let press = test_press(&course, 0, &text, &datas, true);
        tg_press(&mut olena, message, &press);
    }
    olena.sees("Тест складено: 10 з 10").await;
    olena.sees("лише для сертифіката").await;
    olena.says("Олена Коваль");
    olena.sees("На сертифікаті буде: Олена Коваль").await;
    let (message, _, _) = tg_buttons(&olena).await;
    tg_press(&mut olena, message, "z:y");
    olena.sees("Ваш сертифікат готовий!").await;

    let mark = olena.mark;
    let (document, photo) = api
        .wait_for(15, "the PDF and the PNG", |calls| {
            let mine = |method: &str| {
                calls[mark..]
                    .iter()
                    .find(|c| c.method == method && c.chat() == Some(olena.id) && c.delivered)
                    .and_then(|c| {
                        c.files
                            .first()
                            .map(|f| (f.file_name.clone(), f.bytes.clone()))
                    })
            };
            Some((mine("sendDocument")?, mine("sendPhoto")?))
        })
        .await;
    assert!(document.0.ends_with(".pdf"), "{}", document.0);
    let code = document
        .0
        .trim_start_matches("certificate-")
        .split("-uk")
        .next()
        .expect("the code in the file name")
        .to_string();
    let text = pdf_text(&document.1);
    for expected in ["Олена Коваль", "Безпека в інтернеті", code.as_str()]
    {
        assert!(text.contains(expected), "{expected:?} in the PDF:\n{text}");
    }
    let link = qr_in(&photo.1);
    assert_eq!(link, format!("{VERIFY_URL}/{code}"));

    // The page, as JSON, field by field.
    let page = format!("http://{listen}/verify/{code}");
    let http = reqwest::Client::new();
    let json: Value = http
        .get(&page)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("the page answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(json["code"], code.as_str());
    assert_eq!(json["status"], "valid");
    assert_eq!(json["valid"], true);
    assert_eq!(json["holder_removed"], false);
    assert_eq!(json["course"], COURSE);
    assert_eq!(json["course_title"]["uk"], "Безпека в інтернеті");
    assert_eq!(json["course_title"]["en"], "Staying safe online");
    assert_eq!(json["version"], 1);
    assert_eq!(json["name"], "Олена Коваль");
    assert_eq!(json["hub"], "branch_7");
    assert_eq!(json["signature_algorithm"], "Ed25519");
    let public = pomichnyk::certificates::key::load(&key)
        .expect("key")
        .public_hex();
    assert_eq!(json["public_key"], public.as_str());
    let issued = json["issued"].as_str().expect("a date");
    assert!(issued.parse::<jiff::civil::Date>().is_ok(), "{issued}");
    let missing = http
        .get(format!("http://{listen}/verify/ZZZZ-ZZZZ-ZZ"))
        .header("Accept", "application/json")
        .send()
        .await
        .expect("answer");
    assert_eq!(missing.status(), 404);

    // The page for people, in a real browser.
    match chromium() {
        None => {
            println!("no chromium found: the browser check of the verification page is skipped")
        }
        Some(browser) => {
            let shot = dir.path().join("verify.png");
            let common = [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
            ];
            let profile = format!("--user-data-dir={}", dir.path().join("chromium").display());
            let screenshot = std::process::Command::new(&browser)
                .args(common)
                .arg(&profile)
                .arg(format!("--screenshot={}", shot.display()))
                .arg("--window-size=412,915")
                .arg(&page)
                .output()
                .expect("run chromium");
            assert!(
                shot.is_file(),
                "a screenshot in the test's folder: {}",
                String::from_utf8_lossy(&screenshot.stderr)
            );
            let picture = image::open(&shot).expect("the screenshot is an image");
            assert_eq!((picture.width(), picture.height()), (412, 915));
            let dom = std::process::Command::new(&browser)
                .args(common)
                .arg(&profile)
                .arg("--dump-dom")
                .arg(&page)
                .output()
                .expect("run chromium");
            let dom = String::from_utf8_lossy(&dom.stdout).to_string();
            for expected in [
                "Перевірка сертифіката",
                "Сертифікат справжній",
                "Олена Коваль",
                "Безпека в інтернеті",
                code.as_str(),
            ] {
                assert!(dom.contains(expected), "{expected:?} on the page:\n{dom}");
            }
            println!(
                "verification page rendered by {}: {}",
                browser.display(),
                shot.display()
            );
        }
    }

    let store = bot.stop().await;
    store.close().await;
    verify_forged_revoked(&db, &key, &code, "Олена Коваль").await;
}

// ----- content checks ---------------------------------------------------------

/// The shipped content with two example offers of partners (`tests/data/offers_example.toml`).
fn script_with_offers() -> pomichnyk::script::Script {
    let dir = crate::support::content_copy();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/offers_example.toml");
    std::fs::copy(example, dir.path().join("offers.toml")).expect("the example offers");
    let report = pomichnyk::content::load_dir(dir.path(), &languages());
    let errors: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    report
        .script
        .unwrap_or_else(|| panic!("the content with example offers: {errors:#?}"))
}

#[test]
fn the_shipped_courses_and_offers_are_valid_and_a_broken_course_is_refused_where_it_is_wrong() {
    let script = shipped_script();
    assert_eq!(
        script
            .courses
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        ["phone_eservices", "safety_online"]
    );
    for course in &script.courses {
        assert!(course.bank.len() >= course.questions, "{}", course.id);
        assert_eq!(course.lessons.len(), 6, "{}", course.id);
    }
    // No partner's offer is shipped before one is agreed; the example file's load.
    assert_eq!(script.offers.len(), 0);
    assert_eq!(script_with_offers().offers.len(), 2);

    let dir = crate::support::content_copy();
    std::fs::write(
        dir.path().join("courses/broken.toml"),
        r#"id = "broken"
version = 1
title.uk = "Зламаний"
about.uk = "Про що"
about.en = "What"
lessons = ["phishing", "no_such_lesson"]
questions = 30
pass_percent = 120
retake_hours = 1
"#,
    )
    .expect("write");
    std::fs::write(
        dir.path().join("offers.toml"),
        "[[offers]]\nid = \"x\"\npartner.uk = \"a\"\npartner.en = \"a\"\nwhat.uk = \"b\"\nwhat.en = \"b\"\nclaim.uk = \"c\"\nclaim.en = \"c\"\nuntil = \"31.12.2026\"\ncourses = [\"nope\"]\n",
    )
    .expect("write");
    let report = pomichnyk::content::load_dir(dir.path(), &languages());
    assert!(report.script.is_none());
    let all: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    let joined = all.join("\n");
    for expected in [
        "broken.toml:6:24: error: no lesson",
        "error: no lesson with id \"no_such_lesson\"",
        "title has no text in \"en\"",
        "the bank has 2",
        "pass_percent is 1 to 100",
        "until \"31.12.2026\" is not a date",
        "no course with id \"nope\"",
    ] {
        assert!(joined.contains(expected), "{expected:?} in:\n{joined}");
    }
}
