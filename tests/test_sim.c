/* test_sim.c — unit tests of sim/: invariants of the simulated dumps
 * (allocated a multiple of C that never falls within a lifetime, iobuf
 * in-use <= allocated), the model run backwards reproducing the simulated
 * allocated within the race allowance, the ground truth per scenario,
 * determinism, and the text itself (headers, rows read back equal the
 * simulated values, sbrk / jemalloc / restart markers, truncation).
 */
#include <stdlib.h>

#include "../model/model.h"
#include "../parser/parser.h"
#include "../sim/sim.h"
#include "testlib.h"

#define MAXA 64

typedef struct series {
	uint64_t *a, *u, *peak;
	size_t n, cap;
} series;

typedef struct inv_ctx {
	unsigned lifetime;
	uint64_t prev_alloc[MAXA];
	uint64_t dumps, rows, bad_multiple, falls, over, peak_below;
	uint64_t seq_expected;
	size_t nrows;
	/* lifetime-0 series per allocator */
	series s[MAXA];
	uint32_t chunk[MAXA], ts[MAXA];
	uint64_t races[MAXA];
	/* printed rows, in order, for the text check */
	uint64_t *pa, *pu;
	uint32_t *pts;
	size_t np, npcap;
} inv_ctx;

static void push(series *s, uint64_t a, uint64_t u, uint64_t p)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->a = realloc(s->a, s->cap * sizeof *s->a);
		s->u = realloc(s->u, s->cap * sizeof *s->u);
		s->peak = realloc(s->peak, s->cap * sizeof *s->peak);
	}
	s->a[s->n] = a;
	s->u[s->n] = u;
	s->peak[s->n] = p;
	s->n++;
}

static int observe(void *vctx, const sim_dump_obs *d)
{
	inv_ctx *c = vctx;
	size_t i;

	if (d->seq != c->seq_expected++)
		c->bad_multiple += 1000000;
	if (d->lifetime != c->lifetime) {
		c->lifetime = d->lifetime;
		memset(c->prev_alloc, 0, sizeof c->prev_alloc);
	}
	c->dumps++;
	c->nrows = d->nrows;
	for (i = 0; i < d->nrows && i < MAXA; i++) {
		const sim_row_obs *r = &d->rows[i];
		uint64_t items = r->allocated / r->type_size;

		c->rows++;
		if (items % r->chunk_items != 0)
			c->bad_multiple++;
		if (r->allocated < c->prev_alloc[i])
			c->falls++;
		if (r->bucket >= 0 && r->in_use > r->allocated)
			c->over++;
		if (r->true_peak < r->in_use / r->type_size)
			c->peak_below++;
		c->prev_alloc[i] = r->allocated;
		if (d->lifetime == 0) {
			push(&c->s[i], r->allocated, r->in_use, r->true_peak);
			c->chunk[i] = r->chunk_items;
			c->ts[i] = r->type_size;
			c->races[i] = r->races;
		}
		if (r->printed) {
			if (c->np == c->npcap) {
				c->npcap = c->npcap ? c->npcap * 2 : 1024;
				c->pa = realloc(c->pa, c->npcap * sizeof *c->pa);
				c->pu = realloc(c->pu, c->npcap * sizeof *c->pu);
				c->pts = realloc(c->pts, c->npcap * sizeof *c->pts);
			}
			c->pa[c->np] = r->allocated;
			c->pu[c->np] = r->in_use;
			c->pts[c->np] = r->type_size;
			c->np++;
		}
	}
	return 0;
}

static void inv_free(inv_ctx *c)
{
	size_t i;

	for (i = 0; i < MAXA; i++) {
		free(c->s[i].a);
		free(c->s[i].u);
		free(c->s[i].peak);
	}
	free(c->pa);
	free(c->pu);
	free(c->pts);
}

/* Run into memory; returns the text (caller frees) and its length. */
static char *run_mem(sim_opts *o, sim_truth *truth, size_t *len, tsm_status *rc)
{
	char *buf = NULL, err[TSM_ERRLEN] = "";
	FILE *f = open_memstream(&buf, len);

	*rc = sim_run(o, f, truth, err);
	fclose(f);
	if (*rc != TSM_OK)
		fprintf(stderr, "sim_run: %s\n", err);
	return buf;
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;
	const char *p = text;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* Backward model on each lifetime-0 series: residual >= 0 and within
 * races + the chunks of the unobserved peak. */
static void check_backward(inv_ctx *c, const char *what)
{
	size_t i, k, bad = 0, checked = 0;

	for (i = 0; i < c->nrows && i < MAXA; i++) {
		series *s = &c->s[i];
		model_series_result r;
		uint64_t truemax = 0, C = c->chunk[i], ceil_true, ceil_obs;

		if (s->n == 0 || s->a[s->n - 1] == 0)
			continue;
		CHECK_INT(model_backward(NULL, s->a, s->u, s->n, c->ts[i], c->chunk[i], 0, NULL, &r), TSM_OK);
		for (k = 0; k < s->n; k++)
			if (s->peak[k] > truemax)
				truemax = s->peak[k];
		ceil_true = model_round_chunks(truemax, c->chunk[i]) / C;
		ceil_obs = model_round_chunks(r.peak_in_use / c->ts[i], c->chunk[i]) / C;
		checked++;
		if (r.residual_chunks_min < 0 || r.not_multiple != 0 || r.allocated_falls != 0)
			bad++;
		if ((uint64_t)r.residual_chunks > c->races[i] + (ceil_true - ceil_obs))
			bad++;
		/* exact identity with the true peak: A = C·ceil(max u/C) + C·r, 0 <= r <= races */
		if (s->a[s->n - 1] / c->ts[i] < ceil_true * C ||
		    s->a[s->n - 1] / c->ts[i] > (ceil_true + c->races[i]) * C)
			bad++;
	}
	if (bad != 0)
		fprintf(stderr, "%s: %zu of %zu series break the backward model\n", what, bad, checked);
	CHECK(checked >= 20);
	CHECK_INT(bad, 0);
}

static void test_invariants(void)
{
	static const sim_format fmts[] = {SIM_FMT_F1, SIM_FMT_F2, SIM_FMT_F3, SIM_FMT_F4, SIM_FMT_BASELINE};
	size_t sc, fi;

	for (sc = 0; sc < sim_scenario_count(); sc++)
		for (fi = 0; fi < 5; fi++) {
			sim_opts o;
			inv_ctx *c = calloc(1, sizeof *c);
			char *text;
			size_t len;
			tsm_status rc;
			char what[64];

			sim_opts_init(&o);
			o.scenario = sim_scenario_name(sc);
			o.format = fmts[fi];
			o.days = 3;
			o.interval = 300;
			o.seed = 7 + sc;
			o.sigusr1 = 3;
			o.observer = observe;
			o.observer_ctx = c;
			text = run_mem(&o, NULL, &len, &rc);
			snprintf(what, sizeof what, "%s/%s", o.scenario, sim_format_name(o.format));
			CHECK_INT(rc, TSM_OK);
			CHECK(c->dumps >= 3 * 288 / 2);
			CHECK_INT(c->bad_multiple, 0);
			CHECK_INT(c->falls, 0);
			CHECK_INT(c->over, 0);
			CHECK_INT(c->peak_below, 0);
			check_backward(c, what);
			CHECK(len > 0 && text[len - 1] == '\n');
			free(text);
			inv_free(c);
			free(c);
		}
}

/* Read rows back from the text and compare with what the observer saw. */
static void test_text_roundtrip(void)
{
	static const sim_format fmts[] = {SIM_FMT_F1, SIM_FMT_F2, SIM_FMT_F3, SIM_FMT_F4};
	size_t fi;

	for (fi = 0; fi < 4; fi++) {
		sim_opts o;
		inv_ctx *c = calloc(1, sizeof *c);
		char *text, *line, *save = NULL;
		size_t len, k = 0, mismatch = 0, totals = 0;
		tsm_status rc;

		sim_opts_init(&o);
		o.scenario = "churn";
		o.format = fmts[fi];
		o.days = 1;
		o.interval = 600;
		o.sigusr1 = 2;
		o.debug_lines = 1;
		o.jemalloc = 1;
		o.observer = observe;
		o.observer_ctx = c;
		text = run_mem(&o, NULL, &len, &rc);
		CHECK_INT(rc, TSM_OK);
		for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
			unsigned long long a, ac, u, uc;
			unsigned ts, ch, hp;
			char name[80];
			int ok;

			if (strstr(line, "| TOTAL") != NULL) {
				totals++;
				continue;
			}
			if (fmts[fi] == SIM_FMT_F4)
				ok = sscanf(line, " %llu | %llu | %llu | %llu | %u | %u | %u | memory/%79s", &a, &ac, &u, &uc,
				            &ts, &ch, &hp, name) == 8 && ac * ts == a && uc * ts == u && hp == 0;
			else
				ok = sscanf(line, " %llu | %llu | %u | memory/%79s", &a, &u, &ts, name) == 4;
			if (!ok)
				continue;
			if (k >= c->np || c->pa[k] != a || c->pu[k] != u || c->pts[k] != ts)
				mismatch++;
			k++;
		}
		CHECK_INT(k, c->np);
		CHECK_INT(mismatch, 0);
		CHECK_INT(totals, fmts[fi] == SIM_FMT_F1 ? 0 : c->dumps);
		free(text);
		inv_free(c);
		free(c);
	}
}

static void test_text_shapes(void)
{
	sim_opts o;
	char *text;
	size_t len;
	tsm_status rc;

	sim_opts_init(&o);
	o.scenario = "plateau";
	o.days = 0.5;
	o.interval = 600;
	o.sigusr1 = 4;
	o.format = SIM_FMT_F3;
	text = run_mem(&o, NULL, &len, &rc);
	{
		const char *head = "traffic_server: using root directory '/opt/ats'\n"
		                   "     Allocated      |        In-Use      | Type Size  |   Free List Name\n"
		                   "--------------------|--------------------|------------|----------------------------------\n"
		                   "                  0 |                  0 |    2097152 | memory/ioBufAllocator[14]\n";

		CHECK(strncmp(text, head, strlen(head)) == 0);
	}
	/* 12 h at 600 s: the 72nd dump falls past the end because each period
	 * drifts late by a millisecond or two, so 71 periodic + 4 SIGUSR1 */
	CHECK_INT(count(text, "\nsbrk 0x"), 4);
	CHECK_INT(count(text, "     Allocated      |"), 71 + 4);
	CHECK_INT(count(text, "\n-----------------------------------------------------------------------------------------\n"), 75);
	free(text);

	o.format = SIM_FMT_F1;
	text = run_mem(&o, NULL, &len, &rc);
	CHECK_INT(count(text, "     allocated      |        in-use      | type size  |   free list name\n"), 75);
	CHECK_INT(count(text, "TOTAL"), 0);
	CHECK_INT(count(text, "x from first "), 4);
	free(text);

	o.format = SIM_FMT_F4;
	o.jemalloc = 1;
	text = run_mem(&o, NULL, &len, &rc);
	CHECK_INT(count(text, "___ Begin jemalloc statistics ___\n"), 4);
	CHECK_INT(count(text, "--- End jemalloc statistics ---\n     Allocated      |   Allocated Count  |"), 4);
	CHECK_INT(count(text, "sbrk"), 0);
	CHECK_INT(count(text, " |            | TOTAL\n"), 75);
	free(text);

	o.format = SIM_FMT_BASELINE;
	o.sigusr1 = 0;
	o.days = 2;
	text = run_mem(&o, NULL, &len, &rc);
	CHECK_INT(count(text, "  relative to base  |  relative to base  |         |            |                 \n"), 287);
	CHECK(count(text, " | 42949") > 0); /* an in-use drop prints the uint32 wrap */
	free(text);

	o.format = SIM_FMT_F3;
	o.truncate = 1;
	o.debug_lines = 1;
	text = run_mem(&o, NULL, &len, &rc);
	CHECK(len > 0 && text[len - 1] != '\n');
	CHECK(count(text, "] Server {0x7f") > 100);
	free(text);

	o.format = SIM_FMT_F4;
	text = run_mem(&o, NULL, &len, &rc);
	CHECK(count(text, "] [ET_NET ") > 100);
	free(text);
}

static void test_determinism(void)
{
	sim_opts o;
	char *a, *b, *c;
	size_t la, lb, lc;
	tsm_status rc;

	sim_opts_init(&o);
	o.scenario = "leak-stepped";
	o.days = 2;
	o.interval = 120;
	o.sigusr1 = 5;
	o.debug_lines = 1;
	a = run_mem(&o, NULL, &la, &rc);
	b = run_mem(&o, NULL, &lb, &rc);
	o.seed = 2;
	c = run_mem(&o, NULL, &lc, &rc);
	CHECK(la == lb && memcmp(a, b, la) == 0);
	CHECK(la != lc || memcmp(a, c, la) != 0);
	free(a);
	free(b);
	free(c);
}

static const sim_truth_alloc *find(const sim_truth_lifetime *lt, const char *name)
{
	size_t i;

	for (i = 0; i < lt->nalloc; i++)
		if (strcmp(lt->alloc[i].name, name) == 0)
			return &lt->alloc[i];
	return NULL;
}

static size_t count_verdict(const sim_truth_lifetime *lt, const char *v, int detectable)
{
	size_t i, n = 0;

	for (i = 0; i < lt->nalloc; i++)
		if (strcmp(lt->alloc[i].verdict, v) == 0 && (detectable < 0 || lt->alloc[i].detectable == detectable))
			n++;
	return n;
}

static void test_truth(void)
{
	size_t sc;

	for (sc = 0; sc < sim_scenario_count(); sc++) {
		sim_opts o;
		sim_truth t;
		char *text, *json = NULL, err[TSM_ERRLEN];
		size_t len, jl;
		tsm_status rc;
		const char *name = sim_scenario_name(sc);
		const sim_truth_lifetime *lt;
		FILE *f;

		sim_opts_init(&o);
		o.scenario = name;
		o.days = 6;
		o.interval = 300;
		o.seed = 3;
		text = run_mem(&o, &t, &len, &rc);
		CHECK_INT(rc, TSM_OK);
		CHECK(t.nlifetimes >= 1);
		CHECK_U64(t.bytes, len);
		lt = &t.lifetimes[0];
		CHECK_STR(find(lt, "ioBufAllocator[14]")->verdict, "idle");
		CHECK_STR(find(lt, "ioBufAllocator[5]")->verdict, strcmp(name, "churn") == 0 &&
		          strcmp(find(lt, "ioBufAllocator[5]")->mechanism, "churn-source") == 0 ? "churn"
		          : strcmp(name, "churn") == 0 ? find(lt, "ioBufAllocator[5]")->verdict : "plateau");
		if (strncmp(name, "leak", 4) == 0) {
			CHECK_INT(count_verdict(lt, "leak", 1), strcmp(name, "leak") == 0 ? 2 : 1);
			CHECK_INT(count_verdict(lt, "churn", -1), 0);
		} else if (strcmp(name, "churn") == 0) {
			CHECK_INT(count_verdict(lt, "churn", 1), 1);
			CHECK_INT(count_verdict(lt, "leak", -1), 0);
		} else if (strcmp(name, "restarts") == 0) {
			CHECK(t.nlifetimes >= 3);
			CHECK_INT(count(text, "traffic_server: received signal 11 (Segmentation fault)\n"
			                      "traffic_server - STACK TRACE: \n"), t.nlifetimes - 1);
			CHECK_INT(count(text, "traffic_server: using root directory"), t.nlifetimes);
			CHECK_STR(find(lt, "ioBufAllocator[7]")->verdict, "leak");
		} else {
			CHECK_INT(count_verdict(lt, "leak", -1) + count_verdict(lt, "churn", -1), 0);
			CHECK(count_verdict(lt, "plateau", 1) >= 30);
		}
		f = open_memstream(&json, &jl);
		CHECK_INT(sim_truth_write(&t, f, err), TSM_OK);
		fclose(f);
		CHECK(strstr(json, "\"schema\":\t\"tsmem.truth/1\"") != NULL);
		CHECK(strstr(json, "\"verdict\":\t\"idle\"") != NULL);
		free(json);
		sim_truth_free(&t);
		free(text);
	}
}

static void test_errors(void)
{
	sim_opts o;
	char err[TSM_ERRLEN] = "";
	FILE *f = fopen("/dev/null", "w");

	sim_opts_init(&o);
	CHECK_INT(sim_run(&o, f, NULL, err), TSM_ERR);
	o.scenario = "nope";
	CHECK_INT(sim_run(&o, f, NULL, err), TSM_ERR);
	CHECK(strstr(err, "nope") != NULL);
	o.scenario = "plateau";
	o.days = 0;
	CHECK_INT(sim_run(&o, f, NULL, err), TSM_ERR);
	o.days = 1;
	o.interval = 0.5;
	CHECK_INT(sim_run(&o, f, NULL, err), TSM_ERR);
	fclose(f);
	CHECK_INT(sim_scenario_find("leak-loadprop"), 5);
	CHECK_INT(sim_scenario_find(NULL), -1);
	{
		sim_format fm;

		CHECK_INT(sim_format_parse("f4", &fm), 0);
		CHECK_INT(fm, SIM_FMT_F4);
		CHECK_INT(sim_format_parse("F5", &fm), -1);
	}
}

/* ---- parser round trip: what the parser reads equals what was simulated ---- */

typedef struct rt_row {
	char name[48];
	uint64_t a, u;
	uint32_t ts, ch;
	int printed;
} rt_row;

typedef struct rt_ctx {
	rt_row *rows;            /* [dumps][nrows] */
	unsigned *lifetime;      /* per dump */
	int *sigusr1;
	size_t nrows, ndumps, cap;
	/* results */
	size_t parsed_dumps, parsed_rows, mismatches, missing, lifetime_mismatch, kind_mismatch;
	int f4;
} rt_ctx;

static int rt_observe(void *vctx, const sim_dump_obs *d)
{
	rt_ctx *c = vctx;
	size_t i;

	if (c->ndumps == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->rows = realloc(c->rows, c->cap * d->nrows * sizeof *c->rows);
		c->lifetime = realloc(c->lifetime, c->cap * sizeof *c->lifetime);
		c->sigusr1 = realloc(c->sigusr1, c->cap * sizeof *c->sigusr1);
	}
	c->nrows = d->nrows;
	for (i = 0; i < d->nrows; i++) {
		rt_row *r = &c->rows[c->ndumps * d->nrows + i];

		snprintf(r->name, sizeof r->name, "%s", d->rows[i].name);
		r->a = d->rows[i].allocated;
		r->u = d->rows[i].in_use;
		r->ts = d->rows[i].type_size;
		r->ch = d->rows[i].chunk_items;
		r->printed = d->rows[i].printed;
	}
	c->lifetime[c->ndumps] = d->lifetime;
	c->sigusr1[c->ndumps] = d->sigusr1;
	c->ndumps++;
	return 0;
}

static int rt_on_dump(void *vctx, const parser_dump *d)
{
	rt_ctx *c = vctx;
	size_t i, j, printed = 0;
	const rt_row *rows;

	if (d->seq >= c->ndumps) {
		c->missing++;
		return 0;
	}
	c->parsed_dumps++;
	rows = &c->rows[d->seq * c->nrows];
	if (d->lifetime != c->lifetime[d->seq]) {
		c->lifetime_mismatch++;
		if (getenv("TSMEM_TEST_VERBOSE"))
			fprintf(stderr, "dump %llu line %llu: parser lifetime %llu, simulated %u (%s)\n",
			        (unsigned long long)d->seq, (unsigned long long)d->line,
			        (unsigned long long)d->lifetime, c->lifetime[d->seq],
			        d->start_reason ? d->start_reason : "");
	}
	if (c->sigusr1[d->seq] && !c->f4 && d->kind != PARSER_KIND_SIGUSR1)
		c->kind_mismatch++;
	for (j = 0; j < c->nrows; j++)
		printed += (size_t)rows[j].printed;
	if (d->nrows != printed)
		c->missing++;
	for (i = 0; i < d->nrows; i++) {
		const parser_row *pr = &d->rows[i];

		c->parsed_rows++;
		for (j = 0; j < c->nrows; j++)
			if (strcmp(rows[j].name, pr->name) == 0)
				break;
		if (j == c->nrows || !rows[j].printed) {
			c->mismatches++;
			continue;
		}
		if (d->format == PARSER_FMT_BASELINE && !pr->abs_known) {
			c->mismatches++;
			continue;
		}
		if (pr->allocated != rows[j].a || pr->in_use != rows[j].u || pr->type_size != rows[j].ts) {
			c->mismatches++;
			if (getenv("TSMEM_TEST_VERBOSE"))
				fprintf(stderr, "dump %llu %s: parsed %llu/%llu, simulated %llu/%llu\n",
				        (unsigned long long)d->seq, pr->name, (unsigned long long)pr->allocated,
				        (unsigned long long)pr->in_use, (unsigned long long)rows[j].a,
				        (unsigned long long)rows[j].u);
		}
		if (d->format == PARSER_FMT_F4 &&
		    (pr->chunk_items != rows[j].ch || pr->alloc_count * rows[j].ts != rows[j].a))
			c->mismatches++;
	}
	return 0;
}

static void test_parser_roundtrip(void)
{
	static const sim_format fmts[] = {SIM_FMT_F1, SIM_FMT_F2, SIM_FMT_F3, SIM_FMT_F4, SIM_FMT_BASELINE};
	size_t fi;

	for (fi = 0; fi < 5; fi++) {
		sim_opts o;
		rt_ctx c;
		parser_callbacks cb;
		parser *p;
		char *text, err[TSM_ERRLEN] = "";
		size_t len;
		tsm_status rc;

		memset(&c, 0, sizeof c);
		c.f4 = fmts[fi] == SIM_FMT_F4;
		sim_opts_init(&o);
		o.scenario = "restarts";
		o.format = fmts[fi];
		o.days = 3;
		o.interval = 300;
		o.seed = 11;
		o.sigusr1 = 4;
		o.debug_lines = 1;
		o.jemalloc = 1;
		o.truncate = 1;
		o.observer = rt_observe;
		o.observer_ctx = &c;
		text = run_mem(&o, NULL, &len, &rc);
		CHECK_INT(rc, TSM_OK);
		memset(&cb, 0, sizeof cb);
		cb.ctx = &c;
		cb.on_dump = rt_on_dump;
		p = parser_new(&cb, err);
		CHECK(p != NULL);
		if (p != NULL) {
			size_t off;

			/* feed in odd-sized pieces */
			for (off = 0; off < len; off += 4093)
				parser_feed(p, text + off, len - off < 4093 ? len - off : 4093);
			parser_finish(p);
			parser_free(p);
		}
		if (c.mismatches || c.missing || c.lifetime_mismatch || c.kind_mismatch)
			fprintf(stderr, "round trip %s: %zu dumps, %zu rows, %zu mismatched, %zu missing, "
			        "%zu lifetime, %zu kind\n", sim_format_name(o.format), c.parsed_dumps,
			        c.parsed_rows, c.mismatches, c.missing, c.lifetime_mismatch, c.kind_mismatch);
		CHECK_INT(c.parsed_dumps, c.ndumps);
		CHECK(c.parsed_rows > c.ndumps * (fmts[fi] == SIM_FMT_BASELINE ? 1 : 30));
		CHECK_INT(c.mismatches, 0);
		CHECK_INT(c.missing, 0);
		CHECK_INT(c.lifetime_mismatch, 0);
		CHECK_INT(c.kind_mismatch, 0);
		free(text);
		free(c.rows);
		free(c.lifetime);
		free(c.sigusr1);
	}
}

int main(void)
{
	test_errors();
	test_determinism();
	test_text_shapes();
	test_text_roundtrip();
	test_truth();
	test_invariants();
	test_parser_roundtrip();
	return TEST_DONE();
}
