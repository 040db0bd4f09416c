/* times.c — give the stored snapshots of one source their wall-clock
 * times: load snapshots and anchors, run timeline_assign() (parser/
 * timeline.c, pure computation), write ts/ts_quality back in one
 * transaction.  Called at the end of an ingest; no statistics, no I/O
 * besides SQLite.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

tsm_status db_assign_times(db *d, int64_t source_id, const timeline_opts *topts, char *err)
{
	static const timeline_opts no_opts;
	sqlite3_stmt *st = NULL;
	timeline_dump *dumps = NULL;
	parser_anchor *anchors = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0, m = 0, mcap = 0, i;
	tsm_status ret = TSM_ERR;
	int rc, in_txn = 0;

	if (db_prepare(d, "SELECT s.id, s.stream_seq, l.seq, s.line, s.kind FROM snapshot s"
	                  " JOIN lifetime l ON l.id = s.lifetime_id"
	                  " WHERE s.source_id = ?1 ORDER BY s.byte_offset", &st, err) != TSM_OK)
		goto out;
	sqlite3_bind_int64(st, 1, source_id);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 1024;
			timeline_dump *nd = realloc(dumps, nc * sizeof *nd);
			int64_t *ni;

			if (nd == NULL)
				goto nomem;
			dumps = nd;
			ni = realloc(ids, nc * sizeof *ni);
			if (ni == NULL)
				goto nomem;
			ids = ni;
			cap = nc;
		}
		memset(&dumps[n], 0, sizeof dumps[n]);
		ids[n] = sqlite3_column_int64(st, 0);
		dumps[n].seq = (uint64_t)sqlite3_column_int64(st, 1);
		dumps[n].lifetime = (uint64_t)sqlite3_column_int64(st, 2);
		dumps[n].line = (uint64_t)sqlite3_column_int64(st, 3);
		dumps[n].kind = db_kind_from_str((const char *)sqlite3_column_text(st, 4));
		dumps[n].ts = NAN;
		n++;
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "cannot read snapshots", err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (n == 0) {
		ret = TSM_OK;
		goto out;
	}
	if (db_prepare(d, "SELECT line, byte_offset, dumps_before, month, day, hour, minute, second, msec"
	                  " FROM anchor WHERE source_id = ?1 ORDER BY byte_offset", &st, err) != TSM_OK)
		goto out;
	sqlite3_bind_int64(st, 1, source_id);
	for (;;) {
		parser_anchor *a;

		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		if (m == mcap) {
			size_t nc = mcap ? mcap * 2 : 256;
			parser_anchor *na = realloc(anchors, nc * sizeof *na);

			if (na == NULL)
				goto nomem;
			anchors = na;
			mcap = nc;
		}
		a = &anchors[m++];
		a->line = (uint64_t)sqlite3_column_int64(st, 0);
		a->byte_offset = (uint64_t)sqlite3_column_int64(st, 1);
		a->dumps_before = (uint64_t)sqlite3_column_int64(st, 2);
		a->month = sqlite3_column_int(st, 3);
		a->day = sqlite3_column_int(st, 4);
		a->hour = sqlite3_column_int(st, 5);
		a->minute = sqlite3_column_int(st, 6);
		a->second = sqlite3_column_int(st, 7);
		a->msec = sqlite3_column_int(st, 8);
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "cannot read anchors", err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;

	timeline_assign(dumps, n, anchors, m, topts != NULL ? topts : &no_opts);

	if (db_exec(d, "BEGIN IMMEDIATE", "cannot start a transaction", err) != TSM_OK)
		goto out;
	in_txn = 1;
	if (db_prepare(d, "UPDATE snapshot SET ts = ?2, ts_quality = ?3 WHERE id = ?1", &st, err) != TSM_OK)
		goto out;
	for (i = 0; i < n; i++) {
		int known = dumps[i].quality != TL_UNKNOWN && isfinite(dumps[i].ts);

		sqlite3_bind_int64(st, 1, ids[i]);
		if (known)
			sqlite3_bind_double(st, 2, dumps[i].ts);
		else
			sqlite3_bind_null(st, 2);
		sqlite3_bind_text(st, 3, timeline_quality_name(known ? dumps[i].quality : TL_UNKNOWN), -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			db_sqlerr(d, d->h, rc, "cannot store snapshot times", err);
			goto out;
		}
	}
	if (db_exec(d, "COMMIT", "cannot commit snapshot times", err) != TSM_OK)
		goto out;
	in_txn = 0;
	ret = TSM_OK;
	goto out;
nomem:
	tsm_seterr(err, "out of memory");
out:
	sqlite3_finalize(st);
	if (in_txn)
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
	free(dumps);
	free(ids);
	free(anchors);
	return ret;
}

