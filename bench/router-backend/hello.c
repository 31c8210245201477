// The backend of bench/router: a static HTTP/1.1 keep-alive server fast enough not to be the
// bottleneck (one epoll thread, about 80k requests/s here). Every request gets the same
// 200 "hello\n"; pipelined requests are answered in order; request bodies with a
// Content-Length are skipped. Listens on $PORT (default 8080) on all addresses.
//
//   gcc -O2 -static -o hello hello.c
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 16384
#define MAX_EVENTS 256

static const char RESPONSE[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n";

struct conn {
    int fd;
    size_t len;         // bytes in buf
    size_t skip;        // request body bytes still to discard
    char buf[BUF_SIZE];
};

static void close_conn(struct conn *c) {
    close(c->fd);
    free(c);
}

// Content-Length of the request head in buf[0..head_len), 0 if none.
static size_t content_length(const char *buf, size_t head_len) {
    const char *p = buf, *end = buf + head_len;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol) break;
        if ((size_t)(eol - p) > 15 && strncasecmp(p, "content-length:", 15) == 0) {
            return strtoul(p + 15, NULL, 10);
        }
        p = eol + 2;
    }
    return 0;
}

// Reads what the socket has, answers every complete request; returns -1 to close.
static int serve(struct conn *c) {
    char out[sizeof(RESPONSE) * 64];
    for (;;) {
        size_t space = BUF_SIZE - c->len;
        ssize_t n = read(c->fd, c->buf + c->len, space);
        if (n == 0) return -1;
        if (n < 0) {
            if (errno == EINTR) continue;
            return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
        }
        c->len += (size_t)n;
        size_t pos = 0, out_len = 0;
        for (;;) {
            if (c->skip) {
                size_t take = c->len - pos < c->skip ? c->len - pos : c->skip;
                pos += take;
                c->skip -= take;
                if (c->skip) break;
            }
            char *head_end = memmem(c->buf + pos, c->len - pos, "\r\n\r\n", 4);
            if (!head_end) break;
            size_t head_len = (size_t)(head_end - (c->buf + pos)) + 4;
            c->skip = content_length(c->buf + pos, head_len);
            pos += head_len;
            if (out_len + sizeof(RESPONSE) - 1 > sizeof(out)) {
                if (write(c->fd, out, out_len) != (ssize_t)out_len) return -1;
                out_len = 0;
            }
            memcpy(out + out_len, RESPONSE, sizeof(RESPONSE) - 1);
            out_len += sizeof(RESPONSE) - 1;
        }
        // Responses are tiny and the client reads them: a short write means a broken client.
        if (out_len && write(c->fd, out, out_len) != (ssize_t)out_len) return -1;
        memmove(c->buf, c->buf + pos, c->len - pos);
        c->len -= pos;
        if (c->len == BUF_SIZE) return -1;  // a request head larger than the buffer
        // Level-triggered: a short read emptied the socket, epoll says when there is more.
        if ((size_t)n < space) return 0;
    }
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    const char *port_env = getenv("PORT");
    int port = port_env ? atoi(port_env) : 8080;

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = INADDR_ANY};
    if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 4096) < 0) {
        perror("bind/listen");
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    fprintf(stderr, "hello: listening on :%d\n", port);

    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == NULL) {  // the listener
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    struct conn *nc = malloc(sizeof(*nc));
                    if (!nc) { close(fd); continue; }
                    nc->fd = fd;
                    nc->len = 0;
                    nc->skip = 0;
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) close_conn(nc);
                }
                continue;
            }
            if (serve(c) < 0) close_conn(c);  // close() also removes it from the epoll set
        }
    }
}
