//! `pomichnyk qr`: the poster's code reads back as the hub's deep link, the hub's
//! name is drawn under it, and the command fails clearly (exit 2) when it cannot
//! make the poster. Nothing here touches the network.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use image::{GrayImage, RgbImage};
use pomichnyk::qr::{self, QrError};
use pomichnyk::script::Script;

const BRANCH_7_LINK: &str = "https://t.me/pomichnyk_bot?start=hub_branch_7";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shipped_script() -> Script {
    let languages = ["uk".to_string(), "en".to_string()];
    let report = pomichnyk::content::load_dir(&manifest_dir().join("dialogues"), &languages);
    let errors: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    report
        .script
        .unwrap_or_else(|| panic!("shipped content has errors: {errors:#?}"))
}

/// Every QR code rqrr finds in the image, as text.
fn decode(img: &GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        img.width() as usize,
        img.height() as usize,
        |x, y| img.get_pixel(x as u32, y as u32).0[0],
    );
    prepared
        .detect_grids()
        .iter()
        .map(|grid| grid.decode().expect("a readable code").1)
        .collect()
}

fn decode_rgb(img: &RgbImage) -> Vec<String> {
    decode(&image::DynamicImage::ImageRgb8(img.clone()).to_luma8())
}

/// Dark pixels below the code, which fills the top width × width square.
fn dark_pixels_under_code(img: &RgbImage) -> usize {
    let gray = image::DynamicImage::ImageRgb8(img.clone()).to_luma8();
    gray.enumerate_pixels()
        .filter(|(_, y, p)| *y >= gray.width() && p.0[0] < 128)
        .count()
}

#[test]
fn the_poster_for_branch_7_reads_back_as_its_deep_link() {
    let script = shipped_script();
    let hub = script
        .hubs
        .iter()
        .find(|h| h.id == "branch_7")
        .expect("the shipped hub branch_7");
    let link = qr::link("pomichnyk_bot", &hub.id).expect("link");
    assert_eq!(link, BRANCH_7_LINK);

    let img = qr::poster(&link, hub.name.get(0)).expect("poster");
    assert!(
        (900..=1000).contains(&img.width()),
        "about 1000 px wide for print, got {}",
        img.width()
    );
    assert!(img.height() > img.width(), "the text is under the code");
    assert_eq!(decode_rgb(&img), vec![BRANCH_7_LINK.to_string()]);

    // The name is drawn: more ink under the code than the link line alone leaves.
    let with_name = dark_pixels_under_code(&img);
    let without_name = dark_pixels_under_code(&qr::poster(&link, "").expect("poster"));
    assert!(without_name > 0, "the link is printed under the code");
    assert!(
        with_name > without_name + 1000,
        "the caption adds ink: {with_name} vs {without_name} dark pixels"
    );
}

#[test]
fn a_long_name_wraps_and_an_endless_one_is_refused() {
    let link = qr::link("pomichnyk_bot", "branch_7_ruzhychna").expect("link");
    let short = qr::poster(&link, "Філія № 7").expect("short caption");
    let long = qr::poster(
        &link,
        "Мобільний пункт бібліотеки № 7 у Ружичній, мікрорайон Хмельницького",
    )
    .expect("a long caption wraps");
    assert_eq!(long.width(), short.width());
    assert!(
        long.height() > short.height(),
        "the long name takes more lines"
    );
    assert_eq!(decode_rgb(&long), vec![link.clone()]);

    let endless = "Бібліотека ".repeat(40);
    assert!(matches!(
        qr::poster(&link, &endless),
        Err(QrError::CaptionTooLong(_))
    ));
    // Letters the embedded font does not have are refused, not printed as boxes.
    assert!(matches!(
        qr::poster(&link, "Бібліотека 漢"),
        Err(QrError::MissingGlyph { ch: '漢', .. })
    ));
}

#[test]
fn links_follow_telegrams_rules() {
    assert_eq!(
        qr::link("@pomichnyk_bot", "branch_7").expect("a leading @ is dropped"),
        BRANCH_7_LINK
    );
    for bad in [
        "",
        "@",
        "bot",
        "pomichnyk-bot",
        "помічник_bot",
        &"a".repeat(33),
    ] {
        assert!(
            matches!(qr::link(bad, "branch_7"), Err(QrError::BotUsername(_))),
            "{bad:?} is not a Telegram username"
        );
    }
    assert!(
        qr::link("abcde", "branch_7").is_ok(),
        "5 characters is enough"
    );
    assert!(
        qr::link(&"a".repeat(32), "branch_7").is_ok(),
        "32 is the most"
    );
    for bad in ["", "Branch_7", "branch-7", "branch 7", "філія"] {
        assert!(
            matches!(qr::link("pomichnyk_bot", bad), Err(QrError::HubId(_))),
            "{bad:?} is not a hub id"
        );
    }
    // `hub_` and the id must fit Telegram's 64-character start payload.
    let longest = "a".repeat(qr::MAX_START_PAYLOAD - qr::HUB_PAYLOAD_PREFIX.len());
    assert!(qr::link("pomichnyk_bot", &longest).is_ok());
    assert!(matches!(
        qr::link("pomichnyk_bot", &format!("{longest}a")),
        Err(QrError::PayloadTooLong { .. })
    ));
}

/// Runs `pomichnyk qr ARGS` in `dir` without a bot username in the environment.
fn run_qr(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pomichnyk"));
    cmd.arg("qr")
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env_remove("POMICHNYK_BOT_USERNAME");
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().expect("run pomichnyk qr")
}

fn read_png(path: &Path) -> GrayImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_luma8()
}

#[test]
fn the_command_writes_a_poster_that_decodes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("x.png");
    let out_arg = out.to_str().expect("utf-8 path");
    let result = run_qr(
        manifest_dir(),
        &[
            "branch_7",
            "--bot-username",
            "pomichnyk_bot",
            "--out",
            out_arg,
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(out.is_file(), "{} was written", out.display());
    assert!(stdout.contains(out_arg), "prints the path: {stdout}");
    assert!(stdout.contains(BRANCH_7_LINK), "prints the link: {stdout}");
    assert_eq!(decode(&read_png(&out)), vec![BRANCH_7_LINK.to_string()]);
}

#[test]
fn the_command_takes_the_username_from_the_environment_and_names_the_file_after_the_hub() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let config = manifest_dir().join("config");
    let dialogues = manifest_dir().join("dialogues");
    let result = run_qr(
        tmp.path(),
        &["branch_7", "--config", config.to_str().expect("utf-8 path")],
        &[
            ("POMICHNYK_BOT_USERNAME", "@pomichnyk_bot"),
            (
                "POMICHNYK__DIALOGUES__DIR",
                dialogues.to_str().expect("utf-8 path"),
            ),
        ],
    );
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    let out: PathBuf = tmp.path().join("qr-branch_7.png");
    assert_eq!(decode(&read_png(&out)), vec![BRANCH_7_LINK.to_string()]);
}

#[test]
fn an_unknown_hub_is_refused_with_the_known_ids() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("x.png");
    let result = run_qr(
        manifest_dir(),
        &[
            "branch_77",
            "--bot-username",
            "pomichnyk_bot",
            "--out",
            out.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("branch_77"), "names the id: {stderr}");
    let known: Vec<&str> = stderr
        .split_once("known hub ids: ")
        .map(|(_, ids)| ids.trim().split(", ").collect())
        .unwrap_or_default();
    assert!(known.contains(&"branch_7"), "lists the known ids: {stderr}");
    assert!(!out.exists(), "no poster for an unknown hub");
}

#[test]
fn without_a_bot_username_the_command_says_how_to_give_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("x.png");
    let out_arg = out.to_str().expect("utf-8 path");
    let result = run_qr(manifest_dir(), &["branch_7", "--out", out_arg], &[]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--bot-username"), "{stderr}");
    assert!(!out.exists());

    let result = run_qr(
        manifest_dir(),
        &["branch_7", "--out", out_arg, "--bot-username", "my-bot"],
        &[],
    );
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("\"my-bot\" is not valid"), "{stderr}");
    assert!(!out.exists());
}
