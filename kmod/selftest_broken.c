// SPDX-License-Identifier: GPL-2.0
/*
 * selftest_broken.c - test-only defects that prove the debug kernel's
 * checkers are live.  Built only with KISTE_BROKEN=leak, lockorder or both
 * (see selftests/vm/); never in a normal build.  Each defect is found by its
 * own checker alone, so one boot can prove both.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/slab.h>

#include "kiste.h"

#ifdef KISTE_BROKEN_LEAK
/* One object whose last reference is dropped: kmemleak must report it. */
static void kiste_broken_leak(void)
{
	void *p = kmalloc(96, GFP_KERNEL);

	pr_warn("selftest: leaking one object on purpose (KISTE_BROKEN=leak): %p\n", p);
}
#else
static void kiste_broken_leak(void)
{
}
#endif

#ifdef KISTE_BROKEN_LOCKORDER
static DEFINE_MUTEX(kiste_broken_a);
static DEFINE_MUTEX(kiste_broken_b);

/* A then B, later B then A: lockdep must report a possible deadlock. */
static void kiste_broken_lockorder(void)
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
#else
static void kiste_broken_lockorder(void)
{
}
#endif

void kiste_selftest_broken(void)
{
	kiste_broken_leak();
	kiste_broken_lockorder();
}
