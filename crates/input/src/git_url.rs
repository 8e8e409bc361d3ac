//! Git URLs as BuildKit's `util/gitutil` parses them (`ParseURL`, `IsGitTransport`,
//! `IsCommitSHA`) and `dockerui.DetectGitContext` detects them. STUB: API fixed.

/// A git source: what `input.git` carries before any evidence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitSource {
    /// `https`, `http`, `ssh`, `git`.
    pub schema: String,
    /// The host.
    pub host: String,
    /// The remote URL without fragment.
    pub remote: String,
    /// The `git.fullurl` attribute, when the source had one.
    pub full_url: Option<String>,
    /// The ref of the fragment (`#ref:subdir`), if any.
    pub reference: Option<String>,
    /// The subdirectory of the fragment, `.`/`/` normalized to none.
    pub subdir: Option<String>,
}

/// `gitutil.IsCommitSHA`: 40 or 64 lowercase hex digits.
pub fn is_commit_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
