"""Driver errors of every backend become the right operator message (messages as the drivers word them)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, OperationalError

from connector.source.errors import translate

SQL = "SELECT 1 FROM DBAMV.ATENDIME a JOIN DBAMV.PACIENTE p ON 1 = 1"
ORACLE = make_url("oracle+oracledb://hoteleitos:segredo@10.0.0.10:1521/?service_name=PROD")
MSSQL = make_url("mssql+pyodbc://hoteleitos:segredo@10.0.0.11:1433/his?driver=FreeTDS")
MYSQL = make_url("mysql+pymysql://hoteleitos:segredo@10.0.0.12:3306/his")
FIREBIRD = make_url("firebird+firebird://hoteleitos:segredo@10.0.0.13:3050//dados/spdata.fdb")


class Orig(Exception):
    """A driver exception carrying only its message (and, for psycopg, a sqlstate)."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


CASES = [
    (ORACLE, "ORA-01017: invalid username/password; logon denied", "auth"),
    (ORACLE, "DPY-6005: cannot connect to database. ORA-12541: TNS:no listener", "unreachable"),
    (ORACLE, "DPY-6001: cannot connect to database (CONNECTION_ID=x). ORA-12514: listener does not currently "
             "know of service requested in connect descriptor", "unknown_service"),
    (ORACLE, "ORA-12505: TNS:listener does not currently know of SID given in connect descriptor", "unknown_service"),
    (ORACLE, "ORA-00942: table or view does not exist", "missing_table"),
    (ORACLE, "DPY-4024: call timeout of 60000 ms exceeded", "timeout"),
    (ORACLE, "ORA-01013: user requested cancel of current operation", "timeout"),
    (ORACLE, "ORA-03113: end-of-file on communication channel", "connection_lost"),
    (ORACLE, "ORA-00904: \"X\".\"Y\": invalid identifier", "missing_column"),
    (MSSQL, "('28000', \"[28000] [FreeTDS][SQL Server]Login failed for user 'hoteleitos'. (18456)\")", "auth"),
    (MSSQL, "('08001', '[08001] [FreeTDS][SQL Server]Unable to connect to data source (0)')", "unreachable"),
    (MSSQL, "('08S01', '[08S01] [FreeTDS][SQL Server]Adaptive Server is unavailable or does not exist (20009)')",
     "unreachable"),
    (MSSQL, "('42S02', \"[42S02] [FreeTDS][SQL Server]Invalid object name 'dbo.ATENDIME'. (208)\")", "missing_table"),
    (MSSQL, "('42000', \"[42000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]The SELECT permission was "
            "denied on the object 'ATENDIME', database 'his', schema 'dbo'. (229)\")", "permission"),
    (MSSQL, "('HYT00', '[HYT00] [Microsoft][ODBC Driver 18 for SQL Server]Query timeout expired (0)')", "timeout"),
    (MYSQL, "(1045, \"Access denied for user 'hoteleitos'@'10.0.0.1' (using password: YES)\")", "auth"),
    (MYSQL, "(2003, \"Can't connect to MySQL server on '10.0.0.12' ([Errno 111] Connection refused)\")",
     "unreachable"),
    (MYSQL, "(1146, \"Table 'his.ATENDIME' doesn't exist\")", "missing_table"),
    (MYSQL, "(2013, 'Lost connection to MySQL server during query')", "connection_lost"),
    (MYSQL, "(3024, 'Query execution was interrupted, maximum statement execution time exceeded')", "timeout"),
    (FIREBIRD, "Your user name and password are not defined. Ask your database administrator to set up a Firebird "
               "login.", "auth"),
    (FIREBIRD, 'Unable to complete network request to host "10.0.0.13".\n-Failed to establish a connection.',
     "unreachable"),
    (FIREBIRD, 'I/O error during "open" operation for file "/dados/spdata.fdb"\n-Error while trying to open file',
     "unknown_database"),
    (FIREBIRD, "Dynamic SQL Error\n-SQL error code = -204\n-Table unknown\n-RICADINT\n-At line 1, column 15",
     "missing_table"),
    (FIREBIRD, "Dynamic SQL Error\n-SQL error code = -206\n-Column unknown\n-R.SEXO", "missing_column"),
    (FIREBIRD, "no permission for SELECT access to TABLE RICADPAC\n-Effective user is HOTELEITOS", "permission"),
    (FIREBIRD, "operation was cancelled", "timeout"),
    (FIREBIRD, "Error reading data from the connection.", "connection_lost"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "message", "kind"), CASES)
def test_driver_messages_map_to_kinds(url: Any, message: str, kind: str) -> None:
    """Each backend's wording lands in the right kind; neither password nor driver text leaks."""
    error = translate(DatabaseError(SQL, {}, Orig(message)), url, SQL)
    assert error.kind == kind
    assert "segredo" not in error.message
    assert message not in error.message


def test_missing_table_on_oracle_lists_the_grants_to_run() -> None:
    """Oracle does not say which table: the message lists the census tables and a GRANT."""
    error = translate(DatabaseError(SQL, {}, Orig("ORA-00942: table or view does not exist")), ORACLE, SQL)
    assert "DBAMV.ATENDIME, DBAMV.PACIENTE" in error.message
    assert "GRANT SELECT ON DBAMV.ATENDIME TO hoteleitos;" in error.message


def test_mssql_permission_names_the_table() -> None:
    """SQL Server names the refused object: the GRANT targets it."""
    message = "[42000] The SELECT permission was denied on the object 'PACIENTE', database 'his', schema 'dbo'."
    error = translate(DatabaseError(SQL, {}, Orig(message)), MSSQL, SQL)
    assert "GRANT SELECT ON PACIENTE TO [hoteleitos];" in error.message


def test_postgresql_9_permission_message_names_the_table() -> None:
    """Before PostgreSQL 11 the message says `for relation cadconv`, unquoted."""
    orig = Orig("permission denied for relation cadconv", sqlstate="42501")
    error = translate(DatabaseError(SQL, {}, orig), make_url("postgresql+psycopg://leitor@h/db1"), SQL)
    assert "GRANT SELECT ON cadconv TO leitor;" in error.message


def test_firebird_permission_is_not_mistaken_for_a_wrong_password() -> None:
    """Firebird gives both SQLSTATE 28000: the refused table gets its GRANT, not the password advice."""
    orig = Orig("no permission for SELECT access to TABLE RICADPAC\n-Effective user is HOTELEITOS", sqlstate="28000")
    error = translate(DatabaseError(SQL, {}, orig), FIREBIRD, "SELECT 1 FROM RILEITOS l JOIN RICADPAC p ON 1 = 1")
    assert error.kind == "permission"
    assert "GRANT SELECT ON RICADPAC TO USER hoteleitos;" in error.message


def test_table_named_alone_gets_the_schema_the_query_uses() -> None:
    """PostgreSQL names the refused table without its schema: the GRANT takes the schema from the query."""
    orig = Orig("permission denied for table paciente", sqlstate="42501")
    error = translate(DatabaseError(SQL, {}, orig), make_url("postgresql+psycopg://leitor@h/db"), SQL)
    assert "GRANT USAGE ON SCHEMA DBAMV TO leitor; GRANT SELECT ON DBAMV.PACIENTE TO leitor;" in error.message


def test_oracle_unknown_service_names_it_once() -> None:
    """The service name appears quoted, once."""
    error = translate(DatabaseError(SQL, {}, Orig("ORA-12514: listener")), ORACLE, SQL)
    assert "'PROD'" in error.message


def test_data_values_in_driver_messages_never_reach_the_operator() -> None:
    """A conversion error quoting a patient's value is reported by code only."""
    orig = Orig('invalid input syntax for type date: "MARIA DA SILVA"', sqlstate="22007")
    error = translate(DatabaseError(SQL, {}, orig), make_url("postgresql+psycopg://u@h/db"), SQL)
    assert "MARIA" not in error.message and "MARIA" not in (error.detail or "")
    assert error.detail == "Orig 22007"


def test_unreachable_is_kind_even_without_a_code() -> None:
    """A connection refused without SQLSTATE is recognised by its words."""
    orig = Orig('connection failed: connection to server at "10.0.0.5", port 5432 failed: Connection refused')
    error = translate(OperationalError(SQL, {}, orig), make_url("postgresql+psycopg://u:pw@10.0.0.5/db"), SQL)
    assert error.kind == "unreachable"
    assert "10.0.0.5" in error.message
