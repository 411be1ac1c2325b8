//! Running pipelines when they are due: `statehouse run-due` (one pass, for system cron,
//! systemd timers and Kubernetes CronJobs) and `statehouse schedule` (a long-running loop).
//! Both decide with `schedule::decide` from the runs recorded in the warehouse, so any
//! number of processes on any number of machines can share one warehouse: the pipeline
//! lock keeps a pipeline from running twice at once, and a run done by one process is seen
//! by the others.

use crate::config::Pipeline;
use crate::mail::Mailer;
use crate::ops;
use crate::run::{RunOptions, RunReport, run_pipeline};
use crate::schedule::{Backoff, Decision, decide};
use crate::warehouse::Warehouse;
use chrono::{DateTime, Duration, Utc};

/// What one pass did.
#[derive(Debug, Default)]
pub struct Pass {
    pub reports: Vec<RunReport>,
    /// Pipelines not due, with when they next are.
    pub waiting: Vec<(String, DateTime<Utc>)>,
    pub alerts_raised: usize,
}

impl Pass {
    /// The earliest time something becomes due.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        self.waiting.iter().map(|w| w.1).min()
    }
}

/// Runs every pipeline that is due at `now`, once each.
pub async fn run_due(
    wh: &Warehouse,
    pipelines: &[Pipeline],
    opts: &RunOptions,
    backoff: &Backoff,
    now: DateTime<Utc>,
    mailer: Option<&Mailer>,
) -> Result<Pass, sqlx::Error> {
    let mut pass = Pass::default();
    for p in pipelines {
        if opts.stop.requested() {
            break;
        }
        let history = wh.run_history(&p.name).await?;
        match decide(&p.timetable, &history, backoff, now) {
            Decision::Wait { at } => {
                tracing::debug!(pipeline = %p.name, next = %at, "not due");
                pass.waiting.push((p.name.clone(), at));
            }
            why => {
                tracing::info!(pipeline = %p.name, reason = ?why, "due");
                let report = run_pipeline(wh, p, opts).await?;
                if report.status != "skipped" {
                    pass.alerts_raised += ops::check_after_run(wh, p, &report).await?.len();
                }
                pass.reports.push(report);
            }
        }
    }
    ops::send_pending(wh, mailer).await?;
    Ok(pass)
}

/// Runs pipelines on their schedules until a stop is requested. Wakes at the next due
/// time, and at least every `recheck` (to see runs other workers did, and new days).
pub async fn schedule(
    wh: &Warehouse,
    pipelines: &[Pipeline],
    opts: &RunOptions,
    backoff: &Backoff,
    mailer: Option<&Mailer>,
) -> Result<(), sqlx::Error> {
    let recheck = Duration::minutes(15);
    while !opts.stop.requested() {
        let now = Utc::now();
        let pass = run_due(wh, pipelines, opts, backoff, now, mailer).await?;
        let wake = pass.next_wake().unwrap_or(now + recheck).min(now + recheck);
        tracing::info!(until = %wake, "sleeping");
        while !opts.stop.requested() && Utc::now() < wake {
            let left = (wake - Utc::now()).to_std().unwrap_or_default();
            tokio::time::sleep(left.min(std::time::Duration::from_secs(1))).await;
        }
    }
    Ok(())
}
