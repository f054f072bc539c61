#!/usr/bin/env bash
# Reading the history back (审计日志, 时间线): times single calls of the audit log and the timeline
# against a running server on a generated city (bench/run.sh with KEEP=1 and HISTORY=1 leaves
# one), as an auditor of the district, of a community and of a grid would make them. Prints a
# Markdown table: each call twice (the first may read from disk, the second from the page cache),
# its entries and its next_cursor. The scoped auditors are created through the API on the first
# run (two accounts and their audit entries added to the set) and reused afterwards.
#
#   bench/audit-probe.sh BASE_URL WORK     # e.g. http://127.0.0.1:18080 /path/to/work
#
# Environment: PASSWORD=bench-password-1 (the generator's --password), PROBE_PASSWORD (the scoped
# auditors' password; the generator's is too weak for the API's password rule), MAX_TIME=300
# (seconds a call may take before curl gives up; the table then shows "> MAX_TIME" in ms, and the
# server's query goes on, holding a pool connection, until it ends: there is no statement timeout).
# Needs curl and jq.
set -euo pipefail
base=${1:?usage: bench/audit-probe.sh BASE_URL WORK}; work=${2:?usage: bench/audit-probe.sh BASE_URL WORK}
PASSWORD=${PASSWORD:-bench-password-1}; PROBE_PASSWORD=${PROBE_PASSWORD:-quiet-harbour-lantern-2026}; MAX_TIME=${MAX_TIME:-300}
# shellcheck disable=SC1091
. "$work/city.env"
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
# An auditor at a node, created once: a new account must change its one-time password first.
scoped_auditor() {
    local name=$1 node=$2 t
    t=$(login "$name" "$PROBE_PASSWORD")
    if [ -n "$t" ]; then echo "$t"; return; fi
    t=$(login "$name" initial-pass-1)
    if [ -z "$t" ]; then
        curl -fs --max-time 30 -X POST "$base/api/v1/accounts" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
            -d "{\"login\":\"$name\",\"display_name\":\"$name\",\"password\":\"initial-pass-1\",\"role\":\"auditor\",\"jurisdiction_id\":\"$node\"}" >/dev/null
        t=$(login "$name" initial-pass-1)
    fi
    curl -fs --max-time 30 -X POST "$base/api/v1/me/password" -H "Authorization: Bearer $t" -H 'Content-Type: application/json' \
        -d "{\"current_password\":\"initial-pass-1\",\"new_password\":\"$PROBE_PASSWORD\"}" >/dev/null
    login "$name" "$PROBE_PASSWORD"
}
admin=$(login admin "$PASSWORD"); district=$(login auditor "$PASSWORD")
[ -n "$admin" ] && [ -n "$district" ] || { echo "login failed (PASSWORD?)" >&2; exit 1; }
community=$(scoped_auditor auditor.probe.community "$COMMUNITY_ID"); grid=$(scoped_auditor auditor.probe.grid "$GRID_ID")
[ -n "$community" ] && [ -n "$grid" ] || { echo "the scoped auditors could not log in (PROBE_PASSWORD?)" >&2; exit 1; }
request=$(head -n 1 "$work/request-ids.txt")
quiet_actor=$(cat /proc/sys/kernel/random/uuid)  # an actor no entry has
busy_actor=$(curl -fs --max-time "$MAX_TIME" -H "Authorization: Bearer $district" "$base/api/v1/audit-log?target_id=$request&limit=100" |
    jq -r '[.items[] | select(.actor_id != null)] | last | .actor_id // empty') || true
[ -n "$busy_actor" ] || { echo "no handler found in the audit entries of request $request" >&2; exit 1; }
day_from=${MONTH_FROM%%T*}T00:00:00Z; day_to=$(date -u -d "${MONTH_FROM%%T*} + 1 day" +%Y-%m-%dT00:00:00Z)

probe() {  # label token path
    local label=$1 token=$2 path=$3 out times=() n="" next="" rc
    for _ in 1 2; do
        out=$(mktemp)
        rc=0; t=$(curl -s --max-time "$MAX_TIME" -o "$out" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" "$base$path") || rc=$?
        if [ "$rc" = 0 ]; then
            read -r code secs <<<"$t"
            [ "$code" = 200 ] || { echo "| $label | ${times[*]:+${times[0]} / }HTTP $code | | |"; rm -f "$out"; return; }
            times+=("$(awk -v s="$secs" 'BEGIN { printf "%.1f", s * 1000 }')")
            case "$path" in
                */exports/*) n=$(($(wc -l <"$out") - 1)); next="–" ;;  # CSV: a header, then a line an entry
                *) n=$(jq '.items | length' "$out"); next=$(jq -r 'if .next_cursor then "yes" else "no" end' "$out") ;;
            esac
        elif [ "$rc" = 28 ]; then
            times+=("> ${MAX_TIME}000")
        else
            times+=("curl exit $rc")
        fi
        rm -f "$out"
    done
    echo "| $label | ${times[0]} / ${times[1]} | $n | $next |"
}
first_cursor=$(curl -fs --max-time "$MAX_TIME" -H "Authorization: Bearer $district" "$base/api/v1/audit-log?limit=50&from=$MONTH_FROM" | jq -r '.next_cursor // empty') || true
[ -n "$first_cursor" ] || { echo "no second page of the month's entries" >&2; exit 1; }

echo "| call (GET) | ms, first / second | entries | next page |"
echo "|---|---:|---:|---|"
A=/api/v1/audit-log
probe "district: $A?limit=50" "$district" "$A?limit=50"
probe "district: $A?limit=50&from=<month>" "$district" "$A?limit=50&from=$MONTH_FROM"
probe "district: the same, second page (cursor)" "$district" "$A?limit=50&from=$MONTH_FROM&cursor=$first_cursor"
probe "district: $A?action=request.submit&from=<month>&to=<month end>" "$district" "$A?limit=50&action=request.submit&from=$MONTH_FROM&to=$MONTH_TO"
probe "district: $A?action=<none has>&from=<month>" "$district" "$A?limit=50&action=no.such.action&from=$MONTH_FROM"
probe "district: $A?actor_id=<an id no entry has>" "$district" "$A?limit=50&actor_id=$quiet_actor"
probe "district: $A?actor_id=<a request's handler>&from=<month>" "$district" "$A?limit=50&actor_id=$busy_actor&from=$MONTH_FROM"
probe "district: $A?target_id=<a request>" "$district" "$A?limit=50&target_id=$request"
probe "district: $A?target_type=account" "$district" "$A?limit=50&target_type=account"
probe "district: /api/v1/requests/<id>/timeline" "$district" "/api/v1/requests/$request/timeline"
probe "district: /api/v1/exports/audit-log (one day, CSV)" "$district" "/api/v1/exports/audit-log?from=$day_from&to=$day_to"
probe "community: $A?limit=50" "$community" "$A?limit=50"
probe "community: $A?limit=50&from=<month>" "$community" "$A?limit=50&from=$MONTH_FROM"
probe "community: $A?action=<none has>" "$community" "$A?limit=50&action=no.such.action"
probe "grid: $A?limit=50&from=<month>" "$grid" "$A?limit=50&from=$MONTH_FROM"
probe "grid: $A?action=request.submit" "$grid" "$A?limit=50&action=request.submit"
