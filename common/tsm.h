/* tsm.h — types shared by every tsmem module: status codes, the diagnostic
 * record, and small helpers.
 *
 * Nothing here prints or exits; cli/ turns these records into messages.
 * Ownership: a tsm_diag is a value; its strings are copied into it.
 */
#ifndef TSM_H
#define TSM_H

#include <stddef.h>
#include <stdint.h>

/* Exit statuses of the program (DESIGN §2). */
enum {
	TSM_EXIT_OK = 0,
	TSM_EXIT_USAGE = 1,
	TSM_EXIT_DATA = 2, /* input, I/O or database error */
	TSM_EXIT_FAILON = 3
};

/* Return codes of library functions. */
typedef enum tsm_status {
	TSM_OK = 0,
	TSM_ERR = -1,    /* generic failure; details in the error buffer */
	TSM_NOMEM = -2,
	TSM_ABORT = -3   /* a callback asked to stop */
} tsm_status;

typedef enum tsm_severity {
	TSM_SEV_NOTE = 0,
	TSM_SEV_WARNING = 1,
	TSM_SEV_ERROR = 2
} tsm_severity;

#define TSM_ERRLEN 512
#define TSM_MSGLEN 256

/* One diagnostic about the input: where, how bad, a stable code and text.
 * `code` is a short identifier (e.g. "bad-row", "line-too-long") that tests
 * and the `diagnostic` table key on. */
typedef struct tsm_diag {
	uint64_t line;           /* 1-based line in the stream, 0 = none */
	uint64_t byte_offset;    /* offset of that line's first byte */
	tsm_severity severity;
	const char *code;        /* static string */
	char message[TSM_MSGLEN];
} tsm_diag;

const char *tsm_severity_name(tsm_severity s);

/* Fill `err` (TSM_ERRLEN bytes; may be NULL) printf-style. */
void tsm_seterr(char *err, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

#endif
