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

#endif
