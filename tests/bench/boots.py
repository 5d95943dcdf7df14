"""What tests/bench/run's boot figures share: timed bootmatrix runs of a plan, and plain QEMU
booting the same kernel, initramfs and command line as libvirt did, timed to a console line."""
import glob, json, os, re, shlex, subprocess, time

LTS = "tests/data/plans/lts.yaml"
JOB = "x86_64-trixie-linux-source-6.12-rust-kunit"


def cache_dir():
    return os.environ.get("BOOTMATRIX_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "bootmatrix")


def run(bm, results, plan, *args):
    """One `bootmatrix run`: (exit code, wall seconds, matrix.json's jobs, the run's directory)."""
    t0 = time.monotonic()
    rc = subprocess.call([bm, "run", "--quiet", "--results", results] + list(args) + [plan],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    runs = sorted(r for r in os.listdir(results) if r[0].isdigit())
    jobs = json.load(open("%s/%s/matrix.json" % (results, runs[-1])))["jobs"] if runs else []
    return rc, wall, jobs, "%s/%s" % (results, runs[-1]) if runs else None


def best_run(label, bm, results, plan, *args, tries=3):
    """The first run (builds what is missing, not timed), then the fastest of tries: (wall, jobs,
    run directory), or None once a run failed (said on stdout)."""
    found = None
    for i in range(tries + 1):
        rc, wall, jobs, rundir = run(bm, results, plan, *args)
        if rc > 1 or not jobs:
            print("%s: failed (a run exited %d)" % (label, rc))
            return None
        if i and (found is None or wall < found[0]):
            found = (wall, jobs, rundir)
    return found


def plain_argv(job):
    """The QEMU argv libvirt used for job's last boot (from the driver's log), as plain QEMU:
    the same machine, accelerator, CPU, memory, kernel, initramfs and command line, the console
    on stdout. None when there is no such log."""
    logs = sorted(glob.glob(cache_dir() + "/libvirt/**/*-" + job + ".log", recursive=True),
                  key=os.path.getmtime)
    if not logs:
        return None
    text = open(logs[-1], errors="replace").read().replace("\\\n", " ")
    cmds = [l for l in text.split("\n") if "/qemu-system-" in l]
    if not cmds:
        return None
    words = shlex.split(cmds[-1])
    words = words[next(i for i, w in enumerate(words) if "/qemu-system-" in w):]
    opt = {}
    for i, w in enumerate(words[:-1]):
        if w in ("-machine", "-accel", "-cpu", "-smp", "-kernel", "-initrd", "-append", "-m"):
            opt[w] = words[i + 1]
    machine = ",".join(p for p in opt["-machine"].split(",") if not p.startswith("memory-backend="))
    mem = re.sub(r"^size=(\d+)k$", lambda m: "%dM" % (int(m.group(1)) // 1024), opt["-m"])
    return [words[0], "-machine", machine, "-accel", opt.get("-accel", "tcg"), "-cpu", opt["-cpu"],
            "-m", mem, "-smp", opt.get("-smp", "1"), "-display", "none", "-no-user-config",
            "-nodefaults", "-no-reboot", "-kernel", opt["-kernel"], "-initrd", opt["-initrd"],
            "-append", opt["-append"], "-serial", "stdio", "-device", "pvpanic"]


def console_marks(console):
    """The console's last KTAP result line and the line the run stopped at (kselftest's
    sentinel after it, if any), or None when it has no result line."""
    lines = [l.rstrip("\r\n") for l in open(console, errors="replace")]
    ktap = [l for l in lines if re.match(r"(not )?ok \d+ ", l)]
    if not ktap:
        return None
    return ktap[-1], next((l for l in lines if "bootmatrix: kselftest done" in l), ktap[-1])


def plain_boot(argv, last, stop):
    """One plain QEMU boot: seconds until the console printed last, and until stop after it;
    None when the console ended before."""
    t0 = time.monotonic()
    q = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    t_last = t_stop = None
    for l in q.stdout:
        l = l.decode(errors="replace").rstrip("\r\n")
        if t_last is None and l == last:
            t_last = time.monotonic() - t0
        if t_last is not None and l == stop:
            t_stop = time.monotonic() - t0
            break
    q.kill()
    q.wait()
    return None if t_stop is None else (t_last, t_stop)
