/* classify.c — turn one (lifetime, allocator) series into a DESIGN §5
 * verdict with evidence: levels, the allocator model (model_backward), the
 * churn test (held peak vs. recent in-use), and the trend of the in-use
 * floor (window minima of a trailing rolling minimum; Mann–Kendall with the
 * Hamed–Rao correction, Theil–Sen with Sen's CI, saturation test).
 *
 * Large series are reduced to at most max_windows window minima before any
 * trend statistic runs, so the cost is O(n) plus O(W log W).  No I/O; the
 * explanation is formatted into the caller's result.  Thresholds come from
 * detect_params (classify_params.c).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "classify_int.h"
#include "stats.h"

#define HUGE_RATIO 1e308

void detect_scratch_free(detect_scratch *s)
{
	free(s->x);
	free(s->u);
	free(s->lo);
	free(s->ua);
	free(s->uu);
	free(s->win);
	free(s->wt);
	free(s->wy);
	free(s->wz);
}

void detect_scratch_free_trend(detect_scratch *s)
{
	free(s->lo);
	free(s->win);
	free(s->wt);
	free(s->wy);
	free(s->wz);
	s->lo = s->wy = s->wt = s->wz = NULL;
	s->win = NULL;
}

/* ---- formatting helpers for the explanation ------------------------------ */

static void fmt_bytes(char *buf, size_t len, double b)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double a = fabs(b);
	int u = 0;

	while (a >= 1024.0 && u < 5) {
		a /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%s%.0f B", b < 0 ? "-" : "", a);
	else
		snprintf(buf, len, "%s%.1f %s", b < 0 ? "-" : "", a, units[u]);
}

/* A point on the axis: UTC time, relative hours or a dump number. */
static void fmt_x(char *buf, size_t len, detect_basis b, double x)
{
	if (!isfinite(x)) {
		snprintf(buf, len, "?");
	} else if (b == DETECT_BASIS_TIME) {
		time_t tt = (time_t)x;
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
	} else if (b == DETECT_BASIS_RELATIVE) {
		snprintf(buf, len, "+%.1f h", x / 3600.0);
	} else {
		snprintf(buf, len, "dump %.0f", x);
	}
}

/* Rate per day (time) or per 1000 dumps (sequence). */
static void fmt_rate(char *buf, size_t len, detect_basis b, double per_unit)
{
	char v[32];

	if (b == DETECT_BASIS_SEQUENCE) {
		fmt_bytes(v, sizeof v, per_unit * 1000.0);
		snprintf(buf, len, "%s per 1000 dumps", v);
	} else {
		fmt_bytes(v, sizeof v, per_unit * 86400.0);
		snprintf(buf, len, "%s/day", v);
	}
}

static void explain(detect_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void explain(detect_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->explanation, sizeof r->explanation, fmt, ap);
	va_end(ap);
}

static double clamp01(double v)
{
	if (!(v > 0))
		return 0;
	return v > 1 ? 1 : v;
}

/* ---- steps ----------------------------------------------------------------- */

/* Pick the axis: Unix (or relative) seconds when every t is finite and
 * non-decreasing, else dump numbers. */
static void pick_axis(const detect_input *in, double *x, detect_result *r)
{
	size_t i;
	int ok = in->t != NULL;

	for (i = 0; ok && i < in->n; i++)
		if (!isfinite(in->t[i]) || (i > 0 && in->t[i] < in->t[i - 1]))
			ok = 0;
	if (ok && in->n > 1 && in->t[in->n - 1] == in->t[0])
		ok = 0;     /* all at one instant: no time axis */
	r->basis = ok ? (in->relative_time ? DETECT_BASIS_RELATIVE : DETECT_BASIS_TIME)
	              : DETECT_BASIS_SEQUENCE;
	for (i = 0; i < in->n; i++) {
		if (ok)
			x[i] = in->t[i];
		else
			x[i] = in->seq != NULL ? (double)in->seq[i] : (double)i;
	}
	/* dump numbers from a sequence must increase for the window helpers */
	for (i = 1; !ok && i < in->n; i++)
		if (x[i] < x[i - 1])
			x[i] = x[i - 1];
}

static void levels(const detect_input *in, detect_result *r)
{
	size_t i;

	r->alloc_first = in->allocated[0];
	r->alloc_last = in->allocated[in->n - 1];
	r->inuse_first = in->in_use[0];
	r->inuse_last = in->in_use[in->n - 1];
	r->alloc_max = r->alloc_first;
	r->inuse_max = r->inuse_min = r->inuse_first;
	for (i = 1; i < in->n; i++) {
		if (in->allocated[i] > r->alloc_max)
			r->alloc_max = in->allocated[i];
		if (in->in_use[i] > r->inuse_max)
			r->inuse_max = in->in_use[i];
		if (in->in_use[i] < r->inuse_min)
			r->inuse_min = in->in_use[i];
	}
	r->stranded = r->alloc_last > r->inuse_last ? r->alloc_last - r->inuse_last : 0;
	r->utilization = r->alloc_last > 0 ? (double)r->inuse_last / (double)r->alloc_last : 0.0;
}

/* The low period of the churn test on a time axis.  Cycles of `period`
 * are counted back from the last dump (cycle 0 is the last period; the
 * earliest cycle counts only if it covers at least half a period).  The
 * low period is the last j >= jmin cycles; for each j the past level is
 * the lowest of the per-cycle in-use maxima before it (every cycle before
 * reached it) and the low level the highest in-use since.  The j with the
 * largest past/low ratio (low + slack) wins.  A change in workload shows
 * as every cycle since it staying under what every cycle before it
 * reached; a quiet day, even the last one, is only a low draw among
 * ordinary day-to-day swings.  O(n + cycles).  Sets *past (NaN when no
 * cycle precedes the low period) and *from_x (start of the low period). */
static tsm_status churn_split(const detect_input *in, const double *x, double period,
                              size_t jmin, double slack, double *past, double *from_x)
{
	size_t n = in->n, i, K, j, k;
	double end = x[n - 1], *mx, *after, *before, best = -1;

	*past = NAN;
	*from_x = end - (double)jmin * period;
	K = (size_t)floor((end - x[0]) / period) + 1;
	if (K > n)
		K = n;                       /* at most one non-empty cycle per dump */
	if (K <= jmin)
		return TSM_OK;
	mx = malloc(3 * (K + 1) * sizeof *mx);
	if (mx == NULL)
		return TSM_NOMEM;
	after = mx + (K + 1);
	before = after + (K + 1);
	for (k = 0; k < K; k++)
		mx[k] = NAN;
	for (i = 0; i < n; i++) {
		double c = floor((end - x[i]) / period);

		k = c < (double)K ? (size_t)c : K - 1;
		if (!(mx[k] >= (double)in->in_use[i]))
			mx[k] = (double)in->in_use[i];
	}
	if (end - (double)(K - 1) * period - x[0] < period / 2)
		mx[K - 1] = NAN;             /* a partial first cycle: its peak may be missing */
	after[0] = 0;                    /* after[j]: max of cycles 0..j-1 */
	for (k = 0; k < K; k++)
		after[k + 1] = isfinite(mx[k]) && mx[k] > after[k] ? mx[k] : after[k];
	before[K] = INFINITY;            /* before[j]: min of cycles j..K-1 */
	for (k = K; k-- > 0;)
		before[k] = isfinite(mx[k]) && mx[k] < before[k + 1] ? mx[k] : before[k + 1];
	for (j = jmin; j < K; j++) {
		double ratio, low = after[j] + slack;

		if (!isfinite(before[j]))
			continue;
		ratio = low > 0 ? before[j] / low : HUGE_RATIO;
		if (ratio > best) {
			best = ratio;
			*past = before[j];
			/* cycle j ends at end - j·period, inclusive */
			*from_x = nextafter(end - (double)j * period, INFINITY);
		}
	}
	free(mx);
	return TSM_OK;
}

/* Churn evidence: the held peak and the typical past level against the
 * in-use of the recent part (a thread-cached allocator's in-use may come
 * back by up to its slack without any change in workload). */
static tsm_status churn_stats(const detect_input *in, const detect_params *p, const double *x,
                              detect_result *r)
{
	double chunk_bytes = (double)in->chunk_items * in->type_size;
	double implied = (double)r->alloc_last - chunk_bytes;
	double low, slack = p->churn_slack_frac * (double)in->slack_items * in->type_size;
	size_t i, from;

	r->peak_est = (double)r->model.peak_in_use;
	r->peak_x = r->model.peak_index != MODEL_NO_INDEX ? x[r->model.peak_index] : NAN;
	if (implied > r->peak_est) {
		r->peak_est = implied;
		r->peak_implied = 1;
		r->peak_x = r->model.last_new_chunk_index != MODEL_NO_INDEX
		                    ? x[r->model.last_new_chunk_index] : NAN;
	}
	r->past_level = r->peak_est;
	r->churn_cycle_ok = 1;
	if (r->basis == DETECT_BASIS_SEQUENCE) {
		size_t k = (size_t)ceil((double)in->n * p->churn_recent_frac);

		if (k < 1)
			k = 1;
		if (k > in->n)
			k = in->n;
		from = in->n - k;
		r->recent_from = x[from];
	} else {
		double span = x[in->n - 1] - x[0];
		double w = p->churn_recent_hours * 3600.0, period = p->cycle_hours * 3600.0;

		if (w > span / 2)
			w = span / 2;
		r->recent_from = x[in->n - 1] - w;
		if (period > 0) {
			/* A low period shorter than one load cycle may be the
			 * trough of the cycle, not a change in workload. */
			r->churn_cycle_ok = w >= period;
			if (r->churn_cycle_ok) {
				double lvl, fx;
				size_t jmin = (size_t)ceil(w / period - 1e-9);

				if (churn_split(in, x, period, jmin < 1 ? 1 : jmin, slack, &lvl,
				                &fx) != TSM_OK)
					return TSM_NOMEM;
				r->recent_from = fx;
				if (isfinite(lvl) && lvl < r->past_level)
					r->past_level = lvl;
			}
		}
		for (from = in->n - 1; from > 0 && x[from - 1] >= r->recent_from; from--)
			;
	}
	r->recent_max = 0;
	for (i = from; i < in->n; i++)
		if (in->in_use[i] > r->recent_max)
			r->recent_max = in->in_use[i];
	r->slack_bytes = slack;
	low = (double)r->recent_max + r->slack_bytes;
	r->churn_ratio = low > 0 ? r->past_level / low : HUGE_RATIO;
	r->stranded_recent = r->alloc_last - r->recent_max;
	r->churn_floor = fmax(p->churn_min_chunks * chunk_bytes, p->churn_min_bytes) +
	                 r->slack_bytes;
	return TSM_OK;
}

/* Window width on the axis: >= window_samples dumps and >= window_hours,
 * widened so that at most max_windows windows cover the span. */
static tsm_status window_width(const double *x, size_t n, const detect_params *p,
                               detect_basis b, double *out)
{
	double span = x[n - 1] - x[0], dt = 1.0, w;
	double *d = NULL;
	size_t i;

	if (b != DETECT_BASIS_SEQUENCE && n > 1) {
		d = malloc((n - 1) * sizeof *d);
		if (d == NULL)
			return TSM_NOMEM;
		for (i = 1; i < n; i++)
			d[i - 1] = x[i] - x[i - 1];
		if (detect_median(d, n - 1, &dt) != TSM_OK || !(dt > 0))
			dt = span / (double)(n - 1);
		free(d);
	}
	w = p->window_samples * dt;
	if (b != DETECT_BASIS_SEQUENCE && w < p->window_hours * 3600.0)
		w = p->window_hours * 3600.0;
	if (span / w > p->max_windows)
		w = span / p->max_windows;
	if (!(w > 0))
		w = 1.0;
	*out = w;
	return TSM_OK;
}

/* Growth over the last load cycle (time basis, span >= two cycles): the
 * lowest in-use of the last cycle minus the lowest of the cycle before.
 * Minima over whole cycles carry no trace of the cycle itself, so this is
 * what the floor gained in the last cycle: a leak keeps gaining about its
 * average rate (slope × cycle), a filled cache gains nothing. */
static void cycle_gain(const detect_input *in, const detect_params *p, const double *x,
                       detect_result *r)
{
	double period = p->cycle_hours * 3600.0, end = x[in->n - 1], last = INFINITY, prev = INFINITY;
	size_t i;

	r->cycle_gain_ok = 0;
	r->cycle_gain = NAN;
	if (r->basis == DETECT_BASIS_SEQUENCE || !(period > 0) || end - x[0] < 2 * period)
		return;
	for (i = in->n; i-- > 0 && x[i] >= end - 2 * period;) {
		double v = (double)in->in_use[i];

		if (x[i] > end - period)
			last = fmin(last, v);
		else
			prev = fmin(prev, v);
	}
	if (isfinite(last) && isfinite(prev)) {
		r->cycle_gain = last - prev;
		r->cycle_gain_ok = 1;
	}
}

/* The floor trend: window minima of the (rolling-min) in-use, then the
 * trend and saturation tests on them. */
tsm_status detect_floor_trend(const detect_input *in, const detect_params *p, detect_scratch *s,
                              detect_result *r)
{
	size_t n = in->n, nw = 0, cap, i, k, first = 0, last;
	double span = s->x[n - 1] - s->x[0], w, fw = 0, per;
	const double *y = s->u;
	detect_trend_opts o;
	detect_trend tr;
	detect_saturation sat;
	tsm_status rc;

	rc = window_width(s->x, n, p, r->basis, &w);
	if (rc != TSM_OK)
		return rc;
	r->window_width = w;
	if (r->basis != DETECT_BASIS_SEQUENCE && p->floor_hours > 0) {
		fw = p->floor_hours * 3600.0;
		if (fw > span / p->min_windows)
			fw = span / p->min_windows;
		if (fw <= w)
			fw = 0;
	}
	if (fw > 0) {
		s->lo = malloc(n * sizeof *s->lo);
		if (s->lo == NULL)
			return TSM_NOMEM;
		rc = detect_rolling_minmax(s->x, s->u, n, fw, s->lo, NULL);
		if (rc != TSM_OK)
			return rc == TSM_NOMEM ? rc : TSM_OK;
		y = s->lo;
	}
	r->floor_width = fw;
	cap = (size_t)(span / w) + 2;
	if (cap > n)
		cap = n;
	s->win = malloc(cap * sizeof *s->win);
	s->wt = malloc(cap * sizeof *s->wt);
	s->wy = malloc(cap * sizeof *s->wy);
	s->wz = malloc(cap * sizeof *s->wz);
	if (s->win == NULL || s->wt == NULL || s->wy == NULL || s->wz == NULL)
		return TSM_NOMEM;
	rc = detect_window_minmax(s->x, y, n, w, s->win, cap, &nw);
	if (rc != TSM_OK || nw == 0)
		return rc == TSM_NOMEM ? rc : TSM_OK;
	/* Drop the rolling minimum's warm-up (it saw less than fw of data) and
	 * thin edge windows (a partial window's minimum is biased high), when
	 * enough windows remain. */
	last = nw;
	per = (double)n / (double)nw;
	while (first < last && fw > 0 && s->win[first].t_start + w <= s->x[0] + fw &&
	       (double)(last - first - 1) >= p->min_windows)
		first++;
	if (first < last && (double)s->win[first].count < per / 2 &&
	    (double)(last - first - 1) >= p->min_windows)
		first++;
	if (last > first && (double)s->win[last - 1].count < per / 2 &&
	    (double)(last - first - 1) >= p->min_windows)
		last--;
	for (i = first, k = 0; i < last; i++, k++) {
		s->wt[k] = s->win[i].t_mid;
		s->wy[k] = s->win[i].min;
	}
	r->windows = k;
	if (k == 0)
		return TSM_OK;
	r->floor_first = s->wy[0];
	r->floor_last = s->wy[k - 1];
	r->floor_range = s->wt[k - 1] - s->wt[0];
	/* Level gains of the floor: the median of the first, middle and last
	 * sixth of the windows (gains, not slopes: Theil–Sen's halves barely
	 * see a fill that is done in the first hours). */
	r->gain_first = r->gain_last = NAN;
	if (k >= 6) {
		size_t six = k / 6, mid = k / 2 - six / 2;
		double l0, lm, l1;

		if (detect_median(s->wy, six, &l0) == TSM_OK &&
		    detect_median(s->wy + mid, six, &lm) == TSM_OK &&
		    detect_median(s->wy + (k - six), six, &l1) == TSM_OK) {
			r->gain_first = lm - l0;
			r->gain_last = l1 - lm;
		}
	}
	/* The largest persistent step: over the window boundaries i, how far
	 * the lowest floor from i + g on lies above the highest floor before
	 * i (a level shift puts its whole rise there; a steady rise, a load
	 * cycle or noise put little).  g: the windows the rolling minimum
	 * (fw wide) takes to show a step in full, which it spreads over fw. */
	r->floor_jump = 0;
	{
		double *suf = s->wz, pre = s->wy[0];
		size_t g = fw > 0 ? (size_t)ceil(fw / w) : 0;

		suf[k - 1] = s->wy[k - 1];
		for (i = k - 1; i > 0; i--)
			suf[i - 1] = fmin(s->wy[i - 1], suf[i]);
		for (i = 1; i + g < k; i++) {
			if (suf[i + g] - pre > r->floor_jump)
				r->floor_jump = suf[i + g] - pre;
			pre = fmax(pre, s->wy[i]);
		}
	}
	r->alloc_growth = r->alloc_last - r->alloc_first;
	if ((double)k < p->min_windows || k < 3)
		return TSM_OK;
	detect_trend_opts_default(&o);
	o.alpha = p->alpha;
	/* a window's minimum of the rolling minimum is the lowest in-use
	 * over fw + w: neighbours share most of it */
	o.extreme_span = fw > 0 && p->floor_overlap > 0 ? (fw + w) / w : 0;
	rc = detect_trend_test(s->wt, s->wy, k, &o, &tr);
	if (rc == TSM_NOMEM)
		return rc;
	if (rc != TSM_OK)
		return TSM_OK;
	r->trend_ok = 1;
	r->slope = tr.ts.slope;
	r->slope_lo = tr.ts.lo;
	r->slope_hi = tr.ts.hi;
	r->mk_z = tr.mk.z;
	r->mk_p = tr.mk.p;
	r->n_ns = tr.mk.n_ns;
	r->frac_pos = tr.ts.frac_pos;
	r->floor_rise = tr.ts.slope * (s->x[n - 1] - s->x[0]);
	rc = detect_saturation_test(s->wt, s->wy, k, p->saturation_ratio, &sat);
	if (rc == TSM_NOMEM)
		return rc;
	if (rc == TSM_OK) {
		r->saturating = sat.saturating;
		r->last_flat = sat.last_flat;
		r->third_rise = isfinite(sat.slope_third) ? sat.slope_third * (s->x[n - 1] - s->x[0])
		                                          : NAN;
	}
	/* Halves of a floor that still carries the load cycle (its rolling
	 * minimum is narrower than a cycle: spans under min_windows cycles)
	 * can look decelerating by the phase alone: when whole cycles can be
	 * compared, a floor that gained at least saturation_ratio × its
	 * average rise per cycle over the last cycle lag is not levelling off. */
	cycle_gain(in, p, s->x, r);
	if (r->saturating && r->cycle_gain_ok && r->floor_width < p->cycle_hours * 3600.0 &&
	    r->cycle_gain >= p->saturation_ratio * r->slope * p->cycle_hours * 3600.0)
		r->saturating = 0;
	/* since: the last window whose floor was still at the starting level */
	r->since = s->wt[0];
	for (i = 0; i < k; i++)
		if (s->wy[i] <= r->floor_first + 0.1 * r->effect_floor)
			r->since = s->wt[i];
	return TSM_OK;
}

/* ---- verdict rules ------------------------------------------------------------ */

static void say_insufficient(const detect_input *in, const detect_params *p, detect_result *r)
{
	char a[32], u[32], st[32], why[96];

	fmt_bytes(a, sizeof a, (double)r->alloc_last);
	fmt_bytes(u, sizeof u, (double)r->inuse_last);
	fmt_bytes(st, sizeof st, (double)r->stranded);
	if ((double)in->n < p->min_dumps)
		snprintf(why, sizeof why, "only %zu dump%s (%.0f needed for a trend%s)", in->n,
		         in->n == 1 ? "" : "s", p->min_dumps,
		         r->basis == DETECT_BASIS_SEQUENCE ? "; times unknown" : "");
	else
		snprintf(why, sizeof why, "a span of only %.1f h (%.0f h needed for a trend)",
		         r->span_hours, p->min_span_hours);
	r->verdict = DETECT_V_INSUFFICIENT;
	r->confidence = 1.0;
	explain(r, "%s; at the last dump %s of %s allocated is in use (%.0f %%), %s stranded.",
	        why, u, a, 100.0 * r->utilization, st);
}

static double strong_ratio(const detect_result *r)
{
	double low = (double)r->inuse_last + r->slack_bytes;

	return low > 0 ? (double)r->alloc_last / low : HUGE_RATIO;
}

static int churn_strong(const detect_result *r, const detect_params *p)
{
	return r->alloc_last > 0 && strong_ratio(r) >= p->churn_ratio_strong &&
	       (double)r->stranded >= r->churn_floor;
}

static int churn_timed(const detect_result *r, const detect_params *p)
{
	return r->alloc_last > 0 && r->churn_cycle_ok && r->churn_ratio >= p->churn_ratio &&
	       (double)r->stranded_recent >= r->churn_floor &&
	       !(r->peak_x >= r->recent_from);
}

static void say_churn(detect_result *r, const detect_params *p, int strong)
{
	char a[32], pk[32], rm[32], st[32], lv[32], when[48], from[48];
	double ratio;

	fmt_bytes(a, sizeof a, (double)r->alloc_last);
	fmt_bytes(pk, sizeof pk, r->peak_est);
	fmt_bytes(st, sizeof st, (double)r->stranded);
	fmt_x(when, sizeof when, r->basis, r->peak_x);
	r->verdict = DETECT_V_CHURN;
	r->since = r->peak_x;
	if (strong) {
		ratio = strong_ratio(r);
		fmt_bytes(rm, sizeof rm, (double)r->inuse_last);
		r->confidence = 0.6 + 0.25 * clamp01(log10(ratio / p->churn_ratio_strong) / 2.0);
		explain(r, "allocated holds %s from a past peak of at least %s in use%s%s, but only %s is "
		        "in use at the last dump (%s%.0fx%s): %s stranded by a change in workload, %s.",
		        a, pk, isfinite(r->peak_x) ? " reached by " : "", isfinite(r->peak_x) ? when : "",
		        rm, ratio >= HUGE_RATIO ? ">" : "", ratio >= HUGE_RATIO ? 1e6 : ratio,
		        r->slack_bytes > 0 ? ", counting the thread-cache slack as in use" : "", st,
		        strong == 1 ? "on too few dumps for a trend"
		                    : "by a margin no load cycle explains (the low period is shorter than "
		                      "one cycle)");
		return;
	}
	fmt_bytes(rm, sizeof rm, (double)r->recent_max);
	fmt_bytes(lv, sizeof lv, r->past_level);
	ratio = r->churn_ratio;
	r->confidence = 0.7 + 0.25 * clamp01(log10(ratio / p->churn_ratio) / log10(10.0));
	fmt_x(from, sizeof from, r->basis, r->recent_from);
	explain(r, "allocated holds %s from a %speak of %s in use at %s; in-use reached at least %s "
	        "in every load cycle before %s, but has stayed at or below %s since (%.1fx lower%s): "
	        "%s stranded by a change in workload.",
	        a, r->peak_implied ? "sampled-between-dumps " : "", pk, when, lv, from, rm,
	        ratio >= HUGE_RATIO ? 1e6 : ratio,
	        r->slack_bytes > 0 ? ", counting the thread-cache slack as in use" : "", st);
}

/* The floor rises: Mann-Kendall significant upward, Sen's slope above 0
 * and the lower bound of its confidence interval not below 0.  (A floor
 * that rises in steps has many window pairs on one level, whose slopes
 * are exactly 0; the bound then lands on that block of ties, and the
 * tie-corrected Mann-Kendall test is what tells the trend.) */
static int floor_rising(const detect_params *p, const detect_result *r)
{
	return r->trend_ok && r->mk_z > 0 && r->mk_p < p->alpha && r->slope > 0 &&
	       r->slope_lo >= 0;
}

/* The rise is spread over the span: no single persistent step (floor_jump)
 * carries more than leak_step_share of the trend's rise.  One step is a
 * level shift (load moved up once); a leak rises steadily or in a
 * sequence of bursts.  The rolling minimum (floor_width wide) turns a
 * steady rise into stairs, one per width, each the slope times the
 * width (a third of a 3-day rise): the stair that the rest of the rise
 * (last floor − first − the step, over the windows' time less one width)
 * would make is not counted as the step's.  A single level shift leaves
 * no rest, and keeps its whole step. */
static int floor_spread(const detect_params *p, const detect_result *r)
{
	double j = r->floor_jump, fw = r->floor_width, rest;

	if (fw > 0 && isfinite(r->floor_range) && r->floor_range > fw) {
		rest = r->floor_last - r->floor_first - j;
		if (rest > 0)
			j -= rest / (r->floor_range - fw) * fw;
	}
	return j <= p->leak_step_share * r->floor_rise;
}

/* The joint fit's drift (load_fit_se) is significant over the lifetime's
 * allocators, or the test is off or could not be computed.  Each lifetime
 * tests every allocator at alpha, so a plateau among forty passes one now
 * and then; the drift of in-use against time with the load in the same
 * fit, at alpha / allocators (Bonferroni), is the parametric check that a
 * short span's load-free rise is not the noise of one allocator among
 * many (the leaks found on the tuning seeds reach t 3.47 and more;
 * bench/drift_t.py). */
static int drift_ok(const detect_params *p, const detect_result *r)
{
	return !(p->leak_drift_family > 0) || !isfinite(r->load_drift_t) ||
	       !isfinite(r->load_drift_need) || r->load_drift_t >= r->load_drift_need;
}

/* Leak: significant rising floor, effect above the floor, spread over the
 * span, allocated follows, not saturating. */
static int leak_rules(const detect_input *in, const detect_params *p, const detect_result *r,
                      int *follows)
{
	double chunk_bytes = (double)in->chunk_items * in->type_size;

	if (r->load_applied) {
		/* a span shorter than leak_load_cycles cycles: the floor with
		 * the common load taken out carries the evidence */
		*follows = (double)r->alloc_growth >= p->leak_follow_frac * r->load_rise - chunk_bytes;
		return r->load_rising && r->load_rise - r->load_beta_unc > r->effect_floor &&
		       drift_ok(p, r) && !r->moved_in &&
		       r->load_floor_jump <= p->leak_step_share * r->load_rise && *follows &&
		       !r->load_saturating && r->seg_rising && !r->ram_filling;
	}
	*follows = (double)r->alloc_growth >= p->leak_follow_frac * r->floor_rise - chunk_bytes;
	return floor_rising(p, r) && r->floor_rise > r->effect_floor && floor_spread(p, r) &&
	       *follows && !r->saturating;
}

/* Plateau on a short span (load_applied): say which part of the
 * load-free leak rule failed, first failure first. */
static void say_load_plateau(const detect_params *p, detect_result *r, int follows,
                             const char *a, const char *u)
{
	char lr[32], ef[32], x[48], y[48];
	const char *lead = "with the common load of the lifetime's allocators taken out";

	fmt_bytes(lr, sizeof lr, r->load_rise);
	fmt_bytes(ef, sizeof ef, r->effect_floor);
	if (!r->load_rising) {
		explain(r, "%s (the span is shorter than %g load cycles), the in-use floor shows no "
		        "significant rise (%s%s over the span, p %.2g over %zu windows): in-use moves with "
		        "the load; allocated %s, in use %s.",
		        lead, p->leak_load_cycles, r->load_rise >= 0 ? "+" : "", lr, r->load_mk_p,
		        r->load_windows, a, u);
	} else if (!(r->load_rise > r->effect_floor)) {
		explain(r, "%s, the in-use floor rises slightly (+%s, below the %s effect floor); "
		        "allocated %s, in use %s: stationary within noise.", lead, lr, ef, a, u);
	} else if (!(r->load_rise - r->load_beta_unc > r->effect_floor)) {
		fmt_bytes(x, sizeof x, r->load_beta_unc);
		explain(r, "%s, the in-use floor rises (+%s), but up to %s of that can come from the "
		        "uncertainty of how much in-use the load brings (the load moved with time over "
		        "the span, and the fit has few or noisy dumps): not more than the %s effect "
		        "floor for sure; allocated %s, in use %s.", lead, lr, x, ef, a, u);
	} else if (!drift_ok(p, r)) {
		explain(r, "%s, the in-use floor rises (+%s, p %.2g), but the drift fitted with the "
		        "load (t %.2f) is not significant among the lifetime's allocators (t %.2f "
		        "needed): one of many series can rise this much by chance; allocated %s, in "
		        "use %s.", lead, lr, r->load_mk_p, r->load_drift_t, r->load_drift_need, a, u);
	} else if (r->moved_in) {
		fmt_x(x, sizeof x, r->basis, r->seg_x);
		fmt_bytes(y, sizeof y, r->move_self_step);
		fmt_bytes(ef, sizeof ef, -r->move_others_step);
		explain(r, "%s, the in-use floor rises (+%s), but mostly in one move near %s (+%s) "
		        "in which the other buffer sizes lost %s (t %.1f): load moved into this "
		        "allocator from another size; with the move taken out the drift is not "
		        "significant among the lifetime's allocators (t %.2f, %.2f needed): not a "
		        "leak; allocated %s, in use %s.",
		        lead, lr, x, y, ef, r->move_others_step_t, r->move_drift_t,
		        r->load_drift_need, a, u);
	} else if (r->load_floor_jump > p->leak_step_share * r->load_rise) {
		fmt_bytes(x, sizeof x, r->load_floor_jump);
		explain(r, "%s, the in-use floor moved up mostly in one step (everything after it at "
		        "least %s above everything before, more than %.0f %% of the +%s rise): a level "
		        "shift or a fill, not a steady rise; allocated %s, in use %s.",
		        lead, x, 100.0 * p->leak_step_share, lr, a, u);
	} else if (!follows) {
		fmt_bytes(x, sizeof x, (double)r->alloc_growth);
		explain(r, "%s, the in-use floor rises (+%s) but allocated grew only %s: the rise reuses "
		        "free memory already held (%s allocated, %s in use), not a leak yet; watch it.",
		        lead, lr, x, a, u);
	} else if (r->load_saturating) {
		explain(r, "%s, the in-use floor rose (+%s) and has levelled off; allocated %s, in use "
		        "%s: a filled cache or pool at its plateau.", lead, lr, a, u);
	} else {
		fmt_x(x, sizeof x, r->basis, r->seg_x);
		fmt_bytes(y, sizeof y, fmax(r->seg_rise, 0));
		explain(r, "the in-use floor rises (+%s with the common load taken out) but mostly in "
		        "one move near %s%s: before and after it the load-free floor rises at most %s "
		        "over the span (less than %.0f %% of its whole rise): load moved into this "
		        "allocator, not a leak; allocated %s, in use %s.",
		        lr, x, r->seg_moved ? ", as the other buffer sizes lost about as many bytes" : "",
		        y, 100.0 * p->leak_segment_share, a, u);
	}
}

static void decide(const detect_input *in, const detect_params *p, detect_result *r)
{
	char rate[48], since[48], rise[32], grow[32], a[32], u[32], pl[32], ef[32];
	int follows = 0, rising;

	fmt_rate(rate, sizeof rate, r->basis, r->slope);
	fmt_bytes(rise, sizeof rise, r->floor_rise);
	fmt_bytes(grow, sizeof grow, (double)r->alloc_growth);
	fmt_bytes(a, sizeof a, (double)r->alloc_last);
	fmt_bytes(u, sizeof u, (double)r->inuse_last);
	fmt_bytes(pl, sizeof pl, (double)r->model.expected_plateau);
	fmt_bytes(ef, sizeof ef, r->effect_floor);
	if (leak_rules(in, p, r, &follows)) {
		double zc = detect_norm_ppf(1.0 - p->alpha / 2.0);

		r->verdict = DETECT_V_LEAK;
		if (r->load_applied) {
			char lrate[48], lrise[32];

			r->bytes_per_day = r->load_slope * 86400.0;
			r->since = r->load_since;
			r->confidence = 0.5 + 0.25 * clamp01((r->load_mk_z - zc) / zc) +
			                0.25 * clamp01(r->load_rise / r->effect_floor - 1.0);
			fmt_rate(lrate, sizeof lrate, r->basis, r->load_slope);
			fmt_bytes(lrise, sizeof lrise, r->load_rise);
			fmt_x(since, sizeof since, r->basis, r->since);
			explain(r, "with the common load of the lifetime's allocators taken out (the span is "
			        "shorter than %g load cycles), the in-use floor rises %s (+%s over the span, "
			        "%zu windows, Mann-Kendall z %.1f, p %.2g after autocorrelation correction) "
			        "since about %s, allocated follows (+%s) and the growth does not level off: "
			        "live objects accumulate.",
			        p->leak_load_cycles, lrate, lrise, r->load_windows, r->load_mk_z,
			        r->load_mk_p, since, grow);
			return;
		}
		r->bytes_per_day = r->slope * (r->basis == DETECT_BASIS_SEQUENCE ? 1000.0 : 86400.0);
		r->confidence = 0.5 + 0.25 * clamp01((r->mk_z - zc) / zc) +
		                0.25 * clamp01(r->floor_rise / r->effect_floor - 1.0);
		fmt_x(since, sizeof since, r->basis, r->since);
		explain(r, "the in-use floor rises %s (+%s over the span, %zu windows, Mann-Kendall z %.1f, "
		        "p %.2g after autocorrelation correction) since about %s, allocated follows "
		        "(+%s) and the growth does not level off: live objects accumulate.",
		        rate, rise, r->windows, r->mk_z, r->mk_p, since, grow);
		return;
	}
	if (churn_timed(r, p)) {
		say_churn(r, p, 0);
		return;
	}
	if (!r->churn_cycle_ok && churn_strong(r, p)) {
		say_churn(r, p, 2);
		return;
	}
	rising = floor_rising(p, r);
	if (r->load_applied && r->ram_filling && r->load_rising && r->load_rise > r->effect_floor) {
		char lr[32];

		r->verdict = DETECT_V_WARMING;
		r->bytes_per_day = r->load_slope * 86400.0;
		r->confidence = 0.5;
		fmt_bytes(lr, sizeof lr, r->load_rise);
		explain(r, "with the common load taken out the in-use floor rises (+%s over the span), "
		        "but the RAM cache filled during this lifetime (its entries grew by %.0f objects): "
		        "this bucket may hold cached objects of a cache not yet full; no verdict until "
		        "the RAM cache levels off. Allocated %s, in use %s.",
		        lr, r->fill_ram_gain, a, u);
		return;
	}
	if (rising && r->saturating && !r->last_flat) {
		r->verdict = DETECT_V_WARMING;
		r->bytes_per_day = r->slope * (r->basis == DETECT_BASIS_SEQUENCE ? 1000.0 : 86400.0);
		r->confidence = 0.6 + 0.3 * clamp01(1.0 - r->mk_p / p->alpha);
		explain(r, "the in-use floor still rises (%s overall) but the growth decelerates toward a "
		        "level: a fill (cache, connection pool) approaching its plateau, expected near %s "
		        "allocated; no verdict yet.", rate, pl);
		return;
	}
	r->verdict = DETECT_V_PLATEAU;
	r->confidence = r->trend_ok ? 0.6 + 0.35 * clamp01(((double)r->windows - p->min_windows) /
	                                                   (4.0 * p->min_windows))
	                            : 0.5;
	if (!r->model.at_plateau)
		r->confidence -= 0.1;
	if (r->load_applied)
		say_load_plateau(p, r, follows, a, u);
	else if (rising && r->saturating)
		explain(r, "the in-use floor rose (+%s) and has levelled off; allocated %s, in use %s: a "
		        "filled cache or pool at its plateau.", rise, a, u);
	else if (rising && r->floor_rise > r->effect_floor && !floor_spread(p, r)) {
		char jump[32];

		fmt_bytes(jump, sizeof jump, r->floor_jump);
		explain(r, "the in-use floor moved up mostly in one step (everything after it at least %s "
		        "above everything before, more than %.0f %% of the +%s rise): a level shift, not a "
		        "steady rise; allocated %s, in use %s.",
		        jump, 100.0 * p->leak_step_share, rise, a, u);
	} else if (rising && r->floor_rise > r->effect_floor && !follows)
		explain(r, "the in-use floor rises %s but allocated grew only %s: the rise reuses free "
		        "memory already held (%s allocated, %s in use), not a leak yet; watch it.",
		        rate, grow, a, u);
	else if (rising)
		explain(r, "the in-use floor rises slightly (+%s, below the %s effect floor); allocated %s, "
		        "in use %s: stationary within noise.", rise, ef, a, u);
	else if (r->trend_ok && r->mk_p < p->alpha && r->mk_z > 0)
		explain(r, "the in-use floor moved up (p %.2g) but Sen's slope or the confidence "
		        "interval around it reaches below 0: not a steady rise; allocated %s, in use %s.",
		        r->mk_p, a, u);
	else if (r->trend_ok)
		explain(r, "no significant trend in the in-use floor (p %.2g over %zu windows); allocated "
		        "%s as the model predicts for a stationary load, in use %s.",
		        r->mk_p, r->windows, a, u);
	else
		explain(r, "too few floor windows for a trend test (%zu); allocated %s, in use %s, no "
		        "sign of churn.", r->windows, a, u);
	if (r->confidence < 0.3)
		r->confidence = 0.3;
}

tsm_status detect_classify(const detect_input *in, const detect_params *p,
                           detect_result *out, char *err)
{
	detect_scratch s;
	detect_result *r = out;
	tsm_status rc = TSM_OK;
	size_t i, n = in->n;
	int any_alloc = 0, any_use = 0;

	memset(&s, 0, sizeof s);
	memset(r, 0, sizeof *r);
	r->slope = r->slope_lo = r->slope_hi = NAN;
	r->load_slope = r->load_slope_lo = r->load_beta = NAN;
	r->load_mk_p = 1.0;
	r->seg_x = r->seg_rise = NAN;
	r->seg_self_shift = r->seg_others_shift = NAN;
	r->move_self_step = r->move_others_step = r->move_others_step_t = NAN;
	r->move_drift_t = NAN;
	r->fill_self_gain = r->fill_others_gain = r->fill_ram_gain = NAN;
	r->load_since = r->third_rise = NAN;
	r->gain_first = r->gain_last = NAN;
	r->seg_rising = 1;
	r->since = r->peak_x = r->recent_from = NAN;
	r->span_hours = NAN;
	r->mk_p = 1.0;
	r->n_ns = 1.0;
	r->x_first = r->x_last = NAN;
	r->chunk_items = in->chunk_items;
	r->chunk_source = in->chunk_source;
	r->n = n;
	if (in->type_size == 0 || in->chunk_items == 0) {
		tsm_seterr(err, "%s: type size and chunk size must be > 0", in->name ? in->name : "?");
		return TSM_ERR;
	}
	if (n == 0) {
		r->verdict = DETECT_V_INSUFFICIENT;
		r->confidence = 1.0;
		r->basis = DETECT_BASIS_SEQUENCE;
		explain(r, "no dumps in the selected range.");
		return TSM_OK;
	}
	s.x = calloc(n, sizeof *s.x);
	s.u = malloc(n * sizeof *s.u);
	s.ua = malloc(n * sizeof *s.ua);
	s.uu = malloc(n * sizeof *s.uu);
	if (s.x == NULL || s.u == NULL || s.ua == NULL || s.uu == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	pick_axis(in, s.x, r);
	r->x_first = s.x[0];
	r->x_last = s.x[n - 1];
	if (r->basis != DETECT_BASIS_SEQUENCE)
		r->span_hours = (s.x[n - 1] - s.x[0]) / 3600.0;
	for (i = 0; i < n; i++) {
		s.ua[i] = in->allocated[i] > 0 ? (uint64_t)in->allocated[i] : 0;
		s.uu[i] = in->in_use[i] > 0 ? (uint64_t)in->in_use[i] : 0;
		s.u[i] = (double)s.uu[i];
		any_alloc |= s.ua[i] > 0;
		any_use |= s.uu[i] > 0;
	}
	levels(in, r);
	rc = model_backward(s.x, s.ua, s.uu, n, in->type_size, in->chunk_items, in->slack_items,
	                    NULL, &r->model);
	if (rc != TSM_OK)
		goto out;
	/* A rise smaller than a few chunks, a share of the level, or what the
	 * per-thread caches can park (spec §3.5: up to threads × H items) is not
	 * evidence of a leak. */
	r->effect_floor = fmax(p->leak_effect_chunks * in->chunk_items * in->type_size,
	                       p->leak_effect_frac * (double)r->alloc_last);
	r->effect_floor = fmax(r->effect_floor,
	                       p->leak_slack_frac * (double)in->slack_items * in->type_size);
	rc = churn_stats(in, p, s.x, r);
	if (rc != TSM_OK)
		goto out;

	if (!any_alloc && !any_use) {
		r->verdict = DETECT_V_IDLE;
		r->confidence = 1.0;
		explain(r, "never allocated in this lifetime (allocated and in-use 0 in all %zu dump%s).",
		        n, n == 1 ? "" : "s");
		goto out;
	}
	if (in->malloc_mode || !any_alloc) {
		char u[32], mx[32];

		fmt_bytes(u, sizeof u, (double)r->inuse_last);
		fmt_bytes(mx, sizeof mx, (double)r->inuse_max);
		r->verdict = DETECT_V_MALLOC;
		r->confidence = in->malloc_mode ? 1.0 : 0.9;
		explain(r, "freelist disabled (allocated 0, in use %s now, %s at most): objects come from "
		        "malloc, so no plateau model applies.", u, mx);
		goto out;
	}
	if ((double)n < p->min_dumps ||
	    (r->basis != DETECT_BASIS_SEQUENCE && r->span_hours < p->min_span_hours)) {
		if (churn_strong(r, p))
			say_churn(r, p, 1);  /* few dumps: no cycle rule to apply */
		else
			say_insufficient(in, p, r);
		goto out;
	}
	rc = detect_floor_trend(in, p, &s, r);
	if (rc != TSM_OK)
		goto out;
	rc = detect_load_trend(in, p, &s, r);
	if (rc != TSM_OK)
		goto out;
	rc = detect_seg_trend(in, p, &s, r);
	if (rc != TSM_OK)
		goto out;
	decide(in, p, r);
	if (r->basis == DETECT_BASIS_SEQUENCE && r->verdict != DETECT_V_INSUFFICIENT) {
		size_t len = strlen(r->explanation);

		if (len > 0 && r->explanation[len - 1] == '.')
			r->explanation[len - 1] = '\0';
		len = strlen(r->explanation);
		snprintf(r->explanation + len, sizeof r->explanation - len,
		         " (times unknown: dump numbers used).");
	}
	if (in->reclaimable) {
		size_t len = strlen(r->explanation);

		snprintf(r->explanation + len, sizeof r->explanation - len,
		         " Reclaimable-freelist build: allocated may shrink, the chunk model is approximate.");
		r->confidence *= 0.8;
	}
out:
	if (rc == TSM_NOMEM)
		tsm_seterr(err, "out of memory");
	if (r->explanation[0] >= 'a' && r->explanation[0] <= 'z')
		r->explanation[0] = (char)(r->explanation[0] - 'a' + 'A');
	detect_scratch_free(&s);
	return rc;
}
