object 006db045a7cd1d5b8d61acca2b0e0ca9903e7701
type commit
tag tag-unsigned
tagger Test Committer <committer@example.com> 1764080000 +0000

Tag tag-unsigned
