//! Printable QR posters behind `pomichnyk qr`: a code that opens the bot at one hub
//! (`https://t.me/<bot>?start=hub_<id>`), with the hub's name printed under it.
//!
//! Pure: [`link`] builds and checks the address, [`poster`] draws the image; the
//! caller writes the file. The caption font (DejaVu Sans, which has Cyrillic) is
//! embedded, so the poster looks the same on every machine; its licence is
//! `assets/fonts/LICENSE-DejaVu.txt`.

use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, ScaleFont};
use image::{Rgb, RgbImage};
use qrcode::{Color, EcLevel, QrCode};

/// DejaVu Sans 2.37 (Bitstream Vera licence with the Arev and public-domain notices).
pub(crate) static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// Telegram's limit on the `start` payload of a deep link.
pub const MAX_START_PAYLOAD: usize = 64;
/// What the `start` payload of a hub's link begins with; the hub id follows.
pub const HUB_PAYLOAD_PREFIX: &str = "hub_";
/// The poster is about this wide, in pixels (a sharp print at A5 to A4).
pub const TARGET_WIDTH: u32 = 1000;
/// The white border around the code, in modules, as the QR standard asks.
pub const QUIET_ZONE: u32 = 4;
/// The caption takes at most this many lines.
pub const MAX_CAPTION_LINES: usize = 3;

/// Q recovers about a quarter of the code, enough for a scuffed or badly lit poster,
/// and a Telegram link still fits in a small code.
const EC_LEVEL: EcLevel = EcLevel::Q;
/// Caption sizes as a share of the poster's width: the size tried first ...
const CAPTION_SIZE: f32 = 0.06;
/// ... and the smallest it may shrink to before the caption is refused.
const MIN_CAPTION_SIZE: f32 = 0.035;
/// The link line's size, as a share of the width; it shrinks further if the link is long.
const LINK_SIZE: f32 = 0.028;
const INK: [u8; 3] = [0, 0, 0];
const PAPER: [u8; 3] = [255, 255, 255];

/// Why a link or a poster cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error(
        "bot username {0:?} is not valid: Telegram usernames are 5 to 32 characters \
         of A-Z, a-z, 0-9 and _ (give the name without @)"
    )]
    BotUsername(String),
    #[error("hub id {0:?} is not valid: hub ids are made of a-z, 0-9 and _")]
    HubId(String),
    #[error(
        "the start payload {payload:?} is {} characters; Telegram allows at most {MAX_START_PAYLOAD}",
        .payload.len()
    )]
    PayloadTooLong { payload: String },
    #[error(
        "no bot username: pass --bot-username NAME (the bot's Telegram username, without @) \
         or set POMICHNYK_BOT_USERNAME"
    )]
    NoBotUsername,
    #[error("no hub {hub:?} in {file}; known hub ids: {known}")]
    NoHub {
        hub: String,
        file: String,
        known: String,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: image::ImageError,
    },
    #[error("cannot encode the link as a QR code: {0}")]
    Encode(#[from] qrcode::types::QrError),
    #[error("the embedded font cannot be read: {0}")]
    Font(#[from] ab_glyph::InvalidFont),
    #[error("the font has no letter {ch:?} (U+{:04X}) used in {text:?}", u32::from(*.ch))]
    MissingGlyph { ch: char, text: String },
    #[error(
        "the caption {0:?} does not fit on {MAX_CAPTION_LINES} lines under the code; \
         shorten the hub's name"
    )]
    CaptionTooLong(String),
}

/// The bot's username without a leading `@`, if it follows Telegram's rule:
/// 5 to 32 characters of `A-Z`, `a-z`, `0-9` and `_`.
pub fn bot_username(name: &str) -> Result<&str, QrError> {
    let bare = name.strip_prefix('@').unwrap_or(name);
    let valid = (5..=32).contains(&bare.len())
        && bare.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(bare)
    } else {
        Err(QrError::BotUsername(name.to_string()))
    }
}

/// The deep link that opens `bot` at the hub `hub_id`:
/// `https://t.me/<bot>?start=hub_<hub_id>`.
///
/// Both parts are checked, so the link needs no escaping: the bot's username
/// (see [`bot_username`]; a leading `@` is dropped), the hub id (`[a-z0-9_]`) and
/// the length of the `start` payload (at most [`MAX_START_PAYLOAD`]).
pub fn link(bot: &str, hub_id: &str) -> Result<String, QrError> {
    let bot = bot_username(bot)?;
    let valid_id = !hub_id.is_empty()
        && hub_id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid_id {
        return Err(QrError::HubId(hub_id.to_string()));
    }
    let payload = format!("{HUB_PAYLOAD_PREFIX}{hub_id}");
    if payload.len() > MAX_START_PAYLOAD {
        return Err(QrError::PayloadTooLong { payload });
    }
    Ok(format!("https://t.me/{bot}?start={payload}"))
}

/// Draws a printable poster: the QR code of `link` on white, `caption` centred
/// under it in black (wrapped onto up to [`MAX_CAPTION_LINES`] lines, smaller if
/// need be), then the link itself in a smaller line, for those who type it.
///
/// The code, with its quiet zone of [`QUIET_ZONE`] modules, fills the top
/// `width × width` square of the image; the text is below that square. The width
/// is a whole number of modules, at most [`TARGET_WIDTH`] and close to it.
pub fn poster(link: &str, caption: &str) -> Result<RgbImage, QrError> {
    let code = QrCode::with_error_correction_level(link, EC_LEVEL)?;
    let font = FontRef::try_from_slice(FONT)?;

    // A version 40 code is 177 modules wide, so this cannot truncate.
    let modules = code.width() as u32;
    let module_px = (TARGET_WIDTH / (modules + 2 * QUIET_ZONE)).max(1);
    let side = module_px * (modules + 2 * QUIET_ZONE);
    let margin = (QUIET_ZONE * module_px) as f32;
    let text_width = side as f32 - 2.0 * margin;

    let caption_lines = wrap_caption(&font, caption, side as f32, text_width)?;
    let link_size = fitting_size(&font, link, LINK_SIZE * side as f32, text_width)?;

    // Below the code's own quiet zone: the caption, half a link line of space, the
    // link, and a bottom margin as wide as the quiet zone.
    let link_line = line_height(&font, link_size);
    let caption_height: f32 = caption_lines
        .iter()
        .map(|(_, size)| line_height(&font, *size))
        .sum();
    let height = side as f32 + caption_height + 0.5 * link_line + link_line + margin;
    let mut img = RgbImage::from_pixel(side, height.ceil() as u32, Rgb(PAPER));

    for y in 0..modules {
        for x in 0..modules {
            if code[(x as usize, y as usize)] == Color::Dark {
                fill_square(
                    &mut img,
                    (x + QUIET_ZONE) * module_px,
                    (y + QUIET_ZONE) * module_px,
                    module_px,
                );
            }
        }
    }

    let mut top = side as f32;
    for (text, size) in &caption_lines {
        draw_centred(&mut img, &font, text, *size, top);
        top += line_height(&font, *size);
    }
    top += 0.5 * link_line;
    draw_centred(&mut img, &font, link, link_size, top);
    Ok(img)
}

fn fill_square(img: &mut RgbImage, left: u32, top: u32, size: u32) {
    for y in top..top + size {
        for x in left..left + size {
            img.put_pixel(x, y, Rgb(INK));
        }
    }
}

/// The caption's lines and their size: the largest size, from [`CAPTION_SIZE`]
/// down to [`MIN_CAPTION_SIZE`] of `side`, at which every word fits and the words
/// take at most [`MAX_CAPTION_LINES`] lines of `width`.
fn wrap_caption(
    font: &FontRef<'_>,
    caption: &str,
    side: f32,
    width: f32,
) -> Result<Vec<(String, f32)>, QrError> {
    check_glyphs(font, caption)?;
    let words = unbreakable_words(caption);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut size = CAPTION_SIZE * side;
    while size >= MIN_CAPTION_SIZE * side {
        if let Some(lines) = wrap(font, &words, size, width) {
            return Ok(lines.into_iter().map(|l| (l, size)).collect());
        }
        size *= 0.92;
    }
    Err(QrError::CaptionTooLong(caption.to_string()))
}

/// The units the caption may break between: words, except that a no-break space
/// joins, and, as Ukrainian typesetting asks, `№` and one-letter words (`у`, `в`,
/// `з`, `і`, ...) stay on the line of the word after them.
fn unbreakable_words(caption: &str) -> Vec<String> {
    let breakable = |c: char| c.is_whitespace() && c != '\u{a0}' && c != '\u{202f}';
    let mut words: Vec<String> = Vec::new();
    let mut glue = false;
    for word in caption.split(breakable).filter(|w| !w.is_empty()) {
        match words.last_mut() {
            Some(last) if glue => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
        glue = word == "№" || (word.chars().count() == 1 && word.chars().all(char::is_alphabetic));
    }
    words
}

/// Greedy word wrap at `size`; `None` if a word is wider than `width` or the words
/// need more than [`MAX_CAPTION_LINES`] lines.
fn wrap(font: &FontRef<'_>, words: &[String], size: f32, width: f32) -> Option<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in words {
        if text_width(font, word, size) > width {
            return None;
        }
        let longer = if line.is_empty() {
            word.clone()
        } else {
            format!("{line} {word}")
        };
        if text_width(font, &longer, size) <= width {
            line = longer;
        } else {
            lines.push(std::mem::replace(&mut line, word.clone()));
        }
    }
    lines.push(line);
    (lines.len() <= MAX_CAPTION_LINES).then_some(lines)
}

/// `size`, or smaller so that `text` fits on one line of `width`.
fn fitting_size(font: &FontRef<'_>, text: &str, size: f32, width: f32) -> Result<f32, QrError> {
    check_glyphs(font, text)?;
    let natural = text_width(font, text, size);
    Ok(if natural > width {
        size * width / natural
    } else {
        size
    })
}

/// Refuses text the font cannot draw, rather than printing empty boxes on a poster.
fn check_glyphs(font: &FontRef<'_>, text: &str) -> Result<(), QrError> {
    match text
        .chars()
        .find(|c| !c.is_whitespace() && font.glyph_id(*c) == GlyphId(0))
    {
        Some(ch) => Err(QrError::MissingGlyph {
            ch,
            text: text.to_string(),
        }),
        None => Ok(()),
    }
}

fn line_height(font: &FontRef<'_>, size: f32) -> f32 {
    let f = font.as_scaled(PxScale::from(size));
    f.ascent() - f.descent() + f.line_gap()
}

/// The advance of `text` at `size`, with kerning.
pub(crate) fn text_width(font: &FontRef<'_>, text: &str, size: f32) -> f32 {
    let f = font.as_scaled(PxScale::from(size));
    let mut width = 0.0;
    let mut previous: Option<GlyphId> = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = previous {
            width += f.kern(p, id);
        }
        width += f.h_advance(id);
        previous = Some(id);
    }
    width
}

/// Draws one line of `text` centred across the image, its line box starting at `top`.
fn draw_centred(img: &mut RgbImage, font: &FontRef<'_>, text: &str, size: f32, top: f32) {
    draw_line(img, font, text, size, top, INK);
}

/// Draws one line of `text` in `ink`, centred across the image, kerned, its
/// line box starting at `top` (the posters' and the certificates' pictures).
pub(crate) fn draw_line(
    img: &mut RgbImage,
    font: &FontRef<'_>,
    text: &str,
    size: f32,
    top: f32,
    ink: [u8; 3],
) {
    let f = font.as_scaled(PxScale::from(size));
    let baseline = top + f.ascent();
    let mut caret = (img.width() as f32 - text_width(font, text, size)) / 2.0;
    let mut previous: Option<GlyphId> = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = previous {
            caret += f.kern(p, id);
        }
        let glyph = id.with_scale_and_position(size, point(caret, baseline));
        caret += f.h_advance(id);
        previous = Some(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue; // a space
        };
        let bounds = outline.px_bounds();
        outline.draw(|x, y, coverage| {
            let px = bounds.min.x as i64 + i64::from(x);
            let py = bounds.min.y as i64 + i64::from(y);
            let (Ok(px), Ok(py)) = (u32::try_from(px), u32::try_from(py)) else {
                return;
            };
            if px >= img.width() || py >= img.height() {
                return;
            }
            let coverage = coverage.clamp(0.0, 1.0);
            let pixel = img.get_pixel_mut(px, py);
            for (channel, ink) in pixel.0.iter_mut().zip(ink) {
                let blended = f32::from(*channel) * (1.0 - coverage) + f32::from(ink) * coverage;
                *channel = blended.round() as u8;
            }
        });
    }
}

/// `pomichnyk qr`: writes the poster of hub `hub_id` (to `out`, or
/// `qr-<hub>.png`) with its caption in language `lang`; answers the file
/// written and the link in the code.
pub fn write_poster(
    script: &crate::script::Script,
    hubs_file: &std::path::Path,
    hub_id: &str,
    username: Option<&str>,
    out: Option<std::path::PathBuf>,
    lang: usize,
) -> Result<(std::path::PathBuf, String), QrError> {
    // An empty POMICHNYK_BOT_USERNAME counts as not given.
    let bot = username
        .filter(|b| !b.is_empty())
        .ok_or(QrError::NoBotUsername)?;
    let bot = bot_username(bot)?;
    let Some(hub) = script.hubs.iter().find(|h| h.id == hub_id) else {
        let known: Vec<&str> = script.hubs.iter().map(|h| h.id.as_str()).collect();
        return Err(QrError::NoHub {
            hub: hub_id.to_string(),
            file: hubs_file.display().to_string(),
            known: if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            },
        });
    };
    let link = link(bot, &hub.id)?;
    let image = poster(&link, hub.name.get(lang))?;
    let out = out.unwrap_or_else(|| std::path::PathBuf::from(format!("qr-{}.png", hub.id)));
    image
        .save_with_format(&out, image::ImageFormat::Png)
        .map_err(|source| QrError::Write {
            path: out.display().to_string(),
            source,
        })?;
    Ok((out, link))
}

#[cfg(test)]
mod tests {
    use super::unbreakable_words;

    #[test]
    fn number_signs_and_one_letter_words_stay_with_the_next_word() {
        assert_eq!(
            unbreakable_words("Мобільний пункт бібліотеки № 7 у Ружичній"),
            ["Мобільний", "пункт", "бібліотеки", "№ 7", "у Ружичній"]
        );
        assert_eq!(
            unbreakable_words("  Філія\u{a0}№\u{a0}7 і  читальня "),
            ["Філія\u{a0}№\u{a0}7", "і читальня"]
        );
        assert!(unbreakable_words(" \n ").is_empty());
    }
}
