//! The closed set of source kinds: one variant per `kind` a pipeline's `[[sources]]` may name
//! (`config::SourceConfig`). What differs by kind outside the parsers lives here: the name
//! stored in the warehouse (`source_kind` columns), the precedence between sources that
//! deliver the same entity, and the credit line a licence asks for.

use std::fmt;
use std::str::FromStr;

/// A kind of source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Open States scraper output (and the Windy Civi copies).
    OcdScrape,
    /// The Open States API v3.
    Openstates,
    /// New York's LBDC XML feed.
    NyLbdc,
    /// California's pubinfo export.
    CaPubinfo,
    /// LegiScan dataset zips.
    LegiscanDataset,
    /// LegiScan's pull API.
    Legiscan,
    /// City councils' Legistar Web API.
    Legistar,
    /// iCalendar hearing feeds.
    Ical,
    /// Open States' people repository (YAML): legislators and committee rosters.
    OpenstatesPeople,
}

/// The rank of a stored kind this build does not know: after every known kind, so that an
/// unknown source's word never overrides a known one's.
pub const UNKNOWN_RANK: u8 = u8::MAX;

/// LegiScan's licence (CC BY 4.0) asks for this line wherever its data is shown.
const LEGISCAN_CREDIT: &str = "Legislative data from LegiScan (https://legiscan.com), licensed under CC BY 4.0 \
                               (https://creativecommons.org/licenses/by/4.0/)";

impl SourceKind {
    /// Every kind, in declaration order.
    pub const ALL: [SourceKind; 9] = [
        SourceKind::OcdScrape,
        SourceKind::Openstates,
        SourceKind::NyLbdc,
        SourceKind::CaPubinfo,
        SourceKind::LegiscanDataset,
        SourceKind::Legiscan,
        SourceKind::Legistar,
        SourceKind::Ical,
        SourceKind::OpenstatesPeople,
    ];

    /// The name in pipeline files and in the warehouse's `source_kind` columns.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::OcdScrape => "ocd_scrape",
            SourceKind::Openstates => "openstates",
            SourceKind::NyLbdc => "ny_lbdc",
            SourceKind::CaPubinfo => "ca_pubinfo",
            SourceKind::LegiscanDataset => "legiscan_dataset",
            SourceKind::Legiscan => "legiscan",
            SourceKind::Legistar => "legistar",
            SourceKind::Ical => "ical",
            SourceKind::OpenstatesPeople => "openstates_people",
        }
    }

    /// The kind of a stored name; `None` for a name this build does not know.
    pub fn parse(s: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Precedence when several sources deliver one entity: lower wins (`warehouse::claims`).
    /// The legislatures' and councils' own feeds first, then Open States and calendars, then
    /// LegiScan.
    pub fn rank(self) -> u8 {
        match self {
            SourceKind::CaPubinfo | SourceKind::NyLbdc | SourceKind::Legistar => 1,
            SourceKind::Openstates | SourceKind::OcdScrape | SourceKind::Ical | SourceKind::OpenstatesPeople => 2,
            SourceKind::Legiscan | SourceKind::LegiscanDataset => 3,
        }
    }

    /// The rank of a kind as stored (`entity_sources.source_kind`): [`SourceKind::rank`], or
    /// [`UNKNOWN_RANK`] (last) for a name this build does not know.
    pub fn rank_of(stored: &str) -> u8 {
        SourceKind::parse(stored).map_or(UNKNOWN_RANK, SourceKind::rank)
    }

    /// The credit line the source's licence asks for wherever its data is shown, if any.
    pub fn credit_line(self) -> Option<&'static str> {
        match self {
            SourceKind::Legiscan | SourceKind::LegiscanDataset => Some(LEGISCAN_CREDIT),
            SourceKind::OcdScrape
            | SourceKind::Openstates
            | SourceKind::NyLbdc
            | SourceKind::CaPubinfo
            | SourceKind::Legistar
            | SourceKind::Ical
            | SourceKind::OpenstatesPeople => None,
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a source kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown source kind {0:?}")]
pub struct UnknownSourceKind(pub String);

impl FromStr for SourceKind {
    type Err = UnknownSourceKind;

    fn from_str(s: &str) -> Result<SourceKind, UnknownSourceKind> {
        SourceKind::parse(s).ok_or_else(|| UnknownSourceKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for k in SourceKind::ALL {
            assert_eq!(k.as_str().parse::<SourceKind>(), Ok(k));
            assert_eq!(k.to_string(), k.as_str());
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::Value::String(k.as_str().into()));
        }
        assert_eq!("LegiScan".parse::<SourceKind>(), Err(UnknownSourceKind("LegiScan".into())));
    }

    #[test]
    fn feeds_outrank_open_states_outrank_legiscan_and_unknown_kinds_come_last() {
        assert!(SourceKind::CaPubinfo.rank() < SourceKind::Openstates.rank());
        assert!(SourceKind::OcdScrape.rank() < SourceKind::LegiscanDataset.rank());
        assert_eq!(SourceKind::rank_of("ny_lbdc"), 1);
        assert_eq!(SourceKind::rank_of("retired_kind"), UNKNOWN_RANK);
        assert!(SourceKind::ALL.iter().all(|k| k.rank() < UNKNOWN_RANK));
    }

    #[test]
    fn only_legiscan_data_carries_a_credit_line() {
        let credited: Vec<SourceKind> = SourceKind::ALL.into_iter().filter(|k| k.credit_line().is_some()).collect();
        assert_eq!(credited, [SourceKind::LegiscanDataset, SourceKind::Legiscan]);
        assert!(SourceKind::Legiscan.credit_line().unwrap().contains("CC BY 4.0"));
    }
}
