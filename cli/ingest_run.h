/* ingest_run.h — the ingest driver shared by `ingest` and `analyze`: open
 * inputs (files, .gz, stdin, rotated sets), feed the parser, store through
 * db/, print diagnostics and the summary line.
 */
#ifndef INGEST_RUN_H
#define INGEST_RUN_H

#include "../db/db.h"

/* The sources an ingest stored into or found again (analyze reports on
 * them): host and identity of each, in reading order. */
typedef struct ingest_sources {
	size_t n, cap;
	char (*identity)[DB_IDENTITY_MAX];
} ingest_sources;

typedef struct ingest_cfg {
	const char *db_path;
	const char *host;          /* NULL = gethostname() */
	double interval;           /* --interval, 0 = unknown */
	const char *anchor;        /* --anchor text or NULL */
	int year;                  /* --year, 0 = from mtime */
	int follow;                /* --follow */
	double follow_idle_exit;   /* --follow-exit-idle S (tests), 0 = never */
	int busy_ms;               /* --busy-timeout */
	int quiet;                 /* no summary line */
	int dry_run;               /* inspect: parse only, no database */
	int max_warnings_per_code; /* shown on stderr per code */
	ingest_sources *sources;   /* OUT when not NULL: filled by ingest_run;
	                            * free identity with free() */
	double retain_s;           /* --retain / TSMEM_RETAIN in seconds, 0 = keep all */
} ingest_cfg;

/* Parse a retention age: a number with an optional unit s, m, h, d or w
 * (default s), > 0.  Returns 0 and sets *secs, or -1. */
int ingest_parse_age(const char *s, double *secs);

/* Ingest files (nfiles == 0 or "-" = stdin) into cfg->db_path.  Prints
 * diagnostics and a summary to stderr.  Returns an exit status. */
int ingest_run(const ingest_cfg *cfg, int nfiles, char **files);

/* Parse one option shared by ingest and analyze.  Returns 1 if handled,
 * 0 if not an ingest option, -1 on a usage error (already printed). */
int ingest_parse_opt(const char *cmd, int opt, const char *arg, ingest_cfg *cfg);

void ingest_cfg_init(ingest_cfg *cfg);

#endif
