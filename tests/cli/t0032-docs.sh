#!/bin/sh
# The documentation against the program: docs/cli.md describes every command
# and option of `ward --help` and no command that does not exist, says what
# exit 1 means, no page sends the reader to a DESIGN.md the repository does
# not have, and the sqlite3 sessions that README.md and docs/dba-sqlite.md
# show print what the shell really prints.
. "$ROOT/tests/cli/lib.sh"
CLI=$ROOT/docs/cli.md

# commands: the command names `ward --help` lists.
commands() {
    "$WARD" --help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z]*\) .*/\1/p'
}

# section CMD: the text of docs/cli.md's sections on `ward CMD` (one, or
# several for `audit verify`, `audit fold`).
section() {
    awk -v cmd="$1" '
        /^## / { on = ($0 == "## ward " cmd || index($0, "## ward " cmd " ") == 1) }
        on' "$CLI"
}

t_every_command() {
    commands >cmds && test "$(wc -l <cmds)" -ge 9 &&
    while read -r c; do
        section "$c" >sec &&
        { test -s sec || { echo "docs/cli.md has no section on ward $c"; return 1; }; } &&
        "$WARD" "$c" --help >usage &&
        for opt in $(grep -o -E '(^| |\[|\|)--?[a-z][a-z-]*' usage | sed 's/^[ [|]*//' | sort -u); do
            grep -F -e "$opt" sec >/dev/null ||
                { echo "docs/cli.md on ward $c does not mention $opt"; return 1; }
        done || return 1
    done <cmds
}
test_expect_success 'docs/cli.md has a section on every command of ward --help, naming each of its options' t_every_command

t_no_phantom() {
    # Every `## ward X` section is a command ward runs; planned ones are
    # listed under "Coming next" and answer `unknown command`.
    commands >cmds &&
    sed -n 's/^## ward \([a-z]*\).*/\1/p' "$CLI" | sort -u >documented &&
    while read -r c; do
        grep -x -F "$c" cmds >/dev/null ||
            { echo "docs/cli.md documents ward $c, which --help does not list"; return 1; }
    done <documented &&
    sed -n '/^## Coming next/,/^## /p' "$CLI" | sed -n 's/^- `ward \([a-z]*\) .*/\1/p' >planned &&
    test -s planned &&
    while read -r c; do
        expect_exit 2 "$WARD" "$c" 2>err && contains err "unknown command '$c'" || return 1
    done <planned
}
test_expect_success 'docs/cli.md documents no command that does not exist; the planned ones are refused' t_no_phantom

t_options_exist() {
    # Every `ward CMD ... --opt` written on any page is an option of CMD.
    n=0 &&
    for f in "$ROOT/README.md" "$ROOT"/docs/*.md; do
        grep -o -E 'ward (compile|check|explain|matrix|fmt|parse|verify|audit|key)( [^`|]*)?' "$f" |
        while read -r _ c rest; do
            for o in $(printf '%s\n' "$rest" | grep -o -E '(^| )--?[a-z][a-z-]*'); do
                echo "$c $o"
            done
        done
    done | sort -u >uses &&
    test "$(wc -l <uses)" -ge 15 &&
    while read -r c o; do
        "$WARD" "$c" --help | grep -q -e "$o\b" ||
            { echo "the docs use ward $c $o, which ward $c --help does not list"; return 1; }
    done <uses
}
test_expect_success 'every option the docs give a command is one of its options in --help' t_options_exist

t_exit_one() {
    grep '^| 1 |' "$CLI" >row &&
    contains row 'a corpus case of `ward check`' &&
    contains row 'ward verify' && contains row 'ward audit verify' &&
    contains row 'ward fmt --check' &&
    ! grep -i 'today only' row &&
    sed 's/^corpus .*/corpus "c.yaml";/' "$ROOT/policies/gsp_pharmacy.ward" >p.ward &&
    printf '%s\n' 'fixtures: {}' 'cases:' '  - name: a corpus that does not cover the policy' \
        '    session: {roles: [cs_agent], user: a01}' '    read: customers' \
        '    expect_rows: 0' >c.yaml &&
    expect_exit 0 "$WARD" check p.ward >out &&
    expect_exit 1 "$WARD" check p.ward --min-coverage 100 >out &&
    contains out 'below the minimum'
}
test_expect_success 'docs/cli.md says exit 1 is any failed check, as ward check exits' t_exit_one

t_no_design() {
    # DESIGN.md is not part of the repository: a reader can't follow a link to it.
    test ! -e "$ROOT/DESIGN.md" &&
    ! grep -rn 'DESIGN\.md' "$ROOT/README.md" "$ROOT/docs" "$ROOT/policies" \
        "$ROOT/examples"
}
test_expect_success 'no page refers to a DESIGN.md outside the repository' t_no_design

# transcript FILE: the first `sqlite> .load build/ward` session FILE shows,
# from that line to the end of its code block.
transcript() {
    awk '/^sqlite> \.load build\/ward$/ { on = 1 } /^```/ { on = 0 } on' "$1"
}

# replay FILE: run FILE's session in the stock shell (-interactive echoes
# each line after its prompt, as the docs show it) on the running example's
# customers with the compiled policy, and compare.
replay() {
    transcript "$1" >want && test -s want &&
    sed -n 's/^sqlite> //p' want | sed "s|^\.load build/ward$|.load $BUILD/ward|" >in &&
    mkdb pharmacy.db &&
    LD_PRELOAD="${WARD_PRELOAD:-}" sqlite3 -interactive pharmacy.db <in >raw 2>&1
    # The shell's banner and last prompt go; so does the error code that
    # newer shells append to an error ("... prohibited (23)").
    sed -e '1,2d' -e '$ { /^sqlite> $/d; }' -e 's/^\(Parse error: .*\) ([0-9]*)$/\1/' \
        -e "s|^sqlite> \.load $BUILD/ward$|sqlite> .load build/ward|" raw >out &&
    diff -u want out
}

t_readme() {
    replay "$ROOT/README.md"
}
test_expect_success "README's sqlite3 session prints what the shell prints (ward_lock() prints 1)" t_readme

t_dba() {
    replay "$ROOT/docs/dba-sqlite.md"
}
test_expect_success "docs/dba-sqlite.md's sqlite3 session prints what the shell prints" t_dba
