/* retain.c — retention: remove the dumps of a host that are older than a
 * given age, in bounded transactions, so that a database fed for months
 * stays the size of its window.
 *
 * The age is measured back from the host's newest dump of known time (not
 * from the wall clock, so an old capture ingested today keeps its window).
 * Dumps whose time is not known yet are never removed.  Per transaction:
 * one lifetime, at most `batch` of its oldest dumps.  With each dump go its
 * snapshot row and the runs that end before the oldest kept dump; a run
 * that reaches into the window stays whole (the view `sample` shows only
 * the dumps that are still there).  Of the dump's source go the
 * diagnostics, resource and SSL rows before its oldest kept dump, and the
 * time anchors before the last anchor that precedes it (kept so that the
 * kept dumps' times can be assigned again).  A lifetime left with no dump
 * goes with its lifetime_allocator, lifetime_link and verdict rows.
 * Source rows stay: they make re-ingesting a removed file add nothing.
 * Freed pages go to SQLite's free list and are reused by later inserts.
 *
 * Never prints or exits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

#define DEFAULT_RETAIN_BATCH 1000

enum {
	RT_LIFETIMES, RT_OLDEST, RT_SNAP_DEL, RT_RUN_DEL, RT_LEFT, RT_LT_FIRST, RT_SRC_FIRST, RT_DIAG_DEL,
	RT_RES_DEL, RT_SSL_DEL, RT_ANCHOR_DEL, RT_LT_DEL, RT_LA_DEL, RT_LINK_DEL, RT_VERDICT_DEL, RT_COUNT
};

static const char *const rt_sql[RT_COUNT] = {
	/* the host's lifetimes with the time of their newest timed dump */
	[RT_LIFETIMES] = "SELECT l.id, (SELECT s.ts FROM snapshot s WHERE s.lifetime_id = l.id AND s.ts IS NOT NULL"
	                 " ORDER BY s.seq DESC LIMIT 1) FROM lifetime l WHERE l.host = ?1 ORDER BY l.id",
	[RT_OLDEST] = "SELECT seq, ts, source_id FROM snapshot WHERE lifetime_id = ?1 ORDER BY seq LIMIT ?2",
	[RT_SNAP_DEL] = "DELETE FROM snapshot WHERE lifetime_id = ?1 AND seq <= ?2",
	/* by primary key: a seek per allocator of the lifetime, then only the
	 * runs that start before the cut (all but one per allocator go) */
	[RT_RUN_DEL] = "DELETE FROM sample_run WHERE allocator_id IN (SELECT allocator_id FROM lifetime_allocator"
	               " WHERE lifetime_id = ?1) AND lifetime_id = ?1 AND first_seq <= ?2 AND last_seq <= ?2",
	[RT_LEFT] = "SELECT id FROM snapshot WHERE lifetime_id = ?1 ORDER BY seq LIMIT 1",
	[RT_LT_FIRST] = "UPDATE lifetime SET first_snapshot_id = ?2 WHERE id = ?1",
	/* the oldest kept dump of a source: where its other rows may start */
	[RT_SRC_FIRST] = "SELECT min(byte_offset), min(line) FROM snapshot WHERE source_id = ?1",
	[RT_DIAG_DEL] = "DELETE FROM diagnostic WHERE source_id = ?1 AND byte_offset < ?2",
	[RT_RES_DEL] = "DELETE FROM resource_sample WHERE source_id = ?1 AND line < ?2",
	[RT_SSL_DEL] = "DELETE FROM ssl_sample WHERE source_id = ?1 AND line < ?2",
	[RT_ANCHOR_DEL] = "DELETE FROM anchor WHERE source_id = ?1 AND byte_offset < coalesce((SELECT max(byte_offset)"
	                  " FROM anchor WHERE source_id = ?1 AND byte_offset < ?2), ?2)",
	[RT_LT_DEL] = "DELETE FROM lifetime WHERE id = ?1",
	[RT_LA_DEL] = "DELETE FROM lifetime_allocator WHERE lifetime_id = ?1",
	[RT_LINK_DEL] = "DELETE FROM lifetime_link WHERE lifetime_id = ?1",
	[RT_VERDICT_DEL] = "DELETE FROM verdict WHERE lifetime_id = ?1",
};

typedef struct retain_ctx {
	db *d;
	sqlite3_stmt *st[RT_COUNT];
	int batch;
	db_retain_stats *stats;
} retain_ctx;

static int rstep(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Run statement i with (a, b) bound as integers; SQLite result code. */
static int exec2(retain_ctx *c, int i, int64_t a, int64_t b)
{
	sqlite3_stmt *st = c->st[i];

	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	return rstep(st);
}

/* The source's rows before its oldest kept dump (all of them when no dump
 * of the source is left). */
static int trim_source(retain_ctx *c, int64_t source_id)
{
	sqlite3_stmt *st = c->st[RT_SRC_FIRST];
	int64_t off = INT64_MAX, line = INT64_MAX;
	int rc;

	sqlite3_bind_int64(st, 1, source_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		off = sqlite3_column_int64(st, 0);
		line = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	rc = exec2(c, RT_DIAG_DEL, source_id, off);
	if (rc == SQLITE_OK)
		rc = exec2(c, RT_RES_DEL, source_id, line);
	if (rc == SQLITE_OK)
		rc = exec2(c, RT_SSL_DEL, source_id, line);
	if (rc == SQLITE_OK)
		rc = exec2(c, RT_ANCHOR_DEL, source_id, off);
	return rc;
}

/* One transaction: remove up to c->batch of the lifetime's oldest dumps
 * older than cutoff.  *more = 1 when a full batch went (call again). */
static tsm_status retain_lifetime(retain_ctx *c, int64_t lt, double cutoff, int *more, char *err)
{
	sqlite3_stmt *st = c->st[RT_OLDEST];
	int64_t last = INT64_MIN, sources[8], first = 0;
	size_t nsrc = 0, i;
	int rc, n = 0, in_txn = 0, stop = 0, full = 0;
	const char *what = "cannot remove old dumps";

	*more = 0;
	rc = sqlite3_exec(c->d->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto bad;
	in_txn = 1;
	sqlite3_bind_int64(st, 1, lt);
	sqlite3_bind_int(st, 2, c->batch);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t src = sqlite3_column_int64(st, 2);

		if (sqlite3_column_type(st, 1) == SQLITE_NULL || !(sqlite3_column_double(st, 1) < cutoff)) {
			stop = 1;
			break;
		}
		for (i = 0; i < nsrc && sources[i] != src; i++)
			;
		if (i == nsrc) {
			if (nsrc == sizeof sources / sizeof sources[0]) {
				stop = full = 1; /* the rest in the next transaction */
				break;
			}
			sources[nsrc++] = src;
		}
		last = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto bad;
	if (n == 0 || last == INT64_MIN)
		goto commit;
	rc = exec2(c, RT_SNAP_DEL, lt, last);
	if (rc != SQLITE_OK)
		goto bad;
	c->stats->dumps += (uint64_t)sqlite3_changes(c->d->h);
	rc = exec2(c, RT_RUN_DEL, lt, last);
	if (rc != SQLITE_OK)
		goto bad;
	c->stats->runs += (uint64_t)sqlite3_changes(c->d->h);
	for (i = 0; i < nsrc; i++) {
		rc = trim_source(c, sources[i]);
		if (rc != SQLITE_OK)
			goto bad;
	}
	st = c->st[RT_LEFT];
	sqlite3_bind_int64(st, 1, lt);
	rc = sqlite3_step(st);
	first = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto bad;
	if (first != 0) {
		rc = exec2(c, RT_LT_FIRST, lt, first);
	} else {
		/* the whole lifetime is gone (its runs went above: all end
		 * at or before its last dump) */
		rc = SQLITE_OK;
		if (rc == SQLITE_OK)
			rc = exec2(c, RT_LA_DEL, lt, 0);
		if (rc == SQLITE_OK)
			rc = exec2(c, RT_LINK_DEL, lt, 0);
		if (rc == SQLITE_OK)
			rc = exec2(c, RT_VERDICT_DEL, lt, 0);
		if (rc == SQLITE_OK)
			rc = exec2(c, RT_LT_DEL, lt, 0);
		if (rc == SQLITE_OK)
			c->stats->lifetimes++;
	}
	if (rc != SQLITE_OK)
		goto bad;
	*more = first != 0 && (full || (!stop && n == c->batch));
commit:
	rc = sqlite3_exec(c->d->h, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto bad;
	return TSM_OK;
bad:
	db_sqlerr(c->d, c->d->h, rc, what, err);
	if (in_txn && !sqlite3_get_autocommit(c->d->h))
		sqlite3_exec(c->d->h, "ROLLBACK", NULL, NULL, NULL);
	return TSM_ERR;
}

tsm_status db_retain(db *d, const char *host, double max_age, int batch, db_retain_stats *stats, char *err)
{
	retain_ctx c;
	sqlite3_stmt *st;
	int64_t *lts = NULL;
	size_t n = 0, cap = 0, i;
	double newest = -INFINITY;
	tsm_status ret = TSM_ERR;
	int rc, more, j;

	memset(&c, 0, sizeof c);
	memset(stats, 0, sizeof *stats);
	c.d = d;
	c.batch = batch > 0 ? batch : DEFAULT_RETAIN_BATCH;
	c.stats = stats;
	if (d == NULL || host == NULL || !(max_age >= 0)) {
		tsm_seterr(err, "retention needs a database, a host and an age >= 0");
		return TSM_ERR;
	}
	for (j = 0; j < RT_COUNT; j++)
		if (db_prepare(d, rt_sql[j], &c.st[j], err) != TSM_OK)
			goto out;
	st = c.st[RT_LIFETIMES];
	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			int64_t *v = realloc(lts, nc * sizeof *v);

			if (v == NULL) {
				sqlite3_reset(st);
				tsm_seterr(err, "out of memory");
				goto out;
			}
			lts = v;
			cap = nc;
		}
		lts[n++] = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL && sqlite3_column_double(st, 1) > newest)
			newest = sqlite3_column_double(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "cannot list lifetimes", err);
		goto out;
	}
	if (isinf(newest)) {
		ret = TSM_OK; /* no dump of known time */
		goto out;
	}
	for (i = 0; i < n; i++) {
		do {
			if (retain_lifetime(&c, lts[i], newest - max_age, &more, err) != TSM_OK)
				goto out;
		} while (more);
	}
	ret = TSM_OK;
out:
	for (j = 0; j < RT_COUNT; j++)
		sqlite3_finalize(c.st[j]);
	free(lts);
	return ret;
}
