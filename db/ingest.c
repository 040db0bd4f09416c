/* ingest.c — store parsed dumps: source and lifetime rows, snapshots,
 * samples as runs of unchanged rows (runs.c), resource/SSL rows,
 * diagnostics, time anchors; batch transactions that also advance
 * source.bytes_read (so a crash leaves a consistent database and a re-run
 * completes it exactly); snapshot times from timeline_assign() at the end.
 *
 * The per-row path compares the row with its allocator's open run and
 * costs SQL only when the value changed, with allocator ids from an
 * in-memory hash (alloc_cache.c): no SELECT and no allocation per row.
 * Receives parser_* records from cli/; never parses, prints or exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

/* Dumps per transaction.  A commit in WAL mode is cheap, but each one may
 * run a checkpoint (fsync); a bulk ingest therefore commits every few
 * thousand dumps and lets the WAL grow (BULK_WAL_PAGES) until the end. */
#define DEFAULT_BATCH 4000
#define BULK_WAL_PAGES 65536

/* What this run knows of one lifetime of the stream (by parser index). */
typedef struct lt_state {
	int64_t id;          /* lifetime.id, 0 = not looked up yet */
	int64_t next_seq;    /* snapshot.seq of the next dump */
	int64_t first_snap, last_snap;
	const char *format;  /* first non-baseline format, or NULL */
	parser_mode mode;
	int dirty;           /* first/last/mode/format to write at commit */
	db_runset rs;        /* open sample runs (runs.c), loaded on first rows */
} lt_state;

enum {
	ST_SNAP_INS, ST_LT_FIND, ST_LT_LINK, ST_SNAP_LT, ST_LT_INS, ST_LT_UPD, ST_LA_INS, ST_RES_INS, ST_SSL_INS, ST_DIAG_INS, ST_ANCHOR_INS,
	ST_SOURCE_UPD, ST_SNAP_FIND, ST_SNAP_UPD, ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_SNAP_INS] = "INSERT INTO snapshot(lifetime_id, seq, kind, line, byte_offset, complete,"
	                " total_allocated, total_in_use, source_id, stream_seq, end_offset, format, has_total)"
	                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[ST_LT_FIND] = "SELECT id, first_snapshot_id, format,"
	               " coalesce((SELECT max(seq) + 1 FROM snapshot WHERE lifetime_id = lifetime.id), 0)"
	               " FROM lifetime WHERE id = coalesce("
	               "(SELECT lifetime_id FROM lifetime_link WHERE source_id = ?1 AND seq = ?2),"
	               " (SELECT id FROM lifetime WHERE source_id = ?1 AND seq = ?2))",
	[ST_LT_LINK] = "INSERT OR IGNORE INTO lifetime_link(source_id, seq, lifetime_id) VALUES (?1, ?2, ?3)",
	[ST_SNAP_LT] = "SELECT lifetime_id FROM snapshot WHERE source_id = ?1 AND byte_offset = ?2",
	[ST_LT_INS] = "INSERT INTO lifetime(source_id, host, seq, format, mode, start_reason)"
	              " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_LT_UPD] = "UPDATE lifetime SET first_snapshot_id = coalesce(first_snapshot_id, ?2),"
	              " last_snapshot_id = ?3, mode = ?4,"
	              " format = CASE WHEN format IS NULL OR format = 'baseline' THEN coalesce(?5, format)"
	              " ELSE format END WHERE id = ?1",
	[ST_LA_INS] = "INSERT OR IGNORE INTO lifetime_allocator(lifetime_id, allocator_id, first_snapshot_id, pos)"
	              " VALUES (?1, ?2, ?3, ?4)",
	[ST_RES_INS] = "INSERT OR IGNORE INTO resource_sample(snapshot_id, location, allocs, frees, in_use,"
	               " avg_size, is_total, source_id, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_SSL_INS] = "INSERT OR IGNORE INTO ssl_sample(snapshot_id, total_allocated, total_freed,"
	               " currently_allocated, source_id, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_DIAG_INS] = "INSERT OR IGNORE INTO diagnostic(source_id, line, severity, code, message, byte_offset)"
	                " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_ANCHOR_INS] = "INSERT OR IGNORE INTO anchor(source_id, line, byte_offset, dumps_before, month, day,"
	                  " hour, minute, second, msec) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_SOURCE_UPD] = "UPDATE source SET bytes_read = max(bytes_read, ?2), path = ?3,"
	                  " ingested_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
	[ST_SNAP_FIND] = "SELECT id, lifetime_id, seq FROM snapshot WHERE source_id = ?1 AND byte_offset = ?2",
	[ST_SNAP_UPD] = "UPDATE snapshot SET kind = ?2, line = ?3, complete = ?4, total_allocated = ?5,"
	                " total_in_use = ?6, end_offset = ?7, format = ?8, has_total = ?9,"
	                " ts = NULL, ts_quality = 'unknown' WHERE id = ?1",
};

struct db_ingest {
	db *d;
	sqlite3 *h;
	sqlite3_stmt *st[ST_COUNT];
	db_runw rw;                /* the sample run writer (runs.c) */
	char *host, *path;
	int64_t source_id;
	uint64_t committed;        /* source.bytes_read when the run began */
	uint64_t stored_end;       /* end_offset of the last dump stored by this run */
	int64_t committed_last_seq;/* stream seq of the last stored dump before the run, -1 none */
	int64_t committed_last_snap;
	int batch, each;
	double retain_s;           /* db_ingest_opts.retain_s */
	int since_retain;          /* dumps committed since the last retention pass */
	int pending;               /* dumps in the open transaction */
	int in_txn, failed, finished;
	/* resource rows attach to the dump they follow */
	int have_dump;
	uint64_t last_dump_seq;
	int64_t last_dump_snap;    /* 0 = unknown, -1 = stored by an earlier run: skip */
	db_alloc_cache ac;         /* allocator ids (alloc_cache.c) */
	/* lifetimes by parser index */
	lt_state *lts;
	size_t nlts;
	/* row layout of the previous stored dump, to notice a new one */
	int64_t layout[PARSER_MAX_ROWS];
	size_t nlayout;
	int64_t layout_lifetime;
	/* chaining files of one stream (db_ingest_opts.continue_*) */
	int64_t cont_id;
	uint64_t cont_index;
	/* the lifetime of the last dump seen (stored or skipped) */
	int last_known;
	uint64_t last_index;
	int64_t last_id;           /* 0 = resolve from last_offset */
	uint64_t last_offset;
	db_ingest_stats stats;
};

static tsm_status fail(db_ingest *in, int rc, const char *what, char *err)
{
	in->failed = 1;
	return db_sqlerr(in->d, in->h, rc, what, err);
}

/* SQLite stores signed 64-bit integers; counters never get near 2^63. */
static sqlite3_int64 i64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
}

/* Step a statement that returns no row, then reset it. */
static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static tsm_status ensure_txn(db_ingest *in, char *err)
{
	int rc;

	if (in->failed) {
		tsm_seterr(err, "ingest stopped after an earlier error");
		return TSM_ERR;
	}
	if (in->in_txn)
		return TSM_OK;
	rc = sqlite3_exec(in->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fail(in, rc, "cannot start a transaction", err);
	in->in_txn = 1;
	return TSM_OK;
}

static void rollback(db_ingest *in)
{
	if (!sqlite3_get_autocommit(in->h))
		sqlite3_exec(in->h, "ROLLBACK", NULL, NULL, NULL);
	in->in_txn = 0;
}

/* Write the lifetime rows touched since the last commit. */
static tsm_status flush_lifetimes(db_ingest *in, char *err)
{
	sqlite3_stmt *st = in->st[ST_LT_UPD];
	size_t i;
	int rc;

	for (i = 0; i < in->nlts; i++) {
		lt_state *lt = &in->lts[i];

		rc = db_runs_flush(&in->rw, &lt->rs);
		if (rc != SQLITE_OK)
			return fail(in, rc, "cannot update sample runs", err);
		if (!lt->dirty)
			continue;
		sqlite3_bind_int64(st, 1, lt->id);
		sqlite3_bind_int64(st, 2, lt->first_snap);
		sqlite3_bind_int64(st, 3, lt->last_snap);
		sqlite3_bind_text(st, 4, parser_mode_name(lt->mode), -1, SQLITE_STATIC);
		if (lt->format != NULL)
			sqlite3_bind_text(st, 5, lt->format, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 5);
		rc = run(st);
		if (rc != SQLITE_OK)
			return fail(in, rc, "cannot update lifetime", err);
		lt->dirty = 0;
	}
	return TSM_OK;
}

/* A retention pass (retain.c), in transactions of its own. */
static tsm_status retain(db_ingest *in, char *err)
{
	db_retain_stats rs;

	in->since_retain = 0;
	if (db_retain(in->d, in->host, in->retain_s, 0, &rs, err) != TSM_OK) {
		in->failed = 1;
		return TSM_ERR;
	}
	in->stats.removed_dumps += rs.dumps;
	return TSM_OK;
}

/* Commit the open transaction with source.bytes_read in it. */
static tsm_status commit_txn(db_ingest *in, char *err)
{
	sqlite3_stmt *st = in->st[ST_SOURCE_UPD];
	int rc;

	if (in->failed) {
		tsm_seterr(err, "ingest stopped after an earlier error");
		return TSM_ERR;
	}
	if (!in->in_txn)
		return TSM_OK;
	if (flush_lifetimes(in, err) != TSM_OK)
		goto bad;
	sqlite3_bind_int64(st, 1, in->source_id);
	sqlite3_bind_int64(st, 2, i64(in->stored_end));
	sqlite3_bind_text(st, 3, in->path, -1, SQLITE_STATIC);
	rc = run(st);
	if (rc != SQLITE_OK) {
		fail(in, rc, "cannot update source", err);
		goto bad;
	}
	rc = sqlite3_exec(in->h, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		fail(in, rc, "cannot commit", err);
		goto bad;
	}
	in->in_txn = 0;
	in->since_retain += in->pending;
	in->pending = 0;
	/* a bulk ingest's new dumps get their times at the end: its pass is
	 * in db_ingest_finish */
	if (in->retain_s > 0 && in->each && in->since_retain >= DB_RETAIN_EVERY)
		return retain(in, err);
	return TSM_OK;
bad:
	rollback(in);
	return TSM_ERR;
}

/* ---- begin ---------------------------------------------------------------- */

static tsm_status find_source(db_ingest *in, const db_ingest_opts *o, char *err)
{
	sqlite3_stmt *st = NULL;
	tsm_status ret = TSM_ERR;
	int rc;

	if (db_prepare(in->d, "SELECT id, bytes_read FROM source WHERE host = ?1 AND identity = ?2", &st,
	               err) != TSM_OK)
		goto out;
	sqlite3_bind_text(st, 1, o->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->identity, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		in->source_id = sqlite3_column_int64(st, 0);
		in->committed = (uint64_t)sqlite3_column_int64(st, 1);
	} else if (rc != SQLITE_DONE) {
		db_sqlerr(in->d, in->h, rc, "cannot read source", err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (in->source_id == 0) {
		if (db_prepare(in->d, "INSERT INTO source(host, path, identity, bytes_read, ingested_at)"
		                      " VALUES (?1, ?2, ?3, 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
		                      " ON CONFLICT (host, identity) DO NOTHING", &st, err) != TSM_OK)
			goto out;
		sqlite3_bind_text(st, 1, o->host, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, in->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, o->identity, -1, SQLITE_STATIC);
		rc = run(st);
		if (rc != SQLITE_OK) {
			db_sqlerr(in->d, in->h, rc, "cannot insert source", err);
			goto out;
		}
		if (sqlite3_changes(in->h) == 0) {
			/* another process created it meanwhile: start over */
			sqlite3_finalize(st);
			st = NULL;
			ret = find_source(in, o, err);
			goto out;
		}
		in->source_id = sqlite3_last_insert_rowid(in->h);
	}
	/* the last dump an earlier run stored: resource rows after it may be new */
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(in->d, "SELECT id, stream_seq FROM snapshot WHERE source_id = ?1"
	                      " ORDER BY byte_offset DESC LIMIT 1", &st, err) != TSM_OK)
		goto out;
	sqlite3_bind_int64(st, 1, in->source_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		in->committed_last_snap = sqlite3_column_int64(st, 0);
		in->committed_last_seq = sqlite3_column_int64(st, 1);
	} else if (rc != SQLITE_DONE) {
		db_sqlerr(in->d, in->h, rc, "cannot read snapshot", err);
		goto out;
	}
	ret = TSM_OK;
out:
	sqlite3_finalize(st);
	return ret;
}

db_ingest *db_ingest_begin(db *d, const db_ingest_opts *o, char *err)
{
	db_ingest *in = NULL;
	int i;

	if (d == NULL || o == NULL || o->host == NULL || *o->host == '\0' || o->identity == NULL) {
		tsm_seterr(err, "ingest needs a database, a host and an identity");
		return NULL;
	}
	if (d->readonly) {
		tsm_seterr(err, "cannot ingest into a read-only database handle");
		return NULL;
	}
	in = calloc(1, sizeof *in);
	if (in == NULL)
		goto nomem;
	in->d = d;
	in->h = d->h;
	in->batch = o->batch_dumps > 0 ? o->batch_dumps : DEFAULT_BATCH;
	in->each = o->commit_each_dump;
	in->retain_s = o->retain_s;
	in->cont_id = o->continue_lifetime_id;
	in->cont_index = o->continue_lifetime_index;
	in->committed_last_seq = -1;
	in->layout_lifetime = -1;
	in->host = strdup(o->host);
	in->path = strdup(o->path != NULL ? o->path : "-");
	if (in->host == NULL || in->path == NULL)
		goto nomem;
	for (i = 0; i < ST_COUNT; i++)
		if (db_prepare(d, stmt_sql[i], &in->st[i], err) != TSM_OK)
			goto fail;
	if (db_runs_prepare(d, &in->rw, err) != TSM_OK || db_alloc_cache_init(d, &in->ac, err) != TSM_OK)
		goto fail;
	if (find_source(in, o, err) != TSM_OK)
		goto fail;
	in->stored_end = in->committed;
	if (!in->each)
		(void)db_exec(d, "PRAGMA wal_autocheckpoint = 65536", "wal", NULL); /* BULK_WAL_PAGES */
	return in;
nomem:
	tsm_seterr(err, "out of memory");
fail:
	db_ingest_free(in);
	return NULL;
}

/* ---- dumps ----------------------------------------------------------------- */

/* The lifetime state for this dump, creating or finding its row. */
static tsm_status lifetime_for(db_ingest *in, const parser_dump *dp, lt_state **out, char *err)
{
	sqlite3_stmt *st;
	lt_state *lt;
	int rc;

	if (dp->lifetime >= in->nlts) {
		size_t n = in->nlts ? in->nlts : 8;
		lt_state *v;

		while (n <= dp->lifetime)
			n *= 2;
		v = realloc(in->lts, n * sizeof *v);
		if (v == NULL) {
			in->failed = 1;
			tsm_seterr(err, "out of memory");
			return TSM_ERR;
		}
		memset(v + in->nlts, 0, (n - in->nlts) * sizeof *v);
		in->lts = v;
		in->nlts = n;
	}
	lt = &in->lts[dp->lifetime];
	*out = lt;
	if (lt->id != 0)
		return TSM_OK;
	/* not seen in this run: it may continue a lifetime stored earlier */
	if (!dp->new_lifetime && in->cont_id != 0 && dp->lifetime == in->cont_index) {
		/* the previous file of this stream ended inside this lifetime */
		st = in->st[ST_LT_LINK];
		sqlite3_bind_int64(st, 1, in->source_id);
		sqlite3_bind_int64(st, 2, i64(dp->lifetime));
		sqlite3_bind_int64(st, 3, in->cont_id);
		rc = run(st);
		if (rc != SQLITE_OK)
			return fail(in, rc, "cannot link lifetime", err);
	}
	st = in->st[ST_LT_FIND];
	sqlite3_bind_int64(st, 1, in->source_id);
	sqlite3_bind_int64(st, 2, i64(dp->lifetime));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		lt->id = sqlite3_column_int64(st, 0);
		lt->first_snap = sqlite3_column_int64(st, 1);
		lt->next_seq = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(in, rc, "cannot read lifetime", err);
	if (rc == SQLITE_ROW)
		return TSM_OK;
	st = in->st[ST_LT_INS];
	sqlite3_bind_int64(st, 1, in->source_id);
	sqlite3_bind_text(st, 2, in->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, i64(dp->lifetime));
	sqlite3_bind_text(st, 4, parser_format_name(dp->format), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, parser_mode_name(dp->mode), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, dp->new_lifetime && dp->start_reason != NULL ? dp->start_reason : "unknown", -1,
	                  SQLITE_TRANSIENT);
	rc = run(st);
	if (rc != SQLITE_OK)
		return fail(in, rc, "cannot insert lifetime", err);
	lt->id = sqlite3_last_insert_rowid(in->h);
	in->stats.lifetimes++;
	return TSM_OK;
}

static tsm_status add_diag(db_ingest *in, uint64_t line, uint64_t off, const char *sev, const char *code,
                           const char *msg, char *err)
{
	sqlite3_stmt *st = in->st[ST_DIAG_INS];
	int rc;

	sqlite3_bind_int64(st, 1, in->source_id);
	sqlite3_bind_int64(st, 2, i64(line));
	sqlite3_bind_text(st, 3, sev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, code != NULL ? code : "unknown", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, msg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, i64(off));
	rc = run(st);
	if (rc != SQLITE_OK)
		return fail(in, rc, "cannot insert diagnostic", err);
	if (sqlite3_changes(in->h) > 0)
		in->stats.diagnostics++;
	return TSM_OK;
}

/* A dump that an earlier run stored while it was still open at the end of
 * the file has grown: reuse its snapshot row (put_rows drops its old
 * samples from the runs). */
static tsm_status reopen_snapshot(db_ingest *in, const parser_dump *dp, int64_t *snap, int64_t *seq,
                                  int64_t *lifetime_id, char *err)
{
	sqlite3_stmt *st = in->st[ST_SNAP_FIND];
	int rc;

	*snap = 0;
	sqlite3_bind_int64(st, 1, in->source_id);
	sqlite3_bind_int64(st, 2, i64(dp->byte_offset));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*snap = sqlite3_column_int64(st, 0);
		*lifetime_id = sqlite3_column_int64(st, 1);
		*seq = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(in, rc, "cannot read snapshot", err);
	return TSM_OK;
}

/* The totals of a dump: its TOTAL line, else the sum of its stored rows
 * (F1 prints none).  Returns 0 when there is nothing to total (a baseline
 * table without absolute values). */
static int dump_totals(const parser_dump *dp, uint64_t *alloc, uint64_t *used)
{
	size_t i, n = 0;

	*alloc = *used = 0;
	if (dp->has_total) {
		*alloc = dp->total_allocated;
		*used = dp->total_in_use;
		return 1;
	}
	for (i = 0; i < dp->nrows; i++) {
		if (dp->format == PARSER_FMT_BASELINE && !dp->rows[i].abs_known)
			continue;
		*alloc += dp->rows[i].allocated;
		*used += dp->rows[i].in_use;
		n++;
	}
	return n > 0;
}

/* Insert (or, for a reopened dump, update) the snapshot row. */
static tsm_status put_snapshot(db_ingest *in, const parser_dump *dp, int64_t lifetime_id, int64_t seq,
                               int64_t reuse, int64_t *snap, char *err)
{
	sqlite3_stmt *st = in->st[reuse ? ST_SNAP_UPD : ST_SNAP_INS];
	uint64_t ta, tu;
	int has = dump_totals(dp, &ta, &tu), rc;

	if (reuse) {
		sqlite3_bind_int64(st, 1, reuse);
		sqlite3_bind_text(st, 2, parser_kind_name(dp->kind), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, i64(dp->line));
		sqlite3_bind_int(st, 4, dp->complete != 0);
		if (has) {
			sqlite3_bind_int64(st, 5, i64(ta));
			sqlite3_bind_int64(st, 6, i64(tu));
		} else {
			sqlite3_bind_null(st, 5);
			sqlite3_bind_null(st, 6);
		}
		sqlite3_bind_int64(st, 7, i64(dp->end_offset));
		sqlite3_bind_text(st, 8, parser_format_name(dp->format), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 9, dp->has_total != 0);
	} else {
		sqlite3_bind_int64(st, 1, lifetime_id);
		sqlite3_bind_int64(st, 2, seq);
		sqlite3_bind_text(st, 3, parser_kind_name(dp->kind), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, i64(dp->line));
		sqlite3_bind_int64(st, 5, i64(dp->byte_offset));
		sqlite3_bind_int(st, 6, dp->complete != 0);
		if (has) {
			sqlite3_bind_int64(st, 7, i64(ta));
			sqlite3_bind_int64(st, 8, i64(tu));
		} else {
			sqlite3_bind_null(st, 7);
			sqlite3_bind_null(st, 8);
		}
		sqlite3_bind_int64(st, 9, in->source_id);
		sqlite3_bind_int64(st, 10, i64(dp->seq));
		sqlite3_bind_int64(st, 11, i64(dp->end_offset));
		sqlite3_bind_text(st, 12, parser_format_name(dp->format), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 13, dp->has_total != 0);
	}
	rc = run(st);
	if (rc != SQLITE_OK)
		return fail(in, rc, "cannot insert snapshot", err);
	*snap = reuse ? reuse : sqlite3_last_insert_rowid(in->h);
	return TSM_OK;
}

/* Record the allocators of a new row layout in lifetime_allocator. */
static tsm_status note_layout(db_ingest *in, int64_t lifetime_id, int64_t snap, char *err)
{
	sqlite3_stmt *st = in->st[ST_LA_INS];
	size_t i;
	int rc;

	sqlite3_bind_int64(st, 1, lifetime_id);
	sqlite3_bind_int64(st, 3, snap);
	for (i = 0; i < in->nlayout; i++) {
		sqlite3_bind_int64(st, 2, in->layout[i]);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)i);
		rc = run(st);
		if (rc != SQLITE_OK)
			return fail(in, rc, "cannot insert lifetime allocator", err);
	}
	return TSM_OK;
}

/* The samples of one dump (at seq of its lifetime; reuse = a grown
 * cut-off dump stored again): the hot path.  An unchanged row only
 * extends its run in memory (runs.c). */
static tsm_status put_rows(db_ingest *in, const parser_dump *dp, lt_state *lt, int64_t snap, int64_t lifetime_id,
                           int64_t seq, int reuse, char *err)
{
	db_runset *rs = &lt->rs;
	size_t i, k = 0;
	int changed = lifetime_id != in->layout_lifetime, dup;
	db_run row;
	int rc;

	if (!rs->loaded || rs->lifetime_id != lifetime_id) {
		if (db_runs_load(&in->rw, rs, lifetime_id, seq, err) != TSM_OK) {
			in->failed = 1;
			return TSM_ERR;
		}
	}
	if (reuse && db_runs_trim(&in->rw, rs, seq, err) != TSM_OK) {
		in->failed = 1;
		return TSM_ERR;
	}
	memset(&row, 0, sizeof row);
	row.first_seq = seq;
	for (i = 0; i < dp->nrows; i++) {
		const parser_row *r = &dp->rows[i];

		/* A baseline-relative row whose absolute values are unknown has
		 * nothing to store: the snapshot row is kept, the sample is not. */
		if (dp->format == PARSER_FMT_BASELINE && !r->abs_known)
			continue;
		if (db_alloc_id(&in->ac, r, i, &row.aid, err) != TSM_OK) {
			in->failed = 1;
			return TSM_ERR;
		}
		row.allocated = i64(r->allocated);
		row.in_use = i64(r->in_use);
		row.chunk_items = r->chunk_items != 0 ? (int64_t)r->chunk_items : -1;
		row.hp_fails = r->has_counts ? (int64_t)r->hp_fails : -1;
		rc = db_runs_put(&in->rw, rs, i, &row, !dp->complete, &dup);
		if (rc != SQLITE_OK)
			return fail(in, rc, "cannot insert sample", err);
		if (dup) {
			char msg[TSM_MSGLEN];

			snprintf(msg, sizeof msg, "allocator %s appears twice in the dump at line %llu; first row kept",
			         r->name, (unsigned long long)dp->line);
			if (add_diag(in, r->line, dp->byte_offset, "warning", "duplicate-row", msg, err) != TSM_OK)
				return TSM_ERR;
			continue;
		}
		if (k >= in->nlayout || in->layout[k] != row.aid) {
			changed = 1;
			in->layout[k] = row.aid;
		}
		k++;
	}
	db_runs_note_dump(rs, seq, dp->complete);
	in->stats.rows += k;
	if (k != in->nlayout)
		changed = 1;
	in->nlayout = k;
	in->layout_lifetime = lifetime_id;
	if (changed)
		return note_layout(in, lifetime_id, snap, err);
	return TSM_OK;
}

tsm_status db_ingest_dump(db_ingest *in, const parser_dump *dp, char *err)
{
	lt_state *lt = NULL;
	int64_t snap = 0, reuse = 0, seq = 0, lifetime_id = 0;

	if (in == NULL || dp == NULL) {
		tsm_seterr(err, "no ingest or dump");
		return TSM_ERR;
	}
	in->have_dump = 1;
	in->last_dump_seq = dp->seq;
	in->last_known = 1;
	in->last_index = dp->lifetime;
	if (dp->end_offset <= in->committed) {
		/* stored by an earlier run */
		in->last_id = 0;
		in->last_offset = dp->byte_offset;
		in->stats.skipped_dumps++;
		in->last_dump_snap = (int64_t)dp->seq == in->committed_last_seq ? in->committed_last_snap : -1;
		return TSM_OK;
	}
	if (ensure_txn(in, err) != TSM_OK)
		return TSM_ERR;
	if (dp->byte_offset < in->committed &&
	    reopen_snapshot(in, dp, &reuse, &seq, &lifetime_id, err) != TSM_OK)
		return TSM_ERR;
	if (lifetime_for(in, dp, &lt, err) != TSM_OK)
		return TSM_ERR;
	if (!reuse) {
		lifetime_id = lt->id;
		seq = lt->next_seq++;
	}
	if (put_snapshot(in, dp, lifetime_id, seq, reuse, &snap, err) != TSM_OK)
		return TSM_ERR;
	if (put_rows(in, dp, lt, snap, lifetime_id, seq, reuse != 0, err) != TSM_OK)
		return TSM_ERR;
	if (lt->first_snap == 0)
		lt->first_snap = snap;
	lt->last_snap = snap;
	lt->mode = dp->mode;
	if (dp->format != PARSER_FMT_BASELINE && dp->format != PARSER_FMT_NONE && lt->format == NULL)
		lt->format = parser_format_name(dp->format);
	lt->dirty = 1;
	in->last_dump_snap = snap;
	in->last_id = lifetime_id;
	in->stored_end = dp->end_offset;
	in->stats.dumps++;
	in->pending++;
	if (in->each || in->pending >= in->batch)
		return commit_txn(in, err);
	return TSM_OK;
}

/* ---- records between dumps ------------------------------------------------ */

tsm_status db_ingest_resource(db_ingest *in, const parser_resource *r, char *err)
{
	sqlite3_stmt *st;
	int64_t snap = 0;
	int rc;

	if (in == NULL || r == NULL) {
		tsm_seterr(err, "no ingest or resource row");
		return TSM_ERR;
	}
	if (in->have_dump && r->dump_seq == in->last_dump_seq)
		snap = in->last_dump_snap;
	/* Rows after a dump older than the last one stored earlier, or before
	 * any dump of a resumed stream, were committed with a later dump. */
	if (snap < 0 || (!in->have_dump && in->committed > 0))
		return TSM_OK;
	if (ensure_txn(in, err) != TSM_OK)
		return TSM_ERR;
	if (r->is_ssl) {
		st = in->st[ST_SSL_INS];
		sqlite3_bind_int64(st, 2, r->allocs);
		sqlite3_bind_int64(st, 3, r->frees);
		sqlite3_bind_int64(st, 4, r->in_use);
		sqlite3_bind_int64(st, 5, in->source_id);
		sqlite3_bind_int64(st, 6, i64(r->line));
	} else {
		st = in->st[ST_RES_INS];
		sqlite3_bind_text(st, 2, r->location, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, r->allocs);
		sqlite3_bind_int64(st, 4, r->frees);
		sqlite3_bind_int64(st, 5, r->in_use);
		sqlite3_bind_int64(st, 6, r->avg_size);
		sqlite3_bind_int(st, 7, r->is_total != 0);
		sqlite3_bind_int64(st, 8, in->source_id);
		sqlite3_bind_int64(st, 9, i64(r->line));
	}
	if (snap > 0)
		sqlite3_bind_int64(st, 1, snap);
	else
		sqlite3_bind_null(st, 1);
	rc = run(st);
	if (rc != SQLITE_OK)
		return fail(in, rc, "cannot insert resource row", err);
	return TSM_OK;
}

tsm_status db_ingest_anchor(db_ingest *in, const parser_anchor *a, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if (in == NULL || a == NULL) {
		tsm_seterr(err, "no ingest or anchor");
		return TSM_ERR;
	}
	if (a->byte_offset < in->committed)
		return TSM_OK;
	if (ensure_txn(in, err) != TSM_OK)
		return TSM_ERR;
	st = in->st[ST_ANCHOR_INS];
	sqlite3_bind_int64(st, 1, in->source_id);
	sqlite3_bind_int64(st, 2, i64(a->line));
	sqlite3_bind_int64(st, 3, i64(a->byte_offset));
	sqlite3_bind_int64(st, 4, i64(a->dumps_before));
	sqlite3_bind_int(st, 5, a->month);
	sqlite3_bind_int(st, 6, a->day);
	sqlite3_bind_int(st, 7, a->hour);
	sqlite3_bind_int(st, 8, a->minute);
	sqlite3_bind_int(st, 9, a->second);
	sqlite3_bind_int(st, 10, a->msec);
	rc = run(st);
	if (rc != SQLITE_OK)
		return fail(in, rc, "cannot insert anchor", err);
	return TSM_OK;
}

tsm_status db_ingest_diag(db_ingest *in, const tsm_diag *dg, char *err)
{
	if (in == NULL || dg == NULL) {
		tsm_seterr(err, "no ingest or diagnostic");
		return TSM_ERR;
	}
	if (dg->byte_offset < in->committed)
		return TSM_OK;
	if (ensure_txn(in, err) != TSM_OK)
		return TSM_ERR;
	return add_diag(in, dg->line, dg->byte_offset, tsm_severity_name(dg->severity), dg->code, dg->message,
	                err);
}

tsm_status db_ingest_commit(db_ingest *in, char *err)
{
	if (in == NULL) {
		tsm_seterr(err, "no ingest");
		return TSM_ERR;
	}
	return commit_txn(in, err);
}

tsm_status db_ingest_finish(db_ingest *in, const timeline_opts *topts, char *err)
{
	if (in == NULL) {
		tsm_seterr(err, "no ingest");
		return TSM_ERR;
	}
	if (commit_txn(in, err) != TSM_OK)
		return TSM_ERR;
	if (db_assign_times(in->d, in->source_id, topts, err) != TSM_OK) {
		in->failed = 1;
		return TSM_ERR;
	}
	/* the times just assigned may put dumps out of the window */
	if (in->retain_s > 0 && retain(in, err) != TSM_OK)
		return TSM_ERR;
	if (!in->each) {
		/* back to the default; fold the WAL into the database once */
		(void)db_exec(in->d, "PRAGMA wal_autocheckpoint = 1000", "wal", NULL);
		(void)sqlite3_wal_checkpoint_v2(in->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
	in->finished = 1;
	return TSM_OK;
}

tsm_status db_ingest_last_lifetime(db_ingest *in, int64_t *id, uint64_t *index, char *err)
{
	sqlite3_stmt *st;
	int rc;

	*id = 0;
	*index = 0;
	if (in == NULL || !in->last_known)
		return TSM_OK;
	*index = in->last_index;
	if (in->last_id != 0) {
		*id = in->last_id;
		return TSM_OK;
	}
	st = in->st[ST_SNAP_LT];
	sqlite3_bind_int64(st, 1, in->source_id);
	sqlite3_bind_int64(st, 2, i64(in->last_offset));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(in, rc, "cannot read lifetime", err);
	return TSM_OK;
}

const db_ingest_stats *db_ingest_get_stats(const db_ingest *in)
{
	return in != NULL ? &in->stats : NULL;
}

void db_ingest_free(db_ingest *in)
{
	size_t i;

	if (in == NULL)
		return;
	if (in->in_txn)
		rollback(in);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(in->st[i]);
	db_runs_finalize(&in->rw);
	for (i = 0; i < in->nlts; i++)
		db_runset_free(&in->lts[i].rs);
	db_alloc_cache_free(&in->ac);
	free(in->lts);
	free(in->host);
	free(in->path);
	free(in);
}
