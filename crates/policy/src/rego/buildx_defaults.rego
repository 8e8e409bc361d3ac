# verdict's helper module for Buildx policies. Buildx loads its own helper module into every
# policy set in `package docker` (as `builtin/buildx_defaults.rego`); this one is written for
# verdict from the documented semantics of those helpers (model §5.2), and verdict loads it the
# same way, so a policy calls the helpers without an import.
package docker

# A signature made by docker/github-builder for the GitHub repository `repo` ("owner/name"):
# classified `docker-github-builder`, a Sigstore bundle, a Fulcio certificate issued by the
# public-good intermediate for a GitHub Actions token on a GitHub-hosted runner, the source
# repository exactly `https://github.com/<repo>`, and at least one verified timestamp.
docker_github_builder_signature(sig, repo) if {
	sig.kind == "docker-github-builder"
	sig.type == "bundle-v0.3"
	sig.signer.certificateIssuer == "CN=sigstore-intermediate,O=sigstore.dev"
	sig.signer.issuer == "https://token.actions.githubusercontent.com"
	sig.signer.sourceRepositoryURI == sprintf("https://github.com/%s", [repo])
	sig.signer.runnerEnvironment == "github-hosted"
	count(sig.timestamps) > 0
}

# The image has provenance and one of its signatures is a docker/github-builder signature for
# `repo`.
docker_github_builder(image, repo) if {
	image.hasProvenance
	some sig in image.signatures
	docker_github_builder_signature(sig, repo)
}

# As `docker_github_builder`, and a signature was made from the Git tag `tag`
# (`refs/tags/<tag>`).
docker_github_builder_tag(image, repo, tag) if {
	docker_github_builder(image, repo)
	some sig in image.signatures
	sig.signer.sourceRepositoryRef == sprintf("refs/tags/%s", [tag])
}

# The HTTP source's content is attested by the Sigstore bundle in `filename` (a file of the
# build context), signed by docker/github-builder for `repo`.
docker_github_builder_bundle(http, filename, repo) if {
	sig := artifact_attestation(http, filename)
	docker_github_builder_signature(sig, repo)
}

# For a GitHub release download (`https://github.com/<owner>/<repo>/releases/download/<tag>/<file>`),
# the first GitHub attestation of its content that verifies.
github_release_attestation(http) := sig if {
	http.schema == "https"
	lower(http.host) == "github.com"
	regex.match(`^/[^/]+/[^/]+/releases/download/[^/]+/.+$`, http.path)
	parts := split(http.path, "/")
	sig := github_attestation(http, sprintf("%s/%s", [parts[1], parts[2]]))
}
