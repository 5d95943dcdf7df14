/* libFuzzer target: a plan file of arbitrary bytes through libyaml, the conf layer and the plan
 * validation (against the repository's arch/, configs/ and images/). Every input either loads or
 * fails with one error; neither may crash or leak. Seeds: the plans in configs/ and tests/data/plans. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "plan.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

/* the plan file goes with the fuzzer (libFuzzer ends with exit()) */
static void plan_file_remove(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan *p = NULL;
	struct bm_err *err = NULL;
	const char *datadir = getenv("BM_DATADIR");
	int fd;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/bm-fuzz-plan-%d.yaml", (int)getpid());
		atexit(plan_file_remove);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fd_write_all(fd, data, size) < 0)
		abort();
	close(fd);
	if (plan_load(path, datadir ? datadir : ".", &p, &err) == 0)
		plan_free(p);
	else if (!err || !err->msg)
		abort();	/* a failure must say why */
	bm_err_free(err);
	return 0;
}
