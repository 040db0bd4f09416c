/* stub_simulate.c — TEMPORARY placeholder until cli/cmd_simulate.c lands; delete it then. */
#include "cli.h"

int cli_simulate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_errorf("simulate: not implemented yet");
	return TSM_EXIT_DATA;
}
