package docker

default allow := false

# Pinned alpine images are allowed.
allow if {
	input.image.repo == "alpine"
	input.image.tag != "latest"
}

# The local build context is allowed.
allow if input.local.name == "context"

# Sources from Docker's GitHub organisation are allowed (no test reaches this).
allow if {
	input.git.host == "github.com"
	startswith(input.git.remote, "https://github.com/docker/")
}

deny_msg contains msg if {
	input.image.tag == "latest"
	msg := sprintf("image %s uses the latest tag", [input.image.repo])
}

deny_msg contains "only alpine images are allowed" if {
	input.image.repo != "alpine"
}

decision := {"allow": allow, "deny_msg": deny_msg}
