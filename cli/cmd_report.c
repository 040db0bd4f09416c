/* cmd_report.c — `tsmem report` and `tsmem analyze` (ingest, then report):
 * option tables, help text, opening the database (read-write so that the
 * verdicts are stored; read-only with a note when it cannot be written),
 * choosing the renderer, writing -o FILE atomically (temp file + rename),
 * and the exit status (3 when --fail-on matched).
 *
 * The work itself is report_build / report_store_verdicts / report_text /
 * report_json / report_html / report_openmetrics (report/report.h) and
 * ingest_run (cli/ingest_run.h).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ingest_run.h"
#include "../report/report.h"

enum { FMT_TEXT = 0, FMT_JSON, FMT_HTML, FMT_OPENMETRICS };

enum {
	O_FORMAT = 256,
	O_ALLOCATOR,
	O_ALL,
	O_SINCE,
	O_UNTIL,
	O_FAILON,
	O_PARAM,
	O_RECORDS,
	O_WHOLE_HOST,
};

typedef struct rcfg {
	report_opts ro;
	const char *db_path;
	const char *outfile;
	int format;
	unsigned fail_mask;      /* bit per detect_verdict */
	int busy_ms;
	detect_params params;
	const char *records_path; /* --records */
	const ingest_sources *ingested; /* analyze: report on these only */
	int whole_host;           /* analyze --whole-host */
} rcfg;

/* The help of REPORT_LONG_OPTIONS but --host, whose meaning differs. */
#define REPORT_OPTIONS_HELP(host_help) \
	"  -d, --db DB              database (default $TSMEM_DB, else ./tsmem.db)\n" \
	host_help \
	"      --format FMT         text (default), json, html (one self-contained page with\n" \
	"                           charts) or openmetrics (for node_exporter's textfile collector)\n" \
	"      --allocator GLOB     only allocators whose name matches GLOB, e.g. 'ioBuf*'\n" \
	"      --all                text: show every allocator (default: iobuf buckets and any\n" \
	"                           verdict other than plateau/idle; JSON always lists all)\n" \
	"      --since T            only dumps at or after T: Unix seconds, 'YYYY-MM-DD[ HH:MM[:SS]]'\n" \
	"                           (UTC), or an age like 7d, 12h, 30m (before now)\n" \
	"      --until T            only dumps at or before T (same forms)\n" \
	"  -o, --output FILE        write the report to FILE (atomically) instead of stdout\n" \
	"      --fail-on V[,V]      exit 3 if any verdict is leak and/or churn\n" \
	"      --param NAME=VALUE   set a classifier threshold (repeatable; list below)\n" \
	"      --records FILE       records.config or records.yaml of the server: thread freelist\n" \
	"                           watermarks, hugepages, iobuf_chunk_sizes, threads, RAM cache\n" \
	"  -b, --busy-timeout MS    wait this long for a locked database (default 5000)\n"

static const char REPORT_HELP_HEAD[] =
	"usage: tsmem report [-d DB] [--format text|json|html|openmetrics] [--host NAME]\n"
	"                    [--allocator GLOB] [--all] [--since T] [--until T] [-o FILE]\n"
	"                    [--fail-on leak|churn]\n"
	"                    [--param NAME=VALUE]...\n"
	"\n"
	"Run the allocator model and the classifier over the stored dumps and say, per host,\n"
	"lifetime and allocator: leak, churn, plateau, warming, idle, insufficient_data or\n"
	"malloc_mode, with the evidence.  Verdicts are stored in the verdict table.\n"
	"\n" REPORT_OPTIONS_HELP("  -H, --host NAME          only this host\n")
	"  -h, --help               this help\n";

static const char ANALYZE_HELP_HEAD[] =
	"usage: tsmem analyze [report options] [ingest options] [--whole-host] [FILE...]\n"
	"\n"
	"Ingest FILEs (no FILE or '-' reads standard input; .gz is read transparently), then\n"
	"report on them: the lifetimes of the sources just ingested, or with --whole-host\n"
	"every lifetime stored for their host.  The main job: tsmem analyze traffic.out\n"
	"\n" REPORT_OPTIONS_HELP("  -H, --host NAME          host the dumps come from (default: this machine's name)\n")
	"      --whole-host         report every lifetime stored for the host, not only those\n"
	"                           of the files just ingested\n"
	"  -i, --interval S         seconds between periodic dumps (dump_mem_info_frequency)\n"
	"  -a, --anchor 'T@N'       local time T of dump number N (0-based) of the input\n"
	"  -y, --year Y             year of the year-less diags time stamps\n"
	"  -q, --quiet              no ingest summary line\n"
	"  -h, --help               this help\n";

/* The options of `report`, which `analyze` takes too: one list, used by
 * both tables below (with report_opt() its one parser). */
#define REPORT_LONG_OPTIONS \
	{"db", required_argument, NULL, 'd'}, \
	{"host", required_argument, NULL, 'H'}, \
	{"format", required_argument, NULL, O_FORMAT}, \
	{"allocator", required_argument, NULL, O_ALLOCATOR}, \
	{"all", no_argument, NULL, O_ALL}, \
	{"since", required_argument, NULL, O_SINCE}, \
	{"until", required_argument, NULL, O_UNTIL}, \
	{"output", required_argument, NULL, 'o'}, \
	{"fail-on", required_argument, NULL, O_FAILON}, \
	{"param", required_argument, NULL, O_PARAM}, \
	{"records", required_argument, NULL, O_RECORDS}, \
	{"busy-timeout", required_argument, NULL, 'b'}, \
	{"help", no_argument, NULL, 'h'}
#define REPORT_SHORT_OPTIONS "d:H:o:b:h"

static const struct option report_lopts[] = {
	REPORT_LONG_OPTIONS,
	{NULL, 0, NULL, 0},
};

/* analyze: the report options, then the ingest options it adds */
static const struct option analyze_lopts[] = {
	REPORT_LONG_OPTIONS,
	{"interval", required_argument, NULL, 'i'},
	{"anchor", required_argument, NULL, 'a'},
	{"year", required_argument, NULL, 'y'},
	{"quiet", no_argument, NULL, 'q'},
	{"whole-host", no_argument, NULL, O_WHOLE_HOST},
	{NULL, 0, NULL, 0},
};

static void print_help(const char *head)
{
	size_t i;

	fputs(head, stdout);
	fputs("\nClassifier parameters (--param NAME=VALUE; defaults shown):\n", stdout);
	for (i = 0; i < detect_param_count(); i++)
		printf("  %-19s %-9.10g %s\n", detect_param_name(i), detect_param_default(i),
		       detect_param_help(i));
	fputs("\nExit status: 0 ok, 1 usage error, 2 input/I/O/database error, 3 --fail-on matched.\n",
	      stdout);
}

/* Read exactly `n` decimal digits at *s into *out; advance.  0 or -1. */
static int digits(const char **s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return 0;
}

/* Unix seconds from "1700000000", "YYYY-MM-DD[( |T)HH:MM[:SS]][Z]" (UTC)
 * or an age "7d" / "12h" / "30m" / "45s" before now.  0 or -1. */
static int parse_when(const char *s, double *out)
{
	struct tm tm;
	char *end;
	double v;
	int Y, M, D, h = 0, m = 0, sec = 0;

	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end != s && errno == 0 && isfinite(v) && v >= 0 && s[0] != '-' && s[0] != '+') {
		if (*end == '\0') {
			*out = v;
			return 0;
		}
		if (end[1] == '\0' && strchr("dhms", *end) != NULL) {
			double mul = *end == 'd' ? 86400 : *end == 'h' ? 3600 : *end == 'm' ? 60 : 1;

			*out = (double)time(NULL) - v * mul;
			return 0;
		}
	}
	if (digits(&s, 4, &Y) || *s++ != '-' || digits(&s, 2, &M) || *s++ != '-' ||
	    digits(&s, 2, &D))
		return -1;
	if (*s == ' ' || *s == 'T') {
		s++;
		if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &m))
			return -1;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &sec))
				return -1;
		}
	}
	if (*s == 'Z')
		s++;
	if (*s != '\0' || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60 ||
	    Y < 1970)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	*out = (double)timegm(&tm);
	return 0;
}

static void rcfg_init(rcfg *c)
{
	memset(c, 0, sizeof *c);
	report_opts_init(&c->ro);
	c->ro.version = TSMEM_VERSION;
	c->db_path = cli_default_db();
	c->busy_ms = 5000;
	c->format = FMT_TEXT;
}

/* One report option: 1 handled, 0 not a report option, -1 usage error. */
static int report_opt(const char *cmd, int c, const char *arg, rcfg *cfg)
{
	char err[TSM_ERRLEN];
	double v;

	switch (c) {
	case 'd':
		if (*arg == '\0')
			return cli_usage_error(cmd, "--db must not be empty"), -1;
		cfg->db_path = arg;
		return 1;
	case 'H':
		if (*arg == '\0')
			return cli_usage_error(cmd, "--host must not be empty"), -1;
		cfg->ro.host = arg;
		return 1;
	case O_FORMAT:
		if (strcmp(arg, "text") == 0)
			cfg->format = FMT_TEXT;
		else if (strcmp(arg, "json") == 0)
			cfg->format = FMT_JSON;
		else if (strcmp(arg, "html") == 0)
			cfg->format = FMT_HTML;
		else if (strcmp(arg, "openmetrics") == 0)
			cfg->format = FMT_OPENMETRICS;
		else
			return cli_usage_error(cmd, "bad --format '%s': text, json, html or openmetrics",
			                       arg), -1;
		return 1;
	case O_ALLOCATOR:
		if (*arg == '\0')
			return cli_usage_error(cmd, "--allocator needs a name or glob"), -1;
		cfg->ro.glob = arg;
		return 1;
	case O_ALL:
		cfg->ro.all = 1;
		return 1;
	case O_SINCE:
	case O_UNTIL:
		if (parse_when(arg, &v) != 0)
			return cli_usage_error(cmd, "bad --%s '%s': Unix seconds, 'YYYY-MM-DD HH:MM:SS' "
			                       "(UTC) or an age like 7d", c == O_SINCE ? "since" : "until",
			                       arg), -1;
		if (c == O_SINCE)
			cfg->ro.range.since = v;
		else
			cfg->ro.range.until = v;
		return 1;
	case 'o':
		if (*arg == '\0')
			return cli_usage_error(cmd, "--output must not be empty"), -1;
		cfg->outfile = arg;
		return 1;
	case O_FAILON: {
		const char *p = arg;

		while (*p != '\0') {
			size_t len = strcspn(p, ",");

			if (len == 4 && strncmp(p, "leak", 4) == 0)
				cfg->fail_mask |= 1u << DETECT_V_LEAK;
			else if (len == 5 && strncmp(p, "churn", 5) == 0)
				cfg->fail_mask |= 1u << DETECT_V_CHURN;
			else
				return cli_usage_error(cmd, "bad --fail-on '%s': leak, churn or leak,churn",
				                       arg), -1;
			p += len;
			if (*p == ',')
				p++;
		}
		if (cfg->fail_mask == 0)
			return cli_usage_error(cmd, "bad --fail-on '%s': leak, churn or leak,churn",
			                       arg), -1;
		return 1;
	}
	case O_PARAM:
		if (detect_param_set(&cfg->ro.params, arg, err) != TSM_OK)
			return cli_usage_error(cmd, "bad --param: %s", err), -1;
		return 1;
	case O_RECORDS:
		if (*arg == '\0')
			return cli_usage_error(cmd, "--records must not be empty"), -1;
		cfg->records_path = arg;
		return 1;
	case 'b':
		{
			char *end;

			errno = 0;
			v = strtod(arg, &end);
			if (end == arg || *end != '\0' || errno || v < 0 || v > 3600000 || v != floor(v))
				return cli_usage_error(cmd, "bad --busy-timeout '%s': milliseconds", arg), -1;
		}
		cfg->busy_ms = (int)v;
		return 1;
	}
	return 0;
}

static int check_range(const char *cmd, const rcfg *cfg)
{
	if (isfinite(cfg->ro.range.since) && isfinite(cfg->ro.range.until) &&
	    cfg->ro.range.since > cfg->ro.range.until)
		return cli_usage_error(cmd, "--since is after --until"), -1;
	return 0;
}

/* The renderer of `format`. */
static tsm_status render(const report *r, FILE *f, int format, unsigned flags, char *err)
{
	switch (format) {
	case FMT_JSON:
		return report_json(r, f, flags, err);
	case FMT_HTML:
		return report_html(r, f, flags, err);
	case FMT_OPENMETRICS:
		return report_openmetrics(r, f, flags, err);
	default:
		return report_text(r, f, flags, err);
	}
}

/* Render into a temp file next to `path`, then rename it into place. */
static int write_atomic(const char *path, const report *r, int format)
{
	char tmp[PATH_MAX], err[TSM_ERRLEN] = "";
	const char *slash = strrchr(path, '/');
	FILE *f = NULL;
	mode_t um;
	int fd, ok = 0;

	if (cli_output_is_special(path)) {
		/* /dev/stdout, a FIFO...: write in place, never rename over it */
		f = fopen(path, "w");
		ok = f != NULL && render(r, f, format, 0, err) == TSM_OK;
		if (f != NULL && fclose(f) != 0)
			ok = 0;
		if (!ok) {
			cli_errorf("%s: %s", path, err[0] ? err : strerror(errno));
			return TSM_EXIT_DATA;
		}
		return TSM_EXIT_OK;
	}
	if (slash != NULL)
		snprintf(tmp, sizeof tmp, "%.*s/.%s.tmpXXXXXX", (int)(slash - path), path, slash + 1);
	else
		snprintf(tmp, sizeof tmp, ".%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		cli_errorf("%s: cannot create a temporary file: %s", path, strerror(errno));
		return TSM_EXIT_DATA;
	}
	um = umask(0);
	umask(um);
	(void)fchmod(fd, 0666 & ~um);
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		goto out;
	}
	if (render(r, f, format, 0, err) != TSM_OK)
		goto out;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		goto out;
	ok = 1;
out:
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (!ok) {
		cli_errorf("%s: %s", path, err[0] ? err : strerror(errno));
		unlink(tmp);
		return TSM_EXIT_DATA;
	}
	return TSM_EXIT_OK;
}

typedef struct records_ctx {
	const char *path;
	int warnings;
} records_ctx;

static void records_diag(void *ctx, const tsm_diag *dg)
{
	records_ctx *rc = ctx;

	rc->warnings++;
	cli_diagf(rc->path, (unsigned long long)dg->line, tsm_severity_name(dg->severity), "%s [%s]", dg->message,
	          dg->code);
}

/* Read --records into memory and report its malformed values once.
 * Returns 0, or -1 after an error message (unreadable file). */
static int load_records(rcfg *cfg, char **text)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, len = 0, n;
	model_config scratch;
	records_ctx rc = {cfg->records_path, 0};

	*text = NULL;
	f = fopen(cfg->records_path, "rb");
	if (f == NULL) {
		cli_errorf("%s: %s", cfg->records_path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			char *nb;
			if (cap >= 16u << 20) {
				cli_errorf("%s: larger than 16 MiB: not a records file", cfg->records_path);
				goto fail;
			}
			nb = realloc(buf, cap ? cap * 2 : 65536);
			if (nb == NULL)
				goto fail;
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		cli_errorf("%s: read error", cfg->records_path);
		goto fail;
	}
	fclose(f);
	model_config_init(&scratch, MODEL_V_UNKNOWN);
	(void)model_records_parse(buf, len, &scratch, records_diag, &rc);
	cfg->ro.records = buf;
	cfg->ro.records_len = len;
	*text = buf;
	return 0;
fail:
	fclose(f);
	free(buf);
	return -1;
}

/* Open, build, store, render.  `require_host`: an unknown --host is an
 * error (report) rather than an empty report (analyze). */
static int run_report_db(rcfg *cfg, int require_host);

static int run_report(rcfg *cfg, int require_host)
{
	char *records_text = NULL;
	int rc;

	if (cfg->records_path != NULL && load_records(cfg, &records_text) != 0)
		return TSM_EXIT_DATA;
	rc = run_report_db(cfg, require_host);
	free(records_text);
	return rc;
}

static int run_report_db(rcfg *cfg, int require_host)
{
	char err[TSM_ERRLEN] = "";
	report r;
	db *d = NULL;
	int readonly = 0, rc = TSM_EXIT_OK, wrc;
	int64_t *ids = NULL;
	unsigned flags = 0;
	const char *nc;
	size_t v;

	memset(&r, 0, sizeof r);
	if (cfg->format == FMT_HTML)
		cfg->ro.chart_bins = REPORT_CHART_BINS;
	if (access(cfg->db_path, F_OK) != 0) {
		cli_errorf("%s: no such database (run 'tsmem ingest' first)", cfg->db_path);
		return TSM_EXIT_DATA;
	}
	d = db_open(cfg->db_path, 0, cfg->busy_ms, err);
	if (d == NULL) {
		char err2[TSM_ERRLEN] = "";

		d = db_open(cfg->db_path, 1, cfg->busy_ms, err2);
		if (d == NULL) {
			cli_errorf("%s: %s", cfg->db_path, err);
			return TSM_EXIT_DATA;
		}
		readonly = 1;
	}
	if (cfg->ingested != NULL && !cfg->whole_host) {
		size_t i, n = cfg->ingested->n;

		ids = malloc((n ? n : 1) * sizeof *ids);
		if (ids == NULL) {
			cli_errorf("out of memory");
			db_close(d);
			return TSM_EXIT_DATA;
		}
		for (i = 0; i < n; i++)
			if (db_source_id(d, cfg->ro.host, cfg->ingested->identity[i], &ids[i], err) != TSM_OK) {
				cli_errorf("%s: %s", cfg->db_path, err);
				free(ids);
				db_close(d);
				return TSM_EXIT_DATA;
			}
		cfg->ro.sources = ids;
		cfg->ro.nsources = n;
	}
	if (report_build(d, &cfg->ro, &r, err) != TSM_OK) {
		cli_errorf("%s: %s", cfg->db_path, err);
		free(ids);
		db_close(d);
		return TSM_EXIT_DATA;
	}
	if (require_host && cfg->ro.host != NULL && r.nhosts == 0) {
		cli_errorf("%s: no dumps for host '%s'", cfg->db_path, cfg->ro.host);
		rc = TSM_EXIT_DATA;
		goto out;
	}
	if (db_snapshot_changed(d))
		report_note(&r, "the database changed while it was read (a writer started): run "
		            "again for a consistent report");
	if (readonly)
		report_note(&r, "verdicts not stored: the database is read-only");
	else if (report_store_verdicts(d, &r, err) != TSM_OK)
		report_note(&r, "verdicts not stored: %s", err);
	nc = getenv("NO_COLOR");
	if (cfg->outfile == NULL && isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0'))
		flags |= REPORT_F_COLOR;
	if (cfg->outfile != NULL) {
		wrc = write_atomic(cfg->outfile, &r, cfg->format);
	} else {
		tsm_status st = render(&r, stdout, cfg->format, flags, err);

		wrc = TSM_EXIT_OK;
		if (st != TSM_OK) {
			cli_errorf("standard output: %s", err);
			wrc = TSM_EXIT_DATA;
		}
	}
	if (wrc != TSM_EXIT_OK) {
		rc = wrc;
		goto out;
	}
	for (v = 0; v < DETECT_V_COUNT; v++)
		if ((cfg->fail_mask & (1u << v)) && report_count(&r, (detect_verdict)v) > 0)
			rc = TSM_EXIT_FAILON;
out:
	report_free(&r);
	free(ids);
	db_close(d);
	return rc;
}

int cli_report(int argc, char **argv)
{
	rcfg cfg;
	int c, h;

	rcfg_init(&cfg);
	optind = 1;
	while ((c = cli_next_opt("report", argc, argv, ":" REPORT_SHORT_OPTIONS, report_lopts)) != -1) {
		if (c == -2)
			return TSM_EXIT_USAGE;
		if (c == 'h') {
			print_help(REPORT_HELP_HEAD);
			return TSM_EXIT_OK;
		}
		h = report_opt("report", c, optarg, &cfg);
		if (h != 1)
			return TSM_EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error("report", "unexpected argument '%s'", argv[optind]);
	if (check_range("report", &cfg) != 0)
		return TSM_EXIT_USAGE;
	return run_report(&cfg, 1);
}

int cli_analyze(int argc, char **argv)
{
	rcfg cfg;
	ingest_cfg ic;
	ingest_sources src;
	char hostbuf[256];
	int c, h, rc;

	rcfg_init(&cfg);
	ingest_cfg_init(&ic);
	optind = 1;
	while ((c = cli_next_opt("analyze", argc, argv, ":" REPORT_SHORT_OPTIONS "i:a:y:q", analyze_lopts)) != -1) {
		if (c == -2)
			return TSM_EXIT_USAGE;
		if (c == 'h') {
			print_help(ANALYZE_HELP_HEAD);
			return TSM_EXIT_OK;
		}
		if (c == O_WHOLE_HOST) {
			cfg.whole_host = 1;
			continue;
		}
		h = report_opt("analyze", c, optarg, &cfg);
		if (h == -1)
			return TSM_EXIT_USAGE;
		/* -d, -H and -b belong to both halves */
		if (h == 1 && c != 'd' && c != 'H' && c != 'b')
			continue;
		if (ingest_parse_opt("analyze", c, optarg, &ic) != 1)
			return TSM_EXIT_USAGE;
	}
	if (check_range("analyze", &cfg) != 0)
		return TSM_EXIT_USAGE;
	if (ic.host == NULL) {
		if (gethostname(hostbuf, sizeof hostbuf) != 0 || hostbuf[0] == '\0')
			snprintf(hostbuf, sizeof hostbuf, "localhost");
		hostbuf[sizeof hostbuf - 1] = '\0';
		ic.host = hostbuf;
	}
	cfg.ro.host = ic.host;
	cfg.db_path = ic.db_path;
	memset(&src, 0, sizeof src);
	ic.sources = &src;
	cfg.ingested = &src;
	rc = ingest_run(&ic, argc - optind, argv + optind);
	if (rc == TSM_EXIT_OK)
		rc = run_report(&cfg, 0);
	free(src.identity);
	return rc;
}
