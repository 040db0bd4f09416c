/* test_classify.c — the verdict classifier (detect/classify.h) on
 * hand-built series: a leak under a diurnal load, a diurnal plateau, a shift
 * down after a peak (churn), a saturating fill, idle, malloc mode, too few
 * dumps, the unsampled-peak case of the real #5858 dumps, times unknown,
 * and for each threshold a case where moving it flips the verdict.
 *
 * Series are generated through the forward allocator rule of model/
 * (model_freelist_set_used), so allocated behaves as in ATS.  The noise is
 * a fixed LCG: every run sees the same numbers.
 */
#include <stdlib.h>

#include "../detect/classify.h"
#include "../model/model.h"
#include "testlib.h"

#define DAY 86400.0
#define T0 1767225600.0 /* 2026-01-01 00:00:00 UTC */

typedef struct series {
	size_t n;
	double *t;
	int64_t *a, *u;
	uint32_t type_size, chunk;
} series;

static uint64_t rng_state = 42;
static uint64_t g_slack;    /* thread-cache slack passed to the classifier */
static const double *g_load;/* load index passed to the classifier (n values) */
static const double *g_others;/* other iobuf buckets' in-use (n values) */
static int g_bucket = 5;     /* the allocator's iobuf bucket, -1 none */
static const double *g_ram;  /* RAM cache entries (n values) */

static double urand(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

typedef double (*shape_fn)(double t, double days);

/* n points every `step` seconds; in-use items = shape(t) with ±noise
 * (relative), allocated from the freelist rule. */
static series make(shape_fn f, double days, double step, double noise, uint32_t type_size,
                   uint32_t chunk)
{
	series s;
	model_freelist fl;
	size_t i;

	s.n = (size_t)(days * DAY / step);
	s.t = malloc(s.n * sizeof *s.t);
	s.a = malloc(s.n * sizeof *s.a);
	s.u = malloc(s.n * sizeof *s.u);
	s.type_size = type_size;
	s.chunk = chunk;
	model_freelist_init(&fl, type_size, chunk);
	rng_state = 42;
	for (i = 0; i < s.n; i++) {
		double t = (double)i * step, v = f(t, days) * (1.0 + noise * (2.0 * urand() - 1.0));
		uint64_t items = v > 0 ? (uint64_t)v : 0;

		model_freelist_set_used(&fl, items, 0);
		s.t[i] = T0 + t;
		s.a[i] = (int64_t)(fl.allocated * type_size);
		s.u[i] = (int64_t)(fl.used * type_size);
	}
	return s;
}

static void drop(series *s)
{
	free(s->t);
	free(s->a);
	free(s->u);
}

static detect_result run(const series *s, const detect_params *p, int with_times)
{
	detect_input in;
	detect_result r;
	char err[TSM_ERRLEN] = "";

	memset(&in, 0, sizeof in);
	in.name = "ioBufAllocator[x]";
	in.bucket = g_bucket;
	in.type_size = s->type_size;
	in.chunk_items = s->chunk;
	in.chunk_source = MODEL_CHUNK_TABLE;
	in.slack_items = g_slack;
	in.load = g_load;
	in.others = g_others;
	in.ram_entries = g_ram;
	in.n = s->n;
	in.t = with_times ? s->t : NULL;
	in.allocated = s->a;
	in.in_use = s->u;
	CHECK_INT(detect_classify(&in, p, &r, err), TSM_OK);
	return r;
}

static const char *verdict_of(const series *s, const detect_params *p)
{
	detect_result r = run(s, p, 1);

	return detect_verdict_name(r.verdict);
}

static void show(const char *what, const detect_result *r)
{
	if (getenv("TSMEM_TEST_VERBOSE") != NULL)
		fprintf(stderr, "%-18s %-17s conf %.2f win %zu z %.2f p %.3g lo %.3g rise %.0f ef %.0f "
		        "end-start %.0f jump %.0f sat %d flat %d ratio %.2f\n  %s\n", what,
		        detect_verdict_name(r->verdict), r->confidence, r->windows, r->mk_z, r->mk_p,
		        r->slope_lo, r->floor_rise, r->effect_floor, r->floor_last - r->floor_first,
		        r->floor_jump, r->saturating, r->last_flat, r->churn_ratio, r->explanation);
}

/* ---- shapes (in-use items) ------------------------------------------------ */

static double diurnal(double t)
{
	return 1.0 + 0.5 * sin(2.0 * M_PI * t / DAY);
}

static double sh_plateau(double t, double days)
{
	(void)days;
	return 2000.0 * diurnal(t);
}

static double sh_leak(double t, double days)
{
	(void)days;
	return 2000.0 * diurnal(t) + 150.0 * t / DAY;
}

static double sh_shift(double t, double days)
{
	(void)days;
	return (t < 2 * DAY ? 200.0 : 60.0) * (1.0 + 0.1 * sin(2.0 * M_PI * t / DAY));
}

static double sh_shift_late(double t, double days)
{
	return (t < days * DAY - 12 * 3600.0 ? 200.0 : 60.0);
}

/* A steady workload whose daily peaks vary (0.75-0.95 of the first two
 * days') and whose last day happens to be the quietest (0.62): not a
 * change in workload. */
static double quiet_day(double t)
{
	int day = (int)(t / DAY);

	if (day < 2)
		return 1.0;
	if (day >= 29)
		return 0.62;
	return 0.75 + 0.2 * (double)((day * 7) % 5) / 4.0;
}

static double sh_quiet_last_day(double t, double days)
{
	(void)days;
	return 200.0 * quiet_day(t) * (1.0 + 0.3 * sin(2.0 * M_PI * t / DAY));
}

/* Load moves up once, mid-span (e.g. a new traffic mix): a level shift. */
static double sh_stepup(double t, double days)
{
	return (t < days * DAY * 0.5 ? 60.0 : 200.0) * (1.0 + 0.1 * sin(2.0 * M_PI * t / DAY));
}

/* A leak under a strong daily cycle whose last day starts in a deep
 * trough: over 3 days the floor's halves are set by the cycle's phase. */
static double sh_leak_cycle(double t, double days)
{
	(void)days;
	return 2000.0 * (1.0 + 0.6 * sin(2.0 * M_PI * (t / DAY - 0.3))) + 400.0 * t / DAY;
}

/* The common load over a span that starts in the daily trough and ends
 * near the next peak (14 h): it rises within one cycle. */
static double load_up(double t)
{
	return 1.0 + 0.4 * sin(2.0 * M_PI * (t / DAY - 0.25));
}

static double sh_load_up(double t, double days)
{
	(void)days;
	return 2000.0 * load_up(t);
}

/* A leak under a flat workload: in-use ignores the load. */
static double sh_leak_flat(double t, double days)
{
	(void)days;
	return 2000.0 + 1500.0 * t / (14 * 3600.0);
}

/* A common load whose trough is at 8 h and peak at 20 h. */
static double load_late(double t)
{
	return 1.0 + 0.4 * cos(2.0 * M_PI * (t - 20 * 3600.0) / DAY);
}

/* Load moved into this allocator once (the target of a churn): a low
 * level, then from 6 h (near the load's trough) on a share of the common load
 * (load_late), which rises toward its peak at the end of the span. */
static double sh_moved_in(double t, double days)
{
	(void)days;
	return (t < 6 * 3600.0 ? 100.0 : 2000.0) * load_late(t);
}

/* The same move taking 4 hours (5 h to 9 h), as a workload change rolls
 * out over the clients. */
static double sh_moved_ramp(double t, double days)
{
	double f = (t - 5 * 3600.0) / (4 * 3600.0);

	(void)days;
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	return (100.0 + 1900.0 * f) * load_late(t);
}

static double sh_fill(double t, double days)
{
	(void)days;
	return 3000.0 * (1.0 - exp(-t / DAY)) + 100.0;
}

static double sh_zero(double t, double days)
{
	(void)t;
	(void)days;
	return 0.0;
}

/* A burst at the start, then a slow leak that stays inside the burst's
 * stranded memory (allocated does not follow). */
static double sh_leak_in_headroom(double t, double days)
{
	(void)days;
	if (t < 3600.0)
		return 6000.0;
	return 1000.0 * (1.0 + 0.05 * sin(2.0 * M_PI * t / DAY)) + 300.0 * t / DAY;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_names_and_params(void)
{
	detect_params p, q;
	detect_verdict v;
	char err[TSM_ERRLEN];
	size_t i;

	CHECK_STR(detect_verdict_name(DETECT_V_INSUFFICIENT), "insufficient_data");
	CHECK_STR(detect_verdict_name(DETECT_V_MALLOC), "malloc_mode");
	CHECK(detect_verdict_parse("churn", &v) == 0 && v == DETECT_V_CHURN);
	CHECK(detect_verdict_parse("bogus", &v) == -1);
	detect_params_default(&p);
	CHECK_NEAR(p.min_dumps, 12, 0);
	CHECK_NEAR(p.alpha, 0.01, 0);
	CHECK_NEAR(p.churn_min_bytes, 10485760, 0);
	for (i = 0; i < detect_param_count(); i++) {
		CHECK(detect_param_name(i) != NULL && detect_param_help(i) != NULL);
		CHECK_NEAR(detect_param_value(&p, i), detect_param_default(i), 0);
	}
	CHECK(detect_param_name(detect_param_count()) == NULL);
	q = p;
	CHECK_INT(detect_param_set(&q, "churn_ratio=2.5", err), TSM_OK);
	CHECK_NEAR(q.churn_ratio, 2.5, 0);
	CHECK_INT(detect_param_set(&q, "churn_min_bytes=1M", err), TSM_OK);
	CHECK_NEAR(q.churn_min_bytes, 1048576, 0);
	CHECK_INT(detect_param_set(&q, "alpha=2", err), TSM_ERR);
	CHECK(strstr(err, "outside") != NULL);
	CHECK_INT(detect_param_set(&q, "nope=1", err), TSM_ERR);
	CHECK(strstr(err, "unknown parameter") != NULL);
	CHECK_INT(detect_param_set(&q, "alpha", err), TSM_ERR);
	CHECK_INT(detect_param_set(&q, "alpha=x", err), TSM_ERR);
	CHECK_INT(detect_param_set(&q, "min_dumps=5M", err), TSM_ERR);
	CHECK_NEAR(q.alpha, 0.01, 0);
}

static void test_leak_and_plateau(void)
{
	detect_params p, q;
	series s = make(sh_leak, 7, 300, 0.05, 4096, 128);
	series d = make(sh_plateau, 7, 300, 0.05, 4096, 128);
	detect_result r;

	detect_params_default(&p);
	r = run(&s, &p, 1);
	show("leak", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	CHECK(r.confidence > 0.5 && r.confidence <= 1.0);
	CHECK(r.slope_lo > 0 && r.mk_p < 0.01);
	/* 150 items/day × 4096 B */
	CHECK_NEAR(r.bytes_per_day, 150.0 * 4096, 150.0 * 4096 * 0.25);
	CHECK(r.basis == DETECT_BASIS_TIME);
	CHECK(strstr(r.explanation, "floor rises") != NULL);

	r = run(&d, &p, 1);
	show("plateau", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "plateau");
	CHECK_NEAR(r.bytes_per_day, 0, 0);

	/* plain window minima (no rolling floor) still see both correctly */
	q = p;
	q.floor_hours = 0;
	show("leak-plain-minima", (r = run(&s, &q, 1), &r));
	CHECK_STR(verdict_of(&s, &q), "leak");
	CHECK_STR(verdict_of(&d, &q), "plateau");

	/* thresholds that flip the leak */
	q = p;
	q.leak_effect_frac = 2.0;
	CHECK_STR(verdict_of(&s, &q), "plateau");
	q = p;
	q.leak_effect_chunks = 1e6;
	CHECK_STR(verdict_of(&s, &q), "plateau");
	q = p;
	q.min_windows = 500;
	CHECK_STR(verdict_of(&s, &q), "plateau");
	q = p;
	q.window_hours = 48;
	CHECK_STR(verdict_of(&s, &q), "plateau");
	q = p;
	q.window_samples = 1000;
	CHECK_STR(verdict_of(&s, &q), "plateau");
	q = p;
	q.alpha = 1e-12;
	q.floor_hours = 0;
	q.max_windows = 10;
	CHECK_STR(verdict_of(&s, &q), "plateau");
	q.alpha = 0.05;
	show("leak-10-windows", (r = run(&s, &q, 1), &r));
	CHECK_STR(verdict_of(&s, &q), "leak");
	q = p;
	q.min_dumps = 5000;
	CHECK_STR(verdict_of(&s, &q), "insufficient_data");
	q = p;
	q.min_span_hours = 200;
	CHECK_STR(verdict_of(&s, &q), "insufficient_data");
	/* a per-thread-cached allocator may park threads × H items: a rise
	 * below that slack is not a leak */
	g_slack = 10000;
	CHECK_STR(verdict_of(&s, &p), "plateau");
	q = p;
	q.leak_slack_frac = 0;
	CHECK_STR(verdict_of(&s, &q), "leak");
	g_slack = 0;
	q = p;
	q.max_windows = 20;
	r = run(&s, &q, 1);
	CHECK(r.windows <= 20);
	drop(&s);
	drop(&d);
}

static void test_churn(void)
{
	detect_params p, q;
	series s = make(sh_shift, 7, 300, 0.02, 262144, 32);
	series late = make(sh_shift_late, 7, 300, 0.0, 262144, 32);
	detect_result r;
	size_t i;

	detect_params_default(&p);
	r = run(&s, &p, 1);
	show("churn", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "churn");
	CHECK(r.churn_ratio >= 1.5);
	CHECK(r.stranded_recent >= 10485760);
	CHECK(r.since < T0 + 2 * DAY);
	q = p;
	q.churn_ratio = 5;
	CHECK_STR(verdict_of(&s, &q), "plateau");
	q = p;
	q.churn_min_bytes = 1e9;
	CHECK_STR(verdict_of(&s, &q), "plateau");
	q = p;
	q.churn_min_chunks = 100;
	CHECK_STR(verdict_of(&s, &q), "plateau");

	/* A quiet last day after a month of varying daily peaks: against the
	 * first two days alone it looks 1.6x lower, but the low period
	 * starts where every cycle before it peaked highest above everything
	 * since, and no such split reaches churn_ratio. */
	{
		series qd = make(sh_quiet_last_day, 30, 600, 0.0, 262144, 32);
		int64_t first2 = 0, last = 0;

		r = run(&qd, &p, 1);
		show("quiet-last-day", &r);
		CHECK(r.verdict != DETECT_V_CHURN);
		CHECK(r.churn_ratio < p.churn_ratio);
		CHECK(r.churn_ratio > 1.0);
		/* the old rule's reading (first two days' peak over the last
		 * day's), measured on the series: above churn_ratio */
		for (i = 0; i < qd.n; i++) {
			if (qd.t[i] - T0 < 2 * DAY && qd.u[i] > first2)
				first2 = qd.u[i];
			if (qd.t[i] - T0 >= 29 * DAY && qd.u[i] > last)
				last = qd.u[i];
		}
		CHECK(last > 0 && (double)first2 / (double)last > p.churn_ratio);
		drop(&qd);
	}
	/* the shift's split: the low period starts at the drop (day 2) */
	r = run(&s, &p, 1);
	CHECK(fabs(r.recent_from - (T0 + 2 * DAY)) <= 300.0 + 1.0);

	/* the drop happened 12 h ago: inside the 24 h recent window => not yet */
	r = run(&late, &p, 1);
	show("churn-late", &r);
	CHECK(r.verdict != DETECT_V_CHURN && r.verdict != DETECT_V_LEAK);
	/* a 6 h low period is shorter than the 24 h load cycle: it may be
	 * the cycle's trough, so no churn until the cycle is shortened too */
	q = p;
	q.churn_recent_hours = 6;
	CHECK(strcmp(verdict_of(&late, &q), "churn") != 0);
	q.cycle_hours = 6;
	CHECK_STR(verdict_of(&late, &q), "churn");
	q.cycle_hours = 0;
	CHECK_STR(verdict_of(&late, &q), "churn");
	/* without times: the last quarter of the dumps is "recent" */
	r = run(&late, &p, 0);
	CHECK(r.basis == DETECT_BASIS_SEQUENCE);
	CHECK(r.verdict != DETECT_V_CHURN);
	CHECK(strstr(r.explanation, "dump numbers") != NULL);
	q = p;
	q.churn_recent_frac = 0.05;
	r = run(&late, &q, 0);
	CHECK_STR(detect_verdict_name(r.verdict), "churn");
	drop(&s);
	drop(&late);
}

static void test_fill(void)
{
	detect_params p, q;
	series s = make(sh_fill, 7, 300, 0.03, 8192, 32);
	series w = make(sh_fill, 2.5, 300, 0.03, 8192, 32);
	detect_result r;

	detect_params_default(&p);
	r = run(&s, &p, 1);
	show("fill-7d", &r);
	CHECK(r.verdict == DETECT_V_PLATEAU || r.verdict == DETECT_V_WARMING);
	/* 2.5 days of a fill with a 1-day time constant: under a 24 h load
	 * cycle the floor still gained a full cycle's worth one cycle before
	 * the end (not yet levelled off at cycle resolution); on a load
	 * without a cycle the halves show the deceleration */
	q = p;
	q.cycle_hours = 0;
	r = run(&w, &q, 1);
	show("fill-2.5d", &r);
	CHECK(r.verdict == DETECT_V_PLATEAU || r.verdict == DETECT_V_WARMING);
	CHECK(r.saturating);
	/* without the saturation guard the same fill would read as a leak */
	q.saturation_ratio = 1e-6;
	CHECK_STR(verdict_of(&w, &q), "leak");
	drop(&s);
	drop(&w);
}

/* Over 3.25 days the floor (a rolling minimum narrower than the cycle)
 * still carries the daily cycle, and its halves look decelerating; whole
 * cycles show the floor still gaining: a leak.  Without a load cycle
 * (cycle_hours 0) only the halves are compared and it reads as a fill. */
static void test_cycle_gain(void)
{
	detect_params p, q;
	series s = make(sh_leak_cycle, 3.25, 300, 0.03, 4096, 128);
	detect_result r;

	detect_params_default(&p);
	/* Without a load index the raw floor judges it: over 3.25 days its
	 * rolling minimum holds too few independent values for a trend test
	 * that counts their overlap (floor_overlap), so no leak; the cycle
	 * rule below is checked with the overlap off. */
	r = run(&s, &p, 1);
	CHECK(r.trend_ok && r.mk_p >= p.alpha);
	CHECK_STR(detect_verdict_name(r.verdict), "plateau");
	p.floor_overlap = 0;
	r = run(&s, &p, 1);
	show("leak-cycle", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	CHECK(r.cycle_gain_ok && r.cycle_gain > 0);
	CHECK(r.floor_width < p.cycle_hours * 3600.0);
	q = p;
	q.cycle_hours = 0;
	r = run(&s, &q, 1);
	show("leak-cycle-nocyc", &r);
	CHECK(r.verdict == DETECT_V_PLATEAU || r.verdict == DETECT_V_WARMING);
	CHECK(r.saturating && !r.cycle_gain_ok);
	drop(&s);
}

/* A leak in bursts: steps of 300 items at 1.2 and 2.4 days, under the
 * daily cycle. */
static double sh_stairs(double t, double days)
{
	(void)days;
	return 2000.0 * diurnal(t) + 300.0 * floor(t / (1.2 * DAY));
}

static void test_level_shift(void)
{
	detect_params p, q;
	series s = make(sh_stepup, 14, 300, 0.02, 262144, 32);
	series k = make(sh_leak, 3, 300, 0.05, 4096, 128);
	series st = make(sh_stairs, 3, 300, 0.05, 4096, 128);
	detect_result r;

	detect_params_default(&p);
	/* the step rules of the raw floor over 3 days, whose trend test
	 * would not be significant with the windows' overlap counted (no
	 * load index here): checked with the overlap off */
	p.floor_overlap = 0;
	r = run(&s, &p, 1);
	show("step-up", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "plateau");
	/* a steady leak over 3 days */
	r = run(&k, &p, 1);
	show("leak-3d", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	CHECK(r.floor_jump <= p.leak_step_share * r.floor_rise);
	/* The 24 h rolling minimum makes that rise stairs of a day's rise,
	 * each a third of the whole here; a stair is the slope's, not a step:
	 * even a step share of 0.25 keeps it a leak. */
	CHECK(r.floor_jump > 0.25 * r.floor_rise);
	q = p;
	q.leak_step_share = 0.25;
	CHECK_STR(verdict_of(&k, &q), "leak");
	/* while a single level shift keeps its whole step */
	r = run(&s, &q, 1);
	CHECK_STR(detect_verdict_name(r.verdict), "plateau");
	CHECK(r.floor_jump > q.leak_step_share * r.floor_rise);
	/* two bursts are a leak, not a level shift */
	r = run(&st, &p, 1);
	show("stairs-3d", &r);
	CHECK(r.floor_jump <= p.leak_step_share * r.floor_rise);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	drop(&s);
	drop(&k);
	drop(&st);
}

static void test_follow(void)
{
	detect_params p, q;
	series s = make(sh_leak_in_headroom, 7, 300, 0.02, 4096, 128);
	detect_result r;

	detect_params_default(&p);
	r = run(&s, &p, 1);
	show("leak-in-headroom", &r);
	CHECK(r.verdict != DETECT_V_LEAK);
	CHECK(r.alloc_growth <= 128 * 4096);   /* at most the burst's last chunk */
	q = p;
	q.leak_follow_frac = 0;
	CHECK_STR(verdict_of(&s, &q), "leak");
	drop(&s);
}

/* Spans shorter than leak_load_cycles cycles: a diurnal allocator whose
 * floor rises with the lifetime's load index is not a leak; the same rise
 * with a flat load index is; a leak that ignores a rising load stays one. */
static void test_load_index(void)
{
	detect_params p, q;
	series d = make(sh_load_up, 14.0 / 24.0, 300, 0.05, 4096, 128);
	series k = make(sh_leak_flat, 14.0 / 24.0, 300, 0.05, 4096, 128);
	double *up = malloc(d.n * sizeof *up), *flat = malloc(d.n * sizeof *flat);
	detect_result r;
	size_t i;

	detect_params_default(&p);
	for (i = 0; i < d.n; i++) {
		/* the median over many allocators is itself a little noisy */
		up[i] = load_up(d.t[i] - T0) * (1.0 + 0.02 * (2.0 * urand() - 1.0));
		flat[i] = 1.0;
	}
	/* without a load index the rise looks like a leak */
	r = run(&d, &p, 1);
	show("load-up-no-index", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	CHECK(!r.load_applied);

	g_load = flat;
	r = run(&d, &p, 1);
	show("load-up-flat-index", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	CHECK(r.load_applied && r.load_rising);
	CHECK_NEAR(r.load_beta, 0, 0);

	g_load = up;
	r = run(&d, &p, 1);
	show("load-up-with-index", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "plateau");
	CHECK(r.load_applied && !r.load_rising);
	CHECK(r.load_rise < r.effect_floor || !r.load_rising);
	/* about 2000 items × 4096 B per unit of load */
	CHECK_NEAR(r.load_beta, 2000.0 * 4096, 2000.0 * 4096 * 0.2);
	/* the load rose over the span, so beta's uncertainty is worth some
	 * of the load-free rise, though far less than the load's own part
	 * (beta × its 0.8 swing) */
	CHECK(isfinite(r.load_beta_unc) && r.load_beta_unc > 0);
	CHECK(r.load_beta_unc < 0.15 * r.load_beta);
	CHECK(strstr(r.explanation, "common load") != NULL);
	/* thresholds that flip it */
	q = p;
	q.leak_load_cycles = 0;
	CHECK_STR(verdict_of(&d, &q), "leak");
	q = p;
	q.leak_load_cycles = 13.0 / 24.0;      /* span (13.9 h) not shorter */
	CHECK_STR(verdict_of(&d, &q), "leak");
	q = p;
	q.load_max_elasticity = 0;
	CHECK_STR(verdict_of(&d, &q), "leak");

	/* a leak that ignores the rising load: beta ~ 0, still a leak */
	r = run(&k, &p, 1);
	show("leak-under-load", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	CHECK(r.load_applied && r.load_rising);
	CHECK(r.load_beta < 0.2 * 2000.0 * 4096);

	/* an index of unknowns is no index */
	for (i = 0; i < d.n; i++)
		flat[i] = NAN;
	g_load = flat;
	r = run(&d, &p, 1);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	CHECK(!r.load_applied);

	g_load = NULL;
	free(up);
	free(flat);
	drop(&d);
	drop(&k);
}

/* Spans shorter than leak_load_cycles cycles: a floor that rises in one
 * move of load into the allocator and then follows the common load is not
 * a leak (leak_segment_share); a steady leak under the same load is. */
static void test_moved_in(void)
{
	detect_params p, q;
	series m = make(sh_moved_in, 20.0 / 24.0, 120, 0.05, 4096, 128);
	series k = make(sh_leak_flat, 20.0 / 24.0, 120, 0.05, 4096, 128);
	series mr = make(sh_moved_ramp, 20.0 / 24.0, 120, 0.05, 4096, 128);
	double *up = malloc(m.n * sizeof *up), *others = malloc(m.n * sizeof *others);
	detect_result r;
	size_t i;

	detect_params_default(&p);
	for (i = 0; i < m.n; i++)
		up[i] = load_late(m.t[i] - T0) * (1.0 + 0.02 * (2.0 * urand() - 1.0));
	g_load = up;
	r = run(&m, &p, 1);
	show("moved-in", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "plateau");
	CHECK(r.load_applied && r.load_rising);
	CHECK(r.seg_ok && !r.seg_rising);
	CHECK(fabs(r.seg_x - (T0 + 6 * 3600.0)) <= 1800.0);
	CHECK(r.seg_rise < p.leak_segment_share * r.load_rise);
	CHECK(strstr(r.explanation, "one move") != NULL);
	q = p;
	q.leak_segment_share = 0;
	CHECK_STR(verdict_of(&m, &q), "leak");

	/* a ramp: the half of it left in a part is not a rise within it */
	r = run(&mr, &p, 1);
	show("moved-in-ramp", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "plateau");
	CHECK(r.seg_ok && !r.seg_rising);
	q = p;
	q.seg_transition_share = 0;
	r = run(&mr, &q, 1);
	show("moved-in-ramp-0", &r);
	CHECK(r.seg_ok && r.seg_rising);

	r = run(&k, &p, 1);
	show("leak-under-load-2", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	CHECK(r.seg_ok && r.seg_rising);
	CHECK(!r.ram_filling && isnan(r.fill_ram_gain));
	/* The RAM cache's entries multiply meanwhile (a cache filling after
	 * a restart): the rise may be cached objects, no verdict yet. */
	{
		double *ram = malloc(k.n * sizeof *ram);

		for (i = 0; i < k.n; i++)
			ram[i] = 50.0 + 2000.0 * (1.0 - exp(-(k.t[i] - T0) / (4 * 3600.0)));
		g_ram = ram;
		r = run(&k, &p, 1);
		show("leak-ram-filling", &r);
		CHECK(r.ram_filling && r.fill_ram_gain > 1000);
		CHECK_STR(detect_verdict_name(r.verdict), "warming");
		CHECK(strstr(r.explanation, "RAM cache filled") != NULL);
		/* a steady RAM cache leaves the leak a leak */
		for (i = 0; i < k.n; i++)
			ram[i] = 2000.0 * (1.0 + 0.05 * (2.0 * urand() - 1.0));
		r = run(&k, &p, 1);
		CHECK(!r.ram_filling);
		CHECK_STR(detect_verdict_name(r.verdict), "leak");
		g_ram = NULL;
		free(ram);
	}

	/* The other iobuf buckets lose what this one gains (load moved
	 * between sizes): still not a leak, and the bytes say so. */
	for (i = 0; i < m.n; i++)
		others[i] = 1e5 * 4096.0 * up[i] - ((double)m.u[i] - 100.0 * 4096.0 * up[i]);
	g_others = others;
	r = run(&m, &p, 1);
	show("moved-in-bytes", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "plateau");
	CHECK(r.seg_moved && !r.seg_added && !r.seg_rising);
	CHECK(r.seg_others_shift < -0.5 * r.seg_self_shift);
	CHECK(strstr(r.explanation, "with the move taken out") != NULL);
	/* Nobody lost them: the shift added bytes, as leaked objects do. */
	for (i = 0; i < m.n; i++)
		others[i] = 1e5 * 4096.0 * up[i];
	r = run(&m, &p, 1);
	show("moved-in-added", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	CHECK(r.seg_added && !r.seg_moved && r.seg_rising);
	CHECK(fabs(r.seg_others_shift) < 0.1 * r.seg_self_shift);
	/* leak_move_share 0: the bytes are not asked */
	q = p;
	q.leak_move_share = 0;
	r = run(&m, &q, 1);
	CHECK_STR(detect_verdict_name(r.verdict), "plateau");
	CHECK(!r.seg_added && !r.seg_moved);
	/* unknown others (NaN) are no others */
	for (i = 0; i < m.n; i++)
		others[i] = NAN;
	r = run(&m, &p, 1);
	CHECK_STR(detect_verdict_name(r.verdict), "plateau");
	CHECK(!r.seg_added && !r.seg_moved);

	g_others = NULL;
	g_load = NULL;
	free(up);
	free(others);
	drop(&m);
	drop(&k);
	drop(&mr);
}

/* In-use that follows a load falling almost in step with time (6 h of
 * the evening, 8 h): least squares could pick any beta with a drift; a falling
 * load gets beta 0 (load_max_collinearity), so the raw in-use carries the
 * evidence.  Here it falls with the load: no leak either way. */
static double load_fall(double t)
{
	return 1.4 - 0.8 * t / (8 * 3600.0);
}

static double sh_follow_fall(double t, double days)
{
	(void)days;
	return 2000.0 * load_fall(t);
}

/* A cache filling in its first hours (time constant 1 h) on a 12 h
 * lifetime under a flat load: the load-free floor gains its level by the
 * middle and not after (gain_first / gain_last): levelled off, not a
 * leak, although its rise is significant. */
static double sh_fast_fill(double t, double days)
{
	(void)days;
	return 2000.0 * (1.0 - exp(-t / 3600.0)) + 100.0;
}

static void test_fast_fill(void)
{
	detect_params p, q;
	series s = make(sh_fast_fill, 0.5, 60, 0.03, 8192, 32);
	double *flat = malloc(s.n * sizeof *flat), *others = malloc(s.n * sizeof *others);
	double *ram = malloc(s.n * sizeof *ram);
	detect_result r;
	size_t i;

	detect_params_default(&p);
	for (i = 0; i < s.n; i++)
		flat[i] = 1.0 + 0.02 * (2.0 * urand() - 1.0);
	g_load = flat;
	r = run(&s, &p, 1);
	show("fast-fill-12h", &r);
	CHECK(r.load_applied && r.load_rising);
	CHECK(r.gain_first > 0 && r.gain_last <= p.saturation_ratio * r.gain_first);
	CHECK(r.load_saturating);
	CHECK(r.verdict != DETECT_V_LEAK);
	CHECK(!r.fill_alone && isnan(r.fill_self_gain));   /* no others given */

	/* The other iobuf buckets fill alongside (a RAM cache spreads over
	 * the sizes of its objects): a shared fill, levelled off. */
	for (i = 0; i < s.n; i++)
		others[i] = 1e5 * 4096.0 * flat[i] + 3.0 * (double)s.u[i];
	g_others = others;
	r = run(&s, &p, 1);
	show("fast-fill-shared", &r);
	CHECK(r.load_saturating && !r.fill_alone);
	CHECK(r.fill_self_gain >= r.effect_floor);
	CHECK(r.fill_others_gain >= p.fill_shared_share * r.fill_self_gain);
	CHECK(r.verdict != DETECT_V_LEAK);
	/* The others stay flat: this bucket's level rose alone, which is what
	 * leaked objects do in bursts, not a cache; the leak rule decides. */
	for (i = 0; i < s.n; i++)
		others[i] = 1e5 * 4096.0 * flat[i];
	r = run(&s, &p, 1);
	show("fast-fill-alone", &r);
	CHECK(r.fill_alone && !r.load_saturating);
	CHECK(r.fill_self_gain >= r.effect_floor);
	CHECK(fabs(r.fill_others_gain) < 0.1 * r.fill_self_gain);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	/* ... unless the RAM cache's entries multiplied meanwhile: a RAM
	 * cache of objects of one size fills one bucket */
	for (i = 0; i < s.n; i++)
		ram[i] = 10.0 + 1000.0 * (1.0 - exp(-(s.t[i] - T0) / 3600.0));
	g_ram = ram;
	r = run(&s, &p, 1);
	show("fast-fill-ram", &r);
	CHECK(r.load_saturating && !r.fill_alone);
	CHECK(r.fill_ram_gain > 800);
	CHECK(r.verdict != DETECT_V_LEAK);
	/* entries that only wobble with noise do not make it a fill */
	for (i = 0; i < s.n; i++)
		ram[i] = 1000.0 * (1.0 + 0.05 * (2.0 * urand() - 1.0));
	r = run(&s, &p, 1);
	CHECK(r.fill_alone && fabs(r.fill_ram_gain) < 100);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	g_ram = NULL;
	/* fill_shared_share 0: off */
	q = p;
	q.fill_shared_share = 0;
	r = run(&s, &q, 1);
	CHECK(r.load_saturating && !r.fill_alone && r.verdict != DETECT_V_LEAK);
	/* not an iobuf bucket: a pool fills on its own */
	g_bucket = -1;
	r = run(&s, &p, 1);
	CHECK(r.load_saturating && !r.fill_alone && r.verdict != DETECT_V_LEAK);
	g_bucket = 5;
	/* a level that hardly moved (gain under the effect floor) is left
	 * as it is, whatever the others do */
	q = p;
	q.leak_effect_chunks = 1e6;
	r = run(&s, &q, 1);
	CHECK(!r.fill_alone && r.fill_self_gain < r.effect_floor);
	g_others = NULL;
	g_load = NULL;
	free(flat);
	free(others);
	free(ram);
	drop(&s);
}

static void test_collinear_load(void)
{
	detect_params p, q;
	series s = make(sh_follow_fall, 8.0 / 24.0, 60, 0.02, 4096, 128);
	double *ld = malloc(s.n * sizeof *ld);
	detect_result r;
	size_t i;

	detect_params_default(&p);
	for (i = 0; i < s.n; i++)
		ld[i] = load_fall(s.t[i] - T0) * (1.0 + 0.02 * (2.0 * urand() - 1.0));
	g_load = ld;
	r = run(&s, &p, 1);
	show("collinear-fall", &r);
	CHECK(r.load_applied);
	CHECK_NEAR(r.load_beta, 0, 0);
	CHECK(r.verdict != DETECT_V_LEAK);
	q = p;
	q.load_max_collinearity = 1;         /* trust least squares */
	r = run(&s, &q, 1);
	CHECK(r.load_applied && r.load_beta > 0);
	g_load = NULL;
	free(ld);
	drop(&s);
}

static void test_small_cases(void)
{
	detect_params p;
	series z = make(sh_zero, 1, 300, 0, 4096, 128);
	series d = make(sh_plateau, 7, 300, 0.05, 4096, 128);
	detect_input in;
	detect_result r;
	char err[TSM_ERRLEN];
	size_t i;

	detect_params_default(&p);
	CHECK_STR(verdict_of(&z, &p), "idle");
	/* allocated 0, in-use > 0: malloc mode */
	for (i = 0; i < d.n; i++)
		d.a[i] = 0;
	CHECK_STR(verdict_of(&d, &p), "malloc_mode");
	drop(&d);
	/* 5 dumps */
	d = make(sh_plateau, 5 * 300 / DAY, 300, 0.05, 4096, 128);
	CHECK_INT(d.n, 5);
	r = run(&d, &p, 1);
	CHECK_STR(detect_verdict_name(r.verdict), "insufficient_data");
	CHECK(r.utilization > 0 && r.utilization <= 1);
	CHECK(strstr(r.explanation, "nly 5 dumps") != NULL);
	drop(&d);
	drop(&z);

	/* n = 0 and bad input */
	memset(&in, 0, sizeof in);
	in.type_size = 4096;
	in.chunk_items = 128;
	CHECK_INT(detect_classify(&in, &p, &r, err), TSM_OK);
	CHECK(r.verdict == DETECT_V_INSUFFICIENT);
	in.chunk_items = 0;
	CHECK_INT(detect_classify(&in, &p, &r, err), TSM_ERR);
}

/* The two public #5858 dumps of ioBufAllocator[11] (no times), and the
 * single #9625 dump of [8] (44 % used): churn vs. insufficient_data. */
static void test_real_shapes(void)
{
	detect_params p, q;
	int64_t a[2] = {8388608, 922746880}, u[2] = {786432, 1310720};
	int64_t a1[1] = {1529872384}, u1[1] = {675119104};
	detect_input in;
	detect_result r;
	char err[TSM_ERRLEN];

	detect_params_default(&p);
	memset(&in, 0, sizeof in);
	in.name = "ioBufAllocator[11]";
	in.bucket = 11;
	in.type_size = 262144;
	in.chunk_items = 32;
	in.n = 2;
	in.allocated = a;
	in.in_use = u;
	CHECK_INT(detect_classify(&in, &p, &r, err), TSM_OK);
	show("gh5858", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "churn");
	CHECK_INT(r.stranded, 922746880 - 1310720);
	CHECK(r.peak_implied);
	CHECK(r.basis == DETECT_BASIS_SEQUENCE);
	q = p;
	q.churn_ratio_strong = 1000;
	CHECK_INT(detect_classify(&in, &q, &r, err), TSM_OK);
	CHECK_STR(detect_verdict_name(r.verdict), "insufficient_data");

	in.name = "ioBufAllocator[8]";
	in.type_size = 32768;
	in.n = 1;
	in.allocated = a1;
	in.in_use = u1;
	CHECK_INT(detect_classify(&in, &p, &r, err), TSM_OK);
	show("gh9625", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "insufficient_data");
	CHECK_INT(r.stranded, 1529872384 - 675119104);
	CHECK_NEAR(r.utilization, 675119104.0 / 1529872384.0, 1e-12);
}

/* 30 days of 10-second dumps: must finish quickly (no quadratic step). */
static void test_large(void)
{
	detect_params p;
	series s;
	detect_result r;

	if (getenv("TSMEM_SLOW_TESTS_OFF") != NULL)
		return;
	detect_params_default(&p);
	s = make(sh_leak, 30, 10, 0.05, 4096, 128);
	r = run(&s, &p, 1);
	show("leak-30d-10s", &r);
	CHECK_STR(detect_verdict_name(r.verdict), "leak");
	CHECK(r.windows <= 1000);
	drop(&s);
}

int main(void)
{
	test_names_and_params();
	test_leak_and_plateau();
	test_churn();
	test_fill();
	test_cycle_gain();
	test_level_shift();
	test_follow();
	test_load_index();
	test_moved_in();
	test_collinear_load();
	test_fast_fill();
	test_small_cases();
	test_real_shapes();
	test_large();
	return TEST_DONE();
}
