#!/usr/bin/env bash
# Load harness (压测): builds the release server and the generator, generates a city into a fresh
# database, starts the server on loopback, logs in and measures five endpoints with wrk, then
# (PostgreSQL) the same insert transaction with pgbench. Writes a Markdown table of the figures.
#
#   bench/run.sh sqlite   [REQUESTS]      # a SQLite file in the work directory
#   bench/run.sh postgres [REQUESTS]      # a throwaway cluster (scripts/pg-cluster.sh) on PG_PORT
#
# Environment (defaults): DURATION=15 (seconds per endpoint), WARMUP=3, CONNECTIONS=16, THREADS=1,
# LATENCY_CONNECTIONS=2 (a second run of each API endpoint at this concurrency: latency without
# the queueing of a saturated server),
# PORT=18080, PG_PORT=55580, SEED=1, COMMUNITIES=100, POOL=twice the cores, 4–32
# (server pool and pgbench clients; the server's own default, api/src/config.rs),
# PASSWORD=bench-password-1, WORK=$(mktemp -d), RESULTS=bench/results/<backend>-<requests>.md,
# GONGZHI_LOG=info (the default: one JSON access-log line per request, as in production),
# HISTORY=1 (0: generate without timeline events and audit entries, see the generator's
# --without-history), CARGO_TARGET_DIR=target, KEEP=0 (1: keep the database — the PostgreSQL
# cluster is stopped, not removed — so that a later run with the same WORK and parameters measures
# it again without generating; the server applies any new migrations at start, and each run's
# submit pass adds its requests to the kept set), RATE_PERCENT=80 (the fixed-rate pass, below),
# PG_SOCKET=0 (1: PostgreSQL through its Unix socket, see below), RATE_GET / RATE_LIST /
# RATE_MEASURES (a stated rate, requests a second, for that endpoint's fixed-rate pass instead of
# RATE_PERCENT of its throughput), PAIRS=5 and PAIR_SECONDS=5 (the read against /healthz in
# alternating pairs of short runs after the five passes, below; PAIRS=0 skips them).
# Each throughput run also records the CPU time a request cost the server and (PostgreSQL) the
# database's processes, from /proc.
# Needs wrk and curl (and pgbench for PostgreSQL): apt-get install wrk.
#
# With oha on the PATH (cargo install oha --version 1.16.0 --locked), the read endpoints also get a
# fixed-rate (open-loop) pass: requests sent at RATE_PERCENT % of the throughput wrk reached,
# whether or not earlier ones were answered, over OHA_CONNECTIONS=32 connections; latency counted
# from when each request was due (--latency-correction), so a stall shows as the delay it causes
# rather than as fewer requests sent. wrk's closed loop keeps CONNECTIONS requests in flight, so at
# saturation its latency is mostly the queue it builds itself (≈ connections ÷ throughput).
# Everything binds to 127.0.0.1; every loop is bounded in count and time.
set -euo pipefail
backend=${1:?usage: bench/run.sh sqlite|postgres [REQUESTS]}
requests=${2:-100000}
case "$backend" in sqlite|postgres) ;; *) echo "backend must be sqlite or postgres" >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-15}; WARMUP=${WARMUP:-3}; CONNECTIONS=${CONNECTIONS:-16}; THREADS=${THREADS:-1}
LATENCY_CONNECTIONS=${LATENCY_CONNECTIONS:-2}
PORT=${PORT:-18080}; PG_PORT=${PG_PORT:-55580}; SEED=${SEED:-1}; COMMUNITIES=${COMMUNITIES:-100}
cores2=$(( 2 * $(nproc) )); POOL=${POOL:-$(( cores2 < 4 ? 4 : cores2 > 32 ? 32 : cores2 ))}; PASSWORD=${PASSWORD:-bench-password-1}
WORK=${WORK:-$(mktemp -d /tmp/gongzhi-bench.XXXXXX)}
RESULTS=${RESULTS:-$root/bench/results/$backend-$requests.md}
target=${CARGO_TARGET_DIR:-$root/target}
base="http://127.0.0.1:$PORT"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
[[ "${PAIRS:-0}" =~ ^[0-9]{1,2}$ ]] || { echo "PAIRS must be a whole number below 100" >&2; exit 2; }
[[ "${PAIR_SECONDS:-1}" =~ ^[1-9][0-9]*$ ]] || { echo "PAIR_SECONDS must be a whole number of seconds, at least 1" >&2; exit 2; }
for v in RATE_GET RATE_LIST RATE_MEASURES; do
    [[ "${!v:-1}" =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a whole number of requests a second" >&2; exit 2; }
done
for tool in wrk curl; do command -v $tool >/dev/null || { echo "$tool is missing (apt-get install -y $tool)" >&2; exit 2; }; done
mkdir -p "$WORK" "$(dirname "$RESULTS")"
chmod 755 "$WORK"  # the PostgreSQL server runs as its own user

server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    if [ "$backend" = postgres ] && [ -d "$WORK/pg" ]; then
        if [ "${KEEP:-0}" = 1 ]; then "$root/scripts/pg-cluster.sh" halt "$WORK/pg"; else "$root/scripts/pg-cluster.sh" stop "$WORK/pg"; fi >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

echo "== build (release)"
(cd "$root" && cargo build --release -q -p gongzhi-api -p gongzhi-bench)
# The commit the binaries were built from ("-dirty": with uncommitted changes), for the results.
built_from=$(git -C "$root" rev-parse --short HEAD)
[ -z "$(git -C "$root" status --porcelain --untracked-files=no)" ] || built_from="$built_from-dirty"

# A kept data set is reused only when it was generated with the same parameters (its stamp).
stamp="$backend requests=$requests seed=$SEED communities=$COMMUNITIES history=${HISTORY:-1}"
reuse=0
if [ -f "$WORK/dataset.stamp" ] && [ -f "$WORK/city.env" ]; then
    [ "$(cat "$WORK/dataset.stamp")" = "$stamp" ] || { echo "$WORK holds another data set ($(cat "$WORK/dataset.stamp")); use another WORK" >&2; exit 2; }
    if [ "$backend" = sqlite ] || [ -f "$WORK/pg/data/PG_VERSION" ]; then reuse=1; fi
fi
[ $reuse = 1 ] || rm -f "$WORK/dataset.stamp" "$WORK/city.env"
if [ "$backend" = postgres ]; then
    admin_url=$("$root/scripts/pg-cluster.sh" start "$WORK/pg" "$PG_PORT")
    [ $reuse = 1 ] || psql -q "$admin_url" -c "CREATE DATABASE gongzhi_bench"
    # PG_SOCKET=1: the server and pgbench reach the cluster through its Unix socket (as a server on
    # the database's own host would) instead of TCP on loopback (the default, as across hosts).
    if [ "${PG_SOCKET:-0}" = 1 ]; then
        db_url="postgres://postgres@/gongzhi_bench?host=$WORK/pg&port=$PG_PORT"
    else
        db_url="postgres://postgres@127.0.0.1:$PG_PORT/gongzhi_bench"
    fi
else
    db_url="sqlite://$WORK/gongzhi.db"
fi

gen_secs=$(cat "$WORK/generate.secs" 2>/dev/null || echo "?")
if [ $reuse = 1 ]; then
    echo "== reuse the data set in $WORK (generated in $gen_secs s)"
else
    echo "== generate $requests requests, $COMMUNITIES communities, seed $SEED ($backend)"
    gen_start=$(date +%s)
    "$target/release/gongzhi-bench" generate --database-url "$db_url" --communities "$COMMUNITIES" \
        --requests "$requests" --seed "$SEED" --password "$PASSWORD" --out "$WORK" \
        $([ "${HISTORY:-1}" = 0 ] && echo --without-history) 2>"$WORK/generate.log"
    gen_secs=$(( $(date +%s) - gen_start ))
    echo "$gen_secs" >"$WORK/generate.secs"
    if [ "${KEEP:-0}" = 1 ]; then echo "$stamp" >"$WORK/dataset.stamp"; fi
    tail -n 1 "$WORK/generate.log"
    # Flush what the generation wrote now rather than in a checkpoint spread over the runs below
    # (one such checkpoint ran through a whole 100k run, during which /healthz's p99 doubled and a
    # measures call took half a second).
    if [ "$backend" = postgres ]; then psql -q "$db_url" -c "CHECKPOINT"; fi
fi
# shellcheck disable=SC1091
. "$WORK/city.env"
# What the database holds now: a kept set also holds the requests earlier runs' submit passes added.
if [ "$backend" = postgres ]; then
    db_size=$(psql -At "$db_url" -c "SELECT pg_size_pretty(pg_database_size('gongzhi_bench'))")
    held=$(psql -At "$db_url" -c "SELECT count(*) FROM requests")
else
    db_size=$(du -sh "$WORK/gongzhi.db" | cut -f1)
    held=$(command -v sqlite3 >/dev/null && sqlite3 "$WORK/gongzhi.db" "SELECT count(*) FROM requests" || echo "?")
fi
echo "== the database holds $held requests ($requests generated)"

echo "== start server on $base"
serve_on "$PORT" "$WORK/server.log" "$target/release/gongzhi" DATABASE_URL="$db_url" GONGZHI_DATA_DIR="$WORK/data" \
    GONGZHI_POOL_SIZE="$POOL" GONGZHI_ACCESS_TTL_SECONDS=7200 GONGZHI_LOG="${GONGZHI_LOG:-info}"

street_token=$(login "$STREET_LOGIN" "$PASSWORD"); resident_token=$(login "$RESIDENT_LOGIN" "$PASSWORD")
[ -n "$street_token" ] && [ -n "$resident_token" ] || { echo "login failed" >&2; exit 1; }
# One request of each kind, so a broken endpoint fails here rather than as fast errors in wrk.
curl -fs --max-time 30 -H "Authorization: Bearer $street_token" "$base/api/v1/requests/$(head -n 1 "$WORK/request-ids.txt")" >/dev/null
curl -fs --max-time 30 -H "Authorization: Bearer $street_token" "$base/api/v1/requests?limit=50&status=closed" >/dev/null
curl -fs --max-time 30 -H "Authorization: Bearer $street_token" "$base/api/v1/measures/requests?jurisdiction_id=$STREET_ID&from=$MONTH_FROM&to=$MONTH_TO" >/dev/null

hwm() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$server_pid/status"; }
# CPU time (clock ticks) of the server, and of the database's processes (PostgreSQL: the cluster's
# postmaster and its children — the pool's backends live as long as the server; SQLite runs inside
# the server). Per request: ticks × 10⁶ ÷ CLK_TCK ÷ requests = µs. (The fields after the command
# name, which for these processes has no spaces.)
tck=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
db_ticks() {  # the postmaster's own and its reaped children's time, and its live children's
    local t=0 p pm
    if [ "$backend" = postgres ] && pm=$(head -n 1 "$WORK/pg/data/postmaster.pid" 2>/dev/null); then
        t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat" 2>/dev/null || echo 0)
        for p in $(pgrep -P "$pm" || true); do t=$(( t + $(ticks "$p") )); done
    fi
    echo "$t"
}
per_req() { awk -v t="$1" -v n="$2" -v k="$tck" 'BEGIN { if (n + 0 > 0) printf "%.0f", t * 1000000 / k / n; else print "n/a" }'; }
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$server_pid/status"; }
# "2.5ms" / "1.2s" / "800us" -> milliseconds
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; else if (v ~ /m$/) n *= 60000; printf "%.2f", n }'; }

oha=$(command -v oha || true)
RATE_PERCENT=${RATE_PERCENT:-80}; OHA_CONNECTIONS=${OHA_CONNECTIONS:-32}
# The fixed-rate pass's URLs, as the wrk scripts build them: the generated ids, the four statuses, the street-month.
sed "s|^|$base/api/v1/requests/|" "$WORK/request-ids.txt" >"$WORK/get-urls.txt"
printf "$base/api/v1/requests?limit=50&status=%s\n" closed in_progress resolved dispatched >"$WORK/list-urls.txt"
echo "$base/api/v1/measures/requests?jurisdiction_id=$STREET_ID&from=$MONTH_FROM&to=$MONTH_TO" >"$WORK/measures-urls.txt"
declare -A rps p50 p99 errs mem light fixed cpu
measure() { # name script token [path]
    local name=$1 script=$2 token=$3 path=${4:-/}
    echo "== $name"
    run_wrk "$script" "$token" "$path" 4 "$WARMUP" /dev/null
    local s0 d0; s0=$(ticks "$server_pid"); d0=$(db_ticks)
    run_wrk "$script" "$token" "$path" "$CONNECTIONS" "$DURATION" "$WORK/$name.txt"
    local done_n; done_n=$(awk '/requests in/ {print $1}' "$WORK/$name.txt")
    cpu[$name]="$(per_req $(( $(ticks "$server_pid") - s0 )) "$done_n")"
    [ "$backend" = sqlite ] || cpu[$name]+=" / $(per_req $(( $(db_ticks) - d0 )) "$done_n")"
    rps[$name]=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$WORK/$name.txt")
    p50[$name]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/$name.txt")")
    p99[$name]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/$name.txt")")
    errs[$name]=$(wrk_errors "$WORK/$name.txt")
    mem[$name]="$(rss) / $(hwm)"
    light[$name]="–"
    if [ "$name" != healthz ] && [ "$LATENCY_CONNECTIONS" -gt 0 ]; then
        run_wrk "$script" "$token" "$path" "$LATENCY_CONNECTIONS" "$DURATION" "$WORK/$name-light.txt"
        light[$name]="$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/$name-light.txt")") / $(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/$name-light.txt")")"
        errs[$name]+=$(wrk_errors "$WORK/$name-light.txt")
    fi
    fixed[$name]="–"
    if [ -n "$oha" ] && [ "$name" != healthz ] && [ "$name" != submit ]; then
        local rate=$(( ${rps[$name]} * RATE_PERCENT / 100 )) json="$WORK/$name-fixed.json" stated="RATE_${name^^}"
        [ -z "${!stated:-}" ] || rate=${!stated}
        "$oha" -z "${DURATION}s" -q "$rate" -c "$OHA_CONNECTIONS" --latency-correction --no-tui --output-format json \
            -H "Authorization: Bearer $token" --urls-from-file "$WORK/$name-urls.txt" >"$json"
        # The first p50/p99 of oha's JSON are metrics.latency_ms (milliseconds); answers other than 200 are errors.
        local flat; flat=$(tr -d ' \n' <"$json")
        local f50 f99 codes
        f50=$(grep -o '"p50":[0-9.]*' <<<"$flat" | head -n 1 | cut -d: -f2)
        f99=$(grep -o '"p99":[0-9.]*' <<<"$flat" | head -n 1 | cut -d: -f2)
        codes=$(grep -o '"statusCodeDistribution":{[^}]*}' <<<"$flat" | grep -o '"[0-9]*":' | tr -d '":' | grep -vx 200 | tr '\n' ' ' || true)
        fixed[$name]="$(printf '%.2f / %.2f' "$f50" "$f99") at $rate req/s"
        [ -z "$codes" ] || errs[$name]+="fixed-rate status $codes"
        # Requests still in flight when the duration ends are "aborted due to deadline": not errors.
        local failed; failed=$(grep -o '"errorDistribution":{[^}]*}' <<<"$flat" | grep -o '"[^"]*":[0-9]*' | grep -v '^"errorDistribution"\|^"abortedduetodeadline"' | tr '\n' ' ' || true)
        [ -z "$failed" ] || errs[$name]+="fixed-rate errors $failed"
    fi
    echo "   ${rps[$name]} req/s  p50 ${p50[$name]} ms  p99 ${p99[$name]} ms  at $LATENCY_CONNECTIONS connections p50/p99 ${light[$name]} ms  fixed rate p50/p99 ${fixed[$name]} ms  RSS/HWM ${mem[$name]} MB  CPU µs/request ${cpu[$name]}  ${errs[$name]}"
}

measure healthz healthz.lua ""
measure get get.lua "$street_token"
measure list list.lua "$street_token"
measure measures measures.lua "$street_token"
measure submit submit.lua "$resident_token"

# The read's ratio to /healthz in alternating pairs: on a machine whose speed drifts by tens of
# percent within minutes, one 15 s pass of each, a minute apart, can catch them in different
# phases. PAIRS short runs of each, back to back (/healthz first in odd pairs, the read first in
# even ones), give a ratio per pair; the median is the figure, the range its spread.
PAIRS=${PAIRS:-5}; PAIR_SECONDS=${PAIR_SECONDS:-5}
pair_ratios=""; pairs_left_out=""
if [ "$PAIRS" -gt 0 ]; then
    echo "== the read against /healthz in $PAIRS alternating pairs of ${PAIR_SECONDS}s runs"
    pair_rate() { # name script token -> $rate: requests a second, or empty when the run failed
        local out="$WORK/pair-$1.txt"
        rate=$(wrk_run_rate "$2" "$3" "$PAIR_SECONDS" "$out")
        [ -n "$rate" ] || echo "   wrk failed or the run had errors or no requests, see $out" >&2
    }
    for i in $(seq 1 "$PAIRS"); do
        if [ $(( i % 2 )) = 1 ]; then pair_rate "$i-healthz" healthz.lua ""; h=$rate; pair_rate "$i-get" get.lua "$street_token"; g=$rate
        else pair_rate "$i-get" get.lua "$street_token"; g=$rate; pair_rate "$i-healthz" healthz.lua ""; h=$rate; fi
        if [ -z "$h" ] || [ -z "$g" ]; then echo "   pair $i: left out (a run with errors)"; pairs_left_out+="$i "; continue; fi
        r=$(awk -v g="$g" -v h="$h" 'BEGIN { printf "%.1f", 100 * g / h }')
        echo "   pair $i: /healthz $h, read $g req/s: $r%"
        pair_ratios+="$r "
    done
fi
submitted_ok=$(( $(awk '/requests in/ {print $1}' "$WORK/submit.txt") + $(awk '/requests in/ {print $1}' "$WORK/submit-light.txt" 2>/dev/null || echo 0) ))

pg_tps="n/a"; pg_lat="n/a"
if [ "$backend" = postgres ] && command -v pgbench >/dev/null; then
    echo "== pgbench (same insert transaction, $POOL clients)"
    pgbench -n -c "$POOL" -j "$THREADS" -T "$DURATION" -f "$root/bench/pgbench/submit.sql" \
        -D street="$STREET_ID" -D community="$COMMUNITY_ID" -D grid="$GRID_ID" -D path="$GRID_PATH" -D resident="$RESIDENT_ID" \
        "$db_url" >"$WORK/pgbench.txt" 2>&1
    pg_tps=$(awk '/^tps = / {printf "%.0f", $3; exit}' "$WORK/pgbench.txt")
    pg_lat=$(awk '/^latency average/ {print $4; exit}' "$WORK/pgbench.txt")
    echo "   $pg_tps tps, latency average $pg_lat ms"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.0f%%", 100 * a / b; else print "n/a" }'; }
{
    echo "### $backend, $requests requests ($(date -u +%Y-%m-%dT%H:%MZ), $built_from)"
    echo
    echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg); kernel.sched_autogroup_enabled = $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo n/a)."
    echo "Data set: $stamp. Database: $db_size$([ "$backend" = postgres ] && [ "${PG_SOCKET:-0}" = 1 ] && echo ", reached through its Unix socket"), $held requests at the start of the run ($gen_secs s to generate). wrk: $THREADS thread(s), $CONNECTIONS connections, ${DURATION}s per run after ${WARMUP}s warm-up; server pool $POOL."
    echo
    cpu_head="server CPU µs / request"; [ "$backend" = sqlite ] || cpu_head="CPU µs / request: server / database"
    echo "| endpoint | req/s | p50 ms | p99 ms | ratio to /healthz | p50 / p99 ms at $LATENCY_CONNECTIONS connections | p50 / p99 ms open loop, at the rate given ($RATE_PERCENT% of req/s unless stated by RATE_<ENDPOINT>) | RSS / peak (VmHWM) MB | $cpu_head | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for n in healthz get list measures submit; do
        label=$n
        case $n in
            get) label="GET /api/v1/requests/{id}" ;; list) label="GET /api/v1/requests?limit=50&status=…" ;;
            measures) label="GET /api/v1/measures/requests (street, month)" ;; submit) label="POST /api/v1/requests" ;; healthz) label="GET /healthz" ;;
        esac
        echo "| $label | ${rps[$n]} | ${p50[$n]} | ${p99[$n]} | $(ratio "${rps[$n]}" "${rps[healthz]}") | ${light[$n]} | ${fixed[$n]} | ${mem[$n]} | ${cpu[$n]} | ${errs[$n]:-none} |"
    done
    echo
    if [ -n "$pair_ratios" ]; then
        echo "The read against /healthz in $PAIRS alternating pairs of ${PAIR_SECONDS}s runs at $CONNECTIONS connections: median **$(tr ' ' '\n' <<<"$pair_ratios" | grep . | median %.1f)%** (pairs in run order: $(sed 's/ $//; s/ /%, /g' <<<"$pair_ratios")%)$([ -z "$pairs_left_out" ] || echo "; left out for errors: pair ${pairs_left_out% }")."
        echo
    elif [ -n "$pairs_left_out" ]; then
        echo "The read against /healthz in alternating pairs: every pair left out for errors (see pair-*.txt in the work directory)."
        echo
    fi
    if [ "$pg_tps" != "n/a" ]; then
        echo "pgbench, the same four inserts in one transaction, $POOL clients: $pg_tps tps (latency average $pg_lat ms). POST /api/v1/requests reaches $(ratio "${rps[submit]}" "$pg_tps") of it ($submitted_ok requests submitted during the run)."
    else
        echo "pgbench: not applicable ($backend). $submitted_ok requests submitted during the run."
    fi
    echo
} >"$RESULTS"
cat "$RESULTS"
echo "raw wrk/pgbench output and logs: $WORK"
