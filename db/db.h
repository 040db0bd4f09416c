/* db.h — the tsmem SQLite database: schema, ingest transactions,
 * idempotency, read-only ad-hoc queries, series loading.
 *
 * Schema: DESIGN §4 (tables source, lifetime, snapshot, allocator, sample,
 * resource_sample, ssl_sample, diagnostic, anchor, verdict; views samples,
 * iobuf), versioned by PRAGMA user_version = DB_SCHEMA_VERSION.
 *
 * Ownership: every object returned by db_*_new/open/begin is freed by the
 * matching close/free/end function, which accepts NULL.  Errors come back as
 * TSM_ERR with a message in the caller's `err` buffer (TSM_ERRLEN bytes).
 * Nothing here prints or exits.
 */
#ifndef DB_H
#define DB_H

#include <stdint.h>
#include <sqlite3.h>

#include "../common/tsm.h"
#include "../parser/parser.h"
#include "../parser/timeline.h"

#define DB_SCHEMA_VERSION 1

typedef struct db db;

/* Open (creating and migrating when writable) the database at `path`.
 * readonly = 1 opens with SQLITE_OPEN_READONLY and query_only (for `sql`);
 * the file must exist.  busy_ms is the busy timeout.  Returns NULL and fills
 * err on failure (missing file, not a database, newer schema, ...). */
db *db_open(const char *path, int readonly, int busy_ms, char *err);
void db_close(db *d);
sqlite3 *db_handle(db *d);

/* ---- ingest ------------------------------------------------------------ */

typedef struct db_ingest db_ingest;

typedef struct db_ingest_opts {
	const char *host;          /* required */
	const char *path;          /* display path ("-" for stdin) */
	const char *identity;      /* content identity (hash of first 4 KiB) */
	int batch_dumps;           /* dumps per transaction; 0 = default (500) */
	int commit_each_dump;      /* --follow: commit after every dump */
} db_ingest_opts;

/* Start ingesting one stream.  Finds the source row with the same host and
 * identity, or creates it.  Dumps whose end_offset is at or below the
 * source's committed offset were stored by an earlier run and are skipped,
 * which makes re-ingesting the same or a grown file idempotent. */
db_ingest *db_ingest_begin(db *d, const db_ingest_opts *o, char *err);

/* Store one dump (lifetime row as needed, snapshot, allocator rows,
 * samples).  Commits when the batch is full.  Returns TSM_OK or TSM_ERR. */
tsm_status db_ingest_dump(db_ingest *in, const parser_dump *dump, char *err);
tsm_status db_ingest_resource(db_ingest *in, const parser_resource *r, char *err);
tsm_status db_ingest_anchor(db_ingest *in, const parser_anchor *a, char *err);
tsm_status db_ingest_diag(db_ingest *in, const tsm_diag *dg, char *err);

/* Commit what is pending (batch boundary). */
tsm_status db_ingest_commit(db_ingest *in, char *err);

/* Commit, then assign snapshot times for this source with
 * timeline_assign() using the stored anchors and `topts`.  */
tsm_status db_ingest_finish(db_ingest *in, const timeline_opts *topts, char *err);

/* Counters of what this run stored (skipped dumps not counted). */
typedef struct db_ingest_stats {
	uint64_t dumps, rows, skipped_dumps, lifetimes, diagnostics;
} db_ingest_stats;
const db_ingest_stats *db_ingest_get_stats(const db_ingest *in);

/* Roll back anything uncommitted and free. */
void db_ingest_free(db_ingest *in);

/* ---- ad-hoc SQL ---------------------------------------------------------- */

/* Called once with the column names (row == NULL), then once per row.
 * Values are text (NULL for SQL NULL); types[] are SQLITE_INTEGER etc. */
typedef int (*db_row_fn)(void *ctx, int ncol, const char *const *names,
                         const char *const *values, const int *types);

/* Run every statement in `sql` on a read-only handle, calling fn for the
 * rows of each.  Returns TSM_OK or TSM_ERR with SQLite's message. */
tsm_status db_exec_query(db *d, const char *sql, db_row_fn fn, void *ctx, char *err);

#endif
