/* A minimal unit test harness: one PASS/FAIL line per check, the exit
 * status says whether any failed.  Checks stay on in every build. */
#ifndef QGET_CHECK_H
#define QGET_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed;

#define CHECK(name, cond)                                                     \
	do {                                                                  \
		if (cond) {                                                   \
			printf("PASS %s\n", (name));                          \
		} else {                                                      \
			printf("FAIL %s: %s (%s:%d)\n", (name), #cond,        \
			    __FILE__, __LINE__);                              \
			check_failed = 1;                                     \
		}                                                             \
	} while (0)

#define CHECK_DONE() (check_failed ? 1 : 0)

#endif
