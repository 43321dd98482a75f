/* printk and snprintf: a small printf(3) subset for the kernel. */
#include <kernel.h>
#include <string.h>

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, unsigned long long v, unsigned base, int width, char pad,
                    int neg)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

static const char *conv(struct out *o, const char *f, va_list *ap)
{
	char pad = ' ';
	int width = 0, lng = 0;
	unsigned long long u;
	long long s;

	if (*f == '0')
		pad = '0', f++;
	while (*f >= '0' && *f <= '9')
		width = width * 10 + (*f++ - '0');
	while (*f == 'l' || *f == 'z')
		lng++, f++;
	switch (*f) {
	case 'd':
	case 'i':
		s = lng ? va_arg(*ap, long long) : va_arg(*ap, int);
		put_num(o, s < 0 ? -(unsigned long long)s : (unsigned long long)s, 10, width, pad,
		        s < 0);
		break;
	case 'u':
	case 'x':
		u = lng ? va_arg(*ap, unsigned long long) : va_arg(*ap, unsigned);
		put_num(o, u, *f == 'u' ? 10 : 16, width, pad, 0);
		break;
	case 'p':
		put(o, '0'), put(o, 'x');
		put_num(o, (uintptr_t)va_arg(*ap, void *), 16, width, pad, 0);
		break;
	case 's': {
		const char *str = va_arg(*ap, const char *);
		for (str = str ? str : "(null)"; *str; str++)
			put(o, *str);
		break;
	}
	case 'c':
		put(o, (char)va_arg(*ap, int));
		break;
	default:
		put(o, '%');
		if (*f)
			put(o, *f);
		else
			f--;
	}
	return f;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {buf, size, 0};
	va_list aq;

	va_copy(aq, ap);
	for (; *fmt; fmt++)
		if (*fmt == '%')
			fmt = conv(&o, fmt + 1, &aq);
		else
			put(&o, *fmt);
	va_end(aq);
	if (size)
		buf[MIN(o.len, size - 1)] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void printk(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	platform->console_write(2, buf, MIN((size_t)n, sizeof(buf) - 1));
}
