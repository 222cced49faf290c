# ward - one plain Makefile, out-of-tree build directory.
#
#   make            build build/ward, build/ward.so (the runtime), the libraries
#                   and, where the PostgreSQL server's headers are installed,
#                   build/ward_pg.so (the PostgreSQL runtime's C library)
#   make pg         build/ward_pg.so, installing the server's headers first
#   make test       build and run every test (ends with "N passed, N failed")
#   make demo       the main job on the running example
#   make asan       the whole suite under AddressSanitizer + UBSan
#   make valgrind   the whole suite under valgrind's memcheck (hours;
#                   make valgrind-quick: the unit tests, the CLI and ward.so)
#   make fuzz       libFuzzer targets (clang, ASan + UBSan), each FUZZ_TIME s
#   make install    PREFIX=/usr/local DESTDIR= (docs/install.md)
#   make install-pg the PostgreSQL runtime's C library alone into the
#                   server's library directory (pg_config --pkglibdir)
#
# Sources are found by directory, so a new file needs no Makefile edit.
# mk/deps.sh installs each step's packages on a fresh Debian machine: a
# compiler-only build needs flex, bison and the -dev headers, no server.

BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
SAN     ?=
OPT     ?= -O2
# .ci/run sets it too; a packager with a newer compiler may clear it.
WERROR  ?= -Werror
PG_CONFIG ?= pg_config

WARN = -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wundef -Wpointer-arith
CPPFLAGS += -I$(BUILD)/gen -Ibase -Igrammar -Icompiler -Iruntime/core -Iruntime/sqlite -Icheck -Icli \
            $(addprefix -I,$(shell $(PG_CONFIG) --includedir 2>/dev/null))
CFLAGS  ?= -g $(OPT)
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -MMD -MP -fPIC
ifneq ($(SAN),)
CPPFLAGS += $(SAN_CPPFLAGS)
CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif
LDLIBS  = -lsqlite3 -lyaml -lcrypto -lpq -lm

# flex and bison output: at most a named, minimal relaxation.
GEN_CFLAGS = -Wno-unused-function -Wno-missing-prototypes -Wno-sign-compare

# mk/deps.sh's profiles, each checked once per build directory; objects
# wait for them (order-only) but are not rebuilt when the script changes.
DEPS_OK = $(BUILD)/.deps-build
PG_SERVER_H = $(wildcard $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)/postgres.h)

GRAMMAR_SRC  = $(wildcard grammar/*.c)
BASE_SRC     = $(wildcard base/*.c)
COMPILER_SRC = $(wildcard compiler/*.c)
RUNTIME_SRC  = $(wildcard runtime/core/*.c runtime/sqlite/*.c) base/utf8.c
# The loadable extension: the runtime's SQLite files built against the
# extension API (sqlite3ext.h) instead of linked SQLite; everything else
# (mask core, crypto) comes from libward.a.
EXT_SRC      = $(wildcard runtime/sqlite/sqlite_*.c)
CHECK_SRC    = $(wildcard check/*.c)
CLI_SRC      = $(wildcard cli/*.c)
UNIT_SRC     = $(wildcard tests/unit/test_*.c)
BENCH_SRC    = $(wildcard bench/*.c)
EXAMPLE_SRC  = $(wildcard examples/*.c)

PG_RUNTIME = runtime/postgres/reset.sql runtime/postgres/masks.sql \
             runtime/postgres/session.sql \
             runtime/postgres/audit.sql runtime/postgres/approval.sql \
             runtime/postgres/write.sql runtime/postgres/siv.sql \
             runtime/postgres/keys.sql runtime/postgres/native.sql \
             runtime/postgres/owner.sql

# The PostgreSQL runtime's C library (docs/dba-postgres.md): its own files
# and the mask core, against the server's headers (pg_config, installed by
# mk/deps.sh). A server cannot load a sanitizer-instrumented library, so it
# is built without SAN, with the project's warnings, under `make asan` too.
PG_SRC   = $(wildcard runtime/postgres/*.c) runtime/core/mask.c \
           runtime/core/mask_cn.c runtime/core/mask_compat.c \
           runtime/core/mask_general.c runtime/core/mask_keyed.c \
           runtime/core/mask_native.c runtime/core/mask_spec.c \
           runtime/core/crypto.c base/utf8.c
PG_OBJ   = $(patsubst %.c,$(BUILD)/pg/%.o,$(PG_SRC))
PG_CPPFLAGS = -Ibase -Iruntime/core -Iruntime/postgres \
              -isystem $(shell $(PG_CONFIG) --includedir-server 2>/dev/null) \
              -isystem $(shell $(PG_CONFIG) --includedir 2>/dev/null)
GEN_OBJ  = $(BUILD)/gen/parser.o $(BUILD)/gen/lexer.o $(BUILD)/gen/pg_runtime.o
# Two libraries: libward.a is the runtime an application links (ward.h: the
# mask core and the SQLite runtime); libwardc.a the compiler and checker the
# command line, the tests and the benchmarks add to it.
RT_OBJ   = $(patsubst %.c,$(BUILD)/%.o,$(RUNTIME_SRC))
LIBC_OBJ = $(GEN_OBJ) \
           $(patsubst %.c,$(BUILD)/%.o,$(filter-out base/utf8.c,$(BASE_SRC)) \
                       $(GRAMMAR_SRC) $(COMPILER_SRC) $(CHECK_SRC))
LIBS     = $(BUILD)/libwardc.a $(BUILD)/libward.a
CLI_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
EXT_OBJ  = $(patsubst %.c,$(BUILD)/ext/%.o,$(EXT_SRC))
UNIT_BIN = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
BENCH_BIN = $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
EXAMPLE_BIN = $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRC))

.SECONDARY:
.PHONY: all pg test check demo asan valgrind valgrind-quick install \
        install-pg clean format format-check bless bench tidy fuzz fuzz-build \
        fuzz-run
all: $(BUILD)/ward $(BUILD)/ward.so $(BUILD)/libward.a $(EXAMPLE_BIN) \
     $(if $(PG_SERVER_H),$(BUILD)/ward_pg.so)
ifeq ($(PG_SERVER_H),)
	@echo "ward: build/ward_pg.so not built: no PostgreSQL server headers" \
	      "(make pg installs them and builds it)"
endif

pg: $(BUILD)/ward_pg.so

$(BUILD)/.deps-%: mk/deps.sh
	@mkdir -p $(@D)
	sh mk/deps.sh $*
	@touch $@

$(BUILD)/gen/parser.c $(BUILD)/gen/parser.h &: grammar/parser.y | $(DEPS_OK)
	@mkdir -p $(@D)
	bison -Wall -Werror --header=$(BUILD)/gen/parser.h \
	    -o $(BUILD)/gen/parser.c grammar/parser.y

$(BUILD)/gen/lexer.c $(BUILD)/gen/lexer.h &: grammar/lexer.l | $(DEPS_OK)
	@mkdir -p $(@D)
	flex --header-file=$(BUILD)/gen/lexer.h -o $(BUILD)/gen/lexer.c \
	    grammar/lexer.l

# The PostgreSQL runtime travels inside the compiler, into every script.
$(BUILD)/gen/pg_runtime.c: $(PG_RUNTIME) mk/embed.sh
	@mkdir -p $(@D)
	sh mk/embed.sh pg_runtime_sql $(PG_RUNTIME) >$@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c $(BUILD)/gen/parser.h $(BUILD)/gen/lexer.h
	$(CC) $(CPPFLAGS) $(CFLAGS) $(GEN_CFLAGS) -c -o $@ $<

# Every hand-written object waits for the generated headers. Linked into
# programs, the runtime calls SQLite directly (SQLITE_CORE).
$(BUILD)/%.o: %.c $(BUILD)/gen/parser.h $(BUILD)/gen/lexer.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DSQLITE_CORE $(CFLAGS) -c -o $@ $<

$(BUILD)/ext/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# -z defs: the extension must reach SQLite only through the API table.
$(BUILD)/ward.so: $(EXT_OBJ) $(BUILD)/libward.a
	$(CC) $(LDFLAGS) -shared -Wl,-z,defs -Wl,--exclude-libs,ALL -o $@ \
	    $(EXT_OBJ) $(BUILD)/libward.a -lcrypto

$(BUILD)/pg/%.o: %.c | $(BUILD)/.deps-pg
	@mkdir -p $(@D)
	$(CC) $(PG_CPPFLAGS) -g -O2 -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP \
	    -fPIC -c -o $@ $<

# The server's own symbols (palloc, ereport) resolve when it loads it.
$(BUILD)/ward_pg.so: $(PG_OBJ)
	$(CC) -shared -o $@ $(PG_OBJ) -lcrypto -lpq

$(BUILD)/libward.a: $(RT_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libwardc.a: $(LIBC_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/ward: $(CLI_OBJ) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIBS) $(LDLIBS)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

# The examples are applications: the runtime library alone.
$(BUILD)/examples/%: $(BUILD)/examples/%.o $(BUILD)/libward.a
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libward.a -lsqlite3 -lcrypto -lm

test check: $(BUILD)/.deps-test $(BUILD)/ward $(BUILD)/ward.so \
            $(BUILD)/ward_pg.so $(UNIT_BIN) $(EXAMPLE_BIN) \
            $(BUILD)/bench/bench_compile
	sh tests/run.sh $(BUILD)

bless: $(BUILD)/ward
	sh tests/run.sh $(BUILD) --bless

# Every benchmark, one table of ratios and bench/results.json
# (docs/performance.md); BENCH_SMOKE=1 runs them all at tiny sizes, as
# tests/cli/t0043 does within `make test`. bench_compile runs $(BUILD)/ward
# on generated policies of 10, 100 and 1,000 tables ("Compile").
bench: $(BENCH_BIN) $(BUILD)/ward $(BUILD)/ward_pg.so
	BENCH_SMOKE=$(BENCH_SMOKE) \
	BENCH_COMMAND='make bench$(if $(BENCH_SMOKE), BENCH_SMOKE=$(BENCH_SMOKE))' \
	    sh bench/run.sh $(BUILD)

# The smoke run of the benchmarks is one of the tests.
test check: $(BENCH_BIN)

demo: $(BUILD)/.deps-demo $(BUILD)/ward $(BUILD)/ward.so $(EXAMPLE_BIN)
	sh examples/demo.sh $(BUILD)

# ARENA_DEBUG gives every arena allocation its own malloc, so that an
# overrun of one is the sanitizer's to see.
asan:
	$(MAKE) BUILD=build/asan SAN=address,undefined OPT=-O1 \
	    SAN_CPPFLAGS=-DARENA_DEBUG test

# The whole suite with every unit test, ward and sqlite3 shell under
# memcheck (tests/valgrind.sh; VG_TESTS='t00[0-2]*' runs a part); the
# quick subset: every unit test, the CLI on every shipped policy and its
# errors, and the SQLite runtime in the sqlite3 shell.
valgrind: $(BUILD)/ward $(BUILD)/ward.so $(BUILD)/ward_pg.so $(UNIT_BIN) \
          $(EXAMPLE_BIN) $(BENCH_BIN)
	sh tests/valgrind.sh $(BUILD)

valgrind-quick: $(BUILD)/ward $(BUILD)/ward.so $(UNIT_BIN) $(EXAMPLE_BIN)
	VG_QUICK=1 sh tests/valgrind.sh $(BUILD)

# Fuzzing (docs/security.md): every object of build/fuzz is instrumented for
# libFuzzer's coverage and built with ASan + UBSan; tests/fuzz/fuzz_*.c are
# the targets, seeded from the repository's policies and corpora, each run
# for FUZZ_TIME seconds (FUZZ_TARGETS picks some). New crashes land in
# build/fuzz/findings/; each fixed one becomes a test in tests/.
FUZZ_TIME    ?= 60
FUZZ_TARGETS ?=
FUZZ_SRC     = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     = $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%,$(FUZZ_SRC))
FUZZ_MAKE    = $(MAKE) BUILD=build/fuzz CC=clang OPT=-O1 \
               SAN=address,undefined FUZZ_CFLAGS=-fsanitize=fuzzer-no-link
CFLAGS      += $(FUZZ_CFLAGS)

fuzz:
	$(FUZZ_MAKE) fuzz-run

fuzz-build:
	$(FUZZ_MAKE) build/fuzz/.fuzz-bins

$(BUILD)/.fuzz-bins: $(FUZZ_BIN)
	@touch $@

$(BUILD)/tests/fuzz/%: $(BUILD)/tests/fuzz/%.o $(LIBS)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBS) $(LDLIBS)

fuzz-run: $(BUILD)/.fuzz-bins
	sh tests/fuzz/run.sh $(BUILD) $(FUZZ_TIME) $(FUZZ_TARGETS)

# Where Debian expects each part (docs/install.md): the SQLite extension
# in the library path, so that `.load ward` finds it by name.
MULTIARCH  ?= $(shell $(CC) -print-multiarch 2>/dev/null)
LIBDIR     ?= $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))
VERSION     = $(shell sed -n 's/^\#define WARD_VERSION "\(.*\)"/\1/p' cli/main.c)
install: $(BUILD)/ward $(BUILD)/ward.so $(BUILD)/libward.a
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/ward/policies $(DESTDIR)$(PREFIX)/share/doc/ward
	install -m 755 $(BUILD)/ward $(DESTDIR)$(PREFIX)/bin/ward
	install -m 644 $(BUILD)/ward.so $(DESTDIR)$(LIBDIR)/ward.so
	install -m 644 $(BUILD)/libward.a $(DESTDIR)$(LIBDIR)/libward.a
	install -m 644 runtime/sqlite/ward.h $(DESTDIR)$(PREFIX)/include/ward.h
	sed 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@VERSION@|$(VERSION)|' \
	    mk/ward.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/ward.pc
	install -m 644 docs/man/ward.1 $(DESTDIR)$(PREFIX)/share/man/man1/ward.1
	install -m 644 policies/*.ward $(DESTDIR)$(PREFIX)/share/ward/policies/
	install -m 644 docs/*.md $(DESTDIR)$(PREFIX)/share/doc/ward/
ifneq ($(PG_SERVER_H),)
	$(MAKE) install-pg
else
	@echo "ward: ward_pg.so not installed: no PostgreSQL server headers" \
	      "(make pg install-pg installs them, builds it and installs it)"
endif

# The scripts load it by name from the server's library path.
install-pg: $(BUILD)/ward_pg.so
	install -d $(DESTDIR)$$($(PG_CONFIG) --pkglibdir)
	install -m 755 $(BUILD)/ward_pg.so \
	    $(DESTDIR)$$($(PG_CONFIG) --pkglibdir)/ward_pg.so

FORMAT_SRC = $(wildcard base/*.[ch] grammar/*.[ch] compiler/*.[ch] runtime/core/*.[ch] runtime/sqlite/*.[ch] \
                        runtime/postgres/*.[ch] \
                        check/*.[ch] cli/*.[ch] tests/unit/*.[ch] bench/*.[ch] \
                        examples/*.[ch])
format:
	clang-format -i $(FORMAT_SRC)

format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

tidy:
	clang-tidy $(FORMAT_SRC) -- $(CPPFLAGS) -std=c11 -D_POSIX_C_SOURCE=200809L

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# A long run of the SQLite runtime's property test
# (tests/unit/test_sqlite_property.c): a million statements from a fresh
# seed unless WARD_PROP_N and WARD_PROP_SEED say otherwise; the seed is
# printed so that a failure can be replayed.
.PHONY: proptest
proptest: $(BUILD)/tests/unit/test_sqlite_property
	WARD_PROP_N=$${WARD_PROP_N:-1000000} \
	    WARD_PROP_SEED=$${WARD_PROP_SEED:-$$(date +%s)} $<
