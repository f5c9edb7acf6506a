//! The whole bot under SIGKILL: 20 residents walk lessons and quizzes, ask
//! the FAQ and the librarian, while an announcement goes out and webinar
//! reminders fall due; the bot binary is killed 20 times at random moments
//! (seeded) and started again at once. Afterwards nothing a resident saw is
//! lost, no ticket is lost, each announcement and reminder arrived once (a
//! repeat only for a send in flight at a kill), and every callback query was
//! answered.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::crash::{start_bot_with, wait_until};
use crate::support::fake_api::{self, strip_tags, Call, FakeApi};
use crate::support::shipped_script;
use crate::support::tg::{Resident, LIBRARIANS};
use pomichnyk::broadcast::Topic;
use pomichnyk::store::Store;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

const RESIDENTS: i64 = 20;
const FIRST: i64 = 5001;
const KILLS: usize = 20;
const ANNOUNCEMENT: &str = "Хаб на Проскурівській працює до 19:00";
const WEBINAR: &str = "Як не потрапити на гачок";
/// Sends the outbox has waiting for Telegram at once (`app::outbox`).
const IN_FLIGHT: usize = 8;

/// A seeded generator, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Inline buttons of a call, as (label, data).
fn buttons(call: &Call) -> Vec<(String, String)> {
    call.params["reply_markup"]["inline_keyboard"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|r| r.as_array().cloned().unwrap_or_default())
                .map(|b| {
                    let s = |k: &str| b[k].as_str().unwrap_or_default().to_string();
                    (s("text"), s("callback_data"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What one resident does and has seen.
struct Walker<'a> {
    r: Resident<'a>,
    lessons: Vec<String>,
    /// Right answers, by label.
    right: HashSet<String>,
    /// When the resident last did something.
    acted: Instant,
    /// Whether this resident still has a question for the librarian to ask,
    /// and where that is.
    ticket: Ticket,
}

#[derive(PartialEq)]
enum Ticket {
    Later,
    Asked,
    Done,
}

impl Walker<'_> {
    /// The newest message with lesson buttons Telegram accepted for this resident.
    fn newest_lesson_message(&self, calls: &[Call]) -> Option<Call> {
        calls
            .iter()
            .rev()
            .find(|c| {
                c.delivered
                    && c.chat() == Some(self.r.id)
                    && c.message_id.is_some()
                    && buttons(c).iter().any(|(_, d)| d.starts_with("r:"))
            })
            .cloned()
    }

    /// Whether the bot answered since the resident last acted.
    fn answered(&self, calls: &[Call]) -> bool {
        calls[self.r.mark.min(calls.len())..]
            .iter()
            .any(|c| c.delivered && c.chat() == Some(self.r.id))
    }

    /// One action: mostly the next press of the lesson, sometimes a question.
    fn act(&mut self, rng: &mut Rng) {
        let calls = self.r.api.calls();
        self.acted = Instant::now();
        if self.ticket == Ticket::Asked {
            let said = calls[self.r.mark.min(calls.len())..]
                .iter()
                .any(|c| c.chat() == Some(self.r.id) && c.text().contains("бібліотекар"));
            self.ticket = Ticket::Done;
            if said {
                self.r
                    .says(&format!("Допоможіть з Дією, пише {}", self.r.id));
                return;
            }
        }
        let roll = rng.below(100);
        if self.ticket == Ticket::Later && roll < 8 {
            self.ticket = Ticket::Asked;
            self.r.says("/librarian");
            return;
        }
        if roll < 20 {
            let questions = [
                "Як оплатити комуналку?",
                "що таке дія підпис",
                "мені подзвонили з банку і просять код",
                "де найближча бібліотека",
            ];
            self.r
                .says(questions[rng.below(questions.len() as u64) as usize]);
            return;
        }
        let Some(call) = self.newest_lesson_message(&calls) else {
            self.r.says(&format!("/start lesson_{}", self.lessons[0]));
            return;
        };
        let done = calls[self.r.mark.min(calls.len())..]
            .iter()
            .any(|c| c.chat() == Some(self.r.id) && strip_tags(c.text()).contains("пройдено!"));
        if done && self.lessons.len() > 1 {
            self.lessons.remove(0);
            self.r.says(&format!("/start lesson_{}", self.lessons[0]));
            return;
        }
        let offered = buttons(&call);
        let pick = offered
            .iter()
            .find(|(label, _)| self.right.contains(label))
            .or_else(|| offered.iter().find(|(label, _)| label.contains("Далі")))
            .or_else(|| offered.first());
        let Some((_, data)) = pick.cloned() else {
            return;
        };
        let Some(message) = call.message_id.and_then(|id| self.r.api.sent_message(id)) else {
            return;
        };
        self.r.queries += 1;
        let query = format!("c{}-{}", self.r.id, self.r.queries);
        let update = fake_api::callback(self.r.id, self.r.lang, message, &data, &query);
        self.r.send(update);
    }
}

/// How often each resident received a text containing `needle`.
fn received(api: &FakeApi, needle: &str) -> HashMap<i64, usize> {
    let mut got = HashMap::new();
    for call in api.calls_to("sendMessage") {
        let Some(chat) = call.chat() else { continue };
        if call.delivered && strip_tags(call.text()).contains(needle) {
            *got.entry(chat).or_insert(0) += 1;
        }
    }
    got
}

/// The callback queries pushed and not yet answered.
fn unanswered(api: &FakeApi, pushed: &HashSet<String>) -> Vec<String> {
    let answered: HashSet<String> = api
        .calls_to("answerCallbackQuery")
        .iter()
        .filter_map(|c| c.params["callback_query_id"].as_str().map(String::from))
        .collect();
    pushed.difference(&answered).cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_kills_lose_nothing_a_resident_saw() {
    let seed = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x000c_4a05_u64);
    eprintln!("chaos seed {seed} (CHAOS_SEED replays a run)");
    let mut rng = Rng(seed.max(1));
    let script = shipped_script();
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let residents = FIRST..FIRST + RESIDENTS;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;

    // What a librarian left before: residents subscribed, an announcement
    // confirmed, a webinar in an hour and a few seconds that all signed up for.
    let store = Store::open(&url).await.expect("store");
    crate::support::subscribe(&store, residents.clone(), Topic::Webinars).await;
    crate::support::announce_to_all(&store, ANNOUNCEMENT, now).await;
    let webinar = store
        .create_webinar(
            9001,
            WEBINAR,
            "Опис",
            now + 3_600 + 12,
            "branch_8",
            None,
            now,
        )
        .await
        .expect("webinar");
    for user in residents.clone() {
        store.rsvp(webinar, user, now).await.expect("rsvp");
    }
    store.close().await;

    let lessons: Vec<String> = ["phishing", "passwords", "first_steps", "scams_2026"]
        .into_iter()
        .filter(|l| script.dialogues.contains_key(*l))
        .map(String::from)
        .collect();
    assert!(lessons.len() >= 2, "lessons {lessons:?}");
    let right: HashSet<String> = lessons
        .iter()
        .flat_map(|l| script.dialogues[l].steps.iter())
        .filter_map(|s| s.quiz.as_ref())
        .flat_map(|q| q.options.iter().filter(|o| o.correct))
        .map(|o| o.text.get(0).to_string())
        .collect();
    let mut walkers: Vec<Walker<'_>> = residents
        .clone()
        .map(|id| {
            let mut lessons = lessons.clone();
            let turn = (id as usize) % lessons.len();
            lessons.rotate_left(turn);
            Walker {
                r: Resident::new(&api, id, "uk"),
                lessons,
                right: right.clone(),
                acted: Instant::now() - Duration::from_secs(60),
                ticket: if id < FIRST + 6 {
                    Ticket::Later
                } else {
                    Ticket::Done
                },
            }
        })
        .collect();

    // The announcement goes out slowly enough to meet several kills.
    let env = [
        ("POMICHNYK__BROADCAST__PER_SECOND", "3"),
        ("POMICHNYK__BROADCAST__QUIET_HOURS", ""),
    ];
    let mut bot = start_bot_with(&api, &url, &env);
    let mut kills = 0;
    let mut next_kill = Instant::now() + Duration::from_millis(800 + rng.below(2200));
    let started = Instant::now();
    while kills < KILLS {
        assert!(
            started.elapsed() < Duration::from_secs(150),
            "the run took too long"
        );
        let calls = api.calls();
        for w in &mut walkers {
            // A resident acts on an answer after a short read, or gives up
            // waiting after three seconds and presses (or types) anyway.
            let read = Duration::from_millis(150 + (w.r.id as u64 % 5) * 60);
            let waited = w.acted.elapsed();
            if (w.answered(&calls) && waited >= read) || waited >= Duration::from_secs(3) {
                w.act(&mut rng);
            }
        }
        if Instant::now() >= next_kill {
            bot.kill().expect("SIGKILL");
            bot.wait().expect("reaped");
            kills += 1;
            bot = start_bot_with(&api, &url, &env);
            next_kill = Instant::now() + Duration::from_millis(800 + rng.below(2200));
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }

    // No more kills: let everything that is owed arrive.
    let pushed: HashSet<String> = walkers
        .iter()
        .flat_map(|w| (1..=w.r.queries).map(move |q| format!("c{}-{q}", w.r.id)))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !unanswered(&api, &pushed).is_empty() {
        assert!(
            Instant::now() < deadline,
            "callback queries never answered: {:?}",
            unanswered(&api, &pushed)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_until("the announcement to everyone", 60, || {
        let got = received(&api, ANNOUNCEMENT);
        residents.clone().all(|id| got.contains_key(&id))
    })
    .await;
    wait_until("the reminder to everyone", 60, || {
        let got = received(&api, WEBINAR);
        residents.clone().all(|id| got.contains_key(&id))
    })
    .await;
    // Tickets the residents were told the number of.
    let told: Vec<(i64, i64)> = api
        .calls_to("sendMessage")
        .iter()
        .filter(|c| c.delivered)
        .filter_map(|c| {
            let chat = c
                .chat()
                .filter(|id| (FIRST..FIRST + RESIDENTS).contains(id))?;
            let text = strip_tags(c.text());
            let number = text.split("Номер звернення: ").nth(1)?;
            let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
            Some((chat, digits.parse().ok()?))
        })
        .collect();
    wait_until("every ticket posted to the librarians", 60, || {
        let posts: Vec<String> = api
            .calls_to("sendMessage")
            .iter()
            .filter(|c| c.delivered && c.chat() == Some(LIBRARIANS))
            .map(|c| strip_tags(c.text()))
            .collect();
        told.iter()
            .all(|(_, n)| posts.iter().any(|p| p.contains(&format!("Звернення {n}"))))
    })
    .await;
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status();
    bot.wait().expect("stopped");

    // Every lesson step a resident was shown is a committed step.
    let store = Store::open(&url).await.expect("store");
    let db = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(dir.path().join("bot.db"))
                .read_only(true),
        )
        .await
        .expect("the database file");
    let mut shown_steps = 0;
    let calls = api.calls();
    for w in &walkers {
        let reached: HashSet<(String, String)> = sqlx::query_as::<_, (String, String)>(
            "SELECT dialogue, step FROM events WHERE user_id = ? AND dialogue IS NOT NULL \
             AND step IS NOT NULL",
        )
        .bind(w.r.id)
        .fetch_all(&db)
        .await
        .expect("events")
        .into_iter()
        .collect();
        let starts: HashSet<String> = sqlx::query_scalar::<_, String>(
            "SELECT json_extract(data, '$.lesson') FROM events WHERE user_id = ? \
             AND kind = 'lesson_started'",
        )
        .bind(w.r.id)
        .fetch_all(&db)
        .await
        .expect("events")
        .into_iter()
        .collect();
        for call in calls
            .iter()
            .filter(|c| c.delivered && c.chat() == Some(w.r.id))
        {
            for (_, data) in buttons(call) {
                let Some(rest) = data.strip_prefix("r:") else {
                    continue;
                };
                let Some((dialogue, step)) = rest.split_once(':') else {
                    continue;
                };
                shown_steps += 1;
                let first =
                    script.dialogues[dialogue].steps[script.dialogues[dialogue].start].id == step;
                assert!(
                    reached.contains(&(dialogue.to_string(), step.to_string()))
                        || (first && starts.contains(dialogue)),
                    "resident {} saw {dialogue}/{step}, which the database does not have",
                    w.r.id
                );
            }
        }
        // Where the resident is now is what they saw last.
        if let Some(last) = w.newest_lesson_message(&calls) {
            let state = store
                .load_state(w.r.id)
                .await
                .expect("state")
                .expect("saved");
            let at = state.at.expect("in a dialogue");
            let shown = buttons(&last)
                .into_iter()
                .find_map(|(_, d)| d.strip_prefix("r:").map(String::from))
                .expect("a lesson step");
            let later: Vec<String> = calls
                .iter()
                .filter(|c| c.delivered && c.chat() == Some(w.r.id) && c.at > last.at)
                .map(|c| strip_tags(c.text()))
                .collect();
            if later.is_empty() {
                assert_eq!(
                    format!("{}:{}", at.dialogue, at.step),
                    shown,
                    "resident {} is where they were last shown",
                    w.r.id
                );
            }
        }
    }
    for (resident, number) in &told {
        let ticket = store
            .ticket(*number)
            .await
            .expect("read")
            .expect("ticket kept");
        assert_eq!(ticket.user, *resident, "ticket {number}");
    }
    store.close().await;
    db.close().await;

    let announcements = received(&api, ANNOUNCEMENT);
    let reminders = received(&api, WEBINAR);
    let repeats = |got: &HashMap<i64, usize>| -> usize {
        residents
            .clone()
            .map(|id| got.get(&id).copied().unwrap_or(0).saturating_sub(1))
            .sum()
    };
    let (a, rem) = (repeats(&announcements), repeats(&reminders));
    eprintln!(
        "{kills} kills: {shown_steps} lesson steps shown, {} tickets, {} presses; \
         repeats: {a} of the announcement, {rem} of the reminder",
        told.len(),
        pushed.len()
    );
    assert!(pushed.len() >= 100, "only {} presses", pushed.len());
    // A press is answered before its step is committed, so no press whose
    // step took effect goes unanswered. One answered but not yet committed
    // at a kill is handed out again and answered a second time, which
    // Telegram refuses, once, and the bot does not try again: at most one
    // press per resident at each kill, since a chat's updates are handled
    // one after another.
    let refused = api.take_refusals();
    let again = refused
        .iter()
        .filter(|r| r.starts_with("answerCallbackQuery: query is too old"))
        .count();
    eprintln!("{again} presses answered again after a kill");
    assert_eq!(again, refused.len(), "{refused:#?}");
    assert!(
        again <= kills * RESIDENTS as usize,
        "{again} presses answered twice"
    );
    assert!(a <= kills * IN_FLIGHT, "{a} repeated announcements");
    assert!(rem <= kills * IN_FLIGHT, "{rem} repeated reminders");
}
