//! One update is one transaction, and nothing it caused is lost when the
//! process dies: the bot binary is killed (SIGKILL) right after a step is
//! committed and before Telegram has the messages it causes, then started
//! again.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::fake_api::{strip_tags, FakeApi, TOKEN};
use crate::support::shipped_script;
use crate::support::tg::{Librarians, Resident, LIBRARIANS};
use pomichnyk::script::{markup, Msg, Script, Target};
use pomichnyk::store::Store;

/// The bot process; killed when dropped, so a failing test leaves none behind.
pub(crate) struct Bot(Child);

impl Bot {
    pub(crate) fn kill(&mut self) -> std::io::Result<()> {
        self.0.kill()
    }

    pub(crate) fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        self.0.wait()
    }

    pub(crate) fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_bot(api: &FakeApi, url: &str) -> Bot {
    start_bot_with(api, url, &[])
}

/// The bot binary with more settings (`POMICHNYK__…` variables).
pub(crate) fn start_bot_with(api: &FakeApi, url: &str, env: &[(&str, &str)]) -> Bot {
    Bot(Command::new(env!("CARGO_BIN_EXE_pomichnyk"))
        .arg("run")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", &api.url)
        .env("POMICHNYK__DATABASE__URL", url)
        .env("POMICHNYK__DIALOGUES__WATCH", "false")
        .env(
            "POMICHNYK__HANDOFF__LIBRARIANS_CHAT_ID",
            LIBRARIANS.to_string(),
        )
        // Replies go out at once: the test stalls them itself.
        .env("POMICHNYK__TELEGRAM__PACE_BURST", "100")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pomichnyk run"))
}

pub(crate) async fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A lesson whose last question leads straight to its end, and the button
/// data that walk it with right answers (the last press answers that question).
fn lesson_ending_in_a_question(script: &Script) -> (String, Vec<String>) {
    for lesson in script.lessons() {
        let mut presses = Vec::new();
        let mut at = lesson.steps[lesson.start].id.clone();
        let mut last_answer_ends = false;
        for _ in 0..lesson.steps.len() + 1 {
            let Some((_, step)) = lesson.step(&at) else {
                break;
            };
            if step.end {
                break;
            }
            let next = if let Some(quiz) = &step.quiz {
                let right = quiz.options.iter().position(|o| o.correct).unwrap_or(0);
                presses.push(format!("q:{}:{}:{right}", lesson.id, step.id));
                last_answer_ends = lesson.step(&quiz.next).is_some_and(|(_, s)| s.end);
                quiz.next.clone()
            } else {
                let Some(next) = step.buttons.iter().find_map(|b| match &b.target {
                    Target::Step(s) => Some(s.clone()),
                    _ => None,
                }) else {
                    break;
                };
                presses.push(format!("g:{}:{next}", lesson.id));
                last_answer_ends = false;
                next
            };
            at = next;
        }
        if last_answer_ends {
            return (lesson.id.clone(), presses);
        }
    }
    panic!("no lesson ends right after a question");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lesson_finished_just_before_a_crash_is_shown_finished_after_it() {
    let script = shipped_script();
    let (lesson, presses) = lesson_ending_in_a_question(&script);
    let title = script
        .dialogue(&lesson)
        .expect("lesson")
        .title
        .get(0)
        .to_string();
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::support::db::url(&dir.path().join("bot.db"));
    const ANNA: i64 = 3101;

    let mut bot = start_bot(&api, &url);
    let mut anna = Resident::new(&api, ANNA, "uk");
    anna.says(&format!("/start lesson_{lesson}"));
    let dialogue = script.dialogue(&lesson).expect("lesson");
    let first = markup::to_plain(dialogue.steps[dialogue.start].text.get(0));
    anna.sees(first.lines().next().expect("a line")).await;
    let (last, walk) = presses.split_last().expect("presses");
    for (i, data) in walk.iter().enumerate() {
        press_without_waiting(&mut anna, data).await;
        // The step is shown once the button for the next press is there.
        offered(&api, ANNA, &presses[i + 1]).await;
    }
    // The turn that showed the question has sent all it had.
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The last answer: committed, but its replies hang at Telegram.
    api.stall(ANNA);
    press_without_waiting(&mut anna, last).await;
    let store = Store::open(&url).await.expect("store");
    let done = || async {
        store
            .lesson_progress(ANNA)
            .await
            .expect("progress")
            .iter()
            .any(|p| p.lesson == lesson && p.completed_at.is_some())
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done().await {
        assert!(
            Instant::now() < deadline,
            "the last answer was not committed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    wait_until("the verdict to hang at Telegram", 15, || api.hanging() > 0).await;
    bot.kill().expect("SIGKILL");
    bot.wait().expect("reaped");
    let lost = anna.said().join("\n");
    assert!(
        !lost.contains("🎉"),
        "the end was not shown before the kill: {lost}"
    );
    api.release(ANNA);

    // After the restart Anna is told where she stands, without asking.
    anna.mark = api.call_count();
    let mut bot = start_bot(&api, &url);
    anna.sees(&markup::to_plain(script.strings.get(Msg::Resumed, 0)))
        .await;
    anna.sees(&markup::to_plain(script.strings.get(Msg::QuizRight, 0)))
        .await;
    let finished = script.strings.fill(
        Msg::LessonDone,
        0,
        &[("title", &title), ("correct", "1"), ("total", "1")],
    );
    let finished = markup::to_plain(&finished);
    let headline = finished.lines().next().expect("a first line");
    anna.sees(headline).await;
    let shown = anna.said().join("\n");
    assert!(shown.contains("🎉"), "{shown}");
    // Once: a graceful stop and another start show her nothing more.
    let _ = Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status();
    bot.wait().expect("stopped");
    anna.mark = api.call_count();
    let mut bot = start_bot(&api, &url);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(anna.said().is_empty(), "shown again: {:?}", anna.said());
    bot.kill().expect("SIGKILL");
    bot.wait().expect("reaped");
    store.close().await;
}

/// Waits until a message to `chat` carries a button with `data`.
async fn offered(api: &FakeApi, chat: i64, data: &str) {
    api.wait_for(15, &format!("a button {data}"), |calls| {
        calls
            .iter()
            .any(|c| {
                c.delivered
                    && c.chat() == Some(chat)
                    && c.params["reply_markup"]["inline_keyboard"]
                        .as_array()
                        .is_some_and(|rows| {
                            rows.iter()
                                .flat_map(|r| r.as_array().cloned().unwrap_or_default())
                                .any(|b| b["callback_data"].as_str() == Some(data))
                        })
            })
            .then_some(())
    })
    .await;
}

async fn press_without_waiting(resident: &mut Resident<'_>, data: &str) {
    let id = resident.id;
    let message = resident
        .api
        .calls()
        .iter()
        .rev()
        .find(|c| c.chat() == Some(id) && c.message_id.is_some())
        .and_then(|c| resident.api.sent_message(c.message_id?))
        .expect("a message to press under");
    resident.queries += 1;
    let query = format!("q{id}-{}", resident.queries);
    let update = crate::support::fake_api::callback(id, resident.lang, message, data, &query);
    resident.send(update);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_for_the_librarians_survives_a_crash_while_it_is_posted() {
    let script = shipped_script();
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = crate::support::db::url(&dir.path().join("bot.db"));
    const BOHDAN: i64 = 3202;
    const QUESTION: &str = "Як записатися до сімейного лікаря без Дії?";

    let mut bot = start_bot(&api, &url);
    let mut bohdan = Resident::new(&api, BOHDAN, "uk");
    bohdan.says("/librarian");
    bohdan
        .sees(&markup::to_plain(
            script.strings.get(Msg::LibrarianPrompt, 0),
        ))
        .await;
    // The group's Telegram hangs: the ticket is committed, its post in flight.
    api.stall(LIBRARIANS);
    bohdan.says(QUESTION);
    let opened = script
        .strings
        .fill(Msg::TicketOpened, 0, &[("ticket", "1")]);
    bohdan
        .sees(markup::to_plain(&opened).lines().next().expect("a line"))
        .await;
    wait_until("the post to hang at Telegram", 15, || api.hanging() > 0).await;
    bot.kill().expect("SIGKILL");
    bot.wait().expect("reaped");
    api.release(LIBRARIANS);
    let posts = |api: &FakeApi| {
        api.calls_to("sendMessage")
            .iter()
            .filter(|c| {
                c.delivered
                    && c.chat() == Some(LIBRARIANS)
                    && strip_tags(c.text()).contains(QUESTION)
            })
            .count()
    };
    assert_eq!(posts(&api), 0, "nothing reached the group before the kill");

    // After the restart the group gets the question once, and the answer goes back.
    let mut bot = start_bot(&api, &url);
    let mut group = Librarians::new(&api);
    let (_, post) = group.post(QUESTION).await;
    bohdan.mark = api.call_count();
    group.says(77, "Приходьте в бібліотеку № 8, допоможемо.", Some(&post));
    bohdan.sees("Приходьте в бібліотеку № 8, допоможемо.").await;
    group
        .post(&markup::to_plain(&script.strings.fill(
            Msg::TicketDelivered,
            0,
            &[("ticket", "1")],
        )))
        .await;
    assert_eq!(posts(&api), 1, "posted once");
    let _ = Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status();
    bot.wait().expect("stopped");
}
