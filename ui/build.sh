#!/usr/bin/env bash
# Builds the Leptos UI into ui/dist without Trunk and without downloading anything at build time:
# cargo for wasm32-unknown-unknown, then the wasm-bindgen CLI of exactly the version in Cargo.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-target}
profile=${LEDGERDESK_UI_PROFILE:-wasm-release}
wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "ui: adding the wasm32-unknown-unknown target" >&2
  rustup target add wasm32-unknown-unknown
fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$wanted" ]; then
  echo "ui: installing wasm-bindgen-cli $wanted (found ${have:-none})" >&2
  cargo install wasm-bindgen-cli --version "$wanted"
fi

cargo build -p ledgerdesk-ui --target wasm32-unknown-unknown --profile "$profile"
dir=$profile
[ "$profile" = dev ] && dir=debug
rm -rf ui/dist
wasm-bindgen --target web --no-typescript --out-dir ui/dist --out-name ledgerdesk_ui \
  "$target_dir/wasm32-unknown-unknown/$dir/ledgerdesk-ui.wasm"
cp ui/index.html ui/main.js ui/style.css ui/dist/
echo "ui: built ui/dist ($(du -sh ui/dist | cut -f1))" >&2
