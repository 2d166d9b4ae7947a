/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel's <linux/errno.h>: the UAPI one. */
#ifndef QUIC_SHIM_LINUX_ERRNO_H
#define QUIC_SHIM_LINUX_ERRNO_H
#include_next <linux/errno.h>
#endif
