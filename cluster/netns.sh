#!/usr/bin/env bash
# A private network for the 3-node test cluster (docs/replication.md, "Fault tests"): each node in its own
# network namespace (hss-n1..hss-n3, address 10.77.0.N/24), joined by veth pairs to a bridge in the root
# namespace (hss-br0, 10.77.0.254/24, where etcd and the load generator run). Nothing leaves the machine:
# the bridge has no uplink and no route goes anywhere else. Needs root and iproute2. This kernel has no
# tc netem, so faults are links taken down and blackhole routes.
#
#   cluster/netns.sh up | down           create / remove the namespaces, veths and the bridge
#   cluster/netns.sh cut N | heal N      node N's link down (cut from everything: peers, etcd, clients) / up
#   cluster/netns.sh isolate N           node N and the other nodes cannot reach each other (blackhole
#                                        routes both ways); etcd and clients still reach N
#   cluster/netns.sh rejoin N            removes those routes
#   cluster/netns.sh addr N              10.77.0.N
set -euo pipefail
NET=10.77.0
BR=hss-br0

ns() { echo "hss-n$1"; }
link() { echo "hss-v$1"; }

case "${1:-}" in
  up)
    ip link show "$BR" >/dev/null 2>&1 || {
      ip link add "$BR" type bridge
      ip addr add "$NET.254/24" dev "$BR"
      ip link set "$BR" up
    }
    for n in 1 2 3; do
      ip netns list | grep -qw "$(ns "$n")" && continue
      ip netns add "$(ns "$n")"
      ip link add "$(link "$n")" type veth peer name eth0 netns "$(ns "$n")"
      ip link set "$(link "$n")" master "$BR" up
      ip -n "$(ns "$n")" addr add "$NET.$n/24" dev eth0
      ip -n "$(ns "$n")" link set eth0 up
      ip -n "$(ns "$n")" link set lo up
    done
    ;;
  down)
    for n in 1 2 3; do
      ip link del "$(link "$n")" 2>/dev/null || true
      ip netns del "$(ns "$n")" 2>/dev/null || true
    done
    ip link del "$BR" 2>/dev/null || true
    ;;
  cut) ip link set "$(link "$2")" down ;;
  heal) ip link set "$(link "$2")" up ;;
  isolate)
    for m in 1 2 3; do
      [ "$m" = "$2" ] && continue
      ip -n "$(ns "$2")" route replace blackhole "$NET.$m/32"
      ip -n "$(ns "$m")" route replace blackhole "$NET.$2/32"
    done
    ;;
  rejoin)
    for m in 1 2 3; do
      [ "$m" = "$2" ] && continue
      ip -n "$(ns "$2")" route del blackhole "$NET.$m/32" 2>/dev/null || true
      ip -n "$(ns "$m")" route del blackhole "$NET.$2/32" 2>/dev/null || true
    done
    ;;
  addr) echo "$NET.$2" ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
