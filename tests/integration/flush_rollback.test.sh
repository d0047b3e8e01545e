# A flush that fails after the wg stage deleted the link: the rollback
# re-creates the link (new ifindex) and must put the table route back too.
. "$(dirname "$0")/../lib.sh"
netns_add b
keypair srv; keypair peer
cat > $TMP/c.conf <<EOC
[Interface]
PrivateKeyFile = $TMP/srv.key
Address = 10.100.0.1/24
[Peer]
PublicKey = $(cat $TMP/peer.pub)
EOC
wgb b -c $TMP/c.conf apply >/dev/null || fail apply
before=$(ns b ip route show table all; ns b ip rule)
WGBASTION_FAIL_AT=wg wgb b -c $TMP/c.conf flush; echo "flush rc=$?"
after=$(ns b ip route show table all; ns b ip rule)
assert_eq "state restored after failed flush" "$(echo "$before" | grep -v 'fe80\|proto kernel')" "$(echo "$after" | grep -v 'fe80\|proto kernel')"
finish
