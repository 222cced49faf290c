# tests/cli/t0041-gen.awk - the injection property test's cases (t0041).
#
#   LC_ALL=C awk -v seed=S -v n=N -v out=DIR -f t0041-gen.awk
#
# writes, for each case i in 1..N, into DIR/i/:
#   policy.ward   one table, two roles, a redact mask, a row rule on a
#                 string literal, a row rule on a session attribute, an
#                 approval with a label, write and audit rules; every name
#                 an SQL keyword or a mixed-case word, every string hostile
#   names         P T A B R1 R2 (policy, table, columns, roles), one a line
#   sqlite.sql    the base table and its rows, for sqlite3
#   pg.sql        the same for psql
#   attr.sqlite   the session attribute value as an SQLite literal
#   attr.pg       the same as a PostgreSQL literal
#   want_r1       what R1 reads (rows where A = the literal):
#                 id|hex(A)|hex(B), lower-case hex
#   want_r2       what R2 reads (rows where B = the attribute, B masked by
#                 redact(text)): id|hex(A)|hex(text)
#   want_labels   hex of the policy, role R1 and approval labels
# and DIR/twin/ (the same shape with plain names and strings: the
# reference for the objects an apply creates).
# The same seed gives the same cases on every machine (rand() of mawk and
# gawk under srand(seed)).

function pick(arr, n) { return arr[int(rand() * n) + 1] }

# hostile(nl): 1 to 6 atoms; newline only if nl (data, not policy text).
function hostile(nl,    s, k, i, a) {
    s = ""
    k = int(rand() * 6) + 1
    for (i = 1; i <= k; i++) {
        a = pick(atom, natom)
        if (!nl && a == "\n")
            a = "\t"
        s = s a
    }
    return s
}

function hex(s,    h, i) {
    h = ""
    for (i = 1; i <= length(s); i++)
        h = h sprintf("%02x", ord[substr(s, i, 1)])
    return h
}

# wq: a ward string literal.
function wq(s,    r, i, ch) {
    r = ""
    for (i = 1; i <= length(s); i++) {
        ch = substr(s, i, 1)
        r = r (ch == "\\" || ch == "\"" ? "\\" : "") ch
    }
    return "\"" r "\""
}

# sqq: an SQL string literal (SQLite; PostgreSQL with standard strings).
function sqq(s) {
    gsub(/'/, "''", s)
    return "'" s "'"
}

# dqi: an SQL quoted identifier.
function dqi(s) { return "\"" s "\"" }

# distinct(arr, n, a, b...): a name of arr that differs, case folded,
# from the ones given.
function distinct(arr, n, x, y, z,    v) {
    do v = pick(arr, n)
    while (tolower(v) == tolower(x) || tolower(v) == tolower(y) ||
           tolower(v) == tolower(z))
    return v
}

function emit(dir, P, T, A, B, R1, R2, lit, attr, red, lp, lr, la, twin,
              f, i, nr, id, va, vb, w1, w2, sqs, pgs) {
    system("mkdir -p '" dir "'")
    f = dir "/policy.ward"
    printf "policy %s version 1 %s;\n", P, wq(lp) > f
    printf "role %s %s;\nrole %s;\n", R1, wq(lr), R2 > f
    printf "mask m1 = redact(%s);\n", wq(red) > f
    printf "table %s {\n  id integer key;\n  %s text;\n  %s text;\n", T, A, B > f
    printf "  mask %s with m1 to %s;\n", B, R2 > f
    printf "  rows where %s = %s for %s;\n", A, wq(lit), R1 > f
    printf "  rows where %s = session.k for %s;\n", B, R2 > f
    printf "  write %s to %s;\n}\n", A, R1 > f
    printf "approval ap %s { export %s; by 1 of %s; }\n", wq(la), T, R2 > f
    printf "audit %s read %s write all;\n", T, A > f
    close(f)
    f = dir "/names"
    printf "%s\n%s\n%s\n%s\n%s\n%s\n", P, T, A, B, R1, R2 > f
    close(f)
    f = dir "/want_labels"
    printf "%s\n%s\n%s\n", hex(lp), hex(lr), hex(la) > f
    close(f)
    f = dir "/attr.sqlite"; printf "%s\n", sqq(attr) > f; close(f)
    f = dir "/attr.pg"; printf "%s\n", sqq(attr) > f; close(f)
    sqs = "CREATE TABLE " dqi(T) " (id integer primary key, " dqi(A) " text, " \
          dqi(B) " text);\n"
    pgs = sqs
    w1 = ""; w2 = ""
    nr = twin ? 2 : 6 + int(rand() * 6)
    for (id = 1; id <= nr; id++) {
        # a third of the rows carry the literal, one an attribute match;
        # near misses (the literal with a character added) are kept
        # out of sight.
        r = rand()
        if (id == 1 || r < 0.3) va = lit
        else if (r < 0.45) va = lit " "
        else if (r < 0.55) va = "x" lit
        else va = twin ? "x" : hostile(1)
        r = rand()
        if (id == 2 || r < 0.3) vb = attr
        else if (r < 0.4) vb = attr "\n"
        else vb = twin ? "y" : hostile(1)
        sqs = sqs "INSERT INTO " dqi(T) " VALUES (" id ", " sqq(va) ", " sqq(vb) ");\n"
        if (va == lit) w1 = w1 id "|" hex(va) "|" hex(vb) "\n"
        if (vb == attr) w2 = w2 id "|" hex(va) "|" hex(red) "\n"
    }
    f = dir "/sqlite.sql"; printf "%s", sqs > f; close(f)
    f = dir "/pg.sql"; printf "%s", sqs > f; close(f)
    f = dir "/want_r1"; printf "%s", w1 > f; close(f)
    f = dir "/want_r2"; printf "%s", w2 > f; close(f)
}

BEGIN {
    for (i = 0; i < 256; i++)
        ord[sprintf("%c", i)] = i
    natom = split("'|''|\"|\\|\\\\|--|/*|*/|;|\t|\n|\r|\001|\033|$$|$1|%|%s|?|:x|@x|E'|U&'|" \
                  "'); DROP TABLE x; --|*/ DROP VIEW y; /*|\\'|\\\"|中文|张三丰|😀|👩‍💻|" \
                  "עברית|العربية|\342\200\256|\342\200\217|\357\273\277| |a|Z|0", atom, "|")
    nname = split("Select From Where Order group user Table Values CURRENT_USER " \
                  "Null True Drop Insert Union limit check primary references desc " \
                  "having Begin Commit End Case When join natural offset Trigger " \
                  "View Index Analyze Column constraint grant Like glob escape " \
                  "Exists Raise returning Session_user Current_Date Pragma Attach " \
                  "Vacuum Do_ x_ _", name, " ")
    nrole = split("user Order Select Group Admin Drop Table Grant Insert Null " \
                  "Like Case Union When Commit Raise Analyze Check limit", role, " ")
    npol = split("Select From Order group user Table Drop Values Union Do Case " \
                 "Trigger Check Limit Grant", pol, " ")
    srand(seed)
    for (c = 1; c <= n; c++) {
        P = pick(pol, npol)
        T = pick(name, nname)
        A = distinct(name, nname, T, "id", "")
        B = distinct(name, nname, T, A, "id")
        R1 = pick(role, nrole)
        R2 = distinct(role, nrole, R1, "", "")
        lit = hostile(0)
        if (length(lit) < 2) lit = lit "'"
        attr = hostile(1)
        emit(out "/" c, P, T, A, B, R1, R2, lit, attr, hostile(0), hostile(0),
             hostile(0), hostile(0), 0)
    }
    emit(out "/twin", "twinp", "twint", "twina", "twinb", "twinr1", "twinr2",
         "lit", "attr", "red", "lp", "lr", "la", 1)
}
