// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "key.h"

int key_from_base64(uint8_t key[WG_KEY_LEN], const char *s)
{
	char again[WG_KEY_B64_LEN + 1];
	const char *end = NULL;
	size_t n = strlen(s), binlen = 0;
	int ret = -EINVAL;

	/* 32 bytes are 43 characters and one '=': anything else is not a key */
	if (n != WG_KEY_B64_LEN || s[WG_KEY_B64_LEN - 1] != '=')
		return -EINVAL;
	if (sodium_base642bin(key, WG_KEY_LEN, s, n, NULL, &binlen, &end,
			      sodium_base64_VARIANT_ORIGINAL) < 0 ||
	    binlen != WG_KEY_LEN || end != s + n)
		goto out;
	/* The last character carries 4 padding bits that must be zero, or
	 * two spellings would name one key: require the canonical one. */
	key_to_base64(again, key);
	if (sodium_memcmp(again, s, WG_KEY_B64_LEN))
		goto out;
	ret = 0;
out:
	sodium_memzero(again, sizeof(again));
	if (ret)
		sodium_memzero(key, WG_KEY_LEN);
	return ret;
}

void key_to_base64(char out[WG_KEY_B64_LEN + 1], const uint8_t key[WG_KEY_LEN])
{
	sodium_bin2base64(out, WG_KEY_B64_LEN + 1, key, WG_KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}

int key_public_from_private(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN])
{
	if (sodium_init() < 0)
		return -EIO;
	/* X25519 clamps the scalar itself, as the kernel does */
	return crypto_scalarmult_curve25519_base(pub, priv) ? -EINVAL : 0;
}

bool key_is_zero(const uint8_t key[WG_KEY_LEN])
{
	return sodium_is_zero(key, WG_KEY_LEN);
}

bool key_equal(const uint8_t a[WG_KEY_LEN], const uint8_t b[WG_KEY_LEN])
{
	return !sodium_memcmp(a, b, WG_KEY_LEN);
}

#define WHY(...) (snprintf(why, PARSE_WHY, __VA_ARGS__), -EINVAL)

int key_file_read(const char *path, uint8_t key[WG_KEY_LEN], char *why)
{
	char buf[128];
	struct stat st;
	ssize_t n;
	int fd, ret;

	/* O_NONBLOCK: a FIFO or a device in its place must not hang check */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, PARSE_WHY, "cannot be opened: %s", strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(why, PARSE_WHY, "cannot be read: %s", strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = WHY("is not a regular file");
		goto out;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		snprintf(why, PARSE_WHY,
			 "is readable by group or others (mode %04o): chmod 600 it",
			 (unsigned)(st.st_mode & 07777));
		ret = -EPERM;
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		ret = -errno;
		snprintf(why, PARSE_WHY, "cannot be read: %s", strerror(-ret));
		goto out;
	}
	buf[n] = '\0';
	/* one key, then at most a line ending */
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (memchr(buf, '\0', (size_t)n) || key_from_base64(key, buf) < 0) {
		ret = WHY("does not hold one base64 WireGuard key (as wg genkey writes)");
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return ret;
}

int key_generate(uint8_t key[WG_KEY_LEN])
{
	if (sodium_init() < 0)
		return -EIO;
	randombytes_buf(key, WG_KEY_LEN);
	/* clamped as wg genkey does, so wg shows the same key back */
	key[0] &= 248;
	key[31] = (key[31] & 127) | 64;
	return 0;
}

/* mkdir -p; directories we create hold a secret: 0700 */
static int mkdir_secret(char *dir)
{
	char *p = dir;
	int ret = 0;

	do {
		p = strchr(p + 1, '/');
		if (p)
			*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			ret = -errno;
		if (p)
			*p = '/';
	} while (p && !ret);
	return ret;
}

int key_file_create(const char *path, const uint8_t key[WG_KEY_LEN], struct wgb_err *e)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 8], b64[WG_KEY_B64_LEN + 2];
	char *slash;
	int fd, ret = 0;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) ||
	    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return err_set(e, -ENAMETOOLONG, "PrivateKeyFile: \"%s\" cannot be created: %s",
			       path, strerror(ENAMETOOLONG));
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		ret = mkdir_secret(dir);
		if (ret < 0)
			return err_kernel(e, ret, NULL, "PrivateKeyFile: create directory %s", dir);
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "PrivateKeyFile: \"%s\" cannot be created: %s",
			       path, strerror(errno));
	key_to_base64(b64, key);
	strcat(b64, "\n");
	/* the mode survives any umask: never wider than 0600 */
	errno = 0;	/* a short write sets none */
	if (fchmod(fd, 0600) < 0 || write(fd, b64, strlen(b64)) != (ssize_t)strlen(b64) ||
	    fsync(fd) < 0) {
		ret = err_set(e, errno ? -errno : -EIO, "PrivateKeyFile: \"%s\" cannot be written: %s",
			      path, strerror(errno ? errno : EIO));
		goto out;
	}
	if (link(tmp, path) < 0)
		ret = err_set(e, -errno, "PrivateKeyFile: \"%s\" cannot be created: %s",
			      path, strerror(errno));
out:
	sodium_memzero(b64, sizeof(b64));
	close(fd);
	unlink(tmp);
	return ret;
}
