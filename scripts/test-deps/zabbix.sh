#!/usr/bin/env bash
# The Zabbix frontend (zabbix-frontend-php) reads its database settings from one
# fixed file, /etc/zabbix/zabbix.conf.php (Debian's build). Tests start their own
# PostgreSQL and frontend per run, so ours takes the settings from the
# environment of the `php -S` process that serves it (test/helpers/zabbix-server.ts).
# A zabbix.conf.php that is not ours (a real frontend on this machine) is left alone.
set -euo pipefail
conf=/etc/zabbix/zabbix.conf.php
marker='mgrd-test-frontend'
if [ -e "$conf" ] && ! grep -q "$marker" "$conf"; then
  echo "zabbix.sh: $conf exists and is not mgrd's: left alone (the Zabbix tests need it to be mgrd's)" >&2
  exit 0
fi
mkdir -p /etc/zabbix
cat >"$conf.tmp" <<'PHP'
<?php
// mgrd-test-frontend: written by mgrd's scripts/test-deps/zabbix.sh for its tests.
// The frontend of a test run is served by `php -S 127.0.0.1:<port>` with the
// database of the test's private PostgreSQL in that process's environment.
$DB['TYPE']           = 'POSTGRESQL';
$DB['SERVER']         = getenv('MGRD_ZBX_DB_HOST') ?: 'localhost';
$DB['PORT']           = getenv('MGRD_ZBX_DB_PORT') ?: '0';
$DB['DATABASE']       = getenv('MGRD_ZBX_DB_NAME') ?: 'zabbix';
$DB['USER']           = getenv('MGRD_ZBX_DB_USER') ?: 'zabbix';
$DB['PASSWORD']       = '';
$DB['SCHEMA']         = '';
$DB['ENCRYPTION']     = false;
$DB['KEY_FILE']       = '';
$DB['CERT_FILE']      = '';
$DB['CA_FILE']        = '';
$DB['VERIFY_HOST']    = false;
$DB['CIPHER_LIST']    = '';
$DB['VAULT_URL']      = '';
$DB['VAULT_DB_PATH']  = '';
$DB['VAULT_TOKEN']    = '';
$DB['DOUBLE_IEEE754'] = true;
$ZBX_SERVER           = '127.0.0.1';
$ZBX_SERVER_PORT      = getenv('MGRD_ZBX_SERVER_PORT') ?: '10051';
$ZBX_SERVER_NAME      = 'mgrd test';
$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
PHP
chmod 0644 "$conf.tmp"
mv "$conf.tmp" "$conf"
echo "zabbix.sh: wrote $conf"
