#ifndef CSCTP_SHIM_H
#define CSCTP_SHIM_H
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/sctp.h>

/* RFC 6733 §2.1 / IANA: SCTP Payload Protocol Identifier for Diameter (clear text). */
static const unsigned int CSCTP_DIAMETER_PPID = 46;
#endif
