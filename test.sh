#!/usr/bin/env bash
# Runs every test: unit, integration (wiremock Atlassian, stdio end to end) and the contract
# tests against Atlassian's OpenAPI document, for which it installs Prism (npm) when missing.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v cargo >/dev/null; then
  echo "test.sh: cargo is needed (install Rust with rustup)" >&2
  exit 1
fi
if [ ! -x tests/node/node_modules/.bin/prism ]; then
  if ! command -v npm >/dev/null; then
    echo "test.sh: npm is needed to install Prism for the contract tests (install Node.js 18 or newer)" >&2
    exit 1
  fi
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi
export JIRA_MCP_REQUIRE_TEST_SERVERS=1
cargo test --locked --all-targets "$@"
