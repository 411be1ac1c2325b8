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

pub use diff::{Hunk, HunkKind, PhraseChange, TextDiff, diff, render_text};
pub use extract::{Extraction, extract};
