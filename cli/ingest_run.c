/* ingest_run.c — drive an ingest: inputs → parser → db, with diagnostics
 * on stderr (the first few of each kind, then a count), the summary line,
 * --follow (tail -F semantics) and the dry-run used by `inspect`.
 *
 * An ingest parses in a worker thread (cli/pipe.h) while this thread reads
 * the input and does all the SQLite work; see `struct chain` below.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cli.h"
#include "ingest_run.h"
#include "inputs.h"
#include "pipe.h"
#include "progress.h"

#define READ_CHUNK (256 * 1024)
#define MAX_CODES 32

typedef struct lt_info {
	parser_format format;
	parser_mode mode;
	const char *reason;
	uint64_t dumps, complete, sigusr1, baseline, rows;
	uint64_t first_line, last_line;
} lt_info;

typedef struct run {
	const ingest_cfg *cfg;
	const char *file;        /* display name */
	db_ingest *in;
	char err[TSM_ERRLEN];
	int failed;
	/* stderr throttling per code */
	const char *codes[MAX_CODES];
	uint64_t counts[MAX_CODES];
	int ncodes;
	uint64_t warnings, errors;
	/* dry run (inspect) */
	timeline_dump *tl;
	size_t ntl, captl;
	parser_anchor *an;
	size_t nan, capan;
	lt_info *lt;
	size_t nlt, caplt;
	uint64_t markers, resources;
} run;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void ingest_cfg_init(ingest_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->db_path = cli_default_db();
	cfg->busy_ms = 5000;
	cfg->max_warnings_per_code = 5;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int ingest_parse_age(const char *s, double *secs)
{
	static const struct {
		char unit;
		double secs;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
	char *end;
	double v, mul = 1;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return -1;
	if (*end != '\0') {
		for (i = 0; i < sizeof units / sizeof units[0]; i++)
			if (end[0] == units[i].unit && end[1] == '\0')
				break;
		if (i == sizeof units / sizeof units[0])
			return -1;
		mul = units[i].secs;
	}
	if (v * mul > 100.0 * 365 * 86400)
		return -1;
	*secs = v * mul;
	return 0;
}

int ingest_parse_opt(const char *cmd, int opt, const char *arg, ingest_cfg *cfg)
{
	double v;
	uint64_t idx;

	switch (opt) {
	case 'd':
		cfg->db_path = arg;
		return 1;
	case 'H':
		if (*arg == '\0') {
			cli_usage_error(cmd, "--host must not be empty");
			return -1;
		}
		cfg->host = arg;
		return 1;
	case 'i':
		if (parse_double(arg, &v) != 0 || v <= 0 || v > 86400 * 7) {
			cli_usage_error(cmd, "bad --interval '%s': seconds between dumps, > 0", arg);
			return -1;
		}
		cfg->interval = v;
		return 1;
	case 'a':
		if (timeline_parse_anchor(arg, &v, &idx) != 0) {
			cli_usage_error(cmd, "bad --anchor '%s': expected 'YYYY-MM-DD HH:MM:SS@N'", arg);
			return -1;
		}
		cfg->anchor = arg;
		return 1;
	case 'y':
		if (parse_double(arg, &v) != 0 || v < 1970 || v > 9999 || v != (int)v) {
			cli_usage_error(cmd, "bad --year '%s'", arg);
			return -1;
		}
		cfg->year = (int)v;
		return 1;
	case 'f':
		cfg->follow = 1;
		return 1;
	case 'E':
		if (parse_double(arg, &v) != 0 || v <= 0) {
			cli_usage_error(cmd, "bad --follow-exit-idle '%s'", arg);
			return -1;
		}
		cfg->follow_idle_exit = v;
		return 1;
	case 'b':
		if (parse_double(arg, &v) != 0 || v < 0 || v > 3600000 || v != (int)v) {
			cli_usage_error(cmd, "bad --busy-timeout '%s': milliseconds", arg);
			return -1;
		}
		cfg->busy_ms = (int)v;
		return 1;
	case 'q':
		cfg->quiet = 1;
		return 1;
	case 'R':
		if (ingest_parse_age(arg, &v) != 0) {
			cli_usage_error(cmd, "bad --retain '%s': an age such as 3600, 90m, 36h, 30d or 8w", arg);
			return -1;
		}
		cfg->retain_s = v;
		return 1;
	}
	return 0;
}

/* ---- parser callbacks -------------------------------------------------------- */

static int code_index(run *r, const char *code)
{
	int i;

	for (i = 0; i < r->ncodes; i++)
		if (strcmp(r->codes[i], code) == 0)
			return i;
	if (r->ncodes == MAX_CODES)
		return MAX_CODES - 1;
	r->codes[r->ncodes] = code;
	return r->ncodes++;
}

static int cb_diag(void *ctx, const tsm_diag *dg)
{
	run *r = ctx;

	if (dg->severity == TSM_SEV_WARNING)
		r->warnings++;
	else if (dg->severity == TSM_SEV_ERROR)
		r->errors++;
	if (dg->severity >= TSM_SEV_WARNING) {
		int k = code_index(r, dg->code);
		if (++r->counts[k] <= (uint64_t)r->cfg->max_warnings_per_code) {
			cli_progress_interrupt();
			cli_diagf(r->file, (unsigned long long)dg->line, tsm_severity_name(dg->severity), "%s [%s]",
			          dg->message, dg->code);
		}
	}
	if (r->in != NULL && db_ingest_diag(r->in, dg, r->err) != TSM_OK) {
		r->failed = 1;
		return 1;
	}
	return 0;
}

static int cb_dump(void *ctx, const parser_dump *d)
{
	run *r = ctx;

	if (r->cfg->dry_run) {
		if (r->ntl == r->captl) {
			size_t nc = r->captl ? r->captl * 2 : 1024;
			timeline_dump *t = realloc(r->tl, nc * sizeof *t);
			if (t == NULL)
				return 1;
			r->tl = t;
			r->captl = nc;
		}
		r->tl[r->ntl].seq = d->seq;
		r->tl[r->ntl].lifetime = d->lifetime;
		r->tl[r->ntl].line = d->line;
		r->tl[r->ntl].kind = (int)d->kind;
		r->ntl++;
		if (d->new_lifetime || r->nlt == 0) {
			if (r->nlt == r->caplt) {
				size_t nc = r->caplt ? r->caplt * 2 : 16;
				lt_info *l = realloc(r->lt, nc * sizeof *l);
				if (l == NULL)
					return 1;
				r->lt = l;
				r->caplt = nc;
			}
			memset(&r->lt[r->nlt], 0, sizeof r->lt[0]);
			r->lt[r->nlt].format = d->format;
			r->lt[r->nlt].reason = d->start_reason ? d->start_reason : "first-dump";
			r->lt[r->nlt].first_line = d->line;
			r->nlt++;
		}
		{
			lt_info *l = &r->lt[r->nlt - 1];
			l->mode = d->mode;
			l->dumps++;
			l->complete += d->complete ? 1 : 0;
			l->sigusr1 += d->kind == PARSER_KIND_SIGUSR1;
			l->baseline += d->kind == PARSER_KIND_BASELINE;
			l->rows += d->nrows;
			l->last_line = d->line;
		}
		return 0;
	}
	if (db_ingest_dump(r->in, d, r->err) != TSM_OK) {
		r->failed = 1;
		return 1;
	}
	return 0;
}

static int cb_resource(void *ctx, const parser_resource *res)
{
	run *r = ctx;

	r->resources++;
	if (r->in != NULL && db_ingest_resource(r->in, res, r->err) != TSM_OK) {
		r->failed = 1;
		return 1;
	}
	return 0;
}

static int cb_anchor(void *ctx, const parser_anchor *a)
{
	run *r = ctx;

	if (r->cfg->dry_run) {
		if (r->nan == r->capan) {
			size_t nc = r->capan ? r->capan * 2 : 256;
			parser_anchor *x = realloc(r->an, nc * sizeof *x);
			if (x == NULL)
				return 1;
			r->an = x;
			r->capan = nc;
		}
		r->an[r->nan++] = *a;
		return 0;
	}
	if (db_ingest_anchor(r->in, a, r->err) != TSM_OK) {
		r->failed = 1;
		return 1;
	}
	return 0;
}

static int cb_marker(void *ctx, const parser_marker *m)
{
	run *r = ctx;

	(void)m;
	r->markers++;
	return 0;
}

/* ---- inputs ------------------------------------------------------------------ */

static const char *host_name(const ingest_cfg *cfg, char *buf, size_t n)
{
	if (cfg->host != NULL)
		return cfg->host;
	if (gethostname(buf, n) != 0 || buf[0] == '\0')
		snprintf(buf, n, "localhost");
	buf[n - 1] = '\0';
	return buf;
}

typedef struct totals {
	uint64_t files, bytes, dumps, rows, skipped, lifetimes, warnings, removed;
} totals;

static void print_inspect(run *r, const parser_stats *st, const timeline_opts *to)
{
	size_t i, k = 0;
	double interval = timeline_assign(r->tl, r->ntl, r->an, r->nan, to);
	char b1[64], b2[64];

	printf("%s: %llu lines, %llu bytes, %llu dumps, %llu rows, %zu lifetime%s, %zu time anchors, %llu markers, "
	       "%llu warnings\n",
	       r->file, (unsigned long long)st->lines, (unsigned long long)st->bytes, (unsigned long long)st->dumps,
	       (unsigned long long)st->rows, r->nlt, r->nlt == 1 ? "" : "s", r->nan, (unsigned long long)r->markers,
	       (unsigned long long)r->warnings);
	if (interval > 0)
		printf("  interval: %.0f s%s\n", interval, to->interval > 0 ? " (given)" : " (estimated)");
	for (i = 0; i < r->nlt; i++) {
		lt_info *l = &r->lt[i];
		timeline_dump *first = &r->tl[k], *last = &r->tl[k + l->dumps - 1];
		int q = (int)first->quality;
		size_t nq[TL_RELATIVE + 1] = {0}, back = 0;
		for (size_t j = k; j < k + l->dumps; j++) {
			if ((int)r->tl[j].quality != q)
				q = -1;
			if ((size_t)r->tl[j].quality <= TL_RELATIVE)
				nq[r->tl[j].quality]++;
			if (j > k && r->tl[j].ts < r->tl[j - 1].ts)
				back++;
		}
		b1[0] = b2[0] = '\0';
		if (!isnan(first->ts) && first->quality != TL_RELATIVE) {
			time_t t = (time_t)first->ts;
			strftime(b1, sizeof b1, "%Y-%m-%d %H:%M:%S", localtime(&t));
			t = (time_t)last->ts;
			strftime(b2, sizeof b2, "%Y-%m-%d %H:%M:%S", localtime(&t));
		}
		printf("  lifetime %zu: format %s, mode %s, started by %s, %llu dumps (%llu complete, %llu sigusr1, "
		       "%llu baseline), lines %llu-%llu",
		       i, parser_format_name(l->format), parser_mode_name(l->mode), l->reason,
		       (unsigned long long)l->dumps, (unsigned long long)l->complete, (unsigned long long)l->sigusr1,
		       (unsigned long long)l->baseline, (unsigned long long)l->first_line,
		       (unsigned long long)l->last_line);
		if (b1[0])
			printf(", %s .. %s", b1, b2);
		if (q >= 0) {
			printf(", time %s", timeline_quality_name((timeline_quality)q));
		} else {
			/* say what the dumps' times came from, each kind counted */
			const char *sep = "";
			int t;

			printf(", time mixed (");
			for (t = 0; t <= TL_RELATIVE; t++)
				if (nq[t] > 0) {
					printf("%s%zu %s", sep, nq[t], timeline_quality_name((timeline_quality)t));
					sep = ", ";
				}
			printf(")");
		}
		if (back > 0)
			printf(", times go back %zu time%s (overlapping files?): reports use dump numbers",
			       back, back == 1 ? "" : "s");
		putchar('\n');
		if (q < 0)
			printf("    time mixed: its dumps' times come from different sources (exact_bracket: diags\n"
			       "    lines around the dump; propagated: carried by the interval from an anchor;\n"
			       "    upper_bound: the file's end; relative: the interval only; unknown: none);\n"
			       "    the report names the worst of them\n");
		k += l->dumps;
	}
}

/* The parser shared by the files of one stream (a rotated set, several
 * files, or a followed file across rotations): lifetimes continue from one
 * file into the next.  `inspect` gives every file its own parser.
 *
 * An ingest runs the parser in a worker thread (cli/pipe.h) so that it
 * overlaps the SQLite work: the main thread reads the input, submits each
 * chunk, and handles the parser's records with the callbacks above, in the
 * parser's order; every db call and every message stays in this thread.
 * Reading the next chunk overlaps the parse of the previous one (two
 * buffers).  Every step that must see all records so far (end of input,
 * --follow's flush and commit, a read error, the end of a file) first
 * waits for all submitted commands.  `inspect` calls the parser directly. */
typedef struct chain {
	parser *p;               /* inspect: the parser, callbacks direct */
	parse_pipe *pp;          /* ingest: the parser in its thread */
	tsm_status status;       /* first non-OK status of a parser call, sticky */
	uint64_t dumps;          /* parser's dump count after the last call done */
	run r;
	int last_file;           /* this is the last FILE argument */
	int64_t cont_id;         /* lifetime row of the previous file's last dump */
	uint64_t cont_index;
} chain;

static int chain_parser(chain *ch, char *err)
{
	parser_callbacks cb;

	if (ch->p != NULL || ch->pp != NULL)
		return 0;
	ch->status = TSM_OK;
	ch->dumps = 0;
	if (!ch->r.cfg->dry_run) {
		ch->pp = pipe_start(err);
		return ch->pp != NULL ? 0 : -1;
	}
	memset(&cb, 0, sizeof cb);
	cb.ctx = &ch->r;
	cb.on_dump = cb_dump;
	cb.on_resource = cb_resource;
	cb.on_anchor = cb_anchor;
	cb.on_marker = cb_marker;
	cb.on_diag = cb_diag;
	ch->p = parser_new(&cb, err);
	return ch->p != NULL ? 0 : -1;
}

static void chain_free(chain *ch)
{
	pipe_free(ch->pp);
	ch->pp = NULL;
	parser_free(ch->p);
	ch->p = NULL;
}

/* Handle the worker's records until at most `keep` commands are
 * outstanding.  A callback that fails stops the parser, as it would stop a
 * direct one.  Returns ch->status. */
static tsm_status drain(chain *ch, int keep)
{
	pipe_event ev;
	int stop;

	if (ch->pp == NULL)
		return ch->status;
	while (pipe_outstanding(ch->pp) > keep && pipe_next(ch->pp, &ev) == 0) {
		switch (ev.kind) {
		case PIPE_EV_DUMP:
			stop = cb_dump(&ch->r, ev.dump);
			break;
		case PIPE_EV_RESOURCE:
			stop = cb_resource(&ch->r, ev.resource);
			break;
		case PIPE_EV_ANCHOR:
			stop = cb_anchor(&ch->r, ev.anchor);
			break;
		case PIPE_EV_MARKER:
			stop = cb_marker(&ch->r, ev.marker);
			break;
		case PIPE_EV_DIAG:
			stop = cb_diag(&ch->r, ev.diag);
			break;
		default:
			stop = 0;
			ch->dumps = ev.dumps;
			if (ev.status != TSM_OK && ch->status == TSM_OK)
				ch->status = ev.status;
			break;
		}
		if (stop) {
			pipe_abort(ch->pp);
			ch->status = TSM_ABORT;
		}
	}
	return ch->status;
}

/* Feed a chunk.  Threaded: returns once the previous chunk is parsed and
 * its records handled, so that its buffer can be read into again. */
static tsm_status chain_feed(chain *ch, const char *buf, size_t n)
{
	if (ch->pp == NULL) {
		tsm_status st = parser_feed(ch->p, buf, n);
		ch->dumps = parser_get_stats(ch->p)->dumps;
		return st;
	}
	if (ch->status == TSM_OK && pipe_submit(ch->pp, PIPE_FEED, buf, n) != 0)
		ch->status = TSM_ERR;
	return drain(ch, 1);
}

/* Flush, start a new stream or finish, with every record handled. */
static tsm_status chain_call(chain *ch, pipe_cmd cmd)
{
	if (ch->pp == NULL) {
		switch (cmd) {
		case PIPE_FLUSH:
			return parser_flush(ch->p);
		case PIPE_NEW_STREAM:
			return parser_new_stream(ch->p);
		default:
			return parser_finish(ch->p);
		}
	}
	if (drain(ch, 0) != TSM_OK)
		return ch->status;
	if (pipe_submit(ch->pp, cmd, NULL, 0) != 0)
		ch->status = TSM_ERR;
	return drain(ch, 0);
}

/* Remember a source for the caller (once).  0 or -1 (out of memory). */
static int add_source(ingest_sources *s, const char *ident)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->identity[i], ident) == 0)
			return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		char (*ni)[DB_IDENTITY_MAX] = realloc(s->identity, nc * sizeof *ni);

		if (ni == NULL)
			return -1;
		s->identity = ni;
		s->cap = nc;
	}
	snprintf(s->identity[s->n++], DB_IDENTITY_MAX, "%s", ident);
	return 0;
}

/* Ingest (or inspect) one input.  Returns an exit status. */
static int one_input(const ingest_cfg *cfg, db *d, const char *path, totals *tot, const char *host, chain *ch)
{
	run *r = &ch->r;
	gzFile gz = NULL;
	char *bufs = NULL, *buf, ident[DB_IDENTITY_MAX];
	int is_stdin = strcmp(path, "-") == 0, rc = TSM_EXIT_OK, first = 1, rotated = 0, end_rc, cur = 0;
	struct stat sb;
	timeline_opts to;
	db_ingest_opts io;
	double idle = 0;
	ino_t ino = 0;
	off_t consumed = 0;
	cli_progress pg;

	cli_progress_begin(&pg, NULL, -1, 0);
	free(r->tl);
	free(r->an);
	free(r->lt);
	memset(r, 0, sizeof *r);
	memset(&to, 0, sizeof to);
	r->cfg = cfg;
	r->file = is_stdin ? "<stdin>" : path;
	to.interval = cfg->interval;
	to.year = cfg->year;
	if (cfg->anchor != NULL) {
		to.has_anchor = 1;
		timeline_parse_anchor(cfg->anchor, &to.anchor_ts, &to.anchor_index);
	}
	if (!is_stdin) {
		if (stat(path, &sb) != 0) {
			cli_errorf("%s: %s", path, strerror(errno));
			return TSM_EXIT_DATA;
		}
		ino = sb.st_ino;
		to.mtime = (double)sb.st_mtime;
		if (timeline_rotated_bounds(path, &to.rot_start, &to.rot_end) != 0) {
			size_t n = strlen(path);
			to.active = !(n > 3 && strcmp(path + n - 3, ".gz") == 0);
		}
	}
	if (chain_parser(ch, r->err) != 0) {
		cli_errorf("%s", r->err);
		return TSM_EXIT_DATA;
	}
	gz = is_stdin ? gzdopen(dup(0), "rb") : gzopen(path, "rb");
	/* two buffers: one is read into while the worker parses the other */
	bufs = malloc(2 * (size_t)READ_CHUNK);
	if (gz == NULL || bufs == NULL) {
		cli_errorf("%s: cannot open: %s", r->file, errno ? strerror(errno) : "out of memory");
		rc = TSM_EXIT_DATA;
		goto out;
	}
	gzbuffer(gz, READ_CHUNK);
	cli_progress_begin(&pg, r->file, cli_progress_input_size(path), !cfg->quiet && !cfg->dry_run);
	for (;;) {
		int n;

		buf = bufs + (size_t)cur * READ_CHUNK;
		n = gzread(gz, buf, READ_CHUNK);
		if (n < 0) {
			int e;
			const char *m = gzerror(gz, &e);
			drain(ch, 0); /* the records read before come first */
			cli_diagf(r->file, 0, "error", "read error: %s", e == Z_ERRNO ? strerror(errno) : m);
			rc = TSM_EXIT_DATA;
			break;
		}
		if (n > 0 && first) {
			first = 0;
			if (!cfg->dry_run) {
				if (db_source_match(d, host, buf, (size_t)n, ident, r->err) != TSM_OK) {
					cli_errorf("%s: %s", cfg->db_path, r->err);
					rc = TSM_EXIT_DATA;
					goto out;
				}
				memset(&io, 0, sizeof io);
				io.host = host;
				io.path = is_stdin ? "-" : path;
				io.identity = ident;
				io.commit_each_dump = cfg->follow;
				io.continue_lifetime_id = ch->cont_id;
				io.continue_lifetime_index = ch->cont_index;
				io.retain_s = cfg->retain_s;
				r->in = db_ingest_begin(d, &io, r->err);
				if (r->in == NULL) {
					cli_errorf("%s: %s", cfg->db_path, r->err);
					rc = TSM_EXIT_DATA;
					goto out;
				}
				if (cfg->sources != NULL && add_source(cfg->sources, ident) != 0) {
					cli_errorf("out of memory");
					rc = TSM_EXIT_DATA;
					goto out;
				}
			}
		}
		if (n > 0) {
			idle = 0;
			consumed += n;
			if (chain_feed(ch, buf, (size_t)n) != TSM_OK)
				break;
			cur ^= 1;
			cli_progress_update(&pg, (uint64_t)consumed, (int64_t)gzoffset(gz), ch->dumps);
			continue;
		}
		if (drain(ch, 0) != TSM_OK) /* every record of the input so far */
			break;
		cli_progress_end(&pg); /* end of input (--follow: caught up) */
		if (!cfg->follow || is_stdin || stop_requested)
			break;
		/* --follow: flush what is complete, wait, check for rotation */
		if (chain_call(ch, PIPE_FLUSH) != TSM_OK)
			break;
		if (r->in != NULL && db_ingest_commit(r->in, r->err) != TSM_OK) {
			r->failed = 1;
			break;
		}
		gzclearerr(gz);
		usleep(200 * 1000);
		idle += 0.2;
		if (cfg->follow_idle_exit > 0 && idle >= cfg->follow_idle_exit)
			break;
		if (stat(path, &sb) == 0 && (sb.st_ino != ino || sb.st_size < consumed)) {
			/* rotated (new inode) or copytruncated: the stream goes on in a new file */
			rotated = 1;
			break;
		}
	}
	/* Dumps still held by the parser belong to this file unless the stream
	 * continues in another one. */
	if ((ch->last_file || cfg->dry_run) && !rotated)
		end_rc = chain_call(ch, PIPE_FINISH) == TSM_OK;
	else
		end_rc = chain_call(ch, PIPE_NEW_STREAM) == TSM_OK;
	if (!end_rc && !r->failed)
		r->failed = 1;
	if (r->failed) {
		cli_errorf("%s: %s", cfg->db_path, r->err);
		rc = TSM_EXIT_DATA;
		goto out;
	}
	if (cfg->dry_run) {
		print_inspect(r, parser_get_stats(ch->p), &to);
	} else if (r->in != NULL) {
		const db_ingest_stats *ds;
		if (!is_stdin && stat(path, &sb) == 0)
			to.mtime = (double)sb.st_mtime;
		if (db_ingest_last_lifetime(r->in, &ch->cont_id, &ch->cont_index, r->err) != TSM_OK ||
		    db_ingest_finish(r->in, &to, r->err) != TSM_OK) {
			cli_errorf("%s: %s", cfg->db_path, r->err);
			rc = TSM_EXIT_DATA;
			goto out;
		}
		ds = db_ingest_get_stats(r->in);
		tot->dumps += ds->dumps;
		tot->rows += ds->rows;
		tot->skipped += ds->skipped_dumps;
		tot->lifetimes += ds->lifetimes;
		tot->removed += ds->removed_dumps;
	}
	{
		int i;
		for (i = 0; i < r->ncodes; i++)
			if (r->counts[i] > (uint64_t)cfg->max_warnings_per_code)
				cli_diagf(r->file, 0, "warning", "%llu more '%s' diagnostics not shown (all are in the diagnostic table)",
				          (unsigned long long)(r->counts[i] - (uint64_t)cfg->max_warnings_per_code), r->codes[i]);
	}
	tot->files++;
	tot->bytes += (uint64_t)consumed;
	tot->warnings += r->warnings;
out:
	drain(ch, 0); /* nothing is outstanding here; kept for safety */
	cli_progress_end(&pg);
	db_ingest_free(r->in);
	r->in = NULL;
	if (gz != NULL)
		gzclose(gz);
	free(bufs);
	if (rc == TSM_EXIT_OK && rotated && !stop_requested) {
		/* rotation: follow the new file from its start, same stream */
		return one_input(cfg, d, path, tot, host, ch);
	}
	return rc;
}

/* --anchor names a dump the input does not have: an error.  `file` for
 * inspect (each file on its own), NULL for an ingest (the stream).
 * Returns 1 after the message, else 0. */
static int anchor_beyond(const ingest_cfg *cfg, uint64_t dumps, const char *file)
{
	double ts;
	uint64_t idx;

	if (cfg->anchor == NULL || timeline_parse_anchor(cfg->anchor, &ts, &idx) != 0 || idx < dumps)
		return 0;
	if (file != NULL)
		cli_errorf("%s: --anchor names dump %llu, but the file holds %llu dump%s (0 to %llu)",
		           file, (unsigned long long)idx, (unsigned long long)dumps, dumps == 1 ? "" : "s",
		           (unsigned long long)(dumps ? dumps - 1 : 0));
	else
		cli_errorf("--anchor names dump %llu, but the input holds %llu dump%s (0 to %llu): "
		           "stored without the anchor; ingest again with a dump number below %llu",
		           (unsigned long long)idx, (unsigned long long)dumps, dumps == 1 ? "" : "s",
		           (unsigned long long)(dumps ? dumps - 1 : 0), (unsigned long long)dumps);
	return 1;
}

int ingest_run(const ingest_cfg *cfg, int nfiles, char **files)
{
	db *d = NULL;
	char err[TSM_ERRLEN], hbuf[256], removed[64];
	const char *host = host_name(cfg, hbuf, sizeof hbuf);
	int rc = TSM_EXIT_OK, i;
	totals tot;
	struct timespec t0, t1;
	char **order = NULL;
	char *stdin_arg[1] = {"-"};
	chain ch;

	memset(&tot, 0, sizeof tot);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (nfiles == 0) {
		nfiles = 1;
		files = stdin_arg;
	}
	/* every input readable before anything is stored */
	if (cli_inputs_check(nfiles, files) != 0)
		return TSM_EXIT_DATA;
	order = malloc((size_t)nfiles * sizeof *order);
	if (order == NULL || cli_inputs_order(nfiles, files, order) != 0) {
		cli_errorf("out of memory");
		free(order);
		return TSM_EXIT_DATA;
	}
	if (!cfg->dry_run) {
		/* The parser thread never calls SQLite and the connection is used by
		 * this thread only: no per-connection mutex, no memory statistics
		 * (whose mutex every sqlite3_malloc/free would take).  glibc locks
		 * with atomic instructions once a second thread exists; these two
		 * settings keep that cost off the per-row path.  Ignored (MISUSE)
		 * when SQLite is already initialized. */
		(void)sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
		(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		d = db_open(cfg->db_path, 0, cfg->busy_ms, err);
		if (d == NULL) {
			cli_errorf("%s: %s", cfg->db_path, err);
			free(order);
			return TSM_EXIT_DATA;
		}
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	}
	memset(&ch, 0, sizeof ch);
	for (i = 0; i < nfiles && !stop_requested; i++) {
		int r;
		ch.last_file = i == nfiles - 1;
		r = one_input(cfg, d, order[i], &tot, host, &ch);
		if (cfg->dry_run) { /* inspect describes every file on its own */
			if (r == TSM_EXIT_OK && anchor_beyond(cfg, ch.r.ntl, strcmp(order[i], "-") == 0 ? "<stdin>" : order[i]))
				r = TSM_EXIT_DATA;
			chain_free(&ch);
		}
		if (r != TSM_EXIT_OK)
			rc = r;
	}
	if (!cfg->dry_run && rc == TSM_EXIT_OK && !stop_requested && anchor_beyond(cfg, ch.dumps, NULL))
		rc = TSM_EXIT_DATA;
	free(order);
	chain_free(&ch);
	free(ch.r.tl);
	free(ch.r.an);
	free(ch.r.lt);
	db_close(d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	removed[0] = '\0';
	if (cfg->retain_s > 0)
		snprintf(removed, sizeof removed, "%llu old dumps removed, ", (unsigned long long)tot.removed);
	if (!cfg->quiet && !cfg->dry_run)
		fprintf(stderr,
		        "tsmem: ingested %llu file%s, %llu bytes, %llu dumps (%llu already stored), %llu rows, "
		        "%llu new lifetime%s, %llu warnings, %s%.2f s\n",
		        (unsigned long long)tot.files, tot.files == 1 ? "" : "s", (unsigned long long)tot.bytes,
		        (unsigned long long)tot.dumps, (unsigned long long)tot.skipped, (unsigned long long)tot.rows,
		        (unsigned long long)tot.lifetimes, tot.lifetimes == 1 ? "" : "s", (unsigned long long)tot.warnings,
		        removed, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return rc;
}
