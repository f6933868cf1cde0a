// SPDX-License-Identifier: GPL-2.0
// kv.c - a key-value store on the block device "storage": kv put KEY VALUE | kv get KEY | kv list.
#include "kiste_uk_sdk.h"

KISTE_UK_MANIFEST(KISTE_UK_BLOCK("storage"));

/* One record per block: a store of N blocks holds N keys; a zero block is free. */
#define KV_MAGIC   0x3152564bU /* "KVR1" */
#define KV_KEY_MAX 64

struct kv_rec {
	uint32_t magic;
	uint32_t vlen;
	char key[KV_KEY_MAX];
	char value[KISTE_UK_BLOCK_SIZE - 8 - KV_KEY_MAX];
};

static const struct kiste_uk_devinfo *dev;
static struct kv_rec rec;

static int kv_read(uint64_t i)
{
	return uk_block_read(dev->handle, i * dev->block_size, &rec, sizeof(rec));
}

/* Index of KEY, or of the first free block when absent (with *found = 0); -1 when full. */
static int64_t kv_find(const char *key, int *found)
{
	uint64_t i, n = dev->capacity / dev->block_size;
	int64_t free_slot = -1;

	*found = 0;
	for (i = 0; i < n; i++) {
		if (kv_read(i) < 0)
			return -2;
		if (rec.magic != KV_MAGIC) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (!strncmp(rec.key, key, KV_KEY_MAX)) {
			*found = 1;
			return i;
		}
	}
	return free_slot;
}

static int kv_put(const char *key, const char *value)
{
	size_t vlen = strlen(value);
	int found;
	int64_t i;

	if (strlen(key) >= KV_KEY_MAX || vlen >= sizeof(rec.value)) {
		printf("kv: key or value too long (key < %d, value < %d bytes)\n", KV_KEY_MAX,
		       (int)sizeof(rec.value));
		return 2;
	}
	i = kv_find(key, &found);
	if (i < 0) {
		printf("kv: %s\n", i == -1 ? "store full: use a bigger file" : "read error");
		return 1;
	}
	memset(&rec, 0, sizeof(rec));
	rec.magic = KV_MAGIC;
	rec.vlen = vlen;
	strncpy(rec.key, key, KV_KEY_MAX - 1);
	memcpy(rec.value, value, vlen);
	if (uk_block_write(dev->handle, i * dev->block_size, &rec, sizeof(rec)) < 0) {
		printf("kv: write error\n");
		return 1;
	}
	printf("kv: stored %s (block %d)\n", key, (int)i);
	return 0;
}

static int kv_get(const char *key)
{
	int found;
	int64_t i = kv_find(key, &found);

	if (!found) {
		printf("kv: %s: not found\n", key);
		return 1;
	}
	(void)i;
	printf("%s=%.*s\n", key, (int)rec.vlen, rec.value);
	return 0;
}

static int kv_list(void)
{
	uint64_t i, n = dev->capacity / dev->block_size;

	for (i = 0; i < n; i++)
		if (kv_read(i) == 0 && rec.magic == KV_MAGIC)
			printf("%s=%.*s\n", rec.key, (int)rec.vlen, rec.value);
	return 0;
}

int main(int argc, char **argv)
{
	dev = uk_device("storage");
	if (!dev || dev->block_size != sizeof(rec)) {
		printf("kv: needs the block device 'storage' with %d-byte blocks\n",
		       (int)sizeof(rec));
		return 2;
	}
	if (argc == 4 && !strcmp(argv[1], "put"))
		return kv_put(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "get"))
		return kv_get(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "list"))
		return kv_list();
	printf("usage: kv put KEY VALUE | kv get KEY | kv list\n");
	return 2;
}
