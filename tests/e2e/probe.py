#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The client side of addrsvc.py.

    probe.py [-t SECONDS] tcp HOST PORT        print the line the service sent
    probe.py [-t SECONDS] udp HOST PORT        send one datagram, print the reply
    probe.py [-t SECONDS] send HOST PORT FILE  stream FILE, print the reply

Exit 0 with the reply on stdout; 1 with the reason on stderr when the
connection is refused, times out or gets no answer (tests assert both).

    probe.py [-t SECONDS] --many 'tcp HOST PORT' 'udp HOST PORT' ...

runs every request at once, each in its own thread, and prints one line per
request, in order: "ok <reply>" or "err <reason>". One interpreter start and
one timeout for a whole group: it matters under qemu.
"""
import socket
import sys
import threading


def request(kind, host, port, timeout, path=None):
    """Returns (True, reply) or (False, reason)."""
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
                    with open(path, "rb") as f:
                        s.sendfile(f)
                    s.shutdown(socket.SHUT_WR)
                reply = b""
                while True:
                    b = s.recv(4096)
                    if not b:
                        break
                    reply += b
    except OSError as e:
        return False, f"{kind} {host} {port}: {e}"
    if not reply:
        return False, f"{kind} {host} {port}: no answer"
    return True, reply.decode().strip()


def parse(words, timeout):
    kind, host, port = words[0], words[1], int(words[2])
    return (kind, host, port, timeout, words[3] if len(words) > 3 else None)


def main():
    args = sys.argv[1:]
    timeout = 3.0
    if args[:1] == ["-t"]:
        timeout, args = float(args[1]), args[2:]
    if args[:1] != ["--many"]:
        ok, text = request(*parse(args, timeout))
        print(text, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    reqs = [parse(a.split(), timeout) for a in args[1:]]
    results = [None] * len(reqs)

    def run(i):
        results[i] = request(*reqs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(reqs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for ok, text in results:
        print(("ok " if ok else "err ") + text.replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
