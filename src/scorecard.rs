//! A coalition scorecard as the command prints it (pure): rows for a table or CSV
//! (`output`), or one self-contained HTML page (`templates/scorecard/scorecard.html`, inline
//! CSS, no external assets, printable). The scorecard itself is read by
//! `warehouse::scorecard`; docs/scorecards.md says how it is scored.
//!
//! Everything on the page comes from legislature feeds or coalition files and is untrusted:
//! the template autoescapes (the alerts' minijinja set-up and formatter), every field is one
//! line (`alerts::render::one_line`), and the page links to nothing.

use crate::alerts::render::one_line;
use crate::warehouse::QueryResult;
use crate::warehouse::scorecard::{Line, Scorecard};
use minijinja::value::Serde;
use minijinja::{Environment, context};
use serde::Serialize;
use serde_json::json;
use std::sync::OnceLock;

/// The columns of a scorecard's CSV: those of the `legislator_scorecards` view.
pub const COLUMNS: [&str; 11] = [
    "coalition_id",
    "jurisdiction_id",
    "person_id",
    "name",
    "chamber",
    "district",
    "party",
    "votes_with",
    "votes_against",
    "absent",
    "score",
];

/// The lines as rows of [`COLUMNS`] (CSV, or a table without the first three).
pub fn rows(s: &Scorecard, table: bool) -> QueryResult {
    let skip = if table { 3 } else { 0 };
    QueryResult {
        columns: COLUMNS.iter().skip(skip).map(|c| c.to_string()).collect(),
        rows: s
            .lines
            .iter()
            .map(|l| {
                [
                    json!(s.coalition_id),
                    json!(l.jurisdiction_id),
                    json!(l.person_id),
                    json!(l.name),
                    json!(l.chamber),
                    json!(l.district),
                    json!(l.party),
                    json!(l.votes_with),
                    json!(l.votes_against),
                    json!(l.absent),
                    json!(l.score),
                ]
                .into_iter()
                .skip(skip)
                .collect()
            })
            .collect(),
    }
}

/// What was counted, in a sentence (the page's note, the table's footer).
pub fn counted(s: &Scorecard) -> String {
    let votes = if s.all_votes {
        "final passage votes of the Senate, House or Assembly (or the whole legislature) and committee votes on the bills"
    } else {
        "final passage votes of the Senate, House or Assembly (or the whole legislature) on the bills"
    };
    let positions = match &s.group {
        Some((_, name)) => format!("{}'s positions", one_line(name)),
        None => "the coalition's positions (each bill's lead group's)".to_string(),
    };
    format!(
        "Counted: {votes}, against {positions}. Votes on amendments and procedural motions (readings, motions to table, reconsider, refer, …) do not count, nor do bills we only watch."
    )
}

/// The vote records left out, in a sentence; `None` when there are none.
pub fn unlinked(s: &Scorecard) -> Option<String> {
    let u = s.unlinked;
    (u.records > 0).then(|| {
        format!(
            "{} vote record{} by {} voter name{} not linked to a legislator {} left out.",
            u.records,
            if u.records == 1 { "" } else { "s" },
            u.voters,
            if u.voters == 1 { "" } else { "s" },
            if u.records == 1 { "is" } else { "are" },
        )
    })
}

/// The name of a chamber in a jurisdiction (`upper` → Senate; `lower` → House, Assembly, …).
pub fn chamber_name(jurisdiction_id: &str, chamber: Option<&str>) -> String {
    let state = crate::normalize::ids::jurisdiction_code(jurisdiction_id);
    match chamber {
        Some("upper") => "Senate".to_string(),
        Some("lower") => match state.as_str() {
            "ca" | "ny" | "nv" | "wi" => "Assembly".to_string(),
            "nj" => "General Assembly".to_string(),
            "md" | "va" | "wv" => "House of Delegates".to_string(),
            _ => "House".to_string(),
        },
        Some("legislature") if state == "dc" => "Council".to_string(),
        Some("legislature") => "Legislature".to_string(),
        Some(other) => one_line(other),
        None => "Chamber not known".to_string(),
    }
}

#[derive(Serialize)]
struct BillView {
    identifier: String,
    title: String,
    position: String,
    position_label: &'static str,
    roll_calls: i64,
}

#[derive(Serialize)]
struct LineView {
    name: String,
    district: String,
    party: String,
    votes_with: i64,
    votes_against: i64,
    absent: i64,
    score: String,
    /// Width in pixels of the score's bar (100 % = 60 px).
    bar: Option<u32>,
}

#[derive(Serialize)]
struct ChamberView {
    name: String,
    lines: Vec<LineView>,
}

fn line_view(l: &Line) -> LineView {
    LineView {
        name: one_line(&l.name),
        district: one_line(l.district.as_deref().unwrap_or("")),
        party: one_line(l.party.as_deref().unwrap_or("")),
        votes_with: l.votes_with,
        votes_against: l.votes_against,
        absent: l.absent,
        score: l.score.map(|s| format!("{s:.1}%")).unwrap_or_else(|| "–".to_string()),
        bar: l.score.map(|s| (s * 0.6).round() as u32),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScorecardPageError {
    #[error("the scorecard template could not be loaded: {0}")]
    Template(String),
    #[error("the scorecard template failed")]
    Render(#[source] minijinja::Error),
}

const TEMPLATE: &str = include_str!("../templates/scorecard/scorecard.html");

fn environment() -> Result<&'static Environment<'static>, ScorecardPageError> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| crate::alerts::render::template_environment(&[("scorecard.html", TEMPLATE)]))
        .as_ref()
        .map_err(|e| ScorecardPageError::Template(e.clone()))
}

/// The scorecard as one HTML page; `as_of` is the date it says it was made.
pub fn html(s: &Scorecard, as_of: chrono::NaiveDate) -> Result<String, ScorecardPageError> {
    let mut chambers: Vec<ChamberView> = Vec::new();
    let mut last: Option<(String, Option<String>)> = None;
    for l in &s.lines {
        let key = (l.jurisdiction_id.clone(), l.chamber.clone());
        if last.as_ref() != Some(&key) {
            let jurisdictions = s.lines.iter().map(|l| &l.jurisdiction_id).collect::<std::collections::HashSet<_>>();
            let mut name = chamber_name(&l.jurisdiction_id, l.chamber.as_deref());
            if jurisdictions.len() > 1 {
                name =
                    format!("{} {name}", crate::normalize::ids::jurisdiction_code(&l.jurisdiction_id).to_uppercase());
            }
            chambers.push(ChamberView { name, lines: Vec::new() });
            last = Some(key);
        }
        if let Some(c) = chambers.last_mut() {
            c.lines.push(line_view(l));
        }
    }
    let bills: Vec<BillView> = s
        .bills
        .iter()
        .map(|b| BillView {
            identifier: one_line(&b.identifier),
            title: one_line(&b.title),
            position: if b.position == "oppose" { "oppose" } else { "support" }.to_string(),
            position_label: if b.position == "oppose" { "We oppose" } else { "We support" },
            roll_calls: b.roll_calls,
        })
        .collect();
    let sessions = s.sessions.iter().map(|x| one_line(x)).collect::<Vec<_>>().join(", ");
    let subtitle = match (&s.group, sessions.is_empty()) {
        (Some((_, g)), false) => format!("Session {sessions} · positions of {}", one_line(g)),
        (Some((_, g)), true) => format!("Positions of {}", one_line(g)),
        (None, false) => format!("Session {sessions}"),
        (None, true) => String::new(),
    };
    let coalition = one_line(&s.coalition_name);
    let ctx = context! {
        title => format!("{coalition} scorecard"),
        coalition => coalition,
        subtitle => subtitle,
        bills => Serde(&bills),
        chambers => Serde(&chambers),
        counted => counted(s),
        unlinked => unlinked(s),
        footer => format!("Made on {} from public roll-call records.", as_of.format("%B %-d, %Y")),
    };
    environment()?.get_template("scorecard.html").and_then(|t| t.render(ctx)).map_err(ScorecardPageError::Render)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warehouse::scorecard::{CountedBill, Unlinked, score};

    fn card() -> Scorecard {
        let line = |name: &str, chamber: &str, w: i64, a: i64| Line {
            jurisdiction_id: "ocd-jurisdiction/country:us/state:ca/government".into(),
            person_id: format!("ocd-person/{name}"),
            name: name.into(),
            chamber: Some(chamber.into()),
            district: Some("7".into()),
            party: Some("Democratic".into()),
            votes_with: w,
            votes_against: a,
            absent: 1,
            score: score(w, a),
        };
        Scorecard {
            coalition_id: "c".into(),
            coalition_name: "Parents & <Teachers>".into(),
            group: None,
            all_votes: false,
            sessions: vec!["20252026".into()],
            bills: vec![CountedBill {
                jurisdiction_id: "ocd-jurisdiction/country:us/state:ca/government".into(),
                session: "20252026".into(),
                bill_id: "b".into(),
                identifier: "AB 1".into(),
                title: "An act <script>alert(1)</script>".into(),
                position: "oppose".into(),
                roll_calls: 2,
            }],
            lines: vec![line("Ann \"Q\" O'Neil", "upper", 2, 0), line("<b>Bo</b>", "lower", 0, 0)],
            unlinked: Unlinked { records: 3, voters: 1 },
        }
    }

    #[test]
    fn the_page_escapes_everything_and_links_nothing() {
        let page = html(&card(), chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()).unwrap();
        assert!(page.contains("Parents &amp; &lt;Teachers&gt; scorecard"), "{page}");
        assert!(page.contains("An act &lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
        assert!(!page.contains("<script"), "{page}");
        assert!(page.contains("Ann &quot;Q&quot; O&#x27;Neil"), "{page}");
        assert!(page.contains("&lt;b&gt;Bo&lt;/b&gt;"), "{page}");
        assert!(page.contains("<h2>Senate</h2>") && page.contains("<h2>Assembly</h2>"), "{page}");
        assert!(page.contains("100.0%") && page.contains("We oppose"), "{page}");
        assert!(page.contains("3 vote records by 1 voter name not linked"), "{page}");
        assert!(page.contains("@media print") && page.contains("January 5, 2026"), "{page}");
        assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("src="), "{page}");
    }

    #[test]
    fn csv_rows_are_the_views_columns() {
        let r = rows(&card(), false);
        assert_eq!(r.columns, COLUMNS);
        assert_eq!(r.rows[0][10], json!(100.0));
        assert_eq!(r.rows[1][10], json!(null));
        assert_eq!(rows(&card(), true).columns[0], "name");
    }
}
