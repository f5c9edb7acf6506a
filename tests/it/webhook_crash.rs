//! The webhook under SIGKILL: Telegram's requests are answered only once
//! their update has taken effect, so an update is never confirmed and then
//! lost. Here the test plays Telegram: it posts each resident's questions
//! one after another (one every 1.5 s) to the bot's webhook and posts a question again until
//! it is answered 200, while the bot binary is killed at random moments
//! (seeded) and started again. Afterwards every question is in the database
//! exactly once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::crash::start_bot_with;
use crate::support::fake_api::{self, FakeApi};

const RESIDENTS: i64 = 12;
const FIRST: i64 = 6101;
const QUESTIONS: usize = 12;
const KILLS: usize = 14;
const SECRET: &str = "kill-Test_secret";
/// Between one question's answer and the next question.
const TYPING: Duration = Duration::from_millis(1_500);

/// What resident `user` asks the `n`th time; each text is asked once.
fn question(user: i64, n: usize) -> String {
    let topics = [
        "як оплатити комуналку онлайн",
        "як записатися до сімейного лікаря",
        "що робити якщо просять код з смс",
        "де найближчий хаб",
    ];
    format!("{} {user}-{n}?", topics[n % topics.len()])
}

/// Plays Telegram for one resident: each question is posted until the bot
/// answers 200, then the next one. Answers the update ids confirmed.
async fn ask_all(
    client: reqwest::Client,
    hook: String,
    user: i64,
    next_id: Arc<AtomicI64>,
    refused: Arc<AtomicBool>,
) -> Vec<i64> {
    let mut confirmed = Vec::new();
    for n in 0..QUESTIONS {
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        let mut update = fake_api::text(user, "uk", 1000 + n as i64, &question(user, n));
        update["update_id"] = serde_json::json!(id);
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            assert!(Instant::now() < deadline, "update {id} never confirmed");
            let answer = client
                .post(&hook)
                .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
                .json(&update)
                .send()
                .await;
            match answer.map(|a| a.status().as_u16()) {
                Ok(200) => break,
                // Down, stopping, or shedding: Telegram tries again a little later.
                Ok(503) | Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                Ok(other) => {
                    eprintln!("update {id}: answered {other}");
                    refused.store(true, Ordering::Relaxed);
                    break;
                }
            }
        }
        confirmed.push(id);
        // The next question after a moment: quick typing, not a flood (the
        // flood gate lets a text through every 1.5 s for ever).
        tokio::time::sleep(TYPING).await;
    }
    confirmed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_update_answered_200_survives_any_kill() {
    let seed: u64 = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0057_ebb0);
    eprintln!("seed {seed} (CHAOS_SEED replays a run)");
    let mut rng = seed.max(1);
    let mut below = |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::support::db::url(&dir.path().join("bot.db"));
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let listen = format!("127.0.0.1:{port}");
    let env = [
        ("POMICHNYK__TELEGRAM__MODE", "webhook"),
        ("POMICHNYK__WEBHOOK__LISTEN", listen.as_str()),
        (
            "POMICHNYK__WEBHOOK__PUBLIC_URL",
            "https://bot.example.org/hook",
        ),
        ("POMICHNYK__WEBHOOK__SECRET", SECRET),
    ];
    let hook = format!("http://{listen}/hook");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");

    let mut bot = start_bot_with(&api, &url, &env);
    let next_id = Arc::new(AtomicI64::new(1));
    let refused = Arc::new(AtomicBool::new(false));
    let askers: Vec<_> = (FIRST..FIRST + RESIDENTS)
        .map(|user| {
            tokio::spawn(ask_all(
                client.clone(),
                hook.clone(),
                user,
                next_id.clone(),
                refused.clone(),
            ))
        })
        .collect();
    let started = Instant::now();
    for _ in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(700 + below(1_400))).await;
        bot.kill().expect("SIGKILL");
        bot.wait().expect("reaped");
        bot = start_bot_with(&api, &url, &env);
    }
    let mut confirmed = HashMap::new();
    for (user, asker) in (FIRST..).zip(askers) {
        confirmed.insert(user, asker.await.expect("asker"));
    }
    eprintln!(
        "{KILLS} kills in {:.1} s; {} updates confirmed",
        started.elapsed().as_secs_f64(),
        confirmed.values().map(Vec::len).sum::<usize>()
    );
    assert!(
        !refused.load(Ordering::Relaxed),
        "a well-formed update was refused"
    );
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status();
    bot.wait().expect("stopped");

    // Every question confirmed to "Telegram" went to the FAQ, and once.
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&url).await.expect("the database");
    let asked: Vec<(String, i64)> =
        sqlx::query_as("SELECT text, count(*) FROM questions GROUP BY text")
            .fetch_all(&db)
            .await
            .expect("questions");
    let asked: HashMap<String, i64> = asked.into_iter().collect();
    for user in FIRST..FIRST + RESIDENTS {
        assert_eq!(confirmed[&user].len(), QUESTIONS);
        for n in 0..QUESTIONS {
            let text = question(user, n);
            assert_eq!(
                asked.get(&text).copied(),
                Some(1),
                "{text:?}: confirmed, so handled exactly once"
            );
        }
        let events: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE user_id = $1 AND kind = 'question_asked'",
        )
        .bind(user)
        .fetch_one(&db)
        .await
        .expect("events");
        assert_eq!(events, QUESTIONS as i64, "resident {user}'s questions");
    }
    db.close().await;
}
