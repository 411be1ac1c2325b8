//! Zips read as untrusted input: LegiScan's dataset zips, California's pubinfo exports (both
//! downloaded), and the Word documents inside fetched texts.
//!
//! [`SafeZip::new`] checks, before decompressing anything, the number of entries
//! ([`Limits::max_entries`]) and every entry's path: one that could escape a folder (absolute, a
//! `..` component, a drive letter, backslash forms of these, a NUL byte, see [`safe_path`]), one
//! with the same path as another, and a symbolic link are refused, so the whole zip is. Reading an
//! entry then counts the bytes actually decompressed (declared sizes are not trusted) and fails
//! as soon as one entry passes [`Limits::max_entry_bytes`] or all entries read so far
//! [`Limits::max_total_bytes`] (a zip bomb). Every error names the zip, and the entry at fault.

use std::collections::HashMap;
use std::io::{Read, Seek};
use std::path::Path;

/// The default bound on the bytes all entries of a zip may decompress to: 2 GiB.
pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 2 << 30;
/// The default bound on the bytes one entry may decompress to: 512 MiB.
pub const DEFAULT_MAX_ENTRY_BYTES: u64 = 512 << 20;
/// The default bound on the number of entries in a zip.
pub const DEFAULT_MAX_ENTRIES: usize = 500_000;

/// Bounds on what a zip may hold and decompress to. The defaults suit LegiScan's dataset zips;
/// a source whose archives are larger sets its own (`ca_pubinfo::LIMITS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// All entries read together, in bytes actually decompressed.
    pub max_total_bytes: u64,
    /// One entry, in bytes actually decompressed.
    pub max_entry_bytes: u64,
    /// Entries in the archive (files and folders).
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_total_bytes: DEFAULT_MAX_TOTAL_BYTES,
            max_entry_bytes: DEFAULT_MAX_ENTRY_BYTES,
            max_entries: DEFAULT_MAX_ENTRIES,
        }
    }
}

/// Why a zip, or one of its entries, was refused. Each names the zip, and the entry when one is
/// at fault.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    #[error("could not read {zip}: {source}")]
    Io {
        zip: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{zip} is not a readable zip archive: {source}")]
    Archive {
        zip: String,
        #[source]
        source: ::zip::result::ZipError,
    },
    #[error("{zip} has {count} entries, more than the {limit} allowed")]
    TooManyEntries { zip: String, count: usize, limit: usize },
    #[error("{zip}: entry {entry:?} {reason}; the zip is rejected")]
    UnsafeEntry { zip: String, entry: String, reason: &'static str },
    #[error(
        "{zip}: entry {entry:?} decompresses to more than {limit} bytes, the bound for one entry; \
         the zip is rejected (a zip bomb?)"
    )]
    EntryTooLarge { zip: String, entry: String, limit: u64 },
    #[error(
        "{zip}: the entries decompress to more than {limit} bytes in all (passed at entry {entry:?}); \
         the zip is rejected (a zip bomb?)"
    )]
    TotalTooLarge { zip: String, entry: String, limit: u64 },
    #[error("{zip}: entry {entry:?} could not be read: {source}")]
    Entry {
        zip: String,
        entry: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// An entry's path, checked and cleaned (`\` read as `/`, empty and `.` components dropped), or
/// why it is refused.
pub fn safe_path(name: &str) -> Result<String, &'static str> {
    if name.contains('\0') {
        return Err("has a NUL byte in its path");
    }
    let path = name.replace('\\', "/");
    if path.starts_with('/') {
        return Err("has an absolute path");
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err("has a path with a drive letter");
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("has a path with a `..` component, which could escape its folder"),
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err("has an empty path");
    }
    let mut clean = parts.join("/");
    if path.ends_with('/') {
        clean.push('/');
    }
    Ok(clean)
}

/// A zip whose entries passed the checks of the module documentation; entries are read one at a
/// time, within its [`Limits`].
pub struct SafeZip<R: Read + Seek> {
    name: String,
    archive: ::zip::ZipArchive<R>,
    limits: Limits,
    /// The files (not folders), by their name in the archive, in archive order.
    files: Vec<String>,
    /// Name in the archive → index.
    index: HashMap<String, usize>,
    /// Bytes decompressed so far, by every read.
    total: u64,
}

impl<R: Read + Seek> std::fmt::Debug for SafeZip<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SafeZip").field("name", &self.name).field("files", &self.files.len()).finish()
    }
}

impl SafeZip<std::io::BufReader<std::fs::File>> {
    /// Opens a zip file; its path names it in errors.
    pub fn open(path: impl AsRef<Path>, limits: &Limits) -> Result<Self, ZipError> {
        let path = path.as_ref();
        let zip = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|source| ZipError::Io { zip: zip.clone(), source })?;
        SafeZip::new(std::io::BufReader::new(file), &zip, limits)
    }
}

impl<R: Read + Seek> SafeZip<R> {
    /// Checks a zip's entries (see the module documentation); `zip_name` names it in errors.
    pub fn new(reader: R, zip_name: &str, limits: &Limits) -> Result<Self, ZipError> {
        let zip = || zip_name.to_string();
        let mut archive = ::zip::ZipArchive::new(reader).map_err(|source| ZipError::Archive { zip: zip(), source })?;
        if archive.len() > limits.max_entries {
            return Err(ZipError::TooManyEntries { zip: zip(), count: archive.len(), limit: limits.max_entries });
        }
        // Every name first, so that an unsafe one rejects the zip before anything else is read.
        let mut names = Vec::with_capacity(archive.len());
        let mut seen = std::collections::HashSet::new();
        for i in 0..archive.len() {
            let name = match archive.name_for_index(i) {
                Some(Ok(name)) => name.into_owned(),
                Some(Err(source)) => return Err(ZipError::Archive { zip: zip(), source }),
                None => return Err(ZipError::Archive { zip: zip(), source: ::zip::result::ZipError::FileNotFound }),
            };
            let clean =
                safe_path(&name).map_err(|reason| ZipError::UnsafeEntry { zip: zip(), entry: name.clone(), reason })?;
            if !seen.insert(clean) {
                return Err(ZipError::UnsafeEntry {
                    zip: zip(),
                    entry: name,
                    reason: "has the same path as another entry",
                });
            }
            names.push(name);
        }
        // Then links and folders, from the headers (nothing is decompressed).
        let mut files = Vec::with_capacity(names.len());
        let mut index = HashMap::with_capacity(names.len());
        for (i, name) in names.into_iter().enumerate() {
            let entry = archive.by_index_raw(i).map_err(|e| ZipError::Entry {
                zip: zip(),
                entry: name.clone(),
                source: Box::new(e),
            })?;
            if entry.is_symlink() {
                return Err(ZipError::UnsafeEntry { zip: zip(), entry: name, reason: "is a symbolic link" });
            }
            let dir = entry.is_dir();
            drop(entry);
            if !dir {
                index.insert(name.clone(), i);
                files.push(name);
            }
        }
        Ok(SafeZip { name: zip(), archive, limits: *limits, files, index, total: 0 })
    }

    /// The zip's name, as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The files' names in the archive (folders left out), in archive order.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Decompresses one file, by its name in the archive, within the limits (what it gives counts
    /// toward the total of every read).
    pub fn read(&mut self, entry: &str) -> Result<Vec<u8>, ZipError> {
        let unreadable = |source: Box<dyn std::error::Error + Send + Sync>| ZipError::Entry {
            zip: self.name.clone(),
            entry: entry.to_string(),
            source,
        };
        let Some(&i) = self.index.get(entry) else {
            return Err(unreadable(Box::new(::zip::result::ZipError::FileNotFound)));
        };
        let mut file = self.archive.by_index(i).map_err(|e| unreadable(Box::new(e)))?;
        // Read one byte past what may still come, to see whether the entry passes a bound.
        let room = self.limits.max_entry_bytes.min(self.limits.max_total_bytes.saturating_sub(self.total));
        let mut bytes = Vec::with_capacity(file.size().min(room).min(64 << 20) as usize);
        (&mut file).take(room.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| unreadable(Box::new(e)))?;
        drop(file);
        let n = bytes.len() as u64;
        let too_large = |limit| (self.name.clone(), entry.to_string(), limit);
        if n > self.limits.max_entry_bytes {
            let (zip, entry, limit) = too_large(self.limits.max_entry_bytes);
            return Err(ZipError::EntryTooLarge { zip, entry, limit });
        }
        if self.total + n > self.limits.max_total_bytes {
            let (zip, entry, limit) = too_large(self.limits.max_total_bytes);
            return Err(ZipError::TotalTooLarge { zip, entry, limit });
        }
        self.total += n;
        Ok(bytes)
    }

    /// Decompresses every file, in archive order: `(name in the archive, bytes)`.
    pub fn read_all(mut self) -> Result<Vec<(String, Vec<u8>)>, ZipError> {
        let files = std::mem::take(&mut self.files);
        let mut out = Vec::with_capacity(files.len());
        for name in files {
            let bytes = self.read(&name)?;
            out.push((name, bytes));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut writer = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn files_read_within_their_limits_and_the_total_counts_every_read() {
        let bytes = zip_of(&[("a/one.txt", b"12345".to_vec()), ("a/two.txt", b"678".to_vec())]);
        let limits = Limits { max_total_bytes: 10, max_entry_bytes: 5, max_entries: 2 };
        let mut zip = SafeZip::new(Cursor::new(bytes.clone()), "t.zip", &limits).unwrap();
        assert_eq!(zip.files(), ["a/one.txt", "a/two.txt"]);
        assert_eq!(zip.read("a/one.txt").unwrap(), b"12345");
        assert!(matches!(zip.read("a/three.txt"), Err(ZipError::Entry { entry, .. }) if entry == "a/three.txt"));
        assert_eq!(zip.read("a/two.txt").unwrap(), b"678");
        // 8 bytes read so far: the first file again passes the total of 10.
        let err = zip.read("a/one.txt").unwrap_err();
        assert!(
            matches!(&err, ZipError::TotalTooLarge { zip, entry, limit: 10 } if zip == "t.zip" && entry == "a/one.txt")
        );
        let err = SafeZip::new(Cursor::new(bytes), "t.zip", &Limits { max_entries: 1, ..limits }).unwrap_err();
        assert_eq!(err.to_string(), "t.zip has 2 entries, more than the 1 allowed");
    }
}
