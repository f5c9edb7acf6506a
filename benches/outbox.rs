//! The outbox against a Bot API that enforces a bulk rate: 10,000 recipients,
//! the fake server refusing (429) any send beyond R in a second, the bot set
//! just below R. Prints the sustained rate and the 429s seen.
//!
//! `cargo bench --bench outbox` (R = 300/s, the bot at 285/s); set
//! `OUTBOX_RECIPIENTS`, `OUTBOX_SERVER_RATE` and `OUTBOX_BOT_RATE` to change them.

#[path = "../tests/it/support/fake_api.rs"]
mod fake_api;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pomichnyk::broadcast::{Audience, Topic};
use pomichnyk::engine::{Event, State};
use pomichnyk::settings::Settings;
use pomichnyk::store::{Commit, Store};
use pomichnyk::telegram;

fn env_or(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let recipients = env_or("OUTBOX_RECIPIENTS", 10_000);
    let server_rate = env_or("OUTBOX_SERVER_RATE", 300);
    let bot_rate = env_or("OUTBOX_BOT_RATE", server_rate * 95 / 100);

    let api = fake_api::FakeApi::start().await;
    api.limit_rate(server_rate as usize);
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());

    let store = Store::open(&url).await?;
    let state = State {
        lang: Some("uk".into()),
        ..State::default()
    };
    let events = [Event::SubscriptionChanged {
        webinars: false,
        news: true,
        hub: None,
    }];
    for user in 1..=recipients {
        store
            .commit(Commit {
                user,
                now: 1,
                state: &state,
                events: &events,
            })
            .await?;
    }
    let (_, queued) = store
        .create_broadcast(
            1,
            Topic::News,
            &Audience::All,
            "Бібліотека запрошує на вебінар",
            None,
            0,
            1,
        )
        .await?;

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let env: HashMap<String, String> = HashMap::from([
        ("POMICHNYK__TELEGRAM__TOKEN".into(), fake_api::TOKEN.into()),
        ("POMICHNYK__TELEGRAM__API_URL".into(), api.url.clone()),
        ("POMICHNYK__DATABASE__URL".into(), url.clone()),
        (
            "POMICHNYK__BROADCAST__PER_SECOND".into(),
            bot_rate.to_string(),
        ),
        ("POMICHNYK__BROADCAST__QUIET_HOURS".into(), String::new()),
    ]);
    let settings = Settings::load_with_env(&root.join("config"), Some(env))?;
    let report = pomichnyk::content::load_dir(&root.join("dialogues"), &settings.language_codes());
    let script = Arc::new(
        report
            .script
            .ok_or_else(|| anyhow::anyhow!("content has errors"))?,
    );
    let bot = telegram::bot(&settings)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let running = {
        let store = store.clone();
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            telegram::run(&settings, bot, store, script, shutdown).await
        })
    };
    // Done when every delivery is recorded.
    let mut first_send: Option<Instant> = None;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let p = store
            .progress(1)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no broadcast"))?;
        if first_send.is_none() && p.sent > 0 {
            first_send = Some(Instant::now());
        }
        if p.pending == 0 {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "not done in 10 minutes"
        );
    }
    let took = first_send.map_or(Duration::ZERO, |t| t.elapsed());
    let p = store
        .progress(1)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no broadcast"))?;
    let _ = stop.send(());
    running.await??;
    store.close().await;
    let rate = p.sent as f64 / took.as_secs_f64().max(f64::EPSILON);
    println!(
        "{{\"recipients\":{queued},\"server_limit_per_s\":{server_rate},\"bot_per_s\":{bot_rate},\
         \"sent\":{},\"seconds\":{:.2},\"rate_per_s\":{:.1},\"of_configured\":{:.3},\"429s\":{}}}",
        p.sent,
        took.as_secs_f64(),
        rate,
        rate / bot_rate as f64,
        api.limited()
    );
    Ok(())
}
