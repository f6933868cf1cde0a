/* SPDX-License-Identifier: GPL-2.0 */
/* run_shim.h - `kiste run --mode=shim`: parse into struct shim_opts, then run. */
#ifndef KISTE_RUN_SHIM_H
#define KISTE_RUN_SHIM_H

#include "../shim/shim.h"

/*
 * argv[0] is the subcommand ("run"); --mode=shim / --mode shim is accepted and
 * skipped.  Returns 0, or -EINVAL with @err set; o->argv points into @argv.
 */
int run_shim_parse(int argc, char **argv, struct shim_opts *o, struct kiste_err *err);
/* Exit status per DESIGN.md: the workload's, 128+N, 125, 126 or 127. */
int run_shim_run(const struct shim_opts *o);
int run_shim_main(int argc, char **argv);
void run_shim_usage(FILE *f);
/* `kiste policy shim`: the allowlist table and its size. */
int policy_shim_main(int argc, char **argv);

#endif /* KISTE_RUN_SHIM_H */
