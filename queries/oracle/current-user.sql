-- Catálogo, no `check`: o usuário conectado, para os GRANTs sugeridos ao DBA.
SELECT SYS_CONTEXT('USERENV', 'SESSION_USER') FROM DUAL
