//! The certificate's preview in the chat: a PNG with the heading, the name,
//! the course, the date, the code and the same QR code as the PDF, large
//! enough for a phone's camera to read off another screen.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{Rgb, RgbImage};

use super::pdf::{qr_modules, DrawError, Sheet};
use crate::qr::FONT;

const WIDTH: u32 = 900;
const HEIGHT: u32 = 1200;
/// Pixels per QR module (a version 3 or 4 code is then about 250 pixels wide).
const MODULE_PX: u32 = 8;
/// The white border around the code, in modules, as the QR standard asks.
const QUIET: u32 = 4;
const PAPER: [u8; 3] = [255, 255, 255];
const BLUE: [u8; 3] = [23, 51, 107];
const DARK: [u8; 3] = [25, 25, 25];

/// The preview as PNG bytes.
pub fn render(sheet: &Sheet) -> Result<Vec<u8>, DrawError> {
    let font = FontRef::try_from_slice(FONT)?;
    let mut img = RgbImage::from_pixel(WIDTH, HEIGHT, Rgb(PAPER));
    frame(&mut img, 18, 6);
    let mut top = 70.0;
    for (text, size, ink) in [
        (sheet.heading.as_str(), 64.0, BLUE),
        (sheet.lead.as_str(), 28.0, DARK),
        (sheet.name.as_str(), 46.0, DARK),
        (sheet.passed.as_str(), 26.0, DARK),
    ] {
        top = lines(&mut img, &font, text, size, top, ink) + 12.0;
    }
    top = lines(
        &mut img,
        &font,
        &format!("«{}»", sheet.course),
        38.0,
        top,
        BLUE,
    ) + 20.0;
    top = lines(&mut img, &font, &sheet.date, 26.0, top, DARK) + 6.0;
    top = lines(&mut img, &font, &sheet.code, 30.0, top, DARK) + 20.0;

    let modules = qr_modules(&sheet.link)?;
    let n = modules.len() as u32;
    let side = (n + 2 * QUIET) * MODULE_PX;
    let left = (WIDTH - side) / 2;
    let top_px = (top as u32).min(HEIGHT.saturating_sub(side + 20));
    for (row, cells) in modules.iter().enumerate() {
        for (col, dark) in cells.iter().enumerate() {
            if *dark {
                let x = left + (col as u32 + QUIET) * MODULE_PX;
                let y = top_px + (row as u32 + QUIET) * MODULE_PX;
                fill(&mut img, x, y, MODULE_PX, MODULE_PX, [0, 0, 0]);
            }
        }
    }
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )?;
    Ok(bytes)
}

fn frame(img: &mut RgbImage, inset: u32, thickness: u32) {
    let (w, h) = (img.width(), img.height());
    fill(img, inset, inset, w - 2 * inset, thickness, BLUE);
    fill(
        img,
        inset,
        h - inset - thickness,
        w - 2 * inset,
        thickness,
        BLUE,
    );
    fill(img, inset, inset, thickness, h - 2 * inset, BLUE);
    fill(
        img,
        w - inset - thickness,
        inset,
        thickness,
        h - 2 * inset,
        BLUE,
    );
}

fn fill(img: &mut RgbImage, left: u32, top: u32, width: u32, height: u32, ink: [u8; 3]) {
    for y in top..(top + height).min(img.height()) {
        for x in left..(left + width).min(img.width()) {
            img.put_pixel(x, y, Rgb(ink));
        }
    }
}

/// Draws `text` centred, wrapped at spaces within the frame, from `top`; answers
/// the bottom of the last line.
fn lines(
    img: &mut RgbImage,
    font: &FontRef<'_>,
    text: &str,
    size: f32,
    top: f32,
    ink: [u8; 3],
) -> f32 {
    let room = WIDTH as f32 - 120.0;
    let mut rows: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && crate::qr::text_width(font, &candidate, size) > room {
            rows.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        rows.push(line);
    }
    let f = font.as_scaled(PxScale::from(size));
    let height = f.ascent() - f.descent() + f.line_gap();
    let mut top = top;
    for row in rows {
        crate::qr::draw_line(img, font, &row, size, top, ink);
        top += height;
    }
    top
}
