#!/usr/bin/env bash
# `npm test`: everything that gates a merge. Type-check, build, e2e in Chromium, then the node:test
# suite last so that its own summary ("# tests N / # pass N / # fail N") closes the log.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== lint + format (Biome)"
npm run --silent lint
echo "== typecheck (tsc + svelte-check)"
npm run --silent typecheck
echo "== build"
npm run --silent build
if compgen -G "e2e/*.spec.ts" >/dev/null; then
  echo "== e2e (Playwright, Chromium)"
  npx playwright test
fi
echo "== unit + integration (node:test)"
npm run --silent test:unit
