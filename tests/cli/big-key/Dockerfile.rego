# Build only from release tags of acme/app that are annotated and signed by the release key —
# with OpenPGP or with SSH (the pre-build gate docker/github-builder#203 asks for). Key files are
# read from the build context.
package docker

default allow := false

allow if input.local

allow if input.image

release_tag if {
	input.git.host == "github.com"
	input.git.remote == "https://github.com/acme/app.git"
	input.git.isAnnotatedTag
	startswith(input.git.tagName, "v")
}

allow if {
	release_tag
	verify_git_signature(input.git.tag, "keys/release.asc")
}

allow if {
	release_tag
	verify_git_signature(input.git.tag, "keys/release-ssh.pub")
}

deny_msg contains msg if {
	input.git
	not allow
	msg := sprintf("%s#%s is not an annotated release tag signed by the release key", [input.git.remote, object.get(input.git, "tagName", object.get(input.git, "ref", "(unresolved ref)"))])
}

decision := {"allow": allow, "deny_msg": deny_msg}
