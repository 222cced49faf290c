#!/bin/sh
# Output files (`ward compile -o`, `ward fmt -w`): a regular file or a new
# path is replaced atomically through a temporary file; an existing file
# keeps its mode (and owner); a new one gets 0666 less the umask; a
# symbolic link stays a link and the file it names is written; a FIFO is
# written in place, never replaced. A failed compile leaves nothing behind.
# (No device here: /dev/null is what a bug would have replaced.)
. "$ROOT/tests/cli/lib.sh"

cat >"$SCRATCH_BASE/p.ward" <<'EOF'
policy out version 1;
role clerk;
table t {
  id   integer key;
  name text;
  show name to clerk;
}
EOF
"$WARD" compile -o "$SCRATCH_BASE/want.sql" "$SCRATCH_BASE/p.ward"

# mode FILE: its permission bits in octal.
mode() { stat -c %a "$1"; }

# only FILE...: the directory holds exactly these names (no temporary file).
only() {
    want=$(printf '%s\n' "$@" | sort)
    got=$(ls -A | sort)
    [ "$got" = "$want" ] || { echo "expected: $want"; echo "got: $got"; return 1; }
}

test_expect_success 'a new file gets 0666 less the umask' '
    (umask 027 && "$WARD" compile -o a.sql "$SCRATCH_BASE/p.ward") &&
    test "$(mode a.sql)" = 640 &&
    (umask 022 && "$WARD" compile -o b.sql "$SCRATCH_BASE/p.ward") &&
    test "$(mode b.sql)" = 644 &&
    cmp a.sql "$SCRATCH_BASE/want.sql" &&
    only a.sql b.sql
'

test_expect_success 'an existing file keeps its mode, whatever the umask' '
    echo old >out.sql && chmod 0640 out.sql &&
    (umask 077 && "$WARD" compile -o out.sql "$SCRATCH_BASE/p.ward") &&
    test "$(mode out.sql)" = 640 &&
    cmp out.sql "$SCRATCH_BASE/want.sql" &&
    echo old >exec.sql && chmod 0755 exec.sql &&
    "$WARD" compile -o exec.sql "$SCRATCH_BASE/p.ward" &&
    test "$(mode exec.sql)" = 755 &&
    only out.sql exec.sql
'

test_expect_success 'an existing file keeps its owner (as root)' '
    if [ "$(id -u)" -ne 0 ]; then echo "skipped: not root"; exit 0; fi &&
    echo old >out.sql && chown 65534:65534 out.sql && chmod 0604 out.sql &&
    "$WARD" compile -o out.sql "$SCRATCH_BASE/p.ward" &&
    test "$(stat -c %u:%g out.sql)" = 65534:65534 &&
    test "$(mode out.sql)" = 604 &&
    cmp out.sql "$SCRATCH_BASE/want.sql"
'

test_expect_success 'a symbolic link stays a link; the file it names is written' '
    mkdir real && echo old >real/s.sql && chmod 0600 real/s.sql &&
    ln -s real/s.sql link.sql &&
    "$WARD" compile -o link.sql "$SCRATCH_BASE/p.ward" &&
    test -L link.sql && test "$(readlink link.sql)" = real/s.sql &&
    cmp real/s.sql "$SCRATCH_BASE/want.sql" &&
    test "$(mode real/s.sql)" = 600 &&
    only link.sql real && (cd real && only s.sql)
'

test_expect_success 'a link to a missing file creates the file, keeps the link' '
    mkdir d && ln -s d/new.sql link.sql &&
    "$WARD" compile -o link.sql "$SCRATCH_BASE/p.ward" &&
    test -L link.sql && test -f d/new.sql &&
    cmp d/new.sql "$SCRATCH_BASE/want.sql"
'

test_expect_success 'a FIFO is written in place, not replaced' '
    mkfifo pipe &&
    cat pipe >got & reader=$! &&
    "$WARD" compile -o pipe "$SCRATCH_BASE/p.ward" &&
    wait $reader &&
    test -p pipe &&
    cmp got "$SCRATCH_BASE/want.sql" &&
    only pipe got
'

test_expect_success 'a failed compile leaves no file and no temporary file' '
    printf "policy bad version 1;\nrole r;\ntable t { id integer; show nope to r; }\n" >bad.ward &&
    expect_exit 2 "$WARD" compile -o out.sql bad.ward 2>err &&
    contains err "unknown column" &&
    only bad.ward err &&
    echo keep >out.sql &&
    expect_exit 2 "$WARD" compile -o out.sql bad.ward 2>err &&
    test "$(cat out.sql)" = keep &&
    only bad.ward err out.sql
'

test_expect_success 'a write that fails leaves the old file and no temporary' '
    if [ "$(id -u)" -eq 0 ]; then echo "skipped: root writes anywhere"; exit 0; fi &&
    mkdir ro && echo keep >ro/out.sql && chmod 0555 ro &&
    expect_exit 2 "$WARD" compile -o ro/out.sql "$SCRATCH_BASE/p.ward" 2>err;
    rc=$?; chmod 0755 ro; test $rc -eq 0 &&
    contains err "cannot create" &&
    test "$(cat ro/out.sql)" = keep && (cd ro && only out.sql)
'

test_expect_success 'fmt -w keeps the mode of the policy it rewrites' '
    printf "policy f version 1;\nrole   r;\ntable t { id integer; show id to r; }\n" >f.ward &&
    chmod 0640 f.ward &&
    (umask 077 && "$WARD" fmt -w f.ward) &&
    test "$(mode f.ward)" = 640 &&
    contains f.ward "role r;" &&
    only f.ward
'
