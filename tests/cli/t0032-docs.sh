#!/bin/sh
# The documentation against the program: docs/cli.md describes every command
# and option of `ward --help` and no command that does not exist, says what
# exit 1 means, no page links outside the repository, every section of a
# page that the code, tests or docs cite exists, docs/semantics.md lists
# every refusal code the runtimes raise, and the sqlite3 sessions that
# README.md and docs/dba-sqlite.md show print what the shell really prints.
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

# pages: README.md and docs/*.md.
pages() {
    echo "$ROOT/README.md"
    ls "$ROOT"/docs/*.md
}

# sources: the files that may cite a page of docs/, build/ left out.
sources() {
    pages
    find "$ROOT/base" "$ROOT/grammar" "$ROOT/compiler" "$ROOT/runtime" \
        "$ROOT/check" "$ROOT/cli" "$ROOT/tests" "$ROOT/bench" "$ROOT/examples" \
        "$ROOT/policies" "$ROOT/mk" "$ROOT/Makefile" -type f
}

t_links() {
    # Every link of a page leads to a file of the repository (or a web
    # address): the contract, docs/semantics.md, is one of them, and no
    # page sends the reader to a design file the repository does not have.
    pages >pagelist &&
    while read -r f; do
        d=$(dirname "$f")
        grep -o -E '\]\([^)#]+' "$f" | sed 's/^](//' | while read -r target; do
            case $target in
            http://* | https://* | mailto:*) continue ;;
            /*) echo "$f: absolute link $target" ;;
            *) (cd "$d" && test -e "$target") || echo "$f: no file $target" ;;
            esac
            case $(cd "$d" 2>/dev/null && cd "$(dirname "$target")" 2>/dev/null && pwd) in
            "$ROOT" | "$ROOT"/*) ;;
            *) echo "$f: $target is outside the repository" ;;
            esac
        done
    done <pagelist >bad &&
    test -e "$ROOT/docs/semantics.md" && grep -q 'docs/semantics.md' "$ROOT/README.md" &&
    # The pattern is spelled so that it does not match this line.
    sources | xargs grep -n -E 'DESIGN[.]md' >>bad
    test ! -s bad || { cat bad; return 1; }
}
test_expect_success 'every link of README.md and docs/ leads into the repository; nothing cites a design file outside it' t_links

# anchors FILE: the GitHub anchors of FILE's headings (outside code
# blocks): lower case, punctuation dropped, blanks made hyphens.
anchors() {
    awk '/^```/ { code = !code; next }
         !code && /^#+ / {
             h = tolower($0); sub(/^#+ /, "", h)
             gsub(/[^a-z0-9 _-]/, "", h); gsub(/ /, "-", h); print h
         }' "$1"
}

t_anchors() {
    # Every docs/PAGE.md#SECTION the code, tests and docs cite, and every
    # (PAGE.md)#SECTION link between pages, names a heading of that page.
    sources | xargs grep -o -h -E 'docs/[A-Za-z_]+\.md#[a-z0-9_-]+' >cited &&
    pages >pagelist &&
    while read -r f; do
        grep -o -E '\]\([A-Za-z_]*(\.md)?#[a-z0-9_-]+\)' "$f" |
        sed -e 's/^](//' -e 's/)$//' | while IFS='#' read -r page sec; do
            echo "docs/${page:-$(basename "$f")}#$sec"
        done
    done <pagelist | sed 's|^docs/README.md|README.md|' >>cited &&
    grep -c 'docs/semantics.md#' cited >n && test "$(cat n)" -ge 10 &&
    sort -u cited | while IFS='#' read -r page sec; do
        anchors "$ROOT/$page" | grep -x -F -e "$sec" >/dev/null ||
            echo "$page has no section #$sec"
    done >bad &&
    test ! -s bad || { cat bad; return 1; }
}
test_expect_success 'every section of docs/ that the code, tests or pages cite exists' t_anchors

# raised: the refusal codes the runtimes and the corpus runners raise,
# one a line: "[code]" in their messages, the codes the refusal helpers
# take, and the corpus's list of codes a case may expect.
raised() {
    {
        grep -r -h -o -E '(ward: |"|'"'"')\[[a-z]+(-[a-z]+)*\]' \
            "$ROOT/runtime" "$ROOT/check" "$ROOT/compiler" |
            sed 's/.*\[\(.*\)\]/\1/'
        grep -r -h -o -E "(refuse_?\([^\"']*[\"'][a-z]+|(THEN|ELSE) '[a-z]+-[a-z]+)(-[a-z]+)*[\"']" \
            "$ROOT/runtime" | sed "s/.*[\"']\([a-z-]*\)[\"']$/\1/"
        sed -n '/CODES\[\] = {/,/};/s/^ *"\([a-z-]*\)",$/\1/p' "$ROOT/check/corpus.c"
    } | grep -v -x -e code | sort -u  # ward.h's comment shows "ward: [code]"
}

t_codes() {
    # The table of refusal codes in docs/semantics.md has every code a
    # runtime raises, and marks "yes" those a corpus may expect.
    raised >codes && test "$(wc -l <codes)" -ge 18 &&
    grep -x -e approval-required -e denied -e bulk-gate codes >/dev/null &&
    awk '/^## Refusal codes/ { on = 1; next } /^## / { on = 0 } on' \
        "$ROOT/docs/semantics.md" >table && test -s table &&
    while read -r c; do
        grep -F -e "| \`[$c]\` |" table >/dev/null ||
            echo "docs/semantics.md#refusal-codes lacks [$c]"
    done <codes >bad &&
    sed -n '/CODES\[\] = {/,/};/s/^ *"\([a-z-]*\)",$/\1/p' "$ROOT/check/corpus.c" >corpus &&
    test "$(wc -l <corpus)" -ge 10 &&
    while read -r c; do
        grep -F -e "| \`[$c]\` |" table | grep -q '| yes |$' ||
            echo "docs/semantics.md#refusal-codes does not mark [$c] as one a corpus may expect"
    done <corpus >>bad &&
    grep '| yes |$' table | sed 's/^| `\[\([a-z-]*\)\]`.*/\1/' | while read -r c; do
        grep -x -F -e "$c" corpus >/dev/null ||
            echo "docs/semantics.md#refusal-codes marks [$c] for a corpus, which check/corpus.c refuses"
    done >>bad &&
    test ! -s bad || { cat bad; return 1; }
}
test_expect_success 'docs/semantics.md lists every refusal code the runtimes raise' t_codes

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
