//! Sources: one module per kind. Each parses the bytes it is given into `crate::model`
//! records and warnings, and does no I/O; `crate::run` and `crate::fetch` do the reading.

pub mod ca_pubinfo;
pub mod ical;
pub mod kind;
pub mod legiscan;
pub mod legiscan_api;
pub mod legistar;
pub mod ny_lbdc;
pub mod ocd_scrape;
pub mod openstates;
pub mod openstates_people;

pub use kind::SourceKind;
