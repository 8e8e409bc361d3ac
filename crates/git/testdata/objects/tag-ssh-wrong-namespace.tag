object 90ddb0d2e8f514def20c5dfe6c6fcbf36cc42764
type commit
tag tag-unsigned
tagger Test Committer <committer@example.com> 1764080000 +0000

Tag tag-unsigned
-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAg8Rn5o8rCOG6IUgNBnzjp0wZJ9D
5vbwcwum41NlOzyeIAAAAEZmlsZQAAAAAAAAAGc2hhNTEyAAAAUwAAAAtzc2gtZWQyNTUx
OQAAAEDacutDpS4mUJhuznNVlUb3FBZ3GT9JWzgS9tpWl5JlTNnhYmWf6BJkIIAxUEkKaI
wEotiqS/QxBke4Np/k8ZoK
-----END SSH SIGNATURE-----
