# Reads a file by an absolute path: the build context is a root, so this is refused (an
# `invalid-request` verdict naming the file), never read from the host's disk.
package docker

default allow := false

allow if {
	input.local
	load_json("/etc/passwd")
}

decision := {"allow": allow}
