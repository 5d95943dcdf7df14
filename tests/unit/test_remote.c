/* remote: remote-shell quoting (the pure part of the module; libvirt URIs are in test_uri.c). The quoting is
 * checked twice: against exact strings, and by letting real shells (/bin/sh, and bash, zsh, ksh
 * when installed) split the quoted line back into words. The SSH parts run against a real sshd
 * in tests/integration/remote-ssh.sh. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "remote.h"
#include "util.h"

/* Quoting: exact strings. */

/* check_quote(want, word, word, ..., NULL) */
static void check_quote(const char *want, ...)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *got = NULL;
	const char *w;
	va_list ap;

	va_start(ap, want);
	while ((w = va_arg(ap, const char *)))
		strv_push(&argv, w);
	va_end(ap);
	got = remote_shell_quote(argv);
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void test_quote_exact(void **state)
{
	(void)state;
	check_quote("'sha256sum' /tmp/bm.x/bzImage", "sha256sum", "/tmp/bm.x/bzImage", NULL);
	check_quote("'ls' -la --color=never a,b:c@d%e+f_g", "ls", "-la", "--color=never",
		    "a,b:c@d%e+f_g", NULL);
	check_quote("'echo' ''", "echo", "", NULL);
	check_quote("'echo' 'a b'", "echo", "a b", NULL);
	check_quote("'echo' 'it'\\''s'", "echo", "it's", NULL);
	check_quote("'echo' ''\\'''", "echo", "'", NULL);
	check_quote("'echo' '$HOME' '`id`' '$(id)'", "echo", "$HOME", "`id`", "$(id)", NULL);
	check_quote("'echo' '*' '~' '~root' 'a\\b'", "echo", "*", "~", "~root", "a\\b", NULL);
	check_quote("'echo' '=ls' a=b", "echo", "=ls", "a=b", NULL);
	check_quote("'echo' 'line1\nline2' 'tab\there'", "echo", "line1\nline2", "tab\there", NULL);
	check_quote("'echo' 'x;rm -rf /' 'a|b' 'a&b' 'a>b' '(x)' '{a,b}' '!x' '#c'", "echo",
		    "x;rm -rf /", "a|b", "a&b", "a>b", "(x)", "{a,b}", "!x", "#c", NULL);
	check_quote("'echo' 'caf\xc3\xa9'", "echo", "caf\xc3\xa9", NULL);
	/* The command word is always quoted: keywords, assignments and aliases stay plain words. */
	check_quote("'if'", "if", NULL);
	check_quote("'FOO=bar' x", "FOO=bar", "x", NULL);
	check_quote("'it'\\''s'", "it's", NULL);
}

static void test_quote_empty(void **state)
{
	(void)state;
	assert_null(remote_shell_quote(NULL));
	{
		char *none[] = { NULL };

		assert_null(remote_shell_quote(none));
	}
}

static void test_command_line(void **state)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)"sleep 1 & wait", NULL };
	char *none[] = { NULL };
	_cleanup_free_ char *plain = remote_command_line(argv, 0);
	_cleanup_free_ char *timed = remote_command_line(argv, 2.5);

	(void)state;
	assert_string_equal(plain, "'sh' -c 'sleep 1 & wait'");
	assert_string_equal(timed, "'timeout' -k 2 2.500 sh -c 'sleep 1 & wait'");
	assert_null(remote_command_line(none, 1));
	assert_null(remote_command_line(NULL, 0));
}

/* Quoting: real shells split the line back into the same words. */

/* Run shell -c "<quoted printf '%s\0' words...>" and return its stdout (length in *ret_len). */
static char *run_shell(const char *shell, const char *line, size_t *ret_len)
{
	int fds[2];
	pid_t pid;
	char *out = NULL;
	size_t len = 0;
	ssize_t n;
	char buf[4096];
	int status;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(shell, shell, "-c", line, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
		out = xrealloc(out, len + (size_t)n + 1);
		memcpy(out + len, buf, (size_t)n);
		len += (size_t)n;
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	*ret_len = len;
	return out;
}

static const char *const tricky[] = {
	"plain", "", " ", "a b", "it's", "'", "''", "\"", "\"'\"", "$HOME", "${HOME}", "`id`",
	"$(id)", "\\", "\\\\n", "a\\'b", "line1\nline2", "\ttab", "*", "?", "[a]", "~", "~root",
	"-n", "-e", "--", "=ls", "a=b", "x;y", "a|b", "a&b", "a>b", "<a", "(x)", "{a,b}", "!x",
	"!!", "#c", "%s", "%%", "caf\xc3\xa9", "\x01\x7f", "end'", "'start", "a'b'c", "   ",
};

static void check_shell(const char *shell)
{
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *line = NULL, *out = NULL;
	size_t len = 0, pos = 0, i;

	if (access(shell, X_OK) < 0) {
		print_message("(%s not installed, skipped)\n", shell);
		return;
	}
	strv_push(&argv, "printf");
	strv_push(&argv, "%s\\000");
	for (i = 0; i < ARRAY_SIZE(tricky); i++)
		strv_push(&argv, tricky[i]);
	line = remote_shell_quote(argv);
	out = run_shell(shell, line, &len);
	for (i = 0; i < ARRAY_SIZE(tricky); i++) {
		size_t wl = strlen(tricky[i]);

		if (pos + wl + 1 > len || memcmp(out + pos, tricky[i], wl) || out[pos + wl])
			fail_msg("%s: word %zu ('%s') came back wrong from: %s", shell, i, tricky[i], line);
		pos += wl + 1;
	}
	assert_int_equal(pos, len);
}

static void test_quote_shells(void **state)
{
	(void)state;
	check_shell("/bin/sh");
	check_shell("/bin/dash");
	check_shell("/bin/bash");
	check_shell("/usr/bin/zsh");
	check_shell("/bin/ksh");
	check_shell("/usr/bin/mksh");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_exact),
		cmocka_unit_test(test_quote_empty),
		cmocka_unit_test(test_quote_shells),
		cmocka_unit_test(test_command_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
