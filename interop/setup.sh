#!/usr/bin/env bash
# The network set-up an interop runner endpoint does before it starts:
# the same steps as the runner's endpoint base image's setup.sh
# (quic-network-simulator's endpoint/setup.sh).  The simulator sits at
# .2 of the endpoint's own network: all of 193.167.0.0/16 and
# fd00:cafe:cafe::/48 go through it, and the direct /24 and /64 routes
# are removed, so that every packet crosses the simulated link.

# Checksums are computed in software: the simulator rewrites packets.
ethtool -K eth0 tx off || true

IP=$(hostname -I | cut -f1 -d" ")
GATEWAY="${IP%.*}.2"
UNNEEDED_ROUTE="${IP%.*}.0"
echo "Endpoint's IPv4 address is $IP"
route add -net 193.167.0.0 netmask 255.255.0.0 gw "$GATEWAY"
route del -net "$UNNEEDED_ROUTE" netmask 255.255.255.0

IPV6=$(hostname -I | cut -f2 -d" ")
GATEWAY6="${IPV6%:*}:2"
UNNEEDED_ROUTE6="${IPV6%:*}:"
echo "Endpoint's IPv6 address is $IPV6"
ip -d route add fd00:cafe:cafe::/48 via "$GATEWAY6"
ip -d route del "$UNNEEDED_ROUTE6/64"

mkdir -p /logs/qlog
