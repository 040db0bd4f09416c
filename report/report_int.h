/* report_int.h — helpers private to report/ (not for other modules): UTF-8
 * decoding for the renderers that must escape names from the input (html.c,
 * openmetrics.c) and the severity order of verdicts they sort by.
 *
 * Pure functions over caller memory; no I/O, no allocation.
 */
#ifndef REPORT_INT_H
#define REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

#define REPORT_UTF8_BAD 0xFFFDu  /* U+FFFD REPLACEMENT CHARACTER */

/* Decode the code point at s (NUL-terminated, s[0] != '\0').  Returns the
 * bytes consumed (1..4) and sets *cp; a byte that does not start a valid,
 * shortest-form UTF-8 sequence (or a surrogate, or a value past U+10FFFF)
 * consumes 1 byte and gives REPORT_UTF8_BAD. */
size_t report_utf8_next(const char *s, uint32_t *cp);

/* Sort rank of a verdict for "what needs attention first": leak 0, churn 1,
 * warming 2, malloc_mode 3, insufficient_data 4, plateau 5, idle 6. */
int report_verdict_rank(detect_verdict v);

/* A lifetime's totals as compact sizes (report_fmt_size) and the time of
 * the summed in-use peak (report_fmt_x), for the text and HTML renderers. */
typedef struct report_totals_str {
	char allocated[16], in_use[16], stranded[16], churn_cost[16], iobuf_churn_cost[16];
	char sum_of_peaks[16], peak_of_sum[16], no_freelist[16], return_to_os[16];
	char peak_at[32];
} report_totals_str;

void report_totals_format(const report_lifetime *rl, report_totals_str *ts);

#endif
