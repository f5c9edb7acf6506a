//! `glossary.toml`: the words the lessons use (QR-код, застосунок, посилання …),
//! each explained in one plain sentence, in every language.
//!
//! A resident opens the glossary with «📖 Словничок» in the lessons menu and
//! taps a word, or types «що таке QR-код?» anywhere; a lesson step whose text
//! uses a word for the first time in the lesson gets a «❓ Що таке …?» button.
//! All of it is pure: the words are matched here, the engine shows them.

use std::collections::{BTreeMap, HashMap};

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::Source;
use super::fields::{Id, Localized};
use super::file::LocalizedFile;
use super::{valid_id, Text};

/// The file, at the top of the content folder.
pub const GLOSSARY_FILE: &str = "glossary.toml";
/// A longer meaning is not "one plain sentence" (a warning).
pub const MEANING_WARN_CHARS: usize = 220;
/// Telegram shows at most this much on one button; a word is a button label.
pub const WORD_MAX_CHARS: usize = 40;
/// What stands for the word in an `ask` pattern.
pub const GAP: &str = "…";

/// `glossary.toml` as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GlossaryFile {
    /// How residents ask what a word means, per language, with "…" where the word goes:
    /// `ask.uk = ["що таке …", "що означає …"]`. A typed question of this shape, or the word
    /// alone, is answered from the glossary.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub ask: BTreeMap<String, Vec<Spanned<String>>>,
    /// The words, one `[[words]]` table each, in the order the glossary lists them.
    #[serde(default)]
    #[schemars(with = "Vec<WordFile>")]
    pub words: Vec<Spanned<WordFile>>,
}

/// One word and its meaning.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WordFile {
    /// The word's short name, used by its button; unique.
    #[schemars(with = "Id")]
    pub id: Spanned<String>,
    /// The word as the glossary shows it, in each language (at most 40 characters).
    #[schemars(with = "Localized")]
    pub word: LocalizedFile,
    /// Other ways the word is written or inflected, per language (`also.uk = ["застосунку",
    /// "застосунки"]`): typed questions and lesson texts are matched on these too.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub also: BTreeMap<String, Vec<Spanned<String>>>,
    /// What it means, in one plain sentence, in each language.
    #[schemars(with = "Localized")]
    pub meaning: LocalizedFile,
}

/// The checked glossary.
#[derive(Debug, Clone, Default)]
pub struct Glossary {
    pub words: Vec<Word>,
    /// Per language: the `ask` patterns, folded, as (before the word, after it).
    pub ask: Vec<Vec<(String, String)>>,
    /// Per language: every folded form, to the word it names.
    forms: Vec<HashMap<String, usize>>,
}

#[derive(Debug, Clone)]
pub struct Word {
    pub id: String,
    pub word: Text,
    pub meaning: Text,
    /// Per language: the word and its other forms, folded.
    pub forms: Vec<Vec<String>>,
}

/// Lower case, apostrophes alike, anything but letters and digits a space,
/// spaces single: «QR-код?» → "qr код".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            '’' | 'ʼ' | '`' | '\'' => '\'',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        out.push(c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Glossary {
    pub fn word(&self, id: &str) -> Option<(usize, &Word)> {
        self.words.iter().enumerate().find(|(_, w)| w.id == id)
    }

    /// The word a typed text asks about in language `lang`: the word alone
    /// («QR-код»), or in one of the `ask` patterns («що таке QR-код?»).
    pub fn lookup(&self, text: &str, lang: usize) -> Option<&Word> {
        let folded = fold(text);
        let forms = self.forms.get(lang)?;
        if let Some(&i) = forms.get(&folded) {
            return self.words.get(i);
        }
        self.ask.get(lang)?.iter().find_map(|(before, after)| {
            let rest = folded.strip_prefix(before.as_str())?;
            let rest = rest.strip_suffix(after.as_str())?;
            forms.get(rest.trim()).and_then(|&i| self.words.get(i))
        })
    }

    /// The words a text uses in language `lang`, by index, each once, in the
    /// order of the glossary (whole words only: "код" is not in "кодекс").
    pub fn used_in(&self, text: &str, lang: usize) -> Vec<usize> {
        let folded = format!(" {} ", fold(text));
        self.words
            .iter()
            .enumerate()
            .filter(|(_, w)| {
                w.forms
                    .get(lang)
                    .is_some_and(|forms| forms.iter().any(|f| folded.contains(&format!(" {f} "))))
            })
            .map(|(i, _)| i)
            .collect()
    }
}

impl super::load::Checker<'_> {
    /// Checks `glossary.toml`: ids, every word and meaning in every language,
    /// no form naming two words, `ask` patterns with one "…".
    pub(super) fn glossary(&mut self, src: &Source, file: GlossaryFile) -> Glossary {
        let languages = self.languages.to_vec();
        let mut glossary = Glossary {
            ask: vec![Vec::new(); languages.len()],
            forms: vec![HashMap::new(); languages.len()],
            ..Glossary::default()
        };
        for (lang, patterns) in &file.ask {
            let Some(l) = languages.iter().position(|x| x == lang) else {
                if let Some(p) = patterns.first() {
                    self.warning(
                        src,
                        p.span(),
                        format!(
                            "ask: language \"{lang}\" is not in locale.languages; it is never used"
                        ),
                    );
                }
                continue;
            };
            for p in patterns {
                let parts: Vec<&str> = p.get_ref().split(GAP).collect();
                match parts.as_slice() {
                    [before, after] => glossary.ask[l].push((fold(before), fold(after))),
                    _ => self.error(
                        src,
                        p.span(),
                        format!(
                            "ask ({lang}): \"{}\" needs one \"{GAP}\" where the word goes",
                            p.get_ref()
                        ),
                    ),
                }
            }
        }
        let mut ids: HashMap<String, ()> = HashMap::new();
        for spanned in &file.words {
            let w = spanned.get_ref();
            let id = w.id.get_ref();
            if !valid_id(id) {
                self.error(
                    src,
                    w.id.span(),
                    format!(
                        "word id \"{id}\": use a-z, 0-9 and _, at most {} characters",
                        super::MAX_ID_LEN
                    ),
                );
            }
            if ids.insert(id.clone(), ()).is_some() {
                self.error(src, w.id.span(), format!("word id \"{id}\" is used twice"));
            }
            let what = format!("word \"{id}\"");
            let word = self.text(src, &w.word, &format!("{what}: word"));
            let meaning = self.text(src, &w.meaning, &format!("{what}: meaning"));
            for (lang, t) in w.word.get_ref() {
                let chars = t.get_ref().chars().count();
                if chars > WORD_MAX_CHARS {
                    self.error(
                        src,
                        t.span(),
                        format!("{what}: word ({lang}) has {chars} characters; a button shows {WORD_MAX_CHARS}"),
                    );
                }
            }
            for (lang, t) in w.meaning.get_ref() {
                let chars = t.get_ref().chars().count();
                if chars > MEANING_WARN_CHARS {
                    self.warning(
                        src,
                        t.span(),
                        format!("{what}: meaning ({lang}) has {chars} characters; explain it in one short sentence (at most {MEANING_WARN_CHARS})"),
                    );
                }
            }
            let index = glossary.words.len();
            let mut forms = vec![Vec::new(); languages.len()];
            for (l, lang) in languages.iter().enumerate() {
                let spans = w
                    .word
                    .get_ref()
                    .get(lang)
                    .into_iter()
                    .chain(w.also.get(lang).into_iter().flatten());
                for form in spans {
                    let folded = fold(form.get_ref());
                    if folded.is_empty() {
                        self.error(
                            src,
                            form.span(),
                            format!("{what}: a form ({lang}) with no letters"),
                        );
                        continue;
                    }
                    match glossary.forms[l].get(&folded) {
                        Some(&other) if other != index => {
                            let other = &glossary.words[other].id;
                            self.error(
                                src,
                                form.span(),
                                format!(
                                    "{what}: \"{}\" ({lang}) already names word \"{other}\"",
                                    form.get_ref()
                                ),
                            );
                        }
                        Some(_) => {}
                        None => {
                            glossary.forms[l].insert(folded.clone(), index);
                            forms[l].push(folded);
                        }
                    }
                }
            }
            for lang in w.also.keys() {
                if !languages.contains(lang) {
                    self.warning(
                        src,
                        w.id.span(),
                        format!("{what}: also: language \"{lang}\" is not in locale.languages; it is never used"),
                    );
                }
            }
            glossary.words.push(Word {
                id: id.clone(),
                word,
                meaning,
                forms,
            });
        }
        glossary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glossary() -> Glossary {
        let word = |id: &str, forms: &[&str]| Word {
            id: id.into(),
            word: Text(vec![forms[0].into()]),
            meaning: Text(vec!["…".into()]),
            forms: vec![forms.iter().map(|f| fold(f)).collect()],
        };
        let words = vec![
            word("qr_code", &["QR-код", "qr"]),
            word("app", &["застосунок", "застосунку"]),
        ];
        let mut forms = HashMap::new();
        for (i, w) in words.iter().enumerate() {
            for f in &w.forms[0] {
                forms.insert(f.clone(), i);
            }
        }
        Glossary {
            words,
            ask: vec![vec![
                (fold("що таке"), String::new()),
                (fold("що означає слово"), String::new()),
            ]],
            forms: vec![forms],
        }
    }

    #[test]
    fn a_word_is_found_alone_or_asked_about_however_it_is_written() {
        let g = glossary();
        let id = |t: &str| g.lookup(t, 0).map(|w| w.id.clone());
        assert_eq!(id("QR-код"), Some("qr_code".into()));
        assert_eq!(id("  що таке qr код???"), Some("qr_code".into()));
        assert_eq!(id("Що означає слово «застосунок»?"), Some("app".into()));
        assert_eq!(id("що таке пенсія"), None);
        assert_eq!(id("як встановити застосунок"), None);
        assert_eq!(id("що таке"), None);
    }

    #[test]
    fn words_in_a_text_are_whole_words() {
        let g = glossary();
        assert_eq!(
            g.used_in("Встановіть застосунок. Наведіть на QR-код.", 0),
            vec![0, 1]
        );
        assert_eq!(g.used_in("У застосунку банку", 0), vec![1]);
        assert_eq!(g.used_in("Кодекс і застосунки", 0), Vec::<usize>::new());
    }
}
