object 4b825dc642cb6eb9a060e54bf8d69288fbee4904
type tree
tag t
tagger T <t@example.com> 1764072000 +2359

