#!/usr/bin/env bash
# Makes the certificates the TLS tests use, in directory $1: a CA (ca.crt, ca.key), a server
# certificate for localhost / 127.0.0.1 (server.crt, server.key) and a client certificate
# (client.crt, client.key), all signed by that CA, plus a client certificate from another,
# untrusted CA (other.crt, other.key). EC P-256 keys; valid for two days.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
ca() { # name subject
    openssl req -x509 "${ec[@]}" -keyout "$1.key" -out "$1.crt" -days 2 -subj "$2" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        2>/dev/null
}
leaf() { # name subject extensions ca
    openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    printf '%s\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$4.crt" -CAkey "$4.key" -CAcreateserial -out "$1.crt" \
        -days 2 -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
ca ca "/CN=Memorabilia Test CA"
ca otherca "/CN=Untrusted Test CA"
leaf server "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth
basicConstraints=CA:FALSE" ca
leaf client "/CN=client" "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE" ca
leaf other "/CN=other" "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE" otherca
