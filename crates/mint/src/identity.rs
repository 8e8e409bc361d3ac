//! Signer identities: the SAN and every Fulcio extension (`1.3.6.1.4.1.57264.1.8`–`.22`), with
//! presets for the signer kinds Buildx classifies (model §6.3).

use crate::util::{hex, sha256};
use crate::x509::San;

/// GitHub Actions' OIDC issuer.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// docker/github-builder's reusable build workflow at `refs/heads/main`.
pub const DOCKER_GITHUB_BUILDER_WORKFLOW: &str =
    "https://github.com/docker/github-builder/.github/workflows/build.yml@refs/heads/main";

/// Who a leaf certificate says signed. Empty fields are left out of the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The subject alternative name.
    pub san: San,
    /// `.1.8` OIDC issuer.
    pub issuer: String,
    /// `.1.9` Build Signer URI.
    pub build_signer_uri: String,
    /// `.1.10` Build Signer Digest.
    pub build_signer_digest: String,
    /// `.1.11` Runner Environment (`github-hosted`, `self-hosted`).
    pub runner_environment: String,
    /// `.1.12` Source Repository URI.
    pub source_repository_uri: String,
    /// `.1.13` Source Repository Digest.
    pub source_repository_digest: String,
    /// `.1.14` Source Repository Ref.
    pub source_repository_ref: String,
    /// `.1.15` Source Repository Identifier.
    pub source_repository_identifier: String,
    /// `.1.16` Source Repository Owner URI.
    pub source_repository_owner_uri: String,
    /// `.1.17` Source Repository Owner Identifier.
    pub source_repository_owner_identifier: String,
    /// `.1.18` Build Config URI.
    pub build_config_uri: String,
    /// `.1.19` Build Config Digest.
    pub build_config_digest: String,
    /// `.1.20` Build Trigger.
    pub build_trigger: String,
    /// `.1.21` Run Invocation URI.
    pub run_invocation_uri: String,
    /// `.1.22` Source Repository Visibility At Signing.
    pub source_repository_visibility_at_signing: String,
}

/// A fake but stable 40-hex-digit commit for `what`.
fn commit(what: &str) -> String {
    hex(&sha256(format!("verdict-mint commit {what}").as_bytes())[..20])
}

/// A fake but stable numeric ID for `what`.
fn numeric_id(what: &str) -> String {
    let h = sha256(format!("verdict-mint id {what}").as_bytes());
    (u64::from_be_bytes(h[..8].try_into().expect("8 bytes")) % 1_000_000_000 + 10_000_000)
        .to_string()
}

impl Identity {
    /// A bare identity: a SAN and an OIDC issuer, no other extension.
    pub fn new(san: San, issuer: &str) -> Identity {
        Identity {
            san,
            issuer: issuer.to_string(),
            build_signer_uri: String::new(),
            build_signer_digest: String::new(),
            runner_environment: String::new(),
            source_repository_uri: String::new(),
            source_repository_digest: String::new(),
            source_repository_ref: String::new(),
            source_repository_identifier: String::new(),
            source_repository_owner_uri: String::new(),
            source_repository_owner_identifier: String::new(),
            build_config_uri: String::new(),
            build_config_digest: String::new(),
            build_trigger: String::new(),
            run_invocation_uri: String::new(),
            source_repository_visibility_at_signing: String::new(),
        }
    }

    /// A GitHub Actions workflow identity: `signer_workflow` (`https://github.com/…/x.yml@ref`)
    /// running for the caller repository `org/repo` at `git_ref`, github-hosted, public.
    pub fn github_workflow(
        signer_workflow: &str,
        org: &str,
        repo: &str,
        git_ref: &str,
    ) -> Identity {
        let repo_uri = format!("https://github.com/{org}/{repo}");
        let build_config = format!("{repo_uri}/.github/workflows/release.yml@{git_ref}");
        let trigger = if git_ref.starts_with("refs/tags/") {
            "push"
        } else {
            "workflow_dispatch"
        };
        let run = numeric_id(&format!("run {org}/{repo} {git_ref}"));
        Identity {
            san: San::Uri(signer_workflow.to_string()),
            issuer: GITHUB_ACTIONS_ISSUER.to_string(),
            build_signer_uri: signer_workflow.to_string(),
            build_signer_digest: commit(signer_workflow),
            runner_environment: "github-hosted".to_string(),
            source_repository_uri: repo_uri.clone(),
            source_repository_digest: commit(&format!("{org}/{repo}@{git_ref}")),
            source_repository_ref: git_ref.to_string(),
            source_repository_identifier: numeric_id(&format!("repo {org}/{repo}")),
            source_repository_owner_uri: format!("https://github.com/{org}"),
            source_repository_owner_identifier: numeric_id(&format!("owner {org}")),
            build_config_uri: build_config,
            build_config_digest: commit(&format!("{org}/{repo}@{git_ref}")),
            build_trigger: trigger.to_string(),
            run_invocation_uri: format!("{repo_uri}/actions/runs/{run}/attempts/1"),
            source_repository_visibility_at_signing: "public".to_string(),
        }
    }

    /// Signed by docker/github-builder's `build.yml@refs/heads/main` for `org/repo` at
    /// `refs/tags/<tag>`: Buildx kind `docker-github-builder` (with the Fulcio intermediate).
    pub fn docker_github_builder(org: &str, repo: &str, tag: &str) -> Identity {
        Identity::github_workflow(
            DOCKER_GITHUB_BUILDER_WORKFLOW,
            org,
            repo,
            &format!("refs/tags/{tag}"),
        )
    }

    /// Signed by the repository's own workflow
    /// (`https://github.com/<org>/<repo>/.github/workflows/release.yml@<git_ref>`): Buildx kind
    /// `self-signed-github-repo`.
    pub fn self_signed_github_repo(org: &str, repo: &str, git_ref: &str) -> Identity {
        let workflow =
            format!("https://github.com/{org}/{repo}/.github/workflows/release.yml@{git_ref}");
        Identity::github_workflow(&workflow, org, repo, git_ref)
    }

    /// A person's email identity through GitHub's OAuth login: Buildx kind `self-signed`.
    pub fn self_signed(email: &str) -> Identity {
        Identity::new(
            San::Email(email.to_string()),
            "https://github.com/login/oauth",
        )
    }

    /// The deprecated Fulcio extensions Fulcio still writes, as raw bytes (not DER): `.1.1`
    /// OIDC issuer always; for GitHub Actions identities also `.1.2` trigger, `.1.3` commit,
    /// `.1.4` workflow name, `.1.5` repository, `.1.6` ref (Buildx does not expose them).
    pub fn deprecated_extensions(&self) -> Vec<(u32, String)> {
        let mut out = vec![(1, self.issuer.clone())];
        if self.issuer == GITHUB_ACTIONS_ISSUER {
            let repo = self
                .source_repository_uri
                .strip_prefix("https://github.com/")
                .unwrap_or_default();
            let fields = [
                (2, self.build_trigger.clone()),
                (3, self.source_repository_digest.clone()),
                (4, "Release".to_string()),
                (5, repo.to_string()),
                (6, self.source_repository_ref.clone()),
            ];
            out.extend(fields.into_iter().filter(|(_, v)| !v.is_empty()));
        }
        out
    }

    /// The Fulcio extensions this identity puts in a certificate, `(arc, value)` with OID
    /// `1.3.6.1.4.1.57264.1.<arc>`, in OID order, empty values left out.
    pub fn fulcio_extensions(&self) -> Vec<(u32, &str)> {
        let all: [(u32, &String); 15] = [
            (8, &self.issuer),
            (9, &self.build_signer_uri),
            (10, &self.build_signer_digest),
            (11, &self.runner_environment),
            (12, &self.source_repository_uri),
            (13, &self.source_repository_digest),
            (14, &self.source_repository_ref),
            (15, &self.source_repository_identifier),
            (16, &self.source_repository_owner_uri),
            (17, &self.source_repository_owner_identifier),
            (18, &self.build_config_uri),
            (19, &self.build_config_digest),
            (20, &self.build_trigger),
            (21, &self.run_invocation_uri),
            (22, &self.source_repository_visibility_at_signing),
        ];
        all.into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(a, v)| (a, v.as_str()))
            .collect()
    }
}
