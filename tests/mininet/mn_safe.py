#!/usr/bin/python3
"""mn_safe.py: Mininet's mn, minus what would touch the rest of the host.

    mn_safe.py --custom tests/mininet/dmip_topo.py --topo dmip \\
               --switch lxbr --controller none [mn's other options]

Runs /usr/bin/mn unchanged but for two things:
  * no fixLimits(): mn raises rlimits and sysctls of the root namespace
    (fs.file-max, net.core.*mem_max, net.ipv4.tcp_*mem, neighbour and
    route table sizes, kernel.pty.max) at start; the dmip6 lab needs none
    of them;
  * no global cleanup on errors or Ctrl-C: mn then runs `mn -c`, which
    kills every process named ping, controller, mnexec... on the machine,
    deletes every link named *-eth*, and removes /tmp/*.log and
    /tmp/*.out. Here the network is stopped instead (Mininet.stop), which
    removes only what this mn made.
`mn_safe.py -c` is refused for the same reason.
"""

import os
import sys

MN = '/usr/bin/mn'


def main():
    if '-c' in sys.argv[1:] or '--clean' in sys.argv[1:]:
        sys.stderr.write('mn_safe.py: no global cleanup (mn -c) here\n')
        return 2
    try:
        import mininet.clean
        import mininet.net
    except ImportError as e:
        sys.stderr.write('mn_safe.py: %s (apt-get install mininet; run '
                         'with /usr/bin/python3)\n' % e)
        return 77
    mininet.net.Mininet.inited = True           # skips fixLimits()
    nets = []
    init = mininet.net.Mininet.__init__

    def track(self, *args, **kwargs):
        nets.append(self)
        init(self, *args, **kwargs)

    def cleanup():
        "Instead of mn -c: stop the networks this process made."
        for n in nets:
            try:
                n.stop()
            except Exception as e:  # pylint: disable=broad-except
                sys.stderr.write('mn_safe.py: stop: %s\n' % e)
        del nets[:]

    mininet.net.Mininet.__init__ = track
    mininet.clean.cleanup = cleanup
    mininet.clean.Cleanup.cleanup = staticmethod(cleanup)
    sys.argv[0] = MN
    with open(MN) as f:
        code = compile(f.read(), MN, 'exec')
    g = {'__name__': '__main__', '__file__': MN}
    exec(code, g)  # pylint: disable=exec-used
    return 0


if __name__ == '__main__':
    os.umask(0o022)
    sys.exit(main())
