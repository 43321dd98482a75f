/*
 * http-server: a small HTTP/1.1 file server.
 *
 *   http-server [PORT [DIR]]      (defaults: 8080 and the current directory)
 *
 * Serves the regular files under DIR (a directory's index.html for a path
 * ending in "/") on every IPv4 address at PORT, and prints "listening on
 * PORT" on stdout once it accepts connections. GET and HEAD only (others:
 * 405); every response has a Content-Length; connections stay open
 * between requests (HTTP/1.1 keep-alive, and HTTP/1.0 with "Connection:
 * keep-alive"), and pipelined requests are answered in order. A missing
 * file is 404, a path with ".." or a NUL is 400 (nothing outside DIR is
 * served), a request head over 8 KiB is 431. One thread, one epoll set,
 * non-blocking sockets; file data goes out with pread + send, in 64 KiB
 * pieces, as the socket takes them. Runs until killed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define HEAD_MAX   8192
#define CHUNK      65536

struct conn {
	int fd;
	char in[HEAD_MAX];
	size_t inlen;
	/* The response under way: its head, then file bytes. */
	char head[512];
	size_t headlen, headoff;
	int file;          /* -1: no body to send */
	off_t foff, fend;  /* the file's bytes still to send: [foff, fend) */
	char *chunk;       /* CHUNK bytes, read from the file */
	size_t clen, coff; /* of chunk: bytes read, bytes sent */
	int busy;          /* a response is under way */
	int close_after;   /* close once the response is out */
};

static int epfd, rootfd;

static void conn_free(struct conn *c)
{
	if (c->file >= 0)
		close(c->file);
	close(c->fd);
	free(c->chunk);
	free(c);
}

/* interest - EPOLLOUT while a response is under way, else EPOLLIN. */
static int interest(struct conn *c, int op)
{
	struct epoll_event ev = {.events = c->busy ? EPOLLOUT : EPOLLIN, .data.ptr = c};

	return epoll_ctl(epfd, op, c->fd, &ev);
}

static const char *content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html"},    {".htm", "text/html"},      {".txt", "text/plain"},
	    {".css", "text/css"},      {".js", "text/javascript"}, {".json", "application/json"},
	    {".png", "image/png"},     {".jpg", "image/jpeg"},     {".gif", "image/gif"},
	    {".svg", "image/svg+xml"}, {".c", "text/plain"},       {".md", "text/plain"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/*
 * respond_error - a short response with status @code and a text body
 * (none for HEAD). The connection closes after it when @close_it.
 */
static void respond_error(struct conn *c, int code, const char *reason, int head_only, int close_it)
{
	char body[128];
	int blen = snprintf(body, sizeof(body), "%d %s\n", code, reason);

	c->close_after |= close_it;
	c->headlen =
	    snprintf(c->head, sizeof(c->head),
	             "HTTP/1.1 %d %s\r\nServer: bothy-example\r\nContent-Type: text/plain\r\n"
	             "Content-Length: %d\r\n%s%s\r\n%s",
	             code, reason, blen, code == 405 ? "Allow: GET, HEAD\r\n" : "",
	             c->close_after ? "Connection: close\r\n" : "", head_only ? "" : body);
	c->headoff = 0;
	c->busy = 1;
}

/* url_decode - decode %XX in place; -1 on a bad escape or a NUL. */
static int url_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%') {
			if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
				return -1;
			char hex[3] = {s[1], s[2], 0};

			*o = (char)strtol(hex, NULL, 16);
			if (*o == 0)
				return -1;
			s += 2;
			o++;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
	return 0;
}

/* safe_path - @path (decoded, starting with '/') names nothing outside the root. */
static int safe_path(const char *path)
{
	for (const char *p = path; *p; p++)
		if (p[0] == '/' && p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == 0))
			return 0;
	return path[0] == '/';
}

/* header_has - does the request head @h have header @name containing @word? */
static int header_has(const char *h, const char *name, const char *word)
{
	size_t nl = strlen(name);

	for (const char *line = strstr(h, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
		const char *v = line + 2, *end;

		if (strncasecmp(v, name, nl) != 0 || v[nl] != ':')
			continue;
		end = strstr(v, "\r\n");
		for (v += nl + 1; v + strlen(word) <= end; v++)
			if (strncasecmp(v, word, strlen(word)) == 0)
				return 1;
	}
	return 0;
}

/*
 * start_response - answer the request whose head is c->in[0 .. @len)
 * (ending with the blank line): fill c->head and open the file.
 */
static void start_response(struct conn *c, size_t len)
{
	char method[16], target[4096], version[16], path[4200];
	int head_only, fd, n;
	struct stat st;

	c->in[len - 2] = 0; /* keep the last header's CRLF for header_has */
	if (sscanf(c->in, "%15s %4095s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		respond_error(c, 400, "Bad Request", 0, 1);
		return;
	}
	head_only = strcmp(method, "HEAD") == 0;
	c->close_after = strcmp(version, "HTTP/1.0") == 0
	                     ? !header_has(c->in, "Connection", "keep-alive")
	                     : header_has(c->in, "Connection", "close");
	if (!head_only && strcmp(method, "GET") != 0) {
		respond_error(c, 405, "Method Not Allowed", 0, 0);
		return;
	}
	target[strcspn(target, "?#")] = 0;
	if (url_decode(target) < 0 || !safe_path(target)) {
		respond_error(c, 400, "Bad Request", head_only, 0);
		return;
	}
	snprintf(path, sizeof(path), ".%s%s", target,
	         target[strlen(target) - 1] == '/' ? "index.html" : "");
	fd = openat(rootfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		respond_error(c, 404, "Not Found", head_only, 0);
		return;
	}
	n = snprintf(c->head, sizeof(c->head),
	             "HTTP/1.1 200 OK\r\nServer: bothy-example\r\nContent-Type: %s\r\n"
	             "Content-Length: %lld\r\n%s\r\n",
	             content_type(path), (long long)st.st_size,
	             c->close_after ? "Connection: close\r\n" : "");
	c->headlen = n;
	c->headoff = 0;
	c->busy = 1;
	if (head_only || st.st_size == 0) {
		close(fd);
		return;
	}
	c->file = fd;
	c->foff = 0;
	c->fend = st.st_size;
	c->clen = c->coff = 0;
}

/*
 * pump - send what the response has left. Returns 1 when it is all out,
 * 0 when the socket is full, -1 when the connection is broken.
 */
static int pump(struct conn *c)
{
	while (c->headoff < c->headlen) {
		ssize_t n =
		    send(c->fd, c->head + c->headoff, c->headlen - c->headoff, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->headoff += n;
	}
	while (c->file >= 0) {
		if (c->coff == c->clen) {
			ssize_t r;

			if (c->foff == c->fend) {
				close(c->file);
				c->file = -1;
				break;
			}
			if (!c->chunk && !(c->chunk = malloc(CHUNK)))
				return -1;
			r = pread(c->file, c->chunk,
			          CHUNK < c->fend - c->foff ? CHUNK : c->fend - c->foff, c->foff);
			if (r <= 0)
				return -1; /* the file shrank: the Content-Length cannot be kept */
			c->clen = r;
			c->coff = 0;
			c->foff += r;
		}
		ssize_t n = send(c->fd, c->chunk + c->coff, c->clen - c->coff, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->coff += n;
	}
	c->busy = 0;
	return 1;
}

/*
 * progress - answer every complete request in c->in, as far as the socket
 * takes the responses. Returns -1 when the connection should close.
 */
static int progress(struct conn *c)
{
	for (;;) {
		if (c->busy) {
			int r = pump(c);

			if (r < 0)
				return -1;
			if (r == 0)
				return 0;
			if (c->close_after)
				return -1;
		}
		char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4);

		if (!end) {
			if (c->inlen == sizeof(c->in)) {
				respond_error(c, 431, "Request Header Fields Too Large", 0, 1);
				c->inlen = 0;
				continue;
			}
			return 0;
		}
		size_t len = end + 4 - c->in;

		start_response(c, len);
		memmove(c->in, c->in + len, c->inlen - len);
		c->inlen -= len;
	}
}

static void serve(struct conn *c)
{
	int was_busy = c->busy;

	while (!c->busy && c->inlen < sizeof(c->in)) {
		ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			conn_free(c);
			return;
		}
		c->inlen += n;
		if (progress(c) < 0) {
			conn_free(c);
			return;
		}
	}
	if (c->busy && progress(c) < 0) {
		conn_free(c);
		return;
	}
	if (c->busy != was_busy && interest(c, EPOLL_CTL_MOD) < 0)
		conn_free(c);
}

static void accept_all(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
		struct conn *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				perror("http-server: accept");
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->file = -1;
		if (interest(c, EPOLL_CTL_ADD) < 0)
			conn_free(c);
	}
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 8080, lfd, one = 1;
	const char *dir = argc > 2 ? argv[2] : ".";
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL}, evs[MAX_EVENTS];

	if (port <= 0 || port > 65535) {
		fprintf(stderr, "http-server: bad port '%s' (usage: http-server [PORT [DIR]])\n",
		        argv[1]);
		return 1;
	}
	rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		fprintf(stderr, "http-server: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	addr.sin_port = htons(port);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lfd < 0 || epfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 1024) < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		fprintf(stderr, "http-server: cannot listen on port %d: %s\n", port,
		        strerror(errno));
		return 1;
	}
	printf("listening on %d\n", port);
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(epfd, evs, MAX_EVENTS, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("http-server: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr)
				accept_all(lfd);
			else
				serve(evs[i].data.ptr);
		}
	}
}
