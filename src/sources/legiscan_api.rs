//! `legiscan`: LegiScan's pull API (<https://legiscan.com/legiscan>), the query side. Every
//! operation is a GET on one endpoint, `?key=<key>&op=<operation>&<parameters>`, answered with
//! a JSON envelope: `{"status": "OK", <payload key>: …}` or `{"status": "ERROR", "alert":
//! {"message": …}}`.
//!
//! | Operation | Parameters | Payload key | Read here as |
//! |---|---|---|---|
//! | `getSessionList` | `state` | `sessions` | [`Session`]s |
//! | `getMasterListRaw` | `id` (session) | `masterlist` | [`MasterEntry`]s: `bill_id`, `number`, `change_hash` |
//! | `getSessionPeople` | `id` (session) | `sessionpeople` → `people` | person objects |
//! | `getBill` | `id` (bill) | `bill` | the bill object; [`bill_refs`] lists its roll calls and documents |
//! | `getRollCall` | `id` (roll call) | `roll_call` | the vote object with each legislator's vote |
//! | `getBillText` | `id` (document) | `text` | the document, base64 in `doc` |
//!
//! The objects are those of LegiScan's JSON datasets, so the crawl (`crate::run`) files the
//! responses into a [`super::legiscan::Dataset`] under the paths a dataset zip would use
//! ([`dataset_path`]) and parses them with [`super::legiscan::parse_json_dataset`]: one
//! reading of LegiScan's JSON, whichever way it arrived.
//!
//! The key travels in the URL (LegiScan accepts it nowhere else); [`crate::fetch::redact_url`]
//! removes it from every URL that is logged, stored or shown.

use serde::Deserialize;
use serde_json::Value;

/// Why a response could not be used. Each names the (redacted) URL.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ApiError {
    #[error("{url}: not JSON: {message}")]
    NotJson { url: String, message: String },
    #[error("{url}: LegiScan answered ERROR: {message}")]
    Refused { url: String, message: String },
    #[error("{url}: the response has no {key:?}")]
    Missing { url: String, key: String },
    #[error("{url}: {message}")]
    Shape { url: String, message: String },
}

/// The URL of one operation. `key` is appended last (and redacted wherever the URL is shown).
pub fn url(base: &str, op: &str, params: &[(&str, String)], key: &str) -> String {
    let mut u = url::Url::parse(base).unwrap_or_else(|_| url::Url::parse("https://api.legiscan.com/").expect("valid"));
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("op", op);
        for (k, v) in params {
            q.append_pair(k, v);
        }
        q.append_pair("key", key);
    }
    u.to_string()
}

/// The payload under `key` of an OK envelope.
pub fn payload(bytes: &[u8], key: &str, url: &str) -> Result<Value, ApiError> {
    let mut v: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::NotJson { url: url.to_string(), message: e.to_string() })?;
    match v.get("status").and_then(Value::as_str) {
        Some("OK") => {}
        Some(_) | None => {
            let message = v
                .pointer("/alert/message")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("status {}", v.get("status").unwrap_or(&Value::Null)));
            return Err(ApiError::Refused { url: url.to_string(), message });
        }
    }
    v.get_mut(key).map(Value::take).ok_or_else(|| ApiError::Missing { url: url.to_string(), key: key.to_string() })
}

/// Reads a number LegiScan may send as a number or a string.
fn id_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// One session of `getSessionList`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Session {
    pub session_id: i64,
    pub year_start: i64,
    pub year_end: i64,
    #[serde(default)]
    pub session_name: String,
    #[serde(default)]
    pub session_title: String,
    #[serde(default)]
    pub special: i64,
    #[serde(default)]
    pub sine_die: i64,
    #[serde(default)]
    pub prior: i64,
    #[serde(default)]
    pub session_hash: String,
}

impl Session {
    /// The session folder a dataset zip of this session has: `2025-2026_94th_Legislature`,
    /// which [`super::legiscan`] reads as the session `2025-2026 94th Legislature`.
    pub fn folder(&self) -> String {
        let name: String = self.session_name.chars().map(|c| if c == ' ' || c == '/' { '_' } else { c }).collect();
        format!("{}-{}_{}", self.year_start, self.year_end, name)
    }
}

pub fn parse_session_list(bytes: &[u8], url: &str) -> Result<Vec<Session>, ApiError> {
    let v = payload(bytes, "sessions", url)?;
    serde_json::from_value(v).map_err(|e| ApiError::Shape { url: url.to_string(), message: format!("sessions: {e}") })
}

/// The sessions a crawl follows: those configured, else every session not adjourned sine die,
/// else the newest one.
pub fn current_sessions(sessions: &[Session], configured: &[i64]) -> Vec<Session> {
    if !configured.is_empty() {
        return sessions.iter().filter(|s| configured.contains(&s.session_id)).cloned().collect();
    }
    let open: Vec<Session> = sessions.iter().filter(|s| s.sine_die == 0 && s.prior == 0).cloned().collect();
    if !open.is_empty() {
        return open;
    }
    sessions.iter().max_by_key(|s| (s.year_end, s.session_id)).cloned().into_iter().collect()
}

/// One bill of `getMasterListRaw`.
#[derive(Debug, Clone, PartialEq)]
pub struct MasterEntry {
    pub bill_id: i64,
    pub number: String,
    pub change_hash: String,
}

/// The bills of a `getMasterListRaw` response. Its `masterlist` is an object: `session`, then
/// `"0"`, `"1"`, … one per bill. An entry without `bill_id` or `change_hash` is a warning.
pub fn parse_master_list(bytes: &[u8], url: &str) -> Result<(Vec<MasterEntry>, Vec<String>), ApiError> {
    master_entries(payload(bytes, "masterlist", url)?, url)
}

/// The bills of a `masterlist` payload (see [`parse_master_list`]).
pub fn master_entries(v: Value, url: &str) -> Result<(Vec<MasterEntry>, Vec<String>), ApiError> {
    let Value::Object(map) = v else {
        return Err(ApiError::Shape { url: url.to_string(), message: "masterlist is not an object".into() });
    };
    let (mut entries, mut warnings) = (Vec::new(), Vec::new());
    for (k, e) in map {
        if k == "session" {
            continue;
        }
        let bill_id = e.get("bill_id").and_then(id_of);
        let hash = e.get("change_hash").and_then(Value::as_str).filter(|h| !h.is_empty());
        match (bill_id, hash) {
            (Some(bill_id), Some(h)) => entries.push(MasterEntry {
                bill_id,
                number: e.get("number").and_then(Value::as_str).unwrap_or_default().to_string(),
                change_hash: h.to_string(),
            }),
            _ => warnings.push(format!("masterlist entry {k}: no bill_id or change_hash; skipped")),
        }
    }
    entries.sort_by_key(|e| e.bill_id);
    Ok((entries, warnings))
}

/// The people of a `getSessionPeople` response, each as the person object a dataset's
/// `people/<id>.json` holds, with its id.
pub fn parse_session_people(bytes: &[u8], url: &str) -> Result<Vec<(i64, Value)>, ApiError> {
    let v = payload(bytes, "sessionpeople", url)?;
    let people = v
        .get("people")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::Missing { url: url.to_string(), key: "sessionpeople.people".into() })?;
    Ok(people.iter().filter_map(|p| Some((p.get("people_id").and_then(id_of)?, p.clone()))).collect())
}

/// What a bill object points at: its roll calls and its documents (texts).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BillRefs {
    pub bill_id: i64,
    pub number: String,
    pub roll_calls: Vec<i64>,
    pub documents: Vec<i64>,
}

pub fn bill_refs(bill: &Value, url: &str) -> Result<BillRefs, ApiError> {
    let shape = |message: &str| ApiError::Shape { url: url.to_string(), message: message.to_string() };
    let bill_id = bill.get("bill_id").and_then(id_of).ok_or_else(|| shape("bill without bill_id"))?;
    let number = bill.get("bill_number").and_then(Value::as_str).ok_or_else(|| shape("bill without bill_number"))?;
    let ids = |key: &str, id: &str| -> Vec<i64> {
        bill.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.get(id).and_then(id_of)).collect())
            .unwrap_or_default()
    };
    Ok(BillRefs {
        bill_id,
        number: number.to_string(),
        roll_calls: ids("votes", "roll_call_id"),
        documents: ids("texts", "doc_id"),
    })
}

/// Where a response's object goes in a dataset: `MN/2025-2026_94th_Legislature/bill/HF1.json`,
/// wrapped as a dataset file wraps it (`{"bill": …}`).
pub fn dataset_path(state: &str, session: &Session, folder: &str, name: &str) -> String {
    format!("{}/{}/{folder}/{name}.json", state.to_uppercase(), session.folder())
}

/// A dataset file's bytes: `{"<key>": object}`.
pub fn dataset_file(key: &str, object: &Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ key: object })).expect("JSON values serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)).unwrap()
    }

    /// A real dataset object in the API's envelope, as the issue's replay fixtures are made.
    fn enveloped(rel: &str) -> Vec<u8> {
        let mut v: Value = serde_json::from_slice(&fixture(rel)).unwrap();
        v.as_object_mut().unwrap().insert("status".into(), "OK".into());
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn urls_carry_the_operation_its_parameters_and_the_key_last() {
        let u = url("https://api.legiscan.com/", "getMasterListRaw", &[("id", "2151".into())], "s3cr3t");
        assert_eq!(u, "https://api.legiscan.com/?op=getMasterListRaw&id=2151&key=s3cr3t");
        let u = url("http://127.0.0.1:9/replay/", "getSessionList", &[("state", "MN".into())], "a b&c");
        assert_eq!(u, "http://127.0.0.1:9/replay/?op=getSessionList&state=MN&key=a+b%26c");
        assert_eq!(crate::fetch::redact_url(&u), "http://127.0.0.1:9/replay/?op=getSessionList&state=MN&key=REDACTED");
    }

    #[test]
    fn envelopes_ok_and_error() {
        let bill = payload(&enveloped("legiscan-dataset/json/bill/HB1044.json"), "bill", "u").unwrap();
        assert_eq!(bill["bill_number"], "HB1044");
        let refs = bill_refs(&bill, "u").unwrap();
        assert_eq!(
            refs,
            BillRefs {
                bill_id: 396373,
                number: "HB1044".into(),
                roll_calls: vec![155205, 155206],
                documents: vec![573635, 575293]
            }
        );
        let err = payload(br#"{"status":"ERROR","alert":{"message":"Invalid API key"}}"#, "bill", "u").unwrap_err();
        assert_eq!(err.to_string(), "u: LegiScan answered ERROR: Invalid API key");
        let err = payload(b"<html>", "bill", "u").unwrap_err();
        assert!(matches!(err, ApiError::NotJson { .. }), "{err}");
        let err = payload(br#"{"status":"OK"}"#, "bill", "u").unwrap_err();
        assert_eq!(err, ApiError::Missing { url: "u".into(), key: "bill".into() });
    }

    #[test]
    fn a_real_text_in_its_envelope_decodes_as_a_dataset_text() {
        // CA SB 151 (2011), doc 100932: base64 HTML.
        let text = payload(&enveloped("legiscan-dataset/json/text/100932.json"), "text", "u").unwrap();
        assert_eq!(text["mime"], "text/html");
        let decoded =
            crate::sources::legiscan::document_text(text["mime"].as_str().unwrap(), text["doc"].as_str().unwrap())
                .unwrap();
        let text = decoded.text.unwrap();
        assert!(text.contains("SB 151"), "{}", text.chars().take(300).collect::<String>());
    }

    #[test]
    fn master_lists_and_sessions() {
        let body = br#"{"status":"OK","masterlist":{"session":{"session_id":2151,"session_name":"94th Legislature"},
            "0":{"bill_id":1923442,"number":"HF2","change_hash":"b"},
            "1":{"bill_id":"1923333","number":"HF1","change_hash":"a"},
            "2":{"number":"HF3"}}}"#;
        let (entries, warnings) = parse_master_list(body, "u").unwrap();
        assert_eq!(
            entries.iter().map(|e| (e.bill_id, e.number.as_str())).collect::<Vec<_>>(),
            [(1923333, "HF1"), (1923442, "HF2")]
        );
        assert_eq!(warnings, ["masterlist entry 2: no bill_id or change_hash; skipped"]);

        let s = |id, start, end, sine_die, name: &str| Session {
            session_id: id,
            year_start: start,
            year_end: end,
            session_name: name.into(),
            session_title: String::new(),
            special: 0,
            sine_die,
            prior: 0,
            session_hash: String::new(),
        };
        let all = [
            s(2151, 2025, 2026, 0, "94th Legislature"),
            s(2234, 2025, 2025, 1, "94th Legislature 1st Special Session"),
            s(2000, 2023, 2024, 1, "93rd Legislature"),
        ];
        assert_eq!(all[0].folder(), "2025-2026_94th_Legislature");
        assert_eq!(current_sessions(&all, &[]).iter().map(|s| s.session_id).collect::<Vec<_>>(), [2151]);
        assert_eq!(current_sessions(&all, &[2000]).iter().map(|s| s.session_id).collect::<Vec<_>>(), [2000]);
        let closed = [all[1].clone(), all[2].clone()];
        assert_eq!(current_sessions(&closed, &[]).iter().map(|s| s.session_id).collect::<Vec<_>>(), [2234]);
        assert_eq!(dataset_path("mn", &all[0], "bill", "HF1"), "MN/2025-2026_94th_Legislature/bill/HF1.json");
    }
}
