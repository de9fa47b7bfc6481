//! `kill -9` under load: every write the server acknowledged is there after a restart, nothing is
//! half-written, the audit trail verifies and the numbering has no gap or duplicate.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::Rng;

use crate::support::{Ledger, Server, Target, check, load};

/// Kills per run (`YUNWEI_CRASH_KILLS` for a longer run).
fn kills() -> usize {
    std::env::var("YUNWEI_CRASH_KILLS").ok().and_then(|s| s.parse().ok()).unwrap_or(3)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_nothing_acknowledged() {
    let t = Target::new().await;
    let token = t.demo_token();
    let ledger = Arc::new(Ledger::default());
    let mut rng = rand::rng();
    let mut checked = 0;
    for round in 1..=kills() {
        let server = Server::start(&t, &[]);
        let stop = Arc::new(AtomicBool::new(false));
        // A random moment: after a random number of further acknowledged writes.
        let at = ledger.acked_writes() + rng.random_range(60..360);
        let mut clients = tokio::spawn(load(server.base.clone(), token.clone(), 64, ledger.clone(), stop.clone()));
        tokio::select! {
            () = ledger.until(at) => {}
            _ = &mut clients => panic!("round {round}: the load ended before the kill:\n{}", server.log()),
        }
        server.kill();
        stop.store(true, Ordering::Relaxed);
        clients.await.expect("load");
        assert!(ledger.acked_writes() >= at, "round {round}: the load stopped before the kill");
        let restarted = Server::start(&t, &[]);
        checked = check(&t, &ledger).await;
        drop(restarted);
        eprintln!("round {round}: killed after {} acknowledged writes; {checked} checked", ledger.acked_writes());
    }
    assert!(checked > 0);
    eprintln!(
        "{} kills survived, {checked} acknowledged writes checked, {} requests cut off by the kills",
        kills(),
        ledger.failed.load(Ordering::Relaxed)
    );
}
