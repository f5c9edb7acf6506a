//! Three bot processes on one PostgreSQL database behind the webhook, with
//! the test playing Telegram: 1,000 residents each open a lesson and walk
//! its first steps by pressing its buttons, every update posted to a
//! replica other than the one that took the resident's update before; an
//! update not answered 200 is posted again, to the next replica, a moment
//! later; as Telegram does, no more than 40 requests are open at once. Meanwhile an announcement goes out to all of them and a webinar's
//! reminder falls due, and one replica is SIGKILLed and started again.
//! Afterwards every update was confirmed and took effect once, each
//! resident's steps are in the order pressed, and no step, announcement or
//! reminder reached anyone twice beyond what the killed replica had in hand.
//!
//! PostgreSQL only (`POMICHNYK_TEST_POSTGRES`; `.ci/run` sets it for its
//! second pass): SQLite is one process's database, which
//! `tests/it/webhook_crash.rs` covers.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::crash::{start_bot_with, wait_until, Bot};
use crate::support::fake_api::{self, strip_tags, FakeApi};
use crate::support::{db, shipped_script};
use pomichnyk::broadcast::Topic;
use pomichnyk::script::{Script, Target};
use pomichnyk::store::{Store, CLAIM_BATCH};

const RESIDENTS: i64 = 1_000;
const FIRST: i64 = 7_000_001;
const REPLICAS: usize = 3;
/// Presses each resident makes after opening the lesson.
const PRESSES: usize = 4;
const SECRET: &str = "replicas-Test_secret";
const ANNOUNCEMENT: &str = "Хаб на Проскурівській сьогодні працює до 19:00";
const WEBINAR: &str = "Як розпізнати фішинговий лист";
/// Updates one replica handles at once (`telegram::flood::MAX_IN_FLIGHT`).
const IN_HAND: usize = pomichnyk::telegram::flood::MAX_IN_FLIGHT;
/// Webhook requests Telegram keeps open at once: `setWebhook`'s
/// `max_connections`, which defaults to 40.
const CONNECTIONS: usize = 40;

/// A lesson with at least [`PRESSES`] steps after its first, none with a
/// picture, and the presses
/// that walk it (right answers, or the way on), each with the step it leads to.
fn lesson_walk(script: &Script) -> (String, String, Vec<(String, String)>) {
    for lesson in script.lessons() {
        let first = lesson.steps[lesson.start].id.clone();
        let mut walk = Vec::new();
        let mut at = first.clone();
        while walk.len() < PRESSES {
            let Some((_, step)) = lesson.step(&at) else {
                break;
            };
            if step.end {
                break;
            }
            let (data, next) = if let Some(quiz) = &step.quiz {
                let right = quiz.options.iter().position(|o| o.correct).unwrap_or(0);
                (
                    format!("q:{}:{}:{right}", lesson.id, step.id),
                    quiz.next.clone(),
                )
            } else {
                let Some(next) = step.buttons.iter().find_map(|b| match &b.target {
                    Target::Step(s) => Some(s.clone()),
                    _ => None,
                }) else {
                    break;
                };
                (format!("g:{}:{next}", lesson.id), next)
            };
            walk.push((data, next.clone()));
            at = next;
        }
        // Steps with text only: what is measured is the turns, not uploads.
        let plain = std::iter::once(&first)
            .chain(walk.iter().map(|(_, s)| s))
            .all(|s| lesson.step(s).is_some_and(|(_, s)| s.picture.is_none()));
        if walk.len() == PRESSES && plain {
            return (lesson.id.clone(), first, walk);
        }
    }
    panic!("no lesson has {PRESSES} steps after its first");
}

/// Whether a message the bot sent carries this lesson's buttons.
fn lesson_buttons(message: &Value, lesson: &str) -> bool {
    let tag = [format!("g:{lesson}:"), format!("q:{lesson}:")];
    message["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .filter_map(|b| b["callback_data"].as_str())
        .any(|d| tag.iter().any(|t| d.starts_with(t.as_str())))
}

/// The test's side of the webhook: a chat's updates one after another, each
/// posted until a replica answers 200, and no more than [`CONNECTIONS`]
/// requests open at once, as Telegram keeps to `setWebhook`'s
/// `max_connections` (the bot leaves it at Telegram's default, 40) for the
/// one address the reverse proxy spreads over the replicas.
struct Telegram {
    client: reqwest::Client,
    connections: tokio::sync::Semaphore,
    hooks: Vec<String>,
    /// Updates confirmed, and posts that had to be made again.
    confirmed: AtomicUsize,
    reposted: AtomicUsize,
    /// A well-formed update answered with something else than 200 or 503.
    refused: AtomicBool,
}

impl Telegram {
    /// Posts `update` to replica `first`, then to the next one and so on
    /// until one answers 200.
    async fn post(&self, update: &Value, first: usize) {
        let id = &update["update_id"];
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut replica = first;
        loop {
            assert!(Instant::now() < deadline, "update {id} never confirmed");
            let open = self.connections.acquire().await.expect("connections");
            let answer = self
                .client
                .post(&self.hooks[replica % self.hooks.len()])
                .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
                .json(update)
                .send()
                .await;
            drop(open);
            match answer.map(|a| a.status().as_u16()) {
                Ok(200) => break,
                // Down, stopping, or shedding load: again a little later, elsewhere.
                Ok(503) | Err(_) => {}
                Ok(other) => {
                    eprintln!("update {id}: answered {other}");
                    self.refused.store(true, Ordering::Relaxed);
                }
            }
            self.reposted.fetch_add(1, Ordering::Relaxed);
            replica += 1;
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        self.confirmed.fetch_add(1, Ordering::Relaxed);
    }
}

/// One resident: opens the lesson, then presses through it, each press on
/// the newest lesson message the bot sent them. Answers the update ids.
async fn walk(
    telegram: Arc<Telegram>,
    api: FakeApi,
    user: i64,
    lesson: String,
    presses: Vec<String>,
) -> Vec<i64> {
    // Update ids: the resident's number, then the step, so that they grow
    // with each resident's steps as Telegram's do.
    let id = |n: usize| (user - FIRST) * 10 + n as i64 + 1;
    let mut ids = Vec::new();
    let mut update = fake_api::text(user, "uk", 1, &format!("/start lesson_{lesson}"));
    update["update_id"] = id(0).into();
    // Each update to the replica after the one that took the last.
    let first = (user as usize) % REPLICAS;
    telegram.post(&update, first).await;
    ids.push(id(0));
    // Confirmed means committed; the replies follow. The resident presses
    // on the newest lesson step once it is there, as a person would.
    let mut pressed: Option<Value> = None;
    for (n, data) in presses.iter().enumerate() {
        let deadline = Instant::now() + Duration::from_secs(30);
        let message = loop {
            let newest = api.newest_sent(user, |m| lesson_buttons(m, &lesson));
            if let Some(m) = newest.filter(|m| Some(m) != pressed.as_ref()) {
                break m;
            }
            if Instant::now() > deadline {
                let seen: Vec<String> = api
                    .calls()
                    .iter()
                    .filter(|c| {
                        c.chat() == Some(user)
                            || c.params["callback_query_id"]
                                .as_str()
                                .is_some_and(|q| q.starts_with(&format!("{user}-")))
                    })
                    .map(|c| format!("{} {} {:?}", c.method, c.params, c.at))
                    .collect();
                panic!(
                    "resident {user} was not shown the step after update {}: {seen:#?}",
                    id(n)
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        pressed = Some(message.clone());
        let query = format!("{user}-{n}");
        let mut update = fake_api::callback(user, "uk", message, data, &query);
        update["update_id"] = id(n + 1).into();
        telegram.post(&update, first + n + 1).await;
        ids.push(id(n + 1));
    }
    ids
}

/// How often each chat received a message whose text contains `needle`.
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

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn start_replica(api: &FakeApi, url: &str, listen: &str) -> Bot {
    let env = [
        ("POMICHNYK__TELEGRAM__MODE", "webhook"),
        ("POMICHNYK__WEBHOOK__LISTEN", listen),
        (
            "POMICHNYK__WEBHOOK__PUBLIC_URL",
            "https://bot.example.org/hook",
        ),
        ("POMICHNYK__WEBHOOK__SECRET", SECRET),
        // Residents press quickly here: the flood gate lets them.
        ("POMICHNYK__TELEGRAM__PRESS_BURST", "100"),
        ("POMICHNYK__TELEGRAM__FLOOD_BURST", "100"),
        // The announcement and the reminders go out over several seconds,
        // so the kill meets them on their way.
        ("POMICHNYK__BROADCAST__PER_SECOND", "60"),
        ("POMICHNYK__BROADCAST__QUIET_HOURS", ""),
    ];
    start_bot_with(api, url, &env)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_one_killed_take_a_thousand_residents_each_step_once_and_in_order() {
    if db::postgres().is_none() {
        eprintln!(
            "three replicas need PostgreSQL: set POMICHNYK_TEST_POSTGRES (as .ci/run does) \
             to run this test; skipped on SQLite"
        );
        return;
    }
    let script = shipped_script();
    let (lesson, first_step, walk_plan) = lesson_walk(&script);
    let presses: Vec<String> = walk_plan.iter().map(|(d, _)| d.clone()).collect();
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = db::url(&dir.path().join("replicas.db"));
    let residents = FIRST..FIRST + RESIDENTS;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;

    // Before: the residents subscribed and signed up for a webinar whose
    // reminder (an hour before) falls due a few seconds into the run, and an
    // announcement to all of them confirmed.
    let store = Store::open(&url).await.expect("store");
    crate::support::subscribe(&store, residents.clone(), Topic::Webinars).await;
    let webinar = store
        .create_webinar(
            9001,
            WEBINAR,
            "Опис",
            now + 3_600 + 8,
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

    let listens: Vec<String> = (0..REPLICAS)
        .map(|_| format!("127.0.0.1:{}", free_port()))
        .collect();
    let mut bots: Vec<Bot> = listens
        .iter()
        .map(|l| start_replica(&api, &url, l))
        .collect();
    let telegram = Arc::new(Telegram {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .pool_max_idle_per_host(64)
            .build()
            .expect("client"),
        connections: tokio::sync::Semaphore::new(CONNECTIONS),
        hooks: listens.iter().map(|l| format!("http://{l}/hook")).collect(),
        confirmed: AtomicUsize::new(0),
        reposted: AtomicUsize::new(0),
        refused: AtomicBool::new(false),
    });
    // Every replica is listening before the residents start.
    for listen in &listens {
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(listen).is_err() {
            assert!(
                Instant::now() < deadline,
                "replica on {listen} never listened"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let started = Instant::now();
    let store = Store::open(&url).await.expect("store");
    crate::support::announce_to_all(&store, ANNOUNCEMENT, now).await;
    store.close().await;

    let walkers: Vec<_> = residents
        .clone()
        .map(|user| {
            tokio::spawn(walk(
                telegram.clone(),
                api.clone(),
                user,
                lesson.clone(),
                presses.clone(),
            ))
        })
        .collect();
    let total = RESIDENTS as usize * (PRESSES + 1);

    // A replica dies a third of the way through, and comes back a second later.
    wait_until("a third of the updates", 60, || {
        telegram.confirmed.load(Ordering::Relaxed) >= total / 3
    })
    .await;
    let killed_at = started.elapsed();
    bots[1].kill().expect("SIGKILL");
    bots[1].wait().expect("reaped");
    tokio::time::sleep(Duration::from_secs(1)).await;
    bots[1] = start_replica(&api, &url, &listens[1]);

    let mut ids: HashMap<i64, Vec<i64>> = HashMap::new();
    for (user, walker) in residents.clone().zip(walkers) {
        ids.insert(user, walker.await.expect("resident"));
    }
    let walked = started.elapsed();
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
    // Repeats of a send in flight at the kill come within a lease.
    tokio::time::sleep(Duration::from_secs(1)).await;
    for bot in &bots {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &bot.id().to_string()])
            .status();
    }
    for bot in &mut bots {
        bot.wait().expect("stopped");
    }
    let reposted = telegram.reposted.load(Ordering::Relaxed);
    eprintln!(
        "{total} updates from {RESIDENTS} residents over {REPLICAS} replicas in {:.1} s \
         ({:.0}/s; {reposted} posted again), replica 2 killed at {:.1} s; \
         announcement and reminders all out at {:.1} s",
        walked.as_secs_f64(),
        total as f64 / walked.as_secs_f64(),
        killed_at.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        !telegram.refused.load(Ordering::Relaxed),
        "a well-formed update was refused"
    );
    assert_eq!(telegram.confirmed.load(Ordering::Relaxed), total);
    assert!(
        reposted > 0,
        "the kill made no update go to another replica"
    );

    // Each update took effect once, and each resident's steps are in the
    // order pressed.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.expect("the database");
    let handled: HashSet<i64> =
        sqlx::query_scalar::<_, i64>("SELECT update_id FROM handled_updates")
            .fetch_all(&pool)
            .await
            .expect("handled updates")
            .into_iter()
            .collect();
    let steps: Vec<(i64, String)> = sqlx::query_as(
        "SELECT user_id, step FROM events WHERE kind = 'step_reached' AND dialogue = $1 \
         ORDER BY id",
    )
    .bind(&lesson)
    .fetch_all(&pool)
    .await
    .expect("steps");
    let starts: Vec<i64> =
        sqlx::query_scalar("SELECT user_id FROM events WHERE kind = 'lesson_started'")
            .fetch_all(&pool)
            .await
            .expect("starts");
    pool.close().await;
    let mut walked_steps: HashMap<i64, Vec<String>> = HashMap::new();
    for (user, step) in steps {
        walked_steps.entry(user).or_default().push(step);
    }
    let mut started_lessons: HashMap<i64, usize> = HashMap::new();
    for user in starts {
        *started_lessons.entry(user).or_default() += 1;
    }
    let expected: Vec<String> = walk_plan.iter().map(|(_, s)| s.clone()).collect();
    for user in residents.clone() {
        for id in &ids[&user] {
            assert!(
                handled.contains(id),
                "update {id} of {user}: confirmed but not recorded"
            );
        }
        assert_eq!(
            started_lessons.get(&user),
            Some(&1),
            "resident {user}'s lesson start"
        );
        let got = walked_steps.remove(&user).unwrap_or_default();
        // The first step may be recorded when the lesson opens.
        let got: Vec<String> = match got.split_first() {
            Some((s, rest)) if *s == first_step => rest.to_vec(),
            _ => got,
        };
        assert_eq!(
            got, expected,
            "resident {user}'s steps, in the order pressed"
        );
    }

    // No step shown twice, nor the announcement nor the reminder, beyond the
    // sends the killed replica had in hand: its updates, and a claim of each.
    let mut shown: HashMap<(i64, String), usize> = HashMap::new();
    for call in api.calls_to("sendMessage") {
        let (Some(chat), true) = (call.chat(), call.delivered) else {
            continue;
        };
        if residents.contains(&chat) && lesson_buttons(&call.params, &lesson) {
            *shown.entry((chat, strip_tags(call.text()))).or_default() += 1;
        }
    }
    let step_repeats: usize = shown.values().map(|n| n - 1).sum();
    let repeats = |got: &HashMap<i64, usize>| -> usize {
        residents
            .clone()
            .map(|id| got.get(&id).copied().unwrap_or(0).saturating_sub(1))
            .sum()
    };
    let announcement_repeats = repeats(&received(&api, ANNOUNCEMENT));
    let reminder_repeats = repeats(&received(&api, WEBINAR));
    // A press answered, then its replica killed before the commit, is
    // answered again by the replica it is posted to next, which Telegram
    // refuses; the bot takes the refusal and does not try again.
    let refusals = api.take_refusals();
    let refused_answers = refusals
        .iter()
        .filter(|r| r.starts_with("answerCallbackQuery: query is too old"))
        .count();
    let mut answers: HashMap<String, usize> = HashMap::new();
    for call in api.calls_to("answerCallbackQuery") {
        if let Some(id) = call.params["callback_query_id"].as_str() {
            *answers.entry(id.to_string()).or_default() += 1;
        }
    }
    let answered_again = answers.values().filter(|n| **n > 1).count();
    let most = answers.values().copied().max().unwrap_or(0);
    eprintln!(
        "repeats: {step_repeats} lesson steps, {announcement_repeats} announcements, \
         {reminder_repeats} reminders; {answered_again} presses answered again"
    );
    assert_eq!(refused_answers, refusals.len(), "{refusals:#?}");
    assert!(
        answered_again <= IN_HAND,
        "{answered_again} presses answered twice"
    );
    assert!(most <= 2, "a press answered {most} times");
    assert!(
        step_repeats <= IN_HAND,
        "{step_repeats} lesson steps shown twice"
    );
    let claimed = CLAIM_BATCH as usize;
    assert!(
        announcement_repeats <= claimed,
        "{announcement_repeats} announcements sent twice"
    );
    assert!(
        reminder_repeats <= claimed,
        "{reminder_repeats} reminders sent twice"
    );
}

/// A replica killed while sending an announcement held its claim on the
/// deliveries in hand; started again (the same slot), it sends them at once
/// instead of waiting for their lease to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_holding_an_announcement_sends_it_when_started_again_without_waiting_for_the_lease(
) {
    if db::postgres().is_none() {
        eprintln!(
            "replicas need PostgreSQL: set POMICHNYK_TEST_POSTGRES (as .ci/run does) \
             to run this test; skipped on SQLite"
        );
        return;
    }
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = db::url(&dir.path().join("held.db"));
    let residents = 7_500_001..7_500_009;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let store = Store::open(&url).await.expect("store");
    crate::support::subscribe(&store, residents.clone(), Topic::Webinars).await;
    crate::support::announce_to_all(&store, ANNOUNCEMENT, now).await;
    // Telegram takes none of it for now: the first send hangs, the claim is held.
    for user in residents.clone() {
        api.stall(user);
    }
    let listen = format!("127.0.0.1:{}", free_port());
    let mut bot = start_replica(&api, &url, &listen);
    wait_until("a send of the announcement in hand", 30, || {
        api.hanging() > 0
    })
    .await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.expect("the database");
    let (held, lease_ends): (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(min(next_try), 0) FROM deliveries \
         WHERE status = 'pending' AND next_try > $1",
    )
    .bind(now)
    .fetch_one(&pool)
    .await
    .expect("claims");
    pool.close().await;
    assert_eq!(held, 8, "every delivery claimed by the replica");

    bot.kill().expect("SIGKILL");
    bot.wait().expect("reaped");
    for user in residents.clone() {
        api.release(user);
    }
    // The same replica (its slot: the port) starts again.
    let mut bot = start_replica(&api, &url, &listen);
    wait_until("the announcement to everyone", 30, || {
        let got = received(&api, ANNOUNCEMENT);
        residents.clone().all(|id| got.contains_key(&id))
    })
    .await;
    let out_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status();
    bot.wait().expect("stopped");
    assert!(
        out_at < lease_ends,
        "the held deliveries went out at {out_at}, not before their lease ended at {lease_ends}"
    );
    let got = received(&api, ANNOUNCEMENT);
    for user in residents {
        assert_eq!(got.get(&user), Some(&1), "resident {user}'s announcement");
    }
}
