-- Catálogo, no `check`: o usuário conectado ('nome'@'máquina'), para os GRANTs sugeridos ao DBA.
SELECT CURRENT_USER()
