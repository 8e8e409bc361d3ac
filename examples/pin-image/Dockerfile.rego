# Pin floating base images to reviewed digests: an allowed tag is converted to its digest
# (Buildx CONVERT: the build pulls `REF@DIGEST`), so a re-pushed tag cannot change the build.
package docker

default allow := false

allow if input.local

reviewed := {
	"docker.io/library/alpine:3.22": "sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1",
	"docker.io/library/golang:1.25": "sha256:8305f5fa8ea63c7b5bc85bd223ccc62941f852318ebfbd22f53bbd0b358c07e1",
}

allow if {
	digest := reviewed[input.image.ref]
	not input.image.isCanonical
	pin_image(input.image, digest)
}

# Already pinned to the reviewed digest, unless that digest was revoked since.
allow if {
	some ref, digest in reviewed
	input.image.fullRepo == split(ref, ":")[0]
	input.image.checksum == digest
	not revoked[digest]
}

# Digests withdrawn after review. A converted source is checked again (as Buildx does), so a
# tag pinned to a revoked digest ends denied.
revoked := {"sha256:8305f5fa8ea63c7b5bc85bd223ccc62941f852318ebfbd22f53bbd0b358c07e1"}

# A tag-only image has no checksum. `not revoked[input.image.checksum]` would then fail, as in
# OPA (the index is evaluated before negating), and the message would be lost: ask a rule.
revoked_image if revoked[input.image.checksum]

deny_msg contains msg if {
	input.image
	not allow
	not revoked_image
	msg := sprintf("%s is not a reviewed base image", [input.image.ref])
}

deny_msg contains msg if {
	revoked_image
	msg := sprintf("%s: digest %s was revoked", [input.image.ref, input.image.checksum])
}

decision := {"allow": allow, "deny_msg": deny_msg}
