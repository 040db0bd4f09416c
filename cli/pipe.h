/* pipe.h — run the parser in a worker thread, so that parsing overlaps the
 * SQLite work of the main thread.
 *
 * The main thread submits commands (feed a buffer, flush, new stream,
 * finish); the worker runs the matching parser_* call and its parser
 * callbacks copy every record (a dump with only its used rows, a resource
 * row, an anchor, a marker, a diagnostic) into a fixed-size ring.  When the
 * call returns, the worker appends a DONE event carrying the call's status.
 * The main thread pops the events in the order the parser produced them
 * and does with each what the direct callbacks would do; so every db call
 * and every message stays in the main thread, in the same order as with a
 * synchronous parser.
 *
 * Memory is bounded: the ring has a fixed size and the worker blocks while
 * it is full.  The main thread has at most PIPE_MAX_CMDS commands
 * outstanding; pipe_submit never blocks.
 *
 * pipe_abort() makes the parser stop as a callback returning non-zero
 * would: records the worker has not yet handed over are dropped, so are
 * queued ones; DONE events still arrive (with TSM_ABORT).  The abort is
 * sticky, as the parser's own is.
 */
#ifndef CLI_PIPE_H
#define CLI_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "../parser/parser.h"

#define PIPE_MAX_CMDS 4

typedef enum pipe_cmd {
	PIPE_FEED = 0,       /* parser_feed(buf, len); buf is the caller's until DONE */
	PIPE_FLUSH,          /* parser_flush */
	PIPE_NEW_STREAM,     /* parser_new_stream */
	PIPE_FINISH          /* parser_finish */
} pipe_cmd;

typedef enum pipe_ev_kind {
	PIPE_EV_DUMP = 1,
	PIPE_EV_RESOURCE,
	PIPE_EV_ANCHOR,
	PIPE_EV_MARKER,
	PIPE_EV_DIAG,
	PIPE_EV_DONE         /* a command has completed */
} pipe_ev_kind;

/* One event.  The record pointers are valid until the next pipe_next. */
typedef struct pipe_event {
	pipe_ev_kind kind;
	const parser_dump *dump;         /* rows[0..nrows-1] only: the copy ends there */
	const parser_resource *resource;
	const parser_anchor *anchor;
	const parser_marker *marker;
	const tsm_diag *diag;
	/* PIPE_EV_DONE */
	pipe_cmd cmd;
	tsm_status status;               /* of the parser call */
	uint64_t dumps;                  /* parser_get_stats()->dumps after the call */
} pipe_event;

typedef struct parse_pipe parse_pipe;

/* Create the parser and start the worker.  Returns NULL and fills err on
 * failure. */
parse_pipe *pipe_start(char *err);

/* Queue a command (at most PIPE_MAX_CMDS outstanding: a command is
 * outstanding until its DONE event has been popped).  Returns 0, or -1 when
 * too many are outstanding (a caller's bug). */
int pipe_submit(parse_pipe *pp, pipe_cmd cmd, const char *buf, size_t len);

/* Commands submitted whose DONE has not been popped yet. */
int pipe_outstanding(const parse_pipe *pp);

/* Wait for the next event and fill *ev.  Releases the previous event's
 * record.  Returns 0, or -1 when nothing is outstanding (it would wait
 * forever). */
int pipe_next(parse_pipe *pp, pipe_event *ev);

/* Stop the parse (see above). */
void pipe_abort(parse_pipe *pp);

/* Stop the worker, free the parser and the pipe; NULL is fine.  Safe with
 * commands outstanding (they are abandoned). */
void pipe_free(parse_pipe *pp);

#endif
