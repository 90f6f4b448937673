/* graph.c -- building and mutating graphs.
 *
 * These are the only functions that change a graph, so Value.nuses stays
 * exact: each op input and each graph output slot counts as one use.
 */
#include <string.h>

#include "ir.h"

Graph *
ir_graph_new(Ctx *cx, const char *name)
{
	Graph *g = NEW(cx->perm, Graph);

	g->name = arena_strdup(cx->perm, name ? name : "");
	g->file = cx->file;
	return g;
}

static Value *
value_new(Ctx *cx, Graph *g, const TensorType *t, const char *name)
{
	Value *v = NEW(cx->perm, Value);

	v->id = g->nvalues;
	v->type = t;
	v->name = name ? arena_strdup(cx->perm, name) : "";
	v->offset = -1;
	vec_grow(cx->perm, (void **)&g->values, &g->capvalues, g->nvalues + 1,
	         sizeof(Value *));
	g->values[g->nvalues++] = v;
	return v;
}

Op *
ir_op_new(Ctx *cx, Graph *g, OpKind k, const Loc *loc, int nin,
          Value *const *in, int nout, const TensorType *const *outty)
{
	Op *op = NEW(cx->perm, Op);

	QCC_ASSERT(k < OP_COUNT && nin >= 0 && nout >= 0);
	op->id = g->nops++;
	op->kind = k;
	op->nin = (uint16_t)nin;
	op->nout = (uint16_t)nout;
	op->in = NEWARRAY(cx->perm, Value *, nin ? nin : 1);
	op->out = NEWARRAY(cx->perm, Value *, nout ? nout : 1);
	if (loc)
		op->loc = *loc;
	else
		op->loc.file = cx->file;
	for (int i = 0; i < nin; i++) {
		op->in[i] = in[i];
		if (in[i])
			in[i]->nuses++;
	}
	for (int i = 0; i < nout; i++) {
		Value *v = value_new(cx, g, outty ? outty[i] : NULL, NULL);
		v->def = op;
		v->defidx = (uint16_t)i;
		op->out[i] = v;
	}
	return op;
}

void
ir_append(Graph *g, Op *op)
{
	op->next = NULL;
	op->prev = g->last;
	if (g->last)
		g->last->next = op;
	else
		g->first = op;
	g->last = op;
}

void
ir_insert_before(Graph *g, Op *pos, Op *op)
{
	if (!pos) {
		ir_append(g, op);
		return;
	}
	op->next = pos;
	op->prev = pos->prev;
	if (pos->prev)
		pos->prev->next = op;
	else
		g->first = op;
	pos->prev = op;
}

void
ir_set_input(Op *op, int i, Value *v)
{
	QCC_ASSERT(i >= 0 && i < op->nin);
	if (v)
		v->nuses++;
	if (op->in[i]) {
		QCC_ASSERT(op->in[i]->nuses > 0);
		op->in[i]->nuses--;
	}
	op->in[i] = v;
}

void
ir_replace_uses(Graph *g, Value *from, Value *to)
{
	if (from == to)
		return;
	for_each_op(op, g)
		for (int i = 0; i < op->nin; i++)
			if (op->in[i] == from)
				ir_set_input(op, i, to);
	for (uint32_t i = 0; i < g->noutputs; i++)
		if (g->outputs[i] == from)
			ir_set_output(g, i, to);
}

void
ir_remove(Graph *g, Op *op)
{
	for (int i = 0; i < op->nout; i++)
		if (op->out[i]->nuses)
			bug("removing op %u whose result %%%u has %u uses", op->id,
			    op->out[i]->id, op->out[i]->nuses);
	for (int i = 0; i < op->nin; i++)
		ir_set_input(op, i, NULL);
	if (op->prev)
		op->prev->next = op->next;
	else
		g->first = op->next;
	if (op->next)
		op->next->prev = op->prev;
	else
		g->last = op->prev;
	op->prev = op->next = NULL;
}

Value *
ir_const_borrow(Ctx *cx, Graph *g, const TensorType *t, const void *data,
                const char *name)
{
	Value *v = value_new(cx, g, t, name);
	Const *c = NEW(cx->perm, Const);

	c->data = data;
	c->nbytes = type_bytes(t);
	v->cst = c;
	return v;
}

Value *
ir_const(Ctx *cx, Graph *g, const TensorType *t, const void *data,
         const char *name)
{
	size_t n = type_bytes(t);
	void *p = arena_alloc(cx->perm, n ? n : 1, 64);

	if (data)
		memcpy(p, data, n);
	return ir_const_borrow(cx, g, t, p, name);
}

Value *
ir_input(Ctx *cx, Graph *g, const TensorType *t, const char *name)
{
	Value *v = value_new(cx, g, t, name);

	vec_grow(cx->perm, (void **)&g->inputs, &g->capinputs, g->ninputs + 1,
	         sizeof(Value *));
	g->inputs[g->ninputs++] = v;
	return v;
}

void
ir_add_output(Ctx *cx, Graph *g, Value *v)
{
	vec_grow(cx->perm, (void **)&g->outputs, &g->capoutputs, g->noutputs + 1,
	         sizeof(Value *));
	g->outputs[g->noutputs++] = v;
	if (v)
		v->nuses++;
}

void
ir_set_output(Graph *g, uint32_t i, Value *v)
{
	QCC_ASSERT(i < g->noutputs);
	if (v)
		v->nuses++;
	if (g->outputs[i])
		g->outputs[i]->nuses--;
	g->outputs[i] = v;
}

bool
op_is_graph_output(const Graph *g, const Value *v)
{
	for (uint32_t i = 0; i < g->noutputs; i++)
		if (g->outputs[i] == v)
			return true;
	return false;
}

/* A deep copy sharing types and constant data (both immutable). */
Graph *
ir_clone(Ctx *cx, const Graph *g)
{
	Graph *c = ir_graph_new(cx, g->name);
	Value **map = NEWARRAY(cx->perm, Value *, g->nvalues + 1);

	c->file = g->file;
	memcpy(c->sha256, g->sha256, sizeof c->sha256);
	c->opset = g->opset;
	c->shaped = g->shaped;
	for (uint32_t i = 0; i < g->nvalues; i++) {
		const Value *v = g->values[i];
		if (v->cst)
			map[i] = ir_const_borrow(cx, c, v->type, v->cst->data, v->name);
	}
	for (uint32_t i = 0; i < g->ninputs; i++)
		map[g->inputs[i]->id] =
			ir_input(cx, c, g->inputs[i]->type, g->inputs[i]->name);
	for_each_op(op, g) {
		Value *in[256];
		const TensorType *ty[16];
		QCC_ASSERT(op->nin <= 256 && op->nout <= 16);
		for (int i = 0; i < op->nin; i++)
			in[i] = op->in[i] ? map[op->in[i]->id] : NULL;
		for (int i = 0; i < op->nout; i++)
			ty[i] = op->out[i]->type;
		Op *n = ir_op_new(cx, c, op->kind, &op->loc, op->nin, in, op->nout, ty);
		n->act = op->act;
		n->a = op->a;
		n->rq = op->rq;
		for (int i = 0; i < op->nout; i++) {
			n->out[i]->name = op->out[i]->name;
			n->out[i]->offset = op->out[i]->offset;
			map[op->out[i]->id] = n->out[i];
		}
		ir_append(c, n);
	}
	for (uint32_t i = 0; i < g->noutputs; i++)
		ir_add_output(cx, c, map[g->outputs[i]->id]);
	c->scratch_size = g->scratch_size;
	c->scratch_lower_bound = g->scratch_lower_bound;
	return c;
}
