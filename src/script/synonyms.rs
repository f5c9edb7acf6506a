//! `synonyms.toml`: groups of words residents use for the same thing, so that
//! the FAQ finds "комуналка" in an entry written with "комунальні послуги".
//!
//! The file's format (its serde type, which the editor schema is made from)
//! and its checks live here; `load.rs` only hands the file over and passes the
//! groups to [`crate::faq::FaqIndex::with_synonyms`].

use std::collections::HashMap;
use std::ops::Range;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::faq::Synonyms;

/// The file of synonyms, at the top of the content folder.
pub const SYNONYMS_FILE: &str = "synonyms.toml";

/// Groups of words that mean the same thing to residents.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SynonymsFile {
    /// One `[[group]]` table per thing, with the words residents use for it.
    #[serde(default)]
    #[schemars(with = "Vec<GroupFile>")]
    pub group: Vec<Spanned<GroupFile>>,
}

/// Words and short phrases that mean the same thing: a question with any of them finds the
/// FAQ entries that use any other. Write each word once, in any spelling residents use
/// (Ukrainian, Russian, Latin letters, English); the FAQ already reads different endings,
/// і/и, є/е and apostrophes as the same word, so one form of a word is enough.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupFile {
    /// The words or phrases, e.g. `["комуналка", "комунальні послуги", "квартплата"]`;
    /// at least two, each in one group only.
    #[schemars(with = "Vec<String>")]
    pub words: Spanned<Vec<Spanned<String>>>,
}

/// A problem in the synonyms file: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub span: Range<usize>,
    pub error: bool,
    pub message: String,
}

/// The groups of a parsed file, and the problems found in it. Groups with
/// errors are left out.
pub fn check(file: &SynonymsFile) -> (Synonyms, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut groups = Vec::new();
    // A word's key (as the FAQ reads it) → the word as written and its group's index.
    let mut seen: HashMap<String, (String, usize)> = HashMap::new();
    for (g, group) in file.group.iter().enumerate() {
        let words = group.get_ref().words.get_ref();
        if words.is_empty() {
            problems.push(Problem {
                span: group.get_ref().words.span(),
                error: true,
                message: "this group has no words: list at least two, or delete the group"
                    .to_string(),
            });
            continue;
        }
        let mut kept = Vec::new();
        for word in words {
            let text = word.get_ref().trim();
            let key = Synonyms::key(text);
            let error = |message: String| Problem {
                span: word.span(),
                error: true,
                message,
            };
            if key.is_empty() {
                problems.push(error(format!(
                    "\"{text}\" has no word the FAQ can search for (it is empty or too common)"
                )));
                continue;
            }
            match seen.get(&key) {
                Some((first, other)) if *other == g => problems.push(error(format!(
                    "\"{text}\" is already in this group (as \"{first}\"; the FAQ reads them as one word)"
                ))),
                Some((first, other)) => problems.push(error(format!(
                    "\"{text}\" is already in group {} (as \"{first}\"); a word may be in one group only",
                    other + 1
                ))),
                None => {
                    seen.insert(key, (text.to_string(), g));
                    kept.push(text.to_string());
                }
            }
        }
        if words.len() == 1 {
            problems.push(Problem {
                span: group.get_ref().words.span(),
                error: false,
                message: "a group of one word does nothing: add the words residents use for the same thing".to_string(),
            });
        }
        if kept.len() >= 2 {
            groups.push(kept);
        }
    }
    (Synonyms::new(groups), problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let file: SynonymsFile = toml::from_str(text).expect("valid TOML");
        check(&file).1.into_iter().map(|p| p.message).collect()
    }

    #[test]
    fn a_good_file_has_no_problems() {
        let text = "[[group]]\nwords = [\"комуналка\", \"комунальні послуги\"]\n\n[[group]]\nwords = [\"світло\", \"електроенергія\"]\n";
        let file: SynonymsFile = toml::from_str(text).expect("valid TOML");
        let (synonyms, problems) = check(&file);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(synonyms.groups().len(), 2);
    }

    #[test]
    fn empty_repeated_and_shared_words_are_errors() {
        let found = problems(
            "[[group]]\nwords = []\n\n[[group]]\nwords = [\"дія\", \"Дія\", \"diia\"]\n\n[[group]]\nwords = [\"світло\", \"diia\"]\n",
        );
        assert!(found[0].contains("no words"), "{found:?}");
        assert!(found[1].contains("already in this group"), "{found:?}");
        assert!(found[2].contains("already in group 2"), "{found:?}");
    }
}
