#!/usr/bin/env bash
# The speed ratios of issue 12 on disks whose flush is slower than this machine's.
#
#   tools/flush-latency/run.sh [path/to/ledgerdesk]      (by hand; needs gcc, jq, Postgres's server programs)
#
# For each extra flush latency in FLUSH_US (microseconds after every real fsync/fdatasync, see
# slow_flush.c), on a fresh SQLite file and on a Postgres server of its own (a temporary cluster on
# port PORT, started with the same preload), it runs `bench numbering` at concurrency 1, 8 and 32 and
# `bench batch`, and prints one table row per database and latency. Every figure is a ratio of two
# phases of one run against the same database under the same latency, as the benches print them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ledgerdesk="${1:-${CARGO_TARGET_DIR:-$here/../../target}/release/ledgerdesk}"
flush_us=(${FLUSH_US:-0 500 1000 2000 8000})
numbering_count="${NUMBERING_COUNT:-800}"
batch_count="${BATCH_COUNT:-3000}"
port="${PORT:-5440}"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
# Each latency names a database and goes into awk: whole numbers only, like the other settings.
for number in "${flush_us[@]}" "$numbering_count" "$batch_count" "$port"; do
  [[ "$number" =~ ^[0-9]+$ ]] || { echo "run.sh: '$number' is not a whole number" >&2; exit 2; }
done

work="$(mktemp -d)"
chmod 755 "$work" # the postgres user must read the shim
gcc -O2 -shared -fPIC -o "$work/slow_flush.so" "$here/slow_flush.c" -ldl

# Postgres refuses to run as root: the cluster belongs to the postgres user when we are root.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
as_owner "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
stop_postgres() { as_owner "$pg_bin/pg_ctl" -D "$work/pg" stop -m fast >/dev/null 2>&1 || true; }
trap 'stop_postgres; rm -rf "$work"' EXIT

bench() { LD_PRELOAD="$work/slow_flush.so" SLOW_FLUSH_US="$us" "$ledgerdesk" --json bench "$@"; }
row() {
  local db="$1" url="$2" c1 c8 c32 batch
  c1=$(bench numbering --db "$url" --concurrency 1 --count "$numbering_count" | jq .throughput_ratio)
  c8=$(bench numbering --db "$url" --concurrency 8 --count "$numbering_count" | jq .throughput_ratio)
  c32=$(bench numbering --db "$url" --concurrency 32 --count "$numbering_count" | jq .throughput_ratio)
  batch=$(bench batch --db "$url" --count "$batch_count" --chunk 500 | jq .speedup)
  printf '| %s | %s | %.2fx | %.2fx | %.2fx | %.1fx |\n' "$db" "$(awk "BEGIN { print $us / 1000 }") ms" "$c1" "$c8" "$c32" "$batch"
}

echo "| database | extra per flush | issue/raw at 1 | at 8 | at 32 | batch/single |"
echo "|---|---|---|---|---|---|"
for us in "${flush_us[@]}"; do
  row sqlite "sqlite://$work/book-$us.db"
  as_owner env LD_PRELOAD="$work/slow_flush.so" SLOW_FLUSH_US="$us" \
    "$pg_bin/pg_ctl" -D "$work/pg" -o "-p $port -k $work" -l "$work/pg.log" -w start >/dev/null
  psql -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE bench_$us" >/dev/null
  row postgres "postgres://postgres@127.0.0.1:$port/bench_$us"
  stop_postgres
done
