//! The bot on Telegram, through the real HTTP path: `telegram::run` talks to a
//! fake Bot API on 127.0.0.1. What the resident sends, what the bot answers.

use std::time::{Duration, Instant};

use crate::support::fake_api::{self, strip_tags, Call, FakeApi, Fault};
use crate::support::tg::*;
use pomichnyk::store::Store;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_in_ukrainian_and_in_english() {
    let (api, _dir, _db, bot) = start(&[]).await;

    // The command menu is set for every language.
    let commands = api.calls_to("setMyCommands");
    assert!(commands.iter().any(|c| c.params["language_code"] == "uk"));
    assert!(commands.iter().any(|c| c.params["language_code"] == "en"));
    assert_eq!(
        api.calls_to("getWebhookInfo").len(),
        1,
        "polling checks for (and deletes) a webhook first"
    );

    let mut olena = Resident::new(&api, 101, "uk");
    olena
        .says("/start")
        .sees("Вітаю!")
        .await
        .sees("Головне меню")
        .await;
    let (call, _) = olena.button("Уроки").await;
    assert_eq!(
        call.params["reply_markup"]["is_persistent"],
        json!(true),
        "the main menu stays on screen"
    );
    assert_eq!(call.params["parse_mode"], json!("HTML"));

    let mut john = Resident::new(&api, 102, "en");
    john.says("/start")
        .sees("Hello!")
        .await
        .sees("Main menu")
        .await;
    let mut hans = Resident::new(&api, 103, "de");
    hans.says("/start").sees("Вітаю!").await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_lesson_by_button_presses() {
    let (api, _dir, _db, bot) = start(&[]).await;
    let mut r = Resident::new(&api, 201, "uk");
    r.says("/start").sees("Головне меню").await;
    r.taps("Уроки").await.sees("Оберіть тему").await;
    r.taps("Безпека").await.sees("Оберіть урок").await;
    r.taps("фішинг").await.sees("це обман").await;
    r.taps("Далі").await.sees("Ознаки фішингу").await;
    r.taps("Далі").await.sees("Що зробите?").await;
    r.taps("Подзвоню")
        .await
        .sees("Правильно!")
        .await
        .sees("адресу сайту")
        .await;
    // The question stays readable, with the chosen answer under it and no buttons.
    let edit = api
        .calls_to("editMessageText")
        .into_iter()
        .find(|c| c.chat() == Some(201))
        .expect("the question is edited");
    assert!(
        edit.text().contains("Що зробите?") && edit.text().contains("Ваша відповідь: Подзвоню"),
        "{}",
        edit.text()
    );
    assert!(edit.params.get("reply_markup").is_none());
    r.taps("Далі").await.taps("Далі").await.sees("Що це?").await;
    r.taps("Справжня виплата")
        .await
        .sees("Не зовсім")
        .await
        .sees("Спробуйте ще раз")
        .await;
    r.taps("Шахраї").await.sees("Правильно!").await;
    r.taps("Далі")
        .await
        .sees("пройдено!")
        .await
        .sees("1 з 2")
        .await;
    // Every button press was answered: no endless spinner.
    let answered = api.calls_to("answerCallbackQuery").len();
    assert_eq!(
        answered as u32, r.queries,
        "every callback query is answered"
    );

    let store = bot.stop().await;
    let progress = store.lesson_progress(201).await.expect("progress");
    assert!(progress[0].completed_at.is_some());
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_in_the_middle_of_a_lesson_resumes_it() {
    let (api, _dir, db, bot) = start(&[]).await;
    let mut r = Resident::new(&api, 301, "uk");
    r.says("/start lesson_passwords")
        .sees("Пароль — це ключ")
        .await;
    r.taps("Далі").await.sees("трьох випадкових слів").await;
    bot.stop().await.close().await;

    let bot = spawn_bot(&api, &db, &[]).await;
    // The resident presses the button of the message they still see.
    r.taps("Далі")
        .await
        .sees("Який пароль найнадійніший?")
        .await;
    bot.stop().await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poster_link_is_recorded() {
    let (api, _dir, _db, bot) = start(&[]).await;
    let mut r = Resident::new(&api, 401, "uk");
    r.says("/start hub_branch_7").sees("Вітаю!").await;
    let store = bot.stop().await;
    let resident = store.resident(401).await.expect("read").expect("row");
    assert_eq!(resident.referring_hub.as_deref(), Some("branch_7"));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_who_blocked_the_bot_is_marked_and_unmarked() {
    let (api, _dir, db, bot) = start(&[]).await;
    let mut r = Resident::new(&api, 501, "uk");
    r.says("/start").sees("Головне меню").await;

    api.block(501);
    r.says("/menu");
    api.wait_for(10, "a refused send", |calls| {
        calls
            .iter()
            .any(|c| c.chat() == Some(501) && c.method == "sendMessage" && c.message_id.is_none())
            .then_some(())
    })
    .await;
    let store_view = Store::open(&crate::support::db::url(&db))
        .await
        .expect("open");
    wait_blocked(&store_view, 501, true).await;
    let sends_after_block = api
        .calls_to("sendMessage")
        .iter()
        .filter(|c| c.chat() == Some(501))
        .count();

    // Telegram tells the bot it was unblocked.
    api.push(fake_api::membership(501, "member"));
    wait_blocked(&store_view, 501, false).await;
    api.push(fake_api::membership(501, "kicked"));
    wait_blocked(&store_view, 501, true).await;
    assert_eq!(
        api.calls_to("sendMessage")
            .iter()
            .filter(|c| c.chat() == Some(501))
            .count(),
        sends_after_block,
        "nothing more is sent to a resident who blocked the bot"
    );
    store_view.close().await;
    bot.stop().await.close().await;
}

/// Waits until the store says the resident is (or is not) blocked.
async fn wait_blocked(store: &Store, user: i64, blocked: bool) {
    wait_until(|| async {
        store
            .resident(user)
            .await
            .ok()
            .flatten()
            .is_some_and(|r| r.blocked == blocked)
    })
    .await;
}

async fn wait_until<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_waits_retry_after() {
    let (api, _dir, _db, bot) = start(&[]).await;
    api.fail_next("sendMessage", Fault::TooMany(1));
    let mut r = Resident::new(&api, 601, "uk");
    r.says("/help").sees("Що я вмію").await;
    let sends: Vec<Call> = api
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat() == Some(601))
        .collect();
    assert!(
        sends.len() >= 2,
        "the refused message is sent again: {sends:#?}"
    );
    let waited = sends[1].at - sends[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
    bot.stop().await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_is_retried() {
    let (api, _dir, _db, bot) = start(&[]).await;
    api.fail_next("sendMessage", Fault::Server);
    let mut r = Resident::new(&api, 701, "uk");
    r.says("/help").sees("Що я вмію").await;
    let sends = api
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat() == Some(701))
        .count();
    assert!(sends >= 2, "the failed message is sent again");
    bot.stop().await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_resident_is_told_once_and_others_are_not_slowed() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    // Replies are not paced here, so what is answered shows at once.
    let bot = spawn_bot(&api, &db, &[("POMICHNYK__TELEGRAM__PACE_BURST", "100")]).await;
    let mut flood = Resident::new(&api, 801, "uk");
    for i in 0..30 {
        flood.says(&format!("привіт {i}"));
    }
    let mut calm = Resident::new(&api, 802, "uk");
    let started = Instant::now();
    calm.says("/help").sees("Що я вмію").await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the calm resident waited {:?}",
        started.elapsed()
    );

    api.wait_for(15, "the slow-down note", |calls| {
        calls
            .iter()
            .any(|c| c.chat() == Some(801) && c.text().contains("дуже швидко"))
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let to_flooder: Vec<Call> = api
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat() == Some(801))
        .collect();
    let notes = to_flooder
        .iter()
        .filter(|c| c.text().contains("дуже швидко"))
        .count();
    let answers = to_flooder
        .iter()
        .filter(|c| !c.text().contains("дуже швидко"))
        .count();
    assert_eq!(notes, 1, "one slow-down note");
    assert!(
        (10..30).contains(&answers),
        "{answers} of 30 messages were answered"
    );
    bot.stop().await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_input_gets_a_kind_answer_and_nothing_breaks() {
    let (api, _dir, _db, bot) = start(&[("POMICHNYK__TELEGRAM__PACE_BURST", "100")]).await;
    let mut r = Resident::new(&api, 901, "uk");
    r.says("/start").sees("Головне меню").await;
    for fields in [
        fake_api::sticker(),
        fake_api::photo(),
        fake_api::voice(),
        fake_api::document(),
        fake_api::contact(),
    ] {
        r.sends(fields.clone())
            .sees("я розумію лише текст і кнопки")
            .await
            .sees("Головне меню")
            .await;
    }
    r.sends(fake_api::location(49.42, 26.98))
        .sees("точних місць бібліотек")
        .await;
    r.says(&"ї".repeat(10_000)).sees("не знаю відповіді").await;

    // Edits, channel posts and unknown kinds of update get no answer, and the bot goes on.
    let before = api.calls_to("sendMessage").len();
    // More ignored updates than the bot handles at once: each must give its place back.
    api.push(fake_api::edited_text(901, 2, "/start"));
    for _ in 0..100 {
        api.push(fake_api::channel_post("/start"));
    }
    api.push(fake_api::unknown_kind());
    r.says("/help").sees("Що я вмію").await;
    let after: Vec<String> = api.calls_to("sendMessage")[before..]
        .iter()
        .map(|c| strip_tags(c.text()))
        .collect();
    assert_eq!(after.len(), 1, "only /help was answered: {after:#?}");
    assert!(!r.said().is_empty());
    bot.stop().await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_me_asks_then_forgets_everything() {
    let (api, _dir, _db, bot) = start(&[]).await;
    let mut r = Resident::new(&api, 1001, "uk");
    r.says("/start lesson_phishing").sees("це обман").await;
    r.says("/privacy").sees("Що я зберігаю").await;
    r.says("/delete_me").sees("Видалити все").await;
    r.taps("Так, видалити").await.sees("Я видалив усе").await;
    let store = bot.stop().await;
    assert_eq!(
        store.rows_about(1001).await.expect("count"),
        0,
        "no row about the resident is left"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_needs_the_secret() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let listen = format!("127.0.0.1:{port}");
    let bot = spawn_bot(
        &api,
        &db,
        &[
            ("POMICHNYK__TELEGRAM__MODE", "webhook"),
            ("POMICHNYK__WEBHOOK__LISTEN", &listen),
            (
                "POMICHNYK__WEBHOOK__PUBLIC_URL",
                "https://bot.example.org/hook",
            ),
            ("POMICHNYK__WEBHOOK__SECRET", "s3cret-Token_1"),
            ("POMICHNYK__WEBHOOK__MAX_CONNECTIONS", "100"),
        ],
    )
    .await;
    let set = api.calls_to("setWebhook");
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].params["url"], json!("https://bot.example.org/hook"));
    assert_eq!(set[0].params["secret_token"], json!("s3cret-Token_1"));
    let most = &set[0].params["max_connections"];
    assert!(
        most == &json!("100") || most == &json!(100),
        "max_connections {most}"
    );

    let client = reqwest::Client::new();
    let url = format!("http://{listen}/hook");
    let mut update = fake_api::text(1101, "uk", 5, "/help");
    update["update_id"] = json!(1);
    let post = |secret: Option<&str>| {
        let mut request = client.post(&url).json(&update);
        if let Some(s) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        request.send()
    };
    let mut status = None;
    for _ in 0..50 {
        match post(None).await {
            Ok(response) => {
                status = Some(response.status().as_u16());
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    assert_eq!(status, Some(401), "no secret, no entry");
    assert_eq!(
        post(Some("wrong")).await.expect("post").status().as_u16(),
        401
    );
    assert_eq!(
        api.calls_to("sendMessage").len(),
        0,
        "refused updates are not handled"
    );
    assert_eq!(
        post(Some("s3cret-Token_1"))
            .await
            .expect("post")
            .status()
            .as_u16(),
        200
    );
    api.wait_for(10, "the answer to /help", |calls| {
        calls
            .iter()
            .any(|c| c.chat() == Some(1101) && strip_tags(c.text()).contains("Що я вмію"))
            .then_some(())
    })
    .await;
    bot.stop().await.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_to_one_chat_are_paced() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    let bot = spawn_bot(
        &api,
        &db,
        &[
            ("POMICHNYK__TELEGRAM__PACE_BURST", "2"),
            ("POMICHNYK__TELEGRAM__PACE_PERIOD_MS", "300"),
        ],
    )
    .await;
    let mut r = Resident::new(&api, 1201, "uk");
    r.says("/start").sees("Головне меню").await;
    r.says("/help").sees("Що я вмію").await;
    r.says("/progress").sees("Пройдено уроків").await;
    let sends: Vec<Call> = api
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat() == Some(1201))
        .collect();
    assert_eq!(sends.len(), 4);
    // Two at once, then one every 300 ms.
    for pair in sends[1..].windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(250),
            "only {gap:?} between two messages to one chat"
        );
    }
    bot.stop().await.close().await;
}

// ----- questions and the librarians' chat ------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_in_own_words_are_answered_offered_choices_or_not_known() {
    let (api, _dir, _db, bot) = start(&[("POMICHNYK__TELEGRAM__PACE_BURST", "100")]).await;
    let mut r = Resident::new(&api, 1101, "uk");
    r.says("/start").sees("Головне меню").await;
    // A typo and no apostrophe: answered at once, with the vote.
    r.says("забула пароль від дії")
        .sees("увійдіть у Дію знову")
        .await
        .sees("Чи допомогла відповідь?")
        .await;
    r.taps("👍").await.sees("Радий, що допоміг").await;
    // Vague: close questions to choose from.
    r.says("пароль").sees("Ви питали про одне з цього?").await;
    let (_, choice) = r.button("?").await;
    assert!(choice["callback_data"]
        .as_str()
        .is_some_and(|d| d.starts_with("f:")));
    // Nonsense: said kindly, with the lessons and the librarian.
    r.says("купити слона").sees("не знаю відповіді").await;
    r.button("Уроки").await;
    // No librarians' chat is set up here: the bot says to ask at a library.
    r.taps("Запитати бібліотекаря")
        .await
        .sees("Запитайте в бібліотеці особисто")
        .await;

    let store = bot.stop().await;
    let questions = store.questions(10).await.expect("questions");
    let kept: Vec<(&str, &str, Option<bool>)> = questions
        .iter()
        .map(|q| (q.text.as_str(), q.verdict.as_str(), q.helpful))
        .collect();
    assert_eq!(
        kept,
        vec![
            ("купити слона", "nothing", None),
            ("пароль", "choices", None),
            ("забула пароль від дії", "answered", Some(true)),
        ]
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_goes_to_a_librarian_and_back_across_a_restart() {
    let extra = [
        ("POMICHNYK__HANDOFF__LIBRARIANS_CHAT_ID", "-100500"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
    ];
    let (api, _dir, db, bot) = start(&extra).await;
    let mut group = Librarians::new(&api);
    let mut r = Resident::new(&api, 1201, "uk");
    r.says("/librarian")
        .sees("запитання для бібліотекаря")
        .await;
    r.says("Як оплатити комуналку без картки?")
        .sees("Номер звернення: 1")
        .await;
    let (post, ticket) = group.post("Звернення 1").await;
    let text = strip_tags(post.text());
    assert!(text.contains("Як оплатити комуналку без картки?"), "{text}");
    assert!(
        text.contains("Українська"),
        "the resident's language: {text}"
    );
    assert!(
        !text.contains("1201"),
        "no resident id in the group: {text}"
    );
    assert!(
        post.params["reply_markup"].to_string().contains("c:1"),
        "a close button"
    );

    // The bot restarts; the ticket lives in the database.
    bot.stop().await.close().await;
    let bot = spawn_bot(&api, &db, &extra).await;

    // A librarian answers by replying to the post.
    let answer = group.says(77, "Можна в застосунку банку або в касі.", Some(&ticket));
    r.mark = group.mark;
    r.sees("Відповідь бібліотекаря")
        .await
        .sees("Можна в застосунку банку або в касі.")
        .await;
    group.post("Надіслано мешканцю").await;

    // The resident answers back with the button ...
    r.taps("Відповісти бібліотекарю")
        .await
        .sees("Напишіть відповідь")
        .await;
    r.says("Дякую! А якщо немає банку?")
        .sees("Передано бібліотекарю (звернення 1)")
        .await;
    let (follow_up, follow_up_message) = group.post("мешканець пише").await;
    assert!(strip_tags(follow_up.text()).contains("А якщо немає банку?"));
    assert_eq!(
        follow_up.params["reply_parameters"]["message_id"].as_i64(),
        answer["message_id"].as_i64(),
        "posted in the ticket's thread, under the librarian's answer"
    );

    // ... and with Telegram's own reply to the librarian's message.
    let delivered = api
        .calls_to("sendMessage")
        .into_iter()
        .rev()
        .find(|c| c.chat() == Some(1201) && c.text().contains("Відповідь бібліотекаря"))
        .and_then(|c| api.sent_message(c.message_id?))
        .expect("the librarian's answer");
    r.replies_to(&delivered, "І ще одне запитання")
        .sees("Передано бібліотекарю")
        .await;
    group.post("І ще одне запитання").await;

    // The librarian may reply to their own answer, too.
    group.says(77, "Тоді приходьте в бібліотеку.", Some(&answer));
    r.mark = group.mark;
    r.sees("Тоді приходьте в бібліотеку.").await;

    // The librarian closes it with /close in reply to the follow-up.
    group.says(77, "/close", Some(&follow_up_message));
    r.mark = group.mark;
    group.post("Звернення 1 закрито").await;
    r.sees("Звернення 1 закрито").await;
    // An answer in a closed ticket is not passed on. (The same button on the same
    // message within a second would be a double tap, acted on once: a person is slower.)
    tokio::time::sleep(Duration::from_millis(1100)).await;
    r.send(fake_api::callback(1201, "uk", delivered, "t:1", "late"));
    r.sees("Напишіть відповідь").await;
    r.says("Ще щось").sees("уже закрите").await;

    let store = bot.stop().await;
    let thread = store.ticket_messages(1).await.expect("thread");
    let authors: Vec<&str> = thread.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        authors,
        vec!["resident", "librarian", "resident", "resident", "librarian"]
    );
    assert!(store.ticket(1).await.expect("ticket").expect("row").closed);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_librarians_chat_acts_on_tickets_and_nothing_else_leaks() {
    let extra = [
        ("POMICHNYK__HANDOFF__LIBRARIANS_CHAT_ID", "-100500"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
    ];
    let (api, _dir, _db, bot) = start(&extra).await;
    let mut group = Librarians::new(&api);
    let mut r = Resident::new(&api, 1301, "en");
    let mut other = Resident::new(&api, 1302, "uk");
    other.says("/start").sees("Головне меню").await;
    r.says("/librarian").sees("question for a librarian").await;
    r.says("Where can I print a document?")
        .sees("Your request number: **1**".replace("**", "").as_str())
        .await;
    let (_, ticket) = group.post("Звернення 1").await;

    // Talk in the group that is no reply to a ticket reaches nobody.
    let before = api.calls_to("sendMessage").len();
    let chatter = group.says(78, "Колеги, хто сьогодні чергує?", None);
    group.says(79, "Я", Some(&chatter));
    group.says(78, "/close", None);
    group.post("надішліть /close у відповідь").await;
    let residents_got: Vec<Call> = api.calls_to("sendMessage")[before..]
        .iter()
        .filter(|c| c.chat() != Some(LIBRARIANS))
        .cloned()
        .collect();
    assert!(residents_got.is_empty(), "{residents_got:#?}");

    // Residents cannot close tickets: /close is unknown to them, the button data is refused.
    r.says("/close").sees("I do not know that command").await;
    // (Telegram sends a button's press only from a chat the presser is in: their own.)
    let (mine, _) = r.button("Lessons").await;
    let mine = api
        .sent_message(mine.message_id.expect("id"))
        .expect("message");
    r.send(fake_api::callback(1301, "en", mine, "c:1", "forged"));
    r.sees("That button is from an earlier message").await;
    // A group's button closes it, and the resident is told in their language.
    group.taps(78, &ticket, "c:1");
    group.post("Звернення 1 закрито").await;
    r.mark = group.mark;
    r.sees("Request 1 is closed").await;
    // The other resident heard nothing of it.
    assert!(api
        .calls_to("sendMessage")
        .iter()
        .filter(|c| c.chat() == Some(1302))
        .all(|c| !strip_tags(c.text()).contains("Request")
            && !strip_tags(c.text()).contains("Звернення")));
    bot.stop().await.close().await;
}

// ----- hubs --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_location_finds_three_hubs_a_pin_and_whether_they_are_open() {
    let api = FakeApi::start().await;
    let (_dir, db) = temp_db();
    // Friday 27 November 2026, 08:00 UTC = 10:00 in Kyiv.
    let friday_ten = 1_795_766_400;
    let bot = spawn_bot_with(
        &api,
        &db,
        &[("POMICHNYK__TELEGRAM__PACE_BURST", "100")],
        crate::support::script_with_test_hubs(),
        Some(clock_from(friday_ten)),
    )
    .await;
    let mut r = Resident::new(&api, 1401, "uk");
    r.says("/hubs").sees("Знайдімо бібліотеку-хаб").await;
    let (ask, _) = r.button("Надіслати, де я").await;
    assert_eq!(
        ask.params["reply_markup"]["keyboard"][0][0]["request_location"],
        json!(true),
        "the button asks Telegram for the location"
    );
    r.sends(fake_api::location(49.4225, 26.9880))
        .sees("Найближчі до вас бібліотеки-хаби")
        .await
        .sees("🟢 Зараз відчинено, до 13:00")
        .await
        .sees("Бібліотека на Сході")
        .await
        .sees("Бібліотека села Лозове")
        .await;
    let venue = api
        .wait_for(10, "a venue", |calls| {
            calls
                .iter()
                .find(|c| c.method == "sendVenue" && c.chat() == Some(1401))
                .cloned()
        })
        .await;
    assert_eq!(venue.params["title"], json!("Центральна бібліотека"));
    assert_eq!(venue.params["latitude"], json!(49.423));
    let contact = api
        .wait_for(10, "a phone to call", |calls| {
            calls
                .iter()
                .find(|c| c.method == "sendContact" && c.chat() == Some(1401))
                .cloned()
        })
        .await;
    assert_eq!(contact.params["phone_number"], json!("+380 00 000 00 01"));

    // A village's name with a typo finds its hub.
    r.says("/hubs").sees("Знайдімо").await;
    r.says("в Лазовому")
        .sees("Бібліотека села Лозове")
        .await
        .sees("Відчиниться у вівторок о 09:00")
        .await;
    let store = bot.stop().await;
    assert_eq!(
        store.count_events(1401, "location").await.expect("count"),
        0
    );
    store.close().await;
}
