/* Test driver for uml-sandbox.sh: boots argv[1] as a UML kernel through the UML backend (and so
 * its sandbox), console in argv[2], command line argv[3]; prints the outcome. */
#include <stdio.h>

#include "boot.h"
#include "boot_uml.h"
#include "err.h"

static enum boot_verdict on_line(const char *line, void *data)
{
	(void)line;
	(void)data;
	return BOOT_CONTINUE;
}

int main(int argc, char **argv)
{
	struct boot_spec spec = { .name = "sandbox-test", .memory_mib = 64, .timeout = 60 };
	struct boot_outcome o = { 0 };
	struct bm_err *err = NULL;

	if (argc != 4)
		return 2;
	spec.kernel = argv[1];
	spec.console_log = argv[2];
	spec.cmdline = argv[3];
	if (boot_uml_run(&spec, on_line, NULL, &o, &err) < 0) {
		fprintf(stderr, "uml-driver: %s\n", err->msg);
		return 2;
	}
	printf("outcome: %s%s%s\n", bm_status_name(o.status), o.detail ? ": " : "",
	       o.detail ? o.detail : "");
	return 0;
}
