/* stub_sql.c — TEMPORARY placeholder until cli/cmd_sql.c lands; delete it then. */
#include "cli.h"

int cli_sql(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_errorf("sql: not implemented yet");
	return TSM_EXIT_DATA;
}
