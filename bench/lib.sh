# shellcheck shell=bash
# Functions the harness's scripts share (sourced by bench/run.sh, bench/ab.sh and
# bench/audit-probe.sh). They call the server at $base; run_wrk and wrk_run_rate also read $root,
# $THREADS, $WORK and the city's variables (city.env), wrk_run_rate $CONNECTIONS too.

# serve_on PORT LOG BINARY [NAME=VALUE ...]: starts `BINARY serve` on 127.0.0.1:PORT with those
# variables added to its environment and its output in LOG, sets server_pid (and appends it to
# server_pids, for the caller's clean-up), and waits until it answers — up to 10 min: a build with
# new migrations applies them first, which on a kept set may build indexes. Exits the script when
# something already answers there (it would be measured instead), or the server exits or never
# answers.
serve_on() {
    local port=$1 log=$2 bin=$3 url="http://127.0.0.1:$1"
    shift 3
    ! curl -s --max-time 5 -o /dev/null "$url/healthz" || { echo "$url already answers: stop what listens on port $port" >&2; exit 1; }
    env GONGZHI_BIND="127.0.0.1:$port" "$@" "$bin" serve >"$log" 2>&1 &
    server_pid=$!
    server_pids+=("$server_pid")
    for _ in $(seq 1 1200); do
        curl -fs --max-time 30 "$url/healthz" >/dev/null 2>&1 && return
        kill -0 "$server_pid" 2>/dev/null || { echo "the server on port $port exited:" >&2; tail "$log" >&2; exit 1; }
        sleep 0.5
    done
    echo "the server on port $port did not come up" >&2; exit 1
}

# login LOGIN PASSWORD -> an access token, or nothing when the login failed.
login() {
    curl -fs --max-time 30 -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"$2\"}" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' || true
}

# run_wrk SCRIPT TOKEN PATH CONNECTIONS SECONDS OUTPUT: one wrk run of bench/wrk/SCRIPT.
run_wrk() {
    TOKEN=$2 IDS_FILE="$WORK/request-ids.txt" STREET_ID=$STREET_ID MONTH_FROM=$MONTH_FROM MONTH_TO=$MONTH_TO \
        wrk -t"$THREADS" -c"$4" -d"$5s" --timeout 10s --latency -s "$root/bench/wrk/$1" "$base$3" >"$6"
}

# wrk_run_rate SCRIPT TOKEN SECONDS OUTPUT: one run at $CONNECTIONS against $base, and its
# requests a second (wrk_rate), or nothing when wrk failed or the run had errors or no requests.
wrk_run_rate() {
    if run_wrk "$1" "$2" / "$CONNECTIONS" "$3" "$4"; then wrk_rate "$4"; fi
}

# What wrk reported as failed in its output file (non-2xx answers, socket errors), or nothing.
wrk_errors() { awk '/Non-2xx/ {print $NF} /Socket errors/ {print "socket:" $0}' "$1" | tr '\n' ' '; }

# wrk_rate FILE: the requests a second of a wrk run, or nothing when it reported errors or none
# (a run that stalls throughout reports 0 a second and, shorter than wrk's time-out, no error).
wrk_rate() {
    local r
    [ -z "$(wrk_errors "$1")" ] || return 0
    r=$(awk '/^Requests\/sec/ {print $2}' "$1")
    if [[ "$r" =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v r="$r" 'BEGIN { exit !(r > 0) }'; then echo "$r"; fi
}

# median [FORMAT]: the median of the numbers on standard input (one a line), printed with FORMAT
# (printf's, default %.3f); nothing when there are none.
median() { sort -n | awk -v f="${1:-%.3f}" '{ v[NR] = $1 } END { if (NR) printf f, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
