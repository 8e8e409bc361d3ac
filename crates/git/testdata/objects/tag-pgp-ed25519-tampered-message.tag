object 90ddb0d2e8f514def20c5dfe6c6fcbf36cc42764
type commit
tag tag-pgp-ed25519
tagger Test Committer <committer@example.com> 1764080000 +0000

Tag tag-pgp-ed25519!
-----BEGIN PGP SIGNATURE-----

iIkEABYIADIWIQQt9AriX3hW0u9ao96wu4PhlNQSzwUCawbNwBQcZWQyNTUxOUBl
eGFtcGxlLmNvbQAKCRCwu4PhlNQSz6EhAP47KSI/KgQmp3M4vZaMm/cVkYxOdccD
0qQoPkfb83p6RwDxARi0y4vrRUoY+6z1ryWQs48IgjvDDpzKKm9clsHsBg==
=rhUg
-----END PGP SIGNATURE-----
