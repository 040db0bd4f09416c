/* json.c — the JSON renderer, schema tsmem.report/1 (DESIGN §6), with cJSON.
 *
 * Takes the computed report (report.h) and writes it; no SQL, no
 * statistics.  Byte values are written as exact integers (raw numbers),
 * non-finite numbers as null, times as ISO 8601 UTC (null when the time is
 * unknown; the raw axis value is kept next to it as *_x).  Hosts come
 * sorted by name, lifetimes by index, allocators in dump order — the order
 * of the report struct.  Also builds the per-allocator evidence string for
 * the verdict table.
 *
 * Ownership: every cJSON node is created here and owned by its parent after
 * a successful add; a failed add frees the child and marks the build out of
 * memory (one check at the end).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "report.h"

typedef struct jb {
	int oom;
} jb;

static cJSON *put(jb *b, cJSON *obj, const char *key, cJSON *item)
{
	if (item == NULL) {
		b->oom = 1;
		return NULL;
	}
	if (obj == NULL || !(cJSON_IsArray(obj) ? cJSON_AddItemToArray(obj, item)
	                                         : cJSON_AddItemToObject(obj, key, item))) {
		cJSON_Delete(item);
		b->oom = 1;
		return NULL;
	}
	return item;
}

static void put_i64(jb *b, cJSON *obj, const char *key, int64_t v)
{
	char s[32];

	snprintf(s, sizeof s, "%" PRId64, v);
	put(b, obj, key, cJSON_CreateRaw(s));
}

static void put_u64(jb *b, cJSON *obj, const char *key, uint64_t v)
{
	char s[32];

	snprintf(s, sizeof s, "%" PRIu64, v);
	put(b, obj, key, cJSON_CreateRaw(s));
}

static void put_num(jb *b, cJSON *obj, const char *key, double v)
{
	put(b, obj, key, isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull());
}

/* A rounded number (fewer noisy digits in the output). */
static void put_round(jb *b, cJSON *obj, const char *key, double v, double unit)
{
	put_num(b, obj, key, isfinite(v) ? round(v / unit) * unit : v);
}

static void put_str(jb *b, cJSON *obj, const char *key, const char *s)
{
	put(b, obj, key, s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static void put_bool(jb *b, cJSON *obj, const char *key, int v)
{
	put(b, obj, key, cJSON_CreateBool(v));
}

/* A time on the axis: ISO string on the time basis, else null; plus the raw
 * axis value under key_x when asked. */
static void put_time(jb *b, cJSON *obj, const char *key, detect_basis basis, double x, int raw)
{
	char iso[32], kx[64];

	if (basis == DETECT_BASIS_TIME && isfinite(x)) {
		report_fmt_iso(iso, sizeof iso, x);
		put_str(b, obj, key, iso);
	} else {
		put(b, obj, key, cJSON_CreateNull());
	}
	if (raw) {
		snprintf(kx, sizeof kx, "%s_x", key);
		put_num(b, obj, kx, x);
	}
}

/* Slope per hour on a time axis, NaN on the sequence basis. */
static double per_hour(const detect_result *r, double v)
{
	return r->basis == DETECT_BASIS_SEQUENCE ? NAN : v * 3600.0;
}

static cJSON *alloc_json(jb *b, const report_lifetime *rl, const report_alloc *a)
{
	const detect_result *r = &a->r;
	const model_series_result *m = &r->model;
	cJSON *o = cJSON_CreateObject(), *x, *ci;

	(void)rl;
	if (o == NULL) {
		b->oom = 1;
		return NULL;
	}
	put_str(b, o, "name", a->name);
	if (a->bucket >= 0)
		put_i64(b, o, "bucket", a->bucket);
	else
		put(b, o, "bucket", cJSON_CreateNull());
	put_str(b, o, "group", a->grp);
	put_u64(b, o, "type_size", a->type_size);
	put_u64(b, o, "chunk_items", r->chunk_items);
	put_str(b, o, "chunk_source", model_chunk_source_name(r->chunk_source));
	put_str(b, o, "verdict", detect_verdict_name(r->verdict));
	put_round(b, o, "confidence", r->confidence, 0.001);
	put_str(b, o, "time_basis", detect_basis_name(r->basis));
	put_u64(b, o, "dumps", r->n);
	put_num(b, o, "span_hours", r->span_hours);
	x = put(b, o, "allocated", cJSON_CreateObject());
	put_i64(b, x, "first", r->alloc_first);
	put_i64(b, x, "last", r->alloc_last);
	put_i64(b, x, "max", r->alloc_max);
	x = put(b, o, "in_use", cJSON_CreateObject());
	put_i64(b, x, "first", r->inuse_first);
	put_i64(b, x, "last", r->inuse_last);
	put_i64(b, x, "max", r->inuse_max);
	put_i64(b, x, "min", r->inuse_min);
	put_i64(b, o, "stranded", r->stranded);
	put_round(b, o, "utilization", r->utilization, 0.0001);
	x = put(b, o, "model", cJSON_CreateObject());
	put_u64(b, x, "predicted_allocated", m->predicted_allocated);
	put_i64(b, x, "residual_chunks", m->residual_chunks);
	put_u64(b, x, "expected_plateau", m->expected_plateau);
	put_u64(b, x, "peak_in_use", m->peak_in_use);
	put_time(b, x, "peak_at", r->basis,
	         m->peak_index != MODEL_NO_INDEX && r->n > 0 ? m->peak_time : NAN, 1);
	put_time(b, x, "last_new_chunk_at", r->basis,
	         m->last_new_chunk_index != MODEL_NO_INDEX ? m->last_new_chunk_time : NAN, 1);
	put_u64(b, x, "chunk_steps", m->chunk_steps);
	put_u64(b, x, "thread_slack_items", a->slack_items);
	put_bool(b, x, "at_plateau", m->at_plateau);
	x = put(b, o, "trend", cJSON_CreateObject());
	put_num(b, x, "floor_slope_bytes_per_hour", per_hour(r, r->slope));
	if (r->basis == DETECT_BASIS_SEQUENCE)
		put_num(b, x, "floor_slope_bytes_per_dump", r->slope);
	put_round(b, x, "mk_z", r->mk_z, 0.0001);
	put_num(b, x, "p_value", r->mk_p);
	ci = put(b, x, "sen_ci", cJSON_CreateArray());
	put_num(b, ci, NULL, per_hour(r, r->slope_lo));
	put_num(b, ci, NULL, per_hour(r, r->slope_hi));
	put_round(b, x, "autocorrelation_factor", r->n_ns, 0.001);
	put_u64(b, x, "floor_points", r->bins);
	put_num(b, x, "floor_rise", round(r->floor_rise));
	put_num(b, x, "effect_floor", round(r->effect_floor));
	put_num(b, x, "floor_spread", round(r->noise));
	put_num(b, x, "alpha_used", r->alpha_used);
	put_i64(b, x, "allocated_growth", r->alloc_growth);
	put_num(b, x, "early_half_slope_bytes_per_hour", per_hour(r, r->slope_early));
	put_num(b, x, "late_half_slope_bytes_per_hour", per_hour(r, r->slope_late));
	put_bool(b, x, "levelling_off", r->saturating);
	put_num(b, x, "load_period_hours",
	        r->basis == DETECT_BASIS_SEQUENCE || !isfinite(r->period) ? NAN : r->period / 3600.0);
	put_num(b, x, "bytes_per_load", isfinite(r->load_beta) ? round(r->load_beta) : NAN);
	if (isfinite(r->others_coef)) {
		cJSON *y = put(b, x, "other_buckets", cJSON_CreateObject());

		put_num(b, y, "bytes_per_buffer_lost", round(r->others_coef * 100) / 100);
		put_bool(b, y, "in_step_with_time", r->others_collinear);
	}
	if (isfinite(r->ram_coef)) {
		cJSON *y = put(b, x, "ram_cache", cJSON_CreateObject());

		put_num(b, y, "bytes_per_entry", round(r->ram_coef * 100) / 100);
		put_num(b, y, "entries_gained", round(r->ram_gain_items));
		put_bool(b, y, "in_step_with_time", r->ram_collinear);
	}
	x = put(b, o, "churn", cJSON_CreateObject());
	put_num(b, x, "past_level", isfinite(r->past_level) ? round(r->past_level) : NAN);
	put_time(b, x, "peak_at", r->basis, r->peak_x, 1);
	put_time(b, x, "recent_from", r->basis, r->recent_from, 1);
	put_num(b, x, "recent_in_use_max", isfinite(r->recent_max) ? round(r->recent_max) : NAN);
	put_num(b, x, "ratio", r->churn_ratio_seen >= 1e300 ? NAN : round(r->churn_ratio_seen * 100) / 100);
	put_i64(b, x, "stranded_recent", r->stranded_recent);
	put_num(b, x, "floor", round(r->churn_floor));
	x = put(b, o, "forecast", cJSON_CreateObject());
	put_num(b, x, "bytes_per_day", round(r->bytes_per_day));
	put_time(b, o, "since", r->basis, r->since, 1);
	put_str(b, o, "reason", detect_reason_name(r->reason));
	put_str(b, o, "explanation", a->explanation);
	return o;
}

static cJSON *lifetime_json(jb *b, const report_lifetime *rl)
{
	const db_lifetime *lt = &rl->lt;
	const report_totals *t = &rl->totals;
	cJSON *o = cJSON_CreateObject(), *x, *y, *arr;
	size_t k;

	if (o == NULL) {
		b->oom = 1;
		return NULL;
	}
	put_i64(b, o, "index", lt->index);
	put_str(b, o, "format", lt->format);
	put_str(b, o, "mode", lt->mode);
	put_str(b, o, "version", model_version_name(rl->version));
	put_str(b, o, "start_reason", lt->start_reason);
	put_time(b, o, "start", rl->times_back ? DETECT_BASIS_TIME : rl->basis, lt->first_ts, 0);
	put_time(b, o, "end", rl->times_back ? DETECT_BASIS_TIME : rl->basis, lt->last_ts, 0);
	put_str(b, o, "ts_quality", lt->ts_quality);
	put_str(b, o, "time_basis", detect_basis_name(rl->basis));
	put_bool(b, o, "times_go_back", rl->times_back);
	if (rl->windowed) {
		x = put(b, o, "window", cJSON_CreateObject());
		put_time(b, x, "start", DETECT_BASIS_TIME, rl->win_first, 0);
		put_time(b, x, "end", DETECT_BASIS_TIME, rl->win_last, 0);
		put_u64(b, x, "dumps", rl->win_dumps);
	}
	put_i64(b, o, "dumps", lt->dumps);
	put_i64(b, o, "complete_dumps", lt->complete_dumps);
	x = put(b, o, "totals", cJSON_CreateObject());
	put_u64(b, x, "allocated", t->allocated);
	put_u64(b, x, "in_use", t->in_use);
	put_u64(b, x, "stranded", t->stranded);
	put_u64(b, x, "churn_cost", t->churn_cost);
	put_u64(b, x, "complete_dumps_used", t->snapshots);
	put_u64(b, x, "sum_of_peaks", t->sum_of_peaks);
	put_u64(b, x, "peak_of_sum", t->peak_of_sum);
	put_time(b, x, "peak_of_sum_at", rl->basis, t->peak_of_sum_x, 1);
	y = put(b, x, "whatif", cJSON_CreateObject());
	put_u64(b, y, "no_freelist_saves", t->whatif_no_freelist);
	put_u64(b, y, "return_to_os_saves", t->whatif_return_to_os);
	y = put(b, x, "iobuf", cJSON_CreateObject());
	put_u64(b, y, "sum_of_peaks", t->iobuf_sum_of_peaks);
	put_u64(b, y, "peak_of_sum", t->iobuf_peak_of_sum);
	put_u64(b, y, "churn_cost", t->iobuf_churn_cost);
	x = put(b, o, "verdicts", cJSON_CreateObject());
	for (k = 0; k < DETECT_V_COUNT; k++)
		put_u64(b, x, detect_verdict_name((detect_verdict)k), rl->counts[k]);
	arr = put(b, o, "allocators", cJSON_CreateArray());
	for (k = 0; k < rl->nalloc; k++)
		put(b, arr, NULL, alloc_json(b, rl, &rl->alloc[k]));
	return o;
}

static cJSON *report_tree(jb *b, const report *r)
{
	cJSON *root = cJSON_CreateObject(), *x, *arr, *h, *la;
	char iso[32];
	size_t i, l;

	if (root == NULL) {
		b->oom = 1;
		return NULL;
	}
	put_str(b, root, "schema", "tsmem.report/1");
	report_fmt_iso(iso, sizeof iso, r->generated_at);
	put_str(b, root, "generated_at", iso);
	x = put(b, root, "tool", cJSON_CreateObject());
	put_str(b, x, "name", "tsmem");
	put_str(b, x, "version", r->opts.version != NULL ? r->opts.version : "?");
	x = put(b, root, "params", cJSON_CreateObject());
	for (i = 0; i < detect_param_count(); i++)
		put_num(b, x, detect_param_name(i), detect_param_value(&r->opts.params, i));
	x = put(b, root, "filters", cJSON_CreateObject());
	put_str(b, x, "host", r->opts.host);
	put_str(b, x, "allocator", r->opts.glob);
	put_time(b, x, "since", DETECT_BASIS_TIME, r->opts.range.since, 0);
	put_time(b, x, "until", DETECT_BASIS_TIME, r->opts.range.until, 0);
	put_u64(b, x, "lifetimes_out_of_window", r->out_of_window);
	arr = put(b, root, "hosts", cJSON_CreateArray());
	for (i = 0; i < r->nhosts; i++) {
		h = put(b, arr, NULL, cJSON_CreateObject());
		put_str(b, h, "host", r->hosts[i].name);
		la = put(b, h, "lifetimes", cJSON_CreateArray());
		for (l = 0; l < r->hosts[i].nlt; l++)
			put(b, la, NULL, lifetime_json(b, &r->hosts[i].lt[l]));
	}
	x = put(b, root, "summary", cJSON_CreateObject());
	for (i = 0; i < DETECT_V_COUNT; i++)
		put_u64(b, x, detect_verdict_name((detect_verdict)i), r->counts[i]);
	x = put(b, root, "notes", cJSON_CreateArray());
	for (i = 0; i < r->nnotes; i++)
		put(b, x, NULL, cJSON_CreateString(r->notes[i]));
	put_bool(b, root, "verdicts_stored", r->verdicts_stored);
	x = put(b, root, "diagnostics", cJSON_CreateObject());
	put_u64(b, x, "warnings", r->warnings);
	put_u64(b, x, "errors", r->errors);
	return root;
}

tsm_status report_json(const report *r, FILE *out, unsigned flags, char *err)
{
	jb b = {0};
	cJSON *root;
	char *s = NULL;
	tsm_status rc = TSM_OK;

	(void)flags;
	root = report_tree(&b, r);
	if (root != NULL && !b.oom)
		s = cJSON_Print(root);
	if (s == NULL) {
		tsm_seterr(err, "out of memory");
		rc = TSM_NOMEM;
		goto out;
	}
	if (fputs(s, out) == EOF || fputc('\n', out) == EOF || fflush(out) != 0) {
		tsm_seterr(err, "write error");
		rc = TSM_ERR;
	}
out:
	cJSON_free(s);
	cJSON_Delete(root);
	return rc;
}

char *report_evidence_json(const report_lifetime *l, const report_alloc *a)
{
	jb b = {0};
	cJSON *o = alloc_json(&b, l, a);
	char *s = NULL;

	if (o != NULL && !b.oom)
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}
