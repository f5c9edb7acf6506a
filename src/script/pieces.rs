//! A text in pieces that Telegram accepts: lengths as Telegram counts them
//! (UTF-16 code units, of the visible text only for HTML), cuts at line
//! breaks where possible, HTML tags closed at a cut and opened again after it.
//! Pure; the Telegram adapter sends the pieces.

/// The length Telegram counts of a plain text: UTF-16 code units.
pub fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Splits a text into pieces of at most `max` UTF-16 units, at line breaks where it can.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let max = max.max(2);
    let mut chunks = Vec::new();
    let mut current = String::new();
    let mut len = 0;
    for line in text.split_inclusive('\n') {
        let line_len = units(line);
        if len + line_len > max && len > 0 {
            chunks.push(std::mem::take(&mut current).trim_end().to_string());
            len = 0;
        }
        if line_len > max {
            // One line longer than a message: cut it at character boundaries.
            let mut piece = String::new();
            let mut piece_len = 0;
            for c in line.chars() {
                if piece_len + c.len_utf16() > max {
                    chunks.push(std::mem::take(&mut piece));
                    piece_len = 0;
                }
                piece.push(c);
                piece_len += c.len_utf16();
            }
            if !piece.trim().is_empty() {
                chunks.push(piece);
            }
            continue;
        }
        current.push_str(line);
        len += line_len;
    }
    if !current.trim().is_empty() || chunks.is_empty() {
        chunks.push(current.trim_end().to_string());
    }
    chunks
}

/// A piece of Telegram HTML: a tag, or something visible with the UTF-16
/// units Telegram counts for it (a character, or an entity such as `&amp;`).
enum Token<'a> {
    Tag(&'a str),
    Visible(&'a str, usize),
}

fn tokens(html: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = html[i..].chars().next() {
        let rest = &html[i..];
        let token = match c {
            '<' => rest.find('>').map(|end| Token::Tag(&rest[..=end])),
            '&' => rest
                .char_indices()
                .take(12)
                .find(|(_, c)| *c == ';')
                .filter(|(end, _)| {
                    rest[1..*end]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '#')
                        && *end > 1
                })
                .map(|(end, _)| {
                    let entity = &rest[..=end];
                    let code = entity
                        .strip_prefix("&#x")
                        .and_then(|h| u32::from_str_radix(&h[..h.len() - 1], 16).ok())
                        .or_else(|| {
                            entity
                                .strip_prefix("&#")
                                .and_then(|d| d[..d.len() - 1].parse().ok())
                        });
                    let n = code.and_then(char::from_u32).map_or(1, |c| c.len_utf16());
                    Token::Visible(entity, n)
                }),
            _ => None,
        };
        let token = token.unwrap_or_else(|| Token::Visible(&rest[..c.len_utf8()], c.len_utf16()));
        i += match &token {
            Token::Tag(t) | Token::Visible(t, _) => t.len(),
        };
        out.push(token);
    }
    out
}

/// A tag's name, lowercase, and whether it closes.
fn tag_name(tag: &str) -> (String, bool) {
    let inner = tag.trim_start_matches('<').trim_end_matches('>');
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    let name = inner
        .split(|c: char| c.is_whitespace() || c == '/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    (name, closing)
}

/// The visible text of Telegram HTML (tags removed, entities kept as written).
pub fn visible(html: &str) -> String {
    tokens(html)
        .into_iter()
        .filter_map(|t| match t {
            Token::Visible(v, _) => Some(v),
            Token::Tag(_) => None,
        })
        .collect()
}

/// The length Telegram counts of an HTML text: its text after the tags are
/// parsed out, in UTF-16 units.
pub fn visible_units(html: &str) -> usize {
    tokens(html)
        .iter()
        .map(|t| match t {
            Token::Visible(_, n) => *n,
            Token::Tag(_) => 0,
        })
        .sum()
}

/// The tags open at a point: each name with the tag as written.
type Open<'a> = Vec<(String, &'a str)>;

/// Splits Telegram HTML into pieces whose visible text is at most `max`
/// UTF-16 units, at line breaks where it can; tags open at a cut are closed
/// at the end of one piece and opened again at the start of the next.
pub fn split_html(html: &str, max: usize) -> Vec<String> {
    let max = max.max(2);
    let close = |open: &[(String, &str)]| -> String {
        open.iter()
            .rev()
            .map(|(name, _)| format!("</{name}>"))
            .collect()
    };
    let reopen = |open: &[(String, &str)]| -> String { open.iter().map(|(_, t)| *t).collect() };
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut len = 0;
    let mut open: Open<'_> = Vec::new();
    // After the last line break: where in `current`, its length so far, the tags open there.
    let mut line_break: Option<(usize, usize, Open<'_>)> = None;
    for token in tokens(html) {
        match token {
            Token::Tag(tag) => {
                let (name, closing) = tag_name(tag);
                if closing {
                    if let Some(at) = open.iter().rposition(|(n, _)| *n == name) {
                        open.truncate(at);
                    }
                } else if !tag.ends_with("/>") {
                    open.push((name, tag));
                }
                current.push_str(tag);
            }
            Token::Visible(text, n) => {
                if len + n > max && len > 0 {
                    match line_break.take().filter(|(_, at_len, _)| *at_len > 0) {
                        Some((at, at_len, was_open)) => {
                            let tail = current.split_off(at);
                            current.push_str(&close(&was_open));
                            pieces.push(std::mem::take(&mut current));
                            current = reopen(&was_open) + &tail;
                            len -= at_len;
                        }
                        None => {
                            current.push_str(&close(&open));
                            pieces.push(std::mem::take(&mut current));
                            current = reopen(&open);
                            len = 0;
                        }
                    }
                    if len + n > max && len > 0 {
                        current.push_str(&close(&open));
                        pieces.push(std::mem::take(&mut current));
                        current = reopen(&open);
                        len = 0;
                    }
                }
                current.push_str(text);
                len += n;
                if text == "\n" {
                    line_break = Some((current.len(), len, open.clone()));
                }
            }
        }
    }
    pieces.push(current);
    let kept: Vec<String> = pieces
        .into_iter()
        .filter(|p| !visible(p).trim().is_empty())
        .collect();
    if kept.is_empty() {
        vec![String::new()]
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX_MESSAGE: usize = 4096;

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(split("Привіт\nсвіт", 4096), vec!["Привіт\nсвіт"]);
    }

    #[test]
    fn long_text_is_split_at_lines_below_the_limit() {
        let line = format!("{}\n", "ї".repeat(1000));
        let text = line.repeat(10);
        let chunks = split(&text, MAX_MESSAGE);
        assert!(chunks.len() >= 3, "{}", chunks.len());
        assert!(chunks.iter().all(|c| c.chars().count() <= MAX_MESSAGE));
        assert_eq!(chunks.concat().replace('\n', ""), text.replace('\n', ""));
    }

    #[test]
    fn emoji_count_twice() {
        let text = "😀".repeat(3000);
        let chunks = split(&text, MAX_MESSAGE);
        assert_eq!(chunks.len(), 2);
        assert!(chunks.iter().all(|c| units(c) <= MAX_MESSAGE));
        assert_eq!(chunks.concat(), text);
    }

    #[test]
    fn html_is_split_by_visible_units_and_tags_reopened() {
        let html = format!(
            "<b>{}</b>\n<i>{}</i> &amp; end",
            "😀".repeat(1500),
            "ї".repeat(3000)
        );
        let pieces = split_html(&html, MAX_MESSAGE);
        assert!(pieces.len() >= 2, "{}", pieces.len());
        for p in &pieces {
            assert!(visible_units(p) <= MAX_MESSAGE, "{}", visible_units(p));
            assert_eq!(p.matches("<b>").count(), p.matches("</b>").count(), "{p}");
            assert_eq!(p.matches("<i>").count(), p.matches("</i>").count(), "{p}");
        }
        assert_eq!(visible_units("<a href=\"x\">a&lt;b</a>"), 3);
        let long = format!("<b>{}</b>", "😀".repeat(5000));
        let pieces = split_html(&long, MAX_MESSAGE);
        assert_eq!(pieces.len(), 3);
        assert!(pieces
            .iter()
            .all(|p| p.starts_with("<b>") && p.ends_with("</b>")));
        assert!(pieces.iter().all(|p| visible_units(p) <= MAX_MESSAGE));
    }

    #[test]
    fn one_huge_line_is_cut() {
        let text = "я".repeat(10_000);
        let chunks = split(&text, MAX_MESSAGE);
        assert_eq!(chunks.len(), 3);
        assert!(chunks.iter().all(|c| units(c) <= MAX_MESSAGE));
    }
}
