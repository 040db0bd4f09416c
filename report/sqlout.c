/* sqlout.c — the three renderers of `tsmem sql` output: aligned table
 * (buffers one result set to measure its columns), CSV (streams, RFC 4180
 * quoting) and JSON (streams one cJSON object per row; integers are
 * written digit for digit, not through a double).
 *
 * Only formatting: the rows come from db_exec_query via cli/cmd_sql.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "sqlout.h"

struct report_sqlout {
	report_sqlout_format fmt;
	FILE *out;
	int sets;            /* result sets started */
	int json_rows;       /* JSON rows written */
	int failed;          /* out of memory seen */
	/* current result set */
	int ncol;
	char **names;        /* owned copies */
	/* table buffer: nrows x ncol cells, NULL = SQL NULL */
	char **cells;
	unsigned char *numeric;  /* per cell: right-align */
	size_t nrows, cap;
};

int report_sqlout_parse_format(const char *s, report_sqlout_format *f)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "table") == 0)
		*f = REPORT_SQLOUT_TABLE;
	else if (strcmp(s, "csv") == 0)
		*f = REPORT_SQLOUT_CSV;
	else if (strcmp(s, "json") == 0)
		*f = REPORT_SQLOUT_JSON;
	else
		return -1;
	return 0;
}

report_sqlout *report_sqlout_new(report_sqlout_format f, FILE *out)
{
	report_sqlout *o = calloc(1, sizeof *o);

	if (o == NULL)
		return NULL;
	o->fmt = f;
	o->out = out;
	return o;
}

/* Drop the buffered result set (names and cells). */
static void clear_set(report_sqlout *o)
{
	size_t i;

	for (i = 0; i < o->nrows * (size_t)o->ncol; i++)
		free(o->cells[i]);
	for (i = 0; i < (size_t)o->ncol; i++)
		free(o->names[i]);
	free(o->cells);
	free(o->numeric);
	free(o->names);
	o->cells = NULL;
	o->numeric = NULL;
	o->names = NULL;
	o->nrows = o->cap = 0;
	o->ncol = 0;
}

void report_sqlout_free(report_sqlout *o)
{
	if (o == NULL)
		return;
	clear_set(o);
	free(o);
}

/* ---- table ---------------------------------------------------------------- */

/* Display width: UTF-8 code points. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* Table lines are written with lazy padding: spaces are only counted
 * (*pending) and written before the next visible character, so lines carry
 * no trailing blanks. */
static void put_pending(FILE *f, size_t *pending)
{
	for (; *pending > 0; (*pending)--)
		fputc(' ', f);
}

/* A cell padded to width (left or right aligned), control characters
 * shown as spaces. */
static void put_cell(FILE *f, const char *s, size_t width, int right, size_t *pending)
{
	size_t w = text_width(s);

	if (right && w < width)
		*pending += width - w;
	if (*s != '\0')
		put_pending(f, pending);
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
	if (!right && w < width)
		*pending += width - w;
}

/* End a cell: the column gap, or the end of the line. */
static void put_sep(FILE *f, int last, size_t *pending)
{
	if (last) {
		fputc('\n', f);
		*pending = 0;
	} else {
		*pending += 2;
	}
}

static int print_table(report_sqlout *o)
{
	size_t *width = NULL, r, pending = 0;
	unsigned char *colnum = NULL;
	int c, last;

	if (o->ncol == 0)
		return 0;
	width = calloc((size_t)o->ncol, sizeof *width);
	colnum = calloc((size_t)o->ncol, 1);
	if (width == NULL || colnum == NULL) {
		free(width);
		free(colnum);
		return -1;
	}
	for (c = 0; c < o->ncol; c++) {
		int any_num = 0, any_text = 0;

		width[c] = text_width(o->names[c]);
		for (r = 0; r < o->nrows; r++) {
			const char *s = o->cells[r * (size_t)o->ncol + (size_t)c];
			size_t w = s != NULL ? text_width(s) : 0;

			if (w > width[c])
				width[c] = w;
			if (s == NULL)
				continue;
			if (o->numeric[r * (size_t)o->ncol + (size_t)c])
				any_num = 1;
			else
				any_text = 1;
		}
		colnum[c] = (unsigned char)(any_num && !any_text);
	}
	if (o->sets > 1)
		fputc('\n', o->out);
	last = o->ncol - 1;
	for (c = 0; c < o->ncol; c++) {
		put_cell(o->out, o->names[c], width[c], colnum[c], &pending);
		put_sep(o->out, c == last, &pending);
	}
	for (c = 0; c < o->ncol; c++) {
		put_pending(o->out, &pending);
		for (r = 0; r < width[c]; r++)
			fputc('-', o->out);
		put_sep(o->out, c == last, &pending);
	}
	for (r = 0; r < o->nrows; r++) {
		for (c = 0; c < o->ncol; c++) {
			size_t i = r * (size_t)o->ncol + (size_t)c;
			const char *s = o->cells[i];

			put_cell(o->out, s != NULL ? s : "", width[c], o->numeric[i], &pending);
			put_sep(o->out, c == last, &pending);
		}
	}
	free(width);
	free(colnum);
	return 0;
}

static int table_row(report_sqlout *o, const char *const *values, const int *types)
{
	size_t base = o->nrows * (size_t)o->ncol;
	int c;

	if (o->nrows == o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 64;
		char **cells = realloc(o->cells, nc * (size_t)o->ncol * sizeof *cells);
		unsigned char *num;

		if (cells == NULL)
			return -1;
		o->cells = cells;
		num = realloc(o->numeric, nc * (size_t)o->ncol);
		if (num == NULL)
			return -1;
		o->numeric = num;
		o->cap = nc;
	}
	for (c = 0; c < o->ncol; c++) {
		o->cells[base + (size_t)c] = NULL;
		o->numeric[base + (size_t)c] = (unsigned char)(types[c] == SQLITE_INTEGER || types[c] == SQLITE_FLOAT);
	}
	o->nrows++;   /* counted first so a failure below frees what was copied */
	for (c = 0; c < o->ncol; c++) {
		if (values[c] == NULL)
			continue;
		o->cells[base + (size_t)c] = strdup(values[c]);
		if (o->cells[base + (size_t)c] == NULL)
			return -1;
	}
	return 0;
}

/* ---- CSV ------------------------------------------------------------------ */

static void csv_field(FILE *f, const char *s)
{
	const char *p;

	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static void csv_line(FILE *f, int n, const char *const *v)
{
	int i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', f);
		csv_field(f, v[i]);
	}
	fputc('\n', f);
}

/* ---- JSON ----------------------------------------------------------------- */

static cJSON *json_value(const char *s, int type)
{
	double v;

	if (s == NULL || type == SQLITE_NULL)
		return cJSON_CreateNull();
	if (type == SQLITE_INTEGER)
		return cJSON_CreateRaw(s);   /* exact digits, even past 2^53 */
	if (type == SQLITE_FLOAT) {
		v = strtod(s, NULL);
		return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
	}
	return cJSON_CreateString(s);
}

static int json_row(report_sqlout *o, const char *const *values, const int *types)
{
	cJSON *obj = cJSON_CreateObject(), *v;
	char *text = NULL;
	int c, ret = -1;

	if (obj == NULL)
		goto out;
	for (c = 0; c < o->ncol; c++) {
		v = json_value(values[c], types[c]);
		if (v == NULL)
			goto out;
		if (!cJSON_AddItemToObject(obj, o->names[c], v)) {
			cJSON_Delete(v);
			goto out;
		}
	}
	text = cJSON_PrintUnformatted(obj);
	if (text == NULL)
		goto out;
	fputs(o->json_rows == 0 ? "[\n" : ",\n", o->out);
	fputs(text, o->out);
	o->json_rows++;
	ret = 0;
out:
	cJSON_free(text);
	cJSON_Delete(obj);
	return ret;
}

/* ---- entry points ------------------------------------------------------------ */

int report_sqlout_columns(report_sqlout *o, int ncol, const char *const *names)
{
	int c;

	if (o->fmt == REPORT_SQLOUT_TABLE && print_table(o) != 0)
		goto fail;
	clear_set(o);
	o->sets++;
	o->names = calloc(ncol > 0 ? (size_t)ncol : 1, sizeof *o->names);
	if (o->names == NULL)
		goto fail;
	o->ncol = ncol;
	for (c = 0; c < ncol; c++) {
		o->names[c] = strdup(names[c] != NULL ? names[c] : "");
		if (o->names[c] == NULL)
			goto fail;
	}
	if (o->fmt == REPORT_SQLOUT_CSV)
		csv_line(o->out, ncol, (const char *const *)o->names);
	return 0;
fail:
	o->failed = 1;
	return -1;
}

int report_sqlout_row(report_sqlout *o, int ncol, const char *const *values, const int *types)
{
	int rc = 0;

	if (ncol != o->ncol)
		return -1;
	switch (o->fmt) {
	case REPORT_SQLOUT_TABLE:
		rc = table_row(o, values, types);
		break;
	case REPORT_SQLOUT_CSV:
		csv_line(o->out, ncol, values);
		break;
	case REPORT_SQLOUT_JSON:
		rc = json_row(o, values, types);
		break;
	}
	if (rc != 0)
		o->failed = 1;
	return rc;
}

int report_sqlout_finish(report_sqlout *o)
{
	int rc = 0;

	if (o->fmt == REPORT_SQLOUT_TABLE)
		rc = print_table(o);
	else if (o->fmt == REPORT_SQLOUT_JSON)
		fputs(o->json_rows == 0 ? "[]\n" : "\n]\n", o->out);
	clear_set(o);
	if (fflush(o->out) != 0 || ferror(o->out))
		rc = -1;
	return rc;
}

int report_sqlout_rowfn(void *ctx, int ncol, const char *const *names, const char *const *values,
                        const int *types)
{
	report_sqlout *o = ctx;

	if (values == NULL)
		return report_sqlout_columns(o, ncol, names) != 0;
	return report_sqlout_row(o, ncol, values, types) != 0;
}
