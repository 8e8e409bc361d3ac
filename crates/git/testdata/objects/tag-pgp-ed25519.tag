object 006db045a7cd1d5b8d61acca2b0e0ca9903e7701
type commit
tag tag-pgp-ed25519
tagger Test Committer <committer@example.com> 1764080000 +0000

Tag tag-pgp-ed25519
-----BEGIN PGP SIGNATURE-----

iIoEABYIADIWIQSa/qIIVDHegbcQHQ9K/VXfWoEQiwUCawbNwBQcZWQyNTUxOUBl
eGFtcGxlLmNvbQAKCRBK/VXfWoEQi9yMAP9SavWJa2xztpIjGV1ZAp6LqrPzhOCR
NYMSuruCr4rHywEAmHPdq8NkuwLb2PaR5C3+yLG3tWo56z+bNaofM6M5sQM=
=7a3U
-----END PGP SIGNATURE-----
