package docker

default allow := false

allow if {
	print("repo:", input.image.repo)
	some sig in input.image.signatures
	print("signer:", sig.signer.sourceRepositoryURI)
}

decision := {"allow": allow}
