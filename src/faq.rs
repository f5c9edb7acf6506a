//! Answering questions typed in residents' own words from the FAQ files.
//!
//! Pure and in memory: [`FaqIndex::build`] indexes every phrasing of every
//! entry (all languages together, so a question typed in Russian, in Latin
//! letters or in English still finds its entry), and [`FaqIndex::search`]
//! ranks entries with BM25 (Okapi, k1 = 1.2, b = 0.75) over an inverted index
//! kept here: the `bm25` crate scored every candidate by a linear scan and
//! copied each hit's text, about 8 ms a question over 500 entries.
//!
//! Ukrainian word endings and typos are handled by the tokens themselves:
//! every word gives its lightly stripped stem and the character trigrams of the
//! word, so "паролем", "пароля" and "пороль" share most tokens with "пароль".
//! The answers' own words are indexed too, at a lower weight.
//!
//! The thresholds below were set on `tests/data/faq_eval.toml`, where no
//! question the FAQ cannot answer is answered at once. Before
//! that, [`normalize`] folds the usual confusions: case, the three apostrophes,
//! ё/е, і/и/ї/ы, є/е/э, Latin look-alike letters inside Cyrillic words, and
//! whole words in Latin letters are also read as transliterated Ukrainian.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use crate::script::FaqEntry;

/// How sure the index is about a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Answer with this entry at once.
    Confident(usize),
    /// Offer these entries (up to three) as choices.
    Close(Vec<usize>),
    /// Nothing fits.
    Nothing,
}

/// One entry's score for a question.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    /// Index into the entries the index was built from.
    pub entry: usize,
    pub score: f32,
}

/// How much an answer's own words count against a phrasing's.
const ANSWER_WEIGHT: f32 = 0.75;

/// Scores at or above this answer at once, if clearly ahead of the next entry.
pub const CONFIDENT: f32 = 60.0;
/// The top score must beat the runner-up by this factor to be confident.
pub const MARGIN: f32 = 1.25;
/// Scores at or above this are offered as choices.
pub const CLOSE: f32 = 20.0;

/// BM25's term-frequency saturation.
const K1: f32 = 1.2;
/// BM25's document-length normalisation.
const B: f32 = 0.75;

/// The searchable FAQ, rebuilt whenever the content is loaded.
#[derive(Debug)]
pub struct FaqIndex {
    /// Token → its id.
    vocabulary: FxHashMap<String, u32>,
    /// Per token id: the documents holding it, with the token's BM25 weight there.
    postings: Vec<Vec<(u32, f32)>>,
    /// Per token id: its inverse document frequency.
    idf: Vec<f32>,
    /// Per document: the entry it belongs to, and how much it counts.
    owner: Vec<(usize, f32)>,
}

impl FaqIndex {
    pub fn build(entries: &[FaqEntry]) -> FaqIndex {
        // Each phrasing (with its entry's keywords) is a document, and so is each answer.
        let mut interner = Interner::default();
        // All documents' token ids back to back (repeats kept), and per document:
        // its entry, its weight and where its ids end.
        let mut ids: Vec<u32> = Vec::new();
        let mut documents: Vec<(usize, f32, usize)> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let keywords = entry.keywords.iter().flatten();
            for phrasing in entry.questions.iter().flatten() {
                // The words of "{phrasing} {keywords}", without building that text.
                interner.push_text(phrasing, &mut ids);
                for keyword in keywords.clone() {
                    interner.push_text(keyword, &mut ids);
                }
                documents.push((i, 1.0, ids.len()));
            }
            for answer in &entry.answer.0 {
                interner.push_text(answer, &mut ids);
                documents.push((i, ANSWER_WEIGHT, ids.len()));
            }
        }
        let Interner { vocabulary, .. } = interner;
        let avgdl = (ids.len() as f32 / documents.len().max(1) as f32).max(1.0);
        // Term frequencies by counting rather than sorting each document: `count`
        // is zero again after each document, `seen` lists the ids it holds.
        let mut count = vec![0u32; vocabulary.len()];
        let mut seen: Vec<u32> = Vec::new();
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); vocabulary.len()];
        let mut owner = Vec::with_capacity(documents.len());
        let mut start = 0;
        for (doc, &(entry, weight, end)) in documents.iter().enumerate() {
            owner.push((entry, weight));
            let doc_ids = &ids[start..end];
            start = end;
            let norm = K1 * (1.0 - B + B * doc_ids.len() as f32 / avgdl);
            for &id in doc_ids {
                if count[id as usize] == 0 {
                    seen.push(id);
                }
                count[id as usize] += 1;
            }
            // Each token's postings stay in document order, whatever the order here.
            for id in seen.drain(..) {
                let tf = std::mem::take(&mut count[id as usize]) as f32;
                postings[id as usize].push((doc as u32, tf * (K1 + 1.0) / (tf + norm)));
            }
        }
        let n = owner.len() as f32;
        let idf = postings
            .iter()
            .map(|p| {
                let df = p.len() as f32;
                (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
            })
            .collect();
        FaqIndex {
            vocabulary,
            postings,
            idf,
            owner,
        }
    }

    /// Entries ranked for a question, best first, each once (its best document).
    pub fn search(&self, question: &str, limit: usize) -> Vec<Ranked> {
        let mut scores: FxHashMap<u32, f32> = FxHashMap::default();
        each_token(question, |token| {
            if let Some(&id) = self.vocabulary.get(token) {
                let idf = self.idf[id as usize];
                for &(doc, weight) in &self.postings[id as usize] {
                    *scores.entry(doc).or_insert(0.0) += idf * weight;
                }
            }
        });
        let mut best: HashMap<usize, f32> = HashMap::new();
        for (doc, score) in scores {
            let (entry, weight) = self.owner[doc as usize];
            let e = best.entry(entry).or_insert(0.0);
            *e = e.max(score * weight);
        }
        let mut ranked: Vec<Ranked> = best
            .into_iter()
            .map(|(entry, score)| Ranked { entry, score })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        ranked.truncate(limit);
        ranked
    }

    /// What to do with a question: answer, offer choices, or say nothing fits.
    pub fn judge(&self, question: &str) -> Verdict {
        let ranked = self.search(question, 3);
        let Some(top) = ranked.first() else {
            return Verdict::Nothing;
        };
        let runner_up = ranked.get(1).map_or(0.0, |r| r.score);
        if top.score >= CONFIDENT && top.score >= runner_up * MARGIN {
            Verdict::Confident(top.entry)
        } else if top.score >= CLOSE {
            Verdict::Close(
                ranked
                    .iter()
                    .filter(|r| r.score >= CLOSE)
                    .map(|r| r.entry)
                    .collect(),
            )
        } else {
            Verdict::Nothing
        }
    }
}

/// Words too common to tell questions apart.
const STOP: [&str; 51] = [
    "як", "що", "шо", "чи", "де", "в", "у", "на", "и", "й", "а", "з", "до", "не", "я", "мени",
    "мене", "це", "мои", "моя", "мое", "ви", "вам", "так", "то", "как", "что", "мне", "меня",
    "это", "или", "ли", "про", "the", "a", "to", "how", "what", "i", "my", "is", "do", "can", "me",
    "in", "on", "of", "for", "it", "and", "with",
];

/// The tokens of a text: for each word its stem (`w:`) and its trigrams (`g:`);
/// a word in Latin letters also as transliterated Ukrainian.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_token(text, |t| out.push(t.to_string()));
    out
}

/// Calls `sink` with each token of a text, in one reused buffer (no allocation per token).
fn each_token(text: &str, mut sink: impl FnMut(&str)) {
    let mut tokenizer = Tokenizer::default();
    for word in words(text) {
        tokenizer.word(word, &mut sink);
    }
}

/// The words of a text as written (letters, digits and apostrophes), before
/// [`normalize`]; a word of apostrophes only folds to nothing.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
}

/// `c.is_alphanumeric() || is_apostrophe(c)`, with ASCII and the basic Cyrillic
/// block answered without the Unicode tables (most of the build's characters).
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || matches!(c, '\'' | '`')
    } else if ('\u{0400}'..='\u{045F}').contains(&c) {
        // Ѐ…я…џ: all letters.
        true
    } else {
        c.is_alphanumeric() || is_apostrophe(c)
    }
}

/// The buffers for tokenizing word by word, reused from word to word.
#[derive(Default)]
struct Tokenizer {
    /// The word, folded.
    folded: String,
    /// The token being built.
    token: String,
    /// The form being split into trigrams, padded with a space on each side.
    chars: Vec<char>,
}

impl Tokenizer {
    /// Calls `sink` with each token of one word as written (one of [`words`]):
    /// its stem (`w:`) and trigrams (`g:`), then the same of its transliteration.
    fn word(&mut self, word: &str, mut sink: impl FnMut(&str)) {
        self.folded.clear();
        fold(word, &mut self.folded);
        let word = self.folded.as_str();
        if word.is_empty() || STOP.contains(&word) {
            return;
        }
        let latin = word.chars().all(|c| c.is_ascii_alphanumeric());
        let transliterated = if latin {
            Some(transliterate(word))
        } else {
            None
        };
        let forms = std::iter::once(word).chain(transliterated.as_deref().filter(|t| *t != word));
        for form in forms {
            let buf = &mut self.token;
            buf.clear();
            buf.push_str("w:");
            buf.push_str(stem(form));
            sink(buf);
            let chars = &mut self.chars;
            chars.clear();
            chars.push(' ');
            chars.extend(form.chars());
            chars.push(' ');
            if chars.len() >= 5 {
                for tri in chars.windows(3) {
                    buf.clear();
                    buf.push_str("g:");
                    buf.extend(tri);
                    sink(buf);
                }
            }
        }
    }
}

/// Token ids for the texts of an index being built, word by word.
#[derive(Default)]
struct Interner<'a> {
    /// Token → its id.
    vocabulary: FxHashMap<String, u32>,
    /// Each distinct word as written → its tokens' ids, a range of `word_ids`.
    /// Texts repeat their words (and answers share most words), so each word
    /// is folded, stemmed, cut into trigrams and looked up in `vocabulary`
    /// once; that was most of the build, about 700k tokens for 540 entries.
    words: FxHashMap<&'a str, (u32, u32)>,
    word_ids: Vec<u32>,
    tokenizer: Tokenizer,
}

impl<'a> Interner<'a> {
    /// Appends the ids of a text's tokens to `ids`, as [`each_token`] gives them.
    fn push_text(&mut self, text: &'a str, ids: &mut Vec<u32>) {
        for word in words(text) {
            let (start, end) = match self.words.get(word) {
                Some(&range) => range,
                None => {
                    let start = self.word_ids.len() as u32;
                    let Interner {
                        vocabulary,
                        word_ids,
                        tokenizer,
                        ..
                    } = self;
                    tokenizer.word(word, |t| {
                        let id = match vocabulary.get(t) {
                            Some(&id) => id,
                            None => {
                                let id = vocabulary.len() as u32;
                                vocabulary.insert(t.to_string(), id);
                                id
                            }
                        };
                        word_ids.push(id);
                    });
                    let range = (start, self.word_ids.len() as u32);
                    self.words.insert(word, range);
                    range
                }
            };
            ids.extend_from_slice(&self.word_ids[start as usize..end as usize]);
        }
    }
}

/// Lower case, letters and digits only, with the usual confusions folded.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in words(text) {
        if !word.chars().any(char::is_alphanumeric) {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        fold(word, &mut out);
    }
    out
}

/// Appends one word as written, folded as [`normalize`] does, to `out`.
fn fold(word: &str, out: &mut String) {
    let cyrillic = word.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
    for c in word
        .chars()
        .filter(|c| !is_apostrophe(*c))
        .flat_map(char::to_lowercase)
    {
        let c = if cyrillic { look_alike(c) } else { c };
        out.push(match c {
            'ё' | 'э' | 'є' => 'е',
            'і' | 'ї' | 'ы' | 'й' => 'и',
            'ґ' => 'г',
            'ъ' | 'ь' => continue,
            c => c,
        });
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '`' | '‘')
}

/// A Latin letter that looks like a Cyrillic one, inside a Cyrillic word.
fn look_alike(c: char) -> char {
    match c {
        'a' => 'а',
        'e' => 'е',
        'o' => 'о',
        'p' => 'р',
        'c' => 'с',
        'x' => 'х',
        'y' => 'у',
        'i' => 'и',
        'k' => 'к',
        'm' => 'м',
        't' => 'т',
        'h' => 'н',
        'b' => 'в',
        c => c,
    }
}

/// A word typed in Latin letters read as Ukrainian ("oplatyty" → "оплатити"), already folded.
fn transliterate(word: &str) -> String {
    const MULTI: [(&str, &str); 12] = [
        ("shch", "щ"),
        ("zh", "ж"),
        ("kh", "х"),
        ("ts", "ц"),
        ("ch", "ч"),
        ("sh", "ш"),
        ("yu", "ю"),
        ("ya", "я"),
        ("ye", "е"),
        ("yi", "и"),
        ("ia", "я"),
        ("iu", "ю"),
    ];
    let mut out = String::new();
    let mut rest = word;
    'outer: while !rest.is_empty() {
        for (latin, cyr) in MULTI {
            if let Some(r) = rest.strip_prefix(latin) {
                out.push_str(cyr);
                rest = r;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        let c = chars.next().unwrap_or(' ');
        out.push(match c {
            'a' => 'а',
            'b' => 'б',
            'v' | 'w' => 'в',
            'h' | 'g' => 'г',
            'd' => 'д',
            'e' => 'е',
            'z' => 'з',
            'y' | 'i' | 'j' => 'и',
            'k' | 'q' => 'к',
            'l' => 'л',
            'm' => 'м',
            'n' => 'н',
            'o' => 'о',
            'p' => 'п',
            'r' => 'р',
            's' => 'с',
            't' => 'т',
            'u' => 'у',
            'f' => 'ф',
            'c' => 'ц',
            'x' => 'х',
            c => c,
        });
        rest = chars.as_str();
    }
    out
}

/// A light stemmer: strips one common Ukrainian or Russian ending from a
/// folded word, keeping at least four letters.
fn stem(word: &str) -> &str {
    // Longest first, so "ами" is stripped before "и".
    const ENDINGS: [&str; 33] = [
        "иться",
        "ться",
        "ами",
        "ями",
        "ого",
        "ому",
        "ими",
        "ему",
        "ати",
        "ити",
        "ить",
        "ать",
        "уть",
        "ють",
        "ася",
        "ися",
        "ись",
        "ах",
        "ях",
        "ом",
        "ем",
        "ам",
        "ям",
        "ою",
        "ею",
        "ов",
        "ев",
        "ти",
        "ту",
        "и",
        "а",
        "я",
        "у",
    ];
    let chars = word.chars().count();
    for ending in ENDINGS {
        let len = ending.chars().count();
        if chars >= len + 4 && word.ends_with(ending) {
            return &word[..word.len() - ending.len()];
        }
    }
    for ending in ["о", "е", "ю"] {
        if chars >= 5 && word.ends_with(ending) {
            return &word[..word.len() - ending.len()];
        }
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusions_are_folded() {
        assert_eq!(normalize("Пам’ятка"), normalize("памятка"));
        assert_eq!(normalize("Пам'ятка"), normalize("пам`ятка"));
        assert_eq!(normalize("пароль від Дії!!! 😀"), "парол вид дии");
        assert_eq!(normalize("ещё"), normalize("еще"));
        // A Latin "о" and "а" inside a Cyrillic word.
        assert_eq!(normalize("пapoль"), normalize("пароль"));
    }

    #[test]
    fn word_chars_match_unicode() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(
                is_word_char(c),
                c.is_alphanumeric() || is_apostrophe(c),
                "{c:?}"
            );
        }
    }

    #[test]
    fn transliteration_and_stems_meet_cyrillic() {
        let latin = tokens("oplatyty");
        let cyrillic = tokens("оплатити");
        assert!(
            latin.iter().any(|t| cyrillic.contains(t)),
            "{latin:?} / {cyrillic:?}"
        );
        let a = tokens("паролем");
        let b = tokens("пароль");
        let shared = a.iter().filter(|t| b.contains(t)).count();
        assert!(shared >= 3, "{a:?} / {b:?}");
    }
}
