/* arena.c -- bump allocation in chained blocks, freed in one step.
 *
 * Every allocation is zeroed.  Running out of memory is a bug-tier abort,
 * as in QBE's emalloc: a compiler that cannot allocate cannot report well.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

typedef struct Block Block;
struct Block {
	Block *next;
	size_t used, size;
	_Alignas(64) unsigned char data[];
};

struct Arena {
	Block *head;
};

enum { BLOCK_MIN = 1 << 20 };

Arena *
arena_new(void)
{
	Arena *a = calloc(1, sizeof *a);

	if (!a)
		bug("out of memory");
	return a;
}

size_t
arena_mul(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		bug("allocation size overflow: %zu * %zu", n, size);
	return n * size;
}

void *
arena_alloc(Arena *a, size_t size, size_t align)
{
	Block *b = a->head;
	size_t off;

	if (align < 1)
		align = 1;
	QCC_ASSERT(align <= 64 && (align & (align - 1)) == 0);
	if (b) {
		off = (b->used + align - 1) & ~(align - 1);
		if (off <= b->size && size <= b->size - off) {
			b->used = off + size;
			return b->data + off;
		}
	}
	size_t bsize = size > BLOCK_MIN ? size : BLOCK_MIN;
	if (bsize > SIZE_MAX - sizeof(Block))
		bug("allocation too large: %zu bytes", size);
	b = calloc(1, sizeof(Block) + bsize);
	if (!b)
		bug("out of memory (%zu bytes)", size);
	b->size = bsize;
	b->used = size;
	/* A large block goes behind the head so the head's room is not lost. */
	if (a->head && size > BLOCK_MIN) {
		b->next = a->head->next;
		a->head->next = b;
	} else {
		b->next = a->head;
		a->head = b;
	}
	return b->data;
}

char *
arena_strdup(Arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n, 1);

	memcpy(p, s, n);
	return p;
}

char *
arena_printf(Arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	QCC_ASSERT(n >= 0);
	p = arena_alloc(a, (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* Keeps the newest block, zeroed, for the next round. */
void
arena_reset(Arena *a)
{
	Block *b = a->head, *next;

	if (!b)
		return;
	for (Block *c = b->next; c; c = next) {
		next = c->next;
		free(c);
	}
	memset(b->data, 0, b->used);
	b->used = 0;
	b->next = NULL;
}

void
arena_free(Arena *a)
{
	Block *next;

	if (!a)
		return;
	for (Block *b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void
vec_grow(Arena *a, void **v, uint32_t *cap, uint32_t need, size_t esz)
{
	uint32_t n;
	void *p;

	if (need <= *cap)
		return;
	n = *cap ? *cap : 8;
	while (n < need) {
		if (n > UINT32_MAX / 2)
			bug("vector too large");
		n *= 2;
	}
	p = arena_alloc(a, arena_mul(n, esz), 16);
	if (*cap)
		memcpy(p, *v, arena_mul(*cap, esz));
	*v = p;
	*cap = n;
}
