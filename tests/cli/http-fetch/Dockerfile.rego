# An HTTP source fetched from a test server (any URL): the content must carry the detached
# OpenPGP signature of examples/http-pgp (signature and key from --context
# examples/http-pgp/context). host/tests/fetch.rs.
package docker

default allow := false

allow if verify_http_pgp_signature(input.http, "sigs/tool-1.2.3.tar.gz.asc", "keys/release.asc")

decision := {"allow": allow}
