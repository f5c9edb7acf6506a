//! Ways to ask FAQ entries that are not written in the entries themselves:
//! the `[[phrasings]]` tables of FAQ files (what `pomichnyk faq export`
//! writes), and the phrasings librarians accepted in `/faq_review`, which the
//! bot keeps in its database (the deployed content folder is read-only to it)
//! and adds to the content it serves with [`Script::with_phrasings`].
//!
//! Both go through [`Phrasebook::add`], so a phrasing from the database is
//! held to the same rules as one in a file: its entry must exist, its language
//! must be configured, and it must not already be a way to ask another entry.

use std::collections::HashMap;

use super::{FaqEntry, Script};

/// The longest phrasing, in characters (as long as a kept question).
pub const MAX_PHRASING: usize = 500;

/// One way to ask an entry, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrasing {
    /// The entry's id.
    pub entry: String,
    /// A language code of `locale.languages`.
    pub lang: String,
    pub text: String,
}

/// Why a phrasing cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("there is no FAQ entry \"{0}\"")]
    NoEntry(String),
    #[error("language \"{0}\" is not in locale.languages")]
    NoLanguage(String),
    #[error("the phrasing is empty (or only stop words and signs)")]
    Empty,
    #[error("the phrasing is over {MAX_PHRASING} characters")]
    TooLong,
    #[error("\"{text}\" is already a way to ask FAQ \"{other}\"; one question cannot lead to two answers")]
    OtherEntry { text: String, other: String },
}

/// What adding a phrasing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    Added,
    /// The entry already has it (after folding case, apostrophes and the like).
    AlreadyThere,
}

/// The phrasings of a set of entries, to add more without duplicates or conflicts.
pub struct Phrasebook<'a> {
    faq: &'a mut [FaqEntry],
    languages: &'a [String],
    /// Each phrasing, folded ([`crate::faq::normalize`]) → its entry.
    seen: HashMap<String, usize>,
    ids: HashMap<String, usize>,
}

impl<'a> Phrasebook<'a> {
    pub fn new(faq: &'a mut [FaqEntry], languages: &'a [String]) -> Phrasebook<'a> {
        let mut seen = HashMap::new();
        let mut ids = HashMap::new();
        for (i, entry) in faq.iter().enumerate() {
            ids.insert(entry.id.clone(), i);
            for q in entry.questions.iter().flatten() {
                seen.entry(crate::faq::normalize(q)).or_insert(i);
            }
        }
        Phrasebook {
            faq,
            languages,
            seen,
            ids,
        }
    }

    /// Adds `text` as a way to ask `entry` in `lang`.
    pub fn add(&mut self, entry: &str, lang: &str, text: &str) -> Result<Added, Refused> {
        let &i = self
            .ids
            .get(entry)
            .ok_or_else(|| Refused::NoEntry(entry.to_string()))?;
        let l = self
            .languages
            .iter()
            .position(|x| x == lang)
            .ok_or_else(|| Refused::NoLanguage(lang.to_string()))?;
        let text = text.trim();
        if text.chars().count() > MAX_PHRASING {
            return Err(Refused::TooLong);
        }
        let folded = crate::faq::normalize(text);
        if crate::faq::Synonyms::key(text).is_empty() {
            return Err(Refused::Empty);
        }
        match self.seen.get(&folded) {
            Some(&j) if j == i => return Ok(Added::AlreadyThere),
            Some(&j) => {
                return Err(Refused::OtherEntry {
                    text: text.to_string(),
                    other: self.faq[j].id.clone(),
                })
            }
            None => {}
        }
        self.seen.insert(folded, i);
        self.faq[i].questions[l].push(text.to_string());
        Ok(Added::Added)
    }
}

impl Script {
    /// This content with more ways to ask its entries (the phrasings
    /// librarians accepted), its FAQ index built again. Each phrasing the
    /// content cannot take (its entry is gone, it asks another entry now) is
    /// left out and answered with the reason.
    pub fn with_phrasings<'p>(
        &self,
        phrasings: &'p [Phrasing],
    ) -> (Script, Vec<(&'p Phrasing, Refused)>) {
        let mut script = self.clone();
        let mut refused = Vec::new();
        let mut book = Phrasebook::new(&mut script.faq, &self.languages);
        for p in phrasings {
            if let Err(why) = book.add(&p.entry, &p.lang, &p.text) {
                refused.push((p, why));
            }
        }
        script.faq_index = crate::faq::FaqIndex::with_synonyms(&script.faq, &script.synonyms);
        (script, refused)
    }

    /// Whether `text` is already a way to ask entry `entry` (folded as the index folds it).
    pub fn asks(&self, entry: &str, text: &str) -> bool {
        let folded = crate::faq::normalize(text);
        self.faq_entry(entry).is_some_and(|i| {
            self.faq[i]
                .questions
                .iter()
                .flatten()
                .any(|q| crate::faq::normalize(q) == folded)
        })
    }
}

/// Phrasings as a FAQ file's `[[phrasings]]` tables, one per entry, in the
/// order given (grouped by entry, each entry's languages in `languages`'
/// order): what `pomichnyk faq export` prints.
pub fn to_toml(phrasings: &[Phrasing], languages: &[String]) -> String {
    let mut entries: Vec<&str> = Vec::new();
    for p in phrasings {
        if !entries.contains(&p.entry.as_str()) {
            entries.push(&p.entry);
        }
    }
    let mut out = String::new();
    for entry in entries {
        out.push_str("\n[[phrasings]]\n");
        out.push_str(&format!("entry = {}\n", quoted(entry)));
        let mut langs: Vec<&str> = Vec::new();
        for p in phrasings.iter().filter(|p| p.entry == entry) {
            if !langs.contains(&p.lang.as_str()) {
                langs.push(&p.lang);
            }
        }
        langs.sort_by_key(|l| languages.iter().position(|x| x == l).unwrap_or(usize::MAX));
        for lang in langs {
            let texts: Vec<String> = phrasings
                .iter()
                .filter(|p| p.entry == entry && p.lang == lang)
                .map(|p| quoted(p.text.trim()))
                .collect();
            let key = if lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                lang.to_string()
            } else {
                quoted(lang)
            };
            out.push_str(&format!("questions.{key} = [{}]\n", texts.join(", ")));
        }
    }
    out
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_phrasings_are_toml_that_reads_back() {
        let phrasings = vec![
            Phrasing {
                entry: "diia_signin".into(),
                lang: "en".into(),
                text: "how do i get \"into\" diia".into(),
            },
            Phrasing {
                entry: "diia_signin".into(),
                lang: "uk".into(),
                text: "як мені в дію залізти\\".into(),
            },
        ];
        let text = to_toml(&phrasings, &["uk".to_string(), "en".to_string()]);
        let file: super::super::file::FaqFile = toml::from_str(&text).expect("valid TOML");
        assert_eq!(file.phrasings.len(), 1);
        let p = file.phrasings[0].get_ref();
        assert_eq!(p.entry.get_ref(), "diia_signin");
        let uk = &p.questions.get_ref()["uk"];
        assert_eq!(uk[0].get_ref(), "як мені в дію залізти\\");
        let en = &p.questions.get_ref()["en"];
        assert_eq!(en[0].get_ref(), "how do i get \"into\" diia");
        // Languages in the configured order.
        assert!(text.find("questions.uk").unwrap_or(0) < text.find("questions.en").unwrap_or(0));
    }
}
