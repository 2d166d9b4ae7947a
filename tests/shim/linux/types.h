/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel's <linux/types.h>, for the wire layer. */
#ifndef QUIC_SHIM_LINUX_TYPES_H
#define QUIC_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>	/* the UAPI one: __u8 and friends */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#endif
