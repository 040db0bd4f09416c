/* limit.c — the practical limit for ingest (DESIGN §7): a bare C loop that
 * inserts the rows of the generated benchmark file into tsmem's own schema
 * with one prepared statement in one transaction, no parsing.
 *
 *   limit DB --dumps N [--seed S] [--interval S] [--batch B] [--real]
 *
 * DB must not exist (run.sh removes it).  db_open() from db/db.h creates the
 * schema and connection settings exactly as `tsmem ingest` gets them; then,
 * in one transaction, the source, lifetime, allocator and snapshot rows, and
 * finally one sample row per (dump, allocator) with the values benchgen.c
 * produces for the same seed (chunk_items and hp_fails NULL, as for F3).
 * Prints "dumps=D rows=R seconds=S" (S = open + inserts + commit + close).
 * --batch B (a diagnostic, not used by run.sh) commits after every B dumps of
 * sample rows instead, to show what batch commits cost.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../db/db.h"
#include "benchgen.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t num(const char *v)
{
	return v != NULL ? strtoull(v, NULL, 10) : 0;
}

/* Step a statement to completion and reset it; SQLITE_OK or the error. */
static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	uint64_t dumps = 0, seed = 1, interval = 10, batch = 0, k, rows = 0;
	char err[TSM_ERRLEN] = "";
	int64_t aid[BG_ROWS], source_id, lifetime_id, first_snap = 0;
	sqlite3_stmt *st = NULL;
	sqlite3 *h = NULL;
	bg_state g;
	double t0, t1;
	db *d = NULL;
	int i, rc, bad = 0, ret = 2, real = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dumps") == 0 && i + 1 < argc)
			dumps = num(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = num(argv[++i]);
		else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc)
			interval = num(argv[++i]);
		else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
			batch = num(argv[++i]);
		else if (strcmp(argv[i], "--real") == 0)
			real = 1;
		else if (path == NULL && argv[i][0] != '-')
			path = argv[i];
		else
			bad = 1;
	}
	if (bad || path == NULL || dumps == 0 || interval == 0) {
		fputs("usage: limit DB --dumps N [--seed S] [--interval S] [--batch B] [--real]\n", stderr);
		return 1;
	}

	t0 = now();
	d = db_open(path, 0, 5000, err);
	if (d == NULL)
		goto out;
	h = db_handle(d);
	/* full-row storage: the version-1 `sample` table, one row per dump row
	 * (tsmem itself stores runs of unchanged rows behind a view) */
	rc = sqlite3_exec(h, "DROP VIEW iobuf; DROP VIEW samples; DROP VIEW sample;"
	                     "CREATE TABLE sample (snapshot_id INTEGER NOT NULL, allocator_id INTEGER NOT NULL,"
	                     " allocated INTEGER NOT NULL, in_use INTEGER NOT NULL, chunk_items INTEGER,"
	                     " hp_fails INTEGER, PRIMARY KEY (allocator_id, snapshot_id)) WITHOUT ROWID;",
	                  NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto sqlerr;
	rc = sqlite3_exec(h, "BEGIN IMMEDIATE;"
	                     "INSERT INTO source(host, path, identity) VALUES ('bench', 'limit', 'limit');"
	                     "INSERT INTO lifetime(source_id, host, seq, format, mode, start_reason)"
	                     " VALUES (last_insert_rowid(), 'bench', 0, 'F3', 'freelist', 'first-dump');",
	                  NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto sqlerr;
	lifetime_id = sqlite3_last_insert_rowid(h);
	source_id = 1;

	/* allocators */
	if (real)
		bg_init_real(&g, seed, (int)interval);
	else
		bg_init(&g, seed, (int)interval);
	rc = sqlite3_prepare_v2(h, "INSERT INTO allocator(name, bucket, grp, type_size) VALUES (?1, ?2, ?3, ?4)", -1,
	                        &st, NULL);
	if (rc != SQLITE_OK)
		goto sqlerr;
	for (i = 0; i < BG_ROWS; i++) {
		int b = bg_bucket(i);

		sqlite3_bind_text(st, 1, g.a[i].name, -1, SQLITE_STATIC);
		if (b >= 0)
			sqlite3_bind_int(st, 2, b);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_text(st, 3, db_allocator_group(g.a[i].name, b), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, g.a[i].type_size);
		rc = run(st);
		if (rc != SQLITE_OK)
			goto sqlerr;
		aid[i] = sqlite3_last_insert_rowid(h);
	}
	sqlite3_finalize(st);
	st = NULL;

	/* snapshots (one per dump, with the TOTAL the file prints) */
	rc = sqlite3_prepare_v2(h, "INSERT INTO snapshot(lifetime_id, seq, kind, line, byte_offset, complete,"
	                           " total_allocated, total_in_use, source_id, stream_seq, end_offset, format,"
	                           " has_total) VALUES (?1, ?2, 'periodic', ?3, ?4, 1, ?5, ?6, ?7, ?2, ?8, 'F3', 1)",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto sqlerr;
	for (k = 0; k < dumps; k++) {
		uint64_t ta = 0, tu = 0;

		bg_next(&g);
		for (i = 0; i < BG_ROWS; i++) {
			ta += bg_allocated_bytes(&g, i);
			tu += bg_in_use_bytes(&g, i);
		}
		sqlite3_bind_int64(st, 1, lifetime_id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)k);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)(k * (BG_ROWS + 5) + 1));
		sqlite3_bind_int64(st, 4, (sqlite3_int64)(k * 5000));
		sqlite3_bind_int64(st, 5, (sqlite3_int64)ta);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)tu);
		sqlite3_bind_int64(st, 7, source_id);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)(k * 5000 + 4999));
		rc = run(st);
		if (rc != SQLITE_OK)
			goto sqlerr;
		if (k == 0)
			first_snap = sqlite3_last_insert_rowid(h);
	}
	sqlite3_finalize(st);
	st = NULL;

	/* the loop being measured: one prepared statement, bind/step/reset */
	if (real)
		bg_init_real(&g, seed, (int)interval);
	else
		bg_init(&g, seed, (int)interval);
	rc = sqlite3_prepare_v2(h, "INSERT INTO sample(snapshot_id, allocator_id, allocated, in_use, chunk_items,"
	                           " hp_fails) VALUES (?1, ?2, ?3, ?4, NULL, NULL)",
	                        -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto sqlerr;
	for (k = 0; k < dumps; k++) {
		bg_next(&g);
		sqlite3_bind_int64(st, 1, first_snap + (int64_t)k);
		for (i = 0; i < BG_ROWS; i++) {
			sqlite3_bind_int64(st, 2, aid[i]);
			sqlite3_bind_int64(st, 3, (sqlite3_int64)bg_allocated_bytes(&g, i));
			sqlite3_bind_int64(st, 4, (sqlite3_int64)bg_in_use_bytes(&g, i));
			rc = run(st);
			if (rc != SQLITE_OK)
				goto sqlerr;
			rows++;
		}
		if (batch != 0 && (k + 1) % batch == 0) {
			rc = sqlite3_exec(h, "COMMIT; BEGIN IMMEDIATE", NULL, NULL, NULL);
			if (rc != SQLITE_OK)
				goto sqlerr;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = sqlite3_exec(h, "UPDATE lifetime SET first_snapshot_id = (SELECT min(id) FROM snapshot),"
	                     " last_snapshot_id = (SELECT max(id) FROM snapshot); COMMIT",
	                  NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto sqlerr;
	db_close(d);
	d = NULL;
	t1 = now();
	printf("dumps=%" PRIu64 " rows=%" PRIu64 " seconds=%.3f\n", dumps, rows, t1 - t0);
	ret = 0;
	goto out;
sqlerr:
	snprintf(err, sizeof err, "%s", sqlite3_errmsg(h));
out:
	if (ret != 0)
		fprintf(stderr, "limit: %s: %s\n", path, err);
	sqlite3_finalize(st);
	db_close(d);
	return ret;
}
