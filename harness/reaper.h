/* Nothing a run started outlives it: a small process forked at the start of a run (the reaper)
 * learns, over a pipe, the process groups of the run's children (UML kernels, builds) and the
 * directories where libvirt's embedded driver keeps the pid files of its QEMU guests. When the pipe
 * closes without a goodbye (bootmatrix killed with SIGKILL, crashed, or its whole process group
 * killed by a CI timeout: the reaper has a session of its own), it kills them all and exits. On a
 * normal end reaper_stop lets it go without killing anything.
 *
 * All functions are no-ops before reaper_start and after reaper_stop; they are thread-safe and
 * keep errno. */
#ifndef BM_REAPER_H
#define BM_REAPER_H

#include <sys/types.h>

struct bm_err;

/* Fork the reaper (once per process; later calls do nothing). */
int reaper_start(struct bm_err **err);
/* Kill the process group pgid if bootmatrix dies; forget it again once it is reaped. */
void reaper_watch_pgid(pid_t pgid);
void reaper_forget_pgid(pid_t pgid);
/* Kill the processes of dir/NAME.pid (a libvirt driver's run directory; not driver.pid, and only
 * processes whose command line names qemu) if bootmatrix dies. */
void reaper_watch_pidfiles(const char *dir);
/* Kill now what reaper_watch_pidfiles would kill for dir (the guests of a dead process's root). */
void reaper_kill_pidfiles(const char *dir);
/* The run ended normally: the reaper exits and kills nothing. */
void reaper_stop(void);

#endif
