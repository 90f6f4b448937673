/* plan_memory.c -- place every intermediate tensor in one scratch arena.
 *
 * Who owns which bytes at run time:
 *   graph inputs   the caller's input buffers
 *   graph outputs  the caller's output buffers
 *   constants      .rodata
 *   op results     the scratch arena, at Value.offset (the rest keep -1)
 *
 * Liveness.  With ops numbered 0..n-1 in topological order, a result is live
 * from its defining op through its last user, inclusive.  An op's inputs are
 * therefore live at the op itself, so a result never shares bytes with the
 * op's own inputs.
 *
 * Views.  Flatten, Reshape and Identity (OPF_VIEW) produce their input's
 * bytes under another shape.  When the input is itself a scratch value the
 * result aliases it: both join one buffer whose live range is the union of
 * theirs, and the backend copies nothing.
 *
 * Workspaces.  An op whose kernel needs Op.ws_bytes of scratch while it
 * runs (a Conv that select-conv put on the Winograd kernel) gets a buffer
 * live at that op only (def = last = its position), so it shares bytes
 * with anything not live there and never with the op's inputs or result.
 * Its offset goes to Op.ws_offset (-1 for ops without one); it counts in
 * the lower bound like any buffer.
 *
 * Placement is greedy (TFLite's arena planner): buffers taken in some
 * order, each placed at the lowest 64-aligned offset that overlaps no
 * placed buffer whose live range meets its own.  No one order is best:
 * largest first leaves holes when two big buffers live apart squeeze a
 * smaller one between them, definition order when a short-lived giant
 * comes late.  So the greedy runs with several orders (ORDERS: by size,
 * by definition, by lifetime, by size times lifetime; ties by definition)
 * and the smallest arena wins, the first order on ties.  Deterministic
 * by construction.
 *
 * Results: Value.offset for every scratch value; Graph.scratch_size, the
 * arena's bytes rounded up to 64; Graph.scratch_lower_bound, the largest
 * total of buffer bytes live at one op, which no plan can beat.
 * plan_live_bytes gives that total at every op, for the --report chart.
 * requires: infer-shapes (every result typed)
 * invalidated by: any pass that adds, removes or retypes an op
 */
#include <stdlib.h>

#include "passes.h"

enum { ALIGN = 64 };

typedef struct Buf {
	int64_t size;          /* bytes: the largest member */
	int64_t off;           /* placed offset, -1 until placed */
	uint32_t def, last;    /* live range in op positions, inclusive */
	uint32_t idx;          /* creation order = definition order */
} Buf;

typedef struct Plan {
	Buf *buf;
	uint32_t nbuf;
	int32_t *bufof;        /* by Value.id: buffer index, -1 if none */
	int32_t *wsof;         /* by Op.id: workspace buffer, -1 if none */
	uint32_t nops;
} Plan;

static int64_t
align_up(int64_t n)
{
	return (n + ALIGN - 1) / ALIGN * ALIGN;
}

/* Gives every scratch result a buffer (or its view input's buffer) and
 * computes the live ranges. */
static void
build_buffers(Ctx *cx, const Graph *g, Plan *pl)
{
	bool *isout = NEWARRAY(cx->scratch, bool, g->nvalues + 1);
	uint32_t pos = 0;

	pl->bufof = NEWARRAY(cx->scratch, int32_t, g->nvalues + 1);
	pl->wsof = NEWARRAY(cx->scratch, int32_t, g->nops + 1);
	pl->buf = NEWARRAY(cx->scratch, Buf, (size_t)g->nvalues + g->nops + 1);
	for (uint32_t i = 0; i < g->nvalues; i++)
		pl->bufof[i] = -1;
	for (uint32_t i = 0; i < g->nops; i++)
		pl->wsof[i] = -1;
	for (uint32_t i = 0; i < g->noutputs; i++)
		if (g->outputs[i])
			isout[g->outputs[i]->id] = true;
	for_each_op(op, g) {
		for (int i = 0; i < op->nout; i++) {
			const Value *v = op->out[i];
			const Value *src = op->in[0];
			if (!v->type)
				bug("plan-memory: op %u (%s) has an untyped "
				    "result", op->id, op_info[op->kind].name);
			if (isout[v->id])
				continue;
			int64_t size = (int64_t)type_bytes(v->type);
			if ((op_info[op->kind].flags & OPF_VIEW) && src &&
			    pl->bufof[src->id] >= 0) {
				Buf *b = &pl->buf[pl->bufof[src->id]];
				pl->bufof[v->id] = pl->bufof[src->id];
				if (size > b->size)
					b->size = size;
				continue;
			}
			pl->buf[pl->nbuf] = (Buf){
				.size = size, .off = -1, .def = pos,
				.last = pos, .idx = pl->nbuf,
			};
			pl->bufof[v->id] = (int32_t)pl->nbuf++;
		}
		for (int i = 0; i < op->nin; i++) {
			const Value *v = op->in[i];
			if (v && pl->bufof[v->id] >= 0)
				pl->buf[pl->bufof[v->id]].last = pos;
		}
		if (op->ws_bytes > 0) {
			pl->buf[pl->nbuf] = (Buf){
				.size = op->ws_bytes, .off = -1, .def = pos,
				.last = pos, .idx = pl->nbuf,
			};
			pl->wsof[op->id] = (int32_t)pl->nbuf++;
		}
		pos++;
	}
	pl->nops = pos;
}

static int
by_size(const void *pa, const void *pb)
{
	const Buf *a = *(Buf *const *)pa, *b = *(Buf *const *)pb;

	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int
by_def(const void *pa, const void *pb)
{
	const Buf *a = *(Buf *const *)pa, *b = *(Buf *const *)pb;

	if (a->def != b->def)
		return a->def < b->def ? -1 : 1;
	return by_size(pa, pb);
}

static int
by_lifetime(const void *pa, const void *pb)
{
	const Buf *a = *(Buf *const *)pa, *b = *(Buf *const *)pb;
	uint32_t la = a->last - a->def, lb = b->last - b->def;

	if (la != lb)
		return la > lb ? -1 : 1;
	return by_size(pa, pb);
}

static int
by_area(const void *pa, const void *pb)
{
	const Buf *a = *(Buf *const *)pa, *b = *(Buf *const *)pb;
	int64_t aa = a->size * (a->last - a->def + 1);
	int64_t ab = b->size * (b->last - b->def + 1);

	if (aa != ab)
		return aa > ab ? -1 : 1;
	return by_size(pa, pb);
}

static int (*const ORDERS[])(const void *, const void *) = {
	by_size, by_def, by_lifetime, by_area,
};

static int
by_offset(const void *pa, const void *pb)
{
	const Buf *a = *(Buf *const *)pa, *b = *(Buf *const *)pb;

	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static bool
live_together(const Buf *a, const Buf *b)
{
	return a->def <= b->last && b->def <= a->last;
}

/* Greedy in the order cmp gives: each buffer goes to the lowest aligned
 * gap among the placed buffers it is live together with.  Returns the
 * arena's end. */
static int64_t
place_greedy(Ctx *cx, Plan *pl, int (*cmp)(const void *, const void *))
{
	Buf **order = NEWARRAY(cx->scratch, Buf *, pl->nbuf + 1);
	Buf **clash = NEWARRAY(cx->scratch, Buf *, pl->nbuf + 1);
	int64_t end = 0;

	for (uint32_t i = 0; i < pl->nbuf; i++)
		order[i] = &pl->buf[i];
	qsort(order, pl->nbuf, sizeof *order, cmp);
	for (uint32_t i = 0; i < pl->nbuf; i++) {
		Buf *b = order[i];
		uint32_t n = 0;
		int64_t off = 0;

		for (uint32_t j = 0; j < i; j++)
			if (order[j]->size && live_together(b, order[j]))
				clash[n++] = order[j];
		qsort(clash, n, sizeof *clash, by_offset);
		for (uint32_t j = 0; j < n; j++) {
			if (clash[j]->off >= off + b->size)
				break;
			if (clash[j]->off + clash[j]->size > off)
				off = align_up(clash[j]->off + clash[j]->size);
		}
		b->off = off;
		if (off + b->size > end)
			end = off + b->size;
	}
	return align_up(end);
}

/* The smallest arena over ORDERS; leaves its offsets in pl. */
static int64_t
place_buffers(Ctx *cx, Plan *pl)
{
	size_t norders = sizeof ORDERS / sizeof ORDERS[0], best = 0;
	int64_t size, bestsize = -1;

	for (size_t k = 0; k < norders; k++) {
		size = place_greedy(cx, pl, ORDERS[k]);
		if (bestsize < 0 || size < bestsize) {
			bestsize = size;
			best = k;
		}
	}
	return place_greedy(cx, pl, ORDERS[best]);
}

/* Bytes of buffers live at each op position, into live[0..nops-1]. */
static void
live_bytes(Ctx *cx, const Plan *pl, int64_t *live)
{
	int64_t *delta = NEWARRAY(cx->scratch, int64_t, pl->nops + 2);
	int64_t sum = 0;

	for (uint32_t i = 0; i < pl->nbuf; i++) {
		delta[pl->buf[i].def] += pl->buf[i].size;
		delta[pl->buf[i].last + 1] -= pl->buf[i].size;
	}
	for (uint32_t p = 0; p < pl->nops; p++) {
		sum += delta[p];
		live[p] = sum;
	}
}

/* The most bytes live at any one op position. */
static int64_t
lower_bound(Ctx *cx, const Plan *pl)
{
	int64_t *live = NEWARRAY(cx->scratch, int64_t, pl->nops + 1);
	int64_t peak = 0;

	live_bytes(cx, pl, live);
	for (uint32_t p = 0; p < pl->nops; p++)
		if (live[p] > peak)
			peak = live[p];
	return peak;
}

int64_t *
plan_live_bytes(Ctx *cx, const Graph *g, uint32_t *nops)
{
	Plan pl = {0};
	int64_t *live;

	build_buffers(cx, g, &pl);
	live = NEWARRAY(cx->perm, int64_t, pl.nops + 1);
	live_bytes(cx, &pl, live);
	*nops = pl.nops;
	return live;
}

static bool
plan_memory(Ctx *cx, Graph *g)
{
	Plan pl = {0};
	bool changed;
	int64_t size;

	build_buffers(cx, g, &pl);
	size = place_buffers(cx, &pl);
	changed = size != g->scratch_size;
	for (uint32_t i = 0; i < g->nvalues; i++) {
		Value *v = g->values[i];
		int64_t off = pl.bufof[i] >= 0 ? pl.buf[pl.bufof[i]].off : -1;
		if (v->offset != off) {
			v->offset = off;
			changed = true;
		}
	}
	for_each_op(op, g) {
		int64_t off = pl.wsof[op->id] >= 0 ? pl.buf[pl.wsof[op->id]].off : -1;
		if (op->ws_offset != off) {
			op->ws_offset = off;
			changed = true;
		}
	}
	g->scratch_size = size;
	g->scratch_lower_bound = lower_bound(cx, &pl);
	return changed;
}

const Pass pass_plan_memory = {
	.name = "plan-memory",
	.run = plan_memory,
};
