#!/usr/bin/env python3
"""run.py — the real-server lab: Apache Traffic Server 9.2 under scripted load.

For each scenario file (lab/scenarios/*.toml) it starts, on loopback only:
nginx as the origin, traffic_server under libfaketime (days of server time in
minutes), with the lab's leak plugin (lab/plugin/tsmem_leak.c) loaded, and
wrk as the load; it follows the scenario's phases (load, object sizes,
distinct objects, leak on/off, restarts, SIGUSR1 dumps), writes the
server's memory dumps to a capture file, stops everything by process id,
and scores tsmem's verdicts on that capture against the truth the scenario's
design gives (lab/score.py).

    python3 lab/run.py [--smoke] [--jobs N] [--out DIR] [--keep]
                       [--plugin 'PATH [ARGS]'] [SCENARIO.toml ...]

--smoke runs the scenarios marked `smoke = true`.  --plugin loads another
plugin beside the lab's (a leak test for your own plugin: the truth stays
the scenario's, so a leak verdict that the design does not explain is
yours).  Output per scenario goes to DIR/NAME/ (default build/lab/):
traffic.out, records.config, scenario.toml, report.json, verdicts.txt.

Bounds: each scenario has a wall-clock limit (its server hours / speed plus
a margin); every child process gets SIGKILL if this script dies
(PR_SET_PDEATHSIG) and is stopped by its pid on every exit path.
Standard library only (python3 >= 3.11 for tomllib).
"""

import argparse
import calendar
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import score  # noqa: E402

FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
SIZES = {"K": 1024, "M": 1024 * 1024}

_children = []  # every Popen still possibly alive
_children_lock = threading.Lock()
_libc = ctypes.CDLL("libc.so.6", use_errno=True)


def _die_with_parent():
    # PR_SET_PDEATHSIG = 1: the child gets SIGKILL when its parent thread ends.
    _libc.prctl(1, signal.SIGKILL, 0, 0, 0)


def spawn(argv, env=None, stdout=None, stderr=None, cwd=None):
    p = subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr, cwd=cwd,
                         stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    with _children_lock:
        _children.append(p)
    return p


def stop(p, sig=signal.SIGTERM, wait=20.0):
    """Stop one child by its pid: SIGTERM, then SIGKILL after `wait` s."""
    if p is None:
        return
    if p.poll() is None:
        try:
            p.send_signal(sig)
            p.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        except ProcessLookupError:
            pass
    with _children_lock:
        if p in _children:
            _children.remove(p)


def stop_all():
    with _children_lock:
        ps = list(_children)
    for p in ps:
        if p.poll() is None:
            p.kill()
    for p in ps:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def size_bytes(s):
    s = str(s).strip().upper().rstrip("B").rstrip("I")
    if s and s[-1] in SIZES:
        return int(float(s[:-1]) * SIZES[s[-1]])
    return int(s)


class CannotStart(RuntimeError):
    """The lab's loopback ports are taken (another lab run): not a verdict's
    fault.  Anything else that stops a server is a failure."""


class Lab:
    """One scenario on one set of loopback ports."""

    def __init__(self, scn, path, out, slot, plugin_so, extra_plugin, log, port_base=18080):
        self.scn = scn
        self.path = path
        self.out = out
        self.port = port_base + 10 * slot
        self.origin = self.port + 1
        self.plugin_so = plugin_so
        self.extra_plugin = extra_plugin
        self.log = log
        self.ts = None
        self.nginx = None
        self.capture = os.path.join(out, "traffic.out")
        self.speed = float(scn.get("speed", 240))
        self.t0 = None  # real time at the first start (diurnal phase origin)

    # -- setup -------------------------------------------------------------
    def setup(self):
        s, o = self.scn, self.out
        if os.path.exists(o):
            shutil.rmtree(o)
        for d in ("etc", "log", "run", "var", "cache", "www"):
            os.makedirs(os.path.join(o, d))
        shutil.copytree("/etc/trafficserver", os.path.join(o, "etc"), dirs_exist_ok=True)
        with open(os.path.join(o, "runroot.yaml"), "w") as f:
            f.write("prefix: /usr\nexec_prefix: /usr\nbindir: /usr/bin\nsbindir: /usr/sbin\n"
                    "includedir: /usr/include\nlibdir: /usr/lib/trafficserver\n"
                    "libexecdir: /usr/lib/trafficserver/modules\n")
            for k, d in (("sysconfdir", "etc"), ("datadir", "cache"), ("localstatedir", "var"),
                         ("runtimedir", "run"), ("logdir", "log"), ("cachedir", "cache")):
                f.write("%s: %s\n" % (k, os.path.join(o, d)))
        day = 86400
        rec = [
            ("proxy.config.admin.user_id", "STRING", "#-1"),
            ("proxy.config.http.server_ports", "STRING", str(self.port)),
            ("proxy.config.dump_mem_info_frequency", "INT", int(s.get("interval", 60))),
            ("proxy.config.res_track_memory", "INT", int(s.get("res_track_memory", 0))),
            ("proxy.config.cache.ram_cache.size", "INT", size_bytes(s.get("ram_cache", "32M"))),
            ("proxy.config.http.keep_alive_no_activity_timeout_in", "INT", day),
            ("proxy.config.http.keep_alive_no_activity_timeout_out", "INT", day),
            ("proxy.config.http.transaction_no_activity_timeout_in", "INT", day),
            ("proxy.config.http.transaction_no_activity_timeout_out", "INT", day),
            ("proxy.config.http.accept_no_activity_timeout", "INT", day),
            ("proxy.config.net.default_inactivity_timeout", "INT", day),
            ("proxy.config.url_remap.remap_required", "INT", 1),
            ("proxy.config.reverse_proxy.enabled", "INT", 1),
            ("proxy.config.http.cache.http", "INT", 1),
            ("proxy.config.log.logging_enabled", "INT", 0),
            ("proxy.config.diags.debug.enabled", "INT", 0),
        ]
        for k, v in s.get("records", {}).items():
            rec.append((k, "INT" if isinstance(v, int) else
                        "FLOAT" if isinstance(v, float) else "STRING", v))
        with open(os.path.join(o, "etc", "records.config"), "w") as f:
            for k, t, v in rec:
                f.write("CONFIG %s %s %s\n" % (k, t, v))
        shutil.copy(os.path.join(o, "etc", "records.config"), os.path.join(o, "records.config"))
        with open(os.path.join(o, "etc", "remap.config"), "w") as f:
            f.write("map / http://127.0.0.1:%d/\n" % self.origin)
        with open(os.path.join(o, "etc", "storage.config"), "w") as f:
            f.write("%s %s\n" % (os.path.join(o, "cache"), s.get("disk_cache", "256M")))
        with open(os.path.join(o, "etc", "plugin.config"), "w") as f:
            f.write("%s %s\n" % (self.plugin_so, s.get("plugin", "")))
            if self.extra_plugin:
                f.write(self.extra_plugin + "\n")
        sizes = set()
        for ph in s.get("phase", []):
            for z in ph.get("sizes", []):
                sizes.add(size_bytes(z))
        for z in sizes:
            with open(os.path.join(o, "www", "s%d.bin" % z), "wb") as f:
                f.write(os.urandom(z))
        with open(os.path.join(o, "nginx.conf"), "w") as f:
            # one process: stopping it by its pid stops the listener (a
            # master killed with SIGKILL leaves its worker serving)
            f.write("daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/run/nginx.pid;\n"
                    "error_log %s/log/nginx.err;\nevents { worker_connections 512; }\n"
                    "http {\n  access_log off;\n  server {\n    listen 127.0.0.1:%d;\n"
                    "    root %s/www;\n    expires max;\n"
                    "    location / { rewrite ^/(s[0-9]+)/.*$ /$1.bin break; }\n  }\n}\n"
                    % (o, o, self.origin, o))
        shutil.copy(self.path, os.path.join(o, "scenario.toml"))

    # -- processes -----------------------------------------------------------
    def ports_free(self):
        import socket
        for port in (self.port, self.origin):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            except OSError:
                continue
            raise CannotStart("port %d is already in use (another lab run?)" % port)

    def start_origin(self):
        self.ports_free()
        self.nginx = spawn(["nginx", "-c", os.path.join(self.out, "nginx.conf")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self.wait_port(self.origin, 10, self.nginx)
        except RuntimeError as e:
            raise RuntimeError("nginx did not start: %s (see %s)"
                               % (e, os.path.join(self.out, "log", "nginx.err")))

    def start_server(self):
        env = dict(os.environ)
        env["TS_RUNROOT"] = os.path.join(self.out, "runroot.yaml")
        env["LD_PRELOAD"] = FAKETIME_LIB
        env["FAKETIME"] = "@%s x%g" % (self.scn.get("start", "2026-11-01 00:00:00"), self.speed)
        env["FAKETIME_DONT_RESET"] = "1"
        if self.t0 is not None:
            # a restart continues the server clock where it was
            server_now = (time.time() - self.t0) * self.speed
            env["FAKETIME"] = "@%s x%g" % (time.strftime(
                "%Y-%m-%d %H:%M:%S", time.gmtime(self.fake_epoch + server_now)), self.speed)
        env["TZ"] = "UTC"
        cap = open(self.capture, "ab")
        self.ts = spawn(["traffic_server"], env=env, stdout=cap, stderr=cap, cwd=self.out)
        cap.close()
        if self.t0 is None:
            self.t0 = time.time()
        try:
            self.wait_port(self.port, 120, self.ts)
        except RuntimeError as e:
            raise RuntimeError("traffic_server did not start: %s (see %s)" % (e, self.capture))

    def wait_port(self, port, limit, proc=None):
        import socket
        end = time.time() + limit
        while time.time() < end:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError("it exited with status %s" % proc.returncode)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("port %d did not open within %d s" % (port, limit))

    def restart(self):
        self.log("restart")
        stop(self.ts, wait=30)
        self.ts = None
        time.sleep(1.0)
        self.start_server()

    # -- load ------------------------------------------------------------------
    def wrk_script(self, ph, idx):
        sizes = ["s%d" % size_bytes(z) for z in ph.get("sizes", ["16K"])]
        leak = ph.get("leak", False)
        if leak is True:
            hdr = "on"
        elif leak is False:
            hdr = ""
        else:
            hdr = str(leak)
        period = float(ph.get("period_hours", 24)) * 3600 / self.speed
        path = os.path.join(self.out, "phase%d.lua" % idx)
        with open(path, "w") as f:
            f.write("""-- generated by lab/run.py for phase %(idx)d
local sizes = {%(sizes)s}
local objects = %(objects)d
local leak = "%(hdr)s"
local rate, amp, period, t0, conns = %(rate)g, %(amp)g, %(period)g, %(t0)g, %(conns)d
local counter = 0
function init(args) math.randomseed(%(seed)d + counter) end
function request()
  local s = sizes[math.random(#sizes)]
  local h = {}
  if leak ~= "" then h["X-Tsmem-Leak"] = leak end
  return wrk.format("GET", "/" .. s .. "/" .. math.random(objects), h)
end
function delay()
  local t = os.time() - t0
  local r = rate * (1 + amp * math.sin(2 * math.pi * t / period))
  if r < 0.05 then r = 0.05 end
  return math.floor(1000 * conns / r)
end
""" % dict(idx=idx, sizes=", ".join('"%s"' % z for z in sizes),
                objects=int(ph.get("objects", 100)), hdr=hdr, rate=float(ph.get("rps", 20)),
                amp=float(ph.get("diurnal", 0.0)), period=period, t0=self.t0,
                conns=int(ph.get("connections", 4)), seed=int(self.scn.get("seed", 1)) * 100 + idx))
        return path

    def run_phase(self, ph, idx):
        if ph.get("restart"):
            self.restart()
        secs = float(ph["hours"]) * 3600 / self.speed
        self.log("phase %d: %.1f server h (%.0f s), %s rps, sizes %s, leak %s"
                 % (idx, ph["hours"], secs, ph.get("rps", 20), ph.get("sizes"), ph.get("leak", False)))
        end = time.time() + secs
        wrk = None
        if float(ph.get("rps", 20)) > 0:
            script = self.wrk_script(ph, idx)
            with open(os.path.join(self.out, "wrk.log"), "ab") as wl:
                wrk = spawn(["wrk", "-t1", "-c%d" % int(ph.get("connections", 4)),
                             "-d%ds" % max(1, int(secs)), "--timeout", "10s", "-s", script,
                             "http://127.0.0.1:%d/" % self.port], stdout=wl, stderr=wl)
        n_usr1 = int(ph.get("sigusr1", 0))
        usr1_at = [time.time() + secs * (k + 1) / (n_usr1 + 1) for k in range(n_usr1)]
        while time.time() < end:
            if self.ts.poll() is not None:
                raise RuntimeError("traffic_server exited (status %s)" % self.ts.returncode)
            if usr1_at and time.time() >= usr1_at[0]:
                usr1_at.pop(0)
                self.ts.send_signal(signal.SIGUSR1)
            time.sleep(min(0.25, max(0.0, end - time.time())))
        if wrk is not None:
            stop(wrk, signal.SIGINT, wait=15)
            self.check_load()

    def check_load(self):
        """The origin answered: a lab whose requests fail fills no cache."""
        import re
        with open(os.path.join(self.out, "wrk.log"), errors="replace") as f:
            text = f.read()
        reqs = [int(x) for x in re.findall(r"(\d+) requests in", text)]
        bad = [int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", text)]
        if reqs and sum(bad) > 0.01 * sum(reqs):
            raise RuntimeError("%d of %d requests failed (is the origin on port %d ours?)"
                               % (sum(bad), sum(reqs), self.origin))

    def run(self):
        self.setup()
        self.fake_epoch = calendar.timegm(time.strptime(self.scn.get("start", "2026-11-01 00:00:00"),
                                                        "%Y-%m-%d %H:%M:%S"))
        try:
            self.start_origin()
            self.start_server()
            for i, ph in enumerate(self.scn.get("phase", [])):
                self.run_phase(ph, i)
        finally:
            stop(self.ts, wait=30)
            stop(self.nginx, signal.SIGQUIT, wait=10)
        # remove what is big and not needed to read the result again
        shutil.rmtree(os.path.join(self.out, "cache"), ignore_errors=True)
        shutil.rmtree(os.path.join(self.out, "www"), ignore_errors=True)


def build_plugin(outdir):
    src = os.path.join(HERE, "plugin", "tsmem_leak.c")
    so = os.path.join(outdir, "tsmem_leak.so")
    if os.path.exists(so) and os.path.getmtime(so) >= os.path.getmtime(src):
        return so
    os.makedirs(outdir, exist_ok=True)
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-std=gnu11", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared",
                    "-o", so, src], check=True)
    return so


def scenario_hours(scn):
    return sum(float(p["hours"]) for p in scn.get("phase", []))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenarios", nargs="*")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("LAB_JOBS", "2")))
    ap.add_argument("--port-base", type=int, default=int(os.environ.get("LAB_PORT", "18080")),
                    help="first loopback port (slot k uses BASE + 10k and the next one)")
    ap.add_argument("--out", default=os.environ.get("LAB_OUT", os.path.join(ROOT, "build", "lab")))
    ap.add_argument("--plugin", default=os.environ.get("PLUGIN", ""))
    ap.add_argument("--tsmem", default=os.environ.get("TSMEM", os.path.join(ROOT, "build", "tsmem")))
    ap.add_argument("--check", action="store_true",
                    help="judge each scenario against lab/expected/NAME.txt (known failures); exit 1 on a failure")
    ap.add_argument("--score-only", action="store_true",
                    help="do not run servers; score the captures already in --out")
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)   # nginx and the runroot need absolute paths

    for tool in ("traffic_server", "nginx", "wrk"):
        if not args.score_only and shutil.which(tool) is None:
            print("lab: %s not found (make lab installs trafficserver, nginx-light, wrk, faketime)" % tool,
                  file=sys.stderr)
            return 1
    if not args.score_only and not os.path.exists(FAKETIME_LIB):
        print("lab: %s not found (apt-get install faketime)" % FAKETIME_LIB, file=sys.stderr)
        return 1

    paths = args.scenarios or sorted(
        os.path.join(HERE, "scenarios", f) for f in os.listdir(os.path.join(HERE, "scenarios"))
        if f.endswith(".toml"))
    scns = []
    for p in paths:
        with open(p, "rb") as f:
            s = tomllib.load(f)
        s.setdefault("name", os.path.splitext(os.path.basename(p))[0])
        if args.smoke and not s.get("smoke", False):
            continue
        scns.append((p, s))
    if not scns:
        print("lab: no scenarios", file=sys.stderr)
        return 1
    # longest first, so that two job slots finish together
    scns.sort(key=lambda ps: -scenario_hours(ps[1]))
    os.makedirs(args.out, exist_ok=True)
    plugin_so = None if args.score_only else build_plugin(os.path.join(args.out, "plugin"))
    extra = args.plugin.strip()
    if extra and not os.path.isabs(extra.split()[0]):
        extra = os.path.abspath(extra.split()[0]) + extra[len(extra.split()[0]):]

    def on_signal(signum, frame):
        stop_all()
        print("lab: interrupted; every server stopped", file=sys.stderr)
        os._exit(130)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    errors = {}
    cannot = {}
    queue = list(enumerate(scns))
    qlock = threading.Lock()
    t_start = time.time()

    def worker(slot):
        while True:
            with qlock:
                if not queue:
                    return
                _, (path, scn) = queue.pop(0)
            name = scn["name"]
            out = os.path.join(args.out, name)

            def log(msg, name=name):
                print("lab: %-22s %6.0fs  %s" % (name, time.time() - t_start, msg), flush=True)

            if args.score_only:
                continue
            lab = Lab(scn, path, out, slot, plugin_so, extra, log, args.port_base)
            limit = scenario_hours(scn) * 3600 / lab.speed + 120
            log("start (%.0f server h, at most %.0f s)" % (scenario_hours(scn), limit))
            timer = threading.Timer(limit, lambda: (lab.ts and lab.ts.kill()))
            timer.start()
            try:
                lab.run()
                log("done")
            except CannotStart as e:
                cannot[name] = str(e)
                errors[name] = str(e)
                log("CANNOT RUN: %s" % e)
            except Exception as e:  # noqa: BLE001 — reported, the run goes on
                errors[name] = str(e)
                log("FAILED: %s" % e)
            finally:
                timer.cancel()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(max(1, args.jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop_all()

    results = []
    for path, scn in sorted(scns, key=lambda ps: ps[1]["name"]):
        name = scn["name"]
        out = os.path.join(args.out, name)
        if name in errors:
            results.append(score.failed(name, errors[name]))
            continue
        results.append(score.score_capture(args.tsmem, scn, os.path.join(out, "traffic.out"), out))
    print(score.render(results))
    if args.check:
        # a machine that cannot run the servers (a sandbox without loopback
        # sockets, say) is said loudly and skipped; the captures in
        # fixtures/ats-9.2/ still judge the verdicts on real server output
        for name, why in sorted(cannot.items()):
            print("lab: SKIP %s: %s" % (name, why))
        if set(errors) - set(cannot):
            return 2
    elif errors:
        return 2
    if args.check:
        nfail = 0
        for (path, scn), res in zip(sorted(scns, key=lambda ps: ps[1]["name"]), results):
            if scn["name"] in cannot:
                continue
            lines, f = score.check(res, scn, os.path.join(HERE, "expected", scn["name"] + ".txt"))
            nfail += f
            for line in lines:
                print("lab: " + line)
        print("lab: %d scenario(s) checked, %d skipped, %d failure(s)"
              % (len(results) - len(cannot), len(cannot), nfail))
        return 1 if nfail else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
