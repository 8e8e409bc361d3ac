object 90ddb0d2e8f514def20c5dfe6c6fcbf36cc42764
type commit
tag tag-unsigned
tagger Test Committer <committer@example.com> 1764080000 +0000

Tag tag-unsigned
