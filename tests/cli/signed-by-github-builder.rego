package docker

# Allows only when a verified Sigstore bundle (`verdict eval --bundle`) was signed by a
# docker/github-builder run for the github-builder-test repository.

default allow := false

allow if {
	some s in input.signatures
	s.type == "bundle-v0.3"
	s.signer.sourceRepositoryURI == "https://github.com/docker/github-builder-test"
	s.signer.certificateIssuer == "CN=sigstore-intermediate,O=sigstore.dev"
	s.timestamps[0].type == "Tlog"
}

deny_msg contains "no verified signature from docker/github-builder-test" if not allow

decision := {"allow": allow, "deny_msg": deny_msg}
