#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Makes the key material the libquic handshake tests use, with certtool:
#
#   ca.pem, ca.key            a test CA
#   server.pem, server.key    a server certificate for "localhost" (and the
#                             IP addresses 127.0.0.1 and ::1) signed by ca
#   client.pem, client.key    a client certificate signed by ca
#   other-ca.pem, other-ca.key  a second CA that signed nothing here, for
#                             the "unknown issuer" tests
#   psk.txt                   PSK file: "identity:hexkey" lines
#   psk-client.txt            the client's PSK file (its first identity)
#
# usage: tests/vm/certs.sh DIR
#
# ECDSA P-256 keys keep it fast, also under emulation.

set -eu

dir=${1:?usage: $0 DIR}
mkdir -p "$dir"
cd "$dir"

key() {
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
		--outfile "$1" 2>/dev/null
}

# certtool reads everything else from a template file.
template() {
	local file=$1
	shift
	printf '%s\n' "$@" "expiration_days = 30" > "$file"
}

ca() {
	local name=$1 cn=$2
	key "$name.key"
	template "$name.tmpl" "cn = \"$cn\"" "ca" "cert_signing_key" "crl_signing_key"
	certtool --generate-self-signed --load-privkey "$name.key" \
		--template "$name.tmpl" --outfile "$name.pem" 2>/dev/null
}

leaf() {
	local name=$1 issuer=$2
	shift 2
	key "$name.key"
	template "$name.tmpl" "$@" "signing_key"
	certtool --generate-certificate --load-privkey "$name.key" \
		--load-ca-certificate "$issuer.pem" --load-ca-privkey "$issuer.key" \
		--template "$name.tmpl" --outfile "$name.pem" 2>/dev/null
}

ca ca "libquic test CA"
ca other-ca "libquic unrelated CA"

leaf server ca 'cn = "localhost"' 'dns_name = "localhost"' \
	'ip_address = "127.0.0.1"' 'ip_address = "::1"' 'tls_www_server'
leaf client ca 'cn = "libquic test client"' 'tls_www_client'

# Two identities, so the server's lookup is exercised past the first line.
cat > psk.txt <<'EOF'
client1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
client2:c0ffeec0ffeec0ffeec0ffeec0ffeec0
EOF
head -n 1 psk.txt > psk-client.txt

rm -f ./*.tmpl
chmod 600 ./*.key psk.txt psk-client.txt
