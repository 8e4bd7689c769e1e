#!/usr/bin/python3
"""run_scenario.py: a scripted dmip6 scenario in Mininet.

Builds the lab of dmip_topo.py (Linux bridges, no controller, no Open
vSwitch), starts had on the HA, dhpd on each DHP and mnd on the MN, runs
paced TCP flows between the CNs and the MN's home address (HoA), moves
the MN between AR1 and AR2 while they run, and prints a per-flow report:
the bytes of each flow checked end to end by SHA-256, and for each
handoff the interruption of each flow, measured on the HA's link (last
tunnelled packet of the flow via the old care-of address to the first via
the new one, per direction). Exits 0 when every check passed, 1 when one
failed, 2 on bad usage, 77 when Mininet cannot run here.

  run_scenario.py [--dhps N] [--flows N] [--handoffs N]
                  [--backend seg6|tun|mixed] [--method a|b] [--static]
                  [--interval S] [--rate B/S] [--anchors hoa[,dhoa...]]
                  [--builddir DIR] [--keep] [--json FILE] [-v]

Needs root, Debian's mininet package (run it with /usr/bin/python3; it
re-executes itself with it when the first python3 on PATH lacks the
mininet module), radvd (unless --static), ethtool, and the daemons built
in --builddir (default: $builddir, else the current directory).

Nothing in the root namespace changes but Mininet's bridges and their
ports, whose names start with the run's tag (d6<pid in base 36>_); the
run checks that (addresses, routes, rules and ip6tables of the root
namespace before and after) and removes everything it made, also when it
fails or is interrupted. A later run removes what a killed run left.

Flows: flow i is served by the MN from the address its anchor gives it
(--anchors: the HoA through the HA, or a DHoA that mnd leases from a DHP;
see anchor_address()) on TCP port 5000 + i and fetched by CN1 (odd i) or CN2 (even i) with
tests/tools/tcpxfer.py. They start together, last (handoffs + 1) *
interval seconds, and the handoffs happen every interval seconds from
interval seconds after the start.
"""

import argparse
import ctypes
import importlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, '..', '..'))
RUN_PREFIX = 'dmip6-mn.'
TAG_RE = re.compile(r'^d6([0-9a-z]{1,5})_(br[12sh]|[a-z]+[0-9]*-[0-9])$')
PORT0 = 5000
T = None                        # dmip_topo, imported once mininet is there


# ---------------------------------------------------------------------------
# The sniffer: run_scenario.py --sniff IFACE FILE, inside the HA's
# namespace. One line per tunnelled (IPv6-in-IPv6) packet and per
# Mobility Header seen on IFACE, with the kernel's receive timestamp:
#   T time outer-src outer-dst inner-src inner-dst proto sport dport
#   M time src dst mh-type

ETH_P_ALL = 0x0003
SO_TIMESTAMPNS = 35
EXT_HDRS = (0, 43, 60)          # hop-by-hop, routing, destination options


def _a6(b):
    return socket.inet_ntop(socket.AF_INET6, b)


def parse_frame(frame):
    """(kind, fields) for a tunnelled packet or an MH in an Ethernet
    frame, None for anything else. Every read is checked against the
    length first."""
    if len(frame) < 14 + 40 or frame[12:14] != b'\x86\xdd':
        return None
    ip = frame[14:]
    nxt, off = ip[6], 40
    src, dst = ip[8:24], ip[24:40]
    while nxt in EXT_HDRS or nxt == 44:
        if len(ip) < off + 8:
            return None
        hlen = 8 if nxt == 44 else (ip[off + 1] + 1) * 8
        nxt = ip[off]
        off += hlen
    if nxt == 135:
        if len(ip) < off + 3:
            return None
        return ('M', (_a6(src), _a6(dst), ip[off + 2]))
    if nxt != 41 or len(ip) < off + 40:
        return None
    inner = ip[off:]
    inxt, ioff = inner[6], 40
    while inxt in EXT_HDRS:
        if len(inner) < ioff + 8:
            break
        inxt, ioff = inner[ioff], ioff + (inner[ioff + 1] + 1) * 8
    sport = dport = 0
    if inxt in (6, 17) and len(inner) >= ioff + 4:
        sport, dport = struct.unpack('!HH', inner[ioff:ioff + 4])
    return ('T', (_a6(src), _a6(dst), _a6(inner[8:24]), _a6(inner[24:40]),
                  inxt, sport, dport))


def sniff(ifname, path):
    "The --sniff mode (see above). Stops on SIGTERM or SIGINT."
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind((ifname, 0))
    s.settimeout(0.1)
    n = 0
    with open(path, 'w') as out:
        print('sniffing %s' % ifname, flush=True)
        while not stop:
            try:
                frame, anc, _flags, _addr = s.recvmsg(256, 64)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            t = None
            for lvl, typ, data in anc:
                if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS \
                        and len(data) >= 16:
                    sec, nsec = struct.unpack('qq', data[:16])
                    t = sec + nsec / 1e9
            if t is None:
                t = time.time()
            r = parse_frame(frame)
            if r is None:
                continue
            out.write('%s %.6f %s\n' % (r[0], t, ' '.join(map(str, r[1]))))
            n += 1
    print('packets %d' % n, flush=True)
    return 0


# ---------------------------------------------------------------------------
# Helpers

def log(msg):
    print(msg, flush=True)


def now():
    return time.time()


def ms(dt):
    return '%.0f ms' % (dt * 1000) if dt is not None else 'n/a'


def wait_for(pred, timeout, step=0.01):
    "Poll PRED until it returns something true; that, or None."
    end = now() + timeout
    while True:
        r = pred()
        if r:
            return r
        if now() >= end:
            return None
        time.sleep(step)


_libc = None


def _pdeathsig():
    "Run in the child: die with the runner (even on SIGKILL)."
    global _libc  # pylint: disable=global-statement
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    _libc.prctl(1, signal.SIGKILL)      # PR_SET_PDEATHSIG


def b36(n):
    d = '0123456789abcdefghijklmnopqrstuvwxyz'
    s = ''
    while True:
        n, r = divmod(n, 36)
        s = d[r] + s
        if n == 0:
            return s


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def root_links():
    "Names of the links of the root namespace (where we run)."
    out = subprocess.run(['ip', '-o', 'link', 'show'], capture_output=True,
                         text=True, check=False).stdout
    names = []
    for line in out.splitlines():
        f = line.split(':', 2)
        if len(f) >= 2:
            names.append(f[1].strip().split('@')[0])
    return names


def gc_stale(mine):
    """Remove the bridges and ports of runs that died without cleaning up
    (their tag's pid is gone), and kill what their state files list."""
    for name in root_links():
        m = TAG_RE.match(name)
        if not m or m.group(1) == mine:
            continue
        if pid_alive(int(m.group(1), 36)):
            continue
        log('gc: removing %s, left by a dead run' % name)
        subprocess.run(['ip', 'link', 'del', name], check=False,
                       stderr=subprocess.DEVNULL)
    tmp = tempfile.gettempdir()
    for d in os.listdir(tmp):
        st = os.path.join(tmp, d, 'state.json')
        if not d.startswith(RUN_PREFIX) or not os.path.isfile(st):
            continue
        try:
            with open(st) as f:
                s = json.load(f)
        except (OSError, ValueError):
            continue
        if pid_alive(s.get('runner', 0)):
            continue
        for pid, argv in s.get('pids', []):
            try:
                with open('/proc/%d/cmdline' % pid, 'rb') as f:
                    cmd = f.read().decode(errors='replace').split('\0')
            except OSError:
                continue
            if cmd[:len(argv)] == argv:   # the same command, not a reused pid
                log('gc: killing pid %d (%s) of a dead run' % (pid, argv[0]))
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        os.unlink(st)


def root_snapshot(tag):
    """What of the root namespace must not change: addresses, routes
    (without their ageing timers), policy rules, ip6tables. Our own
    bridges and ports are left out."""
    cmds = [['ip', '-o', 'addr', 'show'], ['ip', '-6', 'route', 'show',
            'table', 'all'], ['ip', '-4', 'route', 'show', 'table', 'all'],
            ['ip', '-6', 'rule'], ['ip', '-4', 'rule']]
    if shutil.which('ip6tables-save'):
        cmds.append(['ip6tables-save'])
    lines = []
    for c in cmds:
        out = subprocess.run(c, capture_output=True, text=True,
                             check=False).stdout
        for line in out.splitlines():
            if tag in line or line.startswith('#'):
                continue
            line = re.sub(r'\b(expires|valid_lft|preferred_lft) \S+', '',
                          line)
            line = re.sub(r'\[\d+:\d+\]', '', line)     # ip6tables counters
            lines.append(' '.join(line.split()))
    return lines


# ---------------------------------------------------------------------------
# Configurations: etc/*.conf with the lab's per-run settings.

def conf_quote(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int) or v.startswith('{') or v.startswith('"'):
        return str(v)
    return '"%s"' % v


def conf_set(text, key, val):
    """Replace the top-level setting KEY (a value opened with { runs to
    the line with }), or append it."""
    out, skip, done = [], False, False
    for line in text.splitlines():
        if skip:
            skip = '}' not in line
            continue
        if re.match(r'^%s\s*=' % re.escape(key), line):
            skip = '{' in line and '}' not in line
            out.append('%s = %s' % (key, conf_quote(val)))
            done = True
            continue
        out.append(line)
    if not done:
        out.append('%s = %s' % (key, conf_quote(val)))
    return '\n'.join(out) + '\n'


def conf_drop_blocks(text, head):
    "Remove the top-level sections whose first line matches HEAD."
    return re.sub(r'(?ms)^%s\s*\{.*?^\}\n?' % head, '', text)


class Confs:
    """The run's copies of etc/: had.conf, mnd.conf and dhpd-K.conf
    for K = 1..N, with the backends, the DHPs of this run, a control
    socket and a state directory each."""

    def __init__(self, run, ndhps, ha_be, mn_be, dhp_be, mn_ifaces):
        self.dir = os.path.join(run, 'etc')
        shutil.copytree(os.path.join(TOP, 'etc'), self.dir)
        keys = os.path.join(self.dir, 'keys')
        for k in range(1, ndhps + 1):
            p = os.path.join(keys, 'mn1-dhp%d.key' % k)
            if not os.path.exists(p):
                with open(p, 'w') as f:
                    f.write('# MN1 SA key (mn1-dhp%d), made by '
                            'run_scenario.py.\n%s\n' % (k,
                                                        secrets.token_hex(32)))
        for f in os.listdir(keys):
            os.chmod(os.path.join(keys, f), 0o600)
        self.sock = {}
        self.had = self._write('had', self._had(run, ndhps, ha_be))
        self.mnd = self._write('mnd', self._mnd(run, ndhps, mn_be,
                                                mn_ifaces))
        self.dhpd = [self._write('dhpd-%d' % k, self._dhpd(run, k, dhp_be(k)))
                     for k in range(1, ndhps + 1)]

    def _read(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return f.read()

    def _write(self, name, text):
        path = os.path.join(self.dir, name + '.conf')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def _common(self, text, run, name, backend):
        self.sock[name] = os.path.join(run, name + '.sock')
        state = os.path.join(run, 'state-' + name)
        os.makedirs(state, exist_ok=True)
        text = conf_set(text, 'control_socket', self.sock[name])
        text = conf_set(text, 'state_dir', state)
        return conf_set(text, 'backend', backend)

    def _had(self, run, ndhps, backend):
        text = self._common(self._read('had.conf'), run, 'had', backend)
        text = conf_drop_blocks(text, r'dhp\s+\S+')
        for k in range(1, ndhps + 1):
            serves = ['2001:db8:c%d::/48' % k] if k > 2 else []
            serves += ['2001:db8:c%d::/48' % n for n in T.CN
                       if (n - 1) % ndhps + 1 == k]
            text += ('dhp dhp%d {\n\taddress = "%s"\n\tpreference = 100\n'
                     '\tmetric = 10\n\tserves = {%s}\n\tcolocated = false\n'
                     '}\n' % (k, T.dhp_addr(k),
                              ', '.join('"%s"' % s for s in serves)))
        return text

    def _mnd(self, run, ndhps, backend, ifaces):
        text = self._common(self._read('mnd.conf'), run, 'mnd', backend)
        text = conf_set(text, 'interfaces',
                        '{%s}' % ', '.join('"%s"' % i for i in ifaces))
        text = conf_drop_blocks(text, r'sa\s+(819[2-9]|82\d\d)')
        text = conf_drop_blocks(text, r'dhp\s+\S+')
        for k in range(1, ndhps + 1):
            text += ('sa %d {\n\talg = "hmac-sha256-128"\n'
                     '\tkey_file = "keys/mn1-dhp%d.key"\n}\n'
                     'dhp dhp%d {\n\taddress = "%s"\n\tspi = %d\n}\n' %
                     (8191 + k, k, k, T.dhp_addr(k), 8191 + k))
        return text

    def _dhpd(self, run, k, backend):
        spi = 8191 + k
        text = self._common(self._read('dhpd.conf'), run, 'dhpd-%d' % k,
                            backend)
        text = conf_set(text, 'address', T.dhp_addr(k))
        text = conf_set(text, 'interface', 'dhp0')
        text = conf_set(text, 'pools', '{"%s"}' % T.dhp_pool(k))
        text = conf_drop_blocks(text, r'sa\s+\d+')
        text = re.sub(r'(?m)^(\s+spi\s*=\s*)\d+', r'\g<1>%d' % spi, text)
        text += ('sa %d {\n\talg = "hmac-sha256-128"\n'
                 '\tkey_file = "keys/mn1-dhp%d.key"\n}\n' % (spi, k))
        return text


# ---------------------------------------------------------------------------
# The scenario

class Failed(Exception):
    "A step the rest of the scenario cannot do without."


class Flow:
    def __init__(self, i, cn, anchor):
        self.i, self.cn, self.anchor = i, cn, anchor
        self.port = PORT0 + i
        self.addr = None                # where the MN serves it
        self.got_anchor = None          # hoa, dhoa: what mnd gave it
        self.dhp = None                 # dhpK, for a DHoA
        self.serve = self.fetch = None  # Popen objects
        self.served = self.fetched = None
        self.ok = False
        self.bytes = self.got = 0
        self.secs = None
        self.gaps = []                  # per handoff: (up, down) seconds


class Scenario:
    # pylint: disable=too-many-instance-attributes
    def __init__(self, a):
        self.a = a
        self.pid = os.getpid()
        self.tag = 'd6%s_' % b36(self.pid)
        self.run = tempfile.mkdtemp(prefix=RUN_PREFIX)
        self.procs = []                 # (Popen, argv)
        self.daemons = {}               # name -> (Popen, log path)
        self.net = None
        self.npass = self.nfail = 0
        self.rows = []                  # (label, value) timings
        self.handoffs = []              # dicts
        self.flows = []
        self.coa = None
        self.at = 1
        be = a.backend
        self.ha_be = 'seg6' if be == 'mixed' else be
        self.mn_be = 'tun' if be == 'mixed' else be
        self.dhp_be = (lambda k: ('tun', 'seg6')[(k - 1) % 2]) \
            if be == 'mixed' else (lambda k: be)
        self.bin = binaries(a.builddir)
        self.xfer = os.path.join(TOP, 'tests', 'tools', 'tcpxfer.py')
        self.hoa = None
        self.save_state()

    # -- bookkeeping ------------------------------------------------------

    def save_state(self):
        st = {'runner': self.pid, 'tag': self.tag,
              'pids': [[p.pid, n] for p, n in self.procs]}
        with open(os.path.join(self.run, 'state.json'), 'w') as f:
            json.dump(st, f)

    def ok(self, what):
        log('ok: ' + what)
        self.npass += 1
        return True

    def bad(self, what):
        log('FAIL: ' + what)
        self.nfail += 1
        return False

    def check(self, what, cond):
        return self.ok(what) if cond else self.bad(what)

    def row(self, label, value):
        self.rows.append((label, value))
        log('  %-46s %s' % (label, value))

    def popen(self, host, argv, out):
        "Start ARGV in HOST, output to the file OUT (in the run dir)."
        f = open(os.path.join(self.run, out), 'w')
        p = host.popen(argv, stdout=f, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, preexec_fn=_pdeathsig)
        f.close()
        # The state file has its command line, for gc_stale.
        self.procs.append((p, [str(x) for x in argv]))
        self.save_state()
        return p

    def path(self, name):
        return os.path.join(self.run, name)

    def read(self, name, offset=0):
        try:
            with open(self.path(name), errors='replace') as f:
                f.seek(offset)
                return f.read()
        except OSError:
            return ''

    def size(self, name):
        try:
            return os.path.getsize(self.path(name))
        except OSError:
            return 0

    def ctl(self, sock, *args):
        "dmipctl -j -s SOCK ARGS: (exit status, output)."
        p = subprocess.run([self.bin['dmipctl'], '-j', '-t', '5', '-s',
                            sock] + list(args), capture_output=True,
                           text=True, check=False)
        return p.returncode, p.stdout + p.stderr

    # -- the lab ----------------------------------------------------------

    def mn_coa(self, n):
        "The MN's global address on AR n's prefix (not on lo), or None."
        out = self.net['mn'].cmd('ip -6 -o addr show scope global')
        for line in out.splitlines():
            f = line.split()
            if len(f) < 4 or f[1] == 'lo':
                continue
            a = f[3].split('/')[0]
            if a.startswith('2001:db8:%d:' % n):
                return a
        return None

    def mn_ping(self, src, dst, wait=0.3):
        out = self.net['mn'].cmd('ping -6 -n -q -c 1 -W %s -I %s %s'
                                 % (wait, src, dst))
        return ' 1 received' in out

    def up(self):
        from mininet.net import Mininet  # pylint: disable=C0415
        # Mininet.init() would raise limits and sysctls of the root
        # namespace (fixLimits); the lab needs none of that.
        Mininet.inited = True
        t0 = now()
        topo = T.DmipTopo(dhps=self.a.dhps, static=self.a.static,
                          two=self.a.method == 'a', tag=self.tag,
                          run=self.run)
        self.net = Mininet(topo=topo, controller=None, switch=T.DmipBridge,
                           host=T.DmipHost, link=T.DmipLink, build=False)
        self.net.build()
        self.net.start()
        self.hoa = T.HOA
        self.row('Mininet up (%d hosts, %d bridges)' % (
            len(self.net.hosts), len(self.net.switches)), ms(now() - t0))
        self.coa = wait_for(lambda: self.mn_coa(1), 10)
        if not self.coa:
            raise Failed('the MN got no address on 2001:db8:1::/64')
        if not wait_for(lambda: self.mn_ping(self.coa, T.CN[1]), 10):
            raise Failed('CN1 is not reachable from the MN\'s %s' % self.coa)
        self.row('lab up, MN %s reaches CN1' % self.coa, ms(now() - t0))

    # -- daemons ----------------------------------------------------------

    def start_daemon(self, host, name, conf, logname):
        p = self.popen(self.net[host], [self.bin[name], '-d', '-f', conf,
                                        '-v'], logname)
        self.daemons[logname] = (p, logname)
        st = wait_for(lambda: (re.search(r'\bstarted\b', self.read(logname))
                               or p.poll() is not None), 5)
        if not st or p.poll() is not None:
            log('%s in %s did not start; its log:' % (name, host))
            log(re.sub(r'(?m)^', '  | ', self.read(logname)))
            raise Failed('%s in %s did not start' % (name, host))
        return p

    def daemons_up(self, confs):
        t0 = now()
        self.start_daemon('ha', 'had', confs.had, 'had-ha.log')
        for k, c in enumerate(confs.dhpd, 1):
            self.start_daemon('dhp%d' % k, 'dhpd', c, 'dhpd-dhp%d.log' % k)
        self.row('had and %d dhpd started' % len(confs.dhpd), ms(now() - t0))
        t0 = now()
        self.start_daemon('mn', 'mnd', confs.mnd, 'mnd-mn.log')
        line = 'registered %s via %s' % (self.hoa, self.coa)
        if not wait_for(lambda: line in self.read('mnd-mn.log'), 8):
            raise Failed('mnd did not register via %s' % self.coa)
        self.ok('registered %s via %s' % (self.hoa, self.coa))
        self.row('registration (mnd start -> BA, DAD incl.)', ms(now() - t0))
        self.check_binding(self.coa)
        for k in range(1, len(confs.dhpd) + 1):
            rc, out = self.ctl(confs.sock['dhpd-%d' % k], 'stats')
            self.check('dhpd on dhp%d answers dmipctl stats' % k,
                       rc == 0 and out.strip().startswith('{'))

    def check_binding(self, coa):
        "had's binding cache (dmipctl show bindings) has HoA -> COA."
        def have():
            rc, out = self.ctl(self.confs.sock['had'], 'show', 'bindings')
            if rc != 0:
                return None
            try:
                b = json.loads(out)['bindings']
            except (ValueError, KeyError):
                return None
            return [x for x in b if x.get('hoa') == self.hoa and
                    x.get('coa') == coa and x.get('state') == 'active']
        return self.check('had: binding %s -> %s active (dmipctl)' %
                          (self.hoa, coa), wait_for(have, 2, 0.05))

    def check_dhp_binding(self, flow, coa):
        "The DHP's binding cache has the flow's DHoA -> COA."
        sock = self.confs.sock.get('dhpd-%s' % (flow.dhp or '')[3:])

        def have():
            rc, out = self.ctl(sock, 'show', 'bindings')
            try:
                b = json.loads(out)['bindings'] if rc == 0 else []
            except (ValueError, KeyError):
                return None
            return [x for x in b if x.get('dhoa') == flow.addr and
                    x.get('coa') == coa]
        return self.check('%s: binding %s -> %s (dmipctl)' % (
            flow.dhp, flow.addr, coa), sock and wait_for(have, 2, 0.05))

    def stop_daemons(self):
        "SIGTERM, mnd first (it deregisters); each must exit 0."
        order = sorted(self.daemons, key=lambda n: (not n.startswith('mnd'),
                                                    n.startswith('had')))
        for name in order:
            p, _ = self.daemons[name]
            if p.poll() is not None:
                self.bad('%s exited early (status %s)' % (name[:-4],
                                                           p.returncode))
                continue
            p.terminate()
            try:
                rc = p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
            self.check('%s exits 0 on SIGTERM (got %s)' % (name[:-4], rc),
                       rc == 0)
        self.daemons = {}

    # -- flows ------------------------------------------------------------

    def anchor_address(self, flow):
        """The address the MN serves FLOW from, and the anchor that gave
        it. 'hoa': the home address, anchored at the HA. 'dhoa': asks mnd
        with `dmipctl anchor request CN session-lasting` (asynchronous:
        then `anchor show ID` until the request is done) and takes the
        address it answers: a DHoA leased from a DHP (mnd may also fall
        back to the HoA, or answer none)."""
        if flow.anchor == 'hoa':
            return self.hoa, 'hoa'
        sock = self.confs.sock['mnd']
        rc, out = self.ctl(sock, 'anchor', 'request', T.CN[flow.cn],
                           'session-lasting')
        try:
            r = json.loads(out)
        except ValueError:
            r = {}
        end = now() + 10
        while rc == 0 and r.get('state') not in ('done', None) and \
                now() < end:
            time.sleep(0.05)
            rc, out = self.ctl(sock, 'anchor', 'show', str(r.get('id')))
            try:
                r = json.loads(out)
            except ValueError:
                r = {}
        if rc != 0 or r.get('state') != 'done' or not r.get('address') \
                or r.get('result') in (None, 'none'):
            raise Failed('flow %d: no anchor from mnd (dmipctl anchor '
                         'request/show: status %d, %s)' %
                         (flow.i, rc, out.strip()[:300]))
        log('  flow %d: mnd anchored it on %s %s (%s, %s ms)' % (
            flow.i, r['result'].upper(), r['address'], r.get('dhp', '-'),
            r.get('ms')))
        flow.dhp = r.get('dhp')
        return r['address'], r['result']

    def flows_start(self):
        a = self.a
        secs = a.interval * (a.handoffs + 1)
        nbytes = int(a.rate * secs)
        anchors = a.anchors.split(',')
        for i in range(1, a.flows + 1):
            f = Flow(i, 1 if i % 2 else 2, anchors[(i - 1) % len(anchors)])
            f.addr, f.got_anchor = self.anchor_address(f)
            if f.anchor == 'dhoa':
                self.check('flow %d: a DHoA from a DHP (got %s %s)' % (
                    i, f.got_anchor.upper(), f.addr), f.got_anchor == 'dhoa'
                    and any(f.addr.startswith('2001:db8:d%d:' % k)
                            for k in range(1, a.dhps + 1)))
            f.bytes = nbytes
            f.serve = self.popen(self.net['mn'], [
                sys.executable, self.xfer, 'serve', f.addr, str(f.port),
                str(nbytes), str(a.rate), 'flow%d' % i],
                'flow%d.serve' % i)
            self.flows.append(f)
        for f in self.flows:
            if not wait_for(lambda f=f: 'listening' in
                            self.read('flow%d.serve' % f.i), 5):
                raise Failed('flow %d: the server on the MN did not start: %s'
                             % (f.i, self.read('flow%d.serve' % f.i)))
        t0 = now()
        for f in self.flows:
            f.fetch = self.popen(self.net['cn%d' % f.cn], [
                sys.executable, self.xfer, 'fetch', f.addr, str(f.port),
                '15'], 'flow%d.fetch' % f.i)
        log('%d flows of %d bytes at %d B/s (%.1f s): CN1/CN2 <- MN' % (
            len(self.flows), nbytes, a.rate, secs))
        return t0, secs

    def flows_end(self, timeout):
        end = now() + timeout
        for f in self.flows:
            for p in (f.fetch, f.serve):
                try:
                    p.wait(timeout=max(0.1, end - now()))
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            f.served = self.read('flow%d.serve' % f.i)
            f.fetched = self.read('flow%d.fetch' % f.i)
            s = re.search(r'^bytes (\d+) sha256 (\w+)', f.served, re.M)
            c = re.search(r'^bytes (\d+) sha256 (\w+) secs ([\d.]+)',
                          f.fetched, re.M)
            f.secs = float(c.group(3)) if c else None
            f.got = int(c.group(1)) if c else 0
            f.ok = bool(s and c and s.group(1) == c.group(1) ==
                        str(f.bytes) and s.group(2) == c.group(2))
            if not self.check('flow %d: %d bytes CN%d <- MN [%s]:%d, SHA-256 '
                              'equal at both ends' % (f.i, f.bytes, f.cn,
                                                      f.addr, f.port), f.ok):
                log('  server: %s' % f.served.strip())
                log('  client: %s' % f.fetched.strip())

    # -- handoffs ---------------------------------------------------------

    def handoff(self, h):
        """Move the MN to the other access network, wait for the new
        address and for mnd's registration from it."""
        a = self.a
        old, to = self.at, 3 - self.at
        mnlog = self.size('mnd-mn.log')
        hadlog = self.size('had-ha.log')
        rec = {'n': h, 'from': old, 'to': to, 'old_coa': self.coa}
        t0 = now()
        mn = self.net['mn']
        if a.method == 'b':
            T.move_port(self.net, self.tag + 'br%d' % to)
            ifname = 'mn0'
        else:
            self.net.configLinkStatus('mn', self.tag + 'br%d' % old, 'down')
            self.net.configLinkStatus('mn', self.tag + 'br%d' % to, 'up')
            ifname = 'mn%d' % to
        if a.static:
            # What a static reconfiguration does: the new router, the new
            # address, the old address goes. The router first: mnd acts
            # on the new address at once, and a BU sent via the old
            # router would be lost (1 s to resend).
            mn.cmd('ip -6 route replace default via 2001:db8:%d::1 dev %s '
                   'onlink; ip -6 addr replace 2001:db8:%d::100/64 dev %s '
                   'nodad; ip -6 addr del 2001:db8:%d::100/64 dev %s '
                   '2>/dev/null' % (to, ifname, to, ifname, old,
                                    'mn0' if a.method == 'b' else
                                    'mn%d' % old))
        rec['t0'] = t0
        rec['cmd'] = now() - t0
        coa = wait_for(lambda: self.mn_coa(to), 5)
        if not coa:
            self.bad('handoff %d: no MN address on AR%d\'s prefix' % (h, to))
            raise Failed('handoff %d failed' % h)
        rec['addr'] = now() - t0
        rec['new_coa'] = coa
        line = 'registered %s via %s' % (self.hoa, coa)
        if wait_for(lambda: line in self.read('mnd-mn.log', mnlog), 5):
            rec['reg'] = now() - t0
            self.ok('handoff %d AR%d -> AR%d: registered via %s' %
                    (h, old, to, coa))
        else:
            rec['reg'] = None
            self.bad('handoff %d AR%d -> AR%d: no registration via %s' %
                     (h, old, to, coa))
        moved = 'binding %s -> %s moved from %s' % (self.hoa, coa, self.coa)
        self.check('handoff %d: had moved the binding' % h, wait_for(
            lambda: moved in self.read('had-ha.log', hadlog), 2))
        self.handoffs.append(rec)
        self.coa, self.at = coa, to

    # -- the capture ------------------------------------------------------

    def sniff_start(self):
        """A sniffer on each link a flow is anchored behind: the HA's
        lan0, and each DHP's dhp0 when a flow asks for a DHoA."""
        where = [('ha', 'lan0')]
        if 'dhoa' in self.a.anchors.split(','):
            where += [('dhp%d' % k, 'dhp0')
                      for k in range(1, self.a.dhps + 1)]
        self.sniffers = []  # pylint: disable=attribute-defined-outside-init
        for node, ifname in where:
            name = '%s-%s' % (node, ifname)
            p = self.popen(self.net[node], [
                sys.executable, os.path.abspath(__file__), '--sniff', ifname,
                self.path(name + '.txt')], 'sniff-%s.log' % name)
            self.sniffers.append((p, node, name))
        for p, node, name in self.sniffers:
            log_ = 'sniff-%s.log' % name
            if not wait_for(lambda: 'sniffing' in self.read(log_) or
                            p.poll() is not None, 5) or p.poll() is not None:
                raise Failed('the sniffer on %s did not start: %s' %
                             (name, self.read(log_)))

    def sniff_stop(self):
        """Stop the sniffers; their rows, sorted by time: (time, node,
        outer src, outer dst, sport, dport) for tunnelled packets and
        (time, node, src, dst, 'mh', MH type) for Mobility Headers."""
        time.sleep(0.2)
        for p, _, _ in self.sniffers:
            p.send_signal(signal.SIGTERM)
        rows = []
        for p, node, name in self.sniffers:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
            for line in self.read(name + '.txt').splitlines():
                f = line.split()
                if f and f[0] == 'T' and len(f) == 9:
                    rows.append((float(f[1]), node, f[2], f[3], int(f[7]),
                                 int(f[8])))
                elif f and f[0] == 'M' and len(f) == 5:
                    rows.append((float(f[1]), node, f[2], f[3], 'mh',
                                 int(f[4])))
        rows.sort(key=lambda r: r[0])
        return rows

    def interruptions(self, rows):
        """Per flow and handoff: last tunnelled packet of the flow via the
        old CoA to the first via the new one, up (MN -> anchor, outer
        source) and down (anchor -> MN, outer destination), on the link of
        the flow's anchor. Negative: both paths carried the flow at once.
        Also the times of the BU and BA on the HA's link per handoff."""
        hs = self.handoffs
        for i, rec in enumerate(hs):
            lo = hs[i - 1]['t0'] if i > 0 else 0
            hi = hs[i + 1]['t0'] if i + 1 < len(hs) else float('inf')
            t0, old, new = rec['t0'], rec['old_coa'], rec['new_coa']
            bu = [t for t, n, s, d, k, v in rows if n == 'ha' and
                  k == 'mh' and v == 5 and s == new and t0 <= t < hi]
            ba = [t for t, n, s, d, k, v in rows if n == 'ha' and
                  k == 'mh' and v == 6 and d == new and t0 <= t < hi]
            rec['bu'] = bu[0] - t0 if bu else None
            rec['ba'] = ba[0] - t0 if ba else None
            for f in self.flows:
                mine = [(t, s, d) for t, _, s, d, sp, dp in rows
                        if sp != 'mh' and f.port in (sp, dp) and lo <= t < hi]
                gap = []
                for side in (1, 2):     # 1: outer src (up), 2: outer dst
                    lo_old = [r[0] for r in mine if r[side] == old]
                    hi_new = [r[0] for r in mine if r[side] == new and
                              r[0] >= t0]
                    gap.append(min(hi_new) - max(lo_old)
                               if lo_old and hi_new else None)
                f.gaps.append(tuple(gap))

    # -- the whole ----------------------------------------------------------

    def main(self):
        a = self.a
        t_start = now()
        self.root0 = root_snapshot(self.tag)  # pylint: disable=W0201
        self.up()
        self.confs = Confs(  # pylint: disable=attribute-defined-outside-init
            self.run, a.dhps, self.ha_be, self.mn_be, self.dhp_be,
            ['mn1', 'mn2'] if a.method == 'a' else ['mn0'])
        self.sniff_start()
        self.daemons_up(self.confs)
        t0, secs = self.flows_start()
        for h in range(1, a.handoffs + 1):
            delay = t0 + h * a.interval - now()
            if delay > 0:
                time.sleep(delay)
            self.handoff(h)
        self.flows_end(max(0, t0 + secs - now()) + 20)
        self.check_binding(self.coa)
        for f in self.flows:
            if f.got_anchor == 'dhoa':
                self.check_dhp_binding(f, self.coa)
        for name, (p, _) in sorted(self.daemons.items()):
            self.check('%s still runs' % name[:-4], p.poll() is None)
        self.stop_daemons()
        rows = self.sniff_stop()
        self.interruptions(rows)
        for f in self.flows:
            for h, (up, down) in enumerate(f.gaps, 1):
                self.check('flow %d handoff %d: the capture shows the flow '
                           'via the old CoA and, before the next handoff, '
                           'via the new one' % (f.i, h),
                           up is not None and down is not None)
        self.elapsed = now() - t_start  # pylint: disable=W0201

    def report(self):
        a = self.a
        log('')
        log('== dmip6 Mininet scenario: %d DHP%s, %d flow%s, %d handoff%s '
            '(method %s), had %s / mnd %s / dhpd %s, %s' % (
                a.dhps, 's'[:a.dhps != 1], a.flows, 's'[:a.flows != 1],
                a.handoffs, 's'[:a.handoffs != 1], a.method.upper(),
                self.ha_be, self.mn_be,
                '/'.join(sorted({self.dhp_be(k) for k in
                                 range(1, a.dhps + 1)})) or '-',
                'static addresses' if a.static else 'radvd (SLAAC)'))
        if self.handoffs:
            log('handoff  move        new CoA                          '
                'cmd     addr    BU      BA      mnd log')
            for r in self.handoffs:
                log('  %-5d  AR%d -> AR%d  %-31s  %-6s  %-6s  %-6s  %-6s  %s'
                    % (r['n'], r['from'], r['to'], r['new_coa'],
                       ms(r['cmd']), ms(r['addr']), ms(r.get('bu')),
                       ms(r.get('ba')), ms(r.get('reg'))))
        if self.flows:
            w = max(len('[%s]:%d' % (f.addr, f.port)) for f in self.flows)
            log('flow  CN   anchor  %-*s  bytes     sha256  secs   '
                'interruption per handoff (up/down)' % (w, 'address:port'))
            for f in self.flows:
                gaps = '  '.join(
                    'h%d %s/%s' % (h, ms(u)[:-3] if u is not None else 'n/a',
                                   ms(d) if d is not None else 'n/a')
                    for h, (u, d) in enumerate(f.gaps, 1)) or '-'
                log('  %-3d CN%d  %-6s  %-*s  %-9d %-6s  %-5s  %s' % (
                    f.i, f.cn, (f.got_anchor or f.anchor).upper(), w,
                    '[%s]:%d' % (f.addr, f.port), f.got,
                    'ok' if f.ok else 'BAD',
                    '%.2f' % f.secs if f.secs else 'n/a', gaps))

    def to_json(self):
        return {
            'dhps': self.a.dhps, 'flows_n': self.a.flows,
            'method': self.a.method, 'static': self.a.static,
            'backend': {'had': self.ha_be, 'mnd': self.mn_be,
                        'dhpd': [self.dhp_be(k)
                                 for k in range(1, self.a.dhps + 1)]},
            'timings': dict(self.rows),
            'handoffs': [{k: v for k, v in r.items() if k != 't0'}
                         for r in self.handoffs],
            'flows': [{'flow': f.i, 'cn': f.cn, 'anchor': f.anchor,
                       'anchored_on': f.got_anchor,
                       'address': f.addr, 'port': f.port, 'bytes': f.bytes,
                       'received': getattr(f, 'got', 0), 'sha256_ok': f.ok,
                       'secs': getattr(f, 'secs', None),
                       'interruption_up_down_s': f.gaps}
                      for f in self.flows],
            'passed': self.npass, 'failed': self.nfail}

    def cleanup(self):
        "Stop everything we started and remove our root objects."
        for p, _ in self.procs:
            if p.poll() is None:
                p.terminate()
        for p, _ in self.procs:
            try:
                p.wait(timeout=2)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if self.net is not None:
            try:
                self.net.stop()
            except Exception as e:  # pylint: disable=broad-except
                log('cleanup: Mininet stop: %s' % e)
        # Whatever Mininet left (a failed build, say).
        for name in root_links():
            if name.startswith(self.tag):
                subprocess.run(['ip', 'link', 'del', name], check=False,
                               stderr=subprocess.DEVNULL)
        try:
            os.unlink(os.path.join(self.run, 'state.json'))
        except OSError:
            pass


def binaries(builddir):
    "The programs of a build tree."
    b = os.path.abspath(builddir)
    return {'had': os.path.join(b, 'ha', 'had'),
            'mnd': os.path.join(b, 'mn', 'mnd'),
            'dhpd': os.path.join(b, 'dhp', 'dhpd'),
            'dmipctl': os.path.join(b, 'tools', 'dmipctl')}


def parse_args(argv):
    p = argparse.ArgumentParser(
        description='A dmip6 scenario in Mininet (see the module docstring).')
    p.add_argument('--dhps', type=int, default=2, help='DHPs, each with '
                   'dhpd (0-9, default 2)')
    p.add_argument('--flows', type=int, default=2, help='TCP flows (default 2)')
    p.add_argument('--handoffs', type=int, default=2,
                   help='handoffs AR1 <-> AR2 during the flows (default 2)')
    p.add_argument('--backend', choices=('seg6', 'tun', 'mixed'),
                   default='seg6', help='data plane: seg6, tun, or mixed '
                   '(had seg6, mnd tun, dhpd tun/seg6 alternating)')
    p.add_argument('--method', choices=('a', 'b'), default='b',
                   help='handoff: a = interface down/up (two MN '
                   'interfaces), b = the MN\'s port moves bridge (default)')
    p.add_argument('--static', action='store_true',
                   help='static addresses instead of radvd')
    p.add_argument('--interval', type=float, default=1.5,
                   help='seconds between handoffs (default 1.5)')
    p.add_argument('--rate', type=int, default=1000000,
                   help='bytes/s per flow (default 1000000)')
    p.add_argument('--anchors', default='hoa',
                   help='anchor per flow, cycled: hoa, dhoa (default hoa)')
    p.add_argument('--builddir', default=os.environ.get('builddir', '.'),
                   help='where ha/had, mn/mnd, dhp/dhpd, tools/dmipctl are')
    p.add_argument('--keep', action='store_true',
                   help='keep the run directory even on success')
    p.add_argument('--json', help='also write the report to this file')
    p.add_argument('-v', '--verbose', action='store_true',
                   help='Mininet\'s own log at level info')
    p.add_argument('--sniff', nargs=2, metavar=('IFACE', 'FILE'),
                   help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.sniff:
        return a
    if not 0 <= a.dhps <= 9:
        p.error('--dhps: 0..9')
    if not 1 <= a.flows <= 100:
        p.error('--flows: 1..100')
    if not 0 <= a.handoffs <= 1000:
        p.error('--handoffs: 0..1000')
    if a.interval < 0.2 or a.rate < 1000:
        p.error('--interval >= 0.2, --rate >= 1000')
    for x in a.anchors.split(','):
        if x not in ('hoa', 'dhoa'):
            p.error('--anchors: hoa or dhoa, comma-separated')
    return a


def need_mininet():
    """Import mininet, re-executing with /usr/bin/python3 (Debian's, which
    has the module) if this python lacks it. Exit 77 if none has it."""
    try:
        importlib.import_module('mininet.net')
        return
    except ImportError as e:
        err = e
    deb = '/usr/bin/python3'
    if os.path.realpath(sys.executable) != os.path.realpath(deb) and \
            os.access(deb, os.X_OK) and not os.environ.get('DMIP_MN_REEXEC'):
        os.environ['DMIP_MN_REEXEC'] = '1'
        os.execv(deb, [deb, os.path.abspath(__file__)] + sys.argv[1:])
    log('SKIP: no mininet module (%s): apt-get install mininet' % err)
    sys.exit(77)


def main(argv):
    a = parse_args(argv)
    if a.sniff:
        return sniff(*a.sniff)
    if os.geteuid() != 0:
        log('SKIP: Mininet needs root')
        return 77
    need_mininet()
    sys.path.insert(0, HERE)
    global T  # pylint: disable=global-statement
    T = importlib.import_module('dmip_topo')
    from mininet.log import setLogLevel  # pylint: disable=C0415
    setLogLevel('info' if a.verbose else 'error')
    for b in ('radvd', 'ethtool', 'mnexec', 'ip'):
        if not shutil.which(b) and not (b == 'radvd' and a.static):
            log('SKIP: %s is missing (tests/deps.sh installs it)' % b)
            return 77
    for n, b in binaries(a.builddir).items():
        if not os.access(b, os.X_OK):
            log('error: no %s at %s (build first, or --builddir)' % (n, b))
            return 2
    gc_stale(b36(os.getpid()))
    s = Scenario(a)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt('signal %d' % signum)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    log('run dir %s, root-namespace names %s*' % (s.run, s.tag))
    aborted = None
    try:
        s.main()
    except Failed as e:
        aborted = str(e)
        s.bad(aborted)
    except KeyboardInterrupt as e:
        aborted = 'interrupted (%s)' % (e or 'SIGINT')
        s.bad(aborted)
    finally:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        s.cleanup()
    left = [n for n in root_links() if n.startswith(s.tag)]
    s.check('no bridge or port of ours is left in the root namespace',
            not left)
    if hasattr(s, 'root0'):
        after = root_snapshot(s.tag)
        diff = sorted(set(s.root0) ^ set(after))
        if not s.check('the root namespace is unchanged (addresses, routes, '
                       'rules, ip6tables)', not diff):
            for line in diff[:20]:
                log('  %s %s' % ('-' if line in s.root0 else '+', line))
    s.report()
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(s.to_json(), f, indent=1)
    if aborted:
        log('aborted: %s' % aborted)
    if hasattr(s, 'elapsed'):
        log('scenario ran in %.1f s' % s.elapsed)
    log('run_scenario: %d passed, %d failed' % (s.npass, s.nfail))
    if s.nfail or a.keep:
        log('logs kept in %s' % s.run)
    else:
        shutil.rmtree(s.run, ignore_errors=True)
    return 1 if s.nfail else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
