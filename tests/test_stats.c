/* test_stats.c — unit tests for detect/stats.h and the SQL functions of
 * db/sqlfunc.c.
 *
 * Every statistic is checked against values obtained independently of the
 * code under test: hand computations (worked in the comments), exact
 * permutation enumeration, a python3 transcription of pymannkendall's
 * hamed_rao_modification_test (pure Python, run once; numbers pasted), and
 * a naive O(n^2) reference implemented here on random series.  The largest
 * case is skipped when TSMEM_SLOW_TESTS_OFF is set (the valgrind pass).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "testlib.h"
#include "../detect/stats.h"
#include "../db/db.h"

/* ---- deterministic random numbers ------------------------------------------ */

static uint64_t rs = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static double unif(void)
{
	return ((double)(rnd() >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
	return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- naive references --------------------------------------------------------- */

typedef struct ref {
	double s, var, slope, lo, hi, n_ns, var_hr, z, p, frac_pos;
} ref;

static int sgn(double x)
{
	return (x > 0) - (x < 0);
}

/* O(n^2) S, tie-corrected variance (tau-b form, ties counted pairwise),
 * all slopes sorted, and Hamed–Rao over lags 1..lags (floored at 1 unless
 * deflate).  t must be sorted and,
 * for the Hamed–Rao part, distinct (so the time order is unambiguous). */
static void naive(const double *t, const double *y, size_t n, size_t lags,
                  int deflate, ref *r)
{
	size_t i, j, k, N = 0;
	double s = 0, v0, vt = 0, vu = 0, a1t = 0, a1u = 0, a2t = 0, a2u = 0;
	double *sl = malloc(n * n / 2 * sizeof *sl + sizeof *sl);
	double *d = malloc(n * sizeof *d), *rk = malloc(n * sizeof *rk), c, sni = 0;
	double mean = (double)(n + 1) / 2, acov0 = 0, bound, npos = 0;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			s += sgn(t[j] - t[i]) * sgn(y[j] - y[i]);
			if (t[j] != t[i]) {
				sl[N] = (y[j] - y[i]) / (t[j] - t[i]);
				npos += sl[N] > 0;
				N++;
			}
		}
	/* tie group sizes: count, for each i that is the first of its value */
	for (i = 0; i < n; i++) {
		double gt = 0, gu = 0;
		int first_t = 1, first_u = 1;

		for (j = 0; j < n; j++) {
			if (t[j] == t[i]) {
				gt++;
				if (j < i)
					first_t = 0;
			}
			if (y[j] == y[i]) {
				gu++;
				if (j < i)
					first_u = 0;
			}
		}
		if (first_t) {
			vt += gt * (gt - 1) * (2 * gt + 5);
			a1t += gt * (gt - 1);
			a2t += gt * (gt - 1) * (gt - 2);
		}
		if (first_u) {
			vu += gu * (gu - 1) * (2 * gu + 5);
			a1u += gu * (gu - 1);
			a2u += gu * (gu - 1) * (gu - 2);
		}
	}
	v0 = (double)n * (n - 1) * (2 * n + 5);
	r->s = s;
	r->var = (v0 - vt - vu) / 18 + a1t * a1u / (2.0 * n * (n - 1)) +
	         a2t * a2u / (9.0 * n * (n - 1) * (n - 2));
	qsort(sl, N, sizeof *sl, cmpd);
	r->slope = N % 2 ? sl[N / 2] : (sl[N / 2 - 1] + sl[N / 2]) / 2;
	r->frac_pos = npos / (double)N;
	/* Hamed–Rao: detrend, average ranks by counting, ACF by direct sums */
	for (i = 0; i < n; i++)
		d[i] = y[i] - r->slope * (t[i] - t[0]);
	for (i = 0; i < n; i++) {
		double below = 0, eq = 0;

		for (j = 0; j < n; j++) {
			below += d[j] < d[i];
			eq += d[j] == d[i];
		}
		rk[i] = below + (eq + 1) / 2 - mean;
		acov0 += rk[i] * rk[i];
	}
	bound = 1.959963984540054 / sqrt((double)n);
	for (k = 1; k <= lags && k < n; k++) {
		double a = 0, nk = (double)(n - k);

		for (i = 0; i + k < n; i++)
			a += rk[i] * rk[i + k];
		a /= acov0;
		if (a > bound || a < -bound)
			sni += nk * (nk - 1) * (nk - 2) * a;
	}
	r->n_ns = 1 + 2 / ((double)n * (n - 1) * (n - 2)) * sni;
	if (r->n_ns <= 0 || (!deflate && r->n_ns < 1))
		r->n_ns = 1;
	r->var_hr = r->var * r->n_ns;
	r->z = s == 0 ? 0 : (s - sgn(s)) / sqrt(r->var_hr);
	r->p = erfc(fabs(r->z) / sqrt(2.0));
	c = 1.959963984540054 * sqrt(r->var_hr);
	k = (size_t)round((N - c) / 2);
	r->lo = sl[(k < 1 ? 1 : k) - 1];
	k = (size_t)round((N + c) / 2) + 1;
	r->hi = sl[(k > N ? N : k) - 1];
	free(sl);
	free(d);
	free(rk);
}

static double rel(double a, double b)
{
	double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return m == 0 ? 0 : fabs(a - b) / m;
}

/* ---- helpers ---------------------------------------------------------------------- */

static void test_helpers(void)
{
	double a[] = {3, 1, 2}, b[] = {4, NAN, 1, 3, 2}, c[] = {1, 2, 3, 4, 5};
	double m[] = {1, 1, 2, 2, 4, 6, 9}, v;
	uint64_t g[] = {0, 384, 256, 640}, z[] = {0, 0};

	CHECK_INT(detect_median(a, 3, &v), TSM_OK);
	CHECK_NEAR(v, 2, 0);
	CHECK_INT(detect_median(b, 5, &v), TSM_OK); /* NaN skipped: 1 2 3 4 */
	CHECK_NEAR(v, 2.5, 0);
	/* type 7: h = (n-1)q; q=.25 → h=1 → 2; q=.1 → h=.4 → 1.4 */
	CHECK_INT(detect_quantile(c, 5, 0.25, &v), TSM_OK);
	CHECK_NEAR(v, 2, 0);
	detect_quantile(c, 5, 0.1, &v);
	CHECK_NEAR(v, 1.4, 1e-15);
	detect_quantile(c, 5, 1, &v);
	CHECK_NEAR(v, 5, 0);
	detect_quantile(c, 5, 0, &v);
	CHECK_NEAR(v, 1, 0);
	CHECK_INT(detect_quantile(c, 5, 1.5, &v), TSM_ERR);
	CHECK_INT(detect_quantile(b + 1, 1, 0.5, &v), TSM_ERR); /* only NaN */
	CHECK(isnan(v));
	/* MAD: median 2, |x-2| = 1 1 0 0 2 4 7 → median 1 */
	CHECK_INT(detect_mad(m, 7, &v), TSM_OK);
	CHECK_NEAR(v, 1, 0);
	CHECK_U64(detect_gcd_u64(g, 4), 128);
	CHECK_U64(detect_gcd_u64(z, 2), 0);
	CHECK_U64(detect_gcd_u64(g, 0), 0);
	/* reference values: scipy.stats.norm.ppf(0.975), norm.sf(1.96) */
	CHECK_NEAR(detect_norm_ppf(0.975), 1.959963984540054, 1e-12);
	CHECK_NEAR(detect_norm_ppf(0.5), 0, 1e-15);
	CHECK_NEAR(detect_norm_ppf(1e-10), -6.361340902404056, 1e-9);
	CHECK_NEAR(detect_norm_sf(1.96), 0.024997895148220435, 1e-15);
	CHECK(isnan(detect_norm_ppf(1.0)));
}

/* ---- Mann–Kendall ------------------------------------------------------------------- */

static void test_mk_hand(void)
{
	/* y = 1 3 2 3 5 at t = 1..5.  Signs of y_j − y_i for i < j:
	 *   i=1: + + + +     → +4
	 *   i=2: − 0 +       →  0
	 *   i=3: + +         → +2
	 *   i=4: +           → +1      S = 7
	 * Var = [5·4·15 − 2·1·9 (the two 3s)] / 18 = 282/18 = 15.6667
	 * Z = (7 − 1)/√15.6667 = 1.515873; p = 0.1295514 (pymannkendall gives
	 * the same S, var, z, p).  No significant lag for n = 5 → n/n* = 1.
	 * Slopes: 2 .5 2/3 1 | −1 0 2/3 | 1 1.5 | 2; sorted −1 0 .5 2/3 2/3 1 1
	 * 1.5 2 2 → median (2/3 + 1)/2 = 0.833333; 8 of 10 positive.
	 * Sen CI: C = 1.96·√15.6667 = 7.758; lo rank round(1.121) = 1 → −1,
	 * hi rank round(8.879) + 1 = 10 → 2. */
	double t[] = {1, 2, 3, 4, 5}, y[] = {1, 3, 2, 3, 5};
	detect_trend tr;

	CHECK_INT(detect_trend_test(t, y, 5, NULL, &tr), TSM_OK);
	CHECK_INT(tr.mk.n, 5);
	CHECK_INT(tr.mk.s, 7);
	CHECK_NEAR(tr.mk.var_s, 282.0 / 18, 1e-12);
	CHECK_NEAR(tr.mk.n_ns, 1, 0);
	CHECK_NEAR(tr.mk.z, 1.5158734579197342, 1e-12);
	CHECK_NEAR(tr.mk.p, 0.129551352904409, 1e-12);
	CHECK_NEAR(tr.mk.tau, 0.7, 1e-15);
	CHECK_NEAR(tr.ts.slope, 5.0 / 6, 1e-15);
	CHECK_NEAR(tr.ts.frac_pos, 0.8, 1e-15);
	CHECK_NEAR(tr.ts.frac_neg, 0.1, 1e-15);
	CHECK_NEAR(tr.ts.lo, -1, 0);
	CHECK_NEAR(tr.ts.hi, 2, 0);
	CHECK_U64(tr.ts.npairs, 10);
	/* intercept = median(y − 5/6 t) = median(1/6, 4/3, −1/2, −1/3, 5/6) */
	CHECK_NEAR(tr.ts.intercept, 1.0 / 6, 1e-15);
	/* t == NULL means t = 0..n−1: same S and slope */
	CHECK_INT(detect_trend_test(NULL, y, 5, NULL, &tr), TSM_OK);
	CHECK_INT(tr.mk.s, 7);
	CHECK_NEAR(tr.ts.slope, 5.0 / 6, 1e-15);
}

static void test_mk_ties_in_t(void)
{
	/* Uneven steps and a tie in t: t = 0 0 2 4, y = 1 3 5 5.
	 * Pairs with distinct t: 1→5 +, 1→5 +, 3→5 +, 3→5 +, 5→5 0: S = 4.
	 * Kendall tau-b variance: (4·3·13 − 18 − 18)/18 + (2·2)/(2·4·3) + 0
	 * = 6.666667 + 0.166667 = 6.833333; the exact variance of S over all
	 * 24 permutations of y (python enumeration) is 6.833333 too.
	 * Slopes: 2 1 1 .5 0 → median 1. */
	double t[] = {0, 0, 2, 4}, y[] = {1, 3, 5, 5};
	/* second case checked by enumeration of all 5040 permutations: 35.780952 */
	double t2[] = {1, 1, 2, 3, 3, 3, 4}, y2[] = {2, 2, 5, 1, 5, 7, 2};
	detect_trend tr;
	detect_trend_opts o;
	double s;

	detect_trend_opts_default(&o);
	o.hamed_rao = 0;
	CHECK_INT(detect_trend_test(t, y, 4, &o, &tr), TSM_OK);
	CHECK_INT(tr.mk.s, 4);
	CHECK_NEAR(tr.mk.var_s, 41.0 / 6, 1e-12);
	CHECK_NEAR(tr.ts.slope, 1, 0);
	CHECK_U64(tr.ts.npairs, 5);
	CHECK_INT(detect_theil_sen(t, y, 4, &s), TSM_OK);
	CHECK_NEAR(s, 1, 0);
	CHECK_INT(detect_trend_test(t2, y2, 7, &o, &tr), TSM_OK);
	CHECK_INT(tr.mk.s, 2);
	CHECK_NEAR(tr.mk.var_s, 35.78095238095238, 1e-9);
	/* order of input must not matter */
	{
		double t3[] = {4, 2, 0, 0}, y3[] = {5, 5, 3, 1};

		CHECK_INT(detect_trend_test(t3, y3, 4, &o, &tr), TSM_OK);
		CHECK_INT(tr.mk.s, 4);
		CHECK_NEAR(tr.ts.slope, 1, 0);
	}
}

static void test_mk_edge(void)
{
	double c[50], t[50], y2[] = {1, 2}, nanv[] = {1, NAN, 2, 3, NAN, 5, 4};
	double clean[] = {1, 2, 3, 5, 4}, tn[] = {0, 1, 2, 3, 4, 5, 6}, tc[] = {0, 2, 3, 5, 6};
	double same_t[] = {3, 3, 3, 3}, yv[] = {1, 2, 3, 4};
	detect_trend tr, tr2;
	detect_mk mk;
	double s;
	size_t i;

	for (i = 0; i < 50; i++) {
		c[i] = 42;
		t[i] = (double)i * 60;
	}
	/* constant series: S = 0, Var = 0 (all tied), p = 1, slope 0 */
	CHECK_INT(detect_trend_test(t, c, 50, NULL, &tr), TSM_OK);
	CHECK_INT(tr.mk.s, 0);
	CHECK_NEAR(tr.mk.var_s, 0, 0);
	CHECK_NEAR(tr.mk.z, 0, 0);
	CHECK_NEAR(tr.mk.p, 1, 0);
	CHECK_NEAR(tr.ts.slope, 0, 0);
	CHECK_NEAR(tr.ts.lo, 0, 0);
	CHECK_NEAR(tr.ts.hi, 0, 0);
	CHECK_NEAR(tr.ts.frac_pos, 0, 0);
	CHECK_NEAR(tr.ts.intercept, 42, 0);
	/* n < 3 */
	CHECK_INT(detect_trend_test(NULL, y2, 2, NULL, &tr), TSM_ERR);
	CHECK_NEAR(tr.mk.p, 1, 0);
	CHECK(isnan(tr.ts.slope));
	CHECK_INT(detect_trend_test(NULL, y2, 0, NULL, &tr), TSM_ERR);
	CHECK_INT(detect_theil_sen(NULL, y2, 2, &s), TSM_ERR);
	CHECK(isnan(s));
	CHECK_INT(detect_mann_kendall(NULL, y2, 2, 1, &mk), TSM_ERR);
	CHECK_NEAR(mk.p, 1, 0);
	/* all t equal: no pair to compare */
	CHECK_INT(detect_trend_test(same_t, yv, 4, NULL, &tr), TSM_ERR);
	/* NaN points are dropped: same as the clean series */
	CHECK_INT(detect_trend_test(tn, nanv, 7, NULL, &tr), TSM_OK);
	CHECK_INT(detect_trend_test(tc, clean, 5, NULL, &tr2), TSM_OK);
	CHECK_INT(tr.mk.n, 5);
	CHECK_INT(tr.mk.s, tr2.mk.s);
	CHECK_NEAR(tr.mk.z, tr2.mk.z, 0);
	CHECK_NEAR(tr.ts.slope, tr2.ts.slope, 0);
	/* three NaN and two values: too few */
	{
		double few[] = {NAN, 1, NAN, 2, NAN};

		CHECK_INT(detect_trend_test(NULL, few, 5, NULL, &tr), TSM_ERR);
	}
	/* NaN in t is dropped too */
	{
		double tt[] = {0, NAN, 2, 3}, yy[] = {1, 100, 2, 3};

		CHECK_INT(detect_trend_test(tt, yy, 4, NULL, &tr), TSM_OK);
		/* (0,1) (2,2) (3,3): slopes .5, 2/3, 1 → 2/3 */
		CHECK_INT(tr.mk.n, 3);
		CHECK_NEAR(tr.ts.slope, 2.0 / 3, 1e-15);
	}
	/* strictly decreasing: S = −n(n−1)/2 */
	{
		double d[10];

		for (i = 0; i < 10; i++)
			d[i] = 10 - (double)i;
		CHECK_INT(detect_mann_kendall(NULL, d, 10, 0, &mk), TSM_OK);
		CHECK_INT(mk.s, -45);
		CHECK_NEAR(mk.tau, -1, 0);
		CHECK(mk.z < -3);
	}
}

static void test_hamed_rao_published(void)
{
	/* Reference: a pure-Python transcription of pymannkendall 1.4
	 * hamed_rao_modification_test (alpha 0.05, lag = n), run on
	 *   x_i = cumsum_{k<=i}(((k·7919) mod 13) − 6) + 0.01·√i, i = 0..79
	 * gives s 590, var_s 57933.333…, n/n* 1.277440658280117,
	 * corrected var 74006.39546969478, z 2.165113503832267,
	 * p 0.03037899408193856, slope 0.0009488492405720652. */
	double x[80], v = 0;
	detect_mk mk;
	detect_trend tr;
	detect_trend_opts pub;
	int i;

	detect_trend_opts_default(&pub);
	pub.max_lag = DETECT_HR_ALL_LAGS; /* the published definition */
	pub.hr_deflate = 1;
	for (i = 0; i < 80; i++) {
		v += ((i * 7919) % 13) - 6;
		x[i] = v + 0.01 * sqrt((double)i);
	}
	CHECK_INT(detect_trend_test(NULL, x, 80, &pub, &tr), TSM_OK);
	CHECK_INT(tr.mk.lags_used, 79);
	CHECK_INT(tr.mk.s, 590);
	CHECK_NEAR(tr.mk.var_s, 57933.333333333336, 1e-8);
	CHECK_NEAR(tr.mk.n_ns, 1.277440658280117, 1e-10);
	CHECK_NEAR(tr.mk.var_s_hr, 74006.39546969478, 1e-6);
	CHECK_NEAR(tr.mk.z, 2.165113503832267, 1e-10);
	CHECK_NEAR(tr.mk.p, 0.03037899408193856, 1e-10);
	CHECK_NEAR(tr.ts.slope, 0.0009488492405720652, 1e-15);
	CHECK(tr.mk.var_s_hr > tr.mk.var_s);
	CHECK(tr.mk.p > tr.mk.p_raw);
	CHECK_INT(detect_mann_kendall(NULL, x, 80, 1, &mk), TSM_OK);
	CHECK_INT(mk.lags_used, 20); /* default: ceil(10·log10 80) */
	CHECK(mk.n_ns >= 1);
	CHECK_INT(detect_mann_kendall(NULL, x, 80, 0, &mk), TSM_OK);
	CHECK_NEAR(mk.n_ns, 1, 0);
	CHECK_NEAR(mk.z, mk.z_raw, 0);
	/* x_i = ((37 i) mod 23) + 0.3 i: pymannkendall gives s 768, var
	 * 24583.33, n/n* 0.53052 (negative autocorrelation deflates).  The
	 * median-slope pair makes a tie in the detrended series that rounding
	 * may split either way (with the detrending offset i vs i+1 the same
	 * transcription gives 0.53020), hence the looser tolerance. */
	for (i = 0; i < 60; i++)
		x[i] = ((i * 37) % 23) + 0.3 * i;
	CHECK_INT(detect_trend_test(NULL, x, 60, &pub, &tr), TSM_OK);
	CHECK_INT(tr.mk.s, 768);
	CHECK_NEAR(tr.mk.var_s, 24583.333333333332, 1e-8);
	CHECK_NEAR(tr.mk.n_ns, 0.5305, 1e-3);
	/* by default deflation is not allowed */
	CHECK_INT(detect_trend_test(NULL, x, 60, NULL, &tr), TSM_OK);
	CHECK_NEAR(tr.mk.n_ns, 1, 0);
	CHECK_NEAR(tr.mk.z, tr.mk.z_raw, 0);
	CHECK_NEAR(tr.ts.slope, 0.3357142857142857, 1e-15);
}

static void test_hamed_rao_ar1(void)
{
	/* AR(1), φ = 0.9, no trend: positive autocorrelation must inflate
	 * Var(S) and so raise p. */
	double y[300], prev = 0;
	detect_trend tr;
	int i;

	rs = 0x414b057ae3ULL; /* per-test seed: independent of gating */

	for (i = 0; i < 300; i++) {
		prev = 0.9 * prev + gauss();
		y[i] = prev;
	}
	CHECK_INT(detect_trend_test(NULL, y, 300, NULL, &tr), TSM_OK);
	CHECK(tr.mk.n_ns > 2);
	CHECK(tr.mk.var_s_hr > tr.mk.var_s);
	CHECK(tr.mk.p >= tr.mk.p_raw);
	CHECK(tr.mk.lags_sig > 0);
	CHECK_INT(tr.mk.lags_used, 25); /* ceil(10·log10 300) */
	/* max_lag caps the lags examined */
	{
		detect_trend_opts o;
		detect_trend tr2;

		detect_trend_opts_default(&o);
		o.max_lag = 5;
		CHECK_INT(detect_trend_test(NULL, y, 300, &o, &tr2), TSM_OK);
		CHECK_INT(tr2.mk.lags_used, 5);
		CHECK(tr2.mk.lags_sig <= 5);
		CHECK(tr2.mk.n_ns > 1);
	}
}

static void test_overlap_ns(void)
{
	/* Hand computation: n/n* = 1 + 2/(n(n−1)(n−2)) Σ_{h<g} (n−h)(n−h−1)(n−h−2)(g−h)/(g+h).
	 * n 4, g 2: h 1 only, ρ 1/3, 3·2·1 = 6 → 1 + 2·2/24 = 1.1666…
	 * n 5, g 3: h 1 ρ 1/2 × 24 = 12, h 2 ρ 1/5 × 6 = 1.2 → 1 + 2·13.2/60 = 1.44 */
	CHECK_NEAR(detect_overlap_ns(4, 2), 1 + 4.0 / 24, 1e-12);
	CHECK_NEAR(detect_overlap_ns(5, 3), 1.44, 1e-12);
	CHECK_NEAR(detect_overlap_ns(5, 1), 1, 0);  /* no overlap */
	CHECK_NEAR(detect_overlap_ns(2, 9), 1, 0);  /* too few points */
	/* Minima over 10 spacings of white noise: the floor replaces the
	 * Hamed–Rao estimate when that is lower, never lowers it. */
	{
		double y[60], w[69];
		detect_trend_opts o;
		detect_trend a, b;
		int i, j;

		rs = 0x0ce7a11ULL;
		for (i = 0; i < 69; i++)
			w[i] = gauss();
		for (i = 0; i < 60; i++) {
			y[i] = w[i];
			for (j = 1; j < 10; j++)
				y[i] = fmin(y[i], w[i + j]);
		}
		detect_trend_opts_default(&o);
		CHECK_INT(detect_trend_test(NULL, y, 60, &o, &a), TSM_OK);
		o.extreme_span = 10;
		CHECK_INT(detect_trend_test(NULL, y, 60, &o, &b), TSM_OK);
		CHECK_NEAR(b.mk.n_ns, fmax(a.mk.n_ns, detect_overlap_ns(60, 10)), 1e-12);
		CHECK(detect_overlap_ns(60, 10) > 4);
		CHECK(b.mk.p >= a.mk.p);
		CHECK_NEAR(b.mk.var_s_hr, b.mk.var_s * b.mk.n_ns, 1e-9 * b.mk.var_s_hr);
	}
}

/* Random series with integer values (ties), uneven distinct time steps and
 * a trend, versus the naive reference; n = `n`. */
static void compare_naive(size_t n, double trend, double noise, int integer_y)
{
	double *t = malloc(n * sizeof *t), *y = malloc(n * sizeof *y), prev = 0, tc = 1.7e9;
	detect_trend tr;
	detect_trend_opts o;
	ref r;
	size_t i;
	int mode;

	for (i = 0; i < n; i++) {
		tc += 1 + (double)(rnd() % 600); /* uneven, distinct Unix seconds */
		t[i] = tc;
		prev = 0.5 * prev + noise * gauss();
		y[i] = trend * (tc - 1.7e9) + prev;
		if (integer_y)
			y[i] = floor(y[i]);
	}
	for (mode = 0; mode < 2; mode++) {
		/* mode 0: defaults (auto lag cap, floor 1); 1: published */
		size_t lags = (size_t)ceil(10 * log10((double)n));

		detect_trend_opts_default(&o);
		if (mode == 1) {
			o.max_lag = DETECT_HR_ALL_LAGS;
			o.hr_deflate = 1;
			lags = n - 1;
		}
		naive(t, y, n, lags, mode, &r);
		CHECK_INT(detect_trend_test(t, y, n, &o, &tr), TSM_OK);
		CHECK_NEAR((double)tr.mk.s, r.s, 0);
		CHECK(rel(tr.mk.var_s, r.var) < 1e-12);
		CHECK(rel(tr.ts.slope, r.slope) < 1e-9);
		CHECK(rel(tr.mk.n_ns, r.n_ns) < 1e-9);
		CHECK(rel(tr.mk.z, r.z) < 1e-9);
		CHECK(rel(tr.mk.p, r.p) < 1e-6 || fabs(tr.mk.p - r.p) < 1e-15);
		CHECK(rel(tr.ts.lo, r.lo) < 1e-9);
		CHECK(rel(tr.ts.hi, r.hi) < 1e-9);
		CHECK_NEAR(tr.ts.frac_pos, r.frac_pos, 1e-12);
	}
	free(t);
	free(y);
}

static void test_vs_naive(void)
{
	rs = 0x71a6f18c5ULL; /* per-test seed: independent of gating */
	compare_naive(300, 1e-4, 10, 1);
	compare_naive(257, 0, 3, 1);      /* no trend, many ties */
	compare_naive(400, -2e-5, 1, 0);  /* real values, falling */
	compare_naive(3, 1, 1, 0);
	/* n·lags above the direct threshold: the FFT autocorrelation path */
	compare_naive(2100, 1e-5, 5, 1);
}

/* ---- Theil–Sen: fast selection against exact ------------------------------------ */

static void ts_agree(const double *t, const double *y, size_t n, const char *what)
{
	detect_trend_opts oe, of;
	detect_trend e, f;

	detect_trend_opts_default(&oe);
	oe.ts_method = DETECT_TS_EXACT;
	of = oe;
	of.ts_method = DETECT_TS_FAST;
	CHECK_INT(detect_trend_test(t, y, n, &oe, &e), TSM_OK);
	CHECK_INT(detect_trend_test(t, y, n, &of, &f), TSM_OK);
	CHECK_INT(e.ts.exact, 1);
	CHECK_INT(f.ts.exact, 0);
	CHECK_U64(e.ts.npairs, f.ts.npairs);
	if (rel(e.ts.slope, f.ts.slope) > 1e-12 || rel(e.ts.lo, f.ts.lo) > 1e-12 ||
	    rel(e.ts.hi, f.ts.hi) > 1e-12)
		fprintf(stderr, "ts_agree %s n=%zu: exact %.17g [%.17g, %.17g] fast %.17g [%.17g, %.17g]\n",
		        what, n, e.ts.slope, e.ts.lo, e.ts.hi, f.ts.slope, f.ts.lo, f.ts.hi);
	CHECK(rel(e.ts.slope, f.ts.slope) <= 1e-12);
	CHECK(rel(e.ts.lo, f.ts.lo) <= 1e-12);
	CHECK(rel(e.ts.hi, f.ts.hi) <= 1e-12);
	CHECK_NEAR(e.ts.frac_pos, f.ts.frac_pos, 1e-12);
	CHECK_NEAR(e.ts.frac_neg, f.ts.frac_neg, 1e-12);
	CHECK_NEAR(e.mk.z, f.mk.z, 1e-12);
}

static void test_ts_fast(void)
{
	size_t n, i;
	double *t = malloc(2100 * sizeof *t), *y = malloc(2100 * sizeof *y);

	rs = 0x6fc5555353ULL; /* per-test seed: independent of gating */

	/* near the cutoff, Unix-second times with gaps and ties, integer y */
	for (n = DETECT_TS_EXACT_MAX - 10; n <= DETECT_TS_EXACT_MAX + 10; n += 20) {
		double tc = 1.7e9;

		for (i = 0; i < n; i++) {
			if (rnd() % 10)
				tc += 30 + (double)(rnd() % 90);
			t[i] = tc;
			y[i] = floor(1000 + 0.02 * (tc - 1.7e9) + 50 * gauss());
		}
		ts_agree(t, y, n, "random");
	}
	/* small n through the fast path, heavy ties in y and t */
	for (i = 0; i < 60; i++) {
		t[i] = (double)(i / 3);
		y[i] = (double)(rnd() % 4);
	}
	ts_agree(t, y, 60, "ties");
	/* constant: every slope is 0 (the tie check must end the search) */
	for (i = 0; i < 500; i++) {
		t[i] = (double)i;
		y[i] = 7;
	}
	ts_agree(t, y, 500, "constant");
	/* staircase (allocated grows in chunks): many equal slopes */
	for (i = 0; i < 800; i++) {
		t[i] = 1.7e9 + 300.0 * (double)i;
		y[i] = 128.0 * floor((double)i / 50);
	}
	ts_agree(t, y, 800, "staircase");
	/* exact line: all slopes equal 3 */
	for (i = 0; i < 300; i++) {
		t[i] = (double)(i * i);
		y[i] = 3 * t[i] + 1;
	}
	ts_agree(t, y, 300, "line");
	/* three points, two of them at one time */
	{
		double tt[] = {5, 5, 9}, yy[] = {1, 2, 3};

		ts_agree(tt, yy, 3, "tiny");
	}
	free(t);
	free(y);
}

static void test_big(void)
{
	/* A leak of 2 bytes/s over ~2 years of 5-minute samples with noise;
	 * O(n log n) everything.  Skipped size under valgrind. */
	size_t n = getenv("TSMEM_SLOW_TESTS_OFF") ? 6000 : 150000, i;
	double *t = malloc(n * sizeof *t), *y = malloc(n * sizeof *y), tc = 1.6e9;
	detect_trend tr;
	double s;

	rs = 0xa6afa2d6e3ULL; /* per-test seed: independent of gating */

	for (i = 0; i < n; i++) {
		tc += 300 + (double)(rnd() % 5);
		t[i] = tc;
		y[i] = 1e6 + 2.0 * (tc - 1.6e9) + 1e5 * gauss();
	}
	CHECK_INT(detect_trend_test(t, y, n, NULL, &tr), TSM_OK);
	CHECK_INT(tr.ts.exact, 0);
	CHECK_NEAR(tr.ts.slope, 2.0, 0.05);
	CHECK(tr.ts.lo < tr.ts.slope && tr.ts.slope < tr.ts.hi);
	CHECK(tr.ts.lo > 1.9 && tr.ts.hi < 2.1);
	CHECK(tr.mk.p < 1e-10);
	CHECK(tr.ts.frac_pos > 0.75);
	CHECK_INT(detect_theil_sen(t, y, n, &s), TSM_OK);
	CHECK_NEAR(s, tr.ts.slope, 0);
	free(t);
	free(y);
}

/* ---- envelopes ------------------------------------------------------------------ */

static void test_rolling(void)
{
	/* width 10, trailing window (t−10, t]:
	 * t: 0  3  5  12 14 30 31
	 * y: 5  2  8  7  1  9  NaN
	 * i=0 {5}        min 5 max 5
	 * i=1 {5,2}      2 5
	 * i=2 {5,2,8}    2 8
	 * i=3 {2,8,7}    (t>2: drops t=0) 2 8
	 * i=4 {8,7,1}    (t>4: drops t=3) 1 8
	 * i=5 {9}        9 9
	 * i=6 {9}        (NaN left out) 9 9 */
	double t[] = {0, 3, 5, 12, 14, 30, 31}, y[] = {5, 2, 8, 7, 1, 9, NAN};
	double elo[] = {5, 2, 2, 2, 1, 9, 9}, ehi[] = {5, 5, 8, 8, 8, 9, 9};
	double lo[7], hi[7], bad[] = {0, 2, 1};
	size_t i;

	rs = 0xc47814a11fULL; /* per-test seed: independent of gating */

	CHECK_INT(detect_rolling_minmax(t, y, 7, 10, lo, hi), TSM_OK);
	for (i = 0; i < 7; i++) {
		CHECK_NEAR(lo[i], elo[i], 0);
		CHECK_NEAR(hi[i], ehi[i], 0);
	}
	CHECK_INT(detect_rolling_minmax(bad, y, 3, 10, lo, hi), TSM_ERR);
	CHECK_INT(detect_rolling_minmax(t, y, 7, 0, lo, hi), TSM_ERR);
	CHECK_INT(detect_rolling_minmax(t, y, 7, 10, NULL, hi), TSM_OK);
	{
		double ny[] = {NAN, 1};

		CHECK_INT(detect_rolling_minmax(NULL, ny, 2, 1, lo, hi), TSM_OK);
		CHECK(isnan(lo[0]) && isnan(hi[0]));
		CHECK_NEAR(lo[1], 1, 0);
	}
	/* random series against an O(n·w) scan */
	{
		size_t n = 2000, j;
		double *tt = malloc(n * sizeof *tt), *yy = malloc(n * sizeof *yy);
		double *l = malloc(n * sizeof *l), *h = malloc(n * sizeof *h), tc = 0;
		int ok = 1;

		for (i = 0; i < n; i++) {
			tc += (double)(rnd() % 4); /* includes equal times */
			tt[i] = tc;
			yy[i] = (double)(rnd() % 100);
		}
		CHECK_INT(detect_rolling_minmax(tt, yy, n, 25, l, h), TSM_OK);
		for (i = 0; i < n; i++) {
			double mn = INFINITY, mx = -INFINITY;

			for (j = 0; j <= i; j++)
				if (tt[j] > tt[i] - 25) {
					mn = fmin(mn, yy[j]);
					mx = fmax(mx, yy[j]);
				}
			if (mn != l[i] || mx != h[i])
				ok = 0;
		}
		CHECK(ok);
		free(tt);
		free(yy);
		free(l);
		free(h);
	}
}

static void test_windows(void)
{
	/* width 3600, aligned to the hour:
	 * 3500 → window 0 [0, 3600); 3600, 5000, 7100 → window 1;
	 * 7300 → window 2; nothing in 3; 14500 (NaN y) and 14600 → window 4. */
	double t[] = {3500, 3600, 5000, 7100, 7300, 14500, 14600};
	double y[] = {10, 20, 15, 30, 5, NAN, 8};
	detect_window w[7];
	size_t nw;

	CHECK_INT(detect_window_minmax(t, y, 7, 3600, w, 7, &nw), TSM_OK);
	CHECK_INT(nw, 4);
	CHECK_NEAR(w[0].t_start, 0, 0);
	CHECK_NEAR(w[0].t_mid, 1800, 0);
	CHECK_NEAR(w[0].min, 10, 0);
	CHECK_INT(w[0].count, 1);
	CHECK_NEAR(w[1].t_start, 3600, 0);
	CHECK_NEAR(w[1].min, 15, 0);
	CHECK_NEAR(w[1].max, 30, 0);
	CHECK_NEAR(w[1].t_min, 5000, 0);
	CHECK_INT(w[1].first, 1);
	CHECK_INT(w[1].last, 3);
	CHECK_INT(w[1].count, 3);
	CHECK_NEAR(w[2].t_start, 7200, 0);
	CHECK_NEAR(w[2].max, 5, 0);
	CHECK_NEAR(w[3].t_start, 14400, 0);
	CHECK_INT(w[3].count, 1);
	CHECK_INT(w[3].first, 5);
	CHECK_NEAR(w[3].min, 8, 0);
	CHECK_INT(detect_window_minmax(t, y, 7, 3600, w, 2, &nw), TSM_ERR);
	CHECK_INT(nw, 2);
	CHECK_INT(detect_window_minmax(t, y, 7, -1, w, 7, &nw), TSM_ERR);
}

static void test_change_points(void)
{
	double y[600];
	size_t idx[16], ncp, i;
	detect_cp_opts o;

	rs = 0xaacc35190dULL; /* per-test seed: independent of gating */

	/* levels 0 | 10 | 3 with N(0,1) noise: shifts at 200 and 400 (an
	 * extra chance split may appear: ~1 % of noise draws) */
	for (i = 0; i < 600; i++)
		y[i] = (i < 200 ? 0 : i < 400 ? 10 : 3) + gauss();
	CHECK_INT(detect_change_points(y, 600, NULL, idx, 16, &ncp), TSM_OK);
	CHECK(ncp >= 2 && ncp <= 3);
	{
		int f200 = 0, f400 = 0;

		for (i = 0; i < ncp; i++) {
			f200 |= idx[i] >= 197 && idx[i] <= 203;
			f400 |= idx[i] >= 397 && idx[i] <= 403;
		}
		CHECK(f200 && f400);
	}
	/* max_cp = 1 keeps the larger shift (0 → 10 is 10, 10 → 3 is 7) */
	detect_cp_opts_default(&o);
	o.max_cp = 1;
	CHECK_INT(detect_change_points(y, 600, &o, idx, 16, &ncp), TSM_OK);
	CHECK_INT(ncp, 1);
	CHECK(idx[0] >= 197 && idx[0] <= 203);
	/* cap smaller than the number found: the first `cap` are written */
	CHECK_INT(detect_change_points(y, 600, NULL, idx, 1, &ncp), TSM_OK);
	CHECK_INT(ncp, 1);
	/* pure noise: at most a chance split (BIC penalty 2σ² ln n) */
	for (i = 0; i < 600; i++)
		y[i] = 5 + gauss();
	CHECK_INT(detect_change_points(y, 600, NULL, idx, 16, &ncp), TSM_OK);
	CHECK(ncp <= 1);
	/* noise-free steps: exact indices */
	for (i = 0; i < 30; i++)
		y[i] = i < 10 ? 1 : i < 17 ? 4 : 2;
	CHECK_INT(detect_change_points(y, 30, NULL, idx, 16, &ncp), TSM_OK);
	CHECK_INT(ncp, 2);
	CHECK_INT(idx[0], 10);
	CHECK_INT(idx[1], 17);
	/* constant and tiny inputs */
	for (i = 0; i < 30; i++)
		y[i] = 3;
	CHECK_INT(detect_change_points(y, 30, NULL, idx, 16, &ncp), TSM_OK);
	CHECK_INT(ncp, 0);
	CHECK_INT(detect_change_points(y, 1, NULL, idx, 16, &ncp), TSM_OK);
	CHECK_INT(ncp, 0);
	y[3] = NAN;
	CHECK_INT(detect_change_points(y, 30, NULL, idx, 16, &ncp), TSM_ERR);
}

static void test_saturation(void)
{
	double t[200], y[200];
	detect_saturation s;
	size_t i;

	rs = 0x952ae5f641ULL; /* per-test seed: independent of gating */

	/* cache fill: 1e6·(1 − e^{−t/τ}) over 5τ, hourly: first-half slope
	 * ≈ 0.37·1e6/2.5τ, last-half ≈ 0.03·1e6/2.5τ → ratio ≈ 0.08 */
	for (i = 0; i < 200; i++) {
		t[i] = 3600.0 * (double)i;
		y[i] = floor(1e6 * (1 - exp(-(double)i / 40)) + 1000 * gauss());
	}
	CHECK_INT(detect_saturation_test(t, y, 200, 0, &s), TSM_OK);
	CHECK_INT(s.saturating, 1);
	CHECK_INT(s.growing, 1);
	CHECK(s.slope_first > 0 && s.slope_last < 0.25 * s.slope_first);
	/* leak: linear growth never decelerates */
	for (i = 0; i < 200; i++)
		y[i] = 1e6 + 50 * t[i] / 3600 + 1000 * gauss();
	CHECK_INT(detect_saturation_test(t, y, 200, 0, &s), TSM_OK);
	CHECK_INT(s.saturating, 0);
	CHECK_INT(s.growing, 1);
	CHECK_INT(s.last_flat, 0);
	CHECK_NEAR(s.slope_first / 50 * 3600, 1, 0.3);
	CHECK_NEAR(s.slope_last / 50 * 3600, 1, 0.3);
	/* flat with noise: growth is significant only by chance (≈ α/2 of
	 * draws), so "saturating" is rare, not never; the last third is flat
	 * in ≈ 95 % of draws.  40 draws; bounds leave room for chance. */
	{
		int k, sat = 0, grow = 0, flat = 0;

		for (k = 0; k < 40; k++) {
			for (i = 0; i < 200; i++)
				y[i] = 1e6 + 1000 * gauss();
			CHECK_INT(detect_saturation_test(t, y, 200, 0, &s), TSM_OK);
			sat += s.saturating;
			grow += s.growing;
			flat += s.last_flat;
		}
		CHECK(sat <= 4);
		CHECK(grow <= 6);
		CHECK(flat >= 32);
	}
	CHECK_INT(detect_saturation_test(t, y, 5, 0, &s), TSM_ERR);
	CHECK(isnan(s.slope_all));
}

/* ---- SQL ------------------------------------------------------------------------ */

static int sql_row(sqlite3 *h, const char *q, double *out, int *isnull, int ncol)
{
	sqlite3_stmt *st = NULL;
	int i, rc;

	if (sqlite3_prepare_v2(h, q, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "prepare: %s\n", sqlite3_errmsg(h));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		for (i = 0; i < ncol; i++) {
			isnull[i] = sqlite3_column_type(st, i) == SQLITE_NULL;
			out[i] = sqlite3_column_double(st, i);
		}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static void test_sql(void)
{
	sqlite3 *h = NULL;
	char err[TSM_ERRLEN] = "";
	double v[5];
	int nul[5], i;

	CHECK_INT(sqlite3_open(":memory:", &h), SQLITE_OK);
	CHECK_INT(db_register_functions(h, err), TSM_OK);
	/* the hand-worked series of test_mk_hand plus rows to be ignored */
	CHECK_INT(sql_row(h,
	    "SELECT mk_z(t,y), mk_p(t,y), theil_sen(t,y), theil_sen_lo(t,y), theil_sen_hi(t,y)"
	    " FROM (SELECT column1 AS t, column2 AS y FROM"
	    " (VALUES (1,1),(2,3),(3,2),(4,3),(5,5),(6,NULL),(NULL,7),('x',9)))",
	    v, nul, 5), 0);
	for (i = 0; i < 5; i++)
		CHECK_INT(nul[i], 0);
	CHECK_NEAR(v[0], 1.5158734579197342, 1e-12);
	CHECK_NEAR(v[1], 0.129551352904409, 1e-12);
	CHECK_NEAR(v[2], 5.0 / 6, 1e-15);
	CHECK_NEAR(v[3], -1, 0);
	CHECK_NEAR(v[4], 2, 0);
	/* VALUES column names are column1, column2 in SQLite */
	CHECK_INT(sql_row(h,
	    "SELECT mk_z(column1,column2), theil_sen(column1,column2)"
	    " FROM (VALUES (1,1),(2,3))", v, nul, 2), 0);
	CHECK(nul[0] && nul[1]);
	CHECK_INT(sql_row(h,
	    "SELECT theil_sen(column1,column2) FROM (VALUES (1,1)) WHERE 0", v, nul, 1), 0);
	CHECK(nul[0]);
	/* constant: z 0, p 1, slope 0 */
	CHECK_INT(sql_row(h,
	    "SELECT mk_z(column1,column2), mk_p(column1,column2), theil_sen(column1,column2)"
	    " FROM (VALUES (10,4),(20,4),(30,4),(40,4))", v, nul, 3), 0);
	CHECK_NEAR(v[0], 0, 0);
	CHECK_NEAR(v[1], 1, 0);
	CHECK_NEAR(v[2], 0, 0);
	/* per second with Unix times: 1 byte per 60 s */
	CHECK_INT(sql_row(h,
	    "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM s WHERE i < 99)"
	    " SELECT theil_sen(1700000000 + 60*i, 1000 + i) FROM s", v, nul, 1), 0);
	CHECK_NEAR(v[0], 1.0 / 60, 1e-15);
	/* as a window function: 3-row frames over y = 1 3 2 3 5
	 * rows 1,2: < 3 points → NULL; (1,3,2) slopes 2 .5 −1 → .5;
	 * (3,2,3) slopes −1 0 1 → 0; (2,3,5) slopes 1 1.5 2 → 1.5; sum 2 */
	CHECK_INT(sql_row(h,
	    "SELECT sum(w), count(w) FROM (SELECT theil_sen(column1,column2) OVER"
	    " (ORDER BY column1 ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS w"
	    " FROM (VALUES (1,1),(2,3),(3,2),(4,3),(5,5)))", v, nul, 2), 0);
	CHECK_NEAR(v[0], 2, 1e-15);
	CHECK_NEAR(v[1], 3, 0);
	/* window with growing and sliding frames over 300 rows vs aggregate */
	CHECK_INT(sql_row(h,
	    "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM s WHERE i < 299),"
	    " w AS (SELECT i, mk_z(i, (i*7) % 31 + i/10) OVER (ORDER BY i ROWS BETWEEN 99 PRECEDING"
	    " AND CURRENT ROW) AS z FROM s)"
	    " SELECT (SELECT z FROM w WHERE i = 299),"
	    " (SELECT mk_z(i, (i*7) % 31 + i/10) FROM s WHERE i >= 200)", v, nul, 2), 0);
	CHECK_NEAR(v[0], v[1], 1e-12);
	sqlite3_close(h);
}

int main(void)
{
	test_helpers();
	test_mk_hand();
	test_mk_ties_in_t();
	test_mk_edge();
	test_hamed_rao_published();
	test_hamed_rao_ar1();
	test_overlap_ns();
	test_vs_naive();
	test_ts_fast();
	test_big();
	test_rolling();
	test_windows();
	test_change_points();
	test_saturation();
	test_sql();
	return TEST_DONE();
}
