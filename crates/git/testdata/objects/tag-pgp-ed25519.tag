object d2453d97228f5d56fd3de850754187abd9c8ce09
type commit
tag tag-pgp-ed25519
tagger Test Committer <committer@example.com> 1764080000 +0000

Tag tag-pgp-ed25519
-----BEGIN PGP SIGNATURE-----

iIoEABYIADIWIQRxAv3GuI+oP3Kj0c/MZ5d+pdk9jAUCawbNwBQcZWQyNTUxOUBl
eGFtcGxlLmNvbQAKCRDMZ5d+pdk9jKyPAQCvCZ2upbGgSBEtKnDxX7TBrwhbbDra
jZFB1KWDtgYl6gEA8Kk7nylOVwMoikPvXfRVpNyEm4HaGAkRRGQdWqsjkgA=
=NeCI
-----END PGP SIGNATURE-----
