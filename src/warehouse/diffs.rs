//! Which loaded versions get a diff, and the diffs (pure; `sql.rs` reads the texts and writes
//! the rows inside the load's transaction).

use super::merge::Change;
use crate::normalize::ids;
use crate::normalize::rows::DiffRow;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A version's change that brings a text: added with one, or its text added or replaced.
pub fn wants_diff(c: &Change) -> bool {
    if c.entity_type != "version" || c.bill_id.is_none() {
        return false;
    }
    match c.kind.as_str() {
        "version_added" => c.changes.pointer("/new/text_sha256").is_some_and(|v| v.is_string()),
        "version_changed" => c.changes.pointer("/text_sha256/new").is_some_and(|v| v.is_string()),
        _ => false,
    }
}

/// The diff of each target change's version against the bill's previous version (by ordinal)
/// with a text, from `texts` (version id, bill id, ordinal, text: every version of the bills
/// with a text, as stored after the batch's writes). Each diffed change gets
/// `"diff": {"id", "previous_version_id", "summary"}`.
pub fn diff_versions(
    changes: &mut [Change],
    targets: &[usize],
    texts: Vec<(String, String, i64, String)>,
) -> Vec<DiffRow> {
    let mut by_bill: HashMap<String, Vec<(i64, String, String)>> = HashMap::new();
    for (id, bill, ordinal, text) in texts {
        by_bill.entry(bill).or_default().push((ordinal, id, text));
    }
    for list in by_bill.values_mut() {
        list.sort();
    }
    let mut out = Vec::new();
    for &i in targets {
        let c = &mut changes[i];
        let Some(bill) = c.bill_id.clone() else { continue };
        let Some(list) = by_bill.get(&bill) else { continue };
        let Some(pos) = list.iter().position(|(_, id, _)| *id == c.entity_id) else { continue };
        if pos == 0 {
            continue;
        }
        let (_, prev_id, prev_text) = &list[pos - 1];
        let (_, version_id, text) = &list[pos];
        let d = crate::text::diff(prev_text, text, &[]);
        let id = ids::stable_id("diff", &[version_id]);
        if let Some(m) = c.changes.as_object_mut() {
            m.insert("diff".into(), json!({ "id": id, "previous_version_id": prev_id, "summary": d.summary }));
        }
        out.push(DiffRow {
            id,
            bill_id: bill,
            version_id: version_id.clone(),
            previous_version_id: prev_id.clone(),
            unit: d.unit.to_string(),
            summary: d.summary.clone(),
            added: d.added as i64,
            removed: d.removed as i64,
            changed: d.changed as i64,
            unchanged: d.unchanged as i64,
            diff: serde_json::to_string(&d).unwrap_or_else(|_| Value::Null.to_string()),
        });
    }
    out
}

/// The diff of every version of the bills in `texts` that has a previous version with a text
/// (see [`diff_versions`]), for versions whose texts were made again: no change event names them.
pub fn rediff(texts: Vec<(String, String, i64, String)>) -> Vec<DiffRow> {
    let mut changes: Vec<Change> = texts
        .iter()
        .map(|(id, bill, _, _)| Change {
            jurisdiction_id: String::new(),
            entity_type: "version",
            entity_id: id.clone(),
            bill_id: Some(bill.clone()),
            kind: "version_changed".into(),
            changes: json!({}),
        })
        .collect();
    let targets: Vec<usize> = (0..changes.len()).collect();
    diff_versions(&mut changes, &targets, texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: &str, id: &str, changes: Value) -> Change {
        Change {
            jurisdiction_id: "j".into(),
            entity_type: "version",
            entity_id: id.into(),
            bill_id: Some("b".into()),
            kind: kind.into(),
            changes,
        }
    }

    #[test]
    fn versions_with_a_new_text_are_diffed_against_the_previous_text() {
        let mut changes = vec![
            change("version_added", "v2", json!({"new": {"text_sha256": "x"}})),
            change("version_added", "v1", json!({"new": {"text_sha256": "y"}})),
            change("version_changed", "v3", json!({"note": {"old": "a", "new": "b"}})),
            change("version_changed", "v4", json!({"text_sha256": {"old": null, "new": "z"}})),
        ];
        let targets: Vec<usize> = (0..changes.len()).filter(|i| wants_diff(&changes[*i])).collect();
        assert_eq!(targets, [0, 1, 3]);
        let texts = vec![
            ("v1".to_string(), "b".to_string(), 1, "SECTION 1. The people enact.\n\nSEC. 2. Old.".to_string()),
            ("v2".to_string(), "b".to_string(), 2, "SECTION 1. The people enact.\n\nSEC. 2. New.".to_string()),
            ("v4".to_string(), "b".to_string(), 4, "SECTION 1. The people enact.".to_string()),
        ];
        let rows = diff_versions(&mut changes, &targets, texts);
        // v1 is the first text: nothing to compare. v2 against v1; v4 against v2 (v3 has no text).
        assert_eq!(
            rows.iter().map(|r| (r.version_id.as_str(), r.previous_version_id.as_str())).collect::<Vec<_>>(),
            [("v2", "v1"), ("v4", "v2")]
        );
        assert_eq!((rows[0].changed, rows[0].unchanged), (1, 1));
        assert_eq!((rows[1].removed, rows[1].unchanged), (1, 1));
        assert_eq!(changes[0].changes["diff"]["previous_version_id"], "v1");
        assert_eq!(changes[0].changes["diff"]["summary"], rows[0].summary);
        assert!(changes[1].changes.get("diff").is_none());
    }
}
