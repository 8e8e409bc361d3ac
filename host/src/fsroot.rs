//! Reading the files a request names, and nothing else.
//!
//! The build context (`--context`), the evidence directory (`--evidence`) and the working
//! directory (`cwd://`) are **roots**: a name read under one is relative, has no `..`
//! component, and must resolve — symlinks followed — to a path inside the root. What it resolves
//! to must be a regular file: FIFOs, sockets, devices and directories are refused by type before
//! they are opened, and so is anything under `/proc`, `/sys` or `/dev`. The file is opened
//! without following a final symlink and without blocking (`O_NOFOLLOW | O_NONBLOCK`), and the
//! opened handle is checked again (a regular file, the same device and inode as the path that
//! was checked, and on Linux a path inside the root), so a file swapped between the check and
//! the open is refused rather than read.
//!
//! Every read is capped: at most `cap + 1` bytes are ever read (`Read::take`), so a sparse 1 TB
//! file or a link to `/dev/zero` never allocates more than its cap, and every byte counts against
//! a per-request [`Budget`]. A refusal is a [`ReadError`] with a stable [`ReadCode`] and a message
//! naming the file as the request named it; the CLI turns it into an `invalid-request` verdict.

use std::fs::{File, Metadata};
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

/// The largest build-context file (`load_json`, key, signature and bundle files, `--policy`
/// files read from the context): the largest of Buildx's own caps (a bundle, 8 MiB). The
/// component applies each function's smaller cap (KNOWN-DIFFERENCES row 12) and names a file
/// over it.
pub const MAX_CONTEXT_FILE: u64 = 8 << 20;

/// The largest evidence file (a blob, a git object, a bundle).
pub const MAX_EVIDENCE_FILE: u64 = 64 << 20;

/// The largest file named on the command line (an input document, a policy, a bundle, a
/// trusted root, a key, an artifact). The component's own limits (32 MiB for an input document)
/// are smaller; this only keeps the host from reading without bound.
pub const MAX_GIVEN_FILE: u64 = 256 << 20;

/// The most bytes one request reads from disk, all files together (policies, evidence,
/// build-context files, trusted root). Every byte read is copied into the component's linear
/// memory, which is capped at 1 GiB by default (`--max-memory`); the component then parses it
/// (JSON, certificates, git objects) and needs room to do so. A quarter of the default memory
/// is far above any real request (an image's evidence is a few hundred KiB) and still leaves
/// the sandbox room to reject the request itself.
pub const MAX_REQUEST_BYTES: u64 = 256 << 20;

/// The most files one evidence directory may hold (the component's own limit on OCI blobs is
/// 4096; more could never verify).
pub const MAX_EVIDENCE_FILES: usize = 4096;

verdict_codes::error_codes! {
    /// Why a file was not read.
    pub enum ReadCode {
        /// The name is absolute.
        AbsolutePath = "absolute-path",
        /// The name has a `..` component, is empty, or holds a NUL byte.
        InvalidName = "invalid-name",
        /// The name resolves (through a symlink) to a path outside its root.
        LeavesRoot = "leaves-root",
        /// Not a regular file: a FIFO, a socket, a device, a directory.
        NotRegular = "not-regular-file",
        /// Under `/proc`, `/sys` or `/dev`.
        SpecialFilesystem = "special-filesystem",
        /// Larger than its cap.
        TooLarge = "file-too-large",
        /// The request's files together are larger than [`MAX_REQUEST_BYTES`].
        RequestTooLarge = "request-too-large",
        /// A directory holds more files than allowed.
        TooManyFiles = "too-many-files",
        /// The file changed between the check and the open.
        Changed = "changed-while-opened",
        /// The file does not exist.
        NotFound = "not-found",
        /// A text file of the evidence (refs, a digest) that is not UTF-8: decoding it
        /// leniently would let two different files say the same thing.
        NotUtf8 = "not-utf8",
        /// Any other I/O failure (permissions, a symlink loop).
        Io = "io",
    }
}

verdict_codes::coded_error! {
    /// A file that was not read, and why.
    pub struct ReadError(ReadCode);
}

/// The bytes one request may still read.
#[derive(Debug, Clone)]
pub struct Budget {
    used: u64,
    limit: u64,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Budget {
        Budget { used: 0, limit }
    }

    /// The bytes read so far.
    pub fn used(&self) -> u64 {
        self.used
    }

    fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new(MAX_REQUEST_BYTES)
    }
}

/// A directory that names are read under.
#[derive(Debug, Clone)]
pub struct Root {
    canonical: PathBuf,
    what: &'static str,
}

impl Root {
    /// `dir` as a root; `what` names it in messages (`the build context`).
    pub fn open(dir: &Path, what: &'static str) -> Result<Root, ReadError> {
        let canonical = std::fs::canonicalize(dir)
            .map_err(|e| io_error(&e, &format!("{what} {}", dir.display())))?;
        if special_filesystem(&canonical) {
            return Err(ReadError::new(
                ReadCode::SpecialFilesystem,
                format!("{what} {} is under /proc, /sys or /dev", dir.display()),
            ));
        }
        let meta = std::fs::metadata(&canonical)
            .map_err(|e| io_error(&e, &format!("{what} {}", dir.display())))?;
        if !meta.is_dir() {
            return Err(ReadError::new(
                ReadCode::NotRegular,
                format!("{what} {} is not a directory", dir.display()),
            ));
        }
        Ok(Root { canonical, what })
    }

    /// The canonical path of the root.
    pub fn path(&self) -> &Path {
        &self.canonical
    }

    /// Where `name` resolves: relative, no `..`, and inside the root after every symlink.
    pub fn resolve(&self, name: &str) -> Result<PathBuf, ReadError> {
        let relative = checked_name(name, self.what)?;
        let joined = self.canonical.join(relative);
        let resolved = std::fs::canonicalize(&joined)
            .map_err(|e| io_error(&e, &format!("`{name}` in {}", self.what)))?;
        if !resolved.starts_with(&self.canonical) {
            return Err(ReadError::new(
                ReadCode::LeavesRoot,
                format!("`{name}` resolves to a path outside {}", self.what),
            ));
        }
        Ok(resolved)
    }

    /// The content of the regular file `name`, at most `cap` bytes, counted against `budget`.
    pub fn read(&self, name: &str, cap: u64, budget: &mut Budget) -> Result<Vec<u8>, ReadError> {
        let path = self.resolve(name)?;
        let shown = format!("`{name}` in {}", self.what);
        read_file(&path, &shown, cap, budget, Some(&self.canonical))
    }

    /// Like [`Root::read`], but a name that does not exist is `None`.
    pub fn read_optional(
        &self,
        name: &str,
        cap: u64,
        budget: &mut Budget,
    ) -> Result<Option<Vec<u8>>, ReadError> {
        match self.read(name, cap, budget) {
            Err(e) if e.code() == ReadCode::NotFound => Ok(None),
            other => other.map(Some),
        }
    }

    /// The sorted entry names of the directory `name` (`""` is the root itself); empty when
    /// it does not exist or is not a directory. Names that are not UTF-8 are skipped; more than
    /// `max` entries is [`ReadCode::TooManyFiles`].
    pub fn list(&self, name: &str, max: usize) -> Result<Vec<String>, ReadError> {
        let dir = if name.is_empty() {
            self.canonical.clone()
        } else {
            match self.resolve(name) {
                Ok(dir) => dir,
                Err(e) if e.code() == ReadCode::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(e),
            }
        };
        if !std::fs::metadata(&dir).is_ok_and(|m| m.is_dir()) {
            return Ok(Vec::new());
        }
        let shown = format!("`{name}` in {}", self.what);
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(|e| io_error(&e, &shown))? {
            let entry = entry.map_err(|e| io_error(&e, &shown))?;
            if out.len() == max {
                return Err(ReadError::new(
                    ReadCode::TooManyFiles,
                    format!("{shown} holds more than {max} entries"),
                ));
            }
            if let Ok(entry) = entry.file_name().into_string() {
                out.push(entry);
            }
        }
        out.sort();
        Ok(out)
    }
}

/// `name` as a relative path: not absolute, no `..`, not empty, no NUL.
fn checked_name<'a>(name: &'a str, what: &str) -> Result<&'a Path, ReadError> {
    let path = Path::new(name);
    if name.contains('\0') {
        return Err(ReadError::new(
            ReadCode::InvalidName,
            format!("{name:?} holds a NUL byte"),
        ));
    }
    let mut normal = 0;
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => {
                return Err(ReadError::new(
                    ReadCode::AbsolutePath,
                    format!("`{name}` is an absolute path; names in {what} are relative"),
                ));
            }
            Component::ParentDir => {
                return Err(ReadError::new(
                    ReadCode::InvalidName,
                    format!("`{name}` has a `..` component; names in {what} stay inside it"),
                ));
            }
            Component::CurDir => {}
            Component::Normal(_) => normal += 1,
        }
    }
    if normal == 0 {
        return Err(ReadError::new(
            ReadCode::InvalidName,
            format!("`{name}` names no file in {what}"),
        ));
    }
    Ok(path)
}

/// Whether a canonical path lies in a kernel pseudo filesystem.
fn special_filesystem(path: &Path) -> bool {
    ["/proc", "/sys", "/dev"]
        .iter()
        .any(|p| path.starts_with(p))
}

fn io_error(e: &std::io::Error, shown: &str) -> ReadError {
    let code = if e.kind() == std::io::ErrorKind::NotFound {
        ReadCode::NotFound
    } else {
        ReadCode::Io
    };
    ReadError::new(code, format!("{shown}: {e}"))
}

/// What a file that is not a regular file is.
fn kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

fn not_regular(meta: &Metadata, shown: &str) -> ReadError {
    ReadError::new(
        ReadCode::NotRegular,
        format!("{shown} is {}, not a regular file", kind(meta)),
    )
}

fn too_large(shown: &str, size: u64, cap: u64) -> ReadError {
    ReadError::new(
        ReadCode::TooLarge,
        format!("{shown} is {size} bytes, over the host's {cap}-byte limit"),
    )
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}

/// Opens a checked path: never follows a final symlink, never blocks on a FIFO.
fn open_nofollow(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

/// On Linux, where the opened handle really is (the kernel's name for it).
#[cfg(target_os = "linux")]
fn opened_path(file: &File) -> Option<PathBuf> {
    use std::os::fd::AsRawFd as _;
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()
}

#[cfg(not(target_os = "linux"))]
fn opened_path(_: &File) -> Option<PathBuf> {
    None
}

/// Reads a regular file at a canonical `path` (under `root` when given), capped.
fn read_file(
    path: &Path,
    shown: &str,
    cap: u64,
    budget: &mut Budget,
    root: Option<&Path>,
) -> Result<Vec<u8>, ReadError> {
    if special_filesystem(path) {
        return Err(ReadError::new(
            ReadCode::SpecialFilesystem,
            format!(
                "{shown} resolves to {}, under /proc, /sys or /dev",
                path.display()
            ),
        ));
    }
    // The type first: a FIFO or a device is never opened.
    let before = std::fs::symlink_metadata(path).map_err(|e| io_error(&e, shown))?;
    if !before.is_file() {
        return Err(not_regular(&before, shown));
    }
    if before.len() > cap {
        return Err(too_large(shown, before.len(), cap));
    }
    let file = open_nofollow(path).map_err(|e| {
        if e.raw_os_error() == Some(ELOOP) {
            ReadError::new(
                ReadCode::Changed,
                format!("{shown} became a symbolic link while it was opened"),
            )
        } else {
            io_error(&e, shown)
        }
    })?;
    let after = file.metadata().map_err(|e| io_error(&e, shown))?;
    if !after.is_file() {
        return Err(not_regular(&after, shown));
    }
    if !same_file(&before, &after) {
        return Err(ReadError::new(
            ReadCode::Changed,
            format!("{shown} was replaced while it was opened"),
        ));
    }
    if let (Some(root), Some(opened)) = (root, opened_path(&file))
        && !opened.starts_with(root)
    {
        return Err(ReadError::new(
            ReadCode::LeavesRoot,
            format!(
                "{shown} was opened at {}, outside its root",
                opened.display()
            ),
        ));
    }
    read_capped(file, shown, cap, budget)
}

#[cfg(unix)]
const ELOOP: i32 = libc::ELOOP;
#[cfg(not(unix))]
const ELOOP: i32 = -1;

/// At most `cap` bytes of `reader` (reading `cap + 1` at most to tell), counted against
/// `budget`.
fn read_capped(
    reader: impl std::io::Read,
    shown: &str,
    cap: u64,
    budget: &mut Budget,
) -> Result<Vec<u8>, ReadError> {
    let allowed = cap.min(budget.remaining());
    let mut bytes = Vec::new();
    reader
        .take(allowed.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(&e, shown))?;
    let read = bytes.len() as u64;
    if read > cap {
        return Err(ReadError::new(
            ReadCode::TooLarge,
            format!("{shown} is over the host's {cap}-byte limit"),
        ));
    }
    if read > allowed {
        return Err(ReadError::new(
            ReadCode::RequestTooLarge,
            format!(
                "{shown} takes the request's files over {} bytes together",
                budget.limit
            ),
        ));
    }
    budget.used += read;
    Ok(bytes)
}

/// Reads a file named on the command line (`-` is not handled here), at most `cap` bytes,
/// counted against `budget`. The user chose the path, so a FIFO (`<(cmd)`) is read; the cap
/// still holds.
pub fn read_given(
    path: &Path,
    what: &str,
    cap: u64,
    budget: &mut Budget,
) -> Result<Vec<u8>, ReadError> {
    let shown = format!("{what} {}", path.display());
    let file = File::open(path).map_err(|e| io_error(&e, &shown))?;
    let meta = file.metadata().map_err(|e| io_error(&e, &shown))?;
    if meta.is_dir() {
        return Err(not_regular(&meta, &shown));
    }
    if meta.is_file() && meta.len() > cap {
        return Err(too_large(&shown, meta.len(), cap));
    }
    read_capped(file, &shown, cap, budget)
}

/// Reads a regular file found by walking a directory the user named (`verdict test PATH`):
/// refused by type before it is opened, capped.
pub fn read_found(path: &Path, cap: u64, budget: &mut Budget) -> Result<Vec<u8>, ReadError> {
    let shown = format!("{}", path.display());
    let canonical = std::fs::canonicalize(path).map_err(|e| io_error(&e, &shown))?;
    read_file(&canonical, &shown, cap, budget, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        // (name, the refusal, or none)
        let cases: &[(&str, Option<ReadCode>)] = &[
            ("a.json", None),
            ("./a.json", None),
            ("keys/a.asc", None),
            ("a//b", None),
            ("/etc/passwd", Some(ReadCode::AbsolutePath)),
            ("//etc/passwd", Some(ReadCode::AbsolutePath)),
            ("../x", Some(ReadCode::InvalidName)),
            ("a/../b", Some(ReadCode::InvalidName)),
            ("a/..", Some(ReadCode::InvalidName)),
            ("", Some(ReadCode::InvalidName)),
            (".", Some(ReadCode::InvalidName)),
            ("./", Some(ReadCode::InvalidName)),
            ("a\0b", Some(ReadCode::InvalidName)),
        ];
        for (name, want) in cases {
            let got = checked_name(name, "the build context")
                .err()
                .map(|e| e.code());
            assert_eq!(got, *want, "{name:?}");
        }
    }

    #[test]
    fn caps_and_budget() {
        // (bytes, cap, budget, the refusal or none)
        let cases: &[(usize, u64, u64, Option<ReadCode>)] = &[
            (10, 10, 10, None),
            (10, 9, 100, Some(ReadCode::TooLarge)),
            (10, 10, 9, Some(ReadCode::RequestTooLarge)),
            (0, 0, 0, None),
            (1, 0, 100, Some(ReadCode::TooLarge)),
        ];
        for (len, cap, limit, want) in cases {
            let mut budget = Budget::new(*limit);
            let got = read_capped(&vec![7u8; *len][..], "f", *cap, &mut budget);
            assert_eq!(
                got.as_ref().err().map(ReadError::code),
                *want,
                "{len} {cap} {limit}"
            );
            let used = if want.is_none() { *len as u64 } else { 0 };
            assert_eq!(budget.used(), used, "{len} {cap} {limit}");
        }
        // An endless reader (think /dev/zero) stops one byte past the cap.
        let mut budget = Budget::new(u64::MAX);
        let got = read_capped(std::io::repeat(0), "zero", 1 << 20, &mut budget);
        assert_eq!(got.unwrap_err().code(), ReadCode::TooLarge);
        // The budget spans reads.
        let mut budget = Budget::new(15);
        read_capped(&[0u8; 10][..], "a", 10, &mut budget).unwrap();
        let second = read_capped(&[0u8; 10][..], "b", 10, &mut budget);
        assert_eq!(second.unwrap_err().code(), ReadCode::RequestTooLarge);
        assert_eq!(budget.used(), 10);
    }

    #[cfg(unix)]
    #[test]
    fn root_reads() {
        use std::os::unix::fs::symlink;
        let base = std::env::temp_dir().join(format!("verdict-fsroot-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root_dir = base.join("root");
        std::fs::create_dir_all(root_dir.join("sub")).unwrap();
        std::fs::write(root_dir.join("sub/in.txt"), b"in").unwrap();
        std::fs::write(base.join("out.txt"), b"out").unwrap();
        symlink("sub/in.txt", root_dir.join("link-in")).unwrap();
        symlink("../out.txt", root_dir.join("link-out")).unwrap();
        symlink("..", root_dir.join("up")).unwrap();
        symlink("/dev/null", root_dir.join("null")).unwrap();
        symlink("missing", root_dir.join("dangling")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(root_dir.join("fifo"))
            .status()
            .unwrap();
        assert!(fifo.success());
        let root = Root::open(&root_dir, "the test root").unwrap();
        // (name, the content, or the refusal)
        let cases: &[(&str, Result<&[u8], ReadCode>)] = &[
            ("sub/in.txt", Ok(b"in")),
            ("link-in", Ok(b"in")),
            ("sub/./in.txt", Ok(b"in")),
            ("link-out", Err(ReadCode::LeavesRoot)),
            ("up/out.txt", Err(ReadCode::LeavesRoot)),
            ("up/root/sub/in.txt", Ok(b"in")),
            ("null", Err(ReadCode::LeavesRoot)),
            ("fifo", Err(ReadCode::NotRegular)),
            ("sub", Err(ReadCode::NotRegular)),
            ("dangling", Err(ReadCode::NotFound)),
            ("nope", Err(ReadCode::NotFound)),
            ("../out.txt", Err(ReadCode::InvalidName)),
            ("/etc/passwd", Err(ReadCode::AbsolutePath)),
        ];
        for (name, want) in cases {
            let got = root.read(name, 1 << 20, &mut Budget::default());
            match (got, want) {
                (Ok(bytes), Ok(want)) => assert_eq!(bytes, *want, "{name}"),
                (Err(e), Err(want)) => {
                    assert_eq!(e.code(), *want, "{name}: {e}");
                    assert!(e.message().contains(&format!("`{name}`")), "{e}");
                }
                (got, want) => panic!("{name}: {got:?}, want {want:?}"),
            }
        }
        assert_eq!(
            root.read("sub/in.txt", 1, &mut Budget::default())
                .unwrap_err()
                .code(),
            ReadCode::TooLarge
        );
        assert_eq!(root.list("", 100).unwrap().len(), 7);
        assert_eq!(root.list("", 3).unwrap_err().code(), ReadCode::TooManyFiles);
        assert_eq!(root.list("nope", 3).unwrap(), Vec::<String>::new());
        assert_eq!(
            Root::open(Path::new("/proc/self"), "proc")
                .unwrap_err()
                .code(),
            ReadCode::SpecialFilesystem
        );
        let _ = std::fs::remove_dir_all(&base);
    }
}
