//! statehouse: watches US state legislatures and city councils for advocacy coalitions.
//!
//! Data flow: sources (`sources`, fed by `fetch` and the file reader in `run`) parse payloads
//! into `model` records; `normalize` turns records into warehouse rows with polars;
//! `warehouse` merges them into SQLite or PostgreSQL and appends the change ledger.
//! See ARCHITECTURE.md.

pub mod alerts;
pub mod archive;
pub mod clock;
pub mod config;
pub mod fetch;
pub mod hash;
pub mod jurisdictions;
pub mod mail;
pub mod model;
pub mod normalize;
pub mod ops;
pub mod output;
pub mod run;
pub mod safe_zip;
pub mod schedule;
pub mod scheduler;
pub mod scorecard;
pub mod sources;
pub mod text;
pub mod warehouse;
