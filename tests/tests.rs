//! The one integration-test binary: every module under `tests/it/`.
//! PostgreSQL tests need the server at 127.0.0.1:5432 (or STATEHOUSE_TEST_PG); `.ci/run`
//! starts it. They fail, never skip, when it is down.

#[path = "it/common.rs"]
mod common;

#[path = "it/alerts.rs"]
mod alerts;
#[path = "it/california.rs"]
mod california;
#[path = "it/cli.rs"]
mod cli;
#[path = "it/docs.rs"]
mod docs;
#[path = "it/export.rs"]
mod export;
#[path = "it/faults.rs"]
mod faults;
#[path = "it/hearings.rs"]
mod hearings;
#[path = "it/history.rs"]
mod history;
#[path = "it/legiscan.rs"]
mod legiscan;
#[path = "it/legistar.rs"]
mod legistar;
#[path = "it/ocd_scrape.rs"]
mod ocd_scrape;
#[path = "it/once.rs"]
mod once;
#[path = "it/openstates_http.rs"]
mod openstates_http;
#[path = "it/openstates_people_api.rs"]
mod openstates_people_api;
#[path = "it/pages.rs"]
mod pages;
#[path = "it/people.rs"]
mod people;
#[path = "it/pipelines.rs"]
mod pipelines;
#[path = "it/query.rs"]
mod query;
#[path = "it/readonly.rs"]
mod readonly;
#[path = "it/scheduling.rs"]
mod scheduling;
#[path = "it/scorecard.rs"]
mod scorecard;
#[path = "it/texts.rs"]
mod texts;
#[path = "it/trust.rs"]
mod trust;
