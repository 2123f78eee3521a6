#!/usr/bin/env bash
# Shared, idempotent set-up for scripts/run and scripts/test. Source it; call the steps you need.
# Everything comes from the package registries this project may use (PyPI, Debian, npm).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
TOOLS="$ROOT/.tools"
BUN_VERSION="1.4.5"

# The toolchain's environment (scripts/toolchain.env, which tests/conftest.py reads too).
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  name="${line%%=*}"
  value="${line#*=}"
  case "$value" in .*) value="$ROOT/${value#./}" ;; esac
  if [ "$name" = "PATH+" ]; then
    export PATH="$value:$PATH"
  else
    export "$name=$value"
  fi
done < "$ROOT/scripts/toolchain.env"

log() { printf '\033[1;34m[clawscale]\033[0m %s\n' "$*" >&2; }

apt_install() {
  log "installing Debian packages: $*"
  if [ -z "${CLAWSCALE_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    export CLAWSCALE_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pick_python() {
  local candidate
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  apt_install python3 python3-venv python3-dev
  echo python3
}

setup_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating the virtualenv in .venv"
    "$(pick_python)" -m venv "$VENV"
  fi
  local wanted stamp="$VENV/.requirements.sha256"
  wanted="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    log "installing pinned Python requirements"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements.txt"
    echo "$wanted" >"$stamp"
  fi
  compile_catalogs
}

compile_catalogs() {
  log "compiling the translation catalogs"
  "$ROOT/scripts/i18n" compile 2>/dev/null || "$ROOT/scripts/i18n" compile
}

setup_frontend_toolchain() {
  if [ -x "$TOOLS/bun/node_modules/.bin/bun" ] &&
    [ "$("$TOOLS/bun/node_modules/.bin/bun" --version)" = "$BUN_VERSION" ]; then
    return
  fi
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  log "installing bun $BUN_VERSION from the npm registry"
  npm install --silent --no-save --no-audit --no-fund --prefix "$TOOLS/bun" "bun@$BUN_VERSION"
}

setup_chromium() {
  export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
  [ -x "$CHROMIUM_PATH" ] || apt_install chromium
  # Chinese pages need a CJK font, or Chromium draws every character as an empty box.
  fc-list :lang=zh 2>/dev/null | grep -q . || apt_install fonts-noto-cjk
}

postgres_answers() {
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null
}

setup_postgres() {
  if ! command -v pg_isready >/dev/null 2>&1 || ! command -v pg_lsclusters >/dev/null 2>&1; then
    apt_install postgresql
    trust_local_tcp
  fi
  if ! postgres_answers; then
    local version
    version="$(pg_lsclusters --no-header | awk 'NR==1 {print $1}')"
    if [ -z "$version" ]; then
      version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
      pg_createcluster "$version" main >/dev/null
      trust_local_tcp
    fi
    log "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 30); do postgres_answers && break; sleep 1; done
  fi
  postgres_answers || { log "PostgreSQL does not answer on 127.0.0.1:5432"; return 1; }
  if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='clawscale_test'" |
    grep -q 1; then
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE clawscale_test"
  fi
  export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/clawscale_test}"
}

redis_answers() {
  command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]
}

setup_redis() {
  # Reflex's state manager when several backends run; the scale-out tests use it.
  redis_answers && return
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server redis-tools
  log "starting Redis on 127.0.0.1:6379"
  mkdir -p /tmp/clawscale-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/clawscale-redis --logfile /tmp/clawscale-redis/redis.log
  for _ in $(seq 1 30); do redis_answers && break; sleep 0.5; done
  redis_answers || { log "Redis does not answer on 127.0.0.1:6379"; return 1; }
}

trust_local_tcp() {
  # A server this script installed is a throwaway test server: let local TCP in without a password.
  local hba
  for hba in /etc/postgresql/*/main/pg_hba.conf; do
    [ -f "$hba" ] || continue
    grep -q '^host all all 127.0.0.1/32 trust' "$hba" ||
      sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$(echo "$hba" | cut -d/ -f4)" main reload 2>/dev/null || true
  done
}

migrate_database() {
  log "applying database migrations"
  (cd "$ROOT" && "$VENV/bin/python" -m clawscale db upgrade)
}
