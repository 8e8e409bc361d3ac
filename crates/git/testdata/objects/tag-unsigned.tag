object d2453d97228f5d56fd3de850754187abd9c8ce09
type commit
tag tag-unsigned
tagger Test Committer <committer@example.com> 1764080000 +0000

Tag tag-unsigned
