//! The librarians' hub facts on every update: the engine is given the hubs
//! as residents see them (the file with the facts laid over it), so every
//! private update needs the facts. Measured: reading them from SQLite, laying
//! them over the file, and one whole update through the application layer
//! (a typed `/menu`, its turn committed) with the facts read from the database
//! each time (as before they were kept in memory) and kept, with 180 facts
//! (30 hubs, 6 kinds).
//!
//! Run with `cargo bench --bench hub_facts`.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pomichnyk::app::{App, Chat, Incoming, Person, Update};
use pomichnyk::hubs::layer::{self, Today, Value};
use pomichnyk::store::{HubChange, Store, Write};

/// Wednesday 2 December 2026, 10:00 in Kyiv.
const NOW: i64 = 1_796_198_400;
const HUBS: usize = 30;

fn languages() -> Vec<String> {
    vec!["uk".to_string(), "en".to_string()]
}

/// 30 hubs (the shipped ones and more, as the community's branches would
/// be), each with a place, hours, a phone, services, today's status and a
/// confirmation.
fn facts(script: &pomichnyk::script::Script) -> Vec<Write> {
    let mut ids: Vec<String> = script.hubs.iter().map(|h| h.id.clone()).collect();
    let mut n = 0;
    while ids.len() < HUBS {
        n += 1;
        ids.push(format!("branch_x{n}"));
    }
    let nine = ("09:00".parse().unwrap(), "18:00".parse().unwrap());
    let week = layer::set_days(None, 0b1_1111, &[nine]);
    let mut writes = Vec::new();
    for (i, hub) in ids.iter().enumerate() {
        let values = [
            Value::Location(49.40 + i as f64 * 0.001, 26.90),
            Value::Hours(week.clone()),
            Value::Phone("+380683348030".into()),
            Value::Services(vec![pomichnyk::script::Service::Wifi]),
            Value::Today(Today::Power),
            Value::Confirmed,
        ];
        for value in values {
            let until = matches!(value, Value::Today(_)).then_some(NOW + 3600);
            writes.push(Write::Hub(HubChange::Set {
                hub: hub.clone(),
                value,
                by: 7,
                at: NOW,
                until,
            }));
        }
    }
    writes
}

fn hub_facts(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dialogues = root.join("dialogues");
    let script = pomichnyk::content::load_dir(&dialogues, &languages())
        .script
        .expect("the shipped dialogues are valid");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = rt.block_on(Store::open(&url)).expect("store");
    rt.block_on(store.write(facts(&script))).expect("facts");
    let read = rt.block_on(store.hub_facts()).expect("read");
    assert_eq!(read.len(), HUBS * 6);

    let mut group = c.benchmark_group("hub facts");
    group.throughput(Throughput::Elements(1));
    group.bench_function("read 180 facts from SQLite", |b| {
        b.iter(|| black_box(rt.block_on(store.hub_facts()).expect("read")))
    });
    group.bench_function("lay them over the file", |b| {
        b.iter(|| black_box(layer::merge(&script.hubs, black_box(&read), NOW)))
    });

    let settings =
        pomichnyk::settings::Settings::load_with_env(&root.join("config"), Some(HashMap::new()))
            .expect("settings");
    let content = Arc::new(pomichnyk::content::Content::new(
        Arc::new(script.clone()),
        &dialogues,
        languages(),
    ));
    let app = App::new(content, store.clone(), &settings, Arc::new(|| NOW));
    let update = Update {
        from: Person {
            id: 582_603_119,
            lang_hint: Some("uk".into()),
        },
        chat: Chat::Private,
        message: Some(1),
        input: Incoming::Text {
            text: "/menu".into(),
            html: None,
            reply_to: None,
            forwarded_from: None,
        },
    };
    // Before the facts were kept in memory: read from the database at every update.
    group.bench_function("one update (/menu), facts read from SQLite", |b| {
        b.iter(|| {
            app.hub_facts_changed();
            black_box(rt.block_on(app.handle(update.clone())).out.len())
        })
    });
    group.bench_function("one update (/menu), facts kept in memory", |b| {
        b.iter(|| black_box(rt.block_on(app.handle(update.clone())).out.len()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = hub_facts
}
criterion_main!(benches);
