/* sim_int.h — internals of sim/ shared by its files (PRNG, workload,
 * run loop, writer).  Not for use outside sim/.
 */
#ifndef SIM_INT_H
#define SIM_INT_H

#include <stdint.h>
#include <stdio.h>

#include "../model/model.h"
#include "sim.h"

#define SIM_SUBSTEPS 4          /* in-use samples per dump interval (peaks between dumps) */

/* ---- rng.c: xoshiro256** seeded through splitmix64 ---- */
typedef struct sim_rng {
	uint64_t s[4];
} sim_rng;

void sim_rng_seed(sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(sim_rng *r);
double sim_rng_unif(sim_rng *r);            /* [0, 1) */
double sim_rng_normal(sim_rng *r);          /* ~N(0,1), Irwin-Hall(12) approximation */
uint64_t sim_rng_below(sim_rng *r, uint64_t n); /* [0, n) */
double sim_rng_exp(sim_rng *r, double mean);

/* ---- workload.c ---- */
enum sim_leak_kind { LEAK_NONE = 0, LEAK_LINEAR, LEAK_STEPPED, LEAK_LOADPROP };
enum sim_churn_role { CHURN_NONE = 0, CHURN_SOURCE, CHURN_TARGET };

/* Scenario parameters, derived from the scenario name, options and seed. */
typedef struct sim_scenario {
	int id;
	const char *name;
	double diurnal_amp, weekly_amp;
	double conns;               /* mean concurrent connections */
	int cache_fill;             /* RAM cache fills from empty */
	double ram_cache_bytes;
	double fill_tau;            /* seconds */
	int leak_kind;
	int leak_bucket;            /* iobuf bucket leaking, -1 none */
	double leak_items;          /* total items leaked over a full-length lifetime */
	const char *leak_static;    /* static allocator leaking too, or NULL */
	double leak_static_items;
	double step_period;         /* stepped leak: mean seconds between bursts */
	int churn_src, churn_dst;   /* buckets, -1 none */
	double churn_at;            /* seconds after start of the run */
	double churn_keep;          /* fraction of the source load that stays */
	int restarts;               /* number of crashes */
} sim_scenario;

/* Per-allocator runtime state. */
typedef struct sim_alloc {
	const char *name;
	char namebuf[32];
	int bucket;
	uint32_t type_size;
	uint32_t chunk;
	int cached;                 /* per-thread cached: in-use includes slack */
	double per_conn, fixed;     /* live items = fixed + per_conn × conns */
	double cache_frac;          /* share of the RAM cache bytes (cache-fill) */
	double noise;               /* AR(1) state */
	int leak_kind;
	double leak_rate;           /* items per second (linear / load-proportional mean) */
	double leak_total;          /* target items at the end of a full-length lifetime */
	double leaked;              /* never-freed items so far */
	double next_step;           /* stepped leak: time of the next burst */
	int churn;                  /* enum sim_churn_role */
	int ramcache;               /* RamCacheLRUEntry: follows the cache buckets */
	model_freelist fl;
	uint64_t peak_since_dump;   /* items */
	/* lifetime bookkeeping at dumps */
	uint64_t dump_peak;         /* max in-use over written dumps (items) */
	uint64_t last_alloc, last_used;
	double last_leaked;
	uint64_t base_alloc, base_used; /* baseline snapshot (items) */
	double event_time;
} sim_alloc;

int sim_scenario_setup(sim_scenario *sc, const sim_opts *o, sim_rng *r, char *err);

/* Build the allocator rows for the format's ATS version.  Returns a calloc'd
 * array (caller frees) and sets *n, or NULL on out of memory. */
sim_alloc *sim_allocs_new(const sim_scenario *sc, const sim_opts *o, const model_config *cfg,
                          size_t *n);

/* Reset per-lifetime state (new process). */
void sim_allocs_reset(sim_alloc *a, size_t n);

/* Load multiplier at wall-clock time t (diurnal, weekly). */
double sim_load(const sim_scenario *sc, double t);

/* Live items of allocator `a` at time t (life = seconds since the process
 * started, run = seconds since the run started), without noise and slack. */
double sim_live_items(const sim_scenario *sc, const sim_alloc *a, double conns, double life,
                      double run, const sim_alloc *all, size_t n);

/* ---- writer.c ---- */
typedef struct sim_writer {
	FILE *f;
	char *buf;
	size_t len, cap;
	int err;
	uint64_t bytes;
	sim_format fmt;
	uint64_t sbrk_first, sbrk_last;
	int sbrk_seen;
} sim_writer;

int sw_init(sim_writer *w, FILE *f, sim_format fmt);
void sw_free(sim_writer *w);
void sw_flush(sim_writer *w);
void sw_debug_line(sim_writer *w, double t, sim_rng *r);
void sw_root_dir(sim_writer *w);
void sw_crash(sim_writer *w, sim_rng *r);
void sw_sbrk(sim_writer *w, uint64_t growth);
void sw_jemalloc(sim_writer *w, uint64_t allocated, uint64_t resident);

/* Write one table.  fmt = the table format (F1..F4 or BASELINE);
 * baseline_first = absolute first baseline table; `debug_at` = row index
 * before which a diags line is interleaved (or SIZE_MAX); truncate_at = rows
 * written before the cut (SIZE_MAX = whole table).  Sets obs[i].printed. */
void sw_table(sim_writer *w, sim_format fmt, int baseline_first, const sim_alloc *a, size_t n,
              sim_row_obs *obs, double t, size_t debug_at, size_t truncate_at, sim_rng *r);

/* "Mmm dd hh:mm:ss.mmm" of Unix time t (UTC arithmetic) into buf[24]. */
void sim_format_stamp(double t, char buf[24]);

#endif
