/* cmd_sql.c — `tsmem sql [-d DB] [--format table|csv|json] 'SQL'`: run
 * ad-hoc SQL on a read-only connection (statistics functions registered)
 * and print the rows.
 *
 * Options come from one table that also writes --help.  The query runs in
 * db/ (db_exec_query); report/sqlout.c formats.  Exit 0 ok, 1 usage, 2
 * database or SQL error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../db/db.h"
#include "../report/sqlout.h"

#define SQL_BUSY_MS 5000

enum { OPT_FORMAT = 256 };

static const struct sql_opt {
	const char *lng;
	int shrt;          /* short letter or OPT_* code */
	int has_arg;
	const char *argname;
	const char *help;
} sql_opts[] = {
	{"db", 'd', 1, "DB", "database file (default: $TSMEM_DB, else ./tsmem.db)"},
	{"format", OPT_FORMAT, 1, "FMT", "output: table (default), csv or json"},
	{"help", 'h', 0, NULL, "show this help and exit"},
};
#define NOPTS (sizeof sql_opts / sizeof sql_opts[0])

static void usage(FILE *f)
{
	size_t i;
	char left[64];

	fprintf(f, "usage: tsmem sql [-d DB] [--format table|csv|json] 'SQL'\n\n"
	           "Run SQL on the database through a read-only connection.  Every statement\n"
	           "in SQL runs in turn.  Tables and views: source, lifetime, snapshot,\n"
	           "allocator, sample, resource_sample, ssl_sample, diagnostic, anchor,\n"
	           "verdict, samples, iobuf.  Functions: mk_z, mk_p, theil_sen,\n"
	           "theil_sen_lo, theil_sen_hi.\n\nOptions:\n");
	for (i = 0; i < NOPTS; i++) {
		if (sql_opts[i].shrt < 256)
			snprintf(left, sizeof left, "-%c, --%s%s%s", sql_opts[i].shrt, sql_opts[i].lng,
			         sql_opts[i].has_arg ? " " : "", sql_opts[i].has_arg ? sql_opts[i].argname : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", sql_opts[i].lng, sql_opts[i].has_arg ? " " : "",
			         sql_opts[i].has_arg ? sql_opts[i].argname : "");
		fprintf(f, "  %-20s %s\n", left, sql_opts[i].help);
	}
	fprintf(f, "\nExit status: 0 ok, 1 usage error, 2 database or SQL error.\n");
}

int cli_sql(int argc, char **argv)
{
	struct option lopts[NOPTS + 1];
	char shorts[2 * NOPTS + 2];
	const char *dbpath = cli_default_db();
	report_sqlout_format fmt = REPORT_SQLOUT_TABLE;
	report_sqlout *so = NULL;
	db *d = NULL;
	char err[TSM_ERRLEN];
	size_t i, k = 0;
	int c, ret = TSM_EXIT_DATA;
	tsm_status st;

	memset(lopts, 0, sizeof lopts);
	shorts[k++] = ':';
	for (i = 0; i < NOPTS; i++) {
		lopts[i].name = sql_opts[i].lng;
		lopts[i].has_arg = sql_opts[i].has_arg ? required_argument : no_argument;
		lopts[i].val = sql_opts[i].shrt;
		if (sql_opts[i].shrt < 256) {
			shorts[k++] = (char)sql_opts[i].shrt;
			if (sql_opts[i].has_arg)
				shorts[k++] = ':';
		}
	}
	shorts[k] = '\0';
	optind = 1;
	for (;;) {
		c = cli_next_opt("sql", argc, argv, shorts, lopts);
		if (c == -1)
			break;
		switch (c) {
		case 'd':
			if (*optarg == '\0')
				return cli_usage_error("sql", "empty database path for -d");
			dbpath = optarg;
			break;
		case OPT_FORMAT:
			if (report_sqlout_parse_format(optarg, &fmt) != 0)
				return cli_usage_error("sql", "invalid --format '%s' (expected table, csv or json)", optarg);
			break;
		case 'h':
			usage(stdout);
			return TSM_EXIT_OK;
		default: /* -2: usage error already printed */
			return TSM_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error("sql", "missing SQL argument");
	if (argc - optind > 1)
		return cli_usage_error("sql", "too many arguments (quote the SQL as one argument): '%s'",
		                       argv[optind + 1]);

	d = db_open(dbpath, 1, SQL_BUSY_MS, err);
	if (d == NULL) {
		cli_errorf("%s: %s", dbpath, err);
		goto out;
	}
	so = report_sqlout_new(fmt, stdout);
	if (so == NULL) {
		cli_errorf("out of memory");
		goto out;
	}
	st = db_exec_query(d, argv[optind], report_sqlout_rowfn, so, err);
	if (report_sqlout_finish(so) != 0) {
		cli_errorf("cannot write the output");
		goto out;
	}
	if (st == TSM_ABORT) {
		cli_errorf("out of memory while formatting the result");
		goto out;
	}
	if (st != TSM_OK) {
		cli_errorf("%s", err);
		goto out;
	}
	if (db_snapshot_changed(d))
		cli_diagf(dbpath, 0, "warning", "the database changed while it was read (a writer "
		          "started): run the query again for a consistent answer");
	ret = TSM_EXIT_OK;
out:
	report_sqlout_free(so);
	db_close(d);
	return ret;
}
