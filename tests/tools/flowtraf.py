#!/usr/bin/env python3
"""flowtraf: traffic of unmodified programs for the per-flow tests.

Plain sockets, no dmip6 API: the kernel picks the source address, so
mnd's classifier (PROTOCOL.md G) decides what happens to each flow.
Times are CLOCK_REALTIME milliseconds (what mnd's `show handoffs`
reports as coa_unix_ms), so the namespaces share one clock.

  flowtraf.py tcpsend BIND PORT BYTES RATE SEED
      Accept one connection, print "peer ADDR" at once, send BYTES of
      the SHA-256 stream of SEED (the one tcpxfer.py sends) at RATE B/s,
      then wait for the peer's close. Last line:
      "bytes N sha256 HEX peer ADDR end ok|ERRNO".
  flowtraf.py tcpget ADDR PORT [--src A] [--timeout S] [--trace FILE]
      Connect (from A when given, else the kernel's choice), print
      "local ADDR PORT", receive to EOF or error. --trace writes one
      line per recv: "unix_ms total_bytes". Last line:
      "bytes N sha256 HEX secs S maxgap_ms G gap_at_ms T last_ms L
       end ok|timeout|ERRNO end_ms E"
      (ERRNO is the errno name, e.g. ECONNABORTED; end_ms is when the
      socket failed or hit EOF; the gap is the longest time between
      two recvs once data flows, gap_at_ms its start).
  flowtraf.py udpecho BIND PORT
      Echo every datagram; print "peer ADDR PORT" for each new peer.
  flowtraf.py udpsess DST PORT [--rate PPS] [--size B] [--trace FILE]
      [--stop FILE] [--duration S]
      Send numbered datagrams (sequence, send time, a pattern) to an
      udpecho and read the echoes until SIGTERM/SIGINT, --stop FILE
      exists or --duration runs out. Echoes are checked byte for byte.
      --trace: "unix_ms seq" per echo. Last line:
      "sent N echoed M lost L corrupt C maxgap_ms G gap_at_ms T
       local ADDR PORT end ok|ERRNO"
  flowtraf.py udpsink PORT OUT
      Count datagrams; OUT gets "count distinct_source_ports", rewritten
      atomically every 50 ms while the count changes.
  flowtraf.py flood DST PORT N SPORT0 [--rate PPS]
      N one-datagram UDP flows from source ports SPORT0.. (each a new
      conntrack entry, so each is classified). Prints
      "flood sent N secs S errors E".
  flowtraf.py window TRACE T0 T1 [--count]
      From a tcpget/udpsess trace: within [T0, T1] (unix ms) the
      longest gap (counting from the last entry before T0 and to T1)
      and how much arrived (bytes; echoes with --count): "maxgap_ms G
      gap_at_ms T amount A per_s R entries N".
"""
import errno
import hashlib
import os
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcpxfer import CHUNK, stream  # noqa: E402  (same payload as tcpxfer)

A6 = socket.AF_INET6


def now_ms():
    return time.time() * 1000.0


def ename(e):
    if isinstance(e, socket.timeout):
        return "timeout"
    n = getattr(e, "errno", None)
    return errno.errorcode.get(n, str(n)) if n else type(e).__name__


def opt(argv, name, default=None):
    return argv[argv.index(name) + 1] if name in argv else default


def publish(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# ---- TCP --------------------------------------------------------------


def tcpsend(bind, port, nbytes, rate, seed):
    ls = socket.socket(A6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((bind, port))
    ls.listen(1)
    print("listening", flush=True)
    ls.settimeout(60)
    conn, peer = ls.accept()
    print(f"peer {peer[0]}", flush=True)
    h = hashlib.sha256()
    sent = 0
    end = "ok"
    t0 = time.monotonic()
    try:
        for piece in stream(seed, nbytes):
            conn.sendall(piece)
            h.update(piece)
            sent += len(piece)
            ahead = sent / rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(30)
        while conn.recv(CHUNK):
            pass
    except OSError as e:
        end = ename(e)
    conn.close()
    print(f"bytes {sent} sha256 {h.hexdigest()} peer {peer[0]} end {end}",
          flush=True)


def tcpget(addr, port, src, timeout, trace):
    s = socket.socket(A6, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
    except OSError as e:
        print(f"bytes 0 sha256 - secs 0 maxgap_ms 0 gap_at_ms 0 last_ms 0 "
              f"end {ename(e)} end_ms {now_ms():.0f}", flush=True)
        return
    la = s.getsockname()
    print(f"local {la[0]} {la[1]}", flush=True)
    tf = open(trace, "w", buffering=1) if trace else None
    h = hashlib.sha256()
    got = 0
    t0 = time.monotonic()
    last = None
    gap, gap_at = 0.0, 0.0
    end = "ok"
    while True:
        try:
            b = s.recv(65536)
        except OSError as e:
            end = ename(e)
            break
        t = now_ms()
        if not b:
            break
        if last is not None and t - last > gap:
            gap, gap_at = t - last, last
        last = t
        h.update(b)
        got += len(b)
        if tf:
            tf.write(f"{t:.1f} {got}\n")
    end_ms = now_ms()
    s.close()
    if tf:
        tf.close()
    print(f"bytes {got} sha256 {h.hexdigest()} "
          f"secs {time.monotonic() - t0:.3f} maxgap_ms {gap:.0f} "
          f"gap_at_ms {gap_at:.0f} last_ms {last or 0:.0f} end {end} "
          f"end_ms {end_ms:.0f}", flush=True)


# ---- UDP --------------------------------------------------------------

HDR = struct.Struct("!IQ")      # seq, send time (us)


def payload(seq, size):
    pat = bytes((seq + i) & 0xff for i in range(max(size - HDR.size, 0)))
    return HDR.pack(seq, int(time.time() * 1e6)) + pat


def udpecho(bind, port):
    s = socket.socket(A6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    print("listening", flush=True)
    seen = set()
    while True:
        d, peer = s.recvfrom(65535)
        if peer[:2] not in seen:
            seen.add(peer[:2])
            print(f"peer {peer[0]} {peer[1]}", flush=True)
        try:
            s.sendto(d, peer)
        except OSError:
            pass


STOP = False


def _stop(_sig, _frm):
    global STOP
    STOP = True


def udpsess(dst, port, rate, size, trace, stopfile, duration):
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    s = socket.socket(A6, socket.SOCK_DGRAM)
    s.connect((dst, port))
    la = s.getsockname()
    print(f"local {la[0]} {la[1]}", flush=True)
    tf = open(trace, "w", buffering=1) if trace else None
    size = max(size, HDR.size)
    step = 1.0 / rate
    seq = sent = echoed = corrupt = 0
    got = set()
    last = None
    gap, gap_at = 0.0, 0.0
    end = "ok"
    t0 = time.monotonic()
    nxt = t0
    while not STOP:
        tnow = time.monotonic()
        if duration and tnow - t0 >= duration:
            break
        if stopfile and seq % 20 == 0 and os.path.exists(stopfile):
            break
        if tnow >= nxt:
            try:
                s.send(payload(seq, size))
                sent += 1
            except OSError as e:
                # ICMP errors come back on a connected socket; the
                # session goes on (UDP has no connection to lose).
                end = ename(e)
            seq += 1
            nxt += step
            if nxt < tnow - 1.0:
                nxt = tnow          # fell far behind: do not burst
            continue
        s.settimeout(max(nxt - tnow, 0.0005))
        try:
            d = s.recv(65535)
        except socket.timeout:
            continue
        except OSError as e:
            end = ename(e)
            continue
        t = now_ms()
        if len(d) < HDR.size:
            corrupt += 1
            continue
        q, _ = HDR.unpack_from(d)
        want = bytes((q + i) & 0xff for i in range(len(d) - HDR.size))
        if len(d) != size or d[HDR.size:] != want:
            corrupt += 1
            continue
        if q in got:
            continue
        got.add(q)
        echoed += 1
        if last is not None and t - last > gap:
            gap, gap_at = t - last, last
        last = t
        if tf:
            tf.write(f"{t:.1f} {q}\n")
    # Late echoes of the last datagrams.
    s.settimeout(0.2)
    try:
        while True:
            d = s.recv(65535)
            if len(d) >= HDR.size:
                q, _ = HDR.unpack_from(d)
                if q not in got:
                    got.add(q)
                    echoed += 1
    except OSError:
        pass
    if tf:
        tf.close()
    print(f"sent {sent} echoed {echoed} lost {sent - echoed} "
          f"corrupt {corrupt} maxgap_ms {gap:.0f} gap_at_ms {gap_at:.0f} "
          f"local {la[0]} {la[1]} end {end}", flush=True)


def udpsink(port, out):
    s = socket.socket(A6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)      # SO_RCVBUFFORCE
    s.bind(("::", port))
    s.settimeout(0.05)
    n, shown, lastw = 0, -1, 0.0
    ports = set()
    publish(out, "0 0\n")
    while True:
        try:
            _, peer = s.recvfrom(2048)
            n += 1
            ports.add(peer[1])
        except socket.timeout:
            pass
        t = time.monotonic()
        if n != shown and t - lastw > 0.05:
            publish(out, f"{n} {len(ports)}\n")
            shown, lastw = n, t


def flood(dst, port, n, sport0, rate):
    t0 = time.monotonic()
    err = 0
    for i in range(n):
        s = socket.socket(A6, socket.SOCK_DGRAM)
        try:
            try:
                s.bind(("::", sport0 + i))
            except OSError:
                # The port is someone else's now (an ephemeral one of
                # another flow): any other makes a new flow just as well.
                s.bind(("::", 0))
            s.sendto(b"flood %d" % i, (dst, port))
        except OSError:
            err += 1
        s.close()
        if rate:
            ahead = (i + 1) / rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
    print(f"flood sent {n - err} secs {time.monotonic() - t0:.3f} "
          f"errors {err}", flush=True)


def window(trace, t0, t1, count):
    rows = []
    with open(trace) as f:
        for line in f:
            p = line.split()
            if len(p) == 2:
                rows.append((float(p[0]), int(p[1])))
    before = [r for r in rows if r[0] < t0]
    inside = [r for r in rows if t0 <= r[0] <= t1]
    prev = before[-1][0] if before else t0
    gap, gap_at = 0.0, prev
    for t, _ in inside:
        if t - prev > gap:
            gap, gap_at = t - prev, prev
        prev = t
    if t1 - prev > gap:
        gap, gap_at = t1 - prev, prev
    # TCP traces carry running totals, UDP ones sequence numbers.
    if count:
        amount = len(inside)
    elif inside:
        amount = inside[-1][1] - (before[-1][1] if before else 0)
    else:
        amount = 0
    secs = max((t1 - t0) / 1000.0, 1e-3)
    print(f"maxgap_ms {gap:.0f} gap_at_ms {gap_at:.0f} amount {amount} "
          f"per_s {amount / secs:.0f} entries {len(inside)}")


def main(a):
    try:
        cmd = a[1]
        if cmd == "tcpsend" and len(a) >= 7:
            tcpsend(a[2], int(a[3]), int(a[4]), float(a[5]), a[6])
        elif cmd == "tcpget" and len(a) >= 4:
            tcpget(a[2], int(a[3]), opt(a, "--src"),
                   float(opt(a, "--timeout", "30")), opt(a, "--trace"))
        elif cmd == "udpecho" and len(a) >= 4:
            udpecho(a[2], int(a[3]))
        elif cmd == "udpsess" and len(a) >= 4:
            udpsess(a[2], int(a[3]), float(opt(a, "--rate", "100")),
                    int(opt(a, "--size", "200")), opt(a, "--trace"),
                    opt(a, "--stop"), float(opt(a, "--duration", "0")))
        elif cmd == "udpsink" and len(a) >= 4:
            udpsink(int(a[2]), a[3])
        elif cmd == "flood" and len(a) >= 6:
            flood(a[2], int(a[3]), int(a[4]), int(a[5]),
                  float(opt(a, "--rate", "0")))
        elif cmd == "window" and len(a) >= 5:
            window(a[2], float(a[3]), float(a[4]), "--count" in a)
        else:
            raise IndexError
    except IndexError:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
