"""dmip_topo.py: the dmip6 reference topology for Mininet.

    mn --custom tests/mininet/dmip_topo.py --topo dmip --switch lxbr \\
       --controller none

    MN --a1-- AR1 \\                  / HA 2001:db8:f::10 --h-- home
                   >--s-- core f::fe -- DHP1..DHPn (f::k1, pool dk::/64)
    MN --a2-- AR2 /                  \\ CN1 2001:db8:c1::1, CN2 c2::1

The same lab as tests/lib/topo.sh, with the same addresses (they match
etc/*.conf, all inside 2001:db8::/32) and interface names (mn0 or
mn1/mn2, acc0, lan0, ha0, home0, dhp0). IPv6 only: no host gets an IPv4
address (but 127.0.0.1 on lo). DAD is off everywhere (accept_dad=0). AR1, AR2 and the HA run
radvd with sub-second RAs (or, with static=1, the MN gets 2001:db8:1::100
and a default route via AR1 and no radvd runs).

Topology parameters (--topo dmip,dhps=1,static=1,...):
  dhps=N        DHP hosts dhp1..dhpN (0-9, default 2)
  static=0|1    static addressing instead of radvd (default 0)
  two=0|1       the MN has mn1 (on AR1's link) and mn2 (on AR2's, down)
                instead of mn0, for handoffs of method A (default 0)
  tag=STR       prefix of the names in the root namespace (default d6_)
  run=DIR       where radvd's configs, logs and pid files go (default a
                new directory under $TMPDIR named dmip6-mn.*)
  txcsum=0|1    keep the veths' TX checksum offload (default 0: off, as
                tests/lib/topo.sh does, so that the tun backend sees
                finished checksums)

Switches: Mininet keeps its switches in the root namespace. This module
pins every switch to DmipBridge, a LinuxBridge made with iproute2 (no
brctl, no Open vSwitch, no controller), whatever --switch says: it turns
IPv6 off on the bridges and on their veth ends before they come up, so
the root namespace never takes an address or a route from the lab's RAs.
Root-side names are TAG + br1|br2|brs|brh for the bridges and
TAG + host + "-" + index for the switch ends of the links.
"""

import ctypes
import os
import re
import signal
import tempfile
from subprocess import DEVNULL

from mininet.link import Link
from mininet.log import warn
from mininet.moduledeps import pathCheck
from mininet.node import Node
from mininet.nodelib import LinuxBridge
from mininet.topo import Topo

# Addresses (tests/lib/topo.sh, etc/*.conf).
HOA = '2001:db8:10::100'
HOME_PREFIX = '2001:db8:10::/64'
HOME_HOST = '2001:db8:10::2'
HA = '2001:db8:f::10'
CORE = '2001:db8:f::fe'
AR = {1: '2001:db8:f::1', 2: '2001:db8:f::2'}
CN = {1: '2001:db8:c1::1', 2: '2001:db8:c2::1'}
MAX_DHPS = 9


def dhp_addr(k):
    "Signalling address of DHP k (f::11, f::21, ...)."
    return '2001:db8:f::%d1' % k


def dhp_pool(k):
    "DHoA pool of DHP k (2001:db8:dk::/64)."
    return '2001:db8:d%d::/64' % k


def access_prefix(n):
    "Prefix of access network n (1, 2) or of the home link ('home')."
    return HOME_PREFIX if n == 'home' else '2001:db8:%d::/64' % n


def _pdeathsig():
    "In a child: die with the process that started it (PR_SET_PDEATHSIG)."
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)


def _bool(v):
    "Topology parameters come from the command line as strings."
    if isinstance(v, str):
        return v.strip().lower() in ('1', 'true', 'yes', 'on')
    return bool(v)


def _proc_write(node, path, value):
    "Write VALUE to /proc/sys/PATH in NODE's namespace."
    node.cmd('echo %s > /proc/sys/%s' % (value, path))


def _ipv6_off(node, ifname):
    """Keep IPv6 off an interface in the root namespace (a bridge or a
    switch end), so it never takes an address or a route from an RA."""
    _proc_write(node, 'net/ipv6/conf/%s/disable_ipv6' % ifname, 1)


class DmipBridge(LinuxBridge):
    """A Linux bridge made with iproute2: no STP, no forwarding delay, no
    multicast snooping (RAs and NS reach every port at once), IPv6 off
    on the bridge device. A LinuxBridge that needs no brctl."""

    isSetup = False

    @classmethod
    def setup(cls):
        "Needs only ip(8)."
        pathCheck('ip', moduleName='iproute2')

    def __init__(self, name, **params):
        params.setdefault('inNamespace', False)
        LinuxBridge.__init__(self, name, stp=False, **params)

    def connected(self):
        return True

    def link_ends(self):
        "Our interfaces that are switch ends of links (not lo)."
        return [i for i in self.intfList() if i.link is not None]

    def start(self, _controllers):
        self.cmd('ip link del', self.name, '2>/dev/null')
        out = self.cmd('ip link add name', self.name, 'type bridge',
                       'stp_state 0 forward_delay 0 mcast_snooping 0')
        if out.strip():
            raise Exception('bridge %s: %s' % (self.name, out.strip()))
        _ipv6_off(self, self.name)
        for i in self.link_ends():
            self.attach(i)
        self.cmd('ip link set', self.name, 'up')

    def stop(self, deleteIntfs=True):
        self.cmd('ip link del', self.name, '2>/dev/null')
        # LinuxBridge.stop would run brctl; delete our ends ourselves
        # (their names do not contain ours, so Node.deleteIntfs skips
        # them).
        if deleteIntfs:
            for i in self.link_ends():
                i.delete()
        Node.stop(self, deleteIntfs=False)

    def attach(self, intf):
        "Make INTF (in the root namespace) a port of this bridge."
        self.cmd('ip link set', intf, 'master', self.name)

    def detach(self, intf):
        "Take INTF off this bridge."
        self.cmd('ip link set', intf, 'nomaster')

    def dpctl(self, *args):
        return self.cmd('bridge', *args)


class DmipLink(Link):
    """A veth pair whose root-namespace end (the switch end) never has
    IPv6, and whose TX checksum offload is off on both ends unless
    txcsum is set (see tests/lib/topo.sh: a user-space tunnel endpoint
    would otherwise read TCP segments with unfinished checksums)."""

    def __init__(self, node1, node2, txcsum=False, **params):
        Link.__init__(self, node1, node2, **params)
        if not _bool(txcsum):
            for i in (self.intf1, self.intf2):
                out = i.cmd('ethtool -K', i.name, 'tx off', '2>&1 >/dev/null')
                if out.strip():
                    warn('*** ethtool -K %s tx off: %s\n' % (i.name, out))

    def makeIntfPair(self, intfname1, intfname2, addr1=None, addr2=None,
                     node1=None, node2=None, deleteIntfs=True):
        Link.makeIntfPair(intfname1, intfname2, addr1, addr2, node1, node2,
                          deleteIntfs=deleteIntfs)
        # Still down here: turn IPv6 off before Intf.config brings it up.
        for node, name in ((node1, intfname1), (node2, intfname2)):
            if node is not None and not node.inNamespace:
                _ipv6_off(node, name)


class DmipHost(Node):
    """A host of the lab: IPv6 only, no DAD, its own addresses, routes
    and (for routers) forwarding and radvd.

    Parameters (from DmipTopo): v6 = [(ifname, 'addr/len'), ...],
    routes = [(dst, via), ...], router = bool, radvd = [(ifname,
    prefix), ...], down = [ifname, ...], accept_ra = bool, run = dir."""

    def __init__(self, name, router=False, accept_ra=True, **params):
        Node.__init__(self, name, inNamespace=True, router=router,
                      accept_ra=accept_ra, **params)
        self.procs = []
        # Before any link exists, so that every interface inherits it.
        c = 'net/ipv6/conf/'
        for k in ('all', 'default'):
            _proc_write(self, c + k + '/accept_dad', 0)
        _proc_write(self, c + 'default/use_tempaddr', 0)
        _proc_write(self, c + 'all/forwarding', 1 if router else 0)
        if not accept_ra:
            _proc_write(self, c + 'default/accept_ra', 0)

    # pylint: disable=arguments-differ
    def config(self, v6=(), routes=(), radvd=(), down=(), run=None,
               tidy=False, **params):
        r = Node.config(self, **params)
        self.cmd('ip link set lo up')
        for ifname in down:
            self.cmd('ip link set', ifname, 'down')
        for ifname, addr in v6:
            out = self.cmd('ip -6 addr add', addr, 'dev', ifname, 'nodad')
            if out.strip():
                raise Exception('%s: %s on %s: %s' %
                                (self.name, addr, ifname, out.strip()))
        for dst, via in routes:
            out = self.cmd('ip -6 route add', dst, 'via', via)
            if out.strip():
                raise Exception('%s: route %s via %s: %s' %
                                (self.name, dst, via, out.strip()))
        for ifname, prefix in radvd:
            self.start_radvd(ifname, prefix, run)
        return r

    def start_radvd(self, ifname, prefix, run):
        """radvd on IFNAME with the sub-second RAs of TESTBED.md 5 (the
        same configuration as tests/lib/topo.sh)."""
        base = os.path.join(run, 'radvd-%s' % self.name)
        with open(base + '.conf', 'w') as f:
            f.write('interface %s {\n'
                    '\tAdvSendAdvert on;\n'
                    '\tMinRtrAdvInterval 0.05;\n'
                    '\tMaxRtrAdvInterval 0.1;\n'
                    '\tAdvIntervalOpt on;\n'
                    '\tAdvDefaultLifetime 30;\n'
                    '\tprefix %s {\n'
                    '\t\tAdvOnLink on;\n'
                    '\t\tAdvAutonomous on;\n'
                    '\t};\n'
                    '};\n' % (ifname, prefix))
        with open(base + '.log', 'w') as log:
            p = self.popen(['radvd', '-n', '-C', base + '.conf',
                            '-p', base + '.pid', '-m', 'stderr'],
                           stdout=log, stderr=log, stdin=DEVNULL,
                           preexec_fn=_pdeathsig)
        self.procs.append(p)

    def terminate(self):
        "Stop what we started, then the shell (and the namespace)."
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=2)
            except Exception:  # pylint: disable=broad-except
                p.kill()
                p.wait()
        self.procs = []
        Node.terminate(self)
        # The radvd files, and the run dir if DmipTopo made it (mn CLI).
        if self.params.get('tidy'):
            base = os.path.join(self.params['run'], 'radvd-%s' % self.name)
            for ext in ('.conf', '.log', '.pid'):
                try:
                    os.unlink(base + ext)
                except OSError:
                    pass
            try:
                os.rmdir(self.params['run'])
            except OSError:
                pass


class DmipTopo(Topo):
    "The dmip6 lab (see the module's docstring for the parameters)."

    # pylint: disable=arguments-differ,too-many-locals
    def build(self, dhps=2, static=0, two=0, tag='d6_', run=None, txcsum=0):
        dhps = int(dhps)
        if not 0 <= dhps <= MAX_DHPS:
            raise Exception('dhps must be 0..%d' % MAX_DHPS)
        static, two = _bool(static), _bool(two)
        tag = str(tag)
        if not re.match(r'^[A-Za-z0-9_]{1,8}$', tag):
            raise Exception('tag: 1-8 letters, digits or _')
        tidy = run is None
        if tidy:
            run = tempfile.mkdtemp(prefix='dmip6-mn.')
        self.run, self.tag, self.ndhps = run, tag, dhps
        self.static, self.two = static, two
        lk = {'cls': DmipLink, 'txcsum': txcsum}

        sw = {}
        for i, n in enumerate(('br1', 'br2', 'brs', 'brh')):
            sw[n] = self.addSwitch(tag + n, cls=DmipBridge,
                                   dpid='%x' % (i + 1))

        nidx = {}

        def host(name, **p):
            p.setdefault('routes', [])
            return self.addHost(name, cls=DmipHost, ip=None, run=run,
                                tidy=tidy, **p)

        def link(h, ifname, br, **p):
            k = nidx.get(h, 0)
            nidx[h] = k + 1
            self.addLink(h, sw[br], intfName1=ifname,
                         intfName2='%s%s-%d' % (tag, h, k), **dict(lk, **p))

        # The mobile node.
        mn = {'accept_ra': not static, 'v6': [], 'routes': []}
        if static:
            mn['v6'] = [('mn1' if two else 'mn0', '2001:db8:1::100/64')]
            mn['routes'] = [('default', '2001:db8:1::1')]
        if two:
            mn['down'] = ['mn2']
        host('mn', **mn)
        if two:
            link('mn', 'mn1', 'br1')
            link('mn', 'mn2', 'br2')
        else:
            link('mn', 'mn0', 'br1')

        # Access routers.
        for n in (1, 2):
            name = 'ar%d' % n
            host(name, router=True,
                 v6=[('acc0', '2001:db8:%d::1/64' % n),
                     ('lan0', AR[n] + '/64')],
                 routes=[('default', CORE)],
                 radvd=[] if static else [('acc0', access_prefix(n))])
            link(name, 'acc0', 'br%d' % n)
            link(name, 'lan0', 'brs')

        # The core router: routes to every prefix of the lab.
        routes = [(access_prefix(n), AR[n]) for n in (1, 2)]
        routes.append((HOME_PREFIX, HA))
        routes += [(dhp_pool(k), dhp_addr(k)) for k in range(1, dhps + 1)]
        routes += [('2001:db8:c%d::/48' % n, '2001:db8:f::c%d' % n)
                   for n in (1, 2)]
        host('core', router=True, v6=[('lan0', CORE + '/64')], routes=routes)
        link('core', 'lan0', 'brs')

        # The home agent and its home link (radvd there too, so the MN
        # gets an address when it comes home).
        host('ha', router=True,
             v6=[('lan0', HA + '/64'), ('ha0', '2001:db8:10::1/64')],
             routes=[('default', CORE)],
             radvd=[] if static else [('ha0', HOME_PREFIX)])
        link('ha', 'lan0', 'brs')
        link('ha', 'ha0', 'brh')
        host('home', v6=[('home0', HOME_HOST + '/64')],
             routes=[('default', '2001:db8:10::1')])
        link('home', 'home0', 'brh')

        for k in range(1, dhps + 1):
            name = 'dhp%d' % k
            host(name, router=True, v6=[('dhp0', dhp_addr(k) + '/64')],
                 routes=[('default', CORE)])
            link(name, 'dhp0', 'brs')

        for n in (1, 2):
            name = 'cn%d' % n
            host(name, v6=[('lan0', '2001:db8:f::c%d/64' % n),
                           ('lo', CN[n] + '/128')],
                 routes=[('default', CORE)])
            link(name, 'lan0', 'brs')


def mn_port(net, ifname=None):
    """The MN's link: (link, MN interface, switch end, bridge). IFNAME
    picks mn1/mn2 in the two-interface lab (default: the first)."""
    mn = net['mn']
    for intf in mn.intfList():
        if intf.link is None or (ifname and intf.name != ifname):
            continue
        peer = intf.link.intf2 if intf.link.intf1 is intf else intf.link.intf1
        return intf.link, intf, peer, peer.node
    raise Exception('the MN has no link %s' % (ifname or ''))


def move_port(net, to_bridge, ifname=None):
    """Handoff of method B: move the switch end of the MN's link to
    TO_BRIDGE (a DmipBridge or its name). The link stays up; Mininet's
    books (ports of both switches) follow. Returns the old bridge."""
    _link, _intf, peer, old = mn_port(net, ifname)
    new = net[to_bridge] if isinstance(to_bridge, str) else to_bridge
    if new is old:
        return old
    out = new.cmd('ip link set', peer.name, 'master', new.name)
    if out.strip():
        raise Exception('moving %s to %s: %s' % (peer, new, out.strip()))
    port = old.ports[peer]
    del old.intfs[port]
    del old.ports[peer]
    del old.nameToIntf[peer.name]
    port = new.newPort()
    new.intfs[port] = peer
    new.ports[peer] = port
    new.nameToIntf[peer.name] = peer
    peer.node = new
    return old


# For mn --custom.
topos = {'dmip': DmipTopo}
