// SPDX-License-Identifier: GPL-2.0
// config_read.c - the JSON readers behind config.c: typed members, the JSON path, one error line.
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_read.h"

int cfg_bad(struct cfg *p, const char *fmt, ...)
{
	char what[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* a config's own text in it (a name, a value): one line, no terminal escapes */
	kiste_printable(what);
	return kiste_err_set(p->err, -EINVAL, "%s: %s: %s", p->what ? p->what : "config.json",
			     p->path, what);
}

/* Appends ".key" (or "[idx]" when @key is NULL) to the path; returns the length to pop to. */
size_t cfg_push(struct cfg *p, const char *key, long idx)
{
	size_t len = strlen(p->path);

	if (key)
		snprintf(p->path + len, sizeof(p->path) - len, "%s%s", len ? "." : "", key);
	else
		snprintf(p->path + len, sizeof(p->path) - len, "[%ld]", idx);
	return len;
}

void cfg_pop(struct cfg *p, size_t len)
{
	p->path[len] = 0;
}

/* cfg_bad() about member @key of the object at the current path. */
int cfg_bad_at(struct cfg *p, const char *key, const char *fmt, const char *arg)
{
	size_t len = cfg_push(p, key, 0);
	int ret;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	ret = cfg_bad(p, fmt, arg);
#pragma GCC diagnostic pop
	cfg_pop(p, len);
	return ret;
}

const char *cfg_type_word(json_type t)
{
	switch (t) {
	case json_type_boolean:
		return "a boolean";
	case json_type_int:
		return "an integer";
	case json_type_double:
		return "a number";
	case json_type_string:
		return "a string";
	case json_type_array:
		return "an array";
	case json_type_object:
		return "an object";
	default:
		return "null";
	}
}

/* The member @key of @o, checked to be of @type; *out NULL when absent (or null). */
int cfg_get(struct cfg *p, json_object *o, const char *key, json_type type, bool required,
	       json_object **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !v) {
		if (required)
			return cfg_bad_at(p, key, "missing: it must be %s", cfg_type_word(type));
		return 0;
	}
	if (json_object_get_type(v) != type) {
		size_t len = cfg_push(p, key, 0);
		int ret = cfg_bad(p, "must be %s, not %s", cfg_type_word(type),
			      cfg_type_word(json_object_get_type(v)));

		cfg_pop(p, len);
		return ret;
	}
	*out = v;
	return 0;
}

int cfg_dup_str(struct cfg *p, json_object *v, char **out)
{
	/* JSON's "\u0000" would cut the C string short: a different argument or path. */
	if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
		*out = NULL;
		return cfg_bad(p, "a string holds a NUL character (\\u0000): remove it");
	}
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : kiste_err_set(p->err, -ENOMEM, "out of memory");
}

int cfg_get_str(struct cfg *p, json_object *o, const char *key, bool required, char **out)
{
	json_object *v;
	int ret = cfg_get(p, o, key, json_type_string, required, &v);

	if (ret < 0 || !v)
		return ret;
	return cfg_dup_str(p, v, out);
}

int cfg_get_bool(struct cfg *p, json_object *o, const char *key, bool *out)
{
	json_object *v;
	int ret = cfg_get(p, o, key, json_type_boolean, false, &v);

	if (ret == 0 && v)
		*out = json_object_get_boolean(v);
	return ret;
}

/* An integer member within [min, max]; *out untouched when it is absent. */
int cfg_get_int(struct cfg *p, json_object *o, const char *key, int64_t min, int64_t max,
		   bool required, int64_t *out)
{
	json_object *v;
	int ret = cfg_get(p, o, key, json_type_int, required, &v);
	int64_t x;

	if (ret < 0 || !v)
		return ret;
	errno = 0;
	x = json_object_get_int64(v);
	/* json-c clamps what does not fit in 64 bits and says so in errno. */
	if (errno == ERANGE || x < min || x > max) {
		char range[96];
		size_t len = cfg_push(p, key, 0);

		snprintf(range, sizeof(range), "%lld..%lld", (long long)min, (long long)max);
		ret = cfg_bad(p, "%s is out of range: use %s", json_object_get_string(v), range);
		cfg_pop(p, len);
		return ret;
	}
	*out = x;
	return 0;
}

/* An array of strings; @check (or NULL) judges each one. */
int cfg_get_strv(struct cfg *p, json_object *o, const char *key, bool required,
		    int (*check)(struct cfg *p, const char *s), struct kiste_oci_strv *out)
{
	json_object *a, *v;
	size_t i, n, len, ilen;
	int ret = cfg_get(p, o, key, json_type_array, required, &a);

	if (ret < 0 || !a)
		return ret;
	n = json_object_array_length(a);
	len = cfg_push(p, key, 0);
	if (n > KISTE_OCI_ARRAY_MAX) {
		ret = cfg_bad(p, "%zu entries: at most %d", n, KISTE_OCI_ARRAY_MAX);
		goto out;
	}
	out->v = calloc(n + 1, sizeof(char *));
	if (!out->v) {
		ret = kiste_err_set(p->err, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n && ret == 0; i++) {
		v = json_object_array_get_idx(a, i);
		ilen = cfg_push(p, NULL, (long)i);
		if (!v || json_object_get_type(v) != json_type_string)
			ret = cfg_bad(p, "must be a string, not %s",
				  cfg_type_word(v ? json_object_get_type(v) : json_type_null));
		else if (check)
			ret = check(p, json_object_get_string(v));
		if (ret == 0)
			ret = cfg_dup_str(p, v, &out->v[i]);
		if (ret == 0)
			out->n++;
		cfg_pop(p, ilen);
	}
out:
	cfg_pop(p, len);
	return ret;
}

int cfg_check_env(struct cfg *p, const char *s)
{
	if (s[0] == '=' || !strchr(s, '='))
		return cfg_bad(p, "'%s' is not NAME=VALUE: give each entry as NAME=VALUE", s);
	return 0;
}

int cfg_check_abs(struct cfg *p, const char *s)
{
	if (s[0] != '/')
		return cfg_bad(p, "'%s' is not an absolute path: start it with /", s);
	return 0;
}

void cfg_strv_free(struct kiste_oci_strv *sv)
{
	size_t i;

	for (i = 0; sv->v && i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	*sv = (struct kiste_oci_strv){ 0 };
}

/* The entries of array member @key, each an object @fn reads with the path set to it. */
int cfg_each(struct cfg *p, json_object *o, const char *key, size_t size, void **items,
		size_t *count, size_t max, int (*fn)(struct cfg *p, json_object *v, void *item))
{
	json_object *a, *v;
	size_t i, n, len, ilen;
	int ret = cfg_get(p, o, key, json_type_array, false, &a);

	if (ret < 0 || !a)
		return ret;
	n = json_object_array_length(a);
	len = cfg_push(p, key, 0);
	if (n > max) {
		ret = cfg_bad(p, "%zu entries: at most %zu", n, max);
		goto out;
	}
	*items = calloc(n ? n : 1, size);
	if (!*items) {
		ret = kiste_err_set(p->err, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n && ret == 0; i++) {
		v = json_object_array_get_idx(a, i);
		ilen = cfg_push(p, NULL, (long)i);
		/* Count it first: a half-read entry is freed with the others. */
		(*count)++;
		if (!v || json_object_get_type(v) != json_type_object)
			ret = cfg_bad(p, "must be an object");
		else
			ret = fn(p, v, (char *)*items + i * size);
		cfg_pop(p, ilen);
	}
out:
	cfg_pop(p, len);
	return ret;
}

/* The text of a JSON object (@what names the file in errors); NULL with @err set. */
json_object *cfg_parse_object(const char *what, const char *text, size_t len, size_t max,
				 struct kiste_err *err)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	json_object *root;

	if (len > max) {
		kiste_err_set(err, -EFBIG, "%s: %zu bytes: at most %zu", what, len, max);
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		kiste_err_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!root || jerr != json_tokener_success) {
		kiste_err_set(err, -EINVAL, "%s: not valid JSON (%s at byte %zu): fix the file",
			      what,
			      jerr == json_tokener_continue ? "unexpected end"
							    : json_tokener_error_desc(jerr),
			      json_tokener_get_parse_end(tok));
		json_object_put(root);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	if (json_object_get_type(root) != json_type_object) {
		json_object_put(root);
		kiste_err_set(err, -EINVAL, "%s: must be a JSON object: fix the file", what);
		return NULL;
	}
	return root;
}

