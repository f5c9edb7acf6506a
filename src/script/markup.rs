//! The simple formatting admins may use in texts: `**bold**`.
//!
//! Everything else is plain text: links are shown as written and Telegram makes
//! them clickable. Adapters turn the markup into what they can show
//! ([`to_html`] for Telegram, [`to_plain`] for a terminal).

const BOLD: &str = "**";

/// Why a text's formatting is broken, or `None` when it is fine.
pub fn problem(text: &str) -> Option<String> {
    if text.matches(BOLD).count() % 2 == 1 {
        Some("a `**` that starts bold text has no closing `**`".to_string())
    } else {
        None
    }
}

/// Someone's own words, to be put into a text with markup: a `**` they typed
/// stays two stars (a zero-width space between them) instead of turning bold.
pub fn literal(text: &str) -> String {
    text.replace(BOLD, "*\u{200B}*")
}

/// The text without markup.
pub fn to_plain(text: &str) -> String {
    text.replace(BOLD, "")
}

/// The text as Telegram HTML: special characters escaped, `**x**` as `<b>x</b>`.
pub fn to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in text.split(BOLD).enumerate() {
        if i > 0 {
            out.push_str(if i % 2 == 1 { "<b>" } else { "</b>" });
        }
        for c in part.chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                c => out.push(c),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bold_and_escaping() {
        assert_eq!(
            to_html("**Увага:** a<b & c"),
            "<b>Увага:</b> a&lt;b &amp; c"
        );
        assert_eq!(to_plain("**Увага:** текст"), "Увага: текст");
    }

    #[test]
    fn literal_text_is_never_bold() {
        let mixed = format!("**{}**", literal("a ** b"));
        assert!(problem(&mixed).is_none());
        assert_eq!(to_html(&mixed), "<b>a *\u{200B}* b</b>");
    }

    #[test]
    fn unclosed_bold_is_a_problem() {
        assert!(problem("**bold").is_some());
        assert!(problem("**bold** and **more**").is_none());
        assert!(problem("no markup").is_none());
    }
}
