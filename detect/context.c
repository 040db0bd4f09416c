/* context.c — what one lifetime's allocators say together: every
 * allocator's in-use on a common grid of bins (minimum and mean per bin),
 * the common load index, the load period found in it, and the RAM cache's
 * entries.  detect_classify judges each allocator against it.
 *
 * The load index of a bin is the median, over the active allocators
 * (median in-use > 0), of the allocator's mean in-use in the bin over its
 * own median, scaled to median 1.  Load moves every connection-driven
 * allocator together; a leak, a fill or a churn moves a few, which the
 * median ignores.
 *
 * The period is the lag of the highest peak of the load index's
 * autocorrelation (after a linear detrend) that follows its first dip
 * below zero, when that peak reaches period_acf: a load that repeats.  A
 * flat load, a ramp or a step has no such peak, and then no period.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify_int.h"
#include "stats.h"

detect_ctx *detect_ctx_new(detect_basis basis, double x0, double x1, size_t ndumps, size_t nalloc,
                           const detect_params *p)
{
	detect_ctx *c = calloc(1, sizeof *c);
	size_t nb, k;

	if (c == NULL)
		return NULL;
	nb = ndumps;
	if ((double)nb > p->max_bins)
		nb = (size_t)p->max_bins;
	if (nb < 1)
		nb = 1;
	c->basis = basis;
	c->x0 = x0;
	c->x1 = x1 > x0 ? x1 : x0;
	c->nb = nb;
	c->na = nalloc;
	c->ram_i = SIZE_MAX;
	c->p = *p;
	c->lo = malloc((nalloc ? nalloc : 1) * nb * sizeof *c->lo);
	c->mean = malloc((nalloc ? nalloc : 1) * nb * sizeof *c->mean);
	c->med = calloc(nalloc ? nalloc : 1, sizeof *c->med);
	c->tsize = calloc(nalloc ? nalloc : 1, sizeof *c->tsize);
	c->role = calloc(nalloc ? nalloc : 1, sizeof *c->role);
	c->bucket = calloc(nalloc ? nalloc : 1, sizeof *c->bucket);
	c->ram_w = calloc(nalloc ? nalloc : 1, sizeof *c->ram_w);
	c->bx = malloc(nb * sizeof *c->bx);
	c->load = malloc(nb * sizeof *c->load);
	c->ram = malloc(nb * sizeof *c->ram);
	if (c->lo == NULL || c->mean == NULL || c->med == NULL || c->tsize == NULL || c->role == NULL ||
	    c->bucket == NULL || c->ram_w == NULL || c->bx == NULL || c->load == NULL || c->ram == NULL) {
		detect_ctx_free(c);
		return NULL;
	}
	for (k = 0; k < (nalloc ? nalloc : 1) * nb; k++)
		c->lo[k] = c->mean[k] = NAN;
	for (k = 0; k < nb; k++) {
		c->bx[k] = c->x0 + ((double)k + 0.5) * (c->x1 - c->x0) / (double)nb;
		c->load[k] = NAN;
		c->ram[k] = NAN;
	}
	c->period = c->period_acf = NAN;
	return c;
}

void detect_ctx_free(detect_ctx *c)
{
	if (c == NULL)
		return;
	free(c->lo);
	free(c->mean);
	free(c->med);
	free(c->tsize);
	free(c->role);
	free(c->bucket);
	free(c->ram_w);
	free(c->bx);
	free(c->load);
	free(c->ram);
	free(c);
}

size_t detect_ctx_bin(const detect_ctx *c, double x)
{
	double f;

	if (!(c->x1 > c->x0))
		return 0;
	f = (x - c->x0) / (c->x1 - c->x0) * (double)c->nb;
	if (!(f > 0))
		return 0;
	return f >= (double)c->nb ? c->nb - 1 : (size_t)f;
}

void detect_ctx_add(detect_ctx *c, size_t i, const char *name, int bucket, uint32_t type_size,
                    const double *x, const int64_t *in_use, size_t n)
{
	float *lo, *mean;
	size_t k, b, *cnt;
	double *sum, *row, m = 0;

	if (c == NULL || i >= c->na)
		return;
	lo = c->lo + i * c->nb;
	mean = c->mean + i * c->nb;
	c->tsize[i] = type_size;
	c->bucket[i] = bucket;
	if (name != NULL && model_is_ram_cache_entry(name))
		c->role[i] = CTX_ROLE_RAM_ENTRY;
	else if (name != NULL && strcmp(name, "ioDataAllocator") == 0)
		c->role[i] = CTX_ROLE_IODATA;
	sum = calloc(c->nb, sizeof *sum);
	cnt = calloc(c->nb, sizeof *cnt);
	row = malloc((n ? n : 1) * sizeof *row);
	if (sum == NULL || cnt == NULL || row == NULL) {
		c->oom = 1;
		goto out;
	}
	for (k = 0; k < n; k++) {
		double v = (double)in_use[k];

		row[k] = v;
		if (!isfinite(x[k]))
			continue;
		b = detect_ctx_bin(c, x[k]);
		if (cnt[b] == 0 || v < lo[b])
			lo[b] = (float)v;
		sum[b] += v;
		cnt[b]++;
	}
	for (b = 0; b < c->nb; b++)
		if (cnt[b] > 0)
			mean[b] = (float)(sum[b] / (double)cnt[b]);
	if (n > 0 && detect_median(row, n, &m) == TSM_OK && m > 0)
		c->med[i] = m;
	if (c->role[i] == CTX_ROLE_RAM_ENTRY && type_size > 0 && c->med[i] > 0 &&
	    (c->ram_i == SIZE_MAX || c->med[i] / type_size > c->med[c->ram_i] / c->tsize[c->ram_i]))
		c->ram_i = i;
out:
	free(sum);
	free(cnt);
	free(row);
}

/* The load period from the autocorrelation of the load index. */
static void find_period(detect_ctx *c)
{
	size_t nb = c->nb, k, h, m = 0, dip = 0;
	double st = 0, sy = 0, stt = 0, sty = 0, var = 0, best = -2, bh = 0;
	double *r;

	if (nb < 8)
		return;
	r = malloc(nb * sizeof *r);
	if (r == NULL) {
		c->oom = 1;
		return;
	}
	for (k = 0; k < nb; k++) {
		if (!isfinite(c->load[k]))
			continue;
		st += (double)k;
		sy += c->load[k];
		stt += (double)k * (double)k;
		sty += (double)k * c->load[k];
		m++;
	}
	if (m < 8) {
		free(r);
		return;
	}
	{
		double den = (double)m * stt - st * st;
		double b1 = den != 0 ? ((double)m * sty - st * sy) / den : 0;
		double b0 = (sy - b1 * st) / (double)m;

		for (k = 0; k < nb; k++) {
			r[k] = isfinite(c->load[k]) ? c->load[k] - (b0 + b1 * (double)k) : NAN;
			if (isfinite(r[k]))
				var += r[k] * r[k];
		}
	}
	if (!(var > 0)) {
		free(r);
		return;
	}
	for (h = 1; h <= nb / 2; h++) {
		double s = 0;
		size_t cnt = 0;

		for (k = 0; k + h < nb; k++)
			if (isfinite(r[k]) && isfinite(r[k + h])) {
				s += r[k] * r[k + h];
				cnt++;
			}
		if (cnt == 0)
			continue;
		/* the usual biased estimator: sum over the lag's pairs / total */
		s /= var;
		if (!dip) {
			if (s < 0)
				dip = h;
			continue;
		}
		if (s > best) {
			best = s;
			bh = (double)h;
		}
	}
	free(r);
	if (dip && best >= c->p.period_acf && bh >= 2) {
		c->period = bh * (c->x1 - c->x0) / (double)nb;
		c->period_acf = best;
	}
}

/* Split the RAM cache's entries among the iobuf buckets: the shares w_b in
 * [0, 1] that make sum_b w_b × items_b(t) follow the entry count best
 * (centred least squares, box-constrained, by coordinate descent). */
static void ram_split(detect_ctx *c)
{
	size_t nb = c->nb, i, b, k, m = 0, nc = 0, it, idx[16];
	double *E, *Y, *res;

	for (i = 0; i < c->na && nc < 16; i++)
		if (c->bucket[i] >= 0 && c->med[i] >= 0 && c->tsize[i] > 0)
			idx[nc++] = i;
	if (nc == 0)
		return;
	E = malloc(nb * sizeof *E);
	Y = malloc(nc * nb * sizeof *Y);
	res = malloc(nb * sizeof *res);
	if (E == NULL || Y == NULL || res == NULL) {
		c->oom = 1;
		goto out;
	}
	for (b = 0; b < nb; b++) {
		int ok = isfinite(c->ram[b]);

		for (k = 0; ok && k < nc; k++)
			ok = isfinite(c->lo[idx[k] * nb + b]);
		if (!ok)
			continue;
		E[m] = c->ram[b];
		for (k = 0; k < nc; k++)
			Y[k * nb + m] = c->lo[idx[k] * nb + b] / (double)c->tsize[idx[k]];
		m++;
	}
	if (m < 6)
		goto out;
	{
		double mean;

		for (mean = 0, b = 0; b < m; b++)
			mean += E[b];
		for (mean /= (double)m, b = 0; b < m; b++)
			E[b] -= mean;
		for (k = 0; k < nc; k++) {
			for (mean = 0, b = 0; b < m; b++)
				mean += Y[k * nb + b];
			for (mean /= (double)m, b = 0; b < m; b++)
				Y[k * nb + b] -= mean;
		}
	}
	memcpy(res, E, m * sizeof *res);   /* res = E − Σ w_k Y_k, w = 0 */
	for (it = 0; it < 200; it++) {
		double moved = 0;

		for (k = 0; k < nc; k++) {
			double num = 0, den = 0, w = c->ram_w[idx[k]], nw;

			for (b = 0; b < m; b++) {
				num += Y[k * nb + b] * (res[b] + w * Y[k * nb + b]);
				den += Y[k * nb + b] * Y[k * nb + b];
			}
			if (!(den > 0))
				continue;
			nw = num / den;
			nw = nw < 0 ? 0 : nw > 1 ? 1 : nw;
			if (nw != w) {
				for (b = 0; b < m; b++)
					res[b] -= (nw - w) * Y[k * nb + b];
				moved += fabs(nw - w);
				c->ram_w[idx[k]] = nw;
			}
		}
		if (moved < 1e-9)
			break;
	}
out:
	free(E);
	free(Y);
	free(res);
}

tsm_status detect_ctx_finish(detect_ctx *c)
{
	size_t i, b, cnt, active = 0;
	double *col, med;

	if (c == NULL)
		return TSM_NOMEM;
	if (c->oom)
		return TSM_NOMEM;
	for (i = 0; i < c->na; i++)
		active += c->med[i] > 0;
	c->active = active;
	col = malloc((c->na ? c->na : 1) * sizeof *col);
	if (col == NULL)
		return TSM_NOMEM;
	if (active >= CTX_MIN_LOAD_ALLOCATORS) {
		for (b = 0; b < c->nb; b++) {
			cnt = 0;
			for (i = 0; i < c->na; i++)
				if (c->med[i] > 0 && isfinite(c->mean[i * c->nb + b]))
					col[cnt++] = c->mean[i * c->nb + b] / c->med[i];
			c->load[b] = NAN;
			if (cnt >= CTX_MIN_LOAD_ALLOCATORS && detect_median(col, cnt, &c->load[b]) != TSM_OK)
				c->load[b] = NAN;
		}
		if (detect_median(c->load, c->nb, &med) == TSM_OK && med > 0) {
			for (b = 0; b < c->nb; b++)
				c->load[b] /= med;
			c->load_ok = 1;
		} else {
			for (b = 0; b < c->nb; b++)
				c->load[b] = NAN;
		}
	}
	free(col);
	if (c->load_ok && c->basis != DETECT_BASIS_SEQUENCE)
		find_period(c);
	if (c->ram_i != SIZE_MAX) {
		double ts = c->tsize[c->ram_i] > 0 ? (double)c->tsize[c->ram_i] : 1;

		for (b = 0; b < c->nb; b++) {
			float v = c->lo[c->ram_i * c->nb + b];

			c->ram[b] = isfinite(v) ? (double)v / ts : NAN;
		}
		c->ram_ok = 1;
		ram_split(c);
	}
	return c->oom ? TSM_NOMEM : TSM_OK;
}

void detect_ctx_get_info(const detect_ctx *c, detect_ctx_info *o)
{
	size_t b;
	double first = NAN, last = NAN;

	memset(o, 0, sizeof *o);
	o->period = o->period_acf = o->ram_first = o->ram_last = o->ram_level_x = NAN;
	if (c == NULL)
		return;
	o->bins = c->nb;
	o->bin_width = (c->x1 - c->x0) / (double)c->nb;
	o->active = c->active;
	o->load_ok = c->load_ok;
	o->period = c->period;
	o->period_acf = c->period_acf;
	o->ram_ok = c->ram_ok;
	if (!c->ram_ok)
		return;
	for (b = 0; b < c->nb; b++)
		if (isfinite(c->ram[b])) {
			if (!isfinite(first))
				first = c->ram[b];
			last = c->ram[b];
		}
	o->ram_first = first;
	o->ram_last = last;
	if (isfinite(first) && last > first) {
		for (b = 0; b < c->nb; b++)
			if (isfinite(c->ram[b]) && c->ram[b] >= first + 0.95 * (last - first)) {
				o->ram_level_x = c->bx[b];
				break;
			}
	}
}
