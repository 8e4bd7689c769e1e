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


def serve(addr, port, nbytes, rate, seed):
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # The HoA sits on lo with preferred_lft 0 (deprecated) while away:
    # binding to it explicitly is allowed.
    ls.bind((addr, port))
    ls.listen(1)
    print("listening", flush=True)
    ls.settimeout(30)
    conn, peer = ls.accept()
    h = hashlib.sha256()
    sent = 0
    t0 = time.monotonic()
    for piece in stream(seed, nbytes):
        conn.sendall(piece)
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
    print(f"bytes {sent} sha256 {h.hexdigest()} peer {peer[0]}", flush=True)


def fetch(addr, port, timeout, src=None):
    t0 = time.monotonic()
    s = socket.create_connection((addr, port), timeout=timeout,
                                 source_address=(src, 0) if src else None)
    s.settimeout(timeout)
    h = hashlib.sha256()
    got = 0
    while True:
        b = s.recv(65536)
        if not b:
            break
        h.update(b)
        got += len(b)
    s.close()
    print(f"bytes {got} sha256 {h.hexdigest()} "
          f"secs {time.monotonic() - t0:.3f}", flush=True)


def main(argv):
    if len(argv) >= 6 and argv[1] == "serve":
        serve(argv[2], int(argv[3]), int(argv[4]), float(argv[5]), argv[6]
              if len(argv) > 6 else "dmip6")
    elif len(argv) >= 4 and argv[1] == "fetch":
        fetch(argv[2], int(argv[3]), float(argv[4]) if len(argv) > 4 else 20,
              argv[5] if len(argv) > 5 else None)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
