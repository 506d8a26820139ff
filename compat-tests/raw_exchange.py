#!/usr/bin/env python3
"""Send raw bytes to a server and print exactly what comes back.

usage: raw_exchange.py PORT [--pause MS] [--bytewise] CHUNK [CHUNK...]

Each CHUNK is written with its own write() call, with a pause of MS
milliseconds (default 100) between writes, so that a command can be split over
several TCP segments. Escapes in CHUNK (\\r \\n \\xNN \\" \\\\) are interpreted.
With --bytewise every byte of every chunk is written separately (5 ms apart).

Prints the received bytes, escaped (e.g. +PONG\\r\\n), on one line, then
"<closed>" if the server closed the connection or "<open>" if it was still open
after 250 ms of silence.
"""
import codecs
import socket
import sys
import time


def main(argv):
    port = int(argv[0])
    args = argv[1:]
    pause = 0.1
    bytewise = False
    chunks = []
    i = 0
    while i < len(args):
        if args[i] == "--pause":
            pause = int(args[i + 1]) / 1000.0
            i += 2
            continue
        if args[i] == "--bytewise":
            bytewise = True
            i += 1
            continue
        chunks.append(codecs.escape_decode(args[i].encode())[0])
        i += 1
    if bytewise:
        chunks = [bytes([b]) for c in chunks for b in c]
        pause = 0.005
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for n, c in enumerate(chunks):
        if n:
            time.sleep(pause)
        try:
            s.sendall(c)
        except (BrokenPipeError, ConnectionResetError):
            break
    s.settimeout(0.25)
    got = b""
    closed = False
    while True:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not data:
            closed = True
            break
        got += data
    s.close()
    sys.stdout.write(got.decode("latin-1").encode("unicode_escape").decode("ascii") + "\n")
    sys.stdout.write("<closed>\n" if closed else "<open>\n")


if __name__ == "__main__":
    main(sys.argv[1:])
