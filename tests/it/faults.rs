//! The fault suite: damaged input never costs the warehouse anything.
//!
//! A table of rows `(name, kind, fixture, damage)` over the real fixtures (tests/fixtures, one
//! representative file per source kind and per table or file type). The damage is derived at
//! test time, in a temporary copy: a file truncated at three points (mid-row, mid-element), a
//! file removed, an older snapshot replayed after a newer one, and HTTP sources failing part-way
//! (a 500, the port closed, a response that never comes). For each row, on both backends:
//!
//! 1. the good input is loaded, and the warehouse's rows (every id, and which columns are
//!    non-empty) and the ledger's last `seq` are noted;
//! 2. the damaged input is run: it writes no change event at all (the good input was loaded
//!    already and damaged input only holds a subset of it, so in particular no `*_removed` event
//!    and no alert), no row is gone, no field is blanked, and the run's warnings (or the failed
//!    source's error) name the damaged file or URL, and for a truncated file a record or line;
//! 3. the good input is restored and run again: zero change events.
//!
//! Every check of a row is made and all failures are reported together, per backend. Then one
//! bill from two sources (California 1999-2000 from `ocd_scrape` and from `ca_pubinfo`) in both
//! orders and reloaded.

use crate::common::*;
use statehouse::fetch::FetchOptions;
use statehouse::run::{RunOptions, RunReport};
use statehouse::warehouse::Warehouse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CA: &str = "ocd-jurisdiction/country:us/state:ca/government";
const NY: &str = "ocd-jurisdiction/country:us/state:ny/government";
const NYC: &str = "ocd-jurisdiction/country:us/state:ny/place:new_york/government";
const CHICAGO: &str = "ocd-jurisdiction/country:us/state:il/place:chicago/government";
const DETROIT: &str = "ocd-jurisdiction/country:us/state:mi/place:detroit/government";
/// Minnesota's 2025 special session (the sample pipeline's dataset).
const MN_SPECIAL: &str = "legiscan-dataset/csv-zips/MN_2025-2025_94th_Legislature_1st_Special_Session_CSV_20250614_05f51f1fee23afa7a99f72383554d02e.zip";

// ---- The table -------------------------------------------------------------------------------

/// Which source reads the row's fixture, and how its input is laid out.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// `ocd_scrape` over a copy of the fixture's folder; the row's file is damaged.
    OcdScrape,
    /// `ny_lbdc` over a copy of tests/fixtures/state-xml/ny plus the OpenLegislation JSON.
    NyLbdc,
    /// `ca_pubinfo` over a copy of the fixture's session folder; the row's `.dat` is damaged.
    CaPubinfo,
    /// `ca_pubinfo` over a zip of the fixture folder, on disk; the zip is damaged.
    CaPubinfoZip,
    /// `legiscan_dataset` over a copy of the zip; the zip is damaged.
    LegiscanZip,
    /// `legiscan_dataset` over the zip rebuilt with one CSV (`zip#entry.csv`) damaged.
    LegiscanCsv,
    /// `ical` over a copy of the `.ics` file.
    Ical,
    /// The Open States API v3, replayed (tests/fixtures/openstates-api/de).
    OpenStatesApi,
    /// The LegiScan pull API, replayed (tests/fixtures/legiscan-api).
    LegiscanApi,
    /// New York City's Legistar Web API, replayed (tests/fixtures/legistar).
    Legistar,
    /// An iCalendar feed by URL, served.
    IcalUrl,
    /// `openstates_people` over a copy of one state's folder (`de/legislature/…`, `de/retired/…`,
    /// `de/committees/…`); the row's file is damaged.
    OpenstatesPeople,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Damage {
    /// The file cut after `num/den` of its bytes (moved off a line end, to cut mid-row).
    Truncate(usize, usize),
    /// The file gone.
    Remove,
    /// An older snapshot replayed after the newer one was loaded.
    Reorder,
    /// The server answers 500 to every request after the first `n` of the run.
    Http500AfterN(usize),
    /// The server's port closes after the first `n` requests of the run.
    ClosedPort(usize),
    /// The server stops answering (the client times out) after the first `n` requests.
    Timeout(usize),
}

use Damage::*;

struct Row {
    name: &'static str,
    kind: Kind,
    /// Relative to tests/fixtures (a zip entry after `#`).
    fixture: &'static str,
    damage: Damage,
}

macro_rules! fault_rows {
    ($($name:ident: $kind:ident, $fixture:expr, $damage:expr;)*) => {
        const ROWS: &[Row] = &[$(Row { name: stringify!($name), kind: Kind::$kind, fixture: $fixture, damage: $damage },)*];
        $(
            #[tokio::test]
            async fn $name() {
                check(ROWS.iter().find(|r| r.name == stringify!($name)).expect("row")).await;
            }
        )*
    };
}

const CA_BILL: &str = "ocd-scrape/ca-19992000-derived/bill_2eeb6cf6-8408-50e2-b5af-8b0daceb6695.json";
const CA_VOTE: &str = "ocd-scrape/ca-19992000-derived/vote_event_06117140-1c32-5b99-a829-11400d8a6b38.json";
const NY_EVENT: &str = "ocd-events/ny-agenda-5-2017-v2/event_1380e38a-be75-560e-9f5a-2ec0fc56f9d0.json";
const NY_BILLSTAT: &str = "state-xml/ny/2023-05-30-16.07.29.818207_BILLSTAT_S05186.XML";
const NY_BILLSTAT_OLDER: &str = "state-xml/ny/2023-05-30-10.48.50.700972_BILLSTAT_S05186.XML";
const NY_AGENDA: &str = "state-xml/ny/2017-02-06-15.57.12.669652_SENAGEN_00005.XML";
const NY_AGENDA_OLDER: &str = "state-xml/ny/2017-02-06-12.23.39.043330_SENAGEN_00005.XML";
const NY_AGENDA_VOTE: &str = "state-xml/ny/2017-02-07-15.50.45.604819_SENAGENV_LABOR.XML";
const NY_FLOOR_VOTE: &str = "state-xml/ny/2017-10-23-10.25.46.989009_SENFLVOT_S00100.XML";
const NY_CALENDAR: &str = "state-xml/ny/2017-02-02-15.45.26.173269_SENCAL_00009.XML";
const NY_OPENLEG: &str = "state-api/ny-openleg/S609-2017.json";
const CA_BILL_TBL: &str = "ca-pubinfo/1999-2000/BILL_TBL.dat";
const CA_HISTORY: &str = "ca-pubinfo/1999-2000/BILL_HISTORY_TBL.dat";
const CA_VERSION: &str = "ca-pubinfo/1999-2000/BILL_VERSION_TBL.dat";
const CA_SUMMARY_VOTE: &str = "ca-pubinfo/1999-2000/BILL_SUMMARY_VOTE_TBL.dat";
const CA_DETAIL_VOTE: &str = "ca-pubinfo/1999-2000/BILL_DETAIL_VOTE_TBL.dat";
const CA_ANALYSIS: &str = "ca-pubinfo/1999-2000/BILL_ANALYSIS_TBL.dat";
const CA_AUTHORS: &str = "ca-pubinfo/1989-1990/BILL_VERSION_AUTHORS_TBL.dat";
const CA_VETO: &str = "ca-pubinfo/2025-2026/VETO_MESSAGE_TBL.dat";
const MN_BILLS: &str = "legiscan-dataset/csv-zips/MN_2025-2025_94th_Legislature_1st_Special_Session_CSV_20250614_05f51f1fee23afa7a99f72383554d02e.zip#bills.csv";
const MN_HISTORY: &str = "legiscan-dataset/csv-zips/MN_2025-2025_94th_Legislature_1st_Special_Session_CSV_20250614_05f51f1fee23afa7a99f72383554d02e.zip#history.csv";
const MN_SPONSORS: &str = "legiscan-dataset/csv-zips/MN_2025-2025_94th_Legislature_1st_Special_Session_CSV_20250614_05f51f1fee23afa7a99f72383554d02e.zip#sponsors.csv";
const MN_ROLLCALLS: &str = "legiscan-dataset/csv-zips/MN_2025-2025_94th_Legislature_1st_Special_Session_CSV_20250614_05f51f1fee23afa7a99f72383554d02e.zip#rollcalls.csv";
const MN_VOTES: &str = "legiscan-dataset/csv-zips/MN_2025-2025_94th_Legislature_1st_Special_Session_CSV_20250614_05f51f1fee23afa7a99f72383554d02e.zip#votes.csv";
const MN_PEOPLE: &str = "legiscan-dataset/csv-zips/MN_2025-2025_94th_Legislature_1st_Special_Session_CSV_20250614_05f51f1fee23afa7a99f72383554d02e.zip#people.csv";
const MN_DOCUMENTS: &str = "legiscan-dataset/csv-zips/MN_2025-2025_94th_Legislature_1st_Special_Session_CSV_20250614_05f51f1fee23afa7a99f72383554d02e.zip#documents.csv";
const PEOPLE_COMMITTEE: &str = "openstates-people/de/committees/lower-Housing-c415ff7a-e944-40a8-bb7e-280e1330bc1d.yml";
const PEOPLE_PERSON: &str = "openstates-people/de/legislature/Alonna-Berry-e9301c44-8042-4031-8ed0-4731c64a5a66.yml";
const PEOPLE_RETIRED: &str = "openstates-people/de/retired/Andria-L-Bennett-8d0e1b81-b803-4f1b-9170-601551e52f06.yml";
const ICS_FILE: &str = "ics/chi_low_income_housing_trust_fund.ics";
const ICS_URL: &str = "ics/det_board_of_education.ics";

fault_rows! {
    // ocd_scrape: a bill, a vote event, an event (California 1999-2000; New York hearings).
    ocd_bill_truncate_1_3: OcdScrape, CA_BILL, Truncate(1, 3);
    ocd_bill_truncate_1_2: OcdScrape, CA_BILL, Truncate(1, 2);
    ocd_bill_truncate_9_10: OcdScrape, CA_BILL, Truncate(9, 10);
    ocd_bill_remove: OcdScrape, CA_BILL, Remove;
    ocd_vote_truncate_1_3: OcdScrape, CA_VOTE, Truncate(1, 3);
    ocd_vote_truncate_1_2: OcdScrape, CA_VOTE, Truncate(1, 2);
    ocd_vote_truncate_9_10: OcdScrape, CA_VOTE, Truncate(9, 10);
    ocd_vote_remove: OcdScrape, CA_VOTE, Remove;
    ocd_event_truncate_1_3: OcdScrape, NY_EVENT, Truncate(1, 3);
    ocd_event_truncate_1_2: OcdScrape, NY_EVENT, Truncate(1, 2);
    ocd_event_truncate_9_10: OcdScrape, NY_EVENT, Truncate(9, 10);
    ocd_event_remove: OcdScrape, NY_EVENT, Remove;
    // The v1 scrape (older `scraped_at`) in the folder after v2 was loaded.
    ocd_events_reorder: OcdScrape, "ocd-events/ny-agenda-5-2017-v1", Reorder;

    // ny_lbdc: bill status, agenda, committee vote, floor vote, calendar, OpenLegislation (the
    // SOBI file and the SENCALAL active list in the folder are not read by the source at all).
    ny_billstat_truncate_1_3: NyLbdc, NY_BILLSTAT, Truncate(1, 3);
    ny_billstat_truncate_1_2: NyLbdc, NY_BILLSTAT, Truncate(1, 2);
    ny_billstat_truncate_9_10: NyLbdc, NY_BILLSTAT, Truncate(9, 10);
    ny_billstat_remove: NyLbdc, NY_BILLSTAT, Remove;
    ny_billstat_reorder: NyLbdc, NY_BILLSTAT_OLDER, Reorder;
    ny_senagen_truncate_1_3: NyLbdc, NY_AGENDA, Truncate(1, 3);
    ny_senagen_truncate_1_2: NyLbdc, NY_AGENDA, Truncate(1, 2);
    ny_senagen_truncate_9_10: NyLbdc, NY_AGENDA, Truncate(9, 10);
    ny_senagen_remove: NyLbdc, NY_AGENDA, Remove;
    ny_senagen_reorder: NyLbdc, NY_AGENDA_OLDER, Reorder;
    ny_senagenv_truncate_1_3: NyLbdc, NY_AGENDA_VOTE, Truncate(1, 3);
    ny_senagenv_truncate_1_2: NyLbdc, NY_AGENDA_VOTE, Truncate(1, 2);
    ny_senagenv_truncate_9_10: NyLbdc, NY_AGENDA_VOTE, Truncate(9, 10);
    ny_senagenv_remove: NyLbdc, NY_AGENDA_VOTE, Remove;
    ny_senflvot_truncate_1_3: NyLbdc, NY_FLOOR_VOTE, Truncate(1, 3);
    ny_senflvot_truncate_1_2: NyLbdc, NY_FLOOR_VOTE, Truncate(1, 2);
    ny_senflvot_truncate_9_10: NyLbdc, NY_FLOOR_VOTE, Truncate(9, 10);
    ny_senflvot_remove: NyLbdc, NY_FLOOR_VOTE, Remove;
    ny_sencal_truncate_1_3: NyLbdc, NY_CALENDAR, Truncate(1, 3);
    ny_sencal_truncate_1_2: NyLbdc, NY_CALENDAR, Truncate(1, 2);
    ny_sencal_truncate_9_10: NyLbdc, NY_CALENDAR, Truncate(9, 10);
    ny_sencal_remove: NyLbdc, NY_CALENDAR, Remove;
    ny_openleg_truncate_1_3: NyLbdc, NY_OPENLEG, Truncate(1, 3);
    ny_openleg_truncate_1_2: NyLbdc, NY_OPENLEG, Truncate(1, 2);
    ny_openleg_truncate_9_10: NyLbdc, NY_OPENLEG, Truncate(9, 10);
    ny_openleg_remove: NyLbdc, NY_OPENLEG, Remove;

    // ca_pubinfo: every .dat table the fixture folders have, and the zipped export.
    ca_bill_tbl_truncate_1_3: CaPubinfo, CA_BILL_TBL, Truncate(1, 3);
    ca_bill_tbl_truncate_1_2: CaPubinfo, CA_BILL_TBL, Truncate(1, 2);
    ca_bill_tbl_truncate_9_10: CaPubinfo, CA_BILL_TBL, Truncate(9, 10);
    ca_bill_tbl_remove: CaPubinfo, CA_BILL_TBL, Remove;
    ca_history_truncate_1_3: CaPubinfo, CA_HISTORY, Truncate(1, 3);
    ca_history_truncate_1_2: CaPubinfo, CA_HISTORY, Truncate(1, 2);
    ca_history_truncate_9_10: CaPubinfo, CA_HISTORY, Truncate(9, 10);
    ca_history_remove: CaPubinfo, CA_HISTORY, Remove;
    ca_version_truncate_1_3: CaPubinfo, CA_VERSION, Truncate(1, 3);
    ca_version_truncate_1_2: CaPubinfo, CA_VERSION, Truncate(1, 2);
    ca_version_truncate_9_10: CaPubinfo, CA_VERSION, Truncate(9, 10);
    ca_version_remove: CaPubinfo, CA_VERSION, Remove;
    ca_summary_vote_truncate_1_3: CaPubinfo, CA_SUMMARY_VOTE, Truncate(1, 3);
    ca_summary_vote_truncate_1_2: CaPubinfo, CA_SUMMARY_VOTE, Truncate(1, 2);
    ca_summary_vote_truncate_9_10: CaPubinfo, CA_SUMMARY_VOTE, Truncate(9, 10);
    ca_summary_vote_remove: CaPubinfo, CA_SUMMARY_VOTE, Remove;
    ca_detail_vote_truncate_1_3: CaPubinfo, CA_DETAIL_VOTE, Truncate(1, 3);
    ca_detail_vote_truncate_1_2: CaPubinfo, CA_DETAIL_VOTE, Truncate(1, 2);
    ca_detail_vote_truncate_9_10: CaPubinfo, CA_DETAIL_VOTE, Truncate(9, 10);
    ca_detail_vote_remove: CaPubinfo, CA_DETAIL_VOTE, Remove;
    ca_analysis_truncate_1_3: CaPubinfo, CA_ANALYSIS, Truncate(1, 3);
    ca_analysis_truncate_1_2: CaPubinfo, CA_ANALYSIS, Truncate(1, 2);
    ca_analysis_truncate_9_10: CaPubinfo, CA_ANALYSIS, Truncate(9, 10);
    ca_analysis_remove: CaPubinfo, CA_ANALYSIS, Remove;
    ca_authors_truncate_1_3: CaPubinfo, CA_AUTHORS, Truncate(1, 3);
    ca_authors_truncate_1_2: CaPubinfo, CA_AUTHORS, Truncate(1, 2);
    ca_authors_truncate_9_10: CaPubinfo, CA_AUTHORS, Truncate(9, 10);
    ca_authors_remove: CaPubinfo, CA_AUTHORS, Remove;
    ca_veto_truncate_1_3: CaPubinfo, CA_VETO, Truncate(1, 3);
    ca_veto_truncate_1_2: CaPubinfo, CA_VETO, Truncate(1, 2);
    ca_veto_truncate_9_10: CaPubinfo, CA_VETO, Truncate(9, 10);
    ca_veto_remove: CaPubinfo, CA_VETO, Remove;
    ca_zip_truncate_1_3: CaPubinfoZip, "ca-pubinfo/1999-2000", Truncate(1, 3);
    ca_zip_truncate_1_2: CaPubinfoZip, "ca-pubinfo/1999-2000", Truncate(1, 2);
    ca_zip_truncate_9_10: CaPubinfoZip, "ca-pubinfo/1999-2000", Truncate(9, 10);

    // legiscan_dataset: the zip, and each CSV inside it.
    legiscan_zip_truncate_1_3: LegiscanZip, MN_SPECIAL, Truncate(1, 3);
    legiscan_zip_truncate_1_2: LegiscanZip, MN_SPECIAL, Truncate(1, 2);
    legiscan_zip_truncate_9_10: LegiscanZip, MN_SPECIAL, Truncate(9, 10);
    legiscan_zip_remove: LegiscanZip, MN_SPECIAL, Remove;
    legiscan_bills_truncate_1_3: LegiscanCsv, MN_BILLS, Truncate(1, 3);
    legiscan_bills_truncate_1_2: LegiscanCsv, MN_BILLS, Truncate(1, 2);
    legiscan_bills_truncate_9_10: LegiscanCsv, MN_BILLS, Truncate(9, 10);
    legiscan_bills_remove: LegiscanCsv, MN_BILLS, Remove;
    legiscan_history_truncate_1_3: LegiscanCsv, MN_HISTORY, Truncate(1, 3);
    legiscan_history_truncate_1_2: LegiscanCsv, MN_HISTORY, Truncate(1, 2);
    legiscan_history_truncate_9_10: LegiscanCsv, MN_HISTORY, Truncate(9, 10);
    legiscan_history_remove: LegiscanCsv, MN_HISTORY, Remove;
    legiscan_sponsors_truncate_1_3: LegiscanCsv, MN_SPONSORS, Truncate(1, 3);
    legiscan_sponsors_truncate_1_2: LegiscanCsv, MN_SPONSORS, Truncate(1, 2);
    legiscan_sponsors_truncate_9_10: LegiscanCsv, MN_SPONSORS, Truncate(9, 10);
    legiscan_sponsors_remove: LegiscanCsv, MN_SPONSORS, Remove;
    legiscan_rollcalls_truncate_1_3: LegiscanCsv, MN_ROLLCALLS, Truncate(1, 3);
    legiscan_rollcalls_truncate_1_2: LegiscanCsv, MN_ROLLCALLS, Truncate(1, 2);
    legiscan_rollcalls_truncate_9_10: LegiscanCsv, MN_ROLLCALLS, Truncate(9, 10);
    legiscan_rollcalls_remove: LegiscanCsv, MN_ROLLCALLS, Remove;
    legiscan_votes_truncate_1_3: LegiscanCsv, MN_VOTES, Truncate(1, 3);
    legiscan_votes_truncate_1_2: LegiscanCsv, MN_VOTES, Truncate(1, 2);
    legiscan_votes_truncate_9_10: LegiscanCsv, MN_VOTES, Truncate(9, 10);
    legiscan_votes_remove: LegiscanCsv, MN_VOTES, Remove;
    legiscan_people_truncate_1_3: LegiscanCsv, MN_PEOPLE, Truncate(1, 3);
    legiscan_people_truncate_1_2: LegiscanCsv, MN_PEOPLE, Truncate(1, 2);
    legiscan_people_truncate_9_10: LegiscanCsv, MN_PEOPLE, Truncate(9, 10);
    legiscan_people_remove: LegiscanCsv, MN_PEOPLE, Remove;
    legiscan_documents_truncate_1_3: LegiscanCsv, MN_DOCUMENTS, Truncate(1, 3);
    legiscan_documents_truncate_1_2: LegiscanCsv, MN_DOCUMENTS, Truncate(1, 2);
    legiscan_documents_truncate_9_10: LegiscanCsv, MN_DOCUMENTS, Truncate(9, 10);
    legiscan_documents_remove: LegiscanCsv, MN_DOCUMENTS, Remove;

    // ical: the file.
    ical_truncate_1_3: Ical, ICS_FILE, Truncate(1, 3);
    ical_truncate_1_2: Ical, ICS_FILE, Truncate(1, 2);
    ical_truncate_9_10: Ical, ICS_FILE, Truncate(9, 10);
    ical_remove: Ical, ICS_FILE, Remove;

    // openstates_people: a committee (its roster), a legislator (seats, offices), a former one.
    people_committee_truncate_1_3: OpenstatesPeople, PEOPLE_COMMITTEE, Truncate(1, 3);
    people_committee_truncate_1_2: OpenstatesPeople, PEOPLE_COMMITTEE, Truncate(1, 2);
    people_committee_truncate_9_10: OpenstatesPeople, PEOPLE_COMMITTEE, Truncate(9, 10);
    people_committee_remove: OpenstatesPeople, PEOPLE_COMMITTEE, Remove;
    people_person_truncate_1_3: OpenstatesPeople, PEOPLE_PERSON, Truncate(1, 3);
    people_person_truncate_1_2: OpenstatesPeople, PEOPLE_PERSON, Truncate(1, 2);
    people_person_truncate_9_10: OpenstatesPeople, PEOPLE_PERSON, Truncate(9, 10);
    people_person_remove: OpenstatesPeople, PEOPLE_PERSON, Remove;
    people_retired_truncate_9_10: OpenstatesPeople, PEOPLE_RETIRED, Truncate(9, 10);

    // HTTP sources failing part-way.
    openstates_http_500: OpenStatesApi, "openstates-api/de", Http500AfterN(1);
    openstates_closed_port: OpenStatesApi, "openstates-api/de", ClosedPort(1);
    openstates_timeout: OpenStatesApi, "openstates-api/de", Timeout(1);
    legiscan_api_http_500: LegiscanApi, "legiscan-api", Http500AfterN(1);
    legiscan_api_closed_port: LegiscanApi, "legiscan-api", ClosedPort(1);
    legiscan_api_timeout: LegiscanApi, "legiscan-api", Timeout(1);
    legistar_http_500: Legistar, "legistar/nyc-webapi", Http500AfterN(2);
    legistar_closed_port: Legistar, "legistar/nyc-webapi", ClosedPort(2);
    legistar_timeout: Legistar, "legistar/nyc-webapi", Timeout(2);
    ical_url_http_500: IcalUrl, ICS_URL, Http500AfterN(0);
    ical_url_closed_port: IcalUrl, ICS_URL, ClosedPort(0);
    ical_url_timeout: IcalUrl, ICS_URL, Timeout(0);
}

// ---- One row ---------------------------------------------------------------------------------

/// Quick HTTP settings: a hung server costs a second per attempt, not a minute.
fn quick() -> FetchOptions {
    FetchOptions {
        timeout: Duration::from_millis(1500),
        max_attempts: 2,
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_bytes: 8 * 1024 * 1024,
        rate_limited_wait: Duration::from_millis(100),
    }
}

fn options(db: &TestDb) -> RunOptions {
    let mut o = db.options();
    o.fetch = quick();
    o
}

async fn check(row: &Row) {
    let mut problems: Vec<String> = Vec::new();
    for db in TestDb::both().await {
        let wh = db.open().await;
        let b = wh.backend().to_string();
        let mut case = Case::prepare(row, db.dir.path()).await;
        let p = pipeline(db.dir.path(), "faults", &case.source);
        let opts = options(&db);
        let mut fail = |what: String| problems.push(format!("[{b}] {what}"));

        // 1. The good input.
        case.set_good();
        let good = run(&wh, &p, &opts).await;
        if good.status != "succeeded" {
            fail(format!(
                "the good input did not load: {:?}",
                good.sources.iter().map(|s| &s.error).collect::<Vec<_>>()
            ));
        }
        let before = snapshot(&wh).await;
        let seq = max_seq(&wh).await;

        // 2. The damage.
        case.set_damaged();
        let damaged = run(&wh, &p, &opts).await;
        let kinds = kinds_since(&wh, seq).await;
        let removed: Vec<&(String, i64)> = kinds.iter().filter(|(k, _)| k.ends_with("_removed")).collect();
        if !removed.is_empty() {
            fail(format!("*_removed events: {}", show_kinds(&removed.into_iter().cloned().collect::<Vec<_>>())));
        }
        if !kinds.is_empty() {
            fail(format!("the damaged run wrote change events: {}", show_kinds(&kinds)));
        }
        let after = snapshot(&wh).await;
        let lost = diff(&before, &after);
        if !lost.is_empty() {
            fail(format!("data lost: {lost}"));
        }
        let texts = report_texts(&damaged);
        let names = case.damaged_names();
        let naming: Vec<&String> = texts.iter().filter(|t| names.iter().any(|n| t.contains(n.as_str()))).collect();
        if naming.is_empty() {
            fail(format!(
                "no warning or error names {names:?} (status {}; warnings/errors: {})",
                damaged.status,
                abbreviate(&texts)
            ));
        } else if matches!(row.damage, Truncate(..))
            && !matches!(row.kind, Kind::CaPubinfoZip | Kind::LegiscanZip)
            && !naming.iter().any(|t| names_a_position(t))
        {
            // (A truncated zip has no records or lines to name: its index is at its end.)
            fail(format!(
                "warnings name the file but no record or line: {}",
                abbreviate(&naming.iter().map(|t| t.to_string()).collect::<Vec<_>>())
            ));
        }

        eprintln!(
            "{} [{b}]: damaged run {}, {} warnings, changes {}; naming: {}",
            row.name,
            damaged.status,
            damaged.warnings.len(),
            show_kinds(&kinds),
            abbreviate(&naming.iter().map(|t| t.to_string()).collect::<Vec<_>>())
        );

        // 3. The good input again.
        case.set_good();
        let seq = max_seq(&wh).await;
        let restored = run(&wh, &p, &opts).await;
        let kinds = kinds_since(&wh, seq).await;
        if !kinds.is_empty() {
            fail(format!("the good input reloaded wrote change events: {}", show_kinds(&kinds)));
        }
        if restored.status != "succeeded" {
            fail(format!(
                "the good input reloaded failed: {:?}",
                restored.sources.iter().map(|s| &s.error).collect::<Vec<_>>()
            ));
        }
        case.finish();
        wh.close().await;
    }
    assert!(problems.is_empty(), "FAULT {}:\n  {}", row.name, problems.join("\n  "));
}

/// Every warning (`location [record]: message`) and every failed source's error of a run.
fn report_texts(r: &RunReport) -> Vec<String> {
    let mut out: Vec<String> = r.warnings.iter().map(|(_, w)| w.to_string()).collect();
    out.extend(r.sources.iter().filter_map(|s| s.error.clone()));
    out
}

/// A warning that says where in the file: a record, a line, a row, a byte offset.
fn names_a_position(text: &str) -> bool {
    let lower = text.to_lowercase();
    let has_number_after = |word: &str| {
        lower.match_indices(word).any(|(i, _)| {
            lower[i + word.len()..].trim_start_matches([' ', ':', '#']).starts_with(|c: char| c.is_ascii_digit())
        })
    };
    // `location [record]: message`: the record in brackets.
    let bracketed = text.find(" [").is_some_and(|i| text[i..].contains("]: "));
    // `at 55:21`: line and column.
    let line_column = text.match_indices(" at ").any(|(i, _)| {
        let rest = &text[i + 4..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        digits > 0 && rest[digits..].starts_with(':') && rest[digits + 1..].starts_with(|c: char| c.is_ascii_digit())
    });
    bracketed
        || line_column
        || ["line", "row", "record", "offset", "byte", "position"].iter().any(|w| has_number_after(w))
}

fn abbreviate(texts: &[String]) -> String {
    let shown: Vec<String> = texts.iter().take(3).map(|t| t.chars().take(220).collect()).collect();
    let more = if texts.len() > 3 { format!(" (+{} more)", texts.len() - 3) } else { String::new() };
    format!("{shown:?}{more}")
}

// ---- The warehouse before and after ----------------------------------------------------------

const TABLES: &[&str] = &[
    "jurisdictions",
    "sessions",
    "organizations",
    "people",
    "bills",
    "bill_actions",
    "bill_sponsorships",
    "bill_versions",
    "bill_documents",
    "bill_texts",
    "votes",
    "vote_records",
    "events",
    "event_agenda",
    "person_roles",
    "person_offices",
    "committee_memberships",
];

/// Every row (table, id) and its non-empty columns.
type Snapshot = BTreeMap<(&'static str, String), BTreeSet<String>>;

fn is_empty(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => true,
        serde_json::Value::String(s) => matches!(s.trim(), "" | "[]" | "{}" | "null"),
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

async fn snapshot(wh: &Warehouse) -> Snapshot {
    let mut out = Snapshot::new();
    for table in TABLES {
        let r = wh.query(&format!("SELECT * FROM {table}")).await.unwrap_or_else(|e| panic!("{table}: {e}"));
        let id = r.columns.iter().position(|c| c == "id").unwrap_or_else(|| panic!("{table} has no id"));
        for row in r.rows {
            let key = match &row[id] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let filled = r.columns.iter().zip(&row).filter(|(_, v)| !is_empty(v)).map(|(c, _)| c.clone()).collect();
            out.insert((*table, key), filled);
        }
    }
    out
}

/// Rows gone and fields blanked between two snapshots, counted per table and column.
fn diff(before: &Snapshot, after: &Snapshot) -> String {
    let mut gone: BTreeMap<&str, usize> = BTreeMap::new();
    let mut blanked: BTreeMap<String, usize> = BTreeMap::new();
    for ((table, id), cols) in before {
        match after.get(&(*table, id.clone())) {
            None => *gone.entry(table).or_default() += 1,
            Some(now) => {
                for c in cols.difference(now) {
                    *blanked.entry(format!("{table}.{c}")).or_default() += 1;
                }
            }
        }
    }
    let mut parts = Vec::new();
    if !gone.is_empty() {
        parts
            .push(format!("rows gone {}", gone.iter().map(|(t, n)| format!("{t}×{n}")).collect::<Vec<_>>().join(", ")));
    }
    if !blanked.is_empty() {
        parts.push(format!(
            "fields blanked {}",
            blanked.iter().map(|(c, n)| format!("{c}×{n}")).collect::<Vec<_>>().join(", ")
        ));
    }
    parts.join("; ")
}

async fn max_seq(wh: &Warehouse) -> i64 {
    count(wh, "SELECT COALESCE(MAX(seq), 0) FROM change_events").await
}

async fn kinds_since(wh: &Warehouse, seq: i64) -> Vec<(String, i64)> {
    rows(wh, &format!("SELECT kind, COUNT(*) FROM change_events WHERE seq > {seq} GROUP BY kind ORDER BY kind"))
        .await
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap_or(-1)))
        .collect()
}

fn show_kinds(kinds: &[(String, i64)]) -> String {
    kinds.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ")
}

// ---- Inputs: files on disk -------------------------------------------------------------------

/// A row's input: files laid out in a folder (good or damaged), or servers that fail.
struct Case {
    /// The pipeline's source block.
    source: String,
    /// What a warning about the damage must name (any one of them).
    names: Vec<String>,
    files: Option<Files>,
    http: Option<Http>,
}

struct Files {
    dir: PathBuf,
    good: Vec<(String, Vec<u8>)>,
    damaged: Vec<(String, Vec<u8>)>,
}

impl Files {
    fn lay_out(&self, files: &[(String, Vec<u8>)]) {
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir).expect("clear input");
        }
        std::fs::create_dir_all(&self.dir).expect("mkdir input");
        for (name, bytes) in files {
            let path = self.dir.join(name);
            std::fs::create_dir_all(path.parent().expect("in the input folder")).expect("mkdir");
            std::fs::write(path, bytes).expect("write input");
        }
    }
}

/// The files of a fixture folder (not PROVENANCE.md, derive scripts or subfolders), by name.
fn folder_files(rel: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(fixture(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .filter(|(n, _)| n != "PROVENANCE.md" && !n.ends_with(".py") && !n.ends_with(".sh"))
        .map(|(n, p)| (n, std::fs::read(p).unwrap()))
        .collect();
    out.sort();
    out
}

/// Every file under a fixture folder, named by its path inside it (`de/committees/x.yml`).
fn tree_files(rel: &str) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.file_name().is_some_and(|n| n != "PROVENANCE.md") {
                out.push((p.strip_prefix(root).unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()));
            }
        }
    }
    let root = fixture(rel);
    let mut out = Vec::new();
    walk(root.parent().unwrap(), &root, &mut out);
    out.sort();
    out
}

fn file_name(rel: &str) -> String {
    Path::new(rel).file_name().unwrap().to_string_lossy().into_owned()
}

fn parent(rel: &str) -> String {
    Path::new(rel).parent().unwrap().to_string_lossy().into_owned()
}

/// The first `num/den` of `bytes`, cut mid-row: a cut just after a line end takes the next
/// row's first byte too.
fn truncate(bytes: &[u8], num: usize, den: usize) -> Vec<u8> {
    let mut cut = bytes.len() * num / den;
    while cut > 0 && cut < bytes.len() && matches!(bytes[cut - 1], b'\n' | b'\r') {
        cut += 1;
    }
    bytes[..cut].to_vec()
}

/// `files` with the one named `name` damaged (truncated or removed).
fn damage_one(files: &[(String, Vec<u8>)], name: &str, damage: Damage) -> Vec<(String, Vec<u8>)> {
    assert!(files.iter().any(|(n, _)| n == name), "{name} is not in the input");
    files
        .iter()
        .filter_map(|(n, b)| match (n == name, damage) {
            (false, _) => Some((n.clone(), b.clone())),
            (true, Truncate(num, den)) => Some((n.clone(), truncate(b, num, den))),
            (true, Remove) => None,
            (true, d) => panic!("{d:?} is not a file damage"),
        })
        .collect()
}

fn zip_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (f.name().unwrap().to_string(), out)
        })
        .collect()
}

fn zip_bytes(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

impl Case {
    async fn prepare(row: &Row, dir: &Path) -> Case {
        let input = dir.join("input");
        let files = |good: Vec<(String, Vec<u8>)>, damaged: Vec<(String, Vec<u8>)>| {
            Some(Files { dir: input.clone(), good, damaged })
        };
        let file_source = |kind: &str, path: &Path, extra: &str| {
            format!("[[source]]\nname = \"faulty\"\nkind = \"{kind}\"\npath = \"{}\"\n{extra}", path.display())
        };
        match row.kind {
            Kind::OcdScrape => {
                let folder = if row.damage == Reorder {
                    "ocd-events/ny-agenda-5-2017-v2".to_string()
                } else {
                    parent(row.fixture)
                };
                let jurisdiction = if folder.starts_with("ocd-events") { NY } else { CA };
                let good = folder_files(&folder);
                let (damaged, names) = if row.damage == Reorder {
                    let older = folder_files(row.fixture);
                    let names = older.iter().map(|(n, _)| n.clone()).collect();
                    (older, names)
                } else {
                    (damage_one(&good, &file_name(row.fixture), row.damage), vec![file_name(row.fixture)])
                };
                Case {
                    source: file_source("ocd_scrape", &input, &format!("jurisdiction = \"{jurisdiction}\"\n")),
                    names,
                    files: files(good, damaged),
                    http: None,
                }
            }
            Kind::OpenstatesPeople => {
                let good = tree_files("openstates-people/de");
                let name = row.fixture.trim_start_matches("openstates-people/").to_string();
                let damaged = damage_one(&good, &name, row.damage);
                Case {
                    source: file_source("openstates_people", &input, ""),
                    names: vec![file_name(&name)],
                    files: files(good, damaged),
                    http: None,
                }
            }
            Kind::NyLbdc => {
                let mut all = folder_files("state-xml/ny");
                all.extend(folder_files("state-api/ny-openleg"));
                let name = file_name(row.fixture);
                let (good, damaged) = if row.damage == Reorder {
                    (all.iter().filter(|(n, _)| *n != name).cloned().collect(), all.clone())
                } else {
                    let damaged = damage_one(&all, &name, row.damage);
                    (all, damaged)
                };
                Case {
                    source: file_source("ny_lbdc", &input, ""),
                    names: vec![name],
                    files: files(good, damaged),
                    http: None,
                }
            }
            Kind::CaPubinfo => {
                let good = folder_files(&parent(row.fixture));
                let name = file_name(row.fixture);
                let damaged = damage_one(&good, &name, row.damage);
                Case {
                    source: file_source("ca_pubinfo", &input, ""),
                    names: vec![name],
                    files: files(good, damaged),
                    http: None,
                }
            }
            Kind::CaPubinfoZip => {
                let zip = zip_bytes(&folder_files(row.fixture));
                let name = "pubinfo_1999.zip".to_string();
                let good = vec![(name.clone(), zip)];
                let damaged = damage_one(&good, &name, row.damage);
                Case {
                    source: file_source("ca_pubinfo", &input.join(&name), ""),
                    names: vec![name],
                    files: files(good, damaged),
                    http: None,
                }
            }
            Kind::LegiscanZip | Kind::LegiscanCsv => {
                let (zip_rel, entry) = row.fixture.split_once('#').unwrap_or((row.fixture, ""));
                let name = file_name(zip_rel);
                let bytes = std::fs::read(fixture(zip_rel)).unwrap();
                let good = vec![(name.clone(), bytes.clone())];
                let (damaged, names) = if row.kind == Kind::LegiscanZip {
                    (damage_one(&good, &name, row.damage), vec![name.clone()])
                } else {
                    let entries = zip_entries(&bytes);
                    let full = entries
                        .iter()
                        .map(|(n, _)| n.clone())
                        .find(|n| n.ends_with(&format!("/csv/{entry}")))
                        .unwrap_or_else(|| panic!("no {entry} in {zip_rel}"));
                    (vec![(name.clone(), zip_bytes(&damage_one(&entries, &full, row.damage)))], vec![entry.to_string()])
                };
                let extra = "session_names = { \"2025-2025 94th Legislature 1st Special Session\" = \"2025s1\" }\n";
                Case {
                    source: file_source("legiscan_dataset", &input.join(&name), extra),
                    names,
                    files: files(good, damaged),
                    http: None,
                }
            }
            Kind::Ical => {
                let name = file_name(row.fixture);
                let good = vec![(name.clone(), std::fs::read(fixture(row.fixture)).unwrap())];
                let damaged = damage_one(&good, &name, row.damage);
                let extra = format!("jurisdiction = \"{CHICAGO}\"\ntimezone = \"America/Chicago\"\n");
                Case {
                    source: file_source("ical", &input.join(&name), &extra),
                    names: vec![name],
                    files: files(good, damaged),
                    http: None,
                }
            }
            Kind::OpenStatesApi | Kind::LegiscanApi | Kind::Legistar | Kind::IcalUrl => Http::prepare(row).await,
        }
    }

    fn set_good(&mut self) {
        if let Some(f) = &self.files {
            f.lay_out(&f.good);
        }
        if let Some(h) = &self.http {
            h.proxy.set(Fail::None, 0);
        }
    }

    fn set_damaged(&mut self) {
        if let Some(f) = &self.files {
            f.lay_out(&f.damaged);
        }
        if let Some(h) = &self.http {
            let (fail, after) = match h.damage {
                Http500AfterN(n) => (Fail::Http500, n),
                ClosedPort(n) => (Fail::Close, n),
                Timeout(n) => (Fail::Hang, n),
                d => panic!("{d:?} is not an HTTP damage"),
            };
            h.proxy.set(fail, after);
        }
    }

    /// What a warning about the damage must name: the file, or the server's address and what
    /// first failed there.
    fn damaged_names(&self) -> Vec<String> {
        match &self.http {
            None => self.names.clone(),
            Some(h) => {
                let first = h.proxy.first_failed();
                let base = h.proxy.base();
                match first {
                    // The URL of the first failed request, or at least the server's and its
                    // operation (LegiScan's requests all go to `/?op=…`).
                    Some(target) => {
                        let path = target.split('?').next().unwrap_or("").to_string();
                        let mut names = vec![format!("{base}{}", path)];
                        if path == "/" || path.is_empty() {
                            names = target
                                .split(['?', '&'])
                                .filter(|kv| kv.starts_with("op="))
                                .map(|kv| kv.to_string())
                                .collect();
                        }
                        names
                    }
                    None => vec![format!("{base} (no request failed: was the server asked at all?)")],
                }
            }
        }
    }

    fn finish(&mut self) {
        if let Some(h) = &self.http {
            h.proxy.stop();
        }
    }
}

// ---- Inputs: servers -------------------------------------------------------------------------

struct Http {
    damage: Damage,
    proxy: Proxy,
    _server: wiremock::MockServer,
}

const OS_KEY_VAR: &str = "STATEHOUSE_FAULTS_OPENSTATES_KEY";
const OS_KEY: &str = "faults-openstates-key-not-a-secret";
const LS_KEY_VAR: &str = "STATEHOUSE_FAULTS_LEGISCAN_KEY";
const LS_KEY: &str = "faults-legiscan-key-not-a-secret";
const LG_TOKEN_VAR: &str = "STATEHOUSE_FAULTS_LEGISTAR_TOKEN";
const LG_TOKEN: &str = "faults-legistar-token-not-a-secret";

fn set_keys() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: set once, before this module's HTTP rows read them; nothing else writes them.
    ONCE.call_once(|| unsafe {
        std::env::set_var(OS_KEY_VAR, OS_KEY);
        std::env::set_var(LS_KEY_VAR, LS_KEY);
        std::env::set_var(LG_TOKEN_VAR, LG_TOKEN);
    });
}

impl Http {
    async fn prepare(row: &Row) -> Case {
        set_keys();
        let server = wiremock::MockServer::start().await;
        let get = || wiremock::Mock::given(wiremock::matchers::method("GET"));
        match row.kind {
            Kind::OpenStatesApi => get().respond_with(OpenStatesReplay::load()).mount(&server).await,
            Kind::LegiscanApi => get().respond_with(LegiscanReplay).mount(&server).await,
            Kind::Legistar => get().respond_with(legistar_nyc()).mount(&server).await,
            Kind::IcalUrl => {
                get()
                    .respond_with(
                        wiremock::ResponseTemplate::new(200)
                            .insert_header("content-type", "text/calendar")
                            .set_body_bytes(std::fs::read(fixture(row.fixture)).unwrap()),
                    )
                    .mount(&server)
                    .await
            }
            k => panic!("{k:?} is not an HTTP kind"),
        }
        let proxy = Proxy::start(*server.address());
        let base = proxy.base();
        let source = match row.kind {
            Kind::OpenStatesApi => format!(
                "[[source]]\nname = \"faulty\"\nkind = \"openstates\"\nbase_url = \"{base}\"\njurisdiction = \"de\"\n\
                 session = \"153\"\napi_key_env = \"{OS_KEY_VAR}\"\ncommittees = true\n\
                 tier = {{ requests_per_minute = 60000, requests_per_day = 10000 }}\n"
            ),
            Kind::LegiscanApi => format!(
                "[[source]]\nname = \"faulty\"\nkind = \"legiscan\"\nbase_url = \"{base}/\"\nstate = \"mn\"\n\
                 api_key_env = \"{LS_KEY_VAR}\"\n"
            ),
            Kind::Legistar => format!(
                "[[source]]\nname = \"faulty\"\nkind = \"legistar\"\nclient = \"nyc\"\nbase_url = \"{base}/v1\"\n\
                 jurisdiction = \"{NYC}\"\ntimezone = \"America/New_York\"\ntoken_env = \"{LG_TOKEN_VAR}\"\n\
                 page_size = 4\nrequests_per_minute = 60000\n\
                 [[source.term]]\nname = \"1994-1997\"\nstart = \"1994-01-01\"\nend = \"1997-12-31\"\n\
                 [[source.term]]\nname = \"1998-2001\"\nstart = \"1998-01-01\"\nend = \"2001-12-31\"\n"
            ),
            _ => format!(
                "[[source]]\nname = \"faulty\"\nkind = \"ical\"\nurl = \"{base}/calendar.ics\"\n\
                 jurisdiction = \"{DETROIT}\"\ntimezone = \"America/Detroit\"\n"
            ),
        };
        Case { source, names: Vec::new(), files: None, http: Some(Http { damage: row.damage, proxy, _server: server }) }
    }
}

/// Open States: each request answered with the recorded file its path and query map to.
struct OpenStatesReplay {
    by_request: HashMap<String, Vec<u8>>,
    updated_since: Vec<u8>,
}

impl OpenStatesReplay {
    fn load() -> OpenStatesReplay {
        let dir = fixture("openstates-api/de");
        let map: HashMap<String, String> =
            serde_json::from_slice(&std::fs::read(dir.join("requests.json")).unwrap()).unwrap();
        let by_request = map.into_iter().map(|(file, req)| (req, std::fs::read(dir.join(&file)).unwrap())).collect();
        OpenStatesReplay { by_request, updated_since: std::fs::read(dir.join("bills-updated-since.json")).unwrap() }
    }
}

impl wiremock::Respond for OpenStatesReplay {
    fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
        if req.headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(OS_KEY) {
            return wiremock::ResponseTemplate::new(401).set_body_string("no key");
        }
        let key = format!("{}?{}", req.url.path(), req.url.query().unwrap_or(""));
        if req.url.path() == "/bills" && req.url.query_pairs().any(|(k, _)| k == "updated_since") {
            return wiremock::ResponseTemplate::new(200).set_body_raw(self.updated_since.clone(), "application/json");
        }
        match self.by_request.get(&key) {
            Some(body) => wiremock::ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"),
            None => wiremock::ResponseTemplate::new(404).set_body_string(format!("no recorded response for {key}")),
        }
    }
}

/// LegiScan: `?op=<op>&id=<id>` (or `&state=`) from tests/fixtures/legiscan-api; an unknown
/// document answered as LegiScan answers an error.
struct LegiscanReplay;

impl wiremock::Respond for LegiscanReplay {
    fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
        let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        if q.get("key").map(String::as_str) != Some(LS_KEY) {
            return wiremock::ResponseTemplate::new(200)
                .set_body_string(r#"{"status":"ERROR","alert":{"message":"Invalid API key"}}"#);
        }
        let op = q.get("op").cloned().unwrap_or_default();
        let arg = q.get("id").or(q.get("state")).cloned().unwrap_or_default();
        let p = fixture("legiscan-api").join(format!("{op}-{arg}.json"));
        if p.exists() {
            wiremock::ResponseTemplate::new(200).set_body_bytes(std::fs::read(p).unwrap())
        } else {
            wiremock::ResponseTemplate::new(200)
                .set_body_string(format!(r#"{{"status":"ERROR","alert":{{"message":"Unknown {op} id {arg}"}}}}"#))
        }
    }
}

/// Legistar: `/v1/nyc/<path>` from the real responses (`common::LegistarReplay`).
fn legistar_nyc() -> LegistarReplay {
    let real = |f: &str| std::fs::read(fixture(&format!("legistar/nyc-webapi/{f}"))).unwrap();
    let event: serde_json::Value = serde_json::from_slice(&real("event_detail_7.json")).unwrap();
    let r = LegistarReplay::new(LG_TOKEN);
    for (k, v) in [
        ("bodies", real("bodies.json")),
        ("persons", real("persons.json")),
        ("matters", real("matters_page1.json")),
        ("matters/17071/histories", real("matter_histories_17071.json")),
        ("matters/17071/sponsors", real("matter_sponsors_17071.json")),
        ("events", serde_json::to_vec(&vec![event]).unwrap()),
        ("events/7/eventitems", real("event_items_7.json")),
    ] {
        r.set(k, v);
    }
    r
}

/// How the proxy fails once a run's first `after` requests have passed.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fail {
    None,
    Http500,
    /// The port closes (connections refused from then on).
    Close,
    /// No answer: the connection is held until the client gives up.
    Hang,
}

struct ProxyState {
    fail: Fail,
    after: usize,
    seen: usize,
    /// Request targets (path and query) that were failed, in order.
    failed: Vec<String>,
    /// The port is to close (set by the request that closes it).
    closed: bool,
    /// An accept loop holds the port.
    listening: bool,
}

/// A plain-TCP HTTP/1.1 front for a replay server (one request per connection, each answered
/// with `connection: close`), that can fail part-way: a 500, the port closed, or no answer.
struct Proxy {
    port: u16,
    upstream: std::net::SocketAddr,
    state: Arc<Mutex<ProxyState>>,
    stopped: Arc<AtomicBool>,
}

impl Proxy {
    fn start(upstream: std::net::SocketAddr) -> Proxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let proxy = Proxy {
            port,
            upstream,
            state: Arc::new(Mutex::new(ProxyState {
                fail: Fail::None,
                after: 0,
                seen: 0,
                failed: Vec::new(),
                closed: false,
                listening: true,
            })),
            stopped: Arc::new(AtomicBool::new(false)),
        };
        proxy.serve(listener);
        proxy
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn serve(&self, listener: std::net::TcpListener) {
        listener.set_nonblocking(true).unwrap();
        let (state, stopped, upstream) = (self.state.clone(), self.stopped.clone(), self.upstream);
        std::thread::spawn(move || {
            loop {
                if stopped.load(Ordering::SeqCst) || state.lock().unwrap().closed {
                    break;
                }
                match listener.accept() {
                    Ok((sock, _)) => {
                        if state.lock().unwrap().closed {
                            break;
                        }
                        let state = state.clone();
                        std::thread::spawn(move || handle(sock, upstream, state));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
            // The listener dropped: the port is closed.
            drop(listener);
            state.lock().unwrap().listening = false;
        });
    }

    /// From now on (this run): fail as `fail` after `after` requests. Reopens a closed port.
    fn set(&self, fail: Fail, after: usize) {
        let was_closed = self.state.lock().unwrap().closed;
        if was_closed {
            while self.state.lock().unwrap().listening {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        {
            let mut s = self.state.lock().unwrap();
            *s = ProxyState { fail, after, seen: 0, failed: Vec::new(), closed: false, listening: s.listening };
        }
        if was_closed {
            let listener = std::net::TcpListener::bind(("127.0.0.1", self.port)).expect("reopen the proxy's port");
            self.state.lock().unwrap().listening = true;
            self.serve(listener);
        }
    }

    fn first_failed(&self) -> Option<String> {
        self.state.lock().unwrap().failed.first().cloned()
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }
}

fn handle(mut sock: std::net::TcpStream, upstream: std::net::SocketAddr, state: Arc<Mutex<ProxyState>>) {
    let _ = sock.set_nonblocking(false);
    let _ = sock.set_read_timeout(Some(Duration::from_secs(30)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let text = String::from_utf8_lossy(&head[..end]).into_owned();
    let target = text.split_whitespace().nth(1).unwrap_or("").to_string();
    let action = {
        let mut s = state.lock().unwrap();
        if s.closed {
            return;
        }
        s.seen += 1;
        if s.fail != Fail::None && s.seen > s.after {
            s.failed.push(target);
            if s.fail == Fail::Close {
                s.closed = true;
            }
            s.fail
        } else {
            Fail::None
        }
    };
    match action {
        Fail::Close => {
            let _ = sock.shutdown(std::net::Shutdown::Both);
        }
        Fail::Hang => {
            // Until the client gives up (or half a minute).
            while matches!(sock.read(&mut buf), Ok(n) if n > 0) {}
        }
        Fail::Http500 => {
            let body = "fault suite: internal server error";
            let _ = write!(
                sock,
                "HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.flush();
            let _ = sock.shutdown(std::net::Shutdown::Write);
        }
        Fail::None => {
            // The request again, asking the server to close after answering.
            let mut lines: Vec<&str> = text[..end - 4].split("\r\n").collect();
            lines.retain(|l| !l.to_ascii_lowercase().starts_with("connection:"));
            let request = format!("{}\r\nconnection: close\r\n\r\n", lines.join("\r\n"));
            let Ok(mut up) = std::net::TcpStream::connect(upstream) else { return };
            let _ = up.set_read_timeout(Some(Duration::from_secs(30)));
            if up.write_all(request.as_bytes()).is_err() || up.write_all(&head[end..]).is_err() {
                return;
            }
            let mut response = Vec::new();
            let _ = up.read_to_end(&mut response);
            // Make sure the client does not keep the connection for another request.
            if let Some(i) = response.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&response[..i]).to_ascii_lowercase();
                if !head.contains("\r\nconnection: close") {
                    let at = response.windows(2).position(|w| w == b"\r\n").unwrap_or(i);
                    response.splice(at..at, b"\r\nconnection: close".iter().copied());
                }
            }
            let _ = sock.write_all(&response);
            let _ = sock.flush();
            let _ = sock.shutdown(std::net::Shutdown::Write);
        }
    }
}

// ---- One bill from two sources ---------------------------------------------------------------

fn ca_os(name: &str) -> String {
    scrape_source(name, &fixture("ocd-scrape/ca-19992000-derived"), Some(CA))
}

fn ca_feed(name: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nkind = \"ca_pubinfo\"\npath = \"{}\"\n",
        fixture("ca-pubinfo/1999-2000").display()
    )
}

/// Per bill: the dates on which a source gave an action with its chamber; and SB 2's actions.
async fn chambers_given(wh: &Warehouse) -> BTreeSet<(String, String)> {
    rows(
        wh,
        "SELECT bill_id, CAST(date AS TEXT) FROM bill_actions WHERE organization IS NOT NULL AND organization <> ''",
    )
    .await
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone()))
    .collect()
}

const SB2_ACTIONS: &str = "SELECT COUNT(*) FROM bill_actions WHERE bill_id LIKE '%-SB2'";

#[tokio::test]
async fn one_bill_from_two_sources_in_both_orders_then_reloaded() {
    // Each source alone: where it gives chambers, and how many actions SB 2 has by the feed
    // (the state's own export outranks Open States).
    let mut given = BTreeSet::new();
    let mut feed_sb2 = 0;
    let mut with_chamber = Vec::new();
    for (label, src) in [("os", ca_os("alone-os")), ("feed", ca_feed("alone-feed"))] {
        let db = TestDb::sqlite();
        let wh = db.open().await;
        let p = pipeline(db.dir.path(), &format!("alone-{label}"), &src);
        assert_eq!(run(&wh, &p, &db.options()).await.status, "succeeded", "{label}");
        given.extend(chambers_given(&wh).await);
        with_chamber.push(format!(
            "{label} alone: {} of {} actions with a chamber",
            count(&wh, "SELECT COUNT(*) FROM bill_actions WHERE organization IS NOT NULL AND organization <> ''").await,
            count(&wh, "SELECT COUNT(*) FROM bill_actions").await
        ));
        if label == "feed" {
            feed_sb2 = count(&wh, SB2_ACTIONS).await;
        }
        wh.close().await;
    }
    assert!(feed_sb2 > 0 && !given.is_empty());

    let mut problems = Vec::new();
    for order in [["os", "feed"], ["feed", "os"]] {
        for db in TestDb::both().await {
            let wh = db.open().await;
            let b = format!("{} {}→{}", wh.backend(), order[0], order[1]);
            let block = |which: &str, name: &str| if which == "os" { ca_os(name) } else { ca_feed(name) };
            let first = pipeline(db.dir.path(), order[0], &block(order[0], order[0]));
            let r = run(&wh, &first, &db.options()).await;
            assert_eq!(r.status, "succeeded", "{b}: {:?}", r.sources);
            let after_first = max_seq(&wh).await;
            let second = pipeline(db.dir.path(), order[1], &block(order[1], order[1]));
            let r = run(&wh, &second, &db.options()).await;
            assert_eq!(r.status, "succeeded", "{b}: {:?}", r.sources);

            // Both again, from scratch (new source names: nothing is skipped as unchanged).
            let seq = max_seq(&wh).await;
            let both = [block(order[0], "again-1"), block(order[1], "again-2")].concat();
            let again = pipeline(db.dir.path(), "again", &both);
            let r = run(&wh, &again, &db.options()).await;
            assert_eq!(r.status, "succeeded", "{b}: {:?}", r.sources);
            let kinds = kinds_since(&wh, seq).await;
            if !kinds.is_empty() {
                problems.push(format!("{b}: reloading both wrote {}", show_kinds(&kinds)));
            }
            let reversed = [block(order[1], "again-3"), block(order[0], "again-4")].concat();
            let seq = max_seq(&wh).await;
            let r = run(&wh, &pipeline(db.dir.path(), "again-reversed", &reversed), &db.options()).await;
            assert_eq!(r.status, "succeeded", "{b}: {:?}", r.sources);
            let kinds = kinds_since(&wh, seq).await;
            if !kinds.is_empty() {
                problems.push(format!("{b}: reloading both the other way round wrote {}", show_kinds(&kinds)));
            }

            // Chambers kept: an action on a day some source gave a chamber for has one.
            let missing = rows(
                &wh,
                "SELECT bill_id, CAST(date AS TEXT), description FROM bill_actions \
                 WHERE organization IS NULL OR organization = ''",
            )
            .await
            .into_iter()
            .filter(|r| given.contains(&(r[0].clone(), r[1].clone())))
            .count();
            if missing > 0 {
                problems.push(format!("{b}: {missing} actions without the chamber a source gave ({with_chamber:?})"));
            }
            // SB 2's actions once, as the feed has them; none removed after the first load.
            let sb2 = count(&wh, SB2_ACTIONS).await;
            if sb2 != feed_sb2 {
                problems.push(format!("{b}: SB 2 has {sb2} actions, the feed {feed_sb2}"));
            }
            let removed = count(
                &wh,
                &format!(
                    "SELECT COUNT(*) FROM change_events WHERE kind = 'action_removed' AND bill_id LIKE '%-SB2' \
                     AND seq > {after_first}"
                ),
            )
            .await;
            if removed > 0 {
                problems.push(format!("{b}: {removed} action_removed for SB 2 after the first load"));
            }
            wh.close().await;
        }
    }
    assert!(problems.is_empty(), "FAULT two_sources:\n  {}", problems.join("\n  "));
}
