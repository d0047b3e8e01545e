// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bad configs and the exact message each must produce: the message is the
 * interface (scripts grep it, people act on it), so it is asserted verbatim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "unit.h"

#define PRIV "+L64UIpGdAT7RcGpp9kKAFTdi90v0HmXWGxe8i4XBFE="
#define PRIV_PUB "1JhagMVPSqIGfbuVPo9+ypU3ZGpJhz+ybt9VUO6T1Aw="
#define PUB1 "PeIixQzVg/dRNmj2q10wvWkfY/Z4O0s/gSCdwte2k0M="
#define PUB2 "EFLeLChWLCAeOgjvLMkMMR9bC5fL0hSsu45k8zR/MjU="

/* lines 1-4; one peer, so AllowedIPs default to everything */
#define HEAD "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PUB1 "\n"
/* lines 1-5; the peer owns 10.0.0.0/8 only */
#define HEAD8 HEAD "AllowedIPs = 10.0.0.0/8\n"
#define FWD "[Forward web]\n"	/* line 5 after HEAD */

static const struct {
	const char *text;
	const char *msg;
} cases[] = {
	/* the grammar */
	{ HEAD FWD "Port = 70000\nDestination = 10.0.0.1\n",
	  "t.conf:6: Port: \"70000\" is not a port (1-65535)" },
	{ HEAD "[Frontend x]\n", "t.conf:5: unknown section [Frontend]" },
	{ HEAD FWD "Ports = 80\n", "t.conf:6: unknown key \"Ports\" in [Forward]" },
	{ HEAD FWD "Port = 80\nport = 81\n",
	  "t.conf:7: Port: given twice in one section (first at line 6)" },
	{ "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 10.0.0.0/8\nAllowedIPs = 10.1.0.0/16\n",
	  "t.conf:6: AllowedIPs: given twice in one section (first at line 5)" },
	{ HEAD FWD "Port =   # nothing\n", "t.conf:6: Port: empty value" },
	{ "Name = wg1\n" HEAD, "t.conf:1: Name: a key outside any section" },
	{ HEAD "garbage\n", "t.conf:5: expected \"Key = Value\" or a [Section] header" },
	{ HEAD "= 5\n", "t.conf:5: a value without a key" },
	{ HEAD "[Peer\n", "t.conf:5: a section header without its closing ]" },
	{ HEAD "[Interface wg1]\n", "t.conf:5: [Interface] takes no name" },
	{ HEAD "[Forward]\n", "t.conf:5: [Forward] needs a name: [Forward NAME]" },
	{ HEAD "[Egress]\n", "t.conf:5: [Egress] needs a name: [Egress NAME]" },
	{ HEAD "[Forward web site]\n",
	  "t.conf:5: Forward: \"web site\" is not a name (1-32 of A-Z a-z 0-9 _ . -)" },
	{ HEAD "[Interface]\n",
	  "t.conf:5: a second [Interface] (the first is at line 1): there is exactly one" },
	{ HEAD "[Bastion]\n[Bastion]\n", "t.conf:6: a second [Bastion] (the first is at line 5)" },
	{ HEAD "AllowedIPs = 10.0.0.0/8,,10.1.0.0/16\n",
	  "t.conf:5: AllowedIPs: empty element in the list" },
	{ HEAD "Endpoint = a\0b:1\n", "t.conf:5: a NUL byte: not a text file" },
	/* control characters are echoed escaped, never raw (issue 12) */
	{ HEAD FWD "Port = 443\x1b[2J\nDestination = 10.0.0.1\n",
	  "t.conf:6: Port: \"443\\x1b[2J\" is not a port (1-65535)" },
	{ HEAD FWD "Port = 443\tx\nDestination = 10.0.0.1\n",
	  "t.conf:6: Port: \"443\\tx\" is not a port (1-65535)" },
	/* names the kernel keeps for itself */
	{ "[Interface]\nName = all\n",
	  "t.conf:2: Name: \"all\" is reserved by the kernel (net.ipv4.conf.all): not an interface name" },
	{ "[Interface]\nName = default\n",
	  "t.conf:2: Name: \"default\" is reserved by the kernel (net.ipv4.conf.default): not an interface name" },
	/* a destination on the bastion itself */
	{ HEAD FWD "Port = 80\nDestination = 127.0.0.1:8080\n",
	  "t.conf:7: Destination: \"127.0.0.1\" is a loopback address: a forward reaches a host behind the tunnel" },
	{ HEAD FWD "Port = 80\nDestination = [::1]:8080\n",
	  "t.conf:7: Destination: \"::1\" is a loopback address: a forward reaches a host behind the tunnel" },
	{ "[Interface]\nPrivateKey = " PRIV "\nAddress = 10.100.0.1/24\n[Peer]\nPublicKey = " PUB1 "\n"
	  FWD "Port = 80\nDestination = 10.100.0.1\n",
	  "t.conf:8: Destination: \"10.100.0.1\" is the bastion's own address ([Interface] Address): a forward reaches a host behind the tunnel" },

	/* wg-quick keys we cannot honour */
	{ "[Interface]\nPrivateKey = " PRIV "\nPostUp = iptables -A FORWARD\n",
	  "t.conf:3: PostUp: a wg-quick key that wgbastion does not support: wgbastion runs no commands" },
	{ "[Interface]\nPrivateKey = " PRIV "\npredown = true\n",
	  "t.conf:3: PreDown: a wg-quick key that wgbastion does not support: wgbastion runs no commands" },
	{ "[Interface]\nPrivateKey = " PRIV "\nTable = off\n",
	  "t.conf:3: Table: a wg-quick key that wgbastion does not support: routing is wgbastion's own: see [Bastion] Table" },
	{ "[Interface]\nPrivateKey = " PRIV "\nDNS = 1.1.1.1\n",
	  "t.conf:3: DNS: a wg-quick key that wgbastion does not support: wgbastion does not touch the resolver" },
	{ "[Interface]\nSaveConfig = true\n",
	  "t.conf:2: SaveConfig: a wg-quick key that wgbastion does not support: wgbastion never writes its config" },

	/* [Interface] */
	{ "[Peer]\nPublicKey = " PUB1 "\n",
	  "t.conf: no [Interface] section: the bastion's WireGuard device must be described" },
	{ "[Interface]\nPrivateKey = " PRIV "\n",
	  "t.conf: no [Peer] section: the far side of the tunnel must be described" },
	{ "[Interface]\nListenPort = 5\n[Peer]\nPublicKey = " PUB1 "\n",
	  "t.conf:1: [Interface] needs PrivateKey or PrivateKeyFile" },
	{ "[Interface]\nPrivateKey = " PRIV "\nPrivateKeyFile = /nonexistent/key\n",
	  "t.conf:3: PrivateKeyFile: give PrivateKey or PrivateKeyFile, not both (PrivateKey is at line 2)" },
	{ "[Interface]\nPrivateKeyFile = /nonexistent/key\nPrivateKey = " PRIV "\n",
	  "t.conf:3: PrivateKey: give PrivateKey or PrivateKeyFile, not both (PrivateKeyFile is at line 2)" },
	{ "[Interface]\nPrivateKey = c2VjcmV0\n",
	  "t.conf:2: PrivateKey: is not a base64 WireGuard key (44 characters, as wg genkey prints)" },
	{ "[Interface]\nName = wg-bastion-public\n",
	  "t.conf:2: Name: \"wg-bastion-public\" is not an interface name (1-15 of A-Z a-z 0-9 _ . -)" },
	{ "[Interface]\nListenPort = 0\n", "t.conf:2: ListenPort: \"0\" is not a port (1-65535)" },
	{ "[Interface]\nMTU = 575\n", "t.conf:2: MTU: \"575\" is not an MTU (576-9000)" },
	{ "[Interface]\nMTU = 9001\n", "t.conf:2: MTU: \"9001\" is not an MTU (576-9000)" },
	{ "[Interface]\nPrivateKey = " PRIV "\nAddress = 10.0.0.1/24, fd00::1/64\nMTU = 1200\n"
	  "[Peer]\nPublicKey = " PUB1 "\n",
	  "t.conf:4: MTU: \"1200\" is below 1280, the IPv6 minimum, and IPv6 is used" },
	{ "[Interface]\nAddress = 10.0.0.1/33\n",
	  "t.conf:2: Address: \"10.0.0.1/33\" has a bad prefix length (0-32)" },
	{ "[Interface]\nFwMark = none\n",
	  "t.conf:2: FwMark: \"none\" is not a mark (off, or a number, decimal or 0x hex)" },
	{ "[Interface]\nPrivateKey = " PRIV "\nFwMark = 0x8000000\n[Peer]\nPublicKey = " PUB1 "\n",
	  "t.conf:3: FwMark: \"0x8000000\" matches the [Bastion] Mark: the tunnel's own packets would be routed into the tunnel" },

	/* [Peer] */
	{ "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = c2VjcmV0=\n",
	  "t.conf:4: PublicKey: \"c2VjcmV0=\" is not a base64 WireGuard key (44 characters, as wg pubkey prints)" },
	{ "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nAllowedIPs = 10.0.0.0/8\n",
	  "t.conf:3: [Peer] needs a PublicKey" },
	{ HEAD "[Peer]\nPublicKey = " PUB2 "\nAllowedIPs = 10.0.0.0/8\n",
	  "t.conf:3: [Peer] needs AllowedIPs when there is more than one peer" },
	{ HEAD8 "[Peer]\nPublicKey = " PUB2 "\nAllowedIPs = 10.20.0.0/16\n",
	  "t.conf:8: AllowedIPs: \"10.20.0.0/16\" overlaps 10.0.0.0/8 of the peer at line 3: AllowedIPs of peers must not overlap" },
	{ HEAD "AllowedIPs = 192.168.1.0/24\n[Peer]\nPublicKey = " PUB2 "\nAllowedIPs = 10.0.0.0/8, 192.168.0.0/16\n",
	  "t.conf:8: AllowedIPs: \"192.168.0.0/16\" overlaps 192.168.1.0/24 of the peer at line 3: AllowedIPs of peers must not overlap" },
	{ HEAD8 "[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 192.168.0.0/16\n",
	  "t.conf:7: PublicKey: \"" PUB1 "\" is also the key of the peer at line 3" },
	{ "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PRIV_PUB "\n",
	  "t.conf:4: PublicKey: \"" PRIV_PUB "\" is the [Interface]'s own public key" },
	{ HEAD "AllowedIPs = 10.0.0.1/24\n",
	  "t.conf:5: AllowedIPs: \"10.0.0.1/24\" has host bits set: did you mean 10.0.0.0/24?" },
	{ HEAD "Endpoint = 2001:db8::1:51820\n",
	  "t.conf:5: Endpoint: \"2001:db8::1:51820\" looks like a bare IPv6 address: write [address]:port" },
	{ HEAD "PersistentKeepalive = 65536\n",
	  "t.conf:5: PersistentKeepalive: \"65536\" is not an interval (off, or 0-65535 seconds)" },
	{ HEAD "PresharedKey = c2VjcmV0\n",
	  "t.conf:5: PresharedKey: is not a base64 WireGuard key (44 characters, as wg genpsk prints)" },
	{ HEAD "PresharedKeyFile = /nonexistent/psk\n",
	  "t.conf:5: PresharedKeyFile: \"/nonexistent/psk\" cannot be opened: No such file or directory" },

	/* [Forward] */
	{ HEAD FWD "Port = 80\nDestination = 10.0.0.1\n[Forward web]\n",
	  "t.conf:8: [Forward web] is defined twice (first at line 5)" },
	{ HEAD FWD "Destination = 10.0.0.1\n", "t.conf:5: [Forward web] needs a Port" },
	{ HEAD FWD "Port = 80\n", "t.conf:5: [Forward web] needs a Destination" },
	{ HEAD FWD "Protocol = sctp\n",
	  "t.conf:6: Protocol: \"sctp\" is not a protocol (tcp, udp or tcp,udp)" },
	{ HEAD FWD "Protocol = tcp, TCP\n", "t.conf:6: Protocol: \"TCP\" is given twice" },
	{ HEAD FWD "Port = 90-80\n", "t.conf:6: Port: \"90-80\" is not a port range: 90 is above 80" },
	{ HEAD FWD "Destination = 10.0.0.1:0\n",
	  "t.conf:6: Destination: \"10.0.0.1:0\" has a bad port (1-65535)" },
	{ HEAD FWD "Destination = nas.lan:80\n",
	  "t.conf:6: Destination: \"nas.lan:80\" is not an address (IPv4[:port] or [IPv6][:port])" },
	{ HEAD8 "[Forward web]\nPort = 80\nDestination = 192.168.1.10:8080\n",
	  "t.conf:8: Destination: \"192.168.1.10\" is not inside any peer's AllowedIPs: it would not be sent into the tunnel" },
	{ HEAD FWD "Port = 80\nDestination = 10.0.0.1\nAllow = 2001:db8::/32\n",
	  "t.conf:8: Allow: \"2001:db8::/32\" is IPv6, but the destination is IPv4: a forward serves clients of its destination's family (give a second forward for IPv6)" },
	{ HEAD FWD "Port = 80\nDestination = [fd00::1]\nAllow = 10.0.0.0/8\n",
	  "t.conf:8: Allow: \"10.0.0.0/8\" is IPv4, but the destination is IPv6: a forward serves clients of its destination's family (give a second forward for IPv4)" },
	{ HEAD FWD "Port = 80\nDestination = [fd00::1]\nAllow = 0.0.0.0/0\n",
	  "t.conf:8: Allow: no IPv6 prefix: the destination is IPv6" },
	{ HEAD FWD "Allow = 203.0.113.7/24\n",
	  "t.conf:6: Allow: \"203.0.113.7/24\" has host bits set: did you mean 203.0.113.0/24?" },
	{ HEAD FWD "Port = 80\nDestination = 10.0.0.1\n[Forward b]\nPort = 70-90\nDestination = 10.0.0.2\n",
	  "t.conf:9: Port: \"70-90\" of [Forward b] overlaps [Forward web] (line 6) on IPv4 tcp" },
	{ HEAD FWD "Port = 1000-2000\nProtocol = udp\nDestination = 10.0.0.1\n"
	  "[Forward b]\nProtocol = tcp,udp\nPort = 2000\nDestination = 10.0.0.2\n",
	  "t.conf:11: Port: \"2000\" of [Forward b] overlaps [Forward web] (line 6) on IPv4 udp" },
	{ HEAD FWD "Port = 443\nDestination = [fd00::1]\n[Forward b]\nPort = 400-500\nDestination = fd00::2\n",
	  "t.conf:9: Port: \"400-500\" of [Forward b] overlaps [Forward web] (line 6) on IPv6 tcp" },
	{ HEAD FWD "Protocol = udp\nPort = 51000-52000\nDestination = 10.0.0.1\n",
	  "t.conf:7: Port: \"51000-52000\" claims the WireGuard ListenPort 51820 over UDP" },
	{ HEAD FWD "Port = 80\nDestination = 10.0.0.1\nMasquerade = yes\n",
	  "t.conf:8: Masquerade: \"yes\" needs an [Interface] Address of the destination's family (IPv4): it is the masquerade source" },
	{ HEAD FWD "Masquerade = maybe\n", "t.conf:6: Masquerade: \"maybe\" is not yes or no" },
	{ HEAD FWD "Shadow = 2\n", "t.conf:6: Shadow: \"2\" is not yes or no" },
	{ HEAD FWD "RateLimit = 20\n",
	  "t.conf:6: RateLimit: \"20\" is not a rate (N/second or N/minute)" },
	{ HEAD FWD "RateLimit = 20/hour\n",
	  "t.conf:6: RateLimit: \"20/hour\" is not a rate (N/second or N/minute)" },
	{ HEAD FWD "RateLimit = 0/second\n",
	  "t.conf:6: RateLimit: \"0/second\" is not a rate (N/second or N/minute, N 1-1000000)" },
	{ HEAD FWD "RateLimit = 2000000/minute\n",
	  "t.conf:6: RateLimit: \"2000000/minute\" is not a rate (N/second or N/minute, N 1-1000000)" },
	{ HEAD FWD "Log = maybe\n", "t.conf:6: Log: \"maybe\" is not yes, no or nflog:GROUP" },
	{ HEAD FWD "Log = nflog:70000\n",
	  "t.conf:6: Log: \"nflog:70000\" is not an NFLOG group (nflog:0 to nflog:65535)" },
	{ HEAD FWD "ConnLimit = 0\n",
	  "t.conf:6: ConnLimit: \"0\" is not a number of connections (1-1000000)" },
	{ HEAD FWD "ConnLimit = many\n",
	  "t.conf:6: ConnLimit: \"many\" is not a number of connections (1-1000000)" },

	/* [Egress] */
	{ HEAD "[Egress home]\nDestination = 0.0.0.0/0\n", "t.conf:5: [Egress home] needs a Source" },
	{ HEAD "[Egress home]\nSource = 192.168.1.0/24\n[Egress home]\n",
	  "t.conf:7: [Egress home] is defined twice (first at line 5)" },
	{ HEAD "[Egress home]\nSource = 192.168.1.1/24\n",
	  "t.conf:6: Source: \"192.168.1.1/24\" has host bits set: did you mean 192.168.1.0/24?" },
	{ HEAD "[Egress home]\nSource = 10.0.0.0/8\nInterface = wg0\n",
	  "t.conf:7: Interface: \"wg0\" is the tunnel itself: name the uplink egress leaves by" },
	{ HEAD "[Egress home]\nInterface = eth0:1\n",
	  "t.conf:6: Interface: \"eth0:1\" is not an interface name (1-15 of A-Z a-z 0-9 _ . -)" },
	{ HEAD "[Egress home]\nDeny = none, 10.0.0.0/8\n",
	  "t.conf:6: Deny: \"none\" is not an IP address or prefix (address/length)" },
	{ HEAD "[Egress home]\nMasquerade = nope\n", "t.conf:6: Masquerade: \"nope\" is not yes or no" },
	{ HEAD "[Egress home]\nShadow = no\n", "t.conf:6: unknown key \"Shadow\" in [Egress]" },

	/* [Bastion] */
	{ HEAD "[Bastion]\nTable = 254\n",
	  "t.conf:6: Table: \"254\" is a reserved table (253 default, 254 main, 255 local)" },
	{ HEAD "[Bastion]\nTable = 0\n", "t.conf:6: Table: \"0\" is not a routing table (1-4294967295)" },
	{ HEAD "[Bastion]\nMark = 0x3/0x1\n", "t.conf:6: Mark: \"0x3/0x1\" sets bits outside its mask" },
	{ HEAD "[Bastion]\nMark = 0/0\n",
	  "t.conf:6: Mark: \"0/0\" has an empty mask: no bit could carry the mark" },
	{ HEAD "[Bastion]\nPriority = 32766\n", "t.conf:6: Priority: \"32766\" is not a number in 1-32765" },
	{ HEAD "[Bastion]\nPriority = 0\n", "t.conf:6: Priority: \"0\" is not a number in 1-32765" },
	{ HEAD "[Bastion]\nIngressConnMark = 0x3\n",
	  "t.conf:6: IngressConnMark: \"0x3\" is not a single-bit mark (such as 0x10000000)" },
	{ HEAD "[Bastion]\nEgressConnMark = 0\n",
	  "t.conf:6: EgressConnMark: \"0\" is not a single-bit mark (such as 0x10000000)" },
	{ HEAD "[Bastion]\nEgressConnMark = 0x10000000\n",
	  "t.conf:6: EgressConnMark: \"0x10000000\" is the same bit as the other ConnMark: they must differ" },
	{ HEAD "[Bastion]\nTable = 100\nPostUp = x\n",
	  "t.conf:7: PostUp: a wg-quick key that wgbastion does not support: wgbastion runs no commands" },
	/* the far side (SPEC §6) */
	{ HEAD8 "[Return web]\n",
	  "t.conf:6: [Return web] needs a [Peer] whose AllowedIPs hold 0.0.0.0/0 or ::/0 (the bastion): clients' connections come in from any address" },
	{ HEAD "AllowedIPs = 0.0.0.0/0\n[Return web]\nDestination = fd50::10\n",
	  "t.conf:7: Destination: \"fd50::10/128\" is IPv6, and no [Peer] has ::/0 in its AllowedIPs: IPv6 clients' connections cannot come in through the tunnel" },
	{ HEAD "[Return]\n", "t.conf:5: [Return] needs a name: [Return NAME]" },
	{ HEAD "[Return web]\n[Return web]\n",
	  "t.conf:6: [Return web] is defined twice (first at line 5)" },
	{ HEAD "[Return web]\nSource = 10.0.0.0/8\n", "t.conf:6: unknown key \"Source\" in [Return]" },
	{ HEAD "[Exit lan]\n",
	  "t.conf:5: [Exit lan] needs a Source (the networks that leave by the tunnel)" },
	{ HEAD8 "[Exit lan]\nSource = 192.168.50.0/24\n",
	  "t.conf:6: Destination: \"0.0.0.0/0\" is not inside any peer's AllowedIPs: WireGuard would drop what the exit sends there" },
	{ HEAD "[Exit lan]\nSource = 192.168.50.0/24\nDestination = ::/0\n",
	  "t.conf:6: Source: \"192.168.50.0/24\" has no Destination of its family: nothing of it would leave by the tunnel" },
	{ HEAD "[Bastion]\nMark = 0x1000000\nExitMark = 0x1000000\n[Exit lan]\nSource = 10.0.0.0/8\n",
	  "t.conf:7: ExitMark: \"0x1000000\" shares bits with Mark's mask: [Exit] needs a routing mark of its own" },
	{ HEAD "[Bastion]\nExitMark = 0\n", "t.conf:6: ExitMark: \"0\" is not a mark (a number other than 0, decimal or 0x hex)" },
	{ HEAD "[Bastion]\nPriority = 5\n[Exit lan]\nSource = 10.0.0.0/8\n",
	  "t.conf:6: Priority: \"5\" leaves no room for [Exit]'s rules, 10 and 9 below it: give 11 or more" },
	{ HEAD "[Bastion]\nIngressConnMark = 0x40000000\n[Return web]\n",
	  "t.conf:6: IngressConnMark: \"0x60000000\" uses bit 0x40000000 or 0x80000000, which [Return] and [Exit] use" },
};

START_TEST(bad_config)
{
	struct wgb_config *cfg = (void *)1;
	struct wgb_err e = { 0 };
	const char *text = cases[_i].text;
	size_t len = strlen(text);
	int ret;

	/* the NUL-byte case: the text continues past its first NUL */
	if (strstr(cases[_i].msg, "NUL byte"))
		len += 1 + strlen(text + len + 1);
	ret = config_parse("t.conf", text, len, &cfg, &e);
	ck_assert_msg(ret < 0, "case %d parsed: %s", _i, text);
	ck_assert_ptr_null(cfg);
	ck_assert_int_eq(e.code, ret);
	ck_assert_str_eq(e.msg, cases[_i].msg);
}
END_TEST

/* AllowFile: errors name the list's own FILE:LINE (and the key's line). */
static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void assert_allow_file_error(const char *path, const char *want)
{
	struct wgb_config *cfg = (void *)1;
	struct wgb_err e = { 0 };
	char text[512];

	snprintf(text, sizeof(text), HEAD8 FWD "Port = 80\nDestination = 10.0.0.1\nAllowFile = %s\n", path);
	ck_assert_int_lt(config_parse("t.conf", text, strlen(text), &cfg, &e), 0);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(e.msg, want);
}

START_TEST(allow_file_errors)
{
	char dir[] = "/tmp/wgb-allowfile-XXXXXX", path[64], want[512];
	struct wgb_config *cfg = NULL;
	struct wgb_err e = { 0 };
	char text[512];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/list.txt", dir);

	write_file(path, "# a list\n10.0.0.0/8\n10.0.0.1/8\n", 31);
	snprintf(want, sizeof(want), "%s:3: AllowFile: \"10.0.0.1/8\" has host bits set: did you mean 10.0.0.0/8? (AllowFile of t.conf:9)", path);
	assert_allow_file_error(path, want);

	write_file(path, "10.0.0.0/8\n10.1\0.0.0/16\n", 24);
	snprintf(want, sizeof(want), "%s:2: AllowFile: a NUL byte: not a text file (AllowFile of t.conf:9)", path);
	assert_allow_file_error(path, want);

	write_file(path, "2001:db8::/32 # only IPv6\n", 26);
	snprintf(want, sizeof(want), "t.conf:9: AllowFile: \"%s\" has no IPv4 prefix, and there is no Allow: no client could connect (the destination is IPv4)", path);
	assert_allow_file_error(path, want);

	/* a comment after the prefix, both families: the other one skipped,
	 * and no Allow means the file alone */
	write_file(path, "198.51.100.0/24  # clients\n\n2001:db8::/32\n203.0.113.7\n", 54);
	snprintf(text, sizeof(text), HEAD8 FWD "Port = 80\nDestination = 10.0.0.1\nAllowFile = %s\n", path);
	ck_assert_int_eq(config_parse("t.conf", text, strlen(text), &cfg, &e), 0);
	ck_assert_uint_eq(cfg->forwards[0].allow.n, 0);
	ck_assert_uint_eq(cfg->forwards[0].allow_file_list.n, 2);
	ck_assert_str_eq(cfg->forwards[0].allow_file, path);
	config_free(cfg);
	unlink(path);

	snprintf(want, sizeof(want), "t.conf:9: AllowFile: \"%s\" cannot be read: No such file or directory", path);
	assert_allow_file_error(path, want);
	rmdir(dir);
	/* never a device read for ever, nor a FIFO waited on */
	assert_allow_file_error("/dev/zero", "t.conf:9: AllowFile: \"/dev/zero\" is not a regular file");
}
END_TEST

static Suite *config_errors_suite(void)
{
	Suite *s = suite_create("config_errors");
	TCase *t = tcase_create("messages");

	tcase_add_loop_test(t, bad_config, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(t, allow_file_errors);
	suite_add_tcase(s, t);
	return s;
}

UNIT_MAIN(config_errors_suite)
