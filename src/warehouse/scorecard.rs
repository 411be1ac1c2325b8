//! Coalition scorecards (`statehouse scorecard`): each legislator's votes on the roll calls of
//! a coalition's tracked bills, against each bill's position. The rules are the views of
//! migration 0009, on both backends: `vote_kinds` (what a roll call was: `passage`,
//! `committee` or `procedural`), `scorecard_votes` (every vote record on a tracked bill with
//! the side it scores on, per group holding a position) and `legislator_scorecards` (the
//! default: final passage, the assigned group's positions). This module reads
//! `scorecard_votes` with the command's options (session, committee votes, another group's
//! positions) into typed rows. The same SQL serves both backends (`$N` placeholders).

use super::Warehouse;
use serde::Serialize;

/// What to score.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    pub coalition_id: String,
    /// Only this session (as the warehouse names it).
    pub session: Option<String>,
    /// Committee votes count too (final passage always does; procedural motions never).
    pub all_votes: bool,
    /// Score against this group's positions; default: each bill's assigned group's.
    pub group: Option<String>,
}

/// One legislator's line: the columns of `legislator_scorecards` after `coalition_id`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Line {
    pub jurisdiction_id: String,
    pub person_id: String,
    pub name: String,
    pub chamber: Option<String>,
    pub district: Option<String>,
    pub party: Option<String>,
    pub votes_with: i64,
    pub votes_against: i64,
    pub absent: i64,
    /// votes_with / (votes_with + votes_against) as a percentage to one decimal (as the view
    /// rounds it); `None` without a vote either way.
    #[sqlx(skip)]
    pub score: Option<f64>,
}

/// A tracked bill with at least one counted roll call.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct CountedBill {
    pub jurisdiction_id: String,
    pub session: String,
    pub bill_id: String,
    pub identifier: String,
    pub title: String,
    /// `support` or `oppose`.
    pub position: String,
    /// Counted roll calls on the bill.
    pub roll_calls: i64,
}

/// Vote records on the counted roll calls that are in no line: their voter is not linked to a
/// person (`unmatched_voters`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, sqlx::FromRow)]
pub struct Unlinked {
    pub records: i64,
    pub voters: i64,
}

/// A coalition's scorecard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub coalition_id: String,
    pub coalition_name: String,
    /// The group whose positions were used (`--group`): (id, name).
    pub group: Option<(String, String)>,
    pub all_votes: bool,
    /// Sessions of the counted bills (or the one asked for), in order.
    pub sessions: Vec<String>,
    pub bills: Vec<CountedBill>,
    /// By jurisdiction, chamber (upper, lower, legislature, other), then score (best first, none
    /// last), then name.
    pub lines: Vec<Line>,
    pub unlinked: Unlinked,
}

#[derive(Debug, thiserror::Error)]
pub enum ScorecardError {
    #[error(
        "coalition {0:?} is not in the warehouse: `statehouse run` (or `statehouse alerts send`) with its pipeline copies the coalition file into it"
    )]
    NoCoalition(String),
    #[error("coalition {coalition:?} has no group {group:?} (its groups: {groups})")]
    NoGroup { coalition: String, group: String, groups: String },
    #[error("reading the scorecard failed")]
    Database(#[from] sqlx::Error),
}

/// The rows `scorecard_votes` scores, by the options: $1 coalition, $2 group (NULL: each
/// bill's assigned group), $3 and $4 the vote kinds counted, $5 session (NULL: all).
const FILTER: &str = "s.coalition_id = $1
  AND ((CAST($2 AS TEXT) IS NULL AND s.assigned = TRUE) OR s.group_id = $2)
  AND s.vote_kind IN ($3, $4)
  AND (CAST($5 AS TEXT) IS NULL OR s.session = $5)";

fn lines_sql() -> String {
    format!(
        "SELECT s.jurisdiction_id, s.person_id, p.name, p.chamber, p.district, p.party,
                SUM(CASE WHEN s.side = 'with' THEN 1 ELSE 0 END) AS votes_with,
                SUM(CASE WHEN s.side = 'against' THEN 1 ELSE 0 END) AS votes_against,
                SUM(CASE WHEN s.side = 'absent' THEN 1 ELSE 0 END) AS absent
         FROM scorecard_votes s
         JOIN people p ON p.id = s.person_id
         WHERE {FILTER}
         GROUP BY s.jurisdiction_id, s.person_id, p.name, p.chamber, p.district, p.party"
    )
}

fn bills_sql() -> String {
    format!(
        "SELECT s.jurisdiction_id, s.session, s.bill_id, s.bill_identifier AS identifier, b.title, s.position,
                COUNT(DISTINCT s.vote_id) AS roll_calls
         FROM scorecard_votes s
         JOIN bills b ON b.id = s.bill_id
         WHERE {FILTER}
         GROUP BY s.jurisdiction_id, s.session, s.bill_id, s.bill_identifier, b.title, s.position
         ORDER BY s.jurisdiction_id, s.session, s.bill_identifier"
    )
}

fn unlinked_sql() -> String {
    format!(
        "SELECT COUNT(*) AS records, COUNT(DISTINCT s.voter_name) AS voters
         FROM scorecard_votes s
         WHERE {FILTER}
           AND (s.person_id IS NULL OR NOT EXISTS (SELECT 1 FROM people p WHERE p.id = s.person_id))"
    )
}

/// The score as the view computes it: a percentage rounded to one decimal, half away from
/// zero; `None` with no vote either way.
pub fn score(with: i64, against: i64) -> Option<f64> {
    let n = with + against;
    (n > 0).then(|| (1000.0 * with as f64 / n as f64).round() / 10.0)
}

/// Chambers in the order a scorecard lists them.
fn chamber_rank(chamber: Option<&str>) -> u8 {
    match chamber {
        Some("upper") => 0,
        Some("lower") => 1,
        Some("legislature") => 2,
        Some(_) => 3,
        None => 4,
    }
}

/// Sorts lines by jurisdiction, chamber, then score (best first, none last), then name.
pub fn sort_lines(lines: &mut [Line]) {
    lines.sort_by(|a, b| {
        a.jurisdiction_id
            .cmp(&b.jurisdiction_id)
            .then_with(|| chamber_rank(a.chamber.as_deref()).cmp(&chamber_rank(b.chamber.as_deref())))
            .then_with(|| a.chamber.cmp(&b.chamber))
            .then_with(|| match (a.score, b.score) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.person_id.cmp(&b.person_id))
    });
}

macro_rules! backend {
    ($m:ident, $DB:ty, $Pool:ty) => {
        mod $m {
            use super::*;
            type Db = $DB;

            pub(super) async fn coalition_name(pool: &$Pool, id: &str) -> Result<Option<String>, sqlx::Error> {
                sqlx::query_scalar::<Db, String>("SELECT name FROM coalitions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await
            }

            pub(super) async fn groups(pool: &$Pool, id: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
                sqlx::query_as::<Db, (String, String)>(
                    "SELECT id, name FROM coalition_groups WHERE coalition_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(pool)
                .await
            }

            pub(super) async fn read(
                pool: &$Pool,
                o: &Options,
            ) -> Result<(Vec<Line>, Vec<CountedBill>, Unlinked), sqlx::Error> {
                let kinds = ("passage", if o.all_votes { "committee" } else { "passage" });
                macro_rules! bound {
                    ($q:expr) => {
                        $q.bind(&o.coalition_id).bind(&o.group).bind(kinds.0).bind(kinds.1).bind(&o.session)
                    };
                }
                let lines_sql = lines_sql();
                let bills_sql = bills_sql();
                let unlinked_sql = unlinked_sql();
                let lines =
                    bound!(sqlx::query_as::<Db, Line>(sqlx::AssertSqlSafe(lines_sql.as_str()))).fetch_all(pool).await?;
                let bills = bound!(sqlx::query_as::<Db, CountedBill>(sqlx::AssertSqlSafe(bills_sql.as_str())))
                    .fetch_all(pool)
                    .await?;
                let unlinked = bound!(sqlx::query_as::<Db, Unlinked>(sqlx::AssertSqlSafe(unlinked_sql.as_str())))
                    .fetch_one(pool)
                    .await?;
                Ok((lines, bills, unlinked))
            }
        }
    };
}

backend!(sqlite, sqlx::Sqlite, sqlx::SqlitePool);
backend!(postgres, sqlx::Postgres, sqlx::PgPool);

macro_rules! on {
    ($self:expr, $f:ident ( $($arg:expr),* )) => {
        match $self {
            Warehouse::Sqlite(p) => sqlite::$f(p, $($arg),*).await,
            Warehouse::Postgres(p) => postgres::$f(p, $($arg),*).await,
        }
    };
}

impl Warehouse {
    /// A coalition's scorecard, read from `scorecard_votes` with the options. The coalition
    /// (and the group, when one is asked for) must be in the warehouse.
    pub async fn scorecard(&self, o: &Options) -> Result<Scorecard, ScorecardError> {
        let coalition_name = on!(self, coalition_name(&o.coalition_id))?
            .ok_or_else(|| ScorecardError::NoCoalition(o.coalition_id.clone()))?;
        let group = match &o.group {
            None => None,
            Some(g) => {
                let groups = on!(self, groups(&o.coalition_id))?;
                match groups.iter().find(|(id, _)| id == g) {
                    Some(found) => Some(found.clone()),
                    None => {
                        return Err(ScorecardError::NoGroup {
                            coalition: o.coalition_id.clone(),
                            group: g.clone(),
                            groups: groups.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>().join(", "),
                        });
                    }
                }
            }
        };
        let (mut lines, bills, unlinked) = on!(self, read(o))?;
        for l in &mut lines {
            l.score = score(l.votes_with, l.votes_against);
        }
        sort_lines(&mut lines);
        let mut sessions: Vec<String> = match &o.session {
            Some(s) => vec![s.clone()],
            None => bills.iter().map(|b| b.session.clone()).collect(),
        };
        sessions.sort();
        sessions.dedup();
        Ok(Scorecard {
            coalition_id: o.coalition_id.clone(),
            coalition_name,
            group,
            all_votes: o.all_votes,
            sessions,
            bills,
            lines,
            unlinked,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_is_a_rounded_percentage_of_the_votes_cast_either_way() {
        assert_eq!(score(0, 0), None);
        assert_eq!(score(3, 0), Some(100.0));
        assert_eq!(score(0, 2), Some(0.0));
        assert_eq!(score(2, 1), Some(66.7));
        assert_eq!(score(1, 2), Some(33.3));
        // Half away from zero, as SQL's ROUND: 1/16 = 6.25 %.
        assert_eq!(score(1, 15), Some(6.3));
    }

    fn line(name: &str, chamber: Option<&str>, with: i64, against: i64) -> Line {
        Line {
            jurisdiction_id: "j".into(),
            person_id: name.into(),
            name: name.into(),
            chamber: chamber.map(str::to_string),
            district: None,
            party: None,
            votes_with: with,
            votes_against: against,
            absent: 0,
            score: score(with, against),
        }
    }

    #[test]
    fn lines_sort_by_chamber_then_score_then_name() {
        let mut lines = vec![
            line("Zed", Some("lower"), 1, 0),
            line("Amy", Some("lower"), 0, 0),
            line("Bob", Some("upper"), 1, 1),
            line("Cy", Some("upper"), 1, 1),
            line("Di", Some("upper"), 2, 0),
            line("Ed", None, 2, 0),
        ];
        sort_lines(&mut lines);
        let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Di", "Bob", "Cy", "Zed", "Amy", "Ed"]);
    }
}
