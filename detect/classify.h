/* classify.h — the verdict classifier: one (lifetime, allocator) series in,
 * one DESIGN §5 verdict out (leak, churn, plateau, warming, idle,
 * insufficient_data, malloc_mode) with a confidence, a one-sentence
 * explanation and the evidence numbers (model, floor trend, churn test).
 *
 * It runs the allocator model (model/model.h, model_backward) and the trend
 * statistics (detect/stats.h) on caller-owned arrays; it never touches the
 * database, never prints, never exits.  report/build.c feeds it series that
 * db/ loaded.  Every threshold is a named parameter (detect_params) with a
 * default; the table below is the single source for names, defaults, ranges
 * and help text (used by `--param`, the JSON `params` and `--help`).
 *
 * Ownership: all inputs are borrowed for the duration of the call; results
 * are plain values in the caller's struct (no heap memory survives).
 */
#ifndef DETECT_CLASSIFY_H
#define DETECT_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tsm.h"
#include "../model/model.h"

/* ---- verdicts ------------------------------------------------------------ */

typedef enum detect_verdict {
	DETECT_V_PLATEAU = 0,
	DETECT_V_LEAK,
	DETECT_V_CHURN,
	DETECT_V_WARMING,
	DETECT_V_IDLE,
	DETECT_V_INSUFFICIENT,
	DETECT_V_MALLOC,
	DETECT_V_COUNT
} detect_verdict;

/* The exact DESIGN §5 string: "plateau", "leak", "churn", "warming", "idle",
 * "insufficient_data", "malloc_mode".  Never NULL ("?" when out of range). */
const char *detect_verdict_name(detect_verdict v);

/* Parse one of those strings.  Returns 0 and sets *out, or -1. */
int detect_verdict_parse(const char *s, detect_verdict *out);

/* ---- parameters ------------------------------------------------------------ */

typedef struct detect_params {
	double min_dumps;          /* fewer dumps => insufficient_data (12) */
	double min_span_hours;     /* shorter span => insufficient_data (6) */
	double alpha;              /* Mann–Kendall / Sen CI level (0.01) */
	double window_samples;     /* floor window >= this many dumps (6) */
	double window_hours;       /* floor window >= this long (1) */
	double min_windows;        /* trend needs >= this many windows (4) */
	double max_windows;        /* windows are widened to stay <= this (1000) */
	double floor_hours;        /* trailing rolling-min width under the window
	                            * minima, capped at span/min_windows; 0 = plain
	                            * window minima (24: ignores diurnal troughs) */
	double floor_overlap;      /* 1: the trend test counts the overlap of window
	                            * minima of the rolling minimum (n/n* floor); 0: off */
	double leak_effect_chunks; /* floor rise must exceed this many chunks (2) */
	double leak_effect_frac;   /* ... and this fraction of allocated (0.05) */
	double leak_slack_frac;    /* ... and this share of the thread-cache slack
	                            * (threads × high watermark items) (1) */
	double leak_follow_frac;   /* allocated growth >= this × floor rise,
	                            * less one chunk ("allocated follows") (0.5) */
	double leak_step_share;    /* the largest persistent step of the floor
	                            * (floor_jump) is at most this share of the
	                            * trend's rise: a steady rise or a sequence
	                            * of steps, not one level shift (0.5) */
	double cycle_hours;        /* period of the load cycle (24): churn's low
	                            * period must cover one; its past level is
	                            * the median of the per-cycle maxima */
	double leak_load_cycles;   /* spans shorter than this many load cycles
	                            * (time basis, load index given): the leak
	                            * rule runs on the floor with the lifetime's
	                            * common load taken out; 0 = never (2) */
	double leak_drift_family;  /* 1: on short spans the joint fit's drift
	                            * must also be significant at alpha over
	                            * the lifetime's allocators (Bonferroni);
	                            * 0 = off (1) */
	double leak_segment_share; /* ... and, split at the largest level shift
	                            * of in-use, the load-free floor rises
	                            * within a part (pre or post) by at least
	                            * this share of its whole-span rise: not
	                            * one move of load into the allocator
	                            * (0.25; 0 = off) */
	double fill_shared_share;  /* iobuf: levelled off counts as a fill only
	                            * when the other iobuf buckets gained at
	                            * least this share of this one's gain */
	double seg_transition_share; /* the parts around a level shift leave
	                            * out its transition: dumps more than
	                            * this share of the shift away from their
	                            * own side's level */
	double leak_move_test;     /* 1: on short spans no leak when the other
	                            * iobuf buckets lost the level shift's
	                            * bytes and no drift is left (step_moved;
	                            * 0 = off) */
	double leak_move_share;    /* a level shift is load moved between sizes
	                            * when the other iobuf buckets lose at least
	                            * this share of what it gains (0.5; 0 = off) */
	double load_window_samples;/* load-free floor: windows of at least this
	                            * many dumps, no hour minimum (2) */
	double load_max_collinearity; /* a load falling in step with time (R² of
	                            * load on time above this) gets beta 0 (0.9) */
	double load_max_elasticity;/* the load-relative floor takes out at most
	                            * this × median in-use per unit of load (1) */
	double load_min_allocators;/* the load index of a dump needs at least
	                            * this many active allocators (5) */
	double saturation_ratio;   /* late/early floor slope <= this = saturating (0.5) */
	double churn_ratio;        /* held peak / recent in-use (1.5) */
	double churn_ratio_strong; /* allocated / in-use, enough on few dumps (10) */
	double churn_min_bytes;    /* stranded floor in bytes (10 MiB) */
	double churn_min_chunks;   /* stranded floor in chunks (2) */
	double churn_recent_hours; /* "recent" window of the churn test, capped at
	                            * half the span (24) */
	double churn_recent_frac;  /* recent share of dumps without times (0.25) */
	double churn_slack_frac;   /* stranded must exceed the floor plus this
	                            * share of the thread-cache slack; the slack
	                            * is added to in-use in the ratios (1) */
} detect_params;

/* Fill *p with the defaults above. */
void detect_params_default(detect_params *p);

/* The parameter table, in a fixed order: count, and for i < count the name
 * (as in JSON `params` and `--param NAME=V`), a one-line help, the default
 * and the current value in *p.  Out-of-range i gives NULL / NaN. */
size_t detect_param_count(void);
const char *detect_param_name(size_t i);
const char *detect_param_help(size_t i);
double detect_param_default(size_t i);
double detect_param_value(const detect_params *p, size_t i);

/* Apply "NAME=VALUE" (VALUE a finite number within the parameter's range;
 * byte parameters also take K/M/G suffixes, binary: 10M = 10 MiB).  Returns
 * TSM_OK, or TSM_ERR with err (TSM_ERRLEN, may be NULL) saying what is
 * wrong; *p is unchanged on failure. */
tsm_status detect_param_set(detect_params *p, const char *assignment, char *err);

/* ---- one series ------------------------------------------------------------ */

/* Time axis the verdict used. */
typedef enum detect_basis {
	DETECT_BASIS_TIME = 0,     /* Unix seconds */
	DETECT_BASIS_RELATIVE,     /* seconds from an unknown origin */
	DETECT_BASIS_SEQUENCE      /* dump numbers: times unknown */
} detect_basis;

/* "time", "relative", "sequence". */
const char *detect_basis_name(detect_basis b);

typedef struct detect_input {
	const char *name;          /* allocator name (for the explanation) */
	int bucket;                /* 0..14 for iobuf rows, else -1 */
	uint32_t type_size;        /* bytes per item, > 0 */
	uint32_t chunk_items;      /* C, > 0 (model_chunk_pick) */
	model_chunk_source chunk_source;
	uint64_t slack_items;      /* thread-cache slack (only echoed) */
	int malloc_mode;           /* lifetime runs with the freelist disabled */
	int reclaimable;           /* lifetime is a reclaimable-freelist build */
	int relative_time;         /* t is relative (ts_quality "relative") */
	size_t n;
	const double *t;           /* n times (Unix s), NaN = unknown; NULL = none */
	const int64_t *seq;        /* n dump numbers; NULL = 0..n-1 */
	const int64_t *allocated;  /* n values, bytes */
	const int64_t *in_use;     /* n values, bytes */
	const double *load;        /* n values: the lifetime's common load index
	                            * at each dump (median over the allocators of
	                            * in-use / own median, scaled to median 1),
	                            * NaN = unknown; NULL = none (no load test) */
	const double *others;      /* n values: in-use bytes of the lifetime's
	                            * other iobuf buckets at the dump (NaN =
	                            * unknown; NULL = none): did a level shift
	                            * move bytes between sizes or add them? */
	size_t family;             /* allocators of the lifetime tested the same
	                            * way (the load index's active ones): the
	                            * drift test's multiplicity; 0 = 1 */
	const double *ram_entries; /* n values: in-use objects of the RAM
	                            * cache's entry allocator at the dump (NaN =
	                            * unknown; NULL = none): did the RAM cache
	                            * grow? */
} detect_input;

typedef struct detect_result {
	detect_verdict verdict;
	double confidence;         /* 0..1 */
	char explanation[480];     /* one sentence */
	detect_basis basis;
	/* what was looked at */
	size_t n;                  /* dumps */
	double x_first, x_last;    /* first/last on the basis axis (s or dump no.) */
	double span_hours;         /* NaN on the sequence basis */
	/* levels (bytes) */
	int64_t alloc_first, alloc_last, alloc_max;
	int64_t inuse_first, inuse_last, inuse_max, inuse_min;
	int64_t stranded;          /* alloc_last − inuse_last, >= 0 */
	double utilization;        /* inuse_last / alloc_last, 0 if none */
	/* model */
	uint32_t chunk_items;
	model_chunk_source chunk_source;
	model_series_result model; /* model_backward on the basis axis */
	/* floor trend (window minima of the in-use floor) */
	int trend_ok;              /* enough windows for the test */
	size_t windows;
	double window_width;       /* on the basis axis */
	double floor_width;        /* rolling-min width under it, 0 = none */
	double slope;              /* Theil–Sen floor slope, bytes per basis unit */
	double slope_lo, slope_hi; /* Sen CI (alpha) */
	double mk_z, mk_p, n_ns;   /* Hamed–Rao corrected */
	double frac_pos;           /* share of positive pairwise slopes */
	double floor_first, floor_last; /* first / last window floor, bytes */
	double floor_range;        /* time from the first to the last window */
	double floor_rise;         /* slope × the whole span (x_last − x_first) */
	double floor_jump;         /* largest persistent step: max over window
	                            * boundaries of (lowest floor after − highest
	                            * floor before), >= 0 */
	double effect_floor;       /* max(chunks·C·size, frac·alloc_last, slack) */
	int64_t alloc_growth;      /* alloc_last − alloc_first */
	double gain_first, gain_last; /* floor level gain from the first to the
	                            * middle sixth of the windows, and from the
	                            * middle to the last sixth (medians), bytes */
	double third_rise;         /* the saturation test's last-third floor
	                            * slope × the span, NaN unknown */
	int saturating, last_flat; /* saturation: cycle_gain when known, else
	                            * detect_saturation_test on the floor */
	int cycle_gain_ok;         /* span >= two load cycles (time basis) */
	double cycle_gain;         /* min in-use over the last cycle − min over
	                            * the cycle before, bytes; NaN if not ok */
	double since;              /* leak: where the floor left its start level;
	                            * churn: time of the held peak; NaN else */
	double bytes_per_day;      /* forecast: floor slope per day for leak and
	                            * warming (per 1000 dumps on sequence), else 0 */
	/* churn test */
	double peak_est;           /* max(observed peak, allocated − one chunk), bytes */
	int peak_implied;          /* 1: the peak was not sampled, only implied */
	double peak_x;             /* when (observed peak, or last new chunk) */
	double recent_from;        /* start of the recent part on the axis */
	int64_t recent_max;        /* max in-use over the recent part */
	double past_level;         /* median of the per-cycle in-use maxima from
	                            * the start to the peak's cycle (time basis,
	                            * low period >= one cycle); else peak_est */
	int churn_cycle_ok;        /* 1: the recent part covers a load cycle (or
	                            * times are unknown): the timed test applies */
	double churn_ratio;        /* past_level / (recent_max + slack), inf as 1e308 */
	int64_t stranded_recent;   /* alloc_last − recent_max */
	double churn_floor;        /* max(chunks·C·size, churn_min_bytes)
	                            * + churn_slack_frac × slack bytes */
	double slack_bytes;        /* churn_slack_frac × slack_items × type_size */
	/* load-relative floor (spans < leak_load_cycles cycles, load given):
	 * the same floor trend on in-use − load_beta × (load − 1) */
	int load_applied;          /* 1: the leak rule uses the load-free floor */
	int load_trend_ok;         /* enough windows for the test */
	double load_beta;          /* bytes of in-use per unit of load (least
	                            * squares with a linear drift, >= 0) */
	double load_slope, load_slope_lo; /* Theil–Sen and Sen lower bound */
	double load_mk_z, load_mk_p;
	double load_rise;          /* load_slope × the span, bytes */
	double load_beta_unc;      /* z(1−alpha/2) × SE(beta) × the load's
	                            * linear change over the span: the rise
	                            * beta's uncertainty can make, bytes */
	double load_drift_t;       /* drift of the joint least squares u = a +
	                            * beta·load + g·t over its standard error
	                            * (lag-1 widened); NaN when not fitted */
	double load_drift_need;    /* the t it must reach: z(1 − alpha/family) */
	int load_rising;           /* the load-free floor rises: Mann–Kendall
	                            * p < alpha upward and Sen's lower bound > 0 */
	size_t load_windows;       /* windows of the load-free floor */
	double load_since;         /* where the load-free floor left its start */
	double load_floor_jump;    /* its largest persistent step, bytes */
	int load_saturating;       /* it levels off: saturating, and the last
	                            * third flat or rising by less than the
	                            * effect floor over the span; or gain_last
	                            * <= saturation_ratio × gain_first */
	int seg_ok;                /* 1: a part around the largest level shift
	                            * had a load-free floor trend */
	double seg_x;              /* where the largest level shift is, NaN none */
	double seg_rise;           /* max over the parts of their load-free
	                            * Theil–Sen slope × the whole span, bytes */
	int seg_rising;            /* !seg_ok or seg_rise >= leak_segment_share
	                            * × load_rise, or seg_added */
	double seg_self_shift;     /* load-free median after − before the shift */
	double seg_others_shift;   /* the same for the other iobuf buckets */
	int seg_moved;             /* others lost >= leak_move_share of the gain */
	int seg_added;             /* others known and not seg_moved */
	double move_self_step;     /* level shift with a drift and the load in
	                            * the fit (shift_fit): this one's step, bytes */
	double move_others_step;   /* the other iobuf buckets' step, bytes */
	double move_others_step_t; /* its t */
	double move_drift_t;       /* this one's drift t in the same fit */
	int step_moved;            /* this one stepped up, the others down by
	                            * >= leak_move_share of it, t <= −z(1 −
	                            * alpha) (leak_move_test) */
	int moved_in;              /* step_moved and move_drift_t below
	                            * load_drift_need: no leak */
	double fill_self_gain;     /* levelled off: load-free level gain, first
	                            * to last sixth, bytes; NaN not computed */
	double fill_others_gain;   /* the same for the other iobuf buckets */
	double fill_ram_gain;      /* load-free gain of the RAM cache's entries
	                            * from the first 36th of the span to the
	                            * last sixth, objects; NaN not computed */
	int ram_filling;           /* iobuf, short span: the RAM cache filled
	                            * during the lifetime (no leak verdict) */
	int fill_alone;            /* 1: the gain was this bucket's alone, so
	                            * load_saturating was cleared */
} detect_result;

/* Classify one series.  Points are used in the given order (snapshot
 * order); rows of cut-off dumps count like any other.  The time basis is
 * `time` when every t is finite and non-decreasing, else `sequence` (the
 * dump numbers; span rules are then skipped and said so).  Fills *out
 * completely for every verdict (n = 0 gives insufficient_data).  Returns
 * TSM_OK, TSM_ERR with err filled for bad input (type_size or chunk_items
 * 0), or TSM_NOMEM. */
tsm_status detect_classify(const detect_input *in, const detect_params *p,
                           detect_result *out, char *err);

#endif
