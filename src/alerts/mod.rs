//! Coalition alerts: rules over the change ledger, an outbox, and delivery exactly once.
//!
//! - `config`: coalition TOML files (groups, leads, tracked bills, watched terms);
//! - `rules`: which change events concern which coalition, and why (pure);
//! - `render`: the email (plain text and HTML from templates) and digests (pure);
//! - `feeds`: per-coalition iCalendar (upcoming hearings) and Atom (alerts) files (pure);
//! - `engine`: the cursor over `change_events`, the outbox, sending and retries.
//!
//! [`Alert`] is what one outbox row holds: everything the email says, resolved when the
//! alert is made (titles, local times, the roll call), so rendering needs no database and a
//! later change to the bill does not rewrite an alert already queued.

pub mod config;
pub mod engine;
pub mod feeds;
pub mod render;
pub mod rules;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of news an alert carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A bill new to the warehouse matching watched terms, subjects or sponsors.
    NewBill,
    /// An action on a tracked bill.
    Action,
    /// A hearing (or a new agenda item) that takes up a tracked bill.
    HearingScheduled,
    /// A hearing with a tracked bill moved to another time or room (before → after).
    HearingRescheduled,
    HearingCancelled,
    /// A tracked bill taken off a hearing's agenda.
    AgendaRemoved,
    /// N days before a hearing on a tracked bill, with the committee's members.
    HearingReminder,
    /// A roll call on a tracked bill, with every legislator's vote.
    RollCall,
    /// A new version (or amendment) of a tracked bill.
    NewVersion,
    SponsorAdded,
    SponsorRemoved,
    /// A member joined or left, or a role changed (a new chair), on a committee that holds a
    /// tracked bill.
    CommitteeChanged,
}

impl AlertKind {
    /// The rule name used in outbox keys, `coalition_rules` and the email's "why".
    pub fn rule(self) -> &'static str {
        match self {
            AlertKind::NewBill => "new_bill",
            AlertKind::Action => "action",
            AlertKind::HearingScheduled => "hearing_scheduled",
            AlertKind::HearingRescheduled => "hearing_rescheduled",
            AlertKind::HearingCancelled => "hearing_cancelled",
            AlertKind::AgendaRemoved => "agenda_removed",
            AlertKind::HearingReminder => "hearing_reminder",
            AlertKind::RollCall => "roll_call",
            AlertKind::NewVersion => "new_version",
            AlertKind::SponsorAdded => "sponsor_added",
            AlertKind::SponsorRemoved => "sponsor_removed",
            AlertKind::CommitteeChanged => "committee_changed",
        }
    }
}

/// A coalition's stance on a bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Support,
    Oppose,
    Watch,
}

impl Position {
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Support => "support",
            Position::Oppose => "oppose",
            Position::Watch => "watch",
        }
    }

    /// Whether a legislator's normalized vote option is with this position: `Some(true)` for
    /// yes on a supported bill or no on an opposed one, `Some(false)` for the reverse, `None`
    /// when there is no side (watch, or an abstention or absence).
    pub fn agrees(self, option: &str) -> Option<bool> {
        match (self, option) {
            (Position::Support, "yes") | (Position::Oppose, "no") => Some(true),
            (Position::Support, "no") | (Position::Oppose, "yes") => Some(false),
            _ => None,
        }
    }
}

/// The bill an alert is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillInfo {
    pub id: String,
    /// Jurisdiction name ("Illinois").
    pub jurisdiction: String,
    pub session: String,
    /// "HB 1075".
    pub identifier: String,
    pub title: String,
    /// The source's public page for the bill.
    pub url: Option<String>,
    /// The recipient's group's position, when the bill is tracked.
    pub position: Option<Position>,
    /// The group the bill is assigned to.
    pub group: Option<String>,
    pub latest_action: Option<String>,
    /// The credit line a source's licence asks for, shown with the data (LegiScan's CC BY 4.0).
    #[serde(default)]
    pub credit: Option<String>,
    /// OCD jurisdiction id (whose legislators are the recipient's own).
    #[serde(default)]
    pub jurisdiction_id: Option<String>,
}

/// Why the alert matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Why {
    /// A sentence: "You track HB 1075 (support)", "New bill matches the watched term \"police\"".
    pub reason: String,
    /// Watched terms, subjects, sponsors or committees that matched.
    pub terms: Vec<String>,
    /// A short excerpt of the matching text, when a term matched text.
    pub snippet: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionInfo {
    /// Local date, `YYYY-MM-DD`.
    pub date: Option<String>,
    pub description: String,
    /// OCD classes (`passage`, `committee-passage`, …).
    pub classification: Vec<String>,
    /// `upper`, `lower`, … as the warehouse has it.
    pub organization: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HearingInfo {
    pub event_id: String,
    pub name: String,
    /// Committees taking part.
    pub committees: Vec<String>,
    /// The start in the legislature's local time, formatted for people:
    /// "Tuesday, February 7, 2017 at 9:30 AM EST" (or the date alone for all-day events).
    pub when: String,
    /// Before a reschedule, the same for the old time.
    pub before: Option<String>,
    pub location: Option<String>,
    pub before_location: Option<String>,
    /// `confirmed`, `cancelled`, …
    pub status: String,
    pub start_time: Option<DateTime<Utc>>,
    pub start_date: Option<String>,
    pub all_day: bool,
    /// IANA zone of `when`.
    pub timezone: String,
    /// Members of the committee (who to call), from its latest roll call: the fallback where
    /// no roster is known.
    pub members: Vec<String>,
    /// The committee's roster (chair and vice chair first), when the hearing's committee is
    /// one the warehouse holds a roster of.
    #[serde(default)]
    pub roster: Vec<RosterMember>,
    pub url: Option<String>,
    /// What happened to the hearing in one run, in one sentence, when it took more than one
    /// change ("The meeting of Monday … was cancelled; the hearing moved to Tuesday …", "It was
    /// cancelled and is back on").
    #[serde(default)]
    pub story: Option<String>,
}

/// A legislator with what a constituent needs to reach them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LegislatorInfo {
    pub person_id: String,
    pub name: String,
    /// `upper`, `lower`, `legislature`.
    pub chamber: Option<String>,
    pub district: Option<String>,
    pub party: Option<String>,
    /// The capitol office's phone, else the district office's.
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A committee member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterMember {
    pub person_id: Option<String>,
    pub name: String,
    /// `chair`, `vice chair`, `member`, …
    pub role: String,
    pub party: Option<String>,
    pub district: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// One of the recipient's group's own legislators.
    #[serde(default)]
    pub yours: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoterInfo {
    pub name: String,
    /// The person the voter is, when linked.
    #[serde(default)]
    pub person_id: Option<String>,
    /// One of the recipient's group's own legislators.
    #[serde(default)]
    pub yours: bool,
    /// Normalized option: yes, no, abstain, absent, excused, not voting, other.
    pub option: String,
    /// With (true) or against (false) the recipient's position; `None` without a side.
    pub with_position: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoteInfo {
    pub motion: String,
    pub date: Option<String>,
    /// `pass`, `fail`, …
    pub result: String,
    /// The body that voted: "Senate", "House", or a committee's name.
    pub body: String,
    pub yes: i64,
    pub no: i64,
    pub other: i64,
    pub voters: Vec<VoterInfo>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub note: String,
    pub date: Option<String>,
    pub url: Option<String>,
    /// A short summary of the change against the previous version, when both texts are known
    /// ("+3 paragraphs, −1").
    pub diff_summary: Option<String>,
    /// Watched phrases that this version added or removed (texts known only).
    pub phrases_added: Vec<String>,
    pub phrases_removed: Vec<String>,
    /// The changed sections, added and removed words marked (`[-old-]{+new+}`), cut to a
    /// readable length (texts known only).
    #[serde(default)]
    pub diff_excerpt: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SponsorInfo {
    pub name: String,
    pub primary: bool,
}

/// One alert: one outbox row's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub coalition_id: String,
    pub coalition_name: String,
    /// One line, used as the subject: "HB 1075 passed the House".
    pub headline: String,
    pub bill: Option<BillInfo>,
    pub why: Why,
    pub action: Option<ActionInfo>,
    pub hearing: Option<HearingInfo>,
    pub vote: Option<VoteInfo>,
    pub version: Option<VersionInfo>,
    pub sponsor: Option<SponsorInfo>,
    /// Where the news comes from (the source's page for the bill, vote or hearing).
    pub source_url: Option<String>,
    /// When the warehouse recorded the change (`change_events.recorded_at`), "data as of".
    pub data_as_of: DateTime<Utc>,
    /// The change event, for change-driven alerts.
    pub change_seq: Option<i64>,
    /// The recipient's group's own legislators (the members for the districts it declared)
    /// in the bill's jurisdiction, with their phone and email.
    #[serde(default)]
    pub your_legislators: Vec<LegislatorInfo>,
    /// A committee's membership change (`committee_changed`).
    #[serde(default)]
    pub committee: Option<CommitteeChange>,
}

/// What changed on a committee in one run: members who joined or left, new roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitteeChange {
    pub committee_id: String,
    /// "House Housing".
    pub committee: String,
    /// One sentence each: "Bill Carson is now chair (was member)", "Ann Lee joined as member".
    pub changes: Vec<String>,
    /// The tracked bill it holds, by the referral that sent it there.
    pub referral: Option<String>,
}

/// A lead who receives alerts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    pub name: String,
    pub email: String,
    /// IANA zone for digests and dates.
    pub timezone: String,
    pub group: String,
}
