/* envelope.c — shape statistics on a series: trailing rolling min/max
 * envelopes (monotonic deques), fixed-window minima/maxima (the in-use
 * floor that carries the leak signal), level-shift change points (binary
 * segmentation, normal-mean cost), and the saturation test.
 *
 * Pure computation on caller arrays; trend statistics come from stats.c /
 * theilsen.c.  No I/O.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "stats_int.h"

/* ---- rolling envelopes ------------------------------------------------------ */

static int check_time(const double *t, size_t n)
{
	size_t i;

	if (t == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isfinite(t[i]))
			return -1;
		if (i > 0 && t[i] < t[i - 1])
			return -1;
	}
	return 0;
}

tsm_status detect_rolling_minmax(const double *t, const double *y, size_t n,
                                 double width, double *lo, double *hi)
{
	size_t *qmin = NULL, *qmax = NULL;
	size_t hmin = 0, tmin = 0, hmax = 0, tmax = 0, i;

	if (!(width > 0) || check_time(t, n) != 0)
		return TSM_ERR;
	if (n == 0)
		return TSM_OK;
	qmin = malloc(n * sizeof *qmin);
	qmax = malloc(n * sizeof *qmax);
	if (qmin == NULL || qmax == NULL) {
		free(qmin);
		free(qmax);
		return TSM_NOMEM;
	}
	/* Each index enters each deque once, so the deques are plain arrays
	 * with a head and a tail that only move forward: O(n) in total. */
	for (i = 0; i < n; i++) {
		double ti = t ? t[i] : (double)i;

		if (isfinite(y[i])) {
			while (tmin > hmin && y[qmin[tmin - 1]] >= y[i])
				tmin--;
			qmin[tmin++] = i;
			while (tmax > hmax && y[qmax[tmax - 1]] <= y[i])
				tmax--;
			qmax[tmax++] = i;
		}
		while (hmin < tmin && !((t ? t[qmin[hmin]] : (double)qmin[hmin]) > ti - width))
			hmin++;
		while (hmax < tmax && !((t ? t[qmax[hmax]] : (double)qmax[hmax]) > ti - width))
			hmax++;
		if (lo != NULL)
			lo[i] = hmin < tmin ? y[qmin[hmin]] : NAN;
		if (hi != NULL)
			hi[i] = hmax < tmax ? y[qmax[hmax]] : NAN;
	}
	free(qmin);
	free(qmax);
	return TSM_OK;
}

tsm_status detect_window_minmax(const double *t, const double *y, size_t n,
                                double width, detect_window *out, size_t cap,
                                size_t *nout)
{
	size_t i = 0, w = 0;

	*nout = 0;
	if (!(width > 0) || check_time(t, n) != 0)
		return TSM_ERR;
	while (i < n) {
		double ti = t ? t[i] : (double)i;
		double k = floor(ti / width);
		detect_window win;
		size_t j = i;

		win.t_start = k * width;
		win.t_mid = win.t_start + width / 2;
		win.min = NAN;
		win.max = NAN;
		win.t_min = NAN;
		win.first = i;
		win.count = 0;
		for (; j < n && floor((t ? t[j] : (double)j) / width) == k; j++) {
			if (!isfinite(y[j]))
				continue;
			if (win.count == 0 || y[j] < win.min) {
				win.min = y[j];
				win.t_min = t ? t[j] : (double)j;
			}
			if (win.count == 0 || y[j] > win.max)
				win.max = y[j];
			win.count++;
		}
		win.last = j - 1;
		i = j;
		if (win.count == 0)
			continue;
		if (w >= cap) {
			*nout = w;
			return TSM_ERR;
		}
		out[w++] = win;
	}
	*nout = w;
	return TSM_OK;
}

/* ---- change points ----------------------------------------------------------- */

void detect_cp_opts_default(detect_cp_opts *o)
{
	o->penalty = 0;
	o->min_seg = 2;
	o->max_cp = 0;
}

typedef struct seg {
	size_t a, b;     /* [a, b) */
	size_t k;        /* best split, 0 = none */
	double gain;
} seg;

/* Best split of [a, b) by the CUSUM gain, from prefix sums s (s[i] = Σ_{<i}
 * of centred y). */
static void best_split(const double *s, seg *g, size_t min_seg)
{
	size_t k;
	double len = (double)(g->b - g->a), tot = s[g->b] - s[g->a];

	g->k = 0;
	g->gain = 0;
	if (g->b - g->a < 2 * min_seg)
		return;
	for (k = g->a + min_seg; k + min_seg <= g->b; k++) {
		double nl = (double)(k - g->a), nr = len - nl;
		double sl = s[k] - s[g->a], sr = tot - sl;
		double d = sl / nl - sr / nr;
		double gain = nl * nr / len * d * d;

		if (gain > g->gain) {
			g->gain = gain;
			g->k = k;
		}
	}
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, z = *(const size_t *)b;

	return x < z ? -1 : (x > z);
}

/* Noise scale robust to level shifts: MAD of first differences / √2,
 * falling back to their standard deviation when the MAD is 0. */
static tsm_status noise_sigma(const double *y, size_t n, double *sigma)
{
	double *d, mad, mean = 0, ss = 0;
	size_t i;
	tsm_status rc;

	*sigma = 0;
	if (n < 2)
		return TSM_OK;
	d = malloc((n - 1) * sizeof *d);
	if (d == NULL)
		return TSM_NOMEM;
	for (i = 0; i + 1 < n; i++)
		d[i] = y[i + 1] - y[i];
	rc = detect_mad(d, n - 1, &mad);
	if (rc == TSM_OK && mad > 0) {
		*sigma = DETECT_MAD_NORMAL * mad / sqrt(2.0);
	} else if (rc == TSM_OK) {
		for (i = 0; i + 1 < n; i++)
			mean += d[i];
		mean /= (double)(n - 1);
		for (i = 0; i + 1 < n; i++)
			ss += (d[i] - mean) * (d[i] - mean);
		*sigma = sqrt(ss / (double)(n - 1)) / sqrt(2.0);
	}
	free(d);
	return rc;
}

tsm_status detect_change_points(const double *y, size_t n,
                                const detect_cp_opts *o, size_t *idx,
                                size_t cap, size_t *ncp)
{
	detect_cp_opts def;
	double *s = NULL, mean = 0, rss = 0, pen, sigma;
	seg *segs = NULL;
	size_t nseg = 0, found = 0, i, min_seg, max_cp;
	tsm_status rc = TSM_OK;

	*ncp = 0;
	if (o == NULL) {
		detect_cp_opts_default(&def);
		o = &def;
	}
	for (i = 0; i < n; i++)
		if (!isfinite(y[i]))
			return TSM_ERR;
	min_seg = o->min_seg ? o->min_seg : 2;
	max_cp = o->max_cp ? o->max_cp : n;
	if (n < 2 * min_seg)
		return TSM_OK;
	s = malloc((n + 1) * sizeof *s);
	segs = malloc((n / min_seg + 1) * sizeof *segs);
	if (s == NULL || segs == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		mean += y[i];
	mean /= (double)n;
	s[0] = 0;
	for (i = 0; i < n; i++) {
		s[i + 1] = s[i] + (y[i] - mean);
		rss += (y[i] - mean) * (y[i] - mean);
	}
	if (!(rss > 0))
		goto out; /* constant: nothing to split */
	pen = o->penalty;
	if (!(pen > 0)) {
		rc = noise_sigma(y, n, &sigma);
		if (rc != TSM_OK)
			goto out;
		pen = 2.0 * sigma * sigma * log((double)n);
	}
	/* never split on rounding noise of a noise-free series */
	if (pen < 1e-9 * rss)
		pen = 1e-9 * rss;

	/* Best-gain-first binary segmentation: the max_cp strongest shifts
	 * are the ones kept when capped. */
	segs[0].a = 0;
	segs[0].b = n;
	best_split(s, &segs[0], min_seg);
	nseg = 1;
	while (found < max_cp) {
		size_t best = nseg;
		seg right = {0, 0, 0, 0};

		for (i = 0; i < nseg; i++)
			if (segs[i].k != 0 && segs[i].gain > pen &&
			    (best == nseg || segs[i].gain > segs[best].gain))
				best = i;
		if (best == nseg)
			break;
		if (found < cap)
			idx[found] = segs[best].k;
		found++;
		right.a = segs[best].k;
		right.b = segs[best].b;
		segs[best].b = segs[best].k;
		best_split(s, &segs[best], min_seg);
		best_split(s, &right, min_seg);
		segs[nseg++] = right;
	}
	*ncp = found < cap ? found : cap;
	qsort(idx, *ncp, sizeof *idx, cmp_size);
out:
	free(s);
	free(segs);
	return rc;
}

/* ---- saturation ---------------------------------------------------------------- */

/* Copy the points with from <= t < to (from/to may be ±inf) into a, b. */
static size_t subset(const double *tt, const double *yy, size_t m, double from,
                     double to, int incl_to, double *a, double *b)
{
	size_t i, k = 0;

	for (i = 0; i < m; i++) {
		if (tt[i] < from || tt[i] > to || (!incl_to && tt[i] == to))
			continue;
		a[k] = tt[i];
		b[k++] = yy[i];
	}
	return k;
}

tsm_status detect_saturation_test(const double *t, const double *y, size_t n,
                                  double ratio, detect_saturation *out)
{
	double *tt = NULL, *yy = NULL, *a = NULL, *b = NULL;
	double tmin, tmax, tmid, t3;
	size_t m, i, k;
	detect_trend tr;
	tsm_status rc;

	memset(out, 0, sizeof *out);
	out->slope_all = out->all_lo = out->all_hi = NAN;
	out->slope_first = out->slope_last = NAN;
	out->slope_third = out->third_lo = out->third_hi = NAN;
	if (!(ratio > 0))
		ratio = 0.25;
	rc = stats_collect(t, y, n, &tt, &yy, &m);
	if (rc != TSM_OK)
		return rc;
	if (m < 6) {
		rc = TSM_ERR;
		goto out;
	}
	a = malloc(m * sizeof *a);
	b = malloc(m * sizeof *b);
	if (a == NULL || b == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	tmin = tmax = tt[0];
	for (i = 1; i < m; i++) {
		if (tt[i] < tmin)
			tmin = tt[i];
		if (tt[i] > tmax)
			tmax = tt[i];
	}
	tmid = tmin + (tmax - tmin) / 2;
	t3 = tmin + (tmax - tmin) * 2 / 3;

	rc = detect_trend_test(tt, yy, m, NULL, &tr);
	if (rc != TSM_OK)
		goto out;
	out->slope_all = tr.ts.slope;
	out->all_lo = tr.ts.lo;
	out->all_hi = tr.ts.hi;
	out->growing = tr.ts.lo > 0;
	/* halves by time: [tmin, tmid] and (tmid, tmax] */
	k = subset(tt, yy, m, tmin, tmid, 1, a, b);
	rc = detect_theil_sen(a, b, k, &out->slope_first);
	if (rc != TSM_OK)
		goto out;
	k = subset(tt, yy, m, nextafter(tmid, INFINITY), tmax, 1, a, b);
	rc = detect_theil_sen(a, b, k, &out->slope_last);
	if (rc != TSM_OK)
		goto out;
	k = subset(tt, yy, m, t3, tmax, 1, a, b);
	rc = detect_trend_test(a, b, k, NULL, &tr);
	if (rc == TSM_NOMEM)
		goto out;
	if (rc == TSM_OK) {
		out->slope_third = tr.ts.slope;
		out->third_lo = tr.ts.lo;
		out->third_hi = tr.ts.hi;
		out->last_flat = tr.ts.lo <= 0 && tr.ts.hi >= 0;
	}
	rc = TSM_OK;
	out->saturating = out->growing && out->slope_first > 0 &&
	                  out->slope_last <= ratio * out->slope_first;
out:
	if (rc != TSM_OK) {
		out->saturating = 0;
		out->growing = 0;
		out->last_flat = 0;
	}
	free(a);
	free(b);
	free(tt);
	free(yy);
	return rc;
}
