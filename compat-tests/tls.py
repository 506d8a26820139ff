#!/usr/bin/env python3
"""TLS on both listeners, checked with unmodified clients: redis-cli --tls, redis-py with
ssl=True and grpcio with SSL channel credentials, all using certificates this script makes
(gen_certs.sh: a CA, a server certificate for 127.0.0.1, a client certificate, and one from
an untrusted CA).

The RESP checks run against redis-server 7.0 with the same settings first, then against
Memorabilia, and must come out the same: with `tls-auth-clients yes` a client needs a
certificate of the CA (none, or an untrusted one, is refused in the handshake); `optional`
takes clients without one but still refuses an untrusted one; `no` asks for none; plaintext
on the TLS port gets nothing; `port 0` leaves no plaintext listener. The gRPC TLS port
(`grpc-tls-port`, Memorabilia only) follows the same rules.

Usage: tls.py MEMORABILIA_BINARY
"""
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

# The refused handshakes are expected: keep grpcio's C core from logging them.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")

import grpc  # noqa: E402
import redis  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_tls(port, certs, deadline=20):
    end = time.time() + deadline
    while time.time() < end:
        try:
            if client(port, certs).ping():
                return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers TLS PING on {port}")


def client(port, certs, cert="client", **kw):
    options = dict(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=f"{certs}/ca.crt",
                   socket_timeout=5, retry=None)
    if cert:
        options.update(ssl_certfile=f"{certs}/{cert}.crt", ssl_keyfile=f"{certs}/{cert}.key")
    options.update(kw)
    return redis.Redis(**options)


def outcome(fn):
    """What a client call gave: its result, or that it failed (and roughly how)."""
    try:
        return ("ok", fn())
    except (redis.exceptions.ConnectionError, ssl.SSLError, OSError):
        return ("refused", None)
    except redis.exceptions.ResponseError as e:
        return ("error", str(e))


def cli(port, certs, *args, cert=True):
    cmd = ["redis-cli", "--tls", "--cacert", f"{certs}/ca.crt", "-p", str(port)]
    if cert:
        cmd += ["--cert", f"{certs}/client.crt", "--key", f"{certs}/client.key"]
    done = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=20)
    return done.stdout.strip()


def plaintext_ping(port):
    """What a plaintext client gets from a TLS port: nothing that looks like +PONG."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            data = s.recv(100)
    except OSError:
        return False
    return data.startswith(b"+PONG")


def resp_scenario(port, certs, auth_clients):
    """Observations of one server's TLS listener, compared between the two servers."""
    seen = {}
    seen["cli ping"] = cli(port, certs, "PING")
    seen["cli set"] = cli(port, certs, "SET", "tls:k", "v")
    seen["cli get"] = cli(port, certs, "GET", "tls:k")
    c = client(port, certs)
    seen["py ping"] = outcome(c.ping)
    seen["py hello3"] = outcome(lambda: client(port, certs, protocol=3).get("tls:k"))
    seen["py big value"] = outcome(lambda: (c.set("big", "x" * 200000), len(c.get("big")))[1])
    pipe = c.pipeline(transaction=True)
    pipe.incr("n").incr("n")
    seen["py transaction"] = outcome(pipe.execute)
    seen["py without a certificate"] = outcome(lambda: client(port, certs, cert=None).ping())
    seen["py untrusted certificate"] = outcome(lambda: client(port, certs, cert="other").ping())
    seen["plaintext ping"] = plaintext_ping(port)
    c.close()
    return seen


def start(cmd):
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def tls_args(certs, auth_clients):
    return ["--tls-cert-file", f"{certs}/server.crt", "--tls-key-file", f"{certs}/server.key",
            "--tls-ca-cert-file", f"{certs}/ca.crt", "--tls-auth-clients", auth_clients]


def grpc_scenario(port, certs, auth_clients):
    sys.path.insert(0, HERE)
    os.environ.setdefault("GRPC_PORT", str(port))
    from test_grpc import pb, pb_grpc  # the stubs test_grpc.py builds from proto/

    def read(name):
        with open(f"{certs}/{name}", "rb") as f:
            return f.read()

    def call(cert):
        creds = grpc.ssl_channel_credentials(
            root_certificates=read("ca.crt"),
            private_key=read(f"{cert}.key") if cert else None,
            certificate_chain=read(f"{cert}.crt") if cert else None)
        with grpc.secure_channel(f"127.0.0.1:{port}", creds) as channel:
            stub = pb_grpc.MemorabiliaStub(channel)
            try:
                stub.Set(pb.SetRequest(key=b"grpc:tls", value=b"v"), timeout=10)
                return stub.Get(pb.GetRequest(key=b"grpc:tls"), timeout=10).value
            except grpc.RpcError as e:
                return e.code()

    ok = b"v"
    expected = {
        "yes": {"client": ok, None: grpc.StatusCode.UNAVAILABLE,
                "other": grpc.StatusCode.UNAVAILABLE},
        "optional": {"client": ok, None: ok, "other": grpc.StatusCode.UNAVAILABLE},
        "no": {"client": ok, None: ok},
    }[auth_clients]
    failures = 0
    for cert, wanted in expected.items():
        got = call(cert)
        if got != wanted:
            print(f"gRPC TLS ({auth_clients}), client certificate {cert}: got {got}, "
                  f"wanted {wanted}", file=sys.stderr)
            failures += 1
    return failures


def main():
    binary = sys.argv[1]
    certs = tempfile.mkdtemp(prefix="memorabilia-tls-")
    failures = 0
    try:
        subprocess.run([os.path.join(HERE, "gen_certs.sh"), certs], check=True)
        for auth_clients in ("yes", "optional", "no"):
            ref_port = free_port()
            ref = start(["redis-server", "--port", "0", "--tls-port", str(ref_port), "--save", "",
                         "--appendonly", "no", "--dir", certs] + tls_args(certs, auth_clients))
            try:
                wait_for_tls(ref_port, certs)
                expected = resp_scenario(ref_port, certs, auth_clients)
            finally:
                stop(ref)
            port, grpc_port = free_port(), free_port()
            mem = start([binary, "--port", "0", "--tls-port", str(port), "--grpc-port", "0",
                         "--grpc-tls-port", str(grpc_port), "--save", "", "--dir", certs]
                        + tls_args(certs, auth_clients))
            try:
                wait_for_tls(port, certs)
                got = resp_scenario(port, certs, auth_clients)
                for name in expected:
                    if expected[name] != got[name]:
                        print(f"RESP TLS ({auth_clients}) {name}: redis-server {expected[name]!r}"
                              f", memorabilia {got[name]!r}", file=sys.stderr)
                        failures += 1
                failures += grpc_scenario(grpc_port, certs, auth_clients)
                # `port 0`: no plaintext listener at all.
                info = client(port, certs).info("server")
                if int(info.get("tcp_port", -1)) != port:
                    print(f"INFO tcp_port {info.get('tcp_port')}, wanted {port}", file=sys.stderr)
                    failures += 1
            finally:
                stop(mem)
            print(f"tls-auth-clients {auth_clients}: {len(expected)} RESP observations compared")
    finally:
        shutil.rmtree(certs, ignore_errors=True)
    print("tls: all identical" if failures == 0 else f"tls: {failures} difference(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
