//! The limits and constants the checks hold content to: Telegram's limits,
//! readability for beginners, and where things live in the content folder.

/// Telegram refuses longer message texts.
pub const MAX_TEXT_CHARS: usize = 4096;
/// Longer button labels are cut off on a phone screen.
pub const BUTTON_WARN_CHARS: usize = 40;
/// Longer button labels are refused.
pub const BUTTON_MAX_CHARS: usize = 64;
/// Telegram shows at most 8 buttons in a row.
pub const MAX_COLUMNS: i64 = 8;
/// Telegram allows at most 100 buttons under one message.
pub const MAX_BUTTONS: usize = 100;

/// Longer messages are hard to read on a phone (a warning).
pub const READABLE_CHARS: usize = 600;
/// Longer sentences are hard to follow (a warning).
pub const SENTENCE_WORDS: usize = 20;

/// The first sentence of more than [`SENTENCE_WORDS`] words, if any. Sentences end
/// at `.`, `!`, `?`, `…`, `;` and line breaks.
pub fn long_sentence(text: &str) -> Option<String> {
    text.split(['.', '!', '?', '…', ';', '\n'])
        .map(str::trim)
        .find(|s| {
            s.split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count()
                > SENTENCE_WORDS
        })
        .map(str::to_string)
}

/// The file of library hubs, at the top of the content folder.
pub const HUBS_FILE: &str = "hubs.toml";
/// Ukraine's bounding box, roughly: coordinates outside it are a mistake.
pub const UKRAINE_LAT: std::ops::RangeInclusive<f64> = 44.0..=52.5;
pub const UKRAINE_LON: std::ops::RangeInclusive<f64> = 22.0..=40.5;
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The folder of FAQ files, under the content folder.
pub const FAQ_DIR: &str = "faq";
/// Fewer phrasings than this make an entry hard to find (a warning).
pub const FAQ_MIN_PHRASINGS: usize = 3;

/// The file with the bot's own sentences, at the top of the content folder.
pub const STRINGS_FILE: &str = "strings.toml";
/// Folders under the content folder that hold no dialogues.
pub const SKIPPED_DIRS: [&str; 1] = ["schema"];

/// Options a scored question needs at least (a reflection question: 2).
pub const MIN_OPTIONS: usize = 3;
