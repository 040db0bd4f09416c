/* timeline.h — give each dump a wall-clock time (spec §2.7).
 *
 * No dump carries a timestamp.  Given the dumps of one stream (their order,
 * lifetime and kind), the timestamped diags lines around them (year-less
 * local time), and what the user and the file system know (interval,
 * explicit anchor, year, mtime of an active file, bounds in a rotated
 * file's name), compute ts (Unix seconds) and a quality per dump.
 *
 * Pure computation: no I/O.  Arrays are caller-owned.
 */
#ifndef TIMELINE_H
#define TIMELINE_H

#include <stdint.h>
#include <time.h>

#include "parser.h"

typedef enum timeline_quality {
	TL_UNKNOWN = 0,
	TL_EXACT_BRACKET,   /* diags lines just before and after the dump */
	TL_PROPAGATED,      /* anchor ± k·interval */
	TL_UPPER_BOUND,     /* last dump of an active file ≈ its mtime */
	TL_RELATIVE         /* k·interval from an unknown origin */
} timeline_quality;

/* "exact_bracket", "propagated", "upper_bound", "relative", "unknown" */
const char *timeline_quality_name(timeline_quality q);

typedef struct timeline_opts {
	double interval;        /* seconds between periodic dumps; 0 = unknown */
	int has_anchor;         /* --anchor 'YYYY-MM-DD HH:MM:SS@N' */
	double anchor_ts;       /* Unix seconds (local time interpreted by caller) */
	uint64_t anchor_index;  /* dump seq N of the stream */
	int year;               /* --year, 0 = from mtime */
	double mtime;           /* file mtime, 0 = unknown (stdin) */
	int active;             /* file may still be written (not rotated, not .gz) */
	double rot_start, rot_end; /* bounds from a rotated name, 0 = none */
	double bracket_max;     /* widest bracket accepted as exact (s); 0 = default */
} timeline_opts;

/* One dump as the timeline sees it. */
typedef struct timeline_dump {
	uint64_t seq;           /* dump index in the stream */
	uint64_t lifetime;      /* lifetime index in the stream */
	uint64_t line;
	int kind;               /* parser_kind */
	double ts;              /* OUT */
	timeline_quality quality; /* OUT */
} timeline_dump;

/* Assign ts/quality to n dumps (ordered by seq) using m anchors (ordered by
 * line).  Returns the interval used (given or estimated, 0 if none). */
double timeline_assign(timeline_dump *dumps, size_t n,
                       const parser_anchor *anchors, size_t m,
                       const timeline_opts *opts);

/* Parse 'YYYY-MM-DD HH:MM:SS@N' (local time).  Returns 0 on success. */
int timeline_parse_anchor(const char *s, double *ts, uint64_t *index);

/* Bounds from a rotated traffic.out name:
 * NAME[_host].%Y%m%d.%Hh%Mm%Ss-%Y%m%d.%Hh%Mm%Ss.old (local time).
 * Returns 0 and sets both when the name has them, else -1. */
int timeline_rotated_bounds(const char *path, double *start, double *end);

#endif
