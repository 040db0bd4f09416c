/* theilsen.c — k-th smallest pairwise slope (y_j − y_i)/(t_j − t_i) over
 * pairs with t_i != t_j, for the Theil–Sen median and Sen's interval.
 *
 * Exact path (n <= DETECT_TS_EXACT_MAX): materialise all N slopes and use
 * quickselect, O(N) per rank.
 *
 * Fast path (above the cutoff): randomised selection in the dual, after
 * Matoušek (1991) and Dillencourt, Mount & Netanyahu (1992).  The key fact:
 * for t_i < t_j, slope(i,j) <= v  <=>  y_j − v·t_j <= y_i − v·t_i, so the
 * number of slopes <= v is an inversion count of the keys y − v·t taken in
 * t order — O(n log n) by merge sort, with no slope materialised.  We keep a
 * bracket (lo, hi] holding the target rank k (count(lo) < k <= count(hi)),
 * narrow it with sample quantiles of random pairwise slopes falling inside
 * it (Floyd–Rivest margins), and once at most ENUM_FACTOR·n slopes remain
 * in the bracket we enumerate exactly those (the pairs whose order differs
 * between the key orders at lo and at hi, again by merge sort) and
 * quickselect.  A bisection on the bit pattern of doubles backs the
 * sampling up, so the loop ends in a bounded number of rounds whatever the
 * random draws.  The generator has a fixed seed: results are deterministic
 * and the randomness only affects speed.  Expected O(n log n) time, O(n)
 * memory.  Counting compares y − v·t rather than slopes, so a slope that
 * equals a pivot to within rounding may be ranked on either side of it;
 * the result can then differ from the exact path by that rounding only.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "stats_int.h"

#define ENUM_FACTOR 8        /* enumerate when <= ENUM_FACTOR·n slopes remain */
#define DRAW_FACTOR 16       /* random pairs drawn per round, times n */
#define MIN_SAMPLE 16        /* fewer kept samples: bisect instead */

struct ts_ctx {
	size_t m;
	double *t, *y;       /* sorted by (t asc, y desc); t centred on t[0] */
	uint64_t npairs;
	uint64_t tie_pairs;  /* pairs with equal t */
	int exact;
	double *sl;          /* exact: all npairs slopes */
	/* fast path */
	double *key, *tmp;   /* n-sized scratch */
	double *samp;        /* sampled slopes, capacity m */
	double lo0, hi0;     /* count(lo0) == 0, count(hi0) == npairs */
	uint64_t rng;
	/* the last enumerated bracket: ranks ecl+1 .. ecl+en are in ecache
	 * (the two middle ranks of the median usually share it) */
	double *ecache;
	size_t en;
	uint64_t ecl;
};

typedef struct tpt {
	double t, y;
} tpt;

static int cmp_t_ydesc(const void *a, const void *b)
{
	const tpt *p = a, *q = b;

	if (p->t != q->t)
		return p->t < q->t ? -1 : 1;
	if (p->y != q->y)
		return p->y > q->y ? -1 : 1;
	return 0;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, z = *(const double *)b;

	return x < z ? -1 : (x > z ? 1 : 0);
}

static uint64_t next_rand(ts_ctx *c)
{
	/* xorshift64* */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 2685821657736338717ULL;
}

/* Uniform index in [0, m) (Lemire's multiply-shift; m < 2^32 here). */
static size_t draw(ts_ctx *c)
{
	if (c->m > UINT32_MAX)
		return (size_t)(next_rand(c) % c->m);
	return (size_t)(((next_rand(c) >> 32) * (uint64_t)c->m) >> 32);
}


/* Pairs with equal values in sorted v[0..n). */
static uint64_t equal_pairs(const double *v, size_t n)
{
	uint64_t e = 0;
	size_t i = 0;

	while (i < n) {
		size_t j = i + 1;

		while (j < n && v[j] == v[i])
			j++;
		e += (uint64_t)(j - i) * (j - i - 1) / 2;
		i = j;
	}
	return e;
}

/* Number of pairwise slopes <= v (*le) and < v (*lt), one merge pass. */
static void count_slopes(ts_ctx *c, double v, uint64_t *le, uint64_t *lt)
{
	size_t i, m = c->m;
	uint64_t in_group = 0, in_group_eq = 0, raw, eq;

	for (i = 0; i < m; i++)
		c->key[i] = c->y[i] - v * c->t[i];
	/* Equal-t pairs are not slopes but the merge count sees them: within
	 * a t group keys are non-increasing (y descending), so every such pair
	 * is among the key[j] <= key[i] pairs, and the equal-key ones among
	 * them also among the equal-key pairs subtracted for *lt. */
	for (i = 0; i < m;) {
		size_t j = i + 1;

		while (j < m && c->t[j] == c->t[i])
			j++;
		if (j - i > 1) {
			in_group += (uint64_t)(j - i) * (j - i - 1) / 2;
			in_group_eq += equal_pairs(c->key + i, j - i);
		}
		i = j;
	}
	raw = detect_inversions(c->key, c->tmp, m, 1); /* pairs with key[j] <= key[i]; key now sorted */
	eq = equal_pairs(c->key, m);
	*le = raw >= in_group ? raw - in_group : 0;
	raw = raw >= eq ? raw - eq : 0;
	in_group -= in_group_eq;
	*lt = raw >= in_group ? raw - in_group : 0;
}

/* ---- enumeration of the slopes inside (lo, hi] ----------------------------------- */

typedef struct kk {
	double klo, khi;
	size_t i;
} kk;

static int cmp_kk(const void *a, const void *b)
{
	const kk *p = a, *q = b;

	if (p->klo != q->klo)
		return p->klo < q->klo ? -1 : 1;
	if (p->khi != q->khi)
		return p->khi < q->khi ? -1 : 1;
	return 0;
}

typedef struct dvec {
	double *v;
	size_t n, cap;
} dvec;

static int dvec_push(dvec *d, double x)
{
	if (d->n == d->cap) {
		size_t nc = d->cap ? 2 * d->cap : 1024;
		double *nv = realloc(d->v, nc * sizeof *nv);

		if (nv == NULL)
			return -1;
		d->v = nv;
		d->cap = nc;
	}
	d->v[d->n++] = x;
	return 0;
}

/* Slopes s with lo < s <= hi: pairs in ascending key-at-lo order whose
 * key-at-hi order is reversed (mathematically these imply t_a < t_b). */
static tsm_status enumerate(ts_ctx *c, double lo, double hi, dvec *out)
{
	size_t m = c->m, w, st, idx;
	kk *a = malloc(m * sizeof *a), *tmp = malloc(m * sizeof *tmp);
	tsm_status rc = TSM_OK;

	if (a == NULL || tmp == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	for (idx = 0; idx < m; idx++) {
		a[idx].klo = c->y[idx] - lo * c->t[idx];
		a[idx].khi = c->y[idx] - hi * c->t[idx];
		a[idx].i = idx;
	}
	qsort(a, m, sizeof *a, cmp_kk);
	for (w = 1; w < m; w *= 2) {
		for (st = 0; st + w < m; st += 2 * w) {
			size_t mid = st + w, end = st + 2 * w < m ? st + 2 * w : m;
			size_t i = st, j = mid, k = st;

			while (i < mid && j < end) {
				if (a[i].khi < a[j].khi) {
					tmp[k++] = a[i++];
					continue;
				}
				for (size_t l = i; l < mid; l++) {
					size_t p = a[l].i, q = a[j].i;

					if (!(a[l].klo < a[j].klo) || !(c->t[p] < c->t[q]))
						continue;
					if (dvec_push(out, (c->y[q] - c->y[p]) / (c->t[q] - c->t[p]))) {
						rc = TSM_NOMEM;
						goto out;
					}
				}
				tmp[k++] = a[j++];
			}
			while (i < mid)
				tmp[k++] = a[i++];
			while (j < end)
				tmp[k++] = a[j++];
			memcpy(a + st, tmp + st, (end - st) * sizeof *a);
		}
	}
out:
	free(a);
	free(tmp);
	return rc;
}

/* ---- ordered bisection on doubles ----------------------------------------------- */

static int64_t d2o(double x)
{
	int64_t i;

	memcpy(&i, &x, sizeof i);
	return i >= 0 ? i : INT64_MIN - i;
}

static double o2d(int64_t o)
{
	int64_t i = o >= 0 ? o : INT64_MIN - o;
	double x;

	memcpy(&x, &i, sizeof x);
	return x;
}

/* ---- the selection loop --------------------------------------------------------- */

/* Update the bracket with candidate v in (lo, hi].  Returns 1 and sets *ans
 * when v is exactly the k-th slope (ties straddling rank k). */
static int try_pivot(ts_ctx *c, uint64_t k, double v, double *lo, uint64_t *clo,
                     double *hi, uint64_t *chi, double *ans)
{
	uint64_t cv, cvlt;

	if (!(v > *lo && v <= *hi))
		return 0;
	/* Bounds move unconditionally (v lies strictly inside or at hi), so
	 * even counts perturbed by rounding cannot stall the bisection. */
	count_slopes(c, v, &cv, &cvlt);
	if (cv < k) {
		*lo = v;
		*clo = cv;
		return 0;
	}
	if (cvlt < k) {
		*ans = v;
		return 1;
	}
	*hi = v;
	*chi = cv;
	return 0;
}

static tsm_status fast_select(ts_ctx *c, uint64_t k, double *ans)
{
	double lo = c->lo0, hi = c->hi0;
	uint64_t clo = 0, chi = c->npairs;
	uint64_t cap = (uint64_t)ENUM_FACTOR * c->m + 4096;
	int sample_next = 1;
	dvec e = {NULL, 0, 0};
	tsm_status rc = TSM_OK;

	if (c->ecache != NULL && k > c->ecl && k - c->ecl <= c->en) {
		*ans = stats_select(c->ecache, c->en, (size_t)(k - c->ecl - 1));
		return TSM_OK;
	}
	for (;;) {
		uint64_t mcount = chi - clo, before = mcount;

		if (mcount <= cap) {
			uint64_t r;

			rc = enumerate(c, lo, hi, &e);
			if (rc != TSM_OK)
				break;
			if (e.n == 0) { /* rounding emptied the bracket */
				*ans = hi;
				break;
			}
			r = k - clo;
			if (r < 1)
				r = 1;
			if (r > e.n)
				r = e.n;
			*ans = stats_select(e.v, e.n, (size_t)(r - 1));
			/* keep it only when the counts and the enumeration agree,
			 * so cached ranks are exact */
			if (e.n == chi - clo) {
				free(c->ecache);
				c->ecache = e.v;
				c->en = e.n;
				c->ecl = clo;
				e.v = NULL;
			}
			break;
		}
		if (sample_next) {
			size_t kept = 0, draws, maxdraws = DRAW_FACTOR * c->m + 1024;

			for (draws = 0; draws < maxdraws && kept < c->m; draws++) {
				size_t i = draw(c), j = draw(c);
				double s;

				if (c->t[i] == c->t[j])
					continue;
				if (c->t[i] > c->t[j]) {
					size_t x = i;

					i = j;
					j = x;
				}
				s = (c->y[j] - c->y[i]) / (c->t[j] - c->t[i]);
				if (s > lo && s <= hi)
					c->samp[kept++] = s;
			}
			if (kept >= MIN_SAMPLE) {
				double q = ((double)(k - clo) - 0.5) / (double)mcount;
				double r = (double)kept, d = 3.0 * sqrt(r * q * (1 - q)) + 2.0;
				double ilo = floor(r * q - d), ihi = ceil(r * q + d);

				qsort(c->samp, kept, sizeof *c->samp, cmp_dbl);
				if (ilo >= 0 &&
				    try_pivot(c, k, c->samp[(size_t)ilo], &lo, &clo, &hi, &chi, ans)) {
					rc = TSM_OK;
					break;
				}
				if (ihi < r &&
				    try_pivot(c, k, c->samp[(size_t)ihi], &lo, &clo, &hi, &chi, ans)) {
					rc = TSM_OK;
					break;
				}
			}
			sample_next = (chi - clo) * 2 <= before;
		} else {
			int64_t ol = d2o(lo), oh = d2o(hi);
			int64_t om = (ol >> 1) + (oh >> 1) + (ol & oh & 1);

			if (om <= ol || om >= oh) { /* lo, hi adjacent doubles */
				*ans = hi;
				rc = TSM_OK;
				break;
			}
			if (try_pivot(c, k, o2d(om), &lo, &clo, &hi, &chi, ans)) {
				rc = TSM_OK;
				break;
			}
			sample_next = 1;
		}
	}
	free(e.v);
	return rc;
}

/* ---- context ------------------------------------------------------------------ */

/* Extreme slopes are attained between neighbouring distinct-t groups
 * (any slope is a weighted mean of neighbouring ones). */
static void extreme_slopes(const ts_ctx *c, double *smin, double *smax)
{
	size_t i = 0, prev_first = 0, prev_last = 0;
	int have_prev = 0;

	*smin = INFINITY;
	*smax = -INFINITY;
	while (i < c->m) {
		size_t j = i + 1;

		while (j < c->m && c->t[j] == c->t[i])
			j++;
		/* group [i, j): y descending, so max at i, min at j-1 */
		if (have_prev) {
			double dt = c->t[i] - c->t[prev_first];
			double up = (c->y[i] - c->y[prev_last]) / dt;
			double dn = (c->y[j - 1] - c->y[prev_first]) / dt;

			if (up > *smax)
				*smax = up;
			if (dn < *smin)
				*smin = dn;
		}
		have_prev = 1;
		prev_first = i;
		prev_last = j - 1;
		i = j;
	}
}

tsm_status ts_ctx_new(const double *t, const double *y, size_t m, int method,
                      ts_ctx **out)
{
	ts_ctx *c = calloc(1, sizeof *c);
	tpt *p = NULL;
	size_t i, j;
	double t0;
	tsm_status rc = TSM_NOMEM;

	*out = NULL;
	if (c == NULL)
		return TSM_NOMEM;
	c->m = m;
	c->rng = 0x2545F4914F6CDD1DULL;
	p = malloc((m ? m : 1) * sizeof *p);
	c->t = malloc((m ? m : 1) * sizeof *c->t);
	c->y = malloc((m ? m : 1) * sizeof *c->y);
	if (p == NULL || c->t == NULL || c->y == NULL)
		goto fail;
	for (i = 0; i < m; i++) {
		p[i].t = t[i];
		p[i].y = y[i];
	}
	qsort(p, m, sizeof *p, cmp_t_ydesc);
	t0 = m ? p[0].t : 0;
	for (i = 0; i < m; i++) {
		c->t[i] = p[i].t - t0;
		c->y[i] = p[i].y;
	}
	free(p);
	p = NULL;
	for (i = 0; i < m;) {
		for (j = i + 1; j < m && c->t[j] == c->t[i]; j++)
			;
		c->tie_pairs += (uint64_t)(j - i) * (j - i - 1) / 2;
		i = j;
	}
	c->npairs = (uint64_t)m * (m ? m - 1 : 0) / 2 - c->tie_pairs;
	if (c->npairs == 0) {
		rc = TSM_ERR;
		goto fail;
	}
	if (method == DETECT_TS_EXACT ||
	    (method != DETECT_TS_FAST && m <= DETECT_TS_EXACT_MAX)) {
		uint64_t k = 0;

		if (c->npairs > SIZE_MAX / sizeof *c->sl)
			goto fail;
		c->exact = 1;
		c->sl = malloc((size_t)c->npairs * sizeof *c->sl);
		if (c->sl == NULL)
			goto fail;
		for (i = 0; i < m; i++)
			for (j = i + 1; j < m; j++)
				if (c->t[j] != c->t[i])
					c->sl[k++] = (c->y[j] - c->y[i]) / (c->t[j] - c->t[i]);
	} else {
		double smin, smax, d;
		uint64_t le, lt;
		int tries;

		c->key = malloc(m * sizeof *c->key);
		c->tmp = malloc(m * sizeof *c->tmp);
		c->samp = malloc(m * sizeof *c->samp);
		if (c->key == NULL || c->tmp == NULL || c->samp == NULL)
			goto fail;
		extreme_slopes(c, &smin, &smax);
		/* step just outside [smin, smax] until the counts agree that
		 * the bracket holds every slope */
		d = fabs(smin) * 1e-12 + 1e-300;
		c->lo0 = smin - d;
		for (tries = 0; tries < 200; tries++) {
			count_slopes(c, c->lo0, &le, &lt);
			if (le == 0)
				break;
			d *= 16;
			c->lo0 = smin - d;
		}
		d = fabs(smax) * 1e-12 + 1e-300;
		c->hi0 = smax;
		for (tries = 0; tries < 200; tries++) {
			count_slopes(c, c->hi0, &le, &lt);
			if (le >= c->npairs)
				break;
			c->hi0 = smax + d;
			d *= 16;
		}
		if (!isfinite(c->lo0) || !isfinite(c->hi0)) {
			rc = TSM_ERR;
			goto fail;
		}
	}
	*out = c;
	return TSM_OK;
fail:
	free(p);
	ts_ctx_free(c);
	return rc;
}

void ts_ctx_free(ts_ctx *c)
{
	if (c == NULL)
		return;
	free(c->t);
	free(c->y);
	free(c->sl);
	free(c->key);
	free(c->tmp);
	free(c->samp);
	free(c->ecache);
	free(c);
}

uint64_t ts_ctx_npairs(const ts_ctx *c)
{
	return c->npairs;
}

int ts_ctx_exact(const ts_ctx *c)
{
	return c->exact;
}

tsm_status ts_ctx_select(ts_ctx *c, uint64_t k, double *out)
{
	*out = NAN;
	if (k < 1 || k > c->npairs)
		return TSM_ERR;
	if (c->exact) {
		*out = stats_select(c->sl, (size_t)c->npairs, (size_t)(k - 1));
		return TSM_OK;
	}
	return fast_select(c, k, out);
}

tsm_status ts_ctx_median(ts_ctx *c, double *out)
{
	uint64_t n = c->npairs;
	double a, b;
	tsm_status rc;

	if (n % 2 == 1)
		return ts_ctx_select(c, (n + 1) / 2, out);
	rc = ts_ctx_select(c, n / 2, &a);
	if (rc == TSM_OK)
		rc = ts_ctx_select(c, n / 2 + 1, &b);
	*out = rc == TSM_OK ? a + (b - a) / 2 : NAN;
	return rc;
}

tsm_status ts_ctx_signs(ts_ctx *c, double *pos, double *neg)
{
	uint64_t npos = 0, nneg = 0;

	if (c->exact) {
		uint64_t i;

		for (i = 0; i < c->npairs; i++) {
			npos += c->sl[i] > 0;
			nneg += c->sl[i] < 0;
		}
	} else {
		uint64_t le, lt;

		count_slopes(c, 0.0, &le, &lt);
		npos = c->npairs - le;
		nneg = lt;
	}
	*pos = (double)npos / (double)c->npairs;
	*neg = (double)nneg / (double)c->npairs;
	return TSM_OK;
}
