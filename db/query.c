/* query.c — what the report reads and writes: hosts, lifetimes, the
 * allocators of a lifetime in dump order, one (lifetime, allocator) series
 * by the sample primary key, per-snapshot totals, verdict rows.
 *
 * Loaders fill caller-owned arrays; they compute no statistics (detect/)
 * and format nothing (report/).  Text from SQLite is copied before the
 * statement moves on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

/* Copy column text into a fixed buffer ("" for NULL). */
static void col_copy(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(dst, cap, "%s", s != NULL ? (const char *)s : "");
}

static double col_time(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* Bind a time bound (NaN = none) as NULL or a REAL. */
static void bind_bound(sqlite3_stmt *st, int i, const db_range *r, int upper)
{
	double v = r == NULL ? NAN : (upper ? r->until : r->since);

	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

/* Grow *p (elements of size sz) to hold at least `need`; 0 or -1. */
static int grow(void **p, size_t sz, size_t need)
{
	void *q = realloc(*p, need * sz);

	if (q == NULL)
		return -1;
	*p = q;
	return 0;
}

tsm_status db_list_hosts(db *d, char ***hosts, size_t *n, char *err)
{
	sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t k = 0, cap = 0;
	tsm_status ret = TSM_ERR;
	int rc;

	*hosts = NULL;
	*n = 0;
	if (db_prepare(d, "SELECT DISTINCT host FROM source ORDER BY host", &st, err) != TSM_OK)
		goto out;
	for (;;) {
		const unsigned char *s;

		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			if (grow((void **)&v, sizeof *v, cap) != 0)
				goto nomem;
		}
		s = sqlite3_column_text(st, 0);
		v[k] = strdup(s != NULL ? (const char *)s : "");
		if (v[k] == NULL)
			goto nomem;
		k++;
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "cannot list hosts", err);
		goto out;
	}
	*hosts = v;
	*n = k;
	v = NULL;
	k = 0;
	ret = TSM_OK;
	goto out;
nomem:
	tsm_seterr(err, "out of memory");
out:
	sqlite3_finalize(st);
	db_strings_free(v, k);
	return ret;
}

void db_strings_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const char *const quality_rank[] = {"exact_bracket", "propagated", "upper_bound", "relative", "unknown"};

tsm_status db_list_lifetimes(db *d, const char *host, db_lifetime **out, size_t *n, char *err)
{
	static const char sql[] =
		"SELECT l.id, l.source_id, l.seq, l.format, l.mode, l.start_reason,"
		" count(s.id), coalesce(sum(s.complete), 0), min(s.ts), max(s.ts),"
		" max(CASE s.ts_quality WHEN 'exact_bracket' THEN 0 WHEN 'propagated' THEN 1"
		"  WHEN 'upper_bound' THEN 2 WHEN 'relative' THEN 3 ELSE 4 END),"
		" coalesce(l.first_snapshot_id, 0), coalesce(l.last_snapshot_id, 0)"
		" FROM lifetime l LEFT JOIN snapshot s ON s.lifetime_id = l.id"
		" WHERE l.host = ?1 GROUP BY l.id"
		/* one source's lifetimes in stream order (a lifetime whose times
		 * are only relative has no place of its own on the clock);
		 * sources by the earliest absolute time they hold */
		" ORDER BY (SELECT min(s2.ts) FROM lifetime l2 JOIN snapshot s2 ON s2.lifetime_id = l2.id"
		"   WHERE l2.source_id = l.source_id AND s2.ts_quality NOT IN ('relative', 'unknown')) IS NULL,"
		" (SELECT min(s2.ts) FROM lifetime l2 JOIN snapshot s2 ON s2.lifetime_id = l2.id"
		"   WHERE l2.source_id = l.source_id AND s2.ts_quality NOT IN ('relative', 'unknown')),"
		" l.source_id, l.seq";
	sqlite3_stmt *st = NULL;
	db_lifetime *v = NULL;
	size_t k = 0, cap = 0;
	tsm_status ret = TSM_ERR;
	int rc;

	*out = NULL;
	*n = 0;
	if (db_prepare(d, sql, &st, err) != TSM_OK)
		goto out;
	sqlite3_bind_text(st, 1, host != NULL ? host : "", -1, SQLITE_STATIC);
	for (;;) {
		db_lifetime *l;
		int q;

		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			if (grow((void **)&v, sizeof *v, cap) != 0)
				goto nomem;
		}
		l = &v[k];
		memset(l, 0, sizeof *l);
		l->id = sqlite3_column_int64(st, 0);
		l->source_id = sqlite3_column_int64(st, 1);
		l->seq = sqlite3_column_int64(st, 2);
		l->index = (int64_t)k;
		col_copy(st, 3, l->format, sizeof l->format);
		col_copy(st, 4, l->mode, sizeof l->mode);
		col_copy(st, 5, l->start_reason, sizeof l->start_reason);
		l->dumps = sqlite3_column_int64(st, 6);
		l->complete_dumps = sqlite3_column_int64(st, 7);
		l->first_ts = col_time(st, 8);
		l->last_ts = col_time(st, 9);
		q = sqlite3_column_type(st, 10) == SQLITE_NULL ? 4 : sqlite3_column_int(st, 10);
		snprintf(l->ts_quality, sizeof l->ts_quality, "%s", quality_rank[q >= 0 && q <= 4 ? q : 4]);
		l->first_snapshot_id = sqlite3_column_int64(st, 11);
		l->last_snapshot_id = sqlite3_column_int64(st, 12);
		k++;
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "cannot list lifetimes", err);
		goto out;
	}
	*out = v;
	*n = k;
	v = NULL;
	ret = TSM_OK;
	goto out;
nomem:
	tsm_seterr(err, "out of memory");
out:
	sqlite3_finalize(st);
	free(v);
	return ret;
}

tsm_status db_list_allocators(db *d, int64_t lifetime_id, db_allocator **out, size_t *n, char *err)
{
	static const char sql[] =
		"SELECT a.id, a.name, coalesce(a.bucket, -1), a.grp, a.type_size"
		" FROM lifetime_allocator la JOIN allocator a ON a.id = la.allocator_id"
		" WHERE la.lifetime_id = ?1 ORDER BY la.first_snapshot_id, la.pos";
	sqlite3_stmt *st = NULL;
	db_allocator *v = NULL;
	size_t k = 0, cap = 0;
	tsm_status ret = TSM_ERR;
	int rc;

	*out = NULL;
	*n = 0;
	if (db_prepare(d, sql, &st, err) != TSM_OK)
		goto out;
	sqlite3_bind_int64(st, 1, lifetime_id);
	for (;;) {
		db_allocator *a;

		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			if (grow((void **)&v, sizeof *v, cap) != 0)
				goto nomem;
		}
		a = &v[k++];
		memset(a, 0, sizeof *a);
		a->id = sqlite3_column_int64(st, 0);
		col_copy(st, 1, a->name, sizeof a->name);
		a->bucket = sqlite3_column_int(st, 2);
		col_copy(st, 3, a->grp, sizeof a->grp);
		a->type_size = (uint32_t)sqlite3_column_int64(st, 4);
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "cannot list allocators", err);
		goto out;
	}
	*out = v;
	*n = k;
	v = NULL;
	ret = TSM_OK;
	goto out;
nomem:
	tsm_seterr(err, "out of memory");
out:
	sqlite3_finalize(st);
	free(v);
	return ret;
}

void db_snapcache_clear(db_snapcache *c)
{
	free(c->id);
	free(c->seq);
	free(c->t);
	free(c->complete);
	free(c->kind);
	memset(c, 0, sizeof *c);
}

/* Make d->snaps hold the snapshots of lifetime_id, reloading when the
 * lifetime differs or the database changed since it was loaded. */
static tsm_status load_snapshots(db *d, int64_t lifetime_id, char *err)
{
	db_snapcache *c = &d->snaps;
	sqlite3_stmt *st = NULL;
	int64_t dv = 0, changes = (int64_t)sqlite3_total_changes64(d->h);
	size_t cap = 0, k;
	tsm_status ret = TSM_ERR;
	int rc;

	if (db_prepare(d, "PRAGMA data_version", &st, err) != TSM_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW)
		dv = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (c->valid && c->lifetime_id == lifetime_id && c->data_version == dv && c->changes == changes)
		return TSM_OK;
	db_snapcache_clear(c);
	if (db_prepare(d, "SELECT id, seq, ts, complete, kind FROM snapshot WHERE lifetime_id = ?1 ORDER BY seq",
	               &st, err) != TSM_OK)
		goto out;
	sqlite3_bind_int64(st, 1, lifetime_id);
	for (;;) {
		const unsigned char *kind;

		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		k = c->n;
		if (k == cap) {
			cap = cap ? cap * 2 : 1024;
			if (grow((void **)&c->id, sizeof *c->id, cap) || grow((void **)&c->seq, sizeof *c->seq, cap) ||
			    grow((void **)&c->t, sizeof *c->t, cap) ||
			    grow((void **)&c->complete, sizeof *c->complete, cap) ||
			    grow((void **)&c->kind, sizeof *c->kind, cap))
				goto nomem;
		}
		c->id[k] = sqlite3_column_int64(st, 0);
		c->seq[k] = sqlite3_column_int64(st, 1);
		c->t[k] = col_time(st, 2);
		c->complete[k] = (unsigned char)(sqlite3_column_int(st, 3) != 0);
		kind = sqlite3_column_text(st, 4);
		c->kind[k] = (unsigned char)db_kind_from_str((const char *)kind);
		c->n = k + 1;
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "cannot read snapshots", err);
		goto out;
	}
	c->valid = 1;
	c->lifetime_id = lifetime_id;
	c->data_version = dv;
	c->changes = changes;
	ret = TSM_OK;
	goto out;
nomem:
	tsm_seterr(err, "out of memory");
out:
	sqlite3_finalize(st);
	if (ret != TSM_OK)
		db_snapcache_clear(c);
	return ret;
}

static int series_reserve(db_series *s, size_t need)
{
	if (grow((void **)&s->t, sizeof *s->t, need) || grow((void **)&s->seq, sizeof *s->seq, need) ||
	    grow((void **)&s->allocated, sizeof *s->allocated, need) ||
	    grow((void **)&s->in_use, sizeof *s->in_use, need) ||
	    grow((void **)&s->chunk_items, sizeof *s->chunk_items, need) ||
	    grow((void **)&s->complete, sizeof *s->complete, need) || grow((void **)&s->kind, sizeof *s->kind, need))
		return -1;
	return 0;
}

static int in_range(double t, const db_range *r)
{
	if (r == NULL || (isnan(r->since) && isnan(r->until)))
		return 1;
	if (isnan(t))
		return 0;
	return (isnan(r->since) || t >= r->since) && (isnan(r->until) || t <= r->until);
}

/* Append snapshot j of the cache with the values of the current row of st
 * (allocated, in_use, chunk_items in columns 2..4).  0 or -1 (memory). */
static int series_push(db_series *s, size_t *cap, const db_snapcache *c, size_t j, sqlite3_stmt *st)
{
	size_t k = s->n;

	if (k == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		if (series_reserve(s, *cap) != 0)
			return -1;
	}
	s->seq[k] = c->seq[j];
	s->t[k] = c->t[j];
	s->complete[k] = c->complete[j];
	s->kind[k] = c->kind[j];
	s->allocated[k] = sqlite3_column_int64(st, 2);
	s->in_use[k] = sqlite3_column_int64(st, 3);
	s->chunk_items[k] = sqlite3_column_int64(st, 4);
	s->n = k + 1;
	return 0;
}

tsm_status db_load_series(db *d, int64_t lifetime_id, int64_t allocator_id, const db_range *r, db_series *s,
                          char *err)
{
	/* One range of the sample_run primary key, in dump order; each run
	 * is expanded here over the per-lifetime snapshot cache (sorted by
	 * seq), not through the `sample` view. */
	static const char sql[] =
		"SELECT first_seq, last_seq, allocated, in_use, chunk_items FROM sample_run"
		" WHERE allocator_id = ?1 AND lifetime_id = ?2 ORDER BY first_seq";
	const db_snapcache *c = &d->snaps;
	sqlite3_stmt *st = NULL;
	size_t cap = 0, j = 0;
	tsm_status ret = TSM_ERR;
	int rc;

	memset(s, 0, sizeof *s);
	if (load_snapshots(d, lifetime_id, err) != TSM_OK)
		goto out;
	if (c->n == 0) {
		ret = TSM_OK;
		goto out;
	}
	if (db_prepare(d, sql, &st, err) != TSM_OK)
		goto out;
	sqlite3_bind_int64(st, 1, allocator_id);
	sqlite3_bind_int64(st, 2, lifetime_id);
	for (;;) {
		int64_t first, last;

		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		first = sqlite3_column_int64(st, 0);
		last = sqlite3_column_int64(st, 1);
		/* dumps removed by retention leave no snapshot: skipped here */
		while (j < c->n && c->seq[j] < first)
			j++;
		for (; j < c->n && c->seq[j] <= last; j++)
			if (in_range(c->t[j], r) && series_push(s, &cap, c, j, st) != 0)
				goto nomem;
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "cannot load series", err);
		goto out;
	}
	ret = TSM_OK;
	goto out;
nomem:
	tsm_seterr(err, "out of memory");
out:
	sqlite3_finalize(st);
	if (ret != TSM_OK)
		db_series_free(s);
	return ret;
}

void db_series_free(db_series *s)
{
	if (s == NULL)
		return;
	free(s->t);
	free(s->seq);
	free(s->allocated);
	free(s->in_use);
	free(s->chunk_items);
	free(s->complete);
	free(s->kind);
	memset(s, 0, sizeof *s);
}

tsm_status db_load_totals(db *d, int64_t lifetime_id, const db_range *r, db_totals *tot, char *err)
{
	static const char sql[] =
		"SELECT seq, ts, total_allocated, total_in_use FROM snapshot"
		" WHERE lifetime_id = ?1 AND complete = 1 AND total_allocated IS NOT NULL"
		"  AND (?2 IS NULL OR ts >= ?2) AND (?3 IS NULL OR ts <= ?3)"
		" ORDER BY seq";
	sqlite3_stmt *st = NULL;
	size_t cap = 0, k;
	tsm_status ret = TSM_ERR;
	int rc;

	memset(tot, 0, sizeof *tot);
	if (db_prepare(d, sql, &st, err) != TSM_OK)
		goto out;
	sqlite3_bind_int64(st, 1, lifetime_id);
	bind_bound(st, 2, r, 0);
	bind_bound(st, 3, r, 1);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		k = tot->n;
		if (k == cap) {
			cap = cap ? cap * 2 : 1024;
			if (grow((void **)&tot->t, sizeof *tot->t, cap) || grow((void **)&tot->seq, sizeof *tot->seq, cap) ||
			    grow((void **)&tot->allocated, sizeof *tot->allocated, cap) ||
			    grow((void **)&tot->in_use, sizeof *tot->in_use, cap))
				goto nomem;
		}
		tot->seq[k] = sqlite3_column_int64(st, 0);
		tot->t[k] = col_time(st, 1);
		tot->allocated[k] = sqlite3_column_int64(st, 2);
		tot->in_use[k] = sqlite3_column_int64(st, 3);
		tot->n = k + 1;
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "cannot load totals", err);
		goto out;
	}
	ret = TSM_OK;
	goto out;
nomem:
	tsm_seterr(err, "out of memory");
out:
	sqlite3_finalize(st);
	if (ret != TSM_OK)
		db_totals_free(tot);
	return ret;
}

void db_totals_free(db_totals *tot)
{
	if (tot == NULL)
		return;
	free(tot->t);
	free(tot->seq);
	free(tot->allocated);
	free(tot->in_use);
	memset(tot, 0, sizeof *tot);
}

/* ---- verdicts ---------------------------------------------------------- */

tsm_status db_begin_write(db *d, char *err)
{
	if (db_exec(d, "BEGIN IMMEDIATE", "cannot start a transaction", err) != TSM_OK)
		return TSM_ERR;
	d->in_write = 1;
	return TSM_OK;
}

tsm_status db_commit_write(db *d, char *err)
{
	if (db_exec(d, "COMMIT", "cannot commit", err) != TSM_OK) {
		db_rollback_write(d);
		return TSM_ERR;
	}
	d->in_write = 0;
	return TSM_OK;
}

void db_rollback_write(db *d)
{
	if (d == NULL)
		return;
	if (!sqlite3_get_autocommit(d->h))
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
	d->in_write = 0;
}

tsm_status db_write_verdict(db *d, int64_t lifetime_id, int64_t allocator_id, const char *verdict,
                            double confidence, const char *evidence_json, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if (d->st_verdict == NULL &&
	    db_prepare(d, "INSERT OR REPLACE INTO verdict(lifetime_id, allocator_id, verdict, confidence,"
	                  " evidence_json, computed_at)"
	                  " VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
	               &d->st_verdict, err) != TSM_OK)
		return TSM_ERR;
	st = d->st_verdict;
	sqlite3_bind_int64(st, 1, lifetime_id);
	sqlite3_bind_int64(st, 2, allocator_id);
	sqlite3_bind_text(st, 3, verdict != NULL ? verdict : "", -1, SQLITE_STATIC);
	if (isnan(confidence))
		sqlite3_bind_null(st, 4);
	else
		sqlite3_bind_double(st, 4, confidence);
	if (evidence_json != NULL)
		sqlite3_bind_text(st, 5, evidence_json, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return db_sqlerr(d, d->h, rc, "cannot write verdict", err);
	return TSM_OK;
}

tsm_status db_count_diagnostics(db *d, const char *host, uint64_t *warnings, uint64_t *errors, char *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*warnings = *errors = 0;
	if (db_prepare(d, "SELECT d.severity, count(*) FROM diagnostic d JOIN source s ON s.id = d.source_id"
	                  " WHERE ?1 IS NULL OR s.host = ?1 GROUP BY d.severity", &st, err) != TSM_OK)
		return TSM_ERR;
	if (host != NULL)
		sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sev = (const char *)sqlite3_column_text(st, 0);
		uint64_t n = (uint64_t)sqlite3_column_int64(st, 1);

		if (sev != NULL && strcmp(sev, "warning") == 0)
			*warnings += n;
		else if (sev != NULL && strcmp(sev, "error") == 0)
			*errors += n;
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "cannot count diagnostics", err);
		sqlite3_finalize(st);
		return TSM_ERR;
	}
	sqlite3_finalize(st);
	return TSM_OK;
}
