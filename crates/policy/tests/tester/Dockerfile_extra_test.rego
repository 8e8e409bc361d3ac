package docker

# A second clause of a test of Dockerfile_test.rego (one test, the same input) and a test
# with characters Go's encoder escapes.
test_alpine_allowed if {
	decision.allow with input as alpine_input
}

test_html_escaped if {
	allow with input as {"image": {"repo": "<alpine>", "tag": "a&b"}}
}
