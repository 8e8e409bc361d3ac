# Unit tests of Dockerfile.rego (`verdict test examples/github-builder-real`), on inputs shaped as
# verdict builds them (signatures as the verifier reports them).
package docker

signature(repo, ref) := {
	"kind": "docker-github-builder",
	"type": "bundle-v0.3",
	"signer": {
		"certificateIssuer": "CN=sigstore-intermediate,O=sigstore.dev",
		"subjectAlternativeName": "https://github.com/docker/github-builder/.github/workflows/build.yml@refs/heads/main",
		"issuer": "https://token.actions.githubusercontent.com",
		"buildSignerURI": "https://github.com/docker/github-builder/.github/workflows/build.yml@refs/heads/main",
		"runnerEnvironment": "github-hosted",
		"sourceRepositoryURI": concat("", ["https://github.com/", repo]),
		"sourceRepositoryRef": ref,
	},
	"timestamps": [{"type": "Tlog", "uri": "https://rekor.sigstore.dev", "timestamp": "2025-10-31T12:23:03Z"}],
}

image(tag, signatures) := {
	"ref": concat("", ["public.ecr.aws/q3b5f1u4/test-docker-action:", tag]),
	"repo": "public.ecr.aws/q3b5f1u4/test-docker-action",
	"tag": tag,
	"hasProvenance": true,
	"signatures": signatures,
}

test_edge_signed_from_main if {
	decision.allow with input as {"image": image("edge", [signature("docker/github-builder-test", "refs/heads/main")])}
}

test_release_tag_signed_from_the_tag if {
	decision.allow with input as {"image": image("v1.0.0", [signature("docker/github-builder-test", "refs/tags/v1.0.0")])}
}

test_release_tag_signed_from_main_denied if {
	not decision.allow with input as {"image": image("v1.0.0", [signature("docker/github-builder-test", "refs/heads/main")])}
}

test_other_repository_denied if {
	not decision.allow with input as {"image": image("edge", [signature("docker/other", "refs/heads/main")])}
}

test_unsigned_denied_with_a_message if {
	d := decision with input as {"image": object.remove(image("edge", []), ["signatures"])}
	not d.allow
	count(d.deny_msg) == 1
}

test_build_context_allowed if {
	decision.allow with input as {"local": {"name": "context"}}
}
