/* test_db.c — unit tests of db/: schema, ingest of hand-built dumps
 * (values field by field, idempotent re-ingest, grown file, two hosts,
 * lifetimes, a grown partial dump), read-only guard, report loaders,
 * verdicts, and a disk-full fault that must leave exactly the committed
 * batches.  Each test uses a fresh database in a mkdtemp directory.
 */
#include <math.h>
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

/* A new database path in the temp directory. */
static const char *new_path(char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/t%d.db", tmpdir, dbn++);
	return buf;
}

/* One integer from a query (-1 on error). */
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

/* One text value from a query, copied into buf ("" on error / NULL). */
static const char *qtext(db *d, const char *sql, char *buf, size_t cap)
{
	sqlite3_stmt *st = NULL;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db_handle(d), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void add_row(parser_dump *dp, const char *name, int bucket, uint32_t ts, uint64_t alloc, uint64_t used)
{
	parser_row *r = &dp->rows[dp->nrows++];

	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	r->bucket = bucket;
	r->type_size = ts;
	r->allocated = alloc;
	r->in_use = used;
	r->line = dp->line + 1 + dp->nrows;
	if (dp->format == PARSER_FMT_F4) {
		r->has_counts = 1;
		r->chunk_items = 128;
		r->hp_fails = (uint32_t)dp->seq;
		r->alloc_count = alloc / ts;
		r->in_use_count = used / ts;
	}
}

/* Dump k of the synthetic stream: dumps 0-2 are lifetime 0 (F3, TOTAL),
 * dumps 3.. lifetime 1 (F4, started because allocated fell).  Dump k sits
 * at bytes [1000k, 1000k+900), header line 100k+1. */
static void make_dump(parser_dump *dp, uint64_t k)
{
	int lt1 = k >= 3;
	uint64_t j = lt1 ? k - 3 : k;

	memset(dp, 0, offsetof(parser_dump, rows));
	dp->seq = k;
	dp->format = lt1 ? PARSER_FMT_F4 : PARSER_FMT_F3;
	dp->kind = k == 1 ? PARSER_KIND_SIGUSR1 : PARSER_KIND_PERIODIC;
	dp->line = 100 * k + 1;
	dp->byte_offset = 1000 * k;
	dp->end_offset = 1000 * k + 900;
	dp->complete = 1;
	dp->lifetime = lt1 ? 1 : 0;
	dp->new_lifetime = k == 0 || k == 3;
	dp->start_reason = k == 0 ? "first-dump" : (k == 3 ? "allocated-fell" : NULL);
	dp->mode = PARSER_MODE_FREELIST;
	add_row(dp, "ioBufAllocator[1]", 1, 256, 256 * 128 * (j + 1), 256 * (10 * j + 5));
	add_row(dp, "ioBufAllocator[0]", 0, 128, 128 * 128 * (j + 2), 128 * (7 * j + 3));
	add_row(dp, "hdrHeap", -1, 2048, 2048 * 128, 2048 * (j + 1));
	add_row(dp, "httpSMAllocator", -1, 1152, 0, 0);
	dp->has_total = !lt1 || k % 2 == 0;
	if (dp->has_total) {
		size_t i;

		for (i = 0; i < dp->nrows; i++) {
			dp->total_allocated += dp->rows[i].allocated;
			dp->total_in_use += dp->rows[i].in_use;
		}
	}
}

typedef struct feed_opts {
	const char *host, *identity;
	int batch;
	uint64_t from, to;      /* dumps [from, to) */
	int partial_last;       /* the last dump is cut short (complete = 0, 2 rows) */
} feed_opts;

/* Ingest dumps from..to-1 of the stream (each followed by an anchor, a
 * diagnostic and a resource row) and finish.  Returns the status of the
 * first failing call; *stats_out gets the counters. */
static tsm_status feed(db *d, const feed_opts *fo, db_ingest_stats *stats_out, int finish, char *err)
{
	parser_dump *dp = malloc(sizeof *dp);
	db_ingest_opts o;
	db_ingest *in = NULL;
	tsm_status st = TSM_ERR;
	uint64_t k;

	memset(&o, 0, sizeof o);
	o.host = fo->host;
	o.path = "traffic.out";
	o.identity = fo->identity;
	o.batch_dumps = fo->batch;
	if (dp == NULL)
		goto out;
	in = db_ingest_begin(d, &o, err);
	if (in == NULL)
		goto out;
	for (k = 0; k < fo->to; k++) {
		parser_anchor a;
		tsm_diag dg;
		parser_resource r;

		make_dump(dp, k);
		if (fo->partial_last && k == fo->to - 1) {
			dp->complete = 0;
			dp->has_total = 0;
			dp->nrows = 2;
			dp->end_offset = 1000 * k + 500;
		}
		if (k >= fo->from) {
			st = db_ingest_dump(in, dp, err);
			if (st != TSM_OK)
				goto out;
		}
		if (fo->partial_last && k == fo->to - 1)
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
		if (st != TSM_OK)
			goto out;
		memset(&dg, 0, sizeof dg);
		dg.line = 100 * k + 96;
		dg.byte_offset = 1000 * k + 960;
		dg.severity = TSM_SEV_WARNING;
		dg.code = "test-diag";
		snprintf(dg.message, sizeof dg.message, "diag after dump %llu", (unsigned long long)k);
		st = db_ingest_diag(in, &dg, err);
		if (st != TSM_OK)
			goto out;
		memset(&r, 0, sizeof r);
		r.dump_seq = k;
		snprintf(r.location, sizeof r.location, "memory/Test");
		r.allocs = (int64_t)(10 * k);
		r.frees = (int64_t)k;
		r.in_use = (int64_t)(9 * k);
		r.avg_size = 64;
		r.line = 100 * k + 97;
		st = db_ingest_resource(in, &r, err);
		if (st != TSM_OK)
			goto out;
	}
	st = finish ? db_ingest_finish(in, NULL, err) : db_ingest_commit(in, err);
out:
	if (in != NULL && stats_out != NULL)
		*stats_out = *db_ingest_get_stats(in);
	db_ingest_free(in);
	free(dp);
	return st;
}

static void test_schema(void)
{
	char path[128], err[TSM_ERRLEN], buf[64];
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL);
	if (d == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_INT(q64(d, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	CHECK_STR(qtext(d, "PRAGMA journal_mode", buf, sizeof buf), "wal");
	CHECK_INT(q64(d, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('source',"
	                 "'lifetime','snapshot','allocator','sample_run','resource_sample','ssl_sample','diagnostic',"
	                 "'anchor','verdict')"), 10);
	CHECK_INT(q64(d, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name IN ('sample','samples',"
	                 "'iobuf')"), 3);
	CHECK_INT(q64(d, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sample_run'"), 0);
	CHECK_INT(q64(d, "SELECT sql LIKE '%WITHOUT ROWID' FROM sqlite_master WHERE name = 'sample_run'"), 1);
	CHECK_INT(q64(d, "SELECT count(*) FROM pragma_table_info('sample_run') WHERE pk > 0"), 3);
	CHECK_INT(q64(d, "SELECT pk FROM pragma_table_info('sample_run') WHERE name = 'allocator_id'"), 1);
	CHECK_INT(q64(d, "SELECT count(*) FROM pragma_table_info('sample')"), 6);
	db_close(d);
	/* reopening keeps it; a newer schema is refused */
	d = db_open(path, 0, 1000, err);
	CHECK(d != NULL);
	if (d != NULL)
		sqlite3_exec(db_handle(d), "PRAGMA user_version = 99", NULL, NULL, NULL);
	db_close(d);
	d = db_open(path, 0, 1000, err);
	CHECK(d == NULL);
	CHECK(strstr(err, "newer") != NULL);
	db_close(d);
	CHECK_STR(db_allocator_group("ioBufAllocatorHP[3]", 3), "iobuf");
	CHECK_STR(db_allocator_group("ioBlockAllocator", -1), "iobuf_meta");
	CHECK_STR(db_allocator_group("http3FrameAllocator", -1), "http");
	CHECK_STR(db_allocator_group("hdrStrHeap", -1), "headers");
	CHECK_STR(db_allocator_group("quicPollEvent", -1), "net");
	CHECK_STR(db_allocator_group("sslNetVCAllocator", -1), "ssl");
	CHECK_STR(db_allocator_group("CongestionDBContAllocator", -1), "legacy");
	CHECK_STR(db_allocator_group("someNewThing", -1), "other");
}

static void test_ingest_values(void)
{
	char path[128], err[TSM_ERRLEN], buf[128];
	feed_opts fo = {"edge-01", "id-A", 0, 0, 5, 0};
	db_ingest_stats s;
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_INT(feed(d, &fo, &s, 1, err), TSM_OK);
	CHECK_U64(s.dumps, 5);
	CHECK_U64(s.rows, 20);
	CHECK_U64(s.lifetimes, 2);
	CHECK_U64(s.skipped_dumps, 0);
	CHECK_U64(s.diagnostics, 5);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot"), 5);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), 20);
	CHECK_INT(q64(d, "SELECT count(*) FROM allocator"), 4);
	CHECK_INT(q64(d, "SELECT count(*) FROM anchor"), 5);
	CHECK_INT(q64(d, "SELECT count(*) FROM diagnostic WHERE code = 'test-diag' AND severity = 'warning'"), 5);
	CHECK_INT(q64(d, "SELECT count(*) FROM resource_sample WHERE snapshot_id IS NOT NULL"), 5);
	CHECK_INT(q64(d, "SELECT bytes_read FROM source"), 4900);
	CHECK_STR(qtext(d, "SELECT path FROM source", buf, sizeof buf), "traffic.out");
	/* lifetimes */
	CHECK_INT(q64(d, "SELECT count(*) FROM lifetime WHERE host = 'edge-01'"), 2);
	CHECK_STR(qtext(d, "SELECT start_reason FROM lifetime WHERE seq = 0", buf, sizeof buf), "first-dump");
	CHECK_STR(qtext(d, "SELECT start_reason FROM lifetime WHERE seq = 1", buf, sizeof buf), "allocated-fell");
	CHECK_STR(qtext(d, "SELECT format FROM lifetime WHERE seq = 0", buf, sizeof buf), "F3");
	CHECK_STR(qtext(d, "SELECT format FROM lifetime WHERE seq = 1", buf, sizeof buf), "F4");
	CHECK_STR(qtext(d, "SELECT mode FROM lifetime WHERE seq = 1", buf, sizeof buf), "freelist");
	CHECK_INT(q64(d, "SELECT count(*) FROM lifetime l WHERE first_snapshot_id = (SELECT min(id) FROM snapshot"
	                 " WHERE lifetime_id = l.id) AND last_snapshot_id = (SELECT max(id) FROM snapshot"
	                 " WHERE lifetime_id = l.id)"), 2);
	/* snapshot fields of dump 4 (lifetime 1, seq 1, F4, TOTAL) */
	CHECK_INT(q64(d, "SELECT seq FROM snapshot WHERE stream_seq = 4"), 1);
	CHECK_INT(q64(d, "SELECT line FROM snapshot WHERE stream_seq = 4"), 401);
	CHECK_INT(q64(d, "SELECT byte_offset FROM snapshot WHERE stream_seq = 4"), 4000);
	CHECK_INT(q64(d, "SELECT complete FROM snapshot WHERE stream_seq = 4"), 1);
	CHECK_INT(q64(d, "SELECT total_allocated FROM snapshot WHERE stream_seq = 4"),
	          256 * 128 * 2 + 128 * 128 * 3 + 2048 * 128);
	CHECK_INT(q64(d, "SELECT total_in_use FROM snapshot WHERE stream_seq = 4"), 256 * 15 + 128 * 10 + 2048 * 2);
	CHECK_STR(qtext(d, "SELECT kind FROM snapshot WHERE stream_seq = 1", buf, sizeof buf), "sigusr1");
	CHECK_STR(qtext(d, "SELECT kind FROM snapshot WHERE stream_seq = 2", buf, sizeof buf), "periodic");
	/* dump 3 printed no TOTAL: sum of rows, has_total 0 */
	CHECK_INT(q64(d, "SELECT has_total FROM snapshot WHERE stream_seq = 3"), 0);
	CHECK_INT(q64(d, "SELECT total_allocated FROM snapshot WHERE stream_seq = 3"),
	          256 * 128 + 128 * 128 * 2 + 2048 * 128);
	/* samples, field by field */
	CHECK_INT(q64(d, "SELECT allocated FROM samples WHERE name = 'ioBufAllocator[0]' AND lifetime_seq = 0"
	                 " AND snapshot_seq = 2"), 128 * 128 * 4);
	CHECK_INT(q64(d, "SELECT in_use FROM samples WHERE name = 'ioBufAllocator[0]' AND lifetime_seq = 0"
	                 " AND snapshot_seq = 2"), 128 * 17);
	CHECK_INT(q64(d, "SELECT stranded FROM samples WHERE name = 'ioBufAllocator[0]' AND lifetime_seq = 0"
	                 " AND snapshot_seq = 2"), 128 * 128 * 4 - 128 * 17);
	CHECK_INT(q64(d, "SELECT count(*) FROM samples WHERE name = 'httpSMAllocator' AND utilization IS NULL"), 5);
	CHECK_INT(q64(d, "SELECT chunk_items FROM sample s JOIN snapshot n ON n.id = s.snapshot_id"
	                 " WHERE n.stream_seq = 4 AND s.allocator_id = (SELECT id FROM allocator WHERE name = 'hdrHeap')"), 128);
	CHECK_INT(q64(d, "SELECT hp_fails FROM sample s JOIN snapshot n ON n.id = s.snapshot_id"
	                 " WHERE n.stream_seq = 4 AND s.allocator_id = (SELECT id FROM allocator WHERE name = 'hdrHeap')"), 4);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample s JOIN snapshot n ON n.id = s.snapshot_id"
	                 " WHERE n.format = 'F3' AND (chunk_items IS NOT NULL OR hp_fails IS NOT NULL)"), 0);
	CHECK_INT(q64(d, "SELECT bucket FROM allocator WHERE name = 'ioBufAllocator[1]'"), 1);
	CHECK_INT(q64(d, "SELECT count(*) FROM allocator WHERE name = 'hdrHeap' AND bucket IS NULL"
	                 " AND grp = 'headers' AND type_size = 2048"), 1);
	CHECK_INT(q64(d, "SELECT count(*) FROM iobuf"), 10);
	CHECK_INT(q64(d, "SELECT count(*) FROM samples WHERE ts IS NULL"), 0);
	CHECK_INT(q64(d, "SELECT count(*) FROM resource_sample r JOIN snapshot n ON n.id = r.snapshot_id"
	                 " WHERE r.line = n.line + 96 AND r.allocs = 10 * n.stream_seq"), 5);
	db_close(d);
}

static void test_reingest(void)
{
	char path[128], err[TSM_ERRLEN];
	feed_opts fo = {"edge-01", "id-A", 2, 0, 5, 0};
	db_ingest_stats s;
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_INT(feed(d, &fo, &s, 1, err), TSM_OK);
	/* same stream again: nothing new */
	CHECK_INT(feed(d, &fo, &s, 1, err), TSM_OK);
	CHECK_U64(s.dumps, 0);
	CHECK_U64(s.skipped_dumps, 5);
	CHECK_U64(s.lifetimes, 0);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot"), 5);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), 20);
	CHECK_INT(q64(d, "SELECT count(*) FROM anchor"), 5);
	CHECK_INT(q64(d, "SELECT count(*) FROM diagnostic"), 5);
	CHECK_INT(q64(d, "SELECT count(*) FROM resource_sample"), 5);
	CHECK_INT(q64(d, "SELECT count(*) FROM lifetime"), 2);
	CHECK_INT(q64(d, "SELECT count(*) FROM source"), 1);
	/* grown file: dumps 5 and 6 appended to the same identity */
	fo.to = 7;
	CHECK_INT(feed(d, &fo, &s, 1, err), TSM_OK);
	CHECK_U64(s.dumps, 2);
	CHECK_U64(s.skipped_dumps, 5);
	CHECK_U64(s.lifetimes, 0);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot"), 7);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), 28);
	CHECK_INT(q64(d, "SELECT count(*) FROM anchor"), 7);
	CHECK_INT(q64(d, "SELECT count(*) FROM diagnostic"), 7);
	CHECK_INT(q64(d, "SELECT count(*) FROM resource_sample"), 7);
	CHECK_INT(q64(d, "SELECT count(*) FROM lifetime"), 2);
	/* the appended dumps continue lifetime 1 with seq 2, 3 */
	CHECK_INT(q64(d, "SELECT group_concat(seq) = '0,1,2,3' FROM (SELECT n.seq FROM snapshot n"
	                 " JOIN lifetime l ON l.id = n.lifetime_id WHERE l.seq = 1 ORDER BY n.seq)"), 1);
	CHECK_INT(q64(d, "SELECT last_snapshot_id = (SELECT max(id) FROM snapshot) FROM lifetime WHERE seq = 1"), 1);
	CHECK_INT(q64(d, "SELECT bytes_read FROM source"), 6900);
	/* a second host: its own source and lifetimes */
	fo.host = "edge-02";
	CHECK_INT(feed(d, &fo, &s, 1, err), TSM_OK);
	CHECK_U64(s.dumps, 7);
	CHECK_U64(s.lifetimes, 2);
	CHECK_INT(q64(d, "SELECT count(*) FROM source"), 2);
	CHECK_INT(q64(d, "SELECT count(*) FROM lifetime WHERE host = 'edge-02'"), 2);
	CHECK_INT(q64(d, "SELECT count(*) FROM samples WHERE host = 'edge-02'"), 28);
	CHECK_INT(q64(d, "SELECT count(*) FROM allocator"), 4);
	{
		char **hosts = NULL;
		size_t n = 0;

		CHECK_INT(db_list_hosts(d, &hosts, &n, err), TSM_OK);
		CHECK_U64(n, 2);
		if (n == 2) {
			CHECK_STR(hosts[0], "edge-01");
			CHECK_STR(hosts[1], "edge-02");
		}
		db_strings_free(hosts, n);
	}
	db_close(d);
}

/* An earlier run stored a dump cut short at the end of a growing file; the
 * next run sees it complete and updates it in place. */
static void test_partial_dump(void)
{
	char path[128], err[TSM_ERRLEN];
	feed_opts fo = {"edge-01", "id-P", 0, 0, 5, 1};
	db_ingest_stats s;
	int64_t id_before;
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_INT(feed(d, &fo, &s, 1, err), TSM_OK);
	CHECK_INT(q64(d, "SELECT complete FROM snapshot WHERE stream_seq = 4"), 0);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), 18);
	CHECK_INT(q64(d, "SELECT bytes_read FROM source"), 4500);
	id_before = q64(d, "SELECT id FROM snapshot WHERE stream_seq = 4");
	fo.partial_last = 0;
	CHECK_INT(feed(d, &fo, &s, 1, err), TSM_OK);
	CHECK_U64(s.dumps, 1);
	CHECK_U64(s.skipped_dumps, 4);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot"), 5);
	CHECK_INT(q64(d, "SELECT id FROM snapshot WHERE stream_seq = 4"), id_before);
	CHECK_INT(q64(d, "SELECT complete FROM snapshot WHERE stream_seq = 4"), 1);
	CHECK_INT(q64(d, "SELECT seq FROM snapshot WHERE stream_seq = 4"), 1);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), 20);
	CHECK_INT(q64(d, "SELECT bytes_read FROM source"), 4900);
	db_close(d);
}

/* Baseline tables without absolute values keep the snapshot, not samples;
 * a duplicated row is kept once with a diagnostic; a late allocator is
 * listed after the first dump's rows. */
static void test_special_dumps(void)
{
	char path[128], err[TSM_ERRLEN];
	parser_dump *dp = malloc(sizeof *dp);
	db_ingest_opts o = {.host = "h", .path = "f", .identity = "id", .commit_each_dump = 1};
	db_ingest *in = NULL;
	db_allocator *al = NULL;
	db_lifetime *lts = NULL;
	size_t n = 0, nl = 0;
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL && dp != NULL);
	if (d == NULL || dp == NULL)
		goto out;
	in = db_ingest_begin(d, &o, err);
	CHECK(in != NULL);
	if (in == NULL)
		goto out;
	make_dump(dp, 0);
	CHECK_INT(db_ingest_dump(in, dp, err), TSM_OK);
	make_dump(dp, 1);
	dp->kind = PARSER_KIND_BASELINE;
	dp->format = PARSER_FMT_BASELINE;
	dp->has_total = 0;
	CHECK_INT(db_ingest_dump(in, dp, err), TSM_OK);
	make_dump(dp, 2);
	memmove(&dp->rows[1], &dp->rows[0], dp->nrows * sizeof dp->rows[0]);
	dp->nrows++;
	snprintf(dp->rows[0].name, sizeof dp->rows[0].name, "MC");
	dp->rows[0].bucket = -1;
	dp->rows[0].type_size = 96;
	dp->rows[dp->nrows] = dp->rows[dp->nrows - 1];   /* duplicate the last row */
	dp->nrows++;
	CHECK_INT(db_ingest_dump(in, dp, err), TSM_OK);
	CHECK_INT(db_ingest_finish(in, NULL, err), TSM_OK);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot"), 3);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample s JOIN snapshot n ON n.id = s.snapshot_id WHERE n.kind = 'baseline'"), 0);
	CHECK_INT(q64(d, "SELECT total_allocated IS NULL FROM snapshot WHERE kind = 'baseline'"), 1);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), 4 + 5);
	CHECK_INT(q64(d, "SELECT count(*) FROM diagnostic WHERE code = 'duplicate-row'"), 1);
	CHECK_STR(qtext(d, "SELECT format FROM lifetime", (char[16]){0}, 16), "F3");
	CHECK_INT(db_list_lifetimes(d, "h", &lts, &nl, err), TSM_OK);
	CHECK_U64(nl, 1);
	if (nl == 1) {
		CHECK_INT(lts[0].dumps, 3);
		CHECK_INT(lts[0].complete_dumps, 3);
		CHECK_STR(lts[0].start_reason, "first-dump");
		CHECK_INT(lts[0].index, 0);
		CHECK_INT(db_list_allocators(d, lts[0].id, &al, &n, err), TSM_OK);
		CHECK_U64(n, 5);
		if (n == 5) {
			CHECK_STR(al[0].name, "ioBufAllocator[1]");
			CHECK_INT(al[0].bucket, 1);
			CHECK_STR(al[0].grp, "iobuf");
			CHECK_STR(al[1].name, "ioBufAllocator[0]");
			CHECK_STR(al[2].name, "hdrHeap");
			CHECK_INT(al[2].bucket, -1);
			CHECK_INT(al[2].type_size, 2048);
			CHECK_STR(al[3].name, "httpSMAllocator");
			CHECK_STR(al[4].name, "MC");
			CHECK_STR(al[4].grp, "api");
		}
	}
out:
	free(al);
	free(lts);
	db_ingest_free(in);
	free(dp);
	db_close(d);
}

static void test_loaders(void)
{
	char path[128], err[TSM_ERRLEN];
	feed_opts fo = {"edge-01", "id-A", 0, 0, 7, 0};
	db_lifetime *lts = NULL;
	db_allocator *al = NULL;
	db_series s;
	db_totals tot;
	db_range r;
	size_t nl = 0, na = 0, i;
	int64_t io0 = 0;
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	memset(&s, 0, sizeof s);
	memset(&tot, 0, sizeof tot);
	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_INT(feed(d, &fo, NULL, 1, err), TSM_OK);
	/* known times for the filters: ts = 1000 + 10 * stream_seq */
	sqlite3_exec(db_handle(d), "UPDATE snapshot SET ts = 1000 + 10 * stream_seq, ts_quality = 'propagated'",
	             NULL, NULL, NULL);
	CHECK_INT(db_list_lifetimes(d, "edge-01", &lts, &nl, err), TSM_OK);
	CHECK_U64(nl, 2);
	if (nl != 2)
		goto out;
	CHECK_INT(lts[0].seq, 0);
	CHECK_INT(lts[1].seq, 1);
	CHECK_INT(lts[1].index, 1);
	CHECK_INT(lts[1].dumps, 4);
	CHECK_STR(lts[1].format, "F4");
	CHECK_STR(lts[1].ts_quality, "propagated");
	CHECK_NEAR(lts[1].first_ts, 1030, 1e-9);
	CHECK_NEAR(lts[1].last_ts, 1060, 1e-9);
	CHECK_INT(db_list_allocators(d, lts[1].id, &al, &na, err), TSM_OK);
	CHECK_U64(na, 4);
	for (i = 0; i < na; i++)
		if (strcmp(al[i].name, "ioBufAllocator[0]") == 0)
			io0 = al[i].id;
	CHECK(io0 != 0);
	CHECK_INT(db_load_series(d, lts[1].id, io0, NULL, &s, err), TSM_OK);
	CHECK_U64(s.n, 4);
	for (i = 0; i < s.n && i < 4; i++) {
		CHECK_INT(s.seq[i], (int64_t)i);
		CHECK_NEAR(s.t[i], 1030 + 10.0 * (double)i, 1e-9);
		CHECK_INT(s.allocated[i], 128 * 128 * ((int64_t)i + 2));
		CHECK_INT(s.in_use[i], 128 * (7 * (int64_t)i + 3));
		CHECK_INT(s.chunk_items[i], 128);
		CHECK_INT(s.complete[i], 1);
		CHECK_INT(s.kind[i], PARSER_KIND_PERIODIC);
	}
	db_series_free(&s);
	r.since = 1040;
	r.until = 1050;
	CHECK_INT(db_load_series(d, lts[1].id, io0, &r, &s, err), TSM_OK);
	CHECK_U64(s.n, 2);
	if (s.n == 2) {
		CHECK_INT(s.seq[0], 1);
		CHECK_INT(s.seq[1], 2);
	}
	db_series_free(&s);
	r.since = NAN;
	r.until = 1035;
	CHECK_INT(db_load_series(d, lts[1].id, io0, &r, &s, err), TSM_OK);
	CHECK_U64(s.n, 1);
	db_series_free(&s);
	/* lifetime 0: the sigusr1 dump keeps its kind */
	CHECK_INT(db_load_series(d, lts[0].id, io0, NULL, &s, err), TSM_OK);
	CHECK_U64(s.n, 3);
	if (s.n == 3)
		CHECK_INT(s.kind[1], PARSER_KIND_SIGUSR1);
	db_series_free(&s);
	/* unknown allocator: empty */
	CHECK_INT(db_load_series(d, lts[1].id, 999999, NULL, &s, err), TSM_OK);
	CHECK_U64(s.n, 0);
	db_series_free(&s);
	/* totals: complete dumps of lifetime 1 (all have totals: printed or summed) */
	CHECK_INT(db_load_totals(d, lts[1].id, NULL, &tot, err), TSM_OK);
	CHECK_U64(tot.n, 4);
	if (tot.n == 4) {
		CHECK_INT(tot.allocated[1], 256 * 128 * 2 + 128 * 128 * 3 + 2048 * 128);
		CHECK_NEAR(tot.t[3], 1060, 1e-9);
	}
	db_totals_free(&tot);
	/* the series query reads the sample_run primary key, not a scan */
	{
		sqlite3_stmt *st = NULL;
		int scan = 0, pk = 0;

		sqlite3_prepare_v2(db_handle(d),
		                   "EXPLAIN QUERY PLAN SELECT first_seq, last_seq, allocated, in_use, chunk_items"
		                   " FROM sample_run WHERE allocator_id = 1 AND lifetime_id = 2 ORDER BY first_seq",
		                   -1, &st, NULL);
		while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(st, 3);

			if (detail != NULL && (strncmp(detail, "SCAN", 4) == 0 || strstr(detail, "TEMP B-TREE")))
				scan = 1;
			if (detail != NULL && strstr(detail, "PRIMARY KEY") != NULL)
				pk = 1;
		}
		sqlite3_finalize(st);
		CHECK_INT(scan, 0);
		CHECK_INT(pk, 1);
	}
	/* the per-lifetime snapshot cache notices a change */
	sqlite3_exec(db_handle(d), "UPDATE snapshot SET ts = ts + 5", NULL, NULL, NULL);
	CHECK_INT(db_load_series(d, lts[1].id, io0, NULL, &s, err), TSM_OK);
	CHECK_U64(s.n, 4);
	if (s.n > 0)
		CHECK_NEAR(s.t[0], 1035, 1e-9);
	db_series_free(&s);
	/* verdicts: write, replace */
	CHECK_INT(db_begin_write(d, err), TSM_OK);
	CHECK_INT(db_write_verdict(d, lts[1].id, io0, "leak", 0.9, "{\"a\":1}", err), TSM_OK);
	CHECK_INT(db_write_verdict(d, lts[0].id, io0, "plateau", 0.5, NULL, err), TSM_OK);
	CHECK_INT(db_commit_write(d, err), TSM_OK);
	CHECK_INT(db_write_verdict(d, lts[1].id, io0, "churn", 0.75, "{}", err), TSM_OK);
	CHECK_INT(q64(d, "SELECT count(*) FROM verdict"), 2);
	{
		char buf[32];

		CHECK_STR(qtext(d, "SELECT verdict FROM verdict ORDER BY confidence DESC LIMIT 1", buf, sizeof buf),
		          "churn");
		CHECK_INT(q64(d, "SELECT count(*) FROM verdict WHERE computed_at LIKE '____-__-__T__:__:__Z'"), 2);
	}
out:
	free(lts);
	free(al);
	db_close(d);
}

/* Row callback for the read-only tests: counts rows, keeps the last value. */
typedef struct rowcap {
	int header, rows;
	char last[64];
	int type;
} rowcap;

static int cap_row(void *ctx, int ncol, const char *const *names, const char *const *values, const int *types)
{
	rowcap *c = ctx;

	(void)names;
	if (values == NULL) {
		c->header++;
		return 0;
	}
	c->rows++;
	snprintf(c->last, sizeof c->last, "%s", values[ncol - 1] != NULL ? values[ncol - 1] : "NULL");
	c->type = types[ncol - 1];
	return 0;
}

static void test_readonly(void)
{
	char path[128], err[TSM_ERRLEN], attach[256], junk[128];
	feed_opts fo = {"edge-01", "id-A", 0, 0, 3, 0};
	rowcap c;
	db *ro;
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);
	FILE *f;

	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_INT(feed(d, &fo, NULL, 1, err), TSM_OK);
	db_close(d);
	ro = db_open(path, 1, 1000, err);
	CHECK(ro != NULL);
	if (ro == NULL)
		return;
	memset(&c, 0, sizeof c);
	CHECK_INT(db_exec_query(ro, "SELECT 1; -- two statements\n SELECT count(*) FROM sample;", cap_row, &c, err),
	          TSM_OK);
	CHECK_INT(c.header, 2);
	CHECK_INT(c.rows, 2);
	CHECK_STR(c.last, "12");
	CHECK_INT(c.type, SQLITE_INTEGER);
	memset(&c, 0, sizeof c);
	CHECK_INT(db_exec_query(ro, "SELECT x'00ff', NULL", cap_row, &c, err), TSM_OK);
	CHECK_STR(c.last, "NULL");
	CHECK_INT(db_exec_query(ro, "PRAGMA table_info(sample)", cap_row, &c, err), TSM_OK);
	CHECK_INT(db_exec_query(ro, "INSERT INTO source(host, identity) VALUES ('x', 'y')", cap_row, &c, err), TSM_ERR);
	CHECK(strstr(err, "readonly") != NULL);
	CHECK_INT(db_exec_query(ro, "DROP TABLE sample", cap_row, &c, err), TSM_ERR);
	snprintf(attach, sizeof attach, "ATTACH '%s/other.db' AS o", tmpdir);
	CHECK_INT(db_exec_query(ro, attach, cap_row, &c, err), TSM_ERR);
	CHECK(access(attach + 8, F_OK) != 0);
	CHECK_INT(db_exec_query(ro, "ATTACH ':memory:' AS m", cap_row, &c, err), TSM_ERR);
	CHECK_INT(db_exec_query(ro, "PRAGMA writable_schema=1", cap_row, &c, err), TSM_ERR);
	CHECK_INT(db_exec_query(ro, "PRAGMA query_only=0", cap_row, &c, err), TSM_ERR);
	CHECK_INT(db_exec_query(ro, "SELEC 1", cap_row, &c, err), TSM_ERR);
	CHECK(strstr(err, "syntax error") != NULL);
	CHECK_INT(db_exec_query(ro, "CREATE TEMP TABLE t(x)", cap_row, &c, err), TSM_ERR);
	CHECK_INT(q64(ro, "SELECT count(*) FROM sample"), 12);
	db_close(ro);
	/* a missing file is an error and is not created */
	snprintf(attach, sizeof attach, "%s/missing.db", tmpdir);
	CHECK(db_open(attach, 1, 1000, err) == NULL);
	CHECK(access(attach, F_OK) != 0);
	/* a file that is not a database */
	snprintf(junk, sizeof junk, "%s/junk.db", tmpdir);
	f = fopen(junk, "w");
	if (f != NULL) {
		fputs("this is not an SQLite database, just text padding it out a bit more........\n", f);
		fclose(f);
	}
	CHECK(db_open(junk, 1, 1000, err) == NULL);
	CHECK(strstr(err, "not a database") != NULL);
	CHECK(db_open(junk, 0, 1000, err) == NULL);
}

/* Disk full in the middle of an ingest: TSM_ERR with SQLite's message and
 * the database holds exactly the committed batches; a re-run completes it. */
static void test_disk_full(void)
{
	char path[128], err[TSM_ERRLEN], sql[128];
	parser_dump *dp = malloc(sizeof *dp);
	db_ingest_opts o = {.host = "h", .path = "f", .identity = "id-full", .batch_dumps = 2};
	db_ingest *in = NULL;
	feed_opts fo = {"h", "id-full", 2, 0, 0, 0};
	int64_t pages, nsnap;
	uint64_t k, ok_dumps = 0;
	size_t i;
	tsm_status st = TSM_OK;
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL && dp != NULL);
	if (d == NULL || dp == NULL)
		goto out;
	pages = q64(d, "PRAGMA page_count");
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages + 40);
	sqlite3_exec(db_handle(d), sql, NULL, NULL, NULL);
	in = db_ingest_begin(d, &o, err);
	CHECK(in != NULL);
	if (in == NULL)
		goto out;
	for (k = 0; k < 2000 && st == TSM_OK; k++) {
		make_dump(dp, 0);
		dp->seq = k;
		dp->byte_offset = 1000 * k;
		dp->end_offset = 1000 * k + 900;
		dp->line = 100 * k + 1;
		dp->new_lifetime = k == 0;
		for (i = 0; dp->nrows < 200; i++) {
			char name[32];

			snprintf(name, sizeof name, "alloc%zu", i);
			add_row(dp, name, -1, 64, 64 * 128 * (k + 1), 64 * k);
		}
		st = db_ingest_dump(in, dp, err);
		if (st == TSM_OK)
			ok_dumps++;
	}
	CHECK_INT(st, TSM_ERR);
	CHECK(strstr(err, "full") != NULL);
	CHECK_INT(db_ingest_dump(in, dp, err), TSM_ERR);   /* stays failed */
	db_ingest_free(in);
	in = NULL;
	nsnap = q64(d, "SELECT count(*) FROM snapshot");
	CHECK(nsnap > 0);
	CHECK_INT(nsnap % 2, 0);
	CHECK((uint64_t)nsnap <= ok_dumps);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), nsnap * 200);
	CHECK_INT(q64(d, "SELECT bytes_read FROM source"), 1000 * (nsnap - 1) + 900);
	CHECK_INT(q64(d, "SELECT max(stream_seq) FROM snapshot"), nsnap - 1);
	CHECK_INT(q64(d, "SELECT last_snapshot_id = (SELECT max(id) FROM snapshot) FROM lifetime"), 1);
	/* room again: a re-run of the whole stream adds exactly the rest */
	sqlite3_exec(db_handle(d), "PRAGMA max_page_count = 1073741823", NULL, NULL, NULL);
	in = db_ingest_begin(d, &o, err);
	CHECK(in != NULL);
	for (k = 0; in != NULL && k < (uint64_t)nsnap + 3; k++) {
		make_dump(dp, 0);
		dp->seq = k;
		dp->byte_offset = 1000 * k;
		dp->end_offset = 1000 * k + 900;
		dp->line = 100 * k + 1;
		dp->new_lifetime = k == 0;
		for (i = 0; dp->nrows < 200; i++) {
			char name[32];

			snprintf(name, sizeof name, "alloc%zu", i);
			add_row(dp, name, -1, 64, 64 * 128 * (k + 1), 64 * k);
		}
		CHECK_INT(db_ingest_dump(in, dp, err), TSM_OK);
	}
	CHECK_INT(db_ingest_finish(in, NULL, err), TSM_OK);
	CHECK_U64(db_ingest_get_stats(in)->dumps, 3);
	CHECK_U64(db_ingest_get_stats(in)->skipped_dumps, (uint64_t)nsnap);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot"), nsnap + 3);
	CHECK_INT(q64(d, "SELECT count(*) FROM sample"), (nsnap + 3) * 200);
	CHECK_INT(q64(d, "SELECT count(*) FROM lifetime"), 1);
	(void)fo;
out:
	db_ingest_free(in);
	free(dp);
	db_close(d);
}

/* Two streams stored turn about (as two concurrent ingests would): the
 * snapshot ids of their lifetimes interleave, each series stays its own. */
static void test_interleaved(void)
{
	char path[128], err[TSM_ERRLEN];
	parser_dump *dp = malloc(sizeof *dp);
	db_ingest_opts oa = {.host = "a", .path = "f", .identity = "id", .commit_each_dump = 1};
	db_ingest_opts ob = {.host = "b", .path = "f", .identity = "id", .commit_each_dump = 1};
	db_ingest *ia = NULL, *ib = NULL;
	db_lifetime *la = NULL, *lb = NULL;
	db_allocator *al = NULL;
	db_series s;
	size_t na = 0, nb = 0, nal = 0, i;
	uint64_t k;
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	memset(&s, 0, sizeof s);
	CHECK(d != NULL && dp != NULL);
	if (d == NULL || dp == NULL)
		goto out;
	ia = db_ingest_begin(d, &oa, err);
	ib = db_ingest_begin(d, &ob, err);
	CHECK(ia != NULL && ib != NULL);
	if (ia == NULL || ib == NULL)
		goto out;
	for (k = 0; k < 3; k++) {
		make_dump(dp, k);
		CHECK_INT(db_ingest_dump(ia, dp, err), TSM_OK);
		dp->rows[1].in_use += 1;   /* b differs from a */
		CHECK_INT(db_ingest_dump(ib, dp, err), TSM_OK);
	}
	CHECK_INT(db_ingest_finish(ia, NULL, err), TSM_OK);
	CHECK_INT(db_ingest_finish(ib, NULL, err), TSM_OK);
	CHECK_INT(db_list_lifetimes(d, "a", &la, &na, err), TSM_OK);
	CHECK_INT(db_list_lifetimes(d, "b", &lb, &nb, err), TSM_OK);
	CHECK(na == 1 && nb == 1);
	if (na != 1 || nb != 1)
		goto out;
	CHECK_INT(la[0].first_snapshot_id, 1);
	CHECK_INT(lb[0].first_snapshot_id, 2);
	CHECK_INT(db_list_allocators(d, la[0].id, &al, &nal, err), TSM_OK);
	CHECK_U64(nal, 4);
	if (nal < 2)
		goto out;
	CHECK_INT(db_load_series(d, la[0].id, al[1].id, NULL, &s, err), TSM_OK);
	CHECK_U64(s.n, 3);
	for (i = 0; i < s.n; i++)
		CHECK_INT(s.in_use[i], 128 * (7 * (int64_t)i + 3));
	db_series_free(&s);
	CHECK_INT(db_load_series(d, lb[0].id, al[1].id, NULL, &s, err), TSM_OK);
	CHECK_U64(s.n, 3);
	for (i = 0; i < s.n; i++)
		CHECK_INT(s.in_use[i], 128 * (7 * (int64_t)i + 3) + 1);
	db_series_free(&s);
out:
	free(al);
	free(la);
	free(lb);
	db_ingest_free(ia);
	db_ingest_free(ib);
	free(dp);
	db_close(d);
}

/* Another writer holds the lock: the ingest waits busy_ms, then fails
 * with a clear message. */
static void test_busy(void)
{
	char path[128], err[TSM_ERRLEN];
	feed_opts fo = {"edge-01", "id-B", 0, 0, 2, 0};
	db *d1 = db_open(new_path(path, sizeof path), 0, 1000, err);
	db *d2 = db_open(path, 0, 100, err);

	CHECK(d1 != NULL && d2 != NULL);
	if (d1 == NULL || d2 == NULL)
		goto out;
	CHECK_INT(db_begin_write(d1, err), TSM_OK);
	CHECK_INT(feed(d2, &fo, NULL, 1, err), TSM_ERR);
	CHECK(strstr(err, "database is locked (busy for 100 ms)") != NULL);
	db_rollback_write(d1);
	CHECK_INT(feed(d2, &fo, NULL, 1, err), TSM_OK);
	CHECK_INT(q64(d1, "SELECT count(*) FROM snapshot"), 2);
out:
	db_close(d1);
	db_close(d2);
}

/* Times: finish runs timeline_assign with the stored anchors. */
static void test_times(void)
{
	char path[128], err[TSM_ERRLEN];
	feed_opts fo = {"edge-01", "id-T", 0, 0, 5, 0};
	db *d = db_open(new_path(path, sizeof path), 0, 1000, err);

	CHECK(d != NULL);
	if (d == NULL)
		return;
	CHECK_INT(feed(d, &fo, NULL, 1, err), TSM_OK);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot WHERE ts_quality NOT IN ('exact_bracket', 'propagated',"
	                 " 'upper_bound', 'relative', 'unknown')"), 0);
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot WHERE (ts IS NULL) <> (ts_quality = 'unknown')"), 0);
	/* dumps 1..4 sit between two anchors one minute apart: they get times */
	CHECK_INT(q64(d, "SELECT count(*) FROM snapshot WHERE stream_seq > 0 AND ts IS NOT NULL"), 4);
	db_close(d);
}

int main(void)
{
	char cmd[128];

	snprintf(tmpdir, sizeof tmpdir, "/tmp/tsmem-test-db.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_schema();
	test_ingest_values();
	test_reingest();
	test_partial_dump();
	test_special_dumps();
	test_loaders();
	test_readonly();
	test_disk_full();
	test_busy();
	test_interleaved();
	test_times();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return TEST_DONE();
}
