//! The raw archive: every payload (input file or HTTP body) kept content-addressed under
//! `<data-dir>/raw/<first two hex digits>/<sha256>`. Identical payloads are stored once.

// The archive addresses payloads by `crate::hash`; re-exported for the runs that still name it here.
pub use crate::hash::{sha256_file, sha256_hex};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Archive {
    root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write {path} to the raw archive")]
pub struct ArchiveError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

impl Archive {
    pub fn new(data_dir: &Path) -> Archive {
        Archive { root: data_dir.join("raw") }
    }

    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Stores the bytes (if not already there) and returns their sha256.
    pub fn store(&self, bytes: &[u8]) -> Result<String, ArchiveError> {
        let sha = sha256_hex(bytes);
        self.store_hashed(&sha, bytes)?;
        Ok(sha)
    }

    /// Stores bytes whose sha256 the caller already computed. Written to a temporary file
    /// and renamed, so a crash never leaves a partial payload under its hash; a file of the
    /// wrong size (a power cut before the data reached the disk) is written again. There is
    /// no fsync per file: the database commit that records the payload comes after, and a
    /// payload whose load did not commit is read from its source again.
    pub fn store_hashed(&self, sha256: &str, bytes: &[u8]) -> Result<(), ArchiveError> {
        let path = self.path_of(sha256);
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64) {
            return Ok(());
        }
        let err = |source| ArchiveError { path: path.clone(), source };
        let dir = path.parent().expect("archive paths have a parent");
        std::fs::create_dir_all(dir).map_err(err)?;
        let tmp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(err)?;
        Ok(())
    }

    /// Puts a file whose sha256 the caller computed into the archive without reading it into
    /// memory (for exports of hundreds of megabytes). `keep`: copy it (a file the operator
    /// owns); else move it (a download). Returns the archived path.
    pub fn store_file(&self, sha256: &str, file: &Path, keep: bool) -> Result<PathBuf, ArchiveError> {
        let path = self.path_of(sha256);
        let err = |source| ArchiveError { path: path.clone(), source };
        let len = std::fs::metadata(file).map_err(err)?.len();
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == len) {
            if !keep {
                std::fs::remove_file(file).map_err(err)?;
            }
            return Ok(path);
        }
        let dir = path.parent().expect("archive paths have a parent");
        std::fs::create_dir_all(dir).map_err(err)?;
        if keep {
            let tmp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
            std::fs::copy(file, &tmp).map_err(err)?;
            std::fs::rename(&tmp, &path).map_err(err)?;
        } else if std::fs::rename(file, &path).is_err() {
            // Another file system: copy, then rename into place.
            let tmp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
            std::fs::copy(file, &tmp).map_err(err)?;
            std::fs::rename(&tmp, &path).map_err(err)?;
            std::fs::remove_file(file).map_err(err)?;
        }
        Ok(path)
    }

    pub fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.path_of(sha256))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let a = Archive::new(dir.path());
        let h1 = a.store(b"{\"identifier\": \"SB 4\"}").unwrap();
        let h2 = a.store(b"{\"identifier\": \"SB 4\"}").unwrap();
        assert_eq!(h1, h2);
        assert_eq!(a.read(&h1).unwrap(), b"{\"identifier\": \"SB 4\"}");
        assert_eq!(h1, sha256_hex(b"{\"identifier\": \"SB 4\"}"));
        // A payload cut short (a power cut) is written again.
        std::fs::write(a.path_of(&h1), b"{").unwrap();
        a.store(b"{\"identifier\": \"SB 4\"}").unwrap();
        assert_eq!(a.read(&h1).unwrap(), b"{\"identifier\": \"SB 4\"}");
    }
}
