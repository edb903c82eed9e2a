#ifndef QGET_TOOL_WRITEOUT_H
#define QGET_TOOL_WRITEOUT_H

#include <stdint.h>
#include <stdio.h>

/* One path's outcome. */
struct tool_stream_stats {
	const char *path;
	uint64_t bytes_body;
	int http_status;         /* 0: none (no status line) */
	int exit_code;
	char error[512];
};

/* What -w json reports about one run; filled as the transfer goes. */
struct tool_stats {
	const char *host;
	const char *port;
	int connected;
	char remote[64];
	char alpn[64];
	char quic_version[16];
	char cipher[64];
	int resumed;
	double time_handshake;  /* seconds */
	double time_first_byte; /* from the start; < 0: none */
	double time_fin;        /* the peer's FIN; < 0: none */
	double time_total;
	uint64_t bytes_received; /* stream bytes, head included */
	uint64_t bytes_body;
	uint64_t bytes_sent;
	struct tool_stream_stats *streams;
	size_t nstreams;
	int exit_code;
	char error[512];         /* the last message printed; "" if none */
};

/* Writes the stats as one JSON object and a newline. */
void tool_write_json(FILE *f, const struct tool_stats *s);

#endif
