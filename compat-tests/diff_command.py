"""Differential cases for command introspection (picked up by differential.py): COMMAND INFO
and COMMAND DOCS of every command and subcommand this server serves, COMMAND COUNT / LIST
filters and COMMAND GETKEYS, compared with redis-server 7.0 byte for byte.

Every fact these print comes from the metadata table generated from Redis's command JSON
files (src/commands/redis-json/), so this family checks the generator against the real
server. The commands come from those same files, minus NOT_SERVED: the commands Redis 7.0
has that Memorabilia does not serve (cluster, replication, modules, DEBUG, ...). Serving
one of them means taking it off that list, which puts it under this test.

Redis keeps subcommands in a hash table with a random seed, so a container's subcommands
come in a different order in every process: `normalize` sorts them, and leaves out the
subcommands only one side serves (NOT_SERVED, and LATER: 7.2's CLIENT SETINFO, which client
libraries send on connecting and Memorabilia serves).
"""

import glob
import json
import os

from diff_hashes import parse

HERE = os.path.dirname(os.path.abspath(__file__))
JSON_DIR = os.path.join(HERE, "..", "src", "commands", "redis-json")

# Redis 7.0 commands and subcommands Memorabilia does not serve (COMMAND INFO answers null,
# COMMAND DOCS leaves them out, as redis-server does for a name it does not know).
NOT_SERVED = {
    "asking", "cluster", "failover", "lolwut", "migrate", "module", "psync",
    "readonly", "readwrite", "replconf", "replicaof", "restore-asking", "role", "slaveof",
    "sync", "wait", "client|no-evict", "client|pause", "client|unpause",
}
# Subcommands of later releases Memorabilia serves (src/commands/redis-json/7.2/).
LATER = {"client|setinfo"}
ONE_SIDED = {name.encode() for name in NOT_SERVED | LATER}


def _served():
    names = []
    for path in sorted(glob.glob(os.path.join(JSON_DIR, "*.json"))):
        with open(path) as f:
            (name, desc), = json.load(f).items()
        if "ONLY_SENTINEL" in desc.get("command_flags", []):
            continue
        container = desc.get("container", "").lower()
        full = f"{container}|{name.lower()}" if container else name.lower()
        if full in NOT_SERVED or container in NOT_SERVED:
            continue
        names.append(full)
    return names


SERVED = _served()

EDGE_CASES = (
    # One case per command: its COMMAND INFO and COMMAND DOCS (containers with their
    # subcommands), and the name's case does not matter.
    [[["COMMAND", "INFO", name], ["COMMAND", "DOCS", name]] for name in SERVED]
    + [
        [["COMMAND", "INFO", "GET", "nosuch", "client|LIST", "client|nosuch"],
         ["COMMAND", "DOCS", "nosuch", "Get", "config|get", "config|nosuch"],
         ["COMMAND", "INFO", "set", "set"], ["COMMAND", "DOCS", "set", "set"],
         ["COMMAND", "INFO", "client|list|x"], ["COMMAND", "INFO", "|"], ["COMMAND", "INFO", ""]],
        # Filters over what both serve.
        [["COMMAND", "LIST", "FILTERBY", "PATTERN", "z*"],
         ["COMMAND", "LIST", "FILTERBY", "PATTERN", "xgroup|*"],
         ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "hyperloglog"],
         ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "GEO"],
         ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"],
         ["COMMAND", "LIST", "FILTERBY", "MODULE", "x"],
         ["COMMAND", "LIST", "FILTERBY", "PATTERN"], ["COMMAND", "LIST", "FILTERBY", "FOO", "x"],
         ["COMMAND", "LIST", "x"]],
        # Keys found from the key specs, the generated legacy positions and movable keys.
        [["COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"],
         ["COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"],
         ["COMMAND", "GETKEYS", "EVAL", "return 1", "2", "k1", "k2", "a"],
         ["COMMAND", "GETKEYS", "EVAL", "return 1", "0"],
         ["COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "STREAMS", "s1", "s2", "0", "0"],
         ["COMMAND", "GETKEYS", "GEORADIUS", "g", "0", "0", "1", "km", "STORE", "d"],
         ["COMMAND", "GETKEYS", "SORT", "l", "BY", "w_*", "GET", "#", "STORE", "d"],
         ["COMMAND", "GETKEYS", "LCS", "a", "b"], ["COMMAND", "GETKEYS", "OBJECT", "FREQ", "k"],
         ["COMMAND", "GETKEYSANDFLAGS", "LMOVE", "a", "b", "LEFT", "RIGHT"],
         ["COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v", "GET"],
         ["COMMAND", "GETKEYS", "PING"], ["COMMAND", "GETKEYS", "GET"],
         ["COMMAND", "GETKEYS", "NOSUCH", "x"], ["COMMAND", "GETKEYS", "CLIENT", "LIST"],
         ["COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "x", "a"]],
        [["COMMAND", "HELP"], ["COMMAND", "COUNT", "x"], ["COMMAND", "NOSUCH"]],
        # MEMORY's replies that do not measure anything (sizes are each server's own).
        [["MEMORY", "HELP"], ["MEMORY", "USAGE", "nokey"], ["SET", "k", "v"],
         ["MEMORY", "USAGE", "k", "SAMPLES", "-1"], ["MEMORY", "USAGE", "k", "SAMPLES"],
         ["MEMORY", "USAGE", "k", "SAMPLES", "x"], ["MEMORY", "USAGE", "k", "FOO", "1"],
         ["MEMORY", "USAGE"], ["MEMORY", "STATS", "x"], ["MEMORY", "DOCTOR", "x"],
         ["MEMORY", "PURGE"], ["MEMORY", "NOSUCH"], ["MEMORY"], ["DEL", "k"],
         ["COMMAND", "GETKEYS", "MEMORY", "USAGE", "k"]],
    ]
)


def random_command(rng):
    name = rng.choice(SERVED)
    return rng.choice([["COMMAND", "INFO", name], ["COMMAND", "DOCS", name],
                       ["COMMAND", "INFO", name.upper(), rng.choice(SERVED)],
                       ["COMMAND", "DOCS", rng.choice(SERVED), name]])


def _sorted_subcommands_info(entry):
    """A COMMAND INFO entry with its subcommand entries sorted by name."""
    kind, items = entry
    if items is None or len(items) != 10:
        return entry
    sub_kind, subs = items[9]
    if sub_kind == b"*":
        subs = [e for e in subs if e[1][0][1] not in ONE_SIDED]
        items = items[:9] + [(sub_kind, sorted(subs, key=lambda e: e[1][0]))]
    return (kind, items)


def _sorted_subcommands_docs(docs):
    """A COMMAND DOCS map with every `subcommands` map's pairs sorted by name."""
    kind, items = docs
    out = []
    for key, value in zip(items[0::2], items[1::2]):
        if key[1] == b"subcommands":
            vkind, pairs = value
            pairs = sorted((k, v) for k, v in zip(pairs[0::2], pairs[1::2])
                           if k[1] not in ONE_SIDED)
            value = (vkind, [x for key_value in pairs for x in
                             (key_value[0], _sorted_subcommands_docs(key_value[1]))])
        out.extend([key, value])
    return (kind, out)


def normalize(cmd, raw):
    if raw[:1] in (b"-", b"!") or len(cmd) < 2:
        return raw
    sub = cmd[1].upper()
    if sub == "INFO":
        kind, entries = parse(raw)
        return (kind, [_sorted_subcommands_info(e) for e in entries])
    if sub == "LIST":
        kind, names = parse(raw)
        return (kind, sorted(names))
    if sub == "DOCS":
        kind, items = parse(raw)
        return (kind, [_sorted_subcommands_docs(v) if i % 2 else v
                       for i, v in enumerate(items)])
    return raw
