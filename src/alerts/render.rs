//! The alert email and the daily digest: subject, plain text and HTML (pure).
//!
//! The wording lives in `templates/email/` (minijinja, embedded at build time): `alert.*` and
//! `digest.*` are the two emails, `section.*` is one alert (shared by both and by the Atom
//! feed), `footer.*` says why the reader gets the email and how to stop. This module turns an
//! [`Alert`] into a *view* of display-ready strings (dates in words, links checked, votes
//! grouped, the suggested next step) and hands it to the templates.
//!
//! Everything in an alert comes from legislature feeds and is untrusted:
//! - HTML templates autoescape (`.html` names), and a URL becomes an `href` only when it is an
//!   absolute `http`/`https` URL ([`web_link`]); anything else is shown as text;
//! - every displayed field is one line: control characters (CR, LF, …) and bidirectional
//!   overrides become spaces and runs of whitespace collapse ([`one_line`]);
//! - the subject is one line of at most [`SUBJECT_MAX_CHARS`] characters ([`subject_line`]),
//!   and [`message`] sets every header through lettre, which encodes what is not plain ASCII.
//!
//! The plain-text part is wrapped at [`TEXT_WIDTH`] columns after rendering ([`wrap_text`]), so
//! the text templates can stay one field per line.

use std::sync::OnceLock;
use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, context};
use serde::Serialize;

use super::{Alert, AlertKind, LegislatorInfo, Position, Recipient, RosterMember, VoteInfo, VoterInfo};

/// The longest subject, in characters, ellipsis included.
pub const SUBJECT_MAX_CHARS: usize = 150;
/// The width the plain-text part is wrapped at.
pub const TEXT_WIDTH: usize = 72;

/// A rendered email, before it becomes a MIME message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line, already sanitized (see [`subject_line`]).
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The recipient's own links, shown in the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// A `mailto:` or `https:` URL; also the `List-Unsubscribe` header (see [`message`]).
    pub unsubscribe: String,
    /// Where the lead can change what they get (`http`/`https`), if there is such a page.
    pub manage: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the email templates could not be loaded: {0}")]
    Templates(String),
    #[error("template {template} failed")]
    Template {
        template: &'static str,
        #[source]
        source: minijinja::Error,
    },
    #[error("unsubscribe link {0:?} is not an https: or mailto: URL")]
    Unsubscribe(String),
    #[error("manage link {0:?} is not an http(s) URL")]
    Manage(String),
    #[error("a digest needs at least one alert")]
    EmptyDigest,
}

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("{0:?} is not an email address")]
    Address(String),
    #[error("{0:?} is not a Message-ID (<local@domain>, printable ASCII)")]
    MessageId(String),
    #[error("List-Unsubscribe {0:?} is not an https: or mailto: URL")]
    Unsubscribe(String),
    #[error("cannot build the message")]
    Build(#[source] lettre::error::Error),
}

/// One alert as its own email.
pub fn render_alert(alert: &Alert, to: &Recipient, links: &Links) -> Result<Rendered, RenderError> {
    let tz = zone(&to.timezone);
    let links = links_view(links)?;
    let subject = subject_line(&format!("[{}] {}", alert.coalition_name, alert.headline));
    let a = alert_view(alert, 0, tz);
    let ctx = context! {
        subject => &subject,
        a => Serde(&a),
        recipient => recipient_view(to),
        coalition => one_line(&alert.coalition_name),
        links => Serde(&links),
    };
    Ok(Rendered {
        text: wrap_text(&render("alert.txt", ctx.clone())?, TEXT_WIDTH),
        html: render("alert.html", ctx)?,
        subject,
    })
}

/// The day's alerts in one email: an index, then each alert, the most pressing kinds first
/// (roll calls, hearings, actions, versions, sponsors, new bills), then by time.
pub fn render_digest(
    alerts: &[Alert],
    to: &Recipient,
    local_date: NaiveDate,
    links: &Links,
) -> Result<Rendered, RenderError> {
    if alerts.is_empty() {
        return Err(RenderError::EmptyDigest);
    }
    let tz = zone(&to.timezone);
    let links = links_view(links)?;
    let mut ordered: Vec<&Alert> = alerts.iter().collect();
    ordered.sort_by_key(|a| (importance(a.kind), a.data_as_of));
    let views: Vec<AlertView> = ordered.iter().enumerate().map(|(i, a)| alert_view(a, i + 1, tz)).collect();

    let mut coalitions: Vec<String> = Vec::new();
    for a in &ordered {
        let name = one_line(&a.coalition_name);
        if !coalitions.contains(&name) {
            coalitions.push(name);
        }
    }
    let coalition = coalitions.join(", ");
    let n = alerts.len();
    let title = format!("{n} {} for {}", if n == 1 { "update" } else { "updates" }, local_date.format("%A, %B %-d"));
    let subject = subject_line(&format!("[{coalition}] {title}"));
    let ctx = context! {
        subject => &subject,
        title => &title,
        alerts => Serde(&views),
        recipient => recipient_view(to),
        coalition => &coalition,
        links => Serde(&links),
    };
    Ok(Rendered {
        text: wrap_text(&render("digest.txt", ctx.clone())?, TEXT_WIDTH),
        html: render("digest.html", ctx)?,
        subject,
    })
}

/// One alert's section in plain text (no greeting, no footer), with "data as of" in `timezone`
/// (an IANA name; UTC when unknown). The Atom feed's entry content.
pub fn alert_text(alert: &Alert, timezone: &str) -> Result<String, RenderError> {
    let a = alert_view(alert, 0, zone(timezone));
    Ok(wrap_text(&render("section.txt", context! { a => Serde(&a) })?, TEXT_WIDTH))
}

/// The MIME message for a rendered email: `multipart/alternative` (text, then HTML, both
/// quoted-printable UTF-8) with From, To, Subject, Date, Message-ID, `List-Unsubscribe`
/// (plus `List-Unsubscribe-Post: List-Unsubscribe=One-Click` when the link is https, RFC 8058)
/// and `Auto-Submitted: auto-generated` (RFC 3834). `message_id` is the whole `<id@domain>`.
/// `Message::formatted()` gives the RFC 5322 bytes.
pub fn message(
    rendered: &Rendered,
    from: &Mailbox,
    to: &Recipient,
    list_unsubscribe: &str,
    message_id: &str,
    date: DateTime<Utc>,
) -> Result<Message, MessageError> {
    let address = to.email.trim().parse().map_err(|_| MessageError::Address(to.email.clone()))?;
    let name = one_line(&to.name);
    let to_mailbox = Mailbox::new((!name.is_empty()).then_some(name), address);
    if !valid_message_id(message_id) {
        return Err(MessageError::MessageId(message_id.to_string()));
    }
    let unsubscribe = own_link(list_unsubscribe).ok_or_else(|| MessageError::Unsubscribe(list_unsubscribe.into()))?;

    let mut builder = Message::builder()
        .from(from.clone())
        .to(to_mailbox)
        .subject(subject_line(&rendered.subject))
        .date(SystemTime::from(date))
        .message_id(Some(message_id.to_string()))
        .header(ListUnsubscribe(format!("<{unsubscribe}>")));
    if unsubscribe.starts_with("https:") {
        builder = builder.header(ListUnsubscribePost("List-Unsubscribe=One-Click".into()));
    }
    let builder = builder.header(AutoSubmitted("auto-generated".into()));

    let part = |content_type: ContentType, body: &str| {
        let body = Body::new_with_encoding(body.to_string(), ContentTransferEncoding::QuotedPrintable)
            .unwrap_or_else(|_| Body::new(body.to_string()));
        SinglePart::builder().header(content_type).body(body)
    };
    let alternative = MultiPart::alternative()
        .singlepart(part(ContentType::TEXT_PLAIN, &rendered.text))
        .singlepart(part(ContentType::TEXT_HTML, &rendered.html));
    builder.multipart(alternative).map_err(MessageError::Build)
}

/// A subject line: one line (no CR, LF or other control characters, whitespace collapsed) of
/// at most [`SUBJECT_MAX_CHARS`] characters, cut with an ellipsis.
pub fn subject_line(s: &str) -> String {
    let line = one_line(s);
    if line.chars().count() <= SUBJECT_MAX_CHARS {
        return line;
    }
    let cut: String = line.chars().take(SUBJECT_MAX_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// One displayable line: control characters and bidirectional overrides become spaces, runs of
/// whitespace become one space, the ends are trimmed.
pub fn one_line(s: &str) -> String {
    let cleaned: String = s.chars().map(|c| if c.is_control() || is_bidi_control(c) { ' ' } else { c }).collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The URL to use as an `href`: absolute `http`/`https` only, normalized by the `url` crate
/// (so no raw spaces or quotes); `None` for anything else, and for a URL with a control
/// character inside (which the URL standard would silently drop).
pub fn web_link(s: &str) -> Option<String> {
    let s = s.trim();
    if s.chars().any(char::is_control) {
        return None;
    }
    let url = url::Url::parse(s).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()))
        .then(|| url.as_str().to_string())
}

/// The unsubscribe link (ours, from config): `https:` or `mailto:`, normalized.
fn own_link(s: &str) -> Option<String> {
    let s = s.trim();
    if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let url = url::Url::parse(s).ok()?;
    match url.scheme() {
        "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Some(url.as_str().to_string()),
        "mailto" if url.path().contains('@') => Some(url.as_str().to_string()),
        _ => None,
    }
}

fn valid_message_id(id: &str) -> bool {
    let Some(inner) = id.strip_prefix('<').and_then(|s| s.strip_suffix('>')) else { return false };
    let Some((local, domain)) = inner.split_once('@') else { return false };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && inner.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"' | b'\\'))
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn zone(name: &str) -> Tz {
    // Recipient zones are validated with the coalition config; an unknown one shows UTC
    // (labelled as such) rather than holding the email back.
    name.trim().parse().unwrap_or(Tz::UTC)
}

/// "Monday, February 6, 2017 at 3:57 PM EST".
fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%A, %B %-d, %Y at %-I:%M %p %Z").to_string()
}

/// `YYYY-MM-DD` (or a timestamp starting with one) in words; anything else as it is.
fn human_date(s: &str) -> String {
    let s = one_line(s);
    match s.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
        Some(d) => d.format("%A, %B %-d, %Y").to_string(),
        None => s,
    }
}

/// Digest order: what needs attention soonest first.
fn importance(kind: AlertKind) -> u8 {
    match kind {
        AlertKind::RollCall => 0,
        AlertKind::HearingScheduled
        | AlertKind::HearingRescheduled
        | AlertKind::HearingCancelled
        | AlertKind::AgendaRemoved
        | AlertKind::HearingReminder => 1,
        AlertKind::Action => 2,
        AlertKind::NewVersion => 3,
        AlertKind::SponsorAdded | AlertKind::SponsorRemoved | AlertKind::CommitteeChanged => 4,
        AlertKind::NewBill => 5,
    }
}

fn label(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::NewBill => "New bill",
        AlertKind::Action => "Bill action",
        AlertKind::HearingScheduled => "Hearing scheduled",
        AlertKind::HearingRescheduled => "Hearing moved",
        AlertKind::HearingCancelled => "Hearing cancelled",
        AlertKind::AgendaRemoved => "Taken off a hearing agenda",
        AlertKind::HearingReminder => "Hearing reminder",
        AlertKind::RollCall => "Roll call vote",
        AlertKind::NewVersion => "New version",
        AlertKind::SponsorAdded => "Sponsor added",
        AlertKind::SponsorRemoved => "Sponsor removed",
        AlertKind::CommitteeChanged => "Committee change",
    }
}

/// The suggested next steps for a kind of news and the coalition's position.
fn suggestions(alert: &Alert) -> Vec<&'static str> {
    use AlertKind as K;
    use Position as P;
    let position = alert.bill.as_ref().and_then(|b| b.position);
    let side = match position {
        Some(P::Support) => Some(true),
        Some(P::Oppose) => Some(false),
        Some(P::Watch) | None => None,
    };
    let classes: &[String] = alert.action.as_ref().map(|a| a.classification.as_slice()).unwrap_or_default();
    let has = |c: &str| classes.iter().any(|x| x == c);
    let mut out = Vec::new();
    if alert.kind == K::HearingRescheduled {
        out.push("Tell anyone who planned to attend or testify about the new time and place.");
    }
    let step = match alert.kind {
        K::HearingScheduled | K::HearingRescheduled | K::HearingReminder => match side {
            Some(true) => {
                "Call committee members before the hearing and ask them to vote yes; file a witness slip or written testimony in support if the legislature takes them."
            }
            Some(false) => {
                "Call committee members before the hearing and ask them to vote no; file a witness slip or written testimony in opposition if the legislature takes them."
            }
            None => {
                "Decide before the hearing whether your coalition takes a position, and whether someone should attend or testify."
            }
        },
        K::HearingCancelled => "Tell anyone who planned to attend or testify, and watch for a new date.",
        K::AgendaRemoved => {
            "Tell anyone who planned to testify; ask the sponsor's office or committee staff whether the bill will come back."
        }
        K::RollCall => match side {
            Some(_) => "Thank those who voted with you; ask the others to explain their vote.",
            None => "Share the result with your coalition and note how each member voted.",
        },
        K::Action if has("executive-signature") || has("became-law") => match side {
            Some(true) => "Thank the sponsors and share the news with your members.",
            Some(false) => "Tell your members and plan next steps, such as rulemaking or how the law is carried out.",
            None => "Share the news with your members.",
        },
        K::Action if has("executive-veto") => match side {
            Some(true) => "Tell your members and ask legislators whether they will try to override the veto.",
            Some(false) => "Tell your members and watch for an attempt to override the veto.",
            None => "Share the news with your members.",
        },
        K::Action if has("referral-committee") => match side {
            Some(true) => "Contact members of the committee and ask them to give the bill a hearing and vote yes.",
            Some(false) => "Contact members of the committee and explain your concerns about the bill.",
            None => "Note which committee has the bill now.",
        },
        K::Action => match side {
            Some(true) => {
                "Check the bill's next step and contact the legislators who decide it; ask for their support."
            }
            Some(false) => {
                "Check the bill's next step and contact the legislators who decide it; explain your concerns."
            }
            None => "Note the change, and decide whether your coalition wants to take a position.",
        },
        K::NewVersion => match side {
            Some(_) => "Read the changes and check that your position still fits the new text.",
            None => "Read the changes and decide whether they matter to your coalition.",
        },
        K::SponsorAdded => match side {
            Some(true) => "Thank the new sponsor.",
            Some(false) => "Note the new sponsor; consider reaching out to explain your concerns.",
            None => "Note the new sponsor.",
        },
        K::SponsorRemoved => match side {
            Some(true) => "Ask the legislator's office why they withdrew, and look for other sponsors.",
            Some(false) | None => "Note the change in who backs the bill.",
        },
        K::CommitteeChanged => match side {
            Some(true) => {
                "Introduce your coalition to the new members or chair, and ask them to support the bill in committee."
            }
            Some(false) => {
                "Introduce your coalition to the new members or chair, and explain your concerns about the bill before it is heard."
            }
            None => "Note who now decides the bill in committee.",
        },
        K::NewBill => match (position, side) {
            (None, _) => "Read the bill and decide whether to track it, and with what position.",
            (Some(_), Some(true)) => {
                "Read the bill and line up support early: ask its sponsors what help they need, and your legislators to co-sponsor it."
            }
            (Some(_), Some(false)) => {
                "Read the bill and start organizing opposition early: ask your legislators where they stand."
            }
            (Some(_), None) => "Read the bill and decide whether your coalition takes a position.",
        },
    };
    out.push(step);
    out
}

// --- the views the templates see -------------------------------------------------------------

#[derive(Debug, Serialize)]
struct LinkView {
    text: String,
    /// Set only for a safe URL (see [`web_link`]).
    href: Option<String>,
}

impl LinkView {
    fn data(url: &str) -> LinkView {
        LinkView { text: one_line(url), href: web_link(url) }
    }
}

#[derive(Debug, Serialize)]
struct LinksView {
    unsubscribe: LinkView,
    manage: Option<LinkView>,
}

#[derive(Debug, Serialize)]
struct AlertView {
    /// Position in a digest, from 1; 0 in a single alert.
    n: usize,
    anchor: String,
    kind: &'static str,
    label: &'static str,
    headline: String,
    bill: Option<BillView>,
    why: WhyView,
    action: Option<ActionView>,
    hearing: Option<HearingView>,
    vote: Option<VoteView>,
    version: Option<VersionView>,
    sponsor: Option<SponsorView>,
    committee: Option<CommitteeView>,
    todo: Vec<&'static str>,
    /// The recipient's group's own legislators, each as one line.
    yours: Vec<String>,
    sources: Vec<LinkView>,
    /// A licence's credit line for the data (LegiScan's).
    credit: Option<String>,
    data_as_of: String,
}

#[derive(Debug, Serialize)]
struct BillView {
    identifier: String,
    title: String,
    jurisdiction: String,
    session: String,
    position: Option<&'static str>,
    group: Option<String>,
    latest_action: Option<String>,
    link: Option<LinkView>,
}

#[derive(Debug, Serialize)]
struct WhyView {
    reason: String,
    terms: Vec<String>,
    snippet: Option<String>,
}

#[derive(Debug, Serialize)]
struct ActionView {
    description: String,
    date: Option<String>,
    chamber: Option<String>,
}

#[derive(Debug, Serialize)]
struct HearingView {
    title: String,
    /// What happened to the hearing in the run, when it took more than one change.
    story: Option<String>,
    committees: String,
    when: String,
    before: Option<String>,
    location: Option<String>,
    before_location: Option<String>,
    cancelled: bool,
    time_changed: bool,
    room_changed: bool,
    members_of: String,
    members: Vec<String>,
    /// The committee's roster, chair first; `yours` marks the group's own legislators.
    roster: Vec<RosterView>,
    /// Whether any roster member is one of the group's own.
    roster_has_yours: bool,
    link: Option<LinkView>,
}

#[derive(Debug, Serialize)]
struct RosterView {
    /// "Chair", "Vice chair", or empty for a member.
    role: String,
    name: String,
    /// "Democratic, district 7".
    detail: String,
    phone: Option<String>,
    email: Option<String>,
    yours: bool,
}

#[derive(Debug, Serialize)]
struct VoteView {
    motion: String,
    date: Option<String>,
    result: String,
    body: String,
    yes: i64,
    no: i64,
    other: i64,
    groups: Vec<VoteGroup>,
    link: Option<LinkView>,
}

#[derive(Debug, Serialize)]
struct VoteGroup {
    title: String,
    voters: Vec<String>,
}

#[derive(Debug, Serialize)]
struct VersionView {
    note: String,
    date: Option<String>,
    link: Option<LinkView>,
    diff_summary: Option<String>,
    diff_excerpt: Option<String>,
    phrases_added: Vec<String>,
    phrases_removed: Vec<String>,
}

#[derive(Debug, Serialize)]
struct CommitteeView {
    committee: String,
    changes: Vec<String>,
    referral: Option<String>,
}

#[derive(Debug, Serialize)]
struct SponsorView {
    name: String,
    role: &'static str,
    added: bool,
}

fn non_empty(s: &str) -> Option<String> {
    let s = one_line(s);
    (!s.is_empty()).then_some(s)
}

fn lines(v: &[String]) -> Vec<String> {
    v.iter().filter_map(|s| non_empty(s)).collect()
}

fn alert_view(alert: &Alert, n: usize, tz: Tz) -> AlertView {
    let bill = alert.bill.as_ref().map(|b| BillView {
        identifier: one_line(&b.identifier),
        title: one_line(&b.title),
        jurisdiction: one_line(&b.jurisdiction),
        session: one_line(&b.session),
        position: b.position.map(Position::as_str),
        group: b.group.as_deref().and_then(non_empty),
        latest_action: b.latest_action.as_deref().and_then(non_empty),
        link: b.url.as_deref().map(LinkView::data),
    });
    let why = WhyView {
        reason: one_line(&alert.why.reason),
        terms: lines(&alert.why.terms),
        snippet: alert.why.snippet.as_deref().and_then(non_empty),
    };
    let action = alert.action.as_ref().map(|a| ActionView {
        description: one_line(&a.description),
        date: a.date.as_deref().and_then(non_empty).map(|d| human_date(&d)),
        chamber: a.organization.as_deref().and_then(non_empty).map(|o| match o.as_str() {
            "upper" => "Upper chamber".to_string(),
            "lower" => "Lower chamber".to_string(),
            "legislature" => "Whole legislature".to_string(),
            "executive" => "Executive".to_string(),
            _ => o,
        }),
    });
    let hearing = alert.hearing.as_ref().map(|h| {
        let committees = lines(&h.committees).join(", ");
        let title = non_empty(&h.name).unwrap_or_else(|| committees.clone());
        let before = h.before.as_deref().and_then(non_empty);
        let location = h.location.as_deref().and_then(non_empty);
        let before_location = h.before_location.as_deref().and_then(non_empty);
        let when = one_line(&h.when);
        HearingView {
            story: h.story.as_deref().and_then(non_empty),
            time_changed: before.as_ref().is_some_and(|b| *b != when),
            room_changed: before_location.is_some() && before_location != location,
            cancelled: alert.kind == AlertKind::HearingCancelled || h.status.trim().eq_ignore_ascii_case("cancelled"),
            // A roster is the committee's, and the hearing's title names it with its chamber.
            members_of: if committees.is_empty() || !h.roster.is_empty() { title.clone() } else { committees.clone() },
            members: lines(&h.members),
            roster: h.roster.iter().map(roster_view).collect(),
            roster_has_yours: h.roster.iter().any(|r| r.yours),
            link: h.url.as_deref().map(LinkView::data),
            // The committee line repeats nothing: "Senate Labor Committee" already names Labor.
            committees: if title.contains(&committees) { String::new() } else { committees },
            title,
            when,
            before,
            location: location.or_else(|| before_location.clone()),
            before_location,
        }
    });
    let position = alert.bill.as_ref().and_then(|b| b.position);
    let vote = alert.vote.as_ref().map(|v| vote_view(v, position));
    let version = alert.version.as_ref().map(|v| VersionView {
        note: one_line(&v.note),
        date: v.date.as_deref().and_then(non_empty).map(|d| human_date(&d)),
        link: v.url.as_deref().map(LinkView::data),
        diff_summary: v.diff_summary.as_deref().and_then(non_empty),
        // Lines kept (each section on its own), trailing spaces trimmed.
        diff_excerpt: v
            .diff_excerpt
            .as_deref()
            .map(|e| e.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim().to_string())
            .filter(|e| !e.is_empty()),
        phrases_added: lines(&v.phrases_added),
        phrases_removed: lines(&v.phrases_removed),
    });
    let sponsor = alert.sponsor.as_ref().map(|s| SponsorView {
        name: one_line(&s.name),
        role: if s.primary { "primary sponsor" } else { "co-sponsor" },
        added: alert.kind != AlertKind::SponsorRemoved,
    });

    // The news's own page first, then the bill's; each once.
    let mut urls: Vec<&str> = Vec::new();
    let candidates = [
        alert.source_url.as_deref(),
        alert.vote.as_ref().and_then(|v| v.url.as_deref()),
        alert.hearing.as_ref().and_then(|h| h.url.as_deref()),
        alert.bill.as_ref().and_then(|b| b.url.as_deref()),
    ];
    for url in candidates.into_iter().flatten().map(str::trim).filter(|u| !u.is_empty()) {
        if !urls.contains(&url) {
            urls.push(url);
        }
    }

    AlertView {
        n,
        anchor: format!("alert-{}", n.max(1)),
        kind: alert.kind.rule(),
        label: label(alert.kind),
        headline: one_line(&alert.headline),
        bill,
        why,
        action,
        hearing,
        vote,
        version,
        sponsor,
        committee: alert.committee.as_ref().map(|c| CommitteeView {
            committee: one_line(&c.committee),
            changes: lines(&c.changes),
            referral: c.referral.as_deref().and_then(non_empty),
        }),
        todo: suggestions(alert),
        yours: alert.your_legislators.iter().map(legislator_line).collect(),
        sources: urls.into_iter().map(LinkView::data).collect(),
        credit: alert.bill.as_ref().and_then(|b| b.credit.clone()),
        data_as_of: local_time(alert.data_as_of, tz),
    }
}

/// A chamber's member title: "Senator", "Representative".
fn member_title(chamber: Option<&str>) -> &'static str {
    match chamber {
        Some("upper") => "Senator",
        Some("lower") => "Representative",
        _ => "Legislator",
    }
}

/// "Alonna Berry, Representative (district 20, Democratic): 302-744-4351, alonna.berry@…".
fn legislator_line(l: &LegislatorInfo) -> String {
    let mut detail: Vec<String> = Vec::new();
    if let Some(d) = l.district.as_deref().and_then(non_empty) {
        detail.push(format!("district {d}"));
    }
    if let Some(p) = l.party.as_deref().and_then(non_empty) {
        detail.push(p);
    }
    let reach: Vec<String> = [&l.phone, &l.email].into_iter().flatten().filter_map(|s| non_empty(s)).collect();
    let mut line = format!("{}, {}", one_line(&l.name), member_title(l.chamber.as_deref()));
    if !detail.is_empty() {
        line.push_str(&format!(" ({})", detail.join(", ")));
    }
    if !reach.is_empty() {
        line.push_str(&format!(": {}", reach.join(", ")));
    } else {
        line.push_str(": no phone or email on file");
    }
    line
}

fn roster_view(r: &RosterMember) -> RosterView {
    let role = match r.role.trim() {
        "member" | "" => String::new(),
        other => {
            let mut t = one_line(other);
            if let Some(first) = t.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            t
        }
    };
    let detail: Vec<String> = [
        r.party.as_deref().and_then(non_empty),
        r.district.as_deref().and_then(non_empty).map(|d| format!("district {d}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    RosterView {
        role,
        name: one_line(&r.name),
        detail: detail.join(", "),
        phone: r.phone.as_deref().and_then(non_empty),
        email: r.email.as_deref().and_then(non_empty),
        yours: r.yours,
    }
}

/// The roll call, with voters grouped by the coalition's side, or by option without one;
/// the recipient's own legislators first, each with what to do.
fn vote_view(v: &VoteInfo, position: Option<Position>) -> VoteView {
    let result = match v.result.trim() {
        "pass" => "passed".to_string(),
        "fail" => "failed".to_string(),
        other => one_line(other),
    };
    // The source's order (roll calls are usually by surname), which names alone cannot recover.
    let voters: Vec<&VoterInfo> = v.voters.iter().collect();
    let mut groups = Vec::new();
    let sided = matches!(position, Some(Position::Support | Position::Oppose));
    let yours: Vec<String> = voters
        .iter()
        .filter(|x| x.yours)
        .map(|x| {
            let what = match x.with_position {
                Some(true) => "with your position: thank them",
                Some(false) => "against your position: ask them why",
                None if sided => "no side taken: ask them where they stand",
                None => "",
            };
            let mut line = format!("{} voted {}", one_line(&x.name), one_line(&x.option));
            if !what.is_empty() {
                line.push_str(&format!(", {what}"));
            }
            line
        })
        .collect();
    if !yours.is_empty() {
        groups.push(VoteGroup { title: "Your legislators".to_string(), voters: yours });
    }
    if sided {
        for (title, side) in
            [("With your position", Some(true)), ("Against your position", Some(false)), ("Other", None)]
        {
            let names: Vec<String> = voters
                .iter()
                .filter(|x| x.with_position == side)
                .map(|x| format!("{} ({})", one_line(&x.name), one_line(&x.option)))
                .collect();
            if !names.is_empty() {
                groups.push(VoteGroup { title: title.to_string(), voters: names });
            }
        }
    } else {
        const ORDER: [&str; 7] = ["yes", "no", "abstain", "absent", "excused", "not voting", "other"];
        let mut options: Vec<String> = voters.iter().map(|x| one_line(&x.option)).collect();
        options.sort_by_key(|o| (ORDER.iter().position(|k| k == o).unwrap_or(ORDER.len()), o.clone()));
        options.dedup();
        for option in options {
            let names: Vec<String> =
                voters.iter().filter(|x| one_line(&x.option) == option).map(|x| one_line(&x.name)).collect();
            let mut title = option.clone();
            if let Some(first) = title.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            groups.push(VoteGroup { title, voters: names });
        }
    }
    VoteView {
        motion: one_line(&v.motion),
        date: v.date.as_deref().and_then(non_empty).map(|d| human_date(&d)),
        result,
        body: one_line(&v.body),
        yes: v.yes,
        no: v.no,
        other: v.other,
        groups,
        link: v.url.as_deref().map(LinkView::data),
    }
}

#[derive(Debug, Serialize)]
struct RecipientView {
    name: String,
    group: String,
}

fn recipient_view(to: &Recipient) -> minijinja::Value {
    minijinja::Value::from(Serde(RecipientView { name: one_line(&to.name), group: one_line(&to.group) }))
}

fn links_view(links: &Links) -> Result<LinksView, RenderError> {
    let unsubscribe =
        own_link(&links.unsubscribe).ok_or_else(|| RenderError::Unsubscribe(links.unsubscribe.clone()))?;
    let manage = match &links.manage {
        Some(m) => Some(web_link(m).ok_or_else(|| RenderError::Manage(m.clone()))?),
        None => None,
    };
    Ok(LinksView {
        unsubscribe: LinkView { text: "Unsubscribe".into(), href: Some(unsubscribe) },
        manage: manage.map(|href| LinkView { text: "Manage your alerts".into(), href: Some(href) }),
    })
}

// --- templates ----------------------------------------------------------------------------------

const TEMPLATES: [(&str, &str); 9] = [
    ("macros.html", include_str!("../../templates/email/macros.html")),
    ("section.html", include_str!("../../templates/email/section.html")),
    ("section.txt", include_str!("../../templates/email/section.txt")),
    ("footer.html", include_str!("../../templates/email/footer.html")),
    ("footer.txt", include_str!("../../templates/email/footer.txt")),
    ("alert.html", include_str!("../../templates/email/alert.html")),
    ("alert.txt", include_str!("../../templates/email/alert.txt")),
    ("digest.html", include_str!("../../templates/email/digest.html")),
    ("digest.txt", include_str!("../../templates/email/digest.txt")),
];

/// A template environment as statehouse's templates want it: `.html` names autoescaped (with
/// [`html_formatter`]), `.txt` not; undefined values an error where they matter; block tags
/// trimmed. Shared by the emails and the scorecard page.
pub(crate) fn template_environment(templates: &[(&'static str, &'static str)]) -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_formatter(html_formatter);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| format!("{e:#}"))?;
    env.set_syntax(syntax);
    for (name, source) in templates {
        env.add_template(name, source).map_err(|e| format!("{name}: {e:#}"))?;
    }
    Ok(env)
}

fn environment() -> Result<&'static Environment<'static>, RenderError> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| template_environment(&TEMPLATES)).as_ref().map_err(|e| RenderError::Templates(e.clone()))
}

/// minijinja's formatter, but HTML escaping leaves `/` alone (the default writes `&#x2f;`,
/// which is valid but makes every URL unreadable in the source and to link checkers).
pub(crate) fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    match (state.auto_escape(), value.as_str()) {
        (minijinja::AutoEscape::Html, Some(s)) if !value.is_safe() => {
            let mut escaped = String::with_capacity(s.len() + 16);
            for c in s.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#x27;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped)
                .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed"))
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

fn render(template: &'static str, ctx: minijinja::Value) -> Result<String, RenderError> {
    let env = environment()?;
    env.get_template(template).and_then(|t| t.render(ctx)).map_err(|source| RenderError::Template { template, source })
}

/// Wraps lines longer than `width` characters at spaces. A wrapped line keeps its indentation,
/// plus the width of a list marker (`- `, `1. `) so items hang. An indented line without a
/// marker is a list of names (`  Ortt, Ritchie, Robach`): it breaks after commas, so no name is
/// split. Words longer than a line (URLs) are left whole. Runs of blank lines become one;
/// trailing spaces go.
pub fn wrap_text(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut blank = true; // no blank lines at the start
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        blank = false;
        if line.chars().count() <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        let marker = marker_len(rest);
        let hang = indent + marker;
        // The pieces that must stay together: list items for a list of names, else words.
        let mut pieces: Vec<String> = Vec::new();
        if indent > 0 && marker == 0 && rest.contains(", ") {
            let items: Vec<&str> = rest.split(", ").collect();
            let last = items.len() - 1;
            for (i, item) in items.into_iter().enumerate() {
                let item = if i < last { format!("{item},") } else { item.to_string() };
                if hang + item.chars().count() <= width {
                    pieces.push(item);
                } else {
                    pieces.extend(item.split(' ').filter(|w| !w.is_empty()).map(str::to_string));
                }
            }
        } else {
            pieces.extend(rest.split(' ').filter(|w| !w.is_empty()).map(str::to_string));
        }
        let mut current = line[..indent].to_string();
        let mut len = indent;
        let mut empty = true;
        for piece in &pieces {
            let w = piece.chars().count();
            if !empty && len + 1 + w > width {
                out.push_str(&current);
                out.push('\n');
                current = " ".repeat(hang);
                len = hang;
                empty = true;
            }
            if !empty {
                current.push(' ');
                len += 1;
            }
            current.push_str(piece);
            len += w;
            empty = false;
        }
        out.push_str(&current);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn marker_len(s: &str) -> usize {
    if s.starts_with("- ") || s.starts_with("* ") {
        return 2;
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && s[digits..].starts_with(". ") { digits + 2 } else { 0 }
}

// --- headers lettre does not have ------------------------------------------------------------------

type BoxError = Box<dyn std::error::Error + Send + Sync>;

macro_rules! text_header {
    ($type:ident, $name:literal) => {
        #[derive(Debug, Clone)]
        struct $type(String);

        impl Header for $type {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }

            fn parse(s: &str) -> Result<Self, BoxError> {
                Ok($type(s.to_string()))
            }

            fn display(&self) -> HeaderValue {
                // `HeaderValue::new` encodes anything but printable ASCII (RFC 2047), so even
                // a stray CR or LF could not start a new header.
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(ListUnsubscribe, "List-Unsubscribe");
text_header!(ListUnsubscribePost, "List-Unsubscribe-Post");
text_header!(AutoSubmitted, "Auto-Submitted");

/// Alerts built from real records in `tests/fixtures/` (Delaware SB 4 and HB 83 from
/// `ocd-scrape/de-153/`, New York Senate committee agenda 5 of 2017 from `state-xml/ny/` and
/// `ocd-events/`), shared by the render and feed tests. Where a kind has no real instance in the
/// fixtures (a bill taken off an agenda, a diff summary), the values are real names and texts
/// put in that shape; the comments say so.
#[cfg(test)]
pub(crate) mod samples {
    use chrono::{DateTime, TimeZone, Utc};

    use super::Links;
    use crate::alerts::{
        ActionInfo, Alert, AlertKind, BillInfo, HearingInfo, Position, Recipient, SponsorInfo, VersionInfo, VoteInfo,
        VoterInfo, Why,
    };

    pub const COALITION: &str = "Open Government Coalition";
    pub const DE_SB4_TITLE: &str =
        "AN ACT TO AMEND TITLE 29 OF THE DELAWARE CODE RELATING TO THE OFFICE OF INSPECTOR GENERAL.";
    pub const DE_SB4_URL: &str = "https://legis.delaware.gov/BillDetail?LegislationId=141724";
    pub const NY_AGENDA_URL: &str = "https://legislation.nysenate.gov/api/3/agendas/2017/5";
    /// `vote_event_41de6142-…json`: SB 4 passed by the House on 2025-07-01.
    #[rustfmt::skip]
    pub const DE_SB4_HOUSE_VOTES: [(&str, &str); 40] = [
        ("Stephanie  T. Bolden", "other"), ("Frank Burns", "yes"), ("William Bush", "yes"),
        ("William J. Carson", "yes"), ("Nnamdi O. Chukwuocha", "other"), ("Richard G. Collins", "yes"),
        ("Franklin D. Cooke", "yes"), ("Daniel B. Short", "other"), ("Timothy D. Dukes", "other"),
        ("Mara Gorman", "yes"), ("Ronald E. Gray", "yes"), ("Krista Griffith", "other"),
        ("Kerri Evelyn Harris", "yes"), ("Debra Heffernan", "other"), ("Kevin S Hensley", "yes"),
        ("Jeff Hilovsky", "no"), ("Valerie Jones Giltner", "yes"), ("Kendra Johnson", "other"),
        ("Kimberly Williams", "other"), ("Kamela T Smith", "yes"), ("Larry Lambert", "yes"),
        ("Sean M. Lynn", "yes"), ("Michael F. Smith", "yes"), ("Melissa Minor-Brown", "yes"),
        ("Shannon Morris", "yes"), ("Eric Morrison", "yes"), ("DeShanna U Neal", "yes"),
        ("Josue O Ortega", "yes"), ("Edward S. Osienski", "yes"), ("Sophie Phillips", "yes"),
        ("Charles S Postles Jr.", "other"), ("Cyndie Romer", "yes"), ("Melanie Ross Levin", "yes"),
        ("Sherae'a Moore", "yes"), ("Bryan W. Shupe", "yes"), ("Claire Snyder-Hall", "yes"),
        ("Jeffrey N. Spiegelman", "yes"), ("Jesse R. Vanderwende", "yes"), ("Madinah Wilson-Anton", "yes"),
        ("Lyndon D. Yearick", "yes"),
    ];
    /// `2017-02-07-15.50.45.604819_SENAGENV_LABOR.XML`: the Labor committee's members.
    #[rustfmt::skip]
    pub const NY_LABOR_MEMBERS: [&str; 14] = [
        "Alcantara", "Akshar", "Gallivan", "Hannon", "Marcellino", "Murphy", "Ortt", "Ritchie", "Robach", "Savino",
        "Addabbo", "Dilan", "Rivera", "Sanders",
    ];

    pub fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| Utc.timestamp_opt(0, 0).unwrap())
    }

    pub fn recipient() -> Recipient {
        Recipient {
            name: "Dana Reyes".into(),
            email: "dana@example.org".into(),
            timezone: "America/New_York".into(),
            group: "Good Government".into(),
        }
    }

    pub fn links() -> Links {
        Links {
            unsubscribe: "https://alerts.example.org/u/Zk3pQ".into(),
            manage: Some("https://alerts.example.org/m/Zk3pQ".into()),
        }
    }

    pub fn de_sb4(position: Option<Position>) -> BillInfo {
        BillInfo {
            id: "ocd-bill/405b6cde-ca8e-11f0-8677-32549feb6cd6".into(),
            jurisdiction: "Delaware".into(),
            session: "153".into(),
            identifier: "SB 4".into(),
            title: DE_SB4_TITLE.into(),
            url: Some(DE_SB4_URL.into()),
            position,
            group: Some("Good Government".into()),
            latest_action: Some("Signed by Governor".into()),
            credit: None,
            jurisdiction_id: Some("ocd-jurisdiction/country:us/state:de/government".into()),
        }
    }

    fn ny_bill(identifier: &str, title: &str, position: Position) -> BillInfo {
        BillInfo {
            id: format!("ny-2017-{}", identifier.replace(' ', "")),
            jurisdiction: "New York".into(),
            session: "2017".into(),
            identifier: identifier.into(),
            title: title.into(),
            url: None,
            position: Some(position),
            group: Some("Good Government".into()),
            latest_action: None,
            credit: None,
            jurisdiction_id: Some("ocd-jurisdiction/country:us/state:ny/government".into()),
        }
    }

    pub fn ny_s905() -> BillInfo {
        ny_bill(
            "S 905",
            "An act to amend the labor law, in relation to the calculation of the experience rating charge of certain employers for purposes of contributions to the state unemployment insurance fund",
            Position::Support,
        )
    }

    pub fn ny_s688() -> BillInfo {
        ny_bill(
            "S 688",
            "An act to amend the public authorities law, in relation to including geothermal energy systems within the meaning of the term \"qualified energy efficiency services\" for purposes of on-bill financing under the power NY act of 2011",
            Position::Oppose,
        )
    }

    pub fn ny_s468() -> BillInfo {
        ny_bill(
            "S 468",
            "An act to amend the penal law, in relation to including certain computer offenses, criminal use of an access device, identity theft and unlawful possession of personal identification information or a skimmer device within the definition of \"criminal act\" for purposes of enterprise corruption",
            Position::Watch,
        )
    }

    /// `ocd-events/ny-agenda-5-2017-v2/event_41575f65-…json`.
    pub fn labor_hearing() -> HearingInfo {
        HearingInfo {
            event_id: "41575f65-1bfd-5ed1-9ca4-c30594731288".into(),
            name: "Senate Labor Committee".into(),
            committees: vec!["Labor".into()],
            when: "Monday, February 6, 2017 at 12:00 PM EST".into(),
            before: None,
            location: Some("Room 123 CAP".into()),
            before_location: None,
            status: "confirmed".into(),
            start_time: Some(at("2017-02-06T12:00:00-05:00")),
            start_date: None,
            all_day: false,
            timezone: "America/New_York".into(),
            members: vec![],
            roster: Vec::new(),
            url: Some(NY_AGENDA_URL.into()),
            story: None,
        }
    }

    /// Energy and Telecommunications: cancelled in the 12:23 snapshot (v1), moved from Monday
    /// 1:00 PM to Tuesday 9:30 AM by addendum B (v2).
    pub fn energy_hearing(moved: bool) -> HearingInfo {
        HearingInfo {
            event_id: "1380e38a-be75-560e-9f5a-2ec0fc56f9d0".into(),
            name: "Senate Energy and Telecommunications Committee".into(),
            committees: vec!["Energy and Telecommunications".into()],
            when: if moved {
                "Tuesday, February 7, 2017 at 9:30 AM EST"
            } else {
                "Monday, February 6, 2017 at 1:00 PM EST"
            }
            .into(),
            before: moved.then(|| "Monday, February 6, 2017 at 1:00 PM EST".into()),
            location: Some("Room 611 LOB".into()),
            before_location: None,
            status: if moved { "confirmed" } else { "cancelled" }.into(),
            start_time: Some(at(if moved { "2017-02-07T09:30:00-05:00" } else { "2017-02-06T13:00:00-05:00" })),
            start_date: None,
            all_day: false,
            timezone: "America/New_York".into(),
            members: vec![],
            roster: Vec::new(),
            url: Some(NY_AGENDA_URL.into()),
            story: None,
        }
    }

    /// `event_1bc541d0-…json`: Codes meets "immediately following session", a date only.
    pub fn codes_hearing() -> HearingInfo {
        HearingInfo {
            event_id: "1bc541d0-1657-5aa5-b3c1-a1959e837e42".into(),
            name: "Senate Codes Committee".into(),
            committees: vec!["Codes".into()],
            when: "Monday, February 6, 2017".into(),
            before: None,
            location: Some("Room 124 CAP".into()),
            before_location: None,
            status: "confirmed".into(),
            start_time: None,
            start_date: Some("2017-02-06".into()),
            all_day: true,
            timezone: "America/New_York".into(),
            members: vec![],
            roster: Vec::new(),
            url: Some(NY_AGENDA_URL.into()),
            story: None,
        }
    }

    fn alert(kind: AlertKind, headline: &str, bill: BillInfo, reason: &str, as_of: &str) -> Alert {
        Alert {
            kind,
            coalition_id: "open-gov".into(),
            coalition_name: COALITION.into(),
            headline: headline.into(),
            why: Why { reason: reason.into(), terms: vec![], snippet: None },
            bill: Some(bill),
            action: None,
            hearing: None,
            vote: None,
            version: None,
            sponsor: None,
            your_legislators: Vec::new(),
            committee: None,
            source_url: None,
            data_as_of: at(as_of),
            change_seq: Some(1),
        }
    }

    pub fn signed() -> Alert {
        let mut a = alert(
            AlertKind::Action,
            "SB 4 signed by the Governor",
            de_sb4(Some(Position::Support)),
            "You track SB 4 (support)",
            "2025-08-15T14:02:00Z",
        );
        a.action = Some(ActionInfo {
            date: Some("2025-08-14".into()),
            description: "Signed by Governor".into(),
            classification: vec!["executive-signature".into()],
            organization: Some("executive".into()),
        });
        a.source_url = Some(DE_SB4_URL.into());
        a
    }

    pub fn house_roll_call(position: Position) -> Alert {
        let mut a = alert(
            AlertKind::RollCall,
            "SB 4 passed the House 30-1",
            de_sb4(Some(position)),
            &format!("You track SB 4 ({})", position.as_str()),
            "2025-07-02T09:15:00Z",
        );
        a.vote = Some(VoteInfo {
            motion: "SM".into(),
            date: Some("2025-07-01".into()),
            result: "pass".into(),
            body: "House".into(),
            yes: 30,
            no: 1,
            other: 10,
            voters: DE_SB4_HOUSE_VOTES
                .iter()
                .map(|(name, option)| VoterInfo {
                    name: (*name).into(),
                    person_id: None,
                    yours: false,
                    option: (*option).into(),
                    with_position: position.agrees(option),
                })
                .collect(),
            url: Some(
                "https://legis.delaware.gov/json/RollCallController/GenerateRollCallPdf?rollCallId=57612&chamberId=2"
                    .into(),
            ),
        });
        a.source_url = a.vote.as_ref().and_then(|v| v.url.clone());
        a
    }

    pub fn labor_scheduled() -> Alert {
        let mut a = alert(
            AlertKind::HearingScheduled,
            "S 905 is on the Senate Labor Committee agenda for Monday, February 6",
            ny_s905(),
            "You track S 905 (support)",
            "2017-02-06T20:57:12Z",
        );
        a.hearing = Some(labor_hearing());
        a.source_url = Some(NY_AGENDA_URL.into());
        a
    }

    pub fn energy_moved() -> Alert {
        let mut a = alert(
            AlertKind::HearingRescheduled,
            "Hearing on S 688 moved to Tuesday, February 7 at 9:30 AM",
            ny_s688(),
            "You track S 688 (oppose)",
            "2017-02-06T20:57:12Z",
        );
        a.hearing = Some(energy_hearing(true));
        a.source_url = Some(NY_AGENDA_URL.into());
        a
    }

    pub fn energy_cancelled() -> Alert {
        let mut a = alert(
            AlertKind::HearingCancelled,
            "Senate Energy and Telecommunications Committee meeting cancelled",
            ny_s688(),
            "You track S 688 (oppose)",
            "2017-02-06T17:23:39Z",
        );
        a.hearing = Some(energy_hearing(false));
        a.source_url = Some(NY_AGENDA_URL.into());
        a
    }

    /// Not in the fixtures as such: S 468 really is on Codes' agenda in both snapshots.
    pub fn codes_removed() -> Alert {
        let mut a = alert(
            AlertKind::AgendaRemoved,
            "S 468 taken off the Senate Codes Committee agenda",
            ny_s468(),
            "You watch S 468",
            "2017-02-06T20:57:12Z",
        );
        a.hearing = Some(codes_hearing());
        a.source_url = Some(NY_AGENDA_URL.into());
        a
    }

    pub fn labor_reminder() -> Alert {
        let mut a = alert(
            AlertKind::HearingReminder,
            "Reminder: S 905 at the Senate Labor Committee on Monday, February 6",
            ny_s905(),
            "You track S 905 (support)",
            "2017-02-03T14:00:00Z",
        );
        let mut hearing = labor_hearing();
        hearing.members = NY_LABOR_MEMBERS.iter().map(|m| (*m).into()).collect();
        a.hearing = Some(hearing);
        a.source_url = Some(NY_AGENDA_URL.into());
        a
    }

    /// The amendment is real; its diff summary and phrases are made up (the fixture has no text).
    pub fn sa1_version() -> Alert {
        let mut a = alert(
            AlertKind::NewVersion,
            "New version of SB 4: SA 1 to SB 4",
            de_sb4(Some(Position::Support)),
            "You track SB 4 (support)",
            "2025-03-25T13:00:00Z",
        );
        a.version = Some(VersionInfo {
            note: "SA 1 to SB 4".into(),
            date: Some("2025-03-24".into()),
            url: Some("http://legis.delaware.gov/json/BillDetail/GenerateHtmlDocument?legislationId=141985&legislationTypeId=5&docTypeId=2".into()),
            diff_summary: Some("+3 paragraphs, −1".into()),
            diff_excerpt: None,
            phrases_added: vec!["inspector general".into()],
            phrases_removed: vec![],
        });
        a.source_url = Some(DE_SB4_URL.into());
        a
    }

    pub fn sponsor(added: bool) -> Alert {
        let (kind, headline, name) = if added {
            (AlertKind::SponsorAdded, "Laura V. Sturgeon now sponsors SB 4", "Laura V. Sturgeon")
        } else {
            (AlertKind::SponsorRemoved, "Bryan Townsend no longer sponsors SB 4", "Bryan Townsend")
        };
        let mut a =
            alert(kind, headline, de_sb4(Some(Position::Support)), "You track SB 4 (support)", "2025-01-11T15:00:00Z");
        a.sponsor = Some(SponsorInfo { name: name.into(), primary: true });
        a.source_url = Some(DE_SB4_URL.into());
        a
    }

    pub fn hb83_new() -> Alert {
        let mut bill = de_sb4(None);
        bill.id = "ocd-bill/hb83".into();
        bill.identifier = "HB 83".into();
        bill.title = "AN ACT TO AMEND TITLE 14 OF THE DELAWARE CODE RELATING TO SCHOOL BOARD MEETINGS.".into();
        bill.url = Some("https://legis.delaware.gov/BillDetail?LegislationId=142044".into());
        bill.group = None;
        bill.latest_action = Some("was introduced and adopted in lieu of HB 83".into());
        let mut a = alert(
            AlertKind::NewBill,
            "New bill HB 83 matches \"school board\"",
            bill,
            "New bill matches the watched term \"school board\"",
            "2025-04-04T11:00:00Z",
        );
        a.why.terms = vec!["school board".into()];
        a.why.snippet = Some("RELATING TO SCHOOL BOARD MEETINGS".into());
        a.source_url = Some("https://legis.delaware.gov/BillDetail?LegislationId=142044".into());
        a
    }

    /// One alert of every kind.
    pub fn all() -> Vec<Alert> {
        vec![
            hb83_new(),
            signed(),
            labor_scheduled(),
            energy_moved(),
            energy_cancelled(),
            codes_removed(),
            labor_reminder(),
            house_roll_call(Position::Support),
            sa1_version(),
            sponsor(true),
            sponsor(false),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::samples::*;
    use super::*;
    use crate::alerts::{AlertKind, Position};

    /// Whitespace-insensitive text, so assertions do not depend on where lines wrap.
    fn flat(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn render(alert: &Alert) -> Rendered {
        match render_alert(alert, &recipient(), &links()) {
            Ok(r) => r,
            Err(e) => panic!("{:?} did not render: {e:#?}", alert.kind),
        }
    }

    fn assert_contains(haystack: &str, needles: &[&str]) {
        for needle in needles {
            assert!(haystack.contains(needle), "missing {needle:?} in:\n{haystack}");
        }
    }

    /// Every `href` value in the HTML.
    fn hrefs(html: &str) -> Vec<String> {
        html.split("href=\"").skip(1).map(|rest| rest.split('"').next().unwrap_or_default().to_string()).collect()
    }

    fn assert_text_fits(text: &str) {
        for line in text.lines() {
            assert!(
                line.chars().count() <= TEXT_WIDTH || !line.trim().contains(' '),
                "line over {TEXT_WIDTH} columns: {line:?}"
            );
        }
    }

    fn assert_safe_html(html: &str) {
        let lower = html.to_lowercase();
        for bad in
            ["<script", "<img", "<link", "<iframe", "<style", "<object", "<embed", "<form", "url(", "javascript:"]
        {
            assert!(!lower.contains(bad), "{bad:?} in HTML:\n{html}");
        }
        for href in hrefs(html) {
            assert!(
                href.starts_with("https://") || href.starts_with("http://") || href.starts_with("#alert-"),
                "unexpected href {href:?}"
            );
        }
    }

    #[test]
    fn action_alert_has_what_bill_why_todo_source_and_footer() {
        let r = render(&signed());
        assert_eq!(r.subject, "[Open Government Coalition] SB 4 signed by the Governor");
        let text = flat(&r.text);
        assert_contains(
            &text,
            &[
                "[Bill action] SB 4 signed by the Governor",
                "WHAT HAPPENED Signed by Governor Date: Thursday, August 14, 2025 Where: Executive",
                "THE BILL SB 4, Delaware, session 153",
                DE_SB4_TITLE,
                "Your position: support (group: Good Government)",
                &format!("Bill page: {DE_SB4_URL}"),
                "WHY YOU GET THIS ALERT You track SB 4 (support)",
                "WHAT TO DO - Thank the sponsors and share the news with your members.",
                &format!("SOURCE {DE_SB4_URL}"),
                "Data as of Friday, August 15, 2025 at 10:02 AM EDT",
                "You get this email because you are a lead of the Good Government group in Open Government Coalition.",
                "Manage your alerts: https://alerts.example.org/m/Zk3pQ",
                "Unsubscribe: https://alerts.example.org/u/Zk3pQ",
            ],
        );
        assert_text_fits(&r.text);
        // The source is listed once even though it is also the bill's page.
        assert_eq!(r.text.matches(DE_SB4_URL).count(), 2, "bill page + source:\n{}", r.text);

        let html = flat(&r.html);
        assert_contains(
            &html,
            &[
                "<!DOCTYPE html>",
                "<title>[Open Government Coalition] SB 4 signed by the Governor</title>",
                "<strong>Signed by Governor</strong>",
                "Date: Thursday, August 14, 2025",
                DE_SB4_TITLE,
                "Your position: <strong>support</strong> (group: Good Government)",
                &format!("<a href=\"{DE_SB4_URL}\""),
                "Thank the sponsors and share the news with your members.",
                "Data as of Friday, August 15, 2025 at 10:02 AM EDT",
                "<a href=\"https://alerts.example.org/u/Zk3pQ\"",
                "lead of the Good Government group in Open Government Coalition",
            ],
        );
        assert_safe_html(&r.html);
    }

    #[test]
    fn a_new_version_shows_its_changed_sections_escaped_in_html() {
        let mut alert = sa1_version();
        // The shape text::render_text gives (its sections after the summary line).
        let excerpt = "~ Changed: SEC. 3. (was SECTION 1.)\n  …every [-two-]{+2+} fiscal years <if funded>…";
        alert.version.as_mut().unwrap().diff_excerpt = Some(excerpt.into());
        let r = render(&alert);
        // Wrapped to the text part's width, each line kept.
        assert!(
            r.text.contains("~ Changed: SEC. 3. (was SECTION 1.)\n  …every [-two-]{+2+} fiscal years"),
            "{}",
            r.text
        );
        assert!(r.html.contains("every [-two-]{+2+} fiscal years &lt;if funded&gt;"), "{}", r.html);
        assert!(!render(&sa1_version()).text.contains("~ Changed"));
    }

    #[test]
    fn legiscan_data_carries_its_credit_line_and_other_data_does_not() {
        let plain = render(&signed());
        assert!(!plain.text.contains("LegiScan") && !plain.html.contains("LegiScan"));
        let mut alert = signed();
        alert.bill.as_mut().unwrap().credit = crate::sources::SourceKind::Legiscan.credit_line().map(str::to_string);
        let r = render(&alert);
        let credit = "Legislative data from LegiScan (https://legiscan.com), licensed under CC BY 4.0";
        assert!(flat(&r.text).contains(credit), "{}", r.text);
        assert!(r.html.contains(credit), "{}", r.html);
    }

    #[test]
    fn every_kind_renders_with_its_label_headline_and_suggestion() {
        let alerts = all();
        let mut kinds: Vec<AlertKind> = alerts.iter().map(|a| a.kind).collect();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), 11, "one sample per kind");
        for alert in &alerts {
            let r = render(alert);
            assert_eq!(r.subject, format!("[{COALITION}] {}", alert.headline));
            let first = flat(r.text.split("\n\n").next().unwrap_or_default());
            assert_eq!(first, format!("[{}] {}", label(alert.kind), alert.headline), "{:?}", alert.kind);
            for todo in suggestions(alert) {
                assert!(flat(&r.text).contains(todo), "{:?}: {todo:?} missing", alert.kind);
            }
            for part in ["WHAT HAPPENED", "THE BILL", "WHY YOU GET THIS ALERT", "WHAT TO DO", "SOURCE", "Data as of "] {
                assert_eq!(r.text.matches(part).count(), 1, "{:?}: {part:?} once in:\n{}", alert.kind, r.text);
            }
            assert_text_fits(&r.text);
            assert_safe_html(&r.html);
            assert!(!r.text.contains("\n\n\n"), "{:?}: runs of blank lines", alert.kind);
        }
    }

    #[test]
    fn roll_call_lists_every_legislator_by_side() {
        let r = render(&house_roll_call(Position::Support));
        let text = flat(&r.text);
        assert_contains(
            &text,
            &[
                "Roll call in House on Tuesday, July 1, 2025",
                "Motion: SM",
                "Result: passed (yes 30, no 1, other 10)",
                "With your position (30): Frank Burns (yes), William Bush (yes), William J. Carson (yes),",
                "Against your position (1): Jeff Hilovsky (no)",
                "Other (9): Stephanie T. Bolden (other), Nnamdi O. Chukwuocha (other), Daniel B. Short (other),",
                "Thank those who voted with you; ask the others to explain their vote.",
                "Roll call record: https://legis.delaware.gov/json/RollCallController/GenerateRollCallPdf?rollCallId=57612&chamberId=2",
            ],
        );
        // The double space in the source's "Stephanie  T. Bolden" is not carried over.
        assert!(r.text.contains("Stephanie T. Bolden (other)"));
        for (name, _) in DE_SB4_HOUSE_VOTES {
            assert_eq!(text.matches(&flat(name)).count(), 1, "{name} once");
        }
        assert!(r.html.contains("Sherae&#x27;a Moore (yes)"), "apostrophe escaped:\n{}", r.html);
        assert!(r.html.contains("<strong>With your position (30)</strong>"));
        assert_text_fits(&r.text);

        // Opposing the bill turns the sides around.
        let text = flat(&render(&house_roll_call(Position::Oppose)).text);
        assert_contains(&text, &["With your position (1): Jeff Hilovsky (no)", "Against your position (30):"]);

        // Without a side (watch): grouped by how they voted.
        let text = flat(&render(&house_roll_call(Position::Watch)).text);
        assert_contains(
            &text,
            &["Yes (30): Frank Burns, William Bush, William J. Carson,", "No (1): Jeff Hilovsky", "Other (9):"],
        );
        assert!(!text.contains("your position ("));
        assert_contains(&text, &["Share the result with your coalition and note how each member voted."]);
    }

    #[test]
    fn hearing_scheduled_says_when_where_and_who_to_call() {
        let r = render(&labor_scheduled());
        let text = flat(&r.text);
        assert_contains(
            &text,
            &[
                "[Hearing scheduled] S 905 is on the Senate Labor Committee agenda for Monday, February 6",
                "Hearing: Senate Labor Committee",
                "When: Monday, February 6, 2017 at 12:00 PM EST",
                "Where: Room 123 CAP",
                &format!("Hearing page: {NY_AGENDA_URL}"),
                "THE BILL S 905, New York, session 2017 An act to amend the labor law, in relation to the calculation",
                "Your position: support",
                "Call committee members before the hearing and ask them to vote yes; file a witness slip or written testimony in support",
                "Data as of Monday, February 6, 2017 at 3:57 PM EST",
            ],
        );
        // "Senate Labor Committee" already names the committee; no members known.
        assert!(!text.contains("Committee: Labor"));
        assert!(!text.contains("who to call"));
        assert!(!text.contains("Bill page:"), "S 905 has no URL");
        assert_contains(&r.html, &["<strong>Monday, February 6, 2017 at 12:00 PM EST</strong>", "Room 123 CAP"]);
    }

    #[test]
    fn rescheduled_hearing_shows_was_and_now() {
        let r = render(&energy_moved());
        let text = flat(&r.text);
        assert_contains(
            &text,
            &[
                "When: was: Monday, February 6, 2017 at 1:00 PM EST → now: Tuesday, February 7, 2017 at 9:30 AM EST",
                "Where: Room 611 LOB",
                "Tell anyone who planned to attend or testify about the new time and place.",
                "ask them to vote no; file a witness slip or written testimony in opposition",
            ],
        );
        assert!(!text.contains("Where: was:"), "the room did not change");
        assert!(flat(&r.html).contains(
            "was: <s>Monday, February 6, 2017 at 1:00 PM EST</s> &rarr; now: <strong>Tuesday, February 7, 2017 at 9:30 AM EST</strong>"
        ));

        let mut moved_room = energy_moved();
        if let Some(h) = moved_room.hearing.as_mut() {
            h.before_location = Some("Room 611 LOB".into());
            h.location = Some("Room 124 CAP".into());
        }
        assert!(flat(&render(&moved_room).text).contains("Where: was: Room 611 LOB → now: Room 124 CAP"));
    }

    #[test]
    fn cancelled_hearing_and_agenda_removal_say_so() {
        let r = render(&energy_cancelled());
        assert_contains(
            &flat(&r.text),
            &[
                "THIS HEARING IS CANCELLED.",
                "Hearing: Senate Energy and Telecommunications Committee",
                "When: Monday, February 6, 2017 at 1:00 PM EST",
                "Tell anyone who planned to attend or testify, and watch for a new date.",
            ],
        );
        assert!(r.html.contains("This hearing is cancelled."));

        let r = render(&codes_removed());
        assert_contains(
            &flat(&r.text),
            &[
                "The bill was taken off this hearing's agenda.",
                "Hearing: Senate Codes Committee",
                "When: Monday, February 6, 2017",
                "Where: Room 124 CAP",
                "Your position: watch",
                "ask the sponsor's office or committee staff whether the bill will come back",
            ],
        );
        assert!(r.html.contains("The bill was taken off this hearing's agenda."));
        assert!(!r.text.contains("CANCELLED"));
    }

    #[test]
    fn reminder_lists_committee_members() {
        let r = render(&labor_reminder());
        let text = flat(&r.text);
        assert_contains(
            &text,
            &[
                "[Hearing reminder] Reminder: S 905 at the Senate Labor Committee on Monday, February 6",
                "When: Monday, February 6, 2017 at 12:00 PM EST",
                "Members of Labor (who to call): Alcantara, Akshar, Gallivan, Hannon, Marcellino, Murphy, Ortt, Ritchie, Robach, Savino, Addabbo, Dilan, Rivera, Sanders",
                "Call committee members before the hearing",
            ],
        );
        assert!(r.html.contains("<strong>Members of Labor (who to call):</strong>"));
    }

    #[test]
    fn version_sponsor_and_new_bill_details() {
        let text = flat(&render(&sa1_version()).text);
        assert_contains(
            &text,
            &[
                "New version: SA 1 to SB 4 (Monday, March 24, 2025)",
                "Text: http://legis.delaware.gov/json/BillDetail/GenerateHtmlDocument?legislationId=141985&legislationTypeId=5&docTypeId=2",
                "Changes from the previous version: +3 paragraphs, −1",
                "Watched phrases added: inspector general",
                "Read the changes and check that your position still fits the new text.",
            ],
        );
        assert!(!text.contains("Watched phrases removed"));
        let html = render(&sa1_version()).html;
        assert!(html.contains("<a href=\"http://legis.delaware.gov/json/BillDetail/GenerateHtmlDocument?legislationId=141985&amp;legislationTypeId=5&amp;docTypeId=2\""));

        let text = flat(&render(&sponsor(true)).text);
        assert_contains(
            &text,
            &["Laura V. Sturgeon (primary sponsor) was added as a sponsor.", "Thank the new sponsor."],
        );
        let text = flat(&render(&sponsor(false)).text);
        assert_contains(
            &text,
            &["Bryan Townsend (primary sponsor) was removed as a sponsor.", "look for other sponsors"],
        );

        let text = flat(&render(&hb83_new()).text);
        assert_contains(
            &text,
            &[
                "A new bill matches what your coalition watches.",
                "Latest action: was introduced and adopted in lieu of HB 83",
                "HB 83, Delaware, session 153 AN ACT TO AMEND TITLE 14 OF THE DELAWARE CODE RELATING TO SCHOOL BOARD MEETINGS.",
                "Your coalition has no position on this bill yet.",
                "New bill matches the watched term \"school board\" Matched: school board \"RELATING TO SCHOOL BOARD MEETINGS\"",
                "decide whether to track it",
            ],
        );
    }

    #[test]
    fn hostile_feed_text_is_escaped_in_html() {
        const HOSTILE: &str = "<script>alert(1)</script> & \"quotes\"";
        const ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;";
        let mut a = house_roll_call(Position::Support);
        a.headline = HOSTILE.into();
        a.why.reason = HOSTILE.into();
        a.why.snippet = Some(HOSTILE.into());
        a.why.terms = vec![HOSTILE.into()];
        if let Some(b) = a.bill.as_mut() {
            b.title = HOSTILE.into();
            b.identifier = "<b>SB 4</b>".into();
            b.group = Some("<i>group</i>".into());
        }
        if let Some(v) = a.vote.as_mut() {
            v.motion = "<img src=x onerror=alert(1)>".into();
            v.voters[0].name = HOSTILE.into();
        }
        let r = render(&a);
        assert_safe_html(&r.html);
        assert!(!r.html.contains("<b>SB 4</b>") && !r.html.contains("<i>group</i>"));
        // Headline (title tag and h2), reason, snippet, term, bill title, voter: all escaped.
        assert!(r.html.matches(ESCAPED).count() >= 7, "{}", r.html);
        assert!(r.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        // The plain text shows the text as it is; it is not HTML.
        assert!(r.text.contains(HOSTILE));
    }

    #[test]
    fn non_web_urls_are_text_not_links() {
        let mut a = house_roll_call(Position::Support);
        a.source_url = Some("javascript:alert(1)".into());
        if let Some(b) = a.bill.as_mut() {
            b.url = Some(" JaVaScRiPt:alert(document.cookie)".into());
        }
        if let Some(v) = a.vote.as_mut() {
            v.url = Some("data:text/html,<script>alert(1)</script>".into());
        }
        let r = render(&a);
        assert_safe_html(&r.html.replace("javascript:alert", "").replace("JaVaScRiPt:alert", ""));
        for href in hrefs(&r.html) {
            assert!(href.starts_with("https://alerts.example.org/"), "only our own links remain: {href}");
        }
        assert!(r.html.contains("<span style=\"word-break:break-all;\">javascript:alert(1)</span>"));
        assert!(r.html.contains("data:text/html,&lt;script&gt;"));
        assert!(r.text.contains("javascript:alert(1)"));

        assert_eq!(web_link("https://legis.delaware.gov/BillDetail?LegislationId=141724").as_deref(), Some(DE_SB4_URL));
        assert_eq!(web_link("https://example.org/a b\"c").as_deref(), Some("https://example.org/a%20b%22c"));
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:x",
            "vbscript:x",
            "data:text/html,x",
            "/relative",
            "file:///etc/passwd",
            "mailto:a@b.c",
            "http://",
            "https://example.org/a\r\nb",
        ] {
            assert_eq!(web_link(bad), None, "{bad}");
        }
    }

    #[test]
    fn subject_is_one_short_line() {
        let mut a = signed();
        a.headline = "SB 4 signed\r\nBcc: victim@example.com\n\tX-Injected: yes\u{0}\u{202E}".into();
        let r = render(&a);
        assert_eq!(r.subject, "[Open Government Coalition] SB 4 signed Bcc: victim@example.com X-Injected: yes");
        assert!(!r.text.lines().any(|l| l.starts_with("Bcc:")));

        a.headline = "SB 4 ".repeat(60);
        let subject = render(&a).subject;
        assert!(subject.chars().count() <= SUBJECT_MAX_CHARS && subject.chars().count() > 140, "{subject}");
        assert!(subject.ends_with("S…") || subject.ends_with("SB…") || subject.ends_with("4…"), "{subject}");
        assert_eq!(subject_line("a\u{7f}b\u{85}c  d"), "a b c d");
    }

    #[test]
    fn digest_indexes_then_orders_by_importance_and_time() {
        let mut alerts = all();
        alerts.push(house_roll_call(Position::Support));
        alerts.last_mut().unwrap().headline = "SB 4 passed the Senate 20-0".into();
        alerts.last_mut().unwrap().data_as_of = at("2025-05-23T09:00:00Z"); // earlier: listed first
        let date = chrono::NaiveDate::from_ymd_opt(2017, 2, 6).unwrap();
        let r = render_digest(&alerts, &recipient(), date, &links()).unwrap();
        assert_eq!(r.subject, "[Open Government Coalition] 12 updates for Monday, February 6");
        assert!(r.text.starts_with("12 updates for Monday, February 6\n\n1. [Roll call vote] SB 4 passed the Senate 20-0\n2. [Roll call vote] SB 4 passed the House 30-1\n"), "{}", r.text);

        let order = [
            "1. [Roll call vote] SB 4 passed the Senate",
            "2. [Roll call vote] SB 4 passed the House",
            "[Hearing",
            "[Taken off a hearing agenda]",
            "[Bill action]",
            "[New version]",
            "[Sponsor added]",
            "12. [New bill]",
        ];
        // The same order in the index and in the sections after it.
        let (index, sections) = r.text.split_once(&format!("\n\n{}\n", "-".repeat(TEXT_WIDTH))).unwrap();
        assert!(!index.contains("WHAT HAPPENED"));
        assert_eq!(sections.matches(&"-".repeat(TEXT_WIDTH)).count(), 11, "a rule between sections");
        for part in [index, sections] {
            let positions: Vec<usize> =
                order.iter().map(|o| part.find(o).unwrap_or_else(|| panic!("{o} missing in:\n{part}"))).collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        }
        for a in &alerts {
            assert_eq!(
                flat(&r.text).matches(&format!("] {}", a.headline)).count(),
                2,
                "index + section: {}",
                a.headline
            );
        }
        assert_eq!(r.text.matches("WHAT TO DO").count(), 12);
        assert_eq!(r.text.matches("Unsubscribe: ").count(), 1);
        assert_text_fits(&r.text);

        assert_contains(&r.html, &["<a href=\"#alert-1\"", "id=\"alert-1\"", "id=\"alert-12\"", "<h1"]);
        assert_eq!(r.html.matches("<h2").count(), 12);
        assert_safe_html(&r.html);

        let one = render_digest(&alerts[..1], &recipient(), date, &links()).unwrap();
        assert_eq!(one.subject, "[Open Government Coalition] 1 update for Monday, February 6");
        assert!(matches!(render_digest(&[], &recipient(), date, &links()), Err(RenderError::EmptyDigest)));
    }

    #[test]
    fn times_follow_the_recipient_zone() {
        let mut west = recipient();
        west.timezone = "America/Los_Angeles".into();
        let r = render_alert(&signed(), &west, &links()).unwrap();
        assert!(r.text.contains("Data as of Friday, August 15, 2025 at 7:02 AM PDT"), "{}", r.text);
        west.timezone = "Mars/Olympus_Mons".into();
        let r = render_alert(&signed(), &west, &links()).unwrap();
        assert!(r.text.contains("Data as of Friday, August 15, 2025 at 2:02 PM UTC"), "{}", r.text);
    }

    #[test]
    fn links_must_be_ours_and_safe() {
        let mut l = links();
        l.unsubscribe = "javascript:alert(1)".into();
        assert!(matches!(render_alert(&signed(), &recipient(), &l), Err(RenderError::Unsubscribe(_))));
        l.unsubscribe = "http://alerts.example.org/u/1".into();
        assert!(matches!(render_alert(&signed(), &recipient(), &l), Err(RenderError::Unsubscribe(_))));
        l.unsubscribe = "mailto:unsubscribe@example.org?subject=Zk3pQ".into();
        l.manage = None;
        let r = render_alert(&signed(), &recipient(), &l).unwrap();
        assert!(r.text.contains("Unsubscribe: mailto:unsubscribe@example.org?subject=Zk3pQ"));
        assert!(r.html.contains("href=\"mailto:unsubscribe@example.org?subject=Zk3pQ\""));
        assert!(!r.text.contains("Manage your alerts"));
        l.manage = Some("javascript:void(0)".into());
        assert!(matches!(render_alert(&signed(), &recipient(), &l), Err(RenderError::Manage(_))));
    }

    #[test]
    fn wrap_keeps_indent_and_hangs_list_items() {
        let text = format!(
            "short\n\n\n  {}\n- {}\n12. {}\n{}\n",
            "alpha ".repeat(20),
            "beta ".repeat(20),
            "gamma ".repeat(15),
            "https://example.org/".repeat(5)
        );
        let out = wrap_text(&text, 40);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0..2], ["short", ""], "blank lines collapse: {out}");
        assert!(lines[2].starts_with("  alpha") && lines[3].starts_with("  alpha"), "{out}");
        assert!(out.contains("\n- beta beta") && out.contains("\n  beta"), "{out}");
        assert!(out.contains("\n12. gamma") && out.contains("\n    gamma"), "{out}");
        assert!(out.contains(&"https://example.org/".repeat(5)), "a long word stays whole");
        assert!(lines.iter().all(|l| l.chars().count() <= 40 || !l.trim().contains(' ')), "{out}");
        assert!(!out.ends_with("\n\n"));

        // A list of names breaks between names only.
        let names = format!("  {}\n", DE_SB4_HOUSE_VOTES.map(|(n, o)| format!("{} ({o})", flat(n))).join(", "));
        let out = wrap_text(&names, TEXT_WIDTH);
        assert!(out.lines().count() > 5);
        for line in out.lines() {
            assert!(line.starts_with("  ") && line.chars().count() <= TEXT_WIDTH, "{line:?}");
            assert!(line.ends_with("),") || line.ends_with(')'), "a name was split: {line:?}");
        }
        assert_eq!(flat(&out), flat(&names));
    }

    // --- the MIME message ---

    /// Header lines of a formatted message or part, unfolded: (lowercase name, value).
    fn headers(block: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for line in block.split("\r\n") {
            if line.starts_with(' ') || line.starts_with('\t') {
                if let Some(last) = out.last_mut() {
                    last.1.push_str(line);
                }
            } else if let Some((name, value)) = line.split_once(':') {
                out.push((name.to_ascii_lowercase(), value.trim().to_string()));
            } else {
                panic!("not a header line: {line:?}");
            }
        }
        out
    }

    fn quoted_printable(s: &str) -> String {
        let s = s.replace("=\r\n", "");
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() + 1 {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap().replace("\r\n", "\n")
    }

    fn from() -> Mailbox {
        "Statehouse alerts <alerts@example.org>".parse().unwrap()
    }

    #[test]
    fn message_is_multipart_alternative_with_list_headers() {
        let r = render(&energy_moved()); // "→" and "–" make the parts non-ASCII
        let date = at("2017-02-06T21:00:00Z");
        let m = message(
            &r,
            &from(),
            &recipient(),
            "https://alerts.example.org/u/Zk3pQ",
            "<a1b2c3@alerts.example.org>",
            date,
        )
        .unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let hs = headers(head);
        let count = |name: &str| hs.iter().filter(|(n, _)| n == name).count();
        let value = |name: &str| hs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
        for name in [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "list-unsubscribe",
            "list-unsubscribe-post",
            "auto-submitted",
            "mime-version",
            "content-type",
        ] {
            assert_eq!(count(name), 1, "{name} once in:\n{head}");
        }
        assert_eq!(value("from"), "\"Statehouse alerts\" <alerts@example.org>");
        assert_eq!(value("to"), "\"Dana Reyes\" <dana@example.org>");
        assert_eq!(value("subject"), r.subject);
        assert_eq!(value("date"), "Mon, 06 Feb 2017 21:00:00 +0000");
        assert_eq!(value("message-id"), "<a1b2c3@alerts.example.org>");
        assert_eq!(value("list-unsubscribe"), "<https://alerts.example.org/u/Zk3pQ>");
        assert_eq!(value("list-unsubscribe-post"), "List-Unsubscribe=One-Click");
        assert_eq!(value("auto-submitted"), "auto-generated");
        let content_type = value("content-type");
        assert!(content_type.starts_with("multipart/alternative;"), "{content_type}");
        let boundary = content_type.split("boundary=\"").nth(1).and_then(|b| b.split('"').next()).unwrap();

        let parts: Vec<&str> = body.split(&format!("--{boundary}")).collect();
        assert_eq!(parts.len(), 4, "preamble, text, html, end:\n{body}");
        assert!(parts[3].starts_with("--"));
        let mut decoded = Vec::new();
        for part in &parts[1..3] {
            let (head, content) = part.trim_start_matches("\r\n").split_once("\r\n\r\n").unwrap();
            let hs = headers(head);
            let get = |n: &str| hs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap_or_default();
            assert_eq!(get("content-transfer-encoding"), "quoted-printable");
            assert!(content.lines().all(|l| l.len() <= 76), "QP lines are short");
            decoded.push((get("content-type"), quoted_printable(content.trim_end_matches("\r\n"))));
        }
        assert_eq!(decoded[0].0, "text/plain; charset=utf-8");
        assert_eq!(decoded[0].1.trim_end(), r.text.trim_end());
        assert_eq!(decoded[1].0, "text/html; charset=utf-8");
        assert_eq!(decoded[1].1.trim_end(), r.html.trim_end());
    }

    #[test]
    fn message_rejects_bad_ids_and_links_and_keeps_headers_single_line() {
        let mut a = signed();
        a.headline = "signed\r\nBcc: victim@example.com".into();
        let r = render(&a);
        let mut to = recipient();
        to.name = "Dana\r\nBcc: victim@example.com".into();
        let date = at("2025-08-15T14:05:00Z");
        let m = message(&r, &from(), &to, "mailto:unsubscribe@example.org", "<x1@example.org>", date).unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        let head = raw.split_once("\r\n\r\n").unwrap().0;
        let hs = headers(head);
        assert!(!hs.iter().any(|(n, _)| n == "bcc"), "{head}");
        assert!(!hs.iter().any(|(n, _)| n == "list-unsubscribe-post"), "mailto: no one-click");
        assert!(hs.iter().any(|(n, v)| n == "list-unsubscribe" && v == "<mailto:unsubscribe@example.org>"));

        let ok_to = recipient();
        for id in ["x1@example.org", "<x1>", "<x 1@example.org>", "<x1@example.org>\r\nBcc: a@b.c", "<@example.org>"] {
            assert!(
                matches!(
                    message(&r, &from(), &ok_to, "mailto:u@example.org", id, date),
                    Err(MessageError::MessageId(_))
                ),
                "{id:?}"
            );
        }
        for link in ["javascript:alert(1)", "http://example.org/u", "https://example.org/u\r\nBcc: a@b.c x"] {
            assert!(
                matches!(
                    message(&r, &from(), &ok_to, link, "<x1@example.org>", date),
                    Err(MessageError::Unsubscribe(_))
                ),
                "{link:?}"
            );
        }
        let mut bad = recipient();
        bad.email = "not an address".into();
        assert!(matches!(
            message(&r, &from(), &bad, "mailto:u@example.org", "<x1@example.org>", date),
            Err(MessageError::Address(_))
        ));
    }
}
