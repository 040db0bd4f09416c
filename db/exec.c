/* exec.c — run ad-hoc SQL (`tsmem sql`): every statement of a string in
 * turn, handing column names and row values (as text) to a callback.
 *
 * On a read-only handle a statement that would write is refused before it
 * runs; schema.c's authorizer refuses ATTACH and assigning PRAGMAs.  No
 * formatting here: report/sqlout.c renders what the callback receives.
 */
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

/* Per-statement buffers: pointer arrays for one row and hex text for
 * BLOB values. */
typedef struct rowbuf {
	int ncol;
	const char **names;
	const char **vals;
	int *types;
	char **hex;
	size_t *hexcap;
} rowbuf;

static void rowbuf_free(rowbuf *b)
{
	int i;

	if (b->hex != NULL)
		for (i = 0; i < b->ncol; i++)
			free(b->hex[i]);
	free(b->names);
	free(b->vals);
	free(b->types);
	free(b->hex);
	free(b->hexcap);
	memset(b, 0, sizeof *b);
}

static int rowbuf_init(rowbuf *b, int ncol)
{
	size_t n = (size_t)ncol;

	b->ncol = ncol;
	b->names = calloc(n, sizeof *b->names);
	b->vals = calloc(n, sizeof *b->vals);
	b->types = calloc(n, sizeof *b->types);
	b->hex = calloc(n, sizeof *b->hex);
	b->hexcap = calloc(n, sizeof *b->hexcap);
	return b->names && b->vals && b->types && b->hex && b->hexcap ? 0 : -1;
}

/* A BLOB as X'0A1B...' text in b->hex[i]. */
static const char *blob_text(rowbuf *b, int i, const unsigned char *p, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t need = 2 * len + 4, k;
	char *s;

	if (need > b->hexcap[i]) {
		s = realloc(b->hex[i], need);
		if (s == NULL)
			return NULL;
		b->hex[i] = s;
		b->hexcap[i] = need;
	}
	s = b->hex[i];
	s[0] = 'X';
	s[1] = '\'';
	for (k = 0; k < len; k++) {
		s[2 + 2 * k] = digits[p[k] >> 4];
		s[3 + 2 * k] = digits[p[k] & 15];
	}
	s[2 + 2 * len] = '\'';
	s[3 + 2 * len] = '\0';
	return s;
}

/* Fill b->vals/types for the current row.  Returns 0, or -1 out of memory. */
static int fetch_row(sqlite3_stmt *st, rowbuf *b)
{
	int i;

	for (i = 0; i < b->ncol; i++) {
		int t = sqlite3_column_type(st, i);

		b->types[i] = t;
		if (t == SQLITE_NULL) {
			b->vals[i] = NULL;
		} else if (t == SQLITE_BLOB) {
			const unsigned char *p = sqlite3_column_blob(st, i);
			size_t len = (size_t)sqlite3_column_bytes(st, i);

			b->vals[i] = blob_text(b, i, p != NULL ? p : (const unsigned char *)"", len);
			if (b->vals[i] == NULL)
				return -1;
		} else {
			b->vals[i] = (const char *)sqlite3_column_text(st, i);
			if (b->vals[i] == NULL)
				return -1;
		}
	}
	return 0;
}

static tsm_status query_err(const db *d, int rc, char *err)
{
	if ((rc & 0xff) == SQLITE_AUTH) {
		tsm_seterr(err, "SQL error: %s (read-only: ATTACH, DETACH and PRAGMA assignments are refused)",
		           sqlite3_errmsg(d->h));
		return TSM_ERR;
	}
	return db_sqlerr(d, d->h, rc, "SQL error", err);
}

tsm_status db_exec_query(db *d, const char *sql, db_row_fn fn, void *ctx, char *err)
{
	sqlite3_stmt *st = NULL;
	rowbuf b;
	const char *tail = sql, *next = NULL;
	tsm_status ret = TSM_ERR;
	int rc, i;

	memset(&b, 0, sizeof b);
	if (d == NULL || sql == NULL) {
		tsm_seterr(err, "no database or SQL");
		goto out;
	}
	while (*tail != '\0') {
		rc = sqlite3_prepare_v2(d->h, tail, -1, &st, &next);
		if (rc != SQLITE_OK) {
			query_err(d, rc, err);
			goto out;
		}
		tail = next;
		if (st == NULL)
			continue;   /* only white space or a comment */
		if (d->readonly && !sqlite3_stmt_readonly(st)) {
			tsm_seterr(err, "SQL error: attempt to write a readonly database (tsmem sql is read-only)");
			goto out;
		}
		if (rowbuf_init(&b, sqlite3_column_count(st)) != 0)
			goto nomem;
		for (i = 0; i < b.ncol; i++)
			b.names[i] = sqlite3_column_name(st, i);
		if (b.ncol > 0 && fn != NULL && fn(ctx, b.ncol, b.names, NULL, NULL) != 0) {
			ret = TSM_ABORT;
			goto out;
		}
		for (;;) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_DONE)
				break;
			if (rc != SQLITE_ROW) {
				query_err(d, rc, err);
				goto out;
			}
			if (fetch_row(st, &b) != 0)
				goto nomem;
			if (fn != NULL && b.ncol > 0 && fn(ctx, b.ncol, b.names, b.vals, b.types) != 0) {
				ret = TSM_ABORT;
				goto out;
			}
		}
		sqlite3_finalize(st);
		st = NULL;
		rowbuf_free(&b);
	}
	ret = TSM_OK;
	goto out;
nomem:
	tsm_seterr(err, "out of memory");
out:
	sqlite3_finalize(st);
	rowbuf_free(&b);
	return ret;
}
