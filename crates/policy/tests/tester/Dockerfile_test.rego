package docker

# An input defined as a rule of the test package.
alpine_input := {"image": {"repo": "alpine", "tag": "3.20"}}

test_alpine_allowed if {
	allow with input as alpine_input
}

test_latest_denied if {
	not allow with input as {"image": {"repo": "alpine", "tag": "latest"}}
	deny_msg["image alpine uses the latest tag"] with input as {"image": {"repo": "alpine", "tag": "latest"}}
}

test_local_context_allowed if {
	allow with input as {"local": {"name": "context"}}
}

# Fails: the policy denies busybox, with two messages.
test_busybox_allowed if {
	allow with input as {"image": {"repo": "busybox", "tag": "latest"}}
}

# No input: the decision is evaluated without one.
test_no_input_denies if {
	not allow
}

# Fails: a test whose value is false.
test_false := false

# The helper module is loaded with the policy.
test_helper_rejects_self_signed if {
	not docker_github_builder_signature({"kind": "self-signed"}, "docker/buildx")
}

# Not tests: a function, a non-boolean value, a name without the prefix.
test_with_args(x) if x == 1

test_value := "yes"

check_alpine if allow with input as alpine_input
