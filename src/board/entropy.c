/* SPDX-License-Identifier: MIT */
/*
 * Board entropy: getrandom(2), or a seeded ChaCha20 keystream when the
 * machine is deterministic. See entropy.h for the construction.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/chacha.h>
#include <nettle/sha2.h>

#include "board/board.h"
#include "board/entropy.h"

/* One label's keystream: ChaCha20 blocks taken whole (nettle's
 * chacha_crypt wants every call but the last to be whole blocks). */
struct stream {
	struct chacha_ctx ctx;
	uint8_t block[CHACHA_BLOCK_SIZE];
	unsigned pos; /* bytes of block used; CHACHA_BLOCK_SIZE = empty */
};

struct vmb_entropy {
	bool seeded;
	uint64_t seed;
	pthread_mutex_t lock; /* guards devices */
	struct stream devices;
};

static void stream_init(struct stream *s, uint64_t seed, const char *label)
{
	static const char domain[] = "vmb-entropy-v1";
	static const uint8_t nonce[CHACHA_NONCE_SIZE];
	uint8_t key[SHA256_DIGEST_SIZE], le[8];
	struct sha256_ctx h;

	for (unsigned i = 0; i < 8; i++)
		le[i] = (uint8_t)(seed >> (8 * i));
	sha256_init(&h);
	sha256_update(&h, sizeof(domain), (const uint8_t *)domain); /* with NUL */
	sha256_update(&h, strlen(label) + 1, (const uint8_t *)label);
	sha256_update(&h, sizeof(le), le);
	sha256_digest(&h, sizeof(key), key);
	chacha_set_key(&s->ctx, key);
	chacha_set_nonce(&s->ctx, nonce);
	s->pos = CHACHA_BLOCK_SIZE;
}

static void stream_read(struct stream *s, uint8_t *out, size_t len)
{
	static const uint8_t zero[CHACHA_BLOCK_SIZE];

	while (len) {
		size_t n;

		if (s->pos == CHACHA_BLOCK_SIZE) {
			chacha_crypt(&s->ctx, sizeof(s->block), s->block, zero);
			s->pos = 0;
		}
		n = CHACHA_BLOCK_SIZE - s->pos;
		if (n > len)
			n = len;
		memcpy(out, s->block + s->pos, n);
		s->pos += (unsigned)n;
		out += n;
		len -= n;
	}
}

static void host_random(void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom((char *)buf + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			vmb_die("getrandom: %s", n ? strerror(errno) : "no bytes");
		done += (size_t)n;
	}
}

void vmb_entropy_derive(uint64_t seed, const char *label, void *buf, size_t len)
{
	struct stream s;

	stream_init(&s, seed, label);
	stream_read(&s, buf, len);
}

struct vmb_entropy *vmb_entropy_create(const struct vmb_spec *spec)
{
	struct vmb_entropy *e = vmb_zalloc(sizeof(*e));

	pthread_mutex_init(&e->lock, NULL);
	if (spec && spec->det.enabled) {
		e->seeded = true;
		e->seed = spec->det.seed;
		stream_init(&e->devices, e->seed, "devices");
	}
	return e;
}

void vmb_entropy_destroy(struct vmb_entropy *e)
{
	if (!e)
		return;
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void vmb_board_entropy(struct vmb_board *b, void *buf, size_t len)
{
	struct vmb_entropy *e = b->entropy;

	if (!e || !e->seeded) {
		host_random(buf, len);
		return;
	}
	pthread_mutex_lock(&e->lock);
	stream_read(&e->devices, buf, len);
	pthread_mutex_unlock(&e->lock);
}

void vmb_board_entropy_for(struct vmb_board *b, const char *label, void *buf,
			   size_t len)
{
	struct vmb_entropy *e = b->entropy;

	if (!e || !e->seeded)
		host_random(buf, len);
	else
		vmb_entropy_derive(e->seed, label, buf, len);
}
