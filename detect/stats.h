/* stats.h — robust trend statistics on (t, y) series for the detector:
 * Mann–Kendall with ties and the Hamed–Rao autocorrelation correction,
 * Theil–Sen slope with Sen's confidence interval, rolling and windowed
 * minimum/maximum envelopes, level-shift change points, a saturation test,
 * and small helpers (quantile, median, MAD, gcd).
 *
 * Pure functions on caller-owned arrays: no I/O, no printing, no globals,
 * deterministic (the large-n slope selection uses a fixed-seed generator
 * that only affects speed, never the result).  db/sqlfunc.c exposes the
 * trend functions to SQL; detect/classify.c builds verdicts on top.
 *
 * Conventions for every function below:
 * - `t` is the time axis (any unit; Unix seconds in tsmem, so slopes are
 *   per second).  t == NULL means t[i] = i.  `y` is the value series.
 * - Points where t or y is NaN or infinite are skipped; `n` in a result is
 *   the number of points actually used.
 * - Return TSM_OK on success; TSM_ERR when fewer than 3 usable points (or
 *   fewer than the function says) or bad arguments — OUT structs are then
 *   filled with neutral values (statistics 0, p = 1, slopes NaN);
 *   TSM_NOMEM when scratch allocation failed (OUT contents unspecified).
 * - Nothing allocated here survives the call unless stated; caller frees
 *   nothing.
 */
#ifndef DETECT_STATS_H
#define DETECT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tsm.h"

/* Normal-consistency factor for the MAD: sigma ≈ DETECT_MAD_NORMAL * MAD. */
#define DETECT_MAD_NORMAL 1.482602218505602

/* Above this many usable points the Theil–Sen selection switches from
 * materialising all pairwise slopes to the O(n log n)-expected randomised
 * selection (same answer; see theilsen.c). */
#define DETECT_TS_EXACT_MAX 2000

/* ---- helpers ------------------------------------------------------------ */

/* Quantile q in [0,1] of the finite values of x[0..n) (NaN/inf skipped),
 * linear interpolation between order statistics (Hyndman–Fan type 7, R's
 * default).  Returns TSM_OK and sets *out; TSM_ERR if no finite value or q
 * outside [0,1] (*out = NaN); TSM_NOMEM. */
tsm_status detect_quantile(const double *x, size_t n, double q, double *out);

/* Median of the finite values (= detect_quantile(x, n, 0.5, out)). */
tsm_status detect_median(const double *x, size_t n, double *out);

/* Median absolute deviation from the median, unscaled (multiply by
 * DETECT_MAD_NORMAL for a normal sigma).  Same returns as detect_median. */
tsm_status detect_mad(const double *x, size_t n, double *out);

/* Greatest common divisor of the non-zero values of a[0..n); returns 0 if
 * there are none.  Never fails. */
uint64_t detect_gcd_u64(const uint64_t *a, size_t n);

/* Standard normal upper tail P(Z > z) (accurate into the far tail). */
double detect_norm_sf(double z);

/* Standard normal quantile: z with P(Z <= z) = p, p in (0,1); NaN outside. */
double detect_norm_ppf(double p);

/* ---- Mann–Kendall / Theil–Sen ------------------------------------------- */

enum detect_ts_method {
	DETECT_TS_AUTO = 0,  /* exact up to DETECT_TS_EXACT_MAX points, else fast */
	DETECT_TS_EXACT = 1, /* materialise all pairwise slopes, O(n^2) memory */
	DETECT_TS_FAST = 2   /* randomised selection, O(n log n) expected */
};

/* max_lag value selecting every lag 1..n−1, as published and as in
 * pymannkendall's hamed_rao_modification_test. */
#define DETECT_HR_ALL_LAGS SIZE_MAX

typedef struct detect_trend_opts {
	double alpha;      /* two-sided level for Sen's CI and for the Hamed–Rao
	                    * autocorrelation significance bound; default 0.05 */
	int hamed_rao;     /* 1 (default): correct Var(S) for autocorrelation */
	size_t max_lag;    /* Hamed–Rao lags examined: 0 (default) = auto,
	                    * min(n−1, ceil(10·log10 n)) (R's acf lag.max);
	                    * DETECT_HR_ALL_LAGS = all; else min(max_lag, n−1).
	                    * Why not all by default: ~5 % of the n−1 sample
	                    * autocorrelations cross the bound by chance and
	                    * their weighted sum does not shrink with n (n/n*
	                    * spreads ±0.3 on white noise, false-trend rate
	                    * 8–35 % at α 5 % in simulation; auto: 4–6 %). */
	int hr_deflate;    /* 0 (default): n/n* = max(1, ·), so autocorrelation
	                    * never makes the test more confident; 1: allow
	                    * n/n* < 1 as published */
	int ts_method;     /* enum detect_ts_method; default DETECT_TS_AUTO */
	double extreme_span; /* 0 (default); else each y is the minimum (or
	                    * maximum) of underlying data over extreme_span
	                    * point spacings, so that points h apart overlap:
	                    * with hamed_rao on, n/n* is then at least that
	                    * structure's factor (see detect_overlap_ns) */
} detect_trend_opts;

/* n/n* (Hamed–Rao weights) of n extremes over stretches g point spacings
 * long: points h < g apart share (g − h)/(g + h) of their stretches'
 * union, which for independent continuous data underneath is the chance
 * that both are the same value; that chance is used as their rank
 * correlation.  1 when g <= 1 or n < 3. */
double detect_overlap_ns(size_t n, double g);

/* Fill *o with the defaults above. */
void detect_trend_opts_default(detect_trend_opts *o);

/* Mann–Kendall result.  S counts pairs with distinct t only: S = Σ_{t_i<t_j}
 * sign(y_j − y_i).  var_s is Kendall's variance with ties in y (Σ u(u−1)(2u+5))
 * and, when t has ties, in t as well (the full tau-b form; it reduces to
 * the textbook MK formula when all t are distinct). */
typedef struct detect_mk {
	size_t n;          /* points used */
	int64_t s;         /* Mann–Kendall S */
	double tau;        /* S / (n(n−1)/2) */
	double var_s;      /* tie-corrected variance of S (no autocorrelation) */
	double n_ns;       /* Hamed–Rao inflation n/n* (1 when not applied) */
	double var_s_hr;   /* var_s * n_ns: the variance z and p use */
	size_t lags_used;  /* lags examined by Hamed–Rao */
	size_t lags_sig;   /* of which significant, i.e. included in n/n* */
	double z_raw, p_raw; /* from var_s, continuity-corrected, two-sided */
	double z, p;       /* from var_s_hr (== raw when hamed_rao is 0) */
} detect_mk;

/* Theil–Sen result.  slope = median of (y_j − y_i)/(t_j − t_i) over pairs
 * with t_i != t_j; intercept = median(y − slope·t); lo/hi = Sen (1968)
 * confidence bounds: with C = z_{1−α/2}·sqrt(Var(S)) and N pairs, lo is the
 * slope of rank round((N − C)/2), hi of rank round((N + C)/2) + 1 (1-based,
 * clamped to [1, N]), using the Hamed–Rao-corrected Var(S) when enabled. */
typedef struct detect_ts {
	size_t n;          /* points used */
	uint64_t npairs;   /* N: pairs with distinct t */
	double slope, intercept, lo, hi;
	double frac_pos;   /* fraction of pairwise slopes > 0 */
	double frac_neg;   /* fraction of pairwise slopes < 0 */
	int exact;         /* 1 if all slopes were materialised */
} detect_ts;

typedef struct detect_trend {
	detect_mk mk;
	detect_ts ts;
} detect_trend;

/* Mann–Kendall + Hamed–Rao + Theil–Sen + Sen CI in one pass (the slope is
 * needed to detrend for Hamed–Rao, and the variance for the CI).
 * o == NULL means defaults.  Returns TSM_OK, TSM_ERR (< 3 usable points
 * or all usable t equal; *out neutral: s 0, z 0, p 1, slopes NaN),
 * TSM_NOMEM.  O(n log n) expected time (Hamed–Rao: O(n·lags) direct or
 * O(n log n) by FFT, see stats.c), O(n) memory above DETECT_TS_EXACT_MAX
 * points, O(n^2) at or below it. */
tsm_status detect_trend_test(const double *t, const double *y, size_t n,
                             const detect_trend_opts *o, detect_trend *out);

/* Mann–Kendall only (Hamed–Rao if hamed_rao != 0; other options at their
 * defaults).  Returns as detect_trend_test. */
tsm_status detect_mann_kendall(const double *t, const double *y, size_t n,
                               int hamed_rao, detect_mk *out);

/* Theil–Sen slope only (no CI, no MK): *slope set, NaN on TSM_ERR. */
tsm_status detect_theil_sen(const double *t, const double *y, size_t n,
                            double *slope);

/* ---- envelopes ------------------------------------------------------------ */

/* Trailing rolling minimum and maximum over time windows: for each i,
 * lo[i] / hi[i] = min / max of y[j] over j <= i with t[j] > t[i] − width
 * (always includes i itself; later points at the same time are not yet in).  t must be non-decreasing (t == NULL: index).
 * Non-finite y[j] are left out of every window; lo[i] = hi[i] = NaN if the
 * window holds no finite value.  Either of lo / hi may be NULL.  O(n)
 * (monotonic deques).  Returns TSM_OK; TSM_ERR if t decreases, is not
 * finite, or width <= 0; TSM_NOMEM. */
tsm_status detect_rolling_minmax(const double *t, const double *y, size_t n,
                                 double width, double *lo, double *hi);

/* One fixed window of the series. */
typedef struct detect_window {
	double t_start;    /* window [t_start, t_start + width) */
	double t_mid;      /* t_start + width/2 */
	double min, max;   /* over the finite y in the window */
	double t_min;      /* time of the (first) minimum */
	size_t first, last;/* index range [first, last] of the points in it */
	size_t count;      /* finite points in it */
} detect_window;

/* Window minima / maxima: cut the time axis into windows [k·width,
 * (k+1)·width) aligned to multiples of width (hourly windows start on the
 * hour for Unix seconds) and summarise each non-empty one.  t must be
 * non-decreasing and finite.  Writes at most `cap` windows to out (n is
 * always enough) and sets *nout.  Returns TSM_OK; TSM_ERR on bad t or
 * width <= 0 or cap too small (*nout = windows written so far). */
tsm_status detect_window_minmax(const double *t, const double *y, size_t n,
                                double width, detect_window *out, size_t cap,
                                size_t *nout);

/* ---- change points ---------------------------------------------------------- */

typedef struct detect_cp_opts {
	double penalty;    /* minimum reduction in residual sum of squares to
	                    * accept a split; <= 0 (default): BIC-style
	                    * 2·σ²·ln(n), σ estimated by MAD of first
	                    * differences / √2 (robust to the shifts themselves) */
	size_t min_seg;    /* shortest segment, default 2 (0 = default) */
	size_t max_cp;     /* most change points returned, default 0 = no cap */
} detect_cp_opts;

void detect_cp_opts_default(detect_cp_opts *o);

/* Shifts in mean level of y[0..n) (index order; non-finite y not allowed).
 * Binary segmentation on the normal-mean cost: each split picks the index
 * maximising the CUSUM gain (k−a)(b−k)/(b−a)·(mean_left − mean_right)², in
 * O(segment length) with prefix sums, accepted if gain > penalty.
 * Writes the change indices (first index of each new segment, ascending)
 * to idx[0..cap) and sets *ncp (the count found, capped at cap).
 * Returns TSM_OK; TSM_ERR on non-finite y; TSM_NOMEM. */
tsm_status detect_change_points(const double *y, size_t n,
                                const detect_cp_opts *o, size_t *idx,
                                size_t cap, size_t *ncp);

/* ---- saturation -------------------------------------------------------------- */

typedef struct detect_saturation {
	int saturating;    /* growing, first-half slope > 0 and last-half
	                    * slope <= ratio · first-half slope */
	int growing;       /* overall growth is significant: the whole
	                    * series' Sen CI (α 0.05, Hamed–Rao) is above 0 */
	int last_flat;     /* the last third's Sen CI (α 0.05) contains 0 */
	double slope_all, all_lo, all_hi;          /* Theil–Sen and Sen CI */
	double slope_first, slope_last; /* Theil–Sen, per unit t; halves
	                    * split at the mid time */
	double slope_third, third_lo, third_hi;    /* last third and its CI */
} detect_saturation;

/* Does growth decelerate toward a level?  Typically run on a floor series
 * (window minima).  ratio <= 0 means default 0.25.  Needs >= 6 usable
 * points and >= 3 in each time half.  Returns TSM_OK, TSM_ERR (too few
 * points; *out has flags 0, slopes NaN), TSM_NOMEM.  The last-third fields
 * stay NaN (last_flat 0) when that third has < 3 points. */
tsm_status detect_saturation_test(const double *t, const double *y, size_t n,
                                  double ratio, detect_saturation *out);

#endif
