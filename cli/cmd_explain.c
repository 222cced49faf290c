/*
 * cmd_explain.c - `ward explain POLICY --role R [--role R2] [--scenario S]
 * [--attr k=v] [--user U] TABLE[.COLUMN]`.
 *
 * Builds a session from the options and prints, per column, the decision,
 * the rule that made it, each role's own decision and why every other rule
 * on the column lost; then the row filter and the write grants.
 */
#include "cli.h"

#include "report.h"

#include <stdio.h>
#include <string.h>

#define USAGE                                                                  \
    "ward explain POLICY --role R [--role R2] [--scenario S] [--attr k=v] "    \
    "[--user U] TABLE[.COLUMN]"

static int bad_name(const char *what, const char *name, const char **names,
                    size_t n)
{
    const char *s = diag_suggest(name, names, n);
    if (s)
        fprintf(stderr,
                "ward explain: unknown %s '%s' (did you mean "
                "'%s'?)\n",
                what, name, s);
    else
        fprintf(stderr, "ward explain: unknown %s '%s'\n", what, name);
    return EXIT_USAGE;
}

/* add_roles adds each comma-separated role of LIST to the session. */
static int add_roles(const Model *m, Session *s, Arena *a, const char *list)
{
    char *copy = arena_strdup(a, list);
    for (char *save = NULL, *r = strtok_r(copy, ",", &save); r;
         r = strtok_r(NULL, ",", &save)) {
        while (*r == ' ')
            r++;
        if (!*r)
            continue;
        int id = model_role(m, r);
        if (id < 0) {
            const char **names =
                arena_alloc(a, (m->nroles + 1) * sizeof *names);
            for (size_t i = 0; i < m->nroles; i++)
                names[i] = m->roles[i].name;
            return bad_name("role", r, names, m->nroles);
        }
        session_add_role(s, m, id);
    }
    return EXIT_OK;
}

int cmd_explain(int argc, char **argv)
{
    Args a = {argc, argv, 1, "explain"};
    const char *path = NULL, *target = NULL, *scenario = NULL, *user = NULL;
    const char *roles[64];
    const char *attrs[64];
    size_t nroles = 0, nattrs = 0;
    for (const char *arg; (arg = args_next(&a));) {
        const char **slot = NULL;
        if (strncmp(arg, "--role", 6) == 0 && (!arg[6] || arg[6] == '='))
            slot = nroles < 64 ? &roles[nroles++] : NULL;
        else if (strncmp(arg, "--attr", 6) == 0 && (!arg[6] || arg[6] == '='))
            slot = nattrs < 64 ? &attrs[nattrs++] : NULL;
        else if (strncmp(arg, "--scenario", 10) == 0 &&
                 (!arg[10] || arg[10] == '='))
            slot = &scenario;
        else if (strncmp(arg, "--user", 6) == 0 && (!arg[6] || arg[6] == '='))
            slot = &user;
        else if (strcmp(arg, "--help") == 0)
            return printf("usage: %s\n", USAGE), EXIT_OK;
        else if (arg[0] == '-' && arg[1])
            return cli_usage("explain", USAGE, "unknown option '%s'", arg);
        else if (!path)
            path = arg;
        else if (!target)
            target = arg;
        else
            return cli_usage("explain", USAGE, "unexpected argument '%s'", arg);
        if (slot && !(*slot = args_value(&a, arg)))
            return EXIT_USAGE;
        if (!slot && arg[0] == '-' && arg[1] && strcmp(arg, "--help") != 0)
            return cli_usage("explain", USAGE, "too many %s options", arg);
    }
    if (!path || !target)
        return cli_usage("explain", USAGE, "a policy and a table are needed");
    if (nroles == 0)
        return cli_usage("explain", USAGE,
                         "name the session's roles with "
                         "--role");

    Arena arena;
    arena_init(&arena);
    Diag d;
    diag_init(&d, &arena);
    int rc = EXIT_OK;
    Model *m = load_policy(&arena, &d, path, NULL);
    if (!m) {
        rc = cli_diagnostics(&d);
        goto out;
    }
    Session s;
    session_init(&s, m, &arena);
    s.user = user;
    for (size_t i = 0; i < nroles && rc == EXIT_OK; i++)
        rc = add_roles(m, &s, &arena, roles[i]);
    bool any = false;
    for (size_t r = 0; r < m->nroles; r++)
        any |= s.roles[r];
    if (rc == EXIT_OK && !any)
        rc = cli_usage("explain", USAGE, "--role needs a role name");
    if (rc != EXIT_OK)
        goto out;
    if (scenario) {
        s.scenario = model_scenario(m, scenario);
        if (s.scenario < 0) {
            const char **names =
                arena_alloc(&arena, (m->nscenarios + 1) * sizeof *names);
            for (size_t i = 0; i < m->nscenarios; i++)
                names[i] = m->scenarios[i].name;
            rc = bad_name("scenario", scenario, names, m->nscenarios);
            goto out;
        }
    }
    s.attrs = arena_alloc(&arena, (nattrs + 1) * sizeof *s.attrs);
    for (size_t i = 0; i < nattrs; i++) {
        const char *eq = strchr(attrs[i], '=');
        if (!eq || eq == attrs[i]) {
            rc = cli_usage("explain", USAGE,
                           "--attr takes NAME=VALUE, got "
                           "'%s'",
                           attrs[i]);
            goto out;
        }
        s.attrs[s.nattrs].name =
            arena_strndup(&arena, attrs[i], (size_t)(eq - attrs[i]));
        s.attrs[s.nattrs++].value = eq + 1;
    }
    /* TABLE or TABLE.COLUMN */
    const char *dot = strchr(target, '.');
    char *tname = arena_strndup(&arena, target,
                                dot ? (size_t)(dot - target) : strlen(target));
    int t = model_table(m, tname);
    if (t < 0) {
        const char **names =
            arena_alloc(&arena, (m->ntables + 1) * sizeof *names);
        for (size_t i = 0; i < m->ntables; i++)
            names[i] = m->tables[i].name;
        rc = bad_name("table", tname, names, m->ntables);
        goto out;
    }
    int c = -1;
    if (dot) {
        c = model_column(m, t, dot + 1);
        if (c < 0) {
            const Table *tab = &m->tables[t];
            const char **names =
                arena_alloc(&arena, (tab->ncolumns + 1) * sizeof *names);
            for (size_t i = 0; i < tab->ncolumns; i++)
                names[i] = tab->columns[i].name;
            rc = bad_name("column", dot + 1, names, tab->ncolumns);
            goto out;
        }
    }
    StrBuf sb;
    sb_init(&sb);
    report_explain(m, &s, t, c, &arena, &sb);
    if (write_file_atomic("-", sb_cstr(&sb), sb.len) < 0)
        rc = EXIT_USAGE;
    sb_free(&sb);
out:
    diag_dispose(&d);
    arena_free(&arena);
    return rc;
}
