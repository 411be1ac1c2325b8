//! The time runs are recorded at and the scheduler waits by: the system's, or a simulated one
//! that tests move. Scheduling state is the `runs` table, so the clock that stamps runs and
//! the clock that decides what is due must be the same one.

use crate::run::Stop;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

/// The system clock (`Clock::default()`), or simulated time (`Clock::simulated`).
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<Simulated>>);

#[derive(Debug)]
struct Simulated {
    now: Mutex<DateTime<Utc>>,
    end: DateTime<Utc>,
}

impl Clock {
    /// Simulated time from `start` to `end`: nothing moves it but `sleep_until`, which jumps
    /// to the instant at once. A sleep past `end` requests a stop instead, so a simulation
    /// ends where the test says.
    pub fn simulated(start: DateTime<Utc>, end: DateTime<Utc>) -> Clock {
        Clock(Some(Arc::new(Simulated { now: Mutex::new(start), end })))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            None => Utc::now(),
            Some(s) => *s.now.lock().expect("clock lock"),
        }
    }

    /// Waits until `at`, or until `stop` is requested (looked at every second).
    pub async fn sleep_until(&self, at: DateTime<Utc>, stop: &Stop) {
        match &self.0 {
            None => {
                while !stop.requested() && Utc::now() < at {
                    let left = (at - Utc::now()).to_std().unwrap_or_default();
                    tokio::time::sleep(left.min(std::time::Duration::from_secs(1))).await;
                }
            }
            Some(s) => {
                let mut now = s.now.lock().expect("clock lock");
                if at > s.end {
                    *now = s.end;
                    stop.request();
                } else if at > *now {
                    *now = at;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_time_jumps_and_ends_in_a_stop() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let clock = Clock::simulated(t("2026-04-01T09:00:00Z"), t("2026-04-01T09:10:00Z"));
        let stop = Stop::default();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(clock.sleep_until(t("2026-04-01T09:05:00Z"), &stop));
        assert_eq!(clock.now(), t("2026-04-01T09:05:00Z"));
        // Time never goes back.
        rt.block_on(clock.sleep_until(t("2026-04-01T09:01:00Z"), &stop));
        assert_eq!(clock.now(), t("2026-04-01T09:05:00Z"));
        assert!(!stop.requested());
        rt.block_on(clock.sleep_until(t("2026-04-01T09:10:01Z"), &stop));
        assert_eq!(clock.now(), t("2026-04-01T09:10:00Z"));
        assert!(stop.requested());
    }
}
