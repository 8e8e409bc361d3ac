# acme/app images must be built by docker/github-builder from acme/app at the pulled tag.
package docker

default allow := false

allow if input.local

allow if {
	input.image.repo == "acme/app"
	docker_github_builder_tag(input.image, "acme/app", input.image.tag)
}

deny_msg contains msg if {
	input.image
	not allow
	msg := sprintf("%s: no docker/github-builder signature from acme/app for tag %s", [input.image.ref, input.image.tag])
}

decision := {"allow": allow, "deny_msg": deny_msg}
