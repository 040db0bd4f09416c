/* test_retain.c — unit tests of retention (db/retain.c): dumps older than
 * the age before the host's newest go with their runs, lifetimes,
 * verdicts, diagnostics, resource rows and anchors (one anchor before the
 * oldest kept dump stays); kept rows keep their values; dumps of unknown
 * time stay; small batches give the same result; a removed file is not
 * ingested again; db_ingest_opts.retain_s prunes at the end of an ingest.
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
	snprintf(buf, cap, "%s/k%d.db", tmpdir, dbn++);
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
}

/* Dump k: lifetimes of 10 dumps each (k / 10), rows "flat" (constant),
 * "slow" (changes every 5th dump) and "fast" (every dump).  Each dump is
 * followed by a timestamped line (an anchor at minute k), a diagnostic
 * and a resource row. */
static tsm_status feed(db *d, const char *identity, uint64_t n, double retain_s, db_ingest_stats *stats,
                       char *err)
{
	parser_dump *dp = malloc(sizeof *dp);
	db_ingest_opts o;
	db_ingest *in = NULL;
	tsm_status st = TSM_ERR;
	uint64_t k;

	memset(&o, 0, sizeof o);
	o.host = "h";
	o.path = "traffic.out";
	o.identity = identity;
	o.retain_s = retain_s;
	if (dp == NULL)
		goto out;
	in = db_ingest_begin(d, &o, err);
	if (in == NULL)
		goto out;
	for (k = 0, st = TSM_OK; k < n && st == TSM_OK; k++) {
		parser_anchor a;
		tsm_diag dg;
		parser_resource r;

		memset(dp, 0, offsetof(parser_dump, rows));
		dp->seq = k;
		dp->format = PARSER_FMT_F3;
		dp->kind = PARSER_KIND_PERIODIC;
		dp->line = 100 * k + 1;
		dp->byte_offset = 1000 * k;
		dp->end_offset = 1000 * k + 900;
		dp->complete = 1;
		dp->lifetime = k / 10;
		dp->new_lifetime = k % 10 == 0;
		dp->start_reason = k % 10 == 0 ? "first-dump" : NULL;
		dp->mode = PARSER_MODE_FREELIST;
		add_row(dp, "flat", 64 * 1024, 64 * 10);
		add_row(dp, "slow", 64 * 1024 * (k / 5 + 1), 64 * (k / 5));
		add_row(dp, "fast", 64 * 1024 * (k + 1), 64 * k);
		st = db_ingest_dump(in, dp, err);
		if (st != TSM_OK)
			break;
		memset(&a, 0, sizeof a);
		a.line = 100 * k + 95;
		a.byte_offset = 1000 * k + 950;
		a.dumps_before = k + 1;
		a.month = 3;
		a.day = 1;
		a.hour = 12;
		a.minute = (int)k;
		st = db_ingest_anchor(in, &a, err);
		memset(&dg, 0, sizeof dg);
		dg.line = 100 * k + 96;
		dg.byte_offset = 1000 * k + 960;
		dg.severity = TSM_SEV_WARNING;
		dg.code = "test-diag";
		snprintf(dg.message, sizeof dg.message, "after dump %llu", (unsigned long long)k);
		if (st == TSM_OK)
			st = db_ingest_diag(in, &dg, err);
		memset(&r, 0, sizeof r);
		r.dump_seq = k;
		snprintf(r.location, sizeof r.location, "memory/Test");
		r.line = 100 * k + 97;
		if (st == TSM_OK)
			st = db_ingest_resource(in, &r, err);
	}
	if (st == TSM_OK)
		st = db_ingest_finish(in, NULL, err);
	if (stats != NULL)
		*stats = *db_ingest_get_stats(in);
out:
	db_ingest_free(in);
	free(dp);
	return st;
}

/* 25 dumps in 3 lifetimes (10, 10, 5), ts = 1000 + 10 k, verdicts on all,
 * then retain 95 s before the newest (ts 1240): dumps 0..14 go. */
static void check_retain(int batch)
{
	char path[128], err[TSM_ERRLEN];
	db_retain_stats rs;
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_INT(feed(d, "id-K", 25, 0, NULL, err), TSM_OK);
	sqlite3_exec(db_handle(d), "UPDATE snapshot SET ts = 1000 + 10 * stream_seq;"
	             "INSERT INTO verdict SELECT l.id, a.id, 'plateau', 1, NULL, 'x' FROM lifetime l, allocator a;",
	             NULL, NULL, NULL);
	CHECK_INT(q64(d, "SELECT count(*) FROM verdict"), 9);
	CHECK_INT(db_retain(d, "h", 95, batch, &rs, err), TSM_OK);
	CHECK_U64(rs.dumps, 15);
	CHECK_U64(rs.lifetimes, 1);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot"), 10);
	CHECK_INT(q64(d, "SELECT min(stream_seq) FROM snapshot"), 15);
	CHECK_INT(q64(d, "SELECT count(*) FROM lifetime"), 2);
	CHECK_INT(q64(d, "SELECT count(*) FROM verdict"), 6);
	CHECK_INT(q64(d, "SELECT count(*) FROM lifetime_allocator"), 6);
	CHECK_INT(q64(d, "SELECT count(*) FROM lifetime l WHERE first_snapshot_id ="
	                 " (SELECT min(id) FROM snapshot WHERE lifetime_id = l.id)"), 2);
	/* the kept rows, values unchanged */
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), 30);
	CHECK_INT(q64(d, "SELECT sum(s.allocated) FROM sample s JOIN allocator a ON a.id = s.allocator_id"
	                 " WHERE a.name = 'fast'"), 64 * 1024 * (16 + 17 + 18 + 19 + 20 + 21 + 22 + 23 + 24 + 25));
	/* "flat" of lifetime 1 still starts at its removed first dump */
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run WHERE last_seq < (SELECT min(seq) FROM snapshot"
	                 " WHERE lifetime_id = sample_run.lifetime_id)"), 0);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample_run r JOIN allocator a ON a.id = r.allocator_id"
	                 " WHERE a.name = 'flat' AND r.first_seq = 0"), 2);
	/* the rows of the sources before the oldest kept dump */
	CHECK_INT(q64(d, "SELECT min(byte_offset) FROM diagnostic"), 15 * 1000 + 960);
	CHECK_INT(q64(d, "SELECT count(*) FROM resource_sample"), 10);
	CHECK_INT(q64(d, "SELECT min(byte_offset) FROM anchor"), 14 * 1000 + 950);
	/* again: nothing more to remove */
	CHECK_INT(db_retain(d, "h", 95, batch, &rs, err), TSM_OK);
	CHECK_U64(rs.dumps, 0);
	/* another host is left alone, unknown times stay */
	sqlite3_exec(db_handle(d), "UPDATE snapshot SET ts = NULL WHERE stream_seq < 24", NULL, NULL, NULL);
	CHECK_INT(db_retain(d, "h", 1, batch, &rs, err), TSM_OK);
	CHECK_U64(rs.dumps, 0);
	CHECK_INT(db_retain(d, "other", 0, batch, &rs, err), TSM_OK);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot"), 10);
	/* re-ingesting the same stream adds nothing */
	{
		db_ingest_stats s;

		CHECK_INT(feed(d, "id-K", 25, 0, &s, err), TSM_OK);
		CHECK_U64(s.dumps, 0);
		CHECK_INT(q64(d, "SELECT count(*) FROM snapshot"), 10);
	}
	db_close(d);
}

static void test_retain_basic(void)
{
	check_retain(0);
}

static void test_retain_small_batches(void)
{
	check_retain(3);
}

static void test_retain_on_ingest(void)
{
	char path[128], err[TSM_ERRLEN];
	db_ingest_stats s;
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL);
	if (d == NULL)
		return;
	/* the anchors put dump k at minute k: 150 s keeps the newest 3 */
	CHECK_INT(feed(d, "id-I", 25, 150, &s, err), TSM_OK);
	CHECK_U64(s.dumps, 25);
	CHECK_U64(s.removed_dumps, 22);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot"), 3);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), 9);
	CHECK_INT(q64(d, "SELECT max(ts) - min(ts) FROM snapshot"), 120);
	db_close(d);
}

int main(void)
{
	char cmd[128];

	snprintf(tmpdir, sizeof tmpdir, "/tmp/tsmem-test-retain.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_retain_basic();
	test_retain_small_batches();
	test_retain_on_ingest();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return TEST_DONE();
}
