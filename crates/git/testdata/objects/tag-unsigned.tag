object db616481de2613219faeec5b58a9eb922ede0cce
type commit
tag tag-unsigned
tagger Test Committer <committer@example.com> 1764080000 +0000

Tag tag-unsigned
