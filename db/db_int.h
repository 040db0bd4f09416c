/* db_int.h — internals shared by the files of db/ only (never included
 * outside db/).
 *
 * schema.c owns the handle (struct db) and the schema; ingest.c the write
 * path; query.c the report loaders and verdicts; exec.c ad-hoc SQL.  The
 * name tables below are the strings the database stores; they do not
 * depend on parser/ code so db/ links without it.
 */
#ifndef DB_INT_H
#define DB_INT_H

#include "db.h"

/* The snapshots of one lifetime in id order, kept between series loads
 * so each series reads only its own sample rows (query.c). */
typedef struct db_snapcache {
	int valid;
	int64_t lifetime_id;
	int64_t data_version;       /* PRAGMA data_version: other connections' commits */
	int64_t changes;            /* sqlite3_total_changes64: this connection's */
	size_t n;
	int64_t *id, *seq;
	double *t;
	unsigned char *complete, *kind;
} db_snapcache;

struct db {
	sqlite3 *h;
	int readonly;
	int busy_ms;
	int in_write;               /* db_begin_write open */
	sqlite3_stmt *st_verdict;   /* prepared on first db_write_verdict */
	db_snapcache snaps;
	char *path;                 /* as given to db_open */
	int snapshot;               /* reader on an immutable snapshot (schema.c) */
	long long snap_size, snap_mtime_ns; /* the file when the snapshot was opened */
};

/* ---- allocator ids (alloc_cache.c) --------------------------------------- */

/* One allocator id cached by (name, type_size). */
typedef struct alloc_slot {
	char *name;          /* owned; NULL = empty slot */
	uint32_t type_size;
	uint32_t hash;
	int64_t id;
} alloc_slot;

typedef struct db_alloc_cache {
	sqlite3_stmt *st_find, *st_ins;
	alloc_slot *slots;
	size_t nslots, nused;
	/* the slot found for each row index of the earlier dumps: a dump
	 * usually lists the rows of the one before in the same order, so the
	 * slot is checked first (name and type size compared, no hash) */
	uint32_t row_slot[PARSER_MAX_ROWS];
	size_t nrow_slot;          /* entries set so far */
} db_alloc_cache;

/* Prepare the cache's statements.  Returns TSM_OK or TSM_ERR. */
tsm_status db_alloc_cache_init(const db *d, db_alloc_cache *c, char *err);
/* Finalize and free; accepts NULL and a zeroed struct. */
void db_alloc_cache_free(db_alloc_cache *c);
/* The allocator id of row ri of a dump, creating the allocator row the
 * first time.  Returns TSM_OK with *id set, or TSM_ERR. */
tsm_status db_alloc_id(db_alloc_cache *c, const parser_row *r, size_t ri, int64_t *id, char *err);

/* ---- run-length samples (runs.c) ----------------------------------------
 * One run: allocator aid present with the same values in the dumps of
 * snapshot.seq first_seq..last_seq of a lifetime.  chunk_items and hp_fails
 * are -1 for NULL. */
typedef struct db_run {
	int64_t aid;
	int64_t first_seq, last_seq;
	int64_t allocated, in_use, chunk_items, hp_fails;
	int dirty;                  /* last_seq not written yet */
} db_run;

/* The open (latest) run of each allocator of one lifetime. */
typedef struct db_runset {
	int64_t lifetime_id;
	int loaded;
	int64_t cut_seq;            /* seq of the latest cut-off dump, INT64_MIN none */
	db_run *v;
	size_t n, cap, ndirty;
	uint32_t *hint;             /* run index of row i of the previous dump */
	size_t nhint;
} db_runset;

enum { DB_RUNW_INS, DB_RUNW_UPD, DB_RUNW_DEL, DB_RUNW_LOAD, DB_RUNW_PREV, DB_RUNW_COUNT };

/* The prepared statements of the run writer. */
typedef struct db_runw {
	sqlite3_stmt *st[DB_RUNW_COUNT];
} db_runw;

/* Prepare / finalize the statements (finalize accepts a zeroed struct). */
tsm_status db_runs_prepare(const db *d, db_runw *w, char *err);
void db_runs_finalize(db_runw *w);

/* Load the latest run of every allocator of lifetime_id, and whether the
 * lifetime's dump before `seq` was cut off.  Returns TSM_OK or TSM_ERR. */
tsm_status db_runs_load(db_runw *w, db_runset *rs, int64_t lifetime_id, int64_t seq, char *err);

/* Take dump `seq` (being stored again: a grown cut-off dump) out of the
 * loaded runs: runs that start at or after it are deleted, runs that reach
 * it end one dump earlier.  Returns TSM_OK or TSM_ERR. */
tsm_status db_runs_trim(db_runw *w, db_runset *rs, int64_t seq, char *err);

/* Store one row (row->first_seq = the dump's seq) at row index ri: extend
 * the allocator's run when the previous dump had the same values, else
 * insert a new run.  cut = the dump is cut off.  *dup = 1 when the
 * allocator already has a row in this dump (nothing stored).  Returns an
 * SQLite result code (SQLITE_OK). */
int db_runs_put(db_runw *w, db_runset *rs, size_t ri, const db_run *row, int cut, int *dup);

/* After the rows of dump seq: remember a cut-off dump. */
void db_runs_note_dump(db_runset *rs, int64_t seq, int complete);

/* Write the last_seq of the extended runs.  Returns an SQLite result code. */
int db_runs_flush(db_runw *w, db_runset *rs);
void db_runset_free(db_runset *rs);

/* Free the snapshot cache (close and invalidation). */
void db_snapcache_clear(db_snapcache *c);

/* Fill err with "what: SQLite's message" for result code rc on h (h may be
 * NULL); busy/locked errors say how long we waited.  Returns TSM_ERR. */
tsm_status db_sqlerr(const db *d, sqlite3 *h, int rc, const char *what, char *err);

/* Run one SQL statement string (no rows expected) with sqlite3_exec.
 * Returns TSM_OK or TSM_ERR via db_sqlerr. */
tsm_status db_exec(const db *d, const char *sql, const char *what, char *err);

/* Prepare sql into *st.  Returns TSM_OK or TSM_ERR via db_sqlerr. */
tsm_status db_prepare(const db *d, const char *sql, sqlite3_stmt **st, char *err);

/* Assign ts/ts_quality to every snapshot of source `source_id` with
 * timeline_assign() over its stored anchors (topts may be NULL = nothing
 * known).  Returns TSM_OK or TSM_ERR; the update is one transaction. */
tsm_status db_assign_times(db *d, int64_t source_id, const timeline_opts *topts, char *err);

/* Stored names are parser_format_name, parser_kind_name, parser_mode_name
 * and timeline_quality_name; this reads a stored kind back. */
int db_kind_from_str(const char *s);          /* parser_kind, periodic if unknown */

#endif
