// SPDX-License-Identifier: GPL-2.0-only
/* nl.c's reading of the kernel's NLMSG_ERROR: the errno and the
 * extended-ack text, capped or with the request echoed, kernel-free. */
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "lib/nl.h"
#include "unit.h"

/* An error message as the kernel builds it; echo: bytes of the request
 * copied after the header (0 when NETLINK_CAP_ACK is on). */
static struct nlmsghdr *error_msg(char *buf, int error, size_t echo)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *err;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = echo ? 0 : NLM_F_CAPPED;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err) + echo);
	err->error = error;
	err->msg.nlmsg_len = NLMSG_HDRLEN + echo;
	return nlh;
}

START_TEST(capped_error_with_text)
{
	char buf[256] = { 0 }, text[64] = "stale";
	struct nlmsghdr *nlh = error_msg(buf, -EINVAL, 0);

	ck_assert_int_eq(nl_error_parse(nlh, text, sizeof(text)), -EINVAL);
	ck_assert_str_eq(text, "");	/* no ACK_TLVS: no text */
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "Unknown set");
	ck_assert_int_eq(nl_error_parse(nlh, text, sizeof(text)), -EINVAL);
	ck_assert_str_eq(text, "Unknown set");
}
END_TEST

START_TEST(echoed_request_skipped)
{
	char buf[256] = { 0 }, text[64];
	struct nlmsghdr *nlh = error_msg(buf, -EEXIST, 24);

	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "File exists here");
	ck_assert_int_eq(nl_error_parse(nlh, text, sizeof(text)), -EEXIST);
	ck_assert_str_eq(text, "File exists here");
	/* a text longer than the buffer is cut, still terminated */
	ck_assert_int_eq(nl_error_parse(nlh, text, 5), -EEXIST);
	ck_assert_str_eq(text, "File");
}
END_TEST

START_TEST(ack_and_short_message)
{
	char buf[256] = { 0 }, text[64];
	struct nlmsghdr *nlh = error_msg(buf, 0, 0);

	ck_assert_int_eq(nl_error_parse(nlh, text, sizeof(text)), 0);
	ck_assert_int_eq(nl_error_parse(nlh, NULL, 0), 0);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;	/* no room for the errno */
	ck_assert_int_eq(nl_error_parse(nlh, text, sizeof(text)), -EBADMSG);
}
END_TEST

static Suite *nl_suite(void)
{
	Suite *s = suite_create("nl");
	TCase *tc = tcase_create("nl");

	tcase_add_test(tc, capped_error_with_text);
	tcase_add_test(tc, echoed_request_skipped);
	tcase_add_test(tc, ack_and_short_message);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(nl_suite)
