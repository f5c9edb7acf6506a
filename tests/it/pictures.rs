//! Pictures in lessons: every lesson shows one; Telegram gets a photo with the
//! step's text as its caption, uploaded once and named by its file id after
//! that; the terminal prints what the picture shows; `check` refuses a picture
//! Telegram would not take or one without a description in every language.

use serde_json::json;

use crate::support::fake_api::strip_tags;
use crate::support::tg::{self, Resident};
use crate::support::{content_copy, languages, shipped_dir, shipped_script};
use pomichnyk::engine::Reply;
use pomichnyk::script::Script;

/// What the meter picture of `meter_readings` shows, in Ukrainian.
const METER_ALT: &str = "Лічильник світла з цифрами 0 4 5 7 2 у віконці";

#[test]
fn every_lesson_shows_at_least_one_picture_described_in_both_languages() {
    let script = shipped_script();
    let mut pictures = 0;
    for lesson in script.lessons() {
        let shown: Vec<_> = lesson
            .steps
            .iter()
            .filter_map(|s| s.picture.as_ref())
            .collect();
        assert!(!shown.is_empty(), "{} shows no picture", lesson.id);
        for picture in shown {
            for lang in 0..languages().len() {
                assert!(
                    picture.alt.get(lang).chars().count() >= 40,
                    "{}: {} is not described in language {lang}",
                    lesson.id,
                    picture.file
                );
            }
            // The bytes are the shipped file's, a PNG of a phone-friendly shape.
            let on_disk = std::fs::read(shipped_dir().join(&picture.file)).expect("the file");
            assert_eq!(&*picture.bytes, on_disk.as_slice());
            assert!(picture.width >= 960 && picture.width <= 2 * picture.height);
            pictures += 1;
        }
    }
    assert!(pictures >= 22, "{pictures} pictures");
}

#[test]
fn a_picture_step_comes_as_a_photo_reply_with_its_description() {
    let script = shipped_script();
    let mut olena = crate::support::Resident::new(&script);
    olena.says("/start lesson_meter_readings");
    let photo = olena
        .replies
        .iter()
        .find_map(|r| match r {
            Reply::Photo {
                picture, alt, text, ..
            } => Some((picture.file.clone(), alt.clone(), text.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no photo in {:#?}", olena.replies));
    assert_eq!(photo.0, "pictures/meter_digits.png");
    assert!(
        photo.1.starts_with("[картинка: Лічильник світла"),
        "{}",
        photo.1
    );
    assert!(photo.2.starts_with("Крок 1 з "), "{}", photo.2);
}

#[tokio::test]
async fn telegram_gets_a_photo_with_its_caption_and_buttons_and_the_second_time_its_file_id() {
    let (api, _dir, _db, bot) = tg::start(&[]).await;
    let mut olena = Resident::new(&api, 5101, "uk");
    olena.says("/start lesson_meter_readings");
    olena.sees("Показники — це цифри на лічильнику").await;
    let photos = api.calls_to("sendPhoto");
    assert_eq!(photos.len(), 1, "{photos:#?}");
    let first = &photos[0];
    // The first time the picture is uploaded, under its own name.
    assert_eq!(first.files.len(), 1);
    assert_eq!(first.files[0].field, "photo");
    assert_eq!(first.files[0].file_name, "meter_digits.png");
    let png = std::fs::read(shipped_dir().join("pictures/meter_digits.png")).expect("png");
    assert_eq!(first.files[0].bytes, png);
    // The step's text is the caption, with the step's buttons under the photo.
    let caption = strip_tags(first.text());
    assert!(caption.starts_with("Крок 1 з "), "{caption}");
    assert!(
        caption.contains("Показники — це цифри на лічильнику"),
        "{caption}"
    );
    let buttons = first.params["reply_markup"].to_string();
    assert!(buttons.contains("🔁"), "{buttons}");

    // "🔁 Again" sends the step again: the same picture, named by the id Telegram gave it.
    olena.taps("🔁").await;
    olena.sees("Показники — це цифри на лічильнику").await;
    let photos = api.calls_to("sendPhoto");
    assert_eq!(photos.len(), 2);
    let again = &photos[1];
    assert!(again.files.is_empty(), "uploaded again: {again:#?}");
    let id = format!("photo-{}", first.message_id.expect("the first photo's id"));
    assert_eq!(again.params["photo"], json!(id));
    assert_eq!(again.text(), first.text());
    api.assert_no_refusals();
    bot.stop().await;
}

#[tokio::test]
async fn a_text_too_long_for_a_caption_follows_the_photo_with_the_buttons() {
    let dir = content_copy();
    let path = dir.path().join("lessons/meter_readings.toml");
    let lesson = std::fs::read_to_string(&path).expect("lesson");
    let long = "Показники передають щомісяця. ".repeat(40);
    let lesson = lesson.replacen(
        "text.uk = \"\"\"Після цього уроку",
        &format!("text.uk = \"\"\"{long}\nПісля цього уроку"),
        1,
    );
    std::fs::write(&path, lesson).expect("write");
    let script = load(dir.path());
    let (api, _tmp, db) = {
        let api = crate::support::fake_api::FakeApi::start().await;
        let (tmp, db) = tg::temp_db();
        (api, tmp, db)
    };
    let bot = tg::spawn_bot_with(&api, &db, &[], script, None).await;
    let mut olena = Resident::new(&api, 5102, "uk");
    olena.says("/start lesson_meter_readings");
    olena.sees("Після цього уроку").await;
    let photos = api.calls_to("sendPhoto");
    assert_eq!(photos.len(), 1);
    assert!(photos[0].params.get("caption").is_none(), "{photos:#?}");
    assert!(photos[0].params.get("reply_markup").is_none());
    let texts: Vec<_> = api
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat() == Some(5102) && c.at > photos[0].at)
        .collect();
    let last = texts.last().expect("the text after the photo");
    assert!(strip_tags(last.text()).contains("Після цього уроку"));
    assert!(last.params["reply_markup"].to_string().contains("🔁"));
    api.assert_no_refusals();
    bot.stop().await;
}

#[test]
fn the_terminal_prints_what_the_picture_shows() {
    let (_dir, db) = tg::temp_db();
    let out = crate::chat::chat(&db, None, &[], &["/start lesson_meter_readings"]);
    let at = out
        .find(&format!("[картинка: {METER_ALT}"))
        .unwrap_or_else(|| panic!("no picture in:\n{out}"));
    // Its description first, then the step's text.
    let text = out
        .find("Показники — це цифри на лічильнику")
        .expect("the text");
    assert!(at < text, "{out}");
}

fn load(dir: &std::path::Path) -> Script {
    let report = pomichnyk::content::load_dir(dir, &languages());
    let errors: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    report
        .script
        .unwrap_or_else(|| panic!("content has errors: {errors:#?}"))
}

/// A PNG of the given size, as the `image` crate writes it.
fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

/// Every diagnostic of a copy of the shipped content where `meter_readings`'s
/// picture line reads `picture` and the files `files` are written.
fn check_with(picture: &str, files: &[(&str, Vec<u8>)]) -> (bool, Vec<String>) {
    let dir = content_copy();
    let path = dir.path().join("lessons/meter_readings.toml");
    let lesson = std::fs::read_to_string(&path).expect("lesson");
    let start = lesson.find("picture.file").expect("the picture");
    let end = start + lesson[start..].find("text.uk").expect("the text");
    let lesson = format!("{}{picture}\n{}", &lesson[..start], &lesson[end..]);
    std::fs::write(&path, lesson).expect("write");
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).expect("write picture");
    }
    let report = pomichnyk::content::load_dir(dir.path(), &languages());
    let prefix = format!("{}/", dir.path().display());
    let lines = report
        .diagnostics
        .iter()
        .map(|d| d.to_string().replace(&prefix, ""))
        .filter(|l| !l.starts_with("hubs.toml"))
        .collect();
    (report.script.is_some(), lines)
}

const ALT: &str = "picture.alt.uk = \"Лічильник\"\npicture.alt.en = \"A meter\"";

#[test]
fn check_refuses_a_picture_telegram_would_not_take_or_nobody_described() {
    // The picture lines, the files written, the error expected.
    type Case = (String, Vec<(&'static str, Vec<u8>)>, &'static str);
    let cases: Vec<Case> = vec![
        (
            format!("picture.file = \"pictures/nowhere.png\"\n{ALT}"),
            vec![],
            "there is no picture \"pictures/nowhere.png\"",
        ),
        (
            format!("picture.file = \"../secret.png\"\n{ALT}"),
            vec![],
            "is not a path inside the content folder",
        ),
        (
            format!("picture.file = \"pictures/text.png\"\n{ALT}"),
            vec![("pictures/text.png", b"<svg>not a picture</svg>".to_vec())],
            "not a PNG or JPEG picture",
        ),
        (
            format!("picture.file = \"pictures/cut.png\"\n{ALT}"),
            vec![("pictures/cut.png", {
                let whole = png(1080, 720);
                whole[..whole.len() - 20].to_vec()
            })],
            "a broken PNG file: it is cut short",
        ),
        (
            format!("picture.file = \"pictures/strip.png\"\n{ALT}"),
            vec![("pictures/strip.png", png(2100, 100))],
            "at most 20 times longer than wide",
        ),
        (
            "picture.file = \"pictures/meter_digits.png\"\npicture.alt.uk = \"Лічильник\""
                .to_string(),
            vec![],
            "picture: alt has no text in \"en\"",
        ),
    ];
    for (picture, files, expected) in cases {
        let (loaded, lines) = check_with(&picture, &files);
        assert!(!loaded, "{picture}: loaded anyway");
        let found = lines.iter().find(|l| l.contains(expected));
        let line = found.unwrap_or_else(|| panic!("{picture}: no {expected:?} in {lines:#?}"));
        assert!(
            line.starts_with("lessons/meter_readings.toml:") && line.contains(": error: "),
            "{line}"
        );
    }
}

#[test]
fn check_warns_of_a_picture_too_wide_for_a_phone_and_one_no_step_shows() {
    let (loaded, lines) = check_with(
        &format!("picture.file = \"pictures/wide.png\"\n{ALT}"),
        &[("pictures/wide.png", png(1800, 400))],
    );
    assert!(loaded, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("lessons/meter_readings.toml:")
                && l.contains(": warning: ")
                && l.contains("4.5 times longer than wide")),
        "{lines:#?}"
    );
    // The meter picture the lesson showed before is now shown by no step.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("pictures/meter_digits.png:1:1: warning: no step shows")),
        "{lines:#?}"
    );
}

#[test]
fn an_faq_answer_may_carry_a_picture_too() {
    let script = shipped_script();
    let mut olena = crate::support::Resident::new(&script);
    olena.lang_hint = Some("uk");
    olena.says("/menu");
    olena.says("що таке cvv код");
    let photo = olena.replies.iter().find_map(|r| match r {
        Reply::Photo { picture, text, .. } => Some((picture.file.clone(), text.clone())),
        _ => None,
    });
    let (file, text) = photo.unwrap_or_else(|| panic!("no photo in {:#?}", olena.replies));
    assert_eq!(file, "pictures/online_banking_card.png");
    assert!(text.contains("три цифри на звороті"), "{text}");
    // Its buttons are under the photo: the votes.
    assert!(
        olena.labels().iter().any(|l| l.contains("👍")),
        "{:?}",
        olena.labels()
    );
}
