/* stub_analyze.c — TEMPORARY placeholder until cli/cmd_analyze.c lands; delete it then. */
#include "cli.h"

int cli_analyze(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_errorf("analyze: not implemented yet");
	return TSM_EXIT_DATA;
}
