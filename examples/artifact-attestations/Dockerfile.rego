# Downloads (ADD https://…) must be attested: by docker/github-builder's SLSA provenance bundle kept
# next to them in the build context, by any SLSA provenance from an allowed repository, or — for
# GitHub release downloads — by their repository's GitHub attestations. Allowed repositories are
# read from the build context with load_json.
package docker

default allow := false

allow if input.local

allow if input.image

allowed := load_json("allowed.json")

file_name := name if {
	parts := split(input.http.path, "/")
	name := parts[count(parts) - 1]
}

bundle_file := concat("", ["attestations/", file_name, ".sigstore.json"])

allow if {
	some repo in allowed.builder
	docker_github_builder_bundle(input.http, bundle_file, repo)
}

allow if {
	sig := artifact_attestation(input.http, bundle_file)
	some repo in allowed.provenance
	sig.signer.sourceRepositoryURI == concat("", ["https://github.com/", repo])
}

allow if {
	sig := github_release_attestation(input.http)
	some repo in allowed.releases
	sig.signer.sourceRepositoryURI == concat("", ["https://github.com/", repo])
}

deny_msg contains msg if {
	input.http
	not allow
	msg := sprintf("%s has no attestation from an allowed repository", [input.http.url])
}

decision := {"allow": allow, "deny_msg": deny_msg}
