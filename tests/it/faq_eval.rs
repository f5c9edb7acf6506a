//! The FAQ matcher against questions written as residents write them
//! (`tests/data/faq_eval.toml`): typos, no punctuation, Russian, Latin letters.
//! Prints top-1 and top-3 accuracy; fails below 85 % and 95 %, or when a
//! question the FAQ cannot answer is answered confidently.

use crate::support::shipped_script;
use pomichnyk::faq::{FaqIndex, Verdict};
use serde::Deserialize;

#[derive(Deserialize)]
struct Eval {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    expect: String,
}

#[test]
fn the_faq_finds_what_residents_ask() {
    let script = shipped_script();
    let index = FaqIndex::build(&script.faq);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/faq_eval.toml");
    let eval: Eval = toml::from_str(&std::fs::read_to_string(path).expect("the evaluation set"))
        .expect("valid TOML");
    let id = |i: usize| script.faq[i].id.as_str();

    let (mut answerable, mut top1, mut top3, mut nones, mut wrongly_confident) = (0, 0, 0, 0, 0);
    let (mut confident_right, mut confident_wrong) = (0, 0);
    let mut misses = Vec::new();
    for case in &eval.case {
        let ranked = index.search(&case.text, 3);
        if case.expect == "none" {
            nones += 1;
            if let Verdict::Confident(i) = index.judge(&case.text) {
                wrongly_confident += 1;
                misses.push(format!(
                    "none answered confidently: {:?} -> {}",
                    case.text,
                    id(i)
                ));
            }
            continue;
        }
        assert!(
            script.faq.iter().any(|e| e.id == case.expect),
            "unknown id {}",
            case.expect
        );
        answerable += 1;
        let found: Vec<&str> = ranked.iter().map(|r| id(r.entry)).collect();
        if found.first() == Some(&case.expect.as_str()) {
            top1 += 1;
        } else {
            misses.push(format!(
                "{:?}: expected {}, got {:?}",
                case.text, case.expect, found
            ));
        }
        if found.contains(&case.expect.as_str()) {
            top3 += 1;
        }
        match index.judge(&case.text) {
            Verdict::Confident(i) if id(i) == case.expect => confident_right += 1,
            Verdict::Confident(_) => confident_wrong += 1,
            _ => {}
        }
    }
    let pct = |n: usize| 100.0 * n as f64 / answerable.max(1) as f64;
    println!(
        "FAQ evaluation: {answerable} answerable, top-1 {:.1} %, top-3 {:.1} %, answered at once {confident_right} right and {confident_wrong} wrong; {nones} unanswerable, {wrongly_confident} answered confidently",
        pct(top1),
        pct(top3)
    );
    for m in &misses {
        println!("  {m}");
    }
    assert!(answerable >= 150 - nones.min(150), "the set is too small");
    assert!(pct(top1) >= 85.0, "top-1 {:.1} % < 85 %", pct(top1));
    assert!(pct(top3) >= 95.0, "top-3 {:.1} % < 95 %", pct(top3));
    assert_eq!(
        wrongly_confident, 0,
        "questions the FAQ cannot answer were answered confidently"
    );
}
