//! The `serve` background loop: escalation, delivery, inspection plans and overdue notices,
//! backup checks and alerts left pending, every `interval`.

use std::sync::Arc;

use crate::App;
use crate::notify::{deliver_due, fire_due};

/// Runs escalation and delivery forever, every `interval` (the `serve` background worker).
pub async fn run_worker(app: App, interval: std::time::Duration) {
    let app = Arc::new(app);
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut plans_due = std::time::Instant::now();
    loop {
        tick.tick().await;
        // Inspection plans: the executions of a new period, the first inspection, pre-holiday
        // ones. Hourly is often enough (periods are days long) and idempotent anyway.
        if std::time::Instant::now() >= plans_due {
            plans_due = std::time::Instant::now() + std::time::Duration::from_secs(3600);
            if let Err(e) = crate::inspection_plan::generate_all(&app).await {
                tracing::error!(error = %e, "inspection plan pass failed");
            }
        }
        if let Err(e) = fire_due(&app).await {
            tracing::error!(error = %e, "escalation pass failed");
        }
        if let Err(e) = deliver_due(&app).await {
            tracing::error!(error = %e, "delivery pass failed");
        }
        // Inspections not done, and reports not issued, by their due time.
        if let Err(e) = crate::inspection::notify_overdue(&app).await {
            tracing::error!(error = %e, "inspection overdue pass failed");
        }
        // Backup jobs whose daily report did not come by its time.
        if let Err(e) = crate::monitoring::check_backups(&app).await {
            tracing::error!(error = %e, "backup check failed");
        }
        // Alerts stored but not yet acted on (a crash between the two, or a failure acting).
        if let Err(e) = crate::monitoring::process_pending(&app, None).await {
            tracing::error!(error = %e, "alert pass failed");
        }
    }
}
