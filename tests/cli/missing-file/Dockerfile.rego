# Reads a file by a name relative to the working directory (the repository's root), not to the
# build context (this directory): not found there, and the verdict says where it looked and
# offers `cwd://`.
package docker

default allow := false

allow if {
	input.local
	load_json("tests/cli/missing-file/data.json").ok
}

decision := {"allow": allow}
