#!/usr/bin/env bash
# Load test: seed a big instance, start piaf on loopback, sign in as an administrator and as an
# ordinary member, and measure every main page and API list with wrk against a static CSS file
# in the same run; then 16 concurrent editors saving answers, and the server's peak RSS.
#
#   scripts/load.sh            the issue's size: 10,000 projects, 3,000 assessments, 500,000 revisions
#   scripts/load.sh --quick    1,000 projects, 300 assessments, 45,000 revisions, shorter runs
#
# Environment: PROJECTS, ASSESSMENTS, REVISIONS (instance size), DURATION (seconds per page),
# CONNECTIONS (default 50), PORT (default 18080), KEEP=1 keeps the data folder.
# REUSE=DIR measures a copy of an instance seeded before: DIR holds piaf.db and seed.json (what
# `piaf seed --json` printed), and PASSWORD is the password given to that seed.
# Prints the machine (cores, CPU model) and a Markdown table: page, req/s, p50, p99, ratio to
# the static file, and the 1-minute load average at the end of each page's run (the machine may
# be shared: the ratio to the static file, measured in the same run, is the comparable figure).
set -euo pipefail

cd "$(dirname "$0")/.."
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
if ((quick)); then
	PROJECTS=${PROJECTS:-1000} ASSESSMENTS=${ASSESSMENTS:-300} REVISIONS=${REVISIONS:-45000} DURATION=${DURATION:-5}
else
	PROJECTS=${PROJECTS:-10000} ASSESSMENTS=${ASSESSMENTS:-3000} REVISIONS=${REVISIONS:-500000} DURATION=${DURATION:-10}
fi
CONNECTIONS=${CONNECTIONS:-50}
PORT=${PORT:-18080}
base="http://127.0.0.1:$PORT"

for tool in wrk curl jq; do
	if ! command -v "$tool" >/dev/null; then
		echo "load.sh: $tool is missing; install it with: apt-get install -y $tool" >&2
		exit 1
	fi
done

work=$(mktemp -d)
server=""
cleanup() {
	[[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
	if [[ "${KEEP:-0}" == 1 ]]; then echo "data kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "building piaf" >&2
go build -o "$work/piaf" ./cmd/piaf
go build -o "$work/savers" ./scripts/savers
if [[ -n "${REUSE:-}" ]]; then
	password=${PASSWORD:?REUSE needs the PASSWORD of that seed}
	mkdir -p "$work/data"
	cp "$REUSE/piaf.db" "$work/data/piaf.db"
	cp "$REUSE/seed.json" "$work/seed.json"
	PROJECTS=$(jq .projects "$work/seed.json") ASSESSMENTS=$(jq .assessments "$work/seed.json")
	echo "measuring a copy of $REUSE" >&2
else
	password="load-test-$(date +%s)-pw"
	echo "seeding $PROJECTS projects, $ASSESSMENTS assessments, $REVISIONS revisions" >&2
	"$work/piaf" seed --data "$work/data" --projects "$PROJECTS" --assessments "$ASSESSMENTS" \
		--revisions "$REVISIONS" --password "$password" --json >"$work/seed.json"
fi
jq -r '"seeded in \(.seconds | floor) s"' "$work/seed.json" >&2
admin=$(jq -r .admin "$work/seed.json")
member=$(jq -r .member "$work/seed.json")
long=$(jq -r .long_history_assessment "$work/seed.json")
many=$(jq -r .many_findings_assessment "$work/seed.json")
drafts=$(jq -r '.draft_assessments | join(",")' "$work/seed.json")
token=$("$work/piaf" token create --data "$work/data" --email "$admin" --name load-test)

# The reminder scheduler is off: its first pass on a seeded instance writes a reminder for each
# of thousands of overdue mitigations (minutes at the full size) and would run while the pages
# are measured; the dashboard measured 6 req/s during it on the quick size, 464 after it.
"$work/piaf" serve --data "$work/data" --addr "127.0.0.1:$PORT" --remind-every 0 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do
	curl -fs "$base/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fs "$base/healthz" >/dev/null || { echo "load.sh: the server did not start; see its log:" >&2; cat "$work/server.log" >&2; exit 1; }

# signin EMAIL JAR: the real login form, with its CSRF cookie and field.
signin() {
	local page csrf
	page=$(curl -fs -c "$2" -b "$2" "$base/login")
	csrf=$(grep -o 'name="_csrf" value="[^"]*"' <<<"$page" | head -1 | sed 's/.*value="//; s/"$//')
	curl -fs -o /dev/null -c "$2" -b "$2" --data-urlencode "_csrf=$csrf" --data-urlencode "email=$1" \
		--data-urlencode "password=$password" "$base/login"
	grep -q piaf_session "$2" || { echo "load.sh: signing in as $1 failed" >&2; exit 1; }
	awk '$6 ~ /^piaf_/ {printf "%s=%s; ", $6, $7}' "$2"
}
admin_cookie=$(signin "$admin" "$work/admin.jar")
member_cookie=$(signin "$member" "$work/member.jar")

# Real URLs: the static CSS the pages link, a project, a section, a finding.
css=$(curl -fs -H "Cookie: $admin_cookie" "$base/" | grep -o '/static/[0-9a-f]*/app\.css' | head -1)
project=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/assessments/$many" | jq -r .project_id)
section=$(curl -fs -H "Cookie: $admin_cookie" "$base/assessments/$many" | grep -o "/assessments/$many/sections/[a-z_0-9-]*" | head -1)
finding=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/assessments/$many/findings" | jq -r '(.findings // .)[0].id')
findings=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/assessments/$many/findings" | jq '(.findings // .) | length')
revisions=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/assessments/$long" | jq -r .revision)

# Peak RSS of the server while the load runs, sampled every 200 ms; the loop ends with the run.
peak="$work/rss"
echo 0 >"$peak"
(
	for _ in $(seq 1 100000); do
		kill -0 "$server" 2>/dev/null || break
		[[ -f "$work/done" ]] && break
		rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
		((rss > $(cat "$peak"))) && echo "$rss" >"$peak"
		sleep 0.2
	done
) &
sampler=$!

# to_ms VALUE: wrk's "1.23ms", "456.78us" or "1.02s" in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.1f", n }'; }

static_rps=""
rows=()
# measure NAME URL [HEADER]
measure() {
	local out rps p50 p99 errors ratio
	local args=(-t1 "-c$CONNECTIONS" "-d${DURATION}s" --latency --timeout 5s)
	[[ -n "${3:-}" ]] && args+=(-H "$3")
	local status
	status=$(curl -s -o /dev/null -w '%{http_code}' ${3:+-H "$3"} "$base$2")
	if [[ "$status" != 200 ]]; then
		echo "load.sh: $1 ($2) answers $status, not 200" >&2
		exit 1
	fi
	out=$(wrk "${args[@]}" "$base$2")
	rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
	p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
	p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr -s ' ' | paste -sd ';' -)
	[[ -z "$static_rps" ]] && static_rps=$rps
	ratio=$(awk -v a="$rps" -v b="$static_rps" 'BEGIN { printf "%.1f%%", 100 * a / b }')
	rows+=("| $1 | $rps | $p50 ms | $p99 ms | $ratio | $(cut -d' ' -f1 /proc/loadavg) |${errors:+ $errors}")
	echo "measured $1" >&2
}

A="Cookie: $admin_cookie"
M="Cookie: $member_cookie"
T="Authorization: Bearer $token"
measure "static CSS file" "$css"
measure "dashboard (admin)" "/" "$A"
measure "dashboard (member)" "/" "$M"
measure "project list (admin)" "/projects" "$A"
measure "project list (member)" "/projects" "$M"
measure "project page" "/projects/$project" "$A"
measure "assessment section" "$section" "$A"
measure "assessment overview ($findings findings)" "/assessments/$many" "$A"
measure "risk register ($findings findings)" "/assessments/$many/risks" "$A"
measure "finding" "/assessments/$many/findings/$finding" "$A"
measure "history ($revisions revisions)" "/assessments/$long/history" "$A"
measure "notifications" "/notifications" "$A"
measure "audit log" "/admin/audit" "$A"
measure "GET /api/v1/projects (admin)" "/api/v1/projects" "$T"
measure "GET /api/v1/projects/{id}/assessments" "/api/v1/projects/$project/assessments" "$T"
measure "GET /api/v1/assessments/{id}/findings" "/api/v1/assessments/$many/findings" "$T"
measure "GET /api/v1/assessments/{id}/revisions" "/api/v1/assessments/$long/revisions" "$T"

echo "16 concurrent editors" >&2
saves=$("$work/savers" -base "$base" -token "$token" -ids "$drafts" -d "${DURATION}s")
saves_load=$(cut -d' ' -f1 /proc/loadavg)
touch "$work/done"
wait "$sampler" 2>/dev/null || true

echo
echo "Instance: $PROJECTS projects, $ASSESSMENTS assessments, $(jq .revisions "$work/seed.json") revisions" \
	"($(du -m "$work/data/piaf.db" | cut -f1) MB), seeded in $(jq '.seconds | floor' "$work/seed.json") s;" \
	"wrk -t1 -c$CONNECTIONS -d${DURATION}s; $(nproc) cores; $(date -u +%Y-%m-%d)."
echo
echo "Machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo);" \
	"load average (1, 5, 15 min) at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| page | req/s | p50 | p99 | vs static file | load avg |"
echo "| --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "Concurrent editors (PATCH answers, If-Match): $saves (load average $saves_load)"
echo "Peak server RSS during the load: $(($(cat "$peak") / 1024)) MB"
