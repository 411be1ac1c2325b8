//! Normalization: parsed records → canonical warehouse rows, with polars frames for the
//! keyed, deduplicating stage. Pure: no I/O.

pub mod actions;
pub mod build;
pub mod dates;
pub mod frames;
pub mod ids;
pub mod rows;
pub mod votes;

pub use build::{Context, Normalized, normalize};
