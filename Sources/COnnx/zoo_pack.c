#include "zoo_pack.h"

#include <errno.h>
#include <unistd.h>

typedef struct {
    ProtobufCBuffer base;
    int fd;
    int error;
} FileBuffer;

static void file_buffer_append(ProtobufCBuffer *buffer, size_t length, const uint8_t *data) {
    FileBuffer *file = (FileBuffer *)buffer;
    while (length > 0 && file->error == 0) {
        ssize_t written = write(file->fd, data, length);
        if (written < 0) {
            if (errno == EINTR) continue;
            file->error = errno;
            return;
        }
        data += written;
        length -= (size_t)written;
    }
}

size_t zoo_pack_to_fd(const ProtobufCMessage *message, int fd, int *error) {
    FileBuffer buffer = { { file_buffer_append }, fd, 0 };
    size_t size = protobuf_c_message_pack_to_buffer(message, &buffer.base);
    *error = buffer.error;
    return buffer.error == 0 ? size : 0;
}

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Each block starts with a header recording how it was made; 64 bytes keep the payload
 * cache-line aligned in mapped blocks and 16-byte aligned in malloc'd ones. */
enum { HEADER = 64, LARGE = 1 << 20 };

typedef struct {
    size_t mapped_size; /* 0 for a malloc'd block */
} BlockHeader;

static void *zoo_alloc(void *data, size_t size) {
    (void)data;
    if (size > SIZE_MAX - HEADER) return NULL;
    size_t total = size + HEADER;
    char *block;
    if (size >= LARGE) {
        int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#ifdef MAP_POPULATE
        flags |= MAP_POPULATE;
#endif
        void *mapped = mmap(NULL, total, PROT_READ | PROT_WRITE, flags, -1, 0);
        if (mapped == MAP_FAILED) return NULL;
        block = mapped;
        ((BlockHeader *)block)->mapped_size = total;
    } else {
        block = malloc(total);
        if (block == NULL) return NULL;
        ((BlockHeader *)block)->mapped_size = 0;
    }
    return block + HEADER;
}

static void zoo_free(void *data, void *pointer) {
    (void)data;
    if (pointer == NULL) return;
    char *block = (char *)pointer - HEADER;
    size_t mapped = ((BlockHeader *)block)->mapped_size;
    if (mapped != 0) {
        munmap(block, mapped);
    } else {
        free(block);
    }
}

static ProtobufCAllocator allocator = { zoo_alloc, zoo_free, NULL };

ProtobufCAllocator *zoo_unpack_allocator(void) { return &allocator; }
