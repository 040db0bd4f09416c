/* runs.c — run-length storage of samples: the write side.
 *
 * A lifetime's samples are stored as runs in `sample_run`: one row per
 * stretch of consecutive dumps of the lifetime in which an allocator is
 * present with the same (allocated, in_use, chunk_items, hp_fails).  A run
 * covers the dumps whose snapshot.seq is in [first_seq, last_seq].  The
 * view `sample` expands them back to one row per dump row (schema.c).
 *
 * Rules: a value that differs from the allocator's previous dump of the
 * lifetime, or an allocator that was absent from that dump, starts a new
 * run; a cut-off dump (complete = 0) starts new runs for all its rows and
 * so does the dump after it, so a cut-off dump is always stored by itself.
 * The first dump of a lifetime starts every run; the last dump is always
 * the end of the runs that reach it, because every dump extends last_seq.
 * An unchanged row costs no SQL: last_seq is written at commit
 * (db_runs_flush), in the same transaction as the snapshots it covers, so
 * a crash leaves the runs consistent with the stored dumps.
 *
 * Called by ingest.c only; never prints or exits.
 */
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

static const char *const runs_sql[DB_RUNW_COUNT] = {
	[DB_RUNW_INS] = "INSERT INTO sample_run(allocator_id, lifetime_id, first_seq, last_seq, allocated, in_use,"
	                " chunk_items, hp_fails) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7)",
	[DB_RUNW_UPD] = "UPDATE sample_run SET last_seq = ?4 WHERE allocator_id = ?1 AND lifetime_id = ?2"
	                " AND first_seq = ?3",
	[DB_RUNW_DEL] = "DELETE FROM sample_run WHERE allocator_id = ?1 AND lifetime_id = ?2 AND first_seq = ?3",
	/* the last run of every allocator of the lifetime: one seek each */
	[DB_RUNW_LOAD] = "SELECT r.allocator_id, r.first_seq, r.last_seq, r.allocated, r.in_use,"
	                 " coalesce(r.chunk_items, -1), coalesce(r.hp_fails, -1)"
	                 " FROM lifetime_allocator la JOIN sample_run r ON r.allocator_id = la.allocator_id"
	                 " AND r.lifetime_id = la.lifetime_id AND r.first_seq = (SELECT max(x.first_seq)"
	                 " FROM sample_run x WHERE x.allocator_id = la.allocator_id AND x.lifetime_id = ?1)"
	                 " WHERE la.lifetime_id = ?1",
	[DB_RUNW_PREV] = "SELECT seq, complete FROM snapshot WHERE lifetime_id = ?1 AND seq < ?2"
	                 " ORDER BY seq DESC LIMIT 1",
};

tsm_status db_runs_prepare(const db *d, db_runw *w, char *err)
{
	int i;

	memset(w, 0, sizeof *w);
	for (i = 0; i < DB_RUNW_COUNT; i++)
		if (db_prepare(d, runs_sql[i], &w->st[i], err) != TSM_OK) {
			db_runs_finalize(w);
			return TSM_ERR;
		}
	return TSM_OK;
}

void db_runs_finalize(db_runw *w)
{
	int i;

	for (i = 0; i < DB_RUNW_COUNT; i++) {
		sqlite3_finalize(w->st[i]);
		w->st[i] = NULL;
	}
}

void db_runset_free(db_runset *rs)
{
	if (rs == NULL)
		return;
	free(rs->v);
	free(rs->hint);
	memset(rs, 0, sizeof *rs);
}

static int step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v >= 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static db_run *runs_append(db_runset *rs)
{
	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 64;
		db_run *v = realloc(rs->v, nc * sizeof *v);

		if (v == NULL)
			return NULL;
		rs->v = v;
		rs->cap = nc;
	}
	memset(&rs->v[rs->n], 0, sizeof rs->v[0]);
	return &rs->v[rs->n++];
}

tsm_status db_runs_load(db_runw *w, db_runset *rs, int64_t lifetime_id, int64_t seq, char *err)
{
	sqlite3_stmt *st = w->st[DB_RUNW_LOAD];
	int rc;

	db_runset_free(rs);
	rs->lifetime_id = lifetime_id;
	rs->cut_seq = INT64_MIN;
	sqlite3_bind_int64(st, 1, lifetime_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_run *r = runs_append(rs);

		if (r == NULL) {
			sqlite3_reset(st);
			tsm_seterr(err, "out of memory");
			return TSM_ERR;
		}
		r->aid = sqlite3_column_int64(st, 0);
		r->first_seq = sqlite3_column_int64(st, 1);
		r->last_seq = sqlite3_column_int64(st, 2);
		r->allocated = sqlite3_column_int64(st, 3);
		r->in_use = sqlite3_column_int64(st, 4);
		r->chunk_items = sqlite3_column_int64(st, 5);
		r->hp_fails = sqlite3_column_int64(st, 6);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_sqlerr(NULL, sqlite3_db_handle(st), rc, "cannot read sample runs", err);
	/* was the dump before `seq` cut off? */
	st = w->st[DB_RUNW_PREV];
	sqlite3_bind_int64(st, 1, lifetime_id);
	sqlite3_bind_int64(st, 2, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int(st, 1) == 0)
		rs->cut_seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sqlerr(NULL, sqlite3_db_handle(st), rc, "cannot read snapshot", err);
	rs->loaded = 1;
	return TSM_OK;
}

tsm_status db_runs_trim(db_runw *w, db_runset *rs, int64_t seq, char *err)
{
	size_t i;
	int rc;

	for (i = 0; i < rs->n; i++) {
		db_run *r = &rs->v[i];
		sqlite3_stmt *st;

		if (r->last_seq < seq)
			continue;
		st = w->st[r->first_seq >= seq ? DB_RUNW_DEL : DB_RUNW_UPD];
		sqlite3_bind_int64(st, 1, r->aid);
		sqlite3_bind_int64(st, 2, rs->lifetime_id);
		sqlite3_bind_int64(st, 3, r->first_seq);
		if (r->first_seq < seq)
			sqlite3_bind_int64(st, 4, seq - 1);
		rc = step_reset(st);
		if (rc != SQLITE_OK)
			return db_sqlerr(NULL, sqlite3_db_handle(st), rc, "cannot trim sample runs", err);
		if (r->first_seq >= seq) {
			/* gone: the next row of this allocator starts a new run */
			r->last_seq = INT64_MIN;
			r->first_seq = INT64_MIN;
		} else {
			r->last_seq = seq - 1;
		}
		r->dirty = 0;
	}
	return TSM_OK;
}

/* The open run of allocator aid, trying the run row index ri used in the
 * previous dump first.  NULL when the lifetime has none. */
static db_run *runs_find(db_runset *rs, size_t ri, int64_t aid)
{
	size_t i;

	if (ri < rs->nhint && rs->hint[ri] < rs->n && rs->v[rs->hint[ri]].aid == aid)
		return &rs->v[rs->hint[ri]];
	for (i = 0; i < rs->n; i++)
		if (rs->v[i].aid == aid)
			goto found;
	return NULL;
found:
	if (ri >= rs->nhint) {
		size_t nn = ri + 64, j;
		uint32_t *h = realloc(rs->hint, nn * sizeof *h);

		if (h == NULL)
			return &rs->v[i];
		for (j = rs->nhint; j < nn; j++)
			h[j] = UINT32_MAX;
		rs->hint = h;
		rs->nhint = nn;
	}
	rs->hint[ri] = (uint32_t)i;
	return &rs->v[i];
}

int db_runs_put(db_runw *w, db_runset *rs, size_t ri, const db_run *row, int cut, int *dup)
{
	db_run *r = runs_find(rs, ri, row->aid);
	sqlite3_stmt *st;
	int rc;

	*dup = 0;
	if (r != NULL && r->last_seq == row->first_seq) {
		*dup = 1; /* the allocator appears twice in this dump */
		return SQLITE_OK;
	}
	if (r != NULL && !cut && rs->cut_seq != row->first_seq - 1 && r->last_seq == row->first_seq - 1 &&
	    r->allocated == row->allocated && r->in_use == row->in_use && r->chunk_items == row->chunk_items &&
	    r->hp_fails == row->hp_fails) {
		r->last_seq = row->first_seq;
		if (!r->dirty) {
			r->dirty = 1;
			rs->ndirty++;
		}
		return SQLITE_OK;
	}
	st = w->st[DB_RUNW_INS];
	sqlite3_bind_int64(st, 1, row->aid);
	sqlite3_bind_int64(st, 2, rs->lifetime_id);
	sqlite3_bind_int64(st, 3, row->first_seq);
	sqlite3_bind_int64(st, 4, row->allocated);
	sqlite3_bind_int64(st, 5, row->in_use);
	bind_opt(st, 6, row->chunk_items);
	bind_opt(st, 7, row->hp_fails);
	rc = step_reset(st);
	if (rc != SQLITE_OK)
		return rc;
	if (r == NULL) {
		r = runs_append(rs);
		if (r == NULL)
			return SQLITE_NOMEM;
		*r = *row;
		r->last_seq = row->first_seq;
		(void)runs_find(rs, ri, row->aid); /* remember the slot */
		return SQLITE_OK;
	}
	if (r->dirty) {
		/* the run it ends still needs its last_seq written */
		st = w->st[DB_RUNW_UPD];
		sqlite3_bind_int64(st, 1, r->aid);
		sqlite3_bind_int64(st, 2, rs->lifetime_id);
		sqlite3_bind_int64(st, 3, r->first_seq);
		sqlite3_bind_int64(st, 4, r->last_seq);
		rc = step_reset(st);
		if (rc != SQLITE_OK)
			return rc;
		rs->ndirty--;
	}
	*r = *row;
	r->last_seq = row->first_seq;
	r->dirty = 0;
	return SQLITE_OK;
}

void db_runs_note_dump(db_runset *rs, int64_t seq, int complete)
{
	if (!complete)
		rs->cut_seq = seq;
}

int db_runs_flush(db_runw *w, db_runset *rs)
{
	sqlite3_stmt *st = w->st[DB_RUNW_UPD];
	size_t i;
	int rc;

	if (rs->ndirty == 0)
		return SQLITE_OK;
	for (i = 0; i < rs->n; i++) {
		db_run *r = &rs->v[i];

		if (!r->dirty)
			continue;
		sqlite3_bind_int64(st, 1, r->aid);
		sqlite3_bind_int64(st, 2, rs->lifetime_id);
		sqlite3_bind_int64(st, 3, r->first_seq);
		sqlite3_bind_int64(st, 4, r->last_seq);
		rc = step_reset(st);
		if (rc != SQLITE_OK)
			return rc;
		r->dirty = 0;
	}
	rs->ndirty = 0;
	return SQLITE_OK;
}
