/* model.h — the ATS freelist allocator as code (spec §3), used both ways.
 *
 * Backwards: from an observed in-use series, what allocated should be, where
 * it should plateau, how much is stranded, and what churn between sizes costs
 * (model_backward, model_fleet_*).  Forwards: the exact allocator rule that
 * `tsmem simulate` steps (model_freelist_*).  Plus the static facts: chunk
 * size per allocator and version (§3.2, §3.6), which allocators have
 * per-thread caches and the slack they add (§3.5), the identity check that
 * recognises reclaimable / malloc builds (§2.8), and the records.config /
 * records.yaml settings that change all this (§3.8).
 *
 * Pure computation: no printing, no exiting.  The one exception is
 * model_records_load, which reads the configuration file it is given.
 * Units: "items" are object counts, "bytes" are items × type size.
 * Arrays passed in are borrowed; results are plain values in caller structs.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tsm.h"

#define MODEL_IOBUF_BUCKETS 15
#define MODEL_NO_INDEX ((size_t)-1)

/* ---- versions ----------------------------------------------------------- */

/* ATS release families whose allocator rules differ (spec §3.2, §3.5). */
typedef enum model_version {
	MODEL_V_UNKNOWN = 0, /* treated like MODEL_V_7 (page rounding, 512/32) */
	MODEL_V_5_3,         /* 5.3.x: F1, no page rounding */
	MODEL_V_6_0,         /* 6.0.x: F1, no page rounding, hugepages possible */
	MODEL_V_6_1,         /* 6.1.x: F2, page rounding from here on */
	MODEL_V_7,           /* 6.2 - 8.x: F3 */
	MODEL_V_9_0,         /* 9.0 - 9.1: F3 */
	MODEL_V_9_2,         /* 9.2.x: F3, more thread-cached allocators, 0 = unlimited */
	MODEL_V_10           /* 10.x and later: F4 */
} model_version;

/* Short label: "unknown", "5.3", "6.0", "6.1", "6.2-8.x", "9.0-9.1", "9.2", "10.x". */
const char *model_version_name(model_version v);

/* Version family implied by a dump format name ("F1".."F4", "baseline";
 * anything else gives MODEL_V_UNKNOWN).  F1 -> 6.0, F2 -> 6.1, F3 -> 6.2-8.x,
 * F4 -> 10.x. */
model_version model_version_from_format(const char *format);

/* Narrow `v` with the allocator names seen in a dump (spec §4.2): e.g.
 * preWarmSMAllocator => 9.2+, httpClientSessionAllocator => 5.3, cluster or
 * ICP rows => <= 7.1.  Names may carry the "memory/" prefix or not.  Returns
 * the refined version (never contradicts the format family). */
model_version model_version_refine(model_version v, const char *const *names, size_t n);

/* ---- configuration ------------------------------------------------------ */

/* Settings that change the model (spec §3.8).  Fill with model_config_init,
 * then optionally model_records_load.  `set_*` flags say what came from a file. */
typedef struct model_config {
	model_version version;
	uint32_t page_size;             /* 4096 */
	uint32_t hugepage_size;         /* 2 MiB */
	int hugepages;                  /* proxy.config.allocator.hugepages (0/1) */
	uint32_t iobuf_chunk[MODEL_IOBUF_BUCKETS]; /* iobuf_chunk_sizes (10.x), 0 = default */
	int has_iobuf_chunk;            /* any iobuf_chunk[] entry set */
	int64_t thread_freelist_size;   /* high watermark H, default 512 */
	int64_t thread_freelist_low;    /* low watermark L, default 32 */
	int exec_autoconfig;            /* proxy.config.exec_thread.autoconfig(.enabled), 1 */
	double exec_scale;              /* ...autoconfig.scale, 1.5 (<= 8.x) / 1.0 (9.x+) */
	int exec_limit;                 /* ...exec_thread.limit, 2 */
	int ncpu;                       /* CPUs for autoconfig; 0 = unknown (assume 8) */
	int accept_threads;             /* proxy.config.accept_threads, 1 */
	int task_threads;               /* proxy.config.task_threads, 2 */
	int threads;                    /* explicit total of freeing threads; 0 = derive */
	int64_t ram_cache_size;         /* bytes; -1 = auto (unknown) */
	int64_t dump_interval;          /* proxy.config.dump_mem_info_frequency, 0 = unset */
	int set_hugepages, set_watermarks, set_threads, set_ram_cache;
} model_config;

/* Defaults for version `v` (scale 1.5 before 9.0, 1.0 from 9.0). */
void model_config_init(model_config *cfg, model_version v);

/* Parse `proxy.config.allocator.iobuf_chunk_sizes` syntax (spec §3.6: tokens
 * separated by ',' or space; `N` positional or `SIZE:N`, SIZE one of 128 ..
 * 2M / 2048k) into chunk[15] (0 = default).  Returns 0, or -1 on a syntax
 * error (chunk[] then unspecified). */
int model_parse_iobuf_chunk_sizes(const char *s, uint32_t chunk[MODEL_IOBUF_BUCKETS]);

/* Diagnostic sink for model_records_*: called once per malformed value
 * (severity warning, code "bad-record") with the line number. */
typedef void (*model_diag_fn)(void *ctx, const tsm_diag *d);

/* Parse records text already in memory: records.config lines
 * (`CONFIG proxy.config.X INT 1`, also LOCAL; INT values take K/M/G/T
 * suffixes) or records.yaml (nested keys under `ts:`), detected from the
 * content.  Known keys update `cfg`; unknown keys are ignored; malformed
 * values go to `diag` (may be NULL) and leave the setting unchanged.
 * Returns the number of settings applied. */
int model_records_parse(const char *text, size_t len, model_config *cfg,
                        model_diag_fn diag, void *ctx);

/* Read `path` and model_records_parse it.  Returns TSM_OK, or TSM_ERR with
 * `err` (TSM_ERRLEN bytes, may be NULL) filled when the file cannot be read. */
tsm_status model_records_load(const char *path, model_config *cfg,
                              model_diag_fn diag, void *ctx, char *err);

/* ---- chunk sizes -------------------------------------------------------- */

/* Where a chunk size C came from. */
typedef enum model_chunk_source {
	MODEL_CHUNK_UNKNOWN = 0,
	MODEL_CHUNK_DUMP,      /* F4 `Chunk Size` column */
	MODEL_CHUNK_CONFIG,    /* proxy.config.allocator.iobuf_chunk_sizes */
	MODEL_CHUNK_HUGEPAGE,  /* default request rounded to the hugepage size */
	MODEL_CHUNK_TABLE,     /* default table for the version (page rounding) */
	MODEL_CHUNK_INFERRED   /* gcd of observed allocated item counts */
} model_chunk_source;

/* "unknown", "dump", "config", "hugepage", "table", "inferred". */
const char *model_chunk_source_name(model_chunk_source s);

/* Requested chunk items before rounding (spec §3.6, §4.1): iobuf 128 for
 * buckets 0-5 and 32 for 6-14; eventAllocator 256; dnsBufAllocator 2;
 * everything else 128.  `bucket` is 0..14 for iobuf rows, else -1. */
uint32_t model_chunk_requested(const char *name, int bucket);

/* Effective items per chunk for an allocator with the given name, bucket
 * (0..14 or -1) and type size, from the version rules in `cfg` (NULL =
 * defaults): requested count (or iobuf_chunk_sizes in 10.x), rounded up to
 * the page (>= 6.1) or hugepage size (iobuf buckets with hugepages on in
 * 6.1+, `ioBufAllocatorHP[i]` in 10.x).  Sets *src (may be NULL) to TABLE,
 * HUGEPAGE or CONFIG.  Returns 0 only if type_size is 0. */
uint32_t model_chunk_default(const char *name, int bucket, uint32_t type_size,
                             const model_config *cfg, model_chunk_source *src);

/* Greatest common divisor of the non-zero counts (items).  Returns 0 when
 * all are zero or n is 0. */
uint32_t model_chunk_infer(const uint64_t *alloc_items, size_t n);

/* The C to use for one (lifetime, allocator): the dump column when non-zero
 * (DUMP); else model_chunk_default, kept if every observed count is a
 * multiple of it; else the gcd of the observed counts (INFERRED) — or the
 * default when nothing was ever allocated.  `alloc_items` may be NULL. */
uint32_t model_chunk_pick(const char *name, int bucket, uint32_t type_size,
                          uint32_t dump_chunk, const uint64_t *alloc_items, size_t n,
                          const model_config *cfg, model_chunk_source *src);

/* ---- per-thread caches (spec §3.5) -------------------------------------- */

/* 1 if THREAD_ALLOC/THREAD_FREE go through a per-thread ProxyAllocator cache
 * for this allocator in version `v` (so dumped in-use includes parked items),
 * else 0.  ioBufAllocator rows are never cached. */
int model_is_thread_cached(const char *name, model_version v);

/* 1 if this allocator holds one entry per object in the RAM cache
 * (RamCacheLRUEntry, RamCacheCLFUSEntry, RamCacheS3FIFOEntry): its in-use
 * counts the cached objects, whose data sit in the iobuf buckets. */
int model_is_ram_cache_entry(const char *name);

/* Number of threads that free cached objects: cfg->threads if set, else
 * net threads (ncpu × scale, or exec_limit without autoconfig) + task +
 * accept threads + 4 (DNS, AIO callbacks, UDP, misc). */
int model_thread_count(const model_config *cfg);

/* Upper bound of items parked in thread caches for one cached allocator:
 * threads × H.  H = 0 means unlimited from 9.2 (returns 0 and sets
 * *unbounded = 1) and "capped at the low watermark" before 9.2 (threads × L).
 * `unbounded` may be NULL. */
uint64_t model_thread_slack_items(const model_config *cfg, int *unbounded);

/* ---- backwards: one (lifetime, allocator) series (spec §3.9) ------------- */

typedef struct model_series_result {
	size_t n;                   /* points used */
	uint32_t type_size;
	uint32_t chunk_items;       /* C */
	uint64_t slack_items;       /* thread-cache slack passed in */
	/* at the last point */
	uint64_t allocated;         /* bytes, A_last */
	uint64_t in_use;            /* bytes, U_last */
	uint64_t predicted_allocated; /* bytes, C·ceil(M/C)·type_size */
	int64_t residual_chunks;    /* (A_last − A_pred_last)/C, rounded down */
	uint64_t stranded;          /* bytes, A_last − U_last (0 if negative) */
	double utilization;         /* U_last / A_last, 0 when A_last = 0 */
	/* over the series */
	int64_t residual_chunks_max;
	int64_t residual_chunks_min; /* < 0 means allocated below the model: wrong C or not freelist */
	uint64_t stranded_max;      /* bytes */
	uint64_t allocated_max;     /* bytes */
	uint64_t in_use_min;        /* bytes */
	uint64_t peak_in_use;       /* bytes, M at the end */
	size_t peak_index;          /* first index where U = M */
	double peak_time;
	uint64_t delta_items;       /* δ: 99th percentile of |U_k − U_k−1| (items) */
	uint64_t expected_plateau;  /* bytes, C·ceil((M + δ)/C)·type_size */
	size_t last_new_chunk_index;/* last k with A_k > A_k−1 (or A_0 > 0); MODEL_NO_INDEX if none */
	double last_new_chunk_time;
	uint64_t chunk_steps;       /* number of k with A_k > A_k−1 */
	uint64_t chunks_added;      /* (A_last − A_first)/C */
	size_t allocated_falls;     /* k with A_k < A_k−1 (new lifetime / reclaimable) */
	size_t not_multiple;        /* k with A_k items not a multiple of C */
	size_t not_integral;        /* k with bytes not a multiple of type_size */
	size_t over_allocated;      /* k with U_k > A_k + C items (tolerance one chunk) */
	int at_plateau;             /* A_last <= expected_plateau and no new chunk in the last quarter */
} model_series_result;

/* Run the model over one (lifetime, allocator) series of n points: t[k]
 * (seconds, may be NULL — then times are the indices), allocated and in-use
 * in bytes, the type size, the chunk size C in items (> 0), and the thread
 * slack in items (0 for uncached allocators; only echoed, U already holds
 * it).  If `pred` is non-NULL it receives n predicted allocated values in
 * bytes.  Fills *out.  Returns TSM_OK, or TSM_ERR when type_size or C is 0
 * (out then zeroed).  n = 0 is valid (all zero, indexes MODEL_NO_INDEX).
 * Memory: one temporary array of n items for the δ percentile (TSM_NOMEM if
 * it cannot be allocated). */
tsm_status model_backward(const double *t, const uint64_t *allocated_bytes,
                          const uint64_t *in_use_bytes, size_t n, uint32_t type_size,
                          uint32_t chunk_items, uint64_t slack_items, uint64_t *pred,
                          model_series_result *out);

/* C·ceil(items / C): the allocated items the allocator needs to have handed
 * out `items` at once.  C = 0 returns items. */
uint64_t model_round_chunks(uint64_t items, uint32_t chunk_items);

/* ---- identity check on one dump (spec §2.8, §5.3) ------------------------ */

typedef enum model_mode {
	MODEL_MODE_FREELIST = 0,  /* counts follow the chunk identity */
	MODEL_MODE_MALLOC,        /* freelist disabled: allocated 0, in-use > 0 */
	MODEL_MODE_RECLAIMABLE,   /* counts break the identity / iobuf rows merged */
	MODEL_MODE_EMPTY          /* nothing allocated anywhere */
} model_mode;

/* "freelist", "malloc", "reclaimable", "empty". */
const char *model_mode_name(model_mode m);

/* A dump row as the model needs it (names without "memory/"). */
typedef struct model_row {
	const char *name;
	int bucket;               /* 0..14 for iobuf rows, else -1 */
	uint32_t type_size;
	uint64_t allocated;       /* bytes */
	uint64_t in_use;          /* bytes */
	uint32_t chunk_items;     /* F4 column, else 0 */
} model_row;

typedef struct model_identity {
	model_mode mode;
	size_t iobuf_rows;        /* iobuf rows seen */
	size_t iobuf_checked;     /* iobuf rows with allocated > 0 */
	size_t iobuf_ok;          /* ... whose items are a multiple of C */
	size_t rows_not_multiple; /* any row (C from model_chunk_default) */
	size_t rows_not_integral; /* bytes not a multiple of type size */
	size_t rows_over;         /* in-use > allocated + one chunk */
	int missing_iobuf;        /* a bucket index absent between present ones */
	int first_bad_bucket;     /* first iobuf bucket breaking the identity, -1 */
} model_identity;

/* Check one dump's rows against the chunk identity (allocated items a
 * multiple of C for every ioBufAllocator row), with C from the row's
 * chunk_items or model_chunk_default(cfg; NULL = defaults) — a row also
 * passes if it fits the hugepage table.  mode = RECLAIMABLE when an iobuf
 * row breaks it or bucket indices are missing between present ones (merged
 * rows), MALLOC when every allocated is 0 and some in-use is not, EMPTY when
 * everything is 0.  Fills *out. */
void model_identity_check(const model_row *rows, size_t n, const model_config *cfg,
                          model_identity *out);

/* ---- across buckets: churn cost and what-ifs ----------------------------- */

/* Streaming accumulator over the snapshots of one lifetime: each call gives
 * the in-use and allocated bytes of the same `nalloc` allocators (same order
 * every time).  Constant memory in the number of snapshots. */
typedef struct model_fleet model_fleet;

typedef struct model_fleet_result {
	size_t snapshots;
	size_t nalloc;
	uint64_t sum_of_peaks;        /* Σ_b max_t U_b (bytes) */
	uint64_t peak_of_sum;         /* max_t Σ_b U_b */
	size_t peak_of_sum_index;     /* snapshot of that peak */
	uint64_t churn_cost;          /* sum_of_peaks − peak_of_sum: memory held because
	                               * freelist memory never moves between sizes */
	uint64_t allocated_last;      /* Σ_b A_b at the last snapshot */
	uint64_t in_use_last;         /* Σ_b U_b at the last snapshot */
	uint64_t stranded_last;       /* allocated_last − in_use_last */
	/* what-ifs, resident bytes saved vs allocated_last (never negative) */
	uint64_t whatif_no_freelist;  /* -F/-f: a general malloc reuses memory across sizes,
	                               * resident ≈ peak_of_sum => allocated_last − peak_of_sum */
	uint64_t whatif_return_to_os; /* jemalloc-style decay returns free pages:
	                               * resident ≈ current in-use => allocated_last − in_use_last */
} model_fleet_result;

/* New accumulator for nalloc allocators (> 0).  NULL on out of memory. */
model_fleet *model_fleet_new(size_t nalloc);

/* Add one snapshot: in_use[nalloc] and allocated[nalloc] bytes (allocated
 * may be NULL = unknown, counted as in-use). */
void model_fleet_add(model_fleet *f, const uint64_t *in_use, const uint64_t *allocated);

/* Current result (may be called any time). */
void model_fleet_get(const model_fleet *f, model_fleet_result *out);

/* Free; NULL is fine. */
void model_fleet_free(model_fleet *f);

/* One-shot form over row-major matrices [n][nalloc] (allocated may be NULL).
 * Returns TSM_OK or TSM_NOMEM. */
tsm_status model_fleet_compute(const uint64_t *in_use, const uint64_t *allocated,
                               size_t n, size_t nalloc, model_fleet_result *out);

/* ---- forwards: the exact allocator rule (spec §3.3) ---------------------- */

/* One global freelist: `allocated` grows by C items when a new() finds the
 * global stack empty (used == allocated) and never falls; `used` moves freely. */
typedef struct model_freelist {
	uint32_t type_size;
	uint32_t chunk_items;
	uint64_t allocated;   /* items */
	uint64_t used;        /* items */
	uint64_t races;       /* extra chunks added by concurrent-empty races */
} model_freelist;

/* Start empty with the given type size and C (> 0). */
void model_freelist_init(model_freelist *f, uint32_t type_size, uint32_t chunk_items);

/* Move `used` to `items`.  When that exceeds allocated, allocated grows by
 * the whole chunks needed, plus `race_chunks` extra chunks (threads that
 * found the list empty at the same moment).  Returns the chunks added. */
uint64_t model_freelist_set_used(model_freelist *f, uint64_t items, uint32_t race_chunks);

#endif
