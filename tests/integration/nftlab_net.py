#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""TCP ends for tests/integration/nftlab.test.sh (one process each, so
that the test starts few programs: each costs much under qemu TCG).

    nftlab_net.py serve PORT...
        backend: on every PORT, each connection is read to its end, then
        answered "n=BYTES peer=ADDR" (the address it came from) and closed;
        a connection that sends "hold" is kept open until the client closes
    nftlab_net.py burst SRC DST PORT COUNT TIMEOUT
        COUNT connections at once from SRC; prints "ok=K" (connected
        within TIMEOUT seconds)
    nftlab_net.py hold SRC DST PORT COUNT TIMEOUT
        opens COUNT connections one after the other and keeps them, then one
        more; prints "held=K extra=0|1", then closes one and tries again:
        "after_close=0|1"
    nftlab_net.py send SRC DST PORT BYTES TIMEOUT
        sends BYTES, half-closes, prints the answer ("n=... peer=...") or
        "timeout"
"""
import selectors
import socket
import sys
import time


def serve(ports):
    sel = selectors.DefaultSelector()
    for p in ports:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", p))
        s.listen(128)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, None)
    conns = {}
    print("listening", flush=True)
    while True:
        for key, _ in sel.select():
            if key.data is None:
                c, addr = key.fileobj.accept()
                c.setblocking(False)
                conns[c] = [0, addr[0]]
                sel.register(c, selectors.EVENT_READ, "c")
                continue
            c = key.fileobj
            try:
                d = c.recv(65536)
            except OSError:
                d = b""
            if d:
                conns[c][0] += len(d)
                continue
            n, peer = conns.pop(c)
            sel.unregister(c)
            try:
                c.setblocking(True)
                c.sendall(b"n=%d peer=%s\n" % (n, peer.encode()))
            except OSError:
                pass
            c.close()


def connect(src, dst, port, timeout):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(timeout)
    try:
        s.connect((dst, port))
        return s
    except OSError:
        s.close()
        return None


def burst(src, dst, port, count, timeout):
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.bind((src, 0))
        s.setblocking(False)
        s.connect_ex((dst, port))
        sel.register(s, selectors.EVENT_WRITE)
        socks.append(s)
    ok, end, left = 0, time.monotonic() + timeout, count
    while left and time.monotonic() < end:
        for key, _ in sel.select(max(0.0, end - time.monotonic())):
            s = key.fileobj
            sel.unregister(s)
            left -= 1
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                ok += 1
    print("ok=%d" % ok)
    for s in socks:
        s.close()


def hold(src, dst, port, count, timeout):
    held = []
    for _ in range(count):
        s = connect(src, dst, port, timeout)
        if s:
            s.sendall(b"hold")
            held.append(s)
    extra = connect(src, dst, port, timeout)
    print("held=%d extra=%d" % (len(held), extra is not None))
    if extra:
        extra.close()
    if held:
        held.pop().close()
        time.sleep(0.5)
    again = connect(src, dst, port, timeout)
    print("after_close=%d" % (again is not None))
    for s in held + ([again] if again else []):
        s.close()


def send(src, dst, port, size, timeout):
    s = connect(src, dst, port, timeout)
    if not s:
        print("timeout")
        return
    try:
        chunk = b"x" * 65536
        left = size
        while left > 0:
            left -= s.send(chunk[:min(left, len(chunk))])
        s.shutdown(socket.SHUT_WR)
        print(s.recv(200).decode().strip() or "closed")
    except OSError:
        print("timeout")
    s.close()


def main():
    a = sys.argv[1:]
    if a[0] == "serve":
        serve([int(p) for p in a[1:]])
    elif a[0] == "burst":
        burst(a[1], a[2], int(a[3]), int(a[4]), float(a[5]))
    elif a[0] == "hold":
        hold(a[1], a[2], int(a[3]), int(a[4]), float(a[5]))
    elif a[0] == "send":
        send(a[1], a[2], int(a[3]), int(a[4]), float(a[5]))


if __name__ == "__main__":
    main()
