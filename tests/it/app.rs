//! The application layer's shape: one transaction per update, and the
//! layering rules (which part may use Telegram, SQL, the clock).

use std::path::Path;

use crate::support::{reply_text, Terminal};
use pomichnyk::store::{Role, Store};

const LIBRARIAN: i64 = 4242;

#[tokio::test]
async fn a_librarian_mid_draft_who_sends_menu_makes_one_commit() {
    let store = Store::open(&crate::support::db::memory())
        .await
        .expect("open");
    store
        .grant(LIBRARIAN, Role::Librarian, 0, 1)
        .await
        .expect("grant");
    let mut librarian = Terminal::new(store.clone(), LIBRARIAN, None);
    let said = reply_text(&librarian.send("/announce", 10).await.expect("send"));
    assert!(said.contains("оголошення"), "{said}");
    let (_, drafts) = store.load_turn(LIBRARIAN).await.expect("load");
    assert!(
        drafts.draft.is_some(),
        "the draft is saved, beside the state"
    );

    let before = store.transactions();
    let said = reply_text(&librarian.send("/menu", 11).await.expect("send"));
    assert_eq!(
        store.transactions() - before,
        1,
        "the draft left behind and the engine's step are one commit"
    );
    assert!(said.contains("Головне меню"), "{said}");
    let (state, drafts) = store.load_turn(LIBRARIAN).await.expect("load");
    let state = state.expect("saved");
    assert!(drafts.is_empty(), "the draft is gone");
    assert_eq!(state.at.as_ref().map(|p| p.dialogue.as_str()), Some("main"));

    // A resident's refused privileged command: the audit row and the
    // engine's "unknown command" are one commit too.
    let mut resident = Terminal::new(store.clone(), 777, None);
    resident.send("/start", 20).await.expect("send");
    let before = store.transactions();
    resident.send("/announce", 21).await.expect("send");
    assert_eq!(store.transactions() - before, 1);
    let audit = store.audit_log(10).await.expect("audit");
    assert!(audit.iter().any(|a| a.actor == 777
        && a.action == "refused"
        && a.target.as_deref() == Some("announce")));
}

/// Every `.rs` file under `dir`, with its path relative to the crate.
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read a source file");
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push((rel.display().to_string().replace('\\', "/"), text));
        }
    }
}

/// Lines of code (comments left out) that mention `needle`.
fn uses(text: &str, needle: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .filter(|l| !l.starts_with("//"))
        .any(|l| l.contains(needle))
}

#[test]
fn telegram_sql_and_the_clock_stay_in_their_modules() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 30, "found only {} files", files.len());
    // The load generator is a tool of its own that knows only the Bot API.
    let files: Vec<_> = files
        .into_iter()
        .filter(|(path, _)| !path.starts_with("src/bin/"))
        .collect();
    let mut wrong = Vec::new();
    for (path, text) in &files {
        if !path.starts_with("src/telegram/")
            && (uses(text, "teloxide::") || uses(text, "use teloxide"))
        {
            wrong.push(format!("{path} uses teloxide"));
        }
        if !path.starts_with("src/store/") && (uses(text, "sqlx::") || uses(text, "use sqlx")) {
            wrong.push(format!("{path} uses sqlx"));
        }
        if path != "src/clock.rs" {
            for clock in [
                "SystemTime::now",
                "Instant::now",
                "Timestamp::now",
                "Zoned::now",
                "UNIX_EPOCH",
            ] {
                if uses(text, clock) {
                    wrong.push(format!("{path} reads the clock ({clock})"));
                }
            }
        }
    }
    // The core is pure: no store, no application layer, no adapters.
    for (path, text) in &files {
        let core = [
            "src/script/",
            "src/engine/",
            "src/faq.rs",
            "src/hubs.rs",
            "src/commands.rs",
        ]
        .iter()
        .any(|p| path.starts_with(p));
        if core {
            for outer in [
                "crate::store",
                "crate::app",
                "crate::telegram",
                "crate::chat",
                "crate::clock::system",
                "tokio::",
            ] {
                if uses(text, outer) {
                    wrong.push(format!("{path} (core) uses {outer}"));
                }
            }
        }
        if path.starts_with("src/app/")
            && (uses(text, "crate::telegram") || uses(text, "crate::chat"))
        {
            wrong.push(format!("{path} (application layer) uses an adapter"));
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn the_layering_check_itself_sees_a_violation() {
    assert!(uses(
        "let t = std::time::SystemTime::now();",
        "SystemTime::now"
    ));
    assert!(!uses(
        "// SystemTime::now is read only in clock.rs",
        "SystemTime::now"
    ));
    assert!(uses("    use teloxide::prelude::*;", "use teloxide"));
}

/// The application over the shipped content and `store`, at Unix second 1000.
fn app_over(store: Store) -> pomichnyk::app::App {
    use std::sync::Arc;
    let settings = pomichnyk::settings::Settings::load_with_env(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("config"),
        Some(std::collections::HashMap::new()),
    )
    .expect("settings");
    let content = Arc::new(pomichnyk::content::Content::new(
        Arc::new(crate::support::shipped_script()),
        &crate::support::shipped_dir(),
        crate::support::languages(),
    ));
    pomichnyk::app::App::new(content, store, &settings, Arc::new(|| 1_000))
}

fn start_from(user: i64) -> pomichnyk::app::Update {
    pomichnyk::app::Update {
        from: pomichnyk::app::Person {
            id: user,
            lang_hint: Some("uk".into()),
        },
        chat: pomichnyk::app::Chat::Private,
        message: Some(1),
        input: pomichnyk::app::Incoming::text("/start"),
    }
}

#[tokio::test]
async fn an_update_handed_out_again_after_a_crash_is_not_handled_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::support::db::url(&dir.path().join("bot.db"));
    let store = Store::open(&url).await.expect("open");
    let app = app_over(store.clone());
    app.recover(None).await.expect("recover");
    let first = app.handle_once(501, start_from(31)).await;
    assert!(!first.duplicate);
    assert!(!first.out.is_empty(), "the welcome");
    drop(first);
    store.close().await;

    // Started again: Telegram hands out update 501 (never confirmed) and a new one.
    let store = Store::open(&url).await.expect("reopen");
    let app = app_over(store.clone());
    app.recover(None).await.expect("recover");
    let before = store.transactions();
    let repeated = app.handle_once(501, start_from(31)).await;
    assert!(repeated.duplicate, "handled before the restart");
    assert!(repeated.out.is_empty(), "nothing said twice");
    assert_eq!(store.transactions(), before, "nothing written");
    drop(repeated);
    let fresh = app.handle_once(502, start_from(31)).await;
    assert!(!fresh.duplicate);
    assert!(!fresh.out.is_empty());
    drop(fresh);
    store.close().await;
}

/// The application with a librarians' group, at Unix second 1000.
fn app_with_group(store: Store, group: i64) -> pomichnyk::app::App {
    use std::sync::Arc;
    let settings = pomichnyk::settings::Settings::load_with_env(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("config"),
        Some(std::collections::HashMap::from([(
            "POMICHNYK__HANDOFF__LIBRARIANS_CHAT_ID".to_string(),
            group.to_string(),
        )])),
    )
    .expect("settings");
    let content = Arc::new(pomichnyk::content::Content::new(
        Arc::new(crate::support::shipped_script()),
        &crate::support::shipped_dir(),
        crate::support::languages(),
    ));
    pomichnyk::app::App::new(content, store, &settings, Arc::new(|| 1_000))
}

#[tokio::test]
async fn a_librarians_answer_handed_out_again_after_a_crash_reaches_the_resident_once() {
    use pomichnyk::store::Write;
    const GROUP: i64 = -100_777;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::support::db::url(&dir.path().join("bot.db"));
    let store = Store::open(&url).await.expect("open");
    let app = app_with_group(store.clone(), GROUP);
    app.recover(None).await.expect("recover");
    drop(app.handle_once(7000, start_from(32)).await);
    // Resident 32's ticket, posted to the group as message 900.
    let ticket = store
        .write(vec![Write::OpenTicket {
            user: 32,
            chat: 32,
            lang: "uk".into(),
            text: "Не можу увійти в Дію".into(),
            now: 900,
        }])
        .await
        .expect("ticket")[0];
    store
        .write(vec![Write::Post {
            chat: GROUP,
            message: 900,
            ticket,
        }])
        .await
        .expect("post");
    let answer = |id: i64| {
        (
            id,
            pomichnyk::app::Update {
                from: pomichnyk::app::Person {
                    id: LIBRARIAN,
                    lang_hint: Some("uk".into()),
                },
                chat: pomichnyk::app::Chat::Librarians,
                message: Some(901),
                input: pomichnyk::app::Incoming::Text {
                    text: "Спробуйте оновити застосунок".into(),
                    html: None,
                    reply_to: Some(900),
                    forwarded_from: None,
                },
            },
        )
    };
    let (id, update) = answer(7001);
    let first = app.handle_once(id, update).await;
    assert!(!first.duplicate);
    drop(first);
    store.close().await;

    // Started again: Telegram hands out the librarian's reply (never confirmed) once more.
    let store = Store::open(&url).await.expect("reopen");
    let app = app_with_group(store.clone(), GROUP);
    app.recover(None).await.expect("recover");
    let (id, update) = answer(7001);
    let repeated = app.handle_once(id, update).await;
    assert!(repeated.duplicate, "handled before the restart");
    drop(repeated);
    let answers: Vec<String> = store
        .ticket_messages(ticket)
        .await
        .expect("messages")
        .into_iter()
        .map(|(_, text)| text)
        .filter(|t| t.contains("оновити застосунок"))
        .collect();
    assert_eq!(answers.len(), 1, "the answer is queued once: {answers:?}");
    store.close().await;
}
