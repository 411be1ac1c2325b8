//! Content hashes: sha256 in lower-case hex, of bytes or of a file read in pieces. The raw
//! archive's addresses, payload and text hashes, and every other digest the warehouse keeps.

use sha2::{Digest, Sha256};
use std::path::Path;

/// sha256 (hex) of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// sha256 (hex) of a file, read in pieces.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_files_hash_alike() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(sha256_hex(b""), empty);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("SB4.json");
        std::fs::write(&path, b"{\"identifier\": \"SB 4\"}").unwrap();
        assert_eq!(sha256_file(&path).unwrap(), sha256_hex(b"{\"identifier\": \"SB 4\"}"));
    }
}
