/* stub_ingest.c — TEMPORARY placeholder until cli/cmd_ingest.c lands; delete it then. */
#include "cli.h"

int cli_ingest(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_errorf("ingest: not implemented yet");
	return TSM_EXIT_DATA;
}
