//! Bill texts: clean text out of a version's document ([`extract()`]) and what changed between two
//! versions ([`diff()`]). Pure functions from bytes or strings; no I/O, no database. Size caps on
//! what is fetched are the caller's job.

pub mod diff;
pub mod extract;
pub mod formats;
pub mod html;
pub mod layout;
pub mod marks;
pub mod terms;

/// The generation of the extractors (`extract`, `html`, `layout`, `formats`): stored with every
/// text. Raise it when a change makes them read documents differently; the next load makes
/// the texts of older generations again from the same bytes and rewrites them quietly (no
/// change event, no alert; `warehouse::merge`), and fetched documents are read again from the
/// archive (`run::texts`).
pub const EXTRACTOR: &str = "2";

pub use diff::{Hunk, HunkKind, PhraseChange, TextDiff, diff, render_text};
pub use extract::{Extraction, extract};
