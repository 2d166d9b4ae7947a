/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the few helpers of <linux/kernel.h> the wire layer uses. */
#ifndef QUIC_SHIM_LINUX_KERNEL_H
#define QUIC_SHIM_LINUX_KERNEL_H

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define U32_MAX		((u32)~0U)
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#endif
