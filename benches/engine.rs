//! Benchmarks: one engine step (goal: at least 1,000,000 a second on one core)
//! and one committed state save to SQLite.
//!
//! Run with `cargo bench --bench engine`; the figures are recorded in the issue notes.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pomichnyk::engine::{self, Event, Input, Position, State};
use pomichnyk::script::Script;
use pomichnyk::store::{Commit, Store};

fn script() -> Script {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogues");
    let report = pomichnyk::content::load_dir(&dir, &["uk".to_string(), "en".to_string()]);
    report.script.expect("the shipped dialogues are valid")
}

fn at(step: &str) -> State {
    State {
        lang: Some("uk".into()),
        at: Some(Position {
            dialogue: "phishing".into(),
            step: step.into(),
            wrong: 0,
        }),
        ..State::default()
    }
}

fn engine_step(c: &mut Criterion) {
    let script = script();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(1));

    let cases = [
        (
            "step: press Next",
            "intro",
            Input::Press("g:phishing:signs".into()),
        ),
        (
            "step: answer a question",
            "q_sms",
            Input::Press("q:phishing:q_sms:1".into()),
        ),
        (
            "step: typed button label",
            "intro",
            Input::Text("далі".into()),
        ),
    ];
    let cx = engine::Context::at(jiff::civil::date(2026, 11, 27).at(10, 0, 0, 0));
    for (name, step, input) in &cases {
        let state = at(step);
        group.bench_function(*name, |b| {
            b.iter_batched(
                || state.clone(),
                |s| black_box(engine::step(&script, s, black_box(input), &cx)),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn state_save(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = runtime.block_on(Store::open(&url)).expect("open store");
    let state = at("signs");
    let events = vec![Event::StepReached {
        dialogue: "phishing".into(),
        step: "signs".into(),
    }];
    let mut user = 0i64;
    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(1));
    group.bench_function("commit: state + one event", |b| {
        b.iter(|| {
            // Spread over 10,000 residents, as in real use.
            user = (user + 1) % 10_000;
            runtime
                .block_on(store.commit(Commit {
                    user,
                    now: 1_800_000_000,
                    state: &state,
                    events: &events,
                }))
                .expect("commit")
        })
    });
    group.throughput(Throughput::Elements(64));
    group.bench_function("commit: 64 residents at once", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let mut commits = tokio::task::JoinSet::new();
                for i in 0..64 {
                    let (store, state, events) = (store.clone(), state.clone(), events.clone());
                    user = (user + 1) % 10_000;
                    let user = user + i;
                    commits.spawn(async move {
                        store
                            .commit(Commit {
                                user,
                                now: 1_800_000_000,
                                state: &state,
                                events: &events,
                            })
                            .await
                    });
                }
                while let Some(result) = commits.join_next().await {
                    result.expect("task").expect("commit");
                }
            })
        })
    });
    group.finish();
    runtime.block_on(store.close());
}

criterion_group!(benches, engine_step, state_save);
criterion_main!(benches);
