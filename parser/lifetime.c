/* lifetime.c — split a stream of dumps into traffic_server process
 * lifetimes (spec §2.8) and tell the allocator mode of each.
 *
 * Rules, in order: a start/stop marker since the previous dump; the table
 * format changed (F1..F4); a row's allocated bytes fell (freelist mode) or
 * the TOTAL fell by more than half (reclaimable); a common name changed its
 * type size, or two complete dumps disagree on the row set other than by
 * rows prepended at the top (plugins register late).  Baseline-relative
 * tables take part only through markers.  No I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "parser_int.h"

int plife_init(plife *lf)
{
	memset(lf, 0, sizeof *lf);
	lf->prev = malloc(sizeof *lf->prev);
	lf->prev_ix = malloc(sizeof *lf->prev_ix);
	if (lf->prev == NULL || lf->prev_ix == NULL) {
		plife_free(lf);
		return -1;
	}
	return 0;
}

void plife_free(plife *lf)
{
	if (lf == NULL)
		return;
	free(lf->prev);
	free(lf->prev_ix);
	lf->prev = NULL;
	lf->prev_ix = NULL;
}

/* Mode evidence in one dump. */
static parser_mode dump_mode(const parser_dump *d)
{
	size_t i;
	int any_alloc = 0, any_use = 0, seen[15] = {0}, lo = 15, hi = -1, odd = 0;

	for (i = 0; i < d->nrows; i++) {
		const parser_row *r = &d->rows[i];
		if (r->allocated)
			any_alloc = 1;
		if (r->in_use)
			any_use = 1;
		if (r->bucket >= 0 && strncmp(r->name, "ioBufAllocatorHP", 16) != 0) {
			uint64_t items = r->type_size ? r->allocated / r->type_size : 0;
			uint64_t c = r->chunk_items ? r->chunk_items : (r->bucket <= 5 ? 128 : 32);
			seen[r->bucket] = 1;
			if (r->bucket < lo)
				lo = r->bucket;
			if (r->bucket > hi)
				hi = r->bucket;
			if (items % c != 0)
				odd = 1;
		}
	}
	if (!any_alloc && any_use)
		return PARSER_MODE_MALLOC;
	if (d->format == PARSER_FMT_F1 || d->format == PARSER_FMT_F2) {
		int b, gap = 0;
		for (b = lo; b <= hi; b++)
			if (!seen[b])
				gap = 1;
		if (gap || odd)
			return PARSER_MODE_RECLAIMABLE;
	}
	return PARSER_MODE_FREELIST;
}

static uint64_t total_alloc(const parser_dump *d)
{
	uint64_t t = 0;
	size_t i;

	if (d->has_total)
		return d->total_allocated;
	for (i = 0; i < d->nrows; i++)
		t += d->rows[i].allocated;
	return t;
}

/* Returns a start reason when d cannot continue the previous lifetime. */
static const char *break_reason(plife *lf, parser_dump *d, parser_mode mode)
{
	const parser_dump *p = lf->prev;
	size_t i, common = 0;
	int top_only = 1, seen_common = 0;

	if (lf->marker_pending)
		return "marker";
	if (d->format == PARSER_FMT_F1 && p->format == PARSER_FMT_F2 && !d->complete)
		d->format = PARSER_FMT_F2; /* cut off before its TOTAL: still F2 */
	if (d->format != p->format)
		return "format-changed";
	for (i = 0; i < d->nrows; i++) {
		const parser_row *r = &d->rows[i];
		int j = pname_index_find(lf->prev_ix, p, r->name);
		if (j < 0) {
			if (seen_common)
				top_only = 0;
			continue;
		}
		seen_common = 1;
		common++;
		if (p->rows[j].type_size != r->type_size)
			return "rows-changed";
		if (mode == PARSER_MODE_FREELIST && r->allocated < p->rows[j].allocated)
			return "allocated-fell";
	}
	if (mode == PARSER_MODE_RECLAIMABLE && d->complete && p->complete &&
	    total_alloc(d) < total_alloc(p) / 2)
		return "total-fell";
	if (mode == PARSER_MODE_FREELIST && d->complete && p->complete && d->has_total &&
	    p->has_total && d->total_allocated < p->total_allocated && d->format != PARSER_FMT_F2)
		return "total-fell";
	if (d->complete && p->complete && (common < p->nrows || !top_only))
		return "rows-changed";
	return NULL;
}

void plife_assign(plife *lf, parser_dump *d)
{
	parser_mode mode;
	const char *why = NULL;

	if (d->format == PARSER_FMT_BASELINE) {
		/* Relative values: only markers can split. */
		if (lf->nlifetimes == 0 || lf->marker_pending) {
			why = lf->nlifetimes == 0 ? "first-dump" : "marker";
			goto open_new;
		}
		d->lifetime = lf->lifetime;
		d->new_lifetime = 0;
		d->mode = lf->mode;
		return;
	}
	mode = dump_mode(d);
	if (!lf->have_prev) {
		/* After baseline tables only (MEMTRACK_BASELINE), an absolute
		 * SIGUSR1 table continues the lifetime unless a marker came. */
		if (lf->nlifetimes == 0)
			why = "first-dump";
		else if (lf->marker_pending)
			why = "marker";
	} else {
		parser_mode m = lf->mode;
		if (mode != PARSER_MODE_FREELIST)
			m = mode;
		why = break_reason(lf, d, m);
	}
	if (why == NULL) {
		/* Same lifetime: a mode once seen sticks. */
		if (mode != PARSER_MODE_FREELIST && lf->mode == PARSER_MODE_FREELIST)
			lf->mode = mode;
		d->lifetime = lf->lifetime;
		d->new_lifetime = 0;
		d->mode = lf->mode;
		goto remember;
	}
open_new:
	if (lf->nlifetimes > 0)
		lf->lifetime++;
	lf->nlifetimes++;
	lf->marker_pending = 0;
	lf->mode = d->format == PARSER_FMT_BASELINE ? PARSER_MODE_FREELIST : dump_mode(d);
	d->lifetime = lf->lifetime;
	d->new_lifetime = 1;
	d->start_reason = why;
	d->mode = lf->mode;
	if (d->format == PARSER_FMT_BASELINE) {
		lf->have_prev = 0;
		return;
	}
remember:
	lf->marker_pending = 0;
	memcpy(lf->prev, d, offsetof(parser_dump, rows) + d->nrows * sizeof d->rows[0]);
	pname_index_build(lf->prev_ix, lf->prev);
	lf->have_prev = 1;
}
