/* parser.h — streaming parser for ATS traffic.out memory dumps.
 *
 * Feed it bytes in any chunking (parser_feed), then call parser_finish.  It
 * splits lines (LF or CRLF, bounded length), classifies each one (freelist
 * header/row/TOTAL/trailer in formats F1-F4 and the baseline-relative table,
 * ResourceTracker R1-R3 and SSL tables, jemalloc blocks, sbrk lines, diags
 * lines, start/stop markers, other), assembles dumps, splits the stream into
 * process lifetimes (spec §2.8) and reports everything through callbacks.
 *
 * It never does SQL, never prints, never exits.  Memory is constant: one
 * line buffer and one open dump at a time.  All pointers handed to callbacks
 * are borrowed and valid only during the call.
 */
#ifndef PARSER_H
#define PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "../common/tsm.h"

typedef enum parser_format {
	PARSER_FMT_NONE = 0,
	PARSER_FMT_F1,       /* 5.3.x, 6.0.x: lower-case header, no TOTAL */
	PARSER_FMT_F2,       /* 6.1.x: lower-case header + TOTAL, no trailer */
	PARSER_FMT_F3,       /* 6.2.0 - 9.2.x: capitalised header, TOTAL, trailer */
	PARSER_FMT_F4,       /* 10.x+: counts, chunk size, HP fails */
	PARSER_FMT_BASELINE  /* MEMTRACK_BASELINE relative table */
} parser_format;

/* "F1".."F4", "baseline", "none". */
const char *parser_format_name(parser_format f);

typedef enum parser_kind {
	PARSER_KIND_PERIODIC = 0,
	PARSER_KIND_SIGUSR1,   /* followed by an sbrk line, or after jemalloc stats */
	PARSER_KIND_BASELINE   /* a baseline-relative table */
} parser_kind;

const char *parser_kind_name(parser_kind k);

typedef enum parser_mode {
	PARSER_MODE_FREELIST = 0,
	PARSER_MODE_MALLOC,      /* every row allocated 0, some in-use > 0 */
	PARSER_MODE_RECLAIMABLE  /* F1 with merged/missing iobuf rows or odd chunks */
} parser_mode;

const char *parser_mode_name(parser_mode m);

#define PARSER_NAME_MAX 128   /* longer names are truncated, with a warning */
#define PARSER_MAX_ROWS 1024  /* rows beyond this in one dump are dropped, with a warning */

/* One freelist row, values in bytes as printed.  `name` has the "memory/"
 * prefix removed.  For F4, the count columns are filled (has_counts = 1).
 * For a baseline table, allocated/in_use are absolute values reconstructed
 * from the first (absolute) baseline table when known (abs_known = 1),
 * and delta_* hold the printed relative values (in-use with the uint32 wrap
 * undone). */
typedef struct parser_row {
	char name[PARSER_NAME_MAX];
	int bucket;              /* 0..14 for ioBufAllocator[i]/ioBufAllocatorHP[i], else -1 */
	uint64_t allocated;      /* bytes */
	uint64_t in_use;         /* bytes */
	uint64_t alloc_count;    /* F4 only */
	uint64_t in_use_count;   /* F4 only */
	uint32_t type_size;
	uint32_t chunk_items;    /* F4 Chunk Size column, else 0 (unknown) */
	uint32_t hp_fails;       /* F4 only */
	int has_counts;          /* F4 */
	int abs_known;           /* baseline: absolute values known */
	int64_t delta_allocated; /* baseline only: bytes */
	int64_t delta_in_use;    /* baseline only: bytes, sign restored */
	uint64_t line;           /* line number of the row */
} parser_row;

/* One dump (one freelist table). */
typedef struct parser_dump {
	uint64_t seq;            /* 0-based index of the dump in the stream */
	parser_format format;
	parser_kind kind;
	uint64_t line;           /* line of the header */
	uint64_t byte_offset;    /* offset of the header line */
	uint64_t end_offset;     /* offset just past the last line of the dump */
	int complete;            /* 1 = closed normally (TOTAL/trailer/row count) */
	int has_total;
	uint64_t total_allocated;
	uint64_t total_in_use;
	/* lifetime assignment (spec §2.8) */
	uint64_t lifetime;       /* 0-based lifetime index in the stream */
	int new_lifetime;        /* 1 if this dump opened `lifetime` */
	const char *start_reason;/* static string when new_lifetime: "first-dump",
	                          * "allocated-fell", "total-fell", "rows-changed",
	                          * "format-changed", "marker" */
	parser_mode mode;        /* mode of the lifetime as known so far */
	size_t nrows;
	parser_row rows[PARSER_MAX_ROWS];
} parser_dump;

/* A ResourceTracker row (R1-R3).  R1 has only location and in_use. */
typedef struct parser_resource {
	uint64_t dump_seq;       /* the dump it follows (seq of last dump) */
	char location[PARSER_NAME_MAX * 2];
	int64_t allocs, frees, in_use, avg_size;
	int is_total;
	int is_ssl;              /* SSL table: allocs=Total Allocated, frees=Total Freed, in_use=Currently */
	uint64_t line;
} parser_resource;

/* A timestamped diags line: local time without year. */
typedef struct parser_anchor {
	uint64_t line;
	uint64_t byte_offset;
	uint64_t dumps_before;   /* number of dumps started before this line */
	int month;               /* 1..12 */
	int day, hour, minute, second, msec;
} parser_anchor;

typedef enum parser_marker_kind {
	PARSER_MARK_ROOT_DIR = 0,     /* traffic_server: using root directory */
	PARSER_MARK_SIGNAL,           /* traffic_server: received signal N */
	PARSER_MARK_STACK_TRACE,      /* X - STACK TRACE: */
	PARSER_MARK_MGMT_LOG,         /* [E. Mgmt] log ==> */
	PARSER_MARK_MANAGER_SHUTDOWN  /* [TrafficManager] ==> Cleaning up and reissuing signal */
} parser_marker_kind;

typedef struct parser_marker {
	parser_marker_kind kind;
	uint64_t line;
	uint64_t byte_offset;
	uint64_t dumps_before;
} parser_marker;

/* Callbacks.  Any may be NULL.  A non-zero return stops the parse:
 * parser_feed/parser_finish then return TSM_ABORT. */
typedef struct parser_callbacks {
	void *ctx;
	int (*on_dump)(void *ctx, const parser_dump *d);
	int (*on_resource)(void *ctx, const parser_resource *r);
	int (*on_anchor)(void *ctx, const parser_anchor *a);
	int (*on_marker)(void *ctx, const parser_marker *m);
	int (*on_diag)(void *ctx, const tsm_diag *d);
} parser_callbacks;

typedef struct parser_stats {
	uint64_t lines, bytes, dumps, rows, lifetimes, warnings, errors;
	uint64_t jemalloc_lines, foreign_lines;
} parser_stats;

typedef struct parser parser;

/* Create a parser.  Returns NULL and fills err on failure (PCRE2 setup).
 * The callbacks struct is copied.  Free with parser_free. */
parser *parser_new(const parser_callbacks *cb, char *err);

/* Free a parser; NULL is fine. */
void parser_free(parser *p);

/* Feed len bytes.  Returns TSM_OK, or TSM_ABORT when a callback stopped it. */
tsm_status parser_feed(parser *p, const char *buf, size_t len);

/* Emit dumps that are closed but held back waiting for a possible sbrk
 * line or ResourceTracker rows (for --follow when the input goes idle).
 * Returns TSM_OK or TSM_ABORT. */
tsm_status parser_flush(parser *p);

/* The next bytes come from another file of the same stream (the next file
 * of a rotated set).  Ends a last line without newline, closes a dump left
 * open (cut off at the end of its file) and emits every held dump: they
 * belong to the previous file.  Then restarts line numbers and byte
 * offsets at 0.  Lifetimes continue across the boundary.  Returns TSM_OK
 * or TSM_ABORT. */
tsm_status parser_new_stream(parser *p);

/* End of input: flushes a final line without newline and a dump left open
 * (reported with complete = 0).  Returns TSM_OK or TSM_ABORT. */
tsm_status parser_finish(parser *p);

/* Counters so far; valid until parser_free. */
const parser_stats *parser_get_stats(const parser *p);

/* Parse one unsigned decimal field (spaces around allowed).  Returns 0 and
 * sets *out, or -1 on junk, empty input or overflow past 2^64-1. */
int parser_parse_u64(const char *s, size_t len, uint64_t *out);

/* Bucket index of a freelist name "ioBufAllocator[i]" / "ioBufAllocatorHP[i]"
 * (0..14), else -1. */
int parser_bucket_of(const char *name);

#endif
