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

use crate::support::shipped_script;
use pomichnyk::faq::{FaqIndex, Judgement, Tuning, Verdict};
use pomichnyk::script::FaqEntry;
use serde::Deserialize;

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

const FILES: [&str; 3] = [
    "tests/data/faq_eval.toml",
    "tests/data/faq_eval_new.toml",
    "tests/data/faq_eval_fresh.toml",
];

/// The figures of one half.
#[derive(Default)]
struct Figures {
    answerable: usize,
    direct_right: usize,
    direct_wrong: usize,
    choices_right: usize,
    top1: usize,
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
            "{half:>4} half: {} answerable, {} out of scope | direct-correct {:.1} % | direct-wrong {:.1} % | honest on out-of-scope {:.1} % | top-1 {:.1} % | top-3 {:.1} % | choices with the right entry {:.1} %",
            self.answerable,
            self.none,
            self.direct_right_pct(),
            self.direct_wrong_pct(),
            self.honest_pct(),
            Self::pct(self.top1, self.answerable),
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
                Verdict::Confident(i) => {
                    f.misses
                        .push(format!("none answered: {:?} -> {}", case.text, id(i)))
                }
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
        if found.first() == Some(&case.expect.as_str()) {
            f.top1 += 1;
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
    assert!(
        tune.answerable + test.answerable >= 400,
        "the set is too small"
    );
    assert!(tune.none + test.none >= 50, "too few out-of-scope cases");
    // Guards against going back, a little below the figures when the constants were set
    // (tune, with faq_eval_fresh.toml, 84.9 / 1.3 / 95.3 / 98.4 %, test 79.1 / 1.4 / 96.9 /
    // 97.7 %: direct-correct, direct-wrong, honest, top-3). The goals are at least 85 %
    // direct-correct, at most 3 % direct-wrong and at least 90 % honest on questions not tuned
    // on; the test half does not reach the first yet.
    for (half, f, right, wrong) in [("tune", &tune, 83.5, 2.0), ("test", &test, 78.0, 3.0)] {
        assert!(
            f.direct_right_pct() >= right,
            "{half}: direct-correct {:.1} %",
            f.direct_right_pct()
        );
        assert!(
            f.direct_wrong_pct() <= wrong,
            "{half}: direct-wrong {:.1} %",
            f.direct_wrong_pct()
        );
        assert!(
            f.honest_pct() >= 90.0,
            "{half}: honest {:.1} %",
            f.honest_pct()
        );
        assert!(f.top3_pct() >= 95.0, "{half}: top-3 {:.1} %", f.top3_pct());
    }
}

/// The grid search that set [`Tuning::DEFAULT`], on the tune half only:
/// `cargo test --test faq_eval -- --ignored --nocapture tune`.
#[test]
#[ignore]
fn tune() {
    let script = shipped_script();
    let cases: Vec<Case> = cases().into_iter().filter(|c| c.half == "tune").collect();
    let index = &script.faq_index;
    let faq = &script.faq;
    let mut results: Vec<(f64, String)> = Vec::new();
    let base = Tuning::DEFAULT;
    for unknown_weight in [1.5, 2.0, 3.0] {
        for (fuzzy_min, unknown_mean) in [0.0, 0.5, 0.75].into_iter().map(|m| (0.5, m)) {
            for (answer_weight, phrasing_weight) in [(0.3, 0.0), (0.3, 0.3), (0.3, 0.6)] {
                for (bm25_weight, frame_spread) in [0.5, 1.0]
                    .into_iter()
                    .flat_map(|b| [(b, 0), (b, 2), (b, 3)])
                {
                    let ranking = Tuning {
                        unknown_weight,
                        unknown_mean,
                        fuzzy_min,
                        answer_weight,
                        bm25_weight,
                        phrasing_weight,
                        frame_spread,
                        ..base
                    };
                    let judged: Vec<(&Case, Judgement)> = cases
                        .iter()
                        .map(|c| (c, index.judgement(&c.text, &ranking)))
                        .collect();
                    for (known_min, phrasing_min) in [0.5, 0.6, 0.7, 0.8]
                        .into_iter()
                        .flat_map(|k| [(k, 0.0), (k, 0.2), (k, 0.3), (k, 0.4), (k, 0.5)])
                    {
                        for (confident, phrasing_close) in [0.4, 0.5]
                            .into_iter()
                            .flat_map(|c| [(c, 0.0), (c, 0.3), (c, 0.4)])
                        {
                            for margin in [0.0, 0.05, 0.1, 0.15] {
                                for (close, runner_min) in [0.3, 0.4, 0.5]
                                    .into_iter()
                                    .flat_map(|c| [(c, 0.0), (c, c), (c, c / 2.0)])
                                {
                                    let t = Tuning {
                                        known_min,
                                        phrasing_min,
                                        phrasing_close,
                                        confident,
                                        margin,
                                        close,
                                        runner_min,
                                        ..ranking
                                    };
                                    let (mut ans, mut right, mut wrong, mut none, mut honest) =
                                        (0, 0, 0, 0, 0);
                                    for (c, j) in &judged {
                                        let v = t.verdict(j);
                                        if c.expect == "none" {
                                            none += 1;
                                            honest += usize::from(v == Verdict::Nothing);
                                        } else {
                                            ans += 1;
                                            if let Verdict::Confident(i) = v {
                                                if faq[i].id == c.expect {
                                                    right += 1;
                                                } else {
                                                    wrong += 1;
                                                }
                                            }
                                        }
                                    }
                                    let dc = 100.0 * right as f64 / ans as f64;
                                    let dw = 100.0 * wrong as f64 / ans as f64;
                                    let h = 100.0 * honest as f64 / none as f64;
                                    let objective = dc + 0.5 * h - 4.0 * dw;
                                    results.push((
                                        objective,
                                        format!("dc {dc:.1} dw {dw:.1} honest {h:.1} | {t:?}"),
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    results.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (o, line) in results.iter().take(15) {
        println!("{o:.1}: {line}");
    }
    // The best with each weight of unknown words, to see how much it matters.
    for u in ["0.0,", "0.5,", "0.75,"] {
        let needle = format!("unknown_mean: {u}");
        if let Some((o, line)) = results.iter().find(|(_, l)| l.contains(&needle)) {
            println!("best with unknown_mean {u} {o:.1}: {line}");
        }
    }
}

/// What the index found for the questions in `FAQ_EXPLAIN` (separated by `|`):
/// `FAQ_EXPLAIN="котра година" cargo test --test faq_eval -- --ignored --nocapture explain`.
#[test]
#[ignore]
fn explain() {
    let script = shipped_script();
    let questions = std::env::var("FAQ_EXPLAIN").unwrap_or_default();
    for q in questions.split('|').filter(|q| !q.trim().is_empty()) {
        let j = script.faq_index.judgement(q, &Tuning::DEFAULT);
        println!("{q:?}: known {:.2}, weight {:.2}", j.known, j.weight);
        for ((r, c), p) in j.ranked.iter().zip(&j.coverage).zip(&j.phrasing).take(4) {
            println!(
                "  {:<20} score {:.3} coverage {c:.2} phrasing {p:.2}",
                script.faq[r.entry].id, r.score
            );
        }
        println!("  -> {:?}", Tuning::DEFAULT.verdict(&j));
    }
}
