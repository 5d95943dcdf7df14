/* A boot's serial console followed as it grows (see boot_console.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot_console.h"
#include "err.h"
#include "util.h"

#define LINE_MAX_LEN BOOT_CONSOLE_LINE_MAX

void boot_console_init(struct boot_console *c, const struct boot_spec *spec)
{
	memset(c, 0, sizeof(*c));
	c->spec = spec;
	c->fd = -1;
}

void boot_console_release(struct boot_console *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c->verdict_line);
	free(c->read_error);
}

/* Pass buf[0..n) as one line, without its "\r". */
static enum boot_verdict console_line(struct boot_console *c, char *line, size_t n, boot_line_fn on_line,
				      void *data)
{
	enum boot_verdict v;
	char saved;

	while (n > 0 && line[n - 1] == '\r')
		n--;
	saved = line[n];
	line[n] = '\0';
	v = on_line ? on_line(line, data) : BOOT_CONTINUE;
	if (v != BOOT_CONTINUE)
		c->verdict_line = xstrdup(line);
	line[n] = saved;
	return v;
}

/* Pass every complete line in c->buf, keeping an unterminated tail. Stops at the first line the
 * watcher gives a verdict on. */
static enum boot_verdict console_lines(struct boot_console *c, boot_line_fn on_line, void *data)
{
	enum boot_verdict v = BOOT_CONTINUE;
	size_t start = 0;

	for (size_t i = 0; i < c->len && v == BOOT_CONTINUE; i++) {
		if (c->buf[i] != '\n' && i - start < LINE_MAX_LEN)
			continue;
		v = console_line(c, c->buf + start, i - start, on_line, data);
		start = c->buf[i] == '\n' ? i + 1 : i;
	}
	memmove(c->buf, c->buf + start, c->len - start);
	c->len -= start;
	return v;
}

/* Some new bytes of a local console file into c->buf: >0 got some, 0 nothing new. */
static ssize_t console_read_local(struct boot_console *c)
{
	ssize_t n;

	if (c->fd < 0) {
		c->fd = open(c->spec->console_log, O_RDONLY | O_CLOEXEC);
		if (c->fd < 0)
			return 0;
	}
	c->buf = xrealloc(c->buf, c->len + LINE_MAX_LEN + 1);
	do
		n = read(c->fd, c->buf + c->len, LINE_MAX_LEN);
	while (n < 0 && errno == EINTR);
	return n < 0 ? 0 : n;
}

/* What is new in a remote console file into c->buf and the local copy. A failed read (the host or
 * the connection is gone) is kept in c->read_error and reads nothing from then on. */
static ssize_t console_read_remote(struct boot_console *c)
{
	_cleanup_free_ char *piece = NULL;
	struct bm_err *e = NULL;
	size_t n = 0;

	if (c->read_error)
		return 0;
	if (c->spec->console_read(c->spec->console_data, c->offset, &piece, &n, &e) < 0) {
		c->read_error = xstrdup(e->msg);
		bm_err_free(e);
		return 0;
	}
	if (n == 0)
		return 0;
	if (c->fd < 0)
		c->fd = open(c->spec->console_copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->fd >= 0 && fd_write_all(c->fd, piece, n) < 0) {
		close(c->fd);
		c->fd = -1;
	}
	c->offset += n;
	c->buf = xrealloc(c->buf, c->len + n + 1);
	memcpy(c->buf + c->len, piece, n);
	return (ssize_t)n;
}

enum boot_verdict boot_console_poll(struct boot_console *c, bool final, boot_line_fn on_line, void *data)
{
	enum boot_verdict v = BOOT_CONTINUE;

	for (;;) {
		ssize_t n = c->spec->console_read ? console_read_remote(c) : console_read_local(c);

		if (n <= 0)
			break;
		c->len += (size_t)n;
		v = console_lines(c, on_line, data);
		if (v != BOOT_CONTINUE)
			return v;
	}
	if (final && c->len > 0) {
		v = console_line(c, c->buf, c->len, on_line, data);
		c->len = 0;
	}
	return v;
}

