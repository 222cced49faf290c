# tests/cli/lib_locked.sh - locked sessions of the stock sqlite3 shell for
# the SQLite attack tests (t0015, t0018, t0025). Sourced after lib.sh.

# The clear values of mkdb's customers that no attacked role may see.
SECRETS='13812345678
13998765432
110101199003071234
11010119900307123X'

# locked DB ROLE USER ATTRS SQL...: the shell in a locked session, stopping
# at the first error.
locked() {
    db=$1 role=$2 user=$3 attrs=$4
    shift 4
    sq "$db" ".output /dev/null" \
        "SELECT ward_session($(sql_str "$role"), $(sql_str "$user"), NULL, $(sql_str "$attrs"))" \
        "SELECT ward_lock()" ".output stdout" "$@"
}

# locked_all DB ROLE USER ATTRS FILE: every statement of FILE (one per
# line) in one locked session, going on after errors; rows and errors.
# Fails only when the shell dies of a signal.
locked_all() {
    LD_PRELOAD="${WARD_PRELOAD:-}" sqlite3 "$1" ".load $BUILD/ward" \
        ".output /dev/null" \
        "SELECT ward_session($(sql_str "$2"), $(sql_str "$3"), NULL, $(sql_str "$4"))" \
        "SELECT ward_lock()" ".output stdout" ".read $5" 2>&1
    rc=$?
    [ "$rc" -lt 128 ] || { echo "the shell died: $rc"; return 1; }
}

# no_secret FILE: FILE holds none of the clear values.
no_secret() {
    if echo "$SECRETS" | grep -F -f - "$1" >/dev/null; then
        echo "a clear value leaked into $1:"
        cat "$1"
        return 1
    fi
}
