// SPDX-License-Identifier: GPL-2.0
/*
 * selftest_broken.c - test-only defects that prove the debug kernel's
 * checkers are live.  Built only with KISTE_BROKEN=leak or
 * KISTE_BROKEN=lockorder (see selftests/vm/); never in a normal build.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/slab.h>

#include "kiste.h"

#ifdef KISTE_BROKEN_LEAK
/* One object whose last reference is dropped: kmemleak must report it. */
void kiste_selftest_broken(void)
{
	void *p = kmalloc(96, GFP_KERNEL);

	pr_warn("selftest: leaking one object on purpose (KISTE_BROKEN=leak): %p\n", p);
}
#endif

#ifdef KISTE_BROKEN_LOCKORDER
static DEFINE_MUTEX(kiste_broken_a);
static DEFINE_MUTEX(kiste_broken_b);

/* A then B, later B then A: lockdep must report a possible deadlock. */
void kiste_selftest_broken(void)
{
	pr_warn("selftest: taking two locks in both orders on purpose (KISTE_BROKEN=lockorder)\n");
	mutex_lock(&kiste_broken_a);
	mutex_lock(&kiste_broken_b);
	mutex_unlock(&kiste_broken_b);
	mutex_unlock(&kiste_broken_a);

	mutex_lock(&kiste_broken_b);
	mutex_lock(&kiste_broken_a);
	mutex_unlock(&kiste_broken_a);
	mutex_unlock(&kiste_broken_b);
}
#endif
