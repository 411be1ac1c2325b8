//! Pipeline files: TOML under `pipelines/`, read with serde (unknown keys are errors) and
//! validated once into a [`Pipeline`]. Doc comments on the fields are the user reference
//! (README "Pipeline files" repeats them).

use crate::sources::SourceKind;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read pipeline file {path}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("pipeline file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("pipeline file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// A pipeline file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineFile {
    /// Unique name of the pipeline; runs and cursors are recorded under it.
    pub name: String,
    /// When it runs: a cron expression with seconds first (`sec min hour day month weekday`).
    pub schedule: String,
    /// IANA time zone of the schedule and of the jurisdiction's local dates and times.
    pub timezone: String,
    /// More schedules, each active only between two dates (in session, say).
    #[serde(rename = "extra_schedule", default)]
    pub extra_schedules: Vec<ExtraSchedule>,
    /// A source whose last success is older than this is flagged stale by `statehouse
    /// status` (e.g. "36h"; default: twice the main schedule's interval).
    pub stale_after: Option<String>,
    /// Alert the operators when a source fails, or returns nothing, this many runs in a row
    /// (default 3).
    #[serde(default = "default_alert_after")]
    pub alert_after: u32,
    /// The sources, in the order they run.
    #[serde(rename = "source", default)]
    pub sources: Vec<SourceConfig>,
    /// Coalition files (relative to this file) whose alerts are matched after the sources ran.
    #[serde(default)]
    pub coalitions: Vec<PathBuf>,
    /// How alerts go out: `smtp` (the default; held in the outbox while STATEHOUSE_SMTP_URL
    /// is unset) or `dry-run` (`.eml` files under `<data-dir>/outbox/`).
    #[serde(default)]
    pub alerts: AlertMode,
    /// Fetching the version documents sources link to (HTML, PDF, XML, text, Word).
    #[serde(default)]
    pub texts: TextsConfig,
}

/// `[texts]`: fetch and extract the documents of versions that arrive without a text.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TextsConfig {
    /// Fetch them (default false: only texts sources deliver inline are kept).
    pub fetch: bool,
    /// Documents fetched per source and run, at most (the rest wait for the next run).
    pub max_documents: usize,
    /// A larger document is not read (recorded as `too_large`).
    pub max_bytes: u64,
    /// Requests per minute to one host.
    pub requests_per_minute: u32,
    /// A document that failed is tried again in later runs, this many times in all.
    pub attempts: u32,
}

impl Default for TextsConfig {
    fn default() -> Self {
        TextsConfig { fetch: false, max_documents: 200, max_bytes: 25 << 20, requests_per_minute: 30, attempts: 3 }
    }
}

/// How a pipeline's alerts are delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AlertMode {
    #[default]
    Smtp,
    DryRun,
}

fn default_alert_after() -> u32 {
    3
}

/// An extra schedule, active between two local dates (both included).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExtraSchedule {
    /// Cron expression, seconds first.
    pub schedule: String,
    /// First day it is active (`YYYY-MM-DD`), if any.
    pub from: Option<chrono::NaiveDate>,
    /// Last day it is active, if any.
    pub until: Option<chrono::NaiveDate>,
}

/// One source of a pipeline, tagged by `kind`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceConfig {
    /// A folder (or one file) of Open States scraper output.
    OcdScrape(OcdScrapeConfig),
    /// The Open States API v3.
    Openstates(OpenStatesConfig),
    /// A folder of New York LBDC XML feed files (bill status, agendas, committee and floor votes).
    NyLbdc(NyLbdcConfig),
    /// California's Legislative Counsel pubinfo export: a folder, a zip, or the zip downloaded.
    CaPubinfo(CaPubinfoConfig),
    /// LegiScan's weekly dataset zips (CSV or JSON flavour): one zip, or a folder of them.
    LegiscanDataset(LegiscanDatasetConfig),
    /// The LegiScan pull API (`getSessionList`, `getMasterListRaw`, `getBill`, …).
    Legiscan(LegiscanConfig),
    /// A city's or county's Legistar Web API (matters, histories, sponsors, events, votes).
    Legistar(LegistarConfig),
    /// An iCalendar feed of hearings, from a file or a URL.
    Ical(IcalConfig),
    /// A folder of Open States' people repository (`openstates/people`'s `data/`, or one
    /// state's folder): legislators with their seats and offices, and committee rosters.
    OpenstatesPeople(OpenstatesPeopleConfig),
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LegiscanDatasetConfig {
    pub name: Option<String>,
    /// One dataset zip, or a folder of them (relative to the pipeline file). A zip whose sha256
    /// was loaded before is skipped.
    pub path: PathBuf,
    /// Bound on the bytes one zip may decompress to, all entries together (default 2 GiB); a
    /// zip past it is rejected as a zip bomb.
    pub max_unpacked_bytes: Option<u64>,
    /// LegiScan session names → the session names bills get in the warehouse, so that a bill
    /// from LegiScan and the same bill from Open States are one row:
    /// `session_names = { "2025-2026 94th Legislature" = "2025-2026" }`. Sessions not listed
    /// keep LegiScan's name.
    #[serde(default)]
    pub session_names: std::collections::BTreeMap<String, String>,
}

fn default_legiscan_base_url() -> String {
    "https://api.legiscan.com/".into()
}
fn default_legiscan_key_env() -> String {
    "LEGISCAN_API_KEY".into()
}
fn default_legiscan_budget() -> u32 {
    30_000
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LegiscanConfig {
    pub name: Option<String>,
    /// API root; overridable for replay.
    #[serde(default = "default_legiscan_base_url")]
    pub base_url: String,
    /// Two-letter state code (`mn`).
    pub state: String,
    /// Only these LegiScan session ids (default: the sessions `getSessionList` marks current,
    /// that is every session with `sine_die` 0, else the newest).
    #[serde(default)]
    pub sessions: Vec<i64>,
    /// Name of the environment variable that holds the API key.
    #[serde(default = "default_legiscan_key_env")]
    pub api_key_env: String,
    /// Queries this source may use per calendar month (UTC), all runs together. LegiScan's
    /// public tier allows 30,000; a run stops cleanly (and the next resumes) at the budget.
    #[serde(default = "default_legiscan_budget")]
    pub monthly_budget: u32,
    /// Also fetch texts (`getBillText`) of new documents (default true).
    #[serde(default = "yes")]
    pub texts: bool,
    /// LegiScan session names → warehouse session names, as for `legiscan_dataset`.
    #[serde(default)]
    pub session_names: std::collections::BTreeMap<String, String>,
}

fn default_legistar_base_url() -> String {
    "https://webapi.legistar.com/v1".into()
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LegistarConfig {
    pub name: Option<String>,
    /// The Legistar client name (`nyc`, `chicago`).
    pub client: String,
    #[serde(default = "default_legistar_base_url")]
    pub base_url: String,
    /// OCD jurisdiction id of the city or county
    /// (`ocd-jurisdiction/country:us/state:ny/place:new_york/government`).
    pub jurisdiction: String,
    /// IANA zone the client's zone-less timestamps are in (default: the pipeline's).
    pub timezone: Option<String>,
    /// Name of the environment variable holding the client's API token, when it needs one
    /// (New York City's does). Sent as the `token` parameter, never logged.
    pub token_env: Option<String>,
    /// Council terms, the sessions bills are filed under.
    #[serde(rename = "term", default)]
    pub terms: Vec<LegistarTerm>,
    /// On the first run, only what was modified on or after this day (default: everything).
    pub since: Option<chrono::NaiveDate>,
    /// Also fetch events (hearings) (default true) …
    #[serde(default = "yes")]
    pub events: bool,
    /// … with their items (agendas) and the members' votes on them (default true).
    #[serde(default = "yes")]
    pub agendas: bool,
    /// Rows per list request (default 1000, the API's cap; smaller only for tests and mirrors).
    pub page_size: Option<usize>,
    /// Requests per minute to the API (default 120).
    #[serde(default = "default_legistar_rate")]
    pub requests_per_minute: u32,
}

fn default_legistar_rate() -> u32 {
    120
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LegistarTerm {
    /// The session name bills get (`2022-2025`).
    pub name: String,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IcalConfig {
    pub name: Option<String>,
    /// An `.ics` file (relative to the pipeline file) …
    pub path: Option<PathBuf>,
    /// … or the feed's URL (fetched with a conditional GET).
    pub url: Option<String>,
    /// Whose hearings: a state code (`il`) or an OCD jurisdiction id.
    pub jurisdiction: String,
    /// Zone of floating times and unknown TZIDs (default: the jurisdiction's, else the pipeline's).
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CaPubinfoConfig {
    pub name: Option<String>,
    /// A pubinfo export on disk: a folder of its `.dat` and `.lob` files, or the zip itself
    /// (relative to the pipeline file). Without it, `base_url`/`file` is downloaded.
    pub path: Option<PathBuf>,
    #[serde(default = "default_ca_base_url")]
    pub base_url: String,
    /// The zip to download. `{day}` stands for the weekday (`Mon` … `Sun`) of the newest daily
    /// export: the Legislative Counsel publishes `pubinfo_daily_<Day>.zip`, a full snapshot of
    /// the current session, every evening (Pacific time). `pubinfo_2025.zip` names a session's
    /// archive (refreshed weekly for the current session).
    #[serde(default = "default_ca_file")]
    pub file: String,
}

fn default_ca_base_url() -> String {
    "https://downloads.leginfo.legislature.ca.gov".into()
}

fn default_ca_file() -> String {
    "pubinfo_daily_{day}.zip".into()
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NyLbdcConfig {
    pub name: Option<String>,
    /// A folder of feed files as LBDC publishes them (`2023-05-30-16.07.29.818207_BILLSTAT_S05186.XML`, …).
    pub path: PathBuf,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OcdScrapeConfig {
    /// Name of the source within the pipeline (default: the kind and the path).
    pub name: Option<String>,
    /// A folder of scrape output (read recursively) or one file; relative to the pipeline file.
    pub path: PathBuf,
    /// OCD jurisdiction id, when the folder has no `jurisdiction_*.json` file.
    pub jurisdiction: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OpenstatesPeopleConfig {
    /// Name of the source within the pipeline (default: the kind and the path).
    pub name: Option<String>,
    /// The repository's `data/` folder or one state's folder (`data/de`), read recursively;
    /// relative to the pipeline file.
    pub path: PathBuf,
}

fn default_base_url() -> String {
    "https://v3.openstates.org".into()
}
fn default_key_env() -> String {
    "OPENSTATES_API_KEY".into()
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OpenStatesConfig {
    pub name: Option<String>,
    /// API root; overridable for mirrors and replay.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Two-letter code of the jurisdiction (`de`), or its OCD jurisdiction id.
    pub jurisdiction: String,
    /// Only this legislative session (default: every session the API returns).
    pub session: Option<String>,
    /// Name of the environment variable that holds the API key.
    #[serde(default = "default_key_env")]
    pub api_key_env: String,
    /// The API tier's limits.
    #[serde(default)]
    pub tier: Tier,
    /// Also fetch `/people` (default true).
    #[serde(default = "yes")]
    pub people: bool,
    /// Also fetch `/events` with agendas (default true).
    #[serde(default = "yes")]
    pub events: bool,
    /// Also fetch `/committees` with their rosters (default false: one more request for the
    /// jurisdiction's chambers, and a page per 20 committees, out of the daily quota).
    #[serde(default)]
    pub committees: bool,
    /// Stop after this many pages of bills per run (default: no limit but the daily quota).
    pub max_pages: Option<u32>,
}

fn yes() -> bool {
    true
}

/// Request limits of an API tier. Open States' default tier: 10 requests a minute, 250 a day.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub requests_per_minute: u32,
    pub requests_per_day: u32,
}

impl Default for Tier {
    fn default() -> Self {
        Tier { requests_per_minute: 10, requests_per_day: 250 }
    }
}

impl SourceConfig {
    /// The source's kind, as the `kind` key names it.
    pub fn source_kind(&self) -> SourceKind {
        match self {
            SourceConfig::OcdScrape(_) => SourceKind::OcdScrape,
            SourceConfig::Openstates(_) => SourceKind::Openstates,
            SourceConfig::NyLbdc(_) => SourceKind::NyLbdc,
            SourceConfig::CaPubinfo(_) => SourceKind::CaPubinfo,
            SourceConfig::LegiscanDataset(_) => SourceKind::LegiscanDataset,
            SourceConfig::Legiscan(_) => SourceKind::Legiscan,
            SourceConfig::Legistar(_) => SourceKind::Legistar,
            SourceConfig::Ical(_) => SourceKind::Ical,
            SourceConfig::OpenstatesPeople(_) => SourceKind::OpenstatesPeople,
        }
    }

    /// The kind's name (`source_kind().as_str()`).
    pub fn kind(&self) -> &'static str {
        self.source_kind().as_str()
    }

    /// The source's name: as configured, else derived from its kind and location.
    pub fn name(&self) -> String {
        match self {
            SourceConfig::OcdScrape(c) => c.name.clone().unwrap_or_else(|| format!("ocd_scrape:{}", c.path.display())),
            SourceConfig::Openstates(c) => c.name.clone().unwrap_or_else(|| format!("openstates:{}", c.jurisdiction)),
            SourceConfig::NyLbdc(c) => c.name.clone().unwrap_or_else(|| format!("ny_lbdc:{}", c.path.display())),
            SourceConfig::CaPubinfo(c) => c.name.clone().unwrap_or_else(|| match &c.path {
                Some(p) => format!("ca_pubinfo:{}", p.display()),
                None => format!("ca_pubinfo:{}", c.file),
            }),
            SourceConfig::LegiscanDataset(c) => {
                c.name.clone().unwrap_or_else(|| format!("legiscan_dataset:{}", c.path.display()))
            }
            SourceConfig::Legiscan(c) => c.name.clone().unwrap_or_else(|| format!("legiscan:{}", c.state)),
            SourceConfig::Legistar(c) => c.name.clone().unwrap_or_else(|| format!("legistar:{}", c.client)),
            SourceConfig::Ical(c) => c.name.clone().unwrap_or_else(|| match (&c.path, &c.url) {
                (Some(p), _) => format!("ical:{}", p.display()),
                (None, Some(u)) => format!("ical:{u}"),
                (None, None) => "ical".into(),
            }),
            SourceConfig::OpenstatesPeople(c) => {
                c.name.clone().unwrap_or_else(|| format!("openstates_people:{}", c.path.display()))
            }
        }
    }
}

/// A validated pipeline: paths resolved, schedule and zone parsed.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub name: String,
    pub file: PathBuf,
    pub timezone: chrono_tz::Tz,
    /// The main schedule first, then the extra ones.
    pub timetable: crate::schedule::Timetable,
    pub stale_after: Option<chrono::Duration>,
    pub alert_after: u32,
    pub sources: Vec<SourceConfig>,
    pub coalitions: Vec<crate::alerts::config::Coalition>,
    pub alerts: AlertMode,
    pub texts: TextsConfig,
}

/// A coalition's delivery mode is its pipeline's: one named by a dry-run pipeline and by an
/// SMTP pipeline at once is a configuration error (its messages would go both ways).
pub fn check_delivery_modes(pipelines: &[Pipeline]) -> Result<(), ConfigError> {
    let mut seen: std::collections::HashMap<&str, &Pipeline> = std::collections::HashMap::new();
    for p in pipelines {
        for c in &p.coalitions {
            match seen.get(c.id.as_str()) {
                Some(other) if other.alerts != p.alerts => {
                    return Err(ConfigError::Invalid {
                        path: p.file.clone(),
                        message: format!(
                            "coalition {:?} is also named by {} with alerts = {:?}, and this pipeline has alerts = {:?}: a coalition's messages go one way (give each pipeline its own coalition file)",
                            c.id,
                            other.file.display(),
                            other.alerts.as_str(),
                            p.alerts.as_str()
                        ),
                    });
                }
                Some(_) => {}
                None => {
                    seen.insert(&c.id, p);
                }
            }
        }
    }
    Ok(())
}

/// A cron expression's shape and numbers, checked before the `cron` crate parses it: its own
/// messages are off by one ("Hours must be less than 23" for 24) and a five-field expression
/// gets no reason.
fn check_cron_fields(text: &str) -> Result<(), String> {
    const FIELDS: [(&str, u32, u32); 7] = [
        ("second", 0, 59),
        ("minute", 0, 59),
        ("hour", 0, 23),
        ("day of the month", 1, 31),
        ("month", 1, 12),
        // The `cron` crate counts weekdays 1 (Sunday) to 7 (Saturday); names (`Mon-Fri`) are clearer.
        ("day of the week", 1, 7),
        ("year", 1970, 2099),
    ];
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.len() == 5 {
        return Err("has 5 fields; statehouse schedules have seconds first: `sec min hour day month weekday` \
             (\"0 30 2 * * *\" is 02:30 every day)"
            .into());
    }
    if !(6..=7).contains(&fields.len()) {
        return Err(format!(
            "has {} fields; a schedule has 6 (`sec min hour day month weekday`) or 7 (with a year)",
            fields.len()
        ));
    }
    for (field, (name, low, high)) in fields.iter().zip(FIELDS) {
        for part in field.split(',') {
            // A step (`*/10`, `5/15`) counts intervals, not a value of the field.
            let values = part.split('/').next().unwrap_or_default();
            for value in values.split('-') {
                if let Ok(n) = value.parse::<u32>()
                    && !(low..=high).contains(&n)
                {
                    return Err(format!("{name} {n} is out of range ({low} to {high})"));
                }
            }
        }
    }
    Ok(())
}

impl AlertMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertMode::Smtp => "smtp",
            AlertMode::DryRun => "dry-run",
        }
    }
}

impl Pipeline {
    pub fn load(path: &Path) -> Result<Pipeline, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Pipeline::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Pipeline, ConfigError> {
        let file: PipelineFile = toml::from_str(text)
            .map_err(|e| ConfigError::Parse { path: path.to_path_buf(), message: e.to_string() })?;
        let invalid = |message: String| ConfigError::Invalid { path: path.to_path_buf(), message };
        let cron_of = |text: &str| -> Result<cron::Schedule, ConfigError> {
            check_cron_fields(text).map_err(|m| invalid(format!("schedule {text:?}: {m}")))?;
            text.parse()
                .map_err(|e| invalid(format!("schedule {text:?} is not a cron expression with seconds first: {e}")))
        };
        let timezone: chrono_tz::Tz = file
            .timezone
            .parse()
            .map_err(|_| invalid(format!("timezone {:?} is not an IANA time zone", file.timezone)))?;
        let mut entries = vec![crate::schedule::Entry { schedule: cron_of(&file.schedule)?, from: None, until: None }];
        for extra in &file.extra_schedules {
            if let (Some(f), Some(u)) = (extra.from, extra.until)
                && f > u
            {
                return Err(invalid(format!("extra_schedule {:?}: `from` {f} is after `until` {u}", extra.schedule)));
            }
            entries.push(crate::schedule::Entry {
                schedule: cron_of(&extra.schedule)?,
                from: extra.from,
                until: extra.until,
            });
        }
        let timetable = crate::schedule::Timetable { tz: timezone, entries };
        let stale_after = match &file.stale_after {
            None => None,
            Some(text) => Some(
                humantime::parse_duration(text)
                    .ok()
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .ok_or_else(|| invalid(format!("stale_after {text:?} is not a duration like \"36h\"")))?,
            ),
        };
        if file.alert_after == 0 {
            return Err(invalid("alert_after must be at least 1".into()));
        }
        if file.texts.max_bytes == 0 || file.texts.requests_per_minute == 0 || file.texts.attempts == 0 {
            return Err(invalid("[texts] max_bytes, requests_per_minute and attempts must be at least 1".into()));
        }
        if file.sources.is_empty() {
            return Err(invalid("no [[source]]".into()));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let mut names = std::collections::HashSet::new();
        let mut sources = Vec::new();
        for mut s in file.sources {
            match &mut s {
                SourceConfig::OcdScrape(OcdScrapeConfig { path, .. })
                | SourceConfig::NyLbdc(NyLbdcConfig { path, .. })
                | SourceConfig::LegiscanDataset(LegiscanDatasetConfig { path, .. })
                | SourceConfig::OpenstatesPeople(OpenstatesPeopleConfig { path, .. }) => {
                    if path.is_relative() {
                        *path = base.join(&*path);
                    }
                }
                SourceConfig::CaPubinfo(c) => {
                    if let Some(path) = &mut c.path {
                        if path.is_relative() {
                            *path = base.join(&*path);
                        }
                    } else {
                        url::Url::parse(&c.base_url).map_err(|e| invalid(format!("base_url {:?}: {e}", c.base_url)))?;
                        if c.file.is_empty() || c.file.contains('/') {
                            return Err(invalid(format!("file {:?}: a zip's name on base_url", c.file)));
                        }
                    }
                }
                SourceConfig::Legiscan(c) => {
                    url::Url::parse(&c.base_url).map_err(|e| invalid(format!("base_url {:?}: {e}", c.base_url)))?;
                    if c.state.len() != 2 || crate::jurisdictions::name_of(&c.state.to_lowercase()).is_none() {
                        return Err(invalid(format!("state {:?}: a two-letter state code", c.state)));
                    }
                    if c.monthly_budget == 0 {
                        return Err(invalid("monthly_budget must be at least 1".into()));
                    }
                }
                SourceConfig::Legistar(c) => {
                    url::Url::parse(&c.base_url).map_err(|e| invalid(format!("base_url {:?}: {e}", c.base_url)))?;
                    if c.client.is_empty() || !c.client.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') {
                        return Err(invalid(format!("client {:?}: a Legistar client name like \"nyc\"", c.client)));
                    }
                    if !c.jurisdiction.starts_with("ocd-jurisdiction/") {
                        return Err(invalid(format!("jurisdiction {:?}: an OCD jurisdiction id", c.jurisdiction)));
                    }
                    if let Some(tz) = &c.timezone {
                        tz.parse::<chrono_tz::Tz>()
                            .map_err(|_| invalid(format!("timezone {tz:?} is not an IANA time zone")))?;
                    }
                    if c.page_size.is_some_and(|n| n == 0 || n > crate::sources::legistar::PAGE_SIZE) {
                        return Err(invalid(format!(
                            "page_size must be between 1 and {}",
                            crate::sources::legistar::PAGE_SIZE
                        )));
                    }
                    if c.requests_per_minute == 0 {
                        return Err(invalid("requests_per_minute must be at least 1".into()));
                    }
                    for t in &c.terms {
                        if t.start > t.end {
                            return Err(invalid(format!(
                                "term {:?}: start {} is after end {}",
                                t.name, t.start, t.end
                            )));
                        }
                    }
                }
                SourceConfig::Ical(c) => {
                    match (&mut c.path, &c.url) {
                        (Some(path), None) => {
                            if path.is_relative() {
                                *path = base.join(&*path);
                            }
                        }
                        (None, Some(u)) => {
                            url::Url::parse(u).map_err(|e| invalid(format!("url {u:?}: {e}")))?;
                        }
                        _ => return Err(invalid("an ical source needs either `path` or `url`".into())),
                    }
                    if let Some(tz) = &c.timezone {
                        tz.parse::<chrono_tz::Tz>()
                            .map_err(|_| invalid(format!("timezone {tz:?} is not an IANA time zone")))?;
                    }
                }
                SourceConfig::Openstates(c) => {
                    url::Url::parse(&c.base_url).map_err(|e| invalid(format!("base_url {:?}: {e}", c.base_url)))?;
                    if c.tier.requests_per_minute == 0 || c.tier.requests_per_day == 0 {
                        return Err(invalid("tier limits must be at least 1".into()));
                    }
                }
            }
            if !names.insert(s.name()) {
                return Err(invalid(format!("two sources are named {:?}; give them distinct `name`s", s.name())));
            }
            sources.push(s);
        }
        let mut coalitions = Vec::new();
        for c in &file.coalitions {
            let p = if c.is_relative() { base.join(c) } else { c.clone() };
            let coalition =
                crate::alerts::config::Coalition::load(&p).map_err(|e| invalid(crate::fetch::error_chain(&e)))?;
            if coalitions.iter().any(|x: &crate::alerts::config::Coalition| x.id == coalition.id) {
                return Err(invalid(format!("coalition {:?} is named twice", coalition.id)));
            }
            coalitions.push(coalition);
        }
        Ok(Pipeline {
            name: file.name,
            file: path.to_path_buf(),
            timezone,
            timetable,
            stale_after,
            alert_after: file.alert_after,
            sources,
            coalitions,
            alerts: file.alerts,
            texts: file.texts,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cron_mistakes_say_what_is_wrong() {
        const SOURCE: &str = "[[source]]\nname = \"de\"\nkind = \"ocd_scrape\"\npath = \"data/de\"\n";
        let err = |schedule: &str| {
            let text = format!("name = \"p\"\nschedule = \"{schedule}\"\ntimezone = \"America/New_York\"\n{SOURCE}");
            Pipeline::parse(&text, Path::new("p.toml")).unwrap_err().to_string()
        };
        assert!(
            err("0 24 * * *").contains("has 5 fields; statehouse schedules have seconds first"),
            "{}",
            err("0 24 * * *")
        );
        assert!(err("0 0 24 * * *").contains("hour 24 is out of range (0 to 23)"), "{}", err("0 0 24 * * *"));
        assert!(err("0 60 2 * * *").contains("minute 60 is out of range (0 to 59)"), "{}", err("0 60 2 * * *"));
        assert!(err("0 0 2 0 * *").contains("day of the month 0 is out of range (1 to 31)"));
        assert!(err("0 0 2 * 1-13 *").contains("month 13 is out of range (1 to 12)"));
        assert!(err("0").contains("has 1 fields"));
        // The edges of each range, steps and lists are fine.
        assert!(err("0 0 2 * * 0").contains("day of the week 0 is out of range (1 to 7)"));
        for ok in ["59 59 23 31 12 7", "0 0 0 1 1 1", "*/10 * * * * *", "0 0,30 9-17 * * Mon-Fri"] {
            let text = format!("name = \"p\"\nschedule = \"{ok}\"\ntimezone = \"America/New_York\"\n{SOURCE}");
            let parsed = Pipeline::parse(&text, Path::new("p.toml"));
            assert!(parsed.is_ok(), "{ok}: {:?}", parsed.err());
        }
    }

    use super::*;

    #[test]
    fn the_contract_example_parses() {
        let text = r#"
name = "delaware"
schedule = "0 30 2 * * *"        # cron expression
timezone = "America/New_York"
[[source]]
kind = "ocd_scrape"              # a folder of Open States scraper output
path = "data/de"                 # relative paths resolve against this file's folder
[[source]]
kind = "openstates"              # the Open States API v3
base_url = "https://v3.openstates.org"   # overridable, for mirrors and replay
jurisdiction = "de"
api_key_env = "OPENSTATES_API_KEY"
"#;
        let p = Pipeline::parse(text, Path::new("/etc/statehouse/de.toml")).unwrap();
        assert_eq!(p.name, "delaware");
        assert_eq!(p.sources.len(), 2);
        match &p.sources[0] {
            SourceConfig::OcdScrape(c) => assert_eq!(c.path, PathBuf::from("/etc/statehouse/data/de")),
            other => panic!("{other:?}"),
        }
        match &p.sources[1] {
            SourceConfig::Openstates(c) => assert_eq!(c.tier, Tier { requests_per_minute: 10, requests_per_day: 250 }),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn extra_schedules_and_freshness() {
        let text = r#"
name = "co"
schedule = "0 30 19 * * *"
timezone = "America/Denver"
stale_after = "36h"
alert_after = 2
[[extra_schedule]]
schedule = "0 0 8-18/2 * * Mon-Fri"
from = "2026-01-14"
until = "2026-05-13"
[[source]]
kind = "openstates"
jurisdiction = "co"
"#;
        let p = Pipeline::parse(text, Path::new("co.toml")).unwrap();
        assert_eq!(p.timetable.entries.len(), 2);
        assert_eq!(p.stale_after, Some(chrono::Duration::hours(36)));
        assert_eq!(p.alert_after, 2);
        let bad = text.replace("2026-01-14", "2026-06-01");
        assert!(Pipeline::parse(&bad, Path::new("co.toml")).unwrap_err().to_string().contains("after `until`"));
    }

    #[test]
    fn mistakes_are_named() {
        let err = Pipeline::parse(
            "name='x'\nschedule='0 0 * * *'\ntimezone='UTC'\n[[source]]\nkind='ocd_scrape'\npath='a'",
            Path::new("p.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("schedule"), "{err}");
        let err = Pipeline::parse(
            "name='x'\nschedule='0 0 2 * * *'\ntimezone='UTC'\n[[source]]\nkind='ocd_scrape'\npath='a'\npaht='b'",
            Path::new("p.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("paht"), "{err}");
        let err = Pipeline::parse(
            "name='x'\nschedule='0 0 2 * * *'\ntimezone='Mars/Olympus'\n[[source]]\nkind='ocd_scrape'\npath='a'",
            Path::new("p.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("Mars/Olympus"), "{err}");
    }
}
