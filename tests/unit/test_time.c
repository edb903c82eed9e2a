/* Durations from the API saturate instead of wrapping: a huge time limit
 * means "no practical limit", never "already expired". */
#include <stdint.h>

#include "check.h"
#include "internal.h"

int
main(void)
{
	qget_config *cfg = NULL;
	qget_conn *c = NULL;
	qget_error err;
	qget_status st;

	CHECK("time: mul_sat multiplies small values",
	    qget__mul_sat(1500, 1000) == 1500000);
	CHECK("time: mul_sat saturates", qget__mul_sat(UINT64_MAX / 1000 + 1,
	    1000) == UINT64_MAX);
	CHECK("time: mul_sat by zero", qget__mul_sat(UINT64_MAX, 0) == 0);
	CHECK("time: deadline adds", qget__deadline_us(5, 2) == 2005);
	CHECK("time: deadline saturates on the product",
	    qget__deadline_us(5, UINT64_MAX) == UINT64_MAX);
	CHECK("time: deadline saturates on the sum",
	    qget__deadline_us(UINT64_MAX - 10, 1) == UINT64_MAX);

	/* Nothing listens on 127.0.0.1:1, so the kernel refuses at once:
	 * with a wrapped limit (ms * 1000 modulo 2^64 is a few hundred
	 * microseconds here) the attempt ended as a timeout instead. */
	if (qget_config_new(&cfg) != QGET_OK)
		return 1;
	qget_config_set_max_time(cfg, UINT64_MAX / 1000 + 1);
	qget_config_set_connect_timeout(cfg, UINT64_MAX);
	qget_config_set_insecure(cfg, 1);
	st = qget_conn_open(&c, "127.0.0.1", "1", cfg, &err);
	CHECK("time: a huge --max-time is no limit (refused, not timed out)",
	    st == QGET_E_CONNECT);
	qget_conn_del(c);
	qget_config_del(cfg);
	return CHECK_DONE();
}
