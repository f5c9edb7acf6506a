//! FAQ matching: one query over about 500 entries (the shipped FAQ repeated
//! with variations), and building the index. Goals: p99 ≤ 1 ms a query, build
//! ≤ 50 ms. Run with `cargo bench --bench faq`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use pomichnyk::faq::FaqIndex;
use pomichnyk::script::{self, FaqEntry, Text};

fn entries() -> Vec<FaqEntry> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogues");
    let report = script::load_dir(&dir, &["uk".to_string(), "en".to_string()]);
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
            });
        }
    }
    out
}

fn faq(c: &mut Criterion) {
    let entries = entries();
    assert!(entries.len() >= 500, "{} entries", entries.len());
    let index = FaqIndex::build(&entries);
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
        b.iter(|| black_box(FaqIndex::build(black_box(&entries))))
    });
}

criterion_group!(benches, faq);
criterion_main!(benches);
