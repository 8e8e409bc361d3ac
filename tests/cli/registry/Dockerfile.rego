# Images pulled from a test registry (any host) must be built by docker/github-builder from
# acme/app at the pulled tag: host/tests/fetch.rs.
package docker

default allow := false

allow if docker_github_builder_tag(input.image, "acme/app", input.image.tag)

deny_msg contains msg if {
	not allow
	msg := sprintf("%s: no docker/github-builder signature from acme/app for tag %s", [input.image.ref, input.image.tag])
}

decision := {"allow": allow, "deny_msg": deny_msg}
