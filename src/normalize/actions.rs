//! Action classification in the Open Civic Data vocabulary.
//!
//! A source's own classes are kept as they are. Where a source gave none, the action text is
//! classified by the rule table below (first matching rules win, several classes may apply).
//! `CLASSIFIER_VERSION` is stored with every action classified here, so that a better table
//! can reclassify history knowingly.

use regex::Regex;
use std::sync::LazyLock;

/// Bumped whenever `RULES` changes.
pub const CLASSIFIER_VERSION: &str = "rules-1";

/// The 38 OCD action classes (openstates-core `data/common.py`).
pub const VOCABULARY: [&str; 38] = [
    "filing",
    "introduction",
    "enrolled",
    "reading-1",
    "reading-2",
    "reading-3",
    "passage",
    "informal-passage",
    "failure",
    "withdrawal",
    "substitution",
    "amendment-introduction",
    "amendment-passage",
    "amendment-withdrawal",
    "amendment-failure",
    "amendment-amendment",
    "amendment-deferral",
    "committee-passage",
    "committee-passage-favorable",
    "committee-passage-unfavorable",
    "committee-failure",
    "executive-receipt",
    "executive-signature",
    "executive-veto",
    "executive-veto-line-item",
    "became-law",
    "veto-override-passage",
    "veto-override-failure",
    "deferral",
    "receipt",
    "referral",
    "referral-committee",
    "hearing-held",
    "work-session",
    "sponsorship",
    "carried-over",
    "reported-out-of-committee",
    "concurrence",
];

/// (pattern on the lower-cased text, classes). Amendment rules come first so that
/// "Amendment ... passed" is not read as the bill's passage.
const RULES: &[(&str, &[&str])] = &[
    (r"amendment.*\b(adopted|passed|agreed to)\b", &["amendment-passage"]),
    (r"amendment.*\b(failed|rejected|lost)\b", &["amendment-failure"]),
    (r"amendment.*\bwithdrawn\b", &["amendment-withdrawal"]),
    (r"amendment.*\b(introduced|filed|offered|placed with bill)\b", &["amendment-introduction"]),
    (r"veto(ed)? overrid(den|e) .*(passed|adopted)|override .*veto.*passed", &["veto-override-passage"]),
    (r"line[- ]item veto", &["executive-veto-line-item"]),
    (r"\bvetoed\b|\bveto message\b", &["executive-veto"]),
    (r"signed by (the )?governor|approved by (the )?governor|governor (signed|approved)", &["executive-signature"]),
    (r"(sent|presented|delivered|transmitted) to (the )?governor", &["executive-receipt"]),
    (
        r"public act|became law|became effective without|chaptered|^chapter \d|effective without signature",
        &["became-law"],
    ),
    (r"\bprefiled\b|\bpre-filed\b|^filed\b|\bfiled with (the )?(clerk|secretary)", &["filing"]),
    (r"first reading|read first time|^introduced|\bintroduced and\b", &["introduction", "reading-1"]),
    (r"second reading|read second time", &["reading-2"]),
    (r"third reading|read third time", &["reading-3"]),
    (r"(re-?)?referred to|(re-?)?assigned to .*committee|\brefer(red)? to committee", &["referral-committee"]),
    (
        r"do pass|reported (out )?favorabl|reported .*with .*favorable|recommended (do )?pass",
        &["committee-passage-favorable", "committee-passage"],
    ),
    (r"reported out of committee|reported from committee", &["committee-passage"]),
    (r"unfavorabl|do not pass|held in committee", &["committee-passage-unfavorable"]),
    (r"public hearing|hearing held", &["hearing-held"]),
    (r"\bconcur(red|rence)\b", &["concurrence"]),
    (r"\bpassed\b|\bpasses\b|\badopted\b", &["passage"]),
    (r"\bfailed\b|\bdefeated\b", &["failure"]),
    (r"\bwithdrawn\b", &["withdrawal"]),
    (r"\bsubstitut", &["substitution"]),
    (r"\btabled\b|\bpostponed\b|\bdeferred\b", &["deferral"]),
    (r"(added|removed) as (co-?)?sponsor|sponsor (added|removed)", &["sponsorship"]),
    (r"^received|\breceived from (the )?(house|senate|assembly)", &["receipt"]),
];

static COMPILED: LazyLock<Vec<(Regex, &'static [&'static str])>> =
    LazyLock::new(|| RULES.iter().map(|(p, c)| (Regex::new(p).expect("valid action rule"), *c)).collect());

/// Classes for an action's text. Returns the rule classes, deduplicated, in rule order.
pub fn classify(description: &str) -> Vec<String> {
    let text = description.to_lowercase();
    let mut out: Vec<String> = Vec::new();
    let mut amendment = false;
    for (re, classes) in COMPILED.iter() {
        if re.is_match(&text) {
            let is_amendment_rule = classes.iter().any(|c| c.starts_with("amendment-"));
            // An amendment's passage or failure is not the bill's.
            if amendment && matches!(classes, ["passage"] | ["failure"] | ["withdrawal"]) {
                continue;
            }
            amendment |= is_amendment_rule;
            for c in classes.iter() {
                if !out.iter().any(|o| o == c) {
                    out.push((*c).to_string());
                }
            }
        }
    }
    out
}

/// The source's classes if it gave any (kept as given, in order, repeats dropped), else the
/// rule classes; with where they came from: `source` or the classifier version.
pub fn classify_action(source_classes: &[String], description: &str) -> (Vec<String>, &'static str) {
    if source_classes.iter().any(|c| !c.trim().is_empty()) {
        let mut c: Vec<String> = Vec::new();
        for class in source_classes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            if !c.iter().any(|x| x == class) {
                c.push(class.to_string());
            }
        }
        (c, "source")
    } else {
        (classify(description), CLASSIFIER_VERSION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_classes_are_in_the_vocabulary() {
        for (_, classes) in RULES {
            for c in classes.iter() {
                assert!(VOCABULARY.contains(c), "{c} is not an OCD class");
            }
        }
    }

    #[test]
    fn classifies_real_action_texts() {
        // Texts from the Delaware and Illinois fixtures.
        let cases: &[(&str, &[&str])] = &[
            (
                "Introduced and Assigned to Executive Committee in Senate",
                &["introduction", "reading-1", "referral-committee"],
            ),
            ("Amendment SA 1 to SB 4 - Passed By Senate. Votes: 20 YES 1 ABSENT", &["amendment-passage"]),
            ("Passed By Senate. Votes: 20 YES 1 ABSENT", &["passage"]),
            ("Prefiled with Clerk by Rep. Daniel Didech", &["filing"]),
            ("Signed by Governor", &["executive-signature"]),
            ("Sent to the Governor", &["executive-receipt"]),
            ("Public Act . . . . . . . . . 104-0003", &["became-law"]),
            (
                "Reported Out of Committee (Executive) in Senate with 7 Favorable",
                &["committee-passage-favorable", "committee-passage"],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(classify(text), want.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{text}");
        }
    }

    #[test]
    fn source_classes_win() {
        let (c, from) = classify_action(&["passage".to_string()], "Amendment adopted");
        assert_eq!((c, from), (vec!["passage".to_string()], "source"));
        let (_, from) = classify_action(&[], "Amendment adopted");
        assert_eq!(from, CLASSIFIER_VERSION);
    }
}
