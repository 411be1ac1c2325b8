//! Running pipelines when they are due: `statehouse run-due` (one pass, for system cron,
//! systemd timers and Kubernetes CronJobs) and `statehouse schedule` (a long-running loop).
//! Both decide with `schedule::decide` from the runs recorded in the warehouse, so any
//! number of processes on any number of machines can share one warehouse: the pipeline
//! lock keeps a pipeline from running twice at once, and a run done by one process is seen
//! by the others.
//!
//! The loop keeps every tick: after a run it decides again, from the run just recorded, when
//! the pipeline is next due, and sleeps until the earliest such time of all pipelines (at
//! most `RECHECK`, to see runs other processes did). Ticks that fell while the pipeline was
//! running belong to that run and are not run again (one log line says so); after downtime,
//! the missed ticks are one run. Both take the time from `RunOptions::clock`, which also
//! stamps the runs, so a test drives them on simulated time.

use crate::config::Pipeline;
use crate::mail::Mailer;
use crate::ops;
use crate::run::{RunOptions, RunReport, run_pipeline};
use crate::schedule::{Backoff, Decision, decide};
use crate::warehouse::Warehouse;
use chrono::{DateTime, Duration, Utc};

/// The longest the loop sleeps without looking at the warehouse.
pub const RECHECK: Duration = Duration::minutes(15);

/// What one pass did.
#[derive(Debug, Default)]
pub struct Pass {
    pub reports: Vec<RunReport>,
    /// Pipelines not due, with when they next are.
    pub waiting: Vec<(String, DateTime<Utc>)>,
    /// Pipelines that ran (or were skipped, running elsewhere), with when they next are due.
    pub ran: Vec<(String, DateTime<Utc>)>,
    pub alerts_raised: usize,
}

impl Pass {
    /// The earliest time something becomes due.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        self.waiting.iter().chain(&self.ran).map(|w| w.1).min()
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
                let started = opts.clock.now();
                let report = run_pipeline(wh, p, opts).await?;
                if report.status != "skipped" {
                    pass.alerts_raised += ops::check_after_run(wh, p, &report).await?.len();
                }
                let count = |f: fn(&crate::warehouse::SourceReport) -> u64| report.sources.iter().map(f).sum::<u64>();
                tracing::info!(
                    pipeline = %p.name,
                    run_id = report.run_id,
                    status = %report.status,
                    records = count(|s| s.records),
                    changes = report.changes(),
                    warnings = count(|s| s.warnings),
                    failed_sources = report.sources.iter().filter(|s| s.status == "failed").count(),
                    alerts = report.alerts.as_ref().map_or(0, |a| a.matched),
                    seconds = (opts.clock.now() - started).num_milliseconds() as f64 / 1000.0,
                    "scheduled run"
                );
                pass.ran.push((p.name.clone(), next_after_run(wh, p, backoff, started, opts.clock.now()).await?));
                pass.reports.push(report);
            }
        }
    }
    ops::send_pending(wh, mailer).await?;
    Ok(pass)
}

/// When a pipeline that ran (or was found running elsewhere) from `started` to `ended` is
/// next due: decided again from the runs, so its next tick, or its retry after a failure.
async fn next_after_run(
    wh: &Warehouse,
    p: &Pipeline,
    backoff: &Backoff,
    started: DateTime<Utc>,
    ended: DateTime<Utc>,
) -> Result<DateTime<Utc>, sqlx::Error> {
    let history = wh.run_history(&p.name).await?;
    let next = match decide(&p.timetable, &history, backoff, ended) {
        Decision::Wait { at } => at,
        // Still due: running elsewhere, or a tick fell after the run was recorded (its
        // alerts). Either way the pipeline was running: look again at its next tick.
        _ => p.timetable.next_tick(ended).unwrap_or(ended + RECHECK),
    };
    if let Some(tick) = p.timetable.latest_tick(started, ended) {
        tracing::info!(pipeline = %p.name, tick = %tick, next = %next, "ticks fell while the pipeline was running; not queued again");
    }
    Ok(next)
}

/// Runs pipelines on their schedules until a stop is requested: a pass, then a sleep until
/// the next due time, at most `RECHECK` (to see runs other workers did, and new days).
pub async fn schedule(
    wh: &Warehouse,
    pipelines: &[Pipeline],
    opts: &RunOptions,
    backoff: &Backoff,
    mailer: Option<&Mailer>,
) -> Result<(), sqlx::Error> {
    while !opts.stop.requested() {
        let pass = run_due(wh, pipelines, opts, backoff, opts.clock.now(), mailer).await?;
        let now = opts.clock.now();
        let wake = pass.next_wake().map_or(now + RECHECK, |at| at.min(now + RECHECK));
        tracing::info!(until = %wake, "sleeping");
        opts.clock.sleep_until(wake, &opts.stop).await;
    }
    Ok(())
}
