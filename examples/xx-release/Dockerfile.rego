# "xx"-style release policy: tonistiigi/xx is trusted when docker/github-builder
# signed it for the Git tag v<version>, or when its digest is one of the
# pinned earlier releases that predate signed builds. Other images pass.
package docker

default allow := false

# Releases published before signing, pinned by index digest.
pinned_releases := {
	"sha256:9c4ecf2f4a27f4ad8a1d9e2b6b0d8e2c0f3a9a1bd1c6c6ae57d1a1c31a3c4e0b": "1.5.0",
	"sha256:6e1ad7d1e1b0c7ad3a85f9f2e3b8b1f0f8c6b3a9d2e3c1d4b5a6f7e8d9c0b1a2": "1.6.1",
}

is_xx if input.image.repo == "tonistiigi/xx"

allow if input.local

allow if {
	input.image
	not is_xx
}

allow if {
	is_xx
	some sig in input.image.signatures
	sig.kind == "docker-github-builder"
	sig.signer.sourceRepositoryURI == "https://github.com/tonistiigi/xx"
	sig.signer.sourceRepositoryRef == sprintf("refs/tags/v%s", [input.image.tag])
	count(sig.timestamps) > 0
}

allow if {
	is_xx
	pinned_releases[input.image.checksum]
}

deny_msg contains msg if {
	is_xx
	not allow
	msg := sprintf("tonistiigi/xx:%s is neither signed by docker/github-builder for v%s nor a pinned release", [input.image.tag, input.image.tag])
}

decision := {"allow": allow, "deny_msg": deny_msg}
