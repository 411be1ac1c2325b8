//! The `openstates` crawl: the Open States API v3, within the daily request quota.
//!
//! Plan: the lists (`people`, `bills` updated since the last complete crawl, `events`,
//! `committees`: first the jurisdiction's chambers, then the committees), page by page; each
//! page is one payload (conditional GET; an unchanged page is not parsed again, only its page
//! count read, or for committees their chambers) and one transaction. A subcommittee gets its
//! committee's chamber when that committee was read earlier in the same run (a crawl resumed
//! past its page leaves the chamber unknown). A crawl cut short by the quota resumes where it
//! stopped, with the cursor it started with. Each bill on a page is its full record for the
//! parts the request included (`sources::openstates`: an included list, even empty, is whole).

use super::SourceError;
use super::files::jurisdiction_of;
use super::ingest::Ingest;
use crate::config::OpenStatesConfig;
use crate::model::Warning;
use crate::normalize::ids;
use crate::sources::openstates;
use chrono::{DateTime, Utc};

/// Keys in `source_state`: the incremental cursor, and where a crawl cut short by the daily
/// quota resumes.
const CURSOR_KEY: &str = "updated_since";
const RESUME_KEY: &str = "resume";

/// A crawl in progress: which list and page come next, the cursor it runs with, and when
/// it started (the next cursor). Stored as `list|page|since|started`.
#[derive(Debug, Clone, PartialEq)]
struct Resume {
    list: String,
    page: u32,
    since: Option<String>,
    started: DateTime<Utc>,
}

impl Resume {
    fn encode(&self) -> String {
        format!("{}|{}|{}|{}", self.list, self.page, self.since.as_deref().unwrap_or(""), self.started.to_rfc3339())
    }

    fn decode(s: &str) -> Option<Resume> {
        let mut it = s.split('|');
        let list = it.next()?.to_string();
        let page = it.next()?.parse().ok()?;
        let since = Some(it.next()?.to_string()).filter(|s| !s.is_empty());
        let started = DateTime::parse_from_rfc3339(it.next()?).ok()?.with_timezone(&Utc);
        Some(Resume { list, page, since, started })
    }
}

pub(super) async fn crawl(ing: &mut Ingest<'_>, cfg: &OpenStatesConfig) -> Result<(), SourceError> {
    let key = super::secret_from_env(&cfg.api_key_env, "Open States API key (Open States answers 403 without one)")?;
    let headers = vec![("X-API-KEY".to_string(), key)];
    let jurisdiction_id = jurisdiction_of(&cfg.jurisdiction)?;
    let code = ids::jurisdiction_code(&jurisdiction_id);
    ing.fetcher(&cfg.base_url, Some(cfg.tier.requests_per_minute))?;
    ing.set_jurisdiction(&jurisdiction_id, None);

    // The daily quota is counted per UTC day in `source_state`, across runs.
    let quota_key = format!("requests:{}", Utc::now().format("%Y-%m-%d"));
    let used_before: u64 = ing.state(&quota_key).await?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let budget = u64::from(cfg.tier.requests_per_day).saturating_sub(used_before);
    ing.ensure_jurisdiction(&jurisdiction_id, Vec::new()).await?;

    // A crawl the quota cut short goes on where it stopped, with the cursor it started with.
    let resume = ing.state(RESUME_KEY).await?.and_then(|s| Resume::decode(&s));
    let (since, started) = match &resume {
        Some(r) => (r.since.clone(), r.started),
        None => (ing.state(CURSOR_KEY).await?, Utc::now()),
    };
    let crawl = Crawl { cfg, headers: &headers, jurisdiction_id: &jurisdiction_id, code: &code, since, started };
    let result = crawl.pages(ing, resume, budget).await;
    let used = ing.requests();
    ing.set_state(&quota_key, &(used_before + used).to_string()).await?;
    let stopped_at = match result {
        Ok(stopped_at) => stopped_at,
        Err(SourceError::Interrupted) => {
            ing.relink().await?;
            return Err(SourceError::Interrupted);
        }
        Err(e) => return Err(e),
    };
    ing.relink().await?;
    match stopped_at {
        Some(r) => ing.set_state(RESUME_KEY, &r.encode()).await?,
        None => {
            // Complete: the next crawl asks only for what changed since this one started (an
            // hour earlier, for clock skew and slow upstream indexing; reloading is idempotent).
            let cursor = started - chrono::Duration::hours(1);
            ing.set_state(CURSOR_KEY, &cursor.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()).await?;
            ing.set_state(RESUME_KEY, "").await?;
        }
    }
    Ok(())
}

/// One crawl's settings: what to ask for, and the cursor it runs with.
struct Crawl<'c> {
    cfg: &'c OpenStatesConfig,
    headers: &'c [(String, String)],
    jurisdiction_id: &'c str,
    code: &'c str,
    since: Option<String>,
    started: DateTime<Utc>,
}

impl Crawl<'_> {
    /// The pages of every list. `Some(resume)` when the quota stopped the crawl; an
    /// interrupted crawl stores where it resumes before it returns.
    async fn pages(
        &self,
        ing: &mut Ingest<'_>,
        resume: Option<Resume>,
        budget: u64,
    ) -> Result<Option<Resume>, SourceError> {
        let cfg = self.cfg;
        let lists: Vec<&str> = [
            cfg.people.then_some("people"),
            Some("bills"),
            cfg.events.then_some("events"),
            cfg.committees.then_some("committees"),
        ]
        .into_iter()
        .flatten()
        .collect();
        // The chambers committees hang from (`parent_id`), read once before the first page of
        // committees this run asks for; and the committees read so far (for subcommittees).
        let mut chambers: Option<std::collections::HashMap<String, String>> = None;
        let mut committees = std::collections::HashMap::new();
        let first = resume.as_ref().and_then(|r| lists.iter().position(|l| *l == r.list)).unwrap_or(0);
        for list in &lists[first..] {
            let mut page = match &resume {
                Some(r) if r.list == *list => r.page,
                _ => 1,
            };
            loop {
                let here = Resume { list: list.to_string(), page, since: self.since.clone(), started: self.started };
                if ing.check_stop().is_err() {
                    // Resume here next run, with this crawl's cursor.
                    ing.set_state(RESUME_KEY, &here.encode()).await?;
                    return Err(SourceError::Interrupted);
                }
                if ing.requests() >= budget {
                    ing.warn(Warning::new(
                        &cfg.base_url,
                        None,
                        format!(
                            "daily request quota of {} reached at {list} page {page}; the next run resumes there",
                            cfg.tier.requests_per_day
                        ),
                    ));
                    return Ok(Some(here));
                }
                if *list == "bills" && cfg.max_pages.is_some_and(|m| page > m) {
                    break;
                }
                if *list == "committees" && chambers.is_none() {
                    let url = openstates::jurisdiction_url(&cfg.base_url, self.jurisdiction_id);
                    let got = ing.get(&url, &url, self.headers, true).await?;
                    // Read whether changed or not: it is not loaded, only used here.
                    chambers = Some(openstates::parse_jurisdiction_chambers(&got.body, &url)?);
                    if !got.unchanged {
                        ing.record(got.record, true);
                    }
                    continue;
                }
                let url = match *list {
                    "people" => openstates::people_url(&cfg.base_url, self.code, page),
                    "events" => openstates::events_url(&cfg.base_url, self.code, page),
                    "committees" => openstates::committees_url(&cfg.base_url, self.code, page),
                    _ => openstates::bills_url(
                        &cfg.base_url,
                        self.code,
                        cfg.session.as_deref(),
                        self.since.as_deref(),
                        page,
                    ),
                };
                let got = ing.get(&url, &url, self.headers, true).await?;
                let pagination = if got.unchanged && *list == "committees" {
                    // The same payload as last time: not loaded, but its committees' chambers
                    // are read, for subcommittees on later pages.
                    let empty = Default::default();
                    let chambers = chambers.as_ref().unwrap_or(&empty);
                    openstates::parse_committees_page(&got.body, &url, self.jurisdiction_id, chambers, &mut committees)?
                        .1
                } else if got.unchanged {
                    // The same payload as last time: only its page count is read.
                    openstates::pagination_of(&got.body, &url)?
                } else {
                    let (parsed, pagination) = match *list {
                        "people" => openstates::parse_people_page(&got.body, &url, self.jurisdiction_id),
                        "events" => openstates::parse_events_page(&got.body, &url, self.jurisdiction_id),
                        "committees" => openstates::parse_committees_page(
                            &got.body,
                            &url,
                            self.jurisdiction_id,
                            chambers.as_ref().unwrap_or(&Default::default()),
                            &mut committees,
                        ),
                        _ => openstates::parse_bills_page(&got.body, &url, self.jurisdiction_id),
                    }?;
                    ing.record(got.record, true);
                    ing.load(parsed).await?;
                    pagination
                };
                if page == 1 || (resume.as_ref().is_some_and(|r| r.list == *list && r.page == page)) {
                    // The pages still to read of this list: progress shows them, with an ETA.
                    let left = pagination.max_page.saturating_sub(page);
                    let left =
                        cfg.max_pages.filter(|_| *list == "bills").map_or(left, |m| left.min(m.saturating_sub(page)));
                    ing.expect_requests(u64::from(left));
                }
                match pagination.next_page() {
                    Some(next) => page = next,
                    None => break,
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resume_point_round_trips() {
        let r = Resume {
            list: "bills".into(),
            page: 7,
            since: Some("2025-01-01T00:00:00+00:00".into()),
            started: DateTime::parse_from_rfc3339("2025-03-01T12:00:00+00:00").unwrap().with_timezone(&Utc),
        };
        assert_eq!(Resume::decode(&r.encode()), Some(r.clone()));
        let none = Resume { since: None, ..r };
        assert_eq!(Resume::decode(&none.encode()), Some(none));
    }
}
