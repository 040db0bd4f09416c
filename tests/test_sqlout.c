/* test_sqlout.c — unit tests of report/sqlout.c: the table, CSV and JSON
 * renderings of `tsmem sql`, compared byte for byte, plus format names.
 * Rows are fed by hand the way db_exec_query hands them over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "testlib.h"
#include "../report/sqlout.h"

/* Render two result sets in format f into a malloc'd string. */
static char *render(report_sqlout_format f, int two_sets)
{
	static const char *const names[] = {"name", "allocated", "ratio", "note"};
	static const char *const r1[] = {"ioBufAllocator[0]", "131072", "0.5", NULL};
	static const char *const r2[] = {"hdr \"x\", y", "9223372036854775807", "-1.25", "line1\nline2"};
	static const char *const r3[] = {"é", "7", "2.0", "ok"};
	static const int types[] = {SQLITE_TEXT, SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_NULL};
	static const int types2[] = {SQLITE_TEXT, SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT};
	static const char *const n2[] = {"n"};
	static const char *const v2[] = {"3"};
	static const int t2[] = {SQLITE_INTEGER};
	char *buf = NULL;
	size_t len = 0;
	FILE *f_out = open_memstream(&buf, &len);
	report_sqlout *o;

	if (f_out == NULL)
		return NULL;
	o = report_sqlout_new(f, f_out);
	CHECK(o != NULL);
	if (o != NULL) {
		CHECK_INT(report_sqlout_rowfn(o, 4, names, NULL, NULL), 0);
		CHECK_INT(report_sqlout_rowfn(o, 4, names, r1, types), 0);
		CHECK_INT(report_sqlout_rowfn(o, 4, names, r2, types2), 0);
		CHECK_INT(report_sqlout_rowfn(o, 4, names, r3, types2), 0);
		if (two_sets) {
			CHECK_INT(report_sqlout_columns(o, 1, n2), 0);
			CHECK_INT(report_sqlout_row(o, 1, v2, t2), 0);
		}
		CHECK_INT(report_sqlout_finish(o), 0);
	}
	report_sqlout_free(o);
	fclose(f_out);
	return buf;
}

static void test_table(void)
{
	char *s = render(REPORT_SQLOUT_TABLE, 1);

	CHECK_STR(s, "name                         allocated  ratio  note\n"
	             "-----------------  -------------------  -----  -----------\n"
	             "ioBufAllocator[0]               131072    0.5\n"
	             "hdr \"x\", y         9223372036854775807  -1.25  line1 line2\n"
	             "é                                    7    2.0  ok\n"
	             "\n"
	             "n\n"
	             "-\n"
	             "3\n");
	free(s);
}

static void test_csv(void)
{
	char *s = render(REPORT_SQLOUT_CSV, 0);

	CHECK_STR(s, "name,allocated,ratio,note\n"
	             "ioBufAllocator[0],131072,0.5,\n"
	             "\"hdr \"\"x\"\", y\",9223372036854775807,-1.25,\"line1\nline2\"\n"
	             "é,7,2.0,ok\n");
	free(s);
}

static void test_json(void)
{
	char *s = render(REPORT_SQLOUT_JSON, 1);

	CHECK_STR(s, "[\n"
	             "{\"name\":\"ioBufAllocator[0]\",\"allocated\":131072,\"ratio\":0.5,\"note\":null},\n"
	             "{\"name\":\"hdr \\\"x\\\", y\",\"allocated\":9223372036854775807,\"ratio\":-1.25,"
	             "\"note\":\"line1\\nline2\"},\n"
	             "{\"name\":\"é\",\"allocated\":7,\"ratio\":2,\"note\":\"ok\"},\n"
	             "{\"n\":3}\n"
	             "]\n");
	free(s);
}

static void test_empty(void)
{
	static const char *const names[] = {"a", "b"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	report_sqlout *o = report_sqlout_new(REPORT_SQLOUT_JSON, f);

	CHECK(o != NULL);
	if (o != NULL) {
		CHECK_INT(report_sqlout_finish(o), 0);
		report_sqlout_free(o);
	}
	fclose(f);
	CHECK_STR(buf, "[]\n");
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	o = report_sqlout_new(REPORT_SQLOUT_TABLE, f);
	if (o != NULL) {
		CHECK_INT(report_sqlout_columns(o, 2, names), 0);
		CHECK_INT(report_sqlout_finish(o), 0);
		report_sqlout_free(o);
	}
	fclose(f);
	CHECK_STR(buf, "a  b\n-  -\n");
	free(buf);
}

int main(void)
{
	report_sqlout_format f = REPORT_SQLOUT_TABLE;

	CHECK_INT(report_sqlout_parse_format("csv", &f), 0);
	CHECK_INT(f, REPORT_SQLOUT_CSV);
	CHECK_INT(report_sqlout_parse_format("json", &f), 0);
	CHECK_INT(f, REPORT_SQLOUT_JSON);
	CHECK_INT(report_sqlout_parse_format("table", &f), 0);
	CHECK_INT(f, REPORT_SQLOUT_TABLE);
	CHECK_INT(report_sqlout_parse_format("xml", &f), -1);
	CHECK_INT(report_sqlout_parse_format("", &f), -1);
	test_table();
	test_csv();
	test_json();
	test_empty();
	return TEST_DONE();
}
