#!/usr/bin/python3
"""Count or send UDP datagrams for the shunt lab (standard library only).

  udp.py recv --bind ADDR --port P --count N --timeout S [--ready FILE]
      Receive until N datagrams arrived or S seconds passed; print the number
      received as one integer line. --ready FILE is created once the socket is
      bound, so a sender started after it cannot race the bind.

  udp.py send --to ADDR --port P --count N --size BYTES --rate PPS
      Send exactly N datagrams of BYTES payload, paced to PPS (0: unpaced);
      print the number sent as one integer line.

IPv4 or IPv6 is taken from the address. Run it with /usr/bin/python3.
"""

import argparse
import errno
import ipaddress
import socket
import sys
import time

MAX_SEND_RETRIES = 1000  # transient ENOBUFS/EAGAIN per datagram


def family_of(addr):
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        sys.exit(f"udp.py: not an IP address: {addr!r}")
    return socket.AF_INET6 if ip.version == 6 else socket.AF_INET


def cmd_recv(args):
    fam = family_of(args.bind)
    sock = socket.socket(fam, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    except OSError:
        pass
    if fam == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind((args.bind, args.port))
    if args.ready:
        with open(args.ready, "w", encoding="ascii") as f:
            f.write("ready\n")

    received = 0
    deadline = time.monotonic() + args.timeout
    while received < args.count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            sock.recvfrom(65535)
        except socket.timeout:
            break
        except InterruptedError:
            continue
        received += 1
    sock.close()
    print(received, flush=True)
    return 0


def send_one(sock, payload, dest):
    for _ in range(MAX_SEND_RETRIES):
        try:
            sock.sendto(payload, dest)
            return
        except OSError as e:
            if e.errno not in (errno.ENOBUFS, errno.EAGAIN, errno.EINTR):
                raise
            time.sleep(0.001)
    raise OSError(errno.ENOBUFS, "send kept failing with ENOBUFS/EAGAIN")


def cmd_send(args):
    fam = family_of(args.to)
    sock = socket.socket(fam, socket.SOCK_DGRAM)
    dest = (args.to, args.port)
    payload = bytes((i & 0xFF for i in range(args.size)))
    start = time.monotonic()
    sent = 0
    try:
        for i in range(args.count):
            if args.rate > 0:
                delay = start + i / args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            send_one(sock, payload, dest)
            sent += 1
    except OSError as e:
        print(sent, flush=True)
        print(f"udp.py: send to [{args.to}]:{args.port} failed after {sent}: {e}",
              file=sys.stderr)
        return 1
    finally:
        sock.close()
    print(sent, flush=True)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("recv", help="count received datagrams")
    r.add_argument("--bind", required=True)
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--count", type=int, required=True)
    r.add_argument("--timeout", type=float, required=True)
    r.add_argument("--ready", metavar="FILE")

    s = sub.add_parser("send", help="send datagrams")
    s.add_argument("--to", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--size", type=int, default=64)
    s.add_argument("--rate", type=float, default=1000.0, help="datagrams/s, 0: unpaced")

    args = ap.parse_args(argv)
    if args.count < 0 or not 0 < args.port < 65536:
        ap.error("count must be >= 0 and port in 1..65535")
    if args.cmd == "recv":
        if args.timeout <= 0:
            ap.error("timeout must be > 0")
        return cmd_recv(args)
    if not 0 <= args.size <= 65507:
        ap.error("size must be in 0..65507")
    return cmd_send(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
