object ced24f354ad9c4b29c466fbd418c740194c4524b
type commit
tag v1
tagger T <t@example.com> 1764080000 +0000

Tag v1
-----BEGIN PGP MESSAGE-----

owGbwMvMwCH20OH7yy+S0vqMp6uTGLLZzh7IT8pKTS5RSE5NMTJJMzY1SUyxTDZJ
MgISZmZpSSkmhhbJ5iYGhpYmySamRiZJXCWVBakKyfm5uZklXCWJ6QplhiAqPbVI
IUTBpsQhtSIxtyAnVQ+owk7B0NzMxMDCAAgUtEEkF1cIREdHGwuDGAeDnpgii+jh
Qpej0b2HwwLnbII5jpUJ5DIBmcSUMmQDGbg4BWBKzL0YGeaenugWlOFxbMbR+xVP
LthI/Hkg9/jBzRVyoc3d+x3bk9UYGa4avxW6dXPLjtjCfOFdBk2reljPKh/4t/Tg
BCfhKyp3A/kA
=ZOxe
-----END PGP MESSAGE-----
