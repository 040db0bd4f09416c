/* parser.c — the streaming dump parser: line splitting, the table state
 * machine, dump assembly and emission (spec §1, §2).
 *
 * Up to two dumps may be open at once (a SIGUSR1 dump interleaved with a
 * periodic one).  A closed dump waits in a short queue until the next
 * header, marker or the end of input, so that a following sbrk line can
 * mark it SIGUSR1 and its ResourceTracker rows can travel with it.  Then
 * lifetime.c decides its lifetime and the on_dump callback receives it.
 * Talks to: classify.c, rows.c, lifetime.c.  No I/O, no SQL.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser_int.h"

typedef struct pdump {
	parser_dump d;
	int upper;              /* capitalised header (F3) */
	int lower;              /* lower-case header (F1/F2) */
	int implicit;           /* rows without a header */
	int bad_rows;
	uint64_t rows_since_newer; /* rows received since a newer dump opened */
	uint64_t last_end;      /* offset just past the dump's last own line */
	size_t nres;
	parser_resource res[PARSER_MAX_RES];
} pdump;

enum { RS_NONE = 0, RS_R1, RS_R3, RS_SSL };

#define NQUEUE 4

struct parser {
	parser_callbacks cb;
	pclassify cls;
	plife life;
	parser_stats st;
	/* line assembly */
	char *line;
	size_t linelen;
	int overflow;
	uint64_t offset;          /* bytes consumed so far */
	uint64_t line_off;        /* offset of the current line */
	uint64_t lineno;
	/* dumps */
	pdump *pool[2 + NQUEUE];  /* buffers */
	int used[2 + NQUEUE];
	pdump *open[2];
	int nopen;
	pdump *queue[NQUEUE];
	int nqueue;
	uint64_t next_seq;
	size_t learned_rows;      /* rows of the last complete F1..F4 dump */
	parser_format last_hdr_fmt;
	int rstate;
	int jemalloc;
	uint64_t jemalloc_line;
	int next_sigusr1;
	/* baseline reconstruction: absolute values of the first table */
	parser_dump *base;
	pname_index *base_ix;
	int have_base;
	uint64_t base_lifetime;
	/* diagnostics */
	uint64_t diag_count[PARSER_NCODES];
	const char *diag_code[PARSER_NCODES];
	int ndiag_codes;
	int aborted;
};

/* ---- diagnostics ----------------------------------------------------------- */

static int code_slot(parser *p, const char *code)
{
	int i;

	for (i = 0; i < p->ndiag_codes; i++)
		if (p->diag_code[i] == code || strcmp(p->diag_code[i], code) == 0)
			return i;
	if (p->ndiag_codes == PARSER_NCODES)
		return PARSER_NCODES - 1;
	p->diag_code[p->ndiag_codes] = code;
	return p->ndiag_codes++;
}

static void diag_at(parser *p, uint64_t line, uint64_t off, tsm_severity sev, const char *code,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void diag_at(parser *p, uint64_t line, uint64_t off, tsm_severity sev, const char *code,
                    const char *fmt, ...)
{
	tsm_diag dg;
	va_list ap;
	int slot = code_slot(p, code);

	if (sev == TSM_SEV_WARNING)
		p->st.warnings++;
	else if (sev == TSM_SEV_ERROR)
		p->st.errors++;
	if (++p->diag_count[slot] > PARSER_DIAG_CAP)
		return;
	memset(&dg, 0, sizeof dg);
	dg.line = line;
	dg.byte_offset = off;
	dg.severity = sev;
	dg.code = code;
	va_start(ap, fmt);
	vsnprintf(dg.message, sizeof dg.message, fmt, ap);
	va_end(ap);
	if (p->cb.on_diag && !p->aborted && p->cb.on_diag(p->cb.ctx, &dg) != 0)
		p->aborted = 1;
}

#define DIAG(p, sev, code, ...) diag_at((p), (p)->lineno, (p)->line_off, (sev), (code), __VA_ARGS__)

/* ---- names ----------------------------------------------------------------- */

const char *parser_format_name(parser_format f)
{
	switch (f) {
	case PARSER_FMT_F1: return "F1";
	case PARSER_FMT_F2: return "F2";
	case PARSER_FMT_F3: return "F3";
	case PARSER_FMT_F4: return "F4";
	case PARSER_FMT_BASELINE: return "baseline";
	case PARSER_FMT_NONE: break;
	}
	return "none";
}

const char *parser_kind_name(parser_kind k)
{
	switch (k) {
	case PARSER_KIND_SIGUSR1: return "sigusr1";
	case PARSER_KIND_BASELINE: return "baseline";
	case PARSER_KIND_PERIODIC: break;
	}
	return "periodic";
}

const char *parser_mode_name(parser_mode m)
{
	switch (m) {
	case PARSER_MODE_MALLOC: return "malloc";
	case PARSER_MODE_RECLAIMABLE: return "reclaimable";
	case PARSER_MODE_FREELIST: break;
	}
	return "freelist";
}

/* ---- life cycle ------------------------------------------------------------ */

parser *parser_new(const parser_callbacks *cb, char *err)
{
	parser *p = calloc(1, sizeof *p);
	int i;

	if (p == NULL) {
		tsm_seterr(err, "out of memory");
		return NULL;
	}
	if (cb != NULL)
		p->cb = *cb;
	if (pclassify_init(&p->cls, err) != 0) {
		free(p);
		return NULL;
	}
	p->line = malloc(PARSER_LINE_MAX);
	p->base = malloc(sizeof *p->base);
	p->base_ix = malloc(sizeof *p->base_ix);
	if (p->line == NULL || p->base == NULL || p->base_ix == NULL || plife_init(&p->life) != 0)
		goto nomem;
	for (i = 0; i < 2 + NQUEUE; i++) {
		p->pool[i] = malloc(sizeof *p->pool[i]);
		if (p->pool[i] == NULL)
			goto nomem;
	}
	return p;
nomem:
	tsm_seterr(err, "out of memory");
	parser_free(p);
	return NULL;
}

void parser_free(parser *p)
{
	int i;

	if (p == NULL)
		return;
	pclassify_free(&p->cls);
	plife_free(&p->life);
	for (i = 0; i < 2 + NQUEUE; i++)
		free(p->pool[i]);
	free(p->line);
	free(p->base);
	free(p->base_ix);
	free(p);
}

const parser_stats *parser_get_stats(const parser *p)
{
	return &p->st;
}

static pdump *pd_get(parser *p)
{
	int i;

	for (i = 0; i < 2 + NQUEUE; i++) {
		if (!p->used[i]) {
			pdump *x = p->pool[i];
			p->used[i] = 1;
			memset(x, 0, offsetof(pdump, d.rows));
			x->upper = x->lower = x->implicit = x->bad_rows = 0;
			x->rows_since_newer = 0;
			x->nres = 0;
			return x;
		}
	}
	return NULL; /* cannot happen: open ≤ 2, queue ≤ NQUEUE */
}

static void pd_put(parser *p, pdump *x)
{
	int i;

	for (i = 0; i < 2 + NQUEUE; i++)
		if (p->pool[i] == x)
			p->used[i] = 0;
}

/* ---- emission --------------------------------------------------------------- */

/* Baseline tables: the first of a lifetime is absolute; later ones are
 * relative to it (spec §1.2). */
static void baseline_fix(parser *p, parser_dump *d)
{
	size_t i;

	if (!p->have_base || d->new_lifetime || p->base_lifetime != d->lifetime) {
		for (i = 0; i < d->nrows; i++) {
			parser_row *r = &d->rows[i];
			r->abs_known = r->delta_in_use >= 0;
			r->allocated = (uint64_t)r->delta_allocated;
			r->in_use = r->delta_in_use >= 0 ? (uint64_t)r->delta_in_use : 0;
		}
		memcpy(p->base, d, offsetof(parser_dump, rows) + d->nrows * sizeof d->rows[0]);
		pname_index_build(p->base_ix, p->base);
		p->have_base = 1;
		p->base_lifetime = d->lifetime;
		return;
	}
	for (i = 0; i < d->nrows; i++) {
		parser_row *r = &d->rows[i];
		int j = pname_index_find(p->base_ix, p->base, r->name);
		int64_t a = r->delta_allocated, u = r->delta_in_use;
		if (j >= 0) {
			a += (int64_t)p->base->rows[j].allocated;
			u += (int64_t)p->base->rows[j].in_use;
		}
		r->abs_known = a >= 0 && u >= 0;
		r->allocated = a >= 0 ? (uint64_t)a : 0;
		r->in_use = u >= 0 ? (uint64_t)u : 0;
	}
}

static void emit(parser *p, pdump *x)
{
	parser_dump *d = &x->d;
	size_t i;

	d->seq = p->next_seq++;
	plife_assign(&p->life, d);
	if (d->new_lifetime)
		p->st.lifetimes++;
	if (d->format == PARSER_FMT_BASELINE)
		baseline_fix(p, d);
	p->st.dumps++;
	p->st.rows += d->nrows;
	if (!p->aborted && p->cb.on_dump && p->cb.on_dump(p->cb.ctx, d) != 0)
		p->aborted = 1;
	for (i = 0; i < x->nres && !p->aborted; i++) {
		x->res[i].dump_seq = d->seq;
		if (p->cb.on_resource && p->cb.on_resource(p->cb.ctx, &x->res[i]) != 0)
			p->aborted = 1;
	}
	pd_put(p, x);
}

static void flush_queue(parser *p)
{
	int i;

	for (i = 0; i < p->nqueue; i++)
		emit(p, p->queue[i]);
	p->nqueue = 0;
	p->rstate = RS_NONE;
}

static void check_total(parser *p, pdump *x)
{
	uint64_t a = 0;
	size_t i;

	if (!x->d.has_total || !x->d.complete || x->bad_rows || x->d.format == PARSER_FMT_F2)
		return;
	for (i = 0; i < x->d.nrows; i++)
		a += x->d.rows[i].allocated;
	if (a != x->d.total_allocated)
		diag_at(p, x->d.line, x->d.byte_offset, TSM_SEV_WARNING, "total-mismatch",
		        "TOTAL allocated %llu differs from the sum of the rows %llu",
		        (unsigned long long)x->d.total_allocated, (unsigned long long)a);
}

/* Close open slot i; the dump joins the emission queue. */
static void close_slot(parser *p, int i, int complete)
{
	pdump *x = p->open[i];

	x->d.complete = complete;
	x->d.end_offset = x->last_end;
	if (p->nopen == 2 && i == 0)
		p->open[0] = p->open[1];
	p->nopen--;
	if (x->d.format == PARSER_FMT_NONE)
		x->d.format = PARSER_FMT_F3;
	if (complete && x->d.format != PARSER_FMT_BASELINE)
		p->learned_rows = x->d.nrows;
	check_total(p, x);
	if (p->nqueue == NQUEUE)
		flush_queue(p);
	p->queue[p->nqueue++] = x;
}

static pdump *open_dump(parser *p, parser_format f, int upper, int lower)
{
	pdump *x;

	if (p->nopen == 2) {
		diag_at(p, p->open[0]->d.line, p->open[0]->d.byte_offset, TSM_SEV_WARNING, "dump-cut-off",
		        "dump cut off: a third dump header at line %llu while two were open",
		        (unsigned long long)p->lineno);
		close_slot(p, 0, 0);
	}
	if (p->nopen == 0)
		flush_queue(p);
	x = pd_get(p);
	x->d.format = f;
	x->d.kind = f == PARSER_FMT_BASELINE ? PARSER_KIND_BASELINE : PARSER_KIND_PERIODIC;
	if (p->next_sigusr1 && f != PARSER_FMT_BASELINE)
		x->d.kind = PARSER_KIND_SIGUSR1;
	p->next_sigusr1 = 0;
	x->d.line = p->lineno;
	x->d.byte_offset = p->line_off;
	x->last_end = p->offset;
	x->upper = upper;
	x->lower = lower;
	if (p->nopen == 1)
		p->open[0]->rows_since_newer = 0;
	p->open[p->nopen++] = x;
	p->rstate = RS_NONE;
	if (f != PARSER_FMT_BASELINE && f != PARSER_FMT_NONE)
		p->last_hdr_fmt = f;
	return x;
}

/* ---- rows ------------------------------------------------------------------- */

static int has_name(const parser_dump *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nrows; i++)
		if (strcmp(d->rows[i].name, name) == 0)
			return 1;
	return 0;
}

static int valid_utf8_name(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3;
		else
			return 0;
		for (size_t j = 1; j <= k; j++)
			if (i + j >= n || ((unsigned char)s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

static int fields_numeric(const prow_fields *pf, int nnum, uint64_t *v)
{
	int i;

	for (i = 0; i < nnum; i++)
		if (parser_parse_u64(pf->f[i], pf->len[i], &v[i]) != 0)
			return i + 1;
	return 0;
}

/* Which open dump takes a row of shape `f` named `name`. */
static pdump *target_for_row(parser *p, parser_format shape, const char *name)
{
	int i, n = 0;
	pdump *cand[2];

	for (i = 0; i < p->nopen; i++) {
		parser_format f = p->open[i]->d.format;
		int ok = (shape == PARSER_FMT_F4) ? f == PARSER_FMT_F4
		       : (shape == PARSER_FMT_BASELINE) ? f == PARSER_FMT_BASELINE
		       : (f == PARSER_FMT_F1 || f == PARSER_FMT_F2 || f == PARSER_FMT_F3 || f == PARSER_FMT_NONE);
		if (ok)
			cand[n++] = p->open[i];
	}
	if (n == 0)
		return NULL;
	if (n == 1)
		return cand[0];
	if (has_name(&cand[0]->d, name) && !has_name(&cand[1]->d, name))
		return cand[1];
	if (!has_name(&cand[0]->d, name))
		return cand[0];
	return cand[1];
}

static void handle_row(parser *p, const prow_fields *pf, parser_format shape)
{
	uint64_t v[7];
	int nnum = pf->n - 1, bad;
	const char *nm = pf->f[pf->n - 1] + 7;
	size_t nmlen = pf->len[pf->n - 1] - 7;
	pdump *x;
	parser_row *r;

	if ((bad = fields_numeric(pf, nnum, v)) != 0) {
		if (p->nopen > 0)
			p->open[0]->bad_rows++;
		DIAG(p, TSM_SEV_WARNING, "bad-number", "column %d of the row for '%.*s' is not a number in 0..2^64-1: '%.*s'",
		     bad, (int)(nmlen > 64 ? 64 : nmlen), nm, (int)(pf->len[bad - 1] > 40 ? 40 : pf->len[bad - 1]),
		     pf->f[bad - 1]);
		return;
	}
	if (nmlen == 0 || nmlen >= PARSER_NAME_MAX || !valid_utf8_name(nm, nmlen)) {
		if (p->nopen > 0)
			p->open[0]->bad_rows++;
		DIAG(p, TSM_SEV_WARNING, "bad-name", "freelist name is empty, longer than %d bytes, or not UTF-8",
		     PARSER_NAME_MAX - 1);
		return;
	}
	{
		char name[PARSER_NAME_MAX];
		memcpy(name, nm, nmlen);
		name[nmlen] = '\0';
		x = target_for_row(p, shape, name);
		if (x == NULL) {
			if (p->nopen > 0) {
				p->open[0]->bad_rows++;
				DIAG(p, TSM_SEV_WARNING, "bad-row", "row with %d columns does not fit the open %s table",
				     pf->n, parser_format_name(p->open[0]->d.format));
				return;
			}
			/* The input starts in the middle of a dump. */
			x = open_dump(p, shape == PARSER_FMT_F4 ? PARSER_FMT_F4
			                 : shape == PARSER_FMT_BASELINE ? PARSER_FMT_BASELINE
			                 : (p->last_hdr_fmt ? p->last_hdr_fmt : PARSER_FMT_F3), 0, 0);
			x->implicit = 1;
			if (x->d.format == PARSER_FMT_F2)
				x->d.format = PARSER_FMT_F1, x->lower = 1;
			if (x->d.format == PARSER_FMT_F3)
				x->upper = 1;
			DIAG(p, TSM_SEV_WARNING, "headerless-rows", "table rows without a header: the input starts inside a dump");
		}
		if (p->nopen == 2 && x == p->open[1] && p->open[0]->rows_since_newer == 0 && x->d.nrows > 0) {
			/* The older dump got nothing since this one began: it was cut off. */
			diag_at(p, p->open[0]->d.line, p->open[0]->d.byte_offset, TSM_SEV_WARNING, "dump-cut-off",
			        "dump cut off after %zu rows (a new dump began at line %llu)", p->open[0]->d.nrows,
			        (unsigned long long)x->d.line);
			close_slot(p, 0, 0);
		}
		if (p->nopen == 2 && x == p->open[0])
			x->rows_since_newer++;
		if (x->d.nrows == PARSER_MAX_ROWS) {
			DIAG(p, TSM_SEV_WARNING, "too-many-rows", "more than %d rows in one dump; row dropped", PARSER_MAX_ROWS);
			return;
		}
		r = &x->d.rows[x->d.nrows];
		memcpy(r->name, name, nmlen + 1);
	}
	r->line = p->lineno;
	r->bucket = parser_bucket_of(r->name);
	r->alloc_count = r->in_use_count = 0;
	r->chunk_items = r->hp_fails = 0;
	r->has_counts = r->abs_known = 0;
	r->delta_allocated = r->delta_in_use = 0;
	if (shape == PARSER_FMT_F4) {
		r->allocated = v[0];
		r->alloc_count = v[1];
		r->in_use = v[2];
		r->in_use_count = v[3];
		if (v[4] > UINT32_MAX || v[5] > UINT32_MAX || v[6] > UINT32_MAX)
			goto too_wide;
		r->type_size = (uint32_t)v[4];
		r->chunk_items = (uint32_t)v[5];
		r->hp_fails = (uint32_t)v[6];
		r->has_counts = 1;
	} else if (shape == PARSER_FMT_BASELINE) {
		uint64_t cnt = v[2];
		if (v[3] > UINT32_MAX)
			goto too_wide;
		r->type_size = (uint32_t)v[3];
		r->delta_allocated = v[0] > INT64_MAX ? INT64_MAX : (int64_t)v[0];
		if (cnt >= (1ull << 31) && cnt < (1ull << 32)) {
			/* uint32 wrap of a negative in-use delta */
			r->delta_in_use = ((int64_t)cnt - (int64_t)(1ull << 32)) * (int64_t)r->type_size;
		} else {
			r->delta_in_use = v[1] > INT64_MAX ? INT64_MAX : (int64_t)v[1];
		}
		r->allocated = r->in_use = 0;
	} else {
		r->allocated = v[0];
		r->in_use = v[1];
		if (v[2] > UINT32_MAX)
			goto too_wide;
		r->type_size = (uint32_t)v[2];
	}
	if (r->type_size == 0) {
		x->bad_rows++;
		DIAG(p, TSM_SEV_WARNING, "bad-row", "type size 0 for '%s'", r->name);
		return;
	}
	if (shape != PARSER_FMT_BASELINE) {
		if (r->allocated % r->type_size != 0 || r->in_use % r->type_size != 0)
			DIAG(p, TSM_SEV_WARNING, "not-multiple", "bytes of '%s' are not a multiple of its type size %u",
			     r->name, r->type_size);
		if (r->allocated > 0 && r->in_use > r->allocated) {
			uint64_t c = r->chunk_items ? r->chunk_items : 128;
			if (r->in_use - r->allocated > c * (uint64_t)r->type_size)
				DIAG(p, TSM_SEV_WARNING, "in-use-above-allocated",
				     "'%s' in-use %llu exceeds allocated %llu by more than one chunk", r->name,
				     (unsigned long long)r->in_use, (unsigned long long)r->allocated);
		}
	}
	x->d.nrows++;
	x->last_end = p->offset;
	return;
too_wide:
	x->bad_rows++;
	DIAG(p, TSM_SEV_WARNING, "bad-number", "a size column of '%s' exceeds 32 bits", r->name);
}

static void handle_total(parser *p, const prow_fields *pf)
{
	uint64_t a, u;
	int i;
	pdump *x = NULL;

	if (parser_parse_u64(pf->f[0], pf->len[0], &a) != 0 || parser_parse_u64(pf->f[1], pf->len[1], &u) != 0) {
		DIAG(p, TSM_SEV_WARNING, "bad-number", "TOTAL row with a value that is not a number in 0..2^64-1");
		return;
	}
	for (i = 0; i < p->nopen; i++)
		if (!p->open[i]->d.has_total && p->open[i]->d.format != PARSER_FMT_BASELINE) {
			x = p->open[i];
			break;
		}
	if (x == NULL) {
		DIAG(p, TSM_SEV_NOTE, "stray-total", "TOTAL row outside a dump");
		return;
	}
	x->d.has_total = 1;
	x->last_end = p->offset;
	x->d.total_allocated = a;
	x->d.total_in_use = u;
	if (x->lower || x->d.format == PARSER_FMT_F1) {
		x->d.format = PARSER_FMT_F2; /* F2 ends at its TOTAL */
		close_slot(p, i, 1);
	}
}

/* ---- resource tracker ------------------------------------------------------ */

static void add_res(parser *p, const parser_resource *r)
{
	pdump *x = p->nqueue ? p->queue[p->nqueue - 1] : NULL;

	if (x == NULL) {
		DIAG(p, TSM_SEV_NOTE, "orphan-resource", "ResourceTracker row without a preceding dump");
		return;
	}
	if (x->nres == PARSER_MAX_RES) {
		DIAG(p, TSM_SEV_WARNING, "too-many-rows", "more than %d ResourceTracker rows; row dropped", PARSER_MAX_RES);
		return;
	}
	x->res[x->nres++] = *r;
}

static int parse_i64(const char *s, size_t n, int64_t *out)
{
	uint64_t v;
	int neg = 0;

	while (n > 0 && *s == ' ')
		s++, n--;
	if (n > 0 && *s == '-')
		neg = 1, s++, n--;
	if (parser_parse_u64(s, n, &v) != 0 || v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static int handle_resource(parser *p, const prow_fields *pf)
{
	parser_resource r;
	size_t ln;

	memset(&r, 0, sizeof r);
	r.line = p->lineno;
	if (p->rstate == RS_R1 && pf->n == 2) {
		if (parse_i64(pf->f[1], pf->len[1], &r.in_use) != 0)
			return 0;
		ln = pf->len[0] < sizeof r.location - 1 ? pf->len[0] : sizeof r.location - 1;
		memcpy(r.location, pf->f[0], ln);
		r.is_total = strcmp(r.location, "TOTAL") == 0;
		if (r.is_total)
			p->rstate = RS_NONE; /* R1 ends at its TOTAL */
	} else if (p->rstate == RS_R3 && pf->n == 5) {
		if (parse_i64(pf->f[0], pf->len[0], &r.allocs) || parse_i64(pf->f[1], pf->len[1], &r.frees) ||
		    parse_i64(pf->f[2], pf->len[2], &r.in_use) || parse_i64(pf->f[3], pf->len[3], &r.avg_size))
			return 0;
		ln = pf->len[4] < sizeof r.location - 1 ? pf->len[4] : sizeof r.location - 1;
		memcpy(r.location, pf->f[4], ln);
	} else if (p->rstate == RS_R3 && pf->n == 3 && pf->len[1] == 0 && pf->len[2] == 5 &&
	           memcmp(pf->f[2], "TOTAL", 5) == 0) {
		if (parse_i64(pf->f[0], pf->len[0], &r.in_use))
			return 0;
		strcpy(r.location, "TOTAL");
		r.is_total = 1;
	} else if (p->rstate == RS_SSL && pf->n == 4) {
		if (parse_i64(pf->f[0], pf->len[0], &r.allocs) || parse_i64(pf->f[1], pf->len[1], &r.frees) ||
		    parse_i64(pf->f[2], pf->len[2], &r.in_use))
			return 0;
		ln = pf->len[3] < sizeof r.location - 1 ? pf->len[3] : sizeof r.location - 1;
		memcpy(r.location, pf->f[3], ln);
		r.is_ssl = 1;
	} else {
		return 0;
	}
	add_res(p, &r);
	return 1;
}

/* ---- lines ------------------------------------------------------------------ */

/* Lines that end a table without an end marker (F1, 5.3 baseline). */
static void close_markerless_at(parser *p, int at_eof)
{
	while (p->nopen > 0) {
		pdump *x = p->open[0];
		if (x->d.format == PARSER_FMT_F1 || (x->d.format == PARSER_FMT_BASELINE && x->d.nrows > 0)) {
			/* At end of input an F1 table may have been cut: only a row
			 * count learned from an earlier table can tell. */
			int complete = x->d.format == PARSER_FMT_BASELINE ||
			               (p->learned_rows == 0 ? !at_eof : x->d.nrows >= p->learned_rows);
			if (!complete && at_eof)
				diag_at(p, x->d.line, x->d.byte_offset, TSM_SEV_WARNING, "dump-truncated",
				        "dump may be cut off at end of input after %zu rows", x->d.nrows);
			close_slot(p, 0, complete);
		} else {
			break;
		}
	}
}

static void close_markerless(parser *p)
{
	close_markerless_at(p, 0);
}

static int is_binary(const char *s, size_t n)
{
	size_t i;

	if (memchr(s, '\0', n) != NULL)
		return 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && c != '\t')
			return 1;
	}
	return !valid_utf8_name(s, n);
}

static void handle_line(parser *p, const char *s, size_t n)
{
	prow_fields pf;
	parser_anchor a;
	parser_marker_kind mk = PARSER_MARK_ROOT_DIR;
	int also_sbrk = 0, k;
	pline_kind kind;

	p->st.lines++;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	/* Hot path: a freelist row "… | memory/name". */
	if (n > 8 && !p->jemalloc && (k = prow_split(s, n, &pf)) != 0) {
		size_t ll = pf.len[k - 1];
		if (p->rstate != RS_NONE && handle_resource(p, &pf))
			return;
		const char *last = pf.f[k - 1];
		if (ll >= 7 && memcmp(last, "memory/", 7) == 0) {
			if (k == 4 || k == 5 || k == 8) {
				handle_row(p, &pf, k == 8 ? PARSER_FMT_F4 : k == 5 ? PARSER_FMT_BASELINE : PARSER_FMT_F3);
			} else {
				if (p->nopen > 0)
					p->open[0]->bad_rows++;
				DIAG(p, TSM_SEV_WARNING, "bad-row", "row has %d columns; expected 4, 5 or 8", k);
			}
			return;
		}
		if (k == 4 && ll == 5 && memcmp(last, "TOTAL", 5) == 0 && pf.len[2] == 0) {
			handle_total(p, &pf);
			return;
		}
	}
	memset(&a, 0, sizeof a);
	kind = pclassify_line(&p->cls, s, n, &a, &mk, &also_sbrk);
	if (p->jemalloc) {
		p->st.jemalloc_lines++;
		if (kind == PL_JEMALLOC_END) {
			p->jemalloc = 0;
			return;
		}
		if (kind != PL_HDR_F4 && kind != PL_HDR_UPPER && kind != PL_HDR_LOWER)
			return;
		diag_at(p, p->jemalloc_line, 0, TSM_SEV_WARNING, "jemalloc-unterminated",
		        "jemalloc statistics block without its end banner");
		p->jemalloc = 0;
	}
	switch (kind) {
	case PL_HDR_LOWER:
	case PL_HDR_UPPER:
	case PL_HDR_F4:
	case PL_HDR_BASELINE:
		close_markerless(p);
		open_dump(p, kind == PL_HDR_F4 ? PARSER_FMT_F4 : kind == PL_HDR_BASELINE ? PARSER_FMT_BASELINE
		             : kind == PL_HDR_UPPER ? PARSER_FMT_F3 : PARSER_FMT_F1,
		          kind == PL_HDR_UPPER, kind == PL_HDR_LOWER);
		return;
	case PL_HDR_BASELINE2:
	case PL_RULE:
		if (p->rstate == RS_NONE)
			return;
		/* a rule inside resource tables; the SSL closing rule ends them */
		return;
	case PL_TRAILER89: {
		int i;
		for (i = 0; i < p->nopen; i++) {
			if (p->open[i]->d.has_total || p->open[i]->d.format == PARSER_FMT_BASELINE) {
				p->open[i]->last_end = p->offset;
				close_slot(p, i, 1);
				return;
			}
		}
		if (p->nopen > 0) {
			DIAG(p, TSM_SEV_WARNING, "missing-total", "dump trailer without a TOTAL row");
			p->open[0]->last_end = p->offset;
			close_slot(p, 0, 1);
			return;
		}
		DIAG(p, TSM_SEV_NOTE, "stray-trailer", "dump trailer outside a dump");
		return;
	}
	case PL_TRAILER130:
		p->rstate = RS_NONE;
		return;
	case PL_R1_HDR:
	case PL_R3_HDR:
	case PL_SSL_HDR:
		close_markerless(p);
		while (p->nopen > 0) {
			diag_at(p, p->open[0]->d.line, p->open[0]->d.byte_offset, TSM_SEV_WARNING, "dump-cut-off",
			        "dump cut off after %zu rows (ResourceTracker table at line %llu)",
			        p->open[0]->d.nrows, (unsigned long long)p->lineno);
			close_slot(p, 0, 0);
		}
		p->rstate = kind == PL_R1_HDR ? RS_R1 : kind == PL_R3_HDR ? RS_R3 : RS_SSL;
		return;
	case PL_JEMALLOC_BEGIN:
		close_markerless(p);
		p->jemalloc = 1;
		p->jemalloc_line = p->lineno;
		p->next_sigusr1 = 1;
		p->st.jemalloc_lines++;
		return;
	case PL_JEMALLOC_JSON:
		close_markerless(p);
		p->next_sigusr1 = 1;
		p->st.jemalloc_lines++;
		return;
	case PL_JEMALLOC_END:
		DIAG(p, TSM_SEV_NOTE, "stray-jemalloc-end", "jemalloc end banner without a begin banner");
		return;
	case PL_SBRK:
	case PL_DIAGS:
		if (kind == PL_DIAGS) {
			a.line = p->lineno;
			a.byte_offset = p->line_off;
			a.dumps_before = p->next_seq + (uint64_t)p->nqueue + (uint64_t)p->nopen;
			if (!p->aborted && p->cb.on_anchor && p->cb.on_anchor(p->cb.ctx, &a) != 0)
				p->aborted = 1;
		}
		if (kind == PL_SBRK || also_sbrk) {
			close_markerless(p);
			if (p->nqueue > 0)
				p->queue[p->nqueue - 1]->d.kind = PARSER_KIND_SIGUSR1;
			else
				DIAG(p, TSM_SEV_NOTE, "orphan-sbrk", "sbrk line without a preceding dump");
		}
		return;
	case PL_MARKER: {
		parser_marker m;
		close_markerless(p);
		while (p->nopen > 0) {
			diag_at(p, p->open[0]->d.line, p->open[0]->d.byte_offset, TSM_SEV_WARNING, "dump-cut-off",
			        "dump cut off after %zu rows by a restart marker at line %llu", p->open[0]->d.nrows,
			        (unsigned long long)p->lineno);
			close_slot(p, 0, 0);
		}
		flush_queue(p);
		p->life.marker_pending = 1;
		m.kind = mk;
		m.line = p->lineno;
		m.byte_offset = p->line_off;
		m.dumps_before = p->next_seq;
		if (!p->aborted && p->cb.on_marker && p->cb.on_marker(p->cb.ctx, &m) != 0)
			p->aborted = 1;
		return;
	}
	case PL_BLANK:
		close_markerless(p);
		return;
	case PL_OTHER:
		break;
	}
	close_markerless(p);
	p->st.foreign_lines++;
	if (is_binary(s, n))
		DIAG(p, TSM_SEV_WARNING, "binary-line", "line holds binary data (NUL, control bytes or invalid UTF-8)");
	else if (memchr(s, '|', n) != NULL && p->nopen > 0)
		DIAG(p, TSM_SEV_WARNING, "bad-row", "line inside a dump is not a freelist row");
	else
		DIAG(p, TSM_SEV_NOTE, "unrecognized-line", "line is not part of a memory dump");
}

/* ---- feeding ---------------------------------------------------------------- */

static void end_line(parser *p, const char *s, size_t n)
{
	p->lineno++;
	if (p->overflow) {
		p->st.lines++;
		DIAG(p, TSM_SEV_WARNING, "line-too-long", "line longer than %d bytes skipped", PARSER_LINE_MAX);
		p->overflow = 0;
		return;
	}
	handle_line(p, s, n);
}

tsm_status parser_feed(parser *p, const char *buf, size_t len)
{
	const char *s = buf, *end = buf + len;

	p->st.bytes += len;
	while (s < end && !p->aborted) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (p->linelen == 0 && !p->overflow && nl != NULL) {
			/* whole line inside the buffer: no copy */
			p->line_off = p->offset;
			p->offset += n + 1;
			if (n > PARSER_LINE_MAX) {
				p->overflow = 1;
				end_line(p, NULL, 0);
			} else {
				end_line(p, s, n);
			}
			s = nl + 1;
			continue;
		}
		if (p->linelen == 0 && !p->overflow)
			p->line_off = p->offset;
		if (!p->overflow) {
			if (p->linelen + n > PARSER_LINE_MAX) {
				p->overflow = 1;
				p->linelen = 0;
			} else {
				memcpy(p->line + p->linelen, s, n);
				p->linelen += n;
			}
		}
		p->offset += n + (nl ? 1 : 0);
		if (nl == NULL)
			break;
		end_line(p, p->line, p->linelen);
		p->linelen = 0;
		s = nl + 1;
	}
	return p->aborted ? TSM_ABORT : TSM_OK;
}

tsm_status parser_flush(parser *p)
{
	if (p->nopen == 0)
		flush_queue(p);
	return p->aborted ? TSM_ABORT : TSM_OK;
}

tsm_status parser_new_stream(parser *p)
{
	int i;

	if (p->linelen > 0 || p->overflow) {
		end_line(p, p->line, p->linelen);
		p->linelen = 0;
	}
	p->overflow = 0;
	/* A table still open was cut by the end of its file (a paste, or a
	 * rotation in the middle of a dump): it stays with that file; rows
	 * continuing in the next file form a headerless dump there. */
	close_markerless_at(p, 1);
	for (i = p->nopen; i > 0; i--) {
		pdump *x = p->open[0];
		diag_at(p, x->d.line, x->d.byte_offset, TSM_SEV_WARNING, "dump-truncated",
		        "dump cut off at end of file after %zu rows", x->d.nrows);
		close_slot(p, 0, x->d.format == PARSER_FMT_F3 && x->d.has_total);
	}
	flush_queue(p);
	p->offset = 0;
	p->line_off = 0;
	p->lineno = 0;
	return p->aborted ? TSM_ABORT : TSM_OK;
}

tsm_status parser_finish(parser *p)
{
	int i;

	if (p->linelen > 0 || p->overflow) {
		end_line(p, p->line, p->linelen);
		p->linelen = 0;
	}
	close_markerless_at(p, 1);
	while (p->nopen > 0) {
		pdump *x = p->open[0];
		int complete = 0;
		if (x->d.format == PARSER_FMT_F3 && x->d.has_total)
			complete = 1; /* TOTAL seen, only the trailer is missing */
		if (!complete)
			diag_at(p, x->d.line, x->d.byte_offset, TSM_SEV_WARNING, "dump-truncated",
			        "dump cut off at end of input after %zu rows", x->d.nrows);
		close_slot(p, 0, complete);
	}
	flush_queue(p);
	for (i = 0; i < p->ndiag_codes && !p->aborted; i++) {
		if (p->diag_count[i] > PARSER_DIAG_CAP) {
			tsm_diag dg;
			memset(&dg, 0, sizeof dg);
			dg.severity = TSM_SEV_NOTE;
			dg.code = p->diag_code[i];
			dg.line = p->lineno;
			dg.byte_offset = p->offset;
			snprintf(dg.message, sizeof dg.message, "%llu more diagnostics of kind '%s' not shown",
			         (unsigned long long)(p->diag_count[i] - PARSER_DIAG_CAP), p->diag_code[i]);
			if (p->cb.on_diag && p->cb.on_diag(p->cb.ctx, &dg) != 0)
				p->aborted = 1;
		}
	}
	return p->aborted ? TSM_ABORT : TSM_OK;
}
