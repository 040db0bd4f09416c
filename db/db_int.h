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
