/* A hostile "UML kernel" (tests/integration/uml-sandbox.sh): a static program the UML backend
 * starts as it would start `linux`. It tries what a hostile guest kernel would try from the host
 * side (UML kernels are host processes): read host files, reach a listener on the host's
 * loopback, write outside its directory, act as root. Each attempt prints one line. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void try_read(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd >= 0)
		printf("guest: READ %s\n", path);
	else
		printf("guest: could not read %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void try_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0)
		printf("guest: WROTE %s\n", path);
	else
		printf("guest: could not write %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	int port = 0;

	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "port=", 5) == 0)
			port = atoi(argv[i] + 5);
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("guest: uid %d\n", (int)getuid());
	/* what a real UML needs: its memory file in TMPDIR, its ~/.uml in HOME */
	{
		const char *tmp = getenv("TMPDIR");
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s/guest-mem", tmp ? tmp : "(unset)");
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		printf("guest: TMPDIR %s\n", fd >= 0 ? "usable" : strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	try_read("/etc/passwd");
	try_read("/etc/hostname");
	try_read("/root/.ssh/authorized_keys");
	try_read("/proc/1/root/etc/passwd");
	try_write("/escaped");
	try_write("/tmp/../escaped");
	try_write("../escaped");
	if (chown(".", 0, 0) == 0)
		printf("guest: CHOWNED as root\n");
	else
		printf("guest: could not chown: %s\n", strerror(errno));
	{
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
			printf("guest: CONNECTED to 127.0.0.1:%d\n", port);
		else
			printf("guest: could not connect to 127.0.0.1:%d: %s\n", port, strerror(errno));
	}
	printf("guest: done\n");
	return 0;
}
