/* A boot's serial console file, followed as it grows and passed to the caller's watcher line by
 * line: here with read(2), or on a remote host through spec->console_read (each piece appended
 * to the local copy spec->console_copy). Used by the libvirt backend. */
#ifndef BM_BOOT_CONSOLE_H
#define BM_BOOT_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot.h"

/* A console line longer than this is passed on in pieces. */
#define BOOT_CONSOLE_LINE_MAX 65536

/* Owned by its caller (often on the stack); boot_console_release closes fd and frees the rest. */
struct boot_console {
	const struct boot_spec *spec;	/* borrowed */
	int fd;			/* the local console file, or the local copy of a remote one; -1 */
	uint64_t offset;	/* remote: bytes read so far */
	char *buf;
	size_t len;
	char *verdict_line;	/* the line on which on_line said done or panic */
	char *read_error;	/* remote: why reading failed (the host is gone), else NULL */
};

/* Follow spec's console (nothing is opened until there is something to read). */
void boot_console_init(struct boot_console *c, const struct boot_spec *spec);
void boot_console_release(struct boot_console *c);

/* Read what is new and pass every complete line, without its line ending, to on_line; with final
 * (the guest is gone), pass an unterminated tail too. Stops at the first line the watcher gives a
 * verdict on (kept in c->verdict_line) and returns that verdict. */
enum boot_verdict boot_console_poll(struct boot_console *c, bool final, boot_line_fn on_line,
				    void *data);

#endif
