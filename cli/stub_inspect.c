/* stub_inspect.c — TEMPORARY placeholder until cli/cmd_inspect.c lands; delete it then. */
#include "cli.h"

int cli_inspect(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_errorf("inspect: not implemented yet");
	return TSM_EXIT_DATA;
}
