# An HTTP source fetched from a test server (any URL) must carry a GitHub attestation of acme/tool
# (SLSA v1, signed by acme/tool's workflow): fetched from the test's GitHub API
# (--github-api), verified with the minted root of tests/minted/artifact-github-builder.
# host/tests/fetch.rs.
package docker

default allow := false

allow if {
	sig := github_attestation(input.http, "acme/tool")
	sig.signer.sourceRepositoryURI == "https://github.com/acme/tool"
}

deny_msg contains msg if {
	not allow
	msg := sprintf("%s has no GitHub attestation of acme/tool", [input.http.url])
}

decision := {"allow": allow, "deny_msg": deny_msg}
