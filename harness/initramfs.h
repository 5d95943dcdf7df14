/* The guest initramfs for kselftest boots: a newc cpio archive (written with archives.h) and
 * the /init script that runs the installed kselftests and powers off. */
#ifndef BM_INITRAMFS_H
#define BM_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>

struct bm_err;

enum initramfs_type { IR_DIR, IR_FILE, IR_SYMLINK, IR_CHARDEV, IR_TREE };

struct initramfs_entry {
	enum initramfs_type type;
	/* In the archive, absolute ("/bin/busybox"); "." and ".." components are refused. */
	const char *path;
	/* IR_FILE: host file (symlinks followed unless beneath is set); IR_TREE: host directory
	 * copied recursively under path (files, dirs, symlinks kept as symlinks, modes kept; other
	 * file types are an error); IR_SYMLINK: the link target. A tree is walked from directory
	 * fd to directory fd without following a symlink, and its files are opened beneath its top
	 * directory (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, O_NOFOLLOW | O_NONBLOCK), so a
	 * file swapped for a symlink or a FIFO since the walk is refused, not followed or waited
	 * on. */
	const char *source;
	/* IR_FILE, IR_TREE: when set, source is relative to this directory and must be reached
	 * inside it without any symlink, its last component included (for what an untrusted build
	 * made, docs/security.md); a file must be a regular file. NULL: source as it is. */
	const char *beneath;
	/* Permission bits (07777). 0: from the source (IR_FILE, IR_TREE), 0755 for IR_DIR, 0644
	 * for IR_FILE with content, 0600 for IR_CHARDEV. For IR_TREE it applies to the top
	 * directory only. Symlinks are always 0777. */
	unsigned mode;
	unsigned major, minor;	/* IR_CHARDEV */
	/* IR_FILE with source NULL: this text is the file's content (e.g. /init). */
	const char *content;
};

/* Write a newc cpio archive (uncompressed) of entries to out_path, atomically (a temporary file
 * in the same directory, then rename). Parent directories of every path are added once each
 * (0755) when not listed. Owner root:root, mtime 0, inode numbers by position: entries are
 * sorted by path, so the same inputs give byte-identical archives. A directory may come from
 * several entries (listed, from a tree, implied); any other path given twice, or a path below
 * a non-directory, is an error. Returns 0, or -1 with *err set. */
int initramfs_write(const char *out_path, const struct initramfs_entry *entries, size_t n,
		    struct bm_err **err);

/* List the archive at path (any format and compression libarchive reads), one line per entry:
 * "TYPE MODE PATH", TYPE one of dir, file, symlink, chardev, blockdev, fifo, socket, MODE four
 * octal digits, PATH absolute; symlinks add " -> TARGET", devices " MAJOR:MINOR", e.g.
 * "chardev 0600 /dev/console 5:1". On success *ret_lines is a NULL-terminated vector the caller
 * frees with strv_free. Returns 0, or -1 with *err set. */
int initramfs_list(const char *path, char ***ret_lines, struct bm_err **err);

struct initramfs_init_opts {
	const char *kselftest_dir;	/* installed kselftests in the archive; NULL: "/kselftest" */
	char *const *targets;		/* NULL-terminated, e.g. {"rust", "size", NULL}: one
					 * run_kselftest.sh -c TARGET each; NULL: all installed */
	unsigned per_test_timeout;	/* seconds, run_kselftest.sh -o; 0: kselftest's own (45,
					 * or the target's settings file) */
	const char *sentinel;		/* printed as a line when everything ran; NULL: none */
	/* Before the kselftests: every Rust sample module in /lib/modules (samples/rust/) loaded
	 * and unloaded, reported as the kselftest-shaped suite INITRAMFS_RUST_SAMPLES with one
	 * case per module: ok when it loads without tainting the kernel (unloaded where it
	 * allows), not ok with the error or the kernel's last new line otherwise. */
	bool rust_samples;
};

#define INITRAMFS_RUST_SAMPLES "rust_samples"

/* The /init script (busybox sh, PID 1): mounts proc, sysfs, devtmpfs, debugfs and tmpfs, links
 * /dev/std{in,out,err} and /dev/fd into /proc/self, installs the busybox applets into /bin, runs
 * run_kselftest.sh with its TAP on the console, prints the sentinel and powers off.
 * The archive must hold /bin/busybox, and for the kernel's runner the GNU-compatible timeout at
 * /usr/bin/timeout (bm-timeout: the runner uses it only there, with --foreground), plus
 * /bin/bash and /sbin/modprobe (bm-modprobe) for the bash tests such as rust's. Pure; the
 * caller frees the string. */
char *initramfs_init_script(const struct initramfs_init_opts *o);

#endif
