/* test_calibrate.c -- the ranges the calibrate pass chooses, on a graph
 * x -> Relu -> r -> Relu -> y (output) with a known distribution: x is
 * negative half the time (so r is exactly 0 half the time, as after a
 * Relu in a CNN) and otherwise exponential with mean 1 (a long tail).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "helpers.h"
#include "passes.h"

enum { N = 1024, NSAMPLES = 40 };

static Ctx cx;

static void
setup(void)
{
	ctx_init(&cx);
}

static void
teardown(void)
{
	ctx_fini(&cx);
}

TestSuite(calibrate, .init = setup, .fini = teardown);

/* Calibrates the graph with method m; *r and *y are the two Relu results;
 * returns the largest sample value. */
static float
calibrate_with(CalibMethod m, double percentile, QuantOpts *q,
               const Value **r, const Value **y)
{
	Graph *g = tg_graph(&cx);
	Value *x = tg_input(&cx, g, tg_f32(&cx, TG_DIMS(1, N)));
	const float **s = NEWARRAY(cx.perm, const float *, NSAMPLES);
	uint32_t state = 12345;
	float mx = 0.0f;

	*r = tg_infer(&cx, tg_op(&cx, g, OP_RELU, 1, &x));
	*y = tg_infer(&cx, tg_op(&cx, g, OP_RELU, 1, (Value *const *)r));
	tg_output(&cx, g, (Value *)*y);
	for (int k = 0; k < NSAMPLES; k++) {
		float *p = NEWARRAY(cx.perm, float, N);

		for (int i = 0; i < N; i++) {
			double u = (tg_rand(&state) >> 8) / 16777216.0;
			p[i] = u < 0.5 ? -1.0f : (float)-log(2.0 * (1.0 - u));
			mx = fmaxf(mx, p[i]);
		}
		s[k] = p;
	}
	*q = (QuantOpts){.method = m, .percentile = percentile, .ninputs = 1,
	                 .nsamples = NSAMPLES, .samples = s};
	cx.quant = q;
	pass_calibrate.run(&cx, g);
	cr_assert_eq(cx.nerrors, 0, "calibrate failed");
	return mx;
}

/* 8-bit codes over a Relu'd exponential: clipping at a small fraction of
 * the maximum (as kl did when the exact zeros weighed against wide ranges
 * and only 128 levels were assumed) loses the tail the next layer needs. */
Test(calibrate, kl_keeps_the_long_tail_of_a_relu_with_many_exact_zeros)
{
	QuantOpts q;
	const Value *r, *y;
	float mx = calibrate_with(CALIB_KL, 0.0, &q, &r, &y);

	cr_assert_eq(q.lo[r->id], 0.0f);
	cr_assert(q.hi[r->id] >= 0.5f * mx && q.hi[r->id] <= mx,
	          "kl chose [0, %g] for values up to %g", q.hi[r->id], mx);
}

/* The graph's output is the answer: no method clips it. */
Test(calibrate, methods_clip_inner_values_but_never_the_graph_output)
{
	const CalibMethod ms[] = {CALIB_PERCENTILE, CALIB_MSE, CALIB_KL};

	for (int i = 0; i < 3; i++) {
		QuantOpts q;
		const Value *r, *y;
		float mx = calibrate_with(ms[i], 99.0, &q, &r, &y);

		cr_assert_eq(q.hi[y->id], mx, "method %d clipped the output "
		             "at %g (max %g)", (int)ms[i], q.hi[y->id], mx);
		if (ms[i] == CALIB_PERCENTILE)
			cr_assert(q.hi[r->id] < 0.8f * mx, "percentile 99 "
			          "kept [0, %g] of %g", q.hi[r->id], mx);
	}
}
