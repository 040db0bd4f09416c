/* test_runs.c — unit tests of run-length sample storage (db/runs.c): only
 * changed rows start a run, the `sample` view gives back every dump row
 * exactly, a cut-off dump is a run of its own, an absent allocator ends its
 * run, appending in later ingests extends the runs of the last dump, a
 * grown cut-off dump replaces its rows, the series loader expands runs, and
 * a version-1 database (fixtures/db/v1.sql) migrates in place with the
 * same rows.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "../db/db.h"

static char tmpdir[64];
static int dbn;

static const char *new_path(char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/r%d.db", tmpdir, dbn++);
	return buf;
}

static int64_t q64(db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db_handle(d), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "query failed: %s: %s\n", sql, sqlite3_errmsg(db_handle(d)));
	sqlite3_finalize(st);
	return v;
}

/* Every row of a query as text, one line per row, columns '|'-separated:
 * a fingerprint to compare two databases.  Returns a malloc'd string. */
static char *rows_text(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0, cap = 4096;
	char *out = malloc(cap);
	int i;

	if (out == NULL)
		return NULL;
	out[0] = '\0';
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "query failed: %s: %s\n", sql, sqlite3_errmsg(h));
		return out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *v = sqlite3_column_text(st, i);
			size_t need = n + (v != NULL ? strlen((const char *)v) : 4) + 3;

			if (need > cap) {
				char *o;

				while (cap < need)
					cap *= 2;
				o = realloc(out, cap);
				if (o == NULL)
					break;
				out = o;
			}
			n += (size_t)snprintf(out + n, cap - n, "%s%c", v != NULL ? (const char *)v : "NULL",
			                      i + 1 < sqlite3_column_count(st) ? '|' : '\n');
		}
	}
	sqlite3_finalize(st);
	return out;
}

/* The rows of `sample` with their dump and allocator, in a stable order. */
#define SAMPLE_ROWS                                                                                            \
	"SELECT sn.stream_seq, a.name, s.allocated, s.in_use, s.chunk_items, s.hp_fails FROM sample s"           \
	" JOIN snapshot sn ON sn.id = s.snapshot_id JOIN allocator a ON a.id = s.allocator_id ORDER BY 1, 2"

static void add_row(parser_dump *dp, const char *name, uint64_t alloc, uint64_t used)
{
	parser_row *r = &dp->rows[dp->nrows++];

	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	r->bucket = -1;
	r->type_size = 64;
	r->allocated = alloc;
	r->in_use = used;
	r->line = dp->line + dp->nrows;
	if (dp->format == PARSER_FMT_F4) {
		r->has_counts = 1;
		r->chunk_items = 128;
		r->hp_fails = 0;
	}
}

/* Dump k of one lifetime (F4): "idle" never changes, "const" is constant,
 * "step" changes every 4th dump, "busy" every dump; "gone" is absent from
 * dumps 5 and 6; dump `cut` (if any) is cut off after 2 rows. */
static void make_dump(parser_dump *dp, uint64_t k, uint64_t cut)
{
	memset(dp, 0, offsetof(parser_dump, rows));
	dp->seq = k;
	dp->format = PARSER_FMT_F4;
	dp->kind = PARSER_KIND_PERIODIC;
	dp->line = 100 * k + 1;
	dp->byte_offset = 1000 * k;
	dp->end_offset = 1000 * k + 900;
	dp->complete = 1;
	dp->lifetime = 0;
	dp->new_lifetime = k == 0;
	dp->start_reason = k == 0 ? "first-dump" : NULL;
	dp->mode = PARSER_MODE_FREELIST;
	add_row(dp, "busy", 64 * 1024 * (k + 1), 64 * (k * 7 % 13));
	add_row(dp, "idle", 0, 0);
	add_row(dp, "const", 64 * 4096, 64 * 100);
	add_row(dp, "step", 64 * 1024 * (k / 4 + 1), 64 * (k / 4));
	if (k != 5 && k != 6)
		add_row(dp, "gone", 64 * 2048, 64 * 3);
	if (k == cut) {
		dp->complete = 0;
		dp->nrows = 2;
		dp->end_offset = 1000 * k + 500;
	}
}

/* Ingest dumps [from, to) of the stream in one db_ingest (batch dumps per
 * transaction, 0 = default; each = commit every dump). */
static tsm_status feed(db *d, uint64_t from, uint64_t to, uint64_t cut, int batch, int each, char *err)
{
	parser_dump *dp = malloc(sizeof *dp);
	db_ingest_opts o;
	db_ingest *in = NULL;
	tsm_status st = TSM_ERR;
	uint64_t k;

	memset(&o, 0, sizeof o);
	o.host = "h";
	o.path = "traffic.out";
	o.identity = "id-R";
	o.batch_dumps = batch;
	o.commit_each_dump = each;
	if (dp == NULL)
		goto out;
	in = db_ingest_begin(d, &o, err);
	if (in == NULL)
		goto out;
	st = TSM_OK;
	for (k = from; k < to && st == TSM_OK; k++) {
		make_dump(dp, k, cut);
		st = db_ingest_dump(in, dp, err);
	}
	if (st == TSM_OK)
		st = db_ingest_finish(in, NULL, err);
out:
	db_ingest_free(in);
	free(dp);
	return st;
}

/* The `sample` rows of dumps [0, to) (dump `cut` cut off) ingested at once. */
static char *expected_rows(uint64_t to, uint64_t cut)
{
	char path[128], err[TSM_ERRLEN];
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);
	char *txt = NULL;

	if (d == NULL)
		return NULL;
	if (feed(d, 0, to, cut, 0, 0, err) == TSM_OK)
		txt = rows_text(db_handle(d), SAMPLE_ROWS);
	db_close(d);
	return txt;
}

static void test_runs_basic(void)
{
	char path[128], err[TSM_ERRLEN];
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_INT(feed(d, 0, 12, UINT64_MAX, 0, 0, err), TSM_OK);
	/* 12 dumps x 5 rows, less "gone" in dumps 5 and 6 */
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), 12 * 5 - 2);
	CHECK_INT(q64(d, "SELECT count(*) FROM samples"), 12 * 5 - 2);
	/* busy: 12 runs; idle, const: 1; step: 3; gone: 2 (absent in 5, 6) */
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run"), 12 + 1 + 1 + 3 + 2);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run r JOIN allocator a ON a.id = r.allocator_id"
	                 " WHERE a.name = 'idle' AND first_seq = 0 AND last_seq = 11"), 1);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run r JOIN allocator a ON a.id = r.allocator_id"
	                 " WHERE a.name = 'gone' AND ((first_seq = 0 AND last_seq = 4) OR (first_seq = 7 AND"
	                 " last_seq = 11))"), 2);
	/* values through the view, chunk_items and hp_fails kept */
	CHECK_INT(q64(d, "SELECT sum(s.allocated) FROM sample s JOIN allocator a ON a.id = s.allocator_id"
	                 " WHERE a.name = 'step'"), 64 * 1024 * (4 * 1 + 4 * 2 + 4 * 3));
	CHECK_INT(q64(d, "SELECT count(*) FROM sample WHERE chunk_items = 128 AND hp_fails = 0"), 12 * 5 - 2);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample s JOIN snapshot sn ON sn.id = s.snapshot_id"
	                 " WHERE sn.seq = 11"), 5);
	/* the view reads a run's snapshots through the snapshot index */
	{
		sqlite3_stmt *st = NULL;
		int idx = 0;

		sqlite3_prepare_v2(db_handle(d), "EXPLAIN QUERY PLAN SELECT * FROM sample WHERE allocator_id = 1", -1,
		                   &st, NULL);
		while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(st, 3);

			if (detail != NULL && strstr(detail, "snapshot_lifetime") != NULL)
				idx = 1;
		}
		sqlite3_finalize(st);
		CHECK_INT(idx, 1);
	}
	db_close(d);
}

static void test_cut_and_append(void)
{
	char path[128], err[TSM_ERRLEN];
	char *got = NULL, *want_full = expected_rows(12, UINT64_MAX);
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL && want_full != NULL);
	if (d == NULL || want_full == NULL)
		goto out;
	/* a cut-off dump is a run of its own, and the dump after it starts new runs */
	CHECK_INT(feed(d, 0, 12, 6, 0, 0, err), TSM_OK);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run r JOIN allocator a ON a.id = r.allocator_id"
	                 " WHERE a.name = 'idle'"), 3);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run WHERE first_seq = 6 AND last_seq = 6"), 2);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run WHERE first_seq = 7"), 5);
	db_close(d);

	/* appended in pieces (one ingest each, one commit per dump), the runs
	 * of the last dump go on: the same rows and the same runs */
	d = db_open(new_path(path, sizeof path), 0, 1000, err);
	CHECK(d != NULL);
	if (d == NULL)
		goto out;
	CHECK_INT(feed(d, 0, 3, UINT64_MAX, 0, 0, err), TSM_OK);
	CHECK_INT(q64(d, "SELECT max(last_seq) FROM sample_run"), 2);
	CHECK_INT(feed(d, 3, 8, UINT64_MAX, 0, 1, err), TSM_OK);
	CHECK_INT(feed(d, 8, 12, UINT64_MAX, 2, 0, err), TSM_OK);
	got = rows_text(db_handle(d), SAMPLE_ROWS);
	CHECK(got != NULL && strcmp(got, want_full) == 0);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run"), 12 + 1 + 1 + 3 + 2);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run WHERE last_seq = 11"), 5);
	free(got);
	got = NULL;
	db_close(d);

	/* the file ends inside dump 6: stored cut off, then the grown file
	 * stores it whole and goes on; the rows are those of one ingest */
	d = db_open(new_path(path, sizeof path), 0, 1000, err);
	CHECK(d != NULL);
	if (d == NULL)
		goto out;
	CHECK_INT(feed(d, 0, 7, 6, 0, 0, err), TSM_OK);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample s JOIN snapshot sn ON sn.id = s.snapshot_id"
	                 " WHERE sn.seq = 6"), 2);
	CHECK_INT(feed(d, 0, 12, UINT64_MAX, 0, 0, err), TSM_OK);
	got = rows_text(db_handle(d), SAMPLE_ROWS);
	CHECK(got != NULL && strcmp(got, want_full) == 0);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot"), 12);
out:
	free(got);
	free(want_full);
	db_close(d);
}

static void test_loader(void)
{
	char path[128], err[TSM_ERRLEN];
	db_lifetime *lts = NULL;
	db_allocator *al = NULL;
	size_t nl = 0, na = 0, i, j;
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_INT(feed(d, 0, 12, 9, 0, 0, err), TSM_OK);
	sqlite3_exec(db_handle(d), "UPDATE snapshot SET ts = 5000 + 10 * seq", NULL, NULL, NULL);
	CHECK_INT(db_list_lifetimes(d, "h", &lts, &nl, err), TSM_OK);
	CHECK_U64(nl, 1);
	if (nl == 1)
		CHECK_INT(db_list_allocators(d, lts[0].id, &al, &na, err), TSM_OK);
	CHECK_U64(na, 5);
	for (i = 0; i < na; i++) {
		db_series s;
		char sql[256];
		int64_t n;

		CHECK_INT(db_load_series(d, lts[0].id, al[i].id, NULL, &s, err), TSM_OK);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sample WHERE allocator_id = %lld",
		         (long long)al[i].id);
		n = q64(d, sql);
		CHECK_U64(s.n, (uint64_t)n);
		for (j = 0; j < s.n; j++) {
			parser_dump *dp = malloc(sizeof *dp);
			size_t r;

			if (dp == NULL)
				break;
			make_dump(dp, (uint64_t)s.seq[j], 9);
			for (r = 0; r < dp->nrows; r++)
				if (strcmp(dp->rows[r].name, al[i].name) == 0)
					break;
			CHECK(r < dp->nrows);
			if (r < dp->nrows) {
				CHECK_INT(s.allocated[j], (int64_t)dp->rows[r].allocated);
				CHECK_INT(s.in_use[j], (int64_t)dp->rows[r].in_use);
			}
			CHECK_INT(s.chunk_items[j], 128);
			CHECK_INT(s.complete[j], s.seq[j] != 9);
			CHECK_NEAR(s.t[j], 5000 + 10.0 * (double)s.seq[j], 1e-9);
			free(dp);
		}
		db_series_free(&s);
	}
	/* a time filter inside a run */
	{
		db_series s;
		db_range rg = {5021, 5049};

		CHECK_INT(db_load_series(d, lts[0].id, al[1].id, &rg, &s, err), TSM_OK);
		CHECK_U64(s.n, 2);
		if (s.n == 2) {
			CHECK_INT(s.seq[0], 3);
			CHECK_INT(s.seq[1], 4);
		}
		db_series_free(&s);
	}
	free(lts);
	free(al);
	db_close(d);
}

/* Read a whole file; NULL on error. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf != NULL) {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

static void test_migrate_v1(void)
{
	char path[128], err[TSM_ERRLEN];
	char *sql = slurp("fixtures/db/v1.sql"), *before = NULL, *after = NULL, *view_before = NULL, *view_after = NULL;
	sqlite3 *h = NULL;
	db *d = NULL;

	CHECK(sql != NULL);
	if (sql == NULL)
		return;
	new_path(path, sizeof path);
	CHECK_INT(sqlite3_open(path, &h), SQLITE_OK);
	CHECK_INT(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_exec(h, "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	before = rows_text(h, SAMPLE_ROWS);
	view_before = rows_text(h, "SELECT * FROM samples ORDER BY snapshot_id, allocator_id");
	CHECK(before != NULL && strlen(before) > 1000);
	sqlite3_close(h);
	h = NULL;

	d = db_open(path, 0, 1000, err);
	CHECK(d != NULL);
	if (d == NULL) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	CHECK_INT(q64(d, "PRAGMA user_version"), 2);
	CHECK_INT(q64(d, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sample'"), 0);
	CHECK_INT(q64(d, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = 'sample'"), 1);
	after = rows_text(db_handle(d), SAMPLE_ROWS);
	view_after = rows_text(db_handle(d), "SELECT * FROM samples ORDER BY snapshot_id, allocator_id");
	CHECK(after != NULL && strcmp(before, after) == 0);
	CHECK(view_after != NULL && strcmp(view_before, view_after) == 0);
	/* runs by the ingest's rules: the fixture's 1210 rows are 1042 runs */
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), 1210);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run"), 1042);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run WHERE last_seq < first_seq"), 0);
	/* a cut-off dump is a run of its own */
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run r JOIN snapshot sn ON sn.lifetime_id = r.lifetime_id"
	                 " AND sn.seq BETWEEN r.first_seq AND r.last_seq WHERE sn.complete = 0"
	                 " AND r.first_seq <> r.last_seq"), 0);
	{
		char *ic = rows_text(db_handle(d), "PRAGMA integrity_check");

		CHECK(ic != NULL && strcmp(ic, "ok\n") == 0);
		free(ic);
	}
	db_close(d);
	/* opening again changes nothing; ingesting goes on */
	d = db_open(path, 0, 1000, err);
	CHECK(d != NULL);
	if (d != NULL) {
		CHECK_INT(q64(d, "SELECT count(*) FROM sample_run"), 1042);
		CHECK_INT(feed(d, 0, 4, UINT64_MAX, 0, 0, err), TSM_OK);
		CHECK_INT(q64(d, "SELECT count(*) FROM sample"), 1210 + 20);
	}
out:
	db_close(d);
	free(sql);
	free(before);
	free(after);
	free(view_before);
	free(view_after);
}

int main(void)
{
	char cmd[128];

	snprintf(tmpdir, sizeof tmpdir, "/tmp/tsmem-test-runs.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_runs_basic();
	test_cut_and_append();
	test_loader();
	test_migrate_v1();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return TEST_DONE();
}
