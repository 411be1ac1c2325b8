//! The `legiscan` crawl: LegiScan's pull API within a monthly query budget.
//!
//! Per run: `getSessionList` (1 query); per followed session `getMasterListRaw` (1), and only
//! when some bill's `change_hash` differs from the one stored: `getSessionPeople` (1), then
//! `getBill` for each changed bill, `getRollCall` for each roll call not loaded before, and
//! `getBillText` for each document not loaded before (when `texts`). The responses of a batch
//! of bills are filed into a JSON dataset in memory and parsed as LegiScan's own datasets are.
//!
//! State kept in `source_state`: `queries:<YYYY-MM>` (queries used this UTC month, by every
//! run) and `session:<id>` (JSON: each bill's last loaded `change_hash`, the roll calls and
//! documents loaded). A bill's hash is stored only after its batch committed, so a crash or a
//! budget stop makes the next run fetch it again, never skip it.

use super::SourceError;
use super::files::rename_sessions;
use super::ingest::Ingest;
use crate::config::LegiscanConfig;
use crate::fetch::redact_url;
use crate::model::{Parsed, Warning};
use crate::sources::legiscan::{self, Dataset};
use crate::sources::legiscan_api::{self as api, ApiError, Session};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a session's crawl remembers between runs.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SessionState {
    /// bill_id → the `change_hash` last loaded.
    bills: BTreeMap<i64, String>,
    roll_calls: BTreeSet<i64>,
    texts: BTreeSet<i64>,
}

/// Bills fetched per transaction.
const BILLS_PER_BATCH: usize = 100;

/// The API with its key and this run's budget.
struct Api<'a> {
    base: &'a str,
    key: String,
    /// Queries this run may still send.
    budget: u64,
}

enum Call {
    Ok(Value),
    /// The budget is spent: nothing was sent.
    OutOfBudget,
}

impl Api<'_> {
    /// One query through the loop: its payload under `key`, archived and recorded (as not
    /// loaded when LegiScan answered an error). An HTTP failure or an ERROR envelope is an
    /// `Err` naming the operation and the URL (key redacted).
    async fn call(
        &self,
        ing: &mut Ingest<'_>,
        op: &str,
        params: &[(&str, String)],
        key: &str,
    ) -> Result<Call, SourceError> {
        if ing.requests() >= self.budget {
            return Ok(Call::OutOfBudget);
        }
        let url = api::url(self.base, op, params, &self.key);
        let shown = redact_url(&url);
        let got = ing.get(&url, &shown, &[], false).await?;
        let value = api::payload(&got.body, key, &shown).map_err(|e| SourceError::Input(e.to_string()));
        ing.record(got.record, value.is_ok());
        value.map(Call::Ok)
    }
}

pub(super) async fn crawl(ing: &mut Ingest<'_>, cfg: &LegiscanConfig) -> Result<(), SourceError> {
    let key = super::secret_from_env(&cfg.api_key_env, "LegiScan API key")?;
    let state = cfg.state.to_uppercase();
    let jurisdiction_id = super::files::jurisdiction_of(&cfg.state)?;
    ing.set_jurisdiction(&jurisdiction_id, None);
    ing.ensure_jurisdiction(&jurisdiction_id, Vec::new()).await?;

    // The monthly budget, counted across runs.
    let quota_key = format!("queries:{}", Utc::now().format("%Y-%m"));
    let used_before: u64 = ing.state(&quota_key).await?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let budget = u64::from(cfg.monthly_budget).saturating_sub(used_before);
    ing.fetcher(&cfg.base_url, None)?;
    let api = Api { base: &cfg.base_url, key, budget };

    let result = sessions(ing, cfg, &state, &api).await;
    let used = ing.requests();
    ing.set_state(&quota_key, &(used_before + used).to_string()).await?;
    tracing::info!(source = %ing.name, queries = used, month_total = used_before + used, budget = cfg.monthly_budget, "LegiScan queries");
    result?;
    ing.relink().await
}

async fn sessions(ing: &mut Ingest<'_>, cfg: &LegiscanConfig, state: &str, api: &Api<'_>) -> Result<(), SourceError> {
    let budget_note = |api: &Api<'_>, left: usize| {
        Warning::new(
            api.base,
            None,
            format!(
                "the monthly budget of {} LegiScan queries is spent; {left} changed bills wait for the next run \
                 (or next month)",
                cfg.monthly_budget
            ),
        )
    };
    let sessions = match api.call(ing, "getSessionList", &[("state", state.to_string())], "sessions").await? {
        Call::OutOfBudget => {
            ing.warn(budget_note(api, 0));
            return Ok(());
        }
        Call::Ok(v) => serde_json::from_value::<Vec<Session>>(v).map_err(|e| {
            SourceError::Input(format!(
                "{}: getSessionList: {e}",
                redact_url(&api::url(api.base, "getSessionList", &[], ""))
            ))
        })?,
    };
    let followed = api::current_sessions(&sessions, &cfg.sessions);
    if followed.is_empty() {
        return Err(SourceError::Input(format!(
            "getSessionList for {state} lists none of the sessions configured ({:?})",
            cfg.sessions
        )));
    }
    for session in followed {
        let state_key = format!("session:{}", session.session_id);
        let mut remembered: SessionState =
            ing.state(&state_key).await?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
        let sid = session.session_id.to_string();
        let list_url = redact_url(&api::url(api.base, "getMasterListRaw", &[("id", sid.clone())], ""));
        let master = match api.call(ing, "getMasterListRaw", &[("id", sid.clone())], "masterlist").await? {
            Call::OutOfBudget => {
                ing.warn(budget_note(api, 0));
                break;
            }
            Call::Ok(v) => v,
        };
        let (entries, warnings) = api::master_entries(master, &list_url)?;
        warnings.into_iter().for_each(|w| ing.warn(Warning::new(&list_url, None, w)));
        let changed: Vec<_> =
            entries.into_iter().filter(|e| remembered.bills.get(&e.bill_id) != Some(&e.change_hash)).collect();
        tracing::info!(source = %ing.name, session = session.session_id, changed = changed.len(), "master list read");
        if changed.is_empty() {
            // Record the master list as this run's payload (its bills were all current).
            ing.load(Parsed::default()).await?;
            continue;
        }
        // The session's people, for the names in roll calls.
        let people: Vec<(String, Vec<u8>)> =
            match api.call(ing, "getSessionPeople", &[("id", sid.clone())], "sessionpeople").await? {
                Call::OutOfBudget => {
                    ing.warn(budget_note(api, changed.len()));
                    break;
                }
                Call::Ok(v) => v
                    .get("people")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|p| {
                                let id = p.get("people_id")?.to_string();
                                Some((
                                    api::dataset_path(state, &session, "people", id.trim_matches('"')),
                                    api::dataset_file("person", p),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            };
        // One getBill per changed bill (and their roll calls and texts): progress shows them.
        ing.expect_requests(changed.len() as u64);
        let mut left = changed.len();
        let mut out_of_budget = false;
        for chunk in changed.chunks(BILLS_PER_BATCH) {
            ing.check_stop()?;
            let mut files = people.clone();
            let mut done: Vec<(i64, String)> = Vec::new();
            let (mut new_roll_calls, mut new_texts) = (Vec::new(), Vec::new());
            'bills: for entry in chunk {
                let bill = match api.call(ing, "getBill", &[("id", entry.bill_id.to_string())], "bill").await {
                    Ok(Call::Ok(b)) => b,
                    Ok(Call::OutOfBudget) => {
                        out_of_budget = true;
                        break 'bills;
                    }
                    Err(e) => {
                        ing.warn_partial(Warning::new(
                            &list_url,
                            Some(format!("bill {} ({})", entry.bill_id, entry.number)),
                            format!("{e}; the bill is tried again next run"),
                        ));
                        continue;
                    }
                };
                let refs = match api::bill_refs(&bill, &list_url) {
                    Ok(r) => r,
                    Err(e) => {
                        ing.warn_partial(Warning::new(&list_url, Some(entry.bill_id.to_string()), e.to_string()));
                        continue;
                    }
                };
                // Roll calls loaded in earlier runs are left out of the bill: its summary of them
                // (no member votes) would otherwise replace the whole roll call.
                let mut bill = bill;
                if let Some(votes) = bill.get_mut("votes").and_then(Value::as_array_mut) {
                    votes.retain(|v| {
                        v.get("roll_call_id")
                            .and_then(Value::as_i64)
                            .is_none_or(|id| !remembered.roll_calls.contains(&id))
                    });
                }
                files
                    .push((api::dataset_path(state, &session, "bill", &refs.number), api::dataset_file("bill", &bill)));
                let mut complete = true;
                let texts = if cfg.texts { refs.documents.clone() } else { Vec::new() };
                let wanted = refs
                    .roll_calls
                    .iter()
                    .filter(|id| !remembered.roll_calls.contains(id))
                    .map(|id| ("getRollCall", "roll_call", "vote", *id))
                    .chain(
                        texts
                            .iter()
                            .filter(|id| !remembered.texts.contains(id))
                            .map(|id| ("getBillText", "text", "text", *id)),
                    )
                    .collect::<Vec<_>>();
                for (op, key, folder, id) in wanted {
                    match api.call(ing, op, &[("id", id.to_string())], key).await {
                        Ok(Call::Ok(v)) => {
                            files.push((
                                api::dataset_path(state, &session, folder, &id.to_string()),
                                api::dataset_file(key, &v),
                            ));
                            if folder == "vote" {
                                new_roll_calls.push(id);
                            } else {
                                new_texts.push(id);
                            }
                        }
                        Ok(Call::OutOfBudget) => {
                            out_of_budget = true;
                            complete = false;
                            break;
                        }
                        Err(e) => {
                            // What LegiScan refuses (an ERROR answer) is a warning and not asked
                            // again: a text it cannot give leaves its version without text. A
                            // network or server failure is tried again next run.
                            let refused = matches!(e, SourceError::Input(_));
                            let w = Warning::new(
                                &list_url,
                                Some(format!("{} {op} {id}", refs.number)),
                                if refused { e.to_string() } else { format!("{e}; tried again next run") },
                            );
                            // A roll call or a text not had leaves the delivery partial.
                            ing.warn_partial(w);
                            match (folder, refused) {
                                ("text", true) => new_texts.push(id),
                                ("vote", _) | (_, false) => complete = false,
                                _ => {}
                            }
                        }
                    }
                }
                if complete {
                    done.push((entry.bill_id, entry.change_hash.clone()));
                }
                if out_of_budget {
                    break 'bills;
                }
            }
            // Parse and load what this batch fetched.
            let mut parsed = if files.len() > people.len() {
                let dataset = Dataset::from_entries(&list_url, files).map_err(|e| SourceError::Input(e.to_string()))?;
                legiscan::parse_json_dataset(&dataset, &list_url)
            } else {
                Parsed::default()
            };
            rename_sessions(&mut parsed, &cfg.session_names);
            ing.load(parsed).await?;
            left -= done.len();
            remembered.bills.extend(done);
            remembered.roll_calls.extend(new_roll_calls);
            remembered.texts.extend(new_texts);
            let value = serde_json::to_string(&remembered).expect("state serializes");
            ing.set_state(&state_key, &value).await?;
            if out_of_budget {
                break;
            }
        }
        if out_of_budget {
            ing.warn(budget_note(api, left));
            break;
        }
    }
    Ok(())
}

impl From<ApiError> for SourceError {
    fn from(e: ApiError) -> Self {
        SourceError::Input(e.to_string())
    }
}
