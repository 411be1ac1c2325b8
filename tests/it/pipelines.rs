//! The shipped pipeline files.

use statehouse::config::{Pipeline, SourceConfig};
use std::path::Path;

#[test]
fn every_shipped_pipeline_is_valid_and_every_jurisdiction_has_one() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines");
    let mut codes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let p = Pipeline::load(&path).unwrap_or_else(|e| panic!("{e}"));
            for s in &p.sources {
                if let SourceConfig::OcdScrape(c) = s {
                    assert!(c.path.exists(), "{}: {} does not exist", path.display(), c.path.display());
                }
            }
            codes.push(p.name);
        }
    }
    for (code, _, _) in statehouse::jurisdictions::STATES {
        assert!(codes.iter().any(|c| c == code), "no pipeline for {code}");
    }
    assert!(codes.iter().any(|c| c == "sample"));
}
