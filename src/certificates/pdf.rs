//! The certificate as an A4 PDF: its words, the code and a QR code to the
//! verification page.
//!
//! Written with `pdf-writer` (the low-level writer of the typst project): no
//! layout engine, the page is a handful of centred lines. The text is set in
//! the bundled DejaVu Sans (Cyrillic and Latin), embedded whole (compressed) as
//! a CID font with Identity-H encoding, and a ToUnicode map from each glyph to
//! its letter, so a PDF reader can search, copy and read the text aloud (and a
//! test can extract it). The QR code is drawn as filled squares, a vector
//! image that stays sharp when printed.

use std::collections::BTreeMap;

use ab_glyph::{Font, FontRef, GlyphId};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
use qrcode::{Color, EcLevel, QrCode};

use crate::qr::FONT;

/// A4 in points.
const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
/// The side margins.
const MARGIN: f32 = 56.0;
const FONT_NAME: Name<'static> = Name(b"DejaVuSans");
const FONT_KEY: Name<'static> = Name(b"F1");
/// The deep blue of the frame and headings.
const INK: (f32, f32, f32) = (0.09, 0.20, 0.42);

/// Everything printed on a certificate, already in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// "СЕРТИФІКАТ".
    pub heading: String,
    /// "засвідчує, що".
    pub lead: String,
    pub name: String,
    /// "пройшов(-ла) курс і склав(-ла) підсумковий тест".
    pub passed: String,
    pub course: String,
    /// "Теми курсу:".
    pub lessons_heading: String,
    pub lessons: Vec<String>,
    /// "Дата видачі: 1 грудня 2026".
    pub date: String,
    /// "Код: XXXX-XXXX-XX".
    pub code: String,
    /// "Перевірити справжність: …".
    pub check: String,
    /// Who issues it.
    pub issuer: String,
    /// Where the QR code leads (the verification page of the code).
    pub link: String,
}

/// Why a certificate cannot be drawn.
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    #[error("the embedded font cannot be read: {0}")]
    Font(#[from] ab_glyph::InvalidFont),
    #[error("cannot encode the link as a QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("cannot encode the picture: {0}")]
    Image(#[from] image::ImageError),
}

/// Whether the bundled font has every letter of `text` (else it cannot be printed).
pub fn printable(text: &str) -> bool {
    match FontRef::try_from_slice(FONT) {
        Ok(font) => text
            .chars()
            .all(|c| c.is_whitespace() || font.glyph_id(c) != GlyphId(0)),
        Err(_) => false,
    }
}

/// The QR code of a link, as rows of dark (`true`) modules, without the quiet zone.
pub(crate) fn qr_modules(link: &str) -> Result<Vec<Vec<bool>>, DrawError> {
    let code = QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M)?;
    let width = code.width();
    let colors = code.to_colors();
    Ok(colors
        .chunks(width)
        .map(|row| row.iter().map(|c| *c == Color::Dark).collect())
        .collect())
}

/// Lays text out in the font: widths and glyph codes, and records each glyph used.
struct Typesetter<'f> {
    font: FontRef<'f>,
    units_per_em: f32,
    /// Glyph id → (advance in 1/1000 em, its letter), for the widths and ToUnicode.
    used: BTreeMap<u16, (f32, char)>,
}

impl<'f> Typesetter<'f> {
    fn new() -> Result<Typesetter<'f>, DrawError> {
        let font = FontRef::try_from_slice(FONT)?;
        let units_per_em = font.units_per_em().unwrap_or(2048.0);
        Ok(Typesetter {
            font,
            units_per_em,
            used: BTreeMap::new(),
        })
    }

    /// Width of `text` at `size`, in points.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.font.h_advance_unscaled(self.font.glyph_id(c)))
            .sum::<f32>()
            * size
            / self.units_per_em
    }

    /// The text as two-byte glyph ids (Identity-H).
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let id = self.font.glyph_id(c);
            let advance = self.font.h_advance_unscaled(id) * 1000.0 / self.units_per_em;
            self.used.entry(id.0).or_insert((advance, c));
            bytes.extend_from_slice(&id.0.to_be_bytes());
        }
        bytes
    }

    /// `text` cut into lines no wider than `width` at `size`, at spaces.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.width(&candidate, size) > width {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// The page being drawn, from the top down.
struct Page<'f> {
    content: Content,
    type_: Typesetter<'f>,
    /// The baseline of the next line, from the bottom of the page.
    y: f32,
}

impl Page<'_> {
    /// Centred lines of `text` at `size`, wrapped within the margins.
    fn centred(&mut self, text: &str, size: f32, colour: (f32, f32, f32)) {
        let lines = self.type_.wrap(text, size, WIDTH - 2.0 * MARGIN);
        for line in lines {
            self.y -= size * 1.25;
            let x = (WIDTH - self.type_.width(&line, size)) / 2.0;
            let glyphs = self.type_.encode(&line);
            self.content.set_fill_rgb(colour.0, colour.1, colour.2);
            self.content.begin_text();
            self.content.set_font(FONT_KEY, size);
            self.content.next_line(x, self.y);
            self.content.show(Str(&glyphs));
            self.content.end_text();
        }
    }

    /// A line of `text` at `x`, on the baseline `y` (not moving the flow).
    fn at(&mut self, text: &str, size: f32, x: f32, y: f32) {
        let glyphs = self.type_.encode(text);
        self.content.set_fill_rgb(0.15, 0.15, 0.15);
        self.content.begin_text();
        self.content.set_font(FONT_KEY, size);
        self.content.next_line(x, y);
        self.content.show(Str(&glyphs));
        self.content.end_text();
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }
}

/// The certificate as PDF bytes.
pub fn render(sheet: &Sheet) -> Result<Vec<u8>, DrawError> {
    let mut page = Page {
        content: Content::new(),
        type_: Typesetter::new()?,
        y: HEIGHT - 70.0,
    };
    // A double frame.
    let c = &mut page.content;
    c.set_stroke_rgb(INK.0, INK.1, INK.2);
    c.set_line_width(3.0);
    c.rect(28.0, 28.0, WIDTH - 56.0, HEIGHT - 56.0);
    c.stroke();
    c.set_line_width(0.8);
    c.rect(36.0, 36.0, WIDTH - 72.0, HEIGHT - 72.0);
    c.stroke();

    let dark = (0.1, 0.1, 0.1);
    page.centred(&sheet.heading, 34.0, INK);
    page.gap(18.0);
    page.centred(&sheet.lead, 14.0, dark);
    page.gap(8.0);
    page.centred(&sheet.name, 26.0, dark);
    page.gap(8.0);
    page.centred(&sheet.passed, 14.0, dark);
    page.gap(4.0);
    page.centred(&format!("«{}»", sheet.course), 20.0, INK);
    page.gap(22.0);
    page.centred(&sheet.lessons_heading, 12.0, dark);
    for lesson in &sheet.lessons {
        page.centred(lesson, 11.0, dark);
    }
    page.gap(22.0);
    page.centred(&sheet.date, 12.0, dark);

    // The QR code at the bottom right, the code and the check beside it.
    let modules = qr_modules(&sheet.link)?;
    let side = 120.0;
    let cell = side / modules.len() as f32;
    let (left, bottom) = (WIDTH - MARGIN - side, 64.0);
    page.content.set_fill_rgb(0.0, 0.0, 0.0);
    for (row, cells) in modules.iter().enumerate() {
        for (col, dark) in cells.iter().enumerate() {
            if *dark {
                let x = left + col as f32 * cell;
                let y = bottom + side - (row as f32 + 1.0) * cell;
                // A hair larger, so neighbouring squares leave no seam.
                page.content.rect(x, y, cell + 0.05, cell + 0.05);
            }
        }
    }
    page.content.fill_nonzero();
    let text_width = WIDTH - 2.0 * MARGIN - side - 16.0;
    let mut y = bottom + side - 12.0;
    page.at(&sheet.code, 13.0, MARGIN, y);
    y -= 20.0;
    for line in page.type_.wrap(&sheet.check, 9.5, text_width) {
        page.at(&line, 9.5, MARGIN, y);
        y -= 13.0;
    }
    y -= 8.0;
    for line in page.type_.wrap(&sheet.issuer, 10.0, text_width) {
        page.at(&line, 10.0, MARGIN, y);
        y -= 14.0;
    }

    let Page { content, type_, .. } = page;
    Ok(assemble(content, &type_))
}

/// The document around one page: catalog, page, font (descendant, descriptor,
/// file, ToUnicode) and the page's content.
fn assemble(content: Content, type_: &Typesetter<'_>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let pages = Ref::new(2);
    let page_id = Ref::new(3);
    let contents = Ref::new(4);
    let type0 = Ref::new(5);
    let cid = Ref::new(6);
    let descriptor = Ref::new(7);
    let file = Ref::new(8);
    let cmap_id = Ref::new(9);
    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
    page.parent(pages);
    page.contents(contents);
    page.resources().fonts().pair(FONT_KEY, type0);
    page.finish();

    pdf.type0_font(type0)
        .base_font(FONT_NAME)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap_id);

    let mut font = pdf.cid_font(cid);
    font.subtype(CidFontType::Type2);
    font.base_font(FONT_NAME);
    font.system_info(system);
    font.font_descriptor(descriptor);
    font.default_width(600.0);
    font.cid_to_gid_map_predefined(Name(b"Identity"));
    {
        let mut widths = font.widths();
        for (id, (advance, _)) in &type_.used {
            widths.consecutive(*id, [*advance]);
        }
    }
    font.finish();

    let scale = 1000.0 / type_.units_per_em;
    let f = &type_.font;
    pdf.font_descriptor(descriptor)
        .name(FONT_NAME)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(-1021.0, -463.0, 1793.0, 1232.0))
        .italic_angle(0.0)
        .ascent(f.ascent_unscaled() * scale)
        .descent(f.descent_unscaled() * scale)
        .cap_height(729.0)
        .stem_v(80.0)
        .font_file2(file);

    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(FONT, 6);
    pdf.stream(file, &compressed)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), FONT.len() as i32);

    pdf.stream(cmap_id, to_unicode(&type_.used).as_bytes())
        .pair(Name(b"Type"), Name(b"CMap"));

    let content = content.finish();
    pdf.stream(contents, &content);
    pdf.finish()
}

/// The ToUnicode CMap from glyph ids to letters, in the spec's plain form
/// (PDF 32000-1, 9.10.3), which every reader and text extractor parses.
fn to_unicode(used: &BTreeMap<u16, (f32, char)>) -> String {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let pairs: Vec<(&u16, &char)> = used.iter().map(|(id, (_, c))| (id, c)).collect();
    // At most 100 mappings per block, as the CMap format asks.
    for chunk in pairs.chunks(100) {
        out.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (id, c) in chunk {
            let mut units = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            out.push_str(&format!("<{id:04X}> <{hex}>\n"));
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out
}
