-- Quando a senha do usuário do conector expira: a data de USER_USERS (vazia quando o perfil da conta tem
-- PASSWORD_LIFE_TIME UNLIMITED) e o estado da conta (OPEN, EXPIRED(GRACE), ...). Todo usuário lê a própria linha
-- de USER_USERS, sem GRANT algum. Roda uma vez a cada conexão nova; o conector avisa (log, /readyz, métrica e
-- `check`) quando faltam 14 dias ou menos.
SELECT EXPIRY_DATE AS expiry_date, ACCOUNT_STATUS AS account_status
FROM USER_USERS
