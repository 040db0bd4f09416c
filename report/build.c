/* build.c — compute the report: for every host and lifetime in the
 * database, load each allocator's series through db/db.h (one at a time),
 * pick its chunk size and thread slack with model/, classify it with
 * detect/classify.h, and accumulate the per-lifetime totals (churn cost,
 * what-ifs) over complete dumps; then store the verdicts.
 *
 * The only module that talks to both db/ and detect/.  It never prints;
 * the renderers (text.c, json.c, html.c, openmetrics.c) draw the result.
 * Lifetimes shorter than leak_load_cycles load cycles first get a load
 * index (load_index_build: one more pass over their series, binned to at
 * most LOAD_BINS time bins × allocators), which the leak rule uses to tell
 * a leak from the load cycle.
 * Memory: one series plus O(dumps) running sums per lifetime, so 30 days of
 * 10 s dumps × 60 allocators stays small; the optional chart series are
 * bounded by opts.chart_bins per shown allocator.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "report.h"
#include "../detect/stats.h"

void report_opts_init(report_opts *o)
{
	memset(o, 0, sizeof *o);
	o->range.since = NAN;
	o->range.until = NAN;
	detect_params_default(&o->params);
}

void report_note(report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nnotes >= REPORT_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->nnotes], sizeof r->notes[0], fmt, ap);
	va_end(ap);
	r->nnotes++;
}

size_t report_count(const report *r, detect_verdict v)
{
	return (int)v >= 0 && v < DETECT_V_COUNT ? r->counts[v] : 0;
}

void report_window(const report *r, char *since, char *until, size_t len)
{
	char t[32];

	report_fmt_x(t, sizeof t, DETECT_BASIS_TIME, r->opts.range.since);
	snprintf(since, len, "%s", isfinite(r->opts.range.since) ? strcat(t, " UTC") : "the first dump");
	report_fmt_x(t, sizeof t, DETECT_BASIS_TIME, r->opts.range.until);
	snprintf(until, len, "%s", isfinite(r->opts.range.until) ? strcat(t, " UTC") : "the last dump");
}

void report_free(report *r)
{
	size_t h, l;

	if (r == NULL)
		return;
	for (h = 0; h < r->nhosts; h++) {
		for (l = 0; l < r->hosts[h].nlt; l++) {
			report_lifetime *rl = &r->hosts[h].lt[l];
			size_t k;

			for (k = 0; rl->alloc != NULL && k < rl->nalloc; k++)
				free(rl->alloc[k].chart.bin);
			free(rl->alloc);
		}
		free(r->hosts[h].lt);
		free(r->hosts[h].name);
	}
	free(r->hosts);
	r->hosts = NULL;
	r->nhosts = 0;
}

/* Running sums over the complete dumps of one lifetime. */
typedef struct fleet {
	db_totals tot;
	uint64_t *in_use, *alloc, *iobuf;
	int sorted;
} fleet;

static void fleet_free(fleet *f)
{
	db_totals_free(&f->tot);
	free(f->in_use);
	free(f->alloc);
	free(f->iobuf);
}

/* Add one allocator's complete samples; returns its peak in-use over them. */
static uint64_t fleet_add(fleet *f, const db_series *s, int iobuf)
{
	size_t k, j = 0;
	uint64_t peak = 0;

	if (!f->sorted)
		return 0;
	for (k = 0; k < s->n; k++) {
		uint64_t u = s->in_use[k] > 0 ? (uint64_t)s->in_use[k] : 0;
		uint64_t a = s->allocated[k] > 0 ? (uint64_t)s->allocated[k] : 0;

		if (!s->complete[k])
			continue;
		while (j < f->tot.n && f->tot.seq[j] < s->seq[k])
			j++;
		if (j == f->tot.n)
			break;
		if (f->tot.seq[j] != s->seq[k])
			continue;
		f->in_use[j] += u;
		f->alloc[j] += a;
		if (iobuf)
			f->iobuf[j] += u;
		if (u > peak)
			peak = u;
	}
	return peak;
}

static void fleet_finish(const fleet *f, detect_basis b, report_totals *t)
{
	size_t j, pj = 0;
	uint64_t ipk = 0;

	t->snapshots = f->tot.n;
	if (f->tot.n == 0 || !f->sorted) {
		t->sum_of_peaks = t->iobuf_sum_of_peaks = 0;
		t->peak_of_sum_x = NAN;
		return;
	}
	t->peak_of_sum = 0;
	for (j = 0; j < f->tot.n; j++) {
		if (f->in_use[j] > t->peak_of_sum) {
			t->peak_of_sum = f->in_use[j];
			pj = j;
		}
		if (f->iobuf[j] > ipk)
			ipk = f->iobuf[j];
	}
	t->peak_of_sum_x = b == DETECT_BASIS_SEQUENCE || !isfinite(f->tot.t[pj])
	                           ? (double)f->tot.seq[pj] : f->tot.t[pj];
	t->iobuf_peak_of_sum = ipk;
	t->allocated = f->alloc[f->tot.n - 1];
	t->in_use = f->in_use[f->tot.n - 1];
	t->stranded = t->allocated > t->in_use ? t->allocated - t->in_use : 0;
	t->churn_cost = t->sum_of_peaks > t->peak_of_sum ? t->sum_of_peaks - t->peak_of_sum : 0;
	t->iobuf_churn_cost = t->iobuf_sum_of_peaks > ipk ? t->iobuf_sum_of_peaks - ipk : 0;
	t->whatif_no_freelist = t->allocated > t->peak_of_sum ? t->allocated - t->peak_of_sum : 0;
	t->whatif_return_to_os = t->stranded;
}

static void sparkline(const db_series *s, report_alloc *a)
{
	size_t i, k, n = s->n, m = n < REPORT_SPARK ? n : REPORT_SPARK;

	a->nspark = m;
	for (i = 0; i < m; i++) {
		size_t from = i * n / m, to = (i + 1) * n / m;
		double sum = 0;

		for (k = from; k < to; k++)
			sum += (double)s->in_use[k];
		a->spark[i] = to > from ? sum / (double)(to - from) : 0;
	}
}

static double mean_of(const double *y, size_t a, size_t b)
{
	double sum = 0;
	size_t i;

	for (i = a; i < b; i++)
		sum += y[i];
	return b > a ? sum / (double)(b - a) : 0;
}

/* Level shifts of in-use over the bin means: the strongest REPORT_MAX_CP
 * splits whose gain beats a shift of a tenth of the in-use range across the
 * whole series (binary segmentation, detect/stats.h), segments >= 5 %, and
 * abrupt: the step across 2 % of the bins on either side makes at least half
 * the difference of the segment means (a ramp is split too, but is no
 * shift). */
static tsm_status chart_change_points(report_chart *c, const detect_result *r)
{
	detect_cp_opts co;
	double *y = NULL, range = (double)(r->inuse_max - r->inuse_min);
	size_t idx[REPORT_MAX_CP], ncp = 0, i, m = c->nbins;
	tsm_status rc = TSM_OK;

	if (m < 8 || !(range > 0))
		return TSM_OK;
	y = malloc(m * sizeof *y);
	if (y == NULL)
		return TSM_NOMEM;
	for (i = 0; i < m; i++)
		y[i] = ((double)c->bin[i].inuse_min + (double)c->bin[i].inuse_max) / 2.0;
	detect_cp_opts_default(&co);
	co.min_seg = m / 20 > 2 ? m / 20 : 2;
	co.max_cp = REPORT_MAX_CP;
	co.penalty = (double)m / 4.0 * (0.1 * range) * (0.1 * range);
	rc = detect_change_points(y, m, &co, idx, REPORT_MAX_CP, &ncp);
	if (rc == TSM_OK) {
		for (i = 0; i < ncp; i++) {
			size_t a = i > 0 ? idx[i - 1] : 0, b = i + 1 < ncp ? idx[i + 1] : m, k = idx[i];
			size_t w = m / 50 > 3 ? m / 50 : 3;
			double seg = mean_of(y, k, b) - mean_of(y, a, k);
			double step = mean_of(y, k, k + w < b ? k + w : b) - mean_of(y, k > a + w ? k - w : a, k);

			if (fabs(step) >= 0.5 * fabs(seg))
				c->cp_x[c->ncp++] = c->bin[k].x_lo;
		}
	} else if (rc == TSM_ERR) {
		rc = TSM_OK;    /* nothing to mark */
	}
	free(y);
	return rc;
}

/* Reduce one series to at most `nb` bins on the verdict's axis (the one
 * detect_classify picked: times, or dump numbers made non-decreasing), with
 * the model's predicted allocated (model_backward) beside the observations. */
static tsm_status chart_build(const db_series *s, const detect_input *in, size_t nb,
                              report_alloc *a)
{
	const detect_result *r = &a->r;
	report_chart *c = &a->chart;
	uint64_t *ua = NULL, *uu = NULL, *pred = NULL;
	model_series_result m;
	double x, prev = -INFINITY, span;
	size_t k, last = (size_t)-1;
	tsm_status rc = TSM_OK;

	if (s->n == 0)
		return TSM_OK;
	if (nb > s->n)
		nb = s->n;
	ua = malloc(s->n * sizeof *ua);
	uu = malloc(s->n * sizeof *uu);
	pred = malloc(s->n * sizeof *pred);
	c->bin = calloc(nb, sizeof *c->bin);
	if (ua == NULL || uu == NULL || pred == NULL || c->bin == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	for (k = 0; k < s->n; k++) {
		ua[k] = s->allocated[k] > 0 ? (uint64_t)s->allocated[k] : 0;
		uu[k] = s->in_use[k] > 0 ? (uint64_t)s->in_use[k] : 0;
	}
	rc = model_backward(NULL, ua, uu, s->n, in->type_size, in->chunk_items, in->slack_items,
	                    pred, &m);
	if (rc != TSM_OK)
		goto out;
	span = r->x_last - r->x_first;
	for (k = 0; k < s->n; k++) {
		report_bin *b;
		size_t i;

		if (r->basis == DETECT_BASIS_SEQUENCE) {
			x = s->seq != NULL ? (double)s->seq[k] : (double)k;
			if (x < prev)
				x = prev;
		} else {
			x = s->t[k];
		}
		prev = x;
		i = span > 0 && isfinite(x) ? (size_t)((x - r->x_first) / span * (double)nb) : 0;
		if (i >= nb)
			i = nb - 1;
		if (last == (size_t)-1 || i != last) {
			if (last != (size_t)-1)
				c->nbins++;
			b = &c->bin[c->nbins];
			b->x_lo = b->x_hi = x;
			b->alloc_min = b->alloc_max = s->allocated[k];
			b->inuse_min = b->inuse_max = s->in_use[k];
			b->pred_min = b->pred_max = pred[k];
			last = i;
		} else {
			b = &c->bin[c->nbins];
			b->x_hi = x;
			if (s->allocated[k] < b->alloc_min)
				b->alloc_min = s->allocated[k];
			if (s->allocated[k] > b->alloc_max)
				b->alloc_max = s->allocated[k];
			if (s->in_use[k] < b->inuse_min)
				b->inuse_min = s->in_use[k];
			if (s->in_use[k] > b->inuse_max)
				b->inuse_max = s->in_use[k];
			if (pred[k] < b->pred_min)
				b->pred_min = pred[k];
			if (pred[k] > b->pred_max)
				b->pred_max = pred[k];
		}
		b->count++;
	}
	c->nbins++;
	rc = chart_change_points(c, r);
out:
	free(ua);
	free(uu);
	free(pred);
	return rc;
}

/* The axis of one series: times on a time basis (a missing time takes its
 * predecessor's), dump numbers (made non-decreasing) on the sequence
 * basis.  x holds s->n values. */
static void series_axis(const db_series *s, detect_basis basis, double *x)
{
	size_t k;
	double prev = -INFINITY;

	for (k = 0; k < s->n; k++) {
		double v = basis == DETECT_BASIS_SEQUENCE ? (s->seq != NULL ? (double)s->seq[k] : (double)k)
		                                          : s->t[k];

		if (!isfinite(v) || v < prev)
			v = isfinite(prev) ? prev : 0;
		x[k] = v;
		prev = v;
	}
}

static detect_basis lifetime_basis(const db_lifetime *lt)
{
	if (!isfinite(lt->first_ts) || strcmp(lt->ts_quality, "unknown") == 0)
		return DETECT_BASIS_SEQUENCE;
	if (strcmp(lt->ts_quality, "relative") == 0)
		return DETECT_BASIS_RELATIVE;
	return DETECT_BASIS_TIME;
}

/* One allocator of a lifetime: load, model, classify in the lifetime's
 * context, accumulate. */
static tsm_status build_alloc(db *d, const report_opts *o, report_lifetime *rl,
                              const db_allocator *al, size_t ai, const model_config *cfg,
                              fleet *f, const db_range *rg, const detect_ctx *ctx, char *err)
{
	report_alloc *a = &rl->alloc[rl->nalloc];
	db_series s;
	detect_input in;
	uint64_t *items = NULL;
	double *x = NULL;
	uint32_t dump_chunk = 0, c;
	model_chunk_source src = MODEL_CHUNK_UNKNOWN;
	tsm_status rc;
	size_t k;
	int unbounded = 0;

	memset(&s, 0, sizeof s);
	memset(a, 0, sizeof *a);
	a->id = al->id;
	snprintf(a->name, sizeof a->name, "%s", al->name);
	a->bucket = al->bucket;
	snprintf(a->grp, sizeof a->grp, "%s", al->grp);
	a->type_size = al->type_size;
	rc = db_load_series(d, rl->lt.id, al->id, rg, &s, err);
	if (rc != TSM_OK)
		return rc;
	if (s.n > rl->win_dumps)
		rl->win_dumps = s.n;
	for (k = 0; k < s.n; k++) {
		if (!isfinite(s.t[k]))
			continue;
		if (!(s.t[k] >= rl->win_first))
			rl->win_first = s.t[k];
		if (!(s.t[k] <= rl->win_last))
			rl->win_last = s.t[k];
		if (k > 0 && isfinite(s.t[k - 1]) && s.t[k] < s.t[k - 1])
			rl->times_back = 1;
	}
	items = malloc((s.n ? s.n : 1) * sizeof *items);
	x = malloc((s.n ? s.n : 1) * sizeof *x);
	if (items == NULL || x == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	for (k = 0; k < s.n; k++) {
		items[k] = al->type_size > 0 && s.allocated[k] > 0
		                   ? (uint64_t)s.allocated[k] / al->type_size : 0;
		if (dump_chunk == 0 && s.chunk_items[k] > 0)
			dump_chunk = (uint32_t)s.chunk_items[k];
	}
	series_axis(&s, rl->basis, x);
	c = al->type_size > 0 ? model_chunk_pick(al->name, al->bucket, al->type_size, dump_chunk,
	                                         items, s.n, cfg, &src)
	                      : 0;
	if (c == 0)
		c = 1;
	a->thread_cached = model_is_thread_cached(al->name, rl->version);
	if (a->thread_cached)
		a->slack_items = model_thread_slack_items(cfg, &unbounded);
	memset(&in, 0, sizeof in);
	in.name = al->name;
	in.bucket = al->bucket;
	in.type_size = al->type_size > 0 ? al->type_size : 1;
	in.chunk_items = c;
	in.chunk_source = src;
	in.slack_items = a->slack_items;
	in.malloc_mode = strcmp(rl->lt.mode, "malloc") == 0;
	in.reclaimable = strcmp(rl->lt.mode, "reclaimable") == 0;
	in.n = s.n;
	in.x = x;
	in.allocated = s.allocated;
	in.in_use = s.in_use;
	in.ctx_index = ai;
	rc = detect_classify(&in, ctx, &o->params, &a->r, err);
	if (rc != TSM_OK)
		goto out;
	report_explain(a, &o->params, a->explanation, sizeof a->explanation);
	sparkline(&s, a);
	{
		uint64_t pk = fleet_add(f, &s, al->bucket >= 0);

		rl->totals.sum_of_peaks += pk;
		if (al->bucket >= 0)
			rl->totals.iobuf_sum_of_peaks += pk;
	}
	a->shown = o->all || al->bucket >= 0 ||
	           (a->r.verdict != DETECT_V_PLATEAU && a->r.verdict != DETECT_V_IDLE);
	if (!a->shown)
		rl->hidden++;
	if (o->chart_bins > 0 && a->shown) {
		rc = chart_build(&s, &in, o->chart_bins, a);
		if (rc != TSM_OK) {
			free(a->chart.bin);
			memset(&a->chart, 0, sizeof a->chart);
			goto out;
		}
	}
	rl->counts[a->r.verdict]++;
	rl->nalloc++;
out:
	free(items);
	free(x);
	db_series_free(&s);
	return rc;
}

/* The lifetime's context: every allocator's series on one grid (whatever
 * the glob shows: the load index is over all of them). */
static tsm_status build_context(db *d, const report_opts *o, report_lifetime *rl,
                                const db_allocator *al, size_t na, const db_range *rg,
                                const db_totals *tot, detect_ctx **out, char *err)
{
	detect_ctx *ctx;
	double x0 = 0, x1 = 0, *x = NULL;
	size_t i, k;
	tsm_status rc = TSM_OK;

	*out = NULL;
	if (rl->basis != DETECT_BASIS_SEQUENCE) {
		int ok = tot->n > 0;

		for (k = 0; ok && k < tot->n; k++)
			if (!isfinite(tot->t[k]) || (k > 0 && tot->t[k] < tot->t[k - 1]))
				ok = 0;
		if (ok && tot->t[tot->n - 1] > tot->t[0]) {
			x0 = tot->t[0];
			x1 = tot->t[tot->n - 1];
		} else {
			rl->basis = DETECT_BASIS_SEQUENCE;
		}
	}
	if (rl->basis == DETECT_BASIS_SEQUENCE && tot->n > 0) {
		x0 = (double)tot->seq[0];
		x1 = (double)tot->seq[tot->n - 1];
	}
	ctx = detect_ctx_new(rl->basis, x0, x1, tot->n, na, &o->params);
	if (ctx == NULL)
		return TSM_NOMEM;
	for (i = 0; i < na; i++) {
		db_series s;

		rc = db_load_series(d, rl->lt.id, al[i].id, rg, &s, err);
		if (rc != TSM_OK)
			goto out;
		free(x);
		x = malloc((s.n ? s.n : 1) * sizeof *x);
		if (x == NULL) {
			db_series_free(&s);
			rc = TSM_NOMEM;
			goto out;
		}
		series_axis(&s, rl->basis, x);
		detect_ctx_add(ctx, i, al[i].name, al[i].bucket, al[i].type_size, x, s.in_use, s.n);
		db_series_free(&s);
	}
	rc = detect_ctx_finish(ctx);
out:
	free(x);
	if (rc != TSM_OK)
		detect_ctx_free(ctx);
	else
		*out = ctx;
	return rc;
}

static tsm_status build_lifetime(db *d, const report_opts *o, report_lifetime *rl, char *err)
{
	db_allocator *al = NULL;
	const char **names = NULL;
	size_t na = 0, i;
	fleet f;
	detect_ctx *ctx = NULL;
	model_config cfg;
	const db_range *rg = (isfinite(o->range.since) || isfinite(o->range.until)) ? &o->range : NULL;
	tsm_status rc;

	memset(&f, 0, sizeof f);
	rl->basis = lifetime_basis(&rl->lt);
	rl->totals.peak_of_sum_x = NAN;
	rl->windowed = rg != NULL;
	rl->win_first = rl->win_last = NAN;
	rc = db_list_allocators(d, rl->lt.id, &al, &na, err);
	if (rc != TSM_OK)
		return rc;
	names = malloc((na ? na : 1) * sizeof *names);
	rl->alloc = calloc(na ? na : 1, sizeof *rl->alloc);
	if (names == NULL || rl->alloc == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	for (i = 0; i < na; i++)
		names[i] = al[i].name;
	rl->version = model_version_refine(model_version_from_format(rl->lt.format), names, na);
	model_config_init(&cfg, rl->version);
	if (o->records != NULL)
		(void)model_records_parse(o->records, o->records_len, &cfg, NULL, NULL);
	rc = db_load_totals(d, rl->lt.id, rg, &f.tot, err);
	if (rc != TSM_OK)
		goto out;
	f.in_use = calloc(f.tot.n ? f.tot.n : 1, sizeof *f.in_use);
	f.alloc = calloc(f.tot.n ? f.tot.n : 1, sizeof *f.alloc);
	f.iobuf = calloc(f.tot.n ? f.tot.n : 1, sizeof *f.iobuf);
	if (f.in_use == NULL || f.alloc == NULL || f.iobuf == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	f.sorted = 1;
	for (i = 1; i < f.tot.n; i++)
		if (f.tot.seq[i] <= f.tot.seq[i - 1])
			f.sorted = 0;
	rc = build_context(d, o, rl, al, na, rg, &f.tot, &ctx, err);
	if (rc != TSM_OK)
		goto out;
	for (i = 0; i < na; i++) {
		if (o->glob != NULL && fnmatch(o->glob, al[i].name, 0) != 0)
			continue;
		rc = build_alloc(d, o, rl, &al[i], i, &cfg, &f, rg, ctx, err);
		if (rc != TSM_OK)
			goto out;
	}
	/* times that go back make the classifier fall back to dump numbers:
	 * the lifetime says so instead of naming a time quality */
	for (i = 0; i < rl->nalloc; i++)
		if (rl->basis != DETECT_BASIS_SEQUENCE && rl->alloc[i].r.n > 1 &&
		    rl->alloc[i].r.basis == DETECT_BASIS_SEQUENCE)
			rl->basis = DETECT_BASIS_SEQUENCE;
	if (rl->basis != DETECT_BASIS_SEQUENCE)
		rl->times_back = 0;
	fleet_finish(&f, rl->basis, &rl->totals);
out:
	if (rc == TSM_NOMEM)
		tsm_seterr(err, "out of memory");
	fleet_free(&f);
	detect_ctx_free(ctx);
	free(names);
	free(al);
	return rc;
}

/* Count diagnostic rows by severity for the reported hosts. */
static void count_diagnostics(db *d, const char *host, report *r)
{
	char e[TSM_ERRLEN];
	uint64_t w = 0, x = 0;

	if (db_count_diagnostics(d, host, &w, &x, e) != TSM_OK) {
		report_note(r, "diagnostic counts unavailable: %s", e);
		return;
	}
	r->warnings += w;
	r->errors += x;
}

static double now_or_epoch(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	char *end;
	double v;

	if (e != NULL && *e != '\0') {
		v = strtod(e, &end);
		if (*end == '\0' && isfinite(v) && v >= 0)
			return v;
	}
	return (double)time(NULL);
}

/* 1 when the lifetime's source passes opts.sources. */
static int source_wanted(const report_opts *o, int64_t source_id)
{
	size_t i;

	if (o->sources == NULL)
		return 1;
	for (i = 0; i < o->nsources; i++)
		if (o->sources[i] == source_id)
			return 1;
	return 0;
}

/* Count a left-out source once (best effort: out of memory counts less). */
static void note_other_source(int64_t **v, size_t *n, int64_t id)
{
	size_t i;
	int64_t *nv;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == id)
			return;
	nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (nv == NULL)
		return;
	*v = nv;
	(*v)[(*n)++] = id;
}

tsm_status report_build(db *d, const report_opts *o, report *out, char *err)
{
	char **hosts = NULL;
	size_t nh = 0, h, l, v, nothers = 0;
	int64_t *others = NULL;
	tsm_status rc;

	memset(out, 0, sizeof *out);
	out->opts = *o;
	out->generated_at = now_or_epoch();
	out->windowed = isfinite(o->range.since) || isfinite(o->range.until);
	out->data_first = out->data_last = NAN;
	rc = db_list_hosts(d, &hosts, &nh, err);
	if (rc != TSM_OK)
		return rc;
	out->hosts = calloc(nh ? nh : 1, sizeof *out->hosts);
	if (out->hosts == NULL)
		goto nomem;
	for (h = 0; h < nh; h++) {
		report_host *rh;
		db_lifetime *lts = NULL;
		size_t nl = 0;

		if (o->host != NULL && strcmp(o->host, hosts[h]) != 0)
			continue;
		rh = &out->hosts[out->nhosts];
		rh->name = strdup(hosts[h]);
		if (rh->name == NULL)
			goto nomem;
		out->nhosts++;
		rc = db_list_lifetimes(d, hosts[h], &lts, &nl, err);
		if (rc != TSM_OK)
			goto fail;
		rh->lt = calloc(nl ? nl : 1, sizeof *rh->lt);
		if (rh->lt == NULL) {
			free(lts);
			goto nomem;
		}
		for (l = 0; l < nl; l++) {
			if (!source_wanted(o, lts[l].source_id)) {
				note_other_source(&others, &nothers, lts[l].source_id);
				continue;
			}
			rh->lt[rh->nlt].lt = lts[l];
			rh->nlt++;
			rc = build_lifetime(d, o, &rh->lt[rh->nlt - 1], err);
			if (rc != TSM_OK) {
				free(lts);
				goto fail;
			}
			if (rh->lt[rh->nlt - 1].windowed && rh->lt[rh->nlt - 1].win_dumps == 0) {
				/* no dump in the window: left out, its verdicts kept */
				report_lifetime *rl = &rh->lt[--rh->nlt];
				size_t k;

				for (k = 0; k < rl->nalloc; k++)
					free(rl->alloc[k].chart.bin);
				free(rl->alloc);
				memset(rl, 0, sizeof *rl);
				out->out_of_window++;
				if (isfinite(lts[l].first_ts) && !(lts[l].first_ts >= out->data_first))
					out->data_first = lts[l].first_ts;
				if (isfinite(lts[l].last_ts) && !(lts[l].last_ts <= out->data_last))
					out->data_last = lts[l].last_ts;
				continue;
			}
			for (v = 0; v < DETECT_V_COUNT; v++)
				out->counts[v] += rh->lt[rh->nlt - 1].counts[v];
		}
		free(lts);
		if (nothers > 0)
			report_note(out, "host %s: the database also holds %zu other source%s of this "
			            "host, ingested before; this report covers only the files just "
			            "ingested (--whole-host reports every one)", hosts[h], nothers,
			            nothers == 1 ? "" : "s");
		nothers = 0;
	}
	free(others);
	db_strings_free(hosts, nh);
	count_diagnostics(d, o->host, out);
	if (out->out_of_window > 0) {
		size_t kept = 0;
		char a[32], b[32], since[40], until[40];

		for (h = 0; h < out->nhosts; h++)
			kept += out->hosts[h].nlt;
		report_window(out, since, until, sizeof since);
		report_fmt_x(a, sizeof a, DETECT_BASIS_TIME, out->data_first);
		report_fmt_x(b, sizeof b, DETECT_BASIS_TIME, out->data_last);
		if (kept == 0)
			report_note(out, "no dumps lie in the window %s to %s; the stored dumps span %s "
			            "to %s UTC", since, until,
			            isfinite(out->data_first) ? a : "unknown times",
			            isfinite(out->data_last) ? b : "unknown times");
		else
			report_note(out, "%zu lifetime%s with no dump in the window %s to %s left out",
			            out->out_of_window, out->out_of_window == 1 ? "" : "s", since, until);
	}
	return TSM_OK;
nomem:
	rc = TSM_NOMEM;
	tsm_seterr(err, "out of memory");
fail:
	free(others);
	db_strings_free(hosts, nh);
	report_free(out);
	return rc;
}

tsm_status report_store_verdicts(db *d, report *r, char *err)
{
	size_t h, l, k;
	tsm_status rc;

	rc = db_begin_write(d, err);
	if (rc != TSM_OK)
		return rc;
	for (h = 0; h < r->nhosts; h++) {
		for (l = 0; l < r->hosts[h].nlt; l++) {
			const report_lifetime *rl = &r->hosts[h].lt[l];

			for (k = 0; k < rl->nalloc; k++) {
				const report_alloc *a = &rl->alloc[k];
				char *ev = report_evidence_json(rl, a);

				if (ev == NULL) {
					tsm_seterr(err, "out of memory");
					db_rollback_write(d);
					return TSM_NOMEM;
				}
				rc = db_write_verdict(d, rl->lt.id, a->id, detect_verdict_name(a->r.verdict),
				                      a->r.confidence, ev, err);
				cJSON_free(ev);
				if (rc != TSM_OK) {
					db_rollback_write(d);
					return rc;
				}
			}
		}
	}
	rc = db_commit_write(d, err);
	if (rc != TSM_OK) {
		db_rollback_write(d);
		return rc;
	}
	r->verdicts_stored = 1;
	return TSM_OK;
}
