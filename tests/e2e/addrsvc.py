#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Small services for the end-to-end tests: each answers with the address it
saw, so a test can tell whether the client's real address crossed the tunnel.

    addrsvc.py SPEC...      prints "ready" once every socket is bound

SPEC is KIND:PORT or KIND:PORT-PORT, bound on 0.0.0.0 and [::] (v6only), or
KIND:ADDR:PORT to bind one address ([v6] in brackets). KIND:
    tcp   on connect, send "<peer address> <local address> <local port>\\n"
    udp   the same line in reply to any datagram
    sha   read the stream to its end, reply "<sha256 hex> <bytes>\\n"

Runs in the foreground until killed (the test stops it by PID).
"""
import hashlib
import socket
import sys
import threading


def plain(addr):
    # a v4 client seen on a dual-stack socket would read ::ffff:a.b.c.d
    return addr[7:] if addr.startswith("::ffff:") else addr


def parse(spec):
    kind, _, rest = spec.partition(":")
    if kind not in ("tcp", "udp", "sha"):
        raise SystemExit(f"addrsvc: {spec}: unknown kind")
    if rest.startswith("["):
        host, _, port = rest[1:].partition("]:")
        hosts = [host]
    elif rest.count(":") == 1:
        host, port = rest.split(":")
        hosts = [host]
    else:
        port, hosts = rest, ["0.0.0.0", "::"]
    lo, _, hi = port.partition("-")
    return [(kind, h, p) for h in hosts for p in range(int(lo), int(hi or lo) + 1)]


def line(conn_peer, local):
    return f"{plain(conn_peer[0])} {plain(local[0])} {local[1]}\n".encode()


def serve_tcp(sock, kind):
    while True:
        conn, peer = sock.accept()
        threading.Thread(target=tcp_conn, args=(conn, peer, kind), daemon=True).start()


def tcp_conn(conn, peer, kind):
    try:
        with conn:
            conn.settimeout(30)
            if kind == "tcp":
                conn.sendall(line(peer, conn.getsockname()))
                return
            h, n = hashlib.sha256(), 0
            while True:
                b = conn.recv(1 << 16)
                if not b:
                    break
                h.update(b)
                n += len(b)
            conn.sendall(f"{h.hexdigest()} {n}\n".encode())
    except OSError:
        pass


IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)


def serve_udp(sock):
    # A socket bound to the wildcard address learns the address each
    # datagram was sent to from IP(V6)_PKTINFO, and answers from it.
    v6 = sock.family == socket.AF_INET6
    if v6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    else:
        sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    port = sock.getsockname()[1]
    while True:
        _, anc, _, peer = sock.recvmsg(2048, 256)
        local, reply_anc = sock.getsockname()[0], []
        for level, typ, d in anc:
            if v6 and level == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO:
                local = socket.inet_ntop(socket.AF_INET6, d[:16])
                reply_anc = [(level, typ, d[:16] + bytes(4))]
            elif not v6 and level == socket.IPPROTO_IP and typ == IP_PKTINFO:
                local = socket.inet_ntop(socket.AF_INET, d[8:12])
                reply_anc = [(level, typ, bytes(4) + d[8:12] + bytes(4))]
        sock.sendmsg([line(peer, (local, port))], reply_anc, 0, peer)


def main():
    socks = []
    for spec in sys.argv[1:]:
        for kind, host, port in parse(spec):
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            typ = socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM
            s = socket.socket(fam, typ)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((host, port))
            if typ == socket.SOCK_STREAM:
                s.listen(64)
            socks.append((kind, s))
    for kind, s in socks:
        target = serve_udp if kind == "udp" else serve_tcp
        args = (s,) if kind == "udp" else (s, kind)
        threading.Thread(target=target, args=args, daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
