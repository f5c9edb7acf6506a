//! FAQ matching: one query over about 500 entries (the shipped FAQ repeated
//! with variations), and building the index. Goals: p99 ≤ 1 ms a query, build
//! ≤ 50 ms. Run with `cargo bench --bench faq`.
//!
//! Criterion reports means; the latency goal is about the tail, so first every
//! question of `tests/data/faq_eval*.toml` is timed one by one and p50, p95,
//! p99 and the maximum are printed. The index holds the shipped synonyms.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use pomichnyk::faq::{FaqIndex, Synonyms};
use pomichnyk::script::{synonyms, FaqEntry, Text};

fn entries() -> Vec<FaqEntry> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogues");
    let report = pomichnyk::content::load_dir(&dir, &["uk".to_string(), "en".to_string()]);
    let faq = report.script.expect("the shipped content is valid").faq;
    let mut out = Vec::new();
    for copy in 0..6 {
        for e in &faq {
            // Each copy differs a little, so the index holds distinct phrasings.
            let suffix = [
                "",
                " будь ласка",
                " підкажіть",
                " терміново",
                " дякую",
                " поясніть",
            ][copy];
            out.push(FaqEntry {
                id: format!("{}_{copy}", e.id),
                topic: e.topic.clone(),
                questions: e
                    .questions
                    .iter()
                    .map(|qs| qs.iter().map(|q| format!("{q}{suffix}")).collect())
                    .collect(),
                keywords: e.keywords.clone(),
                answer: Text(e.answer.0.clone()),
                buttons: Vec::new(),
                checked: None,
                picture: None,
            });
        }
    }
    out
}

/// The shipped synonyms.
fn shipped_synonyms() -> Synonyms {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("dialogues")
        .join(synonyms::SYNONYMS_FILE);
    let text = std::fs::read_to_string(path).expect("the synonyms file");
    let file: synonyms::SynonymsFile = toml::from_str(&text).expect("valid TOML");
    synonyms::check(&file).0
}

/// The questions of both evaluation sets, as residents type them.
fn eval_questions() -> Vec<String> {
    let mut out = Vec::new();
    for file in ["tests/data/faq_eval.toml", "tests/data/faq_eval_new.toml"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = std::fs::read_to_string(path).expect("the evaluation set");
        let eval: toml::Table = toml::from_str(&text).expect("valid TOML");
        out.extend(
            eval["case"]
                .as_array()
                .expect("[[case]] tables")
                .iter()
                .map(|case| case["text"].as_str().expect("a case's text").to_string()),
        );
    }
    out
}

/// Times each evaluation question over `ROUNDS` rounds and prints the percentiles.
fn latency(index: &FaqIndex, entries: usize) {
    const ROUNDS: usize = 20;
    let questions = eval_questions();
    // One round untimed, so the first questions do not pay for cold caches.
    for q in &questions {
        black_box(index.judge(black_box(q)));
    }
    let mut micros: Vec<f64> = Vec::with_capacity(ROUNDS * questions.len());
    for _ in 0..ROUNDS {
        for q in &questions {
            let start = Instant::now();
            black_box(index.judge(black_box(q)));
            micros.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    micros.sort_by(f64::total_cmp);
    // Nearest rank: the smallest time at or above the share `p` of the samples.
    let at = |p: f64| micros[((p * micros.len() as f64).ceil() as usize).max(1) - 1];
    println!(
        "faq query latency over {entries} entries: p50 {:.0} µs, p95 {:.0} µs, p99 {:.0} µs, max {:.0} µs ({} queries)",
        at(0.50),
        at(0.95),
        at(0.99),
        micros[micros.len() - 1],
        micros.len()
    );
}

fn faq(c: &mut Criterion) {
    let entries = entries();
    let synonyms = shipped_synonyms();
    assert!(entries.len() >= 500, "{} entries", entries.len());
    // The build once, timed, before criterion's mean.
    let start = Instant::now();
    let index = FaqIndex::with_synonyms(&entries, &synonyms);
    println!(
        "faq index build over {} entries: {:.1} ms (once, cold)",
        entries.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
    latency(&index, entries.len());
    let questions = [
        "як оплатити світло через телефон",
        "забула пароль від дії",
        "дзвонять з банку просять код з смс",
        "kak oplatit kommunalku",
        "what is a cvv code",
    ];
    let mut i = 0;
    c.bench_function("faq: one question over 540 entries", |b| {
        b.iter(|| {
            i = (i + 1) % questions.len();
            black_box(index.judge(black_box(questions[i])))
        })
    });
    c.bench_function("faq: build the index of 540 entries", |b| {
        b.iter(|| black_box(FaqIndex::with_synonyms(black_box(&entries), &synonyms)))
    });
}

criterion_group!(benches, faq);
criterion_main!(benches);
