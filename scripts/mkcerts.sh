#!/usr/bin/env bash
# Makes a throwaway PKI for the demo and the tests in DIR:
#   ca.pem            the test CA (trust it with --cacert)
#   server.pem/.key   localhost, 127.0.0.1 and ::1, signed by the CA
#   other.pem/.key    a valid certificate for another name (other.invalid)
#   expired.pem       localhost, expired in 2020
#   notyet.pem        localhost, valid only from 2099
#   clientonly.pem    localhost, but extendedKeyUsage clientAuth only
#   selfsigned.pem    localhost, signed by itself
#   rogue.pem         localhost, signed by a CA nobody trusts
# Every leaf uses server.key's key pair except other/selfsigned/rogue.
set -euo pipefail
dir=${1:?usage: mkcerts.sh DIR}
OPENSSL=${OPENSSL:-openssl}
mkdir -p "$dir"
cd "$dir"
# Our own minimal config: a fresh OpenSSL build may have no openssl.cnf.
printf '[req]\ndistinguished_name = dn\n[dn]\n' >openssl.cnf
export OPENSSL_CONF=$PWD/openssl.cnf

# P-256 keys: quick to make, and every TLS 1.3 stack takes them.
key() { "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() { # name subject
	key "$1.key"
	"$OPENSSL" req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign -out "$1.pem"
}

# The first name of a SAN list: "DNS:localhost,IP:..." -> "localhost".
cn() { local first=${1%%,*}; echo "${first#*:}"; }

# leaf NAME KEY CA SAN [extra x509 args...]
leaf() {
	local name=$1 k=$2 signer=$3 san=$4
	shift 4
	cat >"$name.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=${EKU:-serverAuth}
subjectAltName=$san
EXT
	"$OPENSSL" req -new -key "$k" -subj "/CN=$(cn "$san")" -out "$name.csr"
	"$OPENSSL" x509 -req -in "$name.csr" -CA "$signer.pem" -CAkey "$signer.key" \
		-CAcreateserial -sha256 -extfile "$name.ext" -out "$name.crt" "$@" 2>/dev/null
	# The server sends its chain: leaf first, then the CA.
	cat "$name.crt" "$signer.pem" >"$name.pem"
	rm -f "$name.csr" "$name.ext"
}

LOCAL='DNS:localhost,IP:127.0.0.1,IP:::1'
ca ca "qget test CA"
ca rogue-ca "qget rogue CA"
key server.key
key other.key
leaf server server.key ca "$LOCAL" -days 825
leaf other other.key ca "DNS:other.invalid" -days 825
leaf expired server.key ca "$LOCAL" -not_before 20200101000000Z -not_after 20200201000000Z
leaf notyet server.key ca "$LOCAL" -not_before 20990101000000Z -not_after 20990201000000Z
EKU=clientAuth leaf clientonly server.key ca "$LOCAL" -days 825
leaf rogue server.key rogue-ca "$LOCAL" -days 825
"$OPENSSL" req -x509 -new -key server.key -sha256 -days 825 -subj "/CN=localhost" \
	-addext "subjectAltName=$LOCAL" -out selfsigned.pem
rm -f ./*.srl
echo "mkcerts: test certificates in $dir" >&2
