/* insn_count.c -- a QEMU TCG plugin (qemu-user -plugin ./insn_count.so)
 * that prints the number of guest instructions executed, for bench.sh's
 * armv8 and riscv64 columns.  Debian's qemu-user exports the plugin API
 * but ships neither plugins nor qemu-plugin.h, so the few declarations
 * used are written out here (API version 1, QEMU 7.2): each translated
 * block gets an inline add of its instruction count to one counter,
 * printed at exit.  Single-threaded guests only (the add is not atomic).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
	enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t, void *), void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t count;

static void
on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
	                                         &count,
	                                         qemu_plugin_tb_n_insns(tb));
}

static void
on_exit(qemu_plugin_id_t id, void *p)
{
	char buf[64];

	(void)id;
	(void)p;
	snprintf(buf, sizeof buf, "insns %" PRIu64 "\n", count);
	qemu_plugin_outs(buf);
}

__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                    char **argv)
{
	(void)info;
	(void)argc;
	(void)argv;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, on_exit, NULL);
	return 0;
}
