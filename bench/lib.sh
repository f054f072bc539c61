# shellcheck shell=bash
# Functions the harness's scripts share (sourced by bench/run.sh, bench/ab.sh and
# bench/audit-probe.sh). They call the server at $base; run_wrk also reads $root, $THREADS, $WORK
# and the city's variables (city.env).

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
