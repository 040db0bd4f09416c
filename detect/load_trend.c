/* load_trend.c — the leak test's view of short lifetimes (spans shorter
 * than leak_load_cycles load cycles): the floor with the lifetime's common
 * load taken out (detect_load_trend), which replaces the raw floor as the
 * leak evidence there, and the split at the largest level shift of in-use
 * (detect_seg_trend), which tells load moved into an allocator once from
 * a floor that keeps rising, and bytes moved between buffer sizes from
 * bytes added (seg_bytes).  Called by detect_classify (classify.c); no
 * I/O.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify_int.h"

/* Sums of the least squares u = a + beta·load + g·x over the dumps with
 * a known load (x, load, u centred on their means). */
typedef struct load_ls {
	double n0, mx, ml, mu;
	double sxx, sll, sxl, sxu, slu;
} load_ls;

static int load_known(const double *u, const double *load, size_t i)
{
	return isfinite(load[i]) && load[i] > 0 && isfinite(u[i]);
}

static void load_ls_sums(const double *x, const double *u, const double *load, size_t n,
                         load_ls *f)
{
	size_t i;

	memset(f, 0, sizeof *f);
	for (i = 0; i < n; i++) {
		if (!load_known(u, load, i))
			continue;
		f->n0++;
		f->mx += x[i];
		f->ml += load[i];
		f->mu += u[i];
	}
	if (!(f->n0 > 0))
		return;
	f->mx /= f->n0;
	f->ml /= f->n0;
	f->mu /= f->n0;
	for (i = 0; i < n; i++) {
		double dx, dl, du;

		if (!load_known(u, load, i))
			continue;
		dx = x[i] - f->mx;
		dl = load[i] - f->ml;
		du = u[i] - f->mu;
		f->sxx += dx * dx;
		f->sll += dl * dl;
		f->sxl += dx * dl;
		f->sxu += dx * du;
		f->slu += dl * du;
	}
}

/* Lag-1 autocorrelation of a sequence fed one value at a time (a
 * non-finite value breaks the chain): the variance of a mean or a fitted
 * coefficient of such dumps is (1+ρ)/(1−ρ) times the independent one,
 * ρ clamped to [0, 0.95]. */
typedef struct ar1_acc {
	double prev, sep, spp;
	size_t np;
} ar1_acc;

static void ar1_add(ar1_acc *a, double e)
{
	if (!isfinite(e)) {
		a->prev = NAN;
		return;
	}
	if (isfinite(a->prev)) {
		a->sep += e * a->prev;
		a->spp += a->prev * a->prev;
		a->np++;
	}
	a->prev = e;
}

static double ar1_widen(const ar1_acc *a)
{
	double rho = a->np > 2 && a->spp > 0 ? fmin(fmax(a->sep / a->spp, 0), 0.95) : 0;

	return (1 + rho) / (1 - rho);
}

/* Least squares u = a + beta·load + g·x over the dumps with a known load
 * (x centred): how many bytes of in-use one unit of load brings, with a
 * linear drift (a leak) kept out of beta.  Returns 0 for a flat load, NaN
 * when the load moves in step with time. */
static double load_beta(const double *x, const double *u, const double *load, size_t n,
                        double *r2, double *lslope)
{
	load_ls f;
	double det;

	load_ls_sums(x, u, load, n, &f);
	*r2 = 0;
	*lslope = 0;
	if (f.n0 < 3)
		return NAN;
	if (!(f.sll > 0))
		return 0;               /* a flat load explains nothing */
	if (f.sxx > 0) {
		*r2 = f.sxl * f.sxl / (f.sxx * f.sll);
		*lslope = f.sxl / f.sxx;
	}
	det = f.sxx * f.sll - f.sxl * f.sxl;
	if (!(det > 1e-12 * f.sxx * f.sll))
		return NAN;             /* load and drift cannot be told apart */
	return (f.sxx * f.slu - f.sxl * f.sxu) / det;
}

/* Standard errors of the least squares u = a + beta·load + g·x
 * (load_beta's fit): residual variance s² over n − 3, Var(beta) = s² sxx
 * / det, Var(g) = s² sll / det, both widened (ar1_widen) for the lag-1
 * autocorrelation of the residuals (dumps a few minutes apart share their
 * noise).  When the beta in use is not the fitted one (clamped, or 0 for
 * a load that falls in step with time), g and its error come from the
 * straight line through u − beta·load instead (s² over n − 2, Var(g) =
 * s² / sxx).  *se_beta (of the fitted beta) and *drift_t (g over its
 * error) are NaN when they cannot be computed. */
static void load_fit_se(const double *x, const double *u, const double *load, size_t n,
                        double beta_used, double *se_beta, double *drift_t)
{
	load_ls f;
	ar1_acc ac = {NAN, 0, 0, 0}, ad = {NAN, 0, 0, 0};
	double det, beta, g, e, see = 0, sdd = 0, gd, w;
	size_t i;

	*se_beta = *drift_t = NAN;
	load_ls_sums(x, u, load, n, &f);
	if (f.n0 < 5 || !(f.sxx > 0))
		return;
	det = f.sxx * f.sll - f.sxl * f.sxl;
	if (!(det > 1e-12 * f.sxx * f.sll))
		return;
	beta = (f.sxx * f.slu - f.sxl * f.sxu) / det;
	g = (f.sll * f.sxu - f.sxl * f.slu) / det;
	gd = (f.sxu - beta_used * f.sxl) / f.sxx;       /* slope of u − beta_used·load */
	for (i = 0; i < n; i++) {
		double dx = x[i] - f.mx, dl, du, d = NAN;

		e = NAN;
		if (load_known(u, load, i)) {
			dl = load[i] - f.ml;
			du = u[i] - f.mu;
			e = du - beta * dl - g * dx;
			d = du - beta_used * dl - gd * dx;
			see += e * e;
			sdd += d * d;
		}
		ar1_add(&ac, e);
		ar1_add(&ad, d);
	}
	w = ar1_widen(&ac);
	*se_beta = sqrt(see / (f.n0 - 3) * f.sxx / det * w);
	/* the fitted beta, unclamped (fit_beta returns load_beta's value then) */
	if (fabs(beta_used - beta) <= 1e-9 * fabs(beta)) {
		double se = sqrt(see / (f.n0 - 3) * f.sll / det * w);

		*drift_t = se > 0 ? g / se : NAN;
	} else {
		double se = sqrt(sdd / (f.n0 - 2) / f.sxx * ar1_widen(&ad));

		*drift_t = se > 0 ? gd / se : NAN;
	}
}

/* beta of u against the load: load_beta, clamped to [0,
 * load_max_elasticity × median u] (a leak that happens to grow with the
 * load, or late, at the daily peak, pulls it up; no allocator follows the
 * load by more than that).  NaN when load_beta cannot tell. */
static double fit_beta(const double *x, const double *u, const double *load, size_t n,
                       const detect_params *p, double *r2, double *lslope)
{
	double beta = load_beta(x, u, load, n, r2, lslope), m;

	if (!isfinite(beta))
		return NAN;
	if (beta < 0)
		beta = 0;
	if (detect_median(u, n, &m) == TSM_OK && beta > p->load_max_elasticity * m)
		beta = p->load_max_elasticity * m;
	return beta;
}

/* out = u − beta·(load − 1) where both are known, NaN elsewhere. */
static void load_free(const double *u, const double *load, double beta, size_t n, double *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = isfinite(load[i]) && load[i] > 0 && isfinite(u[i])
		                 ? u[i] - beta * (load[i] - 1.0) : NAN;
}

/* median(v[a..b)) over the finite values (detect_median skips the rest);
 * NaN when none.  TSM_OK or TSM_NOMEM. */
static tsm_status part_median(const double *v, size_t a, size_t b, double *out)
{
	return detect_median(v + a, b - a, out) == TSM_NOMEM ? TSM_NOMEM : TSM_OK;
}

/* Level gain of v: median of the last sixth of the dumps minus the
 * median of the first sixth (early: of the first 36th but at least 5
 * dumps (a median, not one noisy dump), to measure a fill from where it
 * started when most of it may be done within the first sixth); NaN when
 * either is unknown. */
static tsm_status level_gain(const double *v, size_t n, int early, double *gain, size_t *nhead)
{
	size_t six = n / 6, head = six;
	double a, b;
	tsm_status rc;

	if (early && n / 36 < six)
		head = n / 36 > 5 ? n / 36 : 5 < six ? 5 : six;
	*gain = NAN;
	if (nhead != NULL)
		*nhead = head;
	if (six == 0)
		return TSM_OK;
	if ((rc = part_median(v, 0, head, &a)) != TSM_OK || (rc = part_median(v, n - six, n, &b)) != TSM_OK)
		return rc;
	if (isfinite(a) && isfinite(b))
		*gain = b - a;
	return TSM_OK;
}

/* Load-free level gain of v (n values, NaN unknown) with its own beta
 * against the load; NaN when it cannot be fitted. */
static tsm_status free_gain(const detect_input *in, const detect_params *p, const double *x,
                            const double *v, double *gain)
{
	size_t n = in->n;
	double b, r2, lslope, *o;
	tsm_status rc;

	*gain = NAN;
	b = fit_beta(x, v, in->load, n, p, &r2, &lslope);
	if (!isfinite(b))
		return TSM_OK;
	o = malloc(n * sizeof *o);
	if (o == NULL)
		return TSM_NOMEM;
	load_free(v, in->load, b, n, o);
	rc = level_gain(o, n, 0, gain, NULL);
	free(o);
	return rc;
}

/* Is a levelled-off rise a fill?  The RAM cache keeps its objects in the
 * iobuf buckets of their sizes, one entry object each (RamCache*Entry),
 * so a cache filling lifts the entries' count, and usually several
 * buckets at once; a leak lifts the one bucket whose objects are never
 * freed, in bursts that can pause.  All series with the common load taken
 * out (this one with r->load_beta, the others with their own beta),
 * levels as medians of the first and the last sixth of the span.  When
 * this bucket's level gained at least the effect floor, the other iobuf
 * buckets gained less than fill_shared_share × that (bytes), and the RAM
 * cache did not fill meanwhile (ram_filling), the rise is this bucket's
 * alone and not a fill.  (iobuf buckets only: a pool of any other
 * allocator fills on its own.)  Else (a level that hardly moved, others
 * unknown, no usable fit) load_saturating stays as it is. */
static tsm_status fill_shared(const detect_input *in, const detect_params *p,
                              const detect_scratch *s, detect_result *r)
{
	size_t n = in->n;
	double *a;
	tsm_status rc;
	int alone;

	r->fill_self_gain = r->fill_others_gain = NAN;
	r->fill_alone = 0;
	if (in->bucket < 0 || in->others == NULL || !isfinite(r->load_beta) ||
	    !(p->fill_shared_share > 0))
		return TSM_OK;
	a = malloc(n * sizeof *a);
	if (a == NULL)
		return TSM_NOMEM;
	load_free(s->u, in->load, r->load_beta, n, a);
	rc = level_gain(a, n, 0, &r->fill_self_gain, NULL);
	free(a);
	if (rc != TSM_OK || (rc = free_gain(in, p, s->x, in->others, &r->fill_others_gain)) != TSM_OK)
		return rc;
	alone = r->fill_self_gain >= r->effect_floor && isfinite(r->fill_others_gain) &&
	        r->fill_others_gain < p->fill_shared_share * r->fill_self_gain && !r->ram_filling;
	if (alone) {
		r->load_saturating = 0;
		r->fill_alone = 1;
	}
	return TSM_OK;
}

/* Did the RAM cache fill during this lifetime?  Its entry objects
 * (RamCache*Entry, one per cached object) with the common load taken out
 * (own beta) gained, from the first 36th of the span (at least 5 dumps)
 * to the last sixth, at least fill_shared_share × their median count,
 * and significantly: by more than the normal quantile of 1 − alpha/2
 * times the standard error of the difference of the two medians (1.2533
 * σ √(1/a + 1/b), σ from the MAD, widened by ar1_widen's factor's root
 * for the lag-1 autocorrelation of the dumps).  A RAM cache fills from empty
 * after a restart, so its entries multiply, maybe within the first hour;
 * the per-thread caches make their count noisy.  Then a rise of an iobuf
 * bucket may be cached objects, the fill of a cache whose size the dumps
 * do not tell.  Sets r->fill_ram_gain (objects) and r->ram_filling; iobuf
 * buckets only. */
static tsm_status ram_filling(const detect_input *in, const detect_params *p,
                              const detect_scratch *s, detect_result *r)
{
	size_t n = in->n, head = 0, tail, i;
	double *o = NULL, b, r2, lslope, m, mad, mo, se;
	ar1_acc ac = {NAN, 0, 0, 0};
	tsm_status rc;

	r->fill_ram_gain = NAN;
	r->ram_filling = 0;
	if (in->bucket < 0 || in->ram_entries == NULL || !isfinite(r->load_beta) ||
	    !(p->fill_shared_share > 0) || n / 6 == 0)
		return TSM_OK;
	b = fit_beta(s->x, in->ram_entries, in->load, n, p, &r2, &lslope);
	if (!isfinite(b))
		return TSM_OK;
	o = malloc(n * sizeof *o);
	if (o == NULL)
		return TSM_NOMEM;
	load_free(in->ram_entries, in->load, b, n, o);
	if ((rc = level_gain(o, n, 1, &r->fill_ram_gain, &head)) != TSM_OK ||
	    (rc = detect_median(in->ram_entries, n, &m)) == TSM_NOMEM ||
	    (rc = detect_median(o, n, &mo)) == TSM_NOMEM || (rc = detect_mad(o, n, &mad)) == TSM_NOMEM)
		goto out;
	rc = TSM_OK;
	if (!isfinite(r->fill_ram_gain) || !isfinite(m) || !(m > 0) || !isfinite(mad) ||
	    !isfinite(mo))
		goto out;
	for (i = 0; i < n; i++)
		ar1_add(&ac, o[i] - mo);
	tail = n / 6;           /* the last sixth, as level_gain takes it */
	se = 1.2533 * DETECT_MAD_NORMAL * mad * sqrt(1.0 / (double)head + 1.0 / (double)tail) *
	     sqrt(ar1_widen(&ac));
	r->ram_filling = r->fill_ram_gain >= p->fill_shared_share * m &&
	                 r->fill_ram_gain > detect_norm_ppf(1.0 - p->alpha / 2.0) * se;
out:
	free(o);
	return rc;
}

/* The floor relative to the load (spans shorter than leak_load_cycles
 * cycles, load index given).  Within a load cycle the daily upswing lifts
 * the floor of every connection-driven allocator like a leak lifts one:
 * take out what the common load explains, in-use − beta·(load − 1) with
 * beta from load_beta (0 <= beta <= load_max_elasticity × median in-use; a
 * load-proportional allocator becomes flat, a leak keeps its rise), and
 * run the same floor trend on it: plain minima of windows of
 * load_window_samples dumps (the rolling minimum over the cycle's troughs
 * and hour-long windows are not needed once the load is out, and short
 * spans need every window they can get; Hamed–Rao takes care of the
 * autocorrelation of narrow windows).  When the load falls almost in step
 * with time (R² > load_max_collinearity), beta is 0.  load_rising: the load-free floor rises
 * (Mann–Kendall p < alpha upward, Sen's lower bound > 0).  Sets the
 * load_* fields; load_applied stays 0 when there is no usable load index
 * or too few windows, and the raw floor's rule applies. */
tsm_status detect_load_trend(const detect_input *in, const detect_params *p, detect_scratch *s,
                             detect_result *r)
{
	detect_result t;
	double *adj = NULL, *save = s->u, beta, r2, lslope;
	detect_params q;
	size_t i, n = in->n, known = 0;
	tsm_status rc;

	r->load_applied = 0;
	r->load_slope = r->load_slope_lo = r->load_beta = NAN;
	r->load_mk_z = 0;
	r->load_mk_p = 1;
	r->load_rise = 0;
	r->load_drift_t = r->load_drift_need = NAN;
	if (in->load == NULL || r->basis == DETECT_BASIS_SEQUENCE || !(p->leak_load_cycles > 0) ||
	    !(p->cycle_hours > 0) || !(r->span_hours < p->leak_load_cycles * p->cycle_hours))
		return TSM_OK;
	for (i = 0; i < n; i++)
		known += isfinite(in->load[i]) && in->load[i] > 0;
	if ((double)known < p->min_dumps)
		return TSM_OK;          /* no usable load index: the raw rule alone */
	beta = fit_beta(s->x, s->u, in->load, n, p, &r2, &lslope);
	if (!isfinite(beta))
		return TSM_OK;
	/* Over part of a cycle the load can move almost in step with time,
	 * and then least squares hardly tells beta from a drift.  Against a
	 * falling load a positive beta only adds to the load-free rise, so
	 * it is not trusted there: beta 0, the raw rise must carry it.  (On
	 * a rising load a beta too large only hides a leak.) */
	if (r2 > p->load_max_collinearity && lslope < 0)
		beta = 0;
	r->load_beta = beta;
	/* what the uncertainty of beta can put into the load-free rise: its
	 * standard error times the load's own linear change over the span
	 * (0 when beta was set, not fitted) */
	r->load_beta_unc = 0;
	{
		double se, m = in->family > 1 ? (double)in->family : 1.0;

		/* beta as used: when it was clamped or zeroed, not the fitted one */
		load_fit_se(s->x, s->u, in->load, n, beta, &se, &r->load_drift_t);
		if (beta > 0 && isfinite(se))
			r->load_beta_unc = detect_norm_ppf(1.0 - p->alpha / 2.0) * se *
			                   fabs(lslope * (s->x[n - 1] - s->x[0]));
		r->load_drift_need = detect_norm_ppf(1.0 - p->alpha / m);
	}
	adj = malloc(n * sizeof *adj);
	if (adj == NULL)
		return TSM_NOMEM;
	load_free(s->u, in->load, beta, n, adj);
	t = *r;
	t.trend_ok = 0;
	t.windows = 0;
	s->u = adj;
	detect_scratch_free_trend(s);
	/* the load is out: plain window minima, no rolling minimum over the
	 * cycle's troughs (which would hide a late rise for hours) */
	q = *p;
	q.floor_hours = 0;
	q.window_samples = p->load_window_samples;
	q.window_hours = 0;
	rc = detect_floor_trend(in, &q, s, &t);
	detect_scratch_free_trend(s);
	s->u = save;
	free(adj);
	if (rc != TSM_OK)
		return rc;
	r->load_trend_ok = t.trend_ok;
	if (!t.trend_ok)
		return TSM_OK;          /* too few windows: the raw rule alone */
	r->load_applied = 1;
	r->load_slope = t.slope;
	r->load_slope_lo = t.slope_lo;
	r->load_mk_z = t.mk_z;
	r->load_mk_p = t.mk_p;
	r->load_rise = t.floor_rise;
	r->load_windows = t.windows;
	r->load_since = t.since;
	r->load_floor_jump = t.floor_jump;
	/* Levelled off: decelerating, and the last third is flat or rises
	 * at a rate that would not lift the floor by the effect floor over
	 * the whole span (the halves' slopes alone are not enough here: what
	 * is left of the load cycle, or a leak that follows the load, can
	 * make one half slower than the other); or the floor's level gained
	 * from the middle to the end at most saturation_ratio × what it
	 * gained from the start to the middle (a fill done in the first
	 * hours, which the halves' robust slopes hardly see). */
	r->load_saturating =
	        (t.saturating &&
	         (t.last_flat || (isfinite(t.third_rise) && t.third_rise < r->effect_floor))) ||
	        (t.gain_first > 0 && t.gain_last <= p->saturation_ratio * t.gain_first);
	r->load_rising = t.mk_z > 0 && t.mk_p < p->alpha && t.slope_lo > 0;
	rc = ram_filling(in, p, s, r);
	if (rc == TSM_OK && r->load_saturating)
		rc = fill_shared(in, p, s, r);
	return rc;
}

/* One part [a, b) of the series: its load-free floor slope (load_trend
 * on the sub-series, beta fitted within the part).  *ok = 0 when the part
 * has too few dumps or windows. */
static tsm_status seg_part(const detect_input *in, const detect_params *p, const detect_scratch *s,
                           const detect_result *r, size_t a, size_t b, int *ok, double *slope)
{
	detect_input sub = *in;
	detect_result t;
	detect_scratch ss;
	tsm_status rc;

	*ok = 0;
	*slope = NAN;
	if (b <= a + 2)
		return TSM_OK;
	sub.n = b - a;
	sub.t = in->t != NULL ? in->t + a : NULL;
	sub.seq = in->seq != NULL ? in->seq + a : NULL;
	sub.allocated = in->allocated + a;
	sub.in_use = in->in_use + a;
	sub.load = in->load + a;
	sub.others = NULL;      /* only the part's slope is wanted */
	sub.ram_entries = NULL;
	memset(&ss, 0, sizeof ss);
	ss.x = s->x + a;
	ss.u = s->u + a;
	memset(&t, 0, sizeof t);
	t.basis = r->basis;
	t.effect_floor = r->effect_floor;
	t.span_hours = (ss.x[sub.n - 1] - ss.x[0]) / 3600.0;
	if (!(t.span_hours > 0))
		return TSM_OK;
	rc = detect_load_trend(&sub, p, &ss, &t);
	detect_scratch_free_trend(&ss);
	if (rc != TSM_OK)
		return rc;
	if (t.load_applied && isfinite(t.load_slope)) {
		*ok = 1;
		*slope = t.load_slope;
	}
	return TSM_OK;
}

/* Did the level shift at cp move bytes between buffer sizes, or add
 * them?  Both series with the common load taken out (this allocator with
 * r->load_beta, the other iobuf buckets with their own beta), the shift
 * is the median after cp minus the median before.  Load moved from one
 * size to another leaves the bytes in flight about the same, so the other
 * buckets lose about what this one gains; live objects that are never
 * freed add bytes that nobody lost.  Sets r->seg_moved / r->seg_added
 * (both 0 when the other buckets are unknown). */
static tsm_status seg_bytes(const detect_input *in, const detect_params *p,
                            const detect_scratch *s, size_t cp, detect_result *r)
{
	size_t n = in->n;
	double *a = NULL, *o = NULL, bo, r2, lslope, sa, sb, oa, ob;
	tsm_status rc = TSM_OK;

	r->seg_moved = r->seg_added = 0;
	r->seg_self_shift = r->seg_others_shift = NAN;
	if (in->others == NULL || in->load == NULL || !isfinite(r->load_beta) ||
	    !(p->leak_move_share > 0))
		return TSM_OK;
	bo = fit_beta(s->x, in->others, in->load, n, p, &r2, &lslope);
	if (!isfinite(bo))
		return TSM_OK;
	a = malloc(n * sizeof *a);
	o = malloc(n * sizeof *o);
	if (a == NULL || o == NULL) {
		rc = TSM_NOMEM;
		goto out;
	}
	load_free(s->u, in->load, r->load_beta, n, a);
	load_free(in->others, in->load, bo, n, o);
	if ((rc = part_median(a, 0, cp, &sa)) != TSM_OK ||
	    (rc = part_median(a, cp, n, &sb)) != TSM_OK ||
	    (rc = part_median(o, 0, cp, &oa)) != TSM_OK ||
	    (rc = part_median(o, cp, n, &ob)) != TSM_OK)
		goto out;
	if (!isfinite(sa) || !isfinite(sb) || !isfinite(oa) || !isfinite(ob) || !(sb > sa))
		goto out;
	r->seg_self_shift = sb - sa;
	r->seg_others_shift = ob - oa;
	r->seg_moved = r->seg_others_shift <= -p->leak_move_share * r->seg_self_shift;
	r->seg_added = !r->seg_moved;
out:
	free(a);
	free(o);
	return rc;
}

/* The transition around the level shift at cp: load moved in over an
 * hour or so is a ramp, which binary segmentation splits in its middle,
 * and the half-ramp left in a part would read as a rise within it.  On
 * the load-free series (r->load_beta), with ma / mb the medians before /
 * after cp: the part before ends at the last dump before cp at most
 * seg_transition_share of the way from ma to mb, the part after starts
 * at the first dump from cp on at least that share short of mb.  (A
 * steady rise keeps its slope in both trimmed parts.)  No trimming when
 * the shift is not upward or the load is unknown. */
static tsm_status seg_transition(const detect_input *in, const detect_params *p,
                                 const detect_scratch *s, const detect_result *r, size_t cp,
                                 size_t *a_end, size_t *b_start)
{
	size_t n = in->n, i;
	double *a, ma, mb, d;
	tsm_status rc = TSM_OK;

	*a_end = *b_start = cp;
	if (!(p->seg_transition_share > 0) || in->load == NULL || !isfinite(r->load_beta))
		return TSM_OK;
	a = malloc(n * sizeof *a);
	if (a == NULL)
		return TSM_NOMEM;
	load_free(s->u, in->load, r->load_beta, n, a);
	if ((rc = part_median(a, 0, cp, &ma)) != TSM_OK || (rc = part_median(a, cp, n, &mb)) != TSM_OK)
		goto out;
	if (!isfinite(ma) || !isfinite(mb) || !(mb > ma))
		goto out;
	d = p->seg_transition_share * (mb - ma);
	for (i = cp; i > 0 && !(a[i - 1] <= ma + d); i--)
		;
	*a_end = i;
	for (i = cp; i < n && !(a[i] >= mb - d); i++)
		;
	*b_start = i;
out:
	free(a);
	return rc;
}

#define SHIFT_K 5

/* shift_fit's columns for dump i, the shift at b, x centred on mx */
static void shift_row(const double *x, const double *load, size_t i, size_t b, double mx,
                      double v[SHIFT_K])
{
	v[0] = 1;
	v[1] = load[i] - 1;
	v[3] = i >= b;
	v[2] = v[1] * v[3];
	v[4] = x[i] - mx;
}

/* Least squares of y on the columns 1, load − 1, (load − 1)·after,
 * after, x − mean x (after = 1 from dump b on), over the dumps with a
 * known load outside the transition [a, b): a level shift at b with its
 * own bytes per load after it, and a linear drift.  c[5] the
 * coefficients, se[5] their errors (s² over n − 5, widened for the lag-1
 * autocorrelation of the residuals, ar1_widen).  Returns 0 when there are
 * too few dumps or the columns are singular. */
static int shift_fit(const double *x, const double *y, const double *load, size_t n, size_t a,
                     size_t b, double c[SHIFT_K], double se[SHIFT_K])
{
	double m[SHIFT_K][2 * SHIFT_K], v[SHIFT_K], xy[SHIFT_K], sc[SHIFT_K], mx = 0, sse = 0, w;
	ar1_acc ac = {NAN, 0, 0, 0};
	size_t i, j, k, r, used = 0, after = 0;

	for (i = 0; i < n; i++)
		if ((i < a || i >= b) && load_known(y, load, i)) {
			mx += x[i];
			used++;
			after += i >= b;
		}
	if (used < 2 * SHIFT_K || after < 3 || used - after < 3)
		return 0;
	mx /= (double)used;
	memset(m, 0, sizeof m);
	memset(xy, 0, sizeof xy);
	for (i = 0; i < n; i++) {
		if (!((i < a || i >= b) && load_known(y, load, i)))
			continue;
		shift_row(x, load, i, b, mx, v);
		for (j = 0; j < SHIFT_K; j++) {
			for (k = 0; k < SHIFT_K; k++)
				m[j][k] += v[j] * v[k];
			xy[j] += v[j] * y[i];
		}
	}
	/* Invert by Gauss–Jordan with partial pivoting, on the matrix scaled
	 * to a unit diagonal (the columns' scales differ by ten orders of
	 * magnitude: seconds against load − 1), so that a pivot below 1e-10
	 * means columns that are nearly dependent (a load in step with time,
	 * a constant load): no fit. */
	for (j = 0; j < SHIFT_K; j++) {
		if (!(m[j][j] > 0) || !isfinite(m[j][j]))
			return 0;
		sc[j] = 1.0 / sqrt(m[j][j]);
	}
	for (j = 0; j < SHIFT_K; j++)
		for (k = 0; k < SHIFT_K; k++) {
			m[j][k] *= sc[j] * sc[k];
			m[j][SHIFT_K + k] = j == k;
		}
	for (j = 0; j < SHIFT_K; j++) {
		size_t piv = j;
		double d;

		for (r = j + 1; r < SHIFT_K; r++)
			if (fabs(m[r][j]) > fabs(m[piv][j]))
				piv = r;
		if (!(fabs(m[piv][j]) > 1e-10))
			return 0;
		for (k = 0; piv != j && k < 2 * SHIFT_K; k++) {
			d = m[j][k];
			m[j][k] = m[piv][k];
			m[piv][k] = d;
		}
		d = m[j][j];
		for (k = 0; k < 2 * SHIFT_K; k++)
			m[j][k] /= d;
		for (r = 0; r < SHIFT_K; r++) {
			if (r == j || m[r][j] == 0)
				continue;
			d = m[r][j];
			for (k = 0; k < 2 * SHIFT_K; k++)
				m[r][k] -= d * m[j][k];
		}
	}
	/* the inverse of the unscaled matrix: scaled inverse × sc_j sc_k */
	for (j = 0; j < SHIFT_K; j++)
		for (k = 0; k < SHIFT_K; k++)
			m[j][SHIFT_K + k] *= sc[j] * sc[k];
	for (j = 0; j < SHIFT_K; j++) {
		c[j] = 0;
		for (k = 0; k < SHIFT_K; k++)
			c[j] += m[j][SHIFT_K + k] * xy[k];
	}
	for (i = 0; i < n; i++) {
		double e = NAN;

		if (i >= a && i < b)
			continue;       /* the transition is left out, not a break */
		if (load_known(y, load, i)) {
			shift_row(x, load, i, b, mx, v);
			e = y[i];
			for (j = 0; j < SHIFT_K; j++)
				e -= c[j] * v[j];
			sse += e * e;
		}
		ar1_add(&ac, e);
	}
	w = ar1_widen(&ac);
	for (j = 0; j < SHIFT_K; j++) {
		if (!(m[j][SHIFT_K + j] > 0) || !isfinite(c[j]))
			return 0;
		se[j] = sqrt(sse / (double)(used - SHIFT_K) * m[j][SHIFT_K + j] * w);
		if (!isfinite(se[j]))
			return 0;
	}
	return 1;
}

/* Did the level shift move bytes in from the other buffer sizes?  Load
 * that moves from one iobuf size to another (a new object-size mix) lifts
 * this bucket and drops the others at the same moment by about the same
 * bytes, while live objects that are never freed add bytes that nobody
 * lost.  shift_fit on this bucket and on the other iobuf buckets, with the
 * shift after the transition (seg_transition) and a drift of its own in
 * each fit (a drift from the load index's misfit, which the others' large
 * total shows, stays out of the step): moved when this bucket stepped up,
 * the others stepped down by at least leak_move_share of that, and their
 * step is significant (t <= −z(1 − alpha)) (r->step_moved).
 * r->move_drift_t is this bucket's drift t in the same fit, what is left
 * of a rise once the move is out; r->moved_in when it is also below the
 * drift test's t needed.  iobuf buckets only; off with leak_move_test or
 * leak_move_share 0. */
static void shift_moved(const detect_input *in, const detect_params *p, const detect_scratch *s,
                        size_t a, size_t b, detect_result *r)
{
	double cs[SHIFT_K], ss[SHIFT_K], co[SHIFT_K], so[SHIFT_K];

	if (in->others == NULL || in->load == NULL || in->bucket < 0 || !(p->leak_move_test > 0) ||
	    !(p->leak_move_share > 0))
		return;
	if (!shift_fit(s->x, s->u, in->load, in->n, a, b, cs, ss) ||
	    !shift_fit(s->x, in->others, in->load, in->n, a, b, co, so))
		return;
	r->move_self_step = cs[3];
	r->move_others_step = co[3];
	r->move_others_step_t = so[3] > 0 ? co[3] / so[3] : NAN;
	r->move_drift_t = ss[4] > 0 ? cs[4] / ss[4] : NAN;
	r->step_moved = cs[3] > 0 && co[3] <= -p->leak_move_share * cs[3] &&
	                r->move_others_step_t <= -detect_norm_ppf(1.0 - p->alpha);
	/* no drift left: below the t the drift test needs (z(1 − alpha/m),
	 * computed also when leak_drift_family is off); a t that cannot be
	 * computed is no evidence of a move */
	r->moved_in = r->step_moved && isfinite(r->move_drift_t) &&
	              isfinite(r->load_drift_need) && r->move_drift_t < r->load_drift_need;
}

/* Split at the largest level shift of in-use (the first split of binary
 * segmentation) and ask whether the load-free floor also rises within a
 * part.  Load moved into an allocator once lifts its floor in one move and
 * then follows the load; a leak keeps rising on at least one side.
 * seg_rising stays 1 when no part can be tested. */
tsm_status detect_seg_trend(const detect_input *in, const detect_params *p, detect_scratch *s,
                            detect_result *r)
{
	detect_cp_opts o;
	size_t cp = 0, ncp = 0, a_end, b_start;
	int ok_a, ok_b;
	double sl_a, sl_b, best = -INFINITY, span = s->x[in->n - 1] - s->x[0];
	tsm_status rc;

	r->seg_ok = 0;
	r->seg_x = NAN;
	r->seg_rise = NAN;
	r->seg_rising = 1;
	r->seg_moved = r->seg_added = 0;
	r->seg_self_shift = r->seg_others_shift = NAN;
	r->step_moved = r->moved_in = 0;
	r->move_self_step = r->move_others_step = r->move_others_step_t = NAN;
	r->move_drift_t = NAN;
	if (!r->load_applied || !(p->leak_segment_share > 0))
		return TSM_OK;
	detect_cp_opts_default(&o);
	o.max_cp = 1;
	o.min_seg = 2;
	rc = detect_change_points(s->u, in->n, &o, &cp, 1, &ncp);
	if (rc == TSM_NOMEM)
		return rc;
	if (rc != TSM_OK || ncp == 0 || cp == 0 || cp >= in->n)
		return TSM_OK;
	r->seg_x = s->x[cp];
	rc = seg_bytes(in, p, s, cp, r);
	if (rc != TSM_OK)
		return rc;
	rc = seg_transition(in, p, s, r, cp, &a_end, &b_start);
	if (rc != TSM_OK)
		return rc;
	shift_moved(in, p, s, a_end, b_start, r);
	rc = seg_part(in, p, s, r, 0, a_end, &ok_a, &sl_a);
	if (rc != TSM_OK)
		return rc;
	rc = seg_part(in, p, s, r, b_start, in->n, &ok_b, &sl_b);
	if (rc != TSM_OK)
		return rc;
	if (ok_a)
		best = sl_a;
	if (ok_b && sl_b > best)
		best = sl_b;
	if (!ok_a && !ok_b)
		return TSM_OK;
	r->seg_ok = 1;
	r->seg_rise = best * span;
	r->seg_rising = r->seg_rise >= p->leak_segment_share * r->load_rise;
	/* a shift that added bytes nobody lost is not load moving in */
	if (r->seg_added)
		r->seg_rising = 1;
	return TSM_OK;
}

