//! Answering questions typed in residents' own words from the FAQ files.
//!
//! Pure and in memory: [`FaqIndex::build`] indexes every phrasing of every
//! entry (all languages together, so a question typed in Russian, in Latin
//! letters or in English still finds its entry). A question is judged in two
//! stages:
//!
//! 1. BM25 (Okapi, k1 = 1.2, b = 0.75) over an inverted index of tokens ranks
//!    the entries: every word gives its lightly stripped stem and its
//!    character trigrams, so "паролем", "пароля" and "пороль" share most tokens
//!    with "пароль"; the answers' own words count too, at a lower weight.
//! 2. The best few are re-ranked word by word. Each content word of the
//!    question is looked up in the FAQ's own vocabulary: by its stem, by a
//!    synonym group ([`Synonyms`], from `dialogues/synonyms.toml`), or as a
//!    misspelling (trigram similarity, or a long shared beginning, with a word
//!    the FAQ uses). A word weighs its rarity across entries; a word the whole
//!    FAQ does not know weighs [`Tuning::unknown_weight`] (or half the mean of
//!    the known words, if more). An entry's *coverage* is the share of the
//!    question's weight its words account for; its *phrasing coverage* the
//!    share of one of its phrasings (or keywords) the question accounts for.
//!
//! The verdict ([`Tuning::verdict`]): an answer at once when the question,
//! folded, is a phrasing of exactly one entry (a phrasing librarians accepted
//! is so at once); otherwise nothing when little of the question is
//! known to the FAQ at all, or when the best entry shares no *topical* word
//! with it (a keyword, or a word only one topic's phrasings use: "скільки
//! коштує" frames questions of several topics and says nothing of bread) — the
//! bot then says so, with the librarian and the lessons, and offers no
//! unrelated choices; an answer at once when the calibrated confidence
//! ([`Tuning::sureness`]: a logistic model of the best entry's coverage, its
//! phrasing coverage and how far it leads the others) is high and the entry
//! covers enough of the question and of one of its phrasings, or when it covers
//! most of both and is clearly ahead of the next; otherwise up to three entries
//! close to the best, each covering enough of one of its phrasings, as choices.
//! The constants ([`Tuning::DEFAULT`]) were set on the tune half of
//! `tests/data/faq_eval*.toml` (the model's weights by logistic regression,
//! chosen by a cross-validation within the tune half) and are reported on the
//! test half.
//!
//! Before all that, [`normalize`] folds the usual confusions: case, the three
//! apostrophes, ё/е, і/и/ї/ы, є/е/э, Latin look-alike letters inside Cyrillic
//! words, and whole words in Latin letters are also read as transliterated
//! Ukrainian.

use rustc_hash::FxHashMap;

/// What the index reads of an FAQ entry; the content's
/// [`FaqEntry`](crate::script::FaqEntry) is one. (The index knows no more of the
/// content, so the content may build one without a circle of imports.)
pub trait Entry {
    /// The entry's topic (entries of one topic share topical words).
    fn topic(&self) -> &str;
    /// Phrasings of the question, per language.
    fn questions(&self) -> &[Vec<String>];
    /// Keywords, per language.
    fn keywords(&self) -> &[Vec<String>];
    /// The answer, per language.
    fn answers(&self) -> &[String];
}

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

/// Groups of words and phrases residents use for the same thing
/// ("комуналка", "комунальні послуги", "квартплата"): a question with one of
/// them finds entries written with another. Each member is one word or a few.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
}

impl Synonyms {
    pub fn new(groups: Vec<Vec<String>>) -> Synonyms {
        Synonyms { groups }
    }

    pub fn groups(&self) -> &[Vec<String>] {
        &self.groups
    }

    /// How a member is compared with other members and with questions: its
    /// words folded and stemmed, as the index reads them (empty when it has
    /// no word the index reads, e.g. only stop words).
    pub fn key(member: &str) -> String {
        let mut out = String::new();
        let mut folded = String::new();
        for word in words(member) {
            folded.clear();
            fold(word, &mut folded);
            if is_stop(&folded) {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(stem(&folded));
        }
        out
    }
}

/// The constants of the judgement, tuned on the tune half of the evaluation
/// (`cargo test --test faq_eval -- --ignored --nocapture tune`). Where several
/// settings scored within a question or two of the best on the tune half, the
/// more cautious one was kept (a higher weight for unknown words, topical words
/// required, misspellings sharing three trigrams): the tune half's out-of-scope
/// questions were all answered honestly either way, so it could not tell them
/// apart, and "I don't know" is the cheaper mistake for a resident. The margin was raised
/// from 0.05 to 0.15 when a third set of questions (`faq_eval_fresh.toml`, all tune half)
/// showed wrong direct answers that the first tune half had not: neighbouring entries of
/// one topic; 0.15 traded two right answers for two wrong ones, 0.2 cost more than it saved.
/// The calibrated confidence ([`Tuning::sure`], [`Tuning::sure_min`],
/// [`Tuning::sure_coverage`]) is fitted by `cargo test --test it faq_eval::calibrate --
/// --ignored --nocapture`: logistic regression on the tune half, its penalty, the least
/// coverage and whether the rule of `confident` and `margin` stays beside it chosen by a
/// 5-fold cross-validation within the tune half.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// The weight of a question word that no entry uses (as if rarer than any).
    pub unknown_weight: f32,
    /// …or this share of the mean weight of the question's known words, if more.
    pub unknown_mean: f32,
    /// The least trigram similarity (Dice) for a misspelt word to count as a FAQ word.
    pub fuzzy_min: f32,
    /// How much a word found only in an entry's answer counts (phrasings count 1).
    pub answer_weight: f32,
    /// How much the BM25 score (relative to the best) adds to coverage when ranking.
    pub bm25_weight: f32,
    /// Below this share of the question known to the FAQ at all: nothing.
    pub known_min: f32,
    /// At or above this coverage the best entry may be answered at once…
    pub confident: f32,
    /// …when it is at least this far ahead of the next entry.
    pub margin: f32,
    /// At or above this coverage entries are offered as choices.
    pub close: f32,
    /// Choices are entries at most this far behind the best one.
    pub close_gap: f32,
    /// How much the share of the best phrasing covered adds when ranking.
    pub phrasing_weight: f32,
    /// An answer at once needs at least this share of one of the entry's phrasings covered.
    pub phrasing_min: f32,
    /// Choices need at least this share of one of their phrasings covered.
    pub phrasing_close: f32,
    /// A word the phrasings of this many topics (or more) use frames a question ("скільки
    /// коштує", "як зробити") rather than saying what it is about; a question must share a
    /// word that is not such a frame, or a keyword, with its entry (0: no such rule).
    pub frame_spread: usize,
    /// The margin is to the next entry covering at least this much (0: the next entry).
    pub runner_min: f32,
    /// A misspelt word sharing a beginning of at least this many letters (and most of
    /// its length) with a FAQ word counts as that word with [`Tuning::prefix_sim`].
    pub prefix_len: usize,
    pub prefix_sim: f32,
    /// The weights of the calibrated confidence ([`Tuning::sureness`]), one per
    /// [`Judgement::features`], fitted on the tune half by logistic regression.
    pub sure: [f32; FEATURES],
    /// At or above this sureness the best entry is answered at once, provided the
    /// question is known and shares a topical word with it, and it covers at least
    /// [`Tuning::sure_coverage`] of the question and [`Tuning::phrasing_min`] of one
    /// of its phrasings.
    pub sure_min: f32,
    /// The least coverage of the question for an answer at once by sureness.
    pub sure_coverage: f32,
}

impl Tuning {
    pub const DEFAULT: Tuning = Tuning {
        unknown_weight: 1.5,
        unknown_mean: 0.5,
        fuzzy_min: 0.5,
        answer_weight: 0.3,
        bm25_weight: 1.0,
        known_min: 0.7,
        confident: 0.5,
        margin: 0.15,
        close: 0.5,
        close_gap: 0.25,
        phrasing_weight: 0.3,
        phrasing_min: 0.4,
        phrasing_close: 0.4,
        frame_spread: 2,
        runner_min: 0.5,
        prefix_len: 5,
        prefix_sim: 0.8,
        sure: [
            -1.0786618,
            0.7815308,
            0.80058056,
            1.4145722,
            0.22788213,
            0.90526235,
            0.49895012,
            -0.108856976,
            0.20222911,
            0.39172646,
        ],
        sure_min: 0.89,
        sure_coverage: 0.3,
    };
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning::DEFAULT
    }
}

/// How much an answer's own words count against a phrasing's (BM25 stage).
const ANSWER_WEIGHT: f32 = 0.75;
/// How many entries of the BM25 ranking the second stage looks at.
const CANDIDATES: usize = 12;

/// BM25's term-frequency saturation.
const K1: f32 = 1.2;
/// BM25's document-length normalisation.
const B: f32 = 0.75;

/// The searchable FAQ, rebuilt whenever the content is loaded.
#[derive(Debug, Clone)]
pub struct FaqIndex {
    /// Token → its id.
    vocabulary: FxHashMap<String, u32>,
    /// Per token id: the documents holding it, with the token's BM25 weight there.
    postings: Vec<Vec<(u32, f32)>>,
    /// Per token id: its inverse document frequency.
    idf: Vec<f32>,
    /// Per document: the entry it belongs to, and how much it counts.
    owner: Vec<(usize, f32)>,
    /// The words of the FAQ, for the second stage.
    lexicon: Lexicon,
    /// Each phrasing, folded ([`normalize`]) → its entry ([`u32::MAX`]: of several entries).
    exact: FxHashMap<String, u32>,
}

impl FaqIndex {
    /// The index of these entries, without synonyms.
    pub fn build<E: Entry>(entries: &[E]) -> FaqIndex {
        FaqIndex::with_synonyms(entries, &Synonyms::default())
    }

    /// The index of these entries; a word of a synonym group finds the entries
    /// that use any word of the group.
    pub fn with_synonyms<E: Entry>(entries: &[E], synonyms: &Synonyms) -> FaqIndex {
        // Each phrasing (with its entry's keywords) is a document, and so is each answer.
        let mut interner = Interner::default();
        // All documents' token ids back to back (repeats kept), and per document:
        // its entry, its weight and where its ids end.
        let mut ids: Vec<u32> = Vec::new();
        let mut documents: Vec<(usize, f32, usize)> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let keywords = entry.keywords().iter().flatten();
            for phrasing in entry.questions().iter().flatten() {
                // The words of "{phrasing} {keywords}", without building that text.
                interner.push_text(phrasing, &mut ids);
                for keyword in keywords.clone() {
                    interner.push_text(keyword, &mut ids);
                }
                documents.push((i, 1.0, ids.len()));
            }
            for answer in entry.answers() {
                interner.push_text(answer, &mut ids);
                documents.push((i, ANSWER_WEIGHT, ids.len()));
            }
        }
        let mut exact: FxHashMap<String, u32> = FxHashMap::default();
        for (i, entry) in entries.iter().enumerate() {
            for phrasing in entry.questions().iter().flatten() {
                let e = exact.entry(normalize(phrasing)).or_insert(i as u32);
                if *e != i as u32 {
                    *e = u32::MAX;
                }
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
            lexicon: Lexicon::build(entries, synonyms),
            exact,
        }
    }

    /// Entries ranked by BM25 alone, best first, each once (its best document).
    fn bm25(&self, question: &str) -> Vec<Ranked> {
        let mut scores: FxHashMap<u32, f32> = FxHashMap::default();
        each_token(question, |token| {
            if let Some(&id) = self.vocabulary.get(token) {
                let idf = self.idf[id as usize];
                for &(doc, weight) in &self.postings[id as usize] {
                    *scores.entry(doc).or_insert(0.0) += idf * weight;
                }
            }
        });
        let mut best: FxHashMap<usize, f32> = FxHashMap::default();
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
        ranked
    }

    /// Entries ranked for a question, best first: the score is the entry's
    /// coverage of the question plus a share of its BM25 score.
    pub fn search(&self, question: &str, limit: usize) -> Vec<Ranked> {
        let mut ranked = self.judgement(question, &Tuning::DEFAULT).ranked;
        ranked.truncate(limit);
        ranked
    }

    /// What to do with a question: answer, offer choices, or say nothing fits.
    pub fn judge(&self, question: &str) -> Verdict {
        self.judge_tuned(question, &Tuning::DEFAULT)
    }

    /// [`FaqIndex::judge`] with other constants (for tuning them).
    pub fn judge_tuned(&self, question: &str, tuning: &Tuning) -> Verdict {
        tuning.verdict(&self.judgement(question, tuning))
    }

    /// Both stages: the candidates of BM25 (and of synonyms) re-ranked by
    /// coverage, with each one's coverage, and how much of the question the
    /// FAQ knows at all.
    pub fn judgement(&self, question: &str, tuning: &Tuning) -> Judgement {
        let query = self.lexicon.query(question, tuning);
        let bm25 = self.bm25(question);
        let top_bm25 = bm25.first().map_or(1.0, |r| r.score.max(f32::MIN_POSITIVE));
        let mut candidates: Vec<(usize, f32)> = bm25
            .iter()
            .take(CANDIDATES)
            .map(|r| (r.entry, r.score / top_bm25))
            .collect();
        for entry in self.lexicon.synonym_entries(&query) {
            if !candidates.iter().any(|&(e, _)| e == entry) {
                candidates.push((entry, 0.0));
            }
        }
        let mut keys: FxHashMap<u32, f32> = FxHashMap::default();
        for &(k, sim) in query.words.iter().flat_map(|w| &w.keys) {
            let e = keys.entry(k).or_insert(0.0);
            *e = e.max(sim);
        }
        let mut scored: Vec<(Ranked, f32, f32, bool, f32)> = candidates
            .into_iter()
            .map(|(entry, relative)| {
                let (coverage, topical) = self.lexicon.coverage(&query, entry as u32, tuning);
                let side = self.lexicon.phrasing_coverage(&keys, entry);
                let score =
                    coverage + tuning.bm25_weight * relative + tuning.phrasing_weight * side;
                (Ranked { entry, score }, coverage, side, topical, relative)
            })
            .collect();
        scored.sort_by(|a, b| {
            b.0.score
                .total_cmp(&a.0.score)
                .then(a.0.entry.cmp(&b.0.entry))
        });
        let mut ranked = Vec::with_capacity(scored.len());
        let mut coverage = Vec::with_capacity(scored.len());
        let mut phrasing = Vec::with_capacity(scored.len());
        let mut topical = Vec::with_capacity(scored.len());
        let mut bm25 = Vec::with_capacity(scored.len());
        for (r, c, p, t, b) in scored {
            ranked.push(r);
            coverage.push(c);
            phrasing.push(p);
            topical.push(t);
            bm25.push(b);
        }
        let exact = self
            .exact
            .get(&normalize(question))
            .filter(|&&e| e != u32::MAX)
            .map(|&e| e as usize);
        Judgement {
            exact,
            ranked,
            coverage,
            phrasing,
            topical,
            bm25,
            known: query.known(),
            weight: query.words.iter().map(|w| w.weight).sum(),
        }
    }
}

/// What the two stages found for a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// The one entry that has the question itself (folded) as a phrasing, if
    /// exactly one has: a phrasing librarians accepted is answered at once.
    pub exact: Option<usize>,
    /// The candidates, best first.
    pub ranked: Vec<Ranked>,
    /// Per ranked entry, its coverage of the question (0 to 1).
    pub coverage: Vec<f32>,
    /// Per ranked entry, how much of its best phrasing the question covers (0 to 1).
    pub phrasing: Vec<f32>,
    /// Per ranked entry, whether a word it shares with the question is topical.
    pub topical: Vec<bool>,
    /// Per ranked entry, its BM25 score relative to the best BM25 score (0 to 1).
    pub bm25: Vec<f32>,
    /// The share of the question's weight the FAQ knows at all (0 to 1).
    pub known: f32,
    /// The question's weight: its content words' weights added up.
    pub weight: f32,
}

/// How many numbers [`Judgement::features`] gives.
pub const FEATURES: usize = 10;

impl Judgement {
    /// What the calibrated confidence ([`Tuning::sureness`]) reads of a judgement,
    /// about its best entry and how far it is ahead of the others: a constant 1, the
    /// best entry's coverage and phrasing coverage, its lead in score, the share of
    /// the question the FAQ knows, its lead in coverage and in phrasing coverage over
    /// the next three, its relative BM25 score and lead in it over the next, and the
    /// question's weight (logarithm).
    pub fn features(&self) -> [f32; FEATURES] {
        let get = |v: &[f32], i: usize| v.get(i).copied().unwrap_or(0.0);
        let score = |i: usize| self.ranked.get(i).map_or(0.0, |r| r.score);
        let rest = |v: &[f32]| v.iter().skip(1).take(3).copied().fold(0.0f32, f32::max);
        let (c, p, b) = (&self.coverage, &self.phrasing, &self.bm25);
        [
            1.0,
            get(c, 0),
            get(p, 0),
            score(0) - score(1),
            self.known,
            get(c, 0) - rest(c),
            get(p, 0) - rest(p),
            get(b, 0),
            get(b, 0) - get(b, 1),
            (1.0 + self.weight).ln(),
        ]
    }
}

impl Tuning {
    /// How likely the best entry is the right one (0 to 1): a logistic model of
    /// [`Judgement::features`] with the weights [`Tuning::sure`].
    pub fn sureness(&self, judgement: &Judgement) -> f32 {
        let z: f32 = judgement
            .features()
            .iter()
            .zip(&self.sure)
            .map(|(f, w)| f * w)
            .sum();
        1.0 / (1.0 + (-z).exp())
    }

    /// What to do with a question, from what the two stages found.
    pub fn verdict(&self, judgement: &Judgement) -> Verdict {
        let Judgement {
            exact,
            ranked,
            coverage,
            phrasing,
            topical,
            known,
            ..
        } = judgement;
        if let Some(entry) = exact {
            return Verdict::Confident(*entry);
        }
        let (Some(top), Some(&best)) = (ranked.first(), coverage.first()) else {
            return Verdict::Nothing;
        };
        if *known < self.known_min || !topical.first().copied().unwrap_or(false) {
            return Verdict::Nothing;
        }
        let side = phrasing.first().copied().unwrap_or(0.0);
        if best >= self.sure_coverage
            && side >= self.phrasing_min
            && self.sureness(judgement) >= self.sure_min
        {
            return Verdict::Confident(top.entry);
        }
        if best < self.close {
            return Verdict::Nothing;
        }
        let runner_up = ranked
            .iter()
            .zip(coverage)
            .skip(1)
            .find(|(_, &c)| c >= self.runner_min)
            .map_or(0.0, |(r, _)| r.score);
        if best >= self.confident
            && side >= self.phrasing_min
            && top.score - runner_up >= self.margin
        {
            return Verdict::Confident(top.entry);
        }
        let choices: Vec<usize> = ranked
            .iter()
            .zip(coverage)
            .take(3)
            .zip(phrasing)
            .filter(|((r, &c), &p)| {
                c >= self.close && p >= self.phrasing_close && top.score - r.score <= self.close_gap
            })
            .map(|((r, _), _)| r.entry)
            .collect();
        if choices.is_empty() {
            Verdict::Nothing
        } else {
            Verdict::Close(choices)
        }
    }
}

/// The FAQ's words for the second stage: each word's stem is a *key*; a synonym
/// group is a key too, held by every entry that uses one of its members.
#[derive(Debug, Clone, Default)]
struct Lexicon {
    /// Stem (or "=N" for synonym group N) → key id.
    keys: FxHashMap<String, u32>,
    /// Per key: the entries that use it, in entry order, with whether in a
    /// phrasing or keyword (true) or only in the answer (false).
    key_entries: Vec<Vec<(u32, bool)>>,
    /// Per key: its inverse entry frequency.
    key_idf: Vec<f32>,
    /// Per key: how many topics' phrasings use it (0 for a keyword: always topical).
    key_spread: Vec<u8>,
    /// Folded word form → form id.
    forms: FxHashMap<String, u32>,
    /// Per form: its key, and how many trigrams it has.
    form_info: Vec<(u32, u32)>,
    /// Per form: the form.
    form_text: Vec<String>,
    /// Trigram → the forms that have it.
    trigram_forms: FxHashMap<[char; 3], Vec<u32>>,
    /// Key of a one-word synonym → its group's key.
    single: FxHashMap<u32, u32>,
    /// Synonyms of several words: their keys in order → the group's key.
    phrases: Vec<(Vec<u32>, u32)>,
    /// First key of a synonym of several words → its place in `phrases`.
    phrase_starts: FxHashMap<u32, Vec<usize>>,
    /// How many synonym groups there are (their keys are 0..groups).
    groups: u32,
    /// Per entry, its phrasings and keywords, each as its words, each word as
    /// its keys (its own and its synonym groups').
    phrasings: Vec<Vec<Vec<Vec<u32>>>>,
}

/// A question's content words, each with the keys it may mean.
struct Query {
    words: Vec<QueryWord>,
}

struct QueryWord {
    /// How much the word counts.
    weight: f32,
    /// Keys it may mean, with how sure (1 for its own stem or a synonym).
    keys: Vec<(u32, f32)>,
}

impl Query {
    /// The share of the question's weight the FAQ knows at all.
    fn known(&self) -> f32 {
        let total: f32 = self.words.iter().map(|w| w.weight).sum();
        if total <= 0.0 {
            return 0.0;
        }
        let known: f32 = self
            .words
            .iter()
            .map(|w| w.weight * w.keys.iter().map(|k| k.1).fold(0.0, f32::max))
            .sum();
        known / total
    }
}

impl Lexicon {
    fn build<E: Entry>(entries: &[E], synonyms: &Synonyms) -> Lexicon {
        let mut lx = Lexicon::default();
        // Synonym groups first, so they are keys 0..n, and so their members are
        // keys whether or not an entry uses them.
        for g in 0..synonyms.groups().len() {
            lx.key(&format!("={g}"));
        }
        lx.groups = synonyms.groups().len() as u32;
        // Each distinct word as written → its keys (most words repeat).
        let mut cache: FxHashMap<&str, Option<Alts>> = FxHashMap::default();
        let mut seq: Vec<Alts> = Vec::new();
        for (g, group) in synonyms.groups().iter().enumerate() {
            let group_key = g as u32;
            for member in group {
                seq.clear();
                lx.text_keys(member, &mut seq, &mut cache);
                match seq.as_slice() {
                    [] => {}
                    [one] => {
                        for k in alts(one) {
                            lx.single.insert(k, group_key);
                        }
                    }
                    many => {
                        let first: Vec<u32> = many.iter().map(|a| a[0]).collect();
                        lx.phrase_starts
                            .entry(first[0])
                            .or_default()
                            .push(lx.phrases.len());
                        lx.phrases.push((first, group_key));
                    }
                }
            }
        }
        // Per entry, the keys it uses: key → in a phrasing or keyword.
        let mut uses: FxHashMap<u32, bool> = FxHashMap::default();
        let mut groups: Vec<u32> = Vec::new();
        // Per key: the topics of the entries whose phrasings use it, and whether
        // some entry has it as a keyword.
        let mut topics: Vec<Vec<&str>> = Vec::new();
        let mut keyword: Vec<bool> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            uses.clear();
            for text in entry.keywords().iter().flatten() {
                seq.clear();
                lx.text_keys(text, &mut seq, &mut cache);
                groups.clear();
                lx.groups_of(&seq, &mut groups);
                for k in groups.iter().copied().chain(seq.iter().flat_map(alts)) {
                    if keyword.len() <= k as usize {
                        keyword.resize(k as usize + 1, false);
                    }
                    keyword[k as usize] = true;
                }
            }
            let phrasings = entry.questions().iter().flatten();
            let keywords = entry.keywords().iter().flatten();
            let mut docs = Vec::new();
            for (text, asked) in phrasings
                .chain(keywords)
                .map(|t| (t, true))
                .chain(entry.answers().iter().map(|t| (t, false)))
            {
                seq.clear();
                lx.text_keys(text, &mut seq, &mut cache);
                groups.clear();
                lx.groups_of(&seq, &mut groups);
                for k in groups.iter().copied().chain(seq.iter().flat_map(alts)) {
                    let e = uses.entry(k).or_insert(asked);
                    *e |= asked;
                }
                if asked && !seq.is_empty() {
                    docs.push(lx.slots(&seq));
                }
            }
            lx.phrasings.push(docs);
            for (&k, &asked) in &uses {
                lx.key_entries[k as usize].push((i as u32, asked));
                if asked {
                    if topics.len() <= k as usize {
                        topics.resize(k as usize + 1, Vec::new());
                    }
                    let t = &mut topics[k as usize];
                    if !t.contains(&entry.topic()) {
                        t.push(entry.topic());
                    }
                }
            }
        }
        lx.key_spread = (0..lx.key_entries.len())
            .map(|k| {
                if keyword.get(k).copied().unwrap_or(false) {
                    0
                } else {
                    topics.get(k).map_or(0, |t| t.len().min(255) as u8)
                }
            })
            .collect();
        for list in &mut lx.key_entries {
            list.sort_unstable_by_key(|&(e, _)| e);
        }
        let n = entries.len() as f32;
        lx.key_idf = lx
            .key_entries
            .iter()
            .map(|list| ((n + 1.0) / (list.len() as f32 + 0.5)).ln().max(0.1))
            .collect();
        lx
    }

    fn key(&mut self, stem: &str) -> u32 {
        if let Some(&k) = self.keys.get(stem) {
            return k;
        }
        let k = self.keys.len() as u32;
        self.keys.insert(stem.to_string(), k);
        self.key_entries.push(Vec::new());
        k
    }

    /// Appends a text's content words to `seq`, each as its keys (a word in
    /// Latin letters also as transliterated); new words become forms for the
    /// fuzzy lookup.
    fn text_keys<'t>(
        &mut self,
        text: &'t str,
        seq: &mut Vec<Alts>,
        cache: &mut FxHashMap<&'t str, Option<Alts>>,
    ) {
        let mut folded = String::new();
        for word in words(text) {
            if let Some(known) = cache.get(word) {
                seq.extend(known);
                continue;
            }
            folded.clear();
            fold(word, &mut folded);
            let keys = if is_stop(&folded) {
                None
            } else {
                let mut keys = [NO_KEY; 2];
                for (i, form) in forms_of(&folded).enumerate().take(2) {
                    let k = self.key(stem(&form));
                    self.learn(&form, k);
                    if i == 0 || k != keys[0] {
                        keys[i] = k;
                    }
                }
                Some(keys)
            };
            cache.insert(word, keys);
            seq.extend(keys);
        }
    }

    /// Makes a folded word form findable by its trigrams.
    fn learn(&mut self, form: &str, key: u32) {
        if self.forms.contains_key(form) {
            return;
        }
        let id = self.form_info.len() as u32;
        self.forms.insert(form.to_string(), id);
        let grams = trigrams(form);
        self.form_info.push((key, grams.len() as u32));
        self.form_text.push(form.to_string());
        for g in grams {
            let list = self.trigram_forms.entry(g).or_default();
            if list.last() != Some(&id) {
                list.push(id);
            }
        }
    }

    /// [`Tuning::prefix_sim`] when a form and a FAQ form begin alike for most of their length.
    fn prefix_match(&self, form: &str, other: u32, tuning: &Tuning) -> f32 {
        let Some(other) = self.form_text.get(other as usize) else {
            return 0.0;
        };
        let common = form
            .chars()
            .zip(other.chars())
            .take_while(|(a, b)| a == b)
            .count();
        let longer = form.chars().count().max(other.chars().count());
        if common >= tuning.prefix_len && common * 10 >= longer * 6 {
            tuning.prefix_sim
        } else {
            0.0
        }
    }

    /// Each word of a sequence with its synonym groups added.
    fn slots(&self, seq: &[Alts]) -> Vec<Vec<u32>> {
        let mut slots: Vec<Vec<u32>> = seq.iter().map(|a| alts(a).collect()).collect();
        for slot in &mut slots {
            let groups: Vec<u32> = slot
                .iter()
                .filter_map(|k| self.single.get(k).copied())
                .collect();
            slot.extend(groups);
        }
        for (phrase, group) in &self.phrases {
            let n = phrase.len();
            for start in 0..seq.len().saturating_sub(n - 1) {
                let hit = seq[start..start + n]
                    .iter()
                    .zip(phrase)
                    .all(|(a, k)| alts(a).any(|x| x == *k));
                if hit {
                    for slot in &mut slots[start..start + n] {
                        slot.push(*group);
                    }
                }
            }
        }
        slots
    }

    /// The best share of one of an entry's phrasings (or keywords) that the
    /// question's words account for, each word of the phrasing weighing its rarity.
    fn phrasing_coverage(&self, query: &FxHashMap<u32, f32>, entry: usize) -> f32 {
        let mut best: f32 = 0.0;
        for doc in self.phrasings.get(entry).into_iter().flatten() {
            let (mut total, mut covered) = (0.0, 0.0);
            for slot in doc {
                let w = self.key_idf[slot[0] as usize];
                total += w;
                let m = slot
                    .iter()
                    .filter_map(|k| query.get(k))
                    .fold(0.0f32, |a, &b| a.max(b));
                covered += w * m;
            }
            if total > 0.0 {
                best = best.max(covered / total);
            }
        }
        best
    }

    /// The synonym groups a sequence of words holds.
    fn groups_of(&self, seq: &[Alts], out: &mut Vec<u32>) {
        for (start, word) in seq.iter().enumerate() {
            for k in alts(word) {
                if let Some(&g) = self.single.get(&k) {
                    out.push(g);
                }
                for &p in self.phrase_starts.get(&k).into_iter().flatten() {
                    let (keys, group) = &self.phrases[p];
                    let hit = seq
                        .get(start..start + keys.len())
                        .is_some_and(|w| w.iter().zip(keys).all(|(a, k)| alts(a).any(|x| x == *k)));
                    if hit {
                        out.push(*group);
                    }
                }
            }
        }
    }

    /// A question's content words and the keys each may mean.
    fn query(&self, question: &str, tuning: &Tuning) -> Query {
        let mut out = Vec::new();
        let mut exact: Vec<Vec<u32>> = Vec::new();
        let mut folded = String::new();
        let mut counts: FxHashMap<u32, u32> = FxHashMap::default();
        for word in words(question) {
            folded.clear();
            fold(word, &mut folded);
            if is_stop(&folded) {
                continue;
            }
            let mut keys: Vec<(u32, f32)> = Vec::new();
            let mut own = Vec::new();
            for form in forms_of(&folded) {
                if let Some(&k) = self.keys.get(stem(&form)) {
                    own.push(k);
                    push_best(&mut keys, k, 1.0);
                    if let Some(&g) = self.single.get(&k) {
                        push_best(&mut keys, g, 1.0);
                    }
                }
                // Misspellings: FAQ words sharing most trigrams with this one.
                let grams = trigrams(&form);
                if grams.len() < 4 {
                    continue;
                }
                counts.clear();
                for g in &grams {
                    if let Some(list) = self.trigram_forms.get(g) {
                        for &f in list {
                            *counts.entry(f).or_insert(0) += 1;
                        }
                    }
                }
                for (&f, &shared) in &counts {
                    let (k, n) = self.form_info[f as usize];
                    let mut sim = 2.0 * shared as f32 / (n as f32 + grams.len() as f32);
                    if sim < tuning.prefix_sim && shared >= 3 {
                        sim = sim.max(self.prefix_match(&form, f, tuning));
                    }
                    if sim >= tuning.fuzzy_min && shared >= 3 {
                        push_best(&mut keys, k, sim);
                    }
                }
            }
            exact.push(own);
            out.push(QueryWord { weight: 0.0, keys });
        }
        // Synonyms of several words: each word of the phrase also means the group.
        for (phrase, group) in &self.phrases {
            let n = phrase.len();
            for start in 0..exact.len().saturating_sub(n - 1) {
                let hit = exact[start..start + n]
                    .iter()
                    .zip(phrase)
                    .all(|(alts, k)| alts.contains(k));
                if hit {
                    for w in &mut out[start..start + n] {
                        push_best(&mut w.keys, *group, 1.0);
                    }
                }
            }
        }
        // A word weighs as much as the rarest key it surely means; a word the FAQ
        // does not know weighs `unknown_weight`, or a share of the known words' mean.
        let (mut known_sum, mut known_n) = (0.0, 0);
        for w in &mut out {
            let best = w.keys.iter().map(|k| k.1).fold(0.0, f32::max);
            if best > 0.0 {
                w.weight = w
                    .keys
                    .iter()
                    .filter(|k| k.1 >= best)
                    .map(|k| self.key_idf[k.0 as usize])
                    .fold(0.0, f32::max);
                known_sum += w.weight;
                known_n += 1;
            }
        }
        let mean = if known_n > 0 {
            known_sum / known_n as f32
        } else {
            0.0
        };
        let unknown = tuning.unknown_weight.max(tuning.unknown_mean * mean);
        for w in &mut out {
            if w.keys.iter().all(|k| k.1 <= 0.0) {
                w.weight = unknown;
            }
        }
        Query { words: out }
    }

    /// The entries holding a synonym group the question holds.
    fn synonym_entries<'q>(&'q self, query: &'q Query) -> impl Iterator<Item = usize> + 'q {
        let groups = query
            .words
            .iter()
            .flat_map(|w| &w.keys)
            .filter(|(k, _)| *k < self.groups);
        groups.flat_map(|(k, _)| {
            self.key_entries[*k as usize]
                .iter()
                .map(|&(e, _)| e as usize)
        })
    }

    /// The share of the question's weight an entry's words account for.
    /// The share of the question's weight an entry's words account for, and
    /// whether one of them is topical (used by the phrasings of few topics).
    fn coverage(&self, query: &Query, entry: u32, tuning: &Tuning) -> (f32, bool) {
        let mut total = 0.0;
        let mut covered = 0.0;
        let mut topical = false;
        for w in &query.words {
            total += w.weight;
            let mut best: f32 = 0.0;
            for &(k, sim) in &w.keys {
                let list = &self.key_entries[k as usize];
                if let Ok(i) = list.binary_search_by_key(&entry, |&(e, _)| e) {
                    let source = if list[i].1 { 1.0 } else { tuning.answer_weight };
                    best = best.max(sim * source);
                    let spread = self.key_spread.get(k as usize).copied().unwrap_or(0);
                    if list[i].1 && usize::from(spread) < tuning.frame_spread.max(1)
                        || tuning.frame_spread == 0
                    {
                        topical = true;
                    }
                }
            }
            covered += w.weight * best;
        }
        let share = if total <= 0.0 { 0.0 } else { covered / total };
        (share, topical)
    }
}

/// A word's keys: its stem's, and its transliteration's when it has one
/// ([`NO_KEY`] otherwise).
type Alts = [u32; 2];
const NO_KEY: u32 = u32::MAX;

fn alts(a: &Alts) -> impl Iterator<Item = u32> + '_ {
    a.iter().copied().filter(|&k| k != NO_KEY)
}

/// Adds a key with its certainty, keeping the higher one if already there.
fn push_best(keys: &mut Vec<(u32, f32)>, key: u32, sim: f32) {
    match keys.iter_mut().find(|k| k.0 == key) {
        Some(k) => k.1 = k.1.max(sim),
        None => keys.push((key, sim)),
    }
}

/// A folded word, and in Latin letters also its transliteration.
fn forms_of(folded: &str) -> impl Iterator<Item = String> + '_ {
    let latin = folded.chars().all(|c| c.is_ascii_alphanumeric());
    let transliterated = latin.then(|| transliterate(folded)).filter(|t| t != folded);
    std::iter::once(folded.to_string()).chain(transliterated)
}

/// The distinct trigrams of a form padded with a space on each side (none for
/// a form of fewer than three letters).
fn trigrams(form: &str) -> Vec<[char; 3]> {
    let mut chars = vec![' '];
    chars.extend(form.chars());
    chars.push(' ');
    if chars.len() < 5 {
        return Vec::new();
    }
    let mut out: Vec<[char; 3]> = chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[rustfmt::skip]
/// Words too common to tell questions apart (Ukrainian, surzhyk, Russian,
/// English), as written; compared folded.
const STOP: &[&str] = &[
    // Ukrainian and surzhyk, Russian, English
    "як", "що", "шо", "чи", "де", "в", "у", "на", "і", "й", "а", "з", "зі", "із", "до", "не", "я",
    "мені", "мене", "мій", "моя", "моє", "мої", "мою", "мого", "моїй", "моєї", "моїм", "моєму",
    "моїх", "це", "ці", "цей", "ця", "цю", "цього", "той", "та", "то", "ті", "ви", "вам", "вас",
    "ваш", "ваша", "ваше", "так", "про", "по", "за", "від", "для", "при", "під", "він", "вона",
    "воно", "вони", "його", "їх", "їй", "йому", "ми", "нас", "нам", "ти", "тебе", "тобі", "ну",
    "ось", "ще", "вже", "уже", "теж", "також", "бо", "але", "або", "якщо", "щоб", "шоб", "який",
    "яка", "яке", "які", "якій", "якого", "якому", "є", "був", "була", "було", "буде", "будь",
    "ласка", "підкажіть", "скажіть", "поясніть", "мабуть", "просто", "взагалі", "там", "тут",
    "тепер", "зараз", "ж", "же", "би", "б", "от", "оце", "дуже", "трохи", "себе", "свій", "своє",
    "свою", "свого", "своїй", "нею", "ним", "ней", "такий", "така", "как", "что", "чем", "где",
    "или", "ли", "это", "эти", "этот", "эта", "мне", "меня", "мой", "мое", "моё", "мои", "и", "с",
    "со", "к", "но", "о", "об", "он", "она", "оно", "они", "его", "ее", "её", "ей", "ему", "ты",
    "тебя", "еще", "ещё", "тоже", "только", "если", "чтобы", "какой", "какая", "какое", "какие",
    "есть", "был", "была", "было", "будет", "пожалуйста", "подскажите", "скажите", "очень",
    "сейчас", "вот", "свой", "the", "a", "an", "to", "how", "what", "i", "my", "me", "is", "are",
    "am", "do", "does", "did", "can", "could", "in", "on", "of", "for", "it", "its", "and", "or",
    "with", "at", "by", "from", "be", "this", "that", "there", "you", "your", "we", "our", "they",
    "he", "she", "his", "her", "should", "would", "will", "please", "tell", "about", "if", "so",
    "im", "just", "отой", "оцей", "нашої", "наш", "наша", "наше", "наші", "свої", "што", "моему",
    "моем", "моей", "моих", "свои", "своей", "нашей", "такой", "такая", "тот", "из", "ни", "нет",
];

/// [`STOP`], folded.
static STOP_FOLDED: std::sync::LazyLock<rustc_hash::FxHashSet<String>> =
    std::sync::LazyLock::new(|| {
        STOP.iter()
            .map(|w| {
                let mut out = String::new();
                fold(w, &mut out);
                out
            })
            .collect()
    });

/// An empty word, a stop word, or a Latin word read as one.
fn is_stop(folded: &str) -> bool {
    folded.is_empty() || forms_of(folded).any(|f| STOP_FOLDED.contains(&f))
}

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
        if is_stop(word) {
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
    const MULTI: [(&str, &str); 16] = [
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
        // As in Polish, Czech or the Ukrainian Latin alphabet: "dija", "jak", "jurist".
        ("ja", "я"),
        ("ju", "ю"),
        ("je", "е"),
        ("ji", "и"),
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
    // Longest first, so "ами" is stripped before "и". As folded ([`fold`] drops ь):
    // "ться" is "тся", "ить" is "ит".
    const ENDINGS: [&str; 33] = [
        "ится", "тся", "ами", "ями", "ого", "ому", "ими", "ему", "ати", "ити", "ася", "ися", "ись",
        "ит", "ат", "ут", "ют", "ах", "ях", "ом", "ем", "ам", "ям", "ою", "ею", "ов", "ев", "ти",
        "ту", "и", "а", "я", "у",
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
    fn russian_infinitives_and_j_spellings_meet_ukrainian() {
        // "ать" is "ат" once ь is folded away: "выбрать" and "вибрати" share a stem.
        assert_eq!(stem(&normalize("выбрать")), stem(&normalize("вибрати")));
        assert_eq!(stem(&normalize("записать")), stem(&normalize("записати")));
        assert_eq!(transliterate("dija"), normalize("дія"));
        assert_eq!(transliterate("jak"), normalize("як"));
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
