#!/usr/bin/env bash
# A local Firebird 3.0 server for the tests (SPDATA runs on Firebird): installs Debian's firebird3.0-server when
# missing, sets the SYSDBA password the tests use, starts the server without systemd and waits until it accepts
# connections on 127.0.0.1:3050. Idempotent; run as root (`sudo ./scripts/firebird-server.sh`).
# The password is the one of HOTELEITOS_TEST_FIREBIRD_URL's default (tests/services.py); change both together.
set -euo pipefail
PASSWORD=${FIREBIRD_SYSDBA_PASSWORD:-masterkey}
SECURITY_DB=/var/lib/firebird/3.0/system/security3.fdb
PASSWORD_FILE=/etc/firebird/3.0/SYSDBA.password
RUN_DIR=/var/run/firebird3.0

server_answers() {  # the server accepts a SYSDBA login with $1 over TCP
  fbsvcmgr 127.0.0.1:service_mgr -user SYSDBA -password "$1" -info_server_version >/dev/null 2>&1
}

install_server() {
  if dpkg -s firebird3.0-server >/dev/null 2>&1; then return; fi
  echo "Instalando firebird3.0-server"
  # The package asks for the SYSDBA password: answer it before it asks (non-interactive install).
  printf 'firebird3.0-server shared/firebird/sysdba_password/first_install password %s\n' "$PASSWORD" \
    | debconf-set-selections
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firebird3.0-server >/dev/null
}

set_password_offline() {  # the server is stopped: change SYSDBA in the security database directly (embedded)
  echo "create or alter user SYSDBA password '$PASSWORD';" | isql-fb -q -user SYSDBA "$SECURITY_DB"
  chown -R firebird:firebird /var/lib/firebird/3.0
  sed -i "s/^ *ISC_PASSWORD=.*/ISC_PASSWORD=\"$PASSWORD\"/" "$PASSWORD_FILE" 2>/dev/null || true
}

set_password_online() {  # the server runs with the package's random password (kept in $PASSWORD_FILE)
  local old scratch
  old=$(sed -n 's/^ *ISC_PASSWORD="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$PASSWORD_FILE")
  scratch=/var/lib/firebird/3.0/data/hoteleitos-password-$$.fdb
  isql-fb -q -user SYSDBA -password "$old" >/dev/null <<SQL
create database '127.0.0.1:$scratch';
create or alter user SYSDBA password '$PASSWORD';
commit;
drop database;
SQL
  sed -i "s/^ *ISC_PASSWORD=.*/ISC_PASSWORD=\"$PASSWORD\"/" "$PASSWORD_FILE"
}

start_server() {
  mkdir -p "$RUN_DIR" && chown firebird:firebird "$RUN_DIR" && chmod 0770 "$RUN_DIR"
  start-stop-daemon --start --quiet --oknodo --chuid firebird --pidfile "$RUN_DIR/firebird.pid" \
    --exec /usr/sbin/fbguard -- -daemon -forever -pidfile "$RUN_DIR/firebird.pid"
}

install_server
if ! pidof /usr/sbin/fbguard >/dev/null; then
  server_answers "$PASSWORD" || set_password_offline
  echo "Firebird parado: iniciando"
  start_server
fi
for _ in $(seq 30); do
  if server_answers "$PASSWORD"; then exit 0; fi
  if [ -r "$PASSWORD_FILE" ] && ! grep -q "ISC_PASSWORD=\"$PASSWORD\"" "$PASSWORD_FILE" && pidof /usr/sbin/firebird >/dev/null; then
    set_password_online || true
  fi
  sleep 1
done
echo "Firebird não subiu (ou recusa a senha de SYSDBA em 127.0.0.1:3050)" >&2
exit 1
