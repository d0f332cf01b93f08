-- Abre cada leitura no Oracle (censo e sonda de mudança): a transação é só-leitura, e a leitura inteira vê um
-- único instante do banco. Fecha com ROLLBACK (nada foi escrito).
SET TRANSACTION READ ONLY
