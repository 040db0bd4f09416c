/* sim.h — the forward simulator behind `tsmem simulate`.
 *
 * Runs the reference allocator model (model/model.h, model_freelist_*) over
 * a synthetic workload (scenario: plateau, diurnal, cache-fill, leak, ...),
 * and writes the traffic.out that ATS would have written: periodic dumps in
 * the exact printf formats of spec §1 (F1-F4 or the baseline-relative
 * table), SIGUSR1 dumps with sbrk lines or jemalloc banners, diags lines as
 * time anchors, crash/restart markers.  Optionally it returns the ground
 * truth per (lifetime, allocator) by mechanism, and reports every dump to an
 * observer callback (for tests).
 *
 * Writes only to the caller's FILE *; never prints elsewhere, never exits.
 * Deterministic for a seed; memory is constant in the simulated duration
 * (the truth holds one record per lifetime × allocator).
 */
#ifndef SIM_H
#define SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/tsm.h"

typedef enum sim_format {
	SIM_FMT_F1 = 1,     /* 5.3/6.0: lower-case header, no TOTAL */
	SIM_FMT_F2,         /* 6.1: + TOTAL */
	SIM_FMT_F3,         /* 6.2-9.2: capitalised, TOTAL, 89-dash trailer (7.x flavour) */
	SIM_FMT_F4,         /* 10.x: counts, chunk size, HP fails */
	SIM_FMT_BASELINE    /* MEMTRACK_BASELINE periodic tables (6.2+), SIGUSR1 dumps F3 */
} sim_format;

/* "F1".."F4", "baseline". */
const char *sim_format_name(sim_format f);

/* Parse "F1".."F4" / "baseline" (case-insensitive).  Returns 0 or -1. */
int sim_format_parse(const char *s, sim_format *out);

/* Scenarios, in a fixed order: index 0 .. sim_scenario_count()-1. */
size_t sim_scenario_count(void);
const char *sim_scenario_name(size_t i);
const char *sim_scenario_summary(size_t i);
/* Index of the scenario called `name`, or -1. */
int sim_scenario_find(const char *name);

/* One row of a dump as the simulator knows it (absolute values, even for a
 * baseline-relative table). */
typedef struct sim_row_obs {
	const char *name;         /* without "memory/" */
	int bucket;               /* 0..14 for iobuf rows, else -1 */
	uint32_t type_size;
	uint32_t chunk_items;     /* effective C */
	uint64_t allocated;       /* bytes */
	uint64_t in_use;          /* bytes */
	uint64_t true_peak;       /* items: max in-use over the sub-steps since the last dump */
	uint64_t races;           /* extra race chunks so far in this lifetime */
	int printed;              /* 1 if its row line was written completely */
} sim_row_obs;

typedef struct sim_dump_obs {
	uint64_t seq;             /* 0-based dump index in the file */
	unsigned lifetime;        /* 0-based lifetime index */
	double t;                 /* Unix seconds (wall clock, UTC arithmetic) */
	int sigusr1;              /* 1 for an extra SIGUSR1 dump */
	sim_format format;        /* format of this table (SIGUSR1 in baseline mode: F3) */
	int baseline_relative;    /* 1 if printed relative to a baseline snapshot */
	int truncated;            /* 1 if the table was cut off (last dump, --truncate) */
	size_t nrows;
	const sim_row_obs *rows;  /* borrowed, valid during the call */
} sim_dump_obs;

/* Return non-zero to stop the run (sim_run then returns TSM_ABORT). */
typedef int (*sim_observer)(void *ctx, const sim_dump_obs *d);

typedef struct sim_opts {
	const char *scenario;     /* required, see sim_scenario_name */
	double days;              /* simulated span, default 7 */
	double interval;          /* seconds between periodic dumps, default 60 */
	sim_format format;        /* default F3 */
	uint64_t seed;            /* default 1 */
	const char *host;         /* for the truth file, default "sim-01" */
	int threads;              /* threads freeing cached objects, default 16 */
	double noise;             /* sd of multiplicative load noise, default 0.05 */
	double burstiness;        /* traffic bursts per 30 min (Poisson), default 0.5 */
	int sigusr1;              /* extra SIGUSR1 dumps, default 0 */
	int debug_lines;          /* timestamped diags lines between dumps and rows */
	int truncate;             /* cut the last dump off mid-row */
	int jemalloc;             /* jemalloc banners before F4 SIGUSR1 dumps */
	int64_t start;            /* process start, Unix seconds; default 2025-01-06 00:00:00 */
	sim_observer observer;    /* may be NULL */
	void *observer_ctx;
} sim_opts;

/* Defaults as documented above (scenario NULL). */
void sim_opts_init(sim_opts *o);

/* Truth for one allocator in one lifetime. */
typedef struct sim_truth_alloc {
	char name[64];
	int bucket;
	uint32_t type_size;
	uint32_t chunk_items;
	const char *verdict;      /* "leak", "churn", "plateau", "idle" (static strings) */
	const char *mechanism;    /* "steady", "diurnal", "cache-fill", "leak-linear",
	                           * "leak-stepped", "leak-loadprop", "churn-source",
	                           * "churn-target", "thread-cache", "unused" */
	int detectable;           /* the evidence is there in the written dumps */
	uint64_t leaked_bytes;    /* never-freed bytes at the last dump */
	uint64_t stranded_bytes;  /* allocated − in-use at the last dump */
	uint64_t peak_in_use;     /* bytes, max over dumps */
	uint64_t allocated_last;  /* bytes */
	uint64_t in_use_last;     /* bytes */
	uint64_t races;           /* race chunks */
	double event_time;        /* churn shift / leak start (Unix s), 0 = none */
} sim_truth_alloc;

typedef struct sim_truth_lifetime {
	unsigned index;
	double start;             /* process start (Unix s) */
	double end;               /* last dump written */
	uint64_t dumps;
	const char *end_reason;   /* "crash", "end-of-file" */
	size_t nalloc;
	sim_truth_alloc *alloc;
} sim_truth_lifetime;

typedef struct sim_truth {
	char scenario[32];
	char host[64];
	char format[16];
	uint64_t seed;
	double days, interval;
	uint64_t dumps, rows, bytes;  /* what was written */
	size_t nlifetimes;
	sim_truth_lifetime *lifetimes;
} sim_truth;

/* Run the simulation described by `o`, writing traffic.out text to `out`.
 * If `truth` is non-NULL it is filled (free it with sim_truth_free, also
 * after a failure).  Returns TSM_OK; TSM_ERR with `err` filled on a bad
 * option (unknown scenario, days/interval out of range) or a write error;
 * TSM_NOMEM; TSM_ABORT when the observer stopped it. */
tsm_status sim_run(const sim_opts *o, FILE *out, sim_truth *truth, char *err);

/* Release what sim_run put into `truth`; NULL and zeroed truths are fine. */
void sim_truth_free(sim_truth *truth);

/* Write the truth as JSON (schema "tsmem.truth/1": hosts[].lifetimes[]
 * .allocators[]{name, verdict, detectable, ...}) to `out`.  Returns TSM_OK,
 * TSM_NOMEM, or TSM_ERR with `err` filled on a write error. */
tsm_status sim_truth_write(const sim_truth *truth, FILE *out, char *err);

#endif
