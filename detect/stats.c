/* stats.c — helpers (quantile, MAD, gcd, normal tail), the Mann–Kendall
 * test with ties, the Hamed–Rao (1998) autocorrelation correction, and
 * detect_trend_test(), which combines them with the Theil–Sen slope and
 * Sen's interval from theilsen.c.
 *
 * Pure computation on caller arrays; no I/O.  Envelopes, change points and
 * the saturation test live in envelope.c.
 *
 * Complexity: S is counted in O(n log n) (merge-sort inversion count after
 * sorting by (t, y)).  Hamed–Rao: the lag autocorrelations are computed by
 * direct sums when n·lags is small and otherwise with a zero-padded FFT
 * (Wiener–Khinchin), O(n log n) for any number of lags — so the lag cap
 * (default ceil(10·log10 n), see detect_trend_opts in stats.h) is a
 * statistical choice, not a computational one, and the published all-lags
 * definition stays available at any n (DETECT_HR_ALL_LAGS).
 */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "stats_int.h"

/* Direct lag sums are used while n · lags stays below this. */
#define HR_DIRECT_WORK 4000000.0

/* ---- small helpers ---------------------------------------------------------- */

static void swapd(double *a, double *b)
{
	double x = *a;

	*a = *b;
	*b = x;
}

double stats_select(double *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n; /* active range [lo, hi) */
	uint64_t rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;

	while (hi - lo > 1) {
		size_t lt, gt, i;
		double piv;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		piv = a[lo + (size_t)(rng % (hi - lo))];
		/* Dutch flag: [lo,lt) < piv, [lt,i) == piv, (gt,hi) > piv */
		lt = lo;
		i = lo;
		gt = hi;
		while (i < gt) {
			if (a[i] < piv)
				swapd(&a[lt++], &a[i++]);
			else if (a[i] > piv)
				swapd(&a[i], &a[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return piv;
	}
	return a[lo];
}

tsm_status stats_collect(const double *t, const double *y, size_t n,
                         double **tt, double **yy, size_t *m)
{
	size_t i, k = 0;
	double *a, *b;

	*tt = NULL;
	*yy = NULL;
	*m = 0;
	a = malloc((n ? n : 1) * sizeof *a);
	b = malloc((n ? n : 1) * sizeof *b);
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return TSM_NOMEM;
	}
	for (i = 0; i < n; i++) {
		double ti = t ? t[i] : (double)i;

		if (!isfinite(ti) || !isfinite(y[i]))
			continue;
		a[k] = ti;
		b[k] = y[i];
		k++;
	}
	*tt = a;
	*yy = b;
	*m = k;
	return TSM_OK;
}

static tsm_status finite_copy(const double *x, size_t n, double **out, size_t *m)
{
	size_t i, k = 0;
	double *a = malloc((n ? n : 1) * sizeof *a);

	*out = NULL;
	*m = 0;
	if (a == NULL)
		return TSM_NOMEM;
	for (i = 0; i < n; i++)
		if (isfinite(x[i]))
			a[k++] = x[i];
	*out = a;
	*m = k;
	return TSM_OK;
}

static double quantile_inplace(double *a, size_t m, double q)
{
	double h = (double)(m - 1) * q;
	size_t lo = (size_t)floor(h);
	double xlo, xhi;

	if (lo >= m - 1)
		return stats_select(a, m, m - 1);
	xlo = stats_select(a, m, lo);
	/* after selecting lo, the elements above index lo are all >= xlo;
	 * the next order statistic is their minimum */
	xhi = stats_select(a + lo + 1, m - lo - 1, 0);
	return xlo + (h - (double)lo) * (xhi - xlo);
}

tsm_status detect_quantile(const double *x, size_t n, double q, double *out)
{
	double *a;
	size_t m;
	tsm_status rc;

	*out = NAN;
	if (!(q >= 0.0 && q <= 1.0))
		return TSM_ERR;
	rc = finite_copy(x, n, &a, &m);
	if (rc != TSM_OK)
		return rc;
	if (m == 0) {
		free(a);
		return TSM_ERR;
	}
	*out = quantile_inplace(a, m, q);
	free(a);
	return TSM_OK;
}

tsm_status detect_median(const double *x, size_t n, double *out)
{
	return detect_quantile(x, n, 0.5, out);
}

tsm_status detect_mad(const double *x, size_t n, double *out)
{
	double *a, med;
	size_t m, i;
	tsm_status rc;

	*out = NAN;
	rc = finite_copy(x, n, &a, &m);
	if (rc != TSM_OK)
		return rc;
	if (m == 0) {
		free(a);
		return TSM_ERR;
	}
	med = quantile_inplace(a, m, 0.5);
	for (i = 0; i < m; i++)
		a[i] = fabs(a[i] - med);
	*out = quantile_inplace(a, m, 0.5);
	free(a);
	return TSM_OK;
}

static uint64_t gcd2(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

uint64_t detect_gcd_u64(const uint64_t *a, size_t n)
{
	uint64_t g = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != 0)
			g = gcd2(a[i], g);
	return g;
}

double detect_norm_sf(double z)
{
	return 0.5 * erfc(z / sqrt(2.0));
}

double detect_norm_ppf(double p)
{
	double q, t, z;
	int i;

	if (!(p > 0.0 && p < 1.0))
		return NAN;
	/* Start from Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4) on the
	 * lower tail, then polish with Newton steps on the exact CDF. */
	q = p < 0.5 ? p : 1.0 - p;
	t = sqrt(-2.0 * log(q));
	z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
	    (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
	z = -z; /* lower-tail quantile of q */
	for (i = 0; i < 6; i++) {
		double f = 0.5 * erfc(-z / sqrt(2.0)) - q;
		double d = exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
		double step;

		if (d <= 0.0)
			break;
		step = f / d;
		z -= step;
		if (fabs(step) < 1e-15 * (1.0 + fabs(z)))
			break;
	}
	return p < 0.5 ? z : -z;
}

/* ---- Mann–Kendall S and its variance ------------------------------------------ */

typedef struct pt {
	double t, y;
} pt;

static int cmp_pt_ty(const void *a, const void *b)
{
	const pt *p = a, *q = b;

	if (p->t != q->t)
		return p->t < q->t ? -1 : 1;
	if (p->y != q->y)
		return p->y < q->y ? -1 : 1;
	return 0;
}

uint64_t detect_inversions(double *a, double *tmp, size_t n, int with_ties)
{
	uint64_t inv = 0;
	size_t w, lo;

	/* bottom-up merge sort; an element taken from the right half is out of
	 * order with every element still waiting in the left half */
	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo + w < n; lo += 2 * w) {
			size_t mid = lo + w, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi) {
				if (with_ties ? a[i] < a[j] : a[i] <= a[j]) {
					tmp[k++] = a[i++];
				} else {
					inv += mid - i;
					tmp[k++] = a[j++];
				}
			}
			while (i < mid)
				tmp[k++] = a[i++];
			while (j < hi)
				tmp[k++] = a[j++];
			memcpy(a + lo, tmp + lo, (hi - lo) * sizeof *a);
		}
	}
	return inv;
}

/* Tie sums over the runs of equal values in sorted v[0..n). */
typedef struct ties {
	double pairs;  /* Σ u(u−1)/2 */
	double v;      /* Σ u(u−1)(2u+5) */
	double a1;     /* Σ u(u−1) */
	double a2;     /* Σ u(u−1)(u−2) */
} ties;

static ties tie_sums(const double *v, size_t n)
{
	ties s = {0, 0, 0, 0};
	size_t i = 0;

	while (i < n) {
		size_t j = i + 1;
		double u;

		while (j < n && v[j] == v[i])
			j++;
		u = (double)(j - i);
		if (j - i > 1) {
			s.pairs += u * (u - 1) / 2;
			s.v += u * (u - 1) * (2 * u + 5);
			s.a1 += u * (u - 1);
			s.a2 += u * (u - 1) * (u - 2);
		}
		i = j;
	}
	return s;
}

/* S and tie-corrected Var(S) for m >= 2 points sorted by (t, y). */
static tsm_status mk_score(const pt *p, size_t m, int64_t *s, double *var)
{
	double *a = malloc(m * sizeof *a), *tmp = malloc(m * sizeof *tmp);
	double n = (double)m, n0, n3 = 0, v0, var_s;
	ties tt, ty;
	uint64_t disc;
	size_t i;

	if (a == NULL || tmp == NULL || m < 2) {
		free(a);
		free(tmp);
		return m < 2 ? TSM_ERR : TSM_NOMEM;
	}
	for (i = 0; i < m; i++)
		a[i] = p[i].t;
	tt = tie_sums(a, m);
	/* pairs tied in both t and y: runs of equal (t, y) in sorted order */
	for (i = 0; i < m;) {
		size_t j = i + 1;

		while (j < m && p[j].t == p[i].t && p[j].y == p[i].y)
			j++;
		n3 += (double)(j - i) * (double)(j - i - 1) / 2;
		i = j;
	}
	for (i = 0; i < m; i++)
		a[i] = p[i].y;
	disc = detect_inversions(a, tmp, m, 0); /* a is now y sorted */
	ty = tie_sums(a, m);
	n0 = n * (n - 1) / 2;
	*s = (int64_t)llround(n0 - tt.pairs - ty.pairs + n3) - 2 * (int64_t)disc;

	/* Kendall's variance with ties in both rankings (tau-b form). */
	v0 = n * (n - 1) * (2 * n + 5);
	var_s = (v0 - tt.v - ty.v) / 18.0;
	var_s += tt.a1 * ty.a1 / (2.0 * n * (n - 1));
	if (m > 2)
		var_s += tt.a2 * ty.a2 / (9.0 * n * (n - 1) * (n - 2));
	*var = var_s > 0 ? var_s : 0;
	free(a);
	free(tmp);
	return TSM_OK;
}

static void z_and_p(int64_t s, double var, double *z, double *p)
{
	if (s == 0 || !(var > 0)) {
		*z = 0;
		*p = 1;
		return;
	}
	*z = ((double)s - (s > 0 ? 1.0 : -1.0)) / sqrt(var);
	*p = 2.0 * detect_norm_sf(fabs(*z));
	if (*p > 1)
		*p = 1;
}

/* ---- Hamed–Rao ------------------------------------------------------------------- */

/* In-place iterative radix-2 FFT of length len (a power of two);
 * inverse != 0 computes the unnormalised inverse transform. */
static void fft(double complex *x, size_t len, int inverse)
{
	size_t i, j, bit, half;

	for (i = 1, j = 0; i < len; i++) {
		bit = len >> 1;
		for (; j & bit; bit >>= 1)
			j ^= bit;
		j ^= bit;
		if (i < j) {
			double complex tmp = x[i];

			x[i] = x[j];
			x[j] = tmp;
		}
	}
	for (half = 1; half < len; half *= 2) {
		double ang = (inverse ? M_PI : -M_PI) / (double)half;

		for (i = 0; i < len; i += 2 * half) {
			for (j = 0; j < half; j++) {
				/* twiddle computed directly: no accumulated drift */
				double complex w = cexp(I * ang * (double)j);
				double complex u = x[i + j], v = x[i + j + half] * w;

				x[i + j] = u + v;
				x[i + j + half] = u - v;
			}
		}
	}
}

/* acov[k] = Σ_{i<n−k} r[i]·r[i+k] for k = 0..lags (r already centred). */
static tsm_status autocov(const double *r, size_t n, size_t lags, double *acov)
{
	size_t k, i;

	if ((double)n * (double)lags <= HR_DIRECT_WORK) {
		for (k = 0; k <= lags; k++) {
			double s = 0;

			for (i = 0; i + k < n; i++)
				s += r[i] * r[i + k];
			acov[k] = s;
		}
		return TSM_OK;
	} else {
		size_t len = 1;
		double complex *x;

		while (len < 2 * n)
			len *= 2;
		x = calloc(len, sizeof *x);
		if (x == NULL)
			return TSM_NOMEM;
		for (i = 0; i < n; i++)
			x[i] = r[i];
		fft(x, len, 0);
		for (i = 0; i < len; i++)
			x[i] = creal(x[i]) * creal(x[i]) + cimag(x[i]) * cimag(x[i]);
		fft(x, len, 1);
		for (k = 0; k <= lags; k++)
			acov[k] = creal(x[k]) / (double)len;
		free(x);
		return TSM_OK;
	}
}

typedef struct rk {
	double v;
	size_t i;
} rk;

static int cmp_rk(const void *a, const void *b)
{
	const rk *p = a, *q = b;

	if (p->v != q->v)
		return p->v < q->v ? -1 : 1;
	return p->i < q->i ? -1 : (p->i > q->i);
}

/* n/n* of Hamed & Rao (1998) for points p[0..m) in time order, detrended
 * with `slope`: ranks (average for ties) of y − slope·t, their sample
 * autocorrelations ρ_k (denominator n, as in the paper and pymannkendall),
 * and n/n* = 1 + 2/(n(n−1)(n−2)) Σ_{k: |ρ_k| > z_{1−α/2}/√n} (n−k)(n−k−1)(n−k−2) ρ_k
 * over k = 1..lags.  Floored at 1 unless `deflate`; a non-positive result
 * (strong negative autocorrelation) is replaced by 1 in any case. */
static tsm_status hamed_rao(const pt *p, size_t m, double slope, double alpha,
                            size_t lags, int deflate, double *n_ns, size_t *nsig)
{
	rk *d = malloc(m * sizeof *d);
	double *r = malloc(m * sizeof *r), *acov = malloc((lags + 1) * sizeof *acov);
	double t0 = p[0].t, mean = ((double)m + 1) / 2, bound, sni = 0, n = (double)m;
	size_t i, k;
	tsm_status rc = TSM_NOMEM;

	*n_ns = 1;
	*nsig = 0;
	if (d == NULL || r == NULL || acov == NULL)
		goto out;
	for (i = 0; i < m; i++) {
		d[i].v = p[i].y - slope * (p[i].t - t0);
		d[i].i = i;
	}
	qsort(d, m, sizeof *d, cmp_rk);
	for (i = 0; i < m;) {
		size_t j = i + 1;
		double avg;

		while (j < m && d[j].v == d[i].v)
			j++;
		avg = ((double)i + (double)j + 1) / 2; /* mean of ranks i+1..j */
		for (k = i; k < j; k++)
			r[d[k].i] = avg - mean;
		i = j;
	}
	rc = autocov(r, m, lags, acov);
	if (rc != TSM_OK)
		goto out;
	if (!(acov[0] > 0))
		goto out; /* all ranks equal: no autocorrelation to speak of */
	bound = detect_norm_ppf(1 - alpha / 2) / sqrt(n);
	for (k = 1; k <= lags; k++) {
		double rho = acov[k] / acov[0];
		double nk = n - (double)k;

		if (rho <= bound && rho >= -bound)
			continue;
		(*nsig)++;
		sni += nk * (nk - 1) * (nk - 2) * rho;
	}
	*n_ns = 1 + 2 / (n * (n - 1) * (n - 2)) * sni;
	if (!(*n_ns > 0) || (!deflate && *n_ns < 1))
		*n_ns = 1;
out:
	free(d);
	free(r);
	free(acov);
	return rc;
}

double detect_overlap_ns(size_t n, double g)
{
	double dn = (double)n, sum = 0;
	size_t h;

	if (!(g > 1) || n < 3)
		return 1;
	for (h = 1; h < n && (double)h < g; h++) {
		double nk = dn - (double)h;

		sum += nk * (nk - 1) * (nk - 2) * (g - (double)h) / (g + (double)h);
	}
	return 1 + 2 / (dn * (dn - 1) * (dn - 2)) * sum;
}

/* ---- the combined test --------------------------------------------------------------- */

void detect_trend_opts_default(detect_trend_opts *o)
{
	o->alpha = 0.05;
	o->hamed_rao = 1;
	o->max_lag = 0;
	o->hr_deflate = 0;
	o->extreme_span = 0;
	o->ts_method = DETECT_TS_AUTO;
}

static void neutral(detect_trend *out, size_t m)
{
	memset(out, 0, sizeof *out);
	out->mk.n = m;
	out->mk.n_ns = 1;
	out->mk.p_raw = 1;
	out->mk.p = 1;
	out->ts.n = m;
	out->ts.slope = NAN;
	out->ts.intercept = NAN;
	out->ts.lo = NAN;
	out->ts.hi = NAN;
	out->ts.frac_pos = NAN;
	out->ts.frac_neg = NAN;
}

static uint64_t clamp_rank(double r, uint64_t npairs)
{
	if (!(r >= 1))
		return 1;
	if (r >= (double)npairs)
		return npairs;
	return (uint64_t)r;
}

/* Everything after the points are collected; `with_ci` = 0 skips the CI
 * and the intercept (detect_mann_kendall needs only the slope). */
static tsm_status trend_core(pt *p, size_t m, const detect_trend_opts *o,
                             int with_ci, detect_trend *out)
{
	double *tt = NULL, *yy = NULL, *resid = NULL;
	ts_ctx *c = NULL;
	size_t i, lags;
	double alpha = o->alpha > 0 && o->alpha < 1 ? o->alpha : 0.05;
	tsm_status rc;

	qsort(p, m, sizeof *p, cmp_pt_ty);
	rc = mk_score(p, m, &out->mk.s, &out->mk.var_s);
	if (rc != TSM_OK)
		goto out;
	out->mk.tau = (double)out->mk.s / ((double)m * ((double)m - 1) / 2);
	tt = malloc(m * sizeof *tt);
	yy = malloc(m * sizeof *yy);
	if (tt == NULL || yy == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	for (i = 0; i < m; i++) {
		tt[i] = p[i].t;
		yy[i] = p[i].y;
	}
	rc = ts_ctx_new(tt, yy, m, o->ts_method, &c);
	if (rc != TSM_OK)
		goto out;
	out->ts.npairs = ts_ctx_npairs(c);
	out->ts.exact = ts_ctx_exact(c);
	rc = ts_ctx_median(c, &out->ts.slope);
	if (rc != TSM_OK)
		goto out;
	rc = ts_ctx_signs(c, &out->ts.frac_pos, &out->ts.frac_neg);
	if (rc != TSM_OK)
		goto out;

	out->mk.n_ns = 1;
	out->mk.lags_used = 0;
	out->mk.lags_sig = 0;
	if (o->hamed_rao && m >= 3) {
		lags = m - 1;
		if (o->max_lag == 0) {
			size_t cap = (size_t)ceil(10 * log10((double)m));

			if (cap < lags)
				lags = cap;
		} else if (o->max_lag < lags) {
			lags = o->max_lag;
		}
		out->mk.lags_used = lags;
		rc = hamed_rao(p, m, out->ts.slope, alpha, lags, o->hr_deflate,
		               &out->mk.n_ns, &out->mk.lags_sig);
		if (rc != TSM_OK)
			goto out;
		if (o->extreme_span > 1) {
			double f = detect_overlap_ns(m, o->extreme_span);

			if (f > out->mk.n_ns)
				out->mk.n_ns = f;
		}
	}
	out->mk.var_s_hr = out->mk.var_s * out->mk.n_ns;
	z_and_p(out->mk.s, out->mk.var_s, &out->mk.z_raw, &out->mk.p_raw);
	z_and_p(out->mk.s, out->mk.var_s_hr, &out->mk.z, &out->mk.p);

	if (with_ci) {
		double cw = detect_norm_ppf(1 - alpha / 2) * sqrt(out->mk.var_s_hr);
		double npairs = (double)out->ts.npairs;
		uint64_t klo = clamp_rank(round((npairs - cw) / 2), out->ts.npairs);
		uint64_t khi = clamp_rank(round((npairs + cw) / 2) + 1, out->ts.npairs);

		rc = ts_ctx_select(c, klo, &out->ts.lo);
		if (rc == TSM_OK)
			rc = ts_ctx_select(c, khi, &out->ts.hi);
		if (rc != TSM_OK)
			goto out;
		resid = malloc(m * sizeof *resid);
		if (resid == NULL) {
			rc = TSM_NOMEM;
			goto out;
		}
		for (i = 0; i < m; i++)
			resid[i] = p[i].y - out->ts.slope * p[i].t;
		out->ts.intercept = quantile_inplace(resid, m, 0.5);
	}
out:
	ts_ctx_free(c);
	free(tt);
	free(yy);
	free(resid);
	return rc;
}

static tsm_status collect_pts(const double *t, const double *y, size_t n,
                              pt **out, size_t *m)
{
	pt *p = malloc((n ? n : 1) * sizeof *p);
	size_t i, k = 0;
	int distinct = 0;

	*out = NULL;
	*m = 0;
	if (p == NULL)
		return TSM_NOMEM;
	for (i = 0; i < n; i++) {
		double ti = t ? t[i] : (double)i;

		if (!isfinite(ti) || !isfinite(y[i]))
			continue;
		p[k].t = ti;
		p[k].y = y[i];
		if (k > 0 && ti != p[0].t)
			distinct = 1;
		k++;
	}
	*out = p;
	*m = k;
	return k >= 3 && distinct ? TSM_OK : TSM_ERR;
}

tsm_status detect_trend_test(const double *t, const double *y, size_t n,
                             const detect_trend_opts *o, detect_trend *out)
{
	detect_trend_opts def;
	pt *p;
	size_t m;
	tsm_status rc;

	if (o == NULL) {
		detect_trend_opts_default(&def);
		o = &def;
	}
	rc = collect_pts(t, y, n, &p, &m);
	neutral(out, m);
	if (rc == TSM_OK) {
		rc = trend_core(p, m, o, 1, out);
		if (rc != TSM_OK)
			neutral(out, m);
	}
	free(p);
	return rc;
}

tsm_status detect_mann_kendall(const double *t, const double *y, size_t n,
                               int hamed_rao_on, detect_mk *out)
{
	detect_trend_opts o;
	detect_trend tr;
	pt *p;
	size_t m;
	tsm_status rc;

	detect_trend_opts_default(&o);
	o.hamed_rao = hamed_rao_on;
	rc = collect_pts(t, y, n, &p, &m);
	neutral(&tr, m);
	if (rc == TSM_OK) {
		rc = trend_core(p, m, &o, 0, &tr);
		if (rc != TSM_OK)
			neutral(&tr, m);
	}
	free(p);
	*out = tr.mk;
	return rc;
}

tsm_status detect_theil_sen(const double *t, const double *y, size_t n,
                            double *slope)
{
	double *tt, *yy;
	size_t m;
	ts_ctx *c = NULL;
	tsm_status rc;

	*slope = NAN;
	rc = stats_collect(t, y, n, &tt, &yy, &m);
	if (rc != TSM_OK)
		return rc;
	if (m < 3) {
		rc = TSM_ERR;
		goto out;
	}
	rc = ts_ctx_new(tt, yy, m, DETECT_TS_AUTO, &c);
	if (rc == TSM_OK)
		rc = ts_ctx_median(c, slope);
	if (rc != TSM_OK)
		*slope = NAN;
out:
	ts_ctx_free(c);
	free(tt);
	free(yy);
	return rc;
}
