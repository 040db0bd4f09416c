/* parser_int.h — internals shared by the files of parser/ only.
 *
 * parser.c owns the state machine and line splitting, rows.c splits and
 * checks table rows, classify.c holds the PCRE2 patterns for the rare
 * lines, lifetime.c applies the restart rules of spec §2.8.
 */
#ifndef PARSER_INT_H
#define PARSER_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "parser.h"

#define PARSER_LINE_MAX (64 * 1024)  /* longer lines are skipped with a warning */
#define PARSER_DIAG_CAP 100          /* per code; then counted and summarised */
#define PARSER_MAX_RES 256           /* resource rows kept per dump */
#define PARSER_NCODES 32

/* A table row split into trimmed fields (slices into the line). */
typedef struct prow_fields {
	int n;                 /* number of fields = pipes + 1 */
	const char *f[9];
	size_t len[9];
} prow_fields;

/* What one line is. */
typedef enum pline_kind {
	PL_OTHER = 0,
	PL_BLANK,
	PL_HDR_LOWER,      /* F1/F2 header */
	PL_HDR_UPPER,      /* F3 header */
	PL_HDR_F4,
	PL_HDR_BASELINE,
	PL_HDR_BASELINE2,  /* "relative to base" second line */
	PL_RULE,           /* ----|---- column rule */
	PL_TRAILER89,      /* 89 dashes */
	PL_TRAILER130,     /* 130 dashes (ResourceTracker R3) */
	PL_R1_HDR,
	PL_R3_HDR,
	PL_SSL_HDR,
	PL_JEMALLOC_BEGIN,
	PL_JEMALLOC_END,
	PL_JEMALLOC_JSON,
	PL_SBRK,
	PL_DIAGS,
	PL_MARKER
} pline_kind;

typedef struct pclassify {
	pcre2_code *re_diags, *re_sbrk, *re_marker, *re_hdr;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
} pclassify;

int pclassify_init(pclassify *c, char *err);
void pclassify_free(pclassify *c);

/* Classify a line that is not a table row.  For PL_DIAGS fills *a (time
 * fields), for PL_MARKER fills *mk; *also_sbrk is set when a diags line
 * carries an sbrk Note. */
pline_kind pclassify_line(pclassify *c, const char *s, size_t len,
                          parser_anchor *a, parser_marker_kind *mk, int *also_sbrk);

/* Split on '|' and trim each field.  Returns the number of fields (pipes+1),
 * or 0 when the line has no pipe or more than 8 pipes. */
int prow_split(const char *s, size_t len, prow_fields *out);

/* Hash of a name (FNV-1a). */
uint32_t pname_hash(const char *s);

/* Name lookup table for the previous dump of a lifetime. */
#define PNAME_SLOTS 4096
typedef struct pname_index {
	int32_t slot[PNAME_SLOTS];   /* index into rows, -1 = empty */
} pname_index;

void pname_index_build(pname_index *ix, const parser_dump *d);
/* Index of `name` in d->rows, or -1. */
int pname_index_find(const pname_index *ix, const parser_dump *d, const char *name);

/* Lifetime state kept across dumps. */
typedef struct plife {
	int have_prev;
	parser_dump *prev;        /* last freelist (non-baseline) dump, owned */
	pname_index *prev_ix;     /* owned */
	uint64_t lifetime;
	parser_mode mode;
	int marker_pending;       /* a start/stop marker since the previous dump */
	int nlifetimes;
} plife;

int plife_init(plife *lf);
void plife_free(plife *lf);
/* Decide the lifetime of d (sets lifetime, new_lifetime, start_reason,
 * mode) and remember it as the previous dump. */
void plife_assign(plife *lf, parser_dump *d);

#endif
