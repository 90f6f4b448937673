/* onnx_ops_index.c -- importers for the tensor plumbing ops: Transpose,
 * Squeeze, Unsqueeze, Slice, Gather, Split, Tile, Expand, Pad,
 * DepthToSpace and SpaceToDepth.
 *
 * Integer lists that ONNX moved from attributes to inputs over the opsets
 * (axes, starts/ends/steps, split sizes, repeats, shapes, pads) are read
 * from whichever the node's opset uses; an input must be a constant i64
 * (or i32) tensor, which the shape subgraphs exporters emit become once
 * folded.  Everything is normalized here against the input's shape:
 * negative axes and indices, Slice bounds clamped as ONNX specifies.
 *
 * Several ONNX ops have no IR op of their own:
 *   Squeeze, Unsqueeze   Reshape to the result's dims
 *   Split                one Slice per output
 *   DepthToSpace         Reshape [N,b,b,C/b^2,H,W] (DCR; CRD: [N,C/b^2,b,
 *                        b,H,W]), Transpose, Reshape [N,C/b^2,H*b,W*b]
 *   SpaceToDepth         Reshape [N,C,H/b,b,W/b,b], Transpose [0,3,5,1,2,4],
 *                        Reshape [N,C*b^2,H/b,W/b]
 */
#include <stdarg.h>
#include <string.h>

#include "onnx.h"

enum { MAXINTS = 2 * MAX_RANK };

static const char *
tstr(Node *n, const TensorType *t)
{
	char buf[128];

	return arena_strdup(n->im->cx->perm, type_str(t, buf, sizeof buf));
}

__attribute__((format(printf, 2, 3))) static bool
err(Node *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag(n->im->cx, DIAG_ERROR, &n->loc, "%s", msg);
	return false;
}

/* An integer list from input i (if from_input) or attribute attr, at most
 * max values; *count is -1 if absent. */
static bool
int_list(Node *n, bool from_input, int i, const char *attr,
         const char *what, int64_t *out, int max, int *count)
{
	const Value *v;
	int64_t k;

	*count = -1;
	if (!from_input) {
		const int64_t *p;
		if (!attr_ints(n, attr, &p, count))
			return false;
		if (*count > max)
			return err(n, "%s has %d values; at most %d are supported",
			           what, *count, max);
		if (*count > 0)
			memcpy(out, p, sizeof *p * (size_t)*count);
		return true;
	}
	if (i >= n->nin || !n->in[i])
		return true;
	v = n->in[i];
	if (!v->cst)
		return err(n, "%s (\"%s\") must be a constant", what,
		           n->p->input[i]);
	if ((v->type->dt != DT_I64 && v->type->dt != DT_I32) ||
	    v->type->rank > 1)
		return err(n, "%s (\"%s\") must be an i64 list, not %s", what,
		           n->p->input[i], tstr(n, v->type));
	k = type_numel(v->type);
	if (k > max)
		return err(n, "%s has %lld values; at most %d are supported",
		           what, (long long)k, max);
	for (int64_t j = 0; j < k; j++)
		out[j] = v->type->dt == DT_I64
		             ? ((const int64_t *)v->cst->data)[j]
		             : ((const int32_t *)v->cst->data)[j];
	*count = (int)k;
	return true;
}

/* Makes the axes in a[0..c) non-negative against rank r; no repeats. */
static bool
norm_axes(Node *n, int64_t *a, int c, int r)
{
	bool seen[MAX_RANK] = {0};

	for (int i = 0; i < c; i++) {
		if (a[i] < -r || a[i] >= r)
			return err(n, "%s axis %lld is out of range for rank %d",
			           n->loc.op_type, (long long)a[i], r);
		if (a[i] < 0)
			a[i] += r;
		if (seen[a[i]])
			return err(n, "%s lists axis %lld twice", n->loc.op_type,
			           (long long)a[i]);
		seen[a[i]] = true;
	}
	return true;
}

static Op *
reshape_op(Node *n, Value *x, int rank, const int64_t *dim)
{
	Op *op = node_op(n, OP_RESHAPE, 1, &x);

	op->a.reshape.rank = rank;
	memcpy(op->a.reshape.shape, dim, sizeof *dim * (size_t)rank);
	return op;
}

bool
import_transpose(Node *n)
{
	const TensorType *x = n->in[0]->type;
	int64_t perm[MAXINTS];
	int c;
	Op *op;

	if (!int_list(n, false, 0, "perm", "Transpose perm", perm, MAX_RANK,
	              &c))
		return false;
	if (c < 0)
		for (c = 0; c < x->rank; c++)
			perm[c] = x->rank - 1 - c;
	if (c != x->rank)
		return err(n, "Transpose perm has %d values for input %s", c,
		           tstr(n, x));
	op = node_op(n, OP_TRANSPOSE, 1, n->in);
	for (int i = 0; i < c; i++)
		op->a.transpose.perm[i] = (int32_t)perm[i];
	return node_emit(n, op);
}

bool
import_squeeze(Node *n)
{
	const TensorType *x = n->in[0]->type;
	int64_t axes[MAXINTS], dim[MAX_RANK];
	bool drop[MAX_RANK] = {0};
	int c, r = 0;

	if (!int_list(n, n->im->opset >= 13, 1, "axes", "Squeeze axes", axes,
	              MAX_RANK, &c) ||
	    !norm_axes(n, axes, c, x->rank))
		return false;
	for (int i = 0; i < c; i++) {
		if (x->dim[axes[i]] != 1)
			return err(n, "Squeeze axis %lld of %s is not 1",
			           (long long)axes[i], tstr(n, x));
		drop[axes[i]] = true;
	}
	for (int i = 0; i < x->rank; i++)
		if (!(c < 0 ? x->dim[i] == 1 : drop[i]))
			dim[r++] = x->dim[i];
	return node_emit(n, reshape_op(n, n->in[0], r, dim));
}

bool
import_unsqueeze(Node *n)
{
	const TensorType *x = n->in[0]->type;
	int64_t axes[MAXINTS], dim[MAX_RANK];
	bool add[MAX_RANK] = {0};
	int c, r, k = 0;

	if (!int_list(n, n->im->opset >= 13, 1, "axes", "Unsqueeze axes", axes,
	              MAX_RANK, &c))
		return false;
	if (c < 0)
		return err(n, "Unsqueeze needs axes");
	r = x->rank + c;
	if (r > MAX_RANK)
		return err(n, "Unsqueeze to rank %d is not supported", r);
	if (!norm_axes(n, axes, c, r))
		return false;
	for (int i = 0; i < c; i++)
		add[axes[i]] = true;
	for (int i = 0; i < r; i++)
		dim[i] = add[i] ? 1 : x->dim[k++];
	return node_emit(n, reshape_op(n, n->in[0], r, dim));
}

/* ONNX Slice bounds of one axis of size d into start and length. */
static void
slice_axis(int64_t d, int64_t start, int64_t end, int64_t step,
           int64_t *s, int64_t *len)
{
	if (start < 0)
		start += d;
	if (end < 0)
		end += d;
	if (step > 0) {
		start = start < 0 ? 0 : start > d ? d : start;
		end = end < 0 ? 0 : end > d ? d : end;
		*len = end > start ? (end - start + step - 1) / step : 0;
	} else {
		start = start < 0 ? 0 : start > d - 1 ? d - 1 : start;
		end = end < -1 ? -1 : end > d - 1 ? d - 1 : end;
		*len = start > end ? (start - end - step - 1) / -step : 0;
	}
	*s = *len ? start : 0;
}

bool
import_slice(Node *n)
{
	const TensorType *x = n->in[0]->type;
	bool inputs = n->im->opset >= 10;
	int64_t st[MAXINTS], en[MAXINTS], ax[MAXINTS], sp[MAXINTS];
	int cs, ce, ca, cp;
	SliceAttr a;
	Op *op;

	if (!int_list(n, inputs, 1, "starts", "Slice starts", st, MAX_RANK,
	              &cs) ||
	    !int_list(n, inputs, 2, "ends", "Slice ends", en, MAX_RANK, &ce) ||
	    !int_list(n, inputs, 3, "axes", "Slice axes", ax, MAX_RANK, &ca) ||
	    !int_list(n, inputs, 4, "steps", "Slice steps", sp, MAX_RANK, &cp))
		return false;
	if (cs < 0 || cs != ce || (ca >= 0 && ca != cs) ||
	    (cp >= 0 && cp != cs))
		return err(n, "Slice starts, ends, axes and steps must have "
		           "one length");
	if (ca < 0)
		for (ca = 0; ca < cs; ca++)
			ax[ca] = ca;
	if (!norm_axes(n, ax, ca, x->rank))
		return false;
	for (int i = 0; i < x->rank; i++) {
		a.start[i] = 0;
		a.step[i] = 1;
		a.len[i] = x->dim[i];
	}
	for (int i = 0; i < cs; i++) {
		int64_t step = cp < 0 ? 1 : sp[i], k = ax[i];
		if (step == 0)
			return err(n, "Slice step is 0");
		a.step[k] = step;
		slice_axis(x->dim[k], st[i], en[i], step, &a.start[k],
		           &a.len[k]);
	}
	op = node_op(n, OP_SLICE, 1, n->in);
	op->a.slice = a;
	return node_emit(n, op);
}

bool
import_gather(Node *n)
{
	const TensorType *x = n->in[0]->type;
	const Value *iv = n->in[1];
	int64_t axis, k, *idx;
	Value *in[2];
	Op *op;

	if (!attr_int(n, "axis", 0, &axis))
		return false;
	if (axis < -(int64_t)x->rank || axis >= x->rank)
		return err(n, "Gather axis %lld is out of range for %s",
		           (long long)axis, tstr(n, x));
	if (axis < 0)
		axis += x->rank;
	if (!iv->cst || (iv->type->dt != DT_I64 && iv->type->dt != DT_I32))
		return err(n, "Gather indices (\"%s\") must be a constant "
		           "integer tensor", n->p->input[1]);
	k = type_numel(iv->type);
	idx = NEWARRAY(n->im->cx->perm, int64_t, k + 1);
	for (int64_t j = 0; j < k; j++) {
		idx[j] = iv->type->dt == DT_I64
		             ? ((const int64_t *)iv->cst->data)[j]
		             : ((const int32_t *)iv->cst->data)[j];
		if (idx[j] < -x->dim[axis] || idx[j] >= x->dim[axis])
			return err(n, "Gather index %lld is out of range for "
			           "axis %lld of %s", (long long)idx[j],
			           (long long)axis, tstr(n, x));
		if (idx[j] < 0)
			idx[j] += x->dim[axis];
	}
	in[0] = n->in[0];
	in[1] = ir_const(n->im->cx, n->im->g,
	                 type_with_shape(n->im->cx,
	                                 type_new(n->im->cx, DT_I64, 0, NULL,
	                                          NULL),
	                                 iv->type->rank, iv->type->dim),
	                 idx, iv->name);
	op = node_op(n, OP_GATHER, 2, in);
	op->a.axis.axis = (int32_t)axis;
	return node_emit(n, op);
}

/* Split: output i is the Slice [at, at + size_i) along axis. */
bool
import_split(Node *n)
{
	const TensorType *x = n->in[0]->type;
	int nout = (int)n->p->n_output, c;
	int64_t axis, sizes[255], at = 0, total = 0, parts;

	if (!attr_int(n, "axis", 0, &axis))
		return false;
	if (axis < -(int64_t)x->rank || axis >= x->rank)
		return err(n, "Split axis %lld is out of range for %s",
		           (long long)axis, tstr(n, x));
	if (axis < 0)
		axis += x->rank;
	if (!int_list(n, n->im->opset >= 13, 1, "split", "Split sizes", sizes,
	              255, &c))
		return false;
	if (n->im->opset >= 18 && !attr_int(n, "num_outputs", nout, &parts))
		return false;
	if (c < 0) {
		/* equal parts; from opset 18 the last may be smaller */
		int64_t d = x->dim[axis], each = (d + nout - 1) / nout;
		if (n->im->opset < 18 && d % nout)
			return err(n, "Split of %lld into %d equal parts",
			           (long long)d, nout);
		for (c = 0; c < nout; c++) {
			sizes[c] = each < d - total ? each : d - total;
			total += sizes[c];
		}
	}
	total = 0;
	for (int i = 0; i < c; i++)
		total += sizes[i];
	if (c != nout || total != x->dim[axis])
		return err(n, "Split sizes (%d of them, total %lld) do not fit "
		           "%d outputs and axis %lld of %s", c, (long long)total,
		           nout, (long long)axis, tstr(n, x));
	for (int i = 0; i < nout; i++) {
		Op *op = node_op(n, OP_SLICE, 1, n->in);
		const TensorType *ty[1];

		for (int k = 0; k < x->rank; k++) {
			op->a.slice.start[k] = 0;
			op->a.slice.step[k] = 1;
			op->a.slice.len[k] = x->dim[k];
		}
		op->a.slice.start[axis] = sizes[i] ? at : 0;
		op->a.slice.len[axis] = sizes[i];
		at += sizes[i];
		if (!*n->p->output[i])
			continue;
		if (!ir_infer_op(n->im->cx, op, ty))
			return false;
		op->out[0]->type = ty[0];
		op->out[0]->name = n->p->output[i];
		ir_append(n->im->g, op);
		onnx_sym(n->im, n->p->output[i])->v = op->out[0];
	}
	return true;
}

bool
import_tile(Node *n)
{
	const TensorType *x = n->in[0]->type;
	int64_t rep[MAXINTS];
	int c;
	Op *op;

	if (!int_list(n, true, 1, NULL, "Tile repeats", rep, MAX_RANK, &c))
		return false;
	if (c != x->rank)
		return err(n, "Tile repeats has %d values for input %s", c,
		           tstr(n, x));
	op = node_op(n, OP_TILE, 1, n->in);
	memcpy(op->a.tile.rep, rep, sizeof *rep * (size_t)c);
	return node_emit(n, op);
}

bool
import_expand(Node *n)
{
	int64_t shape[MAXINTS];
	int c;
	Op *op;

	if (!int_list(n, true, 1, NULL, "Expand shape", shape, MAX_RANK, &c))
		return false;
	op = node_op(n, OP_EXPAND, 1, n->in);
	op->a.reshape.rank = c;
	memcpy(op->a.reshape.shape, shape, sizeof *shape * (size_t)c);
	return node_emit(n, op);
}

bool
import_pad(Node *n)
{
	static const char *const modes[] = {"constant", "reflect", "edge"};
	const TensorType *x = n->in[0]->type;
	int64_t pads[MAXINTS], axes[MAXINTS];
	const char *mode;
	int c, ca = -1, r = x->rank;
	PadAttr a = {0};
	Op *op;

	if (!attr_string(n, "mode", "constant", &mode))
		return false;
	for (a.mode = 0; a.mode < 3 && strcmp(modes[a.mode], mode); a.mode++)
		;
	if (a.mode == 3)
		return err(n, "Pad mode \"%s\" is not supported", mode);
	if (!int_list(n, n->im->opset >= 11, 1, "pads", "Pad pads", pads,
	              MAXINTS, &c))
		return false;
	if (n->im->opset >= 18 &&
	    !int_list(n, true, 3, NULL, "Pad axes", axes, MAX_RANK, &ca))
		return false;
	if (ca < 0)
		for (ca = 0; ca < r; ca++)
			axes[ca] = ca;
	if (!norm_axes(n, axes, ca, r))
		return false;
	if (c != 2 * ca)
		return err(n, "Pad has %d pads for %d axes", c, ca);
	for (int i = 0; i < ca; i++) {
		a.before[axes[i]] = pads[i];
		a.after[axes[i]] = pads[ca + i];
	}
	if (n->im->opset < 11) {
		if (!attr_float(n, "value", 0.0f, &a.value))
			return false;
	} else if (n->nin > 2 && n->in[2]) {
		const Value *v = node_const_input(n, 2, "Pad constant_value",
		                                  DT_F32);
		if (!v)
			return false;
		if (type_numel(v->type) != 1)
			return err(n, "Pad constant_value must be a scalar");
		a.value = value_f32(v)[0];
	}
	op = node_op(n, OP_PAD, 1, n->in);
	op->a.pad = a;
	return node_emit(n, op);
}

/* Reshape to pre, Transpose by perm, Reshape to post: the block moves of
 * DepthToSpace and SpaceToDepth. */
static bool
block_move(Node *n, const int64_t *pre, const int32_t *perm,
           const int64_t *post)
{
	Value *v = node_aux(n, reshape_op(n, n->in[0], 6, pre));
	Op *op;

	if (!v)
		return false;
	op = node_op(n, OP_TRANSPOSE, 1, &v);
	memcpy(op->a.transpose.perm, perm, sizeof *perm * 6);
	v = node_aux(n, op);
	return v && node_emit(n, reshape_op(n, v, 4, post));
}

static bool
block_size(Node *n, const TensorType *x, int64_t *b)
{
	if (!attr_int(n, "blocksize", 0, b))
		return false;
	if (x->rank != 4)
		return err(n, "%s input must have rank 4, not %s",
		           n->loc.op_type, tstr(n, x));
	if (*b < 1)
		return err(n, "%s blocksize must be positive", n->loc.op_type);
	return true;
}

bool
import_depthtospace(Node *n)
{
	static const int32_t dcr[6] = {0, 3, 4, 1, 5, 2};
	static const int32_t crd[6] = {0, 1, 4, 2, 5, 3};
	const TensorType *x = n->in[0]->type;
	const char *mode;
	int64_t b, c;
	bool is_crd;

	if (!block_size(n, x, &b) ||
	    !attr_string(n, "mode", "DCR", &mode))
		return false;
	if (strcmp(mode, "DCR") && strcmp(mode, "CRD"))
		return err(n, "DepthToSpace mode \"%s\" is not supported", mode);
	if (x->dim[1] % (b * b))
		return err(n, "DepthToSpace channels %lld do not divide by "
		           "blocksize^2 = %lld", (long long)x->dim[1],
		           (long long)(b * b));
	c = x->dim[1] / (b * b);
	is_crd = !strcmp(mode, "CRD");
	return block_move(
	    n,
	    is_crd ? (int64_t[]){x->dim[0], c, b, b, x->dim[2], x->dim[3]}
	           : (int64_t[]){x->dim[0], b, b, c, x->dim[2], x->dim[3]},
	    is_crd ? crd : dcr,
	    (int64_t[]){x->dim[0], c, x->dim[2] * b, x->dim[3] * b});
}

bool
import_spacetodepth(Node *n)
{
	static const int32_t perm[6] = {0, 3, 5, 1, 2, 4};
	const TensorType *x = n->in[0]->type;
	int64_t b;

	if (!block_size(n, x, &b))
		return false;
	if (x->dim[2] % b || x->dim[3] % b)
		return err(n, "SpaceToDepth input %s does not divide by "
		           "blocksize %lld", tstr(n, x), (long long)b);
	return block_move(
	    n,
	    (int64_t[]){x->dim[0], x->dim[1], x->dim[2] / b, b, x->dim[3] / b,
	                b},
	    perm,
	    (int64_t[]){x->dim[0], x->dim[1] * b * b, x->dim[2] / b,
	                x->dim[3] / b});
}
