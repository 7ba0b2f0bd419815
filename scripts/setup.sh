#!/usr/bin/env bash
# Installs what building and testing Embedded needs on a Debian machine. Safe to run again.
set -euo pipefail

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (https://dot.net); 'dotnet' is not on PATH." >&2
  exit 1
fi
# The process executor starts each task in its own session with setsid (util-linux).
if ! command -v setsid >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq util-linux >/dev/null
fi
