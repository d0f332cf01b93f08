-- Catálogo, no `check`: o usuário conectado, para os GRANTs sugeridos ao DBA.
SELECT CURRENT_USER FROM RDB$DATABASE
