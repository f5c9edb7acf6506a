//! The FAQ matcher against questions written as residents write them:
//! `tests/data/faq_eval.toml` and `tests/data/faq_eval_new.toml` (typos, no
//! punctuation, surzhyk, Russian, Latin letters, English, questions the FAQ
//! cannot answer).
//!
//! Every case belongs to one half (`half = "tune"` or `"test"`), assigned
//! alternately in file order when the split was made. The matcher's constants
//! are tuned on the tune half only; the test half says how it generalises.
//! For each half this prints, through the shipped index (with the synonyms):
//!
//! - direct-correct: answerable questions answered at once with the right entry;
//! - direct-wrong: answerable questions answered at once with a wrong entry;
//! - honest: out-of-scope questions that get "I don't know" (no choices);
//! - top-3: answerable questions whose entry is among the first three ranked;
//! - choices: answerable questions offered choices that include the right entry.
//!
//! The misses are listed for the tune half only; `FAQ_EVAL_SHOW_TEST=1` lists
//! the test half's too (do not tune on them).

mod support;

use pomichnyk::faq::{FaqIndex, Verdict};
use pomichnyk::script::FaqEntry;
use serde::Deserialize;
use support::shipped_script;

#[derive(Deserialize)]
struct Eval {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    expect: String,
    half: String,
}

const FILES: [&str; 2] = ["tests/data/faq_eval.toml", "tests/data/faq_eval_new.toml"];

/// The figures of one half.
#[derive(Default)]
struct Figures {
    answerable: usize,
    direct_right: usize,
    direct_wrong: usize,
    choices_right: usize,
    top3: usize,
    none: usize,
    honest: usize,
    misses: Vec<String>,
}

impl Figures {
    fn pct(n: usize, of: usize) -> f64 {
        100.0 * n as f64 / of.max(1) as f64
    }
    fn direct_right_pct(&self) -> f64 {
        Self::pct(self.direct_right, self.answerable)
    }
    fn direct_wrong_pct(&self) -> f64 {
        Self::pct(self.direct_wrong, self.answerable)
    }
    fn honest_pct(&self) -> f64 {
        Self::pct(self.honest, self.none)
    }
    fn top3_pct(&self) -> f64 {
        Self::pct(self.top3, self.answerable)
    }

    fn line(&self, half: &str) -> String {
        format!(
            "{half:>4} half: {} answerable, {} out of scope | direct-correct {:.1} % | direct-wrong {:.1} % | honest on out-of-scope {:.1} % | top-3 {:.1} % | choices with the right entry {:.1} %",
            self.answerable,
            self.none,
            self.direct_right_pct(),
            self.direct_wrong_pct(),
            self.honest_pct(),
            self.top3_pct(),
            Self::pct(self.choices_right, self.answerable),
        )
    }
}

fn cases() -> Vec<Case> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for file in FILES {
        let text = std::fs::read_to_string(root.join(file)).expect("the evaluation set");
        let eval: Eval = toml::from_str(&text).expect("valid TOML");
        all.extend(eval.case);
    }
    all
}

fn measure(index: &FaqIndex, faq: &[FaqEntry], cases: &[Case], half: &str) -> Figures {
    let id = |i: usize| faq[i].id.as_str();
    let mut f = Figures::default();
    for case in cases.iter().filter(|c| c.half == half) {
        let verdict = index.judge(&case.text);
        if case.expect == "none" {
            f.none += 1;
            match verdict {
                Verdict::Nothing => f.honest += 1,
                Verdict::Confident(i) => f
                    .misses
                    .push(format!("none answered: {:?} -> {}", case.text, id(i))),
                Verdict::Close(entries) => f.misses.push(format!(
                    "none offered choices: {:?} -> {:?}",
                    case.text,
                    entries.iter().map(|&i| id(i)).collect::<Vec<_>>()
                )),
            }
            continue;
        }
        assert!(
            faq.iter().any(|e| e.id == case.expect),
            "unknown id {}",
            case.expect
        );
        f.answerable += 1;
        let found: Vec<&str> = index
            .search(&case.text, 3)
            .iter()
            .map(|r| id(r.entry))
            .collect();
        if found.contains(&case.expect.as_str()) {
            f.top3 += 1;
        }
        match verdict {
            Verdict::Confident(i) if id(i) == case.expect => f.direct_right += 1,
            Verdict::Confident(i) => {
                f.direct_wrong += 1;
                f.misses.push(format!(
                    "WRONG answer: {:?}: expected {}, answered {} (ranked {found:?})",
                    case.text,
                    case.expect,
                    id(i)
                ));
            }
            Verdict::Close(entries) => {
                let offered: Vec<&str> = entries.iter().map(|&i| id(i)).collect();
                if offered.contains(&case.expect.as_str()) {
                    f.choices_right += 1;
                }
                f.misses.push(format!(
                    "choices: {:?}: expected {}, offered {offered:?}",
                    case.text, case.expect
                ));
            }
            Verdict::Nothing => f.misses.push(format!(
                "nothing: {:?}: expected {} (ranked {found:?})",
                case.text, case.expect
            )),
        }
    }
    f
}

#[test]
fn the_faq_finds_what_residents_ask() {
    let script = shipped_script();
    let cases = cases();
    for case in &cases {
        assert!(
            case.half == "tune" || case.half == "test",
            "{:?}: half must be \"tune\" or \"test\"",
            case.text
        );
    }
    // Every entry is asked for somewhere.
    for entry in &script.faq {
        assert!(
            cases.iter().any(|c| c.expect == entry.id),
            "no evaluation case for {}",
            entry.id
        );
    }
    let tune = measure(&script.faq_index, &script.faq, &cases, "tune");
    let test = measure(&script.faq_index, &script.faq, &cases, "test");
    println!("FAQ evaluation over {} cases", cases.len());
    println!("{}", tune.line("tune"));
    println!("{}", test.line("test"));
    println!("misses in the tune half:");
    for m in &tune.misses {
        println!("  {m}");
    }
    if std::env::var_os("FAQ_EVAL_SHOW_TEST").is_some() {
        println!("misses in the test half:");
        for m in &test.misses {
            println!("  {m}");
        }
    }
    assert!(tune.answerable + test.answerable >= 400, "the set is too small");
    assert!(tune.none + test.none >= 50, "too few out-of-scope cases");
}
