//! `/stats` on Telegram: an admin gets the main figures in words, a PNG chart
//! of the last 12 weeks and the full CSV report; a resident gets nothing.

use crate::support::fake_api::strip_tags;
use crate::support::tg::*;

const ADMIN: i64 = 9001;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_gets_figures_a_chart_and_the_report_file() {
    let extra = [
        ("POMICHNYK__ACCESS__ADMINS", "9001"),
        ("POMICHNYK__TELEGRAM__PACE_BURST", "100"),
    ];
    let (api, _dir, _db, bot) = start(&extra).await;

    // Three residents open the phishing lesson; one goes two steps on.
    for id in [1001, 1002, 1003] {
        let mut r = Resident::new(&api, id, "uk");
        r.says("/start lesson_phishing").sees("це обман").await;
        if id == 1001 {
            r.taps("Далі").await.sees("Ознаки фішингу").await;
            r.taps("Далі").await.sees("Вам прийшло SMS").await;
        }
    }

    // A resident's /stats is an unknown command: no figures, no files.
    let mut resident = Resident::new(&api, 1002, "uk");
    resident
        .says("/stats")
        .sees("Такої команди я не знаю")
        .await;
    assert!(api
        .calls()
        .iter()
        .all(|c| !(matches!(c.method.as_str(), "sendPhoto" | "sendDocument"))));

    let mut admin = Resident::new(&api, ADMIN, "uk");
    admin.says("/stats").sees("📊 Мешканці").await;
    let summary = admin
        .said()
        .into_iter()
        .find(|t| t.contains("📊 Мешканці"))
        .expect("the summary");
    // The admin's command is not a resident's step: three residents.
    assert!(
        summary.contains("Усього: 3. Нових за тиждень: 3."),
        "{summary}"
    );
    assert!(
        summary.contains("Активних за 7 днів: 3, за 30 днів: 3."),
        "{summary}"
    );
    assert!(summary.contains("Заблокували бота: 0."), "{summary}");
    assert!(summary.contains("Уроків пройдено, усього: 0."), "{summary}");

    // The chart: a PNG photo with its caption.
    let photo = api
        .wait_for(15, "the chart", |calls| {
            calls
                .iter()
                .find(|c| c.method == "sendPhoto" && c.chat() == Some(ADMIN))
                .cloned()
        })
        .await;
    assert!(strip_tags(photo.params["caption"].as_str().unwrap_or("")).contains("Щотижня"));
    let png = photo
        .files
        .iter()
        .find(|f| f.field == "photo")
        .expect("an uploaded photo");
    let image = image::load_from_memory(&png.bytes).expect("a PNG image");
    assert_eq!((image.width(), image.height()), (960, 540));

    // The report: the same CSV as `pomichnyk stats --format csv`, for 30 days.
    let document = api
        .wait_for(15, "the report", |calls| {
            calls
                .iter()
                .find(|c| c.method == "sendDocument" && c.chat() == Some(ADMIN))
                .cloned()
        })
        .await;
    let file = document
        .files
        .iter()
        .find(|f| f.field == "document")
        .expect("an uploaded document");
    assert!(
        file.file_name.starts_with("pomichnyk-stats-") && file.file_name.ends_with(".csv"),
        "{}",
        file.file_name
    );
    let csv = String::from_utf8(file.bytes.clone()).expect("UTF-8");
    for row in [
        "section,key,metric,value",
        "window,all,days,30",
        "residents,all,total,3",
        "residents,all,new_7d,3",
        "residents,all,active_7d,3",
        "residents,all,active_30d,3",
        "lessons,phishing,started,3",
        "lessons,phishing,completed,0",
        "funnel,phishing/intro,reached,3",
        "funnel,phishing/signs,reached,1",
        "funnel,phishing/q_sms,reached,1",
        "funnel,phishing,most_left_step,intro",
        "funnel,phishing,most_left_count,2",
    ] {
        assert!(csv.lines().any(|l| l == row), "{row:?} not in\n{csv}");
    }
    let store = bot.stop().await;
    let audit = store.audit_log(50).await.expect("audit");
    assert!(audit
        .iter()
        .any(|a| a.action == "stats" && a.actor == ADMIN));
    assert!(audit
        .iter()
        .any(|a| a.action == "refused" && a.actor == 1002 && a.target.as_deref() == Some("stats")));
    store.close().await;
}
