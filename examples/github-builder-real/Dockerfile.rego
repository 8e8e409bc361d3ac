# Images must be built and signed by docker/github-builder, from the GitHub repository that owns
# them and the Git ref their tag names (`edge` = the main branch, any other tag = that Git tag).
# Run against real public-good signatures (docker/github-builder-experimental, 2025-10-31).
package docker

default allow := false

allow if input.local

# Which GitHub repository must have built each image.
builders := {
	"public.ecr.aws/q3b5f1u4/test-docker-action": "docker/github-builder-test",
	"public.ecr.aws/q3b5f1u4/other-action": "docker/other-action",
}

expected_ref := "refs/heads/main" if input.image.tag == "edge"

expected_ref := concat("", ["refs/tags/", input.image.tag]) if input.image.tag != "edge"

allow if {
	repo := builders[input.image.repo]
	docker_github_builder(input.image, repo)
	some sig in input.image.signatures
	sig.signer.sourceRepositoryRef == expected_ref
}

deny_msg contains msg if {
	input.image
	not allow
	repo := object.get(builders, input.image.repo, "an allowed repository")
	msg := sprintf("%s: no docker/github-builder signature from %s at %s", [input.image.ref, repo, expected_ref])
}

decision := {"allow": allow, "deny_msg": deny_msg}
