-- Trecho do census.sql do Wareline: o que $cbo vira quando o catálogo mostra a coluna cadprest.cbo (CBO 2002,
-- que só algumas instalações têm). Preenchido, vale o cbo; vazio ou nulo, o cbos antigo.
COALESCE(NULLIF(TRIM(pr.cbo), ''), pr.cbos)
