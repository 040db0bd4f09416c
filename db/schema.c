/* schema.c — open a tsmem database: connection settings, the schema of
 * DESIGN §4 (created on first open, versioned by PRAGMA user_version), the
 * read-only guard used by `tsmem sql`, how a reader reaches a database it
 * may not write, error messages, stored names.
 *
 * It does not ingest (ingest.c) or load series (query.c).  Talks only to
 * SQLite; db_register_functions (sqlfunc.c) adds the statistics functions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_int.h"

#define DB_STR_(x) #x
#define DB_STR(x) DB_STR_(x)

/* Version 2: samples as runs, and the views over them. */
#define RUN_TABLE_SQL \
	"CREATE TABLE sample_run (                 -- one allocator, same values, dumps first_seq..last_seq\n" \
	"  allocator_id INTEGER NOT NULL,\n" \
	"  lifetime_id INTEGER NOT NULL,\n" \
	"  first_seq INTEGER NOT NULL,             -- snapshot.seq of the run's first dump\n" \
	"  last_seq INTEGER NOT NULL,              -- and of its last (inclusive)\n" \
	"  allocated INTEGER NOT NULL,\n" \
	"  in_use INTEGER NOT NULL,\n" \
	"  chunk_items INTEGER,                    -- F4 only\n" \
	"  hp_fails INTEGER,                       -- F4 only\n" \
	"  PRIMARY KEY (allocator_id, lifetime_id, first_seq)\n" \
	") WITHOUT ROWID;\n"

#define SAMPLE_VIEWS_SQL \
	"CREATE VIEW sample AS SELECT\n" \
	"  sn.id AS snapshot_id, r.allocator_id AS allocator_id, r.allocated AS allocated,\n" \
	"  r.in_use AS in_use, r.chunk_items AS chunk_items, r.hp_fails AS hp_fails\n" \
	"FROM sample_run r\n" \
	"  JOIN snapshot sn ON sn.lifetime_id = r.lifetime_id AND sn.seq BETWEEN r.first_seq AND r.last_seq;\n" \
	"CREATE VIEW samples AS SELECT\n" \
	"  l.host AS host, l.id AS lifetime_id, l.seq AS lifetime_seq,\n" \
	"  sn.id AS snapshot_id, sn.seq AS snapshot_seq, sn.ts AS ts,\n" \
	"  datetime(sn.ts, 'unixepoch') AS ts_iso, sn.ts_quality AS ts_quality,\n" \
	"  sn.kind AS kind, a.id AS allocator_id, a.name AS name, a.bucket AS bucket,\n" \
	"  a.grp AS grp, a.type_size AS type_size, r.allocated AS allocated,\n" \
	"  r.in_use AS in_use, r.allocated - r.in_use AS stranded,\n" \
	"  CASE WHEN r.allocated <> 0 THEN r.in_use * 1.0 / r.allocated END AS utilization,\n" \
	"  r.chunk_items AS chunk_items, r.hp_fails AS hp_fails, sn.complete AS complete\n" \
	"FROM sample_run r\n" \
	"  JOIN snapshot sn ON sn.lifetime_id = r.lifetime_id AND sn.seq BETWEEN r.first_seq AND r.last_seq\n" \
	"  JOIN lifetime l ON l.id = r.lifetime_id\n" \
	"  JOIN allocator a ON a.id = r.allocator_id;\n" \
	"CREATE VIEW iobuf AS SELECT * FROM samples WHERE bucket IS NOT NULL;\n"

/* Version 1 -> 2, in place: the rows of the `sample` table become runs by
 * the rules of runs.c (consecutive dumps of a lifetime, same values, no
 * cut-off dump on either side), then the table gives way to the view. */
static const char migrate_v2_sql[] =
	RUN_TABLE_SQL
	"INSERT INTO sample_run(allocator_id, lifetime_id, first_seq, last_seq, allocated, in_use,\n"
	"                       chunk_items, hp_fails)\n"
	"SELECT allocator_id, lifetime_id, min(seq), max(seq), allocated, in_use, chunk_items, hp_fails\n"
	"FROM (SELECT *, sum(brk) OVER (PARTITION BY allocator_id, lifetime_id ORDER BY seq\n"
	"                               ROWS UNBOUNDED PRECEDING) AS grp\n"
	"      FROM (SELECT s.allocator_id, sn.lifetime_id, sn.seq, s.allocated, s.in_use,\n"
	"                   s.chunk_items, s.hp_fails,\n"
	"                   CASE WHEN lag(sn.seq) OVER w = sn.seq - 1 AND sn.complete = 1\n"
	"                         AND lag(sn.complete) OVER w = 1\n"
	"                         AND lag(s.allocated) OVER w = s.allocated AND lag(s.in_use) OVER w = s.in_use\n"
	"                         AND lag(s.chunk_items) OVER w IS s.chunk_items\n"
	"                         AND lag(s.hp_fails) OVER w IS s.hp_fails THEN 0 ELSE 1 END AS brk\n"
	"            FROM sample s JOIN snapshot sn ON sn.id = s.snapshot_id\n"
	"            WINDOW w AS (PARTITION BY s.allocator_id, sn.lifetime_id ORDER BY sn.seq)))\n"
	"GROUP BY allocator_id, lifetime_id, grp;\n"
	"DROP VIEW iobuf;\n"
	"DROP VIEW samples;\n"
	"DROP TABLE sample;\n"
	SAMPLE_VIEWS_SQL;

/* The schema, version DB_SCHEMA_VERSION.  `sample_run` is the big table
 * (run-length samples, see runs.c): no rowid, keyed (allocator_id,
 * lifetime_id, first_seq) so one allocator's series is one index range,
 * and no other index (one would cost about a sixth more bytes and insert
 * time); the views expand runs through snapshot_lifetime.  The views `sample`,
 * `samples` and `iobuf` give one row per dump row, as tables did in version
 * 1.  UNIQUE constraints on the small tables make re-ingesting idempotent
 * (INSERT OR IGNORE). */
static const char schema_sql[] =
	"CREATE TABLE source (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  host TEXT NOT NULL,\n"
	"  path TEXT,\n"
	"  identity TEXT NOT NULL,\n"
	"  bytes_read INTEGER NOT NULL DEFAULT 0,  -- end_offset of the last stored dump\n"
	"  ingested_at TEXT,\n"
	"  UNIQUE (host, identity)\n"
	");\n"
	"CREATE TABLE lifetime (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  source_id INTEGER NOT NULL,\n"
	"  host TEXT NOT NULL,\n"
	"  seq INTEGER NOT NULL,                   -- lifetime index in the source stream\n"
	"  format TEXT,\n"
	"  mode TEXT,\n"
	"  first_snapshot_id INTEGER,\n"
	"  last_snapshot_id INTEGER,\n"
	"  start_reason TEXT,\n"
	"  UNIQUE (source_id, seq)\n"
	");\n"
	"CREATE INDEX lifetime_host ON lifetime(host);\n"
	"CREATE TABLE snapshot (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  lifetime_id INTEGER NOT NULL,\n"
	"  seq INTEGER NOT NULL,                   -- dump index within the lifetime\n"
	"  ts REAL,\n"
	"  ts_quality TEXT NOT NULL DEFAULT 'unknown',\n"
	"  kind TEXT NOT NULL,\n"
	"  line INTEGER NOT NULL,\n"
	"  byte_offset INTEGER NOT NULL,\n"
	"  complete INTEGER NOT NULL,\n"
	"  total_allocated INTEGER,                -- TOTAL line, else sum of the rows\n"
	"  total_in_use INTEGER,\n"
	"  source_id INTEGER NOT NULL,\n"
	"  stream_seq INTEGER NOT NULL,            -- dump index in the source stream\n"
	"  end_offset INTEGER NOT NULL,\n"
	"  format TEXT NOT NULL,\n"
	"  has_total INTEGER NOT NULL DEFAULT 0,   -- 1 = totals printed by ATS\n"
	"  UNIQUE (source_id, byte_offset)\n"
	");\n"
	"CREATE INDEX snapshot_lifetime ON snapshot(lifetime_id, seq);\n"
	"CREATE TABLE allocator (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL,\n"
	"  bucket INTEGER,\n"
	"  grp TEXT NOT NULL,\n"
	"  type_size INTEGER NOT NULL,\n"
	"  hugepage INTEGER NOT NULL DEFAULT 0,\n"
	"  UNIQUE (name, type_size)\n"
	");\n"
	RUN_TABLE_SQL
	"CREATE TABLE lifetime_link (              -- a lifetime continued from an earlier file\n"
	"  source_id INTEGER NOT NULL,             -- of a rotated set / multi-file ingest\n"
	"  seq INTEGER NOT NULL,\n"
	"  lifetime_id INTEGER NOT NULL,\n"
	"  PRIMARY KEY (source_id, seq)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE lifetime_allocator (         -- allocators of a lifetime, dump order\n"
	"  lifetime_id INTEGER NOT NULL,\n"
	"  allocator_id INTEGER NOT NULL,\n"
	"  first_snapshot_id INTEGER NOT NULL,\n"
	"  pos INTEGER NOT NULL,                   -- row index in that snapshot\n"
	"  PRIMARY KEY (lifetime_id, allocator_id)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE resource_sample (\n"
	"  snapshot_id INTEGER,\n"
	"  location TEXT NOT NULL,\n"
	"  allocs INTEGER,\n"
	"  frees INTEGER,\n"
	"  in_use INTEGER,\n"
	"  avg_size INTEGER,\n"
	"  is_total INTEGER NOT NULL DEFAULT 0,\n"
	"  source_id INTEGER NOT NULL,\n"
	"  line INTEGER NOT NULL,\n"
	"  UNIQUE (source_id, line)\n"
	");\n"
	"CREATE INDEX resource_sample_snapshot ON resource_sample(snapshot_id);\n"
	"CREATE TABLE ssl_sample (\n"
	"  snapshot_id INTEGER,\n"
	"  total_allocated INTEGER,\n"
	"  total_freed INTEGER,\n"
	"  currently_allocated INTEGER,\n"
	"  source_id INTEGER NOT NULL,\n"
	"  line INTEGER NOT NULL,\n"
	"  UNIQUE (source_id, line)\n"
	");\n"
	"CREATE TABLE diagnostic (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  source_id INTEGER NOT NULL,\n"
	"  line INTEGER,\n"
	"  severity TEXT NOT NULL,\n"
	"  code TEXT NOT NULL,\n"
	"  message TEXT NOT NULL,\n"
	"  byte_offset INTEGER,\n"
	"  UNIQUE (source_id, byte_offset, line, code, message)\n"
	");\n"
	"CREATE TABLE anchor (\n"
	"  source_id INTEGER NOT NULL,\n"
	"  line INTEGER NOT NULL,\n"
	"  byte_offset INTEGER NOT NULL,\n"
	"  dumps_before INTEGER NOT NULL,\n"
	"  month INTEGER, day INTEGER, hour INTEGER,\n"
	"  minute INTEGER, second INTEGER, msec INTEGER,\n"
	"  PRIMARY KEY (source_id, byte_offset)\n"
	") WITHOUT ROWID;\n"
	"CREATE TABLE verdict (\n"
	"  lifetime_id INTEGER NOT NULL,\n"
	"  allocator_id INTEGER NOT NULL,\n"
	"  verdict TEXT NOT NULL,\n"
	"  confidence REAL,\n"
	"  evidence_json TEXT,\n"
	"  computed_at TEXT NOT NULL,\n"
	"  PRIMARY KEY (lifetime_id, allocator_id)\n"
	");\n"
	SAMPLE_VIEWS_SQL;

tsm_status db_sqlerr(const db *d, sqlite3 *h, int rc, const char *what, char *err)
{
	const char *msg = h != NULL ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
	int prim = rc & 0xff;

	if ((prim == SQLITE_BUSY || prim == SQLITE_LOCKED) && d != NULL)
		tsm_seterr(err, "%s: %s (busy for %d ms)", what, msg, d->busy_ms);
	else
		tsm_seterr(err, "%s: %s", what, msg);
	return TSM_ERR;
}

tsm_status db_exec(const db *d, const char *sql, const char *what, char *err)
{
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return db_sqlerr(d, d->h, rc, what, err);
	return TSM_OK;
}

tsm_status db_prepare(const db *d, const char *sql, sqlite3_stmt **st, char *err)
{
	int rc = sqlite3_prepare_v2(d->h, sql, -1, st, NULL);

	if (rc != SQLITE_OK) {
		*st = NULL;
		return db_sqlerr(d, d->h, rc, "cannot prepare statement", err);
	}
	return TSM_OK;
}

/* Read a single integer (first column of the first row) from sql. */
static tsm_status query_int(const db *d, const char *sql, int64_t *out, char *err)
{
	sqlite3_stmt *st = NULL;
	tsm_status ret = TSM_ERR;
	int rc;

	if (db_prepare(d, sql, &st, err) != TSM_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_sqlerr(d, d->h, rc, "cannot read the database", err);
		goto out;
	}
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	ret = TSM_OK;
out:
	sqlite3_finalize(st);
	return ret;
}

/* Read-only guard for `tsmem sql`: no ATTACH/DETACH (which could create
 * files), and no PRAGMA that assigns (writable_schema=1, query_only=0...);
 * pragmas that take a table/index name as argument stay allowed. */
static int ro_authorizer(void *ctx, int action, const char *a1, const char *a2,
                         const char *dbname, const char *trigger)
{
	static const char *const arg_ok[] = {
		"table_info", "table_xinfo", "index_info", "index_xinfo", "index_list",
		"foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
	};
	size_t i;

	(void)ctx;
	(void)dbname;
	(void)trigger;
	if (action == SQLITE_ATTACH || action == SQLITE_DETACH)
		return SQLITE_DENY;
	if (action != SQLITE_PRAGMA || a2 == NULL)
		return SQLITE_OK;
	for (i = 0; i < sizeof arg_ok / sizeof arg_ok[0]; i++)
		if (a1 != NULL && sqlite3_stricmp(a1, arg_ok[i]) == 0)
			return SQLITE_OK;
	return SQLITE_DENY;
}

/* Create the schema when the file is new (user_version 0 and empty),
 * inside one IMMEDIATE transaction so two first opens cannot race. */
static tsm_status ensure_schema(db *d, char *err)
{
	int64_t ver = 0, nobj = 0;
	tsm_status ret = TSM_ERR;
	int in_txn = 0;

	if (db_exec(d, "BEGIN IMMEDIATE", "cannot start a transaction", err) != TSM_OK)
		goto out;
	in_txn = 1;
	if (query_int(d, "PRAGMA user_version", &ver, err) != TSM_OK)
		goto out;
	if (ver > DB_SCHEMA_VERSION) {
		tsm_seterr(err, "database schema version %lld is newer than this tsmem supports (%d)",
		           (long long)ver, DB_SCHEMA_VERSION);
		goto out;
	}
	if (ver == 0) {
		if (query_int(d, "SELECT count(*) FROM sqlite_master", &nobj, err) != TSM_OK)
			goto out;
		if (nobj != 0) {
			tsm_seterr(err, "not a tsmem database (it has tables but no tsmem schema version)");
			goto out;
		}
		if (db_exec(d, schema_sql, "cannot create the schema", err) != TSM_OK)
			goto out;
		if (db_exec(d, "PRAGMA user_version = " DB_STR(DB_SCHEMA_VERSION), "cannot set the schema version",
		            err) != TSM_OK)
			goto out;
	} else if (ver == 1) {
		if (db_exec(d, migrate_v2_sql, "cannot migrate the database to schema version 2", err) != TSM_OK)
			goto out;
		if (db_exec(d, "PRAGMA user_version = 2", "cannot set the schema version", err) != TSM_OK)
			goto out;
	}
	if (db_exec(d, "COMMIT", "cannot commit the schema", err) != TSM_OK)
		goto out;
	in_txn = 0;
	ret = TSM_OK;
out:
	if (in_txn)
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/* A read-only handle: the schema must be ours and not newer. */
static tsm_status check_schema(db *d, char *err)
{
	int64_t ver = 0;

	char tmp[TSM_ERRLEN];

	if (query_int(d, "PRAGMA user_version", &ver, tmp) != TSM_OK) {
		tsm_seterr(err, "%s", tmp);
		return TSM_ERR;
	}
	if (ver == 0) {
		tsm_seterr(err, "not a tsmem database (no schema version)");
		return TSM_ERR;
	}
	if (ver > DB_SCHEMA_VERSION) {
		tsm_seterr(err, "database schema version %lld is newer than this tsmem supports (%d)",
		           (long long)ver, DB_SCHEMA_VERSION);
		return TSM_ERR;
	}
	if (ver < DB_SCHEMA_VERSION) {
		tsm_seterr(err, "database schema version %lld is older than this tsmem reads (%d) and a reader "
		           "cannot migrate it: run tsmem ingest on it once as a user who may write it",
		           (long long)ver, DB_SCHEMA_VERSION);
		return TSM_ERR;
	}
	return TSM_OK;
}

/* "file:PATH?QUERY" for sqlite3_open_v2 with SQLITE_OPEN_URI: '%', '?'
 * and '#' escaped.  0, or -1 when it does not fit. */
static int make_uri(char *buf, size_t n, const char *path, const char *query)
{
	size_t k;
	const char *p;

	k = (size_t)snprintf(buf, n, "%s", path[0] == '/' ? "file://" : "file:");
	for (p = path; *p != '\0' && k + 4 < n; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			k += (size_t)snprintf(buf + k, n - k, "%%%02X", (unsigned char)*p);
		else
			buf[k++] = *p;
	}
	if (*p != '\0' || k + strlen(query) + 2 > n)
		return -1;
	snprintf(buf + k, n - k, "?%s", query);
	return 0;
}

/* 1 when this process may write the file and create files beside it. */
static int can_write_beside(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (access(path, W_OK) != 0)
		return 0;
	if (slash == NULL)
		return access(".", W_OK | X_OK) == 0;
	if ((size_t)(slash - path) + 1 >= sizeof dir)
		return 0;
	snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return access(dir, W_OK | X_OK) == 0;
}

/* Size of PATH + suffix, -1 when it does not exist. */
static long long side_size(const char *path, const char *suffix)
{
	char name[4200];
	struct stat sb;

	snprintf(name, sizeof name, "%s%s", path, suffix);
	return stat(name, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* Open and check a read-only handle on `uri` (or the plain path when
 * uri_flag is 0).  TSM_OK or TSM_ERR with err. */
static tsm_status open_reader(db *d, const char *name, int flags, char *err)
{
	int rc;

	sqlite3_close_v2(d->h);
	d->h = NULL;
	rc = sqlite3_open_v2(name, &d->h, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		tsm_seterr(err, "cannot open database: %s",
		           d->h != NULL ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
		return TSM_ERR;
	}
	sqlite3_busy_timeout(d->h, d->busy_ms);
	return check_schema(d, err);
}

/* A reader's handle that leaves nothing behind it does not own (DESIGN §8):
 *  - a file it may write, beside which it may create files: read-write
 *    (no create), so that the last connection to close removes -wal and
 *    -shm as a writer's would; query_only and the authorizer keep it a
 *    reader;
 *  - else, when a -wal file exists (a writer is at work, or stopped
 *    without a checkpoint): read-only through the writer's -shm;
 *  - else, or when that fails and the -wal holds nothing: an immutable
 *    snapshot of the file, which every committed change is in, read
 *    without locks and without creating -wal or -shm.
 *    db_snapshot_changed() tells the caller when a writer came along. */
static tsm_status open_readonly(db *d, const char *path, char *err)
{
	char uri[4200];
	long long wal;
	struct stat sb;

	if (can_write_beside(path))
		return open_reader(d, path, SQLITE_OPEN_READWRITE, err);
	wal = side_size(path, "-wal");
	if (wal >= 0) {
		if (make_uri(uri, sizeof uri, path, "mode=ro") != 0) {
			tsm_seterr(err, "cannot open database: path too long");
			return TSM_ERR;
		}
		if (open_reader(d, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, err) == TSM_OK)
			return TSM_OK;
		if (wal > 0) {
			char e2[TSM_ERRLEN];

			snprintf(e2, sizeof e2, "%s", err);
			tsm_seterr(err, "%s (its write-ahead log %s-wal holds changes that need %s-shm, "
			           "which this user can neither read nor create: ask its owner to run "
			           "'tsmem sql -d DB \"select 1\"')", e2, path, path);
			return TSM_ERR;
		}
	}
	if (make_uri(uri, sizeof uri, path, "immutable=1") != 0) {
		tsm_seterr(err, "cannot open database: path too long");
		return TSM_ERR;
	}
	if (stat(path, &sb) != 0) {
		tsm_seterr(err, "cannot open database: %s", strerror(errno));
		return TSM_ERR;
	}
	d->snap_size = (long long)sb.st_size;
	d->snap_mtime_ns = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
	d->snapshot = 1;
	return open_reader(d, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, err);
}

int db_is_snapshot(const db *d)
{
	return d != NULL && d->snapshot;
}

int db_snapshot_changed(const db *d)
{
	struct stat sb;

	if (d == NULL || !d->snapshot)
		return 0;
	if (side_size(d->path, "-wal") >= 0 || stat(d->path, &sb) != 0)
		return 1;
	return (long long)sb.st_size != d->snap_size ||
	       (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec != d->snap_mtime_ns;
}

db *db_open(const char *path, int readonly, int busy_ms, char *err)
{
	db *d = NULL;
	struct stat stbuf;
	int flags, rc;
	char ferr[TSM_ERRLEN];

	if (path == NULL || *path == '\0') {
		tsm_seterr(err, "no database path given");
		goto fail;
	}
	if (readonly && stat(path, &stbuf) != 0) {
		tsm_seterr(err, "cannot open database: %s", strerror(errno));
		goto fail;
	}
	d = calloc(1, sizeof *d);
	if (d == NULL || (d->path = strdup(path)) == NULL) {
		tsm_seterr(err, "out of memory");
		goto fail;
	}
	d->readonly = readonly;
	d->busy_ms = busy_ms;
	if (readonly) {
		if (open_readonly(d, path, err) != TSM_OK)
			goto fail;
		if (db_exec(d, "PRAGMA cache_size = -16384", "cannot configure the database", err) != TSM_OK ||
		    db_exec(d, "PRAGMA query_only = 1", "cannot configure the database", err) != TSM_OK)
			goto fail;
		sqlite3_db_config(d->h, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
		sqlite3_set_authorizer(d->h, ro_authorizer, NULL);
		goto functions;
	}
	/* a handle is used by one thread: no per-call mutex */
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	rc = sqlite3_open_v2(path, &d->h, flags, NULL);
	if (rc != SQLITE_OK) {
		tsm_seterr(err, "cannot open database: %s",
		           d->h != NULL ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(d->h, busy_ms);
	if (sqlite3_db_readonly(d->h, "main") == 1) {
		tsm_seterr(err, "database file is read-only");
		goto fail;
	}
	/* 16 KiB pages for a new database (no effect on an existing one):
	 * about 8 % faster bulk inserts into `sample` than 4 KiB (bench/).
	 * 16 MiB of page cache: holds the snapshot table of a month of dumps
	 * while the report reads allocator after allocator */
	if (db_exec(d, "PRAGMA page_size = 16384", "cannot configure the database", err) != TSM_OK ||
	    db_exec(d, "PRAGMA cache_size = -16384", "cannot configure the database", err) != TSM_OK)
		goto fail;
	{
		/* Switching a new file to WAL while another process does the same
		 * can answer SQLITE_BUSY without calling the busy handler: retry
		 * for up to the busy timeout. */
		int waited = 0;
		while (db_exec(d, "PRAGMA journal_mode = WAL", "cannot configure the database", err) != TSM_OK) {
			int ec = sqlite3_errcode(d->h) & 0xff;
			if ((ec != SQLITE_BUSY && ec != SQLITE_LOCKED) || waited >= busy_ms)
				goto fail;
			sqlite3_sleep(20);
			waited += 20;
		}
		if (db_exec(d, "PRAGMA synchronous = NORMAL", "cannot configure the database", err) != TSM_OK)
			goto fail;
		if (ensure_schema(d, err) != TSM_OK)
			goto fail;
	}
functions:
	if (db_register_functions(d->h, ferr) != TSM_OK) {
		tsm_seterr(err, "cannot register SQL functions: %s", ferr);
		goto fail;
	}
	return d;
fail:
	db_close(d);
	return NULL;
}

void db_close(db *d)
{
	if (d == NULL)
		return;
	if (d->h != NULL && !sqlite3_get_autocommit(d->h))
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(d->st_verdict);
	db_snapcache_clear(&d->snaps);
	sqlite3_close_v2(d->h);
	free(d->path);
	free(d);
}

sqlite3 *db_handle(db *d)
{
	return d != NULL ? d->h : NULL;
}

/* ---- stored names ------------------------------------------------------ */

int db_kind_from_str(const char *s)
{
	if (s != NULL && strcmp(s, "sigusr1") == 0)
		return PARSER_KIND_SIGUSR1;
	if (s != NULL && strcmp(s, "baseline") == 0)
		return PARSER_KIND_BASELINE;
	return PARSER_KIND_PERIODIC;
}

/* ---- allocator groups (spec §4.3) -------------------------------------- */

static const struct {
	const char *name;
	const char *grp;
} group_names[] = {
	{"ioAllocator", "iobuf_meta"}, {"ioDataAllocator", "iobuf_meta"}, {"ioBlockAllocator", "iobuf_meta"},
	{"httpSMAllocator", "http"}, {"httpClientSessionAllocator", "http"},
	{"http1ClientSessionAllocator", "http"}, {"httpServerSessionAllocator", "http"},
	{"http2ClientSessionAllocator", "http"}, {"http2ServerSessionAllocator", "http"},
	{"http2StreamAllocator", "http"}, {"httpUpdateSMAllocator", "http"}, {"FetchSMAllocator", "http"},
	{"RemapPluginsAlloc", "http"}, {"CacheLookupHttpConfigAllocator", "http"}, {"preWarmSMAllocator", "http"},
	{"hdrHeap", "headers"}, {"hdrStrHeap", "headers"}, {"httpCacheAltAllocator", "headers"},
	{"MIMEFieldSDKHandle", "headers"},
	{"cacheVConnection", "cache"}, {"cacheEvacuateDocVC", "cache"}, {"cacheRemoveCont", "cache"},
	{"evacuationBlock", "cache"}, {"evacuationKey", "cache"}, {"openDirEntry", "cache"},
	{"RamCacheLRUEntry", "cache"}, {"RamCacheCLFUSEntry", "cache"}, {"RamCacheS3FIFOEntry", "cache"},
	{"migrateToInterimCache", "cache"},
	{"netVCAllocator", "net"}, {"udpPacketAllocator", "net"}, {"udpReadContAllocator", "net"},
	{"UDPIOEventAllocator", "net"}, {"socksAllocator", "net"}, {"socksProxyAllocator", "net"},
	{"OneWayTunnelAllocator", "net"}, {"OneWayMultiTunnelAllocator", "net"},
	{"sslNetVCAllocator", "ssl"},
	{"dnsEntryAllocator", "dns"}, {"dnsBufAllocator", "dns"}, {"DNSRequestDataAllocator", "dns"},
	{"hostDBContAllocator", "dns"}, {"hostDBFileContAllocator", "dns"},
	{"refCountCacheHashingValueAllocator", "dns"}, {"expiryQueueEntry", "dns"},
	{"eventAllocator", "core"}, {"mutexAllocator", "core"}, {"ArenaBlock", "core"},
	{"apiHookAllocator", "api"}, {"INKContAllocator", "api"}, {"INKVConnAllocator", "api"},
	{"cripts::Context", "api"}, {"MC", "api"}, {"<unknown>", "api"},
	{"clusterVCAllocator", "legacy"}, {"cacheContAllocator", "legacy"},
	{"ClusterVConnectionCache::Entry", "legacy"}, {"inControlAllocator", "legacy"},
	{"outControlAllocator", "legacy"}, {"byteBankAllocator", "legacy"},
	{"ICPRequestCont_allocator", "legacy"}, {"ICPPeerReadContAllocator", "legacy"},
	{"PeerReadDataAllocator", "legacy"}, {"PrefetchBlasterAllocator", "legacy"},
	{"blasterUrlList", "legacy"}, {"prefetchLockHandlerAllocator", "legacy"},
	{"prefetchUrlBlaster", "legacy"}, {"prefetchUrlEntryAllocator", "legacy"},
	{"CongestRequestParamAllocator", "legacy"}, {"CongestionDBContAllocator", "legacy"},
	{"ObjectReloadCont", "legacy"},
};

const char *db_allocator_group(const char *name, int bucket)
{
	size_t i;

	if (bucket >= 0)
		return "iobuf";
	if (name == NULL)
		return "other";
	for (i = 0; i < sizeof group_names / sizeof group_names[0]; i++)
		if (strcmp(name, group_names[i].name) == 0)
			return group_names[i].grp;
	if (strncmp(name, "http3", 5) == 0 || strncmp(name, "spdy", 4) == 0)
		return "http";
	if (strncmp(name, "quic", 4) == 0)
		return "net";
	return "other";
}
