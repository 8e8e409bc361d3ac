object 85832747320fb63ec5a9411ce4ffe9b020f9625a
type commit
tag tag-unsigned
tagger Test Committer <committer@example.com> 1764080000 +0000

Tag tag-unsigned
