//! `statehouse-bench`: a generator of a national-scale SYNTHETIC corpus in the Open States
//! scraper output format ("OCD scrape"), for load benchmarks.
//!
//! The files mimic what `openstates-scrapers` writes to `_data/<state>/` (see the real
//! samples in `tests/fixtures/ocd-scrape/de-153/`): one JSON object per file, written the way
//! Python's `json.dump` writes it (`", "` and `": "` separators, non-ASCII escaped as
//! `\uXXXX`, no trailing newline), the same keys in the same order, pseudo-ids
//! (`~{"classification": "upper"}`), Delaware-like and Illinois-like action wording.
//! Every name, title and URL is made up (URLs use the reserved `.example` TLD).
//!
//! * `generate --out DIR [--scale F] [--seed N]` writes `DIR/<st>/` for the 50 states plus
//!   `DIR/pipeline.toml` and `DIR/bench-manifest.json` (the counts). Scale 1.0 is about
//!   150,000 bills, 1.5M actions, 50,000 roll calls with 4M individual votes and 10,000
//!   committee hearings. Output is byte-identical for the same seed and scale.
//! * `mutate --dir DIR --fraction F [--seed N]` appends one action to that fraction of the
//!   bill files (and changes nothing else), to measure a partly-changed rerun.
//! * `info --dir DIR` prints the manifest as `key=value` lines (used by `bench/run.sh`).
//!
//! And a synthetic California pubinfo export, for the `ca_pubinfo` source (`bench/ca_pubinfo.sh`;
//! see the `ca` module below for what it holds):
//!
//! * `ca-pubinfo --out DIR [--bills N] [--seed S]` writes the export folder DIR (the `.dat`
//!   tables and `.lob` files), `DIR/../ca-pipeline.toml` (one `ca_pubinfo` source on it) and
//!   `DIR/../ca-bench-manifest.json` (the counts). 5,000 bills by default (seed 1): 112,000
//!   history rows, 17,000 versions with 8-32 KB CAML texts, 20,000 analyses, 31,000 roll calls
//!   and 1.24 million member votes, 623 MiB in 36,588 files. Byte-identical for the same seed
//!   and bill count.
//! * `ca-pubinfo-mutate --dir DIR --fraction F [--seed S]` adds one history row to that
//!   fraction of the bills and bumps their `trans_update` in `BILL_TBL.dat`.
//! * `ca-pubinfo-info --dir DIR` prints that manifest as `key=value` lines.
//!
//! And a throughput measure of bill text extraction (`statehouse::text::extract`) on REAL
//! documents (`bench/extract.sh`):
//!
//! * `extract [--dir DIR] [--repeat N] [--dump OUT]` reads every document under DIR (default
//!   `tests/fixtures`: `.html`/`.htm`, `.pdf`, `.docx`, `.xml`, `.txt`, pubinfo `.lob` files,
//!   and the base64 documents of LegiScan `text/*.json` files) into memory, extracts each N
//!   times (default 20) and prints documents/s and MB/s per method and overall. `--dump` also
//!   writes each text (or error) to OUT, for reading.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, NaiveDateTime, TimeDelta, TimeZone};
use clap::{Parser, Subcommand};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------

#[derive(Parser, Debug)]
#[command(
    name = "statehouse-bench",
    about = "Generate and mutate synthetic corpora for benchmarks: a national OCD scrape, a California pubinfo export"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a synthetic corpus: DIR/<state>/*.json for 50 states, DIR/pipeline.toml,
    /// DIR/bench-manifest.json.
    Generate {
        /// Output directory (created; must be empty or a previous corpus of this tool).
        #[arg(long)]
        out: PathBuf,
        /// Multiplies every count; 1.0 is ~150,000 bills.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// RNG seed; the same seed and scale give byte-identical output.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Worker threads (default: available parallelism). Does not change the output.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Append one new action to a fraction of the bill files (nothing else changes).
    Mutate {
        /// A corpus written by `generate`.
        #[arg(long)]
        dir: PathBuf,
        /// Fraction of bill files to rewrite (0.01 = 1%).
        #[arg(long, default_value_t = 0.01)]
        fraction: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print the corpus manifest as key=value lines.
    Info {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Write a synthetic California pubinfo export: the tables (`BILL_TBL.dat`, …) and `.lob`
    /// files in OUT, `ca-pipeline.toml` and `ca-bench-manifest.json` beside it (in OUT/..).
    CaPubinfo {
        /// The export folder (created; must be empty or an export of this tool).
        #[arg(long)]
        out: PathBuf,
        /// Measures in the session; 5,000 is about a real two-year session.
        #[arg(long, default_value_t = 5000)]
        bills: u64,
        /// RNG seed; the same seed and bill count give byte-identical output.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Add one history row to a fraction of the bills of a `ca-pubinfo` export and bump their
    /// `trans_update` (nothing else changes).
    CaPubinfoMutate {
        /// The export folder written by `ca-pubinfo`.
        #[arg(long)]
        dir: PathBuf,
        /// Fraction of the bills to change (0.01 = 1%).
        #[arg(long, default_value_t = 0.01)]
        fraction: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print a `ca-pubinfo` export's manifest as key=value lines.
    CaPubinfoInfo {
        /// The export folder.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Alert matching at scale: writes COALITIONS coalition files (start = "beginning", one
    /// immediate lead each) sharing TERMS watched terms and BILLS tracked bills picked from the
    /// warehouse's bills, then reads and matches the whole ledger for all of them in one pass
    /// (`alerts preview`'s path: read-only, writes nothing) and renders every match's email.
    /// Prints the two times separately.
    Alerts {
        /// The warehouse (a loaded corpus), e.g. sqlite:bench-data/work/sqlite/data/warehouse.db.
        #[arg(long)]
        database: String,
        /// Where the coalition files go.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 100)]
        coalitions: usize,
        /// Watched terms in all (each coalition gets its share).
        #[arg(long, default_value_t = 1000)]
        terms: usize,
        /// Tracked bills in all.
        #[arg(long, default_value_t = 500)]
        bills: usize,
        /// Terms that occur in no title (the cost of matching alone), instead of words taken
        /// from the titles.
        #[arg(long)]
        absent_terms: bool,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Extract the text of every real document under a folder N times; print documents/s and
    /// MB/s per method and overall.
    Extract {
        /// The folder searched (recursively) for documents.
        #[arg(long, default_value = "tests/fixtures")]
        dir: PathBuf,
        /// How many times each document is extracted.
        #[arg(long, default_value_t = 20)]
        repeat: u32,
        /// Also write each document's text (or error) to this folder, for reading.
        #[arg(long)]
        dump: Option<PathBuf>,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate { out, scale, seed, threads } => generate(&out, scale, seed, threads),
        Command::Mutate { dir, fraction, seed } => mutate(&dir, fraction, seed),
        Command::Info { dir } => info(&dir),
        Command::CaPubinfo { out, bills, seed } => ca::generate(&out, bills, seed),
        Command::CaPubinfoMutate { dir, fraction, seed } => ca::mutate(&dir, fraction, seed),
        Command::CaPubinfoInfo { dir } => ca::info(&dir),
        Command::Extract { dir, repeat, dump } => extract_bench::run(&dir, repeat, dump.as_deref()),
        Command::Alerts { database, out, coalitions, terms, bills, absent_terms, seed } => {
            alerts_bench::run(&database, &out, coalitions, terms, bills, absent_terms, seed)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Text extraction throughput on real documents
// ---------------------------------------------------------------------------------------

mod alerts_bench {
    use super::*;
    use statehouse::alerts::config::Coalition;
    use statehouse::alerts::engine;
    use statehouse::alerts::render::{self, Links};
    use statehouse::warehouse::Warehouse;

    pub fn run(
        database: &str,
        out: &Path,
        coalitions: usize,
        terms: usize,
        bills: usize,
        absent_terms: bool,
        seed: u64,
    ) -> Result<()> {
        // STATEHOUSE_LOG=sqlx::query=debug shows each statement with its time.
        if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("STATEHOUSE_LOG") {
            tracing_subscriber::fmt().with_env_filter(filter).with_writer(io::stderr).init();
        }
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        rt.block_on(async {
            let wh = Warehouse::open_read_only(database).await?;
            let rows = wh
                .query("SELECT jurisdiction_id, session, identifier, title FROM bills ORDER BY id")
                .await
                .context("reading bills")?
                .rows;
            let events = wh.ledger_end().await?;
            let mut rng = StdRng::seed_from_u64(seed);
            let text = |r: &Vec<serde_json::Value>, i: usize| r[i].as_str().unwrap_or_default().to_string();
            // Tracked bills: picked at random from the warehouse's.
            let tracked: Vec<&Vec<serde_json::Value>> = rows.choose_multiple(&mut rng, bills).collect();
            // Watched terms: distinct title words of 6 letters or more, or words no title has.
            let words: Vec<String> = if absent_terms {
                (0..terms).map(|i| format!("absentterm{i:05}")).collect()
            } else {
                let mut all: Vec<String> = rows
                    .iter()
                    .flat_map(|r| {
                        text(r, 3)
                            .split(|c: char| !c.is_alphabetic())
                            .filter(|w| w.len() >= 6)
                            .map(str::to_lowercase)
                            .collect::<Vec<_>>()
                    })
                    .collect();
                all.sort();
                all.dedup();
                all.choose_multiple(&mut rng, terms).cloned().collect()
            };
            fs::create_dir_all(out)?;
            let mut loaded = Vec::new();
            for c in 0..coalitions {
                let mut toml = format!(
                    "id = \"bench-{c:03}\"\nname = \"Bench Coalition {c}\"\nstart = \"beginning\"\n\n[[group]]\nid = \"g\"\nname = \"Group {c}\"\n\n[[group.lead]]\nname = \"Lead {c}\"\nemail = \"lead{c}@example.org\"\ntimezone = \"America/New_York\"\n"
                );
                for b in tracked.iter().enumerate().filter(|(i, _)| i % coalitions == c).map(|(_, b)| b) {
                    toml.push_str(&format!(
                        "\n[[bill]]\njurisdiction = \"{}\"\nsession = \"{}\"\nbill = \"{}\"\nposition = \"support\"\ngroup = \"g\"\n",
                        text(b, 0),
                        text(b, 1),
                        text(b, 2)
                    ));
                }
                let mine: Vec<String> =
                    words.iter().enumerate().filter(|(i, _)| i % coalitions == c).map(|(_, w)| format!("{w:?}")).collect();
                toml.push_str(&format!("\n[watch]\nterms = [{}]\n", mine.join(", ")));
                let path = out.join(format!("bench-{c:03}.toml"));
                fs::write(&path, toml)?;
                loaded.push(Coalition::load(&path)?);
            }
            let now = chrono::Utc::now();
            let start = Instant::now();
            let matches = engine::preview(&wh, &loaded, now).await?;
            let matched = start.elapsed();
            let start = Instant::now();
            let mut bytes = 0;
            for m in &matches {
                let links = Links { unsubscribe: "mailto:unsubscribe@example.org".into(), manage: None };
                let r = render::render_alert(&m.alert, &m.recipient, &links)?;
                bytes += r.text.len() + r.html.len();
            }
            let composed = start.elapsed();
            println!(
                "events={events} coalitions={coalitions} terms={} tracked_bills={} absent_terms={absent_terms} matches={} match_s={:.3} compose_s={:.3} rendered_mib={:.1}",
                words.len(),
                tracked.len(),
                matches.len(),
                matched.as_secs_f64(),
                composed.as_secs_f64(),
                bytes as f64 / 1048576.0
            );
            wh.close().await;
            Ok(())
        })
    }
}

mod extract_bench {
    use super::*;
    use statehouse::text::extract;
    use std::collections::BTreeMap;

    /// A document read into memory: where it came from, its declared media type, its bytes.
    struct Doc {
        path: String,
        media_type: Option<String>,
        bytes: Vec<u8>,
    }

    const EXTENSIONS: &[&str] = &["html", "htm", "pdf", "docx", "xml", "txt", "lob"];

    fn collect(dir: &Path, out: &mut Vec<Doc>) -> Result<()> {
        let mut entries: Vec<_> =
            fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?.collect::<io::Result<Vec<_>>>()?;
        entries.sort_by_key(|e| e.path());
        for entry in entries {
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                collect(&path, out)?;
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
            let shown = path.display().to_string();
            if EXTENSIONS.contains(&ext.as_str()) {
                out.push(Doc { path: shown, media_type: None, bytes: fs::read(&path)? });
            } else if ext == "json" && path.parent().is_some_and(|p| p.ends_with("text")) {
                // A LegiScan text file: {"text": {"mime": ..., "doc": base64}}.
                let value: serde_json::Value = match serde_json::from_slice(&fs::read(&path)?) {
                    Ok(v) => v,
                    Err(_) => continue,
                };
                let (Some(mime), Some(doc)) = (value["text"]["mime"].as_str(), value["text"]["doc"].as_str()) else {
                    continue;
                };
                if let Ok(bytes) = statehouse::sources::legiscan::base64_decode(doc) {
                    out.push(Doc { path: shown, media_type: Some(mime.to_string()), bytes });
                }
            }
        }
        Ok(())
    }

    #[derive(Default)]
    struct Tally {
        documents: u64,
        bytes: u64,
        failed: u64,
        seconds: f64,
    }

    /// Extraction quality of one host's (or folder's) documents read by one method.
    #[derive(Default)]
    struct Quality {
        documents: usize,
        /// HTML: the share of each page's characters its text kept.
        kept: Vec<f64>,
        paragraphs: usize,
        characters: usize,
    }

    /// Where a document came from: the host of the version link it was fetched from, when a
    /// `metadata.json` (an Open States bill record) beside it names the file's version
    /// (`bill_content_<note>.html`, or a link whose file name starts the document's), else its
    /// folder under DIR.
    fn origin(dir: &Path, path: &Path) -> String {
        let folder = path.parent().unwrap_or(dir);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
        let host = fs::read(folder.join("metadata.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|meta| {
                let versions = meta["versions"].as_array()?.clone();
                versions.iter().find_map(|v| {
                    let note = v["note"].as_str().unwrap_or_default().to_ascii_lowercase().replace(' ', "_");
                    let links = v["links"].as_array()?;
                    let html = links.iter().find(|l| {
                        let url = l["url"].as_str().unwrap_or_default().to_ascii_lowercase();
                        let stem = url
                            .trim_end_matches('/')
                            .rsplit('/')
                            .next()
                            .unwrap_or_default()
                            .split('.')
                            .next()
                            .unwrap_or_default()
                            .to_string();
                        (!stem.is_empty() && name.starts_with(&stem))
                            || name.ends_with(&format!("_{note}.html")) && url.contains("htm")
                            || name == format!("bill_content_{note}.html")
                    })?;
                    url::Url::parse(html["url"].as_str()?).ok()?.host_str().map(str::to_string)
                })
            });
        host.unwrap_or_else(|| match folder.strip_prefix(dir).unwrap_or(folder).display().to_string() {
            s if s.is_empty() => ".".to_string(),
            s => s,
        })
    }

    pub fn run(dir: &Path, repeat: u32, dump: Option<&Path>) -> Result<()> {
        if repeat == 0 {
            bail!("--repeat must be at least 1");
        }
        let mut docs = Vec::new();
        collect(dir, &mut docs)?;
        if docs.is_empty() {
            bail!("no documents under {}", dir.display());
        }
        if let Some(out) = dump {
            fs::create_dir_all(out)?;
        }
        let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
        let mut quality: BTreeMap<(String, &'static str), Quality> = BTreeMap::new();
        for (i, doc) in docs.iter().enumerate() {
            let name = doc.path.as_str();
            let start = Instant::now();
            let mut result = None;
            for _ in 0..repeat {
                result = Some(extract(doc.media_type.as_deref(), name, &doc.bytes));
            }
            let seconds = start.elapsed().as_secs_f64();
            let result = result.expect("repeat >= 1");
            let t = tallies.entry(result.method).or_default();
            t.documents += u64::from(repeat);
            t.bytes += doc.bytes.len() as u64 * u64::from(repeat);
            t.seconds += seconds;
            t.failed += u64::from(result.text.is_none());
            if let Some(text) = &result.text {
                let q = quality.entry((origin(dir, Path::new(name)), result.method)).or_default();
                q.documents += 1;
                q.kept.extend(result.kept);
                q.paragraphs += text.split("\n\n").count();
                q.characters += text.chars().count();
            }
            if let Some(out) = dump {
                let file = out.join(format!("{i:04}-{}.txt", name.replace(['/', '\\'], "_")));
                let body = match (&result.text, &result.error) {
                    (Some(text), _) => text.clone(),
                    (None, error) => format!("ERROR: {}", error.as_deref().unwrap_or("none given")),
                };
                let warnings: String = result.warnings.iter().map(|w| format!("WARNING: {w}\n")).collect();
                fs::write(file, format!("{name}\nmethod: {}\n{warnings}\n{body}\n", result.method))?;
            }
        }
        println!(
            "{} documents under {}, each extracted {repeat} times (debug builds are far slower)",
            docs.len(),
            dir.display()
        );
        println!("| method | documents | failed | MB | seconds | documents/s | MB/s |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        let mut all = Tally::default();
        for (method, t) in &tallies {
            print_row(method, t, repeat);
            all.documents += t.documents;
            all.bytes += t.bytes;
            all.failed += t.failed;
            all.seconds += t.seconds;
        }
        print_row("all", &all, repeat);
        println!();
        println!("Quality by host (or folder): what each method kept of its documents.");
        println!();
        println!(
            "| host or folder | method | documents | kept, median | kept, least | paragraphs/document | characters/paragraph |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|");
        for ((origin, method), q) in &quality {
            let mut kept = q.kept.clone();
            kept.sort_by(f64::total_cmp);
            let share = |v: Option<&f64>| v.map_or("".to_string(), |k| format!("{:.0}%", k * 100.0));
            println!(
                "| {origin} | {method} | {} | {} | {} | {:.1} | {:.0} |",
                q.documents,
                share(kept.get(kept.len() / 2)),
                share(kept.first()),
                q.paragraphs as f64 / q.documents as f64,
                q.characters as f64 / q.paragraphs.max(1) as f64
            );
        }
        Ok(())
    }

    fn print_row(method: &str, t: &Tally, repeat: u32) {
        let mb = t.bytes as f64 / 1e6;
        let secs = t.seconds.max(1e-9);
        println!(
            "| {method} | {} | {} | {mb:.2} | {:.3} | {:.1} | {:.2} |",
            t.documents / u64::from(repeat),
            t.failed,
            t.seconds,
            t.documents as f64 / secs,
            mb / secs
        );
    }
}

// ---------------------------------------------------------------------------------------
// Targets at scale 1.0. Bills and hearings are allotted exactly; actions, roll calls and
// individual votes follow from the simulated bill histories, tuned to land near the
// targets (see the `P_*` constants).
// ---------------------------------------------------------------------------------------

const BILLS_AT_SCALE_1: f64 = 150_000.0;
const EVENTS_AT_SCALE_1: f64 = 10_000.0;

/// Probability that a floor passage of a bill or joint resolution was a scraped roll call
/// (the rest are voice votes or roll calls the scraper did not capture).
const P_ROLL_CALL: f64 = 0.427;
/// Probability that a bill is reported out of its first committee.
const P_REPORTED: f64 = 0.55;
/// Probability that a bill passed by one chamber is reported in the other.
const P_REPORTED_SECOND: f64 = 0.72;

const MANIFEST: &str = "bench-manifest.json";
const MARKER: &str = ".statehouse-bench";

// ---------------------------------------------------------------------------------------
// The 50 states.
// ---------------------------------------------------------------------------------------

struct StateInfo {
    code: &'static str,
    name: &'static str,
    tz: &'static str,
    /// Relative bill volume (roughly hundreds of bills a year).
    weight: u32,
}

const fn st(code: &'static str, name: &'static str, tz: &'static str, weight: u32) -> StateInfo {
    StateInfo { code, name, tz, weight }
}

const STATES: [StateInfo; 50] = [
    st("ak", "Alaska", "America/Anchorage", 4),
    st("al", "Alabama", "America/Chicago", 12),
    st("ar", "Arkansas", "America/Chicago", 12),
    st("az", "Arizona", "America/Phoenix", 17),
    st("ca", "California", "America/Los_Angeles", 30),
    st("co", "Colorado", "America/Denver", 7),
    st("ct", "Connecticut", "America/New_York", 14),
    st("de", "Delaware", "America/New_York", 5),
    st("fl", "Florida", "America/New_York", 20),
    st("ga", "Georgia", "America/New_York", 15),
    st("hi", "Hawaii", "Pacific/Honolulu", 30),
    st("ia", "Iowa", "America/Chicago", 12),
    st("id", "Idaho", "America/Boise", 6),
    st("il", "Illinois", "America/Chicago", 70),
    st("in", "Indiana", "America/Indiana/Indianapolis", 14),
    st("ks", "Kansas", "America/Chicago", 7),
    st("ky", "Kentucky", "America/New_York", 14),
    st("la", "Louisiana", "America/Chicago", 16),
    st("ma", "Massachusetts", "America/New_York", 70),
    st("md", "Maryland", "America/New_York", 30),
    st("me", "Maine", "America/New_York", 20),
    st("mi", "Michigan", "America/Detroit", 16),
    st("mn", "Minnesota", "America/Chicago", 60),
    st("mo", "Missouri", "America/Chicago", 20),
    st("ms", "Mississippi", "America/Chicago", 30),
    st("mt", "Montana", "America/Denver", 14),
    st("nc", "North Carolina", "America/New_York", 16),
    st("nd", "North Dakota", "America/Chicago", 10),
    st("ne", "Nebraska", "America/Chicago", 7),
    st("nh", "New Hampshire", "America/New_York", 12),
    st("nj", "New Jersey", "America/New_York", 70),
    st("nm", "New Mexico", "America/Denver", 12),
    st("nv", "Nevada", "America/Los_Angeles", 10),
    st("ny", "New York", "America/New_York", 180),
    st("oh", "Ohio", "America/New_York", 11),
    st("ok", "Oklahoma", "America/Chicago", 30),
    st("or", "Oregon", "America/Los_Angeles", 30),
    st("pa", "Pennsylvania", "America/New_York", 40),
    st("ri", "Rhode Island", "America/New_York", 30),
    st("sc", "South Carolina", "America/New_York", 12),
    st("sd", "South Dakota", "America/Chicago", 6),
    st("tn", "Tennessee", "America/Chicago", 30),
    st("tx", "Texas", "America/Chicago", 90),
    st("ut", "Utah", "America/Denver", 9),
    st("va", "Virginia", "America/New_York", 30),
    st("vt", "Vermont", "America/New_York", 11),
    st("wa", "Washington", "America/Los_Angeles", 25),
    st("wi", "Wisconsin", "America/Chicago", 13),
    st("wv", "West Virginia", "America/New_York", 25),
    st("wy", "Wyoming", "America/Denver", 5),
];

/// Split `total` over the states in proportion to their weights (largest remainder, so
/// the parts add up to exactly `total`).
fn apportion(total: u64) -> Vec<u64> {
    let wsum: u64 = STATES.iter().map(|s| s.weight as u64).sum();
    let mut parts: Vec<u64> = STATES.iter().map(|s| total * s.weight as u64 / wsum).collect();
    let mut rest: Vec<(u64, usize)> =
        STATES.iter().enumerate().map(|(i, s)| ((total * s.weight as u64) % wsum, i)).collect();
    rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let missing = total - parts.iter().sum::<u64>();
    for &(_, i) in rest.iter().take(missing as usize) {
        parts[i] += 1;
    }
    parts
}

// ---------------------------------------------------------------------------------------
// Python-style JSON output.
// ---------------------------------------------------------------------------------------

/// Formats like Python's `json.dumps` defaults: `", "` / `": "` separators, one line,
/// and `ensure_ascii` (non-ASCII as lowercase `\uXXXX`, surrogate pairs above the BMP).
struct PyFormatter;

impl serde_json::ser::Formatter for PyFormatter {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        if fragment.is_ascii() {
            return w.write_all(fragment.as_bytes());
        }
        let bytes = fragment.as_bytes();
        let mut start = 0;
        for (i, ch) in fragment.char_indices() {
            if ch.is_ascii() {
                continue;
            }
            w.write_all(&bytes[start..i])?;
            let mut buf = [0u16; 2];
            for unit in ch.encode_utf16(&mut buf) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = i + ch.len_utf8();
        }
        w.write_all(&bytes[start..])
    }
}

fn py_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(64);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PyFormatter);
    value.serialize(&mut ser).expect("serializing to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// An Open States pseudo-id: `"~" + json.dumps({...})`.
fn pseudo(pairs: &[(&str, &str)]) -> String {
    let mut s = String::from("~{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&py_json(*k));
        s.push_str(": ");
        s.push_str(&py_json(*v));
    }
    s.push('}');
    s
}

/// Counts bytes as they pass to the file.
struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Write one object to `path` in the scraper's format; returns the bytes written.
fn write_json_file<T: Serialize>(path: &Path, value: &T) -> Result<u64> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = CountingWriter { inner: BufWriter::with_capacity(64 * 1024, file), bytes: 0 };
    {
        let mut ser = serde_json::Serializer::with_formatter(&mut w, PyFormatter);
        value.serialize(&mut ser).with_context(|| format!("writing {}", path.display()))?;
    }
    w.flush().with_context(|| format!("writing {}", path.display()))?;
    Ok(w.bytes)
}

// ---------------------------------------------------------------------------------------
// The scrape objects, fields in the order the scraper writes them.
// ---------------------------------------------------------------------------------------

/// `{}`
#[derive(Serialize)]
struct Extras {}

/// `[]`
type EmptyList = [(); 0];

#[derive(Serialize)]
struct Jurisdiction<'a> {
    _id: &'a str,
    id: &'a str,
    name: &'a str,
    url: &'a str,
    division_id: &'a str,
    classification: &'static str,
    legislative_sessions: Vec<Session<'a>>,
    extras: Extras,
}

#[derive(Serialize)]
struct Session<'a> {
    _scraped_name: &'a str,
    identifier: &'a str,
    name: &'a str,
    start_date: &'a str,
    end_date: &'a str,
    active: bool,
}

#[derive(Serialize)]
struct Organization<'a> {
    name: &'a str,
    classification: &'static str,
    parent_id: Option<&'a str>,
    links: EmptyList,
    sources: EmptyList,
    extras: Extras,
    _id: &'a str,
}

#[derive(Serialize, Clone)]
struct JurisdictionRef {
    id: String,
    name: String,
    classification: &'static str,
    division_id: String,
}

#[derive(Serialize)]
struct Bill<'a> {
    legislative_session: &'a str,
    identifier: &'a str,
    title: &'a str,
    from_organization: &'static str,
    classification: [&'static str; 1],
    subject: Vec<&'static str>,
    abstracts: Vec<Abstract>,
    other_titles: Vec<OtherTitle>,
    other_identifiers: EmptyList,
    actions: Vec<Action>,
    sponsorships: Vec<Sponsorship<'a>>,
    related_bills: Vec<RelatedBill>,
    versions: Vec<Doc>,
    documents: Vec<Doc>,
    citations: Vec<Citation>,
    sources: Vec<Source>,
    extras: Extras,
    jurisdiction: &'a JurisdictionRef,
    scraped_at: &'a str,
    _id: &'a str,
}

#[derive(Serialize)]
struct Abstract {
    note: &'static str,
    #[serde(rename = "abstract")]
    text: String,
}

#[derive(Serialize)]
struct OtherTitle {
    note: &'static str,
    title: String,
}

#[derive(Serialize, Deserialize, Clone)]
struct Action {
    description: String,
    date: String,
    organization_id: String,
    classification: Vec<String>,
    related_entities: Vec<RelatedEntity>,
}

#[derive(Serialize, Deserialize, Clone)]
struct RelatedEntity {
    name: String,
    entity_type: String,
    organization_id: Option<String>,
}

#[derive(Serialize)]
struct Sponsorship<'a> {
    name: &'a str,
    classification: &'static str,
    entity_type: &'static str,
    primary: bool,
    person_id: Option<&'a str>,
    organization_id: Option<String>,
}

#[derive(Serialize)]
struct RelatedBill {
    identifier: String,
    legislative_session: String,
    relation_type: &'static str,
}

#[derive(Serialize)]
struct Doc {
    note: String,
    links: Vec<DocLink>,
    date: String,
    classification: &'static str,
}

#[derive(Serialize)]
struct DocLink {
    url: String,
    media_type: &'static str,
}

#[derive(Serialize)]
struct Citation {
    publication: String,
    citation: String,
    citation_type: &'static str,
    effective: Option<String>,
    expires: Option<String>,
    url: String,
}

#[derive(Serialize)]
struct Source {
    url: String,
    note: &'static str,
}

#[derive(Serialize)]
struct VoteEvent<'a> {
    identifier: &'static str,
    motion_text: &'a str,
    motion_classification: Vec<&'static str>,
    start_date: &'a str,
    result: &'static str,
    organization: &'static str,
    legislative_session: &'a str,
    bill: &'a str,
    bill_action: Option<&'a str>,
    bill_identifier: &'a str,
    votes: Vec<PersonVote<'a>>,
    counts: Vec<VoteCount>,
    sources: Vec<Source>,
    extras: Extras,
    dedupe_key: &'a str,
    _id: &'a str,
}

#[derive(Serialize)]
struct PersonVote<'a> {
    option: &'static str,
    voter_name: &'a str,
    voter_id: &'a str,
    note: &'static str,
}

#[derive(Serialize)]
struct VoteCount {
    option: &'static str,
    value: u32,
}

#[derive(Serialize)]
struct Event<'a> {
    name: String,
    all_day: bool,
    start_date: String,
    end_date: String,
    status: &'static str,
    classification: &'static str,
    description: String,
    upstream_id: String,
    location: Location,
    media: Vec<Doc>,
    documents: Vec<Doc>,
    links: EmptyList,
    participants: Vec<Participant>,
    agenda: Vec<AgendaItem>,
    sources: Vec<Source>,
    extras: Extras,
    dedupe_key: String,
    jurisdiction: &'a JurisdictionRef,
    scraped_at: &'a str,
    _id: &'a str,
}

#[derive(Serialize)]
struct Location {
    name: String,
    note: &'static str,
    coordinates: Option<()>,
}

#[derive(Serialize)]
struct Participant {
    name: String,
    entity_type: &'static str,
    note: &'static str,
    organization_id: String,
}

#[derive(Serialize)]
struct AgendaItem {
    description: String,
    classification: EmptyList,
    order: usize,
    subjects: EmptyList,
    media: EmptyList,
    notes: EmptyList,
    extras: Extras,
    related_entities: Vec<AgendaEntity>,
}

#[derive(Serialize)]
struct AgendaEntity {
    name: String,
    entity_type: &'static str,
    note: &'static str,
    bill_id: String,
}

// ---------------------------------------------------------------------------------------
// Word lists.
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony",
    "Sandra", "Mark", "Margaret", "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily",
    "Paul", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian",
    "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca", "Jason", "Sharon",
    "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Dorothy", "Jacob", "Amy", "Gary", "Kathleen",
    "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Brenda", "Stephen", "Emma", "Larry",
    "Anna", "Justin", "Pamela", "Scott", "Nicole", "Brandon", "Samantha", "Benjamin", "Katherine",
    "Samuel", "Christine", "Gregory", "Helen", "Alexander", "Debra", "Patrick", "Rachel", "Frank",
    "Carolyn", "Raymond", "Janet", "Jack", "Maria", "Dennis", "Catherine", "Jerry", "Heather",
    "Tyler", "Diane", "Aaron", "Olivia", "José", "Julie", "Adam", "Joyce", "Nathan", "Victoria",
    "Henry", "Ruth", "Zachary", "Virginia", "Douglas", "Lauren", "Peter", "Kelly", "Kyle",
    "Christina", "Noah", "Joan", "Ethan", "Evelyn", "Jeremy", "Judith", "Walter", "Andrea",
    "Christian", "Hannah", "Keith", "Megan", "Roger", "Cheryl", "Terry", "Jacqueline", "Austin",
    "Martha", "Sean", "Madison", "Gerald", "Teresa", "Carl", "Gloria", "Harold", "Sara", "Dylan",
    "Janice", "Arthur", "Ann", "Lawrence", "Kathryn", "Jordan", "Abigail", "Jesse", "Sophia",
    "Bryan", "Frances", "Billy", "Jean", "Bruce", "Alice", "Gabriel", "Judy", "Joe", "Isabella",
    "Logan", "Julia", "Alan", "Grace", "Juan", "Amber", "Albert", "Denise", "Willie", "Danielle",
    "Elijah", "Marilyn", "Wayne", "Beverly", "Randy", "Charlotte", "Vincent", "Natalie", "Mason",
    "Theresa", "Roy", "Diana", "Ralph", "Brittany", "Bobby", "Doris", "Russell", "Kayla", "Bradley",
    "Alexis", "Philip", "Lori", "Eugene", "Marie", "Darius", "Kyra", "Spiros", "Trey", "André",
    "Chloé",
];

#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres",
    "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
    "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker",
    "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook",
    "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly",
    "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood",
    "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo",
    "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Powell", "Jenkins", "Perry",
    "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes", "Gonzales", "Fisher",
    "Vasquez", "Simmons", "Romero", "Jordan", "Patterson", "Alexander", "Hamilton", "Graham",
    "Reynolds", "Griffin", "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera",
    "Gibson", "Ellis", "Tran", "Medina", "Aguilar", "Stevens", "Murray", "Ford", "Castro",
    "Marshall", "Owens", "Harrison", "Fernandez", "McDonald", "Woods", "Washington", "Kennedy",
    "Wells", "Vargas", "Henry", "Chen", "Freeman", "Webb", "Tucker", "Guzman", "Burns", "Crawford",
    "Olson", "Simpson", "Porter", "Hunter", "Gordon", "Mendez", "Silva", "Shaw", "Snyder", "Mason",
    "Dixon", "Muñoz", "Hunt", "Hicks", "Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd",
    "Rose", "Stone", "Salazar", "Fox", "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Garza",
    "Daniels", "Ferguson", "Nichols", "Stephens", "Soto", "Weaver", "Ryan", "Gardner", "Payne",
    "Grant", "Dunn", "Kelley", "Spencer", "Hawkins", "Arnold", "Pierce", "Vazquez", "Hansen",
    "Peters", "Santos", "Hart", "Bradley", "Knight", "Elliott", "Cunningham", "Duncan", "Armstrong",
    "Hudson", "Carroll", "Lane", "Riley", "Andrews", "Alvarado", "Ray", "Delgado", "Berry",
    "Perkins", "Hoffman", "Johnston", "Matthews", "Peña", "Richards", "Willis", "Carpenter",
    "Lawrence", "Sandoval", "O'Brien", "O'Connor", "Núñez", "Townsend", "Sturgeon", "Hocker",
    "Pettyjohn", "Mantzavinos", "Seigfried", "Paradee", "Lockman", "Huxtable", "Buckson", "Cruce",
];

#[rustfmt::skip]
const COMMITTEES: &[&str] = &[
    "Judiciary", "Education", "Health & Human Services", "Appropriations", "Finance",
    "Transportation", "Agriculture", "Natural Resources", "Energy & Environment",
    "Labor & Commerce", "State Government", "Local Government", "Insurance",
    "Banking & Financial Institutions", "Public Safety", "Veterans & Military Affairs", "Housing",
    "Elections & Government Affairs", "Ethics", "Revenue & Taxation", "Economic Development",
    "Higher Education", "Human Services", "Children & Families", "Criminal Justice",
    "Consumer Protection", "Technology & Innovation", "Tourism & Recreation", "Water Resources",
    "Executive", "Administration", "Health & Social Services",
    "Environment, Energy & Transportation",
];

#[rustfmt::skip]
const TOPICS: &[&str] = &[
    "MOTOR VEHICLES", "PUBLIC UTILITY RATES", "MEDICAL DEBT", "SCHOOL SAFETY",
    "PUBLIC DRINKING WATER", "DEATH BENEFITS", "CHILD CARE ASSISTANCE", "PROPERTY TAX RELIEF",
    "CONSUMER DATA PRIVACY", "ELECTION ADMINISTRATION", "FIREARMS", "OPIOID SETTLEMENT FUNDS",
    "PHARMACY BENEFIT MANAGERS", "RENEWABLE ENERGY", "AFFORDABLE HOUSING", "LANDLORD AND TENANT",
    "MINIMUM WAGE", "PAID FAMILY LEAVE", "SPORTS WAGERING", "CANNABIS", "BROADBAND DEPLOYMENT",
    "TEACHER COMPENSATION", "JUVENILE JUSTICE", "MENTAL HEALTH SERVICES", "PUBLIC RECORDS",
    "OPEN MEETINGS", "STATE PROCUREMENT", "HIGHWAY SAFETY", "WORKERS' COMPENSATION",
    "UNEMPLOYMENT INSURANCE", "CHARTER SCHOOLS", "SCHOOL MEALS", "FOOD SAFETY", "ANIMAL WELFARE",
    "HUNTING AND FISHING LICENSES", "WATER QUALITY", "COASTAL RESILIENCE",
    "ARTIFICIAL INTELLIGENCE", "CYBERSECURITY", "IDENTITY THEFT", "HUMAN TRAFFICKING",
    "DOMESTIC VIOLENCE", "SEX OFFENDER REGISTRATION", "PROBATION AND PAROLE", "BAIL REFORM",
    "POLICE ACCOUNTABILITY", "EMERGENCY MEDICAL SERVICES", "NURSING HOMES", "PRESCRIPTION DRUGS",
    "TELEHEALTH", "VETERANS' BENEFITS", "STATE PENSIONS", "MUNICIPAL ANNEXATION",
    "ZONING AND LAND USE", "SHORT-TERM RENTALS", "ALCOHOLIC BEVERAGES", "TOBACCO AND VAPING",
    "PUBLIC TRANSIT", "ELECTRIC VEHICLES", "SOLID WASTE AND RECYCLING", "PFAS CONTAMINATION",
    "HIGHER EDUCATION TUITION", "STUDENT LOANS", "LITERACY INSTRUCTION", "SPECIAL EDUCATION",
    "ABSENTEE VOTING", "CAMPAIGN FINANCE", "LOBBYIST DISCLOSURE", "STATE BUDGET",
    "CAPITAL IMPROVEMENTS", "INCOME TAX CREDITS", "SALES TAX EXEMPTIONS", "CORPORATE FRANCHISE TAX",
];

#[rustfmt::skip]
const SUBJECTS: &[&str] = &[
    "Agriculture and Food", "Animal Rights and Wildlife Issues", "Arts and Humanities",
    "Budget, Spending, and Taxes", "Business and Consumers", "Campaign Finance and Election Issues",
    "Civil Liberties and Civil Rights", "Commerce", "Crime", "Drugs", "Education", "Energy",
    "Environmental", "Executive Branch", "Family and Children Issues",
    "Federal, State, and Local Relations", "Gambling and Gaming", "Government Reform", "Guns",
    "Health", "Housing and Property", "Immigration", "Indigenous Peoples", "Insurance", "Judiciary",
    "Labor and Employment", "Legislative Affairs", "Military", "Municipal and County Issues",
    "Nominations", "Other", "Public Services", "Recreation", "Reproductive Issues", "Resolutions",
    "Science and Medical Research", "Senior Issues", "Sexual Orientation and Gender Issues",
    "Social Issues", "State Agencies", "Technology and Communication", "Trade", "Transportation",
    "Welfare and Poverty",
];

#[rustfmt::skip]
const OBSERVANCES: &[&str] = &[
    "USO", "Day of Service", "Arts Education", "Organ Donor Awareness", "Farmers Market",
    "Cancer Survivors", "Autism Acceptance", "Black History", "Women's History",
    "Teacher Appreciation", "Nurses", "Firefighter Appreciation", "Library Card Sign-Up",
    "Small Business", "Mental Health Awareness", "Veterans Appreciation", "Literacy",
    "Bike to Work", "Clean Air", "Adoption Awareness", "Kindness", "Hispanic Heritage",
];

#[rustfmt::skip]
const MONTHS: &[&str] = &[
    "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER",
    "OCTOBER", "NOVEMBER", "DECEMBER",
];

#[rustfmt::skip]
const ROOMS: &[&str] = &[
    "House Hearing Room", "Senate Hearing Room", "Room 112", "Room 202", "Room 3E",
    "Joint Finance Room", "Committee Room A", "Committee Room B", "Room 4N", "Auditorium",
];

#[rustfmt::skip]
const MUTATE_DESCRIPTIONS: &[&str] = &[
    "Placed on Calendar", "Hearing Held", "Rereferred to Rules Committee",
    "Motion to Reconsider Filed", "Scheduled for Consideration", "Committee Substitute Filed",
    "Returned to Committee", "Fiscal Note Requested",
];

// ---------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------

const UPPER: usize = 0;
const LOWER: usize = 1;
const CHAMBERS: [&str; 2] = ["upper", "lower"];
const CHAMBER_PSEUDO: [&str; 2] = ["~{\"classification\": \"upper\"}", "~{\"classification\": \"lower\"}"];
const EXECUTIVE_PSEUDO: &str = "~{\"classification\": \"executive\"}";

/// Action wording: Delaware-like (few, dense actions) or Illinois-like (many small steps).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Terse,
    Verbose,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bill,
    Resolution,
    Concurrent,
    Joint,
}

impl Kind {
    fn classification(self) -> &'static str {
        match self {
            Kind::Bill => "bill",
            Kind::Resolution => "resolution",
            Kind::Concurrent => "concurrent resolution",
            Kind::Joint => "joint resolution",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Kind::Bill => "B",
            Kind::Resolution => "R",
            Kind::Concurrent => "CR",
            Kind::Joint => "JR",
        }
    }
}

#[derive(Default, Clone, Copy, Serialize, Deserialize, Debug)]
struct Counts {
    bills: u64,
    actions: u64,
    sponsorships: u64,
    votes: u64,
    vote_records: u64,
    events: u64,
    agenda_items: u64,
    files: u64,
    bytes: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.bills += o.bills;
        self.actions += o.actions;
        self.sponsorships += o.sponsorships;
        self.votes += o.votes;
        self.vote_records += o.vote_records;
        self.events += o.events;
        self.agenda_items += o.agenda_items;
        self.files += o.files;
        self.bytes += o.bytes;
    }

    /// Rows the warehouse should hold for these: bills, actions, votes, vote records, events.
    fn corpus_rows(&self) -> u64 {
        self.bills + self.actions + self.votes + self.vote_records + self.events
    }
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    generator: String,
    scale: f64,
    seed: u64,
    states: usize,
    counts: Counts,
    /// Bill files rewritten by `mutate` since generation (each gained one action).
    mutated_bills: u64,
    corpus_rows: u64,
}

struct Member {
    name: String,
    voter_id: String,
    sponsor_id: String,
}

/// A roll call taken during a bill's history, written after the bill.
struct RollCall {
    chamber: usize,
    date: String,
    motion: &'static str,
    options: Vec<(usize, &'static str)>,
    counts: Vec<VoteCount>,
    passed: bool,
    number: u64,
}

struct BillInfo {
    identifier: String,
    short_title: String,
}

struct Bill0 {
    identifier: String,
    kind: Kind,
    origin: usize,
    primary: String,
}

struct StateGen<'a> {
    st: &'a StateInfo,
    idx: usize,
    dir: PathBuf,
    rng: StdRng,
    style: Style,
    node: u64,
    session: String,
    session_start: NaiveDate,
    last_date: NaiveDate,
    jref: JurisdictionRef,
    url: String,
    chamber_names: [&'static str; 2],
    prefixes: [&'static str; 2],
    space: bool,
    roster: [Vec<Member>; 2],
    committees: [Vec<&'static str>; 2],
    counters: [[u32; 4]; 2],
    clock: NaiveDateTime,
    rollcall_no: u64,
    legislation_no: u64,
    chapter_no: u64,
    bills: Vec<BillInfo>,
    /// Bills referred to each committee, by chamber: indexes into `bills`.
    referred: [Vec<Vec<(u32, NaiveDate)>>; 2],
    counts: Counts,
}

fn mix(seed: u64, idx: u64) -> u64 {
    // splitmix64 of seed and state index, so each state has its own stream.
    let mut z = seed ^ idx.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fmt_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let lower = w.to_lowercase();
            match lower.as_str() {
                "and" | "of" | "the" => lower,
                _ => {
                    let mut c = lower.chars();
                    match c.next() {
                        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                        None => String::new(),
                    }
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl<'a> StateGen<'a> {
    fn new(st: &'a StateInfo, idx: usize, out: &Path, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(mix(seed, idx as u64));
        // Half the states word actions like Delaware, half like Illinois.
        let style = match st.code {
            "de" => Style::Terse,
            "il" => Style::Verbose,
            _ if idx.is_multiple_of(2) => Style::Terse,
            _ => Style::Verbose,
        };
        let node = rng.random::<u64>() & 0xffff_ffff_ffff;
        let session = match st.code {
            "de" => "153",
            "il" => "104th",
            "ga" => "2025_26",
            "tx" => "89R",
            "oh" => "136",
            "mn" => "2025-2026",
            "nj" => "2024",
            _ => "2025",
        }
        .to_string();
        let session_start = NaiveDate::from_ymd_opt(2025, 1, rng.random_range(6..=14)).expect("date");
        let lower_name = match st.code {
            "ca" | "ny" | "nv" | "wi" => "Assembly",
            "md" | "va" | "wv" => "House of Delegates",
            "nj" => "General Assembly",
            _ => "House",
        };
        let lower_prefix = match st.code {
            "ca" | "ny" | "nv" | "wi" | "nj" => "A",
            _ => "H",
        };
        let jid = format!("ocd-jurisdiction/country:us/state:{}/government", st.code);
        let jref = JurisdictionRef {
            id: jid,
            name: st.name.to_string(),
            classification: "state",
            division_id: format!("ocd-division/country:us/state:{}", st.code),
        };
        let mut g = StateGen {
            st,
            idx,
            dir: out.join(st.code),
            rng,
            style,
            node,
            session,
            session_start,
            last_date: NaiveDate::from_ymd_opt(2025, 11, 20).expect("date"),
            jref,
            url: format!("https://legislature.{}.example", st.code),
            chamber_names: ["Senate", lower_name],
            prefixes: ["S", lower_prefix],
            space: !matches!(st.code, "il" | "ca" | "ny"),
            roster: [Vec::new(), Vec::new()],
            committees: [Vec::new(), Vec::new()],
            counters: [[0; 4]; 2],
            clock: NaiveDate::from_ymd_opt(2025, 11, 26).expect("date").and_hms_opt(6, 0, 0).expect("time")
                + TimeDelta::seconds(idx as i64 * 1337),
            rollcall_no: 0,
            legislation_no: 0,
            chapter_no: 0,
            bills: Vec::new(),
            referred: [Vec::new(), Vec::new()],
            counts: Counts::default(),
        };
        g.rollcall_no = g.rng.random_range(20_000..60_000);
        g.legislation_no = g.rng.random_range(100_000..150_000);
        g.chapter_no = g.rng.random_range(1..50);
        // Chambers: upper 30-50 seats, lower 102-144: about 80 voters per roll call overall.
        let sizes = [g.rng.random_range(30..=50), g.rng.random_range(102..=144)];
        let mut seen = std::collections::HashSet::new();
        for (ch, size) in sizes.into_iter().enumerate() {
            for _ in 0..size {
                let name = loop {
                    let n = g.person_name();
                    if seen.insert(n.clone()) {
                        break n;
                    }
                };
                let voter_id = pseudo(&[("name", &name)]);
                let sponsor_id = pseudo(&[("chamber", CHAMBERS[ch]), ("name", &name)]);
                g.roster[ch].push(Member { name, voter_id, sponsor_id });
            }
            // Roll calls list members alphabetically by last name, as clerks do.
            g.roster[ch].sort_by(|a, b| last_word(&a.name).cmp(last_word(&b.name)).then(a.name.cmp(&b.name)));
            let n_comm = g.rng.random_range(10..=16);
            let mut pool: Vec<&'static str> = COMMITTEES.to_vec();
            rand::seq::SliceRandom::shuffle(pool.as_mut_slice(), &mut g.rng);
            pool.truncate(n_comm);
            g.committees[ch] = pool;
            g.referred[ch] = vec![Vec::new(); n_comm];
        }
        g
    }

    fn person_name(&mut self) -> String {
        let first = *FIRST_NAMES.choose(&mut self.rng).expect("names");
        let last = *LAST_NAMES.choose(&mut self.rng).expect("names");
        let r = self.rng.random_range(0..100);
        if r < 40 {
            let initial = (b'A' + self.rng.random_range(0..26u8)) as char;
            format!("{first} {initial}. {last}")
        } else if r < 42 {
            let nick = *FIRST_NAMES.choose(&mut self.rng).expect("names");
            format!("{first} \"{nick}\" {last}")
        } else {
            format!("{first} {last}")
        }
    }

    /// A version-1 UUID look-alike (random time fields, one node per state), like the
    /// scraper's `uuid1()` ids.
    fn uuid(&mut self) -> String {
        let t: u64 = self.rng.random();
        let c: u16 = self.rng.random();
        format!(
            "{:08x}-{:04x}-1{:03x}-{:04x}-{:012x}",
            (t >> 32) as u32,
            (t >> 16) as u16,
            t & 0xfff,
            0x8000 | (c & 0x3fff),
            self.node
        )
    }

    fn scraped_at(&mut self) -> String {
        self.clock += TimeDelta::milliseconds(self.rng.random_range(0..1500));
        self.clock.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
    }

    fn account(&mut self, bytes: u64) {
        self.counts.files += 1;
        self.counts.bytes += bytes;
    }

    fn run(mut self, n_bills: u64, n_events: u64) -> Result<Counts> {
        fs::create_dir_all(&self.dir).with_context(|| format!("creating {}", self.dir.display()))?;
        self.write_jurisdiction()?;
        self.write_organizations()?;
        for _ in 0..n_bills {
            self.gen_bill()?;
        }
        for _ in 0..n_events {
            self.gen_event()?;
        }
        Ok(self.counts)
    }

    fn write_jurisdiction(&mut self) -> Result<()> {
        let st = self.st;
        let start = fmt_date(self.session_start);
        let (name, scraped_name) = match self.session.as_str() {
            "153" => ("153rd General Assembly (2025-2026)".to_string(), "2024 - 2026 (GA 153)".to_string()),
            "104th" => ("104th Regular Session".to_string(), "104th General Assembly".to_string()),
            s => (format!("{s} Regular Session"), format!("{s} Regular Session")),
        };
        let url = format!("{}/", self.url);
        let j = Jurisdiction {
            _id: &self.jref.id,
            id: &self.jref.id,
            name: st.name,
            url: &url,
            division_id: &self.jref.division_id,
            classification: "state",
            legislative_sessions: vec![Session {
                _scraped_name: &scraped_name,
                identifier: &self.session,
                name: &name,
                start_date: &start,
                end_date: "2026-06-30",
                active: true,
            }],
            extras: Extras {},
        };
        let file = format!("jurisdiction_ocd-jurisdiction-country:us-state:{}-government.json", st.code);
        let bytes = write_json_file(&self.dir.join(file), &j)?;
        self.account(bytes);
        Ok(())
    }

    fn write_organizations(&mut self) -> Result<()> {
        let leg_id = self.uuid();
        let leg_name = match self.st.code {
            "de" | "ga" | "il" | "ia" | "ky" | "md" | "nc" | "pa" | "ri" | "sc" | "tn" | "vt" | "va" | "ar" | "co"
            | "ct" | "in" | "mo" | "oh" => format!("{} General Assembly", self.st.name),
            "ma" | "nh" => format!("{} General Court", self.st.name),
            _ => format!("{} Legislature", self.st.name),
        };
        let org = Organization {
            name: &leg_name,
            classification: "legislature",
            parent_id: None,
            links: [],
            sources: [],
            extras: Extras {},
            _id: &leg_id,
        };
        let bytes = write_json_file(&self.dir.join(format!("organization_{leg_id}.json")), &org)?;
        self.account(bytes);
        for ch in [UPPER, LOWER] {
            let id = self.uuid();
            let org = Organization {
                name: self.chamber_names[ch],
                classification: CHAMBERS[ch],
                parent_id: Some(&leg_id),
                links: [],
                sources: [],
                extras: Extras {},
                _id: &id,
            };
            let bytes = write_json_file(&self.dir.join(format!("organization_{id}.json")), &org)?;
            self.account(bytes);
        }
        Ok(())
    }

    fn chamber_word(&self, ch: usize) -> &'static str {
        match (ch, self.chamber_names[LOWER]) {
            (UPPER, _) => "Senate",
            (_, "House of Delegates") => "House",
            (_, "General Assembly") => "Assembly",
            (_, n) => n,
        }
    }

    fn member_title(&self, ch: usize) -> &'static str {
        if ch == UPPER { "Sen." } else { "Rep." }
    }

    fn advance(&mut self, d: &mut NaiveDate, lo: i64, hi: i64) {
        *d += TimeDelta::days(self.rng.random_range(lo..=hi));
        if *d > self.last_date {
            *d = self.last_date;
        }
    }

    fn gen_bill(&mut self) -> Result<()> {
        let r = self.rng.random_range(0..100);
        let kind = match r {
            0..75 => Kind::Bill,
            75..83 => Kind::Resolution,
            83..93 => Kind::Concurrent,
            _ => Kind::Joint,
        };
        let origin = if self.rng.random_bool(0.55) { LOWER } else { UPPER };
        let ki = kind as usize;
        self.counters[origin][ki] += 1 + u32::from(self.rng.random_bool(0.03));
        let number = self.counters[origin][ki];
        let prefix = format!("{}{}", self.prefixes[origin], kind.suffix());
        let identifier = if self.space { format!("{prefix} {number}") } else { format!("{prefix}{number}") };
        let topic = *TOPICS.choose(&mut self.rng).expect("topics");
        let state_upper = self.st.name.to_uppercase();
        let title = self.title(kind, topic, &state_upper);
        let short_title = match kind {
            Kind::Bill => format!("{}-Amendments", title_case(topic)),
            _ => format!("{} Resolution", title_case(topic)),
        };
        let bill_index = self.bills.len() as u32;
        let id = self.uuid();
        self.legislation_no += self.rng.random_range(1..4);
        let leg_no = self.legislation_no;
        let ident_compact = identifier.replace(' ', "");

        // Sponsors: 1-3 primary from the origin chamber, 0-10 cosponsors from either.
        let n_primary = 1 + usize::from(self.rng.random_bool(0.35)) + usize::from(self.rng.random_bool(0.1));
        let n_co = match self.rng.random_range(0..10) {
            0..3 => 0,
            3..7 => self.rng.random_range(1..=4),
            _ => self.rng.random_range(5..=10),
        };
        let mut chosen: Vec<(usize, usize, bool)> = Vec::new();
        while chosen.len() < n_primary + n_co {
            let primary = chosen.len() < n_primary;
            let ch = if primary || self.rng.random_bool(0.6) { origin } else { 1 - origin };
            let m = self.rng.random_range(0..self.roster[ch].len());
            if !chosen.iter().any(|&(c, i, _)| c == ch && i == m) {
                chosen.push((ch, m, primary));
            }
        }
        let committee_sponsor = kind == Kind::Bill && self.rng.random_bool(0.03);
        let primary_name = self.roster[chosen[0].0][chosen[0].1].name.clone();
        let b0 = Bill0 { identifier: identifier.clone(), kind, origin, primary: primary_name };

        let verbose = self.style == Style::Verbose;
        let mut rollcalls = Vec::new();
        let (actions, progress) = self.history(&b0, bill_index, &chosen, &mut rollcalls);

        let subject: Vec<&'static str> = if self.idx % 4 < 2 {
            let n = self.rng.random_range(1..=3);
            SUBJECTS.choose_multiple(&mut self.rng, n).copied().collect()
        } else {
            Vec::new()
        };
        let abstracts = if self.rng.random_bool(0.9) {
            vec![Abstract { note: "synopsis", text: self.synopsis(kind, topic) }]
        } else {
            Vec::new()
        };
        let other_titles = if self.rng.random_bool(0.6) {
            vec![OtherTitle { note: "short title", title: short_title.clone() }]
        } else {
            Vec::new()
        };
        let related_bills = if kind == Kind::Bill && self.rng.random_bool(0.05) && self.counters[1 - origin][0] > 0 {
            let n = self.rng.random_range(1..=self.counters[1 - origin][0]);
            let p = format!("{}B", self.prefixes[1 - origin]);
            vec![RelatedBill {
                identifier: if self.space { format!("{p} {n}") } else { format!("{p}{n}") },
                legislative_session: self.session.clone(),
                relation_type: "companion",
            }]
        } else {
            Vec::new()
        };

        let n_versions = 1 + progress.min(2);
        let version_names = ["Introduced", "Engrossed", "Enrolled"];
        let mut versions = Vec::with_capacity(n_versions);
        for (v, vname) in version_names.iter().enumerate().take(n_versions) {
            let doc_type = 2 + v;
            versions.push(Doc {
                note: if verbose { vname.to_string() } else if v == 0 { "Bill Text".into() } else { format!("Substitute {v}") },
                links: vec![
                    DocLink {
                        url: format!(
                            "{}/json/BillDetail/GenerateHtmlDocument?legislationId={leg_no}&docTypeId={doc_type}&legislationName={ident_compact}",
                            self.url
                        ),
                        media_type: "text/html",
                    },
                    DocLink {
                        url: format!(
                            "{}/json/BillDetail/GeneratePdfDocument?legislationId={leg_no}&docTypeId={doc_type}&legislationName={ident_compact}",
                            self.url
                        ),
                        media_type: "application/pdf",
                    },
                ],
                date: if verbose { actions.first().map(|a| a.date.clone()).unwrap_or_default() } else { String::new() },
                classification: "",
            });
        }
        let documents = if self.rng.random_bool(0.15) {
            let att: u32 = self.rng.random_range(600_000..700_000);
            vec![Doc {
                note: "Fiscal Note".into(),
                links: vec![DocLink {
                    url: format!("{}/json/BillDetail/GetPdfDocument?fileAttachmentId={att}", self.url),
                    media_type: "application/pdf",
                }],
                date: String::new(),
                classification: "",
            }]
        } else {
            Vec::new()
        };
        let citations = if progress >= 3 {
            self.chapter_no += 1;
            let att: u32 = self.rng.random_range(600_000..700_000);
            vec![Citation {
                publication: format!("The Laws of {}", self.st.name),
                citation: format!("Volume 85 Chapter {}", self.chapter_no),
                citation_type: "chapter",
                effective: None,
                expires: None,
                url: format!("{}/SessionLaws/Chapter/GetPdfDocument?fileAttachmentId={att}", self.url),
            }]
        } else {
            Vec::new()
        };
        let sources = vec![Source {
            url: format!("{}/BillDetail?LegislationId={leg_no}", self.url),
            note: if verbose { "" } else { "text/html" },
        }];
        let scraped_at = self.scraped_at();
        let mut sponsorships: Vec<Sponsorship> = Vec::with_capacity(chosen.len() + 1);
        for &(ch, m, primary) in &chosen {
            let member = &self.roster[ch][m];
            sponsorships.push(Sponsorship {
                name: &member.name,
                classification: if primary || !verbose { "primary" } else { "cosponsor" },
                entity_type: "person",
                primary: primary || !verbose,
                person_id: Some(&member.sponsor_id),
                organization_id: None,
            });
        }
        let committee_name;
        if committee_sponsor {
            committee_name = format!("{} Committee", self.committees[origin][0]);
            sponsorships.push(Sponsorship {
                name: &committee_name,
                classification: "primary",
                entity_type: "organization",
                primary: true,
                person_id: None,
                organization_id: Some(pseudo(&[("name", &committee_name)])),
            });
        }

        self.counts.bills += 1;
        self.counts.actions += actions.len() as u64;
        self.counts.sponsorships += sponsorships.len() as u64;
        let bill = Bill {
            legislative_session: &self.session,
            identifier: &identifier,
            title: &title,
            from_organization: CHAMBER_PSEUDO[origin],
            classification: [kind.classification()],
            subject,
            abstracts,
            other_titles,
            other_identifiers: [],
            actions,
            sponsorships,
            related_bills,
            versions,
            documents,
            citations,
            sources,
            extras: Extras {},
            jurisdiction: &self.jref,
            scraped_at: &scraped_at,
            _id: &id,
        };
        let bytes = write_json_file(&self.dir.join(format!("bill_{id}.json")), &bill)?;
        drop(bill);
        self.counts.files += 1;
        self.counts.bytes += bytes;

        for rc in rollcalls {
            self.write_vote(&id, &identifier, rc)?;
        }
        self.bills.push(BillInfo { identifier, short_title });
        Ok(())
    }

    fn title(&mut self, kind: Kind, topic: &str, state_upper: &str) -> String {
        let r = self.rng.random_range(0..4);
        match kind {
            Kind::Bill => match r {
                0 => format!(
                    "AN ACT TO AMEND TITLE {} OF THE {state_upper} CODE RELATING TO {topic}.",
                    self.rng.random_range(1..35)
                ),
                1 => format!(
                    "AN ACT TO AMEND TITLES {} AND {} OF THE {state_upper} CODE RELATING TO {topic}.",
                    self.rng.random_range(1..15),
                    self.rng.random_range(15..35)
                ),
                2 => format!(
                    "An Act concerning {}; amending section {}-{}.",
                    topic.to_lowercase(),
                    self.rng.random_range(1..70),
                    self.rng.random_range(100..999)
                ),
                _ => format!("Relating to {}; and providing an effective date.", topic.to_lowercase()),
            },
            Kind::Resolution => {
                let month = *MONTHS.choose(&mut self.rng).expect("months");
                let obs = OBSERVANCES.choose(&mut self.rng).expect("obs").to_uppercase();
                if r < 2 {
                    format!(
                        "RECOGNIZING {month} {}, 2025, AS \"{obs} DAY\" IN THE STATE OF {state_upper}.",
                        self.rng.random_range(1..29)
                    )
                } else {
                    format!(
                        "DESIGNATING THE MONTH OF {month} 2025 AS \u{201c}{obs} MONTH\u{201d} IN THE STATE OF {state_upper}."
                    )
                }
            }
            Kind::Concurrent => format!(
                "REQUESTING THE DEPARTMENT OF {} TO STUDY {topic} AND REPORT TO THE GENERAL ASSEMBLY.",
                ["HEALTH", "EDUCATION", "TRANSPORTATION", "LABOR", "REVENUE", "JUSTICE"][r]
            ),
            Kind::Joint => format!(
                "PROPOSING AN AMENDMENT TO ARTICLE {} OF THE CONSTITUTION OF THE STATE OF {state_upper} RELATING TO {topic}.",
                ["II", "III", "IV", "V", "VIII", "XI"][r + 1]
            ),
        }
    }

    fn synopsis(&mut self, kind: Kind, topic: &str) -> String {
        let t = topic.to_lowercase();
        match kind {
            Kind::Bill => {
                let a = [
                    format!("This Act amends the {} Code relating to {t}.", self.st.name),
                    format!("This bill makes changes to the law governing {t}."),
                    format!("Creates a working group on {t} and requires an annual report."),
                ];
                let b = [
                    " It clarifies definitions, updates reporting requirements and takes effect on the first day of the fiscal year following enactment.",
                    " The bill also authorizes the responsible agency to adopt regulations and establishes civil penalties for violations.",
                    " Section 2 of the bill makes technical corrections to conform existing law to the style of the Code.",
                    "",
                ];
                let i = self.rng.random_range(0..a.len());
                let j = self.rng.random_range(0..b.len());
                format!("{}{}", a[i], b[j])
            }
            _ => format!("This resolution concerns {t} in the State of {}.", self.st.name),
        }
    }

    fn action(&self, d: NaiveDate, org: &str, description: String, class: &[&str], committee: Option<&str>) -> Action {
        Action {
            description,
            date: fmt_date(d),
            organization_id: org.to_string(),
            classification: class.iter().map(|c| c.to_string()).collect(),
            related_entities: committee
                .map(|c| {
                    vec![RelatedEntity {
                        name: c.to_string(),
                        entity_type: "organization".into(),
                        organization_id: None,
                    }]
                })
                .unwrap_or_default(),
        }
    }

    /// Simulates the bill's path through the legislature. Returns the actions and how far it
    /// got (0 introduced, 1 passed origin chamber, 2 passed both, 3 law).
    fn history(
        &mut self,
        b: &Bill0,
        bill_index: u32,
        sponsors: &[(usize, usize, bool)],
        rollcalls: &mut Vec<RollCall>,
    ) -> (Vec<Action>, usize) {
        let mut acts: Vec<Action> = Vec::with_capacity(16);
        let mut d =
            self.session_start + TimeDelta::days(self.rng.random_range(0..if b.kind == Kind::Bill { 90 } else { 250 }));
        if d > self.last_date {
            d = self.last_date;
        }
        // Verbose (Illinois-like) states log cosponsor additions as actions.
        let mut pending_cosponsors: Vec<String> = Vec::new();
        if self.style == Style::Verbose {
            for &(ch, m, primary) in sponsors {
                if !primary && self.rng.random_bool(0.6) {
                    pending_cosponsors.push(format!(
                        "Added {} {} {}",
                        if ch == b.origin { "Co-Sponsor" } else { "as Alternate Co-Sponsor" },
                        self.member_title(ch),
                        self.roster[ch][m].name
                    ));
                }
            }
        }
        let legislation = b.kind == Kind::Bill || b.kind == Kind::Joint;
        let mut progress = 0;

        for (stage, ch) in [b.origin, 1 - b.origin].into_iter().enumerate() {
            if stage == 1 && b.kind == Kind::Resolution {
                break;
            }
            let house = self.chamber_word(ch);
            let org = CHAMBER_PSEUDO[ch];
            let refer = legislation || self.rng.random_bool(0.3);
            let c = self.rng.random_range(0..self.committees[ch].len());
            let committee = self.committees[ch][c];
            // Introduction / arrival and referral.
            match self.style {
                Style::Terse => {
                    if !refer {
                        acts.push(self.action(d, org, format!("Introduced in {house}"), &["introduction"], None));
                    } else if stage == 0 && self.rng.random_bool(0.5) {
                        acts.push(self.action(
                            d,
                            org,
                            format!("Introduced and Assigned to {committee} Committee in {house}"),
                            &["introduction", "referral-committee"],
                            Some(committee),
                        ));
                    } else {
                        if stage == 0 {
                            acts.push(self.action(d, org, format!("Introduced in {house}"), &["introduction"], None));
                        }
                        acts.push(self.action(
                            d,
                            org,
                            format!("Assigned to {committee} Committee in {house}"),
                            &["introduction", "referral-committee"][(stage == 0) as usize..],
                            Some(committee),
                        ));
                    }
                }
                Style::Verbose => {
                    let t = self.member_title(ch);
                    let clerk = if ch == UPPER { "Secretary" } else { "Clerk" };
                    if stage == 0 {
                        acts.push(self.action(
                            d,
                            org,
                            format!("Filed with the {clerk} by {t} {}", b.primary),
                            &["filing"],
                            None,
                        ));
                    } else {
                        acts.push(self.action(d, org, format!("Arrive in {house}"), &["introduction"], None));
                        acts.push(self.action(d, org, "Placed on Calendar Order of First Reading".into(), &[], None));
                        let m = self.rng.random_range(0..self.roster[ch].len());
                        let sponsor = format!("Chief {house} Sponsor {t} {}", self.roster[ch][m].name);
                        acts.push(self.action(d, org, sponsor, &[], None));
                    }
                    acts.push(self.action(d, org, "First Reading".into(), &["reading-1"], None));
                    let rules = if ch == UPPER { "Assignments" } else { "Rules Committee" };
                    acts.push(self.action(d, org, format!("Referred to {rules}"), &["referral-committee"], None));
                    if refer {
                        self.advance(&mut d, 3, 25);
                        acts.push(self.action(
                            d,
                            org,
                            format!("Assigned to {committee}"),
                            &["referral-committee"],
                            Some(committee),
                        ));
                    }
                }
            }
            if refer {
                self.referred[ch][c].push((bill_index, d));
            }
            if stage == 0 {
                let n = self.rng.random_range(0..=pending_cosponsors.len().min(3));
                for desc in pending_cosponsors.drain(..n) {
                    acts.push(self.action(d, org, desc, &[], None));
                }
            }
            // Committee.
            if refer {
                self.advance(&mut d, 5, 45);
                let p = if stage == 0 { P_REPORTED } else { P_REPORTED_SECOND };
                if !self.rng.random_bool(p) {
                    if self.style == Style::Verbose && self.rng.random_bool(0.6) {
                        acts.push(self.action(
                            d,
                            org,
                            "Rule 19(a) / Re-referred to Rules Committee".into(),
                            &["referral-committee"],
                            None,
                        ));
                    } else if self.rng.random_bool(0.15) {
                        acts.push(self.action(d, org, format!("Laid On Table in {house}"), &[], None));
                    }
                    break;
                }
                let size = self.rng.random_range(5..=15);
                let fav = self.rng.random_range(1..=size);
                match self.style {
                    Style::Terse => {
                        let merits = size - fav;
                        let desc = if merits == 0 {
                            format!("Reported Out of Committee ({committee}) in {house} with {fav} Favorable")
                        } else {
                            format!(
                                "Reported Out of Committee ({committee}) in {house} with {fav} Favorable, {merits} On Its Merits"
                            )
                        };
                        acts.push(self.action(
                            d,
                            org,
                            desc,
                            &["committee-passage", "committee-passage-favorable"],
                            Some(committee),
                        ));
                    }
                    Style::Verbose => {
                        let desc = format!(
                            "Do Pass / Short Debate {committee}; {size:03}-{:03}-000",
                            self.rng.random_range(0..3)
                        );
                        acts.push(self.action(d, org, desc, &["committee-passage-favorable"], Some(committee)));
                        let cal = if ch == UPPER {
                            "Placed on Calendar Order of 2nd Reading"
                        } else {
                            "Placed on Calendar 2nd Reading - Short Debate"
                        };
                        acts.push(self.action(d, org, cal.into(), &[], None));
                    }
                }
                self.advance(&mut d, 1, 14);
            }
            // Floor amendments.
            if legislation {
                let n_amend = match self.rng.random_range(0..10) {
                    0..6 => 0,
                    6..9 => 1,
                    _ => self.rng.random_range(2..=3),
                };
                for k in 1..=n_amend {
                    let adopted = self.rng.random_bool(0.85);
                    match self.style {
                        Style::Terse => {
                            let a = format!("{}A {k}", &house[..1]);
                            acts.push(self.action(
                                d,
                                org,
                                format!("Amendment {a} to {} - Introduced and Placed With Bill", b.identifier),
                                &["amendment-introduction"],
                                None,
                            ));
                            let (res, class) = if adopted {
                                ("Passed", "amendment-passage")
                            } else {
                                ("Defeated", "amendment-failure")
                            };
                            acts.push(self.action(
                                d,
                                org,
                                format!("Amendment {a} to {} - {res} In {house} by Voice Vote", b.identifier),
                                &[class],
                                None,
                            ));
                        }
                        Style::Verbose => {
                            let t = self.member_title(ch);
                            let m = self.rng.random_range(0..self.roster[ch].len());
                            let who = self.roster[ch][m].name.clone();
                            let rules = if ch == UPPER { "Assignments" } else { "Rules Committee" };
                            acts.push(self.action(
                                d,
                                org,
                                format!(
                                    "{house} Floor Amendment No. {k} Filed with {} by {t} {who}",
                                    if ch == UPPER { "Secretary" } else { "Clerk" }
                                ),
                                &["amendment-introduction"],
                                None,
                            ));
                            acts.push(self.action(
                                d,
                                org,
                                format!("{house} Floor Amendment No. {k} Referred to {rules}"),
                                &["referral-committee"],
                                None,
                            ));
                            self.advance(&mut d, 0, 7);
                            let (res, class) = if adopted {
                                ("Adopted", "amendment-passage")
                            } else {
                                ("Tabled", "amendment-failure")
                            };
                            acts.push(self.action(
                                d,
                                org,
                                format!("{house} Floor Amendment No. {k} {res}"),
                                &[class],
                                None,
                            ));
                        }
                    }
                }
            }
            if self.style == Style::Verbose && refer {
                let second = if ch == UPPER { "Second Reading" } else { "Second Reading - Short Debate" };
                acts.push(self.action(d, org, second.into(), &["reading-2"], None));
                let cal = if ch == UPPER {
                    "Placed on Calendar Order of 3rd Reading"
                } else {
                    "Placed on Calendar Order of 3rd Reading - Short Debate"
                };
                acts.push(self.action(d, org, cal.into(), &[], None));
                self.advance(&mut d, 1, 20);
            }
            // Floor vote.
            let roll = if legislation { self.rng.random_bool(P_ROLL_CALL) } else { self.rng.random_bool(0.03) };
            let passed = if roll {
                let rc = self.roll_call(ch, d);
                let passed = rc.passed;
                let desc = self.roll_call_description(ch, &rc);
                let class: &[&str] = match (passed, self.style) {
                    (true, Style::Terse) => &["passage"],
                    (true, Style::Verbose) => &["passage", "reading-3"],
                    (false, _) => &["failure"],
                };
                acts.push(self.action(d, org, desc, class, None));
                rollcalls.push(rc);
                passed
            } else {
                let desc = match (self.style, b.kind) {
                    (Style::Terse, _) => format!("Passed In {house} by Voice Vote"),
                    (Style::Verbose, Kind::Bill | Kind::Joint) => {
                        if ch == UPPER {
                            "Third Reading - Passed".to_string()
                        } else {
                            "Third Reading - Short Debate - Passed".to_string()
                        }
                    }
                    (Style::Verbose, _) => "Resolution Adopted".to_string(),
                };
                let class: &[&str] =
                    if self.style == Style::Verbose && legislation { &["passage", "reading-3"] } else { &["passage"] };
                acts.push(self.action(d, org, desc, class, None));
                true
            };
            if !passed {
                break;
            }
            progress = stage + 1;
            if stage == 0 {
                for desc in pending_cosponsors.drain(..) {
                    acts.push(self.action(d, org, desc, &[], None));
                }
            }
            self.advance(&mut d, 1, 10);
        }

        // Governor.
        if progress == 2 && b.kind == Kind::Bill {
            let org = CHAMBER_PSEUDO[b.origin];
            if self.style == Style::Verbose {
                acts.push(self.action(d, org, "Passed Both Houses".into(), &[], None));
                self.advance(&mut d, 10, 30);
                acts.push(self.action(d, org, "Sent to the Governor".into(), &["executive-receipt"], None));
            }
            self.advance(&mut d, 5, 60);
            let r = self.rng.random_range(0..100);
            if r < 92 {
                let desc = if self.style == Style::Verbose { "Governor Approved" } else { "Signed by Governor" };
                acts.push(self.action(d, EXECUTIVE_PSEUDO, desc.into(), &["executive-signature"], None));
                if self.style == Style::Verbose {
                    acts.push(self.action(d, org, "Effective Date January 1, 2026".into(), &[], None));
                    let pa = format!(
                        "Public Act . . . . . . . . . {}-{:04}",
                        self.session.trim_end_matches("th"),
                        self.chapter_no + 1
                    );
                    acts.push(self.action(d, org, pa, &["became-law"], None));
                }
                progress = 3;
            } else if r < 97 {
                let desc = if self.style == Style::Verbose { "Total Veto" } else { "Vetoed by Governor" };
                acts.push(self.action(d, EXECUTIVE_PSEUDO, desc.into(), &["executive-veto"], None));
            } else {
                acts.push(self.action(
                    d,
                    EXECUTIVE_PSEUDO,
                    "Became Law Without Signature".into(),
                    &["became-law"],
                    None,
                ));
                progress = 3;
            }
        }
        (acts, progress)
    }

    fn roll_call(&mut self, ch: usize, d: NaiveDate) -> RollCall {
        let members = self.roster[ch].len();
        let want_pass = self.rng.random_bool(0.97);
        let yes_p: f64 = if want_pass {
            if self.rng.random_bool(0.55) { 1.0 } else { self.rng.random_range(0.55..1.0) }
        } else {
            self.rng.random_range(0.15..0.48)
        };
        let absent_p: f64 = if self.rng.random_bool(0.3) { 0.0 } else { self.rng.random_range(0.0..0.1) };
        let verbose = self.style == Style::Verbose;
        let (mut yes, mut no, mut other, mut nv, mut exc, mut abs) = (0u32, 0u32, 0u32, 0u32, 0u32, 0u32);
        let mut options = Vec::with_capacity(members);
        for m in 0..members {
            let opt = if self.rng.random_bool(absent_p) {
                if !verbose {
                    other += 1;
                    "other"
                } else {
                    match self.rng.random_range(0..20) {
                        0..12 => {
                            nv += 1;
                            "not voting"
                        }
                        12..19 => {
                            exc += 1;
                            "excused"
                        }
                        _ => {
                            abs += 1;
                            "absent"
                        }
                    }
                }
            } else if self.rng.random_bool(yes_p) {
                yes += 1;
                "yes"
            } else {
                no += 1;
                "no"
            };
            options.push((m, opt));
        }
        let motion = if verbose {
            "Third Reading"
        } else {
            match self.rng.random_range(0..20) {
                0..16 => "SM",
                16..18 => "2/3",
                18 => "3/5",
                _ => "3/4",
            }
        };
        let passed = match motion {
            "2/3" => yes * 3 >= members as u32 * 2,
            "3/5" => yes * 5 >= members as u32 * 3,
            "3/4" => yes * 4 >= members as u32 * 3,
            _ => yes > no,
        };
        let counts = if verbose {
            vec![
                VoteCount { option: "yes", value: yes },
                VoteCount { option: "no", value: no },
                VoteCount { option: "other", value: 0 },
                VoteCount { option: "excused", value: exc },
                VoteCount { option: "absent", value: abs },
                VoteCount { option: "not voting", value: nv },
            ]
        } else {
            vec![
                VoteCount { option: "yes", value: yes },
                VoteCount { option: "no", value: no },
                VoteCount { option: "other", value: other },
            ]
        };
        self.rollcall_no += self.rng.random_range(1..5);
        RollCall { chamber: ch, date: fmt_date(d), motion, options, counts, passed, number: self.rollcall_no }
    }

    fn roll_call_description(&self, ch: usize, rc: &RollCall) -> String {
        let get = |o: &str| rc.counts.iter().find(|c| c.option == o).map_or(0, |c| c.value);
        match self.style {
            Style::Terse => {
                let mut s = format!(
                    "{} By {}. Votes: {} YES",
                    if rc.passed { "Passed" } else { "Defeated" },
                    self.chamber_word(ch),
                    get("yes")
                );
                if get("no") > 0 {
                    s.push_str(&format!(" {} NO", get("no")));
                }
                if get("other") > 0 {
                    s.push_str(&format!(" {} ABSENT", get("other")));
                }
                s
            }
            Style::Verbose => {
                let present = get("not voting");
                let prefix = if ch == UPPER { "Third Reading -" } else { "Third Reading - Short Debate -" };
                if rc.passed {
                    format!("{prefix} Passed {:03}-{:03}-{:03}", get("yes"), get("no"), present)
                } else {
                    format!("{prefix} Lost {:03}-{:03}-{:03}", get("yes"), get("no"), present)
                }
            }
        }
    }

    fn write_vote(&mut self, bill_id: &str, identifier: &str, rc: RollCall) -> Result<()> {
        let id = self.uuid();
        let ch = rc.chamber;
        let (source, dedupe) = match self.style {
            Style::Terse => (
                format!(
                    "{}/json/RollCallController/GenerateRollCallPdf?rollCallId={}&chamberId={}",
                    self.url,
                    rc.number,
                    if ch == UPPER { 1 } else { 2 }
                ),
                format!("{identifier} in {}#{}#{}#{}#{}", self.session, rc.number, rc.motion, CHAMBERS[ch], rc.date),
            ),
            Style::Verbose => {
                let d = &rc.date;
                let url = format!(
                    "{}/Documents/legislation/votehistory/{}/{}/{}_{}{}{}_{:06}T.pdf",
                    self.url,
                    self.session,
                    if ch == UPPER { "senate" } else { "house" },
                    identifier.replace(' ', ""),
                    &d[5..7],
                    &d[8..10],
                    &d[0..4],
                    rc.number
                );
                (url.clone(), url)
            }
        };
        let roster = &self.roster[ch];
        let votes: Vec<PersonVote> = rc
            .options
            .iter()
            .map(|&(m, option)| PersonVote {
                option,
                voter_name: &roster[m].name,
                voter_id: &roster[m].voter_id,
                note: "",
            })
            .collect();
        let n_votes = votes.len() as u64;
        let ve = VoteEvent {
            identifier: "",
            motion_text: rc.motion,
            motion_classification: if self.style == Style::Verbose { vec!["passage"] } else { Vec::new() },
            start_date: &rc.date,
            result: if rc.passed { "pass" } else { "fail" },
            organization: CHAMBER_PSEUDO[ch],
            legislative_session: &self.session,
            bill: bill_id,
            bill_action: None,
            bill_identifier: identifier,
            votes,
            counts: rc.counts,
            sources: vec![Source { url: source, note: "" }],
            extras: Extras {},
            dedupe_key: &dedupe,
            _id: &id,
        };
        let bytes = write_json_file(&self.dir.join(format!("vote_event_{id}.json")), &ve)?;
        self.counts.files += 1;
        self.counts.bytes += bytes;
        self.counts.votes += 1;
        self.counts.vote_records += n_votes;
        Ok(())
    }

    fn gen_event(&mut self) -> Result<()> {
        let ch = if self.rng.random_bool(0.5) { UPPER } else { LOWER };
        let c = self.rng.random_range(0..self.committees[ch].len());
        let committee = self.committees[ch][c];
        let house = self.chamber_word(ch);
        // Agenda: bills referred to this committee before the hearing (the hearing follows
        // a referral by a few days), else any bills of the state.
        let n_items = match self.rng.random_range(0..10) {
            0..2 => 1,
            2..7 => self.rng.random_range(2..=4),
            _ => self.rng.random_range(5..=8),
        };
        let mut picks: Vec<u32> = Vec::with_capacity(n_items);
        let pool_len = self.referred[ch][c].len();
        let mut day;
        if pool_len > 0 {
            let (first, referred_on) = self.referred[ch][c][self.rng.random_range(0..pool_len)];
            picks.push(first);
            day = (referred_on + TimeDelta::days(self.rng.random_range(3..=21))).min(self.last_date);
            for _ in 0..n_items * 3 {
                if picks.len() == n_items {
                    break;
                }
                let (cand, on) = self.referred[ch][c][self.rng.random_range(0..pool_len)];
                if on <= day && !picks.contains(&cand) {
                    picks.push(cand);
                }
            }
        } else {
            day = self.session_start + TimeDelta::days(self.rng.random_range(0..300));
            for _ in 0..n_items * 3 {
                if picks.len() == n_items || self.bills.is_empty() {
                    break;
                }
                let cand = self.rng.random_range(0..self.bills.len() as u32);
                if !picks.contains(&cand) {
                    picks.push(cand);
                }
            }
        }
        // A weekday, on the half hour.
        while matches!(chrono::Datelike::weekday(&day), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            day += TimeDelta::days(1);
        }
        let hour = self.rng.random_range(8..17);
        let minute = if self.rng.random_bool(0.5) { 0 } else { 30 };
        let local = day.and_hms_opt(hour, minute, 0).expect("time");
        let tz: chrono_tz::Tz = self.st.tz.parse().expect("known time zone");
        let start = tz.from_local_datetime(&local).single().expect("no DST gap at daytime");
        let end = start + TimeDelta::hours(self.rng.random_range(1..=3));
        let fmt = "%Y-%m-%dT%H:%M:%S%:z";
        let status = if self.rng.random_bool(0.04) { "cancelled" } else { "passed" };
        let id = self.uuid();
        self.rollcall_no += 1;
        let event_no = self.rollcall_no;
        let url = format!("{}/CommitteeMeetings/MeetingDetails?meetingId={event_no}", self.url);

        let mut agenda = Vec::with_capacity(picks.len() + 1);
        if self.rng.random_bool(0.3) {
            agenda.push(AgendaItem {
                description: "Call to Order and Approval of Minutes".into(),
                classification: [],
                order: 0,
                subjects: [],
                media: [],
                notes: [],
                extras: Extras {},
                related_entities: Vec::new(),
            });
        }
        for &p in &picks {
            let info = &self.bills[p as usize];
            agenda.push(AgendaItem {
                description: format!("{} - {}", info.identifier, info.short_title),
                classification: [],
                order: agenda.len(),
                subjects: [],
                media: [],
                notes: [],
                extras: Extras {},
                related_entities: vec![AgendaEntity {
                    name: info.identifier.clone(),
                    entity_type: "bill",
                    note: "consideration",
                    bill_id: pseudo(&[("identifier", &info.identifier)]),
                }],
            });
        }
        let documents = if self.rng.random_bool(0.7) {
            vec![Doc {
                note: "Agenda".into(),
                links: vec![DocLink {
                    url: format!("{}/CommitteeMeetings/Agenda?meetingId={event_no}", self.url),
                    media_type: "application/pdf",
                }],
                date: String::new(),
                classification: "",
            }]
        } else {
            Vec::new()
        };
        let media = if status == "passed" && self.rng.random_bool(0.4) {
            vec![Doc {
                note: "Video".into(),
                links: vec![DocLink { url: format!("{}/video/{event_no}", self.url), media_type: "text/html" }],
                date: String::new(),
                classification: "",
            }]
        } else {
            Vec::new()
        };
        let room = *ROOMS.choose(&mut self.rng).expect("rooms");
        let scraped_at = self.scraped_at();
        let ev = Event {
            name: format!("{house} {committee} Committee"),
            all_day: false,
            start_date: start.format(fmt).to_string(),
            end_date: if self.rng.random_bool(0.6) { end.format(fmt).to_string() } else { String::new() },
            status,
            classification: "committee-meeting",
            description: if self.rng.random_bool(0.5) {
                String::new()
            } else {
                format!("Public hearing of the {house} {committee} Committee.")
            },
            upstream_id: if self.style == Style::Verbose { event_no.to_string() } else { String::new() },
            location: Location { name: format!("{room}, {} State Capitol", self.st.name), note: "", coordinates: None },
            media,
            documents,
            links: [],
            participants: vec![Participant {
                name: committee.to_string(),
                entity_type: "organization",
                note: "host",
                organization_id: pseudo(&[("name", committee)]),
            }],
            agenda,
            sources: vec![Source { url: url.clone(), note: "" }],
            extras: Extras {},
            dedupe_key: url,
            jurisdiction: &self.jref,
            scraped_at: &scraped_at,
            _id: &id,
        };
        let items = ev.agenda.len() as u64;
        let bytes = write_json_file(&self.dir.join(format!("event_{id}.json")), &ev)?;
        self.counts.files += 1;
        self.counts.bytes += bytes;
        self.counts.events += 1;
        self.counts.agenda_items += items;
        Ok(())
    }
}

fn last_word(name: &str) -> &str {
    name.rsplit(' ').next().unwrap_or(name)
}

fn pipeline_toml() -> String {
    let mut s = String::from(
        "# Written by statehouse-bench: one source per state folder of the synthetic corpus.\n\
         name = \"bench\"\nschedule = \"0 30 2 * * *\"\ntimezone = \"America/New_York\"\n",
    );
    for st in &STATES {
        s.push_str(&format!("\n[[source]]\nname = \"{0}\"\nkind = \"ocd_scrape\"\npath = \"{0}\"\n", st.code));
    }
    s
}

fn prepare_out_dir(out: &Path) -> Result<()> {
    if out.exists() {
        let non_empty = fs::read_dir(out)?.next().is_some();
        if non_empty && !out.join(MARKER).exists() {
            bail!("{} is not empty and was not written by statehouse-bench; refusing to write into it", out.display());
        }
        // A previous corpus of ours: remove what we write.
        for name in [MANIFEST, "pipeline.toml"] {
            let p = out.join(name);
            if p.exists() {
                fs::remove_file(&p)?;
            }
        }
        for st in &STATES {
            let p = out.join(st.code);
            if p.exists() {
                fs::remove_dir_all(&p).with_context(|| format!("removing {}", p.display()))?;
            }
        }
    }
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    fs::write(out.join(MARKER), "statehouse-bench corpus\n")?;
    Ok(())
}

fn generate(out: &Path, scale: f64, seed: u64, threads: Option<usize>) -> Result<()> {
    if !(scale.is_finite() && scale > 0.0) {
        bail!("--scale must be a positive number");
    }
    let started = Instant::now();
    prepare_out_dir(out)?;
    let bills = apportion((BILLS_AT_SCALE_1 * scale).round() as u64);
    let events = apportion((EVENTS_AT_SCALE_1 * scale).round() as u64);

    // Largest states first, so the workers finish together.
    let mut order: Vec<usize> = (0..STATES.len()).collect();
    order.sort_by(|&a, &b| bills[b].cmp(&bills[a]).then(a.cmp(&b)));
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).clamp(1, STATES.len());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Counts>>> = Mutex::new(vec![None; STATES.len()]);
    let first_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= order.len() || first_error.lock().expect("lock").is_some() {
                        break;
                    }
                    let i = order[k];
                    let worker = StateGen::new(&STATES[i], i, out, seed);
                    match worker.run(bills[i], events[i]) {
                        Ok(c) => {
                            eprintln!(
                                "  {}: {} bills, {} actions, {} votes, {} events",
                                STATES[i].code, c.bills, c.actions, c.votes, c.events
                            );
                            results.lock().expect("lock")[i] = Some(c);
                        }
                        Err(e) => {
                            first_error.lock().expect("lock").get_or_insert(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().expect("lock") {
        return Err(e);
    }
    let mut total = Counts::default();
    for c in results.into_inner().expect("lock").into_iter().flatten() {
        total.add(&c);
    }
    let pipeline = pipeline_toml();
    fs::write(out.join("pipeline.toml"), &pipeline)?;
    total.files += 1;
    total.bytes += pipeline.len() as u64;
    let manifest = Manifest {
        generator: format!("statehouse-bench {}", env!("CARGO_PKG_VERSION")),
        scale,
        seed,
        states: STATES.len(),
        counts: total,
        mutated_bills: 0,
        corpus_rows: total.corpus_rows(),
    };
    fs::write(out.join(MANIFEST), serde_json::to_string_pretty(&manifest)? + "\n")?;

    let secs = started.elapsed().as_secs_f64();
    println!("generated {} (scale {scale}, seed {seed}) in {secs:.1}s with {threads} thread(s)", out.display());
    print_counts(&total);
    Ok(())
}

fn print_counts(c: &Counts) {
    println!("  states          {:>12}", STATES.len());
    println!("  bills           {:>12}", c.bills);
    println!("  actions         {:>12}", c.actions);
    println!("  sponsorships    {:>12}", c.sponsorships);
    println!("  votes           {:>12}", c.votes);
    println!("  vote records    {:>12}", c.vote_records);
    println!("  events          {:>12}", c.events);
    println!("  agenda items    {:>12}", c.agenda_items);
    println!("  corpus rows     {:>12}  (bills + actions + votes + vote records + events)", c.corpus_rows());
    println!("  files           {:>12}", c.files);
    println!("  bytes           {:>12}  ({:.1} MiB)", c.bytes, c.bytes as f64 / 1048576.0);
}

// ---------------------------------------------------------------------------------------
// Mutation
// ---------------------------------------------------------------------------------------

/// Byte offset of the `]` closing the top-level `"actions": [` array, skipping strings.
fn actions_array_end(text: &str) -> Option<usize> {
    let start = text.find("\"actions\": [")? + "\"actions\": [".len() - 1;
    let bytes = text.as_bytes();
    let (mut depth, mut in_str, mut escaped) = (0i32, false, false);
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[derive(Deserialize)]
struct BillActions {
    actions: Vec<Action>,
}

fn mutate(dir: &Path, fraction: f64, seed: u64) -> Result<()> {
    if !(0.0..=1.0).contains(&fraction) {
        bail!("--fraction must be between 0 and 1");
    }
    let started = Instant::now();
    let manifest_path = dir.join(MANIFEST);
    let mut manifest: Manifest = serde_json::from_str(
        &fs::read_to_string(&manifest_path).with_context(|| format!("reading {}", manifest_path.display()))?,
    )
    .with_context(|| format!("parsing {}", manifest_path.display()))?;

    let mut files: Vec<PathBuf> = Vec::new();
    for st in &STATES {
        let sub = dir.join(st.code);
        if !sub.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&sub)? {
            let p = entry?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with("bill_") && name.ends_with(".json") {
                files.push(p);
            }
        }
    }
    files.sort();
    let k = ((files.len() as f64 * fraction).round() as usize).min(files.len());
    let k = if fraction > 0.0 && k == 0 && !files.is_empty() { 1 } else { k };
    let mut rng = StdRng::seed_from_u64(mix(seed, 0xB111));
    let mut picked = rand::seq::index::sample(&mut rng, files.len(), k).into_vec();
    picked.sort_unstable();

    let mut bytes_written = 0u64;
    for i in picked {
        let path = &files[i];
        let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let parsed: BillActions = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let last = parsed.actions.last().with_context(|| format!("{} has no actions", path.display()))?;
        let last_date = NaiveDate::parse_from_str(&last.date[..10.min(last.date.len())], "%Y-%m-%d")
            .with_context(|| format!("{}: bad action date {:?}", path.display(), last.date))?;
        let new_date = last_date + TimeDelta::days(rng.random_range(1..=14));
        let action = Action {
            description: MUTATE_DESCRIPTIONS.choose(&mut rng).expect("descriptions").to_string(),
            date: fmt_date(new_date),
            organization_id: last.organization_id.clone(),
            classification: Vec::new(),
            related_entities: Vec::new(),
        };
        let end = actions_array_end(&text).with_context(|| format!("{}: no actions array", path.display()))?;
        let mut out = String::with_capacity(text.len() + 200);
        out.push_str(&text[..end]);
        out.push_str(", ");
        out.push_str(&py_json(&action));
        out.push_str(&text[end..]);
        // Write a new file and rename it over the old one (hard-linked copies stay intact).
        let tmp = path.with_extension("json.tmp");
        fs::write(&tmp, &out).with_context(|| format!("writing {}", tmp.display()))?;
        fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
        bytes_written += out.len() as u64;
    }

    manifest.counts.actions += k as u64;
    manifest.mutated_bills += k as u64;
    manifest.corpus_rows = manifest.counts.corpus_rows();
    fs::write(&manifest_path, serde_json::to_string_pretty(&manifest)? + "\n")?;
    println!(
        "mutated {k} of {} bill files (+{k} actions, {:.1} MiB rewritten) in {:.2}s; corpus rows now {}",
        files.len(),
        bytes_written as f64 / 1048576.0,
        started.elapsed().as_secs_f64(),
        manifest.corpus_rows
    );
    Ok(())
}

fn info(dir: &Path) -> Result<()> {
    let path = dir.join(MANIFEST);
    let m: Manifest =
        serde_json::from_str(&fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?)
            .with_context(|| format!("parsing {}", path.display()))?;
    let c = &m.counts;
    println!("generator={}", m.generator);
    println!("scale={}", m.scale);
    println!("seed={}", m.seed);
    println!("states={}", m.states);
    println!("bills={}", c.bills);
    println!("actions={}", c.actions);
    println!("sponsorships={}", c.sponsorships);
    println!("votes={}", c.votes);
    println!("vote_records={}", c.vote_records);
    println!("events={}", c.events);
    println!("agenda_items={}", c.agenda_items);
    println!("files={}", c.files);
    println!("bytes={}", c.bytes);
    println!("mutated_bills={}", m.mutated_bills);
    println!("corpus_rows={}", m.corpus_rows);
    Ok(())
}

// =======================================================================================
// California pubinfo export (`ca-pubinfo`, `ca-pubinfo-mutate`, `ca-pubinfo-info`)
// =======================================================================================

/// A synthetic California Legislative Counsel "pubinfo" export, for the `ca_pubinfo` source's
/// scale benchmark (`bench/ca_pubinfo.sh`).
///
/// The tables have the real files' columns, in order (`src/sources/ca_pubinfo.rs`,
/// `TableKind::columns`), and their format (see the real samples in
/// `tests/fixtures/ca-pubinfo/`): tab-separated, one record per line, no header, strings in
/// backticks, numbers, datetimes and LOB names bare, `NULL` unquoted. Version texts are CAML
/// `.lob` files built on the structure of a real one (`caml:Description` with its history,
/// authors, title, digest and digest key; `caml:Bill` with sections, action lines, law
/// sections and XHTML paragraphs; deletion and insertion marks in amended prints); analyses
/// and veto messages are small HTML `.lob` files in the old fixed-width style. Legislators,
/// subjects and every text are made up; committee codes and names follow the Legislature's.
///
/// Each bill lives through a simulated session (2025-2026): referral, policy and fiscal
/// committee hearings with roll calls, amendments (a new version each), floor votes, the
/// second house, concurrence, enrollment, the Governor's signature or veto; most bills stop
/// somewhere on the way. At the default 5,000 bills that is about 22 history rows, 3.4
/// versions, 4 analyses and 6.3 roll calls per bill, 1.24 million member votes, 623 MiB.
mod ca {
    use super::{FIRST_NAMES, LAST_NAMES, TOPICS, mix};
    use anyhow::{Context, Result, bail};
    use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
    use rand::rngs::StdRng;
    use rand::seq::IndexedRandom;
    use rand::{Rng, SeedableRng};
    use serde::{Deserialize, Serialize};
    use std::collections::HashSet;
    use std::fmt::Write as _;
    use std::fs::{self, File};
    use std::io::{BufWriter, Write};
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    pub const MANIFEST: &str = "ca-bench-manifest.json";
    pub const PIPELINE: &str = "ca-pipeline.toml";

    const SESSION_YEAR: &str = "20252026";
    const ASSEMBLY: usize = 0;
    const SENATE: usize = 1;
    const FLOOR_SIZE: [usize; 2] = [80, 40];
    const FLOOR_CODE: [&str; 2] = ["AFLOOR", "SFLOOR"];
    const HOUSE_NAME: [&str; 2] = ["Assembly", "Senate"];
    const HOUSE_UPPER: [&str; 2] = ["ASSEMBLY", "SENATE"];
    const AMENDED: [&str; 2] = ["Amended Assembly", "Amended Senate"];
    const AMD_CAML: [&str; 2] = ["AMENDED_ASSEMBLY", "AMENDED_SENATE"];
    const FLOOR_ANALYSIS: [(&str, &str); 2] = [("CZ01", "ASSEMBLY FLOOR ANALYSIS"), ("CZ09", "Sen. Floor Analyses")];
    const TABLES: [&str; 9] = [
        "BILL_TBL.dat",
        "BILL_HISTORY_TBL.dat",
        "BILL_VERSION_TBL.dat",
        "BILL_VERSION_AUTHORS_TBL.dat",
        "BILL_ANALYSIS_TBL.dat",
        "VETO_MESSAGE_TBL.dat",
        "BILL_SUMMARY_VOTE_TBL.dat",
        "BILL_DETAIL_VOTE_TBL.dat",
        "BILL_MOTION_TBL.dat",
    ];
    const BILL: usize = 0;
    const HISTORY: usize = 1;
    const VERSION: usize = 2;
    const AUTHORS: usize = 3;
    const ANALYSIS: usize = 4;
    const VETO: usize = 5;
    const SUMMARY: usize = 6;
    const DETAIL: usize = 7;
    const MOTION: usize = 8;

    /// Measure types: (type, house of origin, share of the bills).
    const MEASURES: [(&str, usize, f64); 10] = [
        ("AB", ASSEMBLY, 0.53),
        ("SB", SENATE, 0.29),
        ("ACR", ASSEMBLY, 0.04),
        ("SCR", SENATE, 0.03),
        ("AJR", ASSEMBLY, 0.01),
        ("SJR", SENATE, 0.01),
        ("ACA", ASSEMBLY, 0.01),
        ("SCA", SENATE, 0.01),
        ("AR", ASSEMBLY, 0.035),
        ("SR", SENATE, 0.035),
    ];

    /// Standing committees: (name, history abbreviation, size range).
    #[rustfmt::skip]
    const ASSEMBLY_COMMITTEES: &[(&str, &str, (usize, usize))] = &[
        ("Agriculture", "AGRI.", (9, 11)), ("Appropriations", "APPR.", (16, 21)),
        ("Banking and Finance", "B. & F.", (11, 13)), ("Business and Professions", "B. & P.", (17, 19)),
        ("Communications and Conveyance", "C. & C.", (12, 14)), ("Education", "ED.", (9, 11)),
        ("Elections", "ELECTIONS", (7, 9)), ("Emergency Management", "E.M.", (7, 9)),
        ("Environmental Safety and Toxic Materials", "E.S. & T.M.", (7, 9)),
        ("Governmental Organization", "G.O.", (19, 21)), ("Health", "HEALTH", (15, 19)),
        ("Higher Education", "HIGHER ED.", (11, 13)), ("Housing and Community Development", "H. & C.D.", (9, 11)),
        ("Human Services", "HUM. S.", (7, 9)), ("Insurance", "INS.", (15, 17)), ("Judiciary", "JUD.", (12, 14)),
        ("Labor and Employment", "L. & E.", (7, 9)), ("Local Government", "L. GOV.", (9, 11)),
        ("Natural Resources", "NAT. RES.", (11, 13)), ("Privacy and Consumer Protection", "P. & C.P.", (12, 14)),
        ("Public Safety", "PUB. S.", (9, 11)), ("Revenue and Taxation", "REV. & TAX", (11, 13)),
        ("Transportation", "TRANS.", (15, 17)), ("Utilities and Energy", "U. & E.", (15, 18)),
        ("Water, Parks, and Wildlife", "W.,P., & W.", (13, 15)),
    ];
    #[rustfmt::skip]
    const SENATE_COMMITTEES: &[(&str, &str, (usize, usize))] = &[
        ("Agriculture", "AGRI.", (5, 7)), ("Appropriations", "APPR.", (7, 13)),
        ("Banking and Financial Institutions", "B. & F.I.", (7, 9)),
        ("Business, Professions and Economic Development", "B., P. & E.D.", (11, 14)),
        ("Education", "ED.", (7, 9)), ("Elections and Constitutional Amendments", "E. & C.A.", (5, 7)),
        ("Energy, Utilities and Communications", "E., U. & C.", (13, 15)),
        ("Environmental Quality", "E.Q.", (7, 9)), ("Governmental Organization", "G.O.", (13, 15)),
        ("Health", "HEALTH", (11, 14)), ("Housing", "HOUSING", (9, 11)), ("Human Services", "HUMAN S.", (5, 7)),
        ("Insurance", "INS.", (9, 11)), ("Judiciary", "JUD.", (11, 13)),
        ("Labor, Public Employment and Retirement", "L., P.E. & R.", (5, 7)),
        ("Local Government", "L. GOV.", (7, 9)), ("Natural Resources and Water", "N.R. & W.", (9, 11)),
        ("Public Safety", "PUB. S.", (7, 9)), ("Revenue and Taxation", "REV. & TAX", (5, 7)),
        ("Transportation", "TRANS.", (13, 15)), ("Military and Veterans Affairs", "M. & V.A.", (7, 9)),
    ];

    #[rustfmt::skip]
    const CODES: &[&str] = &[
        "Business and Professions Code", "Civil Code", "Code of Civil Procedure", "Education Code",
        "Elections Code", "Family Code", "Fish and Game Code", "Food and Agricultural Code", "Government Code",
        "Health and Safety Code", "Insurance Code", "Labor Code", "Penal Code", "Public Resources Code",
        "Public Utilities Code", "Revenue and Taxation Code", "Unemployment Insurance Code", "Vehicle Code",
        "Water Code", "Welfare and Institutions Code",
    ];
    #[rustfmt::skip]
    const AGENCIES: &[&str] = &[
        "State Department of Public Health", "Department of Housing and Community Development",
        "State Water Resources Control Board", "Department of Motor Vehicles", "Public Utilities Commission",
        "State Department of Education", "Department of Consumer Affairs", "Department of Transportation",
        "State Air Resources Board", "Department of Industrial Relations", "Department of Insurance",
        "Secretary of State", "Department of Justice", "State Department of Social Services",
        "Department of Finance", "California Energy Commission", "Department of Food and Agriculture",
    ];
    #[rustfmt::skip]
    const NOUNS: &[&str] = &[
        "agency", "applicant", "employer", "provider", "licensee", "operator", "facility", "program",
        "fund", "account", "report", "plan", "contract", "permit", "certificate", "registry", "standard",
        "grant", "fee", "notice", "record", "assessment", "local educational agency", "health plan",
        "public entity", "housing development", "water supplier", "contractor", "tenant", "landlord",
        "consumer", "retailer", "manufacturer", "school district", "county", "city", "special district",
        "financial institution", "pupil", "patient", "worker", "vehicle", "dwelling unit", "project",
    ];
    #[rustfmt::skip]
    const ADJECTIVES: &[&str] = &[
        "public", "local", "eligible", "qualified", "annual", "written", "electronic", "reasonable",
        "applicable", "specified", "designated", "regional", "temporary", "statewide", "affordable",
        "independent", "licensed", "certified", "existing", "new", "private", "nonprofit", "minimum",
        "additional", "comprehensive", "standardized", "confidential", "emergency", "interim",
    ];
    #[rustfmt::skip]
    const VERBS: &[&str] = &[
        "establish", "require", "authorize", "prohibit", "administer", "review", "adopt", "submit",
        "maintain", "implement", "approve", "certify", "develop", "collect", "allocate", "evaluate",
        "provide", "issue", "revise", "publish", "enforce", "notify", "reimburse", "designate", "track",
    ];
    #[rustfmt::skip]
    const QUALIFIERS: &[&str] = &[
        "as specified", "on or before January 1, 2027", "upon appropriation by the Legislature",
        "in consultation with stakeholders", "to the extent permitted by federal law", "except as provided",
        "within 90 days", "pursuant to regulations adopted by the department", "on an annual basis",
        "subject to the availability of funds", "consistent with existing law", "as defined",
        "in a form and manner prescribed by the board", "no later than July 1, 2028",
    ];
    #[rustfmt::skip]
    const FILLER_ACTIONS: &[&str] = &[
        "Coauthors revised.", "Joint Rule 62(a), file notice suspended.",
        "Art. IV. Sec. 8(a) of the Constitution dispensed with.", "Assembly Rule 69(a) suspended.",
        "Senate Rule 29.3(b) suspended.", "Joint Rule 61(a)(2) suspended.",
        "Notice of motion to reconsider made by the author.", "Motion to reconsider withdrawn.",
        "Set for hearing; hearing canceled at the request of author.", "Placed on Appropriations suspense file.",
        "Ordered to inactive file at the request of the author.", "From inactive file. Ordered to third reading.",
        "Withdrawn from committee. Re-referred to Com. on  RLS.", "Principal coauthors revised.",
        "Read second time. Ordered to Consent Calendar.", "Ordered to special consent calendar.",
    ];
    #[rustfmt::skip]
    const MUTATE_ACTIONS: &[&str] = &[
        "Coauthors revised.", "Notice of motion to reconsider made by the author.",
        "From committee: Filed with the Chief Clerk pursuant to Joint Rule 56.",
        "Set for hearing; hearing canceled at the request of author.", "Principal coauthors revised.",
        "Ordered to inactive file at the request of the author.", "Joint Rule 62(a), file notice suspended.",
    ];

    /// Motion texts (`BILL_MOTION_TBL`), by what the roll call is.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Motion {
        DoPass,
        DoPassAmended,
        DoPassRefer,
        DoPassAmendedRefer,
        Reconsider,
        ThirdReading,
        Urgency,
        Concurrence,
        Adopt,
        Amend,
    }
    const MOTIONS: [(Motion, u32, &str); 10] = [
        (Motion::DoPass, 17, "Do pass."),
        (Motion::DoPassAmended, 18, "Do pass as amended."),
        (Motion::DoPassRefer, 44, "Do pass and be re-referred to the Committee on Appropriations."),
        (Motion::DoPassAmendedRefer, 45, "Do pass as amended and be re-referred to the Committee on Appropriations."),
        (Motion::Reconsider, 7012, "Reconsideration granted."),
        (Motion::ThirdReading, 26990, "Third Reading"),
        (Motion::Urgency, 26991, "Urgency Clause"),
        (Motion::Concurrence, 113445, "Concurrence in Amendments"),
        (Motion::Adopt, 26995, "Adoption"),
        (Motion::Amend, 26997, "Amendment"),
    ];

    fn motion_id(m: Motion) -> u32 {
        MOTIONS.iter().find(|(k, _, _)| *k == m).map(|(_, id, _)| *id).expect("motion")
    }

    #[derive(Default, Clone, Copy, Serialize, Deserialize, Debug)]
    pub struct Counts {
        pub bills: u64,
        /// `BILL_HISTORY_TBL` rows: the warehouse's actions.
        pub history: u64,
        pub versions: u64,
        pub version_authors: u64,
        /// Authors of each bill's latest version: the warehouse's sponsorships.
        pub sponsorships: u64,
        pub analyses: u64,
        pub veto_messages: u64,
        /// `BILL_SUMMARY_VOTE_TBL` rows: the warehouse's votes.
        pub votes: u64,
        /// `BILL_DETAIL_VOTE_TBL` rows: the warehouse's vote records.
        pub vote_records: u64,
        pub motions: u64,
        pub lob_files: u64,
        pub lob_bytes: u64,
        pub files: u64,
        pub bytes: u64,
    }

    impl Counts {
        /// Bills + actions + votes + vote records.
        pub fn rows(&self) -> u64 {
            self.bills + self.history + self.votes + self.vote_records
        }
    }

    #[derive(Serialize, Deserialize)]
    pub struct Manifest {
        pub generator: String,
        pub seed: u64,
        /// The export folder, relative to the manifest.
        pub export: String,
        pub counts: Counts,
        /// Bills changed by `ca-pubinfo-mutate` since generation (each gained a history row).
        pub mutated_bills: u64,
        pub mutations: u64,
        /// Bills + actions + votes + vote records.
        pub rows: u64,
    }

    // ---- Output -------------------------------------------------------------------------

    /// One `.dat` file being written.
    struct Table {
        w: BufWriter<File>,
        bytes: u64,
        rows: u64,
    }

    /// A record being built: fields separated by tabs.
    #[derive(Default)]
    struct Rec(String);

    impl Rec {
        fn sep(&mut self) -> &mut Self {
            if !self.0.is_empty() {
                self.0.push('\t');
            }
            self
        }
        /// A string, in backticks, MySQL-escaped.
        fn q(&mut self, s: &str) -> &mut Self {
            self.sep();
            self.0.push('`');
            for c in s.chars() {
                match c {
                    '\\' => self.0.push_str("\\\\"),
                    '\t' => self.0.push_str("\\t"),
                    '\n' => self.0.push_str("\\n"),
                    '`' => self.0.push_str("\\`"),
                    c => self.0.push(c),
                }
            }
            self.0.push('`');
            self
        }
        /// A bare value (number, datetime, LOB name).
        fn raw(&mut self, s: impl std::fmt::Display) -> &mut Self {
            self.sep();
            let _ = write!(self.0, "{s}");
            self
        }
        fn null(&mut self) -> &mut Self {
            self.raw("NULL")
        }
        fn opt_q(&mut self, s: Option<&str>) -> &mut Self {
            match s {
                Some(s) => self.q(s),
                None => self.null(),
            }
        }
    }

    struct Out {
        dir: PathBuf,
        tables: Vec<Table>,
        counts: Counts,
        lob_no: [u64; 3],
    }

    impl Out {
        fn new(dir: &Path) -> Result<Out> {
            let mut tables = Vec::new();
            for name in TABLES {
                let path = dir.join(name);
                let f = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
                tables.push(Table { w: BufWriter::with_capacity(1 << 20, f), bytes: 0, rows: 0 });
            }
            Ok(Out { dir: dir.to_path_buf(), tables, counts: Counts::default(), lob_no: [0; 3] })
        }

        fn row(&mut self, table: usize, rec: &mut Rec) -> Result<()> {
            rec.0.push('\n');
            let t = &mut self.tables[table];
            t.w.write_all(rec.0.as_bytes())?;
            t.bytes += rec.0.len() as u64;
            t.rows += 1;
            rec.0.clear();
            Ok(())
        }

        /// Writes a `.lob` for `table` (`BILL_VERSION_TBL`, `BILL_ANALYSIS_TBL`, `VETO_MESSAGE_TBL`);
        /// returns its name.
        fn lob(&mut self, table: usize, body: &str) -> Result<String> {
            let (k, prefix) = match table {
                VERSION => (0, "BILL_VERSION_TBL"),
                ANALYSIS => (1, "BILL_ANALYSIS_TBL"),
                _ => (2, "VETO_MESSAGE_TBL"),
            };
            self.lob_no[k] += 1;
            let name = format!("{prefix}_{}.lob", self.lob_no[k]);
            fs::write(self.dir.join(&name), body).with_context(|| format!("writing {name}"))?;
            self.counts.lob_files += 1;
            self.counts.lob_bytes += body.len() as u64;
            Ok(name)
        }

        fn finish(mut self) -> Result<Counts> {
            for t in &mut self.tables {
                t.w.flush()?;
            }
            let c = &mut self.counts;
            c.bills = self.tables[BILL].rows;
            c.history = self.tables[HISTORY].rows;
            c.versions = self.tables[VERSION].rows;
            c.version_authors = self.tables[AUTHORS].rows;
            c.analyses = self.tables[ANALYSIS].rows;
            c.veto_messages = self.tables[VETO].rows;
            c.votes = self.tables[SUMMARY].rows;
            c.vote_records = self.tables[DETAIL].rows;
            c.motions = self.tables[MOTION].rows;
            c.files = TABLES.len() as u64 + c.lob_files;
            c.bytes = self.tables.iter().map(|t| t.bytes).sum::<u64>() + c.lob_bytes;
            Ok(self.counts)
        }
    }

    // ---- The legislature ------------------------------------------------------------------

    struct Committee {
        code: String,
        name: String,
        abbrev: &'static str,
        /// Indexes into the house's members, chair first.
        members: Vec<usize>,
    }

    struct World {
        members: [Vec<String>; 2],
        committees: [Vec<Committee>; 2],
        appropriations: [usize; 2],
        /// Analysts' names, for the analyses' footers.
        staff: Vec<String>,
    }

    impl World {
        fn new(seed: u64) -> World {
            let mut rng = StdRng::seed_from_u64(mix(seed, 0xCA_0001));
            // 120 distinct surnames (a few hyphenated), as the Legislature lists its members.
            let mut pool: Vec<&str> = LAST_NAMES.to_vec();
            rand::seq::SliceRandom::shuffle(pool.as_mut_slice(), &mut rng);
            let mut names: Vec<String> = Vec::new();
            let mut used = HashSet::new();
            let mut i = 0;
            while names.len() < FLOOR_SIZE[0] + FLOOR_SIZE[1] {
                let a = pool[i % pool.len()];
                let name = if rng.random_bool(0.06) || i >= pool.len() {
                    format!("{a}-{}", pool[(i * 7 + 3) % pool.len()])
                } else {
                    a.to_string()
                };
                i += 1;
                if used.insert(name.clone()) {
                    names.push(name);
                }
            }
            let senate = names.split_off(FLOOR_SIZE[0]);
            let mut members = [names, senate];
            for m in &mut members {
                m.sort();
            }
            let mut committees: [Vec<Committee>; 2] = [Vec::new(), Vec::new()];
            let mut appropriations = [0; 2];
            for (house, list) in [ASSEMBLY_COMMITTEES, SENATE_COMMITTEES].into_iter().enumerate() {
                for (k, &(name, abbrev, (lo, hi))) in list.iter().enumerate() {
                    let size = rng.random_range(lo..=hi);
                    let mut seats: Vec<usize> = (0..FLOOR_SIZE[house]).collect();
                    rand::seq::SliceRandom::shuffle(seats.as_mut_slice(), &mut rng);
                    seats.truncate(size);
                    seats[1..].sort_unstable();
                    let (code, full) = if house == ASSEMBLY {
                        (format!("CX{:02}", k + 1), format!("Assembly {name}"))
                    } else {
                        (format!("CS{}", 40 + k), format!("Senate {name}"))
                    };
                    if name == "Appropriations" {
                        appropriations[house] = k;
                    }
                    committees[house].push(Committee { code, name: full, abbrev, members: seats });
                }
            }
            let staff = (0..60)
                .map(|_| {
                    format!(
                        "{} {}",
                        FIRST_NAMES.choose(&mut rng).expect("names"),
                        LAST_NAMES.choose(&mut rng).expect("names")
                    )
                })
                .collect();
            World { members, committees, appropriations, staff }
        }
    }

    // ---- Text -----------------------------------------------------------------------------

    fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
        list.choose(rng).expect("non-empty list")
    }

    /// A made-up legislative sentence.
    fn sentence(rng: &mut StdRng, topic: &str, out: &mut String) {
        let (a1, n1, v1) = (pick(rng, ADJECTIVES), pick(rng, NOUNS), pick(rng, VERBS));
        let (a2, n2, v2) = (pick(rng, ADJECTIVES), pick(rng, NOUNS), pick(rng, VERBS));
        let (q, ag) = (pick(rng, QUALIFIERS), pick(rng, AGENCIES));
        let _ = match rng.random_range(0..7) {
            0 => write!(
                out,
                "Existing law requires the {ag} to {v1} {a1} standards for each {n1} relating to {topic}, {q}."
            ),
            1 => write!(
                out,
                "This bill would require a {n1} to {v1} a {a1} {n2} to the {ag}, {q}, and would {v2} the {a2} requirements for that purpose."
            ),
            2 => write!(
                out,
                "A {a1} {n1} shall {v1} the {a2} {n2} {q}, and shall not {v2} any {n2} that is inconsistent with this section."
            ),
            3 => write!(
                out,
                "The {ag} may {v1} a {a1} {n1} if the {n2} demonstrates that it will {v2} the {a2} objectives of this chapter, {q}."
            ),
            4 => write!(
                out,
                "For purposes of this section, “{a1} {n1}” means a {n2} that is authorized to {v1} services related to {topic} {q}."
            ),
            5 => write!(
                out,
                "Notwithstanding any other law, a {n1} that fails to {v1} a {a1} {n2} shall be subject to a civil penalty not to exceed {} dollars (${}) for each violation.",
                ["one thousand", "two thousand five hundred", "five thousand", "ten thousand"][rng.random_range(0..4)],
                ["1,000", "2,500", "5,000", "10,000"][rng.random_range(0..4)]
            ),
            _ => write!(
                out,
                "The Legislature finds and declares that it is the intent of the Legislature to {v1} {a1} access to {topic} and to {v2} the {a2} {n2} in every region of the state."
            ),
        };
    }

    fn paragraph(rng: &mut StdRng, topic: &str, sentences: usize) -> String {
        let mut p = String::new();
        for i in 0..sentences {
            if i > 0 {
                p.push(' ');
            }
            sentence(rng, topic, &mut p);
        }
        p
    }

    fn lower_topic(topic: &str) -> String {
        topic.to_lowercase()
    }

    fn title_topic(topic: &str) -> String {
        let t = lower_topic(topic);
        let mut c = t.chars();
        match c.next() {
            Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
            None => String::new(),
        }
    }

    fn dt(d: NaiveDate) -> String {
        format!("{} 00:00:00", d.format("%Y-%m-%d"))
    }

    fn at(d: NaiveDate, secs: u32) -> NaiveDateTime {
        d.and_hms_opt(0, 0, 0).expect("midnight") + TimeDelta::seconds(secs as i64)
    }

    fn ts(t: NaiveDateTime) -> String {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }

    /// `PUB. S.` stays, `HEALTH` becomes `HEALTH.`: the end of a history sentence.
    fn full_stop(abbrev: &str) -> String {
        if abbrev.ends_with('.') { abbrev.to_string() } else { format!("{abbrev}.") }
    }

    /// `(July  8)`: the Legislature's date in history texts.
    fn month_day(d: NaiveDate) -> String {
        format!("{} {:>2}", d.format("%B"), d.day())
    }

    // ---- One bill -------------------------------------------------------------------------

    struct VersionInfo {
        id: String,
        /// (CAML action, date) of this and earlier versions.
        history: Vec<(String, NaiveDate)>,
    }

    struct BillGen<'a> {
        world: &'a World,
        out: &'a mut Out,
        next_history_id: &'a mut u64,
        next_analysis_id: &'a mut u64,
        rng: StdRng,
        bill_id: String,
        kind: &'static str,
        num: u32,
        origin: usize,
        topic: &'static str,
        subject: String,
        authors: Vec<(String, usize, &'static str)>,
        date: NaiveDate,
        end: NaiveDate,
        /// The bill's last change, for every row's trans_update.
        updated: NaiveDateTime,
        action_seq: u32,
        vote_seq: u32,
        version_num: u32,
        versions: Vec<VersionInfo>,
        house: usize,
        status: &'static str,
        location: (&'static str, Option<&'static str>, Option<String>),
        measure_state: &'static str,
        chapter: Option<u32>,
        sponsorships: u64,
    }

    impl<'a> BillGen<'a> {
        fn advance(&mut self, lo: i64, hi: i64) -> bool {
            self.date += TimeDelta::days(self.rng.random_range(lo..=hi));
            self.date <= self.end
        }

        fn stamp(&mut self) -> NaiveDateTime {
            let t = at(self.date, self.rng.random_range(8 * 3600..19 * 3600));
            if t > self.updated {
                self.updated = t;
            }
            t
        }

        /// One `BILL_HISTORY_TBL` row at the current date, where the bill now is.
        fn hist(&mut self, text: &str, code: u32) -> Result<()> {
            self.action_seq += 1;
            *self.next_history_id += 1;
            let t = self.stamp();
            let (loc, secondary, ternary) = self.location.clone();
            let mut r = Rec::default();
            r.q(&self.bill_id)
                .raw(*self.next_history_id)
                .raw(dt(self.date))
                .q(text)
                .q("LEG_ESI")
                .raw(ts(t))
                .raw(self.action_seq)
                .q(&code.to_string())
                .q("Applied")
                .q(loc)
                .opt_q(secondary)
                .opt_q(ternary.as_deref())
                .q(self.status);
            self.out.row(HISTORY, &mut r)
        }

        fn filler(&mut self, p: f64) -> Result<()> {
            while self.rng.random_bool(p) {
                let text = pick(&mut self.rng, FILLER_ACTIONS);
                let code = self.rng.random_range(100..999);
                self.hist(text, code)?;
            }
            Ok(())
        }

        fn label(&self) -> String {
            format!("{} {}", self.kind, self.num)
        }

        /// A new version (`INT`, `AMD`, `ENR`, `CHP`) with its CAML `.lob` and authors rows.
        fn version(&mut self, action: &str, caml_action: &str, stage: &str) -> Result<()> {
            let num = self.version_num;
            self.version_num -= 1;
            let id = format!("{}{}{}{}{num}{stage}", &SESSION_YEAR[..4], 0, self.kind, self.num);
            let mut history = self.versions.last().map(|v| v.history.clone()).unwrap_or_default();
            history.push((caml_action.to_string(), self.date));
            // Coauthors join as the bill advances.
            if self.versions.is_empty() || self.rng.random_bool(0.4) {
                let extra = self.rng.random_range(0..=2);
                for _ in 0..extra {
                    let house = self.rng.random_range(0..2);
                    let name = self.world.members[house].choose(&mut self.rng).expect("members").clone();
                    if !self.authors.iter().any(|(n, h, _)| *n == name && *h == house) {
                        let role = if self.rng.random_bool(0.3) { "PRINCIPAL_COAUTHOR" } else { "COAUTHOR" };
                        self.authors.push((name, house, role));
                    }
                }
            }
            let amended = stage == "AMD";
            let caml = self.caml(&id, num, stage, &history, amended);
            let lob = self.out.lob(VERSION, &caml)?;
            let t = self.stamp();
            let fiscal = !matches!(self.kind, "AR" | "SR" | "ACR" | "SCR" | "AJR" | "SJR");
            let mut r = Rec::default();
            r.q(&id)
                .q(&self.bill_id)
                .raw(num)
                .raw(dt(self.date))
                .q(action)
                .null()
                .q(&self.subject)
                .q(if matches!(self.kind, "ACA" | "SCA") { "2/3" } else { "Majority" })
                .q("No")
                .q(if fiscal { "Yes" } else { "No" })
                .q(if fiscal && self.rng.random_bool(0.3) { "Yes" } else { "No" })
                .null()
                .q("No")
                .q("No")
                .raw(&lob)
                .q("Y")
                .q("LEG_ESI")
                .raw(ts(t));
            self.out.row(VERSION, &mut r)?;
            for (name, house, role) in self.authors.clone() {
                let mut r = Rec::default();
                r.q(&id)
                    .q("Legislator")
                    .q(HOUSE_UPPER[house])
                    .q(&name)
                    .q(role)
                    .null()
                    .q("Y")
                    .q("LEG_ESI")
                    .raw(ts(t))
                    .q(if role == "LEAD_AUTHOR" { "Y" } else { "N" });
                self.out.row(AUTHORS, &mut r)?;
            }
            self.sponsorships = self.authors.len() as u64;
            self.versions.push(VersionInfo { id, history });
            Ok(())
        }

        /// A CAML measure of about 8 to 32 KB, shaped like the Legislative Counsel's.
        fn caml(&mut self, id: &str, num: u32, stage: &str, history: &[(String, NaiveDate)], amended: bool) -> String {
            let rng = &mut self.rng;
            let topic = lower_topic(self.topic);
            let target = rng.random_range(8_000..32_000);
            let code = pick(rng, CODES);
            let section: u32 = rng.random_range(100..99_999);
            let mut s = String::with_capacity(target + 4_000);
            s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?><caml:MeasureDoc version=\"1.0\" xsi:schemaLocation=\"http://lc.ca.gov/legalservices/schemas/caml.1# xca.1.xsd\" xmlns:caml=\"http://lc.ca.gov/legalservices/schemas/caml.1#\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n");
            s.push_str("<!-- Synthetic measure written by statehouse-bench: every name and text is made up. -->\n");
            let padded = format!("{:_<4}{:04}", self.kind, self.num);
            let _ = write!(
                s,
                "<caml:Description xmlns=\"http://www.w3.org/1999/xhtml\"><caml:Id>{}0{padded}{num}{stage}</caml:Id><caml:VersionNum>{num}</caml:VersionNum><caml:History>",
                &SESSION_YEAR[..4]
            );
            debug_assert!(id.ends_with(stage));
            for (action, date) in history {
                let _ = write!(
                    s,
                    "<caml:Action><caml:ActionText>{action}</caml:ActionText><caml:ActionDate>{}</caml:ActionDate></caml:Action>",
                    date.format("%Y-%m-%d")
                );
            }
            let _ = write!(
                s,
                "</caml:History><caml:LegislativeInfo><caml:SessionYear>{}</caml:SessionYear><caml:SessionNum>0</caml:SessionNum><caml:MeasureType>{}</caml:MeasureType><caml:MeasureNum>{}</caml:MeasureNum><caml:MeasureState>{stage}</caml:MeasureState></caml:LegislativeInfo>",
                &SESSION_YEAR[..4],
                self.kind,
                self.num
            );
            let (lead, lead_house, _) = &self.authors[0];
            let member = if *lead_house == ASSEMBLY { "Assembly Member" } else { "Senator" };
            let _ = write!(
                s,
                "<caml:AuthorText authorType=\"LEAD_AUTHOR\">Introduced by {member} {lead}</caml:AuthorText><caml:Authors>"
            );
            for (name, house, role) in &self.authors {
                let _ = write!(
                    s,
                    "<caml:Legislator><caml:Contribution>{role}</caml:Contribution><caml:House>{}</caml:House><caml:Name>{name}</caml:Name></caml:Legislator>",
                    HOUSE_UPPER[*house]
                );
            }
            let _ = write!(
                s,
                "</caml:Authors><caml:Title>An act to amend Section {section} of the {code}, relating to {topic}.</caml:Title><caml:RelatingClause>{topic}</caml:RelatingClause><caml:GeneralSubject><caml:Subject>{}</caml:Subject></caml:GeneralSubject><caml:DigestText>",
                self.subject
            );
            for _ in 0..rng.random_range(2..=5) {
                let n = rng.random_range(2..=5);
                let _ = write!(s, "<p>{}</p>", paragraph(rng, &topic, n));
            }
            let _ = write!(
                s,
                "</caml:DigestText><caml:DigestKey><caml:VoteRequired>MAJORITY</caml:VoteRequired><caml:Appropriation>NO</caml:Appropriation><caml:FiscalCommittee>YES</caml:FiscalCommittee><caml:LocalProgram>NO</caml:LocalProgram></caml:DigestKey><caml:MeasureIndicators><caml:ImmediateEffect>NO</caml:ImmediateEffect><caml:ImmediateEffectFlags><caml:Urgency>NO</caml:Urgency><caml:TaxLevy>NO</caml:TaxLevy><caml:Election>NO</caml:Election><caml:UsualCurrentExpenses>NO</caml:UsualCurrentExpenses><caml:BudgetBill>NO</caml:BudgetBill><caml:Prop25TrailerBill>NO</caml:Prop25TrailerBill></caml:ImmediateEffectFlags></caml:MeasureIndicators></caml:Description>"
            );
            s.push_str("<caml:Bill id=\"bill\" xmlns=\"http://www.w3.org/1999/xhtml\"><caml:Preamble>The people of the State of California do enact as follows:</caml:Preamble>");
            let mut sec = 1;
            while s.len() < target {
                let uid = rng.random::<u128>();
                let num_text = if sec == 1 { "SECTION 1.".to_string() } else { format!("SEC. {sec}.") };
                let law = section + sec - 1;
                let _ = write!(
                    s,
                    "<caml:BillSection id=\"id_{:08X}-{:04X}-{:04X}-{:04X}-{:012X}\"><caml:Num>{num_text}</caml:Num><caml:ActionLine action=\"IS_AMENDED\" xlink:href=\"urn:caml:codes:{}:caml#xpointer(%2Fcaml%3ALawDoc%2Fcaml%3ACode%2Fcaml%3ALawSection%5Bcaml%3ANum%3D'{law}.'%5D)\" xlink:label=\"fractionType: LAW_SECTION\" xlink:type=\"locator\">Section {law} of the <caml:DocName>{code}</caml:DocName> is amended to read:</caml:ActionLine><caml:Fragment><caml:LawSection id=\"id_{:08X}\"><caml:Num>{law}.</caml:Num><caml:LawSectionVersion id=\"id_{:08X}\"><caml:Content>",
                    (uid >> 96) as u32,
                    (uid >> 80) as u16,
                    (uid >> 64) as u16,
                    (uid >> 48) as u16,
                    uid as u64 & 0xffff_ffff_ffff,
                    code.split(' ').map(|w| &w[..1]).collect::<String>().to_uppercase(),
                    (uid >> 32) as u32,
                    uid as u32,
                );
                for k in 0..rng.random_range(4..=12) {
                    let label = (b'a' + (k % 26) as u8) as char;
                    let n = rng.random_range(1..=3);
                    let mut p = paragraph(rng, &topic, n);
                    if amended && rng.random_bool(0.25) {
                        // Struck and inserted text, as in an amended print.
                        let cut = p.find(' ').unwrap_or(0);
                        let inserted = pick(rng, QUALIFIERS);
                        p.insert_str(
                            cut,
                            &format!(
                                "<?xm-deletion_mark data=\" {} {}\"?><?xm-insertion_mark_start?> {inserted}<?xm-insertion_mark_end?>",
                                pick(rng, ADJECTIVES),
                                pick(rng, NOUNS)
                            ),
                        );
                    }
                    let _ = write!(s, "<p>({label})<span class=\"EnSpace\"/>{p}</p>");
                }
                s.push_str(
                    "</caml:Content></caml:LawSectionVersion></caml:LawSection></caml:Fragment></caml:BillSection>",
                );
                sec += 1;
            }
            s.push_str("</caml:Bill></caml:MeasureDoc>\n");
            s
        }

        /// An analysis row and its small HTML `.lob` (the old fixed-width style).
        fn analysis(&mut self, house: usize, code: &str, name: &str, kind: &str) -> Result<()> {
            let rng = &mut self.rng;
            let topic = lower_topic(self.topic);
            let label = format!("{} {}", self.kind, self.num);
            let lead = self.authors[0].0.clone();
            let analysis_date = self.date - TimeDelta::days(rng.random_range(1..=6));
            let analyst = self.world.staff.choose(rng).expect("staff").clone();
            let pad = |s: &str| format!("{s:<80}");
            let mut h = String::with_capacity(6_000);
            h.push_str(&pad("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML//\">"));
            h.push_str(&pad("<head>"));
            h.push_str(&pad("<title>"));
            h.push_str(&pad(&format!("{label:<10}{} Bill - Bill Analysis</title>", HOUSE_NAME[house])));
            h.push_str(&pad(&format!("<meta name=\"MEASURE\" content=\"{label:<10}\">")));
            h.push_str(&pad(&format!("<meta name=\"AUTHOR\" content=\"{lead}\">")));
            h.push_str(&pad(&format!("<meta name=\"FILEDATE\" content=\"{}\">", analysis_date.format("%Y%m%d"))));
            h.push_str(&pad("</head>"));
            h.push_str(&pad("<body>"));
            h.push_str("<pre>\n");
            let _ = writeln!(h, "{:>70}", label);
            let _ = writeln!(h, "{:>70}\n", "Page  1");
            let _ = writeln!(h, "   Date of Hearing:   {}", self.date.format("%B %-d, %Y"));
            let _ = writeln!(h, "\n{:^78}", name.to_uppercase());
            let _ = writeln!(h, "{:^78}\n", format!("{analyst}, Chair"));
            let _ = writeln!(h, "   {label} ({lead}) - As Amended:  {}\n", self.date.format("%B %-d, %Y"));
            let _ = writeln!(h, "   SUBJECT  :  {}\n", self.subject);
            for heading in ["SUMMARY", "EXISTING LAW", "FISCAL EFFECT", "COMMENTS"] {
                let _ = write!(h, "   {heading}  :  ");
                let n = rng.random_range(2..=5);
                let text = paragraph(rng, &topic, n);
                let mut col = 0;
                for word in text.split(' ') {
                    if col + word.len() > 66 {
                        h.push_str("\n   ");
                        col = 0;
                    }
                    h.push_str(word);
                    h.push(' ');
                    col += word.len() + 1;
                }
                h.push_str("\n\n");
            }
            let _ = writeln!(
                h,
                "   Analysis Prepared by  :    {analyst} / {} / (916) 319-{:04}",
                code,
                rng.random_range(2000..2999)
            );
            h.push_str("</pre></body></html>\n");
            let lob = self.out.lob(ANALYSIS, &h)?;
            *self.next_analysis_id += 1;
            let t = self.stamp();
            let amend_date = self.versions.last().and_then(|v| v.history.last()).map(|(_, d)| *d).unwrap_or(self.date);
            let mut r = Rec::default();
            r.raw(*self.next_analysis_id)
                .q(&self.bill_id)
                .q(if house == ASSEMBLY { "A" } else { "S" })
                .q(kind)
                .q(code)
                .q(name)
                .q(&lead)
                .raw(dt(analysis_date))
                .raw(dt(amend_date))
                .null()
                .raw(&lob)
                .q("Y")
                .q("Y")
                .q("BILL_ANALYSIS")
                .raw(ts(t));
            self.out.row(ANALYSIS, &mut r)
        }

        /// A roll call: the summary row and one detail row per member; true when it passed.
        fn roll_call(
            &mut self,
            house: usize,
            committee: Option<usize>,
            motion: Motion,
            p_pass: f64,
        ) -> Result<(bool, u32, u32)> {
            let world = self.world;
            let (code, seats): (&str, Vec<usize>) = match committee {
                Some(c) => {
                    let c = &world.committees[house][c];
                    (&c.code, c.members.clone())
                }
                None => (FLOOR_CODE[house], (0..FLOOR_SIZE[house]).collect()),
            };
            let intend = self.rng.random_bool(p_pass);
            let p_aye = if intend { self.rng.random_range(0.62..0.97) } else { self.rng.random_range(0.15..0.45) };
            let p_noe = (1.0 - p_aye) * self.rng.random_range(0.3..0.85);
            self.vote_seq += 1;
            let seq = 1000 + self.vote_seq;
            let mid = motion_id(motion);
            let start = at(self.date, self.rng.random_range(9 * 3600..17 * 3600));
            let t = self.stamp();
            let session_date = dt(self.date);
            let mut codes = Vec::with_capacity(seats.len());
            let (mut ayes, mut noes, mut abs) = (0u32, 0u32, 0u32);
            for _ in &seats {
                let x: f64 = self.rng.random();
                let code = if x < p_aye {
                    ayes += 1;
                    "AYE"
                } else if x < p_aye + p_noe {
                    noes += 1;
                    "NOE"
                } else {
                    abs += 1;
                    "ABS"
                };
                codes.push(code);
            }
            let passed = ayes as usize > seats.len() / 2;
            let mut r = Rec::default();
            r.q(&self.bill_id)
                .q(code)
                .raw(&session_date)
                .raw(seq)
                .raw(mid)
                .raw(ayes)
                .raw(noes)
                .raw(abs)
                .q(if passed { "(PASS)" } else { "(FAIL)" })
                .q("LEG_ESI")
                .raw(ts(t));
            if committee.is_none() {
                r.raw(self.rng.random_range(1..400)).q(if house == ASSEMBLY {
                    "ASM-THIRD READING"
                } else {
                    "SEN-THIRD READING"
                });
            } else {
                r.null().null();
            }
            r.null().raw(&session_date);
            self.out.row(SUMMARY, &mut r)?;
            for (order, (&seat, code_)) in seats.iter().zip(&codes).enumerate() {
                let mut r = Rec::default();
                r.q(&self.bill_id)
                    .q(code)
                    .q(&world.members[house][seat])
                    .raw(ts(start))
                    .raw(seq)
                    .q(code_)
                    .raw(mid)
                    .q("LEG_ESI")
                    .raw(ts(t))
                    .raw(order + 1)
                    .raw(&session_date);
                if committee.is_none() && seat == 0 {
                    r.q("Y")
                } else {
                    r.null()
                };
                self.out.row(DETAIL, &mut r)?;
            }
            Ok((passed, ayes, noes))
        }

        fn tally(ayes: u32, noes: u32) -> String {
            format!("(Ayes {ayes:>2}. Noes {noes:>2}.)")
        }

        fn tally_page(ayes: u32, noes: u32, page: u32) -> String {
            format!("(Ayes {ayes:>2}. Noes {noes:>2}. Page {page}.)")
        }

        /// A committee hearing: maybe author's amendments first, an analysis, the roll call
        /// (reconsidered once when it fails, sometimes). True when the bill moves on.
        fn committee(&mut self, house: usize, c: usize, refer_appropriations: bool) -> Result<bool> {
            let (code, name, abbrev) = {
                let c = &self.world.committees[house][c];
                (c.code.clone(), c.name.clone(), c.abbrev)
            };
            self.location = (HOUSE_NAME[house], Some("Committee"), Some(code.clone()));
            self.status = "In Committee Process";
            if !self.advance(7, 35) {
                return Ok(false);
            }
            if self.rng.random_bool(0.15) {
                self.hist(&format!("From committee chair, with author's amendments:  Amend, and re-refer to Com. on  {} Read second time and amended.", full_stop(abbrev)), 11)?;
                self.version(AMENDED[house], AMD_CAML[house], "AMD")?;
                self.advance(3, 10);
            }
            self.filler(0.5)?;
            if self.rng.random_bool(0.15) {
                self.hist("In committee:  Hearing postponed by committee.", 936)?;
                self.advance(7, 14);
            }
            if abbrev == "APPR." && self.rng.random_bool(0.6) {
                self.hist("In committee:  Set, first hearing. Referred to APPR. suspense file.", 937)?;
                self.advance(14, 30);
            }
            if self.rng.random_bool(0.95) {
                self.analysis(house, &code, &name, "CMTE")?;
            }
            let amend = self.rng.random_bool(0.3);
            let motion = match (refer_appropriations, amend) {
                (true, true) => Motion::DoPassAmendedRefer,
                (true, false) => Motion::DoPassRefer,
                (false, true) => Motion::DoPassAmended,
                (false, false) => Motion::DoPass,
            };
            let p_pass = if abbrev == "APPR." { 0.82 } else { 0.92 };
            let (mut passed, mut ayes, mut noes) = self.roll_call(house, Some(c), motion, p_pass)?;
            if !passed && self.rng.random_bool(0.4) {
                self.hist("In committee:  Set, first hearing. Failed passage. Reconsideration granted.", 932)?;
                self.advance(5, 14);
                (passed, ayes, noes) = self.roll_call(house, Some(c), Motion::Reconsider, 0.6)?;
            }
            let day = month_day(self.date);
            if !passed {
                let text = if abbrev == "APPR." {
                    "In committee:  Held under submission."
                } else {
                    "In committee:  Set, second hearing. Failed passage."
                };
                self.hist(text, 935)?;
                return Ok(false);
            }
            let tally = Self::tally(ayes, noes);
            let text = match motion {
                Motion::DoPassRefer => format!(
                    "From committee: Do pass and re-refer to Com. on  APPR. {tally} ({day}). Re-referred to Com. on  APPR."
                ),
                Motion::DoPassAmendedRefer => format!(
                    "From committee: Amend, and do pass as amended and re-refer to Com. on  APPR. {tally} ({day})."
                ),
                Motion::DoPassAmended => format!("From committee: Do pass as amended. {tally} ({day})."),
                _ => format!("From committee: Do pass. {tally} ({day})."),
            };
            self.hist(&text, 6)?;
            if amend {
                self.advance(1, 3);
                self.location.1 = Some("Floor");
                self.location.2 = Some("Second Reading".into());
                let text = if refer_appropriations {
                    "Read second time and amended. Re-referred to Com. on  APPR."
                } else {
                    "Read second time and amended. Ordered to second reading."
                };
                self.hist(text, 320)?;
                self.version(AMENDED[house], AMD_CAML[house], "AMD")?;
            }
            Ok(true)
        }

        /// A floor vote (and sometimes a second one: urgency clause or reconsideration).
        fn floor(&mut self, house: usize, motion: Motion) -> Result<Option<(u32, u32)>> {
            self.location = (HOUSE_NAME[house], Some("Floor"), Some("Third Reading".into()));
            self.status = "In Floor Process";
            if !self.advance(3, 21) {
                return Ok(None);
            }
            if self.rng.random_bool(0.85) {
                let (code, name) = FLOOR_ANALYSIS[house];
                self.analysis(house, code, name, "FLOOR")?;
            }
            // Floor amendments: a roll call each; adopted ones make a new print.
            if self.rng.random_bool(0.4) {
                let mut adopted = false;
                for _ in 0..self.rng.random_range(1..=4) {
                    adopted |= self.roll_call(house, None, Motion::Amend, 0.45)?.0;
                }
                if adopted {
                    self.hist("Read third time and amended. Ordered to third reading.", 322)?;
                    self.version(AMENDED[house], AMD_CAML[house], "AMD")?;
                }
                self.advance(1, 7);
            }
            let (mut passed, mut ayes, mut noes) = self.roll_call(house, None, motion, 0.95)?;
            if !passed || self.rng.random_bool(0.12) {
                self.hist("Motion to reconsider made. Reconsideration granted.", 81)?;
                self.advance(1, 10);
                let m = if passed { Motion::Urgency } else { Motion::Reconsider };
                (passed, ayes, noes) = self.roll_call(house, None, m, 0.8)?;
            }
            Ok(passed.then_some((ayes, noes)))
        }

        /// Referral, hearings and the floor in one house. True when it passed the house.
        fn house_passage(&mut self, house: usize, fiscal: bool, first: bool) -> Result<bool> {
            self.house = house;
            self.location = (HOUSE_NAME[house], Some("Desk"), None);
            self.status = "Pending Referral";
            if !first {
                self.hist(
                    &format!("In {}. Read first time. To Com. on  RLS. for assignment.", HOUSE_NAME[house]),
                    310,
                )?;
            }
            if !self.advance(5, 25) {
                return self.die();
            }
            let n = self.world.committees[house].len();
            let appr = self.world.appropriations[house];
            let policy: Vec<usize> = {
                let mut v = vec![];
                let k = if self.rng.random_bool(0.2) { 2 } else { 1 };
                while v.len() < k {
                    let c = self.rng.random_range(0..n);
                    if c != appr && !v.contains(&c) {
                        v.push(c);
                    }
                }
                v
            };
            let abbrevs: Vec<&str> = policy.iter().map(|&c| self.world.committees[house][c].abbrev).collect();
            let text = if abbrevs.len() == 2 {
                format!("Referred to Coms. on  {} and  {}", abbrevs[0], full_stop(abbrevs[1]))
            } else {
                format!("Referred to Com. on  {}", full_stop(abbrevs[0]))
            };
            self.hist(&text, 441)?;
            self.filler(0.5)?;
            if !self.rng.random_bool(if first { 0.93 } else { 0.95 }) {
                self.hist("April 22 set for first hearing canceled at the request of author.", 934)?;
                return self.die();
            }
            for (i, &c) in policy.iter().enumerate() {
                let last = i + 1 == policy.len();
                if !self.committee(house, c, last && fiscal)? {
                    return self.die();
                }
                if !last {
                    self.hist(&format!("Re-referred to Com. on  {}", full_stop(abbrevs[i + 1])), 441)?;
                }
            }
            if fiscal {
                self.filler(0.5)?;
                if !self.committee(house, appr, false)? {
                    return self.die();
                }
            }
            self.location = (HOUSE_NAME[house], Some("Floor"), Some("Second Reading".into()));
            self.advance(1, 4);
            self.hist("Read second time. Ordered to third reading.", 320)?;
            self.filler(0.5)?;
            let motion = if matches!(self.kind, "AR" | "SR" | "ACR" | "SCR" | "AJR" | "SJR") {
                Motion::Adopt
            } else {
                Motion::ThirdReading
            };
            let Some((ayes, noes)) = self.floor(house, motion)? else { return self.die() };
            let other = HOUSE_NAME[1 - house];
            let page = self.rng.random_range(100..6000);
            let text = if matches!(self.kind, "AR" | "SR") {
                format!("Read. Adopted. {}", Self::tally_page(ayes, noes, page))
            } else {
                format!("Read third time. Passed. Ordered to the {other}. {}", Self::tally_page(ayes, noes, page))
            };
            self.hist(&text, 1)?;
            Ok(true)
        }

        fn die(&mut self) -> Result<bool> {
            self.status = "Dead";
            if self.rng.random_bool(0.5) {
                self.date = self.date.max(self.end.min(NaiveDate::from_ymd_opt(2026, 2, 2).expect("date")));
                if self.date <= self.end {
                    self.hist("From committee: Filed with the Chief Clerk pursuant to Joint Rule 56.", 950)?;
                }
            }
            Ok(false)
        }

        fn run(&mut self) -> Result<()> {
            let fiscal_p = match self.kind {
                "AB" | "SB" => 0.7,
                "ACA" | "SCA" => 0.3,
                _ => 0.0,
            };
            let fiscal = self.rng.random_bool(fiscal_p);
            let origin = self.origin;
            self.house = origin;
            self.location = (HOUSE_NAME[origin], Some("Desk"), None);
            self.status = "Pending Referral";
            self.hist("Introduced. Read first time. To Com. on  RLS. for assignment. To print.", 1000)?;
            self.version("Introduced", "INTRODUCED", "INT")?;
            self.date += TimeDelta::days(1);
            let heard_from = self.date + TimeDelta::days(30);
            self.hist(&format!("From printer. May be heard in committee  {}.", month_day(heard_from)), 1001)?;
            self.filler(0.5)?;
            if !self.house_passage(origin, fiscal, true)? {
                return Ok(());
            }
            if matches!(self.kind, "AR" | "SR") {
                self.measure_state = "Adopted";
                self.status = "Adopted";
                return Ok(());
            }
            let other = 1 - origin;
            let versions_before = self.versions.len();
            if !self.house_passage(other, fiscal, false)? {
                return Ok(());
            }
            let amended_there = self.versions.len() > versions_before;
            if amended_there {
                self.location = (HOUSE_NAME[origin], Some("Floor"), Some("Unfinished Business".into()));
                self.advance(1, 5);
                self.hist(
                    &format!(
                        "In {}. Concurrence in {} amendments pending. May be considered on or after {}.",
                        HOUSE_NAME[origin],
                        HOUSE_NAME[other],
                        month_day(self.date + TimeDelta::days(2))
                    ),
                    330,
                )?;
                let Some((ayes, noes)) = self.floor(origin, Motion::Concurrence)? else {
                    return self.die().map(|_| ());
                };
                let page = self.rng.random_range(100..6000);
                self.hist(
                    &format!(
                        "{} amendments concurred in. To Engrossing and Enrolling. {}",
                        HOUSE_NAME[other],
                        Self::tally_page(ayes, noes, page)
                    ),
                    4,
                )?;
            } else {
                self.advance(0, 3);
                self.hist(&format!("In {}. To enrollment.", HOUSE_NAME[origin]), 2)?;
            }
            self.advance(1, 7);
            self.location = ("Governor", None, None);
            self.status = "Enrolled";
            self.measure_state = "Enrolled";
            if matches!(self.kind, "AB" | "SB") {
                self.hist("Enrolled and presented to the Governor at 3:30 p.m.", 3)?;
                self.version("Enrolled", "ENROLLED", "ENR")?;
                if !self.advance(3, 12) {
                    return Ok(());
                }
                if self.rng.random_bool(0.82) {
                    self.hist("Approved by the Governor.", 20)?;
                    self.chapter = Some(self.rng.random_range(1..900));
                    self.location = ("Secretary of State", None, None);
                    self.status = "Chaptered";
                    self.measure_state = "Chaptered";
                    self.advance(0, 1);
                    self.hist(
                        &format!(
                            "Chaptered by Secretary of State - Chapter {:>3}, Statutes of {}.",
                            self.chapter.expect("chapter"),
                            self.date.year()
                        ),
                        21,
                    )?;
                    self.version("Chaptered", "CHAPTERED", "CHP")?;
                } else {
                    self.status = "Vetoed";
                    self.measure_state = "Vetoed";
                    self.location = (HOUSE_NAME[origin], Some("Desk"), None);
                    self.hist("Vetoed by Governor.", 22)?;
                    self.veto()?;
                    self.advance(1, 20);
                    self.hist("Consideration of Governor's veto pending.", 23)?;
                }
            } else {
                self.chapter = Some(self.rng.random_range(1..300));
                self.location = ("Secretary of State", None, None);
                self.status = "Chaptered";
                self.measure_state = "Chaptered";
                self.hist(
                    &format!(
                        "Chaptered by Secretary of State- Res. Chapter {}, Statutes of {}.",
                        self.chapter.expect("chapter"),
                        self.date.year()
                    ),
                    21,
                )?;
                self.version("Chaptered", "CHAPTERED", "CHP")?;
            }
            Ok(())
        }

        fn veto(&mut self) -> Result<()> {
            let label = self.label();
            let topic = lower_topic(self.topic);
            let house = HOUSE_NAME[self.origin];
            let mut h = String::new();
            let _ = write!(
                h,
                "<html><body><p>To the Members of the California State {house}:</p><p>I am returning {label} without my signature.</p>"
            );
            for _ in 0..self.rng.random_range(2..=4) {
                let n = self.rng.random_range(2..=4);
                let _ = write!(h, "<p>{}</p>", paragraph(&mut self.rng, &topic, n));
            }
            h.push_str(
                "<p>For these reasons, I cannot sign this bill.</p><p>Sincerely,</p><p>Governor</p></body></html>\n",
            );
            let lob = self.out.lob(VETO, &h)?;
            let t = self.stamp();
            let mut r = Rec::default();
            r.q(&self.bill_id).raw(dt(self.date)).raw(&lob).q("LEG_ESI").raw(ts(t));
            self.out.row(VETO, &mut r)
        }

        fn bill_row(&mut self) -> Result<()> {
            let latest = self.versions.last().map(|v| v.id.clone()).expect("a version");
            let (loc, secondary, ternary) = self.location.clone();
            let mut r = Rec::default();
            r.q(&self.bill_id).q(SESSION_YEAR).q("0").q(self.kind).raw(self.num).q(self.measure_state);
            match self.chapter {
                Some(n) => {
                    r.q(&self.date.year().to_string())
                        .q(if matches!(self.kind, "AB" | "SB") { "CHP" } else { "RES" })
                        .q("0")
                        .q(&n.to_string());
                }
                None => {
                    r.null().null().null().null();
                }
            }
            r.q(&latest)
                .q("Y")
                .q("LEG_ESI")
                .raw(ts(self.updated))
                .opt_q(ternary.as_deref())
                .opt_q(secondary)
                .q(loc)
                .q(self.status)
                .raw(dt(self.versions_first_date()));
            self.out.row(BILL, &mut r)
        }

        fn versions_first_date(&self) -> NaiveDate {
            self.versions
                .first()
                .and_then(|v| v.history.first())
                .map(|(_, d)| *d + TimeDelta::days(31))
                .unwrap_or(self.date)
        }
    }

    // ---- Commands -------------------------------------------------------------------------

    fn pipeline_toml(export: &str) -> String {
        format!(
            "# Written by statehouse-bench ca-pubinfo: one ca_pubinfo source on the synthetic export.\n\
             name = \"ca-bench\"\nschedule = \"0 30 2 * * *\"\ntimezone = \"America/Los_Angeles\"\n\n\
             [[source]]\nname = \"ca-pubinfo\"\nkind = \"ca_pubinfo\"\npath = \"{export}\"\n"
        )
    }

    fn parent_of(dir: &Path) -> PathBuf {
        match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn prepare(out: &Path) -> Result<()> {
        if out.exists() {
            let mut foreign = Vec::new();
            for entry in fs::read_dir(out)? {
                let name = entry?.file_name().to_string_lossy().to_string();
                if !(name.ends_with(".dat") || name.ends_with(".lob")) {
                    foreign.push(name);
                }
            }
            let ours = parent_of(out).join(MANIFEST).exists();
            let non_empty = fs::read_dir(out)?.next().is_some();
            if non_empty && (!ours || !foreign.is_empty()) {
                bail!(
                    "{} is not empty and is not an export written by statehouse-bench (no {} beside it, or other files in it); refusing to write into it",
                    out.display(),
                    MANIFEST
                );
            }
            if non_empty {
                fs::remove_dir_all(out).with_context(|| format!("removing {}", out.display()))?;
            }
        }
        fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        Ok(())
    }

    pub fn generate(out: &Path, bills: u64, seed: u64) -> Result<()> {
        if bills == 0 {
            bail!("--bills must be at least 1");
        }
        let started = Instant::now();
        prepare(out)?;
        let export = out
            .file_name()
            .and_then(|n| n.to_str())
            .context("--out must name a folder (its last component is the pipeline's path)")?
            .to_string();
        let world = World::new(seed);
        let mut o = Out::new(out)?;
        for (_, id, text) in MOTIONS {
            let mut r = Rec::default();
            r.raw(id).q(text).q("LEG_ESI").raw("2024-12-02 08:00:00");
            o.row(MOTION, &mut r)?;
        }
        let mut kind_rng = StdRng::seed_from_u64(mix(seed, 0xCA_0002));
        let mut numbers = [0u32; MEASURES.len()];
        let (mut history_id, mut analysis_id) = (118_000_000u64, 380_000u64);
        let mut sponsorships = 0;
        for i in 0..bills {
            let x: f64 = kind_rng.random();
            let mut acc = 0.0;
            let k = MEASURES
                .iter()
                .position(|(_, _, share)| {
                    acc += share;
                    x < acc
                })
                .unwrap_or(0);
            numbers[k] += 1;
            let (kind, origin, _) = MEASURES[k];
            let num = numbers[k];
            let mut rng = StdRng::seed_from_u64(mix(seed, 0xCA_1000_0000 + i));
            // Most bills are introduced by February 2025; a fifth in the second year.
            let intro = if rng.random_bool(0.8) {
                NaiveDate::from_ymd_opt(2024, 12, 2).expect("date") + TimeDelta::days(rng.random_range(0..82))
            } else {
                NaiveDate::from_ymd_opt(2026, 1, 5).expect("date") + TimeDelta::days(rng.random_range(0..46))
            };
            let topic = *TOPICS.choose(&mut rng).expect("topics");
            let subject = format!("{}: {} {}.", title_topic(topic), pick(&mut rng, ADJECTIVES), pick(&mut rng, NOUNS));
            let lead = world.members[origin].choose(&mut rng).expect("members").clone();
            let mut b = BillGen {
                world: &world,
                out: &mut o,
                next_history_id: &mut history_id,
                next_analysis_id: &mut analysis_id,
                rng,
                bill_id: format!("{SESSION_YEAR}0{kind}{num}"),
                kind,
                num,
                origin,
                topic,
                subject,
                authors: vec![(lead, origin, "LEAD_AUTHOR")],
                date: intro,
                end: NaiveDate::from_ymd_opt(2026, 9, 30).expect("date"),
                updated: at(intro, 8 * 3600),
                action_seq: 0,
                vote_seq: 0,
                version_num: 99,
                versions: Vec::new(),
                house: origin,
                status: "Introduced",
                location: (HOUSE_NAME[origin], Some("Desk"), None),
                measure_state: "Introduced",
                chapter: None,
                sponsorships: 0,
            };
            b.run()?;
            if b.measure_state == "Introduced" && b.versions.len() > 1 {
                b.measure_state = AMENDED[b.house];
            }
            b.bill_row()?;
            sponsorships += b.sponsorships;
        }
        let mut counts = o.finish()?;
        counts.sponsorships = sponsorships;

        let parent = parent_of(out);
        let pipeline = pipeline_toml(&export);
        fs::write(parent.join(PIPELINE), &pipeline)?;
        let manifest = Manifest {
            generator: format!("statehouse-bench {}", env!("CARGO_PKG_VERSION")),
            seed,
            export,
            counts,
            mutated_bills: 0,
            mutations: 0,
            rows: counts.rows(),
        };
        write_manifest(&parent.join(MANIFEST), &manifest)?;
        println!(
            "generated {} ({bills} bills, seed {seed}) in {:.1}s; {} and {} beside it",
            out.display(),
            started.elapsed().as_secs_f64(),
            PIPELINE,
            MANIFEST
        );
        print_counts(&counts);
        Ok(())
    }

    fn write_manifest(path: &Path, m: &Manifest) -> Result<()> {
        let tmp = path.with_extension("json.tmp");
        fs::write(&tmp, serde_json::to_string_pretty(m)? + "\n")?;
        fs::rename(&tmp, path)?;
        Ok(())
    }

    fn print_counts(c: &Counts) {
        let per = |n: u64| n as f64 / c.bills.max(1) as f64;
        println!("  bills             {:>10}", c.bills);
        println!("  history rows      {:>10}  ({:.1} per bill)", c.history, per(c.history));
        println!("  versions          {:>10}  ({:.1} per bill)", c.versions, per(c.versions));
        println!("  version authors   {:>10}", c.version_authors);
        println!("  sponsorships      {:>10}  (authors of the latest versions)", c.sponsorships);
        println!("  analyses          {:>10}  ({:.1} per bill)", c.analyses, per(c.analyses));
        println!("  veto messages     {:>10}", c.veto_messages);
        println!("  roll calls        {:>10}  ({:.1} per bill)", c.votes, per(c.votes));
        println!(
            "  member votes      {:>10}  ({:.0} per roll call)",
            c.vote_records,
            c.vote_records as f64 / c.votes.max(1) as f64
        );
        println!("  rows              {:>10}  (bills + history + roll calls + member votes)", c.rows());
        println!("  .lob files        {:>10}  ({:.1} MiB)", c.lob_files, c.lob_bytes as f64 / 1048576.0);
        println!("  files             {:>10}  ({:.1} MiB in all)", c.files, c.bytes as f64 / 1048576.0);
    }

    fn read_manifest(dir: &Path) -> Result<(PathBuf, Manifest)> {
        let path = parent_of(dir).join(MANIFEST);
        let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let m = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        Ok((path, m))
    }

    /// The value of a backtick-quoted field (no escapes in what this tool writes).
    fn unquote(field: &str) -> &str {
        field.strip_prefix('`').and_then(|f| f.strip_suffix('`')).unwrap_or(field)
    }

    fn replace_file(path: &Path, body: &[u8]) -> Result<()> {
        // Write a new file and rename it over the old one (hard-linked copies stay intact).
        let tmp = path.with_extension("dat.tmp");
        fs::write(&tmp, body).with_context(|| format!("writing {}", tmp.display()))?;
        fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
        Ok(())
    }

    /// Adds one history row to a fraction of the bills and bumps their `trans_update`.
    pub fn mutate(dir: &Path, fraction: f64, seed: u64) -> Result<()> {
        if !(0.0..=1.0).contains(&fraction) {
            bail!("--fraction must be between 0 and 1");
        }
        let started = Instant::now();
        let (manifest_path, mut manifest) = read_manifest(dir)?;
        let bill_path = dir.join(TABLES[BILL]);
        let history_path = dir.join(TABLES[HISTORY]);
        let bills_text = fs::read_to_string(&bill_path).with_context(|| format!("reading {}", bill_path.display()))?;
        let bill_ids: Vec<&str> = bills_text.lines().map(|l| unquote(l.split('\t').next().unwrap_or(""))).collect();
        let n = bill_ids.len();
        let k = ((n as f64 * fraction).round() as usize).min(n);
        let k = if fraction > 0.0 && k == 0 && n > 0 { 1 } else { k };
        let mut rng = StdRng::seed_from_u64(mix(seed, 0xCA_B111 + manifest.mutations));
        let picked: HashSet<&str> = rand::seq::index::sample(&mut rng, n, k).into_iter().map(|i| bill_ids[i]).collect();
        // Later than anything the export holds: each mutation is a day after the last.
        let when = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date").and_hms_opt(6, 0, 0).expect("time")
            + TimeDelta::days(manifest.mutations as i64);

        let history =
            fs::read_to_string(&history_path).with_context(|| format!("reading {}", history_path.display()))?;
        let max_id = history.lines().filter_map(|l| l.split('\t').nth(1)?.parse::<u64>().ok()).max().unwrap_or(0);
        let mut out = String::with_capacity(history.len() + k * 200);
        let mut next_id = max_id;
        let mut added = 0u64;
        let lines: Vec<&str> = history.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            out.push_str(line);
            out.push('\n');
            let fields: Vec<&str> = line.split('\t').collect();
            let bill = unquote(fields[0]);
            let last_of_bill =
                lines.get(i + 1).is_none_or(|next| unquote(next.split('\t').next().unwrap_or("")) != bill);
            if !(last_of_bill && picked.contains(bill)) || fields.len() < 13 {
                continue;
            }
            let last_date = NaiveDate::parse_from_str(&fields[2][..10.min(fields[2].len())], "%Y-%m-%d")
                .with_context(|| format!("{}: bad action_date {:?}", history_path.display(), fields[2]))?;
            let date = last_date + TimeDelta::days(rng.random_range(1..=14));
            let seq: u64 = fields[6].parse().unwrap_or(0) + 1;
            next_id += 1;
            let mut r = Rec::default();
            r.raw(fields[0])
                .raw(next_id)
                .raw(dt(date))
                .q(pick(&mut rng, MUTATE_ACTIONS))
                .q("LEG_ESI")
                .raw(ts(when))
                .raw(seq)
                .q("934")
                .q("Applied");
            for f in &fields[9..13] {
                r.raw(f);
            }
            out.push_str(&r.0);
            out.push('\n');
            added += 1;
        }
        if added != k as u64 {
            bail!("{} bills picked but {added} history rows added (bills without history rows?)", k);
        }
        let mut bills_out = String::with_capacity(bills_text.len());
        for line in bills_text.lines() {
            let mut fields: Vec<String> = line.split('\t').map(str::to_string).collect();
            if picked.contains(unquote(&fields[0])) && fields.len() > 13 {
                fields[13] = ts(when);
            }
            bills_out.push_str(&fields.join("\t"));
            bills_out.push('\n');
        }
        replace_file(&history_path, out.as_bytes())?;
        replace_file(&bill_path, bills_out.as_bytes())?;

        let c = &mut manifest.counts;
        c.history += added;
        c.bytes = c.bytes + out.len() as u64 + bills_out.len() as u64 - history.len() as u64 - bills_text.len() as u64;
        manifest.mutated_bills += added;
        manifest.mutations += 1;
        manifest.rows = manifest.counts.rows();
        write_manifest(&manifest_path, &manifest)?;
        println!(
            "mutated {added} of {n} bills (+{added} history rows, trans_update {}) in {:.2}s; rows now {}",
            ts(when),
            started.elapsed().as_secs_f64(),
            manifest.rows
        );
        Ok(())
    }

    pub fn info(dir: &Path) -> Result<()> {
        let (_, m) = read_manifest(dir)?;
        let c = &m.counts;
        println!("generator={}", m.generator);
        println!("seed={}", m.seed);
        println!("export={}", m.export);
        println!("bills={}", c.bills);
        println!("actions={}", c.history);
        println!("versions={}", c.versions);
        println!("version_authors={}", c.version_authors);
        println!("sponsorships={}", c.sponsorships);
        println!("analyses={}", c.analyses);
        println!("veto_messages={}", c.veto_messages);
        println!("documents={}", c.analyses + c.veto_messages);
        println!("votes={}", c.votes);
        println!("vote_records={}", c.vote_records);
        println!("motions={}", c.motions);
        println!("lob_files={}", c.lob_files);
        println!("lob_bytes={}", c.lob_bytes);
        println!("files={}", c.files);
        println!("bytes={}", c.bytes);
        println!("mutated_bills={}", m.mutated_bills);
        println!("rows={}", m.rows);
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn records_are_mysql_quoted() {
            let mut r = Rec::default();
            r.q("a`b\tc\\").raw(5).null();
            assert_eq!(r.0, "`a\\`b\\tc\\\\`\t5\tNULL");
        }

        #[test]
        fn dates_as_the_legislature_writes_them() {
            let d = NaiveDate::from_ymd_opt(2025, 7, 8).unwrap();
            assert_eq!(month_day(d), "July  8");
            assert_eq!(dt(d), "2025-07-08 00:00:00");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_style_json() {
        assert_eq!(
            pseudo(&[("chamber", "upper"), ("name", "Jos\u{e9} \"Jack\" X")]),
            "~{\"chamber\": \"upper\", \"name\": \"Jos\\u00e9 \\\"Jack\\\" X\"}"
        );
        assert_eq!(py_json(&vec![1, 2]), "[1, 2]");
        assert_eq!(py_json("\u{1f600}"), "\"\\ud83d\\ude00\"");
    }

    #[test]
    fn apportion_is_exact() {
        for total in [0, 1, 7, 1500, 150_000] {
            assert_eq!(apportion(total).iter().sum::<u64>(), total);
        }
    }

    #[test]
    fn finds_actions_end() {
        let t = r#"{"title": "x \"actions\": [", "actions": [{"description": "a ] {", "x": []}], "y": 1}"#;
        let end = actions_array_end(t).unwrap();
        assert_eq!(&t[end..end + 3], "], ");
    }
}
