#!/usr/bin/env bash
# Opens the Ledgerdesk desktop app on the embedded SQLite default (a book in the OS app-data directory):
# checks the system libraries WebKitGTK needs, builds the UI, then builds and starts the app.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v dpkg >/dev/null 2>&1; then
  missing=()
  for package in libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
      echo "Ledgerdesk needs these system packages first:" >&2
      echo "  sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
fi

bash ui/build.sh
exec cargo run -p ledgerdesk-desktop "$@"
