// SPDX-License-Identifier: GPL-2.0-only
/*
 * The WireGuard stage: read the live device, and sync it from one state to
 * another the way `wg syncconf` does, touching only what differs (build is
 * in wg_build.c, the comparison and plan lines in wg_diff.c).
 *
 * Backend choice, as wireguard-tools and wg-quick make it: a link with a
 * UAPI socket served from this network namespace is a userspace device,
 * used as it is; a link of kind wireguard is the kernel's; a new device is
 * created with rtnetlink, and when the kernel does not know the kind (no
 * module), the userspace implementation is started instead.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fault.h"
#include "link.h"
#include "wg.h"
#include "wg_ipc.h"

static const struct wg_backend_ops *backend_ops(enum wg_backend b)
{
	return b == WG_BACKEND_KERNEL ? &wg_kernel_ops : &wg_uapi_ops;
}

/* --- read ------------------------------------------------------------- */

static bool link_local6(const struct prefix *p)
{
	return p->family == AF_INET6 && p->addr.bytes[0] == 0xfe &&
	       (p->addr.bytes[1] & 0xc0) == 0x80;
}

/* The link's addresses, the kernel's IPv6 link-local ones apart. */
static int wg_addrs_read(struct wg_state *st, struct wgb_err *e)
{
	struct prefix_list all = { 0 };
	size_t i;
	int ret;

	prefix_list_free(&st->addresses);
	prefix_list_free(&st->link_local);
	ret = link_addrs_read(st->ifindex, &all, e);
	for (i = 0; !ret && i < all.n; ++i) {
		ret = prefix_list_add(link_local6(&all.v[i]) ? &st->link_local : &st->addresses,
					 &all.v[i]);
		if (ret < 0)
			err_set(e, ret, "wg: out of memory");
	}
	prefix_list_free(&all);
	return ret;
}

static int wg_read_state(const char *name, struct wg_state *st, struct wgb_err *e)
{
	struct link_info li;
	char comm[64] = "";
	pid_t pid = 0;
	int fd, ret;

	wg_state_clear(st);
	snprintf(st->name, sizeof(st->name), "%s", name);
	ret = link_get(name, &li, e);
	if (ret == -ENODEV)
		return 0;	/* no device: st->exists stays false */
	if (ret < 0)
		return ret;
	st->exists = true;
	st->ifindex = li.ifindex;
	st->mtu = li.mtu;
	st->up = li.up;

	fd = wg_uapi_connect(name, &pid, comm, sizeof(comm));
	if (fd >= 0) {
		close(fd);
		st->backend = WG_BACKEND_USERSPACE;
		st->userspace_pid = pid;
		/* comm unknown (no /proc access): name what apply would start */
		snprintf(st->userspace_prog, sizeof(st->userspace_prog), "%s",
			 comm[0] ? comm : wg_userspace_prog());
	} else if (!strcmp(li.kind, "wireguard")) {
		st->backend = WG_BACKEND_KERNEL;
	} else if (!strcmp(li.kind, "tun")) {
		char path[108];

		wg_uapi_path(path, sizeof(path), name);
		return err_set(e, -ENOTCONN,
			       "link %s is a tun device with no userspace WireGuard behind it (%s: %s): delete the link or choose another Name",
			       name, path, fd == -EXDEV ? "served from another network namespace" : strerror(-fd));
	} else {
		return err_set(e, -EEXIST,
			       "link %s exists but is not a WireGuard device (kind \"%s\"): wgbastion does not touch foreign links; rename it or choose another Name",
			       name, li.kind[0] ? li.kind : "none");
	}

	ret = backend_ops(st->backend)->get(name, st, e);
	if (ret < 0)
		return ret;
	return wg_addrs_read(st, e);
}

static int wg_read(const struct instance *in, void **out, struct wgb_err *e)
{
	struct wg_state *st = calloc(1, sizeof(*st));
	int ret;

	*out = NULL;
	if (!st)
		return err_set(e, -ENOMEM, "wg: out of memory");
	if (sodium_init() < 0) {
		free(st);
		return err_set(e, -EIO, "libsodium failed to initialise");
	}
	ret = wg_read_state(in->name, st, e);
	if (ret < 0) {
		wg_state_free(st);
		return ret;
	}
	*out = st;
	return 0;
}

/* --- sync ------------------------------------------------------------- */

static int wg_create(const struct wg_state *to, struct wgb_err *e)
{
	int ret;

	ret = fault_inject("wg:link");
	if (ret < 0)
		return err_set(e, ret, "create link %s: injected failure (WGBASTION_FAIL_AT)", to->name);
	ret = link_create(to->name, "wireguard", to->mtu, e);
	if (ret == -EOPNOTSUPP) {
		debugx("no kernel WireGuard: starting %s for %s", wg_userspace_prog(), to->name);
		ret = wg_userspace_start(to->name, e);
	}
	return ret;
}

static int wg_destroy(const struct wg_state *from, struct wgb_err *e)
{
	int ret;

	ret = fault_inject("wg:link");
	if (ret < 0)
		return err_set(e, ret, "delete link %s: injected failure (WGBASTION_FAIL_AT)", from->name);
	ret = link_delete(from->name, from->ifindex, e);
	if (ret == -ENODEV)	/* gone already: that is what we want */
		ret = 0;
	/* a userspace daemon exits when its link goes */
	if (!ret && from->backend == WG_BACKEND_USERSPACE)
		ret = wg_userspace_wait_gone(from->name, e);
	return ret;
}

static int sync_addresses(const struct wg_state *from, const struct wg_state *to,
			  const struct wg_delta *d, struct wgb_err *e)
{
	struct wg_state now = { 0 };
	const struct wg_state *have = from;
	size_t i;
	int ret = 0;

	for (i = 0; i < d->n_addr_del; ++i) {
		if ((ret = fault_inject("wg:addr")) < 0)
			return err_set(e, ret, "address: injected failure (WGBASTION_FAIL_AT)");
		ret = link_addr_del(to->name, from->ifindex, d->addr_del[i], e);
		if (ret < 0 && ret != -EADDRNOTAVAIL)
			return ret;
	}
	/* Removing a primary IPv4 address takes its secondaries with it:
	 * look again before deciding what is missing. */
	if (d->n_addr_del) {
		now.ifindex = from->ifindex;
		ret = wg_addrs_read(&now, e);
		if (ret < 0)
			goto out;
		have = &now;
	}
	for (i = 0; i < to->addresses.n; ++i) {
		const struct prefix *p = &to->addresses.v[i];

		if (prefix_list_has(&have->addresses, p) || prefix_list_has(&have->link_local, p))
			continue;
		if ((ret = fault_inject("wg:addr")) < 0) {
			err_set(e, ret, "address: injected failure (WGBASTION_FAIL_AT)");
			break;
		}
		ret = link_addr_add(to->name, from->ifindex, p, e);
		if (ret < 0)
			break;
	}
out:
	wg_state_clear(&now);
	return ret;
}

static int sync_existing(const struct wg_state *from, const struct wg_state *to,
			 struct wgb_err *e)
{
	struct wg_delta d;
	struct wg_set set;
	int ret;

	memset(&set, 0, sizeof(set));
	ret = wg_delta_compute(from, to, &d);
	if (ret < 0)
		return err_set(e, ret, "wg: out of memory");

	/* MTU first, so that the tunnel never comes up with the wrong one */
	if (d.mtu) {
		if ((ret = fault_inject("wg:link")) < 0) {
			err_set(e, ret, "link %s: injected failure (WGBASTION_FAIL_AT)", to->name);
			goto out;
		}
		ret = link_set_mtu(to->name, from->ifindex, to->mtu, e);
		if (ret < 0)
			goto out;
	}
	ret = wg_delta_set(&d, to, &set);
	if (ret < 0) {
		err_set(e, ret, "wg: out of memory");
		goto out;
	}
	if (set.flags || set.n_peers) {
		if ((ret = fault_inject("wg:set")) < 0) {
			err_set(e, ret, "%s: injected failure (WGBASTION_FAIL_AT)", to->name);
			goto out;
		}
		ret = backend_ops(from->backend)->set(to->name, &set, e);
		if (ret < 0)
			goto out;
	}
	if (d.n_addr_del || d.n_addr_add) {
		ret = sync_addresses(from, to, &d, e);
		if (ret < 0)
			goto out;
	}
	if (d.up) {
		if ((ret = fault_inject("wg:link")) < 0) {
			err_set(e, ret, "link %s: injected failure (WGBASTION_FAIL_AT)", to->name);
			goto out;
		}
		ret = link_set_up(to->name, from->ifindex, to->up, e);
	}
out:
	wg_set_free(&set);
	wg_delta_free(&d);
	return ret;
}

static int wg_sync(const struct instance *in, const void *from_, const void *to_,
		   struct wgb_err *e)
{
	const struct wg_state *from = from_, *to = to_;
	struct wg_state fresh = { 0 };
	int ret;

	if (!from->exists && !to->exists)
		return 0;
	if (!to->exists)
		return wg_destroy(from, e);

	/* a new key is written before anything else: if that fails,
	 * nothing has been touched yet */
	if (to->new_key_file) {
		char pub[WG_KEY_B64_LEN + 1];

		ret = wg_key_file_create(to->new_key_file, to->private_key, e);
		if (ret < 0)
			return ret;
		key_to_base64(pub, to->public_key);
		infox("%s: a new private key; public key %s", to->new_key_file, pub);
	}
	if (!from->exists) {
		ret = wg_create(to, e);
		if (ret < 0)
			return ret;
		/* a new device has defaults of its own (wireguard-go picks a
		 * random port): compare against what is really there */
		ret = wg_read_state(to->name, &fresh, e);
		if (ret == 0 && !fresh.exists)
			ret = err_set(e, -ENODEV, "link %s vanished right after it was created", to->name);
		if (ret < 0)
			goto out;
		from = &fresh;
	}
	ret = sync_existing(from, to, e);
out:
	wg_state_clear(&fresh);
	return ret;
}

static void wg_free(void *st)
{
	wg_state_free(st);
}

const struct stage stage_wg = {
	.name = "wg",
	.read = wg_read,
	.build = wg_build,
	.diff = wg_diff,
	.sync = wg_sync,
	.free = wg_free,
};
