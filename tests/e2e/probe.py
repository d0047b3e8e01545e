#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The client side of addrsvc.py.

    probe.py [-t SECONDS] tcp HOST PORT        print the line the service sent
    probe.py [-t SECONDS] udp HOST PORT        send one datagram, print the reply
    probe.py [-t SECONDS] send HOST PORT FILE  stream FILE, print the reply

Exit 0 with the reply on stdout; 1 with the reason on stderr when the
connection is refused, times out or gets no answer (tests assert both).
"""
import socket
import sys


def main():
    args = sys.argv[1:]
    timeout = 3.0
    if args[:1] == ["-t"]:
        timeout, args = float(args[1]), args[2:]
    kind, host, port = args[0], args[1], int(args[2])
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        if kind == "udp":
            with socket.socket(fam, socket.SOCK_DGRAM) as s:
                s.settimeout(timeout)
                s.connect((host, port))
                s.send(b"who am i\n")
                reply = s.recv(2048)
        else:
            with socket.create_connection((host, port), timeout=timeout) as s:
                if kind == "send":
                    s.settimeout(max(timeout, 60))
                    with open(args[3], "rb") as f:
                        s.sendfile(f)
                    s.shutdown(socket.SHUT_WR)
                reply = b""
                while True:
                    b = s.recv(4096)
                    if not b:
                        break
                    reply += b
    except OSError as e:
        print(f"probe: {kind} {host} {port}: {e}", file=sys.stderr)
        return 1
    if not reply:
        print(f"probe: {kind} {host} {port}: no answer", file=sys.stderr)
        return 1
    sys.stdout.write(reply.decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
