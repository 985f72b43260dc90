/* SPDX-License-Identifier: MIT */
/* Common includes for cmocka unit tests. */
#ifndef VMB_TESTS_UNIT_H
#define VMB_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#endif
