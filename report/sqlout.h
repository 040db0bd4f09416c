/* sqlout.h — render ad-hoc SQL result sets (`tsmem sql`) as an aligned
 * table, RFC 4180 CSV or a JSON array of objects.
 *
 * It receives column names and rows as text with SQLite type codes
 * (SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL) —
 * the shape db_exec_query() hands its callback — and writes to a FILE *.
 * No SQL here.  Ownership: report_sqlout_new returns an object freed with
 * report_sqlout_free; names and values are borrowed for one call only.
 */
#ifndef REPORT_SQLOUT_H
#define REPORT_SQLOUT_H

#include <stdio.h>

typedef enum report_sqlout_format {
	REPORT_SQLOUT_TABLE = 0, /* aligned columns, header, rule; numbers right-aligned */
	REPORT_SQLOUT_CSV,       /* RFC 4180 quoting, header line per result set, LF line ends */
	REPORT_SQLOUT_JSON       /* one array of objects over all result sets */
} report_sqlout_format;

/* Parse "table", "csv" or "json".  Returns 0 and sets *f, or -1. */
int report_sqlout_parse_format(const char *s, report_sqlout_format *f);

typedef struct report_sqlout report_sqlout;

/* A renderer writing to out (not closed by us).  Returns NULL when out of
 * memory.  Free with report_sqlout_free (NULL is fine). */
report_sqlout *report_sqlout_new(report_sqlout_format f, FILE *out);
void report_sqlout_free(report_sqlout *o);

/* Start a result set with ncol column names.  The table format prints the
 * previous result set first (it buffers one set to align it).  Returns 0,
 * or -1 when out of memory. */
int report_sqlout_columns(report_sqlout *o, int ncol, const char *const *names);

/* One row of the current result set: values[i] is text or NULL (SQL
 * NULL), types[i] its SQLite type code.  Returns 0, or -1 when out of
 * memory. */
int report_sqlout_row(report_sqlout *o, int ncol, const char *const *values, const int *types);

/* Write what is buffered and close the output (the JSON array is "[]"
 * when there were no rows).  Returns 0, or -1 when writing failed. */
int report_sqlout_finish(report_sqlout *o);

/* Adapter with the db_row_fn signature (ctx = report_sqlout *): values ==
 * NULL starts a result set, else a row.  Returns 0, or 1 to stop. */
int report_sqlout_rowfn(void *ctx, int ncol, const char *const *names, const char *const *values,
                        const int *types);

#endif
