# A git source fetched from a test server (any host): an annotated tag signed by the release key
# of examples/git-signed-tag (keys read from --context examples/git-signed-tag/context).
# host/tests/fetch.rs.
package docker

default allow := false

allow if {
	input.git.isAnnotatedTag
	verify_git_signature(input.git.tag, "keys/release.asc")
}

decision := {"allow": allow}
