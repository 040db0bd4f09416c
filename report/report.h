/* report.h — the computed report and its renderers.
 *
 * report_build (build.c) is the one place that reads the database (through
 * db/db.h loaders, one allocator series at a time) and runs the model and
 * the classifier (detect/classify.h) on it; it fills a plain `report`
 * struct.  The renderers (text.c, json.c, html.c, openmetrics.c) take that
 * struct and a FILE * and contain no SQL and no statistics.
 * report_store_verdicts writes the verdict table in one write transaction.
 *
 * Ownership: report_build allocates everything inside *out; report_free
 * releases it (and accepts a zeroed struct).  report_evidence_json returns
 * a string the caller frees with cJSON_free (cjson/cJSON.h).  Nothing here
 * prints to stdout/stderr or exits; errors come back as TSM_ERR with a
 * message in the caller's err buffer (TSM_ERRLEN bytes).
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "../common/tsm.h"
#include "../db/db.h"
#include "../detect/classify.h"
#include "../model/model.h"

#define REPORT_SPARK 10      /* sparkline points per allocator */
#define REPORT_MAX_NOTES 8

typedef struct report_opts {
	const char *host;        /* only this host; NULL = all */
	const char *glob;        /* fnmatch(3) pattern on allocator names; NULL = all */
	int all;                 /* text shows every allocator */
	db_range range;          /* NaN = no bound */
	detect_params params;
	const char *version;     /* tool version echoed in JSON `tool` */
	size_t chart_bins;       /* > 0: keep a chart series of this many bins for
	                          * every shown allocator (HTML); 0 = none */
	const char *records;     /* records.config / records.yaml text (--records),
	                          * applied to every lifetime's model; NULL = none */
	size_t records_len;
	const int64_t *sources;  /* only lifetimes of these source rows (analyze:
	                          * what it just ingested); NULL = every one */
	size_t nsources;
} report_opts;

/* Fill *o: no filters, default parameters. */
void report_opts_init(report_opts *o);

/* One bin of a chart series: the dumps whose axis value falls in it, with
 * the extremes of each quantity (so a downsampled drawing keeps spikes). */
typedef struct report_bin {
	double x_lo, x_hi;       /* first / last axis value of its dumps */
	uint32_t count;          /* dumps in it (never 0 in a chart) */
	int64_t alloc_min, alloc_max;   /* bytes */
	int64_t inuse_min, inuse_max;
	uint64_t pred_min, pred_max;    /* model: predicted allocated */
} report_bin;

#define REPORT_MAX_CP 4
#define REPORT_CHART_BINS 1024  /* chart_bins for HTML: >= the pixel columns of a chart */

/* The series of one (lifetime, allocator) reduced for drawing: the axis of
 * its verdict (detect_result basis, x_first .. x_last) cut into at most
 * report_opts.chart_bins equal parts, empty parts left out, and the level
 * shifts of in-use (detect_change_points on the bin means). */
typedef struct report_chart {
	size_t nbins;
	report_bin *bin;         /* ascending x; NULL when nbins is 0 */
	size_t ncp;
	double cp_x[REPORT_MAX_CP]; /* axis value where a new in-use level starts */
} report_chart;

typedef struct report_alloc {
	int64_t id;              /* allocator.id */
	char name[PARSER_NAME_MAX];
	int bucket;              /* 0..14 or -1 */
	char grp[16];            /* db_allocator_group */
	uint32_t type_size;
	int thread_cached;       /* per-thread ProxyAllocator cache (spec §3.5) */
	uint64_t slack_items;    /* threads × high watermark when cached */
	int shown;               /* passes the default text rule (or --all) */
	detect_result r;         /* verdict, evidence, model */
	char explanation[480];   /* one sentence (report_explain) */
	double spark[REPORT_SPARK]; /* mean in-use (bytes) per tenth of the series */
	size_t nspark;
	report_chart chart;      /* filled when opts.chart_bins > 0 and shown */
} report_alloc;

/* Per-lifetime totals over complete dumps of the selected allocators. */
typedef struct report_totals {
	size_t snapshots;        /* complete dumps used */
	uint64_t allocated;      /* at the last complete dump */
	uint64_t in_use;
	uint64_t stranded;
	uint64_t sum_of_peaks;   /* Σ_b max_t U_b */
	uint64_t peak_of_sum;    /* max_t Σ_b U_b */
	double peak_of_sum_x;    /* when (axis of the lifetime), NaN if none */
	uint64_t churn_cost;     /* sum_of_peaks − peak_of_sum */
	uint64_t whatif_no_freelist;  /* allocated − peak_of_sum (-F/-f) */
	uint64_t whatif_return_to_os; /* allocated − in_use */
	uint64_t iobuf_sum_of_peaks, iobuf_peak_of_sum, iobuf_churn_cost;
} report_totals;

typedef struct report_lifetime {
	db_lifetime lt;
	detect_basis basis;      /* from the lifetime's time quality */
	model_version version;
	size_t nalloc;
	report_alloc *alloc;     /* in dump order */
	report_totals totals;
	size_t counts[DETECT_V_COUNT];
	size_t hidden;           /* allocators the text view leaves out */
	int windowed;            /* opts.range applied (--since/--until) */
	size_t win_dumps;        /* windowed: its dumps inside the window */
	double win_first, win_last; /* windowed: their first/last time (NaN if none) */
	int times_back;          /* its times go back (overlapping files): the
	                          * verdicts used dump numbers, basis SEQUENCE */
} report_lifetime;

typedef struct report_host {
	char *name;
	size_t nlt;
	report_lifetime *lt;
} report_host;

typedef struct report {
	double generated_at;     /* Unix s ($SOURCE_DATE_EPOCH when set) */
	report_opts opts;        /* as given (strings borrowed from the caller) */
	size_t nhosts;
	report_host *hosts;      /* sorted by name */
	size_t counts[DETECT_V_COUNT];
	uint64_t warnings, errors; /* diagnostic rows of the reported hosts */
	char notes[REPORT_MAX_NOTES][200];
	size_t nnotes;
	int verdicts_stored;     /* 1 after report_store_verdicts succeeded */
	int windowed;            /* opts.range has a bound */
	size_t out_of_window;    /* lifetimes left out: no dump in the window */
	double data_first, data_last; /* their stored span (NaN if unknown) */
} report;

/* Compute the report from the database.  Streams: one allocator series in
 * memory at a time (plus O(dumps) totals per lifetime).  Returns TSM_OK and
 * fills *out (free with report_free), or TSM_ERR / TSM_NOMEM with err
 * filled and *out freed.  A --host that is not in the database is not an
 * error: the report is empty (nhosts 0). */
tsm_status report_build(db *d, const report_opts *o, report *out, char *err);

void report_free(report *r);

/* Add a note (shown in text and JSON `notes`); silently drops beyond
 * REPORT_MAX_NOTES. */
void report_note(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The window of opts.range for a header: OUT since, until (len bytes
 * each, 40 is enough) = "2026-11-26 12:00 UTC", or "the first dump" /
 * "the last dump"
 * for a missing bound. */
void report_window(const report *r, char *since, char *until, size_t len);

/* Number of (lifetime, allocator) verdicts equal to v. */
size_t report_count(const report *r, detect_verdict v);

/* Write every verdict (evidence = the allocator's JSON object) with
 * db_write_verdict inside one write transaction (db_begin_write /
 * db_commit_write).  Returns TSM_OK and sets r->verdicts_stored, or TSM_ERR
 * with err filled after rolling back. */
tsm_status report_store_verdicts(db *d, report *r, char *err);

/* ---- renderers ---------------------------------------------------------------- */

#define REPORT_F_COLOR 1u    /* ANSI colour (caller decides: tty, NO_COLOR) */

/* Text report (100 columns).  Returns TSM_OK, or TSM_ERR with err on a
 * write error. */
tsm_status report_text(const report *r, FILE *out, unsigned flags, char *err);

/* JSON report, schema tsmem.report/1 (DESIGN §6), pretty-printed.
 * Returns TSM_OK, TSM_NOMEM, or TSM_ERR with err on a write error. */
tsm_status report_json(const report *r, FILE *out, unsigned flags, char *err);

/* One self-contained HTML page (inline CSS and SVG, no scripts, no network):
 * per host and lifetime a verdict table, then per allocator a chart of
 * allocated, in-use and predicted allocated across the lifetimes (needs the
 * chart series: build with opts.chart_bins > 0, else the charts say so).
 * Every string from the input is escaped.  Returns TSM_OK, TSM_NOMEM, or
 * TSM_ERR with err on a write error. */
tsm_status report_html(const report *r, FILE *out, unsigned flags, char *err);

/* OpenMetrics text exposition (also valid for node_exporter's textfile
 * collector: gauges only, no timestamps): per host the allocators of its
 * latest lifetime and the churn cost, ending in "# EOF".  Returns TSM_OK,
 * or TSM_ERR with err on a write error. */
tsm_status report_openmetrics(const report *r, FILE *out, unsigned flags, char *err);

/* The JSON object of one allocator (as in the report) as a compact string,
 * for the verdict table's evidence_json.  NULL on out of memory; free with
 * cJSON_free. */
char *report_evidence_json(const report_lifetime *l, const report_alloc *a);

/* Helpers shared by the renderers (render.c). */

/* Compact binary size: "0", "512B", "1.5K", "880.0M", "69.9G". */
void report_fmt_size(char *buf, size_t len, double bytes);
/* A point on the axis: "2026-11-26 12:00" (UTC), "+12.0h", "#17". */
void report_fmt_x(char *buf, size_t len, detect_basis b, double x);
/* ISO 8601 UTC "2026-11-26T12:00:00Z". */
void report_fmt_iso(char *buf, size_t len, double t);

/* The sentence for one verdict, from its evidence (explain.c). */
void report_explain(const report_alloc *a, const detect_params *p, char *buf, size_t len);

/* "1.5 MiB"; "3.0 MiB/day" (time) or "… per 1000 dumps" (sequence). */
void report_fmt_bytes(char *buf, size_t len, double b);
void report_fmt_rate(char *buf, size_t len, detect_basis b, double per_unit);

#endif
