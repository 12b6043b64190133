#ifndef CSCTP_SHIM_H
#define CSCTP_SHIM_H
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <arpa/inet.h>
#include <string.h>
#include <errno.h>

/* RFC 6733 §2.1 / IANA: SCTP Payload Protocol Identifier for Diameter (clear text). */
static const unsigned int CSCTP_DIAMETER_PPID = 46;

/* A one-to-one (SOCK_STREAM) SCTP socket; -1 and errno (EPROTONOSUPPORT where the kernel has no SCTP). */
static inline int csctp_socket(int family) { return socket(family, SOCK_STREAM, IPPROTO_SCTP); }

static inline int csctp_set_reuseaddr(int fd) {
    int one = 1;
    return setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
}

/* SCTP_NODELAY: no bundling delay (the TCP_NODELAY of SCTP). */
static inline int csctp_set_nodelay(int fd) {
    int one = 1;
    return setsockopt(fd, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof one);
}

/* Every plain write on this socket carries this PPID (RFC 6733 §2.1: 46 for Diameter). */
static inline int csctp_set_default_ppid(int fd, unsigned int ppid) {
    struct sctp_sndinfo info;
    memset(&info, 0, sizeof info);
    info.snd_ppid = htonl(ppid);
    return setsockopt(fd, IPPROTO_SCTP, SCTP_DEFAULT_SNDINFO, &info, sizeof info);
}

/* Adds local addresses (packed sockaddr_in/sockaddr_in6) to a bound socket: multi-homing. */
static inline int csctp_bindx_add(int fd, void *packed, int count) {
    return sctp_bindx(fd, (struct sockaddr *)packed, count, SCTP_BINDX_ADD_ADDR);
}

/* Connects to several addresses of one peer (packed sockaddr_in/sockaddr_in6). */
static inline int csctp_connectx(int fd, void *packed, int count) {
    return sctp_connectx(fd, (struct sockaddr *)packed, count, NULL);
}

/* Number of peer addresses of the association (multi-homing), or -1. */
static inline int csctp_peer_address_count(int fd) {
    struct sockaddr *addrs = NULL;
    int n = sctp_getpaddrs(fd, 0, &addrs);
    if (n > 0) sctp_freepaddrs(addrs);
    return n;
}

/* Number of local addresses of the association, or -1. */
static inline int csctp_local_address_count(int fd) {
    struct sockaddr *addrs = NULL;
    int n = sctp_getladdrs(fd, 0, &addrs);
    if (n > 0) sctp_freeladdrs(addrs);
    return n;
}

/* For test clients: receive one SCTP message and report its PPID (subscribes to data_io events;
 * never used on sockets NIO reads, whose data must not carry notifications). */
static inline int csctp_enable_rcvinfo(int fd) {
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1;
    return setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev);
}

static inline int csctp_recv(int fd, void *buf, size_t len, unsigned int *ppid, int *end_of_record) {
    struct sctp_sndrcvinfo sinfo;
    int flags = 0;
    memset(&sinfo, 0, sizeof sinfo);
    int n = sctp_recvmsg(fd, buf, len, NULL, 0, &sinfo, &flags);
    *ppid = ntohl(sinfo.sinfo_ppid);
    *end_of_record = (flags & MSG_EOR) != 0;
    return n;
}

static inline int csctp_errno(void) { return errno; }
#endif
