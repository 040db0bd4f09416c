/* db.h — the tsmem SQLite database: schema, ingest transactions,
 * idempotency, read-only ad-hoc queries, series loading.
 *
 * Schema: DESIGN §4 (tables source, lifetime, snapshot, allocator,
 * sample_run, resource_sample, ssl_sample, diagnostic, anchor, verdict;
 * views sample, samples, iobuf), versioned by PRAGMA user_version =
 * DB_SCHEMA_VERSION; db_open migrates a version-1 file in place.
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

#define DB_SCHEMA_VERSION 2

typedef struct db db;

/* Open (creating and migrating when writable) the database at `path`.
 * readonly = 1 opens a reader (query_only, no ATTACH, no assigning PRAGMA)
 * that leaves behind no -wal or -shm file it owns, also on a database in a
 * directory this user cannot write: read-write without create when the
 * user may write the file and its directory (so closing cleans up as a
 * writer's close does), read-only through an existing -wal/-shm, else an
 * immutable snapshot (db_is_snapshot); the file must exist.  busy_ms is the busy timeout.  Returns NULL and fills
 * err on failure (missing file, not a database, newer schema, ...); the
 * message does not repeat the path, callers prefix it. */
db *db_open(const char *path, int readonly, int busy_ms, char *err);
void db_close(db *d);
sqlite3 *db_handle(db *d);

/* 1 when `d` is a reader on an immutable snapshot of a file it may not
 * write (no locks: a writer that starts meanwhile is not seen), else 0. */
int db_is_snapshot(const db *d);
/* 1 when a snapshot's file changed since db_open (its size or mtime, or a
 * -wal file appeared): what was read may mix two states.  0 otherwise,
 * and always 0 for other handles. */
int db_snapshot_changed(const db *d);

/* Statistics SQL functions (mk_z, mk_p, theil_sen, ...; DESIGN §5),
 * implemented in db/sqlfunc.c.  db_open calls it on every handle it opens,
 * read-only or not.  Returns TSM_OK, or TSM_ERR with a message in err. */
tsm_status db_register_functions(sqlite3 *h, char *err);

/* The report group of an allocator (spec §4.3): "iobuf", "iobuf_meta",
 * "http", "headers", "cache", "net", "ssl", "dns", "core", "api", "legacy"
 * or "other" (names not in the table).  bucket >= 0 means an
 * ioBufAllocator[HP] bucket.  Returns a static string, never NULL. */
const char *db_allocator_group(const char *name, int bucket);

/* ---- ingest ------------------------------------------------------------ */

typedef struct db_ingest db_ingest;

typedef struct db_ingest_opts {
	const char *host;          /* required */
	const char *path;          /* display path ("-" for stdin) */
	const char *identity;      /* content identity (hash of first 4 KiB) */
	int batch_dumps;           /* dumps per transaction; 0 = default (500) */
	int commit_each_dump;      /* --follow: commit after every dump */
	/* Chaining the files of one stream (a rotated set): the lifetime row
	 * and parser lifetime index of the previous file's last dump.  A
	 * first dump that continues that lifetime joins its row. 0 = none. */
	int64_t continue_lifetime_id;
	uint64_t continue_lifetime_index;
	/* Retention (db_retain): > 0 removes the host's dumps older than this
	 * many seconds after every DB_RETAIN_EVERY dumps committed with
	 * commit_each_dump, and at db_ingest_finish.  0 = keep all. */
	double retain_s;
} db_ingest_opts;

#define DB_RETAIN_EVERY 100

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

/* The lifetime row id and parser lifetime index of the last dump this
 * ingest saw (stored or skipped), for chaining the next file of a stream.
 * *id = 0 when no dump was seen.  Returns TSM_OK or TSM_ERR. */
tsm_status db_ingest_last_lifetime(db_ingest *in, int64_t *id, uint64_t *index, char *err);

/* Counters of what this run stored (skipped dumps not counted). */
typedef struct db_ingest_stats {
	uint64_t dumps, rows, skipped_dumps, lifetimes, diagnostics;
	uint64_t removed_dumps;     /* by retention */
} db_ingest_stats;
const db_ingest_stats *db_ingest_get_stats(const db_ingest *in);

/* Roll back anything uncommitted and free. */
void db_ingest_free(db_ingest *in);

/* ---- retention (retain.c) ------------------------------------------------ */

typedef struct db_retain_stats {
	uint64_t dumps, runs, lifetimes;   /* removed */
} db_retain_stats;

/* Remove the dumps of `host` whose time is more than max_age seconds
 * before the host's newest dump of known time (dumps of unknown time
 * stay), with what goes with them (see retain.c and tsmem(1)).  Each
 * transaction removes at most `batch` dumps of one lifetime (0 = 1000).
 * OUT: *stats = what was removed.  Returns TSM_OK or TSM_ERR; on an error
 * the transactions committed before it stay. */
tsm_status db_retain(db *d, const char *host, double max_age, int batch, db_retain_stats *stats, char *err);

/* ---- source identity ------------------------------------------------------- */

#define DB_IDENTITY_PREFIX 4096
#define DB_IDENTITY_MAX 64

/* Identity of a stream from its first bytes: "L:HASH" of the first
 * L = min(n, 4096) bytes. */
void db_identity(const char *buf, size_t n, char out[DB_IDENTITY_MAX]);

/* Identity to use for a stream of `host` whose first n bytes are buf: the
 * stored identity of a source whose hashed prefix matches (so a grown file
 * is the same source; the stored identity is lengthened to the longer
 * prefix), else a new identity.  Returns TSM_OK with `out` set, or TSM_ERR. */
tsm_status db_source_match(db *d, const char *host, const char *buf, size_t n, char out[DB_IDENTITY_MAX],
                           char *err);

/* OUT: *id = the source row of (host, identity), 0 when there is none.
 * Returns TSM_OK, or TSM_ERR with err (and *id = 0). */
tsm_status db_source_id(db *d, const char *host, const char *identity, int64_t *id, char *err);

/* ---- ad-hoc SQL ---------------------------------------------------------- */

/* Called once with the column names (row == NULL), then once per row.
 * Values are text (NULL for SQL NULL); types[] are SQLITE_INTEGER etc. */
typedef int (*db_row_fn)(void *ctx, int ncol, const char *const *names,
                         const char *const *values, const int *types);

/* Run every statement in `sql` on a read-only handle, calling fn for the
 * rows of each.  Returns TSM_OK or TSM_ERR with SQLite's message. */
tsm_status db_exec_query(db *d, const char *sql, db_row_fn fn, void *ctx, char *err);


/* ---- report queries ------------------------------------------------------
 * All loaders return TSM_OK and fill their OUT parameters, or TSM_ERR with
 * a message in err and the OUT parameters zeroed/NULL.  Arrays are owned by
 * the caller and freed with the matching *_free function (NULL is fine).
 * Times are Unix seconds; an unknown time is NaN. */

/* OUT: *hosts = the distinct hosts, sorted by name; *n = their number.
 * Free with db_strings_free(*hosts, *n). */
tsm_status db_list_hosts(db *d, char ***hosts, size_t *n, char *err);
void db_strings_free(char **v, size_t n);

/* One process lifetime as the report sees it. */
typedef struct db_lifetime {
	int64_t id;              /* lifetime.id */
	int64_t source_id;
	int64_t seq;             /* lifetime index within its source stream */
	int64_t index;           /* 0-based position in the host's list */
	char format[16];         /* "F1".."F4", "baseline" */
	char mode[16];           /* "freelist", "malloc", "reclaimable" */
	char start_reason[32];
	int64_t dumps;           /* snapshots */
	int64_t complete_dumps;  /* snapshots with complete = 1 */
	double first_ts, last_ts;/* min/max known ts, NaN when none */
	char ts_quality[16];     /* worst ts_quality of its snapshots */
	int64_t first_snapshot_id, last_snapshot_id;
} db_lifetime;

/* OUT: *out = the lifetimes of `host`: sources by the earliest absolute
 * time they hold (none: last), each source's lifetimes in stream order
 * (seq), so a lifetime with only relative times keeps its place; index =
 * position in that order.  *n = count.  Free *out with free(). */
tsm_status db_list_lifetimes(db *d, const char *host, db_lifetime **out, size_t *n, char *err);

/* An allocator present in a lifetime. */
typedef struct db_allocator {
	int64_t id;
	char name[PARSER_NAME_MAX];
	int bucket;              /* 0..14 or -1 */
	char grp[16];
	uint32_t type_size;
} db_allocator;

/* OUT: *out = every allocator that has a sample in the lifetime, in dump
 * order (the row order of the first snapshot that holds it; allocators
 * that appear later come after); *n = count.  Free *out with free(). */
tsm_status db_list_allocators(db *d, int64_t lifetime_id, db_allocator **out, size_t *n, char *err);

/* Optional time filter: keep snapshots with since <= ts <= until.  NaN (or
 * a NULL filter pointer) means no bound; with any bound set, snapshots of
 * unknown time are left out. */
typedef struct db_range {
	double since, until;
} db_range;

/* One (lifetime, allocator) series in snapshot order.  Every array has n
 * elements. */
typedef struct db_series {
	size_t n;
	double *t;               /* ts, NaN when unknown */
	int64_t *seq;            /* snapshot.seq (dump index within the lifetime) */
	int64_t *allocated;      /* bytes */
	int64_t *in_use;         /* bytes */
	int64_t *chunk_items;    /* 0 = unknown */
	unsigned char *complete; /* 1 = dump closed normally */
	unsigned char *kind;     /* parser_kind */
} db_series;

/* Load one series by the sample_run primary key (allocator_id,
 * lifetime_id, first_seq): reads only this allocator's runs in the lifetime
 * and expands each over the lifetime's snapshots, in dump order.  OUT: *s filled (n may be 0).  Free with db_series_free(s), which also
 * accepts a zeroed struct. */
tsm_status db_load_series(db *d, int64_t lifetime_id, int64_t allocator_id,
                          const db_range *r, db_series *s, char *err);
void db_series_free(db_series *s);

/* Totals per complete snapshot of a lifetime that has them (TOTAL line, or
 * the sum of the rows when the format prints none). */
typedef struct db_totals {
	size_t n;
	double *t;
	int64_t *seq;
	int64_t *allocated;
	int64_t *in_use;
} db_totals;

/* OUT: *tot filled (n may be 0).  Free with db_totals_free(tot). */
tsm_status db_load_totals(db *d, int64_t lifetime_id, const db_range *r, db_totals *tot, char *err);
void db_totals_free(db_totals *tot);

/* ---- verdicts ------------------------------------------------------------ */

/* Diagnostics stored for `host` (NULL = all hosts), by severity.
 * Returns TSM_OK with *warnings and *errors set, or TSM_ERR. */
tsm_status db_count_diagnostics(db *d, const char *host, uint64_t *warnings, uint64_t *errors, char *err);

/* Write transaction around many db_write_verdict calls (BEGIN IMMEDIATE /
 * COMMIT / ROLLBACK).  Return TSM_OK or TSM_ERR; rollback never fails. */
tsm_status db_begin_write(db *d, char *err);
tsm_status db_commit_write(db *d, char *err);
void db_rollback_write(db *d);

/* Insert or replace the verdict of (lifetime, allocator), computed_at =
 * now (UTC ISO 8601).  evidence_json may be NULL.  Returns TSM_OK or
 * TSM_ERR (e.g. on a read-only handle). */
tsm_status db_write_verdict(db *d, int64_t lifetime_id, int64_t allocator_id,
                            const char *verdict, double confidence,
                            const char *evidence_json, char *err);

#endif
