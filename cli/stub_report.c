/* stub_report.c — TEMPORARY placeholder until cli/cmd_report.c lands; delete it then. */
#include "cli.h"

int cli_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_errorf("report: not implemented yet");
	return TSM_EXIT_DATA;
}
