#!/bin/sh
# The test harness itself: tests/cli/lib_pg.sh fails loudly, with what the
# server said, when its PostgreSQL cluster does not start or does not
# answer, instead of letting every test after it fail on its own.
. "$ROOT/tests/cli/lib.sh"

# fake_root DIR START: a repository whose tests/pg/cluster.sh `start` runs
# START (sh) in the cluster's directory $2; `stop` does nothing.
fake_root() {
    mkdir -p "$1/tests/pg" &&
    cat >"$1/tests/pg/cluster.sh" <<FAKE
case \$1 in
start) cd "\$2" && $2 ;;
stop) ;;
esac
FAKE
}

t_start_fails() {
    fake_root fake 'echo "FATAL:  could not create lock file: Permission denied" >server.log; cat server.log >&2; exit 1' &&
    expect_exit 1 env ROOT="$PWD/fake" sh -c ". '$ROOT/tests/cli/lib_pg.sh'; echo reached" >out 2>&1 &&
    contains out 'not ok 1 - the PostgreSQL cluster in' &&
    contains out '#   FATAL:  could not create lock file: Permission denied' &&
    ! grep -q reached out
}
test_expect_success 'lib_pg.sh stops with one failed test and the server log when the cluster does not start' t_start_fails

t_no_answer() {
    # cluster.sh claims success, but nothing listens on the socket.
    fake_root fake 'echo "LOG:  database system is shut down" >server.log; echo "$2"' &&
    expect_exit 1 env ROOT="$PWD/fake" sh -c ". '$ROOT/tests/cli/lib_pg.sh'; echo reached" >out 2>&1 &&
    contains out 'answers' && contains out 'not ok 1' &&
    contains out '#   LOG:  database system is shut down' &&
    ! grep -q reached out
}
test_expect_success 'lib_pg.sh stops with the server log when the cluster does not answer' t_no_answer
