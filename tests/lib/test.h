/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A very small test harness.  Each test runs in a child process with a time
 * limit and prints one line: "PASS: <suite>.<test>" or
 * "FAIL: <suite>.<test>: <file>:<line>: <what>".  tests/run.sh counts them.
 *
 *	TEST(name) { CHECK(x == 1); CHECK_ERRNO(close(-1), EBADF); }
 *	int main(void) { RUN(name); return test_done(); }
 *
 * A case that needs work not done yet is reported, not run, and not left
 * out in silence: NOTYET(name, "what it needs") prints one line
 * "NOTYET: <suite>.<name>: <what it needs>", which tests/run.sh counts apart
 * (and among the skipped).
 *
 * Define TEST_SUITE before including this file.
 */

#ifndef QUIC_TEST_H
#define QUIC_TEST_H

#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef TEST_SUITE
#error "define TEST_SUITE"
#endif

#ifndef TEST_TIMEOUT
#define TEST_TIMEOUT 60
#endif

static int test_failures;

#define TEST(name) static void name(void)

#define FAIL(...) do {							\
	printf("FAIL: %s.%s: %s:%d: ", TEST_SUITE, test_name, __FILE__,	\
	       __LINE__);						\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	fflush(stdout);							\
	_exit(1);							\
} while (0)

#define CHECK(cond) do {						\
	if (!(cond))							\
		FAIL("%s (errno %d: %s)", #cond, errno, strerror(errno));	\
} while (0)

/* expr must fail with -1 and errno err. */
#define CHECK_ERRNO(expr, err) do {					\
	errno = 0;							\
	long _r = (long)(expr);						\
	if (_r != -1 || errno != (err))					\
		FAIL("%s returned %ld errno %d (%s), want -1 errno %d (%s)", \
		     #expr, _r, errno, strerror(errno), err, strerror(err)); \
} while (0)

/* expr must succeed (return >= 0). */
#define CHECK_OK(expr) do {						\
	errno = 0;							\
	long _r = (long)(expr);						\
	if (_r < 0)							\
		FAIL("%s returned %ld errno %d (%s)", #expr, _r, errno,	\
		     strerror(errno));					\
} while (0)

static const char *test_name;

/*
 * TEST_FILTER (a glob on "suite.name", with bash's extended patterns such
 * as "@(abuse|fuzz).*") runs a subset.
 */
#ifndef FNM_EXTMATCH
#define FNM_EXTMATCH 0
#endif
static int test_wanted(const char *full)
{
	const char *filter = getenv("TEST_FILTER");

	return !filter || !*filter || !fnmatch(filter, full, FNM_EXTMATCH) ||
	       !fnmatch(filter, TEST_SUITE, FNM_EXTMATCH);
}

static void test_run(const char *name, void (*fn)(void))
{
	char full[256];
	pid_t pid;
	int status;

	snprintf(full, sizeof(full), "%s.%s", TEST_SUITE, name);
	if (!test_wanted(full))
		return;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("FAIL: %s: fork: %s\n", full, strerror(errno));
		test_failures++;
		return;
	}
	if (!pid) {
		test_name = name;
		alarm(TEST_TIMEOUT);
		fn();
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0) {
		printf("FAIL: %s: waitpid: %s\n", full, strerror(errno));
		test_failures++;
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("PASS: %s\n", full);
	} else {
		if (WIFSIGNALED(status))
			printf("FAIL: %s: killed by signal %d%s\n", full,
			       WTERMSIG(status),
			       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		test_failures++;
	}
	fflush(stdout);
}

#define RUN(fn) test_run(#fn, fn)

static inline void test_notyet(const char *name, const char *what)
{
	char full[256];

	snprintf(full, sizeof(full), "%s.%s", TEST_SUITE, name);
	if (!test_wanted(full))
		return;
	printf("NOTYET: %s: %s\n", full, what);
	fflush(stdout);
}

#define NOTYET(name, what) test_notyet(#name, what)

static inline int test_done(void)
{
	return test_failures ? 1 : 0;
}

#endif /* QUIC_TEST_H */
