/* onnx_sort.c -- the model's tensor names and the order of its nodes.
 *
 * Every tensor name gets one Sym in an open-addressing hash table: what
 * defines it (initializer, graph input or the index of the node that
 * outputs it) and how often it is used.  ONNX requires nodes in
 * topological order, but exporters and hand edits get it wrong, so the
 * nodes are sorted here (Kahn's algorithm; among ready nodes the one that
 * comes first in the file goes first, so a sorted graph keeps its order).
 * What cannot be sorted is reported at a node: a tensor defined twice, an
 * input nothing defines, and a cycle, with the nodes on it.
 */
#include <string.h>

#include "onnx.h"

static uint32_t
hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static Sym **
find_slot(Sym **slots, uint32_t cap, const char *name)
{
	uint32_t i = hash_name(name) & (cap - 1);

	while (slots[i] && strcmp(slots[i]->name, name))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void
grow(Importer *im)
{
	uint32_t cap = im->capsyms ? im->capsyms * 2 : 256;
	Sym **slots = NEWARRAY(im->cx->perm, Sym *, cap);

	for (uint32_t i = 0; i < im->capsyms; i++)
		if (im->syms[i])
			*find_slot(slots, cap, im->syms[i]->name) = im->syms[i];
	im->syms = slots;
	im->capsyms = cap;
}

Sym *
onnx_sym(Importer *im, const char *name)
{
	if (!im->capsyms)
		return NULL;
	return *find_slot(im->syms, im->capsyms, name);
}

Sym *
onnx_sym_add(Importer *im, const char *name)
{
	Sym **slot;

	if (2 * (im->nsyms + 1) > im->capsyms)
		grow(im);
	slot = find_slot(im->syms, im->capsyms, name);
	if (!*slot) {
		*slot = NEW(im->cx->perm, Sym);
		(*slot)->name = name;
		(*slot)->producer = -1;
		im->nsyms++;
	}
	return *slot;
}

static bool
is_defined(const Sym *s)
{
	return s->is_init || s->is_input || s->producer >= 0;
}

/* Records which node defines each name; a name defined twice breaks SSA. */
static bool
index_outputs(Importer *im)
{
	bool ok = true;

	for (uint32_t i = 0; i < im->gp->n_node; i++) {
		const Onnx__NodeProto *p = im->gp->node[i];
		Loc loc = onnx_node_loc(im, p, i);
		for (size_t j = 0; j < p->n_output; j++) {
			Sym *s;
			if (!*p->output[j])
				continue;
			s = onnx_sym_add(im, p->output[j]);
			if (is_defined(s)) {
				diag(im->cx, DIAG_ERROR, &loc,
				     "output \"%s\" is already defined by %s",
				     s->name,
				     s->is_init ? "an initializer"
				     : s->is_input
				         ? "a graph input"
				         : arena_printf(
				               im->cx->perm, "node \"%s\"",
				               onnx_node_label(
				                   im, (uint32_t)s->producer)));
				ok = false;
				continue;
			}
			s->producer = (int32_t)i;
		}
	}
	return ok;
}

/* Counts uses and reports names that nothing defines. */
static bool
index_uses(Importer *im)
{
	const Onnx__GraphProto *gp = im->gp;
	bool ok = true;

	for (uint32_t i = 0; i < gp->n_node; i++) {
		const Onnx__NodeProto *p = gp->node[i];
		Loc loc = onnx_node_loc(im, p, i);
		for (size_t j = 0; j < p->n_input; j++) {
			Sym *s;
			if (!*p->input[j])
				continue;
			s = onnx_sym_add(im, p->input[j]);
			s->nuses++;
			if (!is_defined(s)) {
				diag(im->cx, DIAG_ERROR, &loc,
				     "input \"%s\" is not defined by any node, "
				     "initializer or graph input",
				     s->name);
				ok = false;
			}
		}
	}
	for (size_t i = 0; i < gp->n_output; i++) {
		const char *name =
		    gp->output[i]->name ? gp->output[i]->name : "";
		Sym *s = onnx_sym_add(im, name);
		s->nuses++;
		s->is_output = true;
		if (!is_defined(s)) {
			diag(im->cx, DIAG_ERROR, &im->floc,
			     "graph output \"%s\" is not defined by any node, "
			     "initializer or graph input",
			     name);
			ok = false;
		}
	}
	return ok;
}

/* A binary min-heap of node indices: the ready nodes. */
typedef struct Heap {
	uint32_t *v;
	uint32_t n;
} Heap;

static void
heap_push(Heap *h, uint32_t x)
{
	uint32_t i = h->n++;

	while (i > 0 && h->v[(i - 1) / 2] > x) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = x;
}

static uint32_t
heap_pop(Heap *h)
{
	uint32_t top = h->v[0], x = h->v[--h->n], i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1] < h->v[c])
			c++;
		if (h->v[c] >= x)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = x;
	return top;
}

/* The producer of a node input, or -1 for constants, inputs and "". */
static int32_t
producer(Importer *im, const char *name)
{
	Sym *s = *name ? onnx_sym(im, name) : NULL;

	return s ? s->producer : -1;
}

/* Some node is left with unsorted predecessors: walk predecessors that are
 * still unsorted until one repeats; that one is on a cycle. */
static void
report_cycle(Importer *im, const uint32_t *indeg)
{
	uint32_t nn = (uint32_t)im->gp->n_node, start = 0, len = 0, at, first;
	uint32_t *path = NEWARRAY(im->cx->scratch, uint32_t, nn + 1);
	int32_t *seen = NEWARRAY(im->cx->scratch, int32_t, nn);
	const Onnx__NodeProto *p;
	Loc loc;
	char *msg;

	while (!indeg[start])
		start++;
	for (uint32_t i = 0; i < nn; i++)
		seen[i] = -1;
	at = start;
	while (seen[at] < 0) {
		seen[at] = (int32_t)len;
		path[len++] = at;
		p = im->gp->node[at];
		for (size_t j = 0; j < p->n_input; j++) {
			int32_t q = producer(im, p->input[j]);
			if (q >= 0 && indeg[q]) {
				at = (uint32_t)q;
				break;
			}
		}
	}
	/* path[seen[at]..len) runs against the data flow; print it along. */
	first = (uint32_t)seen[at];
	msg = arena_printf(im->cx->perm, "%s", onnx_node_label(im, at));
	for (uint32_t i = len; i-- > first;)
		msg = arena_printf(im->cx->perm, "%s -> %s", msg,
		                   onnx_node_label(im, path[i]));
	loc = onnx_node_loc(im, im->gp->node[at], at);
	diag(im->cx, DIAG_ERROR, &loc, "node is part of a cycle: %s", msg);
}

uint32_t *
onnx_sort_nodes(Importer *im)
{
	uint32_t nn = (uint32_t)im->gp->n_node, norder = 0;
	Arena *a = im->cx->scratch;
	uint32_t *order = NEWARRAY(a, uint32_t, nn + 1);
	uint32_t *indeg = NEWARRAY(a, uint32_t, nn + 1);
	uint32_t *start = NEWARRAY(a, uint32_t, nn + 2);
	uint32_t *succ, *fill;
	Heap ready = {NEWARRAY(a, uint32_t, nn + 1), 0};
	bool ok;

	ok = index_outputs(im);
	ok = index_uses(im) && ok;
	/* Successor lists in CSR form: an edge per input naming a node output.
	 */
	for (uint32_t i = 0; i < nn; i++) {
		const Onnx__NodeProto *p = im->gp->node[i];
		for (size_t j = 0; j < p->n_input; j++) {
			int32_t q = producer(im, p->input[j]);
			if (q >= 0) {
				start[q + 1]++;
				indeg[i]++;
			}
		}
	}
	for (uint32_t i = 0; i < nn; i++)
		start[i + 1] += start[i];
	succ = NEWARRAY(a, uint32_t, start[nn] + 1);
	fill = NEWARRAY(a, uint32_t, nn + 1);
	memcpy(fill, start, nn * sizeof *fill);
	for (uint32_t i = 0; i < nn; i++) {
		const Onnx__NodeProto *p = im->gp->node[i];
		for (size_t j = 0; j < p->n_input; j++) {
			int32_t q = producer(im, p->input[j]);
			if (q >= 0)
				succ[fill[q]++] = i;
		}
	}
	for (uint32_t i = 0; i < nn; i++)
		if (!indeg[i])
			heap_push(&ready, i);
	while (ready.n) {
		uint32_t i = heap_pop(&ready);
		order[norder++] = i;
		for (uint32_t e = start[i]; e < start[i + 1]; e++)
			if (!--indeg[succ[e]])
				heap_push(&ready, succ[e]);
	}
	if (norder < nn) {
		report_cycle(im, indeg);
		ok = false;
	}
	return ok ? order : NULL;
}
