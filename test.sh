#!/usr/bin/env bash
# Runs every test: unit, integration (wiremock Atlassian, stdio and HTTP end to end), the contract
# tests against Atlassian's OpenAPI document (Prism) and the OAuth tests against a real
# authorization server (oauth2-mock-server), and the MCP Python SDK's clients over HTTP; it installs
# the servers from npm and the SDK into tests/python/.venv when missing.
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
if [ ! -x tests/python/.venv/bin/python ] || ! tests/python/.venv/bin/python -c 'import mcp' 2>/dev/null; then
  if ! command -v python3 >/dev/null; then
    echo "test.sh: python3 (3.10 or newer) is needed for the MCP Python SDK client tests" >&2
    exit 1
  fi
  python3 -m venv tests/python/.venv
  tests/python/.venv/bin/pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
fi
export JIRA_MCP_REQUIRE_TEST_SERVERS=1
cargo test --locked --all-targets "$@"
