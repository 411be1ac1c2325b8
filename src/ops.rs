//! Operations: freshness of sources, and operator alerts when a source keeps failing or
//! keeps returning nothing. An alert is recorded once per streak (`operator_alerts`), then
//! emailed to `STATEHOUSE_OPERATOR_EMAIL`; an email that fails is retried after the next
//! run, and never sent twice.

use crate::config::Pipeline;
use crate::mail::{Mailer, mailbox};
use crate::run::RunReport;
use crate::warehouse::{NewOperatorAlert, SourceRun, Warehouse};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

pub const OPERATOR_EMAIL_VAR: &str = "STATEHOUSE_OPERATOR_EMAIL";

/// How many of a source's latest runs are read to find where a streak began.
const STREAK_WINDOW: i64 = 10_000;

/// A run of identical outcomes, newest first in `runs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Streak {
    /// `failing`, `empty` or `partial`.
    pub kind: &'static str,
    pub length: usize,
    pub first_run_id: i64,
    pub last_run_id: i64,
}

/// Nothing came back: no new records and no payload seen before.
fn empty(r: &SourceRun) -> bool {
    r.status == "succeeded" && r.records == 0 && r.unchanged_payloads == 0
}

fn failing(r: &SourceRun) -> bool {
    r.status == "failed"
}

fn partial(r: &SourceRun) -> bool {
    r.status == "partial"
}

/// The streak the newest runs (first in `runs`) are in, if any.
pub fn streak(runs: &[SourceRun]) -> Option<Streak> {
    let first = runs.first()?;
    let (kind, test): (&'static str, fn(&SourceRun) -> bool) = if failing(first) {
        ("failing", failing)
    } else if empty(first) {
        ("empty", empty)
    } else if partial(first) {
        ("partial", partial)
    } else {
        return None;
    };
    let length = runs.iter().take_while(|r| test(r)).count();
    Some(Streak { kind, length, first_run_id: runs[length - 1].run_id, last_run_id: first.run_id })
}

/// After a run: records an alert for each source whose streak reached the pipeline's
/// `alert_after`. Returns the alerts recorded now (not those recorded before).
pub async fn check_after_run(
    wh: &Warehouse,
    pipeline: &Pipeline,
    report: &RunReport,
) -> Result<Vec<NewOperatorAlert>, sqlx::Error> {
    let mut raised = Vec::new();
    for s in &report.sources {
        // Enough history to see where the streak began: its first run identifies it, so it
        // is alerted once however long it lasts.
        let runs = wh.source_runs(&pipeline.name, &s.source, STREAK_WINDOW).await?;
        let Some(streak) = streak(&runs) else { continue };
        if streak.length < pipeline.alert_after as usize {
            continue;
        }
        let message = match streak.kind {
            "failing" => format!(
                "Source {} of pipeline {} has failed {} runs in a row (runs {}..{}). Last error: {}\n\nWhat to do: check `statehouse status`, the source's address, and the logs; the data of this source is getting stale.",
                s.source,
                pipeline.name,
                streak.length,
                streak.first_run_id,
                streak.last_run_id,
                runs.first().and_then(|r| r.error.clone()).unwrap_or_default()
            ),
            "partial" => format!(
                "Source {} of pipeline {} has delivered partial data {} runs in a row (runs {}..{}): a table or file cut short, malformed or missing. Nothing it lacked was removed or blanked, but what it lacked was not updated either.\n\nWhat to do: `statehouse warnings` names the damaged files and records; check the source's downloads (disk space, a proxy cutting transfers, a changed layout).",
                s.source, pipeline.name, streak.length, streak.first_run_id, streak.last_run_id
            ),
            _ => format!(
                "Source {} of pipeline {} has returned nothing {} runs in a row (runs {}..{}): no records and no payload seen before.\n\nWhat to do: check that the source still publishes (a changed address or layout looks like this), or raise `alert_after` if it is simply quiet out of session.",
                s.source, pipeline.name, streak.length, streak.first_run_id, streak.last_run_id
            ),
        };
        let alert = NewOperatorAlert {
            pipeline: pipeline.name.clone(),
            source: s.source.clone(),
            kind: streak.kind.to_string(),
            first_run_id: streak.first_run_id,
            last_run_id: streak.last_run_id,
            streak: streak.length as i64,
            message,
        };
        if wh.insert_operator_alert(&alert).await? {
            tracing::error!(pipeline = %alert.pipeline, source = %alert.source, kind = %alert.kind, streak = alert.streak, "operator alert");
            raised.push(alert);
        }
    }
    Ok(raised)
}

/// Emails every alert not sent yet. Returns (sent, failed). Without an SMTP server or an
/// operator address the alerts stay recorded (and `statehouse status` shows them). Each is
/// claimed first (as coalition alerts are: see docs/alerts.md), so concurrent runs email it
/// once, with a Message-ID that names the warehouse.
pub async fn send_pending(wh: &Warehouse, mailer: Option<&Mailer>) -> Result<(usize, usize), sqlx::Error> {
    let opts = crate::alerts::engine::DeliverOptions::default();
    let pending = wh.claim_operator_alerts(&opts.owner, Utc::now(), Utc::now() + opts.lease).await?;
    if pending.is_empty() {
        return Ok((0, 0));
    }
    let warehouse_id = wh.warehouse_id().await?;
    let to: Vec<_> = std::env::var(OPERATOR_EMAIL_VAR)
        .unwrap_or_default()
        .split(',')
        .filter(|a| !a.trim().is_empty())
        .filter_map(|a| mailbox(a).ok())
        .collect();
    let (mut sent, mut failed) = (0, 0);
    for a in pending {
        let result = match (mailer, to.is_empty()) {
            (None, _) => Err(format!("not sent: {} is not set", crate::mail::SMTP_URL_VAR)),
            (_, true) => Err(format!("not sent: {OPERATOR_EMAIL_VAR} is not set")),
            (Some(m), false) => {
                let subject =
                    format!("[statehouse] {}: source {} {} ({} runs)", a.pipeline, a.source, a.kind, a.streak);
                let domain = m.from().email.domain().to_string();
                let id = format!("<statehouse.{warehouse_id}.ops.{}@{domain}>", a.id);
                m.send_text(&to, &subject, a.message.clone(), &id).await.map_err(|e| crate::fetch::error_chain(&e))
            }
        };
        match result {
            Ok(()) => {
                wh.finish_operator_alert(a.id, &opts.owner, None, Utc::now()).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(alert = a.id, error = %e, "operator alert not emailed; retried after the next run");
                wh.finish_operator_alert(a.id, &opts.owner, Some(&e), Utc::now()).await?;
                failed += 1;
            }
        }
    }
    Ok((sent, failed))
}

/// How fresh one source of one pipeline is.
#[derive(Debug, Clone, PartialEq)]
pub struct Freshness {
    pub pipeline: String,
    pub source: String,
    pub last_success: Option<DateTime<Utc>>,
    pub stale_after: Duration,
    pub stale: bool,
    pub streak: Option<Streak>,
}

impl Freshness {
    /// As a monitor reads it (`statehouse status --format json`).
    pub fn health(&self, now: DateTime<Utc>) -> SourceHealth {
        SourceHealth {
            pipeline: self.pipeline.clone(),
            source: self.source.clone(),
            last_success: self.last_success.map(|t| t.to_rfc3339()),
            age_seconds: self.last_success.map(|t| (now - t).num_seconds()),
            stale_after_seconds: self.stale_after.num_seconds(),
            stale: self.stale,
            streak: self.streak.clone(),
        }
    }
}

/// One source's freshness in `statehouse status --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceHealth {
    pub pipeline: String,
    pub source: String,
    /// When its last successful (or partial) run finished, RFC 3339; null: never.
    pub last_success: Option<String>,
    /// Seconds since then; null: never.
    pub age_seconds: Option<i64>,
    /// Older than this, it is stale (`stale_after`, or twice the schedule's interval).
    pub stale_after_seconds: i64,
    /// Never succeeded, or not for longer than `stale_after_seconds`.
    pub stale: bool,
    /// The latest runs' streak of failed, empty or partial runs; null when the latest was good.
    pub streak: Option<Streak>,
}

/// A pipeline's stale threshold: as configured, else twice its main schedule's interval.
pub fn stale_after(pipeline: &Pipeline, now: DateTime<Utc>) -> Duration {
    pipeline.stale_after.or_else(|| pipeline.timetable.interval(now).map(|i| i * 2)).unwrap_or(Duration::hours(48))
}

pub async fn freshness(
    wh: &Warehouse,
    pipelines: &[Pipeline],
    now: DateTime<Utc>,
) -> Result<Vec<Freshness>, sqlx::Error> {
    let mut out = Vec::new();
    for p in pipelines {
        let limit = i64::from(p.alert_after).max(10);
        for s in &p.sources {
            let source = s.name();
            let runs = wh.source_runs(&p.name, &source, limit).await?;
            let mut last_success =
                runs.iter().find(|r| matches!(r.status.as_str(), "succeeded" | "partial")).and_then(|r| r.finished_at);
            if last_success.is_none() {
                // Older than the window: ask for the last success itself.
                last_success = wh
                    .source_runs(&p.name, &source, 10_000)
                    .await?
                    .iter()
                    .find(|r| matches!(r.status.as_str(), "succeeded" | "partial"))
                    .and_then(|r| r.finished_at);
            }
            let threshold = stale_after(p, now);
            out.push(Freshness {
                pipeline: p.name.clone(),
                source,
                last_success,
                stale_after: threshold,
                stale: last_success.is_none_or(|t| now - t > threshold),
                streak: streak(&runs),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: i64, status: &str, records: i64, unchanged: i64) -> SourceRun {
        SourceRun {
            run_id: id,
            status: status.into(),
            payloads: 1,
            unchanged_payloads: unchanged,
            records,
            error: None,
            finished_at: None,
        }
    }

    #[test]
    fn streaks() {
        assert_eq!(streak(&[]), None);
        assert_eq!(streak(&[run(5, "succeeded", 10, 0)]), None);
        let s = streak(&[
            run(5, "failed", 0, 0),
            run(4, "failed", 0, 0),
            run(3, "succeeded", 3, 0),
            run(2, "failed", 0, 0),
        ])
        .unwrap();
        assert_eq!(s, Streak { kind: "failing", length: 2, first_run_id: 4, last_run_id: 5 });
        // Unchanged payloads are not "nothing": the source answered as before.
        assert_eq!(streak(&[run(5, "succeeded", 0, 4)]), None);
        let s = streak(&[run(9, "succeeded", 0, 0), run(8, "succeeded", 0, 0), run(7, "failed", 0, 0)]).unwrap();
        assert_eq!((s.kind, s.length, s.first_run_id), ("empty", 2, 8));
    }
}
