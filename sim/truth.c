/* truth.c — the ground truth of a simulation as JSON (schema
 * "tsmem.truth/1"), shaped like the report JSON (hosts[].lifetimes[]
 * .allocators[]{name, verdict}) so tests can score the detector.  Built
 * with cJSON and written to the caller's FILE *.
 */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

void sim_truth_free(sim_truth *truth)
{
	size_t i;

	if (truth == NULL)
		return;
	for (i = 0; i < truth->nlifetimes; i++)
		free(truth->lifetimes[i].alloc);
	free(truth->lifetimes);
	truth->lifetimes = NULL;
	truth->nlifetimes = 0;
}

static void iso(double t, char buf[32])
{
	/* days since the epoch to a civil date (proleptic Gregorian), as in writer.c */
	int64_t secs = (int64_t)t, days = secs / 86400, sod = secs % 86400;
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int y = (int)(yoe + era * 400 + (m <= 2));

	snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, (int)(sod / 3600),
	         (int)(sod / 60 % 60), (int)(sod % 60));
}

static cJSON *alloc_json(const sim_truth_alloc *a)
{
	cJSON *o = cJSON_CreateObject();
	char ts[32];

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "name", a->name);
	if (a->bucket >= 0)
		cJSON_AddNumberToObject(o, "bucket", a->bucket);
	else
		cJSON_AddNullToObject(o, "bucket");
	cJSON_AddStringToObject(o, "verdict", a->verdict);
	cJSON_AddBoolToObject(o, "detectable", a->detectable);
	cJSON_AddStringToObject(o, "mechanism", a->mechanism);
	cJSON_AddNumberToObject(o, "type_size", a->type_size);
	cJSON_AddNumberToObject(o, "chunk_items", a->chunk_items);
	cJSON_AddNumberToObject(o, "leaked_bytes", (double)a->leaked_bytes);
	cJSON_AddNumberToObject(o, "stranded_bytes", (double)a->stranded_bytes);
	cJSON_AddNumberToObject(o, "peak_in_use", (double)a->peak_in_use);
	cJSON_AddNumberToObject(o, "allocated_last", (double)a->allocated_last);
	cJSON_AddNumberToObject(o, "in_use_last", (double)a->in_use_last);
	cJSON_AddNumberToObject(o, "race_chunks", (double)a->races);
	if (a->event_time > 0) {
		iso(a->event_time, ts);
		cJSON_AddStringToObject(o, "event_time", ts);
	}
	return o;
}

static cJSON *build(const sim_truth *t)
{
	cJSON *root = cJSON_CreateObject(), *hosts, *host, *lts;
	size_t i, j;

	if (root == NULL)
		return NULL;
	cJSON_AddStringToObject(root, "schema", "tsmem.truth/1");
	cJSON_AddStringToObject(root, "scenario", t->scenario);
	cJSON_AddNumberToObject(root, "seed", (double)t->seed);
	cJSON_AddStringToObject(root, "format", t->format);
	cJSON_AddNumberToObject(root, "days", t->days);
	cJSON_AddNumberToObject(root, "interval", t->interval);
	cJSON_AddNumberToObject(root, "dumps", (double)t->dumps);
	cJSON_AddNumberToObject(root, "rows", (double)t->rows);
	cJSON_AddNumberToObject(root, "bytes", (double)t->bytes);
	hosts = cJSON_AddArrayToObject(root, "hosts");
	host = cJSON_CreateObject();
	if (hosts == NULL || host == NULL || !cJSON_AddItemToArray(hosts, host)) {
		cJSON_Delete(host);
		cJSON_Delete(root);
		return NULL;
	}
	cJSON_AddStringToObject(host, "host", t->host);
	lts = cJSON_AddArrayToObject(host, "lifetimes");
	for (i = 0; lts != NULL && i < t->nlifetimes; i++) {
		const sim_truth_lifetime *lt = &t->lifetimes[i];
		cJSON *lo = cJSON_CreateObject(), *arr;
		char ts[32];

		if (lo == NULL || !cJSON_AddItemToArray(lts, lo)) {
			cJSON_Delete(lo);
			cJSON_Delete(root);
			return NULL;
		}
		cJSON_AddNumberToObject(lo, "index", lt->index);
		iso(lt->start, ts);
		cJSON_AddStringToObject(lo, "start", ts);
		iso(lt->end, ts);
		cJSON_AddStringToObject(lo, "end", ts);
		cJSON_AddNumberToObject(lo, "dumps", (double)lt->dumps);
		cJSON_AddStringToObject(lo, "end_reason", lt->end_reason);
		arr = cJSON_AddArrayToObject(lo, "allocators");
		for (j = 0; arr != NULL && j < lt->nalloc; j++) {
			cJSON *ao = alloc_json(&lt->alloc[j]);

			if (ao == NULL || !cJSON_AddItemToArray(arr, ao)) {
				cJSON_Delete(ao);
				cJSON_Delete(root);
				return NULL;
			}
		}
	}
	return root;
}

tsm_status sim_truth_write(const sim_truth *truth, FILE *out, char *err)
{
	cJSON *root = build(truth);
	char *text;
	size_t n;
	tsm_status rc = TSM_OK;

	if (root == NULL) {
		tsm_seterr(err, "out of memory");
		return TSM_NOMEM;
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (text == NULL) {
		tsm_seterr(err, "out of memory");
		return TSM_NOMEM;
	}
	n = strlen(text);
	if (fwrite(text, 1, n, out) != n || fputc('\n', out) == EOF || fflush(out) != 0) {
		tsm_seterr(err, "write error");
		rc = TSM_ERR;
	}
	cJSON_free(text);
	return rc;
}
