-- Catálogo, no `check`: o usuário conectado, para os GRANTs sugeridos ao DBA.
SELECT current_user
