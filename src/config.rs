//! Pipeline files: TOML under `pipelines/`, read with serde (unknown keys are errors) and
//! validated once into a [`Pipeline`]. Doc comments on the fields are the user reference
//! (README "Pipeline files" repeats them).

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
    pub fn kind(&self) -> &'static str {
        match self {
            SourceConfig::OcdScrape(_) => "ocd_scrape",
            SourceConfig::Openstates(_) => "openstates",
            SourceConfig::NyLbdc(_) => "ny_lbdc",
            SourceConfig::CaPubinfo(_) => "ca_pubinfo",
        }
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
        if file.sources.is_empty() {
            return Err(invalid("no [[source]]".into()));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let mut names = std::collections::HashSet::new();
        let mut sources = Vec::new();
        for mut s in file.sources {
            match &mut s {
                SourceConfig::OcdScrape(OcdScrapeConfig { path, .. })
                | SourceConfig::NyLbdc(NyLbdcConfig { path, .. }) => {
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
        })
    }
}

#[cfg(test)]
mod tests {
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
