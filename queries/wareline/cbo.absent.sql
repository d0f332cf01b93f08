-- Trecho do census.sql do Wareline: o que $cbo vira quando o catálogo não mostra a coluna cadprest.cbo.
pr.cbos
