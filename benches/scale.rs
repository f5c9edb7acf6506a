//! `/delete_me` on a big database: the time of `Store::forget` (the one
//! transaction that removes a resident everywhere) for residents of a database
//! `benches/scale.sh` generated, and a check that nothing of them is left.
//!
//! `SCALE_URL=sqlite:///tmp/pomichnyk-scale/scale.db SCALE_USERS=10000001,10500002 cargo bench --bench scale`

use std::time::Instant;

use pomichnyk::store::Store;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let Ok(url) = std::env::var("SCALE_URL") else {
        eprintln!("scale: set SCALE_URL (benches/scale.sh does); nothing to measure");
        return Ok(());
    };
    let users: Vec<i64> = std::env::var("SCALE_USERS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|u| u.trim().parse().ok())
        .collect();
    anyhow::ensure!(!users.is_empty(), "set SCALE_USERS to residents' ids");
    let store = Store::open(&url).await?;
    let mut times = Vec::new();
    for user in users {
        let rows = store.rows_about(user).await?;
        let start = Instant::now();
        store.forget(user).await?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let left = store.rows_about(user).await?;
        anyhow::ensure!(left == 0, "{left} rows still about {user}");
        println!("forget {user}: {rows} rows about them, {ms:.1} ms");
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "forget: {} residents, median {:.1} ms, max {:.1} ms",
        times.len(),
        times[times.len() / 2],
        times[times.len() - 1]
    );
    store.close().await;
    Ok(())
}
