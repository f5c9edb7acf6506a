//! `pomichnyk run` as an operator starts it: against a fake Bot API and a fresh
//! database it logs each stage, and SIGTERM stops it promptly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::fake_api::{FakeApi, TOKEN};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_logs_its_stages_and_stops_on_sigterm() {
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("fresh").join("bot.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("run")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", &api.url)
        .env(
            "POMICHNYK__DATABASE__URL",
            format!("sqlite://{}", db.display()),
        )
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pomichnyk run");
    let (lines, log) = mpsc::channel::<String>();
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut seen = Vec::new();
    let wait_for = |seen: &mut Vec<String>, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !seen.iter().any(|l| l.contains(what)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match log.recv_timeout(left) {
                Ok(line) => seen.push(line),
                Err(_) => panic!("no log line with {what:?}; log:\n{}", seen.join("\n")),
            }
        }
    };
    wait_for(&mut seen, "dialogues loaded");
    wait_for(&mut seen, "migrations applied");
    wait_for(&mut seen, "polling started");
    assert!(db.exists(), "the database is created on first run");
    let count = format!(
        "dialogues={}",
        crate::support::shipped_script().dialogues.len()
    );
    assert!(
        seen.iter()
            .any(|l| l.contains("dialogues loaded") && l.contains(&count)),
        "{}",
        seen.join("\n")
    );
    assert!(
        !seen.iter().any(|l| l.contains(TOKEN)),
        "the token is never logged"
    );

    let stopping = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(2),
            "still running 2 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    wait_for(&mut seen, "stopped");
}

#[test]
fn run_without_a_token_suggests_chat() {
    let out = Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("TELOXIDE_TOKEN")
        .env("POMICHNYK__TELEGRAM__TOKEN", "")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("TELOXIDE_TOKEN") && stderr.contains("pomichnyk chat"),
        "{stderr}"
    );
}

#[test]
fn run_refuses_broken_dialogues() {
    let content = crate::support::content_copy();
    std::fs::write(content.path().join("menus/main.toml"), "id = \"main\"\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("run")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("POMICHNYK__DIALOGUES__DIR", content.path())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("menus/main.toml:1:1: error: missing field `kind`"),
        "{stderr}"
    );
}
