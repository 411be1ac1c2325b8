//! When pipelines run: cron ticks in a pipeline's time zone, what is due after downtime, and
//! when a failed run is retried. Pure functions of an injected `now`; `crate::scheduler`
//! does the waiting and the locking.
//!
//! Daylight-saving rules (the `cron` crate alone would skip a 02:30 run on the night clocks
//! spring forward, and run a 01:30 job twice when they fall back):
//! - a local time that does not exist (spring forward) runs shifted forward by the gap:
//!   02:30 becomes 03:30 daylight time;
//! - a local time that happens twice (fall back) runs once, at its first occurrence.
//!
//! Runs count from when they ended (`History`): every tick up to then is the run's, so a tick
//! that falls while the pipeline is running is not run again after it, and after downtime the
//! missed ticks are one run (`Decision::Due` names the latest).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How far back `latest_tick` looks: older ticks are not worth a catch-up of their own.
const LOOKBACK_DAYS: i64 = 400;

/// The instant a local wall-clock time stands for, under the rules above.
pub fn instant_of(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        chrono::LocalResult::None => {
            // In a gap: read the wall time with the offset in force just before it.
            let before = tz.offset_from_utc_datetime(&(local - Duration::hours(3)));
            let offset = chrono::Offset::fix(&before);
            (local - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
        }
    }
}

/// Ticks of `schedule` in `tz` strictly after `after`, in order, each once.
pub fn ticks_after(
    schedule: &cron::Schedule,
    tz: Tz,
    after: DateTime<Utc>,
) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    // Walk the schedule in wall-clock time (cron fields are wall-clock fields), starting a
    // little early so a tick in a repeated hour is not missed, and map each to an instant.
    let start_local = after.with_timezone(&tz).naive_local() - Duration::hours(3);
    let mut last: Option<DateTime<Utc>> = None;
    schedule.after_owned(start_local.and_utc()).map(move |wall| instant_of(wall.naive_utc(), tz)).filter(move |t| {
        let keep = *t > after && last.is_none_or(|l| *t > l);
        if keep {
            last = Some(*t);
        }
        keep
    })
}

/// One schedule of a pipeline, optionally active only between two local dates (an
/// in-session schedule).
#[derive(Debug, Clone)]
pub struct Entry {
    pub schedule: cron::Schedule,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// All of a pipeline's schedules, in its time zone.
#[derive(Debug, Clone)]
pub struct Timetable {
    pub tz: Tz,
    pub entries: Vec<Entry>,
}

impl Timetable {
    pub fn single(schedule: cron::Schedule, tz: Tz) -> Timetable {
        Timetable { tz, entries: vec![Entry { schedule, from: None, until: None }] }
    }

    fn active(&self, e: &Entry, t: DateTime<Utc>) -> bool {
        let d = t.with_timezone(&self.tz).date_naive();
        e.from.is_none_or(|f| d >= f) && e.until.is_none_or(|u| d <= u)
    }

    fn past_window(&self, e: &Entry, t: DateTime<Utc>) -> bool {
        e.until.is_some_and(|u| t.with_timezone(&self.tz).date_naive() > u)
    }

    /// The first tick after `after`, of any schedule.
    pub fn next_tick(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.entries
            .iter()
            .filter_map(|e| {
                ticks_after(&e.schedule, self.tz, after)
                    .take_while(|t| !self.past_window(e, *t))
                    .take(1_000_000)
                    .find(|t| self.active(e, *t))
            })
            .min()
    }

    /// The latest tick in `(after, now]`, of any schedule: after downtime, the missed ticks
    /// are one run, not one run each.
    pub fn latest_tick(&self, after: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let after = after.max(now - Duration::days(LOOKBACK_DAYS));
        self.entries
            .iter()
            .filter_map(|e| {
                ticks_after(&e.schedule, self.tz, after).take_while(|t| *t <= now).filter(|t| self.active(e, *t)).last()
            })
            .max()
    }

    /// The shortest gap between two ticks of the main schedule over the next week: how
    /// often the pipeline runs outside a session.
    pub fn interval(&self, now: DateTime<Utc>) -> Option<Duration> {
        let e = self.entries.first()?;
        let ticks: Vec<DateTime<Utc>> =
            ticks_after(&e.schedule, self.tz, now).take_while(|t| *t <= now + Duration::days(8)).take(2000).collect();
        ticks.windows(2).map(|w| w[1] - w[0]).min()
    }
}

/// Retry policy for failed runs: the first retry after `base`, doubling each time, at most
/// `max` apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::minutes(5), max: Duration::hours(2) }
    }
}

impl Backoff {
    /// When to try again after `failures` failed attempts in a row, the last at `last`.
    pub fn retry_at(&self, failures: u32, last: DateTime<Utc>) -> DateTime<Utc> {
        if failures == 0 {
            return last;
        }
        let factor = 2i32.saturating_pow(failures.saturating_sub(1).min(20));
        let wait = self.base.checked_mul(factor).unwrap_or(self.max).min(self.max);
        last + wait
    }
}

/// What the runs table says about a pipeline, for deciding whether it is due.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// When the last run that succeeded ended.
    pub last_success: Option<DateTime<Utc>>,
    /// Failed (or interrupted) runs since then.
    pub failures_since: u32,
    /// When the last run of any outcome ended (an abandoned one: when it started).
    pub last_attempt: Option<DateTime<Utc>>,
}

/// Why a pipeline should run now, or when it next should.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Never succeeded: run now.
    FirstRun,
    /// A tick passed since the last success (the latest such tick).
    Due { tick: DateTime<Utc> },
    /// Due, but the last attempt failed: retry now (backoff elapsed).
    Retry { tick: DateTime<Utc>, failures: u32 },
    /// Nothing to do until `at`.
    Wait { at: DateTime<Utc> },
}

/// Decides whether a pipeline is due at `now`, given its runs so far.
pub fn decide(timetable: &Timetable, history: &History, backoff: &Backoff, now: DateTime<Utc>) -> Decision {
    let Some(last_success) = history.last_success else {
        if history.failures_since > 0
            && let Some(last) = history.last_attempt
        {
            let at = backoff.retry_at(history.failures_since, last);
            if at > now {
                return Decision::Wait { at };
            }
        }
        return Decision::FirstRun;
    };
    match timetable.latest_tick(last_success, now) {
        None => Decision::Wait { at: timetable.next_tick(now.max(last_success)).unwrap_or(now + Duration::days(365)) },
        Some(tick) => {
            let failures = history.failures_since;
            let last = history.last_attempt.unwrap_or(last_success);
            // Failures count against this tick only if they came after it.
            if failures > 0 && last >= tick {
                let at = backoff.retry_at(failures, last);
                if at > now {
                    // A new tick before the retry time takes over.
                    let next = timetable.next_tick(now).unwrap_or(at);
                    return Decision::Wait { at: at.min(next) };
                }
                return Decision::Retry { tick, failures };
            }
            Decision::Due { tick }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn sched(s: &str) -> cron::Schedule {
        s.parse().unwrap()
    }
    const NY: Tz = chrono_tz::America::New_York;
    const DENVER: Tz = chrono_tz::America::Denver;

    #[test]
    fn nightly_ticks_follow_local_time_across_daylight_saving() {
        let s = sched("0 30 2 * * *");
        // The week clocks spring forward in New York (2026-03-08): 02:30 does not exist that
        // night; it runs at 03:30 EDT (07:30 UTC), once.
        let ticks: Vec<String> =
            ticks_after(&s, NY, utc("2026-03-06T12:00:00Z")).take(4).map(|t| t.to_rfc3339()).collect();
        assert_eq!(
            ticks,
            [
                "2026-03-07T07:30:00+00:00", // 02:30 EST
                "2026-03-08T07:30:00+00:00", // 03:30 EDT (02:30 skipped)
                "2026-03-09T06:30:00+00:00", // 02:30 EDT
                "2026-03-10T06:30:00+00:00",
            ]
        );
        // Fall back (2026-11-01): 01:30 happens twice; a 01:30 job runs once, the first time.
        let s = sched("0 30 1 * * *");
        let ticks: Vec<String> =
            ticks_after(&s, NY, utc("2026-10-31T12:00:00Z")).take(3).map(|t| t.to_rfc3339()).collect();
        assert_eq!(
            ticks,
            [
                "2026-11-01T05:30:00+00:00", // 01:30 EDT, the first of the two
                "2026-11-02T06:30:00+00:00", // 01:30 EST
                "2026-11-03T06:30:00+00:00",
            ]
        );
    }

    #[test]
    fn evening_runs_in_denver() {
        // 19:30 America/Denver, after agendas post: 01:30 or 02:30 UTC depending on the season.
        let s = sched("0 30 19 * * *");
        let t = Timetable::single(s, DENVER);
        assert_eq!(t.next_tick(utc("2026-01-15T00:00:00Z")).unwrap().to_rfc3339(), "2026-01-15T02:30:00+00:00");
        assert_eq!(t.next_tick(utc("2026-07-15T00:00:00Z")).unwrap().to_rfc3339(), "2026-07-15T01:30:00+00:00");
    }

    #[test]
    fn catch_up_after_downtime_is_one_run() {
        let s = sched("0 30 2 * * *");
        let history = History {
            last_success: Some(utc("2026-04-01T06:31:00Z")),
            failures_since: 0,
            last_attempt: Some(utc("2026-04-01T06:31:00Z")),
        };
        // Down for five days: one run, for the latest missed tick.
        let now = utc("2026-04-06T15:00:00Z");
        assert_eq!(
            decide(&Timetable::single(s.clone(), NY), &history, &Backoff::default(), now),
            Decision::Due { tick: utc("2026-04-06T06:30:00Z") }
        );
        // After that run succeeds, nothing is due until the next night.
        let history = History { last_success: Some(now), failures_since: 0, last_attempt: Some(now) };
        assert_eq!(
            decide(&Timetable::single(s.clone(), NY), &history, &Backoff::default(), now + Duration::minutes(1)),
            Decision::Wait { at: utc("2026-04-07T06:30:00Z") }
        );
    }

    #[test]
    fn a_tick_that_falls_during_a_run_is_not_run_again() {
        let every_10s = Timetable::single(sched("*/10 * * * * *"), NY);
        // A run from 09:00:05 to 09:00:27: the ticks at :10 and :20 fell while it ran.
        let end = utc("2026-04-01T09:00:27Z");
        let history = History { last_success: Some(end), failures_since: 0, last_attempt: Some(end) };
        assert_eq!(
            decide(&every_10s, &history, &Backoff::default(), end),
            Decision::Wait { at: utc("2026-04-01T09:00:30Z") }
        );
        assert_eq!(
            decide(&every_10s, &history, &Backoff::default(), utc("2026-04-01T09:00:30Z")),
            Decision::Due { tick: utc("2026-04-01T09:00:30Z") }
        );
    }

    #[test]
    fn failed_runs_are_retried_with_backoff() {
        let s = sched("0 30 2 * * *");
        let b = Backoff { base: Duration::minutes(5), max: Duration::hours(2) };
        let tick = utc("2026-04-06T06:30:00Z");
        let first_failure = utc("2026-04-06T06:31:00Z");
        let h = |failures, last| History {
            last_success: Some(utc("2026-04-05T06:31:00Z")),
            failures_since: failures,
            last_attempt: Some(last),
        };
        // One failure: retry 5 minutes later, not before.
        assert_eq!(
            decide(&Timetable::single(s.clone(), NY), &h(1, first_failure), &b, first_failure + Duration::minutes(4)),
            Decision::Wait { at: first_failure + Duration::minutes(5) }
        );
        assert_eq!(
            decide(&Timetable::single(s.clone(), NY), &h(1, first_failure), &b, first_failure + Duration::minutes(5)),
            Decision::Retry { tick, failures: 1 }
        );
        // Three failures: 20 minutes; many: capped at two hours.
        assert_eq!(b.retry_at(3, first_failure), first_failure + Duration::minutes(20));
        assert_eq!(b.retry_at(30, first_failure), first_failure + Duration::hours(2));
        // A first run that failed is retried on the same schedule.
        let never = History { last_success: None, failures_since: 2, last_attempt: Some(first_failure) };
        assert_eq!(
            decide(&Timetable::single(s.clone(), NY), &never, &b, first_failure + Duration::minutes(9)),
            Decision::Wait { at: first_failure + Duration::minutes(10) }
        );
        assert_eq!(
            decide(&Timetable::single(s.clone(), NY), &never, &b, first_failure + Duration::minutes(10)),
            Decision::FirstRun
        );
    }

    #[test]
    fn interval_of_a_schedule() {
        let at = utc("2026-04-01T00:00:00Z");
        assert_eq!(Timetable::single(sched("0 30 2 * * *"), NY).interval(at), Some(Duration::hours(24)));
        assert_eq!(Timetable::single(sched("0 0 */4 * * *"), NY).interval(at), Some(Duration::hours(4)));
    }

    #[test]
    fn in_session_schedules_add_ticks_between_their_dates() {
        let t = Timetable {
            tz: NY,
            entries: vec![
                Entry { schedule: sched("0 30 2 * * *"), from: None, until: None },
                Entry {
                    schedule: sched("0 0 12,17 * * Mon-Fri"),
                    from: Some(NaiveDate::from_ymd_opt(2026, 1, 13).unwrap()),
                    until: Some(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()),
                },
            ],
        };
        // In session, on a Tuesday morning: noon comes before the nightly run.
        assert_eq!(t.next_tick(utc("2026-03-10T13:00:00Z")).unwrap().to_rfc3339(), "2026-03-10T16:00:00+00:00");
        // On a Saturday in session, and after the session: only the nightly run.
        assert_eq!(t.next_tick(utc("2026-03-14T13:00:00Z")).unwrap().to_rfc3339(), "2026-03-15T06:30:00+00:00");
        assert_eq!(t.next_tick(utc("2026-07-07T13:00:00Z")).unwrap().to_rfc3339(), "2026-07-08T06:30:00+00:00");
        // Before the session starts, its first tick is on its first day.
        assert_eq!(
            t.latest_tick(utc("2026-01-13T12:00:00Z"), utc("2026-01-13T23:00:00Z")).unwrap().to_rfc3339(),
            "2026-01-13T22:00:00+00:00"
        );
    }
}
