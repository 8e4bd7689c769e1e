#!/usr/bin/env python3
"""tcpxfer: a paced TCP transfer whose bytes can be checked end to end.

  tcpxfer.py serve ADDR PORT BYTES RATE SEED   # send BYTES at RATE B/s, once
  tcpxfer.py fetch ADDR PORT [TIMEOUT [SRC]]   # receive to EOF

Both sides print one line "bytes N sha256 HEX" (fetch adds "secs S").
The payload is a SHA-256 counter stream of SEED, so the receiver's
digest can be compared with the sender's without a shared file. serve
binds to ADDR (the HoA in the integration tests), accepts one
connection and paces its writes so that a transfer spans a handoff.
fetch connects from SRC when given (a DHoA or the HoA of the mobile
node, which sit on lo deprecated and are never picked by default).

  --progress FILE[:MS] (optional, before or after the arguments above)
      also writes lines "T BYTES" to FILE: T wall-clock seconds
      (time.time(), comparable across namespaces and with bash's
      EPOCHREALTIME), BYTES received (fetch) or handed to the socket
      (serve) by then. One line when the connection is up (0 bytes),
      then one every MS milliseconds (default 100), also while nothing
      arrives (fetch). A stall longer than MS/2 is timed exactly: lines
      "T0 N" at the last data before it and "T1 N" at the first data
      after it (then "T1 N+n" for that data), so the longest run of
      lines with the same BYTES is the longest time without a byte.
      Nothing else changes: without it the program behaves as before.
"""
import hashlib
import socket
import sys
import time

CHUNK = 4096


def stream(seed, n):
    """Yield n bytes in CHUNK pieces of SHA-256(seed || counter)."""
    i = 0
    left = n
    while left > 0:
        block = b"".join(hashlib.sha256(f"{seed}:{i}:{j}".encode()).digest()
                         for j in range(CHUNK // 32))
        i += 1
        piece = block[:min(CHUNK, left)]
        left -= len(piece)
        yield piece


class Progress:
    """The --progress log (see the module's doc string)."""

    def __init__(self, spec):
        path, ms = spec, "100"
        head, sep, tail = spec.rpartition(":")
        if sep and tail.isdigit():
            path, ms = head, tail
        self.f = open(path, "w", buffering=1)
        self.every = max(int(ms), 1) / 1000
        self.stall = self.every / 2
        self.n = 0
        self.t_prev = None      # the last data
        self.written = None     # (t, n) of the last line
        self.next_tick = 0.0

    def _line(self, t):
        """One line; never one older than the last (time order)."""
        if self.written is None or (t, self.n) > self.written:
            self.f.write(f"{t:.6f} {self.n}\n")
            self.written = (t, self.n)

    def up(self):
        now = time.time()
        self.t_prev = now
        self._line(now)
        self.next_tick = now + self.every

    def idle(self):
        """Nothing arrived for an interval."""
        now = time.time()
        if self.t_prev is not None:
            self._line(self.t_prev)
        self._line(now)
        self.next_tick = now + self.every

    def data(self, n):
        now = time.time()
        if self.t_prev is not None and now - self.t_prev > self.stall:
            self._line(self.t_prev)
            self._line(now)
            self.n += n
            self._line(now)
            self.next_tick = now + self.every
        else:
            self.n += n
            if now >= self.next_tick:
                self._line(now)
                self.next_tick = now + self.every
        self.t_prev = now

    def close(self):
        if self.t_prev is not None:
            self._line(self.t_prev)
        self.f.close()


def serve(addr, port, nbytes, rate, seed, progress=None):
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # The HoA sits on lo with preferred_lft 0 (deprecated) while away:
    # binding to it explicitly is allowed.
    ls.bind((addr, port))
    ls.listen(1)
    print("listening", flush=True)
    ls.settimeout(30)
    conn, peer = ls.accept()
    if progress:
        progress.up()
    h = hashlib.sha256()
    sent = 0
    t0 = time.monotonic()
    for piece in stream(seed, nbytes):
        conn.sendall(piece)
        if progress:
            progress.data(len(piece))
        h.update(piece)
        sent += len(piece)
        ahead = sent / rate - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    conn.shutdown(socket.SHUT_WR)
    # Wait for the peer's close so every byte was acknowledged.
    conn.settimeout(30)
    while conn.recv(CHUNK):
        pass
    conn.close()
    if progress:
        progress.close()
    print(f"bytes {sent} sha256 {h.hexdigest()} peer {peer[0]}", flush=True)


def recv_ticking(s, timeout, progress):
    """s.recv() that wakes every progress interval (for the stall
    lines) and still raises socket.timeout after timeout seconds idle."""
    idle = 0.0
    while True:
        try:
            return s.recv(65536)
        except socket.timeout:
            progress.idle()
            idle += progress.every
            if idle >= timeout:
                raise


def fetch(addr, port, timeout, src=None, progress=None):
    t0 = time.monotonic()
    s = socket.create_connection((addr, port), timeout=timeout,
                                 source_address=(src, 0) if src else None)
    s.settimeout(timeout)
    h = hashlib.sha256()
    got = 0
    if progress:
        progress.up()
        s.settimeout(min(progress.every, timeout))
    try:
        while True:
            b = recv_ticking(s, timeout, progress) if progress else \
                s.recv(65536)
            if not b:
                break
            if progress:
                progress.data(len(b))
            h.update(b)
            got += len(b)
    finally:
        if progress:
            progress.close()
    s.close()
    print(f"bytes {got} sha256 {h.hexdigest()} "
          f"secs {time.monotonic() - t0:.3f}", flush=True)


def main(argv):
    progress = None
    if "--progress" in argv:
        i = argv.index("--progress")
        if i + 1 >= len(argv):
            sys.stderr.write(__doc__)
            return 2
        progress = Progress(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    if len(argv) >= 6 and argv[1] == "serve":
        serve(argv[2], int(argv[3]), int(argv[4]), float(argv[5]), argv[6]
              if len(argv) > 6 else "dmip6", progress)
    elif len(argv) >= 4 and argv[1] == "fetch":
        fetch(argv[2], int(argv[3]), float(argv[4]) if len(argv) > 4 else 20,
              argv[5] if len(argv) > 5 else None, progress)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
