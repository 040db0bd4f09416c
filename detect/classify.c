/* classify.c — one (lifetime, allocator) series judged against its
 * lifetime's context (context.c); the method is in classify.h.
 *
 * The floor is the series' bin minima (the context's grid).  What the
 * load, the RAM cache and the other buckets explain comes out by bounded
 * least squares on [1, load, RAM entries, other buckets' buffers], with no
 * drift term: whatever the mechanisms can explain they are given, and a
 * leak must show in what they cannot.  Mann–Kendall with Theil–Sen judge
 * what is left: rank statistics, so a leak need not be linear, and
 * Hamed–Rao so that a slowly wandering floor is not mistaken for one.
 * The time axis is only used to see when a mechanism's series rises in
 * step with time (R² > 0.95): then its share cannot be told from a drift,
 * and the RAM cache is given the most it can hold, the other buckets
 * nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify_int.h"
#include "stats.h"

#define MAXCOL 4

/* A mechanism's series that time explains this well (R²) cannot be told
 * from a drift (tsmem.1: "rises in step with time"). */
#define IN_STEP_WITH_TIME 0.95

static double clamp01(double v)
{
	if (!(v > 0))
		return 0;
	return v > 1 ? 1 : v;
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
	r->alloc_growth = r->alloc_last - r->alloc_first;
}

/* Least squares of y on the columns X (m rows, k columns, column-major),
 * each centred and scaled first.  Sets coef[0..k) (per unscaled unit) and
 * returns 0, or -1 when the system is singular. */
static int lsq(const double *X, const double *y, size_t m, size_t k, double *coef)
{
	double mu[MAXCOL], sd[MAXCOL], A[MAXCOL][MAXCOL + 1], ym = 0;
	size_t i, j, l, row;

	if (k == 0 || m <= k)
		return -1;
	for (row = 0; row < m; row++)
		ym += y[row];
	ym /= (double)m;
	for (j = 0; j < k; j++) {
		double s = 0, q = 0;

		for (row = 0; row < m; row++)
			s += X[j * m + row];
		mu[j] = s / (double)m;
		for (row = 0; row < m; row++)
			q += (X[j * m + row] - mu[j]) * (X[j * m + row] - mu[j]);
		sd[j] = sqrt(q / (double)m);
		if (!(sd[j] > 0))
			return -1;
	}
	for (i = 0; i < k; i++) {
		for (j = 0; j <= k; j++)
			A[i][j] = 0;
		for (row = 0; row < m; row++) {
			double xi = (X[i * m + row] - mu[i]) / sd[i];

			for (j = 0; j < k; j++)
				A[i][j] += xi * (X[j * m + row] - mu[j]) / sd[j];
			A[i][k] += xi * (y[row] - ym);
		}
	}
	for (i = 0; i < k; i++) {
		size_t piv = i;

		for (l = i + 1; l < k; l++)
			if (fabs(A[l][i]) > fabs(A[piv][i]))
				piv = l;
		if (!(fabs(A[piv][i]) > 1e-9 * (double)m))
			return -1;
		if (piv != i)
			for (j = 0; j <= k; j++) {
				double tmp = A[i][j];

				A[i][j] = A[piv][j];
				A[piv][j] = tmp;
			}
		for (l = 0; l < k; l++) {
			double f;

			if (l == i)
				continue;
			f = A[l][i] / A[i][i];
			for (j = i; j <= k; j++)
				A[l][j] -= f * A[i][j];
		}
	}
	for (j = 0; j < k; j++)
		coef[j] = A[j][k] / A[j][j] / sd[j];
	return 0;
}

/* R² of column a of X (m rows) on the columns `others` (n_o of them):
 * how much of it they explain.  1 when the fit is singular. */
static double r2_on(const double *X, size_t m, size_t a, const size_t *others, size_t n_o)
{
	const double *y = X + a * m;
	double *Z, coef[MAXCOL], ym = 0, fm = 0, sst = 0, ssr = 0, *fit;
	size_t j, row;

	if (n_o == 0 || n_o > MAXCOL)
		return 0;
	Z = malloc((n_o + 1) * m * sizeof *Z);
	if (Z == NULL)
		return 1;
	fit = Z + n_o * m;
	for (j = 0; j < n_o; j++)
		memcpy(Z + j * m, X + others[j] * m, m * sizeof *Z);
	if (lsq(Z, y, m, n_o, coef) != 0) {
		free(Z);
		return 1;
	}
	for (row = 0; row < m; row++) {
		fit[row] = 0;
		for (j = 0; j < n_o; j++)
			fit[row] += coef[j] * Z[j * m + row];
		ym += y[row];
		fm += fit[row];
	}
	ym /= (double)m;
	fm /= (double)m;
	for (row = 0; row < m; row++) {
		sst += (y[row] - ym) * (y[row] - ym);
		ssr += (fit[row] - fm) * (fit[row] - fm);
	}
	free(Z);
	return sst > 0 ? ssr / sst : 1;
}

/* Theil–Sen slope of y over x on [a, b), and Sen's lower bound at
 * `alpha` (Hamed–Rao corrected); NaN when it cannot be computed. */
static double part_slope(const double *x, const double *y, size_t a, size_t b, double alpha,
                         double *lo)
{
	detect_trend_opts o;
	detect_trend tr;

	*lo = NAN;
	detect_trend_opts_default(&o);
	o.alpha = alpha;
	if (b < a + 3 || detect_trend_test(x + a, y + a, b - a, &o, &tr) != TSM_OK)
		return NAN;
	*lo = tr.ts.lo;
	return tr.ts.slope;
}

typedef struct floor_data {
	size_t m;
	double *x, *u, *z, *X;   /* X: column-major, MAXCOL columns of m */
} floor_data;

static void floor_free(floor_data *f)
{
	free(f->x);
	free(f->u);
	free(f->z);
	free(f->X);
}

/* The churn test: past level against the recent part, raw and relative
 * to the load. */
static void churn_stats(const detect_input *in, const detect_ctx *c, const detect_params *p,
                        detect_result *r)
{
	const float *mean = c->mean + in->ctx_index * c->nb;
	double span = r->x_last - r->x_first, len = span / 4, past = -1, recent = -1;
	double past_n = -1, recent_n = -1;
	size_t b, np = 0, nr = 0;

	if (isfinite(r->period) && r->period > len)
		len = r->period;
	r->recent_from = r->x_last - len;
	for (b = 0; b < c->nb; b++) {
		double v = mean[b], l = c->load_ok ? c->load[b] : NAN, vn;

		if (!isfinite(v))
			continue;
		vn = isfinite(l) && l > 0 ? v / l : NAN;
		if (c->bx[b] < r->recent_from) {
			np++;
			if (v > past) {
				past = v;
				r->peak_x = c->bx[b];
			}
			if (isfinite(vn) && vn > past_n)
				past_n = vn;
		} else {
			nr++;
			if (v > recent)
				recent = v;
			if (isfinite(vn) && vn > recent_n)
				recent_n = vn;
		}
	}
	r->churn_floor = fmax(p->churn_min_chunks * in->chunk_items * (double)in->type_size,
	                      p->churn_min_bytes);
	if (np < 2 || nr < 2)
		return;
	r->past_level = past;
	r->recent_max = recent;
	r->churn_ratio_seen = recent > 0 ? past / recent : (past > 0 ? 1e308 : 0);
	if (past_n >= 0 && recent_n >= 0) {
		double rn = recent_n > 0 ? past_n / recent_n : (past_n > 0 ? 1e308 : 0);

		/* a load trough is not churn: the drop must hold against the load too */
		if (rn < r->churn_ratio_seen)
			r->churn_ratio_seen = rn;
	}
	r->stranded_recent = (int64_t)((double)r->alloc_last - recent);
}

/* Build the floor points, take out load and RAM cache, test the rest. */
static tsm_status floor_trend(const detect_input *in, const detect_ctx *c, const detect_params *p,
                              detect_result *r, floor_data *f)
{
	const float *lo = c->lo + in->ctx_index * c->nb;
	size_t me = in->ctx_index;
	int role = c->role[me];
	int ram_use = c->ram_ok && (in->bucket >= 0 || role == CTX_ROLE_IODATA || me == c->ram_i);
	int fixed_ram = role == CTX_ROLE_IODATA || me == c->ram_i;
	size_t b, m = 0, k, col_load = SIZE_MAX, col_ram = SIZE_MAX, col_oth = SIZE_MAX, col_x, i, j;
	double coef[MAXCOL], cmax = (double)in->type_size, family, *rcol = NULL, *ocol = NULL;
	int oth_use = in->bucket >= 0;
	detect_trend_opts o;
	detect_trend tr;
	tsm_status rc;

	f->x = malloc(c->nb * sizeof *f->x);
	f->u = malloc(c->nb * sizeof *f->u);
	f->z = malloc(c->nb * sizeof *f->z);
	f->X = malloc(MAXCOL * c->nb * sizeof *f->X);
	rcol = malloc(c->nb * sizeof *rcol);
	ocol = malloc(c->nb * sizeof *ocol);
	if (f->x == NULL || f->u == NULL || f->z == NULL || f->X == NULL || rcol == NULL ||
	    ocol == NULL) {
		free(rcol);
		free(ocol);
		return TSM_NOMEM;
	}
	/* the other buckets' buffers that the RAM cache does not hold: bytes
	 * that move between sizes move these */
	for (b = 0; oth_use && b < c->nb; b++) {
		double v = 0;

		for (j = 0; j < c->na && isfinite(v); j++) {
			if (j == me || c->bucket[j] < 0 || c->tsize[j] == 0)
				continue;
			if (!isfinite(c->lo[j * c->nb + b]))
				v = NAN;
			else
				v += (1.0 - c->ram_w[j]) * c->lo[j * c->nb + b] / (double)c->tsize[j];
		}
		ocol[b] = v;
	}
	/* the RAM cache's entries that could be this allocator's: all of them
	 * for ioDataAllocator and the entry allocator itself; for a bucket,
	 * those the other buckets do not account for */
	for (b = 0; ram_use && b < c->nb; b++) {
		double v = c->ram[b];

		if (in->bucket >= 0)
			for (j = 0; j < c->na && isfinite(v); j++) {
				if (j == me || c->bucket[j] < 0 || !(c->ram_w[j] > 0))
					continue;
				if (!isfinite(c->lo[j * c->nb + b]))
					v = NAN;
				else
					v -= c->ram_w[j] * c->lo[j * c->nb + b] / (double)c->tsize[j];
			}
		rcol[b] = v;
	}
	for (b = 0; b < c->nb; b++) {
		if (!isfinite(lo[b]))
			continue;
		if (c->load_ok && !isfinite(c->load[b]))
			continue;
		if (ram_use && !isfinite(rcol[b]))
			continue;
		if (oth_use && !isfinite(ocol[b]))
			continue;
		f->x[m] = c->bx[b];
		f->u[m] = lo[b];
		m++;
	}
	f->m = m;
	r->bins = m;
	if (m < 6) {
		free(rcol);
		free(ocol);
		return TSM_OK;
	}
	/* columns: load, RAM entries, axis (the intercept is the centring) */
	k = 0;
	if (c->load_ok) {
		col_load = k++;
		for (i = 0, b = 0; b < c->nb; b++)
			if (isfinite(lo[b]) && isfinite(c->load[b]) && (!ram_use || isfinite(c->ram[b])))
				f->X[col_load * m + i++] = c->load[b];
	}
	if (ram_use) {
		col_ram = k++;
		for (i = 0, b = 0; b < c->nb; b++)
			if (isfinite(lo[b]) && (!c->load_ok || isfinite(c->load[b])) && isfinite(rcol[b]))
				f->X[col_ram * m + i++] = rcol[b];
		r->ram_gain_items = f->X[col_ram * m + m - 1] - f->X[col_ram * m];
	}
	if (oth_use) {
		col_oth = k++;
		for (i = 0, b = 0; b < c->nb; b++)
			if (isfinite(lo[b]) && (!c->load_ok || isfinite(c->load[b])) &&
			    (!ram_use || isfinite(rcol[b])) && isfinite(ocol[b]))
				f->X[col_oth * m + i++] = ocol[b];
	}
	free(rcol);
	free(ocol);
	col_x = k++;
	memcpy(f->X + col_x * m, f->x, m * sizeof *f->x);
	if (col_ram != SIZE_MAX) {
		size_t oth[MAXCOL], no = 0;

		if (col_load != SIZE_MAX)
			oth[no++] = col_load;
		oth[no++] = col_x;
		r->ram_collinear = r2_on(f->X, m, col_ram, oth, no) > IN_STEP_WITH_TIME;
	}
	if (col_oth != SIZE_MAX) {
		size_t oth[MAXCOL], no = 0;

		if (col_load != SIZE_MAX)
			oth[no++] = col_load;
		oth[no++] = col_x;
		/* the others falling in step with time cannot be told from a
		 * drift: leave them out */
		r->others_collinear = r2_on(f->X, m, col_oth, oth, no) > IN_STEP_WITH_TIME;
	}
	/* the fit, with beta >= 0 and the RAM share within [0, one item per entry] */
	for (i = 0; i < MAXCOL; i++)
		coef[i] = 0;
	memcpy(f->z, f->u, m * sizeof *f->z);
	if (col_ram != SIZE_MAX && (fixed_ram || r->ram_collinear)) {
		/* ioDataAllocator: each entry holds one; collinear: the most the
		 * cache can hold */
		for (i = 0; i < m; i++)
			f->z[i] -= cmax * f->X[col_ram * m + i];
		coef[col_ram] = cmax;
	}
	if (col_load != SIZE_MAX) {
		/* the load first, beside a drift: its share comes from how
		 * in-use follows its swings, not from a rise that a leak (or the
		 * warm-up of many allocators, which lifts the index) could make */
		double *W = malloc(2 * m * sizeof *W), cf[2];

		if (W == NULL)
			return TSM_NOMEM;
		memcpy(W, f->X + col_load * m, m * sizeof *W);
		memcpy(W + m, f->X + col_x * m, m * sizeof *W);
		coef[col_load] = lsq(W, f->z, m, 2, cf) == 0 && cf[0] > 0 ? cf[0] : 0;
		free(W);
		r->load_beta = coef[col_load];
		for (i = 0; i < m; i++)
			f->z[i] -= coef[col_load] * (f->X[col_load * m + i] - 1.0);
	}
	{
		size_t cols[MAXCOL], nc = 0;
		double *W = malloc(MAXCOL * m * sizeof *W), cf[MAXCOL];
		int again = 1;

		if (W == NULL)
			return TSM_NOMEM;
		/* then the RAM cache and the other buckets, with no drift
		 * column: what they can explain, they are given (a leak must
		 * show in what they cannot) */
		for (j = 0; j < k; j++)
			if (j != col_x && j != col_load && !(j == col_ram && (fixed_ram || r->ram_collinear)) &&
			    !(j == col_oth && r->others_collinear))
				cols[nc++] = j;
		while (again && nc > 0) {
			again = 0;
			for (j = 0; j < nc; j++)
				memcpy(W + j * m, f->X + cols[j] * m, m * sizeof *W);
			if (lsq(W, f->z, m, nc, cf) != 0) {
				/* singular: drop the load column first, then RAM */
				size_t drop = nc;

				for (j = 0; j < nc; j++)
					if (cols[j] == col_load || (drop == nc && cols[j] == col_ram))
						drop = j;
				if (drop == nc)
					break;
				memmove(cols + drop, cols + drop + 1, (nc - drop - 1) * sizeof *cols);
				nc--;
				again = 1;
				continue;
			}
			for (j = 0; j < nc; j++) {
				double v = cf[j], lim = -1;

				if (cols[j] == col_oth)
					lim = 1;    /* no clamp unless set below */

				if (cols[j] == col_load && v < 0)
					lim = 0;
				else if (cols[j] == col_ram && v < 0)
					lim = 0;
				else if (cols[j] == col_ram && v > cmax)
					lim = cmax;
				else if (cols[j] == col_oth && v > 0)
					lim = 0;
				else if (cols[j] == col_oth && v < -cmax)
					lim = -cmax;
				if ((cols[j] != col_oth && lim >= 0) || (cols[j] == col_oth && lim <= 0)) {
					size_t cc = cols[j];

					coef[cc] = lim;
					for (i = 0; i < m; i++)
						f->z[i] -= lim * f->X[cc * m + i];
					memmove(cols + j, cols + j + 1, (nc - j - 1) * sizeof *cols);
					nc--;
					again = 1;
					break;
				}
				coef[cols[j]] = v;
			}
		}
		free(W);
	}
	/* take out the RAM cache and the other buckets (the load is out) */
	if (col_oth != SIZE_MAX) {
		r->others_coef = coef[col_oth];
		if (!r->others_collinear && coef[col_oth] < 0 && coef[col_oth] > -cmax)
			for (i = 0; i < m; i++)
				f->z[i] -= coef[col_oth] * f->X[col_oth * m + i];
	}
	if (col_ram != SIZE_MAX) {
		r->ram_coef = coef[col_ram];
		if (!(fixed_ram || r->ram_collinear) && coef[col_ram] > 0 && coef[col_ram] < cmax)
			for (i = 0; i < m; i++)
				f->z[i] -= coef[col_ram] * f->X[col_ram * m + i];
	}
	/* the trend of what is left */
	family = c->active > 1 ? (double)c->active : 1.0;
	r->alpha_used = p->alpha / family;
	detect_trend_opts_default(&o);
	o.alpha = r->alpha_used;
	rc = detect_trend_test(f->x, f->z, m, &o, &tr);
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
	r->floor_rise = r->slope * (f->x[m - 1] - f->x[0]);
	{
		double *res = malloc(m * sizeof *res), mad = 0;

		if (res == NULL)
			return TSM_NOMEM;
		for (i = 0; i < m; i++)
			res[i] = f->z[i] - r->slope * f->x[i];
		if (detect_mad(res, m, &mad) == TSM_OK)
			r->noise = DETECT_MAD_NORMAL * mad;
		free(res);
	}
	r->effect_floor = fmax(p->leak_effect_chunks * in->chunk_items * (double)in->type_size,
	                       p->leak_noise * r->noise);
	{
		double mid = 0.5 * (f->x[0] + f->x[m - 1]);
		size_t h = 0;

		while (h < m && f->x[h] < mid)
			h++;
		double e_lo, l_lo;

		r->slope_early = part_slope(f->x, f->z, 0, h, p->alpha, &e_lo);
		r->slope_late = part_slope(f->x, f->z, h, m, p->alpha, &l_lo);
		/* levelling off: the later half slower by saturation_ratio and
		 * not itself rising significantly at the pace of a leak at the
		 * effect floor (a leak keeps rising) */
		double span = f->x[m - 1] - f->x[0];
		int keeps = l_lo > 0 && span > 0 && r->slope_late >= r->effect_floor / span;

		r->saturating = r->slope_early > 0 && isfinite(r->slope_late) &&
		                r->slope_late <= p->saturation_ratio * r->slope_early && !keeps;
	}
	{
		size_t q = m / 20 < 3 ? 3 : m / 20;
		double z0 = 0, need = fmax(3 * r->noise, 0.1 * r->floor_rise);

		if (q > m)
			q = m;
		if (detect_median(f->z, q, &z0) == TSM_OK)
			for (i = 0; i < m; i++)
				if (f->z[i] > z0 + need) {
					r->since = f->x[i];
					break;
				}
	}
	return TSM_OK;
}

/* The raw floor (nothing taken out) rises significantly: what a RAM cache
 * fill looks like once its part is out. */
static int raw_rising(const floor_data *f, const detect_result *r)
{
	detect_trend_opts o;
	detect_trend tr;

	if (f->m < 6)
		return 0;
	detect_trend_opts_default(&o);
	o.alpha = r->alpha_used;
	if (detect_trend_test(f->x, f->u, f->m, &o, &tr) != TSM_OK)
		return 0;
	return tr.mk.z > 0 && tr.mk.p < r->alpha_used && tr.ts.slope > 0 && tr.ts.lo >= 0;
}

static void decide(const detect_ctx *c, const detect_params *p,
                   const floor_data *f, detect_result *r)
{
	detect_ctx_info ci;
	int rising, still_filling;

	detect_ctx_get_info(c, &ci);
	still_filling = ci.ram_ok && r->ram_gain_items > 0 && isfinite(ci.ram_level_x) &&
	                ci.ram_level_x >= r->x_last - 0.1 * (r->x_last - r->x_first);
	if (r->churn_ratio_seen >= p->churn_ratio && (double)r->stranded_recent >= r->churn_floor) {
		r->verdict = DETECT_V_CHURN;
		r->reason = DETECT_R_CHURN;
		r->confidence = clamp01(1.0 - p->churn_ratio / (2.0 * r->churn_ratio_seen) + 0.25);
		return;
	}
	/* Sen's slope above 0 and its lower bound not below: a floor that is
	 * flat for a while and then rises (a late leak, a leak in steps) has
	 * many pairs on one level whose slopes are exactly 0, and the bound
	 * then lands on that block of ties; the tie-corrected Mann-Kendall
	 * test is what tells the trend */
	rising = r->trend_ok && r->mk_z > 0 && r->mk_p < r->alpha_used && r->slope > 0 &&
	         r->slope_lo >= 0;
	if (rising && r->floor_rise >= r->effect_floor) {
		if (r->saturating) {
			int late_up = r->slope_late > 0;

			r->verdict = late_up ? DETECT_V_WARMING : DETECT_V_PLATEAU;
			r->reason = late_up ? DETECT_R_LEVELLING : DETECT_R_LEVELLED;
			r->confidence = 0.7;
			return;
		}
		r->verdict = DETECT_V_LEAK;
		r->reason = DETECT_R_LEAK;
		r->confidence = clamp01(1.0 - r->mk_p / r->alpha_used * 0.5);
		if (r->confidence < 0.5)
			r->confidence = 0.5;
		if (r->confidence > 0.99)
			r->confidence = 0.99;
		return;
	}
	if (rising) {
		r->verdict = DETECT_V_PLATEAU;
		r->reason = DETECT_R_SMALL;
		r->confidence = clamp01(1.0 - r->floor_rise / (r->effect_floor > 0 ? r->effect_floor : 1));
		if (r->confidence < 0.5)
			r->confidence = 0.5;
		return;
	}
	if (still_filling && isfinite(r->ram_coef) && r->ram_coef > 0 && raw_rising(f, r)) {
		r->verdict = DETECT_V_WARMING;
		r->reason = DETECT_R_RAM_FILLING;
		r->confidence = 0.7;
		return;
	}
	r->verdict = DETECT_V_PLATEAU;
	r->reason = DETECT_R_FLAT;
	r->confidence = r->trend_ok ? clamp01(0.5 + 0.5 * (1.0 - fabs(r->mk_z) / 3.0)) : 0.5;
}

tsm_status detect_classify(const detect_input *in, const detect_ctx *c, const detect_params *p,
                           detect_result *out, char *err)
{
	detect_result *r = out;
	floor_data f;
	uint64_t *ua = NULL, *uu = NULL;
	tsm_status rc = TSM_OK;
	size_t i, n = in->n;
	int any_alloc = 0, any_use = 0;

	memset(&f, 0, sizeof f);
	memset(r, 0, sizeof *r);
	r->slope = r->slope_lo = r->slope_hi = r->slope_early = r->slope_late = NAN;
	r->load_beta = r->ram_coef = r->others_coef = NAN;
	r->since = r->peak_x = r->recent_from = r->span_hours = NAN;
	r->past_level = r->recent_max = NAN;
	r->x_first = r->x_last = NAN;
	r->mk_p = 1.0;
	r->n_ns = 1.0;
	r->chunk_items = in->chunk_items;
	r->chunk_source = in->chunk_source;
	r->n = n;
	if (in->type_size == 0 || in->chunk_items == 0 || c == NULL || in->ctx_index >= c->na) {
		tsm_seterr(err, "%s: type size and chunk size must be > 0, and the allocator in its context",
		           in->name ? in->name : "?");
		return TSM_ERR;
	}
	r->basis = c->basis;
	r->period = c->period;
	if (n == 0) {
		r->verdict = DETECT_V_INSUFFICIENT;
		r->reason = DETECT_R_NO_DUMPS;
		r->confidence = 1.0;
		return TSM_OK;
	}
	r->x_first = in->x[0];
	r->x_last = in->x[n - 1];
	if (r->basis != DETECT_BASIS_SEQUENCE)
		r->span_hours = (r->x_last - r->x_first) / 3600.0;
	ua = malloc(n * sizeof *ua);
	uu = malloc(n * sizeof *uu);
	if (ua == NULL || uu == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		ua[i] = in->allocated[i] > 0 ? (uint64_t)in->allocated[i] : 0;
		uu[i] = in->in_use[i] > 0 ? (uint64_t)in->in_use[i] : 0;
		any_alloc |= ua[i] > 0;
		any_use |= uu[i] > 0;
	}
	levels(in, r);
	rc = model_backward(in->x, ua, uu, n, in->type_size, in->chunk_items, in->slack_items, NULL,
	                    &r->model);
	if (rc != TSM_OK)
		goto out;
	if (!any_alloc && !any_use) {
		r->verdict = DETECT_V_IDLE;
		r->reason = DETECT_R_IDLE;
		r->confidence = 1.0;
		goto out;
	}
	if (in->malloc_mode || !any_alloc) {
		r->verdict = DETECT_V_MALLOC;
		r->reason = DETECT_R_MALLOC;
		r->confidence = in->malloc_mode ? 1.0 : 0.9;
		goto out;
	}
	churn_stats(in, c, p, r);
	rc = floor_trend(in, c, p, r, &f);
	if (rc != TSM_OK)
		goto out;
	if ((double)n < p->min_dumps || r->bins < 6) {
		double chunk = (double)in->chunk_items * in->type_size;
		double implied = (double)r->alloc_last - chunk, low = (double)r->inuse_last;

		/* too few dumps for a trend: churn only when the peak that
		 * allocated implies (it happened by the last dump) dwarfs the
		 * in-use of the last dump */
		r->peak_implied = 1;
		r->past_level = implied;
		r->recent_max = low;
		r->recent_from = r->x_first;
		r->stranded_recent = (int64_t)((double)r->alloc_last - low);
		r->churn_ratio_seen = low > 0 ? implied / low : (implied > 0 ? 1e308 : 0);
		if (r->churn_ratio_seen >= p->churn_ratio_strong &&
		    (double)r->stranded_recent >= r->churn_floor) {
			r->verdict = DETECT_V_CHURN;
			r->reason = DETECT_R_CHURN_FEW;
			r->confidence = 0.6;
			goto out;
		}
		r->verdict = DETECT_V_INSUFFICIENT;
		r->reason = DETECT_R_FEW_DUMPS;
		r->confidence = 1.0;
		goto out;
	}
	decide(c, p, &f, r);
	if (r->verdict == DETECT_V_LEAK || r->verdict == DETECT_V_WARMING)
		r->bytes_per_day = r->slope * (r->basis == DETECT_BASIS_SEQUENCE ? 1000.0 : 86400.0);
	if (in->reclaimable)
		r->confidence *= 0.8;
out:
	if (rc == TSM_NOMEM)
		tsm_seterr(err, "out of memory");
	floor_free(&f);
	free(ua);
	free(uu);
	return rc;
}
