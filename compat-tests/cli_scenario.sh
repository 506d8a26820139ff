#!/usr/bin/env bash
# redis-cli compatibility scenario: drives the real redis-cli (and raw sockets
# through raw_exchange.py) against a running server and compares the exact
# output with what redis-server 7.x prints.
#
# usage: SERVER_PORT=<port> compat-tests/cli_scenario.sh
# Exits non-zero if any check failed; prints "cli scenario: N checks passed, N failed".
#
# NOTE: it FLUSHALLs the server several times.
set -uo pipefail

PORT=${SERVER_PORT:?set SERVER_PORT to the port of the server under test}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${PYTHON:-python3}
CLI=(redis-cli -h 127.0.0.1 -p "$PORT")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0

ok()  { passed=$((passed + 1)); }
bad() {
    failed=$((failed + 1))
    printf 'FAIL: %s\n' "$1"
    printf '  expected: %s\n' "$(printf '%s' "$2" | sed -n l | tr -d '\n' | cut -c1-600)"
    printf '  actual:   %s\n' "$(printf '%s' "$3" | sed -n l | tr -d '\n' | cut -c1-600)"
}
# check NAME EXPECTED ACTUAL  (exact comparison; $(...) strips trailing newlines)
check() { if [[ "$2" == "$3" ]]; then ok; else bad "$1" "$2" "$3"; fi; }
# check_re NAME REGEX ACTUAL
check_re() { if [[ "$3" =~ $2 ]]; then ok; else bad "$1" "/$2/" "$3"; fi; }
# check_contains NAME NEEDLE ACTUAL
check_contains() { if [[ "$3" == *"$2"* ]]; then ok; else bad "$1" "*$2*" "$3"; fi; }

cli()    { "${CLI[@]}" "$@" 2>&1; }
nr()     { "${CLI[@]}" --no-raw "$@" 2>&1; }
rawx()   { "$PY" "$HERE/raw_exchange.py" "$PORT" "$@"; }

NL=$'\n'

# --------------------------------------------------------------------------
# basics and reply formatting (--no-raw shows the reply types)
# --------------------------------------------------------------------------
check "flushall" "OK" "$(cli flushall)"
check "ping" "PONG" "$(cli ping)"
check "ping msg" '"hello world"' "$(nr ping 'hello world')"
check "echo raw mode" "quoted string" "$(cli echo 'quoted string')"
check "set" "OK" "$(nr set k v)"
check "get bulk" '"v"' "$(nr get k)"
check "get nil" "(nil)" "$(nr get missing)"
check "get nil raw mode" "" "$(cli get missing)"
check "incr integer" "(integer) 1" "$(nr incr n)"
check "incrby" "(integer) 11" "$(nr incrby n 10)"
check "incrbyfloat bulk" '"0.3"' "$(nr set f 0.1 >/dev/null; nr incrbyfloat f 0.2)"
check "type status" "string" "$(nr type k)"
check "type none" "none" "$(nr type missing)"
check "exists" "(integer) 1" "$(nr exists k missing)"
check "mget array" "1) \"v\"${NL}2) (nil)${NL}3) \"11\"" "$(nr mget k missing n)"
check "keys empty array" "(empty array)" "$(nr keys 'nomatch*')"
check "set ex + ttl" "(integer) 100" "$(nr set t v ex 100 >/dev/null; nr ttl t)"
check "ttl missing" "(integer) -2" "$(nr ttl missing)"
check "object encoding int" '"int"' "$(nr object encoding n)"
check "object encoding embstr" '"embstr"' "$(nr object encoding k)"
check "append" "(integer) 4" "$(nr append k 123)"
check "getrange" '"v1"' "$(nr getrange k 0 1)"
check "lcs" '"mytext"' "$(nr mset a ohmytext b mynewtext >/dev/null; nr lcs a b)"
check "lcs len" "(integer) 6" "$(nr lcs a b len)"
check "dbsize" "(integer) 6" "$(nr dbsize)"
check_re "time" '^1\) "[0-9]+"'"$NL"'2\) "[0-9]+"$' "$(nr time)"
check "client getname nil" "(nil)" "$(nr client getname)"
check_re "client id" '^\(integer\) [0-9]+$' "$(nr client id)"
check "config get databases" "1) \"databases\"${NL}2) \"16\"" "$(nr config get databases)"

# errors
check "syntax error" "(error) ERR syntax error" "$(nr set k v nx xx)"
check "set ex 0" "(error) ERR invalid expire time in 'set' command" "$(nr set k v ex 0)"
check "incr not int" "(error) ERR value is not an integer or out of range" "$(nr incr k)"
check "unknown command" "(error) ERR unknown command 'foo', with args beginning with: 'a' 'b' " "$(nr foo a b)"
check "unknown command no args" "(error) ERR unknown command 'foo', with args beginning with: " "$(nr foo)"
check "unknown command raw mode" "ERR unknown command 'foo', with args beginning with: 'a' 'b' " "$(cli foo a b)"
check "arity" "(error) ERR wrong number of arguments for 'get' command" "$(nr get)"
check "unknown subcommand" "(error) ERR unknown subcommand 'foo'. Try CLIENT HELP." "$(nr client foo)"
check "select out of range" "(error) ERR DB index is out of range" "$(nr select 16)"
check "hello 4" "(error) NOPROTO unsupported protocol version" "$(nr hello 4)"
check "rename no such key" "(error) ERR no such key" "$(nr rename missing x)"
check "shutdown bad argument" "(error) ERR syntax error" "$(nr shutdown foo)"
check "shutdown nosave save" "(error) ERR syntax error" "$(nr shutdown nosave save)"
check "shutdown abort" "(error) ERR No shutdown in progress." "$(nr shutdown abort)"
check "still up after SHUTDOWN errors" "PONG" "$(cli ping)"
"${CLI[@]}" -e foo >/dev/null 2>&1; rc=$?
check "-e exit code on error" "1" "$rc"
"${CLI[@]}" -e ping >/dev/null 2>&1; rc=$?
check "-e exit code on success" "0" "$rc"

# RESP3 through redis-cli -3
hello3=$("${CLI[@]}" -3 --no-raw hello 2>&1 | grep -v '"id"')
check "redis-cli -3 hello (without id)" "1# \"server\" => \"redis\"${NL}$(printf '%s' "$hello3" | sed -n 2p)${NL}3# \"proto\" => (integer) 3${NL}5# \"mode\" => \"standalone\"${NL}6# \"role\" => \"master\"${NL}7# \"modules\" => (empty array)" "$hello3"
check_re "redis-cli -3 hello version" '^2# "version" => "7\.[0-9]+\.[0-9]+"$' "$(printf '%s' "$hello3" | sed -n 2p)"
check "redis-cli -3 config get map" '1# "databases" => "16"' "$("${CLI[@]}" -3 --no-raw config get databases 2>&1)"
check "redis-cli -3 get nil" "(nil)" "$("${CLI[@]}" -3 --no-raw get missing 2>&1)"
check "redis-cli -3 lcs idx" "1# \"matches\" => ${NL}   1) 1) 1) (integer) 4${NL}         2) (integer) 7${NL}      2) 1) (integer) 5${NL}         2) (integer) 8${NL}      3) (integer) 4${NL}2# \"len\" => (integer) 6" "$("${CLI[@]}" -3 --no-raw lcs a b idx minmatchlen 4 withmatchlen 2>&1)"

# --------------------------------------------------------------------------
# redis-cli options: -n (SELECT), -r, -x, commands from stdin
# --------------------------------------------------------------------------
check "flushall before -n" "OK" "$(cli flushall)"
check "-n 1 set" "OK" "$(cli -n 1 set x y)"
check "-n 1 get" "y" "$(cli -n 1 get x)"
check "db0 does not see db1" "(nil)" "$(nr get x)"
check "-n 1 dbsize" "1" "$(cli -n 1 dbsize)"
check "db0 dbsize" "0" "$(cli dbsize)"
check "-n 1 client info db" "db=1" "$(cli -n 1 client info | tr ' ' '\n' | grep '^db=')"
check_re "info keyspace db1" '# Keyspace'$'\r?\n''db1:keys=1,expires=0,avg_ttl=0' "$(cli info keyspace)"
out=$("${CLI[@]}" -n 16 ping 2>"$TMP/err")
check "-n 16 still runs the command" "PONG" "$out"
check "-n 16 SELECT error on stderr" "SELECT 16 failed: ERR DB index is out of range" "$(cat "$TMP/err")"
check "-r 3" "1${NL}2${NL}3" "$(cli -r 3 incr counter)"
check "-x" "OK" "$(printf 'data with space' | "${CLI[@]}" -x set xk 2>&1)"
check "-x get" "data with space" "$(cli get xk)"
check "commands on stdin" "OK${NL}1${NL}2${NL}OK${NL}v w" "$(printf 'set a 1\nget a\nincr a\nset b "v w"\nget b\n' | "${CLI[@]}" 2>&1)"

# --------------------------------------------------------------------------
# raw sockets: inline commands, split multibulk, protocol errors
# --------------------------------------------------------------------------
check "inline PING" '+PONG\r\n<open>' "$(rawx 'PING\r\n' | paste -sd '')"
check "inline PING with LF only" '+PONG\r\n<open>' "$(rawx 'PING\n' | paste -sd '')"
check "inline lowercase ping" '+PONG\r\n<open>' "$(rawx 'ping\r\n' | paste -sd '')"
check "inline SET a b / GET a" '+OK\r\n$1\r\nb\r\n<open>' "$(rawx 'SET a b\r\n' 'GET a\r\n' | paste -sd '')"
check "inline ECHO double quotes" '$13\r\nquoted string\r\n<open>' "$(rawx 'ECHO "quoted string"\r\n' | paste -sd '')"
check "inline ECHO single quotes" '$8\r\nsingle q\r\n<open>' "$(rawx "ECHO 'single q'\\r\\n" | paste -sd '')"
check "inline ECHO escapes" '$4\r\naA\n\x00\r\n<open>' "$(rawx 'ECHO "a\\x41\\n\\x00"\r\n' | paste -sd '')"
check "inline empty lines ignored" '+PONG\r\n<open>' "$(rawx '\r\n\r\nPING\r\n' | paste -sd '')"
check "inline several in one write" '+OK\r\n:1\r\n:2\r\n$1\r\n2\r\n<open>' "$(rawx 'SET c 0\r\nINCR d\r\nINCR d\r\nGET d\r\n' | paste -sd '')"
check "inline split over writes" '+PONG\r\n<open>' "$(rawx 'PI' 'NG' '\r\n' | paste -sd '')"
check "inline unknown command" "-ERR unknown command 'FOO', with args beginning with: 'x' \\r\\n<open>" "$(rawx 'FOO x\r\n' | paste -sd '')"
check "multibulk split over writes" '+OK\r\n$5\r\nvalue\r\n<open>' \
    "$(rawx '*3\r\n$3\r\nSET\r\n$5\r\nsp' 'lit\r\n$5\r\nval' 'ue\r' '\n' '*2\r\n$3\r\nGET\r\n$5\r\nsplit\r\n' | paste -sd '')"
check "multibulk byte by byte" '$5\r\nvalue\r\n:5\r\n<open>' \
    "$(rawx --bytewise '*2\r\n$3\r\nGET\r\n$5\r\nsplit\r\n*2\r\n$6\r\nSTRLEN\r\n$5\r\nsplit\r\n' | paste -sd '')"
check "multibulk binary value" '+OK\r\n$4\r\n\r\n\x00\xff\r\n<open>' \
    "$(rawx '*3\r\n$3\r\nSET\r\n$3\r\nbin\r\n$4\r\n\r\n\x00\xff\r\n' '*2\r\n$3\r\nGET\r\n$3\r\nbin\r\n' | paste -sd '')"
check "empty multibulk ignored" '+PONG\r\n<open>' "$(rawx '*0\r\n*1\r\n$4\r\nPING\r\n' | paste -sd '')"
check "protocol error: invalid bulk length" '-ERR Protocol error: invalid bulk length\r\n<closed>' "$(rawx '*1\r\n$abc\r\n' | paste -sd '')"
check "protocol error: negative bulk length" '-ERR Protocol error: invalid bulk length\r\n<closed>' "$(rawx '*1\r\n$-5\r\n' | paste -sd '')"
check "protocol error: invalid multibulk length" '-ERR Protocol error: invalid multibulk length\r\n<closed>' "$(rawx '*abc\r\n' | paste -sd '')"
check "protocol error: expected \$" "-ERR Protocol error: expected '\$', got '+'\\r\\n<closed>" "$(rawx '*2\r\n+ECHO\r\n$1\r\nx\r\n' | paste -sd '')"
check "protocol error: unbalanced quotes" '-ERR Protocol error: unbalanced quotes in request\r\n<closed>' "$(rawx 'ECHO "unbalanced\r\n' | paste -sd '')"
check "replies before a protocol error are sent" '+PONG\r\n-ERR Protocol error: invalid bulk length\r\n<closed>' "$(rawx 'PING\r\n*1\r\n$x\r\n' | paste -sd '')"
check "QUIT" '+OK\r\n<closed>' "$(rawx 'QUIT\r\n' | paste -sd '')"
check "QUIT multibulk" '+OK\r\n<closed>' "$(rawx '*1\r\n$4\r\nQUIT\r\n' | paste -sd '')"
check "RESET" '+RESET\r\n<open>' "$(rawx 'RESET\r\n' | paste -sd '')"
check "server alive after protocol errors" "PONG" "$(cli ping)"

# --------------------------------------------------------------------------
# --pipe mass insertion of 100,000 SET commands, then --scan
# --------------------------------------------------------------------------
check "flushall before --pipe" "OK" "$(cli flushall)"
"$PY" - "$TMP/mass.resp" <<'EOF'
import sys
with open(sys.argv[1], "wb") as out:
    for i in range(100000):
        k = b"key:%d" % i
        v = b"value:%d" % i
        out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
EOF
pipe_out=$("${CLI[@]}" --pipe <"$TMP/mass.resp" 2>&1); rc=$?
check "--pipe exit code" "0" "$rc"
check_contains "--pipe summary" "errors: 0, replies: 100000" "$pipe_out"
check "dbsize after --pipe" "100000" "$(cli dbsize)"
check "get key:0" "value:0" "$(cli get key:0)"
check "get key:54321" "value:54321" "$(cli get key:54321)"
check "get key:99999" "value:99999" "$(cli get key:99999)"
check "get key:100000" "" "$(cli get key:100000)"
check_re "info keyspace after --pipe" 'db0:keys=100000,expires=0,avg_ttl=0' "$(cli info keyspace)"
"${CLI[@]}" --scan --pattern 'key:1*' >"$TMP/scan1" 2>&1
check "--scan --pattern key:1* (unique keys)" "11111" "$(sort -u "$TMP/scan1" | wc -l | tr -d ' ')"
check "--scan --pattern key:1* (all match)" "0" "$(grep -vc '^key:1' "$TMP/scan1")"
check "--scan --pattern key:9999?" "$(seq -f 'key:%g' 99990 99999 | sort)" "$("${CLI[@]}" --scan --pattern 'key:9999?' 2>&1 | sort -u)"
check "--scan everything" "100000" "$("${CLI[@]}" --scan 2>&1 | sort -u | wc -l | tr -d ' ')"
check "keys key:1234?" "$(seq -f 'key:%g' 12340 12349 | sort)" "$(cli keys 'key:1234?' | sort)"
# pipe with errors: the count of errors is reported
printf 'SET ok 1\r\nINCR ok\r\nFOO\r\n*1\r\n$4\r\nPING\r\n' >"$TMP/err.resp"
pipe_out=$("${CLI[@]}" --pipe <"$TMP/err.resp" 2>&1)
check_contains "--pipe with an error" "errors: 1, replies: 4" "$pipe_out"
check_contains "--pipe prints the error" "ERR unknown command 'FOO', with args beginning with: " "$pipe_out"

# --------------------------------------------------------------------------
# --bigkeys (SCAN + TYPE + STRLEN + DBSIZE)
# --------------------------------------------------------------------------
cli flushall >/dev/null
cli mset a 1 bb 22 ccc 333 >/dev/null
big=$("${CLI[@]}" --bigkeys 2>&1)
check_contains "--bigkeys sampled" "Sampled 3 keys in the keyspace!" "$big"
check_contains "--bigkeys total" "Total key length in bytes is 6 (avg len 2.00)" "$big"
check_contains "--bigkeys biggest" "Biggest string found '\"ccc\"' has 3 bytes" "$big"
check_contains "--bigkeys strings" "3 strings with 6 bytes (100.00% of keys, avg size 2.00)" "$big"

cli flushall >/dev/null
echo "cli scenario: $passed checks passed, $failed failed"
[[ $failed -eq 0 ]]
