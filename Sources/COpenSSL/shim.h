// COpenSSL shim: the OpenSSL headers Allmende uses, plus static inline wrappers for the
// function-like macros that Swift cannot import. Only files named `*+OpenSSL.swift` import this module.
#ifndef ALLMENDE_COPENSSL_SHIM_H
#define ALLMENDE_COPENSSL_SHIM_H

// The low-level SHA256_CTX (deprecated, not removed, in OpenSSL 3) is the only OpenSSL interface that exposes
// SHA-256's chaining value, which Allmende's chunk index is made of (Protocol/chunk-index.md). It runs the same
// assembly (SHA-NI where present) as EVP. Only the wrappers below use it.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/sha.h>
#include <stdint.h>

static inline long COpenSSL_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
static inline int COpenSSL_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int COpenSSL_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
static inline long COpenSSL_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline void COpenSSL_free(void *pointer) { OPENSSL_free(pointer); }

/// A PEM password callback that never asks: an encrypted key fails to load instead of prompting on a terminal.
static inline int COpenSSL_no_password(char *buf, int size, int rwflag, void *userdata) {
    (void)buf; (void)size; (void)rwflag; (void)userdata;
    return -1;
}

/// Starts a SHA-256 at byte `offset` (a multiple of 64) of a message, from the big-endian chaining value `chain`
/// reached there; `chain == NULL` (with offset 0) is the standard start.
static inline void COpenSSL_sha256_start(SHA256_CTX *context, const unsigned char *chain, uint64_t offset) {
    SHA256_Init(context);
    if (chain == NULL) return;
    for (int word = 0; word < 8; word++) {
        const unsigned char *p = chain + 4 * word;
        context->h[word] = ((SHA_LONG)p[0] << 24) | ((SHA_LONG)p[1] << 16) | ((SHA_LONG)p[2] << 8) | (SHA_LONG)p[3];
    }
    uint64_t bits = offset << 3;
    context->Nl = (SHA_LONG)(bits & 0xffffffffu);
    context->Nh = (SHA_LONG)(bits >> 32);
}

static inline void COpenSSL_sha256_update(SHA256_CTX *context, const void *bytes, size_t count) {
    SHA256_Update(context, bytes, count);
}

/// Writes the big-endian chaining value; returns 0 (and writes nothing) unless the bytes so far are a multiple of 64.
static inline int COpenSSL_sha256_chain(const SHA256_CTX *context, unsigned char *out) {
    if (context->num != 0) return 0;
    for (int word = 0; word < 8; word++) {
        SHA_LONG h = context->h[word];
        out[4 * word] = (unsigned char)(h >> 24);
        out[4 * word + 1] = (unsigned char)(h >> 16);
        out[4 * word + 2] = (unsigned char)(h >> 8);
        out[4 * word + 3] = (unsigned char)h;
    }
    return 1;
}

static inline void COpenSSL_sha256_finish(SHA256_CTX *context, unsigned char *out) { SHA256_Final(out, context); }

#endif
