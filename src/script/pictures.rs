//! Pictures in lessons: a step may carry a PNG or JPEG from the content folder,
//! with a description (alt text) in every language.
//!
//! The content folder's reader ([`crate::content::load_dir`]) hands the bytes
//! of every picture file to [`super::load`]; here they are checked the way
//! Telegram will judge them (a real PNG or JPEG, at most 10 MB, width and height
//! adding up to at most 10,000 pixels, a ratio of at most 20) and the way a
//! resident with a phone will (not too small to read, not too wide, not too heavy
//! for a slow village connection). Nothing here reads a file.

use std::fmt;
use std::hash::Hasher;
use std::sync::Arc;

use super::Text;

/// The folder for pictures under the content folder (a convention, not a rule:
/// `file` may name any picture under the content folder).
pub const PICTURES_DIR: &str = "pictures";
/// Telegram refuses photos bigger than this.
pub const MAX_PICTURE_BYTES: u64 = 10 * 1024 * 1024;
/// Heavier pictures are slow on a weak mobile connection (a warning).
pub const HEAVY_PICTURE_BYTES: usize = 1024 * 1024;
/// Telegram refuses photos whose width and height add up to more.
pub const MAX_SIDES: u32 = 10_000;
/// Telegram refuses photos longer than this many times their other side.
pub const MAX_RATIO: f64 = 20.0;
/// A phone screen shows wider (or taller) pictures too small to read (a warning).
pub const SENSIBLE_RATIO: f64 = 2.5;
/// Narrower pictures are blurred when a phone enlarges them (a warning).
pub const MIN_WIDTH: u32 = 320;
/// Longer descriptions are not a description (an error).
pub const MAX_ALT_CHARS: usize = 300;

/// A picture of a step, checked, with its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Picture {
    /// Its file, relative to the content folder with `/` (`pictures/sms.png`):
    /// the name a channel remembers an upload by.
    pub file: String,
    pub bytes: Arc<[u8]>,
    /// A digest of the bytes: a changed file is a new picture.
    pub digest: u64,
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// What it shows, in every language.
    pub alt: Text,
}

impl fmt::Debug for Picture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Picture")
            .field("file", &self.file)
            .field("bytes", &self.bytes.len())
            .field("size", &(self.width, self.height))
            .finish()
    }
}

impl Picture {
    /// The file name to upload it under (`sms.png`).
    pub fn file_name(&self) -> &str {
        self.file.rsplit('/').next().unwrap_or(&self.file)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
}

/// The bytes' digest (FxHash over all of them).
pub fn digest(bytes: &[u8]) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(bytes);
    h.write_usize(bytes.len());
    h.finish()
}

/// What a picture file is: its format and size in pixels, or why Telegram
/// would not take it as a photo.
pub fn inspect(bytes: &[u8]) -> Result<(Format, u32, u32), String> {
    let (format, width, height) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(bytes)?
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg(bytes)?
    } else {
        return Err("not a PNG or JPEG picture (Telegram sends only those as photos)".into());
    };
    if bytes.len() as u64 > MAX_PICTURE_BYTES {
        return Err(format!(
            "{} bytes; Telegram takes photos of at most 10 MB",
            bytes.len()
        ));
    }
    if width == 0 || height == 0 {
        return Err("the picture has no pixels".into());
    }
    if width.saturating_add(height) > MAX_SIDES {
        return Err(format!(
            "{width}×{height} pixels; Telegram takes photos whose width and height add up to at most {MAX_SIDES}"
        ));
    }
    let ratio = f64::from(width.max(height)) / f64::from(width.min(height));
    if ratio > MAX_RATIO {
        return Err(format!(
            "{width}×{height} pixels; Telegram takes photos at most {MAX_RATIO} times longer than wide"
        ));
    }
    Ok((format, width, height))
}

/// A PNG: the IHDR chunk first, every chunk whole, IEND last.
fn png(bytes: &[u8]) -> Result<(Format, u32, u32), String> {
    let broken = |why: &str| format!("a broken PNG file: {why}");
    let be = |at: usize| -> Option<u32> {
        let b = bytes.get(at..at + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    if bytes.get(12..16) != Some(b"IHDR") {
        return Err(broken("it does not begin with its header"));
    }
    let (width, height) = be(16)
        .zip(be(20))
        .ok_or_else(|| broken("its header is cut short"))?;
    // Walk the chunks: length, type, data, CRC.
    let mut at = 8usize;
    loop {
        let len = be(at).ok_or_else(|| broken("it is cut short"))? as usize;
        let kind = bytes
            .get(at + 4..at + 8)
            .ok_or_else(|| broken("it is cut short"))?;
        let end = at
            .checked_add(12)
            .and_then(|e| e.checked_add(len))
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| broken("it is cut short"))?;
        if kind == b"IEND" {
            return Ok((Format::Png, width, height));
        }
        at = end;
    }
}

/// A JPEG: its size from the first start-of-frame marker.
fn jpeg(bytes: &[u8]) -> Result<(Format, u32, u32), String> {
    let broken = |why: &str| format!("a broken JPEG file: {why}");
    let mut at = 2usize;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return Err(broken("a marker is missing"));
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if sof {
            let b = bytes
                .get(at + 5..at + 9)
                .ok_or_else(|| broken("it is cut short"))?;
            let height = u32::from(u16::from_be_bytes([b[0], b[1]]));
            let width = u32::from(u16::from_be_bytes([b[2], b[3]]));
            if !bytes.ends_with(&[0xFF, 0xD9]) {
                return Err(broken("it is cut short"));
            }
            return Ok((Format::Jpeg, width, height));
        }
        if marker == 0xDA || len < 2 {
            break;
        }
        at += 2 + len;
    }
    Err(broken("no picture size in it"))
}

/// Why a picture, though Telegram takes it, is hard to use on a phone.
pub fn advice(bytes: usize, width: u32, height: u32) -> Vec<String> {
    let mut out = Vec::new();
    let ratio = f64::from(width.max(height)) / f64::from(width.min(height).max(1));
    if ratio > SENSIBLE_RATIO {
        out.push(format!(
            "{width}×{height} pixels is {ratio:.1} times longer than wide; on a phone the text on it \
             becomes too small (keep it within {SENSIBLE_RATIO}:1)"
        ));
    }
    if width < MIN_WIDTH {
        out.push(format!(
            "{width} pixels wide; a phone enlarges it and blurs it (make it at least {MIN_WIDTH})"
        ));
    }
    if bytes > HEAVY_PICTURE_BYTES {
        out.push(format!(
            "{} KiB; heavy for a slow mobile connection (keep it under {} KiB)",
            bytes / 1024,
            HEAVY_PICTURE_BYTES / 1024
        ));
    }
    out
}

impl super::load::Checker<'_> {
    /// A step's `picture`: the file must be a picture under the content folder
    /// that Telegram takes, described in every language.
    pub(super) fn picture(
        &mut self,
        src: &super::diagnostic::Source,
        field: &toml::Spanned<super::file::PictureFile>,
        what: &str,
    ) -> Option<Arc<Picture>> {
        let p = field.get_ref();
        let alt = self.text(src, &p.alt, &format!("{what}: alt"));
        for (lang, text) in p.alt.get_ref() {
            let chars = text.get_ref().chars().count();
            if chars > MAX_ALT_CHARS {
                self.error(
                    src,
                    text.span(),
                    format!("{what}: alt ({lang}) has {chars} characters; describe the picture in at most {MAX_ALT_CHARS}"),
                );
            }
        }
        let name = p.file.get_ref();
        let span = p.file.span();
        let plain = !name.is_empty()
            && !name.starts_with('/')
            && !name.contains('\\')
            && name
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        if !plain {
            self.error(
                src,
                span,
                format!("{what}: \"{name}\" is not a path inside the content folder; write it like \"{PICTURES_DIR}/sms.png\""),
            );
            return None;
        }
        let path = self.root.join(name);
        let Some(bytes) = self.pictures.get(&path) else {
            self.error(
                src,
                span,
                format!("{what}: there is no picture \"{name}\" in the content folder (only .png, .jpg and .jpeg files are read)"),
            );
            return None;
        };
        self.used_pictures.insert(path);
        let (format, width, height) = match inspect(bytes) {
            Ok(found) => found,
            Err(why) => {
                self.error(src, span, format!("{what}: \"{name}\": {why}"));
                return None;
            }
        };
        for why in advice(bytes.len(), width, height) {
            self.warning(src, span.clone(), format!("{what}: \"{name}\": {why}"));
        }
        Some(Arc::new(Picture {
            file: name.clone(),
            digest: digest(bytes),
            bytes: Arc::from(bytes.as_slice()),
            format,
            width,
            height,
            alt,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(width: u32, height: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        b.extend(13u32.to_be_bytes());
        b.extend(b"IHDR");
        b.extend(width.to_be_bytes());
        b.extend(height.to_be_bytes());
        b.extend([8, 2, 0, 0, 0]);
        b.extend([0; 4]);
        b.extend(0u32.to_be_bytes());
        b.extend(b"IEND");
        b.extend([0; 4]);
        b
    }

    #[test]
    fn a_png_is_read_and_a_cut_one_is_refused() {
        assert_eq!(inspect(&png_of(960, 640)), Ok((Format::Png, 960, 640)));
        let whole = png_of(960, 640);
        let cut = &whole[..whole.len() - 6];
        assert!(inspect(cut).unwrap_err().contains("cut short"));
        assert!(inspect(b"<svg></svg>").unwrap_err().contains("not a PNG"));
        assert!(inspect(&png_of(9000, 2000)).unwrap_err().contains("10000"));
        assert!(inspect(&png_of(2100, 100))
            .unwrap_err()
            .contains("20 times"));
        assert_eq!(advice(1000, 960, 640), Vec::<String>::new());
        assert_eq!(advice(1000, 1800, 400).len(), 1);
        assert_eq!(advice(1000, 200, 150).len(), 1);
    }

    #[test]
    fn a_jpeg_gives_its_size_from_its_frame() {
        let mut b = vec![0xFF, 0xD8];
        b.extend([0xFF, 0xE0, 0, 4, 0, 0]);
        b.extend([0xFF, 0xC0, 0, 11, 8, 0x02, 0x80, 0x03, 0xC0, 3, 0, 0, 0, 0]);
        b.extend([0xFF, 0xD9]);
        assert_eq!(inspect(&b), Ok((Format::Jpeg, 960, 640)));
        assert!(inspect(&b[..b.len() - 2]).is_err());
    }
}
