/* openmetrics.c — the OpenMetrics renderer: gauges a fleet can alert on,
 * for Prometheus through node_exporter's textfile collector (DESIGN §9).
 *
 * Per host, the allocators of its latest lifetime in the report (the state
 * now: a restart starts over) with labels {host, allocator[, bucket]}:
 * allocated, in-use, stranded, predicted allocated, expected plateau, the
 * in-use floor slope, the verdict (one series, the current verdict, value
 * 1) and its confidence; per host the churn cost, dumps, lifetimes and the
 * times of the first and last dump.  Only gauges and no timestamps, so the
 * same text is valid OpenMetrics and valid Prometheus text format 0.0.4
 * (which reads "# UNIT" and "# EOF" as comments).  Label values are escaped
 * (\\ \" \n) and malformed UTF-8 becomes U+FFFD; two allocators whose labels
 * would collide (same name, other type size) get "~2", "~3" appended.
 *
 * Takes the computed report; no SQL, no statistics.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_int.h"

/* A sample value: exact integer or float; `ok` 0 = no sample. */
typedef struct omv {
	int ok, is_int;
	int64_t i;
	double d;
} omv;

typedef omv (*alloc_fn)(const report_lifetime *rl, const report_alloc *a);
typedef omv (*host_fn)(const report_host *h, const report_lifetime *rl);

static omv v_int(int64_t i)
{
	omv v = {1, 1, i, 0};

	return v;
}

static omv v_uint(uint64_t u)
{
	return v_int(u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u);
}

static omv v_dbl(double d)
{
	omv v = {isfinite(d), 0, 0, d};

	return v;
}

static omv a_allocated(const report_lifetime *rl, const report_alloc *a)
{
	(void)rl;
	return v_int(a->r.alloc_last);
}

static omv a_in_use(const report_lifetime *rl, const report_alloc *a)
{
	(void)rl;
	return v_int(a->r.inuse_last);
}

static omv a_stranded(const report_lifetime *rl, const report_alloc *a)
{
	(void)rl;
	return v_int(a->r.stranded);
}

static omv a_predicted(const report_lifetime *rl, const report_alloc *a)
{
	(void)rl;
	return v_uint(a->r.model.predicted_allocated);
}

static omv a_plateau(const report_lifetime *rl, const report_alloc *a)
{
	(void)rl;
	return v_uint(a->r.model.expected_plateau);
}

static omv a_slope(const report_lifetime *rl, const report_alloc *a)
{
	(void)rl;
	if (a->r.basis == DETECT_BASIS_SEQUENCE)
		return v_dbl(NAN);
	return v_dbl(a->r.slope * 3600.0);
}

static omv a_confidence(const report_lifetime *rl, const report_alloc *a)
{
	(void)rl;
	return v_dbl(round(a->r.confidence * 1000.0) / 1000.0);
}

static omv h_churn(const report_host *h, const report_lifetime *rl)
{
	(void)h;
	return v_uint(rl->totals.churn_cost);
}

static omv h_iobuf_churn(const report_host *h, const report_lifetime *rl)
{
	(void)h;
	return v_uint(rl->totals.iobuf_churn_cost);
}

static omv h_dumps(const report_host *h, const report_lifetime *rl)
{
	(void)h;
	return v_int(rl->lt.dumps);
}

static omv h_lifetimes(const report_host *h, const report_lifetime *rl)
{
	(void)rl;
	return v_uint(h->nlt);
}

static omv h_first(const report_host *h, const report_lifetime *rl)
{
	(void)h;
	return v_dbl(rl->basis == DETECT_BASIS_TIME ? rl->lt.first_ts : NAN);
}

static omv h_last(const report_host *h, const report_lifetime *rl)
{
	(void)h;
	return v_dbl(rl->basis == DETECT_BASIS_TIME ? rl->lt.last_ts : NAN);
}

typedef struct family {
	const char *name, *unit, *help;
	alloc_fn af;             /* per allocator, or */
	host_fn hf;              /* per host; NULL for the verdict family */
} family;

static const family FAMILIES[] = {
	{"tsmem_allocated_bytes", "bytes",
	 "Freelist memory allocated by the allocator at the last dump of the host's latest lifetime.",
	 a_allocated, NULL},
	{"tsmem_in_use_bytes", "bytes",
	 "Memory of the allocator's live objects at the last dump of the host's latest lifetime.",
	 a_in_use, NULL},
	{"tsmem_stranded_bytes", "bytes",
	 "Allocated minus in-use at the last dump: free memory only this allocator can reuse.",
	 a_stranded, NULL},
	{"tsmem_predicted_allocated_bytes", "bytes",
	 "Allocated bytes the freelist model predicts from the in-use peak (chunk rounding).",
	 a_predicted, NULL},
	{"tsmem_expected_plateau_bytes", "bytes",
	 "Allocated bytes the model expects the allocator to level off at under this load.",
	 a_plateau, NULL},
	{"tsmem_floor_slope_bytes_per_hour", NULL,
	 "Theil-Sen slope of the in-use floor (bin minima, the load, RAM cache and moved buffers taken "
	 "out) in bytes per hour, as in the text and JSON; absent when dump times are unknown.",
	 a_slope, NULL},
	{"tsmem_verdict", NULL,
	 "Current verdict of the allocator (label verdict: leak, churn, plateau, warming, idle, "
	 "insufficient_data, malloc_mode); value 1.",
	 NULL, NULL},
	{"tsmem_verdict_confidence", NULL,
	 "Confidence of the current verdict, 0 to 1.",
	 a_confidence, NULL},
	{"tsmem_churn_cost_bytes", "bytes",
	 "Sum of per-allocator in-use peaks minus the peak of the summed in-use in the latest "
	 "lifetime: memory held because freelist memory never moves between sizes.",
	 NULL, h_churn},
	{"tsmem_iobuf_churn_cost_bytes", "bytes",
	 "Churn cost over the ioBufAllocator buckets only.",
	 NULL, h_iobuf_churn},
	{"tsmem_dumps", NULL,
	 "Memory dumps in the host's latest lifetime.",
	 NULL, h_dumps},
	{"tsmem_lifetimes", NULL,
	 "traffic_server process lifetimes (restarts + 1) in the reported range.",
	 NULL, h_lifetimes},
	{"tsmem_lifetime_start_timestamp_seconds", "seconds",
	 "Unix time of the first dump of the host's latest lifetime; absent when times are unknown.",
	 NULL, h_first},
	{"tsmem_last_dump_timestamp_seconds", "seconds",
	 "Unix time of the last dump of the host's latest lifetime; absent when times are unknown.",
	 NULL, h_last},
};

#define NFAMILIES (sizeof FAMILIES / sizeof FAMILIES[0])

/* A label value: \\, \" and \n escaped, malformed UTF-8 as U+FFFD. */
static void label_value(FILE *out, const char *s)
{
	uint32_t cp;
	size_t n;

	while (*s != '\0') {
		n = report_utf8_next(s, &cp);
		if (cp == '\\')
			fputs("\\\\", out);
		else if (cp == '"')
			fputs("\\\"", out);
		else if (cp == '\n')
			fputs("\\n", out);
		else if (cp == REPORT_UTF8_BAD && n == 1)
			fputs("\xEF\xBF\xBD", out);   /* U+FFFD */
		else
			fwrite(s, 1, n, out);
		s += n;
	}
}

/* Same label value after sanitising? */
static int same_label(const char *a, const char *b)
{
	uint32_t ca, cb;

	while (*a != '\0' && *b != '\0') {
		a += report_utf8_next(a, &ca);
		b += report_utf8_next(b, &cb);
		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

static void host_labels(FILE *out, const report_host *h)
{
	fputs("{host=\"", out);
	label_value(out, h->name);
	fputc('"', out);
}

static void alloc_labels(FILE *out, const report_host *h, const report_lifetime *rl, size_t k)
{
	const report_alloc *a = &rl->alloc[k];
	size_t j, dup = 1;

	for (j = 0; j < k; j++)
		if (same_label(rl->alloc[j].name, a->name))
			dup++;
	host_labels(out, h);
	fputs(",allocator=\"", out);
	label_value(out, a->name);
	if (dup > 1)
		fprintf(out, "~%zu", dup);
	fputc('"', out);
	if (a->bucket >= 0)
		fprintf(out, ",bucket=\"%d\"", a->bucket);
}

static void value(FILE *out, omv v)
{
	if (v.is_int)
		fprintf(out, " %" PRId64 "\n", v.i);
	else
		fprintf(out, " %.10g\n", v.d);
}

static void family_out(FILE *out, const report *r, const family *f)
{
	size_t h, k;

	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", f->name, f->help, f->name);
	if (f->unit != NULL)
		fprintf(out, "# UNIT %s %s\n", f->name, f->unit);
	for (h = 0; h < r->nhosts; h++) {
		const report_host *rh = &r->hosts[h];
		const report_lifetime *rl;

		if (rh->nlt == 0)
			continue;
		rl = &rh->lt[rh->nlt - 1];
		if (f->hf != NULL) {
			omv v = f->hf(rh, rl);

			if (v.ok) {
				fputs(f->name, out);
				host_labels(out, rh);
				fputc('}', out);
				value(out, v);
			}
			continue;
		}
		for (k = 0; k < rl->nalloc; k++) {
			const report_alloc *a = &rl->alloc[k];
			omv v = f->af != NULL ? f->af(rl, a) : v_int(1);

			if (!v.ok)
				continue;
			fputs(f->name, out);
			alloc_labels(out, rh, rl, k);
			if (f->af == NULL)
				fprintf(out, ",verdict=\"%s\"", detect_verdict_name(a->r.verdict));
			fputc('}', out);
			value(out, v);
		}
	}
}

tsm_status report_openmetrics(const report *r, FILE *out, unsigned flags, char *err)
{
	size_t i;

	(void)flags;
	for (i = 0; i < NFAMILIES; i++)
		family_out(out, r, &FAMILIES[i]);
	fputs("# HELP tsmem_input_diagnostics Diagnostics recorded while ingesting the reported "
	      "hosts' input, by severity.\n# TYPE tsmem_input_diagnostics gauge\n", out);
	fprintf(out, "tsmem_input_diagnostics{severity=\"warning\"} %" PRIu64 "\n", r->warnings);
	fprintf(out, "tsmem_input_diagnostics{severity=\"error\"} %" PRIu64 "\n", r->errors);
	fputs("# EOF\n", out);
	if (fflush(out) != 0 || ferror(out)) {
		tsm_seterr(err, "write error");
		return TSM_ERR;
	}
	return TSM_OK;
}
