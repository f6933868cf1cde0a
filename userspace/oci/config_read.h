/* SPDX-License-Identifier: GPL-2.0 */
/* config_read.h - oci/'s own: the JSON readers config.c and config_linux.c share (not exported). */
#ifndef KISTE_OCI_CONFIG_READ_H
#define KISTE_OCI_CONFIG_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "kiste_oci.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The JSON path of the field being read, for the one error line. */
struct cfg {
	char path[256];
	struct kiste_err *err;
	const char *what;	/* the file, for the error line; NULL: config.json */
};

/* "FILE: PATH: WHAT" in p->err; returns -EINVAL. */
int cfg_bad(struct cfg *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends ".key" (or "[idx]" when @key is NULL) to the path; returns the length to pop to. */
size_t cfg_push(struct cfg *p, const char *key, long idx);
void cfg_pop(struct cfg *p, size_t len);
/* cfg_bad() about member @key of the object at the current path (@fmt takes one %s). */
int cfg_bad_at(struct cfg *p, const char *key, const char *fmt, const char *arg);
const char *cfg_type_word(json_type t);
/* The member @key of @o, checked to be of @type; *out NULL when absent (or null). */
int cfg_get(struct cfg *p, json_object *o, const char *key, json_type type, bool required,
	    json_object **out);
int cfg_dup_str(struct cfg *p, json_object *v, char **out);
int cfg_get_str(struct cfg *p, json_object *o, const char *key, bool required, char **out);
int cfg_get_bool(struct cfg *p, json_object *o, const char *key, bool *out);
/* An integer member within [min, max]; *out untouched when it is absent. */
int cfg_get_int(struct cfg *p, json_object *o, const char *key, int64_t min, int64_t max,
		bool required, int64_t *out);
/* An array of strings; @check (or NULL) judges each one. */
int cfg_get_strv(struct cfg *p, json_object *o, const char *key, bool required,
		 int (*check)(struct cfg *p, const char *s), struct kiste_oci_strv *out);
int cfg_check_env(struct cfg *p, const char *s);
int cfg_check_abs(struct cfg *p, const char *s);
void cfg_strv_free(struct kiste_oci_strv *sv);
/* The entries of array member @key, each an object @fn reads with the path set to it. */
int cfg_string_map(struct cfg *p, json_object *obj, const char *name, struct kiste_oci_kv **kv,
		   size_t *n, const char *(*key_ok)(const char *key));
int cfg_each(struct cfg *p, json_object *o, const char *key, size_t size, void **items,
	     size_t *count, size_t max, int (*fn)(struct cfg *p, json_object *v, void *item));
/* The text of a JSON object (@what names the file in errors); NULL with @err set. */
json_object *cfg_parse_object(const char *what, const char *text, size_t len, size_t max,
			      struct kiste_err *err);

/* config_linux.c: the "linux" member (namespaces, id mappings, resources, paths). */
int cfg_read_linux(struct cfg *p, json_object *root, struct kiste_oci_config *c);
/* config_seccomp.c: linux.seccomp, linux.devices, linux.resources.devices (@res), typed. */
int cfg_read_seccomp(struct cfg *p, json_object *lx, struct kiste_oci_config *c);
int cfg_read_devices(struct cfg *p, json_object *lx, struct kiste_oci_config *c);
int cfg_read_device_rules(struct cfg *p, json_object *res, struct kiste_oci_config *c);
void cfg_seccomp_free(struct kiste_oci_config *c);

#endif /* KISTE_OCI_CONFIG_READ_H */
