object 85832747320fb63ec5a9411ce4ffe9b020f9625a
type commit
tag tag-pgp-ed25519
tagger Test Committer <committer@example.com> 1764080000 +0000

Tag tag-pgp-ed25519!
-----BEGIN PGP SIGNATURE-----

iIoEABYIADIWIQSb6111z6ZM84boTqsNkp31neNVPAUCawbNwBQcZWQyNTUxOUBl
eGFtcGxlLmNvbQAKCRANkp31neNVPPCVAQCPyQR2KqINI3teqscJM41TO4Drymo1
jk9Q1ecFLe5eFAD/Y8P+1xinw/s8xl0z3CzFqbYrlZ5++lWO84Mlkf08gAw=
=ur3j
-----END PGP SIGNATURE-----
