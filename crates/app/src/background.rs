//! The `serve` background work, all on the job runner (`crate::worker`): escalation steps, stored
//! alerts and overdue inspections and reports as jobs of their own, and the passes that are not
//! per-row jobs yet — outbox delivery, inspection plans, backup checks, pruning — as recurring
//! jobs, so with several instances each pass runs in one of them at a time.

use chrono::Duration;

use crate::App;
use crate::worker::Worker;

/// The job runner with every module's handlers; recurring passes run every `interval`
/// (inspection plans hourly: periods are days long, and generation is idempotent anyway).
pub fn worker(app: &App, interval: Duration) -> Worker {
    let w = Worker::new(app.clone());
    let w = crate::inspection::jobs(crate::monitoring::jobs(crate::notify::jobs(w)));
    w.every("notify.deliver", interval, |app| async move { crate::notify::deliver_due(&app).await.map(drop) })
        .every("inspection_plan.generate", Duration::hours(1), |app| async move {
            crate::inspection_plan::generate_all(&app).await.map(drop)
        })
        // Finished jobs past their keeping time.
        .every(crate::worker::PRUNE, Duration::days(1), |app| async move { crate::worker::prune(&app).await.map(drop) })
        // Backup jobs whose daily report did not come by its time.
        .every(
            "monitoring.backups",
            interval,
            |app| async move { crate::monitoring::check_backups(&app).await.map(drop) },
        )
}

/// Runs the job runner forever, a pass every `interval` (the `serve` background worker).
pub async fn run_worker(app: App, interval: std::time::Duration) {
    let every = Duration::from_std(interval).unwrap_or_else(|_| Duration::seconds(5));
    worker(&app, every).run(interval).await
}
