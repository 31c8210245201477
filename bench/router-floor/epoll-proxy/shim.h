// What Glibc's Swift module leaves out: epoll and the TCP option names.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
