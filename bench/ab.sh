#!/usr/bin/env bash
# A/B of two server builds (对比测试) on a kept data set: both servers up at once on the same
# database, wrk alternating between them in ROUNDS rounds (A then B in odd rounds, B then A in even
# ones), so that a change of the machine's speed within minutes falls on both alike. Prints each
# round's requests a second and B/A, then the median of B/A — the figure — and its range.
#
#   bench/ab.sh BINARY_A BINARY_B     # e.g. a copy of the release binary before a change, and after
#
# WORK must hold a data set that bench/run.sh generated with KEEP=1 (city.env, request-ids.txt, and
# the PostgreSQL cluster in WORK/pg or the SQLite file WORK/gongzhi.db). A cluster already running
# there is used and left running; otherwise it is started on PG_PORT and halted (kept) afterwards.
# Both servers use the one database: each applies its pending migrations at start, so a build with
# new migrations changes the kept set for both (and for later runs). Compare builds whose
# migrations are the same, or migrate the set first and compare on it.
# Environment (defaults): ENDPOINT=get (healthz, get, list or measures: bench/wrk/ENDPOINT.lua),
# ROUNDS=16, RUN_SECONDS=3 (each run), CONNECTIONS=16, THREADS=1, PORT_A=18080, PORT_B=18081,
# PG_PORT=55580, POOL (the servers' pool; unset: their default), PASSWORD=bench-password-1,
# GONGZHI_LOG=warn (no access-log line per request; info to measure with it).
# Two copies of one binary gave a median of 1.008 over 16 rounds, single rounds 0.90–1.11
# (BENCHMARKS.md, fourteenth round): a difference within a few percent is not a finding. The
# tokens last two hours, so ROUNDS × 2 × RUN_SECONDS must stay under that. Needs wrk and curl.
set -euo pipefail
bin_a=${1:?usage: bench/ab.sh BINARY_A BINARY_B}; bin_b=${2:?usage: bench/ab.sh BINARY_A BINARY_B}
root=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:?WORK: the work directory of a data set kept by bench/run.sh (KEEP=1)}
ENDPOINT=${ENDPOINT:-get}; ROUNDS=${ROUNDS:-16}; SECONDS_EACH=${RUN_SECONDS:-3}; CONNECTIONS=${CONNECTIONS:-16}; THREADS=${THREADS:-1}
PORT_A=${PORT_A:-18080}; PORT_B=${PORT_B:-18081}; PG_PORT=${PG_PORT:-55580}; PASSWORD=${PASSWORD:-bench-password-1}
case "$ENDPOINT" in healthz|get|list|measures) ;; *) echo "ENDPOINT must be healthz, get, list or measures" >&2; exit 2 ;; esac
[[ "$ROUNDS" =~ ^[1-9][0-9]?$ ]] || { echo "ROUNDS must be a whole number from 1 to 99" >&2; exit 2; }
[[ "$SECONDS_EACH" =~ ^[1-9][0-9]{0,3}$ ]] || { echo "RUN_SECONDS must be a whole number of seconds, 1 to 9999" >&2; exit 2; }
[ $(( ROUNDS * 2 * SECONDS_EACH )) -lt 6600 ] || { echo "ROUNDS × 2 × RUN_SECONDS must stay under 6600 s (the access tokens last 7200)" >&2; exit 2; }
[ "$PORT_A" != "$PORT_B" ] || { echo "PORT_A and PORT_B must differ" >&2; exit 2; }
for b in "$bin_a" "$bin_b"; do [ -x "$b" ] || { echo "$b is not an executable" >&2; exit 2; }; done
for tool in wrk curl; do command -v $tool >/dev/null || { echo "$tool is missing (apt-get install -y $tool)" >&2; exit 2; }; done
[ -f "$WORK/city.env" ] && [ -f "$WORK/request-ids.txt" ] || { echo "$WORK holds no kept data set (city.env, request-ids.txt)" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
# shellcheck disable=SC1091
. "$WORK/city.env"

server_pids=(); halt_cluster=0
cleanup() {
    for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    if [ $halt_cluster = 1 ]; then "$root/scripts/pg-cluster.sh" halt "$WORK/pg" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

if [ -f "$WORK/pg/data/PG_VERSION" ]; then
    # A cluster is running there when its postmaster.pid names a live process (not one left by a crash).
    if [ -f "$WORK/pg/data/postmaster.pid" ] && kill -0 "$(head -n 1 "$WORK/pg/data/postmaster.pid")" 2>/dev/null; then
        PG_PORT=$(sed -n 4p "$WORK/pg/data/postmaster.pid")
    else
        "$root/scripts/pg-cluster.sh" start "$WORK/pg" "$PG_PORT" >/dev/null; halt_cluster=1
    fi
    db_url="postgres://postgres@127.0.0.1:$PG_PORT/gongzhi_bench"
elif [ -f "$WORK/gongzhi.db" ]; then
    db_url="sqlite://$WORK/gongzhi.db"
else
    echo "$WORK holds neither a PostgreSQL cluster (pg/) nor a SQLite file (gongzhi.db)" >&2; exit 2
fi

# serve BINARY PORT: its log in WORK/ab-PORT.log.
serve() {
    serve_on "$2" "$WORK/ab-$2.log" "$1" DATABASE_URL="$db_url" GONGZHI_DATA_DIR="$WORK/data" GONGZHI_ACCESS_TTL_SECONDS=7200 \
        GONGZHI_LOG="${GONGZHI_LOG:-warn}" ${POOL:+GONGZHI_POOL_SIZE="$POOL"}
}
serve "$bin_a" "$PORT_A"; serve "$bin_b" "$PORT_B"
token_a=""; token_b=""
if [ "$ENDPOINT" != healthz ]; then
    base="http://127.0.0.1:$PORT_A"; token_a=$(login "$STREET_LOGIN" "$PASSWORD")
    base="http://127.0.0.1:$PORT_B"; token_b=$(login "$STREET_LOGIN" "$PASSWORD")
    [ -n "$token_a" ] && [ -n "$token_b" ] || { echo "login failed (PASSWORD?)" >&2; exit 1; }
fi

# rate PORT TOKEN OUTPUT -> requests a second, or nothing when the run failed (wrk_run_rate)
rate() {
    base="http://127.0.0.1:$1"
    wrk_run_rate "$ENDPOINT.lua" "$2" "$SECONDS_EACH" "$3"
}
rate "$PORT_A" "$token_a" /dev/null >/dev/null; rate "$PORT_B" "$token_b" /dev/null >/dev/null  # warm-up
echo "A: $bin_a   B: $bin_b   $ENDPOINT, $CONNECTIONS connections, ${SECONDS_EACH}s runs, $db_url"
ratios=""
for i in $(seq 1 "$ROUNDS"); do
    out_a="$WORK/ab-$i-a.txt"; out_b="$WORK/ab-$i-b.txt"
    if [ $(( i % 2 )) = 1 ]; then a=$(rate "$PORT_A" "$token_a" "$out_a"); b=$(rate "$PORT_B" "$token_b" "$out_b")
    else b=$(rate "$PORT_B" "$token_b" "$out_b"); a=$(rate "$PORT_A" "$token_a" "$out_a"); fi
    if [ -z "$a" ] || [ -z "$b" ]; then echo "round $i: left out (wrk failed or a run had errors or no requests, see $out_a and $out_b)"; continue; fi
    r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
    echo "round $i: A $a  B $b  B/A $r"
    ratios+="$r"$'\n'
done
[ -n "$ratios" ] || { echo "every round had errors" >&2; exit 1; }
echo "B/A: median $(grep . <<<"$ratios" | median) (range $(grep . <<<"$ratios" | sort -n | head -n 1)–$(grep . <<<"$ratios" | sort -n | tail -n 1); rounds counted: $(grep -c . <<<"$ratios") of $ROUNDS)"
