# The same policy, given the signature another key made: not the release key, so denied.
package docker

default allow := false

allow if input.local

allow if input.image

pinned := {"https://downloads.acme.example/tool/1.2.3/tool-1.2.3.tar.gz": "sha256:e2e4ff6a5e5202cc078867dc81df3309c5b81076c3534ddf6998bce2a96f7f7f"}

signature_file := "sigs/tool-1.2.3.tar.gz.other.asc"

allow if {
	input.http.checksum == pinned[input.http.url]
	verify_http_pgp_signature(input.http, signature_file, "keys/release.asc")
}

deny_msg contains msg if {
	input.http
	not pinned[input.http.url]
	msg := sprintf("%s is not a pinned download", [input.http.url])
}

deny_msg contains msg if {
	want := pinned[input.http.url]
	input.http.checksum != want
	msg := sprintf("%s has checksum %s, want %s", [input.http.url, input.http.checksum, want])
}

deny_msg contains msg if {
	input.http.checksum == pinned[input.http.url]
	not verify_http_pgp_signature(input.http, signature_file, "keys/release.asc")
	msg := sprintf("%s is not signed by the release key", [input.http.url])
}

decision := {"allow": allow, "deny_msg": deny_msg}
