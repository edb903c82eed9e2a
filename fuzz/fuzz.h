/* Shared by the fuzz targets: an invariant check that libFuzzer reports
 * as a crash, in every build (assert() could be compiled out). */
#ifndef QGET_FUZZ_H
#define QGET_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define ASSERT(c)                                                             \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",      \
			    __FILE__, __LINE__, #c);                          \
			abort();                                              \
		}                                                             \
	} while (0)

#endif
