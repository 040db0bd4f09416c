/* inputs.h — the FILE arguments of ingest, analyze and inspect before any
 * is read: each must be a readable regular file (or '-' or a FIFO), and a
 * rotated set is put oldest first.  Prints its messages (cli/ only); no
 * database, no parsing.
 */
#ifndef CLI_INPUTS_H
#define CLI_INPUTS_H

/* Check that every input can be read: it exists, is not a directory and
 * opens for reading ("-" is standard input and always passes).  Prints
 * "tsmem: PATH: reason" for each one that fails.  Returns the number of
 * failures (0 = all readable). */
int cli_inputs_check(int n, char *const *files);

/* Order of a rotated set, oldest first.  Names of one family (same
 * directory and base name) are sorted among the places they hold in the
 * argument list; other arguments keep their place.  A family is
 *   NAME                                  the file being written: last;
 *   NAME.N[.gz]                           logrotate's numbers: higher is older;
 *   NAME-YYYYMMDD[HH[MM[SS]]][.gz], NAME-EPOCH[.gz]  logrotate's dateext;
 *   NAME[_HOST].START-END.old[.gz]        ATS's own rolled logs;
 * ordered by the time in the names when every rotated member has one, else
 * by the numbers when every one has one, else by modification time.  Ties
 * keep the given order.
 * OUT: out[0..n-1] = the files (pointers from `files`) in reading order.
 * Then warns ("tsmem: PATH: warning: ...") for each file read after one
 * that was last written more than a few seconds later, when nothing in the
 * names decided their order (the order given contradicts their times).
 * Returns 0, or -1 when out of memory (out then holds the given order). */
int cli_inputs_order(int n, char *const *files, char **out);

#endif
