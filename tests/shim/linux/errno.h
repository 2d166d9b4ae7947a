/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel's <linux/errno.h>. */
#ifndef QUIC_SHIM_LINUX_ERRNO_H
#define QUIC_SHIM_LINUX_ERRNO_H
#include <errno.h>
#endif
