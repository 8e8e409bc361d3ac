object db616481de2613219faeec5b58a9eb922ede0cce
type commit
tag tag-pgp-ed25519
tagger Test Committer <committer@example.com> 1764080000 +0000

Tag tag-pgp-ed25519
-----BEGIN PGP SIGNATURE-----

iIoEABYIADIWIQQx+1eM2L77EfJ8hQHzs9lDJ8GvtQUCawbNwBQcZWQyNTUxOUBl
eGFtcGxlLmNvbQAKCRDzs9lDJ8GvtUF+AQC1tef9y7LisUUrHhNWQJjwBLIhzv58
sqwIlI2pbUbbRgEA/HaUPod/7DG8BcxVRzDbDejJDegaYZAlIsE6YDV29go=
=XKuF
-----END PGP SIGNATURE-----
