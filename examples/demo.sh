#!/bin/sh
# examples/demo.sh BUILD - the main job on the running example (make demo).
#
# Builds a SQLite database of a pharmacy chain's customers, compiles the
# GSP policy and applies it with the stock sqlite3 shell, then shows what
# each role sees of the same query, a second-person approval of an export,
# and the checks a DBA and an auditor run afterwards.
set -eu
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(pwd)
WARD=$BUILD/ward
P=$ROOT/policies/gsp_pharmacy.ward
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-demo.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
cd "$TMP"

# Bold headings and command lines on a terminal only, and never with NO_COLOR.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B='\033[1m' E='\033[0m'; else B= E=; fi
say() { printf "\n${B}== %s${E}\n" "$*"; }
step() { printf "${B}\$ %s${E}\n" "$*"; "$@"; }

# as ROLES USER SCENARIO ATTRS SQL...: the stock shell, runtime loaded, in a
# session (SCENARIO and ATTRS are SQL: NULL or a quoted string).
as() {
    roles=$1 user=$2 scenario=$3 attrs=$4
    shift 4
    sqlite3 -bail -box pharmacy.db ".load $BUILD/ward" ".output /dev/null" \
        "SELECT ward_session('$roles', '$user', $scenario, $attrs)" \
        ".output stdout" "$@"
}

# refused ...: a step that must fail; its error is the point.
refused() {
    if "$@" 2>err.txt; then
        echo "demo: expected a refusal" >&2
        exit 1
    fi
    sed 's/^/  refused: /' err.txt
}

say "A pharmacy chain's customer table (synthetic data)"
step "$BUILD/examples/demo_data" pharmacy.db 3000

say "Check and compile the policy, apply it with the stock sqlite3 shell"
step "$WARD" compile "$P" --target sqlite -o policy.sql
step sqlite3 -bail pharmacy.db ".read policy.sql"

Q="SELECT id, name, phone, id_card, medication, store_id FROM customers ORDER BY id LIMIT 3"
say "The same query, unchanged, as five sessions:  $Q"
printf "\n${B}customer service agent (cs_agent)${E}: names and phones masked, ID and medication hidden\n"
as cs_agent a01 NULL NULL "$Q"
printf "\n${B}supervisor (cs_supervisor)${E}: full phone and ID\n"
as cs_supervisor s01 NULL NULL "$Q"
printf "\n${B}pharmacist${E}: medication, never contact details\n"
as pharmacist p01 NULL NULL "$Q"
printf "\n${B}store manager of store 3${E}: only store 3's customers\n"
as store_manager m03 NULL "'{\"store_id\": 3}'" "$Q"
printf "\n${B}supervisor on the outbound-call screen${E}: the ID's last four hidden, medication hidden\n"
as cs_supervisor s01 "'outbound_call'" NULL "$Q"

say "Predicates see only what the session sees"
PHONE=$(sqlite3 pharmacy.db "SELECT phone FROM customers WHERE id = 1")
printf "an agent who knows customer 1's number (%s) cannot confirm it:\n" "$PHONE"
as cs_agent a01 NULL NULL \
    "SELECT count(*) AS matches FROM customers WHERE phone = '$PHONE'"

say "Writes: what the policy grants goes through; the rest is refused"
as cs_agent a01 NULL NULL "UPDATE customers SET phone = '13900000000' WHERE id = 1" \
    "SELECT id, phone FROM customers WHERE id = 1"
refused as cs_agent a01 NULL NULL "UPDATE customers SET id_card = '110101199003070000' WHERE id = 1"

say "Exporting the customer list needs a second person's approval"
refused as cs_supervisor s01 NULL NULL "SELECT count(*) FROM ward_export_customers"
printf "s01 requests the export:\n"
as cs_supervisor s01 NULL NULL "SELECT ward_request('export_customers', 'quarterly review') AS request"
printf "s01 tries to approve it:\n"
refused as cs_supervisor s01 NULL NULL "SELECT ward_approve('export_customers')"
printf "a pharmacist tries:\n"
refused as pharmacist p01 NULL NULL "SELECT ward_approve('export_customers')"
printf "compliance approves it:\n"
as compliance c01 NULL NULL "SELECT ward_approve('export_customers') AS approvals_still_needed"
printf "s01 exports, once:\n"
as cs_supervisor s01 NULL NULL "SELECT count(*) AS exported_rows FROM ward_export_customers"
refused as cs_supervisor s01 NULL NULL "SELECT count(*) FROM ward_export_customers"

say "The audit log: who, when, which field, which operation (never the values)"
sqlite3 -box pharmacy.db "SELECT seq, user, roles, scenario, op, tbl, key, columns, nrows, detail FROM ward_audit ORDER BY seq"

say "An auditor checks the log's hash chain; a DBA checks the applied policy"
step "$WARD" audit verify pharmacy.db
step "$WARD" verify pharmacy.db

say "The C API: an application sets and locks its user's session"
step "$BUILD/examples/app" pharmacy.db pharmacist p01
