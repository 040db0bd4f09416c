/* classify.h — the verdict classifier: one (lifetime, allocator) series in,
 * one DESIGN §5 verdict out (leak, churn, plateau, warming, idle,
 * insufficient_data, malloc_mode) with a confidence and the evidence behind
 * it.  It writes no English: `reason` and the numbers are the evidence,
 * and report/ turns them into sentences.
 *
 * Two steps.  A lifetime context (detect_ctx) is built from every
 * allocator of the lifetime: their in-use on a common grid of bins, the
 * lifetime's common load index (median over the active allocators of
 * in-use relative to its own median), the load period found in it (or
 * none), and the RAM cache's entry count.  Then each allocator is judged
 * against that context (detect_classify):
 *
 *   floor     the bin minima of in-use, less what the load explains
 *             (beta × load), for a bucket what the other buckets lost
 *             (load moved between sizes: at most one buffer for each
 *             buffer they gave up) and, for the allocators the RAM cache holds
 *             objects in (ioBufAllocator buckets, ioDataAllocator), what
 *             its entries explain: one item per entry for ioDataAllocator,
 *             and for a bucket at most one item for each entry that the
 *             other buckets do not hold (the entries are split among the
 *             buckets by bounded least squares of their count on the
 *             buckets' items: each cached object's data sits in exactly
 *             one bucket); the entry allocator itself is the cache;
 *   leak      the floor rises: Mann–Kendall with Hamed–Rao correction,
 *             significant at alpha / (active allocators of the lifetime),
 *             Sen's lower bound above 0, a rise of at least one chunk and
 *             of leak_noise × the floor's own spread, and it does not level
 *             off (levelling off: the later half rises at most
 *             saturation_ratio × as fast as the earlier half and not
 *             significantly);
 *   warming   such a rise that levels off while still rising, or that the
 *             RAM cache, still filling, could hold;
 *   churn     allocated holds bytes that in-use gave up: the past level
 *             over recent in-use (the last load period, at least a quarter
 *             of the span) >= churn_ratio and stranded >= max(churn_min_
 *             chunks chunks, churn_min_bytes), the drop holding against
 *             the load index too (a load trough is not churn);
 *   plateau   none of these.
 *
 * No step reads the database, prints or exits.  report/build.c loads the
 * series and calls detect_ctx_add for each, detect_ctx_finish, then
 * detect_classify for each.  Every threshold is a named parameter with a
 * default (detect_params); the table in classify_params.c is the single
 * source for names, defaults, ranges and help text.
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

/* Why the verdict is what it is: the rule that decided. */
typedef enum detect_reason {
	DETECT_R_NO_DUMPS = 0,  /* insufficient: no dump in the range */
	DETECT_R_IDLE,          /* idle: allocated and in-use 0 throughout */
	DETECT_R_MALLOC,        /* malloc_mode: allocated 0, in-use > 0 */
	DETECT_R_FEW_DUMPS,     /* insufficient: fewer than min_dumps dumps */
	DETECT_R_CHURN,         /* churn: past level held, in-use far below */
	DETECT_R_CHURN_FEW,     /* churn on too few dumps for a trend: the peak
	                         * allocated implies dwarfs all in-use seen */
	DETECT_R_LEAK,          /* leak: the floor rises and keeps rising */
	DETECT_R_LEVELLING,     /* warming: the rise slows toward a level */
	DETECT_R_RAM_FILLING,   /* warming: the RAM cache, still filling,
	                         * could hold the rise */
	DETECT_R_LEVELLED,      /* plateau: the floor rose, then stopped */
	DETECT_R_SMALL,         /* plateau: a rise below the effect floor */
	DETECT_R_FLAT,          /* plateau: no significant rise of the floor */
	DETECT_R_COUNT
} detect_reason;

/* "no_dumps", "idle", "malloc", "few_dumps", "churn", "churn_few", "leak", "levelling",
 * "ram_filling", "levelled", "small", "flat" (JSON `reason`). */
const char *detect_reason_name(detect_reason r);

/* ---- parameters ------------------------------------------------------------ */

typedef struct detect_params {
	double min_dumps;          /* fewer dumps => insufficient_data (12) */
	double alpha;              /* family-wise significance of a lifetime's
	                            * leak tests: each allocator is tested at
	                            * alpha / active allocators (0.01) */
	double max_bins;           /* the common grid has at most this many bins:
	                            * a bin is then one dump or the minimum of a
	                            * few (1024; bounds the work) */
	double period_acf;         /* a load period is the lag of the load
	                            * index's autocorrelation peak, after its
	                            * first dip below 0, when the peak reaches
	                            * this (0.3) */
	double leak_effect_chunks; /* a leak's floor rise is at least this many
	                            * chunks: less never costs memory (1) */
	double leak_noise;         /* ... and this many times the floor's own
	                            * spread around its trend (robust sd): the
	                            * thread-cache slack measured, not assumed
	                            * (3) */
	double saturation_ratio;   /* levelling off: the later half's floor
	                            * slope is at most this share of the
	                            * earlier half's (0.5) */
	double churn_ratio;        /* past level / recent in-use (1.5) */
	double churn_ratio_strong; /* on too few dumps for a trend: the peak
	                            * allocated implies (allocated less one
	                            * chunk) / in-use at the last dump (10) */
	double churn_min_bytes;    /* stranded at least this (10 MiB) ... */
	double churn_min_chunks;   /* ... and this many chunks: less is only the
	                            * rounding of the last chunk (1) */
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
 * byte parameters also take K/M/G suffixes, binary: 10M = 10 MiB).  A
 * parameter of the earlier classifier gets an error that names what
 * replaced it.  Returns TSM_OK, or TSM_ERR with err (TSM_ERRLEN, may be
 * NULL); *p is unchanged on failure. */
tsm_status detect_param_set(detect_params *p, const char *assignment, char *err);

/* ---- time axis ------------------------------------------------------------- */

typedef enum detect_basis {
	DETECT_BASIS_TIME = 0,     /* Unix seconds */
	DETECT_BASIS_RELATIVE,     /* seconds from an unknown origin */
	DETECT_BASIS_SEQUENCE      /* dump numbers: times unknown */
} detect_basis;

/* "time", "relative", "sequence". */
const char *detect_basis_name(detect_basis b);

/* ---- the lifetime context ---------------------------------------------------- */

typedef struct detect_ctx detect_ctx;

/* A context for one lifetime of `nalloc` allocators and `ndumps` dumps whose
 * axis runs from x0 to x1 (seconds on a time basis, dump numbers on the
 * sequence basis).  NULL when out of memory. */
detect_ctx *detect_ctx_new(detect_basis basis, double x0, double x1, size_t ndumps, size_t nalloc,
                           const detect_params *p);
void detect_ctx_free(detect_ctx *c);

/* Add allocator i (< nalloc): its name (the RAM cache's entry allocators
 * and ioDataAllocator are recognised by it), iobuf bucket (-1 none), type
 * size and series (x on the context's axis, in-use in bytes). */
void detect_ctx_add(detect_ctx *c, size_t i, const char *name, int bucket, uint32_t type_size,
                    const double *x, const int64_t *in_use, size_t n);

/* After every detect_ctx_add: the load index, its period, the RAM cache's
 * entries.  Returns TSM_OK or TSM_NOMEM. */
tsm_status detect_ctx_finish(detect_ctx *c);

typedef struct detect_ctx_info {
	size_t bins;               /* grid bins */
	double bin_width;          /* on the axis */
	size_t active;             /* allocators with median in-use > 0 */
	int load_ok;               /* a load index exists */
	double period;             /* load period on the axis, NaN = none */
	double period_acf;         /* its autocorrelation, NaN = none */
	int ram_ok;                /* the RAM cache's entries are known */
	double ram_first, ram_last;/* its entries at the first / last bin */
	double ram_level_x;        /* when the entries reached 95 % of their
	                            * final rise, NaN = never rose */
} detect_ctx_info;

void detect_ctx_get_info(const detect_ctx *c, detect_ctx_info *out);

/* ---- one series ------------------------------------------------------------ */

typedef struct detect_input {
	const char *name;          /* allocator name */
	int bucket;                /* 0..14 for iobuf rows, else -1 */
	uint32_t type_size;        /* bytes per item, > 0 */
	uint32_t chunk_items;      /* C, > 0 (model_chunk_pick) */
	model_chunk_source chunk_source;
	uint64_t slack_items;      /* thread-cache slack bound (only echoed) */
	int malloc_mode;           /* lifetime runs with the freelist disabled */
	int reclaimable;           /* lifetime is a reclaimable-freelist build */
	size_t n;
	const double *x;           /* n axis values (the context's axis) */
	const int64_t *allocated;  /* n values, bytes */
	const int64_t *in_use;     /* n values, bytes */
	size_t ctx_index;          /* this allocator's index in the context */
} detect_input;

typedef struct detect_result {
	detect_verdict verdict;
	detect_reason reason;
	double confidence;         /* 0..1 */
	detect_basis basis;
	/* what was looked at */
	size_t n;                  /* dumps */
	size_t bins;               /* floor points (grid bins with a dump) */
	double x_first, x_last;    /* first/last on the axis */
	double span_hours;         /* NaN on the sequence basis */
	double period;             /* the lifetime's load period, NaN none */
	/* levels (bytes) */
	int64_t alloc_first, alloc_last, alloc_max;
	int64_t inuse_first, inuse_last, inuse_max, inuse_min;
	int64_t stranded;          /* alloc_last − inuse_last, >= 0 */
	double utilization;        /* inuse_last / alloc_last, 0 if none */
	int64_t alloc_growth;      /* alloc_last − alloc_first */
	/* model */
	uint32_t chunk_items;
	model_chunk_source chunk_source;
	model_series_result model; /* model_backward on the axis */
	/* the floor and what explains it */
	int trend_ok;              /* the trend test ran */
	double load_beta;          /* bytes of in-use per unit of load, >= 0;
	                            * NaN when the load was not used */
	double ram_coef;           /* bytes per RAM cache entry taken out,
	                            * 0..type size; NaN when not used */
	int ram_collinear;         /* the entries rose in step with time: their
	                            * share and a drift cannot be told apart */
	double ram_gain_items;     /* RAM cache entries gained over the span */
	double others_coef;        /* bytes per buffer the other iobuf buckets
	                            * lost (<= 0, >= −type size): moved load
	                            * taken out; NaN when not used */
	int others_collinear;      /* they fell in step with time: not used */
	double slope;              /* Theil–Sen floor slope, bytes per axis unit */
	double slope_lo, slope_hi; /* Sen CI at the tested level */
	double mk_z, mk_p, n_ns;   /* Mann–Kendall, Hamed–Rao corrected */
	double alpha_used;         /* alpha / family */
	double floor_rise;         /* slope × span, bytes */
	double noise;              /* robust sd of the floor around its trend */
	double effect_floor;       /* max(chunks × chunk bytes, leak_noise × noise) */
	double slope_early, slope_late; /* Theil–Sen of the two halves */
	int saturating;            /* slope_late <= saturation_ratio × slope_early,
	                            * and the later half does not rise
	                            * significantly (Sen's bound at alpha) */
	double since;              /* leak/warming: where the floor left its start
	                            * level; NaN else */
	double bytes_per_day;      /* leak/warming: slope per day (per 1000 dumps
	                            * on the sequence basis), else 0 */
	/* churn */
	double past_level;         /* highest bin mean before the recent part
	                            * (few dumps: allocated less one chunk) */
	int peak_implied;          /* past_level is allocated less one chunk */
	double peak_x;             /* when */
	double recent_from;        /* start of the recent part on the axis */
	double recent_max;         /* highest bin mean in it */
	double churn_ratio_seen;   /* past_level / recent_max (1e308 for inf) */
	double churn_floor;        /* max(chunks × chunk bytes, churn_min_bytes) */
	int64_t stranded_recent;   /* alloc_last − recent_max */
} detect_result;

/* Classify one series in its lifetime's context.  Fills *out completely for
 * every verdict.  Returns TSM_OK, TSM_ERR with err for bad input (type_size
 * or chunk_items 0, ctx_index out of range), or TSM_NOMEM. */
tsm_status detect_classify(const detect_input *in, const detect_ctx *ctx, const detect_params *p,
                           detect_result *out, char *err);

#endif
