#!/bin/sh
# examples/demo.sh [BUILD] - the main job on the running example (make demo).
#
# Builds a SQLite database of a pharmacy chain's customers, compiles the
# GSP policy (policies/gsp_pharmacy.ward) and applies it with the stock
# sqlite3 shell, then shows what each role sees of one unchanged query,
# the writes the policy grants and refuses, a second-person approval of an
# export, the audit log, and the checks an auditor and a DBA run
# afterwards. Everything happens in a temporary directory, removed on exit.
#
# BUILD is the build directory (default build), made by `make`. Each
# sqlite3 command below is a new connection: it loads the runtime
# (.load BUILD/ward) and sets its session before its query. A step that
# must succeed stops the demo when it fails; a step that must be refused
# stops it when it is not, or when the refusal is not the expected one.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-build}" 2>/dev/null && pwd) || {
    echo "demo: no build directory '${1:-build}': run make first" >&2
    exit 2
}
WARD=$BUILD/ward
POLICY=$ROOT/policies/gsp_pharmacy.ward
for f in "$WARD" "$BUILD/ward.so" "$BUILD/examples/demo_data" \
    "$BUILD/examples/app"; do
    [ -e "$f" ] || { echo "demo: $f is missing: run make first" >&2; exit 2; }
done
command -v sqlite3 >/dev/null || {
    echo "demo: needs the sqlite3 shell (apt-get install sqlite3)" >&2
    exit 2
}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-demo.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
cd "$TMP"
R=${BUILD#"$ROOT/"} # the build directory as shown

# Bold headings and commands on a terminal only, and never with NO_COLOR.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    B=$(printf '\033[1m') E=$(printf '\033[0m')
else
    B= E=
fi
TAB=$(printf '\t')

# say TEXT: a section heading.
say() { printf '\n%s== %s%s\n' "$B" "$*" "$E"; }

# quote WORD: WORD as the shell would need it, for display.
quote() {
    case $1 in
    *[\"\$\`\\]*) printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")" ;;
    *\'*) printf '"%s"' "$1" ;;
    '' | *[!A-Za-z0-9_./:=,+-]*) printf "'%s'" "$1" ;;
    *) printf %s "$1" ;;
    esac
}

# step CMD...: prints the command (paths relative to the repository, so
# that it can be pasted there), then runs it.
step() {
    line=
    for a in "$@"; do
        line="$line $(quote "${a#"$ROOT/"}")"
    done
    printf '%s$%s%s\n' "$B" "$line" "$E"
    "$@"
}

# table [FILE]: tab-separated rows (the first one the header) as aligned
# columns. Lines that start with '#' are printed as they are, without it.
# Widths count terminal columns: a Chinese character takes two (the stock
# shell's box mode counts one, and misaligns). Bytes, so LC_ALL=C.
table() {
    LC_ALL=C awk -F "$TAB" '
    BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
    function width(s,    i, n, c, w) {
        n = length(s); w = 0
        for (i = 1; i <= n; i++) {
            c = ord[substr(s, i, 1)]
            if (c >= 128 && c < 192) continue     # UTF-8 continuation
            w += (c >= 227 && c <= 237) || c >= 240 ? 2 : 1
        }
        return w
    }
    function pad(n,    s) { s = ""; while (n-- > 0) s = s " "; return s }
    { line[NR] = $0 }
    !/^#/ { for (i = 1; i <= NF; i++) if (width($i) > w[i]) w[i] = width($i) }
    END {
        for (r = 1; r <= NR; r++) {
            if (line[r] ~ /^#/) { print substr(line[r], 2); continue }
            n = split(line[r], f, "\t"); out = "  "
            for (i = 1; i <= n; i++)
                out = out f[i] (i < n ? pad(w[i] - width(f[i]) + 2) : "")
            sub(/ +$/, "", out)
            print out
            if (r > 1) continue
            out = "  "
            for (i = 1; i <= n; i++) {
                rule = ""; while (length(rule) < w[i]) rule = rule "-"
                out = out rule (i < n ? "  " : "")
            }
            print out
        }
    }' "$@"
}

# shell ARGS...: the stock shell with tab-separated output for table(),
# NULL shown as NULL, stopping at the first error (-bail, exit status 1).
shell() {
    sqlite3 -bail -list -separator "$TAB" -nullvalue NULL "$@"
}

# session ROLES USER SCENARIO ATTRS: the ward_session() call (SCENARIO and
# ATTRS are SQL: NULL or a quoted string).
session() { echo "SELECT ward_session('$1', '$2', $3, $4)"; }

# as ROLES USER SCENARIO ATTRS SQL...: SQL in a new connection in that
# session, with a header row; the session call's own output is dropped.
as() {
    s=$(session "$1" "$2" "$3" "$4")
    shift 4
    shell -header pharmacy.db ".load $BUILD/ward" ".output /dev/null" "$s" \
        ".output stdout" "$@"
}

# ask WHO ROLES USER SQL...: statements as WHO in one connection, shown
# and answered.
ask() {
    who=$1 roles=$2 user=$3
    shift 3
    for q in "$@"; do
        printf '%s%s>%s %s;\n' "$B" "$who" "$E" "$q"
    done
    as "$roles" "$user" NULL NULL "$@" >out.tsv
    table out.tsv
}

# refused CODE WHO ROLES USER SQL: as ask, for a statement the runtime must
# refuse with [CODE]; shows the refusal.
refused() {
    code=$1
    shift
    printf '%s%s>%s %s;\n' "$B" "$1" "$E" "$4"
    if as "$2" "$3" NULL NULL "$4" >out.tsv 2>err.txt; then
        echo "demo: expected a refusal [$code], got:" >&2
        cat out.tsv >&2
        exit 1
    fi
    grep -F "[$code]" err.txt >/dev/null || {
        echo "demo: expected a refusal [$code], got:" >&2
        cat err.txt >&2
        exit 1
    }
    # The shell's own prefix ("Error: stepping, ", "Runtime error: ") varies
    # by version; the runtime's message is what matters.
    sed 's/^.*\(ward: \[\)/  refused: \1/' err.txt
}

say "1. A pharmacy chain's customers: 3,000 synthetic people"
step "$BUILD/examples/demo_data" pharmacy.db 3000
echo "Chinese names, mobile numbers, resident IDs with valid check digits,"
echo "medication, a store (1-12) and the sales rep who owns each customer."

say "2. The compliance officer's policy, checked and compiled; the DBA applies it"
step "$WARD" compile "$POLICY" --target sqlite -o policy.sql
step sqlite3 -bail pharmacy.db ".read policy.sql"
echo "The customers' rows are untouched: the script added the policy's catalog,"
echo "audit triggers, the audit log and the approval tables, in one transaction."

Q="SELECT id, name, phone, id_card, medication, store_id FROM customers ORDER BY id LIMIT 3"
say "3. One query, unchanged, in six sessions"
cat <<EOF
Each session is a new connection of the stock shell:
  .load $R/ward
  SELECT ward_session(roles, user, scenario, attrs);
  $Q;
NULL is a value the policy hides from that session; * a masked character.

EOF
# view LABEL ROLES USER SCENARIO ATTRS: one session's rows, under LABEL
# and its ward_session() call, for table(); the first keeps the header.
view() {
    as "$2" "$3" "$4" "$5" "$Q" >rows.tsv
    [ -s view.tsv ] || sed -n 1p rows.tsv >view.tsv
    printf '#%s%s%s\n#  %s\n' "$B" "$1" "$E" "$(session "$2" "$3" "$4" "$5")" \
        >>view.tsv
    sed 1d rows.tsv >>view.tsv
}
: >view.tsv
view "customer service agent: name and phone masked; ID and medication hidden" \
    cs_agent a01 NULL NULL
view "customer service supervisor: full phone and ID, and medication" \
    cs_supervisor s01 NULL NULL
view "pharmacist: medication, never the contact details" \
    pharmacist p01 NULL NULL
view "store manager of store 3: only store 3's customers" \
    store_manager m03 NULL "'{\"store_id\": 3}'"
view "agent on the outbound-call screen: as before (a scenario only restricts)" \
    cs_agent a01 "'outbound_call'" NULL
view "supervisor on the outbound-call screen: the ID's last four and medication hidden" \
    cs_supervisor s01 "'outbound_call'" NULL
table view.tsv

say "4. Queries see only what the session sees; writes only what it may write"
PHONE=$(sqlite3 -bail pharmacy.db "SELECT phone FROM customers WHERE id = 1")
echo "An agent who knows customer 1's number ($PHONE) cannot confirm it:"
ask "agent a01" cs_agent a01 \
    "SELECT count(*) AS matches FROM customers WHERE phone = '$PHONE'"
echo "The policy lets agents write names and phone numbers (write name, phone to cs_agent):"
ask "agent a01" cs_agent a01 \
    "UPDATE customers SET phone = '13900000000' WHERE id = 1" \
    "SELECT id, phone FROM customers WHERE id = 1"
echo "and nothing else:"
refused write-denied "agent a01" cs_agent a01 \
    "UPDATE customers SET id_card = '110101199003070000' WHERE id = 1"

say "5. Exporting the customer list needs a second person's approval"
echo "(approval export_customers: by 1 of compliance, cs_supervisor; expires 24h)"
refused approval-required "supervisor s01" cs_supervisor s01 \
    "SELECT count(*) FROM ward_export_customers"
echo "s01 asks for it, with a reason:"
ask "supervisor s01" cs_supervisor s01 \
    "SELECT ward_request('export_customers', 'quarterly review') AS request"
echo "s01 may not approve their own request, and a pharmacist is no approver:"
refused self-approval "supervisor s01" cs_supervisor s01 \
    "SELECT ward_approve('export_customers')"
refused not-approver "pharmacist p01" pharmacist p01 \
    "SELECT ward_approve('export_customers')"
echo "compliance officer c01 approves:"
ask "compliance c01" compliance c01 \
    "SELECT ward_approve('export_customers') AS approvals_still_needed"
echo "s01 exports, once:"
ask "supervisor s01" cs_supervisor s01 \
    "SELECT count(*) AS exported_rows FROM ward_export_customers"
refused approval-required "supervisor s01" cs_supervisor s01 \
    "SELECT count(*) FROM ward_export_customers"

say "6. The audit log: who, when, which columns, which operation (never the values)"
echo "Reads of audited columns (audit customers read phone, id_card, medication"
echo "write all), one row per statement and table; every write attempt, refused"
echo "ones included:"
shell -header -nullvalue '' pharmacy.db \
    "SELECT seq, substr(at, 1, 19) AS 'at (UTC)', user, roles, scenario, op,
            tbl AS 'table', key, columns, nrows AS 'rows', detail
       FROM ward_audit WHERE op IN ('read', 'insert', 'update', 'delete')
      ORDER BY seq" >audit.tsv
table audit.tsv
echo "and every step of the approval, refusals included, in the same log:"
shell -header -nullvalue '' pharmacy.db \
    "SELECT seq, substr(at, 1, 19) AS 'at (UTC)', user, roles, op,
            tbl AS 'table', nrows AS 'rows', detail
       FROM ward_audit WHERE op NOT IN ('read', 'insert', 'update', 'delete')
      ORDER BY seq" >audit.tsv
table audit.tsv

say "7. An auditor checks the log's hash chain; a DBA checks the applied policy"
step "$WARD" audit verify pharmacy.db
step "$WARD" verify pharmacy.db
echo "Someone who bypasses ward to edit the log, on a copy of the database:"
cp pharmacy.db tampered.db
step sqlite3 -bail tampered.db "DROP TRIGGER ward_audit_no_update" \
    "UPDATE ward_audit SET user = 'nobody' WHERE seq = 1"
if step "$WARD" audit verify tampered.db; then
    echo "demo: ward audit verify missed the edit" >&2
    exit 1
fi

say "8. The C API (runtime/sqlite/ward.h): an application sets and locks its user's session"
step "$BUILD/examples/app" pharmacy.db pharmacist p01

say "Next: ask the policy why, and see every decision"
echo "  $R/ward explain policies/gsp_pharmacy.ward --role pharmacist customers"
echo "  $R/ward matrix policies/gsp_pharmacy.ward"
echo "  docs/dba-sqlite.md: sessions, writes, approvals and audit on SQLite"
