#!/usr/bin/env bash
# Installs the Node/socket.io baseline server's locked dependencies (bench/peers/node_modules).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
