/* onnx_import.c -- ModelProto -> Graph: the file, the opsets, the
 * initializers, the graph inputs, the node walk and the graph outputs.
 *
 * The model is unpacked by protobuf-c into Ctx.perm (its allocator is the
 * arena, its free does nothing), so initializer bytes are copied once and
 * constants borrow them.  Every problem is reported with diag(); the walk
 * goes on past unsupported nodes, skipping nodes whose inputs could not be
 * made, so a single run lists every unsupported operator (up to
 * Ctx.maxerrors).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "onnx.h"

static void *
pb_alloc(void *arena, size_t size)
{
	return arena_alloc(arena, size ? size : 1, 16);
}

static void
pb_free(void *arena, void *p)
{
	(void)arena;
	(void)p;
}

/* The whole file, in a malloc'ed buffer the caller frees. */
static uint8_t *
read_file(Importer *im, size_t *len)
{
	FILE *f = fopen(im->path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t n = 0, cap = 0, got;

	if (!f) {
		diag(im->cx, DIAG_ERROR, &im->floc, "cannot open model: %s",
		     strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			nb = realloc(buf, cap);
			if (!nb)
				bug("out of memory reading %s", im->path);
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		diag(im->cx, DIAG_ERROR, &im->floc, "cannot read model: %s",
		     strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static const Onnx__ModelProto *
load_model(Importer *im)
{
	ProtobufCAllocator pa = {pb_alloc, pb_free, im->cx->perm};
	Onnx__ModelProto *mp;
	unsigned int mdlen = 0;
	size_t len;
	uint8_t *buf = read_file(im, &len);

	if (!buf)
		return NULL;
	if (!EVP_Digest(buf, len, im->g->sha256, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != sizeof im->g->sha256)
		bug("SHA-256 of %s failed", im->path);
	mp = onnx__model_proto__unpack(&pa, len, buf);
	free(buf);
	if (!mp) {
		diag(im->cx, DIAG_ERROR, &im->floc,
		     "not a valid ONNX model (protobuf parse failed)");
		return NULL;
	}
	if (!mp->graph) {
		diag(im->cx, DIAG_ERROR, &im->floc,
		     "not a valid ONNX model (it has no graph)");
		return NULL;
	}
	return mp;
}

static bool
is_default_domain(const char *d)
{
	return !d || !*d || !strcmp(d, "ai.onnx");
}

static bool
read_opset(Importer *im)
{
	const Onnx__ModelProto *mp = im->mp;
	bool found = false;

	for (size_t i = 0; i < mp->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *os = mp->opset_import[i];
		if (!is_default_domain(os->domain))
			continue;
		found = true;
		im->opset = os->version;
	}
	if (!found) {
		diag(im->cx, DIAG_ERROR, &im->floc,
		     "the model imports no opset of the default ONNX domain");
		return false;
	}
	if (im->opset < ONNX_OPSET_MIN || im->opset > ONNX_OPSET_MAX) {
		diag(im->cx, DIAG_ERROR, &im->floc,
		     "the model uses ONNX opset %lld; qcc supports opsets %d "
		     "to %d",
		     (long long)im->opset, ONNX_OPSET_MIN, ONNX_OPSET_MAX);
		return false;
	}
	im->g->opset = im->opset;
	return true;
}

static int64_t
domain_opset(const Importer *im, const char *domain)
{
	for (size_t i = 0; i < im->mp->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *os = im->mp->opset_import[i];
		if (os->domain && !strcmp(os->domain, domain))
			return os->version;
	}
	return 0;
}

static void
read_initializers(Importer *im)
{
	const Onnx__GraphProto *gp = im->gp;

	if (gp->n_sparse_initializer)
		diag(im->cx, DIAG_ERROR, &im->floc,
		     "sparse initializers are not supported");
	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *t = gp->initializer[i];
		const char *name = t->name ? t->name : "";
		const char *what =
		    arena_printf(im->cx->perm, "initializer \"%s\"", name);
		Sym *s;
		Value *v;

		if (!*name) {
			diag(im->cx, DIAG_ERROR, &im->floc,
			     "initializer %zu has no name", i);
			continue;
		}
		s = onnx_sym_add(im, name);
		if (s->is_init) {
			diag(im->cx, DIAG_ERROR, &im->floc,
			     "initializer \"%s\" is given twice", name);
			continue;
		}
		s->is_init = true;
		v = onnx_tensor_value(im, t, &im->floc, what, name);
		s->v = v ? v : &im->poison;
	}
}

static void
read_inputs(Importer *im)
{
	const Onnx__GraphProto *gp = im->gp;

	for (size_t i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vi = gp->input[i];
		const char *name = vi->name ? vi->name : "";
		const TensorType *t;
		Sym *s;

		if (!*name) {
			diag(im->cx, DIAG_ERROR, &im->floc,
			     "graph input %zu has no name", i);
			continue;
		}
		s = onnx_sym_add(im, name);
		if (s->is_init) /* a constant with a default value */
			continue;
		if (s->is_input) {
			diag(im->cx, DIAG_ERROR, &im->floc,
			     "graph input \"%s\" is given twice", name);
			continue;
		}
		s->is_input = true;
		t = onnx_input_type(im, vi);
		s->v = t ? ir_input(im->cx, im->g, t, name) : &im->poison;
	}
}

const char *
onnx_node_label(Importer *im, uint32_t index)
{
	const Onnx__NodeProto *p = im->gp->node[index];

	if (p->name && *p->name)
		return p->name;
	return arena_printf(im->cx->perm, "#%u", index);
}

Loc
onnx_node_loc(const Importer *im, const Onnx__NodeProto *p, uint32_t index)
{
	return (Loc){
	    .file = im->path,
	    .node = p->name ? p->name : "",
	    .op_type = p->op_type ? p->op_type : "",
	    .index = index,
	};
}

/* Results of a node that could not be imported poison their users, which
 * are then skipped without further messages. */
static void
poison_outputs(Importer *im, const Onnx__NodeProto *p)
{
	for (size_t i = 0; i < p->n_output; i++) {
		Sym *s = *p->output[i] ? onnx_sym(im, p->output[i]) : NULL;
		if (s && !s->v)
			s->v = &im->poison;
	}
}

/* ONNX Runtime's contrib ops that quantized models carry (quantized
 * import, onnx_ops_quant.c). */
static bool
is_contrib_op(const char *domain, const char *op_type)
{
	return !strcmp(domain, "com.microsoft") &&
	       (!strcmp(op_type, "QLinearAdd") || !strcmp(op_type, "QLinearMul"));
}

static void
import_one(Importer *im, uint32_t index)
{
	const Onnx__NodeProto *p = im->gp->node[index];
	Node n = {.im = im, .p = p, .loc = onnx_node_loc(im, p, index)};
	const char *op_type = n.loc.op_type;

	if (!is_default_domain(p->domain) &&
	    !is_contrib_op(p->domain, op_type)) {
		diag(im->cx, DIAG_ERROR, &n.loc,
		     "unsupported operator %s (domain \"%s\", opset %lld)",
		     op_type, p->domain,
		     (long long)domain_opset(im, p->domain));
		poison_outputs(im, p);
		return;
	}
	n.kind = onnx_op_lookup(op_type);
	if (n.kind < 0) {
		diag(im->cx, DIAG_ERROR, &n.loc,
		     "unsupported operator %s (opset %lld)", op_type,
		     (long long)im->opset);
		poison_outputs(im, p);
		return;
	}
	n.nin = (int)p->n_input;
	n.in = NEWARRAY(im->cx->perm, Value *, p->n_input + 1);
	n.used = NEWARRAY(im->cx->perm, bool, p->n_attribute + 1);
	for (size_t i = 0; i < p->n_input; i++) {
		Sym *s = *p->input[i] ? onnx_sym(im, p->input[i]) : NULL;
		if (s && (!s->v || s->v == &im->poison)) {
			poison_outputs(im, p);
			return;
		}
		n.in[i] = s ? s->v : NULL;
	}
	if (!onnx_import_node(&n))
		poison_outputs(im, p);
}

static void
bind_outputs(Importer *im)
{
	const Onnx__GraphProto *gp = im->gp;

	if (!gp->n_output)
		diag(im->cx, DIAG_ERROR, &im->floc, "the graph has no outputs");
	for (size_t i = 0; i < gp->n_output; i++) {
		const char *name =
		    gp->output[i]->name ? gp->output[i]->name : "";
		Sym *s = onnx_sym(im, name);

		if (s && s->v && s->v != &im->poison)
			ir_add_output(im->cx, im->g, s->v);
	}
}

Graph *
onnx_import(Ctx *cx, const char *path, const ImportOpts *opts)
{
	static const ImportOpts noopts;
	Importer im = {.cx = cx, .opts = opts ? opts : &noopts};
	int nerrors = cx->nerrors;
	uint32_t *order;

	im.path = arena_strdup(cx->perm, path);
	im.floc = (Loc){.file = im.path};
	im.g = ir_graph_new(cx, NULL);
	im.g->file = im.path;
	im.mp = load_model(&im);
	if (!im.mp || !read_opset(&im))
		return NULL;
	im.gp = im.mp->graph;
	im.g->name = arena_strdup(cx->perm, im.gp->name ? im.gp->name : "");
	read_initializers(&im);
	read_inputs(&im);
	if (cx->nerrors > cx->maxerrors)
		return NULL;
	order = onnx_sort_nodes(&im);
	if (!order)
		return NULL;
	for (size_t i = 0; i < im.gp->n_node; i++) {
		if (cx->nerrors > cx->maxerrors)
			return NULL;
		import_one(&im, order[i]);
	}
	bind_outputs(&im);
	return cx->nerrors == nerrors ? im.g : NULL;
}
