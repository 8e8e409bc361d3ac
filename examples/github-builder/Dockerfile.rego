# Only accept org/app images built and signed by docker/github-builder's
# bake workflow, from org/app's own repository, for the tag being pulled.
package docker

default allow := false

# The build context and the Dockerfile itself are always fine.
allow if input.local

allow if {
	input.image.repo == "org/app"
	some sig in input.image.signatures
	github_builder_signature(sig)
	sig.signer.sourceRepositoryRef == sprintf("refs/tags/%s", [input.image.tag])
}

github_builder_signature(sig) if {
	sig.type == "bundle-v0.3"
	sig.signer.certificateIssuer == "CN=sigstore-intermediate,O=sigstore.dev"
	sig.signer.issuer == "https://token.actions.githubusercontent.com"
	sig.signer.sourceRepositoryURI == "https://github.com/org/app"
	startswith(sig.signer.buildSignerURI, "https://github.com/docker/github-builder/.github/workflows/bake.yml@")
	sig.signer.runnerEnvironment == "github-hosted"
	count(sig.timestamps) > 0
}

deny_msg contains msg if {
	input.image
	input.image.repo != "org/app"
	msg := sprintf("image %s is not org/app", [input.image.ref])
}

deny_msg contains msg if {
	input.image.repo == "org/app"
	not allow
	msg := sprintf("%s has no docker/github-builder signature for refs/tags/%s", [input.image.ref, input.image.tag])
}

decision := {"allow": allow, "deny_msg": deny_msg}
