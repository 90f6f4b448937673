/* test_plan_memory.c -- plan-memory's offsets never let two tensors that
 * are live at the same time share a byte, views share their input's bytes,
 * and the arena is no smaller than the lower bound.  Every plan is checked
 * exhaustively against liveness recomputed here, independently. */
#include <criterion/criterion.h>

#include "helpers.h"
#include "passes.h"

static Ctx cx;

static void
setup(void)
{
	ctx_init(&cx);
	cx.flags |= CTX_VERIFY_EACH;
}

static void
teardown(void)
{
	ctx_fini(&cx);
}

TestSuite(plan_memory, .init = setup, .fini = teardown);

static bool
run(Graph *g)
{
	bool changed = pass_plan_memory.run(&cx, g);

	arena_reset(cx.scratch);
	cr_assert_eq(cx.nerrors, 0, "plan-memory reported an error");
	ir_verify(&cx, g);
	return changed;
}

/* ---- the independent checker --------------------------------------- */

typedef struct Facts {
	uint32_t n;            /* values */
	bool *scratch;         /* op result, not a graph output */
	uint32_t *def, *last;  /* own live range, op positions inclusive */
	uint32_t *group;       /* alias class: view results join their input */
	uint32_t nops;
} Facts;

static uint32_t
find(uint32_t *group, uint32_t v)
{
	while (group[v] != v)
		v = group[v] = group[group[v]];
	return v;
}

static Facts
facts(const Graph *g)
{
	Facts f = {.n = g->nvalues};
	uint32_t pos = 0;

	f.scratch = NEWARRAY(cx.perm, bool, f.n + 1);
	f.def = NEWARRAY(cx.perm, uint32_t, f.n + 1);
	f.last = NEWARRAY(cx.perm, uint32_t, f.n + 1);
	f.group = NEWARRAY(cx.perm, uint32_t, f.n + 1);
	for (uint32_t i = 0; i < f.n; i++)
		f.group[i] = i;
	for_each_op(op, g) {
		for (int i = 0; i < op->nin; i++)
			if (op->in[i])
				f.last[op->in[i]->id] = pos;
		for (int i = 0; i < op->nout; i++) {
			const Value *v = op->out[i];
			f.scratch[v->id] = !op_is_graph_output(g, v);
			f.def[v->id] = f.last[v->id] = pos;
			if ((op_info[op->kind].flags & OPF_VIEW) &&
			    f.scratch[v->id] && f.scratch[op->in[0]->id])
				f.group[v->id] = find(f.group, op->in[0]->id);
		}
		pos++;
	}
	f.nops = pos;
	return f;
}

/* The largest total of alias-class bytes live at one op position. */
static int64_t
expected_lower_bound(const Graph *g, const Facts *f)
{
	int64_t best = 0;

	for (uint32_t p = 0; p < f->nops; p++) {
		int64_t sum = 0;
		for (uint32_t c = 0; c < f->n; c++) {
			int64_t size = 0;
			bool live = false;
			for (uint32_t v = 0; v < f->n; v++) {
				if (!f->scratch[v] || find(f->group, v) != c)
					continue;
				const TensorType *t = g->values[v]->type;
				int64_t b = (int64_t)type_bytes(t);
				if (b > size)
					size = b;
				live |= f->def[v] <= p && p <= f->last[v];
			}
			if (live)
				sum += size;
		}
		if (sum > best)
			best = sum;
	}
	return best;
}

/* Checks every value and every pair of values against the plan. */
static void
check_plan(const Graph *g)
{
	Facts f = facts(g);

	cr_assert_eq(g->scratch_size % 64, 0);
	for (uint32_t i = 0; i < f.n; i++) {
		const Value *v = g->values[i];
		if (!f.scratch[i]) {
			cr_assert_eq(v->offset, -1, "%%%u (%s) is not scratch "
			             "but has offset %lld", i, v->name,
			             (long long)v->offset);
			continue;
		}
		cr_assert_geq(v->offset, 0, "%%%u has no offset", i);
		cr_assert_eq(v->offset % 64, 0, "%%%u is not 64-aligned", i);
		cr_assert_leq(v->offset + (int64_t)type_bytes(v->type),
		              g->scratch_size, "%%%u ends past the arena", i);
	}
	for (uint32_t a = 0; a < f.n; a++) {
		for (uint32_t b = a + 1; b < f.n && f.scratch[a]; b++) {
			const Value *va = g->values[a], *vb = g->values[b];
			int64_t ea = va->offset + (int64_t)type_bytes(va->type);
			int64_t eb = vb->offset + (int64_t)type_bytes(vb->type);
			if (!f.scratch[b])
				continue;
			if (find(f.group, a) == find(f.group, b)) {
				cr_assert_eq(va->offset, vb->offset,
				             "view %%%u does not alias %%%u", b,
				             a);
				continue;
			}
			if (f.def[a] > f.last[b] || f.def[b] > f.last[a])
				continue;
			cr_assert(ea <= vb->offset || eb <= va->offset,
			          "%%%u [%lld,%lld) and %%%u [%lld,%lld) are "
			          "live together and overlap", a,
			          (long long)va->offset, (long long)ea, b,
			          (long long)vb->offset, (long long)eb);
		}
	}
	cr_assert_eq(g->scratch_lower_bound, expected_lower_bound(g, &f));
	cr_assert_geq(g->scratch_size, g->scratch_lower_bound);
}

/* ---- graphs -------------------------------------------------------- */

static Value *
unary(Graph *g, OpKind k, Value *x)
{
	return tg_infer(&cx, tg_op(&cx, g, k, 1, &x));
}

static Value *
reshape(Graph *g, Value *x, int rank, const int64_t *shape)
{
	Op *op = tg_op(&cx, g, OP_RESHAPE, 1, &x);

	op->a.reshape.rank = rank;
	for (int i = 0; i < rank; i++)
		op->a.reshape.shape[i] = shape[i];
	return tg_infer(&cx, op);
}

Test(plan_memory, a_chain_of_convs_uses_two_buffers)
{
	enum { N = 7 };
	Graph *g = tg_graph(&cx);
	Value *v = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 8, 6, 6)));
	int64_t off[2] = {-1, -1};
	int64_t bytes = 8 * 6 * 6 * 4;
	int n = 0;

	for (int i = 0; i < N; i++)
		v = tg_conv(&cx, g, v, 8, 3, 1, 1, 1, 10 + i);
	tg_output(&cx, g, v);
	cr_assert(run(g));
	check_plan(g);
	for_each_op(op, g) {
		int64_t o = op->out[0]->offset;
		if (o < 0)
			continue;
		cr_assert(n < 2 || o == off[0] || o == off[1],
		          "a third buffer at %lld", (long long)o);
		if (n < 2 && (n == 0 || o != off[0]))
			off[n++] = o;
	}
	cr_assert_eq(n, 2);
	cr_assert_eq(g->scratch_size, 2 * ((bytes + 63) / 64 * 64));
	cr_assert_eq(g->scratch_lower_bound, 2 * bytes);
}

Test(plan_memory, views_of_a_scratch_value_alias_it)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 4, 4)));
	Value *c = tg_conv(&cx, g, x, 4, 3, 1, 1, 1, 1);
	Value *r = reshape(g, c, 3, (int64_t[]){1, 4, 16});
	Value *id = unary(g, OP_IDENTITY, r);
	Value *f = unary(g, OP_FLATTEN, id);
	Value *s = unary(g, OP_SIGMOID, f);
	Value *w = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(5, 64)), 2, -1, 1);
	Op *fc = tg_op(&cx, g, OP_GEMM, 2, (Value *[]){s, w});

	fc->a.gemm.trans_b = true;
	tg_output(&cx, g, tg_infer(&cx, fc));
	run(g);
	check_plan(g);
	cr_assert_geq(c->offset, 0);
	cr_assert_eq(r->offset, c->offset);
	cr_assert_eq(id->offset, c->offset);
	cr_assert_eq(f->offset, c->offset);
	cr_assert_neq(s->offset, c->offset,
	              "a result shares its input's bytes");
}

/* The alias keeps the conv's bytes alive until the view's last use. */
Test(plan_memory, an_alias_keeps_its_buffer_alive_until_the_views_last_use)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 4, 4, 4)));
	Value *c = tg_conv(&cx, g, x, 4, 1, 1, 0, 1, 3);
	Value *f = unary(g, OP_FLATTEN, c);
	Value *a = tg_conv(&cx, g, x, 4, 1, 1, 0, 1, 4);
	Value *b = unary(g, OP_RELU, a);
	Value *fb = unary(g, OP_FLATTEN, b);

	tg_output(&cx, g, tg_infer(&cx, tg_op(&cx, g, OP_ADD, 2,
	                                      (Value *[]){f, fb})));
	run(g);
	check_plan(g);
	cr_assert_neq(a->offset, c->offset);
	cr_assert_neq(b->offset, c->offset);
}

Test(plan_memory, a_view_of_a_graph_input_gets_its_own_buffer)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(2, 6)));
	Value *r = reshape(g, x, 2, (int64_t[]){3, 4});

	tg_output(&cx, g, unary(g, OP_RELU, r));
	run(g);
	check_plan(g);
	cr_assert_eq(x->offset, -1);
	cr_assert_eq(r->offset, 0);
	cr_assert_eq(g->scratch_size, 64);
	cr_assert_eq(g->scratch_lower_bound, 48);
}

Test(plan_memory, a_view_that_is_a_graph_output_lives_in_the_callers_buffer)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 3, 4, 4)));
	Value *c = tg_conv(&cx, g, x, 2, 3, 1, 1, 1, 5);
	Value *f = unary(g, OP_FLATTEN, c);

	tg_output(&cx, g, f);
	run(g);
	check_plan(g);
	cr_assert_eq(f->offset, -1);
	cr_assert_eq(c->offset, 0);
}

Test(plan_memory, inputs_outputs_and_constants_keep_offset_minus_one)
{
	Graph *g = tg_conv_bn(&cx, 4, 3);

	run(g);
	check_plan(g);
	for (uint32_t i = 0; i < g->nvalues; i++)
		if (!g->values[i]->def)
			cr_assert_eq(g->values[i]->offset, -1);
	cr_assert_eq(g->outputs[0]->offset, -1);
	cr_assert_eq(g->first->out[0]->offset, 0);
}

Test(plan_memory, a_graph_without_intermediates_needs_no_scratch)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(3)));

	tg_output(&cx, g, unary(g, OP_RELU, x));
	run(g);
	check_plan(g);
	cr_assert_eq(g->scratch_size, 0);
	cr_assert_eq(g->scratch_lower_bound, 0);
}

/* a[64 B] -> b[64 B] -> c[4096 B] -> output.  First fit in definition
 * order would put a at 0, b at 64 and c at 128 (4224 bytes); largest first
 * puts c at 0, a beside it in time at 0, and b at 4096: the lower bound. */
Test(plan_memory, places_large_buffers_first)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 16)));
	Value *a = unary(g, OP_RELU, x);
	Value *b = unary(g, OP_SIGMOID, a);
	Value *k = tg_const_rand(&cx, g, tg_f32(&cx, TG_DIMS(64, 16)), 1, -1,
	                         1);
	Value *c = tg_infer(&cx, tg_op(&cx, g, OP_ADD, 2, (Value *[]){b, k}));

	tg_output(&cx, g, unary(g, OP_RELU, c));
	run(g);
	check_plan(g);
	cr_assert_eq(c->offset, 0);
	cr_assert_eq(a->offset, 0);
	cr_assert_eq(b->offset, 4096);
	cr_assert_eq(g->scratch_size, 4160);
	cr_assert_eq(g->scratch_lower_bound, 4160);
}

/* Values of ops a later pass removed lose their offsets on the next run. */
Test(plan_memory, replanning_clears_offsets_of_removed_ops)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 16)));
	Value *a = unary(g, OP_RELU, x);
	Value *b = unary(g, OP_SIGMOID, a);

	tg_output(&cx, g, unary(g, OP_HARDSWISH, b));
	run(g);
	cr_assert_eq(a->offset, 0);
	cr_assert_eq(b->offset, 64);
	ir_set_input(g->last, 0, a);
	ir_remove(g, b->def);
	cr_assert(run(g));
	check_plan(g);
	cr_assert_eq(b->offset, -1);
	cr_assert_not(run(g), "a second plan of the same graph changed it");
}

/* ---- random graphs ------------------------------------------------- */

/* A random DAG of n ops on [1,C,4,4] tensors: convs, activations, adds of
 * equal shapes, concats, reshapes and identities; some results are
 * outputs, some dead. */
static Graph *
random_graph(uint32_t seed, int n)
{
	Graph *g = tg_graph(&cx);
	Value **vals = NEWARRAY(cx.perm, Value *, n + 2);
	uint32_t s = seed;
	int nv = 0;

	vals[nv++] = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, 2, 4, 4)));
	for (int i = 0; i < n; i++) {
		Value *a = vals[tg_rand(&s) % nv], *b = NULL, *y;
		int c = (int)a->type->dim[1];
		for (int j = 0; j < nv && !b; j++) {
			Value *t = vals[(j + tg_rand(&s)) % nv];
			if (type_eq(t->type, a->type) && t != a)
				b = t;
		}
		switch (tg_rand(&s) % 6) {
		case 0:
			y = tg_conv(&cx, g, a, 1 + (int)(tg_rand(&s) % 8), 3, 1,
			            1, 1, tg_rand(&s));
			break;
		case 1:
			y = unary(g, OP_RELU, a);
			break;
		case 2:
			y = b ? tg_infer(&cx, tg_op(&cx, g, OP_ADD, 2,
			                             (Value *[]){a, b}))
			      : unary(g, OP_SIGMOID, a);
			break;
		case 3:
			if (c < 12 && b) {
				Op *op = tg_op(&cx, g, OP_CONCAT, 2,
				               (Value *[]){a, b});
				op->a.axis.axis = 1;
				y = tg_infer(&cx, op);
			} else {
				y = unary(g, OP_HARDSWISH, a);
			}
			break;
		case 4:
			y = reshape(g, a, 2, (int64_t[]){1, c * 16});
			y = reshape(g, y, 4, (int64_t[]){1, c, 4, 4});
			break;
		default:
			y = unary(g, OP_IDENTITY, a);
			break;
		}
		vals[nv++] = y;
		if (tg_rand(&s) % 8 == 0)
			tg_output(&cx, g, y);
	}
	if (!op_is_graph_output(g, vals[nv - 1]))
		tg_output(&cx, g, vals[nv - 1]);
	return g;
}

Test(plan_memory, random_graphs_never_overlap_live_tensors)
{
	for (uint32_t seed = 1; seed <= 60; seed++) {
		Graph *g = random_graph(seed, 10 + (int)(seed % 30));
		run(g);
		check_plan(g);
	}
}

Test(plan_memory, plans_are_deterministic)
{
	Graph *g = random_graph(7, 30);
	Graph *h = ir_clone(&cx, g);

	const Op *q;

	run(g);
	run(h);
	cr_assert_eq(g->scratch_size, h->scratch_size);
	q = h->first;
	for_each_op(op, g) {
		cr_assert_eq(op->out[0]->offset, q->out[0]->offset, "op %u",
		             op->id);
		q = q->next;
	}
}
