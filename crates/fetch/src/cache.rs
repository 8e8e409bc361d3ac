//! Blobs and manifests by digest, kept between checks.
//!
//! Only content-addressed bytes are cached (a tag or a referrers listing can change and is asked
//! again every time). The cache is untrusted: a file is read only if it is a regular file of at
//! most the caller's cap, and it is used only if it hashes to its name (a corrupt or replaced
//! file is removed and fetched again). Writers write a unique temporary file and rename it into
//! place, so concurrent checks never read a partial file.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::{digest_as, is_digest};

/// A directory of `<alg>/<hex>` files.
#[derive(Debug, Clone)]
pub struct BlobCache {
    dir: PathBuf,
}

impl BlobCache {
    /// The cache under `dir` (created when first written).
    pub fn new(dir: &Path) -> BlobCache {
        BlobCache {
            dir: dir.to_owned(),
        }
    }

    fn path(&self, digest: &str) -> Option<PathBuf> {
        let (alg, hex) = digest.split_once(':').filter(|_| is_digest(digest))?;
        Some(self.dir.join(alg).join(hex))
    }

    /// The bytes cached under `digest`, if they are there, at most `cap` bytes, and hash to it.
    pub fn get(&self, digest: &str, cap: u64) -> Option<Vec<u8>> {
        let path = self.path(digest)?;
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        // Never through a symlink, and never blocked by a FIFO swapped in: the opened file is
        // checked, not the name.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(
            &mut options,
            libc::O_NOFOLLOW | libc::O_NONBLOCK,
        );
        let file = options.open(&path).ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() > cap {
            return None;
        }
        let mut bytes = Vec::new();
        file.take(cap).read_to_end(&mut bytes).ok()?;
        if digest_as(digest, &bytes).as_deref() == Some(digest) {
            Some(bytes)
        } else {
            let _ = std::fs::remove_file(&path);
            None
        }
    }

    /// Keeps `bytes` (which the caller checked hash to `digest`). A cache that cannot be
    /// written is not an error: the check goes on without it.
    pub fn put(&self, digest: &str, bytes: &[u8]) {
        let Some(path) = self.path(digest) else {
            return;
        };
        let Some(parent) = path.parent() else {
            return;
        };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let tmp = parent.join(format!(".tmp-{}-{}", std::process::id(), unique()));
        // `create_new`: never through a symlink or a file someone left at that name.
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| f.write_all(bytes));
        if written.is_err() || std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// A name no other writer in this process uses, and that is hard to guess from outside it.
fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}-{nanos:09}", NEXT.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_is_not_used() {
        let dir = std::env::temp_dir().join(format!("verdict-fetch-cache-{}", std::process::id()));
        let cache = BlobCache::new(&dir);
        let bytes = b"hello".to_vec();
        let digest = digest_as("sha256:", &bytes).unwrap();
        assert_eq!(cache.get(&digest, 100), None);
        cache.put(&digest, &bytes);
        assert_eq!(cache.get(&digest, 100), Some(bytes));
        assert_eq!(cache.get(&digest, 4), None, "over the cap");
        let path = cache.path(&digest).unwrap();
        std::fs::write(&path, b"hellO").unwrap();
        assert_eq!(cache.get(&digest, 100), None, "does not hash to its name");
        assert!(!path.exists(), "the bad file is removed");
        assert_eq!(cache.path("sha256:../../etc/passwd"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
