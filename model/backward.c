/* backward.c — the model run backwards over observed series (spec §3.9):
 * predicted allocated C·ceil(M_k/C), residual chunks, stranded bytes,
 * utilisation, expected plateau with the unobserved-peak allowance δ, and
 * the cross-bucket churn cost and what-ifs; plus the forward allocator rule
 * (model_freelist_*) that the simulator steps.
 *
 * Pure computation on caller arrays; no I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

uint64_t model_round_chunks(uint64_t items, uint32_t chunk_items)
{
	if (chunk_items == 0)
		return items;
	return (items + chunk_items - 1) / chunk_items * chunk_items;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* floor((a − b) / c) for item counts, as a signed chunk count. */
static int64_t chunk_diff(uint64_t a, uint64_t b, uint32_t c)
{
	int64_t d = (int64_t)a - (int64_t)b;

	if (d >= 0)
		return d / c;
	return -((-d + c - 1) / c);
}

tsm_status model_backward(const double *t, const uint64_t *allocated_bytes,
                          const uint64_t *in_use_bytes, size_t n, uint32_t type_size,
                          uint32_t chunk_items, uint64_t slack_items, uint64_t *pred,
                          model_series_result *out)
{
	uint64_t *jumps = NULL;
	uint64_t m = 0, prev_a = 0, prev_u = 0, first_a = 0;
	size_t k, nj = 0;

	memset(out, 0, sizeof *out);
	out->peak_index = MODEL_NO_INDEX;
	out->last_new_chunk_index = MODEL_NO_INDEX;
	out->type_size = type_size;
	out->chunk_items = chunk_items;
	out->slack_items = slack_items;
	if (type_size == 0 || chunk_items == 0)
		return TSM_ERR;
	out->n = n;
	if (n == 0)
		return TSM_OK;
	if (n > 1) {
		jumps = malloc((n - 1) * sizeof *jumps);
		if (jumps == NULL)
			return TSM_NOMEM;
	}
	out->in_use_min = UINT64_MAX;
	out->residual_chunks_min = INT64_MAX;
	out->residual_chunks_max = INT64_MIN;
	for (k = 0; k < n; k++) {
		uint64_t ab = allocated_bytes[k], ub = in_use_bytes[k];
		uint64_t a = ab / type_size, u = ub / type_size, p;
		int64_t r;
		double tk = t != NULL ? t[k] : (double)k;

		if (ab % type_size != 0 || ub % type_size != 0)
			out->not_integral++;
		if (a % chunk_items != 0)
			out->not_multiple++;
		if (u > a + chunk_items)
			out->over_allocated++;
		if (k == 0 || u > m) {
			m = u;
			out->peak_index = k;
			out->peak_time = tk;
		}
		p = model_round_chunks(m, chunk_items);
		if (pred != NULL)
			pred[k] = p * type_size;
		r = chunk_diff(a, p, chunk_items);
		if (r < out->residual_chunks_min)
			out->residual_chunks_min = r;
		if (r > out->residual_chunks_max)
			out->residual_chunks_max = r;
		if (a > u && (a - u) * type_size > out->stranded_max)
			out->stranded_max = (a - u) * type_size;
		if (ab > out->allocated_max)
			out->allocated_max = ab;
		if (ub < out->in_use_min)
			out->in_use_min = ub;
		if (k == 0) {
			first_a = a;
			if (a > 0) {
				out->last_new_chunk_index = 0;
				out->last_new_chunk_time = tk;
				out->chunk_steps = 1;
			}
		} else {
			if (a > prev_a) {
				out->last_new_chunk_index = k;
				out->last_new_chunk_time = tk;
				out->chunk_steps++;
			} else if (a < prev_a) {
				out->allocated_falls++;
			}
			jumps[nj++] = u > prev_u ? u - prev_u : prev_u - u;
		}
		prev_a = a;
		prev_u = u;
		if (k == n - 1) {
			out->allocated = ab;
			out->in_use = ub;
			out->predicted_allocated = p * type_size;
			out->residual_chunks = r;
			out->stranded = a > u ? (a - u) * type_size : 0;
			out->utilization = a > 0 ? (double)u / (double)a : 0.0;
		}
	}
	out->peak_in_use = m * type_size;
	out->chunks_added = prev_a > first_a ? (prev_a - first_a) / chunk_items : 0;
	if (nj > 0) {
		size_t idx;

		qsort(jumps, nj, sizeof *jumps, cmp_u64);
		idx = (size_t)(0.99 * (double)nj + 0.999999);
		if (idx > 0)
			idx--;
		if (idx >= nj)
			idx = nj - 1;
		out->delta_items = jumps[idx];
	}
	free(jumps);
	out->expected_plateau = model_round_chunks(m + out->delta_items, chunk_items) * type_size;
	out->at_plateau = out->allocated <= out->expected_plateau &&
	                  (out->last_new_chunk_index == MODEL_NO_INDEX ||
	                   out->last_new_chunk_index < n - n / 4 || n < 4);
	return TSM_OK;
}

struct model_fleet {
	size_t nalloc;
	size_t snapshots;
	uint64_t *peak;       /* per allocator max in-use */
	uint64_t peak_of_sum;
	size_t peak_of_sum_index;
	uint64_t alloc_last, use_last;
};

model_fleet *model_fleet_new(size_t nalloc)
{
	model_fleet *f;

	if (nalloc == 0)
		return NULL;
	f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	f->peak = calloc(nalloc, sizeof *f->peak);
	if (f->peak == NULL) {
		free(f);
		return NULL;
	}
	f->nalloc = nalloc;
	return f;
}

void model_fleet_add(model_fleet *f, const uint64_t *in_use, const uint64_t *allocated)
{
	uint64_t su = 0, sa = 0;
	size_t b;

	for (b = 0; b < f->nalloc; b++) {
		su += in_use[b];
		sa += allocated != NULL ? allocated[b] : in_use[b];
		if (in_use[b] > f->peak[b])
			f->peak[b] = in_use[b];
	}
	if (f->snapshots == 0 || su > f->peak_of_sum) {
		f->peak_of_sum = su;
		f->peak_of_sum_index = f->snapshots;
	}
	f->alloc_last = sa;
	f->use_last = su;
	f->snapshots++;
}

void model_fleet_get(const model_fleet *f, model_fleet_result *out)
{
	size_t b;

	memset(out, 0, sizeof *out);
	if (f == NULL)
		return;
	out->snapshots = f->snapshots;
	out->nalloc = f->nalloc;
	for (b = 0; b < f->nalloc; b++)
		out->sum_of_peaks += f->peak[b];
	out->peak_of_sum = f->peak_of_sum;
	out->peak_of_sum_index = f->peak_of_sum_index;
	out->churn_cost = out->sum_of_peaks - out->peak_of_sum;
	out->allocated_last = f->alloc_last;
	out->in_use_last = f->use_last;
	out->stranded_last = f->alloc_last > f->use_last ? f->alloc_last - f->use_last : 0;
	out->whatif_no_freelist = f->alloc_last > f->peak_of_sum ? f->alloc_last - f->peak_of_sum : 0;
	out->whatif_return_to_os = out->stranded_last;
}

void model_fleet_free(model_fleet *f)
{
	if (f == NULL)
		return;
	free(f->peak);
	free(f);
}

tsm_status model_fleet_compute(const uint64_t *in_use, const uint64_t *allocated,
                               size_t n, size_t nalloc, model_fleet_result *out)
{
	model_fleet *f;
	size_t k;

	memset(out, 0, sizeof *out);
	if (nalloc == 0)
		return TSM_OK;
	f = model_fleet_new(nalloc);
	if (f == NULL)
		return TSM_NOMEM;
	for (k = 0; k < n; k++)
		model_fleet_add(f, in_use + k * nalloc, allocated != NULL ? allocated + k * nalloc : NULL);
	model_fleet_get(f, out);
	model_fleet_free(f);
	return TSM_OK;
}

void model_freelist_init(model_freelist *f, uint32_t type_size, uint32_t chunk_items)
{
	memset(f, 0, sizeof *f);
	f->type_size = type_size;
	f->chunk_items = chunk_items > 0 ? chunk_items : 1;
}

uint64_t model_freelist_set_used(model_freelist *f, uint64_t items, uint32_t race_chunks)
{
	uint64_t added = 0;

	if (items > f->allocated) {
		added = (items - f->allocated + f->chunk_items - 1) / f->chunk_items;
		added += race_chunks;
		f->races += race_chunks;
		f->allocated += added * f->chunk_items;
	}
	f->used = items;
	return added;
}
