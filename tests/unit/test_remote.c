/* remote: libvirt URI parsing and remote-shell quoting (pure parts of the module). The quoting is
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

/* URIs. */

static void check_uri(const char *uri, const char *user, const char *host, unsigned port)
{
	_cleanup_free_ char *u = NULL, *h = NULL;
	struct bm_err *err = NULL;
	unsigned p = 0;

	if (remote_parse_uri(uri, &u, &h, &p, &err) < 0)
		fail_msg("'%s': %s", uri, err->msg);
	if (user)
		assert_string_equal(u, user);
	else
		assert_null(u);
	assert_string_equal(h, host);
	assert_int_equal(p, port);
}

static void check_uri_bad(const char *uri, const char *want)
{
	char *u = (char *)"untouched", *h = (char *)"untouched";
	struct bm_err *err = NULL;
	unsigned p = 7;

	assert_int_equal(remote_parse_uri(uri, &u, &h, &p, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, BM_ERR_INPUT);
	if (!strstr(err->msg, want))
		fail_msg("'%s': message '%s' lacks '%s'", uri, err->msg, want);
	/* Output parameters are written only on success. */
	assert_string_equal(u, "untouched");
	assert_string_equal(h, "untouched");
	assert_int_equal(p, 7);
	bm_err_free(err);
}

static void test_uri_good(void **state)
{
	(void)state;
	check_uri("qemu+ssh://root@127.0.0.1:2222/system", "root", "127.0.0.1", 2222);
	check_uri("qemu+ssh://host.example/system", NULL, "host.example", 22);
	check_uri("qemu+libssh://builder@10.0.0.5/system?known_hosts=/k&sshauth=privkey", "builder",
		  "10.0.0.5", 22);
	check_uri("qemu+libssh2://u@h:2200/system", "u", "h", 2200);
	check_uri("qemu+ssh://[::1]:2222/system", NULL, "::1", 2222);
	check_uri("qemu+ssh://me@[fe80::1%25eth0]/system", "me", "fe80::1%eth0", 22);
	check_uri("qemu+ssh://a%40b@h/system", "a@b", "h", 22);
	check_uri("qemu+ssh://h:65535", NULL, "h", 65535);
	check_uri("qemu+ssh://h?keyfile=/k", NULL, "h", 22);
	check_uri("qemu+ssh://h#frag", NULL, "h", 22);
}

static void test_uri_bad(void **state)
{
	(void)state;
	check_uri_bad(NULL, "no libvirt URI");
	check_uri_bad("qemu:///system", "not a remote host over ssh");
	check_uri_bad("qemu+tcp://h/system", "not a remote host over ssh");
	check_uri_bad("QEMU+SSH://h/system", "not a remote host over ssh");
	check_uri_bad("qemu+ssh:///system", "no host");
	check_uri_bad("qemu+ssh://root@/system", "no host");
	check_uri_bad("qemu+ssh://@h/system", "empty user");
	check_uri_bad("qemu+ssh://root:secret@h/system", "passwords are not supported");
	check_uri_bad("qemu+ssh://h:0/system", "bad port");
	check_uri_bad("qemu+ssh://h:65536/system", "bad port");
	check_uri_bad("qemu+ssh://h:/system", "bad port");
	check_uri_bad("qemu+ssh://h:22x/system", "bad port");
	check_uri_bad("qemu+ssh://h:-1/system", "bad port");
	check_uri_bad("qemu+ssh://[::1/system", "unterminated");
	check_uri_bad("qemu+ssh://[::1]x/system", "junk after");
	check_uri_bad("qemu+ssh://a%4@h/system", "bad %-escape");
	check_uri_bad("qemu+ssh://a%00b@h/system", "bad %-escape");
	check_uri_bad("qemu+ssh://h%zz/system", "bad %-escape");
}

static void check_param(const char *uri, const char *name, const char *want)
{
	char *v = NULL;
	int rc = remote_uri_param(uri, name, &v);

	if (!want) {
		assert_int_equal(rc, 0);
		assert_null(v);
		return;
	}
	assert_int_equal(rc, 1);
	assert_string_equal(v, want);
	free(v);
}

static void test_uri_param(void **state)
{
	const char *u = "qemu+ssh://root@h:2222/system?keyfile=/root/.ssh/id%20x&known_hosts=/k+h&no_verify=0&flag#known_hosts=frag";

	(void)state;
	check_param(u, "keyfile", "/root/.ssh/id x");
	check_param(u, "known_hosts", "/k+h");
	check_param(u, "no_verify", "0");
	check_param(u, "flag", "");
	check_param(u, "missing", NULL);
	check_param(u, "known", NULL);
	check_param("qemu+ssh://h/system", "keyfile", NULL);
	check_param("qemu+ssh://h/system?", "keyfile", NULL);
	check_param("qemu+ssh://h/system?&&keyfile=/a&", "keyfile", "/a");
	check_param("qemu+ssh://h/system?keyfile=/a&keyfile=/b", "keyfile", "/a");
	/* libvirt splits at ';' only where no '&' is left. */
	check_param("qemu+ssh://h/system?a=1;b=2", "b", "2");
	check_param("qemu+ssh://h/system?a=1;b=2&c=3", "a", "1;b=2");
	check_param("qemu+ssh://h/system?%6Beyfile=/x", "keyfile", "/x");
	check_param("qemu+ssh://h/system?keyfile=%zz", "keyfile", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_exact),
		cmocka_unit_test(test_quote_empty),
		cmocka_unit_test(test_quote_shells),
		cmocka_unit_test(test_command_line),
		cmocka_unit_test(test_uri_good),
		cmocka_unit_test(test_uri_bad),
		cmocka_unit_test(test_uri_param),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
